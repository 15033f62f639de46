/* dataapi.h: a client for SingleStore's Data API (POST /api/v2/exec) over
 * libcurl's multi interface: many requests in flight on kept-alive
 * connections (HTTP/2 multiplexed when the server offers it), Basic auth,
 * a JWT, or .netrc, TLS verified unless asked otherwise. It also knows the
 * API's answers (SingleStore's Data API reference): which are success, which a
 * retry may cure, which are final for one request and which stop a run. */
#ifndef SEG_DATAAPI_H
#define SEG_DATAAPI_H
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "buf.h"

struct dapi_config {
	const char *url;           /* full URL of the exec endpoint */
	const char *database;      /* added to every body as "database"; NULL: none */
	const char *user;          /* Basic auth user; NULL: none (or .netrc) */
	const char *password;      /* Basic auth password; never logged */
	const char *token;         /* a JWT, sent as Bearer instead of Basic */
	const char *cacert;        /* CA bundle file; NULL: the system's */
	int insecure;              /* 1: do not verify the server's certificate */
	int netrc;                 /* 1: look in .netrc when no password is given */
	const char *netrc_file;    /* NULL: ~/.netrc */
	long connect_timeout_ms;
	long timeout_ms;           /* whole request */
	long max_conns;            /* connections to the host; 0: no limit */
	const char *user_agent;    /* NULL: s2-load's */
};

/* What an answer means for the request and for the run. */
enum dapi_outcome {
	DAPI_OK,          /* 200 with a Data API answer (dapi_answer): committed */
	DAPI_BAD_ANSWER,  /* 2xx that is not a Data API answer (a proxy's page):
	                   * not committed; retry, and when it persists it is the
	                   * wrong URL */
	DAPI_TRANSIENT,   /* connection error, timeout, 408/429/5xx, deadlock: retry */
	DAPI_FAILED,      /* SQL error or other final answer: this request only */
	DAPI_TOO_LARGE,   /* 413, or the "request body too large" text: split */
	DAPI_AUTH,        /* 401, 403: stop the run */
	DAPI_CONFIG,      /* wrong URL, method, content type, TLS setup, a
	                   * redirect (3xx, never followed): stop */
};

struct dapi_req {
	struct buf body;           /* the request body is body.p[body_from..body.len)
	                            * (see dapi_body, dapi_add_database) */
	size_t body_from;
	struct buf resp;           /* the response body, at most resp_max bytes */
	size_t resp_max;           /* the caller's: 0 means DAPI_RESP_MAX */
	int resp_truncated;        /* the body was longer than resp_max */
	long status;               /* HTTP status; 0 when none was received */
	CURLcode cc;               /* the transfer's result */
	uint64_t retry_after_ms;   /* the server's Retry-After, 0 when none */
	uint64_t ratelimit_reset_ms; /* X-RateLimit-Reset (Segment's 429), 0 when none */
	unsigned sends;            /* times the body was sent: libcurl re-sends
	                            * once by itself on a kept-alive connection
	                            * that turns out dead */
	size_t rd_off;             /* libcurl's read position in body */
	char location[512];        /* a 3xx answer's Location (truncated), or "" */
	char errbuf[CURL_ERROR_SIZE];
	void *user;                /* the caller's */
	CURL *easy;                /* while in flight */
};

#define DAPI_RESP_MAX 65536

struct dapi_client {
	CURLM *multi;
	const struct dapi_config *conf;
	struct curl_slist *headers;
	CURL **idle;               /* easy handles kept for reuse */
	size_t nidle, capidle;
	size_t in_flight;
	struct dapi_req **busy;    /* the requests in flight */
	struct dapi_req **aborted; /* aborted, not yet handed out by dapi_done */
	size_t nbusy, naborted, capbusy;
};

/* dapi_client_init: set up the multi handle. 0, or -1 with err filled. */
int dapi_client_init(struct dapi_client *c, const struct dapi_config *conf, char *err, size_t errn);
void dapi_client_free(struct dapi_client *c);

/* dapi_body: out = body (a JSON object) with "database" added as its last
 * member, so it wins over any database the body carries. */
void dapi_body(struct buf *out, const char *body, size_t n, const char *database);
/* dapi_add_database: the same in place, for the body b->p[from..b->len):
 * a buffer that already holds the body (a record taken whole) is made the
 * request's without a copy (then req.body_from = from). */
void dapi_add_database(struct buf *b, size_t from, const char *database);

/* The request body of r, and its length. */
static inline const char *dapi_req_body(const struct dapi_req *r) { return r->body.p + r->body_from; }
static inline size_t dapi_req_body_len(const struct dapi_req *r) { return r->body.len - r->body_from; }

/* dapi_send: start r (r->body must stay put until it is done). */
void dapi_send(struct dapi_client *c, struct dapi_req *r);
/* dapi_poll: drive transfers, waiting at most timeout_ms for network
 * activity or for fd (if >= 0) to become readable; *fd_ready says whether it
 * did. Returns 0, -1 on a multi-interface failure. */
int dapi_poll(struct dapi_client *c, int fd, int timeout_ms, int *fd_ready);
/* dapi_done: the next finished request with status, cc and retry_after_ms
 * filled, or NULL. */
struct dapi_req *dapi_done(struct dapi_client *c);

/* dapi_abort_all: stop every request in flight at once (a signal: a
 * request whose commit goes unheard is sent again by a re-run and absorbed
 * by the unique key); dapi_done hands them out with cc
 * CURLE_ABORTED_BY_CALLBACK. */
void dapi_abort_all(struct dapi_client *c);

/* dapi_classify: the meaning of a finished request's answer. */
enum dapi_outcome dapi_classify(const struct dapi_req *r);
/* dapi_sql_errno: N of a body starting "Error N", else 0. */
int dapi_sql_errno(const char *p, size_t n);
/* dapi_row_error: is a DAPI_FAILED answer an SQL error that one row's values
 * may cause (too long, bad JSON, a failed CHECK, NULL in NOT NULL, a bad
 * date, ...), so that the statement's other rows would load without it?
 * Errors every row would meet (no such table, column or database, syntax,
 * column count, permissions, read-only) are not. */
int dapi_row_error(const struct dapi_req *r);
/* dapi_rows_affected: "rowsAffected" of a success body (0 when absent). */
uint64_t dapi_rows_affected(const char *p, size_t n);
/* dapi_answer: is p[0..n) the exec endpoint's success answer: one JSON
 * object whose members are "rowsAffected" (required, an integer >= 0) and
 * "lastInsertId" (optional, an integer), each at most once, and nothing
 * else? 0 with *rows_affected set, else -1. */
int dapi_answer(const char *p, size_t n, uint64_t *rows_affected);
/* dapi_describe: a one-line reason for an answer that is not success, for
 * humans and the failed file: "HTTP 400: Error 1146 (42S02): Table ...",
 * "HTTP 302 redirect to URL", "HTTP 200 but not a Data API answer: ..." or
 * "curl: ...". Not redacted (see redact.h). */
void dapi_describe(const struct dapi_req *r, struct buf *out);
#endif
