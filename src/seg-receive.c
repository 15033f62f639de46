/* seg-receive: a Segment-compatible receiver. It accepts what Segment's
 * libraries and its Webhooks destination send (POST /v1/batch, /v1/import,
 * /v1/{track,identify,page,screen,group,alias}, /webhook), checks the write
 * key and Segment's limits, fills receivedAt (and messageId when missing, as
 * Segment does) and appends the messages to hourly gzip files in Segment's
 * S3 layout (lib/segwrite), fsync'd before the 200 goes out, so that every
 * acknowledged message survives a crash and seg-fetch / seg-backfill load
 * the directory like any archive.
 *
 * One libmicrohttpd polling thread does everything: a request's messages
 * are written and synced before the next request is looked at, so files
 * need no locks and memory is bounded by the connection limit times the
 * 500 KB request limit. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <microhttpd.h>

#include "buf.h"
#include "cli.h"
#include "httpd.h"
#include "json.h"
#include "seglimits.h"
#include "segwrite.h"
#include "stats.h"

#define DISCARD_MAX (4u << 20)  /* body bytes read and dropped before closing */
#define MAX_KEYS 1024

static struct options {
	const char *dir, *listen, *port_file, *key_file, *source;
	unsigned port, per_ip, max_conns, head_timeout;
	size_t max_message;
	double fail_rate;
	unsigned fail_status[8], nfail_status, retry_after;
	uint64_t seed;
	struct cli_common common;
} opt = {
	.listen = "127.0.0.1", .port = 8080, .source = "seg-receive", .per_ip = 64,
	.max_conns = 256, .head_timeout = 10, .max_message = SEG_TRACK_MESSAGE_MAX, .retry_after = 1, .seed = 1,
	.common = CLI_COMMON_INIT,
};

/* write keys and the source each one writes to */
static struct wkey { char *key, *source; } keys[MAX_KEYS];
static size_t nkeys;

static struct segwrite *sw;
static struct stats st;        /* touched by the HTTP thread only, read after it stopped */
static uint64_t seq;

enum endpoint { EP_BATCH, EP_SINGLE, EP_WEBHOOK };

struct req {
	struct buf body;
	uint64_t seen;
	int too_large;
	enum endpoint ep;
	const char *type;       /* EP_SINGLE: the type the path names */
	unsigned status;
	struct buf out, lines;
	int close;
};

static const char *const single_types[] = {"track", "identify", "page", "screen", "group", "alias", NULL};

/* ---- configuration ------------------------------------------------------- */

static void add_key(const char *key, size_t kn, const char *src, size_t sn, const char *file, unsigned line)
{
	if (nkeys == MAX_KEYS)
		die(EX_CONFIG, "%s:%u: more than %d write keys", file, line, MAX_KEYS);
	for (size_t i = 0; i < sn; i++)
		if (!(src[i] == '-' || src[i] == '_' || (src[i] >= '0' && src[i] <= '9') ||
		      ((src[i] | 32) >= 'a' && (src[i] | 32) <= 'z')))
			die(EX_CONFIG, "%s:%u: a source id is letters, digits, '-' and '_'", file, line);
	keys[nkeys].key = xmalloc(kn + 1);
	memcpy(keys[nkeys].key, key, kn);
	keys[nkeys].key[kn] = 0;
	keys[nkeys].source = sn ? xmalloc(sn + 1) : xstrdup(opt.source);
	if (sn) {
		memcpy(keys[nkeys].source, src, sn);
		keys[nkeys].source[sn] = 0;
	}
	nkeys++;
}

/* load_keys: --write-key-file lines are "KEY" or "KEY SOURCE_ID" ('#'
 * comments); else SEGMENT_WRITE_KEY is the one key */
static void load_keys(void)
{
	const char *env = getenv("SEGMENT_WRITE_KEY");
	if (!opt.key_file) {
		if (!env || !*env)
			die(EX_CONFIG, "no write key: set SEGMENT_WRITE_KEY or give --write-key-file");
		add_key(env, strlen(env), NULL, 0, "SEGMENT_WRITE_KEY", 0);
		return;
	}
	FILE *f = fopen(opt.key_file, "r");
	if (!f)
		die(EX_CONFIG, "%s: %s", opt.key_file, strerror(errno));
	char line[4096];
	unsigned no = 0;
	while (fgets(line, sizeof line, f)) {
		no++;
		char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || *p == '\r' || !*p)
			continue;
		size_t kn = strcspn(p, " \t\r\n");
		char *s = p + kn + strspn(p + kn, " \t");
		size_t sn = strcspn(s, " \t\r\n");
		add_key(p, kn, s, sn, opt.key_file, no);
	}
	fclose(f);
	if (!nkeys)
		die(EX_CONFIG, "%s: no write key in the file", opt.key_file);
}

/* key_source: the source of write key k, or NULL; every key is compared in
 * full so that the time taken says nothing about which one nearly matched */
static const char *key_source(const char *k, size_t n)
{
	const char *found = NULL;
	for (size_t i = 0; i < nkeys; i++) {
		size_t kn = strlen(keys[i].key);
		unsigned char d = kn != n;
		for (size_t j = 0; j < n; j++)
			d |= (unsigned char)(k[j] ^ keys[i].key[j < kn ? j : 0]);
		if (!d && !found)
			found = keys[i].source;
	}
	return found;
}

/* ---- answers ---------------------------------------------------------------- */

static void answer(struct req *r, unsigned status, const char *msg)
{
	r->status = status;
	buf_reset(&r->out);
	if (status == 200) {
		buf_adds(&r->out, "{\"success\":true}");
		return;
	}
	buf_adds(&r->out, "{\"success\":false,\"message\":");
	json_write_str(&r->out, msg, strlen(msg));
	buf_addc(&r->out, '}');
}

static enum MHD_Result reply(struct MHD_Connection *conn, struct req *r)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(r->out.len, r->out.p ? r->out.p : "",
	                                                            MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (r->status == 429 || r->status == 503) {
		char ra[16];
		snprintf(ra, sizeof ra, "%u", opt.retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
		if (r->status == 429)
			MHD_add_response_header(resp, "X-RateLimit-Reset", ra);
	}
	if (r->status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"seg-receive\"");
	if (r->close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	char code[16];
	snprintf(code, sizeof code, "http_%u", r->status);
	stats_add(&st, code, 1);
	return ret;
}

/* ---- messages ----------------------------------------------------------------- */

/* iso_now: receivedAt as Segment writes it, "2026-11-30T13:04:18.123Z" */
static void iso_now(char out[96], int64_t *ms)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	*ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, 96, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000));
}

/* new_message_id: "api-" and 32 random hex digits */
static void new_message_id(char out[40])
{
	unsigned char r[16];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		uint64_t x = ++seq * 0x9e3779b97f4a7c15ull ^ now_ms();
		memcpy(r, &x, 8);
		memcpy(r + 8, &seq, 8);
	}
	static const char hx[] = "0123456789abcdef";
	memcpy(out, "api-", 4);
	for (int i = 0; i < 16; i++) {
		out[4 + 2 * i] = hx[r[i] >> 4];
		out[5 + 2 * i] = hx[r[i] & 15];
	}
	out[36] = 0;
}

static void add_member(struct buf *b, int *first, const char *key, struct json_slice v)
{
	buf_adds(b, *first ? "\"" : ",\"");
	buf_adds(b, key);
	buf_adds(b, "\":");
	buf_add(b, v.p, v.n);
	*first = 0;
}

/* emit: item as one line of r->lines: its members as sent (receivedAt and
 * writeKey left out), the envelope's context, integrations and sentAt
 * where the item has none, the type of a single call, a messageId when it
 * has none, and receivedAt */
static const char *const from_env[] = {"context", "integrations", "sentAt", NULL};

static void emit(struct req *r, struct json_slice item, const struct json_slice env[3], const char *recv)
{
	struct json_iter it;
	struct json_slice k, v;
	int first = 1;
	buf_addc(&r->lines, '{');
	json_iter_init(&it, item);
	while (json_iter_next(&it, &k, &v)) {
		if (json_key_eq(k, "receivedAt") || json_key_eq(k, "writeKey"))
			continue;
		buf_add(&r->lines, first ? "" : ",", first ? 0 : 1);
		buf_add(&r->lines, k.p, k.n);
		buf_addc(&r->lines, ':');
		buf_add(&r->lines, v.p, v.n);
		first = 0;
	}
	for (int i = 0; env && from_env[i]; i++)
		if (env[i].p && !json_get(item, from_env[i], &v))
			add_member(&r->lines, &first, from_env[i], env[i]);
	if (r->type && !json_get(item, "type", &v)) {
		char t[32];
		snprintf(t, sizeof t, "\"%s\"", r->type);
		add_member(&r->lines, &first, "type", (struct json_slice){t, strlen(t), JSON_STRING});
	}
	if (!json_get(item, "messageId", &v)) {
		char id[48];
		id[0] = '"';
		new_message_id(id + 1);
		strcat(id, "\"");
		add_member(&r->lines, &first, "messageId", (struct json_slice){id, strlen(id), JSON_STRING});
	}
	char q[100];
	snprintf(q, sizeof q, "\"%s\"", recv);
	add_member(&r->lines, &first, "receivedAt", (struct json_slice){q, strlen(q), JSON_STRING});
	buf_adds(&r->lines, "}\n");
}

/* check_item: NULL when a batch item is acceptable, else why not */
static const char *check_item(struct json_slice item, int need_type)
{
	struct json_slice t;
	if (item.type != JSON_OBJECT)
		return "a batch item is not an object";
	if (item.n > opt.max_message)
		return "message exceeds the 32 KB limit";
	if (need_type && (!json_get(item, "type", &t) || t.type != JSON_STRING))
		return "a batch item has no type";
	return NULL;
}

/* messages: r->lines from the parsed body, or a 400 answer; returns the
 * number of messages kept */
static size_t messages(struct req *r, struct json_slice body, const char *recv)
{
	struct json_slice batch, item;
	size_t n = 0;
	if (r->ep == EP_SINGLE || (r->ep == EP_WEBHOOK && !json_get(body, "batch", &batch))) {
		const char *why = check_item(body, r->ep == EP_WEBHOOK);
		if (why) {
			answer(r, 400, why);
			return 0;
		}
		emit(r, body, NULL, recv);
		return 1;
	}
	if (!json_get(body, "batch", &batch) || batch.type != JSON_ARRAY) {
		answer(r, 400, "the body has no \"batch\" array");
		return 0;
	}
	struct json_slice env[3] = {{0}};
	struct json_iter it;
	for (int i = 0; from_env[i]; i++)
		if (!json_get(body, from_env[i], &env[i]))
			env[i].p = NULL;
	json_iter_init(&it, batch);
	while (json_iter_next(&it, NULL, &item)) {
		const char *why = check_item(item, 1);
		if (why) {
			buf_reset(&r->lines);
			answer(r, 400, why);
			return 0;
		}
		if (n == SEG_TRACK_BATCH_COUNT) {  /* as Segment: 200, the rest dropped */
			stats_add(&st, "dropped", 1);
			continue;
		}
		emit(r, item, env, recv);
		n++;
	}
	return n;
}

/* ---- requests --------------------------------------------------------------------- */

/* fault: is request number k one of the --fail-rate share? (a pure
 * function of --seed and k, so a test run can be repeated) */
static unsigned fault(uint64_t k)
{
	if (opt.fail_rate <= 0)
		return 0;
	uint64_t x = opt.seed + k * 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	if ((double)(x >> 11) / 9007199254740992.0 >= opt.fail_rate)
		return 0;
	return opt.fail_status[(x & 0xff) % opt.nfail_status];
}

/* request_source: the source the request's write key writes to, or NULL:
 * Basic auth (the key as user name), else a writeKey member of the body */
static const char *request_source(struct MHD_Connection *conn, struct json_slice body)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	char *user = NULL, *pass = NULL;
	const char *src = NULL;
	struct json_slice wk;
	if (h && httpd_basic_auth(h, &user, &pass) == 0)
		src = key_source(user, strlen(user));
	else if (!h && json_get(body, "writeKey", &wk) && wk.type == JSON_STRING && !json_str_has_escape(wk))
		src = key_source(wk.p + 1, wk.n - 2);
	free(user);
	free(pass);
	return src;
}

static void handle(struct MHD_Connection *conn, struct req *r)
{
	struct json_error err;
	const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	if (r->too_large)
		{
		answer(r, 400, r->ep == EP_BATCH ? "batch exceeds the 500 KB limit"
		                                        : "message exceeds the 32 KB limit");
		return;
	}
	if (!ct || strncasecmp(ct, "application/json", 16) != 0)
		{
		answer(r, 400, "Content-Type must be application/json");
		return;
	}
	if (json_parse(r->body.p ? r->body.p : "", r->body.len, 0, NULL, &err) < 0)
		{
		answer(r, 400, "invalid JSON");
		return;
	}
	struct json_slice body = json_value(r->body.p, r->body.p + r->body.len);
	if (body.type != JSON_OBJECT)
		{
		answer(r, 400, "the body is not a JSON object");
		return;
	}
	const char *src = request_source(conn, body);
	if (!src)
		{
		answer(r, 401, "invalid write key");
		return;
	}
	unsigned f = fault(++seq);
	if (f) {
		stats_add(&st, "faults", 1);
		{
		answer(r, f, "injected fault");
		return;
	}
	}
	char recv[96];
	int64_t ms;
	iso_now(recv, &ms);
	size_t n = messages(r, body, recv);
	if (r->status)
		return;
	if (n && segw_append(sw, src, ms, r->lines.p, r->lines.len) < 0) {
		httpd_log("%s: %s\n", opt.dir, strerror(errno));
		{
		answer(r, 503, "cannot store the messages");
		return;
	}
	}
	stats_add(&st, "messages", n);
	answer(r, 200, NULL);
}

/* route: the endpoint of a path, or -1 */
static int route(struct req *r, const char *url)
{
	if (strcmp(url, "/v1/batch") == 0 || strcmp(url, "/v1/import") == 0)
		return r->ep = EP_BATCH, 0;
	if (strcmp(url, "/webhook") == 0 || strncmp(url, "/webhook/", 9) == 0)
		return r->ep = EP_WEBHOOK, 0;
	if (strncmp(url, "/v1/", 4) == 0)
		for (int i = 0; single_types[i]; i++)
			if (strcmp(url + 4, single_types[i]) == 0) {
				r->ep = EP_SINGLE;
				r->type = single_types[i];
				return 0;
			}
	return -1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct req *r = *con_cls;
	if (!r) {
		*con_cls = r = xcalloc(1, sizeof *r);
		httpd_head_mark(conn, 1);
		stats_add(&st, "requests", 1);
		if (strcmp(method, "POST") != 0)
			answer(r, 405, "only POST");
		else if (route(r, url) < 0)
			answer(r, 404, "no such endpoint");
		return MHD_YES;
	}
	if (*upload_size) {
		size_t limit = r->ep == EP_SINGLE ? opt.max_message : SEG_TRACK_REQUEST_MAX;
		r->seen += *upload_size;
		if (!r->status && !r->too_large && r->seen > limit) {
			r->too_large = 1;
			buf_free(&r->body);
		}
		if (!r->status && !r->too_large)
			buf_add(&r->body, upload, *upload_size);
		*upload_size = 0;
		if (r->seen > DISCARD_MAX) {
			r->close = 1;
			if (!r->status)
				answer(r, 400, "request exceeds the size limit");
			return reply(conn, r);
		}
		return MHD_YES;
	}
	if (!r->status)
		handle(conn, r);
	return reply(conn, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)toe;
	struct req *r = *con_cls;
	httpd_head_mark(conn, 0);
	if (!r)
		return;
	buf_free(&r->body);
	buf_free(&r->out);
	buf_free(&r->lines);
	free(r);
	*con_cls = NULL;
}

/* ---- start-up ------------------------------------------------------------------------- */

static void usage(void)
{
	printf("usage: %s [OPTIONS] -d DIR\n"
"Receive what Segment's libraries and Webhooks destination send (POST /v1/batch,\n"
"/v1/import, /v1/track, /v1/identify, /v1/page, /v1/screen, /v1/group, /v1/alias,\n"
"/webhook) and append the messages to DIR/segment-logs/SOURCE/DAY/HOUR-N.gz,\n"
"fsync'd before answering 200. The write key is SEGMENT_WRITE_KEY or a file.\n\n"
"  -d, --dir DIR            the archive directory (required)\n"
"  -l, --listen ADDR        listen address (default 127.0.0.1)\n"
"  -p, --port N             port (default 8080; 0 picks a free one)\n"
"      --port-file FILE     write the port to FILE once listening\n"
"      --write-key-file F   write keys, one a line: KEY [SOURCE_ID]\n"
"      --source-id ID       the source of keys that name none (default seg-receive)\n"
"      --max-message-bytes N  refuse (400) a message over N bytes (default 32768)\n"
"      --fail-rate P        answer a fraction P of requests with a --fail-status\n"
"      --fail-status LIST   statuses of injected failures, e.g. 429,503 (default 503)\n"
"      --retry-after S      Retry-After (and X-RateLimit-Reset) of 429/503 (default 1)\n"
"      --seed N             seed of the fault decisions (default 1)\n"
"      --max-conns N        connections at a time (default 256)\n"
"      --max-conns-per-ip N connections from one address at a time (default 64)\n"
"      --head-timeout S     close a connection whose request head takes longer (default 10)\n"
"      --stats FILE         write the end counters as JSON\n"
"  -q, --quiet              no messages but errors\n"
"  -h, --help               this help\n"
"  -V, --version            version\n", progname);
}

static void parse_fail_status(const char *s)
{
	char *copy = xstrdup(s), *save = NULL;
	opt.nfail_status = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (opt.nfail_status == 8)
			usage_error("--fail-status: at most 8 statuses");
		opt.fail_status[opt.nfail_status++] = (unsigned)opt_uint("--fail-status", t, 400, 599);
	}
	free(copy);
	if (!opt.nfail_status)
		usage_error("--fail-status: no status given");
}

static void parse_options(int argc, char **argv)
{
	enum { O_PORT_FILE = 256, O_KEYS, O_SOURCE, O_FAIL_RATE, O_FAIL_STATUS, O_RETRY_AFTER,
	       O_SEED, O_CONNS, O_PER_IP, O_HEAD_TIMEOUT, O_MAXMSG };
	static const struct option lo[] = {
		{"dir", required_argument, 0, 'd'}, {"listen", required_argument, 0, 'l'},
		{"port", required_argument, 0, 'p'}, {"port-file", required_argument, 0, O_PORT_FILE},
		{"write-key-file", required_argument, 0, O_KEYS}, {"source-id", required_argument, 0, O_SOURCE},
		{"fail-rate", required_argument, 0, O_FAIL_RATE},
		{"fail-status", required_argument, 0, O_FAIL_STATUS},
		{"retry-after", required_argument, 0, O_RETRY_AFTER}, {"seed", required_argument, 0, O_SEED},
		{"max-conns", required_argument, 0, O_CONNS}, {"max-conns-per-ip", required_argument, 0, O_PER_IP},
		{"head-timeout", required_argument, 0, O_HEAD_TIMEOUT},
		{"max-message-bytes", required_argument, 0, O_MAXMSG}, CLI_COMMON_LONGOPTS, {0, 0, 0, 0},
	};
	int c;
	opt.fail_status[0] = 503;
	opt.nfail_status = 1;
	while ((c = getopt_long(argc, argv, "d:l:p:qhV", lo, NULL)) != -1) {
		switch (c) {
		case 'd': opt.dir = optarg; break;
		case 'l': opt.listen = optarg; break;
		case 'p': opt.port = (unsigned)opt_uint("--port", optarg, 0, 65535); break;
		case O_PORT_FILE: opt.port_file = optarg; break;
		case O_KEYS: opt.key_file = optarg; break;
		case O_SOURCE: opt.source = optarg; break;
		case O_FAIL_RATE: opt.fail_rate = opt_double("--fail-rate", optarg, 0, 1); break;
		case O_FAIL_STATUS: parse_fail_status(optarg); break;
		case O_RETRY_AFTER: opt.retry_after = (unsigned)opt_uint("--retry-after", optarg, 0, 86400); break;
		case O_SEED: opt.seed = opt_uint("--seed", optarg, 0, UINT64_MAX); break;
		case O_CONNS: opt.max_conns = (unsigned)opt_uint("--max-conns", optarg, 1, 10000); break;
		case O_PER_IP: opt.per_ip = (unsigned)opt_uint("--max-conns-per-ip", optarg, 0, 10000); break;
		case O_HEAD_TIMEOUT: opt.head_timeout = (unsigned)opt_uint("--head-timeout", optarg, 1, 3600); break;
		case O_MAXMSG: opt.max_message = opt_uint("--max-message-bytes", optarg, 2, SEG_TRACK_MESSAGE_MAX); break;
		default: cli_common_option(c, optarg, &opt.common, usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected operand '%s'", argv[optind]);
	if (!opt.dir)
		usage_error("-d DIR is required");
}

int main(int argc, char **argv)
{
	cli_init(argv[0]);
	stats_init(&st);
	parse_options(argc, argv);
	load_keys();
	char err[512];
	if (!(sw = segw_open(opt.dir, err, sizeof err)))
		die(errno == EWOULDBLOCK ? EX_TEMPFAIL : EX_IOERR, "%s", err);
	if (segw_repaired(sw) && !opt.common.quiet)
		warnmsg("%llu bytes of torn gzip members cut off (unacknowledged requests of a crashed run)",
		        (unsigned long long)segw_repaired(sw));
	static const char *const counters[] = {"requests", "messages", "dropped", "faults", NULL};
	for (int i = 0; counters[i]; i++)
		stats_add(&st, counters[i], 0);

	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	struct httpd_conf hc = {
		.listen = opt.listen, .port = opt.port, .per_ip = opt.per_ip, .max_conns = opt.max_conns,
		.head_timeout = opt.head_timeout, .handler = on_request, .completed = on_completed,
	};
	unsigned port;
	struct MHD_Daemon *d = httpd_start(&hc, &port);
	if (opt.port_file)
		httpd_port_file(opt.port_file, port);
	if (!opt.common.quiet)
		fprintf(stderr, "%s: listening on %s port %u, writing %s/segment-logs\n", progname,
		        opt.listen, port, opt.dir);
	int sig;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	segw_close(sw);
	stats_summary(&st, opt.common.quiet);
	if (opt.common.stats_file && stats_write(&st, opt.common.stats_file) < 0)
		die(EX_IOERR, "%s: %s", opt.common.stats_file, strerror(errno));
	stats_free(&st);
	return EX_DONE;
}
