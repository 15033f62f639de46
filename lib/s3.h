/* s3.h: what seg-fetch needs of Amazon S3 and S3-compatible stores:
 * credentials (lib/awscred: the AWS SDKs' chain), region and endpoint
 * (path-style addressing for a custom --endpoint-url), request URLs with keys
 * encoded the way SigV4 expects, and ListObjectsV2 pages parsed with expat.
 * Requests go through lib/http, which signs them (libcurl's SigV4). */
#ifndef SEG_S3_H
#define SEG_S3_H
#include <stddef.h>
#include <stdint.h>

#include "awscred.h"
#include "buf.h"
#include "http.h"

struct s3_cfg {
	struct awscred cred;
	int signed_requests;   /* 0: --no-sign-request */
	char *region;
	char *endpoint;        /* scheme://host[:port][/path] without a final '/' */
	int path_style;        /* 1: ENDPOINT/BUCKET/KEY, 0: BUCKET.host/KEY */
	int own_endpoint;      /* an endpoint was given (not AWS's regional one) */
	char sigv4[160];       /* "aws:amz:REGION:s3" */
};

/* s3_config: resolve credentials (none when no_sign), region and endpoint.
 * region and endpoint override the environment when not NULL; the region is
 * else AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1. tls (the CA
 * file and --insecure of the credential services' calls) must outlive c.
 * Returns 0, or an EX_* code with the reason in err (EX_NOPERM: no
 * credentials found, err naming the sources tried). */
int s3_config(struct s3_cfg *c, const char *region, const char *endpoint, int no_sign,
              const struct http_opts *tls, char *err, size_t errlen);
/* s3_http_opts: make o sign requests with c's credentials (if any), fetching
 * temporary ones again when they expire soon: call it before each request.
 * 0, or an EX_* code with the reason in err. */
int s3_http_opts(struct s3_cfg *c, struct http_opts *o, char *err, size_t errlen);
/* s3_config_keys: sign with these static keys (a Cloud Storage HMAC key). */
void s3_config_keys(struct s3_cfg *c, const char *id, const char *secret, const char *source);
/* s3_set_region: sign for another region from now on (a bucket's
 * x-amz-bucket-region); AWS's regional endpoint follows unless an endpoint
 * was given. */
void s3_set_region(struct s3_cfg *c, const char *region);
void s3_cfg_free(struct s3_cfg *c);

/* s3_parse_url: "s3://bucket/prefix" (or gs://) into its parts (prefix may be "").
 * -1 if it is not such a URL. */
int s3_parse_url(const char *url, char **bucket, char **prefix);

/* s3_object_url: the GET URL of a key. */
void s3_object_url(const struct s3_cfg *c, const char *bucket, const char *key, struct buf *out);

struct s3_obj {
	char *key, *etag, *last_modified;
	uint64_t size;
};

struct s3_page {
	struct s3_obj *objs;
	size_t nobjs, capobjs;
	char **prefixes;       /* CommonPrefixes, when a delimiter was given */
	size_t nprefixes, capprefixes;
	int truncated;
	char *next_token;
	char bucket_region[64]; /* of a failed request: x-amz-bucket-region */
};

/* s3_list: one ListObjectsV2 page of bucket under prefix (delimiter and
 * token may be NULL; max_keys 0 is the server's default, 1000). Returns 0, or
 * an EX_* code with the reason in err. */
int s3_list(const struct s3_cfg *c, const struct http_opts *o, const char *bucket,
            const char *prefix, const char *delimiter, const char *token, unsigned max_keys,
            struct s3_page *page, char *err, size_t errlen);
void s3_page_free(struct s3_page *p);
/* s3_parse_list: a ListObjectsV2 answer's text into page (reset first by
 * the caller: zeroed). 0, or EX_UNAVAILABLE (not XML) / EX_DATAERR (a key
 * over S3_KEY_MAX) with the reason in err. */
int s3_parse_list(const char *doc, size_t n, struct s3_page *page, char *err, size_t errlen);

#define S3_KEY_MAX 1024        /* S3's longest key, in bytes */

/* A listing walked page by page, checked so that a hostile or broken server
 * can neither loop it nor list a key twice: pages must come in S3's byte
 * order after the previous page, a truncated page must carry a new, non-empty
 * continuation token, and keys longer than S3_KEY_MAX are refused (not cut).
 * Each failure is EX_DATAERR with the reason in err. */
struct s3_listing {
	const char *bucket, *prefix, *delimiter;   /* borrowed */
	char *token;           /* continuation token of the next page */
	char *last;            /* the greatest key or prefix listed so far */
	unsigned pages, empty;
	int more;              /* 1 while another page is to be read */
	int moved;             /* followed the bucket to its region once */
};

void s3_listing_init(struct s3_listing *L, const char *bucket, const char *prefix, const char *delimiter);
/* s3_listing_next: the next page into pg (free it with s3_page_free in every
 * case). Returns 0, or an EX_* code with the reason in err. */
int s3_listing_next(struct s3_listing *L, struct s3_cfg *c, const struct http_opts *o,
                    unsigned max_keys, struct s3_page *pg, char *err, size_t errlen);
/* s3_listing_accept: check a parsed page as the next of L and advance L
 * (what s3_listing_next does after its request). 0 or EX_DATAERR. */
int s3_listing_accept(struct s3_listing *L, const struct s3_page *pg, char *err, size_t errlen);
void s3_listing_free(struct s3_listing *L);

/* s3_error: read an S3 <Error> body: its Code and Message into msg, and the
 * exit code it means (EX_NOPERM for access and credential errors, EX_NOINPUT
 * for a missing bucket or key, fallback otherwise). */
int s3_error(const struct buf *body, int fallback, char *msg, size_t msglen);
#endif
