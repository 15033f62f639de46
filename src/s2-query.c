/* s2-query: run one SQL query through SingleStore's Data API
 * (POST /api/v2/query/rows) and write one NDJSON object per result row,
 * columns in the order of the result, values as the API types them. Large
 * results are read page by page by keyset paging (--page-by), and a
 * --checkpoint records the last key written so that a killed run resumes
 * after it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cli.h"
#include "dataapi.h"
#include "json.h"
#include "lineio.h"
#include "redact.h"
#include "retry.h"
#include "s2conn.h"
#include "sha256.h"
#include "sqlid.h"
#include "stats.h"

struct query {
	struct dapi_config conf;
	struct s2conn conn;
	struct dapi_client api;
	struct retry_policy retry;
	struct buf sql;            /* the user's query, without a trailing ';' */
	struct buf args;           /* its args: JSON values separated by commas */
	const char *page_by;       /* NULL: one request */
	uint64_t page_size;
	size_t max_response;
	struct checkpoint ckpt;
	const char *ckpt_path;
	char qhash[33];            /* ties checkpoint lines to the query */
	struct writer out;
	const char *out_path;
	int out_file;              /* appending to a regular file with a checkpoint */
	struct buf key;            /* the last key written, JSON text; empty at the start */
	uint64_t offset;           /* output bytes committed */
	int done;
	struct stats st;
};

static void usage(void)
{
	printf("usage: s2-query [options] SQL\n"
	       "       s2-query [options] --file FILE\n"
	       "Run a query through SingleStore's Data API; one JSON object per row on stdout.\n\n"
	       "Target:\n"
	       S2CONN_USAGE
	       "Query:\n"
	       "  -f, --file FILE            read the SQL from FILE (- for stdin)\n"
	       "      --arg VALUE            a string for the next ? placeholder (repeatable)\n"
	       "      --args-json ARRAY      the values of the ? placeholders as a JSON array\n"
	       "      --page-by COL          keyset paging on COL (unique, not null, in the result)\n"
	       "      --page-size N          rows per page with --page-by (default 10000)\n"
	       "      --checkpoint FILE      record the last key written; resume after it\n"
	       "      --max-response N       largest answer accepted (default 256M)\n"
	       RETRY_USAGE
	       "      --timeout TIME         per request (default 5m)\n"
	       "      --connect-timeout TIME (default 10s)\n"
	       "Output:\n"
	       "  -o, --output FILE          write rows to FILE (default stdout)\n"
	       "      --stats FILE           write the end summary as JSON to FILE\n"
	       "  -q, --quiet                no summary line\n"
	       "  -h, --help                 this help\n"
	       "  -V, --version              version\n\n"
	       "Exit status: 0 done, 64 usage, 65 the query failed or its answer is unusable,\n"
	       "66 --file not found, 69 target unavailable (75 with --checkpoint: re-run to continue),\n"
	       "74 I/O error, 77 auth refused, 78 configuration error.\n");
}

/* ---- the request ------------------------------------------------------ */

/* page_sql: the statement of one page (see s2-query(1), PAGING). */
static void page_sql(struct query *Q, struct buf *out)
{
	if (!Q->page_by) {
		buf_add(out, Q->sql.p, Q->sql.len);
		return;
	}
	struct buf col = BUF_INIT;
	sqlid_quote(&col, Q->page_by, strlen(Q->page_by));
	buf_adds(out, "SELECT * FROM (");
	buf_add(out, Q->sql.p, Q->sql.len);
	buf_adds(out, ") AS s2q_page");
	if (Q->key.len)
		buf_printf(out, " WHERE %s >= ?", buf_cstr(&col));
	buf_printf(out, " ORDER BY %s LIMIT %llu", buf_cstr(&col),
	           (unsigned long long)(Q->page_size + (Q->key.len ? 1 : 0)));
	buf_free(&col);
}

/* make_body: {"sql":..., "args":[..., key], "database":...}. */
static void make_body(struct query *Q, struct buf *body)
{
	struct buf sql = BUF_INIT, b = BUF_INIT;
	page_sql(Q, &sql);
	buf_adds(&b, "{\"sql\":");
	json_write_str(&b, sql.p, sql.len);
	if (Q->args.len || Q->key.len) {
		buf_adds(&b, ",\"args\":[");
		buf_add(&b, Q->args.p, Q->args.len);
		if (Q->args.len && Q->key.len)
			buf_addc(&b, ',');
		buf_add(&b, Q->key.p, Q->key.len);
		buf_addc(&b, ']');
	}
	buf_addc(&b, '}');
	buf_reset(body);
	dapi_body(body, b.p, b.len, Q->conf.database);
	buf_free(&sql);
	buf_free(&b);
}

/* query_answer: the rows array of a query/rows answer, or -1 with why set
 * (an "error" member, or not the Data API's shape). */
static int query_answer(const struct dapi_req *r, struct json_members *m, struct json_slice *rows,
                        struct buf *why)
{
	struct json_error err;
	struct json_slice results, first, e;
	struct json_iter it;
	if (json_parse(r->resp.p, r->resp.len, 0, m, &err) < 0 || !m->n) {
		buf_adds(why, "not a Data API query answer (not a JSON object)");
		return -1;
	}
	if (json_members_get(m, "error", &e)) {
		buf_adds(why, "the query failed while rows were sent: ");
		json_write_compact(why, e);
		return -2;
	}
	if (!json_members_get(m, "results", &results) || results.type != JSON_ARRAY) {
		buf_adds(why, "not a Data API query answer (no \"results\" array)");
		return -1;
	}
	json_iter_init(&it, results);
	if (!json_iter_next(&it, NULL, &first) || first.type != JSON_OBJECT || !json_get(first, "rows", rows)
	    || rows->type != JSON_ARRAY) {
		buf_adds(why, "not a Data API query answer (no rows in \"results\")");
		return -1;
	}
	return 0;
}

/* fail: stop the run with code, naming the request's answer (redacted). */
static _Noreturn void fail(struct query *Q, int code, const char *what, const struct dapi_req *r)
{
	struct buf t = BUF_INIT, red = BUF_INIT;
	if (r)
		dapi_describe(r, &t);
	redact_text(&red, t.p, t.len, Q->conn.secrets);
	die(code, "%s%s%s", what, r ? ": " : "", buf_cstr(&red));
}

/* exchange: send r once and wait for its answer. */
static void exchange(struct query *Q, struct dapi_req *r)
{
	int ready;
	dapi_send(&Q->api, r);
	while (!dapi_done(&Q->api))
		if (dapi_poll(&Q->api, -1, 1000, &ready) < 0)
			die(EX_IOERR, "libcurl multi interface failed");
}

/* request: send one page's request, retrying what a retry may cure, until
 * it has a query answer; every other outcome ends the run. */
static void request(struct query *Q, struct dapi_req *r, struct json_members *m, struct json_slice *rows)
{
	uint64_t first = now_ms(), wait;
	struct buf why = BUF_INIT;
	for (unsigned tries = 0;; tries++) {
		exchange(Q, r);
		enum dapi_outcome o = dapi_classify(r);
		if (r->cc == CURLE_OK && r->status == 200) {
			if (r->resp_truncated)
				die(EX_DATAERR, "the answer is larger than --max-response %zu bytes: page it with --page-by",
				    Q->max_response);
			buf_reset(&why);
			int a = query_answer(r, m, rows, &why);
			if (a == 0)
				break;
			if (a == -2)
				die(EX_DATAERR, "%s", buf_cstr(&why));
			o = DAPI_BAD_ANSWER;
		}
		if (o == DAPI_AUTH)
			fail(Q, EX_NOPERM, "authentication or permission refused", r);
		if (o == DAPI_CONFIG)
			fail(Q, EX_CONFIG, "the target refused the request", r);
		if (o == DAPI_FAILED || o == DAPI_TOO_LARGE)
			fail(Q, EX_DATAERR, "the query failed", r);
		if (!retry_next(&Q->retry, tries, now_ms() - first, r->retry_after_ms, &wait)) {
			if (o == DAPI_BAD_ANSWER)
				fail(Q, EX_CONFIG, "the target's answers are not the Data API's (is --url the Data API?)", r);
			fail(Q, Q->ckpt_path ? EX_TEMPFAIL : EX_UNAVAILABLE, "target unavailable after all retries", r);
		}
		stats_add(&Q->st, "retries", 1);
		retry_sleep_ms(wait);
	}
	buf_free(&why);
}

/* ---- the checkpoint ----------------------------------------------------- */

/* A checkpoint line is "q<32 hex>:<output bytes>:<key>", where the hash is
 * that of the query, its args and --page-by, and key is the hex of the last
 * key's JSON text, "-" before any page, or "done". */

static void ckpt_line(struct query *Q, struct buf *out)
{
	buf_printf(out, "q%s:%llu:", Q->qhash, (unsigned long long)Q->offset);
	if (Q->done) {
		buf_adds(out, "done");
	} else if (!Q->key.len) {
		buf_addc(out, '-');
	} else {
		char *hex = xmalloc(Q->key.len * 2 + 1);
		hex_encode((const unsigned char *)Q->key.p, Q->key.len, hex);
		buf_adds(out, hex);
		free(hex);
	}
}

static int unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* resume: take the state of the checkpoint's last line. */
static void resume(struct query *Q)
{
	size_t n;
	const char *l = ckpt_last(&Q->ckpt, &n);
	if (!l)
		return;
	char *s = xmalloc(n + 1);
	memcpy(s, l, n);
	s[n] = '\0';
	char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (s[0] != 'q' || !c1 || !c2 || (size_t)(c1 - s - 1) != 32)
		die(EX_CONFIG, "%s: not a checkpoint of s2-query", Q->ckpt_path);
	if (memcmp(s + 1, Q->qhash, 32) != 0)
		die(EX_CONFIG, "%s: the checkpoint of another query (SQL, args or --page-by differ): use one checkpoint per query",
		    Q->ckpt_path);
	*c2 = '\0';
	Q->offset = strtoull(c1 + 1, NULL, 10);
	const char *k = c2 + 1;
	if (strcmp(k, "done") == 0) {
		Q->done = 1;
	} else if (strcmp(k, "-") != 0) {
		size_t kn = strlen(k);
		for (size_t i = 0; i + 1 < kn; i += 2) {
			int hi = unhex(k[i]), lo = unhex(k[i + 1]);
			if (hi < 0 || lo < 0)
				die(EX_CONFIG, "%s: a damaged key in its last line", Q->ckpt_path);
			buf_addc(&Q->key, (char)(hi << 4 | lo));
		}
	}
	free(s);
}

/* open_checkpoint: open, tie to the target, and resume from its last line. */
static void open_checkpoint(struct query *Q)
{
	if (ckpt_open(&Q->ckpt, Q->ckpt_path) < 0)
		die(errno == EWOULDBLOCK ? EX_TEMPFAIL : EX_IOERR, "%s: %s", Q->ckpt_path,
		    errno == EWOULDBLOCK ? "in use by another program" : strerror(errno));
	if (Q->ckpt.torn)
		warnmsg("%s: ignored a torn last line of %llu bytes", Q->ckpt_path, (unsigned long long)Q->ckpt.torn);
	int b = ckpt_bind(&Q->ckpt, Q->conf.url, Q->conf.database);
	if (b == -2)
		die(EX_IOERR, "%s: cannot write checkpoint: %s", Q->ckpt_path, strerror(errno));
	if (b == -1)
		die(EX_CONFIG, "%s: the checkpoint of another target (%s), not of %s database %s: use one checkpoint per target",
		    Q->ckpt_path, buf_cstr(&Q->ckpt.target), Q->conf.url, Q->conf.database ? Q->conf.database : "(none)");
	resume(Q);
}

/* open_output: stdout, or FILE; with a checkpoint FILE is appended to and
 * cut back to the bytes the checkpoint committed (a page written after the
 * last checkpoint line is written again, once). */
static void open_output(struct query *Q)
{
	if (!Q->ckpt_path || strcmp(Q->out_path, "-") == 0) {
		if (w_open(&Q->out, Q->out_path) < 0)
			die(EX_IOERR, "%s: cannot create: %s", Q->out_path, strerror(errno));
		return;
	}
	int fd = open(Q->out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0)
		die(EX_IOERR, "%s: cannot open: %s", Q->out_path, strerror(errno));
	if (S_ISREG(sb.st_mode)) {
		if ((uint64_t)sb.st_size < Q->offset)
			die(EX_CONFIG, "%s: has %llu bytes, the checkpoint %s says %llu were written: not this run's output",
			    Q->out_path, (unsigned long long)sb.st_size, Q->ckpt_path, (unsigned long long)Q->offset);
		if ((uint64_t)sb.st_size > Q->offset && ftruncate(fd, (off_t)Q->offset) < 0)
			die(EX_IOERR, "%s: cannot truncate: %s", Q->out_path, strerror(errno));
		Q->out_file = 1;
	}
	w_init(&Q->out, fd, Q->out_path);
}

/* commit: the page's rows are out (fsync'd to a file); then the checkpoint
 * line that says so. */
static void commit(struct query *Q, size_t bytes)
{
	if (Q->out_file)
		w_sync(&Q->out);
	else
		w_flush(&Q->out);
	Q->offset += bytes;
	if (!Q->ckpt_path)
		return;
	struct buf l = BUF_INIT;
	ckpt_line(Q, &l);
	ckpt_add(&Q->ckpt, l.p, l.len);
	buf_free(&l);
	if (ckpt_sync(&Q->ckpt) < 0)
		die(EX_IOERR, "%s: cannot write checkpoint: %s", Q->ckpt_path, strerror(errno));
}

/* ---- the pages ---------------------------------------------------------- */

/* key_of: the row's --page-by value into Q->key, the one before into prev. */
static void key_of(struct query *Q, struct json_slice row, uint64_t nth, struct buf *prev)
{
	struct json_slice k;
	if (!json_get(row, Q->page_by, &k) || k.type == JSON_NULL || k.type == JSON_OBJECT || k.type == JSON_ARRAY)
		die(EX_DATAERR, "row %llu of the page has no usable --page-by %s value (it must be a non-null number or string)",
		    (unsigned long long)nth, Q->page_by);
	buf_reset(prev);
	buf_add(prev, Q->key.p, Q->key.len);
	buf_reset(&Q->key);
	json_write_compact(&Q->key, k);
}

/* emit: write the rows of a page. A page after the first starts with the
 * row of the last key, written already, and is skipped; any other repeated
 * key means the column is not unique. Returns the rows written; *returned
 * counts the rows of the answer, *bytes the bytes written. */
static uint64_t emit(struct query *Q, struct json_slice rows, uint64_t *returned, size_t *bytes)
{
	struct json_iter it;
	struct json_slice row;
	struct buf line = BUF_INIT, prev = BUF_INIT;
	uint64_t n = 0;
	int boundary = Q->page_by && Q->key.len;
	*bytes = 0;
	*returned = 0;
	json_iter_init(&it, rows);
	while (json_iter_next(&it, NULL, &row)) {
		if (row.type != JSON_OBJECT)
			die(EX_DATAERR, "not a Data API query answer: a row is not an object");
		++*returned;
		if (Q->page_by) {
			key_of(Q, row, *returned, &prev);
			int same = prev.len == Q->key.len && memcmp(prev.p, Q->key.p, prev.len) == 0;
			if (same && boundary && *returned == 1)
				continue;
			if (same)
				die(EX_DATAERR, "--page-by %s: the value %s repeats: the column must be unique in the result",
				    Q->page_by, buf_cstr(&Q->key));
		}
		buf_reset(&line);
		json_write_compact(&line, row);
		buf_addc(&line, '\n');
		w_write(&Q->out, line.p, line.len);
		*bytes += line.len;
		n++;
	}
	buf_free(&line);
	buf_free(&prev);
	return n;
}

/* run: page after page until one comes back short. */
static void run(struct query *Q)
{
	struct dapi_req r;
	struct json_members m = { 0 };
	struct json_slice rows;
	memset(&r, 0, sizeof r);
	r.resp_max = Q->max_response;
	while (!Q->done) {
		uint64_t limit = Q->page_size + (Q->key.len ? 1 : 0), returned;
		size_t bytes;
		make_body(Q, &r.body);
		request(Q, &r, &m, &rows);
		uint64_t n = emit(Q, rows, &returned, &bytes);
		stats_add(&Q->st, "pages", 1);
		stats_add(&Q->st, "rows", n);
		Q->done = !Q->page_by || returned < limit;
		commit(Q, bytes);
	}
	json_members_free(&m);
	buf_free(&r.body);
	buf_free(&r.resp);
}

/* ---- setup ------------------------------------------------------------- */

/* read_sql: the query from a file ("-": stdin), whole. */
static void read_sql(const char *path, struct buf *out)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	char tmp[65536];
	ssize_t k;
	if (fd < 0)
		die(EX_NOINPUT, "%s: cannot open: %s", path, strerror(errno));
	while ((k = read(fd, tmp, sizeof tmp)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			die(EX_IOERR, "%s: read error: %s", path, strerror(errno));
		buf_add(out, tmp, (size_t)k);
	}
	if (fd > 0)
		close(fd);
}

/* trim_sql: drop trailing blanks and one trailing ';' (the query is wrapped
 * in a derived table when paged). */
static void trim_sql(struct buf *b)
{
	while (b->len && strchr(" \t\r\n", b->p[b->len - 1]))
		b->len--;
	if (b->len && b->p[b->len - 1] == ';')
		b->len--;
	while (b->len && strchr(" \t\r\n", b->p[b->len - 1]))
		b->len--;
	if (!b->len)
		usage_error("the query is empty");
	if (!utf8_valid(b->p, b->len) || memchr(b->p, '\0', b->len))
		usage_error("the query is not UTF-8 text");
}

/* add_args_json: the elements of a JSON array, as they are. */
static void add_args_json(struct buf *args, const char *s)
{
	struct json_error err;
	struct json_iter it;
	struct json_slice v;
	size_t n = strlen(s), ws = strspn(s, " \t\r\n");
	if (json_parse(s, n, 0, NULL, &err) < 0)
		usage_error("--args-json: at byte %zu: %s", err.offset, err.msg);
	struct json_slice arr = json_value(s + ws, s + n);
	if (arr.type != JSON_ARRAY)
		usage_error("--args-json: a JSON array of the ? values, e.g. '[\"2024-01-01\", 100]'");
	json_iter_init(&it, arr);
	while (json_iter_next(&it, NULL, &v)) {
		if (args->len)
			buf_addc(args, ',');
		json_write_compact(args, v);
	}
}

/* query_hash: the query, its args and --page-by, for the checkpoint. */
static void query_hash(struct query *Q)
{
	struct buf b = BUF_INIT;
	unsigned char h[32];
	buf_add(&b, Q->sql.p, Q->sql.len);
	buf_addc(&b, '\0');
	buf_add(&b, Q->args.p, Q->args.len);
	buf_addc(&b, '\0');
	buf_adds(&b, Q->page_by ? Q->page_by : "");
	sha256_2(b.p, b.len, NULL, 0, h);
	hex_encode(h, 16, Q->qhash);
	buf_free(&b);
}

int main(int argc, char **argv)
{
	enum { O_ARG = 256, O_ARGSJSON, O_PAGEBY, O_PAGESIZE, O_CKPT, O_MAXRESP, O_TIMEOUT, O_CTIMEOUT };
	static const struct option opts[] = {
		S2CONN_LONGOPTS, { "file", required_argument, 0, 'f' }, { "arg", required_argument, 0, O_ARG },
		{ "args-json", required_argument, 0, O_ARGSJSON }, { "page-by", required_argument, 0, O_PAGEBY },
		{ "page-size", required_argument, 0, O_PAGESIZE }, { "checkpoint", required_argument, 0, O_CKPT },
		{ "max-response", required_argument, 0, O_MAXRESP }, RETRY_LONGOPTS,
		{ "timeout", required_argument, 0, O_TIMEOUT }, { "connect-timeout", required_argument, 0, O_CTIMEOUT },
		{ "output", required_argument, 0, 'o' }, CLI_COMMON_LONGOPTS, { 0, 0, 0, 0 } };
	static struct query Q;
	struct cli_common common = CLI_COMMON_INIT;
	const char *file = NULL;
	int c, nargs = 0, nargs_json = 0;

	cli_init(argv[0]);
	Q.conn = (struct s2conn)S2CONN_INIT;
	retry_policy_defaults(&Q.retry);
	Q.conf.netrc = 1;
	Q.conf.connect_timeout_ms = 10000;
	Q.conf.timeout_ms = 300000;
	Q.conf.max_conns = 1;
	Q.page_size = 10000;
	Q.max_response = 256u << 20;
	Q.out_path = "-";
	while ((c = cli_getopt(argc, argv, "d:u:f:o:qhV", opts)) != -1) {
		switch (c) {
		case 'f': file = optarg; break;
		case O_ARG:
			if (Q.args.len || nargs)
				buf_addc(&Q.args, ',');
			json_write_str(&Q.args, optarg, strlen(optarg));
			nargs++;
			break;
		case O_ARGSJSON: add_args_json(&Q.args, optarg); nargs_json++; break;
		case O_PAGEBY: Q.page_by = optarg; break;
		case O_PAGESIZE: Q.page_size = opt_uint("--page-size", optarg, 1, 100000000); break;
		case O_CKPT: Q.ckpt_path = optarg; break;
		case O_MAXRESP: Q.max_response = opt_size("--max-response", optarg); break;
		case O_TIMEOUT: Q.conf.timeout_ms = (long)opt_duration("--timeout", optarg, 1, 86400000); break;
		case O_CTIMEOUT:
			Q.conf.connect_timeout_ms = (long)opt_duration("--connect-timeout", optarg, 1, 3600000);
			break;
		case 'o': Q.out_path = optarg; break;
		default:
			if (!s2conn_option(&Q.conn, &Q.conf, c, optarg) && !retry_option(&Q.retry, c, optarg))
				cli_common_option(c, optarg, &common, usage);
		}
	}
	if (nargs && nargs_json)
		usage_error("--arg and --args-json exclude each other (give every value in --args-json)");
	if (nargs_json > 1)
		usage_error("--args-json once, with every value");
	if ((file != NULL) == (optind == argc - 1) || optind < argc - 1)
		usage_error(file ? "--file and an SQL operand exclude each other" : "give the query: one SQL operand or --file FILE");
	if (Q.page_by && !*Q.page_by)
		usage_error("--page-by: a column name");
	if (Q.max_response == 0 || Q.max_response > ((size_t)1 << 40))
		usage_error("--max-response: between 1 and 1T");
	if (file)
		read_sql(file, &Q.sql);
	else
		buf_adds(&Q.sql, argv[optind]);
	trim_sql(&Q.sql);
	query_hash(&Q);
	s2conn_setup(&Q.conn, &Q.conf, "query/rows");

	char err[256];
	if (dapi_client_init(&Q.api, &Q.conf, err, sizeof err) < 0)
		die(EX_IOERR, "%s", err);
	if (Q.ckpt_path)
		open_checkpoint(&Q);
	open_output(&Q);
	stats_init(&Q.st);
	Q.st.start_ms = now_ms();
	stats_add(&Q.st, "rows", 0);
	stats_add(&Q.st, "pages", 0);
	if (Q.done)
		warnmsg("%s: the run it records is complete: nothing to do (remove it to run the query again)", Q.ckpt_path);
	run(&Q);
	w_close(&Q.out);
	if (Q.ckpt_path && ckpt_close(&Q.ckpt) < 0)
		die(EX_IOERR, "%s: cannot write checkpoint: %s", Q.ckpt_path, strerror(errno));
	stats_summary(&Q.st, common.quiet);
	if (common.stats_file && stats_write(&Q.st, common.stats_file) < 0)
		die(EX_IOERR, "%s: cannot write stats: %s", common.stats_file, strerror(errno));
	dapi_client_free(&Q.api);
	s2conn_free(&Q.conn, &Q.conf);
	stats_free(&Q.st);
	buf_free(&Q.sql);
	buf_free(&Q.args);
	buf_free(&Q.key);
	return EX_DONE;
}
