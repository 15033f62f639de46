/* sha256.c: SHA-256 via libcrypto's EVP interface. */
#include <openssl/evp.h>

#include "cli.h"
#include "sha256.h"

void sha256_2(const void *a, size_t an, const void *b, size_t bn, unsigned char out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 32;
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, a, an) || (b && !EVP_DigestUpdate(ctx, b, bn)) ||
	    !EVP_DigestFinal_ex(ctx, out, &len))
		die(EX_IOERR, "SHA-256 failed in libcrypto");
	EVP_MD_CTX_free(ctx);
}

void hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}
