/* manifest.c: the resume record of seg-fetch (see manifest.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "idhash.h"
#include "json.h"
#include "lineio.h"
#include "manifest.h"

static struct manifest_rec *slot(struct manifest_rec *tab, size_t cap, const char *object)
{
	size_t i = (size_t)fnv1a64(object, strlen(object)) & (cap - 1);
	while (tab[i].object && strcmp(tab[i].object, object) != 0)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void rec_free(struct manifest_rec *r)
{
	free(r->object);
	free(r->etag);
	free(r->mtime);
}

/* put: insert or replace a record (takes ownership of its strings). */
static void put(struct manifest *m, struct manifest_rec *r)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct manifest_rec *tab = xcalloc(cap, sizeof *tab);
		for (size_t i = 0; i < m->cap; i++)
			if (m->tab[i].object)
				*slot(tab, cap, m->tab[i].object) = m->tab[i];
		free(m->tab);
		m->tab = tab;
		m->cap = cap;
	}
	struct manifest_rec *s = slot(m->tab, m->cap, r->object);
	if (s->object)
		rec_free(s);
	else
		m->n++;
	*s = *r;
}

/* str: a string member decoded, or "" when missing. */
static char *str(struct json_slice obj, const char *name)
{
	struct json_slice v;
	struct buf b = BUF_INIT;
	if (json_get(obj, name, &v) && v.type == JSON_STRING)
		json_str_decode(v, &b);
	char *s = xstrdup(b.p ? buf_cstr(&b) : "");
	buf_free(&b);
	return s;
}

static int64_t num(struct json_slice obj, const char *name, int64_t dflt)
{
	struct json_slice v;
	if (json_get(obj, name, &v) && v.type == JSON_NUMBER)
		return strtoll(v.p, NULL, 10);
	return dflt;
}

/* load_line: one manifest line into the table; torn lines are counted. */
static void load_line(struct manifest *m, const char *p, size_t n)
{
	struct json_error err;
	if (n == 0)
		return;
	if (json_parse(p, n, 0, NULL, &err) < 0 || json_type_at(p, p + n) != JSON_OBJECT) {
		m->ignored++;
		return;
	}
	struct json_slice obj = json_value(p, p + n), v;
	if (!json_get(obj, "object", &v) || v.type != JSON_STRING) {
		m->ignored++;
		return;
	}
	struct manifest_rec r;
	r.object = str(obj, "object");
	r.etag = str(obj, "etag");
	r.mtime = str(obj, "mtime");
	r.size = num(obj, "size", -1);
	r.messages = (uint64_t)num(obj, "messages", 0);
	r.pending = !json_get(obj, "state", &v) || !json_key_eq(v, "done");
	put(m, &r);
}

int manifest_open(struct manifest *m, const char *path)
{
	memset(m, 0, sizeof *m);
	m->path = xstrdup(path);
	m->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (m->fd < 0)
		return -1;
	struct lreader r;
	struct line l;
	int rc;
	lr_init_fd(&r, m->fd, path, 0);
	while ((rc = lr_next(&r, &l)) == 1)
		if (!l.too_long)
			load_line(m, l.p, l.len);
	int e = errno;
	lr_free(&r);
	if (rc < 0) {
		errno = e;
		return -1;
	}
	/* a torn last line: end it so the next record starts on its own line */
	off_t end = lseek(m->fd, 0, SEEK_END);
	char last = '\n';
	if (end > 0 && pread(m->fd, &last, 1, end - 1) == 1 && last != '\n')
		if (write(m->fd, "\n", 1) != 1)
			return -1;
	return 0;
}

const struct manifest_rec *manifest_find(const struct manifest *m, const char *object)
{
	if (!m->cap)
		return NULL;
	struct manifest_rec *s = slot(m->tab, m->cap, object);
	return s->object ? s : NULL;
}

void manifest_add(struct manifest *m, const struct manifest_rec *r)
{
	struct buf *b = &m->line;
	buf_reset(b);
	buf_adds(b, "{\"object\":");
	json_write_str(b, r->object, strlen(r->object));
	buf_adds(b, ",\"etag\":");
	json_write_str(b, r->etag, strlen(r->etag));
	buf_printf(b, ",\"size\":%lld,\"mtime\":", (long long)r->size);
	json_write_str(b, r->mtime, strlen(r->mtime));
	buf_printf(b, ",\"messages\":%llu,\"state\":\"%s\"}\n", (unsigned long long)r->messages,
	           r->pending ? "pending" : "done");
	size_t off = 0;
	while (off < b->len) {
		ssize_t n = write(m->fd, b->p + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(EX_IOERR, "%s: write: %s", m->path, strerror(errno));
		off += (size_t)n;
	}
	if (fsync(m->fd) < 0)
		die(EX_IOERR, "%s: fsync: %s", m->path, strerror(errno));
	struct manifest_rec c = { xstrdup(r->object), xstrdup(r->etag), xstrdup(r->mtime), r->size, r->messages,
	                          r->pending };
	put(m, &c);
}

size_t manifest_mark_done(struct manifest *m)
{
	size_t n = 0;
	struct manifest_rec *todo = xcalloc(m->n ? m->n : 1, sizeof *todo);
	for (size_t i = 0; i < m->cap; i++)      /* first collect: adding may rehash */
		if (m->tab[i].object && m->tab[i].pending) {
			todo[n] = m->tab[i];
			todo[n].object = xstrdup(m->tab[i].object);
			todo[n].etag = xstrdup(m->tab[i].etag);
			todo[n].mtime = xstrdup(m->tab[i].mtime);
			todo[n++].pending = 0;
		}
	for (size_t i = 0; i < n; i++) {
		manifest_add(m, &todo[i]);
		rec_free(&todo[i]);
	}
	free(todo);
	return n;
}

void manifest_close(struct manifest *m)
{
	if (m->fd >= 0)
		close(m->fd);
	for (size_t i = 0; i < m->cap; i++)
		if (m->tab[i].object)
			rec_free(&m->tab[i]);
	free(m->tab);
	free(m->path);
	buf_free(&m->line);
	memset(m, 0, sizeof *m);
	m->fd = -1;
}
