/* s2conn.c: the Data API connection options and credentials (see s2conn.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <sys/types.h>

#include "cli.h"
#include "json.h"
#include "s2conn.h"

int s2conn_option(struct s2conn *o, struct dapi_config *k, int c, const char *arg)
{
	switch (c) {
	case S2CONN_O_URL: o->url = arg; break;
	case S2CONN_O_HOST: o->host = arg; break;
	case S2CONN_O_PORT: o->port = (unsigned)opt_uint("--port", arg, 1, 65535); break;
	case 'd': k->database = arg; break;
	case 'u': k->user = arg; break;
	case S2CONN_O_PWFILE: o->pwfile = arg; break;
	case S2CONN_O_NETRC: k->netrc_file = arg; break;
	case S2CONN_O_TOKEN: o->tokfile = arg; break;
	case S2CONN_O_CACERT: k->cacert = arg; break;
	case S2CONN_O_INSECURE: k->insecure = 1; break;
	default: return 0;
	}
	return 1;
}

/* read_secret: the first line of a file (a password or a token). */
static char *read_secret(const char *opt, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die(EX_CONFIG, "%s: %s: %s", opt, path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	fclose(f);
	if (n <= 0)
		die(EX_CONFIG, "%s: %s is empty", opt, path);
	line[strcspn(line, "\r\n")] = '\0';
	if (!*line)
		die(EX_CONFIG, "%s: %s has an empty first line", opt, path);
	return line;
}

char *s2conn_url(const char *url, const char *host, unsigned port, const char *endpoint)
{
	struct buf b = BUF_INIT;
	if (url) {
		const char *s = strstr(url, "://");
		const char *auth_end = s ? s + 3 + strcspn(s + 3, "/") : NULL;
		if (!s || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)))
			usage_error("--url: '%s' is not an http:// or https:// URL", url);
		if (memchr(s + 3, '@', (size_t)(auth_end - s - 3)))
			usage_error("--url: credentials in a URL are visible to other users; use S2_USER/S2_PASSWORD, --password-file or .netrc");
		size_t n = strlen(url);
		while (n && url[n - 1] == '/')
			n--;
		const char *api = strstr(auth_end, "/api/v2/");
		if (api && api < url + n)
			n = (size_t)(api - url);      /* an endpoint named: ours replaces it */
		buf_add(&b, url, n);
		buf_printf(&b, "/api/v2/%s", endpoint);
	} else {
		if (!*host || strpbrk(host, "/@ ?#"))
			usage_error("--host: '%s' is not a host name", host);
		int v6 = strchr(host, ':') != NULL;
		buf_printf(&b, "https://%s%s%s:%u/api/v2/%s", v6 ? "[" : "", host, v6 ? "]" : "", port, endpoint);
	}
	char *u = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return u;
}

/* set_secrets: what redact_text blanks in error text: the password, the
 * token and the Basic credential. */
static void set_secrets(struct s2conn *o, const struct dapi_config *k)
{
	struct buf up = BUF_INIT, b64 = BUF_INIT;
	int n = 0;
	if (k->password)
		o->secrets[n++] = k->password;
	if (k->token)
		o->secrets[n++] = k->token;
	if (k->user && k->password) {
		buf_printf(&up, "%s:%s", k->user, k->password);
		base64_encode(&b64, up.p, up.len);
		o->secrets[n++] = buf_cstr(&b64);
	}
	buf_free(&up);
	o->secrets[n] = NULL;
	o->basic64 = b64.p;
}

/* warn_plain_http: a password or token sent in clear text to another host. */
static void warn_plain_http(const struct dapi_config *k)
{
	if (strncmp(k->url, "http://", 7) || !(k->password || k->token))
		return;
	const char *h = k->url + 7;
	size_t n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/");
	if ((n == 9 && strncasecmp(h, "localhost", 9) == 0) || strncmp(h, "127.", 4) == 0 || (n == 5 && strncmp(h, "[::1]", 5) == 0))
		return;
	warnmsg("credentials go in clear text over http:// to %.*s; use https:// for a target on another host", (int)n, h);
}

/* netrc_readable: can curl look credentials up in path (NULL: ~/.netrc)? */
static int netrc_readable(const char *path)
{
	const char *home = getenv("HOME");
	char dflt[4096];
	if (!path) {
		if (!home || !*home)
			return 0;
		snprintf(dflt, sizeof dflt, "%s/.netrc", home);
		path = dflt;
	}
	return access(path, R_OK) == 0;
}

void s2conn_setup(struct s2conn *o, struct dapi_config *k, const char *endpoint)
{
	if (!o->url == !o->host)
		usage_error(o->url ? "--url and --host exclude each other" : "no target: give --url or --host");
	if (o->pwfile && o->tokfile)
		usage_error("--password-file and --token-file exclude each other");
	k->url = s2conn_url(o->url, o->host, o->port, endpoint);
	if (!k->user)
		k->user = getenv("S2_USER");
	if (o->pwfile)
		k->password = read_secret("--password-file", o->pwfile);
	else if (getenv("S2_PASSWORD"))
		k->password = xstrdup(getenv("S2_PASSWORD"));
	if (o->tokfile)
		k->token = read_secret("--token-file", o->tokfile);
	if (k->password && !k->user)
		die(EX_CONFIG, "a password was given but no user: set S2_USER or --user");
	if (!k->password && !k->token && !netrc_readable(k->netrc_file))
		die(EX_NOPERM, "no credentials: set S2_USER and S2_PASSWORD, give --password-file FILE "
		    "(or --token-file), or put the host in ~/.netrc (or --netrc-file FILE)");
	set_secrets(o, k);
	warn_plain_http(k);
}

void s2conn_free(struct s2conn *o, struct dapi_config *k)
{
	free(o->basic64);
	o->basic64 = NULL;
	free((char *)k->url);
	free((char *)k->password);
	free((char *)k->token);
	k->url = k->password = k->token = NULL;
}
