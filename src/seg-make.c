/* seg-make: turn rows (NDJSON objects, as s2-query writes them) into Segment
 * messages: identify (traits), track (an event with properties) or group.
 * Message ids are a hash of what the message says, so a re-run of the same
 * rows makes the same ids and Segment drops the repeats. Every message it
 * writes passes seg-validate; a row that cannot become one is a reject. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "frame.h"
#include "isotime.h"
#include "json.h"
#include "lineio.h"
#include "seglimits.h"
#include "sha256.h"

enum kind { K_IDENTIFY, K_TRACK, K_GROUP };
static const char *const kind_names[] = { "identify", "track", "group" };

struct cols {                  /* a comma-separated list of column names */
	char **name;
	size_t n;
	int given;                 /* the option was given (it may be empty) */
};

struct maker {
	enum kind kind;
	const char *user_col, *anon_col, *group_col, *event, *event_col, *ts_col;
	struct cols fields;        /* --traits or --properties */
	struct cols id_from;
	char run_time[32];         /* the timestamp of rows without --timestamp-col */
	size_t max_bytes, max_line;
	struct frame io;           /* output, rejects, counters, progress */
	struct json_members mem;
	struct buf msg, hash_in, tmp;
};

static void usage(void)
{
	printf("usage: seg-make identify --user-id COL [--traits COLS] [options] [FILE...]\n"
	       "       seg-make track (--event NAME | --event-col COL) --user-id COL [--properties COLS] [options] [FILE...]\n"
	       "       seg-make group --group-id COL --user-id COL [--traits COLS] [options] [FILE...]\n"
	       "Turn rows (one JSON object per line) into Segment messages; reject rows that cannot be one.\n\n"
	       "      --user-id COL          the column holding userId\n"
	       "      --anonymous-id COL     the column holding anonymousId (a row needs one of the two)\n"
	       "      --group-id COL         the column holding groupId (group)\n"
	       "      --event NAME           the event name (track)\n"
	       "      --event-col COL        the column holding the event name (track)\n"
	       "      --traits COLS          columns that become traits (default: all the others)\n"
	       "      --properties COLS      columns that become properties (default: all the others)\n"
	       "      --timestamp-col COL    the column holding the timestamp (default: the run's start)\n"
	       "      --id-from COLS         hash these columns (and the kind, event) into messageId\n"
	       "  -o, --output FILE          write messages to FILE (default stdout)\n"
	       "  -r, --rejects FILE         write reject records to FILE (default: report on stderr)\n"
	       "      --max-bytes N          largest message in bytes (default 32768)\n"
	       "      --stats FILE           write the end summary as JSON to FILE\n"
	       "  -q, --quiet                no summary line\n"
	       "      --progress, --no-progress  force the progress line on or off\n"
	       "  -h, --help                 this help\n"
	       "  -V, --version              version\n\n"
	       "Exit status: 0 every row made a message, 1 some rejected, 64 usage, 66 input not found, 74 I/O error.\n");
}

/* ---- values ------------------------------------------------------------ */

/* get: the column's value; 0 when it is missing or null. */
static int get(struct maker *m, const char *col, struct json_slice *v)
{
	return col && json_members_get(&m->mem, col, v) && v->type != JSON_NULL;
}

/* add_id: "key":value for an id column: a non-empty string as it is, a
 * number as a string. 0 when absent (missing, null, ""), 1 when added, -1
 * when the value is of another type. */
static int add_id(struct maker *m, const char *key, const char *col)
{
	struct json_slice v;
	if (!get(m, col, &v) || (v.type == JSON_STRING && v.n <= 2))
		return 0;
	if (v.type != JSON_STRING && v.type != JSON_NUMBER)
		return -1;
	buf_printf(&m->msg, ",\"%s\":", key);
	if (v.type == JSON_STRING)
		buf_add(&m->msg, v.p, v.n);
	else
		json_write_str(&m->msg, v.p, v.n);
	buf_add(&m->hash_in, key, strlen(key));
	buf_addc(&m->hash_in, '\0');
	buf_add(&m->hash_in, v.p, v.n);
	buf_addc(&m->hash_in, '\0');
	return 1;
}

/* add_timestamp: "timestamp" from the column (ISO-8601; a time without a
 * zone, as DATETIME columns come, is UTC) or the run's time. */
static const char *add_timestamp(struct maker *m, char *detail, size_t n)
{
	struct json_slice v;
	struct isotime t;
	const char *why = NULL;
	char out[27];
	if (!m->ts_col) {
		buf_printf(&m->msg, ",\"timestamp\":\"%s\"", m->run_time);
		return NULL;
	}
	if (!get(m, m->ts_col, &v) || v.type != JSON_STRING) {
		snprintf(detail, n, "column %s is %s, not a date-time string", m->ts_col,
		         !json_members_get(&m->mem, m->ts_col, &v) ? "missing" : v.type == JSON_NULL ? "null" : "not a string");
		return "bad_timestamp";
	}
	buf_reset(&m->tmp);
	json_str_decode(v, &m->tmp);
	if (isotime_parse(m->tmp.p ? m->tmp.p : "", m->tmp.len, &t, &why) < 0) {
		buf_addc(&m->tmp, 'Z');
		if (isotime_parse(m->tmp.p, m->tmp.len, &t, &why) < 0 || t.sec < 0) {
			m->tmp.len--;
			snprintf(detail, n, "column %s \"%.40s\" is not a date-time", m->ts_col, buf_cstr(&m->tmp));
			return "bad_timestamp";
		}
	}
	isotime_format(&t, out);
	out[10] = 'T';
	buf_printf(&m->msg, ",\"timestamp\":\"%sZ\"", out);
	buf_add(&m->hash_in, v.p, v.n);
	buf_addc(&m->hash_in, '\0');
	return NULL;
}

/* ---- the object of traits or properties ------------------------------- */

static int is_named(const struct cols *c, struct json_slice key)
{
	for (size_t i = 0; i < c->n; i++)
		if (json_key_eq(key, c->name[i]))
			return 1;
	return 0;
}

/* used: a column that an option put elsewhere in the message. */
static int used(const struct maker *m, struct json_slice key)
{
	const char *c[] = { m->user_col, m->anon_col, m->group_col, m->event_col, m->ts_col };
	for (size_t i = 0; i < sizeof c / sizeof *c; i++)
		if (c[i] && json_key_eq(key, c[i]))
			return 1;
	return 0;
}

/* add_fields: "traits" or "properties": the named columns in the row's
 * order, or every column no other option took. */
static void add_fields(struct maker *m)
{
	size_t start;
	int first = 1;
	buf_printf(&m->msg, ",\"%s\":{", m->kind == K_TRACK ? "properties" : "traits");
	start = m->msg.len;
	for (size_t i = 0; i < m->mem.n; i++) {
		struct json_member *e = &m->mem.m[i];
		if (m->fields.given ? !is_named(&m->fields, e->key) : used(m, e->key))
			continue;
		if (!first)
			buf_addc(&m->msg, ',');
		first = 0;
		buf_add(&m->msg, e->key.p, e->key.n);
		buf_addc(&m->msg, ':');
		json_write_compact(&m->msg, e->val);
	}
	buf_addc(&m->msg, '}');
	buf_add(&m->hash_in, m->msg.p + start - 1, m->msg.len - start + 1);
	buf_addc(&m->hash_in, '\0');
}

/* add_event: track's event name, from --event or its column. */
static const char *add_event(struct maker *m, char *detail, size_t n)
{
	struct json_slice v;
	buf_adds(&m->msg, ",\"event\":");
	size_t at = m->msg.len;
	if (m->event) {
		json_write_str(&m->msg, m->event, strlen(m->event));
	} else if (get(m, m->event_col, &v) && v.type == JSON_STRING && v.n > 2) {
		buf_add(&m->msg, v.p, v.n);
	} else {
		snprintf(detail, n, "column %s holds no event name (a non-empty string)", m->event_col);
		return "missing_event";
	}
	buf_add(&m->hash_in, m->msg.p + at, m->msg.len - at);
	buf_addc(&m->hash_in, '\0');
	return NULL;
}

/* ---- one message ------------------------------------------------------- */

/* message_id: "segmake-" and 32 hex digits of SHA-256 over what the message
 * says (kind, event, ids, traits or properties, the timestamp column), or
 * over the kind, the event and the --id-from columns. */
static void message_id(struct maker *m, char out[41])
{
	unsigned char h[32];
	if (m->id_from.n) {
		struct json_slice v;
		buf_reset(&m->hash_in);
		buf_adds(&m->hash_in, kind_names[m->kind]);
		buf_addc(&m->hash_in, '\0');
		if (m->event)
			buf_adds(&m->hash_in, m->event);
		else if (get(m, m->event_col, &v))
			buf_add(&m->hash_in, v.p, v.n);
		buf_addc(&m->hash_in, '\0');
		for (size_t i = 0; i < m->id_from.n; i++) {
			if (get(m, m->id_from.name[i], &v))
				buf_add(&m->hash_in, v.p, v.n);
			else
				buf_adds(&m->hash_in, "null");
			buf_addc(&m->hash_in, '\0');
		}
	}
	sha256_2(m->hash_in.p, m->hash_in.len, NULL, 0, h);
	memcpy(out, "segmake-", 8);
	hex_encode(h, 16, out + 8);
}

/* make: the message of one row in m->msg, or the reason it cannot be one. */
static const char *make(struct maker *m, const struct line *l, char *detail, size_t n)
{
	const char *reason = frame_parse_object(l, m->max_line, SEG_JSON_DEPTH - 1, &m->mem, "row", detail, n);
	if (reason)
		return reason;
	buf_reset(&m->msg);
	buf_reset(&m->hash_in);
	buf_adds(&m->hash_in, kind_names[m->kind]);
	buf_addc(&m->hash_in, '\0');
	buf_printf(&m->msg, "{\"type\":\"%s\",\"messageId\":\"segmake-%032d\"", kind_names[m->kind], 0);
	size_t id_at = m->msg.len - 33;
	int u = add_id(m, "userId", m->user_col), a = add_id(m, "anonymousId", m->anon_col);
	if (u < 0 || a < 0) {
		snprintf(detail, n, "column %s must be a string or a number", u < 0 ? m->user_col : m->anon_col);
		return "bad_field_type";
	}
	if (!u && !a) {
		snprintf(detail, n, "no user: column %s is missing, null or empty", m->user_col ? m->user_col : m->anon_col);
		return "missing_user_or_anonymous_id";
	}
	if (m->kind == K_GROUP && add_id(m, "groupId", m->group_col) != 1) {
		snprintf(detail, n, "column %s holds no group id (a non-empty string or a number)", m->group_col);
		return "missing_group_id";
	}
	if (m->kind == K_TRACK && (reason = add_event(m, detail, n)))
		return reason;
	add_fields(m);
	if ((reason = add_timestamp(m, detail, n)))
		return reason;
	buf_addc(&m->msg, '}');
	char id[41];
	message_id(m, id);
	memcpy(m->msg.p + id_at, id + 8, 32);
	if (m->max_bytes && m->msg.len > m->max_bytes) {
		snprintf(detail, n, "message of %zu bytes is larger than --max-bytes %zu", m->msg.len, m->max_bytes);
		return "too_large";
	}
	return NULL;
}

/* make_line: one row to a message or a reject. */
static void make_line(void *ctx, const struct line *l, const char *name)
{
	struct maker *m = ctx;
	char detail[512];
	const char *reason = make(m, l, detail, sizeof detail);
	if (reason) {
		reject(&m->io.rej, reason, detail, name, l->lineno, l->p, l->len);
	} else {
		w_line(&m->io.out, m->msg.p, m->msg.len);
		stats_add(&m->io.st, "out", 1);
	}
}

/* ---- setup ------------------------------------------------------------- */

static void parse_cols(struct cols *c, const char *opt, const char *arg)
{
	char *s = xstrdup(arg), *save = NULL;
	c->given = 1;
	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		c->name = xrealloc(c->name, (c->n + 1) * sizeof *c->name);
		c->name[c->n++] = xstrdup(t);
	}
	if (!c->n && strcmp(opt, "--id-from") == 0)
		usage_error("--id-from: a comma-separated list of columns");
	free(s);
}

static void free_cols(struct cols *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->name[i]);
	free(c->name);
}

/* check_options: what each kind needs. */
static void check_options(struct maker *m, int have_traits, int have_props)
{
	if (!m->user_col && !m->anon_col)
		usage_error("give --user-id COL or --anonymous-id COL (or both)");
	if (m->kind == K_TRACK && !m->event == !m->event_col)
		usage_error("track needs --event NAME or --event-col COL (one of them)");
	if (m->kind != K_TRACK && (m->event || m->event_col))
		usage_error("--event and --event-col are for track");
	if (m->kind == K_GROUP && !m->group_col)
		usage_error("group needs --group-id COL");
	if (m->kind != K_GROUP && m->group_col)
		usage_error("--group-id is for group");
	if (m->kind == K_TRACK ? have_traits : have_props)
		usage_error(m->kind == K_TRACK ? "track takes --properties, not --traits" : "%s takes --traits, not --properties",
		            kind_names[m->kind]);
	if (m->event && !*m->event)
		usage_error("--event: an empty event name");
}

/* set_run_time: the timestamp of every message without --timestamp-col,
 * taken once so that all the messages of a run agree. */
static void set_run_time(struct maker *m)
{
	struct timespec ts;
	struct isotime t;
	char out[27];
	clock_gettime(CLOCK_REALTIME, &ts);
	t.sec = ts.tv_sec;
	t.nsec = (int32_t)ts.tv_nsec;
	isotime_format(&t, out);
	out[10] = 'T';
	snprintf(m->run_time, sizeof m->run_time, "%sZ", out);
}

/* options: the command line into m and fo, the kind operand included;
 * returns the index of the first file operand. */
static int options(int argc, char **argv, struct maker *m, struct frame_opts *fo)
{
	enum { O_USER = 256, O_ANON, O_GROUP, O_EVENT, O_EVENTCOL, O_TRAITS, O_PROPS, O_TS, O_IDFROM, O_MAXBYTES };
	static const struct option opts[] = {
		{ "user-id", required_argument, 0, O_USER }, { "anonymous-id", required_argument, 0, O_ANON },
		{ "group-id", required_argument, 0, O_GROUP }, { "event", required_argument, 0, O_EVENT },
		{ "event-col", required_argument, 0, O_EVENTCOL }, { "traits", required_argument, 0, O_TRAITS },
		{ "properties", required_argument, 0, O_PROPS }, { "timestamp-col", required_argument, 0, O_TS },
		{ "id-from", required_argument, 0, O_IDFROM }, { "max-bytes", required_argument, 0, O_MAXBYTES },
		{ "output", required_argument, 0, 'o' }, { "rejects", required_argument, 0, 'r' },
		CLI_COMMON_LONGOPTS, { 0, 0, 0, 0 } };
	int c, have_traits = 0, have_props = 0, kind = -1;
	while ((c = cli_getopt(argc, argv, "o:r:qhV", opts)) != -1) {
		switch (c) {
		case O_USER: m->user_col = optarg; break;
		case O_ANON: m->anon_col = optarg; break;
		case O_GROUP: m->group_col = optarg; break;
		case O_EVENT: m->event = optarg; break;
		case O_EVENTCOL: m->event_col = optarg; break;
		case O_TRAITS: parse_cols(&m->fields, "--traits", optarg); have_traits = 1; break;
		case O_PROPS: parse_cols(&m->fields, "--properties", optarg); have_props = 1; break;
		case O_TS: m->ts_col = optarg; break;
		case O_IDFROM: parse_cols(&m->id_from, "--id-from", optarg); break;
		case O_MAXBYTES: m->max_bytes = opt_size("--max-bytes", optarg); break;
		default: frame_option(c, optarg, fo, usage);   /* -o, -r and the common ones */
		}
	}
	if (optind == argc)
		usage_error("give the kind of message: seg-make identify|track|group [options] [FILE...]");
	for (int k = 0; k < 3; k++)   /* the first operand */
		if (strcmp(argv[optind], kind_names[k]) == 0)
			kind = k;
	if (kind < 0)
		usage_error("'%s' is not a kind of message: identify, track or group", argv[optind]);
	m->kind = (enum kind)kind;
	if (have_traits && have_props)
		usage_error("--traits and --properties exclude each other");
	check_options(m, have_traits, have_props);
	return optind + 1;
}

int main(int argc, char **argv)
{
	static const char *const counters[] = { "in", "out", "rejected", NULL };
	struct frame_opts fo = FRAME_OPTS_INIT(SEG_JSON_DEPTH - 1, SEG_JSON_DEPTH - 1);
	static struct maker m;

	cli_init(argv[0]);
	m.max_bytes = 32768;
	m.max_line = LINE_MAX_DEFAULT;
	int first = options(argc, argv, &m, &fo);
	set_run_time(&m);
	frame_open(&m.io, &fo, counters);
	int status = frame_run(&m.io, argc - first, argv + first, make_line, &m);
	status = frame_close(&m.io, status);
	json_members_free(&m.mem);
	buf_free(&m.msg);
	buf_free(&m.hash_in);
	buf_free(&m.tmp);
	free_cols(&m.fields);
	free_cols(&m.id_from);
	return status;
}
