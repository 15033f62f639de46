/* buf.h: a growable byte buffer, the one allocation pattern every module uses.
 * Out of memory is fatal (exit 74 through cli.h's die); callers never check. */
#ifndef SEG_BUF_H
#define SEG_BUF_H
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct buf {
	char *p;
	size_t len, cap;
};

#define BUF_INIT {0, 0, 0}

/* buf_grow: room for extra more bytes and a NUL after them. */
void buf_grow(struct buf *b, size_t extra);
/* buf_add, buf_adds, buf_addc: append bytes, a string, a byte. Inline: the
 * per-value appends of the row and batch writers are a hot path, and they
 * call buf_grow only when the room runs out (cap >= len always holds). */
static inline void buf_add(struct buf *b, const void *p, size_t n)
{
	if (n >= b->cap - b->len)
		buf_grow(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}
static inline void buf_adds(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }
static inline void buf_addc(struct buf *b, char c)
{
	if (b->cap - b->len < 2)
		buf_grow(b, 1);
	b->p[b->len++] = c;
}
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_free(struct buf *b);
static inline void buf_reset(struct buf *b) { b->len = 0; }
/* buf_cstr: the contents NUL-terminated (the NUL is not counted in len). */
const char *buf_cstr(struct buf *b);

/* buf_read_file: append the whole file at path; -1 with errno set when it
 * cannot be opened or read. */
int buf_read_file(struct buf *b, const char *path);

/* MSG_FORMAT: in a function taking (..., const char *fmt, ...), format the
 * arguments after fmt into the char array dst, truncated to fit. The one way
 * the toolkit turns varargs into a message text; a macro because only the
 * variadic function itself may call va_start. */
#define MSG_FORMAT(dst, fmt) do { \
	va_list msg_ap_; \
	va_start(msg_ap_, fmt); \
	vsnprintf((dst), sizeof (dst), (fmt), msg_ap_); \
	va_end(msg_ap_); \
} while (0)

/* xmalloc, xrealloc, xstrdup: allocation that exits on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* A large buffer a finished user leaves to the next one of its thread
 * (seg-fetch decodes object after object): without it, each would grow
 * again from small by doubling, copying what it holds at each step, and
 * fault its pages in afresh (a few hundred page faults per megabyte).
 * Keep one per purpose in a static _Thread_local struct spare.
 * spare_give: p (cap bytes, may be NULL) to s; the larger of it and what s
 * holds is kept, the other freed. spare_take: what s holds, at most max
 * bytes of it counted in *cap (NULL and 0 when nothing); s is left empty. */
struct spare {
	char *p;
	size_t cap;
};
void spare_give(struct spare *s, char *p, size_t cap);
char *spare_take(struct spare *s, size_t max, size_t *cap);
#endif
