/* s2-gateway: SingleStore's Data API (the subset segpipe uses) served in
 * front of a MariaDB server, for tests, demos and fault injection; with
 * --sink, a stand-in that checks each request as the API would, stores
 * nothing and answers at once, to measure a client's ceiling.
 *
 * One libmicrohttpd polling thread reads requests; a complete request is
 * suspended and queued to a pool of workers, each owning its MariaDB
 * connections (one per identity it has seen, a few at most), so a slow
 * statement never blocks the reading of other requests. Basic auth is
 * checked by connecting to MariaDB as that user. Args are bound by
 * client-side substitution (lib/sqlargs.h), SingleStore-only DDL is
 * rewritten (lib/sqlmariadb.h), results are written by lib/sqlresult.h. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <mysql.h>
#include <mysqld_error.h>

#include "batchsplit.h"
#include "buf.h"
#include "cli.h"
#include "httpd.h"
#include "sha256.h"
#include "json.h"
#include "s2-gateway-openapi.h"
#include "sqlmariadb.h"
#include "seglimits.h"
#include "sqlargs.h"
#include "sqlresult.h"
#include "sqllex.h"
#include "stats.h"

#define BODY_TOO_LARGE "Error reading request body: http: request body too large"
#define REALM "Basic realm=\"s2-gateway\""
#define SLOTS 4                 /* MariaDB connections kept per worker */
#define DISCARD_MAX (64u << 20) /* unwanted body bytes read before answering */

enum drop_when { DROP_BEFORE = 1, DROP_AFTER = 2, DROP_BOTH = 3 };

static struct options {
	const char *listen, *port_file, *log;
	unsigned port;
	const char *db_host;
	unsigned db_port;
	unsigned workers;
	uint64_t max_body;
	unsigned body_status;
	const char *cert, *key;
	double fail_rate, drop_rate;
	unsigned fail_status;
	int drop_when;
	unsigned delay_ms;
	unsigned per_ip, head_timeout;
	uint64_t seed;
	int quiet;
	int sink;               /* --sink: no database, answer at once */
	int db_given;           /* a --db-* option was given */
	const char *stats;
} opt = {
	.listen = "127.0.0.1", .port = 9000, .db_host = "127.0.0.1", .db_port = 3306,
	.workers = 8, .max_body = 1048576, .body_status = 413, .fail_status = 503,
	.drop_when = DROP_BOTH, .seed = 1, .per_ip = 256, .head_timeout = 10,
};

enum endpoint { EP_EXEC, EP_ROWS, EP_TUPLES, EP_GET };
static const char *const ep_name[] = {"exec", "query/rows", "query/tuples", "get"};

enum fault { F_NONE, F_FAIL, F_DROP_BEFORE, F_DROP_AFTER };
static const char *const fault_name[] = {"none", "fail", "drop_before", "drop_after"};

/* One API request, from its headers to its answer. */
struct req {
	struct MHD_Connection *conn;
	enum endpoint ep;
	struct buf body;
	uint64_t seen;          /* body bytes received, kept or not */
	int too_large;          /* over --max-body: read and dropped */
	int early;              /* answered from the headers: body dropped */
	int close;              /* close the connection after the answer */
	int answered;           /* a response is queued */
	int queued;
	atomic_int done;
	char *user, *pass;
	uint64_t seq;
	/* the answer, filled by a worker */
	unsigned status;
	struct buf out;
	int text;               /* text/plain rather than JSON */
	const char *ctype;      /* else this type (NULL: JSON) */
	int www_auth;
	int drop;
	struct req *next;
};

/* The queue between the HTTP thread and the workers. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct req *head, *tail;
	int stopping;
} q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0};

static atomic_ullong seq_counter, n_requests, n_faults;
static atomic_ullong n_statements, n_rows, n_bytes;   /* for --stats */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *logf;

/* ---- fault decisions -------------------------------------------------- */

/* splitmix64: a tiny, good mixing function; faults are a pure function of
 * (--seed, request number), so a run can be repeated exactly. */
static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* uniform: the k-th uniform number in [0,1) of request seq. */
static double uniform(uint64_t seq, unsigned k)
{
	uint64_t r = splitmix64(opt.seed * 0x100000001b3ULL ^ splitmix64(seq * 4 + k));
	return (double)(r >> 11) / 9007199254740992.0;
}

static enum fault decide_fault(uint64_t seq)
{
	if (opt.fail_rate > 0 && uniform(seq, 0) < opt.fail_rate)
		return F_FAIL;
	if (opt.drop_rate > 0 && uniform(seq, 1) < opt.drop_rate) {
		if (opt.drop_when == DROP_BEFORE)
			return F_DROP_BEFORE;
		if (opt.drop_when == DROP_AFTER)
			return F_DROP_AFTER;
		return uniform(seq, 2) < 0.5 ? F_DROP_BEFORE : F_DROP_AFTER;
	}
	return F_NONE;
}

/* ---- MariaDB connections of a worker ----------------------------------- */

struct slot {
	MYSQL *m;
	char *user;
	unsigned char pw[32];   /* SHA-256 of the password, never the password */
	char *db;               /* the current database, NULL for none */
	uint64_t used;
};

struct worker {
	pthread_t thread;
	struct slot slot[SLOTS];
	uint64_t tick;
	struct buf sql, ddl;
	struct json_members mem;
	/* --sink: the last statement seen and its shape (see sink_shape) */
	struct buf sink_sql;
	size_t sink_q, sink_rows;
	int sink_empty;
};

static void slot_close(struct slot *s)
{
	if (s->m)
		mysql_close(s->m);
	free(s->user);
	free(s->db);
	memset(s, 0, sizeof *s);
}

/* SingleStore's strictness on MariaDB: a value that does not fit its column
 * (too long, out of range, a bad date) is an error that fails the statement,
 * never a silent truncation, whatever the server's global sql_mode says.
 * Set on every new session: after connecting, after a reset and after a
 * change of user, which all start from the global values (the character
 * set too, which a reset would leave at the server's default). */
#define STRICT_SQL_MODE "SET NAMES utf8mb4, SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"

static int strict_session(MYSQL *m)
{
	return mysql_real_query(m, STRICT_SQL_MODE, sizeof STRICT_SQL_MODE - 1);
}

/* db_connect: a new connection as user; NULL with the error in err. */
static MYSQL *db_connect(const char *user, const char *pass, struct buf *err, unsigned *code)
{
	MYSQL *m = mysql_init(NULL);
	unsigned timeout = 10;
	if (!m)
		die(EX_IOERR, "out of memory");
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	/* TCP, never the Unix socket: over a socket, MariaDB's unix_socket
	 * authentication would log in the gateway's own OS user, whatever
	 * password the HTTP client sent */
	unsigned proto = MYSQL_PROTOCOL_TCP;
	mysql_options(m, MYSQL_OPT_PROTOCOL, &proto);
	if (mysql_real_connect(m, opt.db_host, user, pass, NULL, opt.db_port, NULL, 0) &&
	    strict_session(m) == 0)
		return m;
	sqlresult_error(err, m);
	*code = mysql_errno(m);
	mysql_close(m);
	return NULL;
}

/* get_slot: a connection authenticated as user/pass: a cached one when the
 * same user gave the same password before, else a new connection (which is
 * what checks the password) replacing the least recently used. */
static struct slot *get_slot(struct worker *w, const char *user, const char *pass,
                             struct buf *err, unsigned *code)
{
	unsigned char pw[32];
	struct slot *s = &w->slot[0];
	sha256_2(user, strlen(user) + 1, pass, strlen(pass), pw);
	for (int i = 0; i < SLOTS; i++) {
		struct slot *c = &w->slot[i];
		if (c->m && strcmp(c->user, user) == 0 && memcmp(c->pw, pw, 32) == 0) {
			c->used = ++w->tick;
			return c;
		}
		if (c->used < s->used)
			s = c;
	}
	MYSQL *m = db_connect(user, pass, err, code);
	if (!m)
		return NULL;
	slot_close(s);
	s->m = m;
	s->user = xstrdup(user);
	memcpy(s->pw, pw, 32);
	s->used = ++w->tick;
	return s;
}

/* use_db: make db (NULL for none) the connection's current database. A
 * request without "database" must not see the one of an earlier request,
 * so the session is reset by changing user to itself. */
static int use_db(struct slot *s, const char *db, const char *pass)
{
	if (db && s->db && strcmp(db, s->db) == 0)
		return 0;
	if (!db && !s->db)
		return 0;
	int rc = db ? mysql_select_db(s->m, db) : mysql_change_user(s->m, s->user, pass, NULL);
	if (rc == 0 && !db)
		rc = strict_session(s->m);
	if (rc == 0) {
		free(s->db);
		s->db = db ? xstrdup(db) : NULL;
	}
	return rc;
}

/* ---- answering --------------------------------------------------------- */

/* answer_text: a text answer; error texts end with a newline, as Go's
 * http.Error writes them (the Data API's do). */
static void answer_text(struct req *r, unsigned status, const char *text)
{
	r->status = status;
	r->text = 1;
	buf_reset(&r->out);
	buf_adds(&r->out, text);
	if (status >= 400)
		buf_addc(&r->out, '\n');
}

/* answer_db_error: map a MariaDB error to the Data API's status and text:
 * refused permissions 403, bad credentials 401, lost or unreachable server
 * 500, every other SQL error 400. */
static void answer_db_error(struct req *r, unsigned code, struct buf *text)
{
	unsigned status = 400;
	switch (code) {
	case ER_ACCESS_DENIED_ERROR:
	case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
		status = 401;
		r->www_auth = 1;
		break;
	case ER_DBACCESS_DENIED_ERROR: case ER_TABLEACCESS_DENIED_ERROR:
	case ER_COLUMNACCESS_DENIED_ERROR: case ER_SPECIFIC_ACCESS_DENIED_ERROR:
	case ER_PROCACCESS_DENIED_ERROR: case ER_PASSWORD_NOT_ALLOWED:
	case ER_KILL_DENIED_ERROR:
		status = 403;
		break;
	default:
		if (code >= 2000 && code < 3000)
			status = 500;
		break;
	}
	answer_text(r, status, buf_cstr(text));
}

/* ---- the request log --------------------------------------------------- */

static void log_request(const struct req *r, const char *db, struct json_slice sql,
                        struct json_slice args, const struct json_members *idx, enum fault f,
                        int executed, int translated, uint64_t affected, uint64_t ms)
{
	if (!logf)
		return;
	struct buf b = BUF_INIT;
	struct timespec ts;
	struct tm tm;
	char when[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(&b, "{\"seq\":%llu,\"time\":\"%s.%03ldZ\",\"endpoint\":\"%s\",\"user\":",
	           (unsigned long long)r->seq, when, ts.tv_nsec / 1000000, ep_name[r->ep]);
	json_write_str(&b, r->user ? r->user : "", r->user ? strlen(r->user) : 0);
	buf_adds(&b, ",\"database\":");
	if (db)
		json_write_str(&b, db, strlen(db));
	else
		buf_adds(&b, "null");
	buf_printf(&b, ",\"status\":%u,\"fault\":\"%s\",\"executed\":%s,\"rowsAffected\":%llu,"
	           "\"ms\":%llu,\"args\":%zu,\"translated\":%s,\"sql\":",
	           r->drop ? 0 : r->status, fault_name[f], executed ? "true" : "false",
	           (unsigned long long)affected, (unsigned long long)ms, json_count(idx, args),
	           translated ? "true" : "false");
	if (sql.type == JSON_STRING)
		buf_add(&b, sql.p, sql.n);
	else
		buf_adds(&b, "null");
	if (r->status >= 400 && !r->drop) {
		buf_adds(&b, ",\"error\":");
		size_t n = r->out.len;
		if (n && r->out.p[n - 1] == '\n')
			n--;
		json_write_str(&b, r->out.p ? r->out.p : "", n);
	}
	buf_adds(&b, "}\n");
	pthread_mutex_lock(&log_mu);
	fwrite(b.p, 1, b.len, logf);
	fflush(logf);
	pthread_mutex_unlock(&log_mu);
	buf_free(&b);
}

/* ---- executing one request --------------------------------------------- */

/* A request body taken apart. */
struct call {
	struct json_slice sql, args, db;
	char *sql_text, *db_name;
};

/* parse_body: the request body as {"sql":..., "args":[...], "database":...};
 * 0, or -1 with a 400 answer. */
static int parse_body(struct worker *w, struct req *r, struct call *c, struct buf *tmp)
{
	struct json_error err;
	memset(c, 0, sizeof *c);
	/* as deep as segpipe's bodies go (SingleStore's own parser has no
	 * lower limit that we know of): the database decides what it stores */
	if (json_parse(r->body.p ? r->body.p : "", r->body.len, SEG_BODY_DEPTH, &w->mem, &err) != 0) {
		buf_printf(tmp, "Error parsing request body: %s at offset %zu", err.msg, err.offset);
		answer_text(r, 400, buf_cstr(tmp));
		return -1;
	}
	if (json_type_at(r->body.p, r->body.p + r->body.len) != JSON_OBJECT) {
		answer_text(r, 400, "Error parsing request body: not a JSON object");
		return -1;
	}
	if (!json_members_get(&w->mem, "sql", &c->sql) || c->sql.type != JSON_STRING) {
		answer_text(r, 400, "Error parsing request body: \"sql\" must be a string");
		return -1;
	}
	if (json_members_get(&w->mem, "args", &c->args) &&
	    c->args.type != JSON_ARRAY && c->args.type != JSON_NULL) {
		answer_text(r, 400, "Error parsing request body: \"args\" must be an array");
		return -1;
	}
	if (json_members_get(&w->mem, "database", &c->db) &&
	    c->db.type != JSON_STRING && c->db.type != JSON_NULL) {
		answer_text(r, 400, "Error parsing request body: \"database\" must be a string");
		return -1;
	}
	buf_reset(tmp);
	json_str_decode(c->sql, tmp);
	c->sql_text = xstrdup(buf_cstr(tmp));
	if (strlen(c->sql_text) != tmp->len) {
		answer_text(r, 400, "Error parsing request body: NUL character in \"sql\"");
		return -1;
	}
	if (c->db.type == JSON_STRING) {
		buf_reset(tmp);
		json_str_decode(c->db, tmp);
		c->db_name = xstrdup(buf_cstr(tmp));
		if (strlen(c->db_name) != tmp->len || tmp->len == 0) {
			answer_text(r, 400, "Error parsing request body: bad \"database\"");
			return -1;
		}
	}
	return 0;
}

/* escape_mysql: the connection's own escaping (it knows the charset and
 * sql_mode); the plain utf8 escaping if it refuses the bytes. */
static size_t escape_mysql(void *ctx, char *to, const char *from, size_t n)
{
	unsigned long r = mysql_real_escape_string(ctx, to, from, (unsigned long)n);
	if (r == (unsigned long)-1)
		return sql_escape_plain(NULL, to, from, n);
	return r;
}

/* write_results: the answer of a statement that ran on s. */
static void write_results(struct req *r, struct slot *s, uint64_t *affected)
{
	MYSQL_RES *res = mysql_store_result(s->m);
	buf_reset(&r->out);
	r->status = 200;
	r->text = 0;
	my_ulonglong aff = mysql_affected_rows(s->m);
	*affected = aff == (my_ulonglong)-1 ? 0 : aff;
	if (r->ep == EP_EXEC) {
		/* a statement returning rows affected none and inserted nothing
		 * (the Go driver's answer); its insert id would be an earlier one */
		unsigned long long id = res ? 0 : (unsigned long long)mysql_insert_id(s->m);
		if (res)
			*affected = 0;
		buf_printf(&r->out, "{\"lastInsertId\":%llu,\"rowsAffected\":%llu}",
		           id, (unsigned long long)*affected);
	} else {
		buf_adds(&r->out, "{\"results\":[");
		if (res)
			(r->ep == EP_ROWS ? sqlresult_rows : sqlresult_tuples)(&r->out, res);
		buf_adds(&r->out, "]}");
	}
	if (res)
		mysql_free_result(res);
}

/* end_session: nothing a statement did to the session (locks, variables,
 * temporary tables, transactions, prepared statements, USE) outlives its
 * request: the connection is reset, and the current database is taken
 * from what the server reports. 0, or -1 with the slot closed. */
static int end_session(struct slot *s)
{
	if (mysql_reset_connection(s->m) != 0 || strict_session(s->m) != 0) {
		slot_close(s);
		return -1;
	}
	const char *db = s->m->db;
	if (!db != !s->db || (db && strcmp(db, s->db) != 0)) {
		free(s->db);
		s->db = db ? xstrdup(db) : NULL;
	}
	return 0;
}

/* run_sql: execute the bound statement on s and fill the answer. An empty
 * statement is sent as one space, so that the server answers "Query was
 * empty" (libmariadb takes a zero length to mean strlen). */
static int run_sql(struct req *r, struct slot *s, const char *sql,
                   size_t n, uint64_t *affected, struct buf *tmp)
{
	if (n == 0) {
		sql = " ";
		n = 1;
	}
	if (mysql_real_query(s->m, sql, n) != 0) {
		unsigned code = mysql_errno(s->m);
		buf_reset(tmp);
		sqlresult_error(tmp, s->m);
		answer_db_error(r, code, tmp);
		if (code >= 2000 && code < 3000)
			slot_close(s);
		else
			end_session(s);
		return 0;
	}
	write_results(r, s, affected);
	end_session(s);
	return 1;
}

/* db_prepare: the connection for r's user and database, and the statement
 * of c, translated and bound, in w->sql. 0, or -1 with the answer set. */
static int db_prepare(struct worker *w, struct req *r, struct call *c, struct slot **sp,
                      int *translated, struct buf *tmp)
{
	unsigned code = 0;
	struct slot *s = get_slot(w, r->user, r->pass, tmp, &code);
	if (!s) {
		answer_db_error(r, code, tmp);
		return -1;
	}
	if (use_db(s, c->db_name, r->pass) != 0) {
		code = mysql_errno(s->m);
		buf_reset(tmp);
		sqlresult_error(tmp, s->m);
		answer_db_error(r, code, tmp);
		return -1;
	}
	const char *sql = c->sql_text;
	size_t n = strlen(sql);
	buf_reset(&w->ddl);
	if (sqlmariadb_translate(sql, n, &w->ddl)) {
		*translated = 1;
		sql = buf_cstr(&w->ddl);
		n = w->ddl.len;
	}
	buf_reset(&w->sql);
	char err[128];
	if (sql_bind(&w->sql, sql, n, c->args, escape_mysql, s->m, err, sizeof err) != 0) {
		answer_text(r, 400, err);
		return -1;
	}
	*sp = s;
	return 0;
}

/* sink_shape: what the sink needs of statement sql[0..n): is it empty,
 * its placeholders, the rows it inserts. Kept for the worker's last
 * statement: a loader's batches of one table carry the same one. */
static void sink_shape(struct worker *w, const char *sql, size_t n)
{
	struct sqltok t;
	if (w->sink_sql.p && n == w->sink_sql.len && memcmp(sql, w->sink_sql.p, n) == 0)
		return;
	sqllex_code(sql, n, 0, &t);
	w->sink_empty = t.type == SQLT_END;
	w->sink_q = sql_placeholders(sql, n);
	w->sink_rows = batch_rows(sql, n);
	buf_reset(&w->sink_sql);
	buf_add(&w->sink_sql, sql, n);
}

/* sink_check: what the database would refuse before running anything: an
 * empty statement, or args that do not match the placeholders. 0, or -1
 * with that answer set. */
static int sink_check(struct worker *w, struct req *r, struct call *c)
{
	char err[128];
	sink_shape(w, c->sql_text, strlen(c->sql_text));
	if (w->sink_empty) {
		answer_text(r, 400, "Error 1065 (42000): Query was empty");
		return -1;
	}
	if (sql_args_match(w->sink_q, c->args, &w->mem, err, sizeof err) != 0) {
		answer_text(r, 400, err);
		return -1;
	}
	return 0;
}

/* sink_answer: the answer of a database that took the statement and
 * stored nothing: every row of an INSERT ... VALUES affected, an empty
 * result set for a query. */
static void sink_answer(struct worker *w, struct req *r, uint64_t *affected)
{
	r->status = 200;
	r->text = 0;
	buf_reset(&r->out);
	if (r->ep == EP_EXEC) {
		*affected = w->sink_rows;
		buf_printf(&r->out, "{\"lastInsertId\":0,\"rowsAffected\":%llu}",
		           (unsigned long long)*affected);
	} else if (r->ep == EP_ROWS) {
		buf_adds(&r->out, "{\"results\":[{\"rows\":[]}]}");
	} else {
		buf_adds(&r->out, "{\"results\":[{\"columns\":[],\"rows\":[]}]}");
	}
}

/* inject_fault: the fault decided for r (--fail-rate, --drop-rate); 1 when
 * the statement must not run (answered or dropped). */
static int inject_fault(struct req *r, enum fault *f)
{
	*f = decide_fault(r->seq);
	if (*f != F_NONE)
		atomic_fetch_add(&n_faults, 1);
	if (*f == F_FAIL) {
		answer_text(r, opt.fail_status, "s2-gateway: injected failure (--fail-rate)");
		return 1;
	}
	if (*f == F_DROP_BEFORE) {
		r->drop = 1;
		return 1;
	}
	return 0;
}

/* handle: everything a worker does for one request. */
static void handle(struct worker *w, struct req *r)
{
	struct call c;
	struct buf tmp = BUF_INIT;
	enum fault f = F_NONE;
	int executed = 0, translated = 0;
	uint64_t affected = 0, t0 = now_ms();
	struct slot *s = NULL;

	if (opt.delay_ms)
		usleep(opt.delay_ms * 1000u);
	if (parse_body(w, r, &c, &tmp) != 0)
		goto out;
	buf_reset(&tmp);
	if (opt.sink ? sink_check(w, r, &c) : db_prepare(w, r, &c, &s, &translated, &tmp))
		goto out;
	if (inject_fault(r, &f))
		goto out;
	if (opt.sink) {
		sink_answer(w, r, &affected);
		executed = 1;
	} else {
		executed = run_sql(r, s, buf_cstr(&w->sql), w->sql.len, &affected, &tmp);
	}
	if (executed) {
		atomic_fetch_add(&n_statements, 1);
		atomic_fetch_add(&n_rows, affected);
	}
	if (f == F_DROP_AFTER)
		r->drop = 1;
out:
	log_request(r, c.db_name, c.sql, c.args, &w->mem, f, executed, translated, affected,
	            now_ms() - t0);
	free(c.sql_text);
	free(c.db_name);
	buf_free(&tmp);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (;;) {
		pthread_mutex_lock(&q.mu);
		while (!q.head && !q.stopping)
			pthread_cond_wait(&q.cv, &q.mu);
		struct req *r = q.head;
		if (r) {
			q.head = r->next;
			if (!q.head)
				q.tail = NULL;
		}
		pthread_mutex_unlock(&q.mu);
		if (!r)
			break;
		handle(w, r);
		atomic_store(&r->done, 1);
		MHD_resume_connection(r->conn);
	}
	for (int i = 0; i < SLOTS; i++)
		slot_close(&w->slot[i]);
	buf_free(&w->sql);
	buf_free(&w->ddl);
	buf_free(&w->sink_sql);
	json_members_free(&w->mem);
	if (!opt.sink)
		mysql_thread_end();
	return NULL;
}

/* enqueue: suspend the connection and hand r to the workers; 0 when the
 * server is stopping and takes no more work. Both happen under the queue
 * lock, so a worker cannot resume the connection before it is suspended. */
static int enqueue(struct req *r)
{
	r->next = NULL;
	pthread_mutex_lock(&q.mu);
	if (q.stopping) {
		pthread_mutex_unlock(&q.mu);
		return 0;
	}
	MHD_suspend_connection(r->conn);
	if (q.tail)
		q.tail->next = r;
	else
		q.head = r;
	q.tail = r;
	pthread_cond_signal(&q.cv);
	pthread_mutex_unlock(&q.mu);
	return 1;
}

/* ---- slow clients --------------------------------------------------------- */

/* Every open connection, with the time its current request head began. A
 * head not complete within --head-timeout gets its socket shut down (the
 * HTTP thread then closes it): trickling bytes does not keep it open.
 * libmicrohttpd notifies a close before it closes the socket, and both
 * that and the shutdown happen under watch_mu, so a reused descriptor is
 * never touched. */
/* ---- HTTP -------------------------------------------------------------- */

/* reply: queue r's answer (text, JSON or r->ctype); the body is copied. */
static enum MHD_Result reply(struct MHD_Connection *conn, struct req *r)
{
	const char *ctype = r->ctype ? r->ctype : r->text ? "text/plain; charset=utf-8" : "application/json";
	if (r->answered)
		return MHD_YES;
	r->answered = 1;
	struct MHD_Response *resp = MHD_create_response_from_buffer(r->out.len,
	                                                            r->out.p ? r->out.p : "",
	                                                            MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (r->www_auth)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, REALM);
	if (r->status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->ep == EP_GET ? "GET, HEAD" : "POST");
	if (r->close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* early_answer: r is answered from its headers; a body is read and dropped
 * (up to DISCARD_MAX) before the answer goes, so the connection stays open
 * for the next request, as with Go's net/http. */
static void early_answer(struct req *r, unsigned status, const char *text, int www_auth)
{
	r->early = 1;
	r->www_auth = www_auth;
	answer_text(r, status, text);
}

/* json_content_type: is the header application/json, parameters allowed? */
static int json_content_type(const char *ct)
{
	if (!ct)
		return 0;
	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, "application/json", 16) != 0)
		return 0;
	ct += 16;
	while (*ct == ' ')
		ct++;
	return *ct == 0 || *ct == ';';
}

static int endpoint_of(const char *url)
{
	if (strcmp(url, "/api/v2/exec") == 0)
		return EP_EXEC;
	if (strcmp(url, "/api/v2/query/rows") == 0)
		return EP_ROWS;
	if (strcmp(url, "/api/v2/query/tuples") == 0)
		return EP_TUPLES;
	return -1;
}

/* header_count: how many times header h came, and whether all said the same */
struct header_count {
	const char *name, *first;
	int n, differ;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
	struct header_count *c = cls;
	(void)kind;
	if (strcasecmp(key, c->name) != 0)
		return MHD_YES;
	if (c->n++ == 0)
		c->first = value;
	else if (strcmp(value, c->first) != 0)
		c->differ = 1;
	return MHD_YES;
}

/* expects_continue: did the client hold the body back for 100 Continue? */
static int expects_continue(struct MHD_Connection *conn)
{
	const char *e = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
	return e && strcasecmp(e, "100-continue") == 0;
}

/* check_get: GET /ping and GET /api/v2/spec, answered from the headers. */
static void check_get(struct req *r, const char *url, const char *method)
{
	r->ep = EP_GET;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		early_answer(r, 405, "Method Not Allowed", 0);
		return;
	}
	r->early = 1;
	r->status = 200;
	if (strcmp(url, "/ping") == 0) {
		r->text = 1;
		buf_adds(&r->out, "pong");
	} else {
		r->ctype = "text/plain; charset=utf-8";     /* YAML, as the client expects */
		buf_adds(&r->out, openapi_spec);
	}
}

/* check_request: route, method, credentials, Content-Type and declared
 * length, before any body is read: an early answer, a body to drop, or an
 * API request for the workers (r->user, r->pass and r->ep set). */
static void check_request(struct MHD_Connection *conn, const char *url, const char *method,
                          struct req *r)
{
	if (strcmp(url, "/ping") == 0 || strcmp(url, "/api/v2/spec") == 0) {
		check_get(r, url, method);
		return;
	}
	int ep = endpoint_of(url);
	if (ep < 0) {
		early_answer(r, 404, "404 page not found", 0);
		return;
	}
	r->ep = (enum endpoint)ep;
	if (strcmp(method, "POST") != 0) {
		early_answer(r, 405, "Method Not Allowed", 0);
		return;
	}
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
		early_answer(r, 401, "s2-gateway: JWT (Bearer) authentication is not supported; use Basic", 1);
		return;
	}
	if (httpd_basic_auth(auth, &r->user, &r->pass) != 0) {
		early_answer(r, 401, "Unauthorized: Basic authentication required", 1);
		return;
	}
	if (!json_content_type(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type"))) {
		early_answer(r, 415, "Content-Type must be application/json", 0);
		return;
	}
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	if (cl && strtoull(cl, NULL, 10) > opt.max_body)
		r->too_large = 1;
}

/* start_request: the first call for a request. Conflicting Content-Length
 * headers leave the body's end unknown: 400 and close, as Go does. An
 * answer known now goes at once when the client waits for 100 Continue
 * (it will not send the body) or the body is too big to drop. */
static enum MHD_Result start_request(struct MHD_Connection *conn, const char *url,
                                     const char *method, void **con_cls)
{
	struct req *r = xcalloc(1, sizeof *r);
	r->conn = conn;
	*con_cls = r;
	httpd_head_mark(conn, 1);
	struct header_count cl = {"Content-Length", NULL, 0, 0};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &cl);
	if (cl.differ) {
		early_answer(r, 400, "400 Bad Request: http: message cannot contain multiple Content-Length headers", 0);
		r->close = 1;
		return reply(conn, r);
	}
	check_request(conn, url, method, r);
	uint64_t declared = cl.first ? strtoull(cl.first, NULL, 10) : 0;
	if (!r->early && !r->too_large && declared <= opt.max_body)
		buf_grow(&r->body, (size_t)declared);   /* one allocation, no copies as it grows */
	if (r->too_large && !r->early)
		answer_text(r, opt.body_status, BODY_TOO_LARGE);
	if ((r->early || r->too_large) && (expects_continue(conn) || declared > DISCARD_MAX)) {
		if (r->too_large || declared > 0)
			r->close = 1;
		return reply(conn, r);
	}
	return MHD_YES;
}

/* finish_request: the body is in; queue it, or answer a finished one. A
 * body over the limit closes the connection after the answer (as Go's
 * MaxBytesReader does), once it has been read, so the client sees the
 * answer rather than a reset. */
static enum MHD_Result finish_request(struct MHD_Connection *conn, struct req *r)
{
	if (r->early)
		return reply(conn, r);
	if (r->too_large) {
		answer_text(r, opt.body_status, BODY_TOO_LARGE);
		r->close = 1;
		return reply(conn, r);
	}
	if (!r->queued) {
		r->queued = 1;
		r->seq = atomic_fetch_add(&seq_counter, 1) + 1;
		atomic_fetch_add(&n_requests, 1);
		atomic_fetch_add(&n_bytes, r->body.len);
		if (!enqueue(r)) {
			answer_text(r, 503, "s2-gateway: shutting down");
			return reply(conn, r);
		}
		return MHD_YES;
	}
	if (!atomic_load(&r->done))
		return MHD_YES;
	if (r->drop)
		return MHD_NO;     /* closes the connection without an answer */
	return reply(conn, r);
}

/* take_body: a piece of the body: kept, or dropped when the request is
 * answered already or over the limit; past DISCARD_MAX the answer goes
 * and the connection closes. */
static enum MHD_Result take_body(struct MHD_Connection *conn, struct req *r, const char *p,
                                 size_t *n)
{
	r->seen += *n;
	if (!r->early && !r->too_large && r->seen > opt.max_body) {
		r->too_large = 1;
		buf_free(&r->body);
	}
	if (!r->early && !r->too_large)
		buf_add(&r->body, p, *n);
	*n = 0;
	if (r->seen > DISCARD_MAX) {
		r->close = 1;
		return finish_request(conn, r);
	}
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct req *r = *con_cls;
	if (!r)
		return start_request(conn, url, method, con_cls);
	if (*upload_size)
		return take_body(conn, r, upload, upload_size);
	return finish_request(conn, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)toe;
	struct req *r = *con_cls;
	httpd_head_mark(conn, 0);     /* the next head on this connection, from now */
	if (!r)
		return;
	buf_free(&r->body);
	buf_free(&r->out);
	if (r->pass)
		memset(r->pass, 0, strlen(r->pass));
	free(r->user);
	free(r->pass);
	free(r);
	*con_cls = NULL;
}

/* ---- start-up ---------------------------------------------------------- */

static void usage(void)
{
	printf("usage: %s [OPTIONS]\n"
"Serve SingleStore's Data API (GET /ping, POST /api/v2/exec, /api/v2/query/rows,\n"
"/api/v2/query/tuples) in front of a MariaDB server. Basic auth is checked by\n"
"connecting to MariaDB as that user. With --sink, no database: requests are\n"
"checked and answered at once, and nothing is stored.\n\n"
"  -l, --listen ADDR        listen address (default 127.0.0.1)\n"
"  -p, --port N             port (default 9000; 0 picks a free one)\n"
"      --port-file FILE     write the port to FILE once listening\n"
"      --db-host HOST       MariaDB host (default 127.0.0.1)\n"
"      --db-port N          MariaDB port (default 3306)\n"
"      --sink               no database: answer every valid request at once, as if\n"
"                           every row were inserted (loopback addresses only)\n"
"      --stats FILE         write the counters as JSON at exit\n"

"  -w, --workers N          worker threads, one MariaDB connection each (default 8)\n"
"      --max-body SIZE      request body limit (default 1048576)\n"
"      --body-limit-status CODE  status for a body over the limit (default 413)\n"
"      --cert FILE --key FILE    serve HTTPS with this PEM certificate and key\n"
"      --fail-rate P        answer a fraction P of requests with --fail-status\n"
"      --fail-status CODE   status of injected failures (default 503)\n"
"      --drop-rate P        close the connection without answering for a fraction P\n"
"      --drop-when WHEN     before (not executed), after (committed) or both (default)\n"
"      --delay-ms N         wait N ms before each request\n"
"      --seed N             seed of the fault decisions (default 1)\n"
"      --log FILE           append one JSON line per request (what was executed)\n"
"      --max-conns-per-ip N connections from one address at a time (default 256; 0: no limit)\n"
"      --head-timeout S     close a connection whose request head takes longer (default 10)\n"
"  -q, --quiet              no summary on exit\n"
"  -h, --help               this help\n"
"  -V, --version            version\n", progname);
}

/* is_loopback: is addr a numeric loopback address (127.0.0.0/8, ::1, or
 * ::ffff:127.x.y.z)? */
static int is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) != 1)
		return 0;
	return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
}

static void parse_options(int argc, char **argv)
{
	enum { O_PORT_FILE = 256, O_DB_HOST, O_DB_PORT, O_DB_SOCKET, O_MAX_BODY, O_BODY_STATUS,
	       O_CERT, O_KEY, O_FAIL_RATE, O_FAIL_STATUS, O_DROP_RATE, O_DROP_WHEN, O_DELAY,
	       O_SEED, O_LOG, O_PROGRESS, O_NO_PROGRESS, O_PER_IP, O_HEAD_TIMEOUT, O_SINK,
	       O_STATS };
	static const struct option lo[] = {
		{"listen", required_argument, 0, 'l'}, {"port", required_argument, 0, 'p'},
		{"port-file", required_argument, 0, O_PORT_FILE},
		{"db-host", required_argument, 0, O_DB_HOST}, {"db-port", required_argument, 0, O_DB_PORT},
		{"db-socket", required_argument, 0, O_DB_SOCKET},
		{"sink", no_argument, 0, O_SINK}, {"stats", required_argument, 0, O_STATS},
		{"workers", required_argument, 0, 'w'}, {"max-body", required_argument, 0, O_MAX_BODY},
		{"body-limit-status", required_argument, 0, O_BODY_STATUS},
		{"cert", required_argument, 0, O_CERT}, {"key", required_argument, 0, O_KEY},
		{"fail-rate", required_argument, 0, O_FAIL_RATE},
		{"fail-status", required_argument, 0, O_FAIL_STATUS},
		{"drop-rate", required_argument, 0, O_DROP_RATE},
		{"drop-when", required_argument, 0, O_DROP_WHEN},
		{"delay-ms", required_argument, 0, O_DELAY}, {"seed", required_argument, 0, O_SEED},
		{"log", required_argument, 0, O_LOG}, {"quiet", no_argument, 0, 'q'},
		{"max-conns-per-ip", required_argument, 0, O_PER_IP},
		{"head-timeout", required_argument, 0, O_HEAD_TIMEOUT},
		{"progress", no_argument, 0, O_PROGRESS}, {"no-progress", no_argument, 0, O_NO_PROGRESS},
		{"help", no_argument, 0, 'h'}, {"version", no_argument, 0, 'V'}, {0, 0, 0, 0},
	};
	int c;
	while ((c = cli_getopt(argc, argv, "l:p:w:qhV", lo)) != -1) {
		switch (c) {
		case 'l': opt.listen = optarg; break;
		case 'p': opt.port = (unsigned)opt_uint("--port", optarg, 0, 65535); break;
		case O_PORT_FILE: opt.port_file = optarg; break;
		case O_DB_HOST: opt.db_host = optarg; opt.db_given = 1; break;
		case O_DB_PORT:
			opt.db_port = (unsigned)opt_uint("--db-port", optarg, 1, 65535);
			opt.db_given = 1;
			break;
		case O_SINK: opt.sink = 1; break;
		case O_STATS: opt.stats = optarg; break;
		case O_DB_SOCKET:
			usage_error("--db-socket is refused: over a Unix socket, MariaDB's unix_socket "
			            "authentication would accept the gateway's OS user whatever password "
			            "a client sends; use --db-host and --db-port");
			break;
		case 'w': opt.workers = (unsigned)opt_uint("--workers", optarg, 1, 1024); break;
		case O_MAX_BODY: opt.max_body = opt_size("--max-body", optarg); break;
		case O_BODY_STATUS: opt.body_status = (unsigned)opt_uint("--body-limit-status", optarg, 400, 599); break;
		case O_CERT: opt.cert = optarg; break;
		case O_KEY: opt.key = optarg; break;
		case O_FAIL_RATE: opt.fail_rate = opt_double("--fail-rate", optarg, 0, 1); break;
		case O_FAIL_STATUS: opt.fail_status = (unsigned)opt_uint("--fail-status", optarg, 100, 599); break;
		case O_DROP_RATE: opt.drop_rate = opt_double("--drop-rate", optarg, 0, 1); break;
		case O_DROP_WHEN:
			if (strcmp(optarg, "before") == 0) opt.drop_when = DROP_BEFORE;
			else if (strcmp(optarg, "after") == 0) opt.drop_when = DROP_AFTER;
			else if (strcmp(optarg, "both") == 0) opt.drop_when = DROP_BOTH;
			else usage_error("--drop-when: expected before, after or both, not '%s'", optarg);
			break;
		case O_DELAY: opt.delay_ms = (unsigned)opt_uint("--delay-ms", optarg, 0, 3600000); break;
		case O_SEED: opt.seed = opt_uint("--seed", optarg, 0, UINT64_MAX); break;
		case O_LOG: opt.log = optarg; break;
		case O_PER_IP: opt.per_ip = (unsigned)opt_uint("--max-conns-per-ip", optarg, 0, 4000); break;
		case O_HEAD_TIMEOUT: opt.head_timeout = (unsigned)opt_uint("--head-timeout", optarg, 1, 3600); break;
		case 'q': opt.quiet = 1; break;
		case O_PROGRESS: case O_NO_PROGRESS: break;
		case 'h': cli_help(usage);
		case 'V': print_version(); exit(cli_stdout_status());
		default: usage_error("unknown option");
		}
	}
	if (optind < argc)
		usage_error("unexpected operand '%s'", argv[optind]);
	if (!opt.cert != !opt.key)
		usage_error("--cert and --key go together");
	if (opt.sink && opt.db_given)
		usage_error("--sink uses no database: --db-host and --db-port do not go with it");
	if (opt.sink && !is_loopback(opt.listen))
		usage_error("--sink accepts any credentials, so it listens on a loopback address "
		            "only (127.0.0.0/8, ::1), not '%s'", opt.listen);
}

/* report: the summary line and --stats; the exit status. */
static int report(struct stats *sp)
{
	struct stats st = *sp;
	stats_add(&st, "requests", n_requests);
	stats_add(&st, "statements", n_statements);
	stats_add(&st, "rows", n_rows);
	stats_add(&st, "bytes", n_bytes);
	stats_add(&st, "faults", n_faults);
	stats_add(&st, "slow_heads", httpd_head_timeouts());
	if (!opt.quiet)
		fprintf(stderr, "%s: %llu requests, %llu faults injected, %llu slow request heads closed; "
		        "%llu statements, %llu rows, %llu body bytes\n",
		        progname, (unsigned long long)n_requests, (unsigned long long)n_faults,
		        httpd_head_timeouts(), (unsigned long long)n_statements,
		        (unsigned long long)n_rows, (unsigned long long)n_bytes);
	int rc = EX_DONE;
	if (opt.stats && stats_write(&st, opt.stats) != 0) {
		warnmsg("%s: %s", opt.stats, strerror(errno));
		rc = EX_IOERR;
	}
	stats_free(&st);
	return rc;
}

int main(int argc, char **argv)
{
	struct stats st;
	cli_init(argv[0]);
	stats_init(&st);
	parse_options(argc, argv);
	if (opt.log && !(logf = fopen(opt.log, "a")))
		die(EX_IOERR, "%s: %s", opt.log, strerror(errno));
	if (!opt.sink && mysql_library_init(0, NULL, NULL) != 0)
		die(EX_UNAVAILABLE, "cannot initialise the MariaDB client library");

	/* every thread inherits a mask with the stop signals blocked; main waits */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	struct worker *w = xcalloc(opt.workers, sizeof *w);
	for (unsigned i = 0; i < opt.workers; i++) {
		w[i].mem.sub_key = "args";   /* args counted from the parse, not by skipping them again */
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0)
			die(EX_IOERR, "cannot start worker threads");
	}
	struct httpd_conf hc = {
		.listen = opt.listen, .port = opt.port, .per_ip = opt.per_ip, .max_conns = 4000,
		.head_timeout = opt.head_timeout, .cert = opt.cert, .key = opt.key,
		.flags = MHD_ALLOW_SUSPEND_RESUME, .handler = on_request, .completed = on_completed,
	};
	unsigned port;
	struct MHD_Daemon *d = httpd_start(&hc, &port);
	if (opt.port_file)
		httpd_port_file(opt.port_file, port);
	if (!opt.quiet)
		fprintf(stderr, "%s: listening on %s port %u (%s), %u workers%s\n", progname,
		        opt.listen, port, opt.cert ? "https" : "http", opt.workers,
		        opt.sink ? ", sink: no database" : "");

	/* stop: workers finish what is queued and resume those connections,
	 * new requests get 503, then the HTTP side goes */
	int sig;
	sigwait(&stop, &sig);
	pthread_mutex_lock(&q.mu);
	q.stopping = 1;
	pthread_cond_broadcast(&q.cv);
	pthread_mutex_unlock(&q.mu);
	for (unsigned i = 0; i < opt.workers; i++)
		pthread_join(w[i].thread, NULL);
	MHD_stop_daemon(d);
	free(w);
	if (!opt.sink)
		mysql_library_end();
	if (logf)
		fclose(logf);
	return report(&st);
}
