/* peek.c: a read-ahead buffer in front of any lr_readfn (see peek.h). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "peek.h"

void peek_init(struct peek *p, lr_readfn read, void *ctx)
{
	memset(p, 0, sizeof *p);
	p->read = read;
	p->ctx = ctx;
}

void peek_free(struct peek *p)
{
	free(p->buf);
	p->buf = NULL;
}

/* from_source: what the source's read or lend returned, its end (0) and
 * its failure (< 0, but not a lend's LR_NO_LEND) noted in p. */
static ssize_t from_source(struct peek *p, ssize_t r)
{
	if (r == 0)
		p->eof = 1;
	if (r < 0 && r != LR_NO_LEND)
		p->err = 1;
	return r;
}

ssize_t peek_fill(struct peek *p, size_t n)
{
	if (p->pos > 0 && p->pos == p->len)
		p->pos = p->len = 0;
	if (p->len - p->pos < n && p->cap - p->pos < n) {
		if (p->len > p->pos)
			memmove(p->buf, p->buf + p->pos, p->len - p->pos);
		p->len -= p->pos;
		p->pos = 0;
		if (p->cap < n) {
			p->buf = xrealloc(p->buf, n);
			p->cap = n;
		}
	}
	while (p->len - p->pos < n && !p->eof) {
		ssize_t r = from_source(p, p->read(p->ctx, p->buf + p->len, p->cap - p->len));
		if (r < 0)
			return -1;
		p->len += (size_t)r;
	}
	return (ssize_t)(p->len - p->pos);
}

ssize_t peek_read(void *ctx, char *buf, size_t n)
{
	struct peek *p = ctx;
	if (p->pos < p->len) {
		size_t k = p->len - p->pos < n ? p->len - p->pos : n;
		memcpy(buf, p->buf + p->pos, k);
		p->pos += k;
		return (ssize_t)k;
	}
	if (p->eof)
		return 0;
	return from_source(p, p->read(p->ctx, buf, n));
}

ssize_t peek_lend(void *ctx, const char **out)
{
	struct peek *p = ctx;
	if (p->pos < p->len) {
		*out = p->buf + p->pos;
		size_t k = p->len - p->pos;
		p->pos = p->len;
		return (ssize_t)k;
	}
	if (p->eof)
		return 0;
	if (!p->lend)
		return LR_NO_LEND;
	return from_source(p, p->lend(p->ctx, out));
}
