/* s2conn.h: how a program names and reaches its Data API target, shared by
 * s2-load and s2-query: the connection options (--url or --host/--port,
 * --database, --user, --password-file, --netrc-file, --token-file,
 * --cacert, --insecure), the credentials (S2_USER, S2_PASSWORD, a file, or
 * .netrc; never argv), the endpoint URL, the secrets to redact from error
 * text, and the warning for credentials over plain http to another host. */
#ifndef SEG_S2CONN_H
#define SEG_S2CONN_H
#include "dataapi.h"

/* Long options of the connection; put S2CONN_LONGOPTS in the getopt_long
 * table (and "d:u:" in the short options) and hand the codes to
 * s2conn_option. */
enum { S2CONN_O_URL = 0x2000, S2CONN_O_HOST, S2CONN_O_PORT, S2CONN_O_PWFILE, S2CONN_O_NETRC,
       S2CONN_O_TOKEN, S2CONN_O_CACERT, S2CONN_O_INSECURE };
#define S2CONN_LONGOPTS \
	{ "url", required_argument, 0, S2CONN_O_URL }, { "host", required_argument, 0, S2CONN_O_HOST }, \
	{ "port", required_argument, 0, S2CONN_O_PORT }, { "database", required_argument, 0, 'd' }, \
	{ "user", required_argument, 0, 'u' }, { "password-file", required_argument, 0, S2CONN_O_PWFILE }, \
	{ "netrc-file", required_argument, 0, S2CONN_O_NETRC }, { "token-file", required_argument, 0, S2CONN_O_TOKEN }, \
	{ "cacert", required_argument, 0, S2CONN_O_CACERT }, { "insecure", no_argument, 0, S2CONN_O_INSECURE }

/* The help text of those options, one line each. */
#define S2CONN_USAGE \
	"      --url URL              base URL of the Data API (http://host:9000) or the endpoint's URL\n" \
	"      --host HOST            target host, HTTPS (instead of --url)\n" \
	"      --port N               port with --host (default 443)\n" \
	"  -d, --database NAME        database added to every request\n" \
	"  -u, --user NAME            user (default $S2_USER); password from $S2_PASSWORD,\n" \
	"      --password-file FILE   the first line of FILE, or .netrc\n" \
	"      --netrc-file FILE      look up credentials in FILE instead of ~/.netrc\n" \
	"      --token-file FILE      a JWT sent as Bearer instead of a password\n" \
	"      --cacert FILE          CA certificates to verify the server with\n" \
	"      --insecure             do not verify the server's certificate\n"

struct s2conn {
	const char *url, *host, *pwfile, *tokfile;
	unsigned port;
	const char *secrets[4];    /* for redact_text: password, token, Basic credential */
	char *basic64;             /* the Basic credential, allocated */
};
#define S2CONN_INIT { NULL, NULL, NULL, NULL, 443, { NULL }, NULL }

/* s2conn_option: take connection option c (with its argument) into o and
 * k; 1 when it was one, 0 when it is not a connection option. Bad values
 * are usage errors (exit 64). */
int s2conn_option(struct s2conn *o, struct dapi_config *k, int c, const char *arg);

/* s2conn_setup: after the options: the endpoint URL ("exec",
 * "query/rows") into k->url, the user from S2_USER, the password from
 * --password-file or S2_PASSWORD, the token from --token-file, the secrets
 * to redact, and the plain-http warning. Dies 64 on conflicting or missing
 * options, 78 on unreadable secret files or a password without a user. */
void s2conn_setup(struct s2conn *o, struct dapi_config *k, const char *endpoint);

/* s2conn_url: the URL of endpoint ("exec", "query/rows") from url (a base
 * URL, or one ending in any /api/v2/... endpoint, which is replaced) or else
 * from host and port (HTTPS). Credentials in the URL, a scheme other than
 * http(s) or a bad host name are usage errors (exit 64). malloc'd. */
char *s2conn_url(const char *url, const char *host, unsigned port, const char *endpoint);

/* s2conn_free: what s2conn_setup allocated (k->url, password, token). */
void s2conn_free(struct s2conn *o, struct dapi_config *k);
#endif
