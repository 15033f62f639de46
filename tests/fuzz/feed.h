/* feed.h: the input of a fuzz harness as a byte stream (an lr_readfn
 * source) that hands out at most chunk bytes a read, so readers meet their
 * input cut at every place; feed_lend lends them instead (lr_lendfn), each
 * region a copy freed at the next call, so a reader that keeps one too long
 * shows under ASan. Included by the harnesses that read streams. */
#ifndef FUZZ_FEED_H
#define FUZZ_FEED_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "lineio.h"

struct feed {
	const uint8_t *p;
	size_t n, off, chunk;
	char *region;            /* the region feed_lend lent last */
};

/* feed_done: free the last lent region. */
static inline void feed_done(struct feed *f)
{
	free(f->region);
	f->region = NULL;
}

static inline ssize_t feed_read(void *ctx, char *buf, size_t n)
{
	struct feed *f = ctx;
	feed_done(f);
	size_t k = f->n - f->off;
	if (k > n)
		k = n;
	if (k > f->chunk)
		k = f->chunk;
	memcpy(buf, f->p + f->off, k);
	f->off += k;
	return (ssize_t)k;
}

/* feed_lend: lr_lendfn over a struct feed; every third call cannot lend. */
static inline ssize_t feed_lend(void *ctx, const char **p)
{
	struct feed *f = ctx;
	feed_done(f);
	if ((f->off / f->chunk) % 3 == 2)
		return LR_NO_LEND;
	size_t k = f->n - f->off < f->chunk ? f->n - f->off : f->chunk;
	if (k == 0)
		return 0;
	f->region = malloc(k);
	memcpy(f->region, f->p + f->off, k);
	f->off += k;
	*p = f->region;
	return (ssize_t)k;
}
#endif
