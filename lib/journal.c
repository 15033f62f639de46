/* journal.c: seg-backfill's append-only journal of done units (journal.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "json.h"
#include "segarchive.h"

static char *slice_str(struct json_slice v)
{
	struct buf b = BUF_INIT;
	if (v.type == JSON_STRING)
		json_str_decode(v, &b);
	char *s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

static int64_t slice_int(struct json_slice v, int64_t dflt)
{
	if (v.type != JSON_NUMBER)
		return dflt;
	char tmp[32];
	size_t n = v.n < sizeof tmp - 1 ? v.n : sizeof tmp - 1;
	memcpy(tmp, v.p, n);
	tmp[n] = 0;
	return strtoll(tmp, NULL, 10);
}

int jobject_parse(const char *p, size_t n, struct jobject *o)
{
	struct json_error e;
	struct json_members m = { 0 };
	struct json_slice v;
	memset(o, 0, sizeof *o);
	if (json_parse(p, n, 0, &m, &e) < 0 || !json_members_get(&m, "object", &v) || v.type != JSON_STRING) {
		json_members_free(&m);
		return -1;
	}
	o->object = slice_str(v);
	o->etag = json_members_get(&m, "etag", &v) ? slice_str(v) : xstrdup("");
	o->mtime = json_members_get(&m, "mtime", &v) ? slice_str(v) : xstrdup("");
	o->size = json_members_get(&m, "size", &v) ? slice_int(v, -1) : -1;
	json_members_free(&m);
	return 0;
}

void jobject_free(struct jobject *o)
{
	free(o->object);
	free(o->etag);
	free(o->mtime);
	memset(o, 0, sizeof *o);
}

void jobject_write(struct buf *b, const struct jobject *o)
{
	buf_adds(b, "{\"object\":");
	json_write_str(b, o->object, strlen(o->object));
	buf_printf(b, ",\"size\":%lld,\"etag\":", (long long)o->size);
	json_write_str(b, o->etag, strlen(o->etag));
	buf_adds(b, ",\"mtime\":");
	json_write_str(b, o->mtime, strlen(o->mtime));
	buf_addc(b, '}');
}

int jobject_same(const struct jobject *a, const struct jobject *b)
{
	if (a->etag[0] && b->etag[0])
		return strcmp(a->etag, b->etag) == 0;
	return a->size == b->size && strcmp(a->mtime, b->mtime) == 0;
}

static void unit_free(struct junit *u)
{
	for (size_t i = 0; i < u->nobj; i++)
		jobject_free(&u->obj[i]);
	free(u->obj);
	free(u->unit);
}

/* parse_entry: one journal line into u. 0, or -1 if unreadable. */
static int parse_entry(const char *p, size_t n, struct junit *u)
{
	struct json_error e;
	struct json_members m = { 0 };
	struct json_slice v, objs, ov, key;
	memset(u, 0, sizeof *u);
	if (json_parse(p, n, 0, &m, &e) < 0 || !json_members_get(&m, "unit", &v) || v.type != JSON_STRING ||
	    !json_members_get(&m, "objects", &objs) || objs.type != JSON_ARRAY) {
		json_members_free(&m);
		return -1;
	}
	u->unit = slice_str(v);
	u->day_ms = INT64_MIN;
	if (json_members_get(&m, "day", &v) && v.type == JSON_STRING) {
		char *d = slice_str(v);
		if (seg_day_parse(d, &u->day_ms) < 0)
			u->day_ms = INT64_MIN;
		free(d);
	}
	struct json_iter it;
	json_iter_init(&it, objs);
	while (json_iter_next(&it, &key, &ov)) {
		struct jobject o;
		if (ov.type != JSON_OBJECT || jobject_parse(ov.p, ov.n, &o) < 0)
			continue;
		u->obj = xrealloc(u->obj, (u->nobj + 1) * sizeof *u->obj);
		u->obj[u->nobj++] = o;
	}
	json_members_free(&m);
	return 0;
}

static void remember(struct journal *j, const char *p, size_t n)
{
	struct junit u;
	if (parse_entry(p, n, &u) < 0) {
		j->ignored++;
		return;
	}
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->u[i].unit, u.unit) == 0) {
			unit_free(&j->u[i]);
			j->u[i] = u;
			return;
		}
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 64;
		j->u = xrealloc(j->u, j->cap * sizeof *j->u);
	}
	j->u[j->n++] = u;
}

/* load: read every line; cut a torn tail unless readonly. */
static int load(struct journal *j, int readonly)
{
	struct buf b = BUF_INIT;
	char tmp[65536];
	ssize_t r;
	while ((r = read(j->fd, tmp, sizeof tmp)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			buf_free(&b);
			return -1;
		}
		buf_add(&b, tmp, (size_t)r);
	}
	size_t start = 0;
	for (size_t i = 0; i < b.len; i++)
		if (b.p[i] == '\n') {
			if (i > start)
				remember(j, b.p + start, i - start);
			start = i + 1;
		}
	int rc = 0;
	if (!readonly && start < b.len && ftruncate(j->fd, (off_t)start) < 0)
		rc = -1;
	buf_free(&b);
	return rc;
}

int journal_open(struct journal *j, const char *path, int readonly)
{
	memset(j, 0, sizeof *j);
	j->fd = readonly ? open(path, O_RDONLY | O_CLOEXEC) : open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (j->fd < 0 && readonly && errno == ENOENT)
		return 0;
	if (j->fd < 0)
		return -1;
	if (load(j, readonly) < 0) {
		int e = errno;
		journal_close(j);
		errno = e;
		return -1;
	}
	return 0;
}

void journal_close(struct journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		unit_free(&j->u[i]);
	free(j->u);
	if (j->fd >= 0)
		close(j->fd);
	memset(j, 0, sizeof *j);
	j->fd = -1;
}

const struct junit *journal_find(const struct journal *j, const char *unit)
{
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->u[i].unit, unit) == 0)
			return &j->u[i];
	return NULL;
}

const struct jobject *journal_find_obj(const struct junit *u, const char *object)
{
	for (size_t i = 0; i < u->nobj; i++)
		if (strcmp(u->obj[i].object, object) == 0)
			return &u->obj[i];
	return NULL;
}

int64_t journal_newest_day(const struct journal *j)
{
	int64_t d = INT64_MIN;
	for (size_t i = 0; i < j->n; i++)
		if (j->u[i].day_ms > d)
			d = j->u[i].day_ms;
	return d;
}

int journal_add(struct journal *j, const char *line, size_t n)
{
	struct buf b = BUF_INIT;
	buf_add(&b, line, n);
	buf_addc(&b, '\n');
	size_t off = 0;
	while (off < b.len) {
		ssize_t w = write(j->fd, b.p + off, b.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			buf_free(&b);
			return -1;
		}
		off += (size_t)w;
	}
	buf_free(&b);
	if (fsync(j->fd) < 0)
		return -1;
	remember(j, line, n);
	return 0;
}
