/* fuzz_inflate.c: libFuzzer harness for seg-fetch's gzip member reader
 * (lib/inflate). The input is read twice, in uneven chunks (the first byte
 * sets the chunk size): as decoded, and with each member checked ahead
 * before its bytes are handed out (verify_max and mem_max from the input's
 * size, small enough to cross both bounds: members kept in memory, decoded
 * twice, handed out unverified), and checked again with the bytes borrowed
 * (gunzip_lend) every other call. Whatever the input: no crash, all readers
 * find the same damage at the same offset, the checked output is a prefix
 * of the plain output (nothing of a damaged member), and equal to it when
 * there was no damage; borrowed or read, the checked output is the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "inflate.h"
#include "feed.h"

#define OUT_CAP ((size_t)4 << 20)


/* run: decode to out (up to OUT_CAP), borrowing every other call when
 * lend; 1 if the cap was reached. */
static int run(const uint8_t *p, size_t n, size_t chunk, uint64_t verify_max, uint64_t mem_max,
               int lend, struct buf *out, struct gunzip *g)
{
	struct feed f = { p, n, 0, chunk, NULL };
	char tmp[4096];
	const char *lp;
	ssize_t r;
	gunzip_init(g, feed_read, &f);
	g->verify_max = verify_max;
	g->mem_max = mem_max;
	for (size_t calls = 0;; calls++) {
		r = lend && calls % 2 ? gunzip_lend(g, &lp) : LR_NO_LEND;
		if (r > 0)
			buf_add(out, lp, (size_t)r);
		if (r == LR_NO_LEND && (r = gunzip_read(g, tmp, n % 3 ? sizeof tmp : 7)) > 0)
			buf_add(out, tmp, (size_t)r);
		if (r <= 0)
			break;
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
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
	struct gunzip ga, gb, gc;
	int capped = run(data, size, chunk, 0, 0, 0, &a, &ga);
	capped |= run(data, size, chunk, vmax, mmax, 0, &b, &gb);
	capped |= run(data, size, chunk, vmax, mmax, 1, &c, &gc);
	if (!capped) {
		if (ga.err != gb.err || (ga.err && (ga.err_offset != gb.err_offset || strcmp(ga.errmsg, gb.errmsg))))
			abort();
		if (gc.err != gb.err || gc.err_offset != gb.err_offset || strcmp(gc.errmsg, gb.errmsg) ||
		    c.len != b.len || (c.len && memcmp(c.p, b.p, c.len)))
			abort();
		if (b.len > a.len || (b.len && memcmp(a.p, b.p, b.len)))
			abort();
		if (!ga.err && a.len != b.len)
			abort();
	}
	gunzip_free(&ga);
	gunzip_free(&gb);
	gunzip_free(&gc);
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
	return 0;
}
