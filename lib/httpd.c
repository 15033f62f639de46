/* httpd.c: the libmicrohttpd frame of the toolkit's servers (see httpd.h). */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "cli.h"
#include "httpd.h"

/* ---- slow request heads ------------------------------------------------ */

struct watch {
	int fd;
	int head_done;
	uint64_t start;
	struct watch *prev, *next;
};

static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;
static struct watch *watch_list;
static atomic_ullong n_head_timeouts;
static unsigned head_timeout = 10;

static void on_connection(void *cls, struct MHD_Connection *conn, void **ctx,
                          enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	struct watch *w = *ctx;
	pthread_mutex_lock(&watch_mu);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		w = xcalloc(1, sizeof *w);
		w->fd = ci ? ci->connect_fd : -1;
		w->start = now_ms();
		w->next = watch_list;
		if (watch_list)
			watch_list->prev = w;
		watch_list = w;
		*ctx = w;
	} else if (w) {
		if (w->prev)
			w->prev->next = w->next;
		else
			watch_list = w->next;
		if (w->next)
			w->next->prev = w->prev;
		free(w);
		*ctx = NULL;
	}
	pthread_mutex_unlock(&watch_mu);
}

void httpd_head_mark(struct MHD_Connection *conn, int done)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct watch *w = ci ? ci->socket_context : NULL;
	if (!w)
		return;
	pthread_mutex_lock(&watch_mu);
	w->head_done = done;
	w->start = now_ms();
	pthread_mutex_unlock(&watch_mu);
}

unsigned long long httpd_head_timeouts(void)
{
	return atomic_load(&n_head_timeouts);
}

static void *watch_main(void *arg)
{
	(void)arg;
	for (;;) {
		usleep(250 * 1000);
		uint64_t now = now_ms(), limit = (uint64_t)head_timeout * 1000;
		unsigned n = 0;
		pthread_mutex_lock(&watch_mu);
		for (struct watch *w = watch_list; w; w = w->next)
			if (!w->head_done && w->fd >= 0 && now - w->start > limit) {
				shutdown(w->fd, SHUT_RDWR);
				w->fd = -1;
				n++;
			}
		pthread_mutex_unlock(&watch_mu);
		if (n)
			atomic_fetch_add(&n_head_timeouts, n);
	}
	return NULL;
}

/* ---- the log ------------------------------------------------------------- */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

void httpd_vlog(const char *fmt, va_list ap)
{
	static uint64_t window;
	static unsigned in_window, suppressed;
	pthread_mutex_lock(&log_mu);
	uint64_t now = now_ms();
	if (now - window >= 1000) {
		window = now;
		in_window = 0;
	}
	if (in_window >= 3) {
		suppressed++;
		pthread_mutex_unlock(&log_mu);
		return;
	}
	in_window++;
	fprintf(stderr, "%s: ", progname);
	if (suppressed)
		fprintf(stderr, "(%u similar messages suppressed) ", suppressed);
	suppressed = 0;
	vfprintf(stderr, fmt, ap);
	pthread_mutex_unlock(&log_mu);
}

void httpd_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	httpd_vlog(fmt, ap);
	va_end(ap);
}

/* log_limited: libmicrohttpd's own messages go the same way */
static void log_limited(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	httpd_vlog(fmt, ap);
}

int httpd_basic_auth(const char *h, char **user, char **pass)
{
	if (!h || strncasecmp(h, "Basic ", 6) != 0)
		return -1;
	h += 6;
	while (*h == ' ')
		h++;
	size_t n = strlen(h);
	while (n > 0 && h[n - 1] == ' ')
		n--;
	if (n == 0 || n % 4 != 0 || n > 4096)
		return -1;
	unsigned char *dec = xmalloc(n / 4 * 3 + 1);
	int len = EVP_DecodeBlock(dec, (const unsigned char *)h, (int)n);
	if (len < 0) {
		free(dec);
		return -1;
	}
	len -= (h[n - 1] == '=') + (h[n - 2] == '=');
	dec[len] = 0;
	char *colon = memchr(dec, ':', (size_t)len);
	if (!colon || colon == (char *)dec || memchr(dec, 0, (size_t)len)) {
		free(dec);
		return -1;
	}
	*colon = 0;
	*user = xstrdup((char *)dec);
	*pass = xstrdup(colon + 1);
	free(dec);
	return 0;
}


/* ---- start-up -------------------------------------------------------------- */

/* slurp: a certificate or key file, NUL-terminated, as libmicrohttpd wants it. */
static char *slurp(const char *path)
{
	struct buf b = BUF_INIT;
	if (buf_read_file(&b, path) < 0)
		die(EX_NOINPUT, "%s: %s", path, strerror(errno));
	buf_cstr(&b);
	return b.p;
}

void httpd_port_file(const char *path, unsigned port)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
		die(EX_IOERR, "%s: %s", path, strerror(errno));
}

struct MHD_Daemon *httpd_start(const struct httpd_conf *c, unsigned *port)
{
	struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
	                         .ai_socktype = SOCK_STREAM}, *ai;
	char ps[16];
	snprintf(ps, sizeof ps, "%u", c->port);
	if (getaddrinfo(c->listen, ps, &hints, &ai) != 0)
		die(EX_CONFIG, "--listen %s: not a numeric IPv4 or IPv6 address", c->listen);
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | c->flags;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	char *cert = NULL, *key = NULL;
	if (c->cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			die(EX_CONFIG, "this libmicrohttpd has no TLS support");
		cert = slurp(c->cert);
		key = slurp(c->key);
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem tls[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, key},
		{MHD_OPTION_END, 0, NULL},
	};
	head_timeout = c->head_timeout;
	pthread_t watcher;
	if (pthread_create(&watcher, NULL, watch_main, NULL) != 0)
		die(EX_IOERR, "cannot start the watch thread");
	pthread_detach(watcher);
	struct MHD_Daemon *d = MHD_start_daemon(flags, (uint16_t)c->port, NULL, NULL,
		c->handler, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, log_limited, NULL,
		MHD_OPTION_SOCK_ADDR, ai->ai_addr,
		MHD_OPTION_NOTIFY_COMPLETED, c->completed, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->per_ip,
		MHD_OPTION_CONNECTION_LIMIT, c->max_conns,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
		MHD_OPTION_ARRAY, c->cert ? tls : tls + 2,
		MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!d)
		die(EX_UNAVAILABLE, "cannot listen on %s port %u", c->listen, c->port);
	/* libmicrohttpd keeps pointers to cert and key: they stay allocated */
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : c->port;
	return d;
}
