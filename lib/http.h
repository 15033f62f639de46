/* http.h: HTTP(S) GET through libcurl as a pull stream (http_read is an
 * lr_readfn), for objects of any size in bounded memory. Redirects are
 * followed, TLS is verified (a CA file may be named; insecure only when
 * asked), the server is never asked to decode (no Accept-Encoding), so a body
 * is handed out exactly as sent. Transient failures (lib/retry: curl's --retry
 * rules) are retried with backoff; a body broken off in the middle is resumed
 * with a Range request (If-Range on the ETag), so the reader sees one
 * unbroken stream or an error: a 206 must start at the byte asked for. URL
 * paths are sent as they are (no dot-segment removal). S3 requests are signed
 * with SigV4 by libcurl (CURLOPT_AWS_SIGV4); a signed request follows a
 * redirect only on the same origin (scheme, host, port), so neither the
 * signature nor the session token ever goes to another host. Failures map to
 * the exit codes of cli.h. */
#ifndef SEG_HTTP_H
#define SEG_HTTP_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

/* A pool runs many requests on one curl multi handle: reading any of them
 * moves all on, each buffering at most 4 MB of its body ahead of its reader.
 * So requests started ahead (http_start) download while an earlier one is
 * read. */
struct http_pool;
struct http_pool *http_pool_new(void);
void http_pool_free(struct http_pool *p);

struct http_opts {
	const char *cacert;        /* CA bundle file, NULL for the system's */
	int insecure;              /* do not verify the server (only when asked) */
	unsigned retries;          /* retries after the first try */
	uint64_t retry_base_ms;    /* backoff base (doubles per retry) */
	uint64_t retry_cap_ms;     /* longest wait between tries */
	long connect_timeout_ms;   /* 0: curl's default */
	long stall_timeout;        /* seconds below min_speed (a stalled or trickling
	                              body) before the try is broken off and retried */
	long min_speed;            /* bytes/s, averaged over stall_timeout */
	const char *sigv4;         /* "aws:amz:REGION:s3" to sign, else NULL */
	const char *user;          /* SigV4 access key id */
	const char *password;      /* SigV4 secret key */
	const char *session_token; /* sent as x-amz-security-token */
	int netrc;                 /* read credentials from ~/.netrc if present */
	const char *method;        /* NULL: GET; "PUT" for an empty PUT (IMDSv2) */
	const char *headers[4];    /* extra "Name: value" lines, NULL-terminated */
	struct http_pool *pool;    /* NULL: each request on its own */
};

void http_opts_default(struct http_opts *o);

enum http_open_result { HTTP_OPEN_OK = 0, HTTP_OPEN_NOT_MODIFIED = 1, HTTP_OPEN_FAILED = -1 };

struct http_get;

/* http_open: send a GET and wait for the status of the final response,
 * retrying transient failures. if_none_match / if_modified_since (may be
 * NULL) make a 304 answer HTTP_OPEN_NOT_MODIFIED. On HTTP_OPEN_FAILED the
 * handle still holds the reason (http_error, http_exit_code,
 * http_error_body); free it with http_close in every case. */
enum http_open_result http_open(struct http_get **g, const char *url, const struct http_opts *o,
                                const char *if_none_match, const char *if_modified_since);
/* http_start, http_await: http_open in two steps: send the request now
 * (with o->pool it progresses while others are read), wait for its answer
 * later. o must outlive the handle. */
void http_start(struct http_get **g, const char *url, const struct http_opts *o,
                const char *if_none_match, const char *if_modified_since);
enum http_open_result http_await(struct http_get *g);
/* http_read: lr_readfn over an open handle: the body, 0 at its end, -1 when
 * it failed after all retries (see http_error). */
ssize_t http_read(void *g, char *buf, size_t n);
void http_close(struct http_get *g);

const char *http_etag(const struct http_get *g);          /* "" if none */
const char *http_last_modified(const struct http_get *g); /* "" if none */
const char *http_bucket_region(const struct http_get *g); /* x-amz-bucket-region, "" */
int64_t http_length(const struct http_get *g);            /* -1 if unknown */
uint64_t http_bytes(const struct http_get *g);            /* body bytes read */
unsigned http_retries(const struct http_get *g);          /* retries made */
/* http_error: why the request failed (no secrets); http_exit_code: the EX_*
 * code for it; http_error_body: the body of an error response (S3's XML). */
const char *http_error(const struct http_get *g);
int http_exit_code(const struct http_get *g);
const struct buf *http_error_body(const struct http_get *g);

/* http_get_all: GET a small document (at most max bytes) into body. Returns
 * 0, or the EX_* code with the handle's reason in err, the error response's
 * body in errbody and its x-amz-bucket-region in region (each may be NULL;
 * region holds 64 bytes). */
int http_get_all(const char *url, const struct http_opts *o, size_t max,
                 struct buf *body, char *err, size_t errlen, struct buf *errbody, char *region);
#endif
