/* s2target.h: where a program reaches SingleStore's Data API and with what
 * secret: the endpoint URL from --url or --host/--port, and a password or
 * token read from a file (secrets never come from argv). Shared by s2-load
 * (the exec endpoint) and seg-backfill verify (query/rows). */
#ifndef SEG_S2TARGET_H
#define SEG_S2TARGET_H

/* s2_endpoint_url: the URL of endpoint ("exec", "query/rows") from url (a
 * base URL, or one ending in any /api/v2/... endpoint, which is replaced) or
 * else from host and port (HTTPS). Credentials in the URL, a scheme other
 * than http(s) or a bad host name are usage errors (exit 64). malloc'd. */
char *s2_endpoint_url(const char *url, const char *host, unsigned port, const char *endpoint);

/* s2_read_secret: the first line of path, without its end of line; a file
 * that cannot be read or whose first line is empty is a configuration error
 * (exit 78, "opt: path: reason"). malloc'd. */
char *s2_read_secret(const char *opt, const char *path);
#endif
