/* segwrite.c: messages appended to Segment's S3 layout on disk, one fsync'd
 * gzip member per append, torn tails cut off after a crash (segwrite.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "buf.h"
#include "segarchive.h"
#include "segwrite.h"
#include "statelock.h"

#define SEGW_MAX_OPEN 32   /* files kept open; the oldest is closed beyond */

struct ofile {
	char *source;
	char *path;
	int64_t hour_s;
	int fd;
	off_t len;             /* bytes of complete members */
	int dirty;             /* a failed append may have left bytes past len */
	uint64_t used;         /* last use, for closing the oldest */
};

struct segwrite {
	char *dir;
	struct ofile f[SEGW_MAX_OPEN];
	int n;
	uint64_t tick, repaired;
	struct buf gz;
};

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* mkdirs: create path and its missing parents, each made durable in its
 * parent (fsync of the parent directory). */
static int mkdirs(char *path)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
	char *slash = strrchr(path, '/');
	int rc = 0;
	if (slash && slash != path) {
		*slash = 0;
		rc = mkdirs(path);
		*slash = '/';
	}
	if (rc == 0 && mkdir(path, 0777) < 0 && errno != EEXIST)
		rc = -1;
	if (rc == 0 && slash && slash != path) {
		*slash = 0;
		rc = fsync_dir(path);
		*slash = '/';
	}
	return rc;
}

int64_t segw_gzip_end(int fd)
{
	unsigned char in[65536], out[65536];
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return (errno = ENOMEM, -1);
	int64_t good = 0, off = 0;
	int started = 0;
	for (;;) {
		ssize_t n = pread(fd, in, sizeof in, off);
		if (n < 0) {
			inflateEnd(&z);
			return -1;
		}
		if (n == 0)
			break;
		z.next_in = in;
		z.avail_in = (uInt)n;
		while (z.avail_in > 0) {
			z.next_out = out;
			z.avail_out = sizeof out;
			started = 1;
			int rc = inflate(&z, Z_NO_FLUSH);
			if (rc == Z_STREAM_END) {
				good = off + (int64_t)(z.next_in - in);
				inflateReset(&z);
				started = 0;
			} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
				inflateEnd(&z);
				return good;      /* damage: keep what came before */
			}
		}
		off += n;
	}
	(void)started;
	inflateEnd(&z);
	return good;
}

/* state_path: DIR/.seg-receive/NAME */
static const char *state_path(struct segwrite *w, struct buf *b, const char *name)
{
	buf_reset(b);
	buf_printf(b, "%s/.seg-receive/%s", w->dir, name);
	return buf_cstr(b);
}

static void file_path(struct segwrite *w, struct buf *b, const char *source, int64_t hour_s, int k)
{
	int64_t day = hour_s * 1000 / SEG_DAY_MS * SEG_DAY_MS;
	buf_reset(b);
	buf_printf(b, "%s/segment-logs/%s/%lld", w->dir, source, (long long)day);
	if (k >= 0)
		buf_printf(b, "/%lld-%d.gz", (long long)hour_s, k);
}

/* save_open: DIR/.seg-receive/open lists the files open for appending:
 * written to a temp file, fsync'd and renamed, so it is whole after a crash */
static int save_open(struct segwrite *w)
{
	struct buf list = BUF_INIT, t = BUF_INIT;
	for (int i = 0; i < w->n; i++)
		buf_printf(&list, "%s\n", w->f[i].path);
	int rc = -1;
	char *tmp = xstrdup(state_path(w, &t, "open.tmp"));
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		ssize_t n = list.len ? write(fd, list.p, list.len) : 0;
		if (n == (ssize_t)list.len && fsync(fd) == 0 && close(fd) == 0) {
			fd = -1;
			if (rename(tmp, state_path(w, &t, "open")) == 0)
				rc = fsync_dir(state_path(w, &t, "."));
		}
		if (fd >= 0)
			close(fd);
	}
	free(tmp);
	buf_free(&list);
	buf_free(&t);
	return rc;
}

/* repair: cut the torn tail off a file a crashed writer had open; a file
 * left with no complete member goes */
static int repair(struct segwrite *w, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	struct stat st;
	int64_t good = segw_gzip_end(fd);
	int rc = fstat(fd, &st);
	if (rc == 0 && good >= 0 && good < st.st_size) {
		w->repaired += (uint64_t)(st.st_size - good);
		rc = good == 0 ? unlink(path) : ftruncate(fd, good) || fsync(fd);
	} else if (good < 0) {
		rc = -1;
	}
	close(fd);
	return rc;
}

static int repair_all(struct segwrite *w)
{
	struct buf t = BUF_INIT;
	FILE *f = fopen(state_path(w, &t, "open"), "r");
	buf_free(&t);
	if (!f)
		return errno == ENOENT ? 0 : -1;
	char line[8192];
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0])
			rc = repair(w, line);
	}
	fclose(f);
	return rc;
}

struct segwrite *segw_open(const char *dir, char *err, size_t errn)
{
	struct segwrite *w = xcalloc(1, sizeof *w);
	w->dir = xstrdup(dir);
	struct buf t = BUF_INIT;
	pid_t holder;
	char *sd = xstrdup(state_path(w, &t, ""));
	sd[strlen(sd) - 1] = 0;
	int rc = mkdirs(sd);
	if (rc < 0)
		snprintf(err, errn, "%s: %s", sd, strerror(errno));
	else if ((rc = statelock_take(sd, 0, &holder)) != 0) {
		if (rc > 0)
			errno = EWOULDBLOCK;
		snprintf(err, errn, "%s: %s (pid %ld)", sd, rc > 0 ? "in use by another seg-receive" : strerror(errno),
		         (long)holder);
		rc = -1;
	} else if ((rc = repair_all(w)) < 0 || (rc = save_open(w)) < 0)
		snprintf(err, errn, "%s: repairing the files a crash left open: %s", dir, strerror(errno));
	free(sd);
	buf_free(&t);
	if (rc < 0) {
		int e = errno;
		free(w->dir);
		free(w);
		errno = e;
		return NULL;
	}
	return w;
}

uint64_t segw_repaired(const struct segwrite *w)
{
	return w->repaired;
}

static void close_file(struct segwrite *w, int i)
{
	close(w->f[i].fd);
	free(w->f[i].source);
	free(w->f[i].path);
	w->f[i] = w->f[--w->n];
}

/* start_file: a new file for source and hour: listed as open first, then
 * created, so a crash in between leaves nothing unlisted */
static struct ofile *start_file(struct segwrite *w, const char *source, int64_t hour_s)
{
	struct buf p = BUF_INIT;
	struct ofile *f = NULL;
	struct stat st;
	file_path(w, &p, source, hour_s, -1);
	char *daydir = xstrdup(buf_cstr(&p));
	if (mkdirs(daydir) < 0)
		goto out;
	for (int k = 0;; k++) {
		file_path(w, &p, source, hour_s, k);
		if (stat(buf_cstr(&p), &st) < 0 && errno == ENOENT)
			break;
	}
	f = &w->f[w->n++];
	*f = (struct ofile){xstrdup(source), xstrdup(buf_cstr(&p)), hour_s, -1, 0, 0, ++w->tick};
	if (save_open(w) < 0 || (f->fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644)) < 0
	    || fsync_dir(daydir) < 0) {
		int e = errno;
		close_file(w, w->n - 1);
		errno = e;
		f = NULL;
	}
out:
	free(daydir);
	buf_free(&p);
	return f;
}

static struct ofile *file_for(struct segwrite *w, const char *source, int64_t hour_s)
{
	for (int i = 0; i < w->n; i++) {
		if (strcmp(w->f[i].source, source) != 0)
			continue;
		if (w->f[i].hour_s == hour_s) {
			w->f[i].used = ++w->tick;
			return &w->f[i];
		}
		close_file(w, i);     /* a new hour: the old file is complete */
		break;
	}
	if (w->n == SEGW_MAX_OPEN) {
		int old = 0;
		for (int i = 1; i < w->n; i++)
			if (w->f[i].used < w->f[old].used)
				old = i;
		close_file(w, old);
	}
	return start_file(w, source, hour_s);
}

/* gzip_member: p[0..n) as one gzip member into out */
static int gzip_member(struct buf *out, const char *p, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	buf_reset(out);
	buf_grow(out, deflateBound(&z, (uLong)n));
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->p;
	z.avail_out = (uInt)out->cap;
	int rc = deflate(&z, Z_FINISH);
	out->len = z.total_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

int segw_append(struct segwrite *w, const char *source, int64_t t_ms, const char *p, size_t n)
{
	int64_t hour_s = t_ms / 3600000 * 3600;
	if (gzip_member(&w->gz, p, n) < 0)
		return (errno = ENOMEM, -1);
	struct ofile *f = file_for(w, source, hour_s);
	if (!f)
		return -1;
	if (f->dirty) {
		if (ftruncate(f->fd, f->len) < 0)
			return -1;
		f->dirty = 0;
	}
	size_t off = 0;
	while (off < w->gz.len) {
		ssize_t k = write(f->fd, w->gz.p + off, w->gz.len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	if (off == w->gz.len && fsync(f->fd) == 0) {
		f->len += (off_t)off;
		return 0;
	}
	int e = errno ? errno : EIO;
	if (ftruncate(f->fd, f->len) < 0)
		f->dirty = 1;      /* stays listed as open: the next append or run cuts it */
	errno = e;
	return -1;
}

void segw_close(struct segwrite *w)
{
	if (!w)
		return;
	while (w->n)
		close_file(w, w->n - 1);
	save_open(w);
	buf_free(&w->gz);
	free(w->dir);
	free(w);
}
