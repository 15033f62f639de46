/* spool.c: bounded-memory holding area for streams awaiting verification
 * (see spool.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "spool.h"

/* The memory a freed spool leaves to the next one of its thread (lib/buf's
 * struct spare): seg-fetch spools every object's compressed bytes. */
static _Thread_local struct spare mem_spare;

void spool_init(struct spool *s)
{
	memset(s, 0, sizeof *s);
	s->fd = -1;
}

/* spool_file: the unlinked temporary file for bytes past SPOOL_MEM. */
static void spool_file(struct spool *s)
{
	const char *dir = getenv("TMPDIR");
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/seg-spool.XXXXXX", dir && *dir ? dir : "/tmp");
	s->fd = mkstemp(path.p);
	if (s->fd < 0)
		die(EX_IOERR, "%s: cannot create a spool file: %s", path.p, strerror(errno));
	unlink(path.p);
	buf_free(&path);
}

static void write_all(int fd, off_t off, const char *p, size_t n)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die(EX_IOERR, "spool file in $TMPDIR: write failed: %s", w < 0 ? strerror(errno) : "no progress");
		p += w;
		n -= (size_t)w;
		off += w;
	}
}

void spool_add(struct spool *s, const void *p, size_t n)
{
	const char *c = p;
	if (!n)
		return;
	if (s->len < SPOOL_MEM) {
		size_t k = SPOOL_MEM - (size_t)s->len < n ? SPOOL_MEM - (size_t)s->len : n;
		if (!s->mem)
			s->mem = spare_take(&mem_spare, SPOOL_MEM, &s->mem_cap);
		if (s->len + k > s->mem_cap) {
			size_t cap = s->mem_cap ? s->mem_cap : (size_t)64 << 10;
			while (cap < s->len + k)
				cap *= 2;
			s->mem_cap = cap < SPOOL_MEM ? cap : SPOOL_MEM;
			s->mem = xrealloc(s->mem, s->mem_cap);
		}
		memcpy(s->mem + s->len, c, k);
		s->len += k;
		c += k;
		n -= k;
	}
	if (!n)
		return;
	if (s->fd < 0)
		spool_file(s);
	write_all(s->fd, (off_t)(s->len - SPOOL_MEM), c, n);
	s->len += n;
}

size_t spool_read(struct spool *s, char *buf, size_t n)
{
	uint64_t left = s->len - s->pos;
	if (n > left)
		n = (size_t)left;
	if (!n)
		return 0;
	if (s->pos < SPOOL_MEM) {
		size_t k = SPOOL_MEM - (size_t)s->pos < n ? SPOOL_MEM - (size_t)s->pos : n;
		memcpy(buf, s->mem + s->pos, k);
		s->pos += k;
		return k;
	}
	for (;;) {
		ssize_t r = pread(s->fd, buf, n, (off_t)(s->pos - SPOOL_MEM));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die(EX_IOERR, "spool file in $TMPDIR: read failed: %s", r < 0 ? strerror(errno) : "short file");
		s->pos += (uint64_t)r;
		return (size_t)r;
	}
}

void spool_skip(struct spool *s, uint64_t n)
{
	s->pos += n < s->len - s->pos ? n : s->len - s->pos;
}

void spool_reset(struct spool *s)
{
	s->len = s->pos = 0;
	if (s->fd >= 0 && ftruncate(s->fd, 0) < 0)
		die(EX_IOERR, "spool file in $TMPDIR: truncate failed: %s", strerror(errno));
}

void spool_free(struct spool *s)
{
	spare_give(&mem_spare, s->mem, s->mem_cap);
	if (s->fd >= 0)
		close(s->fd);
	spool_init(s);
}
