/* feed.h: the input of a fuzz harness as a byte stream (an lr_readfn
 * source) that hands out at most chunk bytes a read, so readers meet their
 * input cut at every place. Included by the harnesses that read streams. */
#ifndef FUZZ_FEED_H
#define FUZZ_FEED_H
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct feed {
	const uint8_t *p;
	size_t n, off, chunk;
};

static ssize_t feed_read(void *ctx, char *buf, size_t n)
{
	struct feed *f = ctx;
	size_t k = f->n - f->off;
	if (k > n)
		k = n;
	if (k > f->chunk)
		k = f->chunk;
	memcpy(buf, f->p + f->off, k);
	f->off += k;
	return (ssize_t)k;
}
#endif
