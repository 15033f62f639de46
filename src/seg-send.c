/* seg-send: Segment messages (NDJSON, from seg-make or seg-fetch) to
 * Segment's HTTP Tracking API, POST /v1/batch, with the write key as Basic
 * auth user. Segment's limits are kept before sending: a message over 32 KB
 * is rejected with a reason; batches are cut at 480 KB (--max-batch-bytes,
 * at most Segment's 500 KB) and 2,500 messages (above that Segment answers
 * 200 and drops the rest). Connection errors, 408, 429 (waiting at least
 * Retry-After / X-RateLimit-Reset) and 5xx are retried with backoff
 * (lib/retry); a 400 splits a batch into single messages, and a message
 * answered 400 alone goes to --failed with the answer. --checkpoint keeps
 * the content hashes of the batches Segment accepted, so a re-run (after a
 * kill) sends only the rest; messageIds are sent as they are, so what was
 * sent twice is deduplicated by Segment. The transport is lib/dataapi's
 * curl multi client. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "checkpoint.h"
#include "cli.h"
#include "dataapi.h"
#include "frame.h"
#include "json.h"
#include "redact.h"
#include "retry.h"
#include "seglimits.h"
#include "sha256.h"

#define URL_US "https://api.segment.io/v1/batch"
#define URL_EU "https://events.eu1.segmentapis.com/v1/batch"

/* one request: a batch, or one message of a batch Segment refused */
struct batch {
	struct dapi_req req;
	char id[48];
	size_t count;
	unsigned tries, retries;
	uint64_t first_ms, due_ms, start_ms;
	int waiting;               /* queued for a retry at due_ms */
	struct batch *next;
};

struct sender {
	struct frame io;
	struct dapi_config conf;
	struct dapi_client api;
	struct retry_policy pol;
	struct checkpoint ckpt;
	int have_ckpt;
	struct writer failed;
	int have_failed;
	struct buf cur;            /* the batch being filled: {"batch":[m,m,...  */
	size_t cur_count;
	size_t max_bytes, max_count, jobs;
	double max_rps;
	uint64_t next_send_ms;
	struct batch *queue;       /* waiting to be sent or retried */
	size_t active;             /* in flight or queued */
	int stop;                  /* an exit code that ends the run, or 0 */
	struct buf why_stop;
	const char *secrets[3];
	struct json_members mem;
	uint64_t bytes;
};

static void usage(void)
{
	printf("usage: seg-send [options] [FILE...]\n"
	       "Send Segment messages (NDJSON) to Segment's Tracking API, POST /v1/batch.\n"
	       "The write key is $SEGMENT_WRITE_KEY or the first line of --write-key-file.\n\n"
	       "      --region us|eu         Segment's endpoint for the workspace's region (default us)\n"
	       "      --url URL              another endpoint: a base URL or its /v1/batch\n"
	       "      --write-key-file FILE  read the write key from FILE\n"
	       "  -o, --output FILE          one result record per batch (default stdout)\n"
	       "  -r, --rejects FILE         messages that cannot be sent (too large, not JSON, no type)\n"
	       "      --failed FILE          messages Segment refused, with its answer\n"
	       "      --checkpoint FILE      remember accepted batches; a re-run skips them\n"
	       "      --max-batch-bytes N    request size limit (default 480K, at most 500K)\n"
	       "      --batch-size N         messages per request (default and most 2500)\n"
	       "      --max-rps N            requests a second at most (default 500)\n"
	       "  -j, --jobs N               requests in flight (default 4)\n"
	       RETRY_USAGE
	       "      --cacert FILE          CA bundle for the endpoint's certificate\n"
	       "      --stats FILE           write the end summary as JSON to FILE\n"
	       "  -q, --quiet                no summary line\n"
	       "      --progress, --no-progress  force the progress line on or off\n"
	       "  -h, --help                 this help\n"
	       "  -V, --version              version\n\n"
	       "Exit status: 0 all sent, 1 some rejected or failed, 64 usage, 66 input not found,\n"
	       "69 Segment unavailable after all retries, 74 I/O error, 75 stopped (re-run to continue),\n"
	       "77 write key refused, 78 configuration error.\n");
}

/* ---- answers ---------------------------------------------------------------- */

static void stop_run(struct sender *S, int code, const char *fmt, const char *detail)
{
	if (S->stop)
		return;
	S->stop = code;
	buf_reset(&S->why_stop);
	buf_printf(&S->why_stop, fmt, detail);
}

/* describe: the answer of a finished request in one line, redacted */
static void describe(struct sender *S, const struct batch *b, struct buf *out)
{
	struct buf raw = BUF_INIT;
	if (b->req.cc != CURLE_OK)
		buf_printf(&raw, "curl: %s", b->req.errbuf[0] ? b->req.errbuf : curl_easy_strerror(b->req.cc));
	else {
		buf_printf(&raw, "HTTP %ld", b->req.status);
		if (b->req.resp.len) {
			buf_adds(&raw, ": ");
			for (size_t i = 0; i < b->req.resp.len && i < 1000; i++) {
				unsigned char ch = (unsigned char)b->req.resp.p[i];
				buf_addc(&raw, ch < 0x20 || ch == 0x7f ? ' ' : (char)ch);
			}
		}
	}
	redact_text(out, raw.p, raw.len, S->secrets);
	buf_free(&raw);
}

static void result(struct sender *S, const char *id, size_t count, const char *status,
                   unsigned tries, uint64_t ms, const char *error)
{
	struct buf r = BUF_INIT;
	buf_printf(&r, "{\"_batch\":\"%s\",\"messages\":%zu,\"status\":\"%s\",\"attempts\":%u,\"ms\":%llu",
	           id, count, status, tries, (unsigned long long)ms);
	if (error) {
		buf_adds(&r, ",\"error\":");
		json_write_str(&r, error, strlen(error));
	}
	buf_addc(&r, '}');
	w_line(&S->io.out, r.p, r.len);
	buf_free(&r);
}

/* batch_free */
static void batch_free(struct sender *S, struct batch *b)
{
	buf_free(&b->req.body);
	buf_free(&b->req.resp);
	free(b);
	S->active--;
}

/* enqueue: at the end of the queue, so requests go in input order */
static void enqueue(struct sender *S, struct batch *b, uint64_t due)
{
	struct batch **pp = &S->queue;
	b->due_ms = due;
	b->waiting = 1;
	b->next = NULL;
	while (*pp)
		pp = &(*pp)->next;
	*pp = b;
}

/* split: a batch Segment refused as a whole becomes one request per message */
static void split(struct sender *S, struct batch *b)
{
	struct json_slice arr, m;
	struct json_iter it;
	size_t k = 0;
	json_get((struct json_slice){b->req.body.p, b->req.body.len, JSON_OBJECT}, "batch", &arr);
	json_iter_init(&it, arr);
	while (json_iter_next(&it, NULL, &m)) {
		struct batch *one = xcalloc(1, sizeof *one);
		snprintf(one->id, sizeof one->id, "%.32s/%zu", b->id, ++k);
		if (S->have_ckpt && ckpt_has(&S->ckpt, one->id, strlen(one->id))) {
			stats_add(&S->io.st, "skipped", 1);   /* accepted alone by an earlier run */
			result(S, one->id, 1, "skipped", 0, 0, NULL);
			free(one);
			continue;
		}
		buf_adds(&one->req.body, "{\"batch\":[");
		buf_add(&one->req.body, m.p, m.n);
		buf_adds(&one->req.body, "]}");
		one->count = 1;
		one->first_ms = now_ms();
		S->active++;
		enqueue(S, one, 0);
	}
	stats_add(&S->io.st, "split", 1);
	batch_free(S, b);
}

/* failed: a message Segment refused alone: to --failed with the answer */
static void failed(struct sender *S, struct batch *b, const char *why)
{
	struct json_slice arr, m;
	struct json_iter it;
	json_get((struct json_slice){b->req.body.p, b->req.body.len, JSON_OBJECT}, "batch", &arr);
	json_iter_init(&it, arr);
	struct buf r = BUF_INIT;
	while (json_iter_next(&it, NULL, &m)) {
		buf_reset(&r);
		buf_printf(&r, "{\"_batch\":\"%s\",\"error\":", b->id);
		json_write_str(&r, why, strlen(why));
		buf_adds(&r, ",\"message\":");
		buf_add(&r, m.p, m.n);
		buf_addc(&r, '}');
		if (S->have_failed)
			w_line(&S->failed, r.p, r.len);
		else
			diag(b->id, 0, "refused by Segment: %s", why);
	}
	buf_free(&r);
	stats_add(&S->io.st, "failed", b->count);
	result(S, b->id, b->count, "failed", b->tries, now_ms() - b->first_ms, why);
}

static void accepted(struct sender *S, struct batch *b)
{
	if (S->have_ckpt) {
		ckpt_add(&S->ckpt, b->id, strlen(b->id));
		if (ckpt_sync(&S->ckpt) < 0)
			die(EX_IOERR, "%s: %s", S->ckpt.path, strerror(errno));
	}
	stats_add(&S->io.st, "sent", b->count);
	result(S, b->id, b->count, "sent", b->tries, now_ms() - b->first_ms, NULL);
}

/* finished: what an answer means for the batch and the run */
static void finished(struct sender *S, struct batch *b)
{
	struct dapi_req *r = &b->req;
	struct buf why = BUF_INIT;
	if (r->cc == CURLE_OK && r->status >= 200 && r->status <= 299) {
		accepted(S, b);
		batch_free(S, b);
		return;
	}
	describe(S, b, &why);
	buf_cstr(&why);
	int transient = r->cc != CURLE_OK ? r->cc != CURLE_ABORTED_BY_CALLBACK && retry_curl_transient((int)r->cc, 0)
	                                  : retry_http_transient(r->status);
	uint64_t wait, ra = r->retry_after_ms > r->ratelimit_reset_ms ? r->retry_after_ms : r->ratelimit_reset_ms;
	if (r->cc == CURLE_ABORTED_BY_CALLBACK) {
		batch_free(S, b);
	} else if (transient && retry_next(&S->pol, b->retries, now_ms() - b->first_ms, ra, &wait)) {
		b->retries++;
		stats_add(&S->io.st, "retries", 1);
		enqueue(S, b, now_ms() + wait);
	} else if (transient) {
		stop_run(S, S->have_ckpt ? EX_TEMPFAIL : EX_UNAVAILABLE, "Segment unavailable after all retries: %s", why.p);
		batch_free(S, b);
	} else if (r->status == 401 || r->status == 403) {
		stop_run(S, EX_NOPERM, "the write key was refused: %s", why.p);
		batch_free(S, b);
	} else if ((r->status == 400 || r->status == 413) && b->count > 1) {
		split(S, b);
	} else if (r->status == 400 || r->status == 413) {
		failed(S, b, why.p);
		batch_free(S, b);
	} else {
		stop_run(S, EX_CONFIG, "not Segment's Tracking API: %s", why.p);
		batch_free(S, b);
	}
	buf_free(&why);
}

/* ---- the send loop ------------------------------------------------------------ */

static void start(struct sender *S, struct batch *b)
{
	b->waiting = 0;
	b->tries++;
	b->start_ms = now_ms();
	if (S->max_rps > 0) {
		uint64_t gap = (uint64_t)(1000.0 / S->max_rps);
		S->next_send_ms = (S->next_send_ms > b->start_ms ? S->next_send_ms : b->start_ms) + gap;
	}
	b->req.user = b;
	dapi_send(&S->api, &b->req);
}

/* start_due: send queued requests whose time has come, within --jobs and
 * --max-rps; the wait until the next one could go (ms) */
static uint64_t start_due(struct sender *S)
{
	uint64_t now = now_ms(), wait = 100;
	struct batch **pp = &S->queue;
	while (*pp) {
		struct batch *b = *pp;
		if (S->api.in_flight >= S->jobs)
			break;
		uint64_t at = b->due_ms > S->next_send_ms ? b->due_ms : S->next_send_ms;
		if (at > now) {
			if (at - now < wait)
				wait = at - now;
			pp = &b->next;
			continue;
		}
		*pp = b->next;
		start(S, b);
		now = now_ms();
	}
	return wait;
}

/* pump: drive the requests until fewer than limit are active (0: none) */
static void pump(struct sender *S, size_t limit)
{
	while (S->active > limit || (limit == 0 && S->active)) {
		if (cli_stop_signal && !S->stop) {
			stop_run(S, EX_TEMPFAIL, "stopped by signal %s", cli_stop_signal == SIGINT ? "INT" : "TERM");
		}
		if (S->stop) {
			dapi_abort_all(&S->api);
			while (S->queue) {
				struct batch *b = S->queue;
				S->queue = b->next;
				batch_free(S, b);
			}
		} else {
			uint64_t wait = start_due(S);
			int ready;
			if (dapi_poll(&S->api, -1, (int)(wait > 100 ? 100 : wait), &ready) < 0)
				die(EX_IOERR, "libcurl: the multi interface failed");
		}
		struct dapi_req *r;
		while ((r = dapi_done(&S->api)))
			finished(S, r->user);
		if (S->stop && !S->api.in_flight && !S->queue)
			break;
	}
}

/* seal: the batch being filled becomes a request (or is skipped: its
 * content hash is in the checkpoint) */
static void seal(struct sender *S)
{
	if (!S->cur_count)
		return;
	buf_adds(&S->cur, "]}");
	unsigned char h[32];
	struct batch *b = xcalloc(1, sizeof *b);
	sha256_2(S->cur.p, S->cur.len, NULL, 0, h);
	hex_encode(h, 16, b->id);
	b->count = S->cur_count;
	stats_add(&S->io.st, "batches", 1);
	if (S->have_ckpt && ckpt_has(&S->ckpt, b->id, strlen(b->id))) {
		stats_add(&S->io.st, "skipped", b->count);
		result(S, b->id, b->count, "skipped", 0, 0, NULL);
		free(b);
	} else {
		b->req.body = S->cur;
		S->cur = (struct buf)BUF_INIT;
		b->first_ms = now_ms();
		S->active++;
		enqueue(S, b, 0);
		start_due(S);        /* at once, not when --jobs batches are waiting */
		pump(S, S->jobs);
	}
	buf_reset(&S->cur);
	S->cur_count = 0;
}

/* check_message: NULL when a line can be sent, else the reject reason */
static const char *check_message(struct sender *S, const struct line *l, char *detail, size_t n)
{
	struct json_slice t;
	const char *reason = frame_parse_object(l, LINE_MAX_DEFAULT, 0, &S->mem, "message", detail, n);
	if (reason)
		return reason;
	if (l->len > SEG_TRACK_MESSAGE_MAX) {
		snprintf(detail, n, "message of %zu bytes is over Segment's limit of %d", l->len,
		         SEG_TRACK_MESSAGE_MAX);
		return "too_large";
	}
	if (!json_members_get(&S->mem, "type", &t) || t.type != JSON_STRING) {
		snprintf(detail, n, "a message sent in a batch needs a \"type\"");
		return "missing_type";
	}
	return NULL;
}

static void add_message(struct sender *S, const char *p, size_t n)
{
	if (S->cur_count && (S->cur_count == S->max_count || S->cur.len + 1 + n + 2 > S->max_bytes))
		seal(S);
	buf_adds(&S->cur, S->cur_count ? "," : "{\"batch\":[");
	buf_add(&S->cur, p, n);
	S->cur_count++;
}

static int send_stream(void *ctx, int fd, const char *name)
{
	struct sender *S = ctx;
	struct lreader r;
	struct line l;
	char detail[512];
	int rc;
	lr_init_fd(&r, fd, name, LINE_MAX_DEFAULT);
	while (!S->stop && !cli_stop_signal && (rc = lr_next(&r, &l)) == 1) {
		S->bytes += l.len + 1;
		if (line_blank(&l)) {
			stats_add(&S->io.st, "blank", 1);
			continue;
		}
		stats_add(&S->io.st, "in", 1);
		const char *reason = check_message(S, &l, detail, sizeof detail);
		if (reason)
			reject(&S->io.rej, reason, detail, name, l.lineno, l.p, l.len);
		else
			add_message(S, l.p, l.len);
		progress_tick(&S->io.prog, stats_get(&S->io.st, "in"), S->bytes);
	}
	if (S->stop || cli_stop_signal) {
		lr_free(&r);
		return 1;
	}
	if (rc < 0)
		diag(name, 0, "read error after line %llu: %s", (unsigned long long)r.lineno, strerror(errno));
	lr_free(&r);
	return rc < 0 ? -1 : 0;
}

/* ---- set-up ------------------------------------------------------------------------ */

static char *read_key(const char *file)
{
	if (!file) {
		const char *k = getenv("SEGMENT_WRITE_KEY");
		if (!k || !*k)
			die(EX_CONFIG, "no write key: set SEGMENT_WRITE_KEY or give --write-key-file");
		return xstrdup(k);
	}
	FILE *f = fopen(file, "r");
	if (!f)
		die(EX_CONFIG, "%s: %s", file, strerror(errno));
	char line[4096];
	if (!fgets(line, sizeof line, f))
		line[0] = 0;
	fclose(f);
	line[strcspn(line, "\r\n")] = 0;
	if (!line[0])
		die(EX_CONFIG, "%s: the first line holds no write key", file);
	return xstrdup(line);
}

static char *batch_url(const char *u)
{
	size_t n = strlen(u);
	while (n && u[n - 1] == '/')
		n--;
	struct buf b = BUF_INIT;
	buf_add(&b, u, n);
	if (n < 9 || strcmp(buf_cstr(&b) + n - 9, "/v1/batch") != 0)
		buf_adds(&b, "/v1/batch");
	if (strncmp(b.p, "http://", 7) != 0 && strncmp(b.p, "https://", 8) != 0)
		usage_error("--url: expected http:// or https://, not '%s'", u);
	return (char *)buf_cstr(&b);
}

static void open_checkpoint(struct sender *S, const char *path)
{
	if (ckpt_open(&S->ckpt, path) < 0)
		die(errno == EWOULDBLOCK ? EX_TEMPFAIL : EX_IOERR, "%s: %s", path,
		    errno == EWOULDBLOCK ? "in use by another run" : strerror(errno));
	int b = ckpt_bind(&S->ckpt, S->conf.url, NULL);
	if (b == -1)
		die(EX_CONFIG, "%s: a checkpoint of another target (%s)", path, buf_cstr(&S->ckpt.target));
	if (b == -2)
		die(EX_IOERR, "%s: %s", path, strerror(errno));
	S->have_ckpt = 1;
}

static int finish(struct sender *S, int status)
{
	seal(S);
	pump(S, 0);
	if (S->stop) {
		warnmsg("%s", buf_cstr(&S->why_stop));
		status = S->stop;
	}
	if (S->have_failed)
		w_close(&S->failed);
	if (S->have_ckpt && ckpt_close(&S->ckpt) < 0)
		die(EX_IOERR, "%s: %s", S->ckpt.path, strerror(errno));
	if (status == EX_DONE && stats_get(&S->io.st, "failed"))
		status = EX_REJECTED;
	return frame_close(&S->io, status);
}

int main(int argc, char **argv)
{
	enum { O_REGION = 256, O_URL, O_KEYFILE, O_FAILED, O_CKPT, O_MAXBYTES, O_BATCH, O_RPS,
	       O_CACERT };
	static const struct option opts[] = {
		{"region", required_argument, 0, O_REGION}, {"url", required_argument, 0, O_URL},
		{"write-key-file", required_argument, 0, O_KEYFILE}, {"output", required_argument, 0, 'o'},
		{"rejects", required_argument, 0, 'r'}, {"failed", required_argument, 0, O_FAILED},
		{"checkpoint", required_argument, 0, O_CKPT}, {"max-batch-bytes", required_argument, 0, O_MAXBYTES},
		{"batch-size", required_argument, 0, O_BATCH}, {"max-rps", required_argument, 0, O_RPS},
		{"jobs", required_argument, 0, 'j'}, RETRY_LONGOPTS, {"cacert", required_argument, 0, O_CACERT},
		CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
	static struct sender S;
	const char *out = "-", *rejects = NULL, *failed_file = NULL, *ckpt = NULL, *keyfile = NULL;
	const char *url = URL_US;
	struct cli_common common = CLI_COMMON_INIT;
	int c;
	cli_init(argv[0]);
	retry_policy_defaults(&S.pol);
	S.max_bytes = SEG_TRACK_BATCH_SAFE;
	S.max_count = SEG_TRACK_BATCH_COUNT;
	S.jobs = 4;
	S.max_rps = 500;
	while ((c = cli_getopt(argc, argv, "o:r:j:qhV", opts)) != -1) {
		switch (c) {
		case O_REGION:
			if (strcmp(optarg, "us") == 0) url = URL_US;
			else if (strcmp(optarg, "eu") == 0) url = URL_EU;
			else usage_error("--region: expected us or eu, not '%s'", optarg);
			break;
		case O_URL: url = optarg; break;
		case O_KEYFILE: keyfile = optarg; break;
		case 'o': out = optarg; break;
		case 'r': rejects = optarg; break;
		case O_FAILED: failed_file = optarg; break;
		case O_CKPT: ckpt = optarg; break;
		case O_MAXBYTES:
			S.max_bytes = opt_size("--max-batch-bytes", optarg);
			if (S.max_bytes < SEG_TRACK_MESSAGE_MAX + 12 || S.max_bytes > SEG_TRACK_REQUEST_MAX)
				usage_error("--max-batch-bytes: between 32K+12 and Segment's 500K");
			break;
		case O_BATCH: S.max_count = opt_uint("--batch-size", optarg, 1, SEG_TRACK_BATCH_COUNT); break;
		case O_RPS: S.max_rps = opt_double("--max-rps", optarg, 0, 1e6); break;
		case 'j': S.jobs = opt_uint("--jobs", optarg, 1, 256); break;
		case O_CACERT: S.conf.cacert = optarg; break;
		default:
			if (!retry_option(&S.pol, c, optarg))
				cli_common_option(c, optarg, &common, usage);
		}
	}
	char *key = read_key(keyfile);
	struct buf b64 = BUF_INIT, kc = BUF_INIT;
	buf_printf(&kc, "%s:", key);
	base64_encode(&b64, kc.p, kc.len);
	S.secrets[0] = key;
	S.secrets[1] = buf_cstr(&b64);
	S.conf.url = batch_url(url);
	S.conf.user = key;
	S.conf.password = "";
	S.conf.connect_timeout_ms = 10000;
	S.conf.timeout_ms = 60000;
	S.conf.max_conns = (long)S.jobs;
	S.conf.user_agent = "seg-send (segpipe " SEGPIPE_VERSION ")";
	static const char *const counters[] = {"in", "sent", "skipped", "rejected", "failed", "batches",
	                                       "retries", "split", NULL};
	struct frame_opts fo = FRAME_OPTS_INIT(SEG_JSON_DEPTH, SEG_DEPTH_MAX);
	fo.out = out;
	fo.rejects = rejects;
	fo.common = common;
	frame_open(&S.io, &fo, counters);
	S.io.out.epipe_discard = 1;   /* a closed result pipe never stops the sending */
	if (failed_file) {
		if (w_open(&S.failed, failed_file) < 0)
			die(EX_IOERR, "%s: %s", failed_file, strerror(errno));
		S.have_failed = 1;
	}
	if (ckpt)
		open_checkpoint(&S, ckpt);
	char err[256];
	if (dapi_client_init(&S.api, &S.conf, err, sizeof err) < 0)
		die(EX_IOERR, "%s", err);
	cli_stop_on_signal();
	int status = frame_operands(argc - optind, argv + optind, send_stream, &S);
	status = finish(&S, status);
	dapi_client_free(&S.api);
	json_members_free(&S.mem);
	memset(key, 0, strlen(key));
	free(key);
	buf_free(&b64);
	buf_free(&kc);
	buf_free(&S.cur);
	buf_free(&S.why_stop);
	free((char *)S.conf.url);
	return status;
}
