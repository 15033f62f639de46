/* fuzz_inflate.c: libFuzzer harness for seg-fetch's gzip member reader
 * (lib/inflate). The input is read twice, in uneven chunks (the first byte
 * sets the chunk size): as decoded, and with each member checked ahead
 * before its bytes are handed out (verify_max and mem_max from the input's
 * size, small enough to cross both bounds: members kept in memory, decoded
 * twice, handed out unverified). Whatever the input: no crash, both readers
 * find the same damage at the same offset, the checked output is a prefix
 * of the plain output (nothing of a damaged member), and equal to it when
 * there was no damage. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "inflate.h"
#include "feed.h"

#define OUT_CAP ((size_t)4 << 20)


/* run: decode to out (up to OUT_CAP); 1 if the cap was reached. */
static int run(const uint8_t *p, size_t n, size_t chunk, uint64_t verify_max, uint64_t mem_max,
               struct buf *out, struct gunzip *g)
{
	struct feed f = { p, n, 0, chunk };
	char tmp[4096];
	ssize_t r;
	gunzip_init(g, feed_read, &f);
	g->verify_max = verify_max;
	g->mem_max = mem_max;
	while ((r = gunzip_read(g, tmp, n % 3 ? sizeof tmp : 7)) > 0) {
		buf_add(out, tmp, (size_t)r);
		if (out->len >= OUT_CAP)
			return 1;
	}
	if (r < 0)
		abort();   /* the feed never fails */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk = size % 64 + 1;
	uint64_t vmax = size % 5 == 0 ? UINT64_MAX / 2 : (uint64_t)(size % 251) * 8 + 1;
	uint64_t mmax = size % 7 == 6 ? 0 : (uint64_t)(size % 7) * 300 + 1;
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct gunzip ga, gb;
	int capped = run(data, size, chunk, 0, 0, &a, &ga);
	capped |= run(data, size, chunk, vmax, mmax, &b, &gb);
	if (!capped) {
		if (ga.err != gb.err || (ga.err && (ga.err_offset != gb.err_offset || strcmp(ga.errmsg, gb.errmsg))))
			abort();
		if (b.len > a.len || (b.len && memcmp(a.p, b.p, b.len)))
			abort();
		if (!ga.err && a.len != b.len)
			abort();
	}
	gunzip_free(&ga);
	gunzip_free(&gb);
	buf_free(&a);
	buf_free(&b);
	return 0;
}
