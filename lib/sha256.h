/* sha256.h: SHA-256 through OpenSSL's libcrypto (a well-kept implementation
 * rather than our own), for PII hashing and content ids. */
#ifndef SEG_SHA256_H
#define SEG_SHA256_H
#include <stddef.h>

/* sha256: out receives the 32-byte digest of a then b (b may be NULL). */
void sha256_2(const void *a, size_t an, const void *b, size_t bn, unsigned char out[32]);
/* hex_encode: 2*n lowercase hex digits and a NUL into out. */
void hex_encode(const unsigned char *p, size_t n, char *out);
#endif
