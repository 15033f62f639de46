/* awscred.c: the AWS credential chain (see awscred.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>

#include <expat.h>

#include "awscred.h"
#include "buf.h"
#include "cli.h"
#include "isotime.h"
#include "json.h"

#define DOC_MAX ((size_t)64 << 10)
#define IMDS_DEFAULT "http://169.254.169.254"
#define CONTAINER_HOST "http://169.254.170.2"

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* --- the shared config and credentials files --- */

struct ini_ent {
	char *section, *key, *value;
};
struct ini {
	struct ini_ent *e;
	size_t n, cap;
	char path[512];
	int present;
};

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = 0;
	return s;
}

static void ini_add(struct ini *f, const char *sec, const char *k, const char *v)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 32;
		f->e = xrealloc(f->e, f->cap * sizeof *f->e);
	}
	f->e[f->n++] = (struct ini_ent){ xstrdup(sec), xstrdup(k), xstrdup(v) };
}

/* ini_load: an AWS shared file (sections, key = value; indented lines of a
 * nested block such as s3 = ... are taken as keys of their own). 0, or
 * EX_CONFIG with "PATH:LINE: why" in err. A missing file is empty. */
static int ini_load(struct ini *f, const char *path, char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	snprintf(f->path, sizeof f->path, "%s", path ? path : "");
	FILE *fp = path ? fopen(path, "r") : NULL;
	if (!fp) {
		if (!path || errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return EX_CONFIG;
	}
	f->present = 1;
	char line[4096], sec[300] = "";
	unsigned long n = 0;
	int rc = 0;
	while (!rc && fgets(line, sizeof line, fp)) {
		n++;
		char *s = trim(line), *eq;
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e) {
				snprintf(err, errlen, "%s:%lu: malformed section header", path, n);
				rc = EX_CONFIG;
			} else {
				*e = 0;
				snprintf(sec, sizeof sec, "%s", trim(s + 1));
			}
		} else if (!(eq = strchr(s, '='))) {
			snprintf(err, errlen, "%s:%lu: expected key = value", path, n);
			rc = EX_CONFIG;
		} else {
			*eq = 0;
			ini_add(f, sec, trim(s), trim(eq + 1));
		}
	}
	fclose(fp);
	return rc;
}

static const char *ini_get(const struct ini *f, const char *sec, const char *key)
{
	const char *v = NULL;
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->e[i].section, sec) == 0 && strcmp(f->e[i].key, key) == 0)
			v = f->e[i].value;
	return v && *v ? v : NULL;
}

static int ini_has(const struct ini *f, const char *sec)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->e[i].section, sec) == 0)
			return 1;
	return 0;
}

static void ini_free(struct ini *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->e[i].section);
		free(f->e[i].key);
		free(f->e[i].value);
	}
	free(f->e);
	memset(f, 0, sizeof *f);
}

/* The two files of one profile: credentials [NAME], config [profile NAME]
 * (or [default]). */
struct shared {
	struct ini cred, conf;
};

static int shared_load(struct shared *s, char *err, size_t errlen)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	const char *home = env("HOME");
	if (env("AWS_SHARED_CREDENTIALS_FILE"))
		buf_adds(&a, env("AWS_SHARED_CREDENTIALS_FILE"));
	else if (home)
		buf_printf(&a, "%s/.aws/credentials", home);
	if (env("AWS_CONFIG_FILE"))
		buf_adds(&b, env("AWS_CONFIG_FILE"));
	else if (home)
		buf_printf(&b, "%s/.aws/config", home);
	int rc = ini_load(&s->cred, a.len ? buf_cstr(&a) : NULL, err, errlen);
	if (!rc)
		rc = ini_load(&s->conf, b.len ? buf_cstr(&b) : NULL, err, errlen);
	buf_free(&a);
	buf_free(&b);
	return rc;
}

static void shared_free(struct shared *s)
{
	ini_free(&s->cred);
	ini_free(&s->conf);
}

static void conf_section(const char *profile, char *out, size_t n)
{
	if (strcmp(profile, "default") == 0)
		snprintf(out, n, "default");
	else
		snprintf(out, n, "profile %s", profile);
}

/* get: a profile's key, the credentials file first. */
static const char *get(const struct shared *s, const char *profile, const char *key)
{
	char sec[300];
	const char *v = ini_get(&s->cred, profile, key);
	conf_section(profile, sec, sizeof sec);
	return v ? v : ini_get(&s->conf, sec, key);
}

static int has_profile(const struct shared *s, const char *profile)
{
	char sec[300];
	conf_section(profile, sec, sizeof sec);
	return ini_has(&s->cred, profile) || ini_has(&s->conf, sec);
}

char *awscred_profile_region(void)
{
	struct shared s;
	char err[600];
	char *r = NULL;
	memset(&s, 0, sizeof s);
	if (shared_load(&s, err, sizeof err) == 0)
		r = dup_or_null(get(&s, env("AWS_PROFILE") ? env("AWS_PROFILE") : "default", "region"));
	shared_free(&s);
	return r;
}

/* --- answers of the credential services --- */

static void set_keys(struct awscred *c, const char *id, const char *secret, const char *token, int64_t expires)
{
	free(c->access_key);
	free(c->secret_key);
	free(c->session_token);
	c->access_key = xstrdup(id);
	c->secret_key = xstrdup(secret);
	c->session_token = token && *token ? xstrdup(token) : NULL;
	c->expires = expires;
	c->obtained = (int64_t)time(NULL);
}

static int parse_expiry(const char *s, size_t n, int64_t *out)
{
	struct isotime t;
	const char *why;
	if (isotime_parse(s, n, &t, &why) < 0)
		return -1;
	*out = t.sec;
	return 0;
}

/* json_creds: {"AccessKeyId","SecretAccessKey","Token" or "SessionToken",
 * "Expiration"} as the container endpoint, IMDS and credential_process give. */
static int json_creds(struct awscred *c, const struct buf *doc, const char *what, char *err, size_t errlen)
{
	struct json_error je;
	struct json_members m = { 0 };
	struct json_slice v;
	char *f[4] = { 0 };
	static const char *const names[4] = { "AccessKeyId", "SecretAccessKey", "Token", "Expiration" };
	int rc = 0;
	if (json_parse(doc->p ? doc->p : "", doc->len, 0, &m, &je) < 0) {
		snprintf(err, errlen, "%s: not JSON: %s", what, je.msg);
		json_members_free(&m);
		return EX_DATAERR;
	}
	for (int i = 0; i < 4; i++) {
		if ((json_members_get(&m, names[i], &v) || (i == 2 && json_members_get(&m, "SessionToken", &v))) &&
		    v.type == JSON_STRING) {
			struct buf b = BUF_INIT;
			json_str_decode(v, &b);
			f[i] = xstrdup(buf_cstr(&b));
			buf_free(&b);
		}
	}
	int64_t exp = 0;
	if (!f[0] || !f[1]) {
		snprintf(err, errlen, "%s: no AccessKeyId and SecretAccessKey in the answer", what);
		rc = EX_DATAERR;
	} else if (f[3] && parse_expiry(f[3], strlen(f[3]), &exp) < 0) {
		snprintf(err, errlen, "%s: Expiration is not an ISO-8601 time", what);
		rc = EX_DATAERR;
	} else {
		set_keys(c, f[0], f[1], f[2], exp);
	}
	for (int i = 0; i < 4; i++)
		free(f[i]);
	json_members_free(&m);
	return rc;
}

/* STS answers in XML: the elements of <Credentials>, or <Error><Code>. */
struct stsx {
	struct buf text;
	char *f[5];   /* AccessKeyId, SecretAccessKey, SessionToken, Expiration, Code */
};

static void sx_start(void *ctx, const XML_Char *name, const XML_Char **attrs)
{
	(void)name;
	(void)attrs;
	buf_reset(&((struct stsx *)ctx)->text);
}

static void sx_text(void *ctx, const XML_Char *s, int len)
{
	struct stsx *x = ctx;
	if (x->text.len < DOC_MAX)
		buf_add(&x->text, s, (size_t)len);
}

static void sx_end(void *ctx, const XML_Char *name)
{
	static const char *const names[5] = { "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "Code" };
	struct stsx *x = ctx;
	for (int i = 0; i < 5; i++)
		if (strcmp(name, names[i]) == 0 && !x->f[i])
			x->f[i] = xstrdup(buf_cstr(&x->text));
	buf_reset(&x->text);
}

static int sts_creds(struct awscred *c, const struct buf *doc, const char *what, char *err, size_t errlen)
{
	struct stsx x;
	memset(&x, 0, sizeof x);
	XML_Parser xp = XML_ParserCreate("UTF-8");
	if (!xp)
		die(EX_IOERR, "out of memory (expat)");
	XML_SetUserData(xp, &x);
	XML_SetElementHandler(xp, sx_start, sx_end);
	XML_SetCharacterDataHandler(xp, sx_text);
	int ok = XML_Parse(xp, doc->p ? doc->p : "", (int)doc->len, 1) == XML_STATUS_OK;
	XML_ParserFree(xp);
	int64_t exp = 0;
	int rc = 0;
	if (!ok || !x.f[0] || !x.f[1] || !x.f[2]) {
		snprintf(err, errlen, "%s: %s", what, x.f[4] ? x.f[4] : "no credentials in the answer");
		rc = x.f[4] ? EX_NOPERM : EX_DATAERR;
	} else if (x.f[3] && parse_expiry(x.f[3], strlen(x.f[3]), &exp) < 0) {
		snprintf(err, errlen, "%s: Expiration is not an ISO-8601 time", what);
		rc = EX_DATAERR;
	} else {
		set_keys(c, x.f[0], x.f[1], x.f[2], exp);
	}
	for (int i = 0; i < 5; i++)
		free(x.f[i]);
	buf_free(&x.text);
	return rc;
}

/* --- the sources --- */

static void tls_opts(const struct awscred *c, struct http_opts *o, unsigned retries)
{
	http_opts_default(o);
	if (c->tls) {
		o->cacert = c->tls->cacert;
		o->insecure = c->tls->insecure;
	}
	o->retries = retries;
	o->retry_base_ms = 200;
	o->connect_timeout_ms = 2000;
	o->stall_timeout = 10;
}

/* fetch_doc: GET (or PUT) a small document; on failure err says what. */
static int fetch_doc(const char *url, const struct http_opts *o, struct buf *doc, const char *what,
                     char *err, size_t errlen)
{
	char e[600];
	struct buf eb = BUF_INIT;
	int rc = http_get_all(url, o, DOC_MAX, doc, e, sizeof e, &eb, NULL);
	if (rc) {
		struct awscred tmp;
		memset(&tmp, 0, sizeof tmp);
		char code[300] = "";
		if (eb.len && sts_creds(&tmp, &eb, what, code, sizeof code) == EX_NOPERM)
			rc = EX_NOPERM;    /* STS said why (AccessDenied, ExpiredToken, ...) */
		snprintf(err, errlen, "%s: %s%s%s", what, e, code[0] ? "; " : "", code);
		free(tmp.access_key);
		free(tmp.secret_key);
		free(tmp.session_token);
	}
	buf_free(&eb);
	return rc;
}

static void sts_url(const struct awscred *c, struct buf *u)
{
	const char *ep = env("AWS_ENDPOINT_URL_STS") ? env("AWS_ENDPOINT_URL_STS") : env("AWS_ENDPOINT_URL");
	if (ep)
		buf_printf(u, "%s%s", ep, ep[strlen(ep) - 1] == '/' ? "" : "/");
	else
		buf_printf(u, "https://sts.%s.amazonaws.com/", c->sts_region);
}

/* query_add: name=value, value percent-encoded as SigV4 wants. */
static void query_add(struct buf *u, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	buf_printf(u, "%s%s=", u->p[u->len - 1] == '/' ? "?" : "&", name);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			buf_addc(u, (char)*p);
		} else {
			buf_addc(u, '%');
			buf_addc(u, hex[*p >> 4]);
			buf_addc(u, hex[*p & 15]);
		}
	}
}

/* assume_role: STS AssumeRole signed with the base credentials (query
 * parameters in SigV4's sorted order). */
static int assume_role(struct awscred *c, char *err, size_t errlen)
{
	int rc = awscred_fresh(c->base, err, errlen);
	if (rc)
		return rc;
	struct buf u = BUF_INIT, doc = BUF_INIT;
	char sig[160];
	struct http_opts o;
	sts_url(c, &u);
	query_add(&u, "Action", "AssumeRole");
	query_add(&u, "RoleArn", c->role_arn);
	query_add(&u, "RoleSessionName", c->session_name);
	query_add(&u, "Version", "2011-06-15");
	tls_opts(c, &o, 3);
	snprintf(sig, sizeof sig, "aws:amz:%s:sts", c->sts_region);
	o.sigv4 = sig;
	o.user = c->base->access_key;
	o.password = c->base->secret_key;
	o.session_token = c->base->session_token;
	rc = fetch_doc(buf_cstr(&u), &o, &doc, "STS AssumeRole", err, errlen);
	if (!rc)
		rc = sts_creds(c, &doc, "STS AssumeRole", err, errlen);
	buf_free(&u);
	buf_free(&doc);
	return rc;
}

/* read_small: a token file's contents, trimmed. */
static int read_small(const char *path, struct buf *out, const char *what, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char chunk[4096];
	size_t n;
	buf_reset(out);
	if (!f) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return EX_CONFIG;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && out->len < DOC_MAX)
		buf_add(out, chunk, n);
	fclose(f);
	while (out->len && (out->p[out->len - 1] == '\n' || out->p[out->len - 1] == '\r' || out->p[out->len - 1] == ' '))
		out->len--;
	buf_cstr(out);
	return 0;
}

static int web_identity(struct awscred *c, char *err, size_t errlen)
{
	struct buf tok = BUF_INIT, u = BUF_INIT, doc = BUF_INIT;
	struct http_opts o;
	int rc = read_small(c->token_file, &tok, "web identity token file", err, errlen);
	if (!rc) {
		sts_url(c, &u);
		query_add(&u, "Action", "AssumeRoleWithWebIdentity");
		query_add(&u, "RoleArn", c->role_arn);
		query_add(&u, "RoleSessionName", c->session_name);
		query_add(&u, "Version", "2011-06-15");
		query_add(&u, "WebIdentityToken", buf_cstr(&tok));
		tls_opts(c, &o, 3);
		rc = fetch_doc(buf_cstr(&u), &o, &doc, "STS AssumeRoleWithWebIdentity", err, errlen);
	}
	if (!rc)
		rc = sts_creds(c, &doc, "STS AssumeRoleWithWebIdentity", err, errlen);
	buf_free(&tok);
	buf_free(&u);
	buf_free(&doc);
	return rc;
}

static int container(struct awscred *c, char *err, size_t errlen)
{
	struct buf auth = BUF_INIT, h = BUF_INIT, doc = BUF_INIT;
	struct http_opts o;
	int rc = 0;
	if (c->auth_file)
		rc = read_small(c->auth_file, &auth, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", err, errlen);
	else if (c->auth)
		buf_adds(&auth, c->auth);
	tls_opts(c, &o, 3);
	if (auth.len) {
		buf_printf(&h, "Authorization: %s", buf_cstr(&auth));
		o.headers[0] = buf_cstr(&h);
	}
	if (!rc)
		rc = fetch_doc(c->url, &o, &doc, "container credentials", err, errlen);
	if (!rc)
		rc = json_creds(c, &doc, "container credentials", err, errlen);
	buf_free(&auth);
	buf_free(&h);
	buf_free(&doc);
	return rc;
}

/* imds: IMDSv2: a session token (PUT), the role's name, its credentials. */
static int imds(struct awscred *c, char *err, size_t errlen)
{
	struct buf u = BUF_INIT, tok = BUF_INIT, h = BUF_INIT, role = BUF_INIT, doc = BUF_INIT;
	struct http_opts o;
	const char *ep = c->url;
	tls_opts(c, &o, 1);
	o.connect_timeout_ms = 1000;       /* off EC2 nothing answers: fail fast */
	o.method = "PUT";
	o.headers[0] = "X-aws-ec2-metadata-token-ttl-seconds: 21600";
	buf_printf(&u, "%s/latest/api/token", ep);
	int rc = fetch_doc(buf_cstr(&u), &o, &tok, "EC2 instance metadata (IMDSv2 token)", err, errlen);
	if (!rc) {
		o.method = NULL;
		buf_printf(&h, "X-aws-ec2-metadata-token: %s", buf_cstr(&tok));
		o.headers[0] = buf_cstr(&h);
		buf_reset(&u);
		buf_printf(&u, "%s/latest/meta-data/iam/security-credentials/", ep);
		rc = fetch_doc(buf_cstr(&u), &o, &role, "EC2 instance metadata (role)", err, errlen);
	}
	if (!rc) {
		char *nl = memchr(role.p, '\n', role.len);
		if (nl)
			role.len = (size_t)(nl - role.p);
		buf_printf(&u, "%s", buf_cstr(&role));
		rc = fetch_doc(buf_cstr(&u), &o, &doc, "EC2 instance metadata (credentials)", err, errlen);
	}
	if (!rc)
		rc = json_creds(c, &doc, "EC2 instance metadata", err, errlen);
	buf_free(&u);
	buf_free(&tok);
	buf_free(&h);
	buf_free(&role);
	buf_free(&doc);
	return rc;
}

/* run_process: credential_process: its standard output, JSON (Version 1). */
static int run_process(struct awscred *c, char *err, size_t errlen)
{
	struct buf doc = BUF_INIT;
	char chunk[4096];
	size_t n;
	fflush(NULL);
	FILE *p = popen(c->process, "r");
	if (!p) {
		snprintf(err, errlen, "credential_process: cannot run: %s", strerror(errno));
		return EX_CONFIG;
	}
	while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
		if (doc.len < DOC_MAX)
			buf_add(&doc, chunk, n);
	int st = pclose(p), rc;
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, errlen, "credential_process failed (status %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		rc = EX_NOPERM;
	} else {
		rc = json_creds(c, &doc, "credential_process", err, errlen);
	}
	buf_free(&doc);
	return rc;
}

static int fetch(struct awscred *c, char *err, size_t errlen)
{
	switch (c->kind) {
	case AWSCRED_PROCESS: return run_process(c, err, errlen);
	case AWSCRED_ASSUME_ROLE: return assume_role(c, err, errlen);
	case AWSCRED_WEB_IDENTITY: return web_identity(c, err, errlen);
	case AWSCRED_CONTAINER: return container(c, err, errlen);
	case AWSCRED_IMDS: return imds(c, err, errlen);
	default: return 0;
	}
}

int awscred_fresh(struct awscred *c, char *err, size_t errlen)
{
	if (!c || !c->expires)
		return 0;
	int64_t now = (int64_t)time(NULL), life = c->expires - c->obtained;
	int64_t margin = life / 2 < 600 ? life / 2 : 600;
	if (now < c->expires - margin)
		return 0;
	c->refreshes++;
	return fetch(c, err, errlen);
}

/* --- the chain --- */

static void init_kind(struct awscred *c, enum awscred_kind kind, const struct http_opts *tls,
                      const char *region)
{
	c->kind = kind;
	c->tls = tls;
	free(c->sts_region);
	c->sts_region = xstrdup(region);
}

static int from_env(struct awscred *c, char *err, size_t errlen)
{
	const char *id = env("AWS_ACCESS_KEY_ID"), *secret = env("AWS_SECRET_ACCESS_KEY");
	if (!id && !secret)
		return 1;
	if (!id || !secret) {
		snprintf(err, errlen, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
		return EX_CONFIG;
	}
	set_keys(c, id, secret, env("AWS_SESSION_TOKEN"), 0);
	c->kind = AWSCRED_STATIC;
	snprintf(c->source, sizeof c->source, "environment");
	return 0;
}

static int from_container_env(struct awscred *c)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	if (!rel && !full)
		return 1;
	struct buf u = BUF_INIT;
	if (rel)
		buf_printf(&u, "%s%s", CONTAINER_HOST, rel);
	else
		buf_adds(&u, full);
	c->url = xstrdup(buf_cstr(&u));
	buf_free(&u);
	c->auth_file = dup_or_null(env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
	c->auth = dup_or_null(env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
	c->kind = AWSCRED_CONTAINER;
	snprintf(c->source, sizeof c->source, "container credentials (%s)", rel ? "RELATIVE_URI" : "FULL_URI");
	return 0;
}

static void from_imds_env(struct awscred *c)
{
	const char *ep = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	c->url = xstrdup(ep ? ep : IMDS_DEFAULT);
	size_t n = strlen(c->url);
	while (n > 8 && c->url[n - 1] == '/')
		c->url[--n] = 0;
	c->kind = AWSCRED_IMDS;
	snprintf(c->source, sizeof c->source, "EC2 instance metadata (IMDSv2)");
}

static int from_profile(struct awscred *c, const struct shared *s, const char *name, int depth,
                        const char *region, char *err, size_t errlen);

/* role_profile: role_arn with web_identity_token_file, source_profile or
 * credential_source. */
static int role_profile(struct awscred *c, const struct shared *s, const char *name, int depth,
                        const char *region, char *err, size_t errlen)
{
	const char *src = get(s, name, "source_profile"), *cs = get(s, name, "credential_source");
	const char *wi = get(s, name, "web_identity_token_file");
	c->role_arn = xstrdup(get(s, name, "role_arn"));
	c->session_name = xstrdup(get(s, name, "role_session_name") ? get(s, name, "role_session_name") : "segpipe");
	if (wi) {
		c->token_file = xstrdup(wi);
		c->kind = AWSCRED_WEB_IDENTITY;
		snprintf(c->source, sizeof c->source, "profile %s: web identity", name);
		return fetch(c, err, errlen);
	}
	c->kind = AWSCRED_ASSUME_ROLE;
	c->base = xcalloc(1, sizeof *c->base);
	init_kind(c->base, AWSCRED_NONE, c->tls, region);
	int rc;
	if (src && strcmp(src, name) == 0 && get(s, name, "aws_access_key_id")) {
		set_keys(c->base, get(s, name, "aws_access_key_id"), get(s, name, "aws_secret_access_key") ?
		         get(s, name, "aws_secret_access_key") : "", get(s, name, "aws_session_token"), 0);
		rc = 0;
	} else if (src) {
		rc = from_profile(c->base, s, src, depth + 1, region, err, errlen);
	} else if (cs && strcmp(cs, "Environment") == 0) {
		rc = from_env(c->base, err, errlen);
		if (rc == 1)
			snprintf(err, errlen, "profile %s: credential_source Environment, but AWS_ACCESS_KEY_ID is not set", name);
		rc = rc == 1 ? EX_NOPERM : rc;
	} else if (cs && strcmp(cs, "EcsContainer") == 0) {
		rc = from_container_env(c->base);
		if (rc == 1)
			snprintf(err, errlen, "profile %s: credential_source EcsContainer outside a container", name);
		rc = rc == 1 ? EX_NOPERM : fetch(c->base, err, errlen);
	} else if (cs && strcmp(cs, "Ec2InstanceMetadata") == 0) {
		from_imds_env(c->base);
		rc = fetch(c->base, err, errlen);
	} else {
		snprintf(err, errlen, "profile %s: role_arn needs source_profile, credential_source or web_identity_token_file", name);
		return EX_CONFIG;
	}
	if (rc)
		return rc;
	snprintf(c->source, sizeof c->source, "profile %s: AssumeRole with %.200s", name, c->base->source);
	return fetch(c, err, errlen);
}

static int from_profile(struct awscred *c, const struct shared *s, const char *name, int depth,
                        const char *region, char *err, size_t errlen)
{
	if (depth > 4) {
		snprintf(err, errlen, "profile %s: source_profile chain longer than 4 (a loop?)", name);
		return EX_CONFIG;
	}
	if (!has_profile(s, name)) {
		snprintf(err, errlen, "no profile %s in %s or %s", name,
		         s->cred.path[0] ? s->cred.path : "(no credentials file)",
		         s->conf.path[0] ? s->conf.path : "(no config file)");
		return EX_CONFIG;
	}
	const char *id = get(s, name, "aws_access_key_id"), *secret = get(s, name, "aws_secret_access_key");
	if (get(s, name, "role_arn"))
		return role_profile(c, s, name, depth, region, err, errlen);
	if (id || secret) {
		if (!id || !secret) {
			snprintf(err, errlen, "profile %s lacks aws_access_key_id or aws_secret_access_key", name);
			return EX_CONFIG;
		}
		set_keys(c, id, secret, get(s, name, "aws_session_token"), 0);
		c->kind = AWSCRED_STATIC;
		snprintf(c->source, sizeof c->source, "profile %s", name);
		return 0;
	}
	if (get(s, name, "credential_process")) {
		c->process = xstrdup(get(s, name, "credential_process"));
		c->kind = AWSCRED_PROCESS;
		snprintf(c->source, sizeof c->source, "profile %s: credential_process", name);
		return fetch(c, err, errlen);
	}
	if (get(s, name, "sso_session") || get(s, name, "sso_start_url")) {
		snprintf(err, errlen, "profile %s: AWS IAM Identity Center (SSO) profiles are not supported: "
		         "use credential_process = aws configure export-credentials --profile %s", name, name);
		return EX_CONFIG;
	}
	snprintf(err, errlen, "profile %s has no credentials", name);
	return EX_CONFIG;
}

int awscred_resolve(struct awscred *c, const char *region, const struct http_opts *tls,
                    char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	init_kind(c, AWSCRED_NONE, tls, region);
	int rc = from_env(c, err, errlen);
	if (rc != 1)
		return rc;
	struct shared s;
	memset(&s, 0, sizeof s);
	const char *profile = env("AWS_PROFILE") ? env("AWS_PROFILE") : "default";
	rc = shared_load(&s, err, errlen);
	if (!rc && (env("AWS_PROFILE") || has_profile(&s, profile)))
		rc = from_profile(c, &s, profile, 0, region, err, errlen);
	else if (!rc)
		rc = 1;
	if (rc != 1) {
		shared_free(&s);
		return rc;
	}
	if (env("AWS_WEB_IDENTITY_TOKEN_FILE") && env("AWS_ROLE_ARN")) {
		c->kind = AWSCRED_WEB_IDENTITY;
		c->token_file = xstrdup(env("AWS_WEB_IDENTITY_TOKEN_FILE"));
		c->role_arn = xstrdup(env("AWS_ROLE_ARN"));
		c->session_name = xstrdup(env("AWS_ROLE_SESSION_NAME") ? env("AWS_ROLE_SESSION_NAME") : "segpipe");
		snprintf(c->source, sizeof c->source, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)");
		rc = fetch(c, err, errlen);
	} else if (from_container_env(c) == 0) {
		rc = fetch(c, err, errlen);
	} else if (!(env("AWS_EC2_METADATA_DISABLED") && strcasecmp(env("AWS_EC2_METADATA_DISABLED"), "true") == 0)) {
		from_imds_env(c);
		rc = fetch(c, err, errlen);
		if (rc) {
			char why[400];
			snprintf(why, sizeof why, "%s", err);
			snprintf(err, errlen, "no credentials: tried the environment (AWS_ACCESS_KEY_ID), profile %s (%s, %s), "
			         "web identity (AWS_WEB_IDENTITY_TOKEN_FILE), container (AWS_CONTAINER_CREDENTIALS_*_URI) "
			         "and EC2 instance metadata (%s)", profile, s.cred.path, s.conf.path, why);
			rc = EX_NOPERM;
		}
	} else {
		snprintf(err, errlen, "no credentials: tried the environment (AWS_ACCESS_KEY_ID), profile %s (%s, %s), "
		         "web identity (AWS_WEB_IDENTITY_TOKEN_FILE), container (AWS_CONTAINER_CREDENTIALS_*_URI); "
		         "EC2 instance metadata is disabled (AWS_EC2_METADATA_DISABLED)", profile, s.cred.path, s.conf.path);
		rc = EX_NOPERM;
	}
	shared_free(&s);
	return rc;
}

void awscred_free(struct awscred *c)
{
	if (!c)
		return;
	free(c->access_key);
	free(c->secret_key);
	free(c->session_token);
	free(c->role_arn);
	free(c->session_name);
	free(c->token_file);
	free(c->process);
	free(c->url);
	free(c->auth);
	free(c->auth_file);
	free(c->sts_region);
	if (c->base) {
		awscred_free(c->base);
		free(c->base);
	}
	memset(c, 0, sizeof *c);
}
