/* checkpoint.c: append-only, fsync'd resume file with an in-memory id set
 * (see checkpoint.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cli.h"
#include "idhash.h"
#include "json.h"

/* find_slot: the slot holding id, or the empty slot where it would go. */
static size_t find_slot(const struct checkpoint *c, const char *id, size_t n)
{
	size_t mask = c->nslots - 1, i = fnv1a64(id, n) & mask;   /* ids are content hashes: well spread */
	for (;; i = (i + 1) & mask) {
		uint32_t s = c->slots[i];
		if (!s)
			return i;
		const char *k = c->ids.p + s - 1;
		if (strlen(k) == n && memcmp(k, id, n) == 0)
			return i;
	}
}

/* grow: double the table when it is half full. */
static void grow(struct checkpoint *c)
{
	size_t old = c->nslots;
	uint32_t *os = c->slots;
	c->nslots = old ? old * 2 : 1024;
	c->slots = xcalloc(c->nslots, sizeof *c->slots);
	for (size_t i = 0; i < old; i++)
		if (os[i]) {
			const char *k = c->ids.p + os[i] - 1;
			c->slots[find_slot(c, k, strlen(k))] = os[i];
		}
	free(os);
}

/* idset_insert: add id to the in-memory set (no file write). */
static void idset_insert(struct checkpoint *c, const char *id, size_t n)
{
	if ((c->count + 1) * 2 > c->nslots)
		grow(c);
	size_t i = find_slot(c, id, n);
	if (c->slots[i])
		return;
	if (c->ids.len + n + 1 >= UINT32_MAX)
		die(EX_IOERR, "checkpoint: more than 4 GB of ids");
	c->slots[i] = (uint32_t)c->ids.len + 1;
	buf_add(&c->ids, id, n);
	buf_addc(&c->ids, '\0');
	c->count++;
}

int ckpt_has(const struct checkpoint *c, const char *id, size_t n)
{
	if (!c->nslots || memchr(id, '\0', n))
		return 0;
	return c->slots[find_slot(c, id, n)] != 0;
}

/* load: read the whole file, insert complete lines, return the length of
 * the complete part (a torn tail is after it). */
static int load(struct checkpoint *c, off_t *good)
{
	struct buf b = BUF_INIT;
	char tmp[65536];
	ssize_t r;
	while ((r = read(c->fd, tmp, sizeof tmp)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			buf_free(&b);
			return -1;
		}
		buf_add(&b, tmp, (size_t)r);
	}
	size_t start = 0;
	for (size_t i = 0; i < b.len; i++) {
		if (b.p[i] != '\n')
			continue;
		size_t n = i - start;
		if (n && b.p[i - 1] == '\r')
			n--;
		if (n > 7 && memcmp(b.p + start, "target ", 7) == 0) {
			buf_reset(&c->target);
			buf_add(&c->target, b.p + start, n);
		} else if (n && !memchr(b.p + start, '\0', n)) {
			idset_insert(c, b.p + start, n);
		}
		start = i + 1;
	}
	*good = (off_t)start;
	c->torn = b.len - start;
	buf_free(&b);
	return 0;
}

int ckpt_open(struct checkpoint *c, const char *path)
{
	memset(c, 0, sizeof *c);
	c->path = path;
	c->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (c->fd < 0)
		return -1;
	off_t good;
	if (flock(c->fd, LOCK_EX | LOCK_NB) < 0 || load(c, &good) < 0)
		goto fail;
	/* cut a torn tail so the next append starts a line of its own */
	if (c->torn && (ftruncate(c->fd, good) < 0 || fsync(c->fd) < 0))
		goto fail;
	if (lseek(c->fd, 0, SEEK_END) < 0)
		goto fail;
	return 0;
fail:;
	int e = errno;
	close(c->fd);
	c->fd = -1;
	errno = e;
	return -1;
}

void ckpt_add(struct checkpoint *c, const char *id, size_t n)
{
	idset_insert(c, id, n);
	buf_add(&c->pending, id, n);
	buf_addc(&c->pending, '\n');
}

const char *ckpt_last(const struct checkpoint *c, size_t *n)
{
	if (!c->ids.len)
		return NULL;
	size_t end = c->ids.len - 1, start = end;   /* ids.p[end] is its NUL */
	while (start > 0 && c->ids.p[start - 1] != '\0')
		start--;
	*n = end - start;
	return c->ids.p + start;
}

int ckpt_sync(struct checkpoint *c)
{
	if (!c->pending.len)
		return 0;
	size_t off = 0;
	while (off < c->pending.len) {
		ssize_t w = write(c->fd, c->pending.p + off, c->pending.len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	buf_reset(&c->pending);
	return fdatasync(c->fd);
}

int ckpt_bind(struct checkpoint *c, const char *url, const char *database)
{
	struct buf line = BUF_INIT;
	int rc;
	buf_adds(&line, "target {\"url\":");
	json_write_str(&line, url, strlen(url));
	buf_adds(&line, ",\"database\":");
	if (database)
		json_write_str(&line, database, strlen(database));
	else
		buf_adds(&line, "null");
	buf_addc(&line, '}');
	if (c->target.len)
		rc = c->target.len == line.len && memcmp(c->target.p, line.p, line.len) == 0 ? 0 : -1;
	else {
		buf_add(&c->pending, line.p, line.len);
		buf_addc(&c->pending, '\n');
		rc = ckpt_sync(c) < 0 ? -2 : 1;
		if (rc == 1)
			buf_add(&c->target, line.p, line.len);
	}
	buf_free(&line);
	return rc;
}

int ckpt_close(struct checkpoint *c)
{
	int rc = 0;
	if (c->fd >= 0) {
		rc = ckpt_sync(c);
		int e = errno;
		if (close(c->fd) < 0 && rc == 0)
			rc = -1;
		else
			errno = e;
		c->fd = -1;
	}
	buf_free(&c->ids);
	buf_free(&c->pending);
	buf_free(&c->target);
	free(c->slots);
	c->slots = NULL;
	c->nslots = c->count = 0;
	return rc;
}
