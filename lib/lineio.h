/* lineio.h: NDJSON line I/O. The reader hands out lines as slices of its own
 * large buffer (no copy per line), or, when its source lends its bytes in
 * place (lr_lendfn), as slices of the source's buffer: then only a line that
 * straddles the end of a lent region is copied. It strips one trailing CR
 * and a UTF-8 BOM at the start of the stream, and turns a line longer than
 * max_line into a flagged record instead of growing without bound. The
 * writer buffers output in large blocks and treats a closed pipe as a quiet
 * stop. */
#ifndef SEG_LINEIO_H
#define SEG_LINEIO_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define LINE_MAX_DEFAULT ((size_t)16 << 20)  /* 16 MiB */
#define LINE_TOO_LONG_KEEP 1024              /* bytes of a too-long line kept */

/* lr_readfn: fill up to n bytes; return bytes read, 0 at end, -1 on error
 * (errno set). Lets seg-fetch feed decompressed or downloaded data. */
typedef ssize_t (*lr_readfn)(void *ctx, char *buf, size_t n);

/* lr_lendfn: the optional companion of an lr_readfn over the same ctx: the
 * next bytes of the same stream lent in place instead of copied. Sets *p and
 * returns how many (> 0), and those bytes are consumed as a read's would be;
 * 0 at the end, -1 on error (errno set), as the read function would; or
 * LR_NO_LEND when the source cannot lend its next bytes now (it decodes
 * them into the caller's buffer): the caller reads them with the read
 * function, and may ask to borrow again after. Reads and lends may be mixed
 * in any order; each takes the bytes after the last one's. A lent region
 * stays valid and unchanged until the next read or lend call on the same
 * ctx, or until the source is freed, whichever comes first. */
typedef ssize_t (*lr_lendfn)(void *ctx, const char **p);
#define LR_NO_LEND ((ssize_t)-2)

struct magic;

struct line {
	const char *p;           /* the line without its LF (and CR) */
	size_t len;
	uint64_t lineno;         /* 1-based */
	int too_long;            /* 1: p holds only the first bytes of the line */
	uint64_t full_len;       /* the whole line's length when too_long */
};

struct lreader {
	lr_readfn read;
	lr_lendfn lend;          /* set by the caller after lr_init_fn when the
	                          * source can lend (NULL: every byte is read) */
	void *ctx;
	int fd;
	const char *name;        /* for diagnostics: file name, URL or "-" */
	size_t max_line;
	char *buf;
	size_t cap, start, end;  /* unread bytes are buf[start..end), then */
	const char *lent;        /* lent[0..lent_len): what is left of the region
	                          * the source lent last; meanwhile buf holds at
	                          * most the line that began before it (copied) */
	size_t lent_len;
	uint64_t lineno;
	uint64_t offset;         /* bytes consumed from the stream so far */
	int eof, bom_checked;
	struct buf keep;         /* the first bytes of a too-long line */
	int refuse_binary;       /* set by the caller: an input that starts like
	                          * gzip, an archive or Parquet is refused */
	const struct magic *binary;  /* the format it was refused as (lib/magic) */
};

/* line_blank: a line of only spaces, tabs and CRs (not too long): every
 * program skips it as blank, counted apart from its records. */
int line_blank(const struct line *l);

void lr_init_fd(struct lreader *r, int fd, const char *name, size_t max_line);
void lr_init_fn(struct lreader *r, lr_readfn fn, void *ctx, const char *name, size_t max_line);
/* lr_next: 1 and a line, 0 at end of input, -1 on a read error (errno set)
 * or, with refuse_binary, on binary data (binary set; nothing more is read).
 * The line's bytes (in the reader's buffer or in a region its source lent)
 * stay valid until the next lr_next or lr_free: the source is read or asked
 * to lend only inside lr_next. With refuse_binary, the bytes the binary
 * check looks at are read, not borrowed (the check sees what a read gave). */
int lr_next(struct lreader *r, struct line *out);
/* lr_report: after lr_next returned -1, say why on stderr (a read error
 * after line N, or "gzip data: read it with seg-fetch"); returns what a
 * frame_stream_fn returns for it: -1 (read error) or -2 (not NDJSON). */
int lr_report(const struct lreader *r);
void lr_free(struct lreader *r);

/* open_input: "-" is stdin; else open(2) read-only. -1 with errno on failure. */
int open_input(const char *path);

struct writer {
	int fd;
	const char *name;
	struct buf b;
	int closed;              /* the reader went away (EPIPE) */
	int epipe_discard;       /* set by the caller: on EPIPE set closed and
	                          * discard this and all later output instead
	                          * of exiting (a loader goes on loading) */
};

/* w_open: "-" is stdout, else create/truncate path; -1 with errno set on
 * failure. */
/* w_init: write to the open fd, naming it name in errors. */
void w_init(struct writer *w, int fd, const char *name);
int w_open(struct writer *w, const char *path);
void w_write(struct writer *w, const void *p, size_t n);
/* w_line: p[0..n) and a LF. */
void w_line(struct writer *w, const void *p, size_t n);
/* w_flush: write out the buffer. A write error other than EPIPE exits 74
 * naming the output; EPIPE exits 0 quietly (the consumer stopped reading),
 * or with epipe_discard set marks the writer closed and drops the output. */
void w_flush(struct writer *w);
/* w_sync: flush and fsync(2); exits 74 on failure. */
void w_sync(struct writer *w);
/* w_close: flush, close (not for stdout), free. */
void w_close(struct writer *w);
#endif
