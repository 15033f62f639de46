/* http.c: libcurl GET as a pull stream, with retries and resume (http.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "cli.h"
#include "http.h"
#include "retry.h"

#define PENDING_MAX ((size_t)4 << 20)   /* pause the transfer beyond this */
#define ERRBODY_MAX ((size_t)64 << 10)
/* SHA-256 of an empty payload: the x-amz-content-sha256 of a GET */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct http_get {
	const struct http_opts *o;
	char *url;
	char *if_none_match, *if_modified_since;
	CURLM *multi;                   /* its own, or the pool's */
	int own_multi;
	CURL *easy;
	struct curl_slist *hdrs;
	char curlerr[CURL_ERROR_SIZE];
	struct buf pending;             /* body bytes received, not yet read */
	size_t pend_pos;
	int paused;
	struct buf errbody;
	long status;                    /* of the current response */
	int hdr_done, done;
	CURLcode result;
	uint64_t delivered;             /* body bytes handed to the reader */
	uint64_t body_start;            /* offset of this response's first byte */
	uint64_t skip;                  /* bytes still to drop (200 to a Range) */
	char etag[256], lastmod[64];
	char location[300];         /* a redirect's target, for its refusal */
	char bucket_region[64];     /* x-amz-bucket-region of the response */
	int64_t range_start;        /* first byte of a 206's Content-Range, -1 */
	unsigned redirects;         /* same-origin redirects of a signed request */
	char first_etag[256];
	int64_t length;
	unsigned attempt;
	int failed, exit_code;
	char errmsg[512];
};

static int curl_ready;

struct http_pool {
	CURLM *multi;
};

static void curl_start(void)
{
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			die(EX_IOERR, "curl_global_init failed");
		curl_ready = 1;
	}
}

struct http_pool *http_pool_new(void)
{
	curl_start();
	struct http_pool *p = xcalloc(1, sizeof *p);
	p->multi = curl_multi_init();
	if (!p->multi)
		die(EX_IOERR, "curl_multi_init failed");
	return p;
}

void http_pool_free(struct http_pool *p)
{
	if (!p)
		return;
	curl_multi_cleanup(p->multi);
	free(p);
}

void http_opts_default(struct http_opts *o)
{
	memset(o, 0, sizeof *o);
	o->retries = 10;
	o->retry_base_ms = 1000;
	o->retry_cap_ms = 60000;
	o->connect_timeout_ms = 10000;
	o->stall_timeout = 60;
	o->min_speed = 1024;
}

/* on_header: the status line and the validators of the current response
 * (each redirect starts a new one). */
static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct http_get *g = ctx;
	size_t len = size * n;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		const char *sp = memchr(p, ' ', len);
		g->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		g->hdr_done = 0;
		g->etag[0] = g->lastmod[0] = g->location[0] = g->bucket_region[0] = 0;
		g->length = g->range_start = -1;
		return len;
	}
	if (len <= 2 && (p[0] == '\r' || p[0] == '\n')) {
		/* end of headers; a redirect or 1xx is not the final response */
		int redirect = g->status >= 300 && g->status < 400 && g->status != 304;
		if (g->status >= 200 && !redirect)
			g->hdr_done = 1;
		return len;
	}
	const char *colon = memchr(p, ':', len);
	if (!colon)
		return len;
	size_t klen = (size_t)(colon - p);
	const char *v = colon + 1, *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	size_t vlen = (size_t)(end - v);
	if (klen == 4 && strncasecmp(p, "etag", 4) == 0 && vlen < sizeof g->etag) {
		memcpy(g->etag, v, vlen);
		g->etag[vlen] = 0;
	} else if (klen == 13 && strncasecmp(p, "last-modified", 13) == 0 && vlen < sizeof g->lastmod) {
		memcpy(g->lastmod, v, vlen);
		g->lastmod[vlen] = 0;
	} else if (klen == 8 && strncasecmp(p, "location", 8) == 0) {
		snprintf(g->location, sizeof g->location, "%.*s", (int)vlen, v);
	} else if (klen == 14 && strncasecmp(p, "content-length", 14) == 0) {
		g->length = strtoll(v, NULL, 10);
	} else if (klen == 13 && strncasecmp(p, "content-range", 13) == 0) {
		/* "bytes FIRST-LAST/TOTAL"; anything else is no usable range */
		if (vlen > 6 && strncasecmp(v, "bytes ", 6) == 0 && v[6] >= '0' && v[6] <= '9')
			g->range_start = strtoll(v + 6, NULL, 10);
		else
			g->range_start = -2;
	} else if (klen == 19 && strncasecmp(p, "x-amz-bucket-region", 19) == 0) {
		snprintf(g->bucket_region, sizeof g->bucket_region, "%.*s", (int)vlen, v);
	}
	return len;
}

/* on_body: keep body bytes for http_read; error bodies go aside. */
static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct http_get *g = ctx;
	size_t len = size * n;
	if (g->status < 200 || g->status >= 300) {
		if (g->errbody.len < ERRBODY_MAX)
			buf_add(&g->errbody, p, len < ERRBODY_MAX - g->errbody.len ? len : ERRBODY_MAX - g->errbody.len);
		return len;
	}
	if (g->skip) {
		size_t k = g->skip < len ? (size_t)g->skip : len;
		g->skip -= k;
		p += k;
		if (k == len)
			return size * n;
		len -= k;
	}
	if (g->pending.len - g->pend_pos >= PENDING_MAX) {
		g->paused = 1;
		return CURL_WRITEFUNC_PAUSE;
	}
	buf_add(&g->pending, p, len);
	return size * n;
}

static void drop_transfer(struct http_get *g)
{
	if (g->easy) {
		curl_multi_remove_handle(g->multi, g->easy);
		curl_easy_cleanup(g->easy);
		g->easy = NULL;
	}
	curl_slist_free_all(g->hdrs);
	g->hdrs = NULL;
}

/* start: a new try, from byte g->delivered of the body on. */
static void start(struct http_get *g)
{
	const struct http_opts *o = g->o;
	drop_transfer(g);
	g->easy = curl_easy_init();
	if (!g->easy)
		die(EX_IOERR, "curl_easy_init failed");
	CURL *e = g->easy;
	g->status = 0;
	g->hdr_done = g->done = g->paused = 0;
	g->result = CURLE_OK;
	g->curlerr[0] = 0;
	g->length = g->range_start = -1;
	buf_reset(&g->errbody);
	curl_easy_setopt(e, CURLOPT_URL, g->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)g);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* a signed request is redirected by same_origin_redirect, not by curl:
	 * curl would send the x-amz-security-token header to any host */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, o->sigv4 ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, g->curlerr);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, g);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, g);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "segpipe/" SEGPIPE_VERSION);
	if (o->connect_timeout_ms)
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	if (o->stall_timeout) {
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, o->min_speed > 0 ? o->min_speed : 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o->stall_timeout);
	}
	if (o->cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, o->cacert);
	if (o->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->netrc)
		curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	if (o->sigv4) {
		curl_easy_setopt(e, CURLOPT_AWS_SIGV4, o->sigv4);
		curl_easy_setopt(e, CURLOPT_USERNAME, o->user ? o->user : "");
		curl_easy_setopt(e, CURLOPT_PASSWORD, o->password ? o->password : "");
		g->hdrs = curl_slist_append(g->hdrs, "x-amz-content-sha256: " EMPTY_SHA256);
		if (o->session_token && *o->session_token) {
			struct buf h = BUF_INIT;
			buf_printf(&h, "x-amz-security-token: %s", o->session_token);
			g->hdrs = curl_slist_append(g->hdrs, buf_cstr(&h));
			buf_free(&h);
		}
	}
	for (size_t i = 0; i < sizeof o->headers / sizeof o->headers[0] && o->headers[i]; i++)
		g->hdrs = curl_slist_append(g->hdrs, o->headers[i]);
	if (o->method)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, o->method);
	char line[400];
	if (g->delivered > 0) {
		snprintf(line, sizeof line, "Range: bytes=%" PRIu64 "-", g->delivered);
		g->hdrs = curl_slist_append(g->hdrs, line);
		if (g->first_etag[0] && strlen(g->first_etag) < 300) {
			snprintf(line, sizeof line, "If-Range: %s", g->first_etag);
			g->hdrs = curl_slist_append(g->hdrs, line);
		}
	} else {
		if (g->if_none_match && strlen(g->if_none_match) < 300) {
			snprintf(line, sizeof line, "If-None-Match: %s", g->if_none_match);
			g->hdrs = curl_slist_append(g->hdrs, line);
		}
		if (g->if_modified_since && strlen(g->if_modified_since) < 300) {
			snprintf(line, sizeof line, "If-Modified-Since: %s", g->if_modified_since);
			g->hdrs = curl_slist_append(g->hdrs, line);
		}
	}
	if (g->hdrs)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, g->hdrs);
	curl_multi_add_handle(g->multi, e);
}

/* pump: move the transfer on until body bytes are pending, the final
 * headers arrived (when want_headers), or it ended. */
static void pump(struct http_get *g, int want_headers)
{
	for (;;) {
		if (g->pend_pos < g->pending.len || g->done)
			return;
		if (want_headers && g->hdr_done)
			return;
		if (g->paused) {
			g->paused = 0;
			curl_easy_pause(g->easy, CURLPAUSE_CONT);
			continue;
		}
		int running = 0;
		curl_multi_perform(g->multi, &running);
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(g->multi, &left)))
			if (m->msg == CURLMSG_DONE) {
				/* in a pool, the transfer that ended may be another's */
				struct http_get *to = NULL;
				curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&to);
				if (to) {
					to->done = 1;
					to->result = m->data.result;
				}
			}
		if (g->done || g->pend_pos < g->pending.len || (want_headers && g->hdr_done))
			return;
		curl_multi_poll(g->multi, NULL, 0, 1000, NULL);
	}
}

/* fail: the request failed for good. */
static void fail(struct http_get *g, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct http_get *g, int code, const char *fmt, ...)
{
	MSG_FORMAT(g->errmsg, fmt);
	g->failed = 1;
	g->exit_code = code;
}

static int status_exit_code(long status)
{
	if (status == 401 || status == 403 || status == 407)
		return EX_NOPERM;
	if (retry_http_transient(status) || status >= 500)
		return EX_UNAVAILABLE;
	return EX_NOINPUT;
}

static int curl_exit_code(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION: case CURLE_LOGIN_DENIED: case CURLE_AUTH_ERROR:
		return EX_NOPERM;
	case CURLE_SSL_CACERT_BADFILE: case CURLE_SSL_CERTPROBLEM: case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return EX_CONFIG;
	case CURLE_TOO_MANY_REDIRECTS: case CURLE_REMOTE_FILE_NOT_FOUND:
		return EX_NOINPUT;
	default:
		return EX_UNAVAILABLE;
	}
}

/* try_again: after a failed try: wait and start another if the failure is
 * transient and tries are left (1), else record the failure (0). */
static int try_again(struct http_get *g)
{
	long os_errno = 0, retry_after = 0;
	curl_easy_getinfo(g->easy, CURLINFO_OS_ERRNO, &os_errno);
	int transient;
	char why[400];
	if (g->result != CURLE_OK && !(g->status >= 400 && g->hdr_done)) {
		transient = retry_curl_transient(g->result, os_errno);
		snprintf(why, sizeof why, "%s", g->curlerr[0] ? g->curlerr : curl_easy_strerror(g->result));
	} else {
		transient = retry_http_transient(g->status);
		snprintf(why, sizeof why, "HTTP %ld", g->status);
		curl_off_t ra = 0;
		if (curl_easy_getinfo(g->easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
			retry_after = ra > 86400 ? 86400 : (long)ra;
	}
	if (transient && g->attempt < g->o->retries) {
		uint64_t ms = retry_backoff_ms(g->attempt, g->o->retry_base_ms, g->o->retry_cap_ms,
		                               (uint64_t)retry_after * 1000);
		g->attempt++;
		retry_sleep_ms(ms);
		start(g);
		return 1;
	}
	const char *tries = g->attempt ? " (after all retries)" : "";
	if (g->result == CURLE_UNSUPPORTED_PROTOCOL && g->status >= 300 && g->status < 400 && g->location[0])
		fail(g, EX_NOINPUT, "redirect to %s refused (only http and https are followed)", g->location);
	else if (g->result != CURLE_OK && !(g->status >= 400 && g->hdr_done))
		fail(g, transient ? EX_UNAVAILABLE : curl_exit_code(g->result), "%s%s", why, tries);
	else
		fail(g, status_exit_code(g->status), "%s%s", why, tries);
	return 0;
}

/* range_ok: a 206 must answer the Range asked for, from the byte the reader
 * is at: one from elsewhere would splice repeated or missing bytes in. */
static int range_ok(struct http_get *g)
{
	if (g->status != 206)
		return 1;
	if (g->delivered == 0)
		fail(g, EX_UNAVAILABLE, "HTTP 206 (a partial body) to a request for the whole object");
	else if (g->range_start != (int64_t)g->delivered)
		fail(g, EX_UNAVAILABLE, "HTTP 206 from byte %lld, asked for the body from byte %" PRIu64
		     " (Content-Range %s)", (long long)g->range_start, g->delivered,
		     g->range_start == -1 ? "missing" : "not as asked");
	else
		return 1;
	return 0;
}

/* origin: scheme, host and port of an absolute URL ("" if it is none). */
static void origin(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	out[0] = 0;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(out, n, "%s://%s:%s", scheme, host, port);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/* same_origin_redirect: a signed request got a 3xx: follow it (1) when it
 * stays on the same origin, else refuse it (0): the signature and the
 * session token are never sent to another host. */
static int same_origin_redirect(struct http_get *g)
{
	char *to = NULL, here[400], there[400];
	if (g->status == 304 || curl_easy_getinfo(g->easy, CURLINFO_REDIRECT_URL, &to) != CURLE_OK || !to) {
		fail(g, status_exit_code(g->status), "HTTP %ld%s", g->status,
		     g->bucket_region[0] ? " (the bucket is in another region)" : "");
		return 0;
	}
	origin(g->url, here, sizeof here);
	origin(to, there, sizeof there);
	if (!here[0] || strcmp(here, there) != 0) {
		fail(g, EX_NOINPUT, "redirect to %.300s refused: a signed request is not sent to another host", to);
		return 0;
	}
	if (++g->redirects > 10) {
		fail(g, EX_NOINPUT, "more than 10 redirects");
		return 0;
	}
	free(g->url);
	g->url = xstrdup(to);
	start(g);
	return 1;
}

/* await_headers: run tries until a final 2xx/304 response has begun or the
 * request failed. */
static void await_headers(struct http_get *g)
{
	for (;;) {
		pump(g, 1);
		if (g->hdr_done && g->status >= 200 && g->status < 300) {
			if (!range_ok(g))
				return;
			if (g->delivered > 0) {
				/* a resumed body: 206 continues; 200 repeats it from byte 0 */
				if (g->status == 200) {
					if (g->first_etag[0] && strcmp(g->etag, g->first_etag) != 0) {
						fail(g, EX_DATAERR, "the object changed while it was read (ETag %s, was %s)",
						     g->etag, g->first_etag);
						return;
					}
					g->skip = g->delivered;
				}
			} else {
				snprintf(g->first_etag, sizeof g->first_etag, "%s", g->etag);
			}
			return;
		}
		if (g->hdr_done && g->status == 304)
			return;
		if (!g->done) {
			pump(g, 0);            /* an error response: read its body first */
			continue;
		}
		if (g->result == CURLE_OK && g->status >= 200 && g->status < 300)
			return;                /* no headers seen (HTTP/0.9?) but done */
		if (g->result == CURLE_OK && g->status >= 300 && g->status < 400 && g->o->sigv4) {
			if (same_origin_redirect(g))
				continue;
			return;
		}
		if (!try_again(g))
			return;
	}
}

void http_start(struct http_get **gp, const char *url, const struct http_opts *o,
                const char *if_none_match, const char *if_modified_since)
{
	curl_start();
	struct http_get *g = xcalloc(1, sizeof *g);
	*gp = g;
	g->o = o;
	g->url = xstrdup(url);
	g->if_none_match = if_none_match && *if_none_match ? xstrdup(if_none_match) : NULL;
	g->if_modified_since = if_modified_since && *if_modified_since ? xstrdup(if_modified_since) : NULL;
	if (o->pool) {
		g->multi = o->pool->multi;
	} else {
		g->multi = curl_multi_init();
		if (!g->multi)
			die(EX_IOERR, "curl_multi_init failed");
		g->own_multi = 1;
	}
	start(g);
}

enum http_open_result http_await(struct http_get *g)
{
	await_headers(g);
	if (g->failed)
		return HTTP_OPEN_FAILED;
	if (g->status == 304)
		return HTTP_OPEN_NOT_MODIFIED;
	return HTTP_OPEN_OK;
}

enum http_open_result http_open(struct http_get **gp, const char *url, const struct http_opts *o,
                                const char *if_none_match, const char *if_modified_since)
{
	http_start(gp, url, o, if_none_match, if_modified_since);
	return http_await(*gp);
}

ssize_t http_read(void *ctx, char *buf, size_t n)
{
	struct http_get *g = ctx;
	for (;;) {
		if (g->failed)
			return -1;
		if (g->pend_pos < g->pending.len) {
			size_t k = g->pending.len - g->pend_pos;
			if (k > n)
				k = n;
			memcpy(buf, g->pending.p + g->pend_pos, k);
			g->pend_pos += k;
			if (g->pend_pos == g->pending.len)
				g->pend_pos = g->pending.len = 0;
			g->delivered += k;
			return (ssize_t)k;
		}
		if (g->done) {
			if (g->result == CURLE_OK && g->status >= 200 && g->status < 300)
				return 0;
			/* broken off: resume from what the reader already has */
			if (!try_again(g))
				return -1;
			await_headers(g);
			continue;
		}
		pump(g, 0);
	}
}

void http_close(struct http_get *g)
{
	if (!g)
		return;
	drop_transfer(g);
	if (g->own_multi)
		curl_multi_cleanup(g->multi);
	buf_free(&g->pending);
	buf_free(&g->errbody);
	free(g->url);
	free(g->if_none_match);
	free(g->if_modified_since);
	free(g);
}

const char *http_etag(const struct http_get *g) { return g->first_etag[0] ? g->first_etag : g->etag; }
const char *http_last_modified(const struct http_get *g) { return g->lastmod; }
const char *http_bucket_region(const struct http_get *g) { return g->bucket_region; }
int64_t http_length(const struct http_get *g) { return g->length; }
uint64_t http_bytes(const struct http_get *g) { return g->delivered; }
unsigned http_retries(const struct http_get *g) { return g->attempt; }
const char *http_error(const struct http_get *g) { return g->errmsg; }
int http_exit_code(const struct http_get *g) { return g->exit_code; }
const struct buf *http_error_body(const struct http_get *g) { return &g->errbody; }

int http_get_all(const char *url, const struct http_opts *o, size_t max,
                 struct buf *body, char *err, size_t errlen, struct buf *errbody, char *region)
{
	struct http_get *g;
	int rc = 0;
	char chunk[16384];
	buf_reset(body);
	if (errbody)
		buf_reset(errbody);
	if (http_open(&g, url, o, NULL, NULL) != HTTP_OPEN_OK) {
		rc = g->failed ? g->exit_code : EX_UNAVAILABLE;
	} else {
		ssize_t r;
		while ((r = http_read(g, chunk, sizeof chunk)) > 0) {
			if (body->len + (size_t)r > max) {
				fail(g, EX_DATAERR, "response larger than %zu bytes", max);
				break;
			}
			buf_add(body, chunk, (size_t)r);
		}
		if (g->failed)
			rc = g->exit_code;
	}
	if (rc) {
		snprintf(err, errlen, "%s", g->errmsg);
		if (errbody)
			buf_add(errbody, g->errbody.p, g->errbody.len);
		if (region)
			snprintf(region, 64, "%s", g->bucket_region);
	}
	http_close(g);
	return rc;
}
