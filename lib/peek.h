/* peek.h: look at the first bytes of a stream before deciding how to read it
 * (gzip? tar? a JSON array?), then read it from the start as if unlooked.
 * After the peeked bytes are handed out, reads go straight to the source into
 * the caller's buffer, so a peek costs one small copy per stream. */
#ifndef SEG_PEEK_H
#define SEG_PEEK_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lineio.h"

struct peek {
	lr_readfn read;
	void *ctx;
	char *buf;
	size_t len, pos, cap;
	int eof, err;
};

void peek_init(struct peek *p, lr_readfn read, void *ctx);
/* peek_fill: buffer at least n bytes from the current position (fewer at the
 * end of the stream). Returns the bytes available at p->buf + p->pos, or -1
 * when the source failed. */
ssize_t peek_fill(struct peek *p, size_t n);
/* peek_read: lr_readfn over a struct peek. */
ssize_t peek_read(void *p, char *buf, size_t n);
void peek_free(struct peek *p);
#endif
