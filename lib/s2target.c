/* s2target.c: the Data API endpoint URL and the secret files (s2target.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "s2target.h"

char *s2_endpoint_url(const char *url, const char *host, unsigned port, const char *endpoint)
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

char *s2_read_secret(const char *opt, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die(EX_CONFIG, "%s: %s: %s", opt, path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	fclose(f);
	if (n <= 0) {
		free(line);
		die(EX_CONFIG, "%s: %s is empty", opt, path);
	}
	line[strcspn(line, "\r\n")] = '\0';
	if (!*line) {
		free(line);
		die(EX_CONFIG, "%s: %s has an empty first line", opt, path);
	}
	return line;
}
