/* buf.h: a growable byte buffer, the one allocation pattern every module uses.
 * Out of memory is fatal (exit 74 through cli.h's die); callers never check. */
#ifndef SEG_BUF_H
#define SEG_BUF_H
#include <stddef.h>

struct buf {
	char *p;
	size_t len, cap;
};

#define BUF_INIT {0, 0, 0}

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);
static inline void buf_reset(struct buf *b) { b->len = 0; }
/* buf_cstr: the contents NUL-terminated (the NUL is not counted in len). */
const char *buf_cstr(struct buf *b);

/* xmalloc, xrealloc, xstrdup: allocation that exits on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
#endif
