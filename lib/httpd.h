/* httpd.h: what the toolkit's HTTP servers (s2-gateway, seg-receive) share
 * around libmicrohttpd: a daemon started on a numeric address with a limit
 * of connections per client address, a watch thread that closes connections
 * whose request head takes longer than a timeout (slowloris), a logger
 * that writes at most a few lines a second, Basic auth decoding, and the
 * port file tests wait for. */
#ifndef SEG_HTTPD_H
#define SEG_HTTPD_H
#include <stdarg.h>

#include <microhttpd.h>

struct httpd_conf {
	const char *listen;        /* numeric IPv4 or IPv6 address */
	unsigned port;             /* 0: a free one */
	unsigned per_ip;           /* connections per client address; 0: no limit */
	unsigned max_conns;        /* connections in all */
	unsigned head_timeout;     /* seconds a request head may take */
	const char *cert, *key;    /* PEM files: serve HTTPS; NULL: HTTP */
	unsigned flags;            /* extra MHD_USE_* flags */
	MHD_AccessHandlerCallback handler;
	MHD_RequestCompletedCallback completed;
};

/* httpd_start: start the watch thread and the daemon (its polling thread
 * internal). Dies with 78 on a bad address or TLS setup, 69 when it cannot
 * listen. Returns the daemon and sets *port to the port bound. */
struct MHD_Daemon *httpd_start(const struct httpd_conf *c, unsigned *port);

/* httpd_head_mark: the connection's request head is complete (done 1), or
 * a new one is awaited from now (done 0, from the completed callback). */
void httpd_head_mark(struct MHD_Connection *conn, int done);
/* httpd_head_timeouts: connections closed for a slow head so far. */
unsigned long long httpd_head_timeouts(void);

/* httpd_log: a diagnostic line about clients, rate limited (at most 3 a
 * second; the suppressed are counted in the next line). */
void httpd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void httpd_vlog(const char *fmt, va_list ap);

/* httpd_basic_auth: user and password of an "Authorization: Basic" header
 * (allocated), or -1 for anything else, an empty user name included. */
int httpd_basic_auth(const char *h, char **user, char **pass);

/* httpd_port_file: write "PORT\n" to path atomically (temp file, rename). */
void httpd_port_file(const char *path, unsigned port);
#endif
