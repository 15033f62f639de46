/* fetch.c: seg-fetch's logic as a source stage (see fetch.h): read archived
 * Segment data from files, folders, archives, HTTP(S) URLs and s3:// or
 * gs:// prefixes, and hand on one message at a time: the bytes as in the
 * source, batch envelopes unwrapped (lib/unwrap). Formats are told by
 * content (lib/unpack, lib/inflate); objects are read in sorted order, and
 * a --manifest lets a re-run skip the objects already read to their end.
 * Alone (seg-fetch) the messages are written one per line; first in a chain
 * (lib/chain) each goes to the next stage by frame_feed, unproved. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"
#include "fetch.h"
#include "frame.h"
#include "http.h"
#include "inflate.h"
#include "json.h"
#include "lineio.h"
#include "manifest.h"
#include "progress.h"
#include "reject.h"
#include "s3.h"
#include "segarchive.h"
#include "stats.h"
#include "unpack.h"
#include "unwrap.h"

struct fetch {
	struct seg_dayfilter filter;
	struct http_opts http;
	struct s3_cfg s3;
	struct s3_cfg gs;         /* gs://: Cloud Storage's XML API */
	struct s3_cfg *cfg;       /* the one of the operand being read */
	const char *scheme;       /* "s3" or "gs" */
	int s3_ready, gs_ready, no_sign;
	unsigned jobs;            /* -j: S3 objects in flight */
	struct http_pool *pool;
	const char *region, *endpoint;
	unsigned page_size;
	int list_only, keep_going, quiet, require_objects;
	int exact;                /* --exact: an s3:// SOURCE not ending in '/' is one key */
	const char *exact_key;    /* that key, while its operand is read */
	struct manifest man;
	int use_manifest;
	struct frame io;          /* output (or the next stage), rejects, counters, progress */
	struct unwrap uw;
	struct unpack up;
	uint64_t messages;        /* messages written so far */
	int status;               /* exit status so far */
	int stop;                 /* a failure that ends the run */
	struct buf tmp;
};

static void usage(void)
{
	printf("usage: seg-fetch [options] SOURCE...\n"
	       "Read Segment archives and write one message per line.\n"
	       "SOURCE: FILE, FOLDER, - (stdin), http(s)://URL, s3://BUCKET[/PREFIX] or gs://BUCKET[/PREFIX].\n"
	       "Formats by content: gzip, tar, zip, bzip2, xz, zstd, plain NDJSON or a JSON array.\n\n"
	       "  -o, --output FILE        write messages to FILE (default stdout)\n"
	       "  -r, --rejects FILE       write reject records to FILE (default: report on stderr)\n"
	       "      --manifest FILE      record objects read to their end as pending; skip the\n"
	       "                           ones marked done on a re-run\n"
	       "      --mark-done          with --manifest: mark every pending object done (after\n"
	       "                           the load committed), read nothing\n"
	       "      --list               print the objects that would be read (JSON lines), read none\n"
	       "      --require-objects    a SOURCE that holds no object is an error (66), not a warning\n"
	       "      --exact              an s3:// or gs:// SOURCE not ending in '/' is one object's key,\n"
	       "                           not a prefix of keys\n"
	       "  -k, --keep-going         after a damaged object go on with the next (exit 1)\n"
	       "  -j, --jobs N             S3 objects fetched at once, output still in key order\n"
	       "                           (1..64, default 4)\n"
	       "      --since DAY          Segment layout: received days from DAY on (inclusive)\n"
	       "      --until DAY          Segment layout: received days before DAY (exclusive)\n"
	       "                           DAY: YYYY-MM-DD (UTC) or the 13-digit folder name\n"
	       "      --source-id ID       Segment layout: only this source (repeatable)\n"
	       "      --region REGION      S3 region (default $AWS_REGION, else us-east-1)\n"
	       "      --endpoint-url URL   S3-compatible endpoint, path-style ($AWS_ENDPOINT_URL)\n"
	       "      --page-size N        S3 keys per listing request (1..1000, default 1000)\n"
	       "      --no-sign-request    S3 requests unsigned (public buckets), no credentials\n"
	       "      --cacert FILE        CA certificates to verify HTTPS servers with\n"
	       "      --insecure           do not verify HTTPS servers (never by default)\n"
	       "      --retry N            retries of a transient failure (default 10)\n"
	       "      --retry-delay TIME   first backoff bound, doubling per retry, full jitter (default 1s)\n"
	       "      --retry-cap TIME     largest backoff bound and Retry-After (default 60s)\n"
	       "      --connect-timeout TIME  (default 10s)\n"
	       "      --idle-timeout TIME  a transfer that stalls or trickles (under 1 KiB/s over\n"
	       "                           TIME) is broken off and retried (default 60s)\n"
	       "      TIME: 500ms, 2s, 1m, 1h; a bare number is seconds\n"
	       "      --max-line N         longest line read (default 16M)\n"
	       "      --max-depth N        deepest JSON nesting (default 512)\n"
	       "      --strict             parse every line as JSON here (default: only lines that\n"
	       "                           may be envelopes or are not shaped like an object)\n"
	       "      --stats FILE         write the end summary as JSON to FILE\n"
	       "  -q, --quiet              no summary line\n"
	       "      --progress, --no-progress  force the progress line on or off\n"
	       "  -h, --help               this help\n"
	       "  -V, --version            version\n\n"
	       "Credentials for s3:// as the AWS SDKs find them: environment, AWS_PROFILE in\n"
	       "~/.aws/credentials and ~/.aws/config (keys, role_arn, credential_process, web\n"
	       "identity), AWS_WEB_IDENTITY_TOKEN_FILE, container credentials, EC2 IMDSv2.\n"
	       "HTTP: ~/.netrc.\n"
	       "Exit status: 0 done, 1 rejects or skipped damage, 64 usage, 65 damaged input,\n"
	       "66 input not found, 69 service unavailable, 74 I/O error, 77 access refused,\n"
	       "78 configuration error.\n");
}

/* worst: keep the more serious exit status (any failure over "rejects"). */
static void set_status(struct fetch *F, int code)
{
	if (code == EX_DONE)
		return;
	if (F->status == EX_DONE || F->status == EX_REJECTED || (code != EX_REJECTED && F->status == EX_NOINPUT))
		F->status = code;
}

/* on_emit: one message to the output, or in a chain to the next stage,
 * which parses it strictly (nothing is proved of it here). */
static void on_emit(void *ctx, const char *p, size_t n)
{
	static const struct frame_known none = { 0, NULL, NULL, NULL, NULL };
	struct fetch *F = ctx;
	if (F->io.next)
		frame_feed(F->io.next, p, n, &none);
	else
		w_line(&F->io.out, p, n);
	F->messages++;
	progress_tick(&F->io.prog, F->messages, F->uw.bytes);
}

static void on_reject(void *ctx, const char *reason, const char *detail,
                      const char *name, uint64_t line, const char *raw, size_t rawlen)
{
	struct fetch *F = ctx;
	reject(&F->io.rej, reason, detail, name, line, raw, rawlen);
}

static int on_text(void *ctx, lr_readfn read, lr_lendfn lend, void *rctx, const char *name)
{
	struct fetch *F = ctx;
	return unwrap_stream(&F->uw, read, lend, rctx, name);
}

static int on_member(void *ctx, const char *name)
{
	struct fetch *F = ctx;
	return seg_want_path(&F->filter, name);
}

/* list_line: --list output for one object. */
static void list_line(struct fetch *F, const char *name, int64_t size, const char *etag, const char *mtime)
{
	struct buf *b = &F->tmp;
	buf_reset(b);
	buf_adds(b, "{\"object\":");
	json_write_str(b, name, strlen(name));
	if (size >= 0)
		buf_printf(b, ",\"size\":%lld", (long long)size);
	if (etag && *etag) {
		buf_adds(b, ",\"etag\":");
		json_write_str(b, etag, strlen(etag));
	}
	if (mtime && *mtime) {
		buf_adds(b, ",\"mtime\":");
		json_write_str(b, mtime, strlen(mtime));
	}
	buf_addc(b, '}');
	w_line(&F->io.out, b->p, b->len);
	stats_add(&F->io.st, "objects", 1);
}

/* already_read: does the manifest hold this object unchanged? */
static int already_read(struct fetch *F, const char *name, const char *etag, int64_t size, const char *mtime)
{
	if (!F->use_manifest)
		return 0;
	const struct manifest_rec *r = manifest_find(&F->man, name);
	if (!r || r->pending)              /* read once, but not known to be loaded */
		return 0;
	if (etag && *etag)
		return strcmp(r->etag, etag) == 0;
	return r->size == size && strcmp(r->mtime, mtime ? mtime : "") == 0;
}

/* already_read_key: already_read for a listed S3 key. */
static int already_read_key(struct fetch *F, const char *bucket, const struct s3_obj *o)
{
	if (!F->use_manifest)
		return 0;
	struct buf name = BUF_INIT;
	buf_printf(&name, "%s://%s/%s", F->scheme, bucket, o->key);
	int r = already_read(F, buf_cstr(&name), o->etag, (int64_t)o->size, o->last_modified);
	buf_free(&name);
	return r;
}

/* A source of bytes for read_object and how to explain its failure. */
struct source {
	lr_readfn read;
	void *ctx;
	/* why: the reason and exit code after read returned -1 */
	int (*why)(void *ctx, char *msg, size_t n);
	int fd;                  /* a local file's descriptor, else -1 */
};

/* A source read by read_object: in a chain whose last stage has an engine
 * (s2-load: F->io.wait), the engine turns before each read of a local file
 * (its requests in flight go on); a stop signal (cli_stop_on_signal, which
 * that stage installs) ends the reading as a failure of the source. */
struct guarded {
	const struct source *src;
	const struct frame *io;
	int stopped;
};

static ssize_t guarded_read(void *ctx, char *buf, size_t n)
{
	struct guarded *g = ctx;
	while (!g->stopped && !cli_stop_signal && g->io->wait && g->src->fd >= 0) {
		int r = g->io->wait(g->io->wait_ctx, g->src->fd);
		if (r > 0)
			break;
		if (r < 0)
			g->stopped = 1;
	}
	if (cli_stop_signal || g->stopped) {
		g->stopped = 1;
		return -1;
	}
	return g->src->read(g->src->ctx, buf, n);
}

/* read_object: decode one object, then flush the output and record it in
 * the manifest (rec NULL: not recorded, as for stdin). */
static void read_object(struct fetch *F, const struct source *src, const char *name,
                        struct manifest_rec *rec)
{
	uint64_t before = F->messages;
	stats_add(&F->io.st, "objects", 1);
	struct guarded g = { src, &F->io, 0 };
	enum unpack_result r = unpack_stream(&F->up, guarded_read, &g, name);
	if (g.stopped) {             /* not the object's fault: read again on a re-run */
		diag(name, 0, "stopped by a signal; re-run to read it");
		set_status(F, EX_TEMPFAIL);
		F->stop = 1;
		return;
	}
	if (r == UNPACK_DAMAGED) {
		diag(NULL, 0, "%s", F->up.errmsg);
		stats_add(&F->io.st, "damaged", 1);
		if (F->keep_going) {
			set_status(F, EX_REJECTED);
		} else {
			set_status(F, EX_DATAERR);
			F->stop = 1;
		}
		return;
	}
	if (r == UNPACK_SRC_FAILED) {
		char msg[600];
		int code = src->why(src->ctx, msg, sizeof msg);
		diag(name, 0, "%s", msg);
		set_status(F, code);
		F->stop = code != EX_NOINPUT;
		return;
	}
	if (F->use_manifest && rec) {
		w_sync(&F->io.out);           /* the messages are out before the record says so */
		rec->object = (char *)name;
		rec->messages = F->messages - before;
		rec->pending = 1;          /* done only after the load: --mark-done */
		manifest_add(&F->man, rec);
	}
}

struct fdsrc {
	int fd, err;
};

static ssize_t fd_read(void *ctx, char *buf, size_t n)
{
	struct fdsrc *s = ctx;
	for (;;) {
		ssize_t r = read(s->fd, buf, n);
		if (r >= 0 || errno != EINTR) {
			if (r < 0)
				s->err = errno;
			return r;
		}
	}
}

static int fd_why(void *ctx, char *msg, size_t n)
{
	struct fdsrc *s = ctx;
	snprintf(msg, n, "read error: %s", strerror(s->err));
	return EX_IOERR;
}

static int http_why(void *ctx, char *msg, size_t n)
{
	struct http_get *g = ctx;
	snprintf(msg, n, "%s (after %llu bytes)", http_error(g), (unsigned long long)http_bytes(g));
	return http_exit_code(g);
}

/* iso_mtime: a file's mtime as ISO-8601 UTC with nanoseconds, the format of
 * S3's LastModified (which has milliseconds). */
static void iso_mtime(const struct stat *sb, char *out, size_t n)
{
	struct tm tm;
	time_t t = sb->st_mtim.tv_sec;
	char day[32];
	gmtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%09ldZ", day, (long)sb->st_mtim.tv_nsec);
}

/* do_file: one local file or stdin. */
static void do_file(struct fetch *F, const char *path)
{
	int is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "stdin" : path;
	struct fdsrc fs = { is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC), 0 };
	struct stat sb;
	if (fs.fd < 0 || fstat(fs.fd, &sb) < 0) {
		diag(name, 0, "cannot open: %s", strerror(errno));
		set_status(F, EX_NOINPUT);
		if (fs.fd > 0)
			close(fs.fd);
		return;
	}
	char mtime[48];
	iso_mtime(&sb, mtime, sizeof mtime);
	int64_t size = S_ISREG(sb.st_mode) ? (int64_t)sb.st_size : -1;
	if (!is_stdin && already_read(F, name, NULL, size, mtime)) {
		stats_add(&F->io.st, "skipped", 1);
	} else if (F->list_only) {
		list_line(F, name, size, NULL, is_stdin ? NULL : mtime);
	} else {
		if (S_ISREG(sb.st_mode))
			posix_fadvise(fs.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		struct source src = { fd_read, &fs, fd_why, fs.fd };
		struct manifest_rec rec = { NULL, "", mtime, size, 0, 1 };
		read_object(F, &src, name, is_stdin ? NULL : &rec);
	}
	if (fs.fd > 0)
		close(fs.fd);
}

/* paths: a growable list of strings, sorted before use. */
struct paths {
	char **v;
	size_t n, cap;
};

static void paths_add(struct paths *p, const char *s)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xrealloc(p->v, p->cap * sizeof *p->v);
	}
	p->v[p->n++] = xstrdup(s);
}

static void paths_free(struct paths *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	memset(p, 0, sizeof *p);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* unopened: an input that could not be opened: 66, or 1 with -k (a file
 * in a folder); the others are still read. */
static void unopened(struct fetch *F, const char *name, const char *why)
{
	diag(name, 0, "cannot open: %s", why);
	stats_add(&F->io.st, "unopened", 1);
	set_status(F, F->keep_going ? EX_REJECTED : EX_NOINPUT);
}

/* walk: the regular files under dir (symlinks to files followed, to folders
 * not, so the walk ends). */
static void walk(struct fetch *F, const char *dir, struct paths *out)
{
	DIR *d = opendir(dir);
	if (!d) {
		diag(dir, 0, "cannot open folder: %s", strerror(errno));
		set_status(F, EX_NOINPUT);
		return;
	}
	struct dirent *e;
	struct buf p = BUF_INIT;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		buf_reset(&p);
		buf_printf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
		struct stat sb, lb;
		if (lstat(buf_cstr(&p), &lb) < 0 || stat(buf_cstr(&p), &sb) < 0) {
			if (seg_want_path(&F->filter, buf_cstr(&p)))
				unopened(F, buf_cstr(&p), S_ISLNK(lb.st_mode) ? "a dangling symbolic link" : strerror(errno));
			continue;
		}
		if (S_ISDIR(sb.st_mode) && !S_ISLNK(lb.st_mode))
			walk(F, buf_cstr(&p), out);
		else if (S_ISREG(sb.st_mode) && seg_want_path(&F->filter, buf_cstr(&p)))
			paths_add(out, buf_cstr(&p));
	}
	closedir(d);
	buf_free(&p);
}

static void do_folder(struct fetch *F, const char *dir)
{
	struct paths ps = { 0 };
	walk(F, dir, &ps);
	qsort(ps.v, ps.n, sizeof *ps.v, cmp_str);
	for (size_t i = 0; i < ps.n && !F->stop; i++)
		do_file(F, ps.v[i]);
	paths_free(&ps);
}

/* do_url: one http(s) URL; a manifest record makes the request conditional
 * (If-None-Match / If-Modified-Since), so an unchanged object is skipped. */
static void do_url(struct fetch *F, const char *url)
{
	if (F->list_only) {
		list_line(F, url, -1, NULL, NULL);
		return;
	}
	const struct manifest_rec *r = F->use_manifest ? manifest_find(&F->man, url) : NULL;
	if (r && r->pending)
		r = NULL;
	if (r && !r->etag[0] && !r->mtime[0]) {
		stats_add(&F->io.st, "skipped", 1);
		return;
	}
	struct http_get *g;
	enum http_open_result o = http_open(&g, url, &F->http, r ? r->etag : NULL, r ? r->mtime : NULL);
	if (o == HTTP_OPEN_NOT_MODIFIED) {
		stats_add(&F->io.st, "skipped", 1);
	} else if (o == HTTP_OPEN_FAILED) {
		diag(url, 0, "%s", http_error(g));
		set_status(F, http_exit_code(g));
		F->stop = http_exit_code(g) != EX_NOINPUT;
	} else {
		char etag[256], lastmod[64];
		snprintf(etag, sizeof etag, "%s", http_etag(g));
		snprintf(lastmod, sizeof lastmod, "%s", http_last_modified(g));
		struct manifest_rec rec = { NULL, etag, lastmod, http_length(g), 0, 1 };
		struct source src = { http_read, g, http_why, -1 };
		read_object(F, &src, url, &rec);
	}
	stats_add(&F->io.st, "retries", http_retries(g));
	http_close(g);
}

/* gs_config: Cloud Storage through its S3-compatible XML API: SigV4 with an
 * HMAC key (GS_ACCESS_KEY_ID, GS_SECRET_ACCESS_KEY; else the AWS chain) in
 * region "auto", at https://storage.googleapis.com (GS_ENDPOINT_URL or
 * --endpoint-url), path-style. */
static int gs_config(struct fetch *F, char *err, size_t errlen)
{
	const char *ep = F->endpoint ? F->endpoint : getenv("GS_ENDPOINT_URL") && *getenv("GS_ENDPOINT_URL") ?
	                 getenv("GS_ENDPOINT_URL") : "https://storage.googleapis.com";
	const char *id = getenv("GS_ACCESS_KEY_ID"), *secret = getenv("GS_SECRET_ACCESS_KEY");
	int keys = id && *id && secret && *secret;
	int rc = s3_config(&F->gs, F->region ? F->region : "auto", ep, F->no_sign || keys, &F->http, err, errlen);
	if (!rc && keys && !F->no_sign)
		s3_config_keys(&F->gs, id, secret, "GS_ACCESS_KEY_ID (HMAC key)");
	return rc;
}

/* s3_setup: credentials, region and endpoint, once per scheme, at its first
 * URL; F->cfg and F->scheme are the operand's from then on. */
static void s3_setup(struct fetch *F, int gs)
{
	char err[1200];
	int *ready = gs ? &F->gs_ready : &F->s3_ready;
	F->cfg = gs ? &F->gs : &F->s3;
	F->scheme = gs ? "gs" : "s3";
	if (*ready)
		return;
	int rc = gs ? gs_config(F, err, sizeof err)
	            : s3_config(&F->s3, F->region, F->endpoint, F->no_sign, &F->http, err, sizeof err);
	if (rc)
		die(rc, "%s credentials: %s", gs ? "Cloud Storage" : "S3", err);
	*ready = 1;
	if (F->jobs > 1 && !F->pool) {
		F->pool = http_pool_new();
		F->http.pool = F->pool;
	}
}

/* s3_auth: sign the next request with fresh credentials; 0, or the run
 * stops (temporary credentials that cannot be renewed). */
static int s3_auth(struct fetch *F)
{
	char err[1200];
	int rc = s3_http_opts(F->cfg, &F->http, err, sizeof err);
	if (rc) {
		diag(NULL, 0, "S3 credentials (%s): %s", F->cfg->cred.source, err);
		set_status(F, rc);
		F->stop = 1;
	}
	return rc;
}

/* s3_wanted: should the listed key be read (not a folder marker, in the
 * day filter, not done by the manifest, not --list)? Listing and skipping
 * happen here, in key order. */
static int s3_wanted(struct fetch *F, const char *bucket, const struct s3_obj *o, struct buf *name)
{
	size_t klen = strlen(o->key);
	if (klen == 0 || o->key[klen - 1] == '/' || !seg_want_path(&F->filter, o->key))
		return 0;
	if (F->exact_key && strcmp(o->key, F->exact_key) != 0)
		return 0;                  /* a longer key the object's name is a prefix of */
	buf_reset(name);
	buf_printf(name, "%s://%s/%s", F->scheme, bucket, o->key);
	if (already_read(F, buf_cstr(name), o->etag, (int64_t)o->size, o->last_modified))
		stats_add(&F->io.st, "skipped", 1);
	else if (F->list_only)
		list_line(F, buf_cstr(name), (int64_t)o->size, o->etag, o->last_modified);
	else
		return 1;
	return 0;
}

/* s3_start: send the GET of a key that is to be read (NULL if not). */
static struct http_get *s3_start(struct fetch *F, const char *bucket, const struct s3_obj *o)
{
	size_t klen = strlen(o->key);
	if (F->list_only || klen == 0 || o->key[klen - 1] == '/' || !seg_want_path(&F->filter, o->key) ||
	    s3_auth(F))
		return NULL;
	struct buf url = BUF_INIT;
	struct http_get *g;
	s3_object_url(F->cfg, bucket, o->key, &url);
	http_start(&g, buf_cstr(&url), &F->http, NULL, NULL);
	buf_free(&url);
	return g;
}

/* s3_finish: read one listed key whose GET s3_start sent (g, may be NULL
 * when not wanted or refused), then close it. */
static void s3_finish(struct fetch *F, const char *bucket, const struct s3_obj *o, struct http_get *g)
{
	struct buf name = BUF_INIT;
	if (!s3_wanted(F, bucket, o, &name) || !g) {
		/* listed, skipped or not wanted: nothing to read */
	} else if (http_await(g) != HTTP_OPEN_OK) {
		char msg[600];
		int code = s3_error(http_error_body(g), http_exit_code(g), msg, sizeof msg);
		diag(buf_cstr(&name), 0, "%s%s%s", msg[0] ? msg : "", msg[0] ? " - " : "", http_error(g));
		set_status(F, code);
		F->stop = code != EX_NOINPUT;
	} else {
		struct manifest_rec rec = { NULL, o->etag, o->last_modified, (int64_t)o->size, 0, 1 };
		struct source src = { http_read, g, http_why, -1 };
		read_object(F, &src, buf_cstr(&name), &rec);
	}
	if (g)
		stats_add(&F->io.st, "retries", http_retries(g));
	http_close(g);
	buf_free(&name);
}

/* s3_read_page: the page's keys in key order, with up to -j GETs in flight
 * (the ones ahead download into their buffers while one is read). */
static void s3_read_page(struct fetch *F, const char *bucket, const struct s3_page *pg)
{
	struct http_get **g = xcalloc(pg->nobjs ? pg->nobjs : 1, sizeof *g);
	size_t next = 0;
	for (size_t i = 0; i < pg->nobjs && !F->stop; i++) {
		for (; next < pg->nobjs && next < i + F->jobs && !F->stop; next++)
			if (!already_read_key(F, bucket, &pg->objs[next]))
				g[next] = s3_start(F, bucket, &pg->objs[next]);
		s3_finish(F, bucket, &pg->objs[i], g[i]);
		g[i] = NULL;
	}
	for (size_t i = 0; i < pg->nobjs; i++)
		http_close(g[i]);
	free(g);
}

/* s3_fail: a listing failed: report and stop. */
static void s3_fail(struct fetch *F, const char *bucket, const char *prefix, int code, const char *err)
{
	diag(NULL, 0, "%s://%s/%s: listing failed: %s", F->scheme, bucket, prefix, err);
	set_status(F, code);
	F->stop = 1;
}

/* s3_objects: every key under prefix, page by page, read as listed. */
static void s3_objects(struct fetch *F, const char *bucket, const char *prefix)
{
	struct s3_listing L;
	char err[800];
	s3_listing_init(&L, bucket, prefix, NULL);
	while (L.more && !F->stop) {
		struct s3_page pg;
		if (s3_auth(F))
			break;
		int rc = s3_listing_next(&L, F->cfg, &F->http, F->page_size, &pg, err, sizeof err);
		if (rc)
			s3_fail(F, bucket, prefix, rc, err);
		else
			stats_add(&F->io.st, "list_requests", 1);
		if (!rc)
			s3_read_page(F, bucket, &pg);
		s3_page_free(&pg);
	}
	s3_listing_free(&L);
}

/* s3_folders: the CommonPrefixes ("folders") right under prefix. */
static int s3_folders(struct fetch *F, const char *bucket, const char *prefix, struct paths *out)
{
	struct s3_listing L;
	char err[800];
	int rc = 0;
	s3_listing_init(&L, bucket, prefix, "/");
	while (L.more && !rc) {
		struct s3_page pg;
		if ((rc = s3_auth(F)))
			break;
		rc = s3_listing_next(&L, F->cfg, &F->http, F->page_size, &pg, err, sizeof err);
		if (rc)
			s3_fail(F, bucket, prefix, rc, err);
		else
			stats_add(&F->io.st, "list_requests", 1);
		for (size_t i = 0; !rc && i < pg.nprefixes; i++)
			paths_add(out, pg.prefixes[i]);
		s3_page_free(&pg);
	}
	s3_listing_free(&L);
	return rc ? -1 : 0;
}

/* s3_days: under segment-logs/SOURCE/, list only the wanted day folders. */
static void s3_days(struct fetch *F, const char *bucket, const char *source_prefix)
{
	struct paths days = { 0 };
	if (s3_folders(F, bucket, source_prefix, &days) == 0) {
		size_t plen = strlen(source_prefix);
		for (size_t i = 0; i < days.n && !F->stop; i++) {
			const char *d = days.v[i] + plen;
			int64_t ms;
			size_t dlen = strlen(d);
			if (dlen && d[dlen - 1] == '/')
				dlen--;
			if (seg_day_folder(d, dlen, &ms) && seg_want_day(&F->filter, ms))
				s3_objects(F, bucket, days.v[i]);
		}
	}
	paths_free(&days);
}

/* s3_sources: under segment-logs/, the wanted source folders. */
static void s3_sources(struct fetch *F, const char *bucket, const char *logs_prefix)
{
	struct paths srcs = { 0 };
	if (s3_folders(F, bucket, logs_prefix, &srcs) == 0) {
		size_t plen = strlen(logs_prefix);
		for (size_t i = 0; i < srcs.n && !F->stop; i++) {
			const char *s = srcs.v[i] + plen;
			size_t slen = strlen(s);
			if (slen && s[slen - 1] == '/')
				slen--;
			if (seg_want_source(&F->filter, s, slen))
				s3_days(F, bucket, srcs.v[i]);
		}
	}
	paths_free(&srcs);
}

/* do_s3: an s3:// operand. With layout filters, only the wanted source and
 * day folders are listed; otherwise every key under the prefix, in order. */
static void do_s3(struct fetch *F, const char *url)
{
	char *bucket, *prefix;
	if (s3_parse_url(url, &bucket, &prefix) < 0)
		usage_error("%s: not an s3://BUCKET[/PREFIX] or gs://BUCKET[/PREFIX] URL", url);
	s3_setup(F, url[0] == 'g');
	size_t n = strlen(prefix);
	const char *logs = NULL;
	for (const char *p = prefix; (p = strstr(p, "segment-logs/")); p++)
		if (p == prefix || p[-1] == '/') {
			logs = p;
			break;
		}
	struct buf b = BUF_INIT;
	F->exact_key = F->exact && n && prefix[n - 1] != '/' ? prefix : NULL;
	if (F->exact_key || !F->filter.active) {
		s3_objects(F, bucket, prefix);
	} else if (!logs && (n == 0 || prefix[n - 1] == '/')) {
		buf_printf(&b, "%ssegment-logs/", prefix);
		s3_sources(F, bucket, buf_cstr(&b));
	} else if (logs && strcmp(logs, "segment-logs/") == 0) {
		s3_sources(F, bucket, prefix);
	} else if (logs && prefix[n - 1] == '/' && strchr(logs + 13, '/') == prefix + n - 1) {
		const char *src = logs + 13;
		if (seg_want_source(&F->filter, src, (size_t)(prefix + n - 1 - src)))
			s3_days(F, bucket, prefix);
	} else {
		s3_objects(F, bucket, prefix);   /* filtered key by key */
	}
	F->exact_key = NULL;
	buf_free(&b);
	free(bucket);
	free(prefix);
}

/* do_mark_done: --mark-done: the load of the pending objects committed. */
static int do_mark_done(const char *path, int quiet, int operands)
{
	struct manifest m;
	if (!path)
		usage_error("--mark-done needs --manifest FILE");
	if (operands)
		usage_error("--mark-done reads no SOURCE");
	if (manifest_open(&m, path) < 0)
		die(EX_IOERR, "%s: cannot open manifest: %s", path, strerror(errno));
	size_t n = manifest_mark_done(&m);
	manifest_close(&m);
	if (!quiet)
		diag(NULL, 0, "%s: %zu object%s marked done", path, n, n == 1 ? "" : "s");
	return EX_DONE;
}

static void do_operand(struct fetch *F, const char *arg)
{
	struct stat sb;
	if (strncmp(arg, "s3://", 5) == 0 || strncmp(arg, "gs://", 5) == 0)
		do_s3(F, arg);
	else if (strncmp(arg, "http://", 7) == 0 || strncmp(arg, "https://", 8) == 0)
		do_url(F, arg);
	else if (strcmp(arg, "-") != 0 && stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode))
		do_folder(F, arg);
	else
		do_file(F, arg);
}

/* The settings main takes from the command line besides struct fetch's. */
struct args {
	const char *out, *rejects, *manifest;
	struct cli_common common;
	int mark_done, require_objects;
};

enum { O_MANIFEST = 256, O_LIST, O_SINCE, O_UNTIL, O_SOURCE, O_REGION, O_ENDPOINT, O_PAGE,
       O_CACERT, O_INSECURE, O_RETRY, O_RETRY_DELAY, O_RETRY_CAP, O_CONNECT_TIMEOUT, O_IDLE_TIMEOUT, O_NO_SIGN,
       O_MAXLINE, O_MAXDEPTH, O_STRICT, O_MARKDONE, O_REQUIRE, O_EXACT };

static const struct option long_opts[] = {
	{ "output", required_argument, 0, 'o' }, { "rejects", required_argument, 0, 'r' },
	{ "manifest", required_argument, 0, O_MANIFEST }, { "list", no_argument, 0, O_LIST },
	{ "mark-done", no_argument, 0, O_MARKDONE }, { "require-objects", no_argument, 0, O_REQUIRE },
	{ "exact", no_argument, 0, O_EXACT }, { "keep-going", no_argument, 0, 'k' }, { "jobs", required_argument, 0, 'j' },
	{ "since", required_argument, 0, O_SINCE }, { "until", required_argument, 0, O_UNTIL },
	{ "source-id", required_argument, 0, O_SOURCE },
	{ "region", required_argument, 0, O_REGION }, { "endpoint-url", required_argument, 0, O_ENDPOINT },
	{ "page-size", required_argument, 0, O_PAGE }, { "no-sign-request", no_argument, 0, O_NO_SIGN },
	{ "cacert", required_argument, 0, O_CACERT }, { "insecure", no_argument, 0, O_INSECURE },
	{ "retry", required_argument, 0, O_RETRY }, { "retry-delay", required_argument, 0, O_RETRY_DELAY },
	{ "retry-cap", required_argument, 0, O_RETRY_CAP },
	{ "connect-timeout", required_argument, 0, O_CONNECT_TIMEOUT },
	{ "idle-timeout", required_argument, 0, O_IDLE_TIMEOUT },
	{ "max-line", required_argument, 0, O_MAXLINE }, { "max-depth", required_argument, 0, O_MAXDEPTH },
	{ "strict", no_argument, 0, O_STRICT }, CLI_COMMON_LONGOPTS, { 0, 0, 0, 0 } };

static void day_option(struct fetch *F, const char *opt, const char *arg, int64_t *ms)
{
	if (seg_day_parse(arg, ms) < 0)
		usage_error("%s: '%s' is not a day (YYYY-MM-DD or 13-digit ms)", opt, arg);
	F->filter.active = 1;
}

/* source_option: the S3 and transfer options; 0 if c is none of them. */
static int source_option(struct fetch *F, int c, const char *arg)
{
	switch (c) {
	case O_REGION: F->region = arg; break;
	case O_ENDPOINT: F->endpoint = arg; break;
	case O_PAGE: F->page_size = (unsigned)opt_uint("--page-size", arg, 1, 1000); break;
	case O_NO_SIGN: F->no_sign = 1; break;
	case 'j': F->jobs = (unsigned)opt_uint("-j", arg, 1, 64); break;
	case O_CACERT: F->http.cacert = arg; break;
	case O_INSECURE: F->http.insecure = 1; break;
	case O_RETRY: F->http.retries = (unsigned)opt_uint("--retry", arg, 0, 1000); break;
	case O_RETRY_DELAY: F->http.retry_base_ms = opt_duration("--retry-delay", arg, 0, 3600000); break;
	case O_RETRY_CAP: F->http.retry_cap_ms = opt_duration("--retry-cap", arg, 0, 3600000); break;
	case O_CONNECT_TIMEOUT:
		F->http.connect_timeout_ms = (long)opt_duration("--connect-timeout", arg, 1, 3600000);
		break;
	case O_IDLE_TIMEOUT: /* curl counts the low-speed time in whole seconds */
		F->http.stall_timeout = (long)((opt_duration("--idle-timeout", arg, 1000, 86400000) + 999) / 1000);
		break;
	default: return 0;
	}
	return 1;
}

/* read_option: what is read and how; 0 if c is none of them. */
static int read_option(struct fetch *F, struct args *A, int c, const char *arg)
{
	switch (c) {
	case 'o': A->out = arg; break;
	case 'r': A->rejects = arg; break;
	case O_MANIFEST: A->manifest = arg; break;
	case O_MARKDONE: A->mark_done = 1; break;
	case O_REQUIRE: A->require_objects = 1; break;
	case O_EXACT: F->exact = 1; break;
	case O_LIST: F->list_only = 1; break;
	case 'k': F->keep_going = 1; break;
	case O_SINCE: day_option(F, "--since", arg, &F->filter.since_ms); break;
	case O_UNTIL: day_option(F, "--until", arg, &F->filter.until_ms); break;
	case O_SOURCE:
		if (!*arg || strchr(arg, '/'))
			usage_error("--source-id: '%s' is not a source id", arg);
		seg_dayfilter_add_source(&F->filter, arg);
		break;
	case O_MAXLINE:
		F->uw.max_line = opt_size("--max-line", arg);
		if (!F->uw.max_line)
			usage_error("--max-line must be positive");
		break;
	case O_MAXDEPTH: F->uw.max_depth = (int)opt_uint("--max-depth", arg, 1, 1000000); break;
	case O_STRICT: F->uw.strict = 1; break;
	default: return 0;
	}
	return 1;
}

/* parse_args: the command line into F and A; returns optind. */
static int parse_args(struct fetch *F, struct args *A, int argc, char **argv)
{
	int c;
	while ((c = cli_getopt(argc, argv, "o:r:j:kqhV", long_opts)) != -1) {
		if (read_option(F, A, c, optarg) || source_option(F, c, optarg))
			continue;
		if (c == 'V') {
			print_version();
			printf("gzip: %s; %s\n", gunzip_engine(), curl_version());
			exit(cli_stdout_status());
		}
		cli_common_option(c, optarg, &A->common, usage);
	}
	if (F->filter.since_ms >= F->filter.until_ms)
		usage_error("--since must be before --until (--until is exclusive)");
	F->quiet = A->common.quiet;
	return optind;
}

/* open_outputs: output, rejects, counters, progress (lib/frame), the
 * manifest and the callbacks. */
static void open_outputs(struct fetch *F, const struct args *A)
{
	static const char *const zero[] = { "objects", "in", "out", "rejected", NULL };
	struct frame_opts fo = { A->out, A->rejects, F->uw.max_line, F->uw.max_depth, 0, A->common };
	frame_open(&F->io, &fo, zero);
	if (A->manifest) {
		if (manifest_open(&F->man, A->manifest) < 0)
			die(EX_IOERR, "%s: cannot open manifest: %s", A->manifest, strerror(errno));
		F->use_manifest = 1;
	}
	F->uw.emit = on_emit;
	F->uw.reject = on_reject;
	F->uw.ctx = F;
	F->up.text = on_text;
	F->up.want = on_member;
	F->up.ctx = F;
}

/* run_operand: one source; one that holds no object (an empty day, a
 * --source-id or prefix that matches nothing) is a warning, or with
 * --require-objects an error (66). */
static void run_operand(struct fetch *F, const char *arg)
{
	uint64_t before = stats_get(&F->io.st, "objects") + stats_get(&F->io.st, "skipped");
	int status = F->status;
	do_operand(F, arg);
	if (F->stop || F->status != status || stats_get(&F->io.st, "objects") + stats_get(&F->io.st, "skipped") > before)
		return;
	diag(arg, 0, "%s: no objects%s", F->require_objects ? "error" : "warning",
	     F->filter.active ? " (check the prefix, --source-id, --since and --until)" : "");
	if (F->require_objects)
		set_status(F, EX_NOINPUT);
}

/* source: read the operands (none: stdin) to their end or a stop. */
static int source(void *ctx, int argc, char **argv)
{
	struct fetch *F = ctx;
	if (argc == 0)
		do_operand(F, "-");
	for (int i = 0; i < argc && !F->stop; i++)
		run_operand(F, argv[i]);
	return EX_DONE;
}

/* finish: close the outputs, write the summary, free F; the exit status. */
static int finish(void *ctx, int status)
{
	struct fetch *F = ctx;
	set_status(F, status);
	frame_end(&F->io);
	stats_add(&F->io.st, "in", F->uw.records);
	stats_add(&F->io.st, "out", F->messages);
	if (F->uw.blank)
		stats_add(&F->io.st, "blank", F->uw.blank);
	if (F->uw.envelopes)
		stats_add(&F->io.st, "envelopes", F->uw.envelopes);
	if (F->up.gzip_twice)
		stats_add(&F->io.st, "gzip_decoded_twice", F->up.gzip_twice);
	stats_summary(&F->io.st, F->quiet);
	if (F->io.stats_file && stats_write(&F->io.st, F->io.stats_file) < 0)
		die(EX_IOERR, "%s: cannot write stats: %s", F->io.stats_file, strerror(errno));
	if (F->io.rej.count)
		set_status(F, EX_REJECTED);
	if (F->use_manifest)
		manifest_close(&F->man);
	if (F->s3_ready)
		s3_cfg_free(&F->s3);
	if (F->gs_ready)
		s3_cfg_free(&F->gs);
	http_pool_free(F->pool);
	unwrap_free(&F->uw);
	seg_dayfilter_free(&F->filter);
	stats_free(&F->io.st);
	buf_free(&F->tmp);
	status = F->status;
	free(F);
	return status;
}

int fetch_setup(int argc, char **argv, struct frame_stage *s)
{
	struct fetch *F = xcalloc(1, sizeof *F);
	struct args A = { "-", NULL, NULL, CLI_COMMON_INIT, 0, 0 };

	seg_dayfilter_init(&F->filter);
	http_opts_default(&F->http);
	F->http.netrc = 1;
	F->jobs = 4;
	unwrap_init(&F->uw);
	int first = parse_args(F, &A, argc, argv);
	if (A.mark_done)
		cli_exit(do_mark_done(A.manifest, F->quiet, first < argc));
	F->require_objects = A.require_objects;
	open_outputs(F, &A);
	*s = (struct frame_stage){ "seg-fetch", &F->io, NULL, F, finish, source };
	return first;
}

int fetch_main(int argc, char **argv)
{
	struct frame_stage s;
	cli_init(argv[0]);
	int first = fetch_setup(argc, argv, &s);
	return frame_main(&s, argc - first, argv + first);
}
