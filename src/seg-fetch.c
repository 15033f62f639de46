/* seg-fetch: read archived Segment data from files, folders, archives,
 * HTTP(S) URLs and s3:// prefixes, and write one message per line: the bytes
 * as in the source, batch envelopes unwrapped (lib/unwrap). Formats are told
 * by content (lib/unpack, lib/inflate); objects are read in sorted order, and
 * a --manifest lets a re-run skip the objects already read to their end. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"
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
	int s3_ready;
	const char *region, *endpoint;
	unsigned page_size;
	int list_only, keep_going, quiet;
	struct manifest man;
	int use_manifest;
	struct writer out;
	struct rejects rej;
	struct stats st;
	struct progress prog;
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
	       "SOURCE: FILE, FOLDER, - (stdin), http(s)://URL or s3://BUCKET[/PREFIX].\n"
	       "Formats by content: gzip, tar, zip, bzip2, xz, zstd, plain NDJSON or a JSON array.\n\n"
	       "  -o, --output FILE        write messages to FILE (default stdout)\n"
	       "  -r, --rejects FILE       write reject records to FILE (default: report on stderr)\n"
	       "      --manifest FILE      record objects read to their end as pending; skip the\n"
	       "                           ones marked done on a re-run\n"
	       "      --mark-done          with --manifest: mark every pending object done (after\n"
	       "                           the load committed), read nothing\n"
	       "      --list               print the objects that would be read (JSON lines), read none\n"
	       "  -k, --keep-going         after a damaged object go on with the next (exit 1)\n"
	       "      --since DAY          Segment layout: received days from DAY on (inclusive)\n"
	       "      --until DAY          Segment layout: received days before DAY (exclusive)\n"
	       "                           DAY: YYYY-MM-DD (UTC) or the 13-digit folder name\n"
	       "      --source-id ID       Segment layout: only this source (repeatable)\n"
	       "      --region REGION      S3 region (default $AWS_REGION, else us-east-1)\n"
	       "      --endpoint-url URL   S3-compatible endpoint, path-style ($AWS_ENDPOINT_URL)\n"
	       "      --page-size N        S3 keys per listing request (1..1000, default 1000)\n"
	       "      --cacert FILE        CA certificates to verify HTTPS servers with\n"
	       "      --insecure           do not verify HTTPS servers (never by default)\n"
	       "      --retry N            retries of a transient failure (default 10)\n"
	       "      --retry-delay TIME   first backoff bound, doubling per retry, full jitter (default 1s)\n"
	       "      --retry-cap TIME     largest backoff bound and Retry-After (default 60s)\n"
	       "      --connect-timeout TIME  (default 10s)\n"
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
	       "Credentials for s3://: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,\n"
	       "else ~/.aws/credentials (AWS_PROFILE). HTTP: ~/.netrc.\n"
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

static void on_emit(void *ctx, const char *p, size_t n)
{
	struct fetch *F = ctx;
	w_line(&F->out, p, n);
	F->messages++;
	progress_tick(&F->prog, F->messages, F->uw.bytes);
}

static void on_reject(void *ctx, const char *reason, const char *detail,
                      const char *name, uint64_t line, const char *raw, size_t rawlen)
{
	struct fetch *F = ctx;
	reject(&F->rej, reason, detail, name, line, raw, rawlen);
}

static int on_text(void *ctx, lr_readfn read, void *rctx, const char *name)
{
	struct fetch *F = ctx;
	return unwrap_stream(&F->uw, read, rctx, name);
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
	w_line(&F->out, b->p, b->len);
	stats_add(&F->st, "objects", 1);
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

/* A source of bytes for read_object and how to explain its failure. */
struct source {
	lr_readfn read;
	void *ctx;
	/* why: the reason and exit code after read returned -1 */
	int (*why)(void *ctx, char *msg, size_t n);
};

/* read_object: decode one object, then flush the output and record it in
 * the manifest (rec NULL: not recorded, as for stdin). */
static void read_object(struct fetch *F, const struct source *src, const char *name,
                        struct manifest_rec *rec)
{
	uint64_t before = F->messages;
	stats_add(&F->st, "objects", 1);
	enum unpack_result r = unpack_stream(&F->up, src->read, src->ctx, name);
	if (r == UNPACK_DAMAGED) {
		diag(NULL, 0, "%s", F->up.errmsg);
		stats_add(&F->st, "damaged", 1);
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
		w_sync(&F->out);           /* the messages are out before the record says so */
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
	snprintf(mtime, sizeof mtime, "%lld.%09ld", (long long)sb.st_mtim.tv_sec, (long)sb.st_mtim.tv_nsec);
	int64_t size = S_ISREG(sb.st_mode) ? (int64_t)sb.st_size : -1;
	if (!is_stdin && already_read(F, name, NULL, size, mtime)) {
		stats_add(&F->st, "skipped", 1);
	} else if (F->list_only) {
		list_line(F, name, size, NULL, is_stdin ? NULL : mtime);
	} else {
		if (S_ISREG(sb.st_mode))
			posix_fadvise(fs.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		struct source src = { fd_read, &fs, fd_why };
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
	stats_add(&F->st, "unopened", 1);
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
		stats_add(&F->st, "skipped", 1);
		return;
	}
	struct http_get *g;
	enum http_open_result o = http_open(&g, url, &F->http, r ? r->etag : NULL, r ? r->mtime : NULL);
	if (o == HTTP_OPEN_NOT_MODIFIED) {
		stats_add(&F->st, "skipped", 1);
	} else if (o == HTTP_OPEN_FAILED) {
		diag(url, 0, "%s", http_error(g));
		set_status(F, http_exit_code(g));
		F->stop = http_exit_code(g) != EX_NOINPUT;
	} else {
		char etag[256], lastmod[64];
		snprintf(etag, sizeof etag, "%s", http_etag(g));
		snprintf(lastmod, sizeof lastmod, "%s", http_last_modified(g));
		struct manifest_rec rec = { NULL, etag, lastmod, http_length(g), 0, 1 };
		struct source src = { http_read, g, http_why };
		read_object(F, &src, url, &rec);
	}
	stats_add(&F->st, "retries", http_retries(g));
	http_close(g);
}

/* s3_setup: credentials, region and endpoint, once, at the first s3:// URL. */
static void s3_setup(struct fetch *F)
{
	if (F->s3_ready)
		return;
	char err[600];
	if (s3_config(&F->s3, F->region, F->endpoint, err, sizeof err) != 0)
		die(EX_CONFIG, "S3 configuration: %s", err);
	s3_http_opts(&F->s3, &F->http);
	F->s3_ready = 1;
}

/* do_s3_object: one listed key. */
static void do_s3_object(struct fetch *F, const char *bucket, const struct s3_obj *o)
{
	size_t klen = strlen(o->key);
	if (klen == 0 || o->key[klen - 1] == '/' || !seg_want_path(&F->filter, o->key))
		return;
	struct buf name = BUF_INIT, url = BUF_INIT;
	buf_printf(&name, "s3://%s/%s", bucket, o->key);
	if (already_read(F, buf_cstr(&name), o->etag, (int64_t)o->size, o->last_modified)) {
		stats_add(&F->st, "skipped", 1);
	} else if (F->list_only) {
		list_line(F, buf_cstr(&name), (int64_t)o->size, o->etag, o->last_modified);
	} else {
		s3_object_url(&F->s3, bucket, o->key, &url);
		struct http_get *g;
		if (http_open(&g, buf_cstr(&url), &F->http, NULL, NULL) != HTTP_OPEN_OK) {
			char msg[600];
			int code = s3_error(http_error_body(g), http_exit_code(g), msg, sizeof msg);
			diag(buf_cstr(&name), 0, "%s%s%s", msg[0] ? msg : "", msg[0] ? " - " : "", http_error(g));
			set_status(F, code);
			F->stop = code != EX_NOINPUT;
		} else {
			struct manifest_rec rec = { NULL, o->etag, o->last_modified, (int64_t)o->size, 0, 1 };
			struct source src = { http_read, g, http_why };
			read_object(F, &src, buf_cstr(&name), &rec);
		}
		stats_add(&F->st, "retries", http_retries(g));
		http_close(g);
	}
	buf_free(&name);
	buf_free(&url);
}

/* s3_fail: a listing failed: report and stop. */
static void s3_fail(struct fetch *F, const char *bucket, const char *prefix, int code, const char *err)
{
	diag(NULL, 0, "s3://%s/%s: listing failed: %s", bucket, prefix, err);
	set_status(F, code);
	F->stop = 1;
}

/* s3_objects: every key under prefix, page by page, read as listed. */
static void s3_objects(struct fetch *F, const char *bucket, const char *prefix)
{
	char *token = NULL;
	char err[800];
	do {
		struct s3_page pg;
		int rc = s3_list(&F->s3, &F->http, bucket, prefix, NULL, token, F->page_size, &pg, err, sizeof err);
		free(token);
		token = NULL;
		if (rc) {
			s3_fail(F, bucket, prefix, rc, err);
			s3_page_free(&pg);
			break;
		}
		stats_add(&F->st, "list_requests", 1);
		for (size_t i = 0; i < pg.nobjs && !F->stop; i++)
			do_s3_object(F, bucket, &pg.objs[i]);
		if (pg.truncated && !F->stop)
			token = xstrdup(pg.next_token);
		s3_page_free(&pg);
	} while (token);
}

/* s3_folders: the CommonPrefixes ("folders") right under prefix. */
static int s3_folders(struct fetch *F, const char *bucket, const char *prefix, struct paths *out)
{
	char *token = NULL;
	char err[800];
	do {
		struct s3_page pg;
		int rc = s3_list(&F->s3, &F->http, bucket, prefix, "/", token, F->page_size, &pg, err, sizeof err);
		free(token);
		token = NULL;
		if (rc) {
			s3_fail(F, bucket, prefix, rc, err);
			s3_page_free(&pg);
			return -1;
		}
		stats_add(&F->st, "list_requests", 1);
		for (size_t i = 0; i < pg.nprefixes; i++)
			paths_add(out, pg.prefixes[i]);
		if (pg.truncated)
			token = xstrdup(pg.next_token);
		s3_page_free(&pg);
	} while (token);
	qsort(out->v, out->n, sizeof *out->v, cmp_str);
	return 0;
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
		usage_error("%s: not an s3://BUCKET[/PREFIX] URL", url);
	s3_setup(F);
	size_t n = strlen(prefix);
	const char *logs = NULL;
	for (const char *p = prefix; (p = strstr(p, "segment-logs/")); p++)
		if (p == prefix || p[-1] == '/') {
			logs = p;
			break;
		}
	struct buf b = BUF_INIT;
	if (!F->filter.active) {
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
	if (strncmp(arg, "s3://", 5) == 0)
		do_s3(F, arg);
	else if (strncmp(arg, "http://", 7) == 0 || strncmp(arg, "https://", 8) == 0)
		do_url(F, arg);
	else if (strcmp(arg, "-") != 0 && stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode))
		do_folder(F, arg);
	else
		do_file(F, arg);
}

int main(int argc, char **argv)
{
	enum { O_MANIFEST = 256, O_LIST, O_SINCE, O_UNTIL, O_SOURCE, O_REGION, O_ENDPOINT, O_PAGE,
	       O_CACERT, O_INSECURE, O_RETRY, O_RETRY_DELAY, O_RETRY_CAP, O_CONNECT_TIMEOUT, O_MAXLINE, O_MAXDEPTH,
	       O_STATS, O_PROG, O_NOPROG, O_STRICT, O_MARKDONE };
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' }, { "rejects", required_argument, 0, 'r' },
		{ "manifest", required_argument, 0, O_MANIFEST }, { "list", no_argument, 0, O_LIST },
		{ "mark-done", no_argument, 0, O_MARKDONE },
		{ "keep-going", no_argument, 0, 'k' }, { "since", required_argument, 0, O_SINCE },
		{ "until", required_argument, 0, O_UNTIL }, { "source-id", required_argument, 0, O_SOURCE },
		{ "region", required_argument, 0, O_REGION }, { "endpoint-url", required_argument, 0, O_ENDPOINT },
		{ "page-size", required_argument, 0, O_PAGE }, { "cacert", required_argument, 0, O_CACERT },
		{ "insecure", no_argument, 0, O_INSECURE }, { "retry", required_argument, 0, O_RETRY },
		{ "retry-delay", required_argument, 0, O_RETRY_DELAY },
		{ "retry-cap", required_argument, 0, O_RETRY_CAP },
		{ "connect-timeout", required_argument, 0, O_CONNECT_TIMEOUT },
		{ "max-line", required_argument, 0, O_MAXLINE }, { "max-depth", required_argument, 0, O_MAXDEPTH },
		{ "strict", no_argument, 0, O_STRICT }, { "stats", required_argument, 0, O_STATS }, { "quiet", no_argument, 0, 'q' },
		{ "progress", no_argument, 0, O_PROG }, { "no-progress", no_argument, 0, O_NOPROG },
		{ "help", no_argument, 0, 'h' }, { "version", no_argument, 0, 'V' }, { 0, 0, 0, 0 } };
	static struct fetch F;
	const char *out = "-", *rejects = NULL, *stats_file = NULL, *manifest = NULL;
	int force_progress = -1, c, mark_done = 0;

	cli_init(argv[0]);
	seg_dayfilter_init(&F.filter);
	http_opts_default(&F.http);
	F.http.netrc = 1;
	unwrap_init(&F.uw);
	while ((c = cli_getopt(argc, argv, "o:r:kqhV", opts)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'r': rejects = optarg; break;
		case O_MANIFEST: manifest = optarg; break;
		case O_LIST: F.list_only = 1; break;
		case O_MARKDONE: mark_done = 1; break;
		case 'k': F.keep_going = 1; break;
		case O_SINCE:
			if (seg_day_parse(optarg, &F.filter.since_ms) < 0)
				usage_error("--since: '%s' is not a day (YYYY-MM-DD or 13-digit ms)", optarg);
			F.filter.active = 1;
			break;
		case O_UNTIL:
			if (seg_day_parse(optarg, &F.filter.until_ms) < 0)
				usage_error("--until: '%s' is not a day (YYYY-MM-DD or 13-digit ms)", optarg);
			F.filter.active = 1;
			break;
		case O_SOURCE:
			if (!*optarg || strchr(optarg, '/'))
				usage_error("--source-id: '%s' is not a source id", optarg);
			seg_dayfilter_add_source(&F.filter, optarg);
			break;
		case O_REGION: F.region = optarg; break;
		case O_ENDPOINT: F.endpoint = optarg; break;
		case O_PAGE: F.page_size = (unsigned)opt_uint("--page-size", optarg, 1, 1000); break;
		case O_CACERT: F.http.cacert = optarg; break;
		case O_INSECURE: F.http.insecure = 1; break;
		case O_RETRY: F.http.retries = (unsigned)opt_uint("--retry", optarg, 0, 1000); break;
		case O_RETRY_DELAY: F.http.retry_base_ms = opt_duration("--retry-delay", optarg, 0, 3600000); break;
		case O_RETRY_CAP: F.http.retry_cap_ms = opt_duration("--retry-cap", optarg, 0, 3600000); break;
		case O_CONNECT_TIMEOUT:
			F.http.connect_timeout_ms = (long)opt_duration("--connect-timeout", optarg, 1, 3600000);
			break;
		case O_MAXLINE:
			F.uw.max_line = opt_size("--max-line", optarg);
			if (!F.uw.max_line)
				usage_error("--max-line must be positive");
			break;
		case O_MAXDEPTH: F.uw.max_depth = (int)opt_uint("--max-depth", optarg, 1, 1000000); break;
		case O_STRICT: F.uw.strict = 1; break;
		case O_STATS: stats_file = optarg; break;
		case 'q': F.quiet = 1; break;
		case O_PROG: force_progress = 1; break;
		case O_NOPROG: force_progress = 0; break;
		case 'h': cli_help(usage);
		case 'V':
			print_version();
			printf("gzip: %s; %s\n", gunzip_engine(), curl_version());
			return cli_stdout_status();
		default: usage_error("unknown option");
		}
	}
	if (F.filter.since_ms >= F.filter.until_ms)
		usage_error("--since must be before --until (--until is exclusive)");
	if (mark_done)
		return do_mark_done(manifest, F.quiet, optind < argc);
	stats_init(&F.st);
	stats_add(&F.st, "objects", 0);
	stats_add(&F.st, "in", 0);
	stats_add(&F.st, "out", 0);
	stats_add(&F.st, "rejected", 0);
	cli_stats_stdout(stats_file, out);
	if (w_open(&F.out, out) < 0)
		die(EX_IOERR, "%s: cannot create: %s", out, strerror(errno));
	rejects_open(&F.rej, rejects, &F.st);
	if (manifest) {
		if (manifest_open(&F.man, manifest) < 0)
			die(EX_IOERR, "%s: cannot open manifest: %s", manifest, strerror(errno));
		F.use_manifest = 1;
	}
	progress_init(&F.prog, progress_wanted(force_progress, F.quiet));
	F.uw.emit = on_emit;
	F.uw.reject = on_reject;
	F.uw.ctx = &F;
	F.up.text = on_text;
	F.up.want = on_member;
	F.up.ctx = &F;

	char *stdin_only[] = { "-" };
	char **ops = optind < argc ? argv + optind : stdin_only;
	int nops = optind < argc ? argc - optind : 1;
	for (int i = 0; i < nops && !F.stop; i++)
		do_operand(&F, ops[i]);

	w_close(&F.out);
	rejects_close(&F.rej);
	progress_done(&F.prog);
	stats_add(&F.st, "in", F.uw.records);
	stats_add(&F.st, "out", F.messages);
	if (F.uw.blank)
		stats_add(&F.st, "blank", F.uw.blank);
	if (F.uw.envelopes)
		stats_add(&F.st, "envelopes", F.uw.envelopes);
	stats_summary(&F.st, F.quiet);
	if (stats_file && stats_write(&F.st, stats_file) < 0)
		die(EX_IOERR, "%s: cannot write stats: %s", stats_file, strerror(errno));
	if (F.rej.count)
		set_status(&F, EX_REJECTED);
	if (F.use_manifest)
		manifest_close(&F.man);
	if (F.s3_ready)
		s3_cfg_free(&F.s3);
	unwrap_free(&F.uw);
	seg_dayfilter_free(&F.filter);
	stats_free(&F.st);
	return F.status;
}
