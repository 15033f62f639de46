/* load.c: s2-load's engine (see load.h): send seg-batch's batch records
 * (and DDL records) to SingleStore's Data API, -j requests at a time,
 * retrying what a retry may cure, splitting what is too large, and
 * recording every committed batch id in a checkpoint before its result line
 * is written, so that a re-run after any crash skips exactly what was
 * committed. One result record per input record. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "batchsplit.h"
#include "checkpoint.h"
#include "cli.h"
#include "dataapi.h"
#include "frame.h"
#include "load.h"
#include "sha256.h"
#include "json.h"
#include "seglimits.h"
#include "lineio.h"
#include "redact.h"
#include "reject.h"
#include "retry.h"
#include "s2conn.h"
#include "sqlinsert.h"
#include "stats.h"

/* Lock conflicts are retried at least this often (see retry_or_give_up). */
#define LOCK_RETRIES_MIN 100

enum piece_status { P_LOADED, P_SKIPPED, P_FAILED, P_ABANDONED };

/* A batch record read in two parts (parse_split): its body is line[at..at+n). */
struct split_rec {
	size_t at, n;
};

/* A job is one request to send: an input record (a root) or, after a
 * split, a piece of one. Pieces point at their root, which adds up their
 * outcomes and writes the one result line when the last piece is done. */
struct job {
	struct job *root;        /* itself for a root */
	struct job *next;        /* in the ready or waiting list */
	char *id, *table;
	uint64_t rows;
	int is_ddl;
	struct dapi_req req;     /* req.body: the body with "database" added */
	unsigned tries;          /* requests sent for this piece */
	int bad_answer;          /* the last answer was a 2xx that is not the Data API's */
	struct lane *lane;       /* an upsert piece: its table's lane, else NULL */
	unsigned lock_retries;   /* of them, retries after a lock conflict */
	uint64_t first_ms, due_ms;
	/* root only */
	struct buf line;         /* the input record, for the failed file; when
	                          * body_n > 0, only the bytes around its body,
	                          * which req.body holds (see root_line) */
	size_t body_at, body_n;  /* where the body was in the record, its length */
	const char *input;
	uint64_t lineno;
	uint64_t start_ms, affected;
	unsigned pending, parts, attempts, nloaded, nskipped, nfailed, nabandoned;
	struct buf error;
};

/* A lane orders the upsert ("latest wins") pieces of one table: one piece
 * at a time is released to be sent, in input order, and the next only once
 * it is committed, so that batches touching the same keys can never commit
 * out of order, whatever -j, retries or splits do. After a final failure
 * the rest of the lane is not sent (a re-run sends it after the failed
 * batch, in order). */
struct lane {
	struct lane *next;
	char *table;
	struct job *head, *tail;  /* waiting pieces, not yet released */
	int busy;                 /* a released piece is not finished yet */
	int blocked;              /* a piece failed: send nothing more */
};

/* The command line beyond what lands in struct loader. */
struct load_opts {
	const char *out, *failed, *ckpt;
	struct cli_common common;
};

struct loader {
	struct dapi_config conf;
	struct dapi_client api;
	struct retry_policy retry;
	unsigned jobs;           /* -j */
	double window;           /* requests allowed in flight now, 1..jobs */
	uint64_t last_cut_ms;
	uint64_t max_body, max_failures;
	int no_ddl;
	struct checkpoint ckpt;
	int have_ckpt;
	struct frame io;         /* io.out: the result lines; io.st: the counters;
	                          * in a chain, what the batch stage knows of a line */
	struct rejects failed;   /* the --failed file: failed batches and bad records */
	struct buf results;      /* result lines waiting for the checkpoint sync */
	struct job *ready, *ready_tail, *waiting;
	unsigned active;         /* pieces not finished */
	uint64_t failures;
	int stopping, interrupted, unavailable, auth, config;
	int quiet;               /* -q: no retry lines, no summary */
	int draining;            /* stopped: the rest of the input is counted, not sent */
	uint64_t not_attempted;  /* records left for a re-run */
	struct lane *lanes;
	struct s2conn conn;      /* connection options; conn.secrets are redacted from anything written */
	struct buf why_stop;
	int progress;
	uint64_t prog_last, bytes_sent;
	struct buf env;          /* a batch record's envelope (see parse_split) */
	struct json_members body_mem;  /* its body's members */
	struct buf upsert_sql;   /* the last "sql" slice is_upsert decided, */
	int upsert_last;         /* and what it decided */
	struct json_members mem; /* the current record's members */
	struct load_opts o;
};

/* Spare body buffers. A batch body is about 1 MB: a new one for every
 * request costs page faults and brk or munmap calls that were a third of
 * s2-load's CPU. At most -j + 2 are kept (bodies in flight, one being
 * read, one being built), so memory stays bounded. */
static struct {
	struct buf *b;
	size_t n, max;
} spare;

/* keep_heap: glibc gives the top of its heap back to the kernel when more
 * than about 2 MB there is free, and the next request's MB-sized buffers
 * (libcurl's upload buffer is allocated and freed per request) fault its
 * pages in again: with -j 4 that was 50 000 page faults and a fifth more
 * CPU than -j 1. Keep up to 64 MB; memory stays bounded by what -j
 * requests in flight need. */
static void keep_heap(void)
{
#if defined(M_TRIM_THRESHOLD) && defined(M_MMAP_THRESHOLD)
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

/* body_take: an empty body buffer, reusing a spare one's memory. */
static void body_take(struct buf *b)
{
	if (spare.n)
		*b = spare.b[--spare.n];
	else
		*b = (struct buf)BUF_INIT;
	buf_reset(b);
}

/* body_give: b's memory back to the spares (or freed); b is emptied. */
static void body_give(struct buf *b)
{
	if (b->p && spare.n < spare.max)
		spare.b[spare.n++] = *b;
	else
		buf_free(b);
	*b = (struct buf)BUF_INIT;
}

static void usage(void)
{
	printf("usage: s2-load [options] [FILE...]\n"
	       "Send batch and DDL records to SingleStore's Data API; one result record per input record.\n\n"
	       "Target:\n"
	       "      --url URL              base URL of the Data API (http://host:9000) or its /api/v2/exec\n"
	       "      --host HOST            target host, HTTPS (instead of --url)\n"
	       "      --port N               port with --host (default 443)\n"
	       "  -d, --database NAME        database added to every request\n"
	       "  -u, --user NAME            user (default $S2_USER); password from $S2_PASSWORD,\n"
	       "      --password-file FILE   the first line of FILE, or .netrc\n"
	       "      --netrc-file FILE      look up credentials in FILE instead of ~/.netrc\n"
	       "      --token-file FILE      a JWT sent as Bearer instead of a password\n"
	       "      --cacert FILE          CA certificates to verify the server with\n"
	       "      --insecure             do not verify the server's certificate\n"
	       "Loading:\n"
	       "  -j, --jobs N               requests in flight (default 4)\n"
	       "      --checkpoint FILE      skip ids in FILE; append each committed id\n"
	       "      --failed FILE          write failed batch records (with \"error\") to FILE\n"
	       "      --max-failures N       failed batches tolerated before stopping (default 0)\n"
	       "      --max-body N           split bodies larger than N bytes (default 1000000, 0 = never)\n"
	       "      --no-ddl               do not run DDL records\n"
	       "Network (TIME: 500ms, 2s, 1m, 1h; a bare number is seconds):\n"
	       RETRY_USAGE
	       "      --timeout TIME         per request (default 5m)\n"
	       "      --connect-timeout TIME (default 10s)\n"
	       "Output:\n"
	       "  -o, --output FILE          write result records to FILE (default stdout)\n"
	       "      --stats FILE           write the end summary as JSON to FILE\n"
	       "  -q, --quiet                no summary line\n"
	       "      --progress, --no-progress  force the progress line on or off\n"
	       "  -h, --help                 this help\n"
	       "  -V, --version              version\n\n"
	       "Exit status: 0 all loaded, 1 some batches failed, 64 usage, 66 input not found,\n"
	       "69 target unavailable, 74 I/O error, 75 stopped with records not attempted (re-run to continue),\n"
	       "77 auth refused, 78 configuration error (wrong URL, a redirect, answers that are not the\n"
	       "Data API's, another target's checkpoint).\n");
}

/* ---- results ---------------------------------------------------------- */

/* add_result: queue the result line of a finished root; it is written after
 * the checkpoint holding its id has been synced. */
static void add_result(struct loader *L, struct job *r, const char *status)
{
	struct buf *b = &L->results;
	buf_adds(b, "{\"_batch\":");
	json_write_str(b, r->id, strlen(r->id));
	buf_adds(b, ",\"table\":");
	json_write_str(b, r->table, strlen(r->table));
	buf_printf(b, ",\"rows\":%llu,\"rowsAffected\":%llu,\"status\":\"%s\",\"attempts\":%u,\"ms\":%llu",
	           (unsigned long long)r->rows, (unsigned long long)r->affected, status, r->attempts,
	           (unsigned long long)(r->start_ms ? now_ms() - r->start_ms : 0));
	if (r->parts > 1)
		buf_printf(b, ",\"parts\":%u", r->parts);
	if (r->error.len) {
		buf_adds(b, ",\"error\":");
		json_write_str(b, r->error.p, r->error.len);
	}
	buf_adds(b, "}\n");
}

/* commit_results: sync the checkpoint, then write the queued result lines. */
static void commit_results(struct loader *L)
{
	if (L->have_ckpt && ckpt_sync(&L->ckpt) < 0)
		die(EX_IOERR, "%s: cannot write checkpoint: %s", L->ckpt.path, strerror(errno));
	if (L->results.len) {
		w_write(&L->io.out, L->results.p, L->results.len);
		buf_reset(&L->results);
		w_flush(&L->io.out);
	}
}

static void free_job(struct job *j)
{
	free(j->id);
	if (j->root == j)
		free(j->table);
	body_give(&j->req.body);
	buf_free(&j->req.resp);
	buf_free(&j->line);
	buf_free(&j->error);
	free(j);
}

/* count_failure: a batch failed (counted once, when all its pieces are
 * done, so the good rows of a batch with a bad one are loaded first). */
static void count_failure(struct loader *L)
{
	L->failures++;
	if (L->failures > L->max_failures && !L->stopping) {
		L->stopping = 1;
		buf_printf(&L->why_stop, "stopped after %llu failed batch%s (--max-failures %llu)",
		           (unsigned long long)L->failures, L->failures == 1 ? "" : "es",
		           (unsigned long long)L->max_failures);
	}
}

/* finish_root: every piece is done; write its result and free it. */
static void finish_root(struct loader *L, struct job *r)
{
	const char *status;
	if (r->nabandoned) {
		L->not_attempted++;
		free_job(r);   /* stopped before it was done: a re-run sends it again */
		return;
	}
	if (r->nfailed) {
		status = "failed";
		stats_add(&L->io.st, "failed", 1);
		count_failure(L);
	} else if (r->nloaded == 0) {
		status = "skipped";
		stats_add(&L->io.st, "skipped", 1);
	} else {
		status = "loaded";
		stats_add(&L->io.st, "loaded", 1);
		stats_add(&L->io.st, "rows", r->rows);
	}
	/* a split batch is committed when all its parts are */
	if (!r->nfailed && r->parts > 1 && L->have_ckpt)
		ckpt_add(&L->ckpt, r->id, strlen(r->id));
	stats_add(&L->io.st, "rowsAffected", r->affected);
	add_result(L, r, status);
	free_job(r);
}

static void finish_piece(struct loader *L, struct job *p, enum piece_status s);
static void push_ready(struct loader *L, struct job *j);

/* job_append: j at the end of the list head..tail (linked by next). */
static void job_append(struct job **head, struct job **tail, struct job *j)
{
	j->next = NULL;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

/* ---- lanes (upsert tables) -------------------------------------------- */

static struct lane *lane_of(struct loader *L, const char *table)
{
	struct lane *ln;
	for (ln = L->lanes; ln; ln = ln->next)
		if (strcmp(ln->table, table) == 0)
			return ln;
	ln = xcalloc(1, sizeof *ln);
	ln->table = xstrdup(table);
	ln->next = L->lanes;
	L->lanes = ln;
	return ln;
}

/* lane_add: queue p in ln, at its end or (a split's pieces) its front. */
static void lane_add(struct lane *ln, struct job *p, int front)
{
	p->lane = ln;
	if (front) {
		p->next = ln->head;
		ln->head = p;
		if (!ln->tail)
			ln->tail = p;
		return;
	}
	job_append(&ln->head, &ln->tail, p);
}

/* lane_release: send the lane's next piece when none is unfinished. */
static void lane_release(struct loader *L, struct lane *ln)
{
	if (ln->busy || !ln->head || L->stopping || ln->blocked)
		return;
	struct job *p = ln->head;
	ln->head = p->next;
	if (!ln->head)
		ln->tail = NULL;
	ln->busy = 1;
	push_ready(L, p);
}

/* lane_drop: the lane's waiting pieces are not sent in this run. */
static void lane_drop(struct loader *L, struct lane *ln)
{
	while (ln->head) {
		struct job *p = ln->head;
		ln->head = p->next;
		if (!ln->head)
			ln->tail = NULL;
		p->lane = NULL;
		finish_piece(L, p, P_ABANDONED);
	}
}

/* lane_done: p, the released piece of its lane, is finished. */
static void lane_done(struct loader *L, struct job *p, enum piece_status s)
{
	struct lane *ln = p->lane;
	p->lane = NULL;
	ln->busy = 0;
	if (s == P_FAILED)
		ln->blocked = 1;
	if (s == P_FAILED || s == P_ABANDONED)
		lane_drop(L, ln);
	else
		lane_release(L, ln);
}

static void lanes_free(struct loader *L)
{
	while (L->lanes) {
		struct lane *ln = L->lanes;
		L->lanes = ln->next;
		free(ln->table);
		free(ln);
	}
}

/* finish_piece: one request's final outcome, added up in its root. */
static void finish_piece(struct loader *L, struct job *p, enum piece_status s)
{
	struct job *r = p->root;
	if (p->lane)
		lane_done(L, p, s);
	switch (s) {
	case P_LOADED: r->nloaded++; break;
	case P_SKIPPED: r->nskipped++; break;
	case P_FAILED: r->nfailed++; break;
	case P_ABANDONED: r->nabandoned++; break;
	}
	r->attempts += p->tries;
	L->active--;
	if (p != r)
		free_job(p);
	else
		body_give(&p->req.body);
	if (--r->pending == 0)
		finish_root(L, r);
}

/* root_line: append the input record of root r (its body still in
 * r->req.body). A body is a JSON object, and dapi_body adds "database"
 * just before its closing brace: the body's bytes are those up to its
 * last one and a '}'. */
static void root_line(const struct job *r, struct buf *out)
{
	if (!r->body_n) {
		buf_add(out, r->line.p, r->line.len);
		return;
	}
	buf_add(out, r->line.p, r->body_at);
	buf_add(out, dapi_req_body(&r->req), r->body_n - 1);
	buf_addc(out, '}');
	buf_add(out, r->line.p + r->body_at, r->line.len - r->body_at);
}

/* write_failed: the failed batch record with its "error" into --failed, or
 * a diagnostic when no file was named. */
static void write_failed(struct loader *L, struct job *p, const char *err)
{
	struct job *r = p->root;
	if (!L->failed.to_file) {
		diag(r->input, r->lineno, "batch %s failed: %s", p->id, err);
		return;
	}
	struct buf b = BUF_INIT;
	if (p == r)
		root_line(r, &b);
	if (p == r && b.len > 1 && b.p[b.len - 1] == '}') {
		b.len--;
	} else {
		buf_reset(&b);
		buf_adds(&b, "{\"_batch\":");
		json_write_str(&b, p->id, strlen(p->id));
		buf_adds(&b, ",\"table\":");
		json_write_str(&b, r->table, strlen(r->table));
		buf_printf(&b, ",\"rows\":%llu,\"bytes\":%zu,\"body\":", (unsigned long long)p->rows,
		           dapi_req_body_len(&p->req));
		buf_add(&b, dapi_req_body(&p->req), dapi_req_body_len(&p->req));
	}
	buf_adds(&b, ",\"error\":");
	json_write_str(&b, err, strlen(err));
	buf_addc(&b, '}');
	w_line(&L->failed.w, b.p, b.len);
	w_flush(&L->failed.w);
	buf_free(&b);
}

/* fail_piece: a final failure of one request. */
static void fail_piece(struct loader *L, struct job *p, const char *err)
{
	struct job *r = p->root;
	if (!r->error.len)
		buf_adds(&r->error, err);
	write_failed(L, p, err);
	finish_piece(L, p, P_FAILED);
}

/* describe: why a request did not succeed, redacted of credentials. */
static void describe(const struct loader *L, const struct dapi_req *r, struct buf *out)
{
	struct buf t = BUF_INIT;
	dapi_describe(r, &t);
	redact_text(out, t.p, t.len, L->conn.secrets);
	buf_free(&t);
}

/* stop_run: stop sending for a reason that ends the whole run. */
static void stop_run(struct loader *L, int *flag, const char *what, const struct dapi_req *r)
{
	*flag = 1;
	if (!L->why_stop.len) {
		buf_adds(&L->why_stop, what);
		if (r) {
			buf_adds(&L->why_stop, ": ");
			describe(L, r, &L->why_stop);
		}
	}
	L->stopping = 1;
}

/* ---- sending ---------------------------------------------------------- */

static void push_ready(struct loader *L, struct job *j)
{
	job_append(&L->ready, &L->ready_tail, j);
}

static struct job *new_piece(struct job *root, const char *id, uint64_t rows)
{
	struct job *p = xcalloc(1, sizeof *p);
	p->root = root;
	p->id = xstrdup(id);
	p->table = root->table;
	p->rows = rows;
	p->req.user = p;
	return p;
}

/* split: replace piece p by two pieces holding half its rows each; ids are
 * p's id with "/1" and "/2" appended, so a re-run derives the same ids. */
static void split(struct loader *L, struct job *p, const char *cause)
{
	struct job *r = p->root;
	struct buf a = BUF_INIT, b = BUF_INIT, id = BUF_INIT;
	size_t rows[2];
	const char *why;
	if (batch_split(dapi_req_body(&p->req), dapi_req_body_len(&p->req), &a, &b, rows, &why) < 0) {
		struct buf e = BUF_INIT;
		buf_printf(&e, "%s and cannot be split: %s", cause, why);
		fail_piece(L, p, buf_cstr(&e));
		buf_free(&e);
		buf_free(&a);
		buf_free(&b);
		return;
	}
	stats_add(&L->io.st, "splits", 1);
	struct buf *halves[2] = { &a, &b };
	struct job *kept[2] = { NULL, NULL };
	for (int i = 0; i < 2; i++) {
		buf_reset(&id);
		buf_printf(&id, "%s/%d", p->id, i + 1);
		struct job *c = new_piece(r, buf_cstr(&id), rows[i]);
		c->req.body = *halves[i];
		r->pending++;
		L->active++;
		if (L->have_ckpt && ckpt_has(&L->ckpt, c->id, strlen(c->id)))
			finish_piece(L, c, P_SKIPPED);
		else if (p->lane)
			kept[i] = c;
		else
			push_ready(L, c);
	}
	/* an upsert piece's halves go first in its lane, in order; finishing
	 * p below releases the first */
	for (int i = 1; i >= 0; i--)
		if (kept[i])
			lane_add(p->lane, kept[i], 1);
	r->parts++;   /* p is replaced by two parts */
	buf_free(&id);
	r->attempts += p->tries;
	p->tries = 0;
	finish_piece(L, p, P_SKIPPED);  /* p is replaced: counts as neither loaded nor failed */
}

/* dispatch: send p, or split it first when it is over --max-body. */
static void dispatch(struct loader *L, struct job *p)
{
	if (L->max_body && dapi_req_body_len(&p->req) > L->max_body && !p->is_ddl) {
		char cause[96];
		snprintf(cause, sizeof cause, "body of %zu bytes is over --max-body %llu", dapi_req_body_len(&p->req),
		         (unsigned long long)L->max_body);
		split(L, p, cause);
		return;
	}
	uint64_t t = now_ms();
	if (!p->first_ms)
		p->first_ms = t;
	if (!p->root->start_ms)
		p->root->start_ms = t;
	p->tries++;
	L->bytes_sent += dapi_req_body_len(&p->req);
	dapi_send(&L->api, &p->req);
}

/* window: how many requests may be in flight now. */
static unsigned window(const struct loader *L)
{
	return L->window < 1 ? 1 : (unsigned)L->window;
}

/* congestion: the target says it is overloaded (429, 503, a lock
 * conflict): halve the window, at most once per 200 ms so that one burst
 * of answers counts once. Requests in flight are not cancelled. */
static void congestion(struct loader *L)
{
	uint64_t t = now_ms();
	if (t - L->last_cut_ms < 200)
		return;
	L->last_cut_ms = t;
	L->window = L->window / 2 < 1 ? 1 : L->window / 2;
	stats_add(&L->io.st, "window_cuts", 1);
}

/* send_ready: start ready pieces while fewer than the window (at most -j)
 * are in flight. */
static void send_ready(struct loader *L)
{
	while (L->ready && !L->stopping && L->api.in_flight < window(L)) {
		struct job *p = L->ready;
		L->ready = p->next;
		if (!L->ready)
			L->ready_tail = NULL;
		dispatch(L, p);
	}
}

/* wake_due: move waiting pieces whose backoff is over to the ready list;
 * returns the ms until the next one is due (or max). */
static int wake_due(struct loader *L, int max)
{
	uint64_t t = now_ms();
	struct job **pp = &L->waiting;
	int next = max;
	while (*pp) {
		struct job *p = *pp;
		if (p->due_ms <= t) {
			*pp = p->next;
			push_ready(L, p);
		} else {
			if (p->due_ms - t < (uint64_t)next)
				next = (int)(p->due_ms - t);
			pp = &p->next;
		}
	}
	return next;
}

/* abandon_queued: on stop, pieces not yet sent are left for a re-run. */
static void abandon_queued(struct loader *L)
{
	struct job *lists[2] = { L->ready, L->waiting };
	L->ready = L->ready_tail = L->waiting = NULL;
	for (int i = 0; i < 2; i++)
		while (lists[i]) {
			struct job *p = lists[i];
			lists[i] = p->next;
			finish_piece(L, p, P_ABANDONED);
		}
	for (struct lane *ln = L->lanes; ln; ln = ln->next)
		lane_drop(L, ln);
}

/* say_retry: "why; retrying in 8 s, 3 of 10" on stderr, as curl says its
 * retries (not with -q, nor for lock waits, which say nothing of the target). */
static void say_retry(const struct loader *L, const struct job *p, uint64_t wait_ms,
                      unsigned n, unsigned max)
{
	if (L->quiet)
		return;
	struct buf why = BUF_INIT;
	char in[32];
	describe(L, &p->req, &why);
	warnmsg("%s; retrying in %s, %u of %u", buf_cstr(&why), fmt_duration(in, sizeof in, wait_ms), n, max);
	buf_free(&why);
}

/* retry_or_give_up: schedule another try of a transient failure, or stop the
 * run: the target stayed unavailable through every retry. */
static void retry_or_give_up(struct loader *L, struct job *p)
{
	uint64_t wait;
	struct retry_policy pol = L->retry;
	if (L->stopping) {
		finish_piece(L, p, P_ABANDONED);
		return;
	}
	/* a deadlock or lock wait (a 400 the server says to retry) clears when
	 * the other transaction ends: wait milliseconds, not the network backoff,
	 * and count these apart: under heavy concurrency they are frequent and
	 * say nothing about the target being down */
	int lock = p->req.cc == CURLE_OK && p->req.status == 400;
	if (lock || p->req.status == 429 || p->req.status == 503)
		congestion(L);
	unsigned n = lock ? p->lock_retries : p->tries - 1 - p->lock_retries;
	if (lock) {
		if (pol.base_ms > 20)
			pol.base_ms = 20;
		if (pol.cap_ms > 1000)
			pol.cap_ms = 1000;
		if (pol.max_retries < LOCK_RETRIES_MIN)
			pol.max_retries = LOCK_RETRIES_MIN;
	}
	if (!retry_next(&pol, n, now_ms() - p->first_ms, p->req.retry_after_ms, &wait)) {
		if (p->req.cc == CURLE_COULDNT_RESOLVE_HOST)
			stop_run(L, &L->config, "the target's host name does not resolve (after all retries)", &p->req);
		else if (p->bad_answer)
			stop_run(L, &L->config, "the target's answers are not the Data API's (is --url the Data API?)", &p->req);
		else
			stop_run(L, &L->unavailable, "target unavailable after all retries", &p->req);
		finish_piece(L, p, P_ABANDONED);
		return;
	}
	stats_add(&L->io.st, "retries", 1);
	if (!lock)
		say_retry(L, p, wait, n + 1, pol.max_retries);
	p->lock_retries += lock;
	p->due_ms = now_ms() + wait;
	p->next = L->waiting;
	L->waiting = p;
}

/* ddl_done_anyway: DDL errors that mean the change is already there. */
static int ddl_done_anyway(const struct job *p)
{
	int e = p->req.status == 400 ? dapi_sql_errno(p->req.resp.p, p->req.resp.len) : 0;
	return p->is_ddl && (e == 1050 || e == 1060 || e == 1061);
}

/* split_or_abandon: split a piece the server refused as a whole, or
 * abandon it when the run is stopping. */
static void split_or_abandon(struct loader *L, struct job *p, struct buf *e)
{
	if (L->stopping) {
		finish_piece(L, p, P_ABANDONED);
		return;
	}
	describe(L, &p->req, e);
	split(L, p, buf_cstr(e));
}

/* on_done: act on one finished request. */
static void on_done(struct loader *L, struct job *p)
{
	if (p->req.cc == CURLE_ABORTED_BY_CALLBACK) {
		finish_piece(L, p, P_ABANDONED);   /* a signal: a re-run sends it again */
		return;
	}
	if (p->req.sends > 1)
		p->root->attempts += p->req.sends - 1;   /* libcurl's own re-sends */
	enum dapi_outcome o = ddl_done_anyway(p) ? DAPI_OK : dapi_classify(&p->req);
	struct buf e = BUF_INIT;
	p->bad_answer = o == DAPI_BAD_ANSWER;
	switch (o) {
	case DAPI_OK:
		if (p->req.status == 200)
			p->root->affected += dapi_rows_affected(p->req.resp.p, p->req.resp.len);
		if (L->have_ckpt)
			ckpt_add(&L->ckpt, p->id, strlen(p->id));
		/* additive increase: about one more request per window of successes */
		L->window += 1.0 / (L->window < 1 ? 1 : L->window);
		if (L->window > L->jobs)
			L->window = L->jobs;
		finish_piece(L, p, P_LOADED);
		break;
	case DAPI_TRANSIENT:
	case DAPI_BAD_ANSWER:
		retry_or_give_up(L, p);
		break;
	case DAPI_TOO_LARGE:
		split_or_abandon(L, p, &e);
		break;
	case DAPI_FAILED:
		/* a row error fails the whole statement: split until the bad row
		 * is alone, so it fails with the database's reason and the rest loads */
		if (!p->is_ddl && p->rows > 1 && dapi_row_error(&p->req)) {
			split_or_abandon(L, p, &e);
			break;
		}
		describe(L, &p->req, &e);
		fail_piece(L, p, buf_cstr(&e));
		break;
	case DAPI_AUTH:
		stop_run(L, &L->auth, "authentication or permission refused", &p->req);
		finish_piece(L, p, P_ABANDONED);
		break;
	case DAPI_CONFIG:
		stop_run(L, &L->config, p->req.status >= 300 && p->req.status <= 399 ? "the target redirected the request"
		         : "the target refused the request", &p->req);
		finish_piece(L, p, P_ABANDONED);
		break;
	}
	buf_free(&e);
}

/* draw_progress: rows/s, MB/s, batches, in flight, failed, retries. */
static void draw_progress(struct loader *L, int force)
{
	if (!L->progress)
		return;
	uint64_t t = now_ms();
	if (!force && t - L->prog_last < 250)
		return;
	L->prog_last = t;
	double s = (double)(t - L->io.st.start_ms) / 1000.0;
	if (s <= 0)
		s = 0.001;
	uint64_t rows = stats_get(&L->io.st, "rows");
	fprintf(stderr, "\r%s: %llu rows, %.0f rows/s, %.1f MB/s, %llu batches, %zu in flight, %llu failed, %llu retries\033[K",
	        progname, (unsigned long long)rows, (double)rows / s, (double)L->bytes_sent / 1e6 / s,
	        (unsigned long long)(stats_get(&L->io.st, "loaded") + stats_get(&L->io.st, "skipped")), L->api.in_flight,
	        (unsigned long long)L->failures, (unsigned long long)stats_get(&L->io.st, "retries"));
}

/* pump: one turn of the engine: send, wait (at most max_wait ms, or until
 * fd is readable), handle finished requests, wake retries, commit results. */
static int pump(struct loader *L, int fd, int max_wait)
{
	int ready = 0;
	if (cli_stop_signal && !L->interrupted) {
		L->interrupted = 1;
		L->stopping = 1;
		dapi_abort_all(&L->api);   /* do not wait for a hung server */
	}
	if (L->stopping)
		abandon_queued(L);
	send_ready(L);
	int wait = wake_due(L, max_wait);
	if (L->ready && L->api.in_flight < window(L) && !L->stopping)
		wait = 0;
	if (dapi_poll(&L->api, fd, wait > 100 ? 100 : wait, &ready) < 0)
		die(EX_IOERR, "libcurl multi interface failed");
	struct dapi_req *r;
	while ((r = dapi_done(&L->api)))
		on_done(L, r->user);
	wake_due(L, 0);
	if (L->stopping)
		abandon_queued(L);
	send_ready(L);
	commit_results(L);
	draw_progress(L, 0);
	return ready;
}

/* ---- input ------------------------------------------------------------ */

/* load_wait: a frame_waiter's wait: one turn of the engine, waiting at
 * most 100 ms for fd, so that slow input never stalls requests in flight;
 * -1 once a signal stopped the run. */
int load_wait(void *ctx, int fd)
{
	struct loader *L = ctx;
	if (L->interrupted)
		return -1;
	return pump(L, fd, 100);
}

/* id_ok: ids go into the line-based checkpoint: printable ASCII, no spaces. */
static int id_ok(const struct buf *id)
{
	if (id->len == 0 || id->len > 256)
		return 0;
	for (size_t i = 0; i < id->len; i++)
		if (id->p[i] <= 0x20 || id->p[i] >= 0x7f)
			return 0;
	return 1;
}

/* bad_record: an input line that is neither a batch nor a DDL record. */
static void bad_record(struct loader *L, const char *input, const struct line *l, const char *detail)
{
	reject(&L->failed, "bad_record", detail, input, l->lineno, l->p, l->len);
	L->failures++;
	if (L->failures > L->max_failures && !L->stopping) {
		L->stopping = 1;
		buf_printf(&L->why_stop, "stopped at a bad record (--max-failures %llu)", (unsigned long long)L->max_failures);
	}
}

/* wait_idle: turn the engine until no piece is outstanding (a DDL barrier). */
static void wait_idle(struct loader *L)
{
	while (L->active)
		pump(L, -1, 100);
}

/* keep_line: the input record of root r, for the failed file: when its
 * body is in r->req.body (body_n > 0), only the bytes around the body. */
static void keep_line(struct job *r, const struct line *l)
{
	if (!r->body_n) {
		buf_add(&r->line, l->p, l->len);
		return;
	}
	buf_add(&r->line, l->p, r->body_at);
	buf_add(&r->line, l->p + r->body_at + r->body_n, l->len - r->body_at - r->body_n);
}

/* start_root: a new root job from a record; skipped at once when its id is
 * in the checkpoint. */
static void start_root(struct loader *L, struct job *r, const char *input, const struct line *l, int upsert)
{
	r->root = r;
	r->req.user = r;
	r->input = input;
	r->lineno = l->lineno;
	r->pending = 1;
	r->parts = 1;
	L->active++;
	stats_add(&L->io.st, r->is_ddl ? "ddl" : "batches", 1);
	if ((L->have_ckpt && ckpt_has(&L->ckpt, r->id, strlen(r->id))) || (r->is_ddl && L->no_ddl)) {
		finish_piece(L, r, P_SKIPPED);
		return;
	}
	if (!r->line.len)          /* else kept already (take_whole) */
		keep_line(r, l);
	if (!upsert) {
		push_ready(L, r);
		return;
	}
	struct lane *ln = lane_of(L, r->table);
	if (ln->blocked) {
		finish_piece(L, r, P_ABANDONED);   /* after an earlier failure in this table */
		return;
	}
	lane_add(ln, r, 0);
	lane_release(L, ln);
}

/* is_upsert: does a batch body's SQL change rows already there ("latest
 * wins", seg-batch --on-duplicate update)? Those go through their table's
 * lane. mem: the body's members when parse_split made them, else NULL.
 * Batches of one table carry the same statement, so the last answer is
 * kept with the exact bytes it was given for. */
static int is_upsert(struct loader *L, struct json_slice body, const struct json_members *mem)
{
	struct json_slice sql;
	int found = mem ? json_members_get(mem, "sql", &sql) : json_get(body, "sql", &sql);
	if (!found || sql.type != JSON_STRING)
		return 0;
	if (sql.n == L->upsert_sql.len && memcmp(sql.p, L->upsert_sql.p, sql.n) == 0)
		return L->upsert_last;
	struct buf text = BUF_INIT;
	json_str_decode(sql, &text);
	L->upsert_last = sqlinsert_latest_wins(text.p ? text.p : "", text.len);
	buf_free(&text);
	buf_reset(&L->upsert_sql);
	buf_add(&L->upsert_sql, sql.p, sql.n);
	return L->upsert_last;
}

/* take_ddl: start the job of a DDL record, alone: every earlier batch is
 * done before it and it is done before any later one. */
static void take_ddl(struct loader *L, const char *input, const struct line *l, struct json_members *m,
                     struct json_slice ddl)
{
	struct json_slice table;
	if (ddl.type != JSON_STRING || !json_members_get(m, "_table", &table) || table.type != JSON_STRING) {
		bad_record(L, input, l, "a DDL record needs \"_ddl\" and \"_table\" strings");
		return;
	}
	struct job *r = xcalloc(1, sizeof *r);
	struct buf tmp = BUF_INIT;
	unsigned char h[32];
	char hex[65];
	r->root = r;
	sha256_2(ddl.p, ddl.n, NULL, 0, h);
	hex_encode(h, 16, hex);
	buf_printf(&tmp, "ddl:%s", hex);
	r->id = xstrdup(buf_cstr(&tmp));
	r->is_ddl = 1;
	buf_reset(&tmp);
	json_str_decode(table, &tmp);
	r->table = xstrdup(buf_cstr(&tmp));
	buf_reset(&tmp);
	buf_adds(&tmp, "{\"sql\":");
	buf_add(&tmp, ddl.p, ddl.n);
	buf_addc(&tmp, '}');
	dapi_body(&r->req.body, tmp.p, tmp.len, L->conf.database);
	buf_free(&tmp);
	wait_idle(L);                    /* every earlier batch first */
	if (L->stopping) {
		L->not_attempted++;
		free_job(r);
		return;
	}
	start_root(L, r, input, l, 0);
	wait_idle(L);                    /* and the DDL before any later one */
}

/* take_whole: a batch record handed on by lib/batch in a buffer of its own
 * (frame_take) becomes the request body where it lies: the bytes around
 * the body are kept first (keep_line), then the record is cut
 * after its body and "database" added. 0: not handed on so. */
static int take_whole(struct loader *L, struct job *r, const struct line *l)
{
	if (!frame_take(&L->io, l, &r->req.body))
		return 0;
	size_t at = (size_t)(l->p - r->req.body.p) + r->body_at;
	keep_line(r, l);
	r->req.body.len = at + r->body_n;
	r->req.body_from = at;
	dapi_add_database(&r->req.body, at, L->conf.database);
	return 1;
}

/* take_batch: start the job of a batch record. split: the record was
 * read by parse_split (the body is line[at..at+n), its members in
 * L->body_mem), else NULL. */
static void take_batch(struct loader *L, const char *input, const struct line *l, struct json_members *m,
                       const struct split_rec *split)
{
	struct json_slice v, body, table;
	if (split)
		body = (struct json_slice){ l->p + split->at, split->n, JSON_OBJECT };
	if (!json_members_get(m, "_batch", &v) || v.type != JSON_STRING ||
	    (!split && (!json_members_get(m, "body", &body) || body.type != JSON_OBJECT))) {
		bad_record(L, input, l, json_members_get(m, "_table", NULL)
		                        ? "a row record, not a batch: pipe rows through seg-batch first"
		                        : "not a batch record: needs \"_batch\" and a \"body\" object");
		return;
	}
	struct buf tmp = BUF_INIT;
	json_str_decode(v, &tmp);
	if (!id_ok(&tmp)) {
		bad_record(L, input, l, "\"_batch\" must be 1 to 256 printable ASCII characters without spaces");
		buf_free(&tmp);
		return;
	}
	struct job *r = xcalloc(1, sizeof *r);
	r->root = r;
	r->id = xstrdup(buf_cstr(&tmp));
	buf_reset(&tmp);
	if (json_members_get(m, "table", &table) && table.type == JSON_STRING)
		json_str_decode(table, &tmp);
	r->table = xstrdup(buf_cstr(&tmp));
	buf_free(&tmp);
	if (json_members_get(m, "rows", &v) && v.type == JSON_NUMBER)
		r->rows = strtoull(v.p, NULL, 10);
	int upsert = is_upsert(L, body, split ? &L->body_mem : NULL);
	body_take(&r->req.body);
	if (split) {
		r->body_at = split->at;
		r->body_n = split->n;
	}
	/* after take_whole, l's bytes may have moved: only its number is used */
	if (!split || !take_whole(L, r, l))
		dapi_body(&r->req.body, body.p, body.n, L->conf.database);
	start_root(L, r, input, l, upsert);
}

static int json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && json_ws(*p))
		p++;
	return p;
}

/* body_span: the body of a batch record as seg-batch writes it, its last
 * member: {"_batch":...,"body":{...}}; 0 with its offset and length, or
 * -1 for any other shape. The text is not checked here (json_value stops
 * safely on any text): parse_split checks every byte. */
static int body_span(const char *p, size_t n, struct split_rec *sr)
{
	const char *end = p + n, *q = skip_ws(p, end);
	if (q == end || *q++ != '{')
		return -1;
	for (int i = 0; i < 16; i++) {          /* the envelope has a few members */
		q = skip_ws(q, end);
		if (q == end || *q != '"')
			return -1;
		struct json_slice k = json_value(q, end);
		if (k.n < 2)
			return -1;
		q = skip_ws(q + k.n, end);
		if (q == end || *q++ != ':')
			return -1;
		q = skip_ws(q, end);
		if (q < end && *q == '{' && json_key_eq(k, "body")) {
			const char *e = end;
			while (e > q && json_ws(e[-1]))
				e--;
			if (e == q || e[-1] != '}')  /* the record's own brace */
				return -1;
			e--;
			while (e > q && json_ws(e[-1]))
				e--;
			sr->at = (size_t)(q - p);
			sr->n = (size_t)(e - q);
			return 0;
		}
		struct json_slice v = json_value(q, end);
		if (v.n == 0)
			return -1;
		q = skip_ws(q + v.n, end);
		if (q == end || *q++ != ',')
			return -1;
	}
	return -1;
}

/* parse_split: check a batch record in two strict parses that together
 * read each byte once: its envelope with the body replaced by 0 (members
 * into m, their slices into L->env) and the body alone (members into
 * L->body_mem), so that finding "sql" does not walk the args a second
 * time. The record is valid JSON exactly when both are: a valid value put
 * in place of a value. 0, or -1 when the record is not of that shape or
 * not valid: the caller then parses it whole, for the error. */
static int parse_split(struct loader *L, const struct line *l, struct json_members *m, struct split_rec *sr)
{
	struct json_error err;
	if (body_span(l->p, l->len, sr) < 0)
		return -1;
	buf_reset(&L->env);
	buf_add(&L->env, l->p, sr->at);
	buf_addc(&L->env, '0');
	buf_add(&L->env, l->p + sr->at + sr->n, l->len - sr->at - sr->n);
	if (json_parse(L->env.p, L->env.len, SEG_BATCH_DEPTH, m, &err) < 0)
		return -1;
	/* the body is one level down in the record */
	return json_parse(l->p + sr->at, sr->n, SEG_BATCH_DEPTH - 1, &L->body_mem, &err) < 0 ? -1 : 0;
}

/* A record parsed, not yet started (see load_stream). */
struct parsed {
	enum { REC_BAD, REC_SPLIT, REC_WHOLE } kind;
	struct split_rec sr;     /* REC_SPLIT: where the body is */
	char detail[256];        /* REC_BAD: why */
};

/* parse_record: check one input line; members into m (and L->body_mem,
 * L->env). Nothing is started or counted yet. */
static void parse_record(struct loader *L, const struct line *l, struct json_members *m, struct parsed *pr)
{
	struct json_error err;
	pr->kind = REC_BAD;
	if (l->too_long) {
		snprintf(pr->detail, sizeof pr->detail, "line longer than the longest accepted batch record");
		return;
	}
	if (parse_split(L, l, m, &pr->sr) == 0) {
		pr->kind = REC_SPLIT;
		return;
	}
	if (json_parse(l->p, l->len, SEG_BATCH_DEPTH, m, &err) < 0) {
		snprintf(pr->detail, sizeof pr->detail, "not JSON: at byte %zu: %s", err.offset, err.msg);
		return;
	}
	size_t ws = 0;
	while (ws < l->len && (l->p[ws] == ' ' || l->p[ws] == '\t'))
		ws++;
	if (json_type_at(l->p + ws, l->p + l->len) != JSON_OBJECT) {
		snprintf(pr->detail, sizeof pr->detail, "a record is a JSON object");
		return;
	}
	pr->kind = REC_WHOLE;
}

/* take_record: start the job of a parsed record (or reject it). */
static void take_record(struct loader *L, const char *input, const struct line *l, struct json_members *m,
                        const struct parsed *pr)
{
	struct json_slice ddl;
	if (pr->kind == REC_BAD)
		bad_record(L, input, l, pr->detail);
	else if (json_members_get(m, "_ddl", &ddl))
		take_ddl(L, input, l, m, ddl);
	else
		take_batch(L, input, l, m, pr->kind == REC_SPLIT ? &pr->sr : NULL);
}

/* take_known: a record fed by the stage before in a chain (lib/frame): when
 * what it proved covers parse_record's check (a JSON object at most
 * SEG_BATCH_DEPTH deep, not too long), its members are taken as proved,
 * and a batch record's body's members too when they came with it (a record
 * lib/batch wrote), as parse_split would have made them. 1 when taken; 0:
 * parse it strictly. */
static int take_known(struct loader *L, const struct line *l, struct parsed *pr)
{
	const struct frame_known *k = &L->io.known;
	struct json_slice body;
	struct json_error err;
	char detail[64];
	if (k->depth <= 0 || k->depth > L->io.max_depth || l->too_long)
		return 0;
	if (frame_parse(&L->io, l, &L->mem, "record", detail, sizeof detail) || !L->io.trusted)
		return 0;             /* cannot happen: the proof covers it */
	pr->kind = REC_WHOLE;
	if (k->sub && json_members_get(&L->mem, "body", &body) && body.type == JSON_OBJECT && body.p == k->sub_at &&
	    frame_parse_members(&L->io, body.p, body.n, &L->body_mem, &err) == 0) {
		pr->kind = REC_SPLIT;
		pr->sr.at = (size_t)(body.p - l->p);
		pr->sr.n = body.n;
	}
	return 1;
}

/* load_line: one non-blank input record. It is parsed while -j requests
 * are in flight, and started when one of them ends: the parse overlaps the
 * server's work, and no more than -j records are ever started. */
static void load_line(void *ctx, const struct line *l, const char *name)
{
	struct loader *L = ctx;
	struct parsed pr;
	stats_add(&L->io.st, "in", 1);
	if (!L->stopping && !take_known(L, l, &pr))
		parse_record(L, l, &L->mem, &pr);
	while (L->active >= L->jobs && !L->stopping)
		pump(L, -1, 100);
	if (L->stopping)
		L->not_attempted++;
	else
		take_record(L, name, l, &L->mem, &pr);
}

/* load_stream: every record of one input, the engine turning while it
 * waits for the upstream program (frame_waiter). */
static int load_stream(void *ctx, int fd, const char *name)
{
	struct loader *L = ctx;
	struct frame_waiter w = { load_wait, L, fd, 0 };
	struct lreader rd;
	struct line l;
	int rc = 0;
	lr_init_fn(&rd, frame_wait_read, &w, name, L->io.max_line);
	rd.refuse_binary = 1;
	/* after a stop (but not a signal) the rest of the input is read and
	 * counted as not attempted, so that every record is accounted for */
	while (!L->interrupted) {
		if ((rc = lr_next(&rd, &l)) == 0 || L->interrupted)
			break;
		if (rc < 0) {
			rc = lr_report(&rd);
			break;
		}
		if (line_blank(&l)) {
			stats_add(&L->io.st, "blank", 1);
			continue;
		}
		load_line(L, &l, name);
	}
	lr_free(&rd);
	return rc < 0 ? rc : L->interrupted ? 1 : 0;
}

int load_run(struct frame_stage *s, int argc, char **argv)
{
	return frame_operands(argc, argv, load_stream, s->ctx);
}

/* ---- setup ------------------------------------------------------------ */

/* bind_checkpoint: a checkpoint belongs to one target (URL and database);
 * one written before targets were recorded is taken over with a warning. */
static void bind_checkpoint(struct loader *L, const char *path)
{
	int b = ckpt_bind(&L->ckpt, L->conf.url, L->conf.database);
	if (b == -2)
		die(EX_IOERR, "%s: cannot write checkpoint: %s", path, strerror(errno));
	if (b == -1)
		die(EX_CONFIG, "%s: the checkpoint of another target (%s), not of %s database %s: use one checkpoint per target",
		    path, buf_cstr(&L->ckpt.target), L->conf.url, L->conf.database ? L->conf.database : "(none)");
	if (b == 1 && L->ckpt.count)
		warnmsg("%s: names no target (an older s2-load wrote it): its %zu ids are taken as committed to %s, recorded in it now",
		        path, L->ckpt.count, L->conf.url);
}

/* exit_status: design.md's table, most serious cause first. */
static int exit_status(struct loader *L, int status)
{
	if (L->auth)
		return EX_NOPERM;
	if (L->config)
		return EX_CONFIG;
	if (L->unavailable)
		return L->have_ckpt ? EX_TEMPFAIL : EX_UNAVAILABLE;
	if (L->interrupted || L->not_attempted)
		return EX_TEMPFAIL;
	if (status != EX_DONE)
		return status;
	return L->failures ? EX_REJECTED : EX_DONE;
}

/* options: the command line into L and o; returns optind. */
static int options(int argc, char **argv, struct loader *L, struct load_opts *o)
{
	enum { O_CKPT = 256, O_FAILED, O_MAXFAIL, O_MAXBODY, O_NODDL, O_TIMEOUT, O_CTIMEOUT };
	static const struct option opts[] = {
		S2CONN_LONGOPTS,
		{ "jobs", required_argument, 0, 'j' }, { "checkpoint", required_argument, 0, O_CKPT },
		{ "failed", required_argument, 0, O_FAILED }, { "max-failures", required_argument, 0, O_MAXFAIL },
		{ "max-body", required_argument, 0, O_MAXBODY }, { "no-ddl", no_argument, 0, O_NODDL },
		RETRY_LONGOPTS,
		{ "timeout", required_argument, 0, O_TIMEOUT }, { "connect-timeout", required_argument, 0, O_CTIMEOUT },
		{ "output", required_argument, 0, 'o' }, CLI_COMMON_LONGOPTS, { 0, 0, 0, 0 } };
	int c;
	while ((c = cli_getopt(argc, argv, "d:u:j:o:qhV", opts)) != -1) {
		switch (c) {
		case 'j': L->jobs = (unsigned)opt_uint("--jobs", optarg, 1, 1024); break;
		case O_CKPT: o->ckpt = optarg; break;
		case O_FAILED: o->failed = optarg; break;
		case O_MAXFAIL: L->max_failures = opt_uint("--max-failures", optarg, 0, UINT64_MAX); break;
		case O_MAXBODY: L->max_body = opt_size("--max-body", optarg); break;
		case O_NODDL: L->no_ddl = 1; break;
		case O_TIMEOUT: L->conf.timeout_ms = (long)opt_duration("--timeout", optarg, 1, 86400000); break;
		case O_CTIMEOUT:
			L->conf.connect_timeout_ms = (long)opt_duration("--connect-timeout", optarg, 1, 3600000);
			break;
		case 'o': o->out = optarg; break;
		default:
			if (!s2conn_option(&L->conn, &L->conf, c, optarg) && !retry_option(&L->retry, c, optarg))
				cli_common_option(c, optarg, &o->common, usage);
		}
	}
	return optind;
}

/* target: the URL, the database and the credentials (lib/s2conn). */
static void target(struct loader *L)
{
	s2conn_setup(&L->conn, &L->conf, "exec");
	if (!L->conf.database)
		usage_error("no database: give -d NAME");
	L->conf.max_conns = L->jobs;
	L->window = L->jobs;
	spare.max = L->jobs + 2;
	spare.b = xcalloc(spare.max, sizeof *spare.b);
}

/* start: the client, the checkpoint, the counters, the output and the
 * failed file, before the first record. */
static void start(struct loader *L, const struct load_opts *o)
{
	char err[256];
	if (dapi_client_init(&L->api, &L->conf, err, sizeof err) < 0)
		die(EX_IOERR, "%s", err);
	if (o->ckpt) {
		if (ckpt_open(&L->ckpt, o->ckpt) < 0)
			die(errno == EWOULDBLOCK ? EX_TEMPFAIL : EX_IOERR, "%s: %s", o->ckpt,
			    errno == EWOULDBLOCK ? "in use by another s2-load" : strerror(errno));
		L->have_ckpt = 1;
		if (L->ckpt.torn)
			warnmsg("%s: ignored a torn last line of %llu bytes", o->ckpt, (unsigned long long)L->ckpt.torn);
		bind_checkpoint(L, o->ckpt);
	}
	stats_init(&L->io.st);
	L->io.st.start_ms = now_ms();
	L->io.max_line = LINE_MAX_DEFAULT * 4;   /* the longest batch record read */
	L->io.max_depth = SEG_BATCH_DEPTH;       /* the proof a fed record needs */
	const char *keys[] = { "in", "batches", "ddl", "loaded", "skipped", "failed", "rows", "rowsAffected",
	                       "retries", "splits", "not_attempted" };
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		stats_add(&L->io.st, keys[i], 0);
	cli_stats_stdout(o->common.stats_file, o->out);
	if (w_open(&L->io.out, o->out) < 0)
		die(EX_IOERR, "%s: cannot create: %s", o->out, strerror(errno));
	L->io.out.epipe_discard = 1;   /* a closed output never stops a load */
	rejects_open(&L->failed, o->failed, NULL);
	L->progress = progress_wanted(o->common.force_progress, o->common.quiet);
	L->quiet = o->common.quiet;
	cli_stop_on_signal();
}

/* finish: after the input: wait for the last answers, close the files,
 * say what was left undone, print the summary; the exit status. */
static int finish(struct loader *L, const struct load_opts *o, int status)
{
	wait_idle(L);
	commit_results(L);
	if (L->progress) {
		draw_progress(L, 1);
		fputs("\r\033[K", stderr);
	}
	w_close(&L->io.out);
	rejects_close(&L->failed);
	if (L->have_ckpt && ckpt_close(&L->ckpt) < 0)
		die(EX_IOERR, "%s: cannot write checkpoint: %s", o->ckpt, strerror(errno));
	if (L->why_stop.len)
		warnmsg("%s", buf_cstr(&L->why_stop));
	stats_add(&L->io.st, "not_attempted", L->not_attempted);
	if (L->not_attempted)
		warnmsg("%llu record%s not attempted%s; re-run to load them", (unsigned long long)L->not_attempted,
		        L->not_attempted == 1 ? "" : "s", L->interrupted ? " (and the rest of the input not read)" : "");
	if (L->io.out.closed)
		warnmsg("%s was closed: later result lines were discarded, the load went on", L->io.out.name);
	if (L->interrupted)
		warnmsg("interrupted by signal %d; re-run to continue", (int)cli_stop_signal);
	stats_summary(&L->io.st, o->common.quiet);
	if (o->common.stats_file && stats_write(&L->io.st, o->common.stats_file) < 0)
		die(EX_IOERR, "%s: cannot write stats: %s", o->common.stats_file, strerror(errno));
	return exit_status(L, status);
}

/* load_finish: finish's end of the run, then everything freed. */
static int load_finish(void *ctx, int status)
{
	struct loader *L = ctx;
	status = finish(L, &L->o, status);
	dapi_client_free(&L->api);
	lanes_free(L);
	stats_free(&L->io.st);
	buf_free(&L->results);
	buf_free(&L->why_stop);
	buf_free(&L->env);
	buf_free(&L->upsert_sql);
	json_members_free(&L->body_mem);
	json_members_free(&L->mem);
	while (spare.n)
		buf_free(&spare.b[--spare.n]);
	free(spare.b);
	spare.b = NULL;
	s2conn_free(&L->conn, &L->conf);
	free(L);
	return status;
}

int load_setup(int argc, char **argv, struct frame_stage *s)
{
	struct loader *L = xcalloc(1, sizeof *L);
	keep_heap();
	L->o = (struct load_opts){ "-", NULL, NULL, CLI_COMMON_INIT };
	L->conn = (struct s2conn)S2CONN_INIT;
	retry_policy_defaults(&L->retry);
	L->jobs = 4;
	L->max_body = 1000000;
	L->conf.netrc = 1;
	L->conf.connect_timeout_ms = 10000;
	L->conf.timeout_ms = 300000;
	int first = options(argc, argv, L, &L->o);
	target(L);
	start(L, &L->o);
	*s = (struct frame_stage){ "s2-load", &L->io, load_line, L, load_finish, NULL };
	return first;
}
