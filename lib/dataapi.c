/* dataapi.c: the Data API client over libcurl's multi interface (see
 * dataapi.h). Easy handles are configured once and kept for reuse; the
 * connection cache lives in the multi handle, so connections stay open
 * between requests. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "dataapi.h"
#include "json.h"

#define DAPI_UPLOAD_BUFFER (1024L * 1024)

int dapi_client_init(struct dapi_client *c, const struct dapi_config *conf, char *err, size_t errn)
{
	memset(c, 0, sizeof *c);
	c->conf = conf;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errn, "libcurl initialisation failed");
		return -1;
	}
	c->multi = curl_multi_init();
	if (!c->multi) {
		snprintf(err, errn, "libcurl multi handle could not be created");
		return -1;
	}
	if (conf->max_conns > 0) {
		curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, conf->max_conns);
		curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, conf->max_conns * 2);
	}
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	/* "Expect:" stops curl from waiting for 100-continue on bodies > 1 KB */
	c->headers = curl_slist_append(NULL, "Content-Type: application/json");
	c->headers = curl_slist_append(c->headers, "Accept: application/json");
	c->headers = curl_slist_append(c->headers, "Expect:");
	if (!c->headers) {
		snprintf(err, errn, "out of memory");
		return -1;
	}
	return 0;
}

void dapi_client_free(struct dapi_client *c)
{
	for (size_t i = 0; i < c->nidle; i++)
		curl_easy_cleanup(c->idle[i]);
	free(c->idle);
	free(c->busy);
	free(c->aborted);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	curl_slist_free_all(c->headers);
	memset(c, 0, sizeof *c);
	curl_global_cleanup();
}

/* on_data: keep the first resp_max bytes of a response body. */
static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	struct dapi_req *r = ud;
	size_t n = size * nmemb, max = r->resp_max ? r->resp_max : DAPI_RESP_MAX;
	size_t room = r->resp.len < max ? max - r->resp.len : 0;
	buf_add(&r->resp, p, n < room ? n : room);
	if (n > room)
		r->resp_truncated = 1;
	return n;
}

/* on_read: hand libcurl the body; a read from its start is a send (the
 * first, or libcurl's own re-send after rewinding with on_seek). */
static size_t on_read(char *dst, size_t size, size_t nmemb, void *ud)
{
	struct dapi_req *r = ud;
	size_t n = size * nmemb, left = dapi_req_body_len(r) - r->rd_off;
	if (r->rd_off == 0 && left)
		r->sends++;
	if (n > left)
		n = left;
	memcpy(dst, dapi_req_body(r) + r->rd_off, n);
	r->rd_off += n;
	return n;
}

static int on_seek(void *ud, curl_off_t off, int origin)
{
	struct dapi_req *r = ud;
	if (origin != SEEK_SET || off < 0 || (uint64_t)off > dapi_req_body_len(r))
		return CURL_SEEKFUNC_CANTSEEK;
	r->rd_off = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

/* new_easy: a handle with everything that is the same for every request. */
static CURL *new_easy(struct dapi_client *c)
{
	const struct dapi_config *k = c->conf;
	CURL *e = curl_easy_init();
	if (!e)
		die(EX_IOERR, "libcurl: cannot create a handle");
	curl_easy_setopt(e, CURLOPT_URL, k->url);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
	/* a body (up to a MB) in one or two sends, not 64 KB ones: with the
	 * default, each request took 15 send and 30 poll calls */
	curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, DAPI_UPLOAD_BUFFER);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, k->user_agent ? k->user_agent : "s2-load (segpipe " SEGPIPE_VERSION ")");
	if (k->connect_timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, k->connect_timeout_ms);
	if (k->timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, k->timeout_ms);
	if (k->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (k->cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, k->cacert);
	if (k->token) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, k->token);
	} else {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		if (k->user)
			curl_easy_setopt(e, CURLOPT_USERNAME, k->user);
		if (k->password)
			curl_easy_setopt(e, CURLOPT_PASSWORD, k->password);
		if (k->netrc && !k->password) {
			curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
			if (k->netrc_file)
				curl_easy_setopt(e, CURLOPT_NETRC_FILE, k->netrc_file);
		}
	}
	return e;
}

void dapi_send(struct dapi_client *c, struct dapi_req *r)
{
	CURL *e = c->nidle ? c->idle[--c->nidle] : new_easy(c);
	buf_reset(&r->resp);
	r->resp_truncated = 0;
	r->status = 0;
	r->cc = CURLE_OK;
	r->retry_after_ms = 0;
	r->ratelimit_reset_ms = 0;
	r->errbuf[0] = '\0';
	r->location[0] = '\0';
	r->sends = 0;
	r->rd_off = 0;
	r->easy = e;
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)dapi_req_body_len(r));
	curl_easy_setopt(e, CURLOPT_READDATA, r);
	curl_easy_setopt(e, CURLOPT_SEEKDATA, r);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	CURLMcode mc = curl_multi_add_handle(c->multi, e);
	if (mc != CURLM_OK)
		die(EX_IOERR, "libcurl: %s", curl_multi_strerror(mc));
	c->in_flight++;
	if (c->nbusy == c->capbusy) {
		c->capbusy = c->capbusy ? c->capbusy * 2 : 16;
		c->busy = xrealloc(c->busy, c->capbusy * sizeof *c->busy);
		c->aborted = xrealloc(c->aborted, c->capbusy * sizeof *c->aborted);
	}
	c->busy[c->nbusy++] = r;
}

/* release: r is no longer in flight; its handle goes back for reuse. */
static void release(struct dapi_client *c, struct dapi_req *r)
{
	curl_multi_remove_handle(c->multi, r->easy);
	if (c->nidle == c->capidle) {
		c->capidle = c->capidle ? c->capidle * 2 : 16;
		c->idle = xrealloc(c->idle, c->capidle * sizeof *c->idle);
	}
	c->idle[c->nidle++] = r->easy;
	r->easy = NULL;
	c->in_flight--;
	for (size_t i = 0; i < c->nbusy; i++)
		if (c->busy[i] == r) {
			c->busy[i] = c->busy[--c->nbusy];
			break;
		}
}

void dapi_abort_all(struct dapi_client *c)
{
	while (c->nbusy) {
		struct dapi_req *r = c->busy[c->nbusy - 1];
		r->cc = CURLE_ABORTED_BY_CALLBACK;
		r->status = 0;
		release(c, r);
		c->aborted[c->naborted++] = r;
	}
}

int dapi_poll(struct dapi_client *c, int fd, int timeout_ms, int *fd_ready)
{
	struct curl_waitfd w = { fd, CURL_WAIT_POLLIN, 0 };
	int running, nfds;
	*fd_ready = 0;
	if (curl_multi_poll(c->multi, fd >= 0 ? &w : NULL, fd >= 0 ? 1 : 0, timeout_ms, &nfds) != CURLM_OK)
		return -1;
	if (fd >= 0 && (w.revents & (POLLIN | POLLHUP | POLLERR)))
		*fd_ready = 1;
	if (curl_multi_perform(c->multi, &running) != CURLM_OK)
		return -1;
	return 0;
}

/* ratelimit_reset: X-RateLimit-Reset in ms: seconds to wait, or (a value
 * past 2001 in Unix seconds) the time to wait until */
static uint64_t ratelimit_reset(CURL *e)
{
	struct curl_header *h;
	if (curl_easy_header(e, "X-RateLimit-Reset", 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(h->value, &end, 10);
	if (errno || end == h->value || v > 100000000000ull)
		return 0;
	if (v > 1000000000ull) {
		time_t now = time(NULL);
		return v > (unsigned long long)now ? (v - (unsigned long long)now) * 1000 : 0;
	}
	return v * 1000;
}

struct dapi_req *dapi_done(struct dapi_client *c)
{
	CURLMsg *m;
	int left;
	if (c->naborted)
		return c->aborted[--c->naborted];
	while ((m = curl_multi_info_read(c->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *e = m->easy_handle;
		struct dapi_req *r = NULL;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
		r->cc = m->data.result;
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
		curl_off_t ra = 0;
		if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
			r->retry_after_ms = (uint64_t)ra * 1000;
		r->ratelimit_reset_ms = ratelimit_reset(e);
		char *loc = NULL;
		if (curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
			snprintf(r->location, sizeof r->location, "%s", loc);
		release(c, r);
		return r;
	}
	return NULL;
}

void dapi_body(struct buf *out, const char *body, size_t n, const char *database)
{
	size_t from = out->len;
	buf_add(out, body, n);
	dapi_add_database(out, from, database);
}

void dapi_add_database(struct buf *b, size_t from, const char *database)
{
	if (!database)
		return;
	const char *body = b->p + from;
	size_t end = b->len - from;
	while (end && (body[end - 1] == ' ' || body[end - 1] == '\t' || body[end - 1] == '\r' || body[end - 1] == '\n'))
		end--;
	if (!end || body[end - 1] != '}')
		return;                 /* not an object: let the server say so */
	size_t i = 0;
	while (i < end && body[i] != '{')
		i++;
	size_t j = i + 1;
	while (j < end && (body[j] == ' ' || body[j] == '\t' || body[j] == '\r' || body[j] == '\n'))
		j++;
	int empty = j == end - 1;
	b->len = from + end - 1;
	buf_adds(b, empty ? "\"database\":" : ",\"database\":");
	json_write_str(b, database, strlen(database));
	buf_addc(b, '}');
}

int dapi_sql_errno(const char *p, size_t n)
{
	if (n < 6 || memcmp(p, "Error", 5) != 0)
		return 0;
	size_t i = 5, sp = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t')) {
		i++;
		sp++;
	}
	if (!sp || i >= n || p[i] < '0' || p[i] > '9')
		return 0;
	long v = 0;
	while (i < n && p[i] >= '0' && p[i] <= '9' && v < 1000000)
		v = v * 10 + (p[i++] - '0');
	return (int)v;
}

int dapi_row_error(const struct dapi_req *r)
{
	/* statement-level errors (MySQL numbering, which SingleStore and
	 * MariaDB share): access denied, no or unknown database, unknown table
	 * or column, syntax, column/value count, read-only, not supported */
	static const int statement[] = { 1044, 1045, 1046, 1049, 1051, 1054, 1058, 1064, 1065,
		1109, 1110, 1136, 1142, 1143, 1146, 1149, 1227, 1235, 1290, 1792 };
	if (r->cc != CURLE_OK || r->status != 400)
		return 0;
	int e = dapi_sql_errno(r->resp.p, r->resp.len);
	if (e == 0)
		return 0;
	for (size_t i = 0; i < sizeof statement / sizeof statement[0]; i++)
		if (e == statement[i])
			return 0;
	return 1;
}

/* dapi_too_large_text: does a body carry the Go "request body too large"? */
static int dapi_too_large_text(const char *p, size_t n)
{
	static const char t[] = "request body too large";
	size_t k = sizeof t - 1;
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, t, k) == 0)
			return 1;
	return 0;
}

/* sql_transient: MySQL-protocol errors that a retry may cure: lock wait
 * timeout, deadlock, server gone away, lost connection. */
static int sql_transient(int e)
{
	return e == 1205 || e == 1213 || e == 2006 || e == 2013;
}

/* curl_transient: transfer errors worth retrying: the connection could not be
 * made, broke, or timed out, or the server closed it without an answer. */
static int curl_transient(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT: case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR: case CURLE_RECV_ERROR: case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2: case CURLE_HTTP2_STREAM: case CURLE_WEIRD_SERVER_REPLY:
		return 1;
	default:
		return 0;
	}
}

enum dapi_outcome dapi_classify(const struct dapi_req *r)
{
	if (r->cc != CURLE_OK)
		return curl_transient(r->cc) ? DAPI_TRANSIENT : DAPI_CONFIG;
	uint64_t ra;
	if (r->status >= 200 && r->status <= 299)
		return r->status == 200 && dapi_answer(r->resp.p, r->resp.len, &ra) == 0 ? DAPI_OK : DAPI_BAD_ANSWER;
	if (r->status >= 300 && r->status <= 399)
		return DAPI_CONFIG;
	if (r->status == 401 || r->status == 403)
		return DAPI_AUTH;
	if (r->status == 413 || ((r->status == 400 || r->status >= 500) && dapi_too_large_text(r->resp.p, r->resp.len)))
		return DAPI_TOO_LARGE;
	if ((r->status >= 100 && r->status < 200) || (r->status >= 500 && r->status <= 599 && r->status != 501 && r->status != 505)
	    || r->status == 408 || r->status == 429)
		return DAPI_TRANSIENT;
	if (r->status == 404 || r->status == 405 || r->status == 415 || r->status == 501 || r->status == 505)
		return DAPI_CONFIG;
	if (sql_transient(dapi_sql_errno(r->resp.p, r->resp.len)))
		return DAPI_TRANSIENT;
	return DAPI_FAILED;
}

uint64_t dapi_rows_affected(const char *p, size_t n)
{
	struct json_members m = { 0 };
	struct json_error err;
	struct json_slice v;
	uint64_t ra = 0;
	if (json_parse(p, n, 0, &m, &err) == 0 && json_members_get(&m, "rowsAffected", &v) && v.type == JSON_NUMBER)
		for (size_t i = 0; i < v.n && v.p[i] >= '0' && v.p[i] <= '9'; i++)
			ra = ra * 10 + (uint64_t)(v.p[i] - '0');
	json_members_free(&m);
	return ra;
}

/* json_int: a JSON number slice that is an integer (a '-' only if neg_ok),
 * its value in *v when it is not negative. 0, or -1. */
static int json_int(struct json_slice s, int neg_ok, uint64_t *v)
{
	size_t i = 0;
	*v = 0;
	if (s.type != JSON_NUMBER || s.n == 0)
		return -1;
	if (s.p[0] == '-') {
		if (!neg_ok)
			return -1;
		i = 1;
	}
	if (i == s.n || s.n - i > 20)
		return -1;
	for (; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		uint64_t d = (uint64_t)(s.p[i] - '0');
		if (*v > (UINT64_MAX - d) / 10)
			return -1;
		*v = *v * 10 + d;
	}
	return 0;
}

int dapi_answer(const char *p, size_t n, uint64_t *rows_affected)
{
	struct json_members m = { 0 };
	struct json_error err;
	size_t ws = 0;
	int rc = -1, nra = 0, nli = 0;
	uint64_t v;
	*rows_affected = 0;
	while (ws < n && (p[ws] == ' ' || p[ws] == '\t' || p[ws] == '\r' || p[ws] == '\n'))
		ws++;
	if (json_parse(p, n, 4, &m, &err) == 0 && json_type_at(p + ws, p + n) == JSON_OBJECT) {
		rc = 0;
		for (size_t i = 0; i < m.n && rc == 0; i++) {
			int ra = json_key_eq(m.m[i].key, "rowsAffected");
			int li = !ra && json_key_eq(m.m[i].key, "lastInsertId");
			if ((!ra && !li) || (ra && nra++) || (li && nli++) || json_int(m.m[i].val, li, &v) < 0)
				rc = -1;
			else if (ra)
				*rows_affected = v;
		}
		if (!nra)
			rc = -1;
	}
	json_members_free(&m);
	if (rc < 0)
		*rows_affected = 0;
	return rc;
}

void dapi_describe(const struct dapi_req *r, struct buf *out)
{
	uint64_t ra;
	if (r->cc != CURLE_OK) {
		buf_printf(out, "curl: %s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->cc));
		return;
	}
	buf_printf(out, "HTTP %ld", r->status);
	if (r->status >= 300 && r->status <= 399) {
		buf_printf(out, " redirect to %s (redirects are not followed: give the final URL)",
		           r->location[0] ? r->location : "(no Location)");
		return;
	}
	size_t n = r->resp.len, max = 1000;
	if (r->status >= 200 && r->status <= 299 && (r->status != 200 || dapi_answer(r->resp.p, n, &ra) < 0)) {
		buf_adds(out, n ? " but not a Data API answer" : " but not a Data API answer: an empty body");
		max = 200;
	}
	while (n && (r->resp.p[n - 1] == '\n' || r->resp.p[n - 1] == '\r' || r->resp.p[n - 1] == ' '))
		n--;
	if (n > max)
		n = max;
	if (n) {
		buf_adds(out, ": ");
		/* one line: control characters become spaces */
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)r->resp.p[i];
			buf_addc(out, ch < 0x20 || ch == 0x7f ? ' ' : (char)ch);
		}
	}
}
