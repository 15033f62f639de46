/* lineio.c: buffered line reader and writer for NDJSON streams. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lineio.h"
#include "magic.h"

#define READ_CHUNK ((size_t)1 << 20)

static ssize_t read_fd(void *ctx, char *buf, size_t n)
{
	int fd = *(int *)ctx;
	for (;;) {
		ssize_t r = read(fd, buf, n);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

int line_blank(const struct line *l)
{
	if (l->too_long)
		return 0;
	for (size_t i = 0; i < l->len; i++)
		if (l->p[i] != ' ' && l->p[i] != '\t' && l->p[i] != '\r')
			return 0;
	return 1;
}

void lr_init_fn(struct lreader *r, lr_readfn fn, void *ctx, const char *name, size_t max_line)
{
	memset(r, 0, sizeof *r);
	r->read = fn;
	r->ctx = ctx;
	r->fd = -1;
	r->name = name;
	r->max_line = max_line ? max_line : LINE_MAX_DEFAULT;
	r->cap = READ_CHUNK * 2;
	r->buf = xmalloc(r->cap);
}

void lr_init_fd(struct lreader *r, int fd, const char *name, size_t max_line)
{
	lr_init_fn(r, read_fd, NULL, name, max_line);
	r->fd = fd;
	r->ctx = &r->fd;
}

void lr_free(struct lreader *r)
{
	free(r->buf);
	buf_free(&r->keep);
	r->buf = NULL;
}

/* room: move the buffer's unread bytes to its front and make room for n
 * more after them. */
static void room(struct lreader *r, size_t n)
{
	size_t unread = r->end - r->start;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, unread);
		r->start = 0;
		r->end = unread;
	}
	while (r->cap - r->end < n) {
		r->cap *= 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
}

/* fill: read once more into the buffer, after its unread bytes. Returns
 * bytes read, 0 at end, -1 on error. */
static ssize_t fill(struct lreader *r)
{
	if (r->eof)
		return 0;
	room(r, READ_CHUNK);
	ssize_t n = r->read(r->ctx, r->buf + r->end, r->cap - r->end);
	if (n < 0)
		return -1;
	if (n == 0)
		r->eof = 1;
	r->end += (size_t)n;
	return n;
}

/* window: the unread bytes looked at next: the buffer's when it holds any,
 * else the lent region's. */
static const char *window(const struct lreader *r, size_t *len)
{
	if (r->start < r->end || !r->lent_len) {
		*len = r->end - r->start;
		return r->buf + r->start;
	}
	*len = r->lent_len;
	return r->lent;
}

/* consume: n bytes of the window read. */
static void consume(struct lreader *r, size_t n)
{
	if (r->start < r->end) {
		r->start += n;
	} else {
		r->lent += n;
		r->lent_len -= n;
	}
	r->offset += n;
}

/* take: the lent bytes up to and including the first LF copied after the
 * buffer's (a line that straddles two regions), at most what makes the
 * buffer hold one byte more than max_line. Returns bytes copied. */
static ssize_t take(struct lreader *r)
{
	size_t have = r->end - r->start, k = r->lent_len;
	size_t cap = have <= r->max_line ? r->max_line + 1 - have : 1;
	if (k > cap)
		k = cap;
	const char *nl = memchr(r->lent, '\n', k);
	if (nl)
		k = (size_t)(nl - r->lent) + 1;
	room(r, k);
	memcpy(r->buf + r->end, r->lent, k);
	r->end += k;
	r->lent += k;
	r->lent_len -= k;
	return (ssize_t)k;
}

/* more: bytes after the window, which holds no whole line. A region the
 * source lends becomes the window when the buffer is empty; else the lent
 * bytes are taken into the buffer. Without lending, fill. Returns how many
 * bytes came, 0 at the end, -1 on error. */
static ssize_t more(struct lreader *r)
{
	if (r->eof)
		return 0;
	if (!r->lent_len) {
		ssize_t n = r->lend ? r->lend(r->ctx, &r->lent) : LR_NO_LEND;
		if (n == LR_NO_LEND)
			return fill(r);
		if (n <= 0) {
			r->eof = n == 0;
			return n < 0 ? -1 : 0;
		}
		r->lent_len = (size_t)n;
		if (r->start == r->end)
			return n;
	}
	return take(r);
}

/* strip_bom: drop a UTF-8 byte order mark at the very start of the stream. */
static int strip_bom(struct lreader *r)
{
	while (!r->bom_checked) {
		size_t len;
		const char *w = window(r, &len);
		if (len >= 3 || r->eof) {
			if (len >= 3 && memcmp(w, "\xEF\xBB\xBF", 3) == 0)
				consume(r, 3);
			r->bom_checked = 1;
			w = window(r, &len);
			const struct magic *m = r->refuse_binary ? magic_find(w, len) : NULL;
			if (m) {
				r->binary = m;
				errno = 0;
				return -1;
			}
			break;
		}
		if ((r->refuse_binary ? fill(r) : more(r)) < 0)
			return -1;
	}
	return 0;
}

int lr_report(const struct lreader *r)
{
	if (!r->binary) {
		diag(r->name, 0, "read error after line %llu: %s", (unsigned long long)r->lineno,
		     strerror(errno));
		return -1;
	}
	if (r->binary->kind == MAGIC_OTHER)
		diag(r->name, 0, "%s data: not NDJSON, and no segpipe program reads it", r->binary->name);
	else
		diag(r->name, 0, "%s data: read it with seg-fetch", r->binary->name);
	return -2;
}

/* skip_long_line: the window holds more than max_line bytes of a line: keep
 * the first bytes for the reject record, then discard up to and including
 * the next LF (or the end of input), counting the whole length. */
static int skip_long_line(struct lreader *r, struct line *out)
{
	size_t len;
	const char *w = window(r, &len);
	size_t keep = LINE_TOO_LONG_KEEP < r->max_line ? LINE_TOO_LONG_KEEP : r->max_line;
	if (keep > len)
		keep = len;
	buf_reset(&r->keep);
	buf_add(&r->keep, w, keep);
	uint64_t total = 0;
	for (;;) {
		w = window(r, &len);
		const char *nl = memchr(w, '\n', len);
		size_t n = nl ? (size_t)(nl - w) : len;
		total += n;
		consume(r, n + (nl != NULL));
		if (nl)
			break;
		if (r->lent_len)
			continue;
		ssize_t got = more(r);
		if (got < 0)
			return -1;
		if (got == 0)
			break;
	}
	out->p = r->keep.p;
	out->len = r->keep.len;
	out->too_long = 1;
	out->full_len = total;
	out->lineno = ++r->lineno;
	return 1;
}

int lr_next(struct lreader *r, struct line *out)
{
	if (strip_bom(r) < 0)
		return -1;
	size_t scanned = 0;         /* the window only grows at its end */
	for (;;) {
		size_t avail;
		const char *base = window(r, &avail);
		const char *nl = memchr(base + scanned, '\n', avail - scanned);
		if (nl || (r->eof && avail > 0)) {
			size_t n = nl ? (size_t)(nl - base) : avail;
			if (n > r->max_line)
				return skip_long_line(r, out);
			consume(r, n + (nl != NULL));
			if (n > 0 && base[n - 1] == '\r')
				n--;
			out->p = base;
			out->len = n;
			out->too_long = 0;
			out->full_len = n;
			out->lineno = ++r->lineno;
			return 1;
		}
		if (r->eof)
			return 0;
		if (avail > r->max_line)
			return skip_long_line(r, out);
		scanned = avail;
		if (more(r) < 0)
			return -1;
	}
}

int open_input(const char *path)
{
	if (strcmp(path, "-") == 0)
		return 0;
	return open(path, O_RDONLY | O_CLOEXEC);
}

#define W_CHUNK ((size_t)256 << 10)

void w_init(struct writer *w, int fd, const char *name)
{
	memset(w, 0, sizeof *w);
	w->fd = fd;
	w->name = name;
	buf_grow(&w->b, W_CHUNK);
}

int w_open(struct writer *w, const char *path)
{
	if (strcmp(path, "-") == 0) {
		w_init(w, 1, "stdout");
		return 0;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	w_init(w, fd, path);
	return 0;
}

void w_flush(struct writer *w)
{
	size_t off = 0;
	while (off < w->b.len && !w->closed) {
		ssize_t n = write(w->fd, w->b.p + off, w->b.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE && w->epipe_discard) {
			w->closed = 1;
			break;
		}
		if (n < 0 && errno == EPIPE)
			cli_exit(EX_DONE);
		if (n < 0)
			die(EX_IOERR, "%s: write: %s", w->name, strerror(errno));
		off += (size_t)n;
	}
	w->b.len = 0;
}

void w_write(struct writer *w, const void *p, size_t n)
{
	if (w->b.len + n > W_CHUNK) {
		w_flush(w);
		if (n >= W_CHUNK) {
			/* large pieces go straight out without a copy */
			struct buf saved = w->b;
			w->b.p = (char *)p;
			w->b.len = n;
			w_flush(w);
			w->b = saved;
			return;
		}
	}
	buf_add(&w->b, p, n);
}

void w_line(struct writer *w, const void *p, size_t n)
{
	w_write(w, p, n);
	w_write(w, "\n", 1);
}

void w_sync(struct writer *w)
{
	w_flush(w);
	if (fsync(w->fd) < 0 && errno != EINVAL && errno != EROFS)
		die(EX_IOERR, "%s: fsync: %s", w->name, strerror(errno));
}

void w_close(struct writer *w)
{
	w_flush(w);
	if (w->fd > 2 && close(w->fd) < 0)
		die(EX_IOERR, "%s: close: %s", w->name, strerror(errno));
	buf_free(&w->b);
}
