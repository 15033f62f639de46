/* peek.h: look at the first bytes of a stream before deciding how to read it
 * (gzip? tar? a JSON array?), then read it from the start as if unlooked.
 * After the peeked bytes are handed out, reads go straight to the source into
 * the caller's buffer, so a peek costs one small copy per stream; or, when
 * the source lends its bytes (lr_lendfn), peek_lend lends the peeked bytes
 * and then the source's, so a peek costs no copy at all. */
#ifndef SEG_PEEK_H
#define SEG_PEEK_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lineio.h"

struct peek {
	lr_readfn read;
	lr_lendfn lend;          /* set by the caller after peek_init: the
	                          * source's lend function, or NULL */
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
/* peek_lend: lr_lendfn over a struct peek: the buffered bytes, then what the
 * source lends (LR_NO_LEND when it has no lend function or cannot lend). */
ssize_t peek_lend(void *p, const char **out);
void peek_free(struct peek *p);
#endif
