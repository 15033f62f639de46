/* fuzz_s3list.c: libFuzzer harness for seg-fetch's ListObjectsV2 parsing and
 * listing checks (lib/s3). The input is cut in two answers at its first NUL
 * (a byte XML cannot hold; without one it is one answer); each is parsed
 * and accepted as the next page of one listing. Whatever the bytes: no
 * crash, no leak, no key over S3_KEY_MAX accepted, and every accepted page
 * strictly after the one before it (so paging a hostile server ends). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

static char *last;

/* check_page: an accepted page's keys and prefixes, each after the last. */
static void check_page(const struct s3_page *pg)
{
	const char *after = last;
	for (size_t i = 0; i < pg->nobjs; i++) {
		const char *k = pg->objs[i].key;
		if (!k || strlen(k) > S3_KEY_MAX || !pg->objs[i].etag || !pg->objs[i].last_modified)
			abort();
		if (after && strcmp(k, after) <= 0)
			abort();
		after = k;
	}
	after = last;
	for (size_t i = 0; i < pg->nprefixes; i++) {
		if (strlen(pg->prefixes[i]) > S3_KEY_MAX || (after && strcmp(pg->prefixes[i], after) <= 0))
			abort();
		after = pg->prefixes[i];
	}
	if (pg->truncated && (!pg->next_token || !*pg->next_token))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t cut = nul ? (size_t)(nul - data) : size;
	struct s3_listing L;
	char err[800];
	s3_listing_init(&L, "bucket", "", NULL);
	const char *part[2] = { (const char *)data, (const char *)data + cut + (nul != NULL) };
	size_t len[2] = { cut, size - cut - (nul != NULL) };
	for (int i = 0; i < 2 && L.more; i++) {
		struct s3_page pg;
		memset(&pg, 0, sizeof pg);
		int rc = s3_parse_list(part[i], len[i], &pg, err, sizeof err);
		if (rc == 0) {
			free(last);
			last = L.last ? strdup(L.last) : NULL;
			if (s3_listing_accept(&L, &pg, err, sizeof err) == 0)
				check_page(&pg);
		}
		s3_page_free(&pg);
	}
	free(last);
	last = NULL;
	s3_listing_free(&L);
	return 0;
}
