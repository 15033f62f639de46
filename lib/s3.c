/* s3.c: S3 configuration, URLs and ListObjectsV2 parsing (see s3.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "cli.h"
#include "s3.h"

#define LIST_MAX ((size_t)16 << 20)
#define EMPTY_PAGES_MAX 100   /* truncated pages in a row with nothing listed */

static char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? (char *)v : NULL;
}

static int region_ok(const char *r)
{
	if (!*r)
		return 0;
	for (const char *p = r; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

static void set_endpoint(struct s3_cfg *c, const char *ep)
{
	free(c->endpoint);
	if (ep) {
		c->endpoint = xstrdup(ep);
		size_t n = strlen(c->endpoint);
		while (n > 8 && c->endpoint[n - 1] == '/')
			c->endpoint[--n] = 0;
		c->path_style = 1;
		c->own_endpoint = 1;
	} else {
		struct buf b = BUF_INIT;
		buf_printf(&b, "https://s3.%s.amazonaws.com", c->region);
		c->endpoint = xstrdup(buf_cstr(&b));
		buf_free(&b);
	}
}

int s3_config(struct s3_cfg *c, const char *region, const char *endpoint, int no_sign,
              const struct http_opts *tls, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	char *preg = region || env("AWS_REGION") || env("AWS_DEFAULT_REGION") ? NULL : awscred_profile_region();
	const char *r = region ? region : env("AWS_REGION") ? env("AWS_REGION")
	              : env("AWS_DEFAULT_REGION") ? env("AWS_DEFAULT_REGION") : preg ? preg : "us-east-1";
	if (!region_ok(r)) {
		snprintf(err, errlen, "region '%s' is not a region name", r);
		free(preg);
		return EX_CONFIG;
	}
	c->region = xstrdup(r);
	free(preg);
	const char *ep = endpoint ? endpoint : env("AWS_ENDPOINT_URL_S3") ? env("AWS_ENDPOINT_URL_S3")
	               : env("AWS_ENDPOINT_URL");
	if (ep && strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0) {
		snprintf(err, errlen, "endpoint '%s' is not an http:// or https:// URL", ep);
		return EX_CONFIG;
	}
	set_endpoint(c, ep);
	snprintf(c->sigv4, sizeof c->sigv4, "aws:amz:%s:s3", c->region);
	if (no_sign) {
		snprintf(c->cred.source, sizeof c->cred.source, "none (--no-sign-request)");
		return 0;
	}
	c->signed_requests = 1;
	return awscred_resolve(&c->cred, c->region, tls, err, errlen);
}

void s3_config_keys(struct s3_cfg *c, const char *id, const char *secret, const char *source)
{
	awscred_free(&c->cred);
	c->cred.access_key = xstrdup(id);
	c->cred.secret_key = xstrdup(secret);
	snprintf(c->cred.source, sizeof c->cred.source, "%s", source);
	c->signed_requests = 1;
}

void s3_set_region(struct s3_cfg *c, const char *region)
{
	if (!region_ok(region) || strlen(region) > 100)
		return;
	free(c->region);
	c->region = xstrdup(region);
	snprintf(c->sigv4, sizeof c->sigv4, "aws:amz:%s:s3", c->region);
	if (!c->own_endpoint)
		set_endpoint(c, NULL);
}

int s3_http_opts(struct s3_cfg *c, struct http_opts *o, char *err, size_t errlen)
{
	if (!c->signed_requests)
		return 0;
	int rc = awscred_fresh(&c->cred, err, errlen);
	if (rc)
		return rc;
	o->sigv4 = c->sigv4;
	o->user = c->cred.access_key;
	o->password = c->cred.secret_key;
	o->session_token = c->cred.session_token;
	return 0;
}

void s3_cfg_free(struct s3_cfg *c)
{
	awscred_free(&c->cred);
	free(c->region);
	free(c->endpoint);
	memset(c, 0, sizeof *c);
}

int s3_parse_url(const char *url, char **bucket, char **prefix)
{
	if (strncmp(url, "s3://", 5) != 0 && strncmp(url, "gs://", 5) != 0)
		return -1;
	const char *b = url + 5, *slash = strchr(b, '/');
	size_t blen = slash ? (size_t)(slash - b) : strlen(b);
	if (blen < 1 || blen > 255)
		return -1;
	for (size_t i = 0; i < blen; i++) {
		char ch = b[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '.' || ch == '_'))
			return -1;
	}
	*bucket = xmalloc(blen + 1);
	memcpy(*bucket, b, blen);
	(*bucket)[blen] = 0;
	*prefix = xstrdup(slash ? slash + 1 : "");
	return 0;
}

/* uri_encode: SigV4's encoding: unreserved bytes as they are, '/' kept when
 * keep_slash, everything else %XX in upper case. */
static void uri_encode(struct buf *out, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char ch = *p;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~' || (ch == '/' && keep_slash)) {
			buf_addc(out, (char)ch);
		} else {
			buf_addc(out, '%');
			buf_addc(out, hex[ch >> 4]);
			buf_addc(out, hex[ch & 15]);
		}
	}
}

/* bucket_url: the URL of a bucket's root, without a final '/'. */
static void bucket_url(const struct s3_cfg *c, const char *bucket, struct buf *out)
{
	buf_reset(out);
	if (c->path_style || strchr(bucket, '.')) {
		buf_printf(out, "%s/", c->endpoint);
		uri_encode(out, bucket, 0);
		return;
	}
	const char *host = strstr(c->endpoint, "://") + 3;
	buf_add(out, c->endpoint, (size_t)(host - c->endpoint));
	buf_printf(out, "%s.%s", bucket, host);
}

void s3_object_url(const struct s3_cfg *c, const char *bucket, const char *key, struct buf *out)
{
	bucket_url(c, bucket, out);
	buf_addc(out, '/');
	uri_encode(out, key, 1);
}

/* The expat side: a path of element names and the text of the current one. */
struct xml {
	char path[4][32];
	int depth;
	struct buf text;
	size_t textlen;        /* of the current element, also beyond what text keeps */
	size_t long_key;       /* length of a key over S3_KEY_MAX, 0 if none */
	struct s3_page *page;
	struct s3_obj cur;
	char code[128], msg[512];
};

static void x_start(void *ctx, const XML_Char *name, const XML_Char **attrs)
{
	(void)attrs;
	struct xml *x = ctx;
	if (x->depth < 4)
		snprintf(x->path[x->depth], sizeof x->path[0], "%s", name);
	x->depth++;
	buf_reset(&x->text);
	x->textlen = 0;
}

static void x_text(void *ctx, const XML_Char *s, int len)
{
	struct xml *x = ctx;
	x->textlen += (size_t)len;
	if (x->text.len < 65536)
		buf_add(&x->text, s, (size_t)len);
}

static int at(const struct xml *x, const char *a, const char *b, const char *c)
{
	return strcmp(x->path[0], a) == 0 && strcmp(x->path[1], b) == 0 &&
	       (c ? x->depth == 3 && strcmp(x->path[2], c) == 0 : x->depth == 2);
}

static void x_end(void *ctx, const XML_Char *name)
{
	(void)name;
	struct xml *x = ctx;
	struct s3_page *p = x->page;
	const char *t = buf_cstr(&x->text);
	if (at(x, "ListBucketResult", "Contents", "Key") || at(x, "ListBucketResult", "CommonPrefixes", "Prefix")) {
		if (x->textlen > S3_KEY_MAX && !x->long_key)
			x->long_key = x->textlen;   /* not cut: refused */
	}
	if (at(x, "ListBucketResult", "Contents", "Key")) {
		free(x->cur.key);
		x->cur.key = xstrdup(t);
	} else if (at(x, "ListBucketResult", "Contents", "ETag")) {
		free(x->cur.etag);
		x->cur.etag = xstrdup(t);
	} else if (at(x, "ListBucketResult", "Contents", "LastModified")) {
		free(x->cur.last_modified);
		x->cur.last_modified = xstrdup(t);
	} else if (at(x, "ListBucketResult", "Contents", "Size")) {
		x->cur.size = strtoull(t, NULL, 10);
	} else if (at(x, "ListBucketResult", "Contents", NULL)) {
		if (x->cur.key) {
			if (p->nobjs == p->capobjs) {
				p->capobjs = p->capobjs ? p->capobjs * 2 : 64;
				p->objs = xrealloc(p->objs, p->capobjs * sizeof *p->objs);
			}
			if (!x->cur.etag)
				x->cur.etag = xstrdup("");
			if (!x->cur.last_modified)
				x->cur.last_modified = xstrdup("");
			p->objs[p->nobjs++] = x->cur;
		} else {
			free(x->cur.etag);     /* a <Contents> without a <Key> */
			free(x->cur.last_modified);
		}
		memset(&x->cur, 0, sizeof x->cur);
	} else if (at(x, "ListBucketResult", "CommonPrefixes", "Prefix")) {
		if (p->nprefixes == p->capprefixes) {
			p->capprefixes = p->capprefixes ? p->capprefixes * 2 : 64;
			p->prefixes = xrealloc(p->prefixes, p->capprefixes * sizeof *p->prefixes);
		}
		p->prefixes[p->nprefixes++] = xstrdup(t);
	} else if (at(x, "ListBucketResult", "IsTruncated", NULL)) {
		p->truncated = strcmp(t, "true") == 0;
	} else if (at(x, "ListBucketResult", "NextContinuationToken", NULL)) {
		free(p->next_token);
		p->next_token = xstrdup(t);
	} else if (at(x, "Error", "Code", NULL)) {
		snprintf(x->code, sizeof x->code, "%s", t);
	} else if (at(x, "Error", "Message", NULL)) {
		snprintf(x->msg, sizeof x->msg, "%s", t);
	}
	x->depth--;
	if (x->depth < 4)
		x->path[x->depth][0] = 0;
	buf_reset(&x->text);
	x->textlen = 0;
}

/* parse_xml: run expat over a body; -1 with the parser's message if bad. */
static int parse_xml(struct xml *x, const struct buf *body, char *err, size_t errlen)
{
	XML_Parser xp = XML_ParserCreate("UTF-8");
	if (!xp)
		die(EX_IOERR, "out of memory (expat)");
	XML_SetUserData(xp, x);
	XML_SetElementHandler(xp, x_start, x_end);
	XML_SetCharacterDataHandler(xp, x_text);
	int ok = XML_Parse(xp, body->p ? body->p : "", (int)body->len, 1) == XML_STATUS_OK;
	if (!ok)
		snprintf(err, errlen, "bad XML at line %lu: %s", (unsigned long)XML_GetCurrentLineNumber(xp),
		         XML_ErrorString(XML_GetErrorCode(xp)));
	XML_ParserFree(xp);
	return ok ? 0 : -1;
}

int s3_error(const struct buf *body, int fallback, char *msg, size_t msglen)
{
	struct xml x;
	struct s3_page dummy;
	char err[200];
	memset(&x, 0, sizeof x);
	memset(&dummy, 0, sizeof dummy);
	x.page = &dummy;
	int rc = fallback;
	if (body->len && parse_xml(&x, body, err, sizeof err) == 0 && x.code[0]) {
		snprintf(msg, msglen, "%s: %s", x.code, x.msg);
		static const char *const perm[] = { "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
		                                     "ExpiredToken", "InvalidToken", "TokenRefreshRequired",
		                                     "AllAccessDisabled", "AccountProblem", "InvalidSecurity" };
		for (size_t i = 0; i < sizeof perm / sizeof perm[0]; i++)
			if (strcmp(x.code, perm[i]) == 0)
				rc = EX_NOPERM;
		if (strcmp(x.code, "NoSuchBucket") == 0 || strcmp(x.code, "NoSuchKey") == 0)
			rc = EX_NOINPUT;
	} else {
		msg[0] = 0;
	}
	buf_free(&x.text);
	s3_page_free(&dummy);
	return rc;
}

int s3_list(const struct s3_cfg *c, const struct http_opts *o, const char *bucket,
            const char *prefix, const char *delimiter, const char *token, unsigned max_keys,
            struct s3_page *page, char *err, size_t errlen)
{
	page->bucket_region[0] = 0;
	struct buf url = BUF_INIT, body = BUF_INIT, ebody = BUF_INIT;
	memset(page, 0, sizeof *page);
	bucket_url(c, bucket, &url);
	/* parameters in the sorted order SigV4's canonical query wants */
	buf_adds(&url, "/?");
	if (token) {
		buf_adds(&url, "continuation-token=");
		uri_encode(&url, token, 0);
		buf_addc(&url, '&');
	}
	if (delimiter) {
		buf_adds(&url, "delimiter=");
		uri_encode(&url, delimiter, 0);
		buf_addc(&url, '&');
	}
	buf_adds(&url, "list-type=2");
	if (max_keys)
		buf_printf(&url, "&max-keys=%u", max_keys);
	buf_adds(&url, "&prefix=");
	uri_encode(&url, prefix, 0);
	int rc = http_get_all(buf_cstr(&url), o, LIST_MAX, &body, err, errlen, &ebody, page->bucket_region);
	if (rc) {
		char msg[600];
		rc = s3_error(&ebody, rc, msg, sizeof msg);
		if (msg[0]) {
			char was[256];
			snprintf(was, sizeof was, "%s", err);
			snprintf(err, errlen, "%s (%s)", msg, was);
		}
	} else {
		rc = s3_parse_list(body.p ? body.p : "", body.len, page, err, errlen);
	}
	buf_free(&url);
	buf_free(&body);
	buf_free(&ebody);
	return rc;
}

int s3_parse_list(const char *doc, size_t n, struct s3_page *page, char *err, size_t errlen)
{
	struct xml x;
	struct buf body = { (char *)doc, n, n };
	int rc = 0;
	memset(&x, 0, sizeof x);
	x.page = page;
	if (n > INT32_MAX) {
		snprintf(err, errlen, "listing too large");
		rc = EX_UNAVAILABLE;
	} else if (parse_xml(&x, &body, err, errlen) < 0) {
		rc = EX_UNAVAILABLE;
	} else if (x.long_key) {
		snprintf(err, errlen, "the listing names a key of %zu bytes (S3 keys are at most %d)",
		         x.long_key, S3_KEY_MAX);
		rc = EX_DATAERR;
	}
	free(x.cur.key);
	free(x.cur.etag);
	free(x.cur.last_modified);
	buf_free(&x.text);
	return rc;
}

void s3_page_free(struct s3_page *p)
{
	for (size_t i = 0; i < p->nobjs; i++) {
		free(p->objs[i].key);
		free(p->objs[i].etag);
		free(p->objs[i].last_modified);
	}
	for (size_t i = 0; i < p->nprefixes; i++)
		free(p->prefixes[i]);
	free(p->objs);
	free(p->prefixes);
	free(p->next_token);
	memset(p, 0, sizeof *p);
}

void s3_listing_init(struct s3_listing *L, const char *bucket, const char *prefix, const char *delimiter)
{
	memset(L, 0, sizeof *L);
	L->bucket = bucket;
	L->prefix = prefix;
	L->delimiter = delimiter;
	L->more = 1;
}

void s3_listing_free(struct s3_listing *L)
{
	free(L->token);
	free(L->last);
	L->token = L->last = NULL;
}

/* out_of_order: the first of the page's keys, then of its prefixes, that is
 * not after the one before it (the first after L->last), else NULL. */
static const char *out_of_order(const struct s3_page *pg, const char *last)
{
	const char *after = last;
	for (size_t i = 0; i < pg->nobjs; i++) {
		if (after && strcmp(pg->objs[i].key, after) <= 0)
			return pg->objs[i].key;
		after = pg->objs[i].key;
	}
	after = last;
	for (size_t i = 0; i < pg->nprefixes; i++) {
		if (after && strcmp(pg->prefixes[i], after) <= 0)
			return pg->prefixes[i];
		after = pg->prefixes[i];
	}
	return NULL;
}

/* listing_checks: what a page must be so that paging ends and lists each key
 * once: keys and prefixes in S3's (byte) order after the previous page's, a
 * new, non-empty continuation token while truncated. */
static int listing_checks(struct s3_listing *L, const struct s3_page *pg, char *err, size_t errlen)
{
	const char *bad = out_of_order(pg, L->last);
	if (bad) {
		snprintf(err, errlen, "the listing is out of order at '%.200s' (after '%.200s'): a page repeated?",
		         bad, L->last ? L->last : "");
		return EX_DATAERR;
	}
	if (!pg->truncated)
		return 0;
	if (!pg->next_token || !*pg->next_token) {
		snprintf(err, errlen, "a truncated listing page without a continuation token");
		return EX_DATAERR;
	}
	if (L->token && strcmp(L->token, pg->next_token) == 0) {
		snprintf(err, errlen, "the listing repeats its continuation token (page %u)", L->pages);
		return EX_DATAERR;
	}
	if (pg->nobjs == 0 && pg->nprefixes == 0 && ++L->empty > EMPTY_PAGES_MAX) {
		snprintf(err, errlen, "%d truncated listing pages in a row list nothing", EMPTY_PAGES_MAX);
		return EX_DATAERR;
	}
	if (pg->nobjs || pg->nprefixes)
		L->empty = 0;
	return 0;
}

int s3_listing_next(struct s3_listing *L, struct s3_cfg *c, const struct http_opts *o,
                    unsigned max_keys, struct s3_page *pg, char *err, size_t errlen)
{
	int rc = s3_list(c, o, L->bucket, L->prefix, L->delimiter, L->token, max_keys, pg, err, errlen);
	if (rc && pg->bucket_region[0] && strcmp(pg->bucket_region, c->region) != 0 && !L->moved) {
		/* 301 PermanentRedirect: the bucket is in another region; once */
		diag(NULL, 0, "note: s3://%s is in region %s, not %s: reading it there", L->bucket,
		     pg->bucket_region, c->region);
		s3_set_region(c, pg->bucket_region);
		L->moved = 1;
		s3_page_free(pg);
		rc = s3_list(c, o, L->bucket, L->prefix, L->delimiter, L->token, max_keys, pg, err, errlen);
	}
	return rc ? (L->more = 0, rc) : s3_listing_accept(L, pg, err, errlen);
}

int s3_listing_accept(struct s3_listing *L, const struct s3_page *pg, char *err, size_t errlen)
{
	L->pages++;
	int rc = listing_checks(L, pg, err, errlen);
	if (rc) {
		L->more = 0;
		return rc;
	}
	const char *k = pg->nobjs ? pg->objs[pg->nobjs - 1].key : NULL;
	const char *p = pg->nprefixes ? pg->prefixes[pg->nprefixes - 1] : NULL;
	const char *hi = !k ? p : !p ? k : strcmp(k, p) > 0 ? k : p;
	if (hi) {
		free(L->last);
		L->last = xstrdup(hi);
	}
	free(L->token);
	L->token = pg->truncated ? xstrdup(pg->next_token) : NULL;
	L->more = pg->truncated;
	return 0;
}
