/* batchsplit.c: split a multi-row INSERT body in two halves (see batchsplit.h). */
#include <ctype.h>
#include <string.h>

#include "batchsplit.h"
#include "seglimits.h"
#include "sqllex.h"
#include "json.h"

/* The shape of an INSERT's VALUES list: row groups as [start, end) offsets
 * into the SQL text and the number of placeholders in each part. */
struct values {
	size_t head_end;          /* prefix is sql[0..head_end), up to the first group */
	size_t head_q, tail_q;    /* placeholders before the groups and after them */
	size_t tail_start;        /* tail is sql[tail_start..) */
	struct buf groups;        /* struct group[] */
	size_t ngroups;
};
struct group { size_t start, end, q; };

/* count_q: placeholders in sql[a..b): '?' outside strings, quoted names and
 * comments (lib/sqllex decides what is code). */
static size_t count_q(const char *s, size_t a, size_t b)
{
	struct sqltok t;
	size_t q = 0;
	while ((a = sqllex_next(s, b, a, &t)), t.type != SQLT_END)
		q += sqltok_is_punct(s, &t, '?');
	return q;
}

/* find_values: the offset just after the keyword VALUES in code. */
static int find_values(const char *s, size_t n, size_t *after)
{
	struct sqltok t;
	size_t pos = 0;
	while ((pos = sqllex_code(s, n, pos, &t)), t.type != SQLT_END)
		if (sqltok_is(s, &t, "VALUES")) {
			*after = pos;
			return 0;
		}
	return -1;
}

/* group_end: s[i] is '('; the index after its matching ')', or n. */
static size_t group_end(const char *s, size_t n, size_t i)
{
	struct sqltok t;
	int depth = 0;
	while ((i = sqllex_code(s, n, i, &t)), t.type != SQLT_END) {
		if (sqltok_is_punct(s, &t, '('))
			depth++;
		else if (sqltok_is_punct(s, &t, ')') && --depth == 0)
			return i;
	}
	return n;
}

static size_t skip_space(const char *s, size_t n, size_t i)
{
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	return i;
}

/* parse_values: fill v from the statement; -1 with why when it is not a
 * multi-row INSERT ... VALUES. */
static int parse_values(const char *s, size_t n, struct values *v, const char **why)
{
	size_t i;
	memset(v, 0, sizeof *v);
	if (find_values(s, n, &i) < 0) {
		*why = "the statement has no VALUES list";
		return -1;
	}
	i = skip_space(s, n, i);
	v->head_end = i;
	v->head_q = count_q(s, 0, i);
	for (;;) {
		if (i >= n || s[i] != '(') {
			*why = "VALUES is not followed by a parenthesized row";
			return -1;
		}
		size_t e = group_end(s, n, i);
		if (e > n || s[e - 1] != ')') {
			*why = "a VALUES row is not closed";
			return -1;
		}
		struct group g = { i, e, count_q(s, i, e) };
		buf_add(&v->groups, &g, sizeof g);
		v->ngroups++;
		size_t k = skip_space(s, n, e);
		if (k < n && s[k] == ',' && skip_space(s, n, k + 1) < n && s[skip_space(s, n, k + 1)] == '(') {
			i = skip_space(s, n, k + 1);
			continue;
		}
		v->tail_start = e;
		v->tail_q = count_q(s, e, n);
		return 0;
	}
}

size_t batch_rows(const char *sql, size_t n)
{
	struct sqltok t;
	struct values v;
	const char *why;
	sqllex_code(sql, n, 0, &t);
	if (!sqltok_is(sql, &t, "INSERT") && !sqltok_is(sql, &t, "REPLACE"))
		return 0;
	if (parse_values(sql, n, &v, &why) < 0)
		v.ngroups = 0;
	buf_free(&v.groups);
	return v.ngroups;
}

/* add_args: the array of args[a..b), args[c..d) and args[e..f), byte for byte. */
static void add_args(struct buf *out, const struct json_slice *args, size_t a, size_t b, size_t c, size_t d,
                     size_t e, size_t f)
{
	size_t ranges[3][2] = { { a, b }, { c, d }, { e, f } };
	int first = 1;
	buf_addc(out, '[');
	for (int r = 0; r < 3; r++)
		for (size_t i = ranges[r][0]; i < ranges[r][1]; i++) {
			if (!first)
				buf_addc(out, ',');
			first = 0;
			buf_add(out, args[i].p, args[i].n);
		}
	buf_addc(out, ']');
}

/* emit_half: one body with groups [g0, g1) of the statement. */
static void emit_half(struct buf *out, const struct json_members *mem, const char *sql, size_t sqln,
                      const struct values *v, const struct json_slice *args, size_t nargs, size_t g0, size_t g1)
{
	const struct group *g = (const struct group *)v->groups.p;
	size_t a0 = v->head_q, tail_a = nargs - v->tail_q;
	for (size_t i = 0; i < g0; i++)
		a0 += g[i].q;
	size_t a1 = a0;
	for (size_t i = g0; i < g1; i++)
		a1 += g[i].q;
	struct buf s = BUF_INIT;
	buf_add(&s, sql, v->head_end);
	buf_add(&s, sql + g[g0].start, g[g1 - 1].end - g[g0].start);
	buf_add(&s, sql + v->tail_start, sqln - v->tail_start);

	buf_addc(out, '{');
	for (size_t i = 0; i < mem->n; i++) {
		const struct json_member *m = &mem->m[i];
		if (i)
			buf_addc(out, ',');
		buf_add(out, m->key.p, m->key.n);
		buf_addc(out, ':');
		if (json_key_eq(m->key, "sql")) {
			json_write_str(out, s.p, s.len);
		} else if (json_key_eq(m->key, "args")) {
			add_args(out, args, 0, v->head_q, a0, a1, tail_a, nargs);
		} else {
			buf_add(out, m->val.p, m->val.n);
		}
	}
	buf_addc(out, '}');
	buf_free(&s);
}

int batch_split(const char *body, size_t n, struct buf *first, struct buf *second,
                size_t rows[2], const char **why)
{
	struct json_members mem = { 0 };
	struct json_error err;
	struct json_slice sqlv, argv;
	struct buf sql = BUF_INIT, argbuf = BUF_INIT;
	struct values v = { 0 };
	int rc = -1;

	if (json_parse(body, n, SEG_BODY_DEPTH, &mem, &err) < 0 || json_type_at(body + strspn(body, " \t\r\n"), body + n) != JSON_OBJECT) {
		*why = "the body is not a JSON object";
		goto out;
	}
	/* a repeated sql or args key would make the halves ambiguous */
	size_t nsql = 0, nargsk = 0;
	for (size_t i = 0; i < mem.n; i++) {
		nsql += json_key_eq(mem.m[i].key, "sql");
		nargsk += json_key_eq(mem.m[i].key, "args");
	}
	if (nsql != 1 || nargsk > 1 || !json_members_get(&mem, "sql", &sqlv) || sqlv.type != JSON_STRING) {
		*why = "the body has no single \"sql\" string";
		goto out;
	}
	json_str_decode(sqlv, &sql);
	size_t nargs = 0;
	if (json_members_get(&mem, "args", &argv)) {
		if (argv.type != JSON_ARRAY) {
			*why = "\"args\" is not an array";
			goto out;
		}
		struct json_iter it;
		struct json_slice k, val;
		json_iter_init(&it, argv);
		while (json_iter_next(&it, &k, &val)) {
			buf_add(&argbuf, &val, sizeof val);
			nargs++;
		}
	}
	if (parse_values(sql.p ? sql.p : "", sql.len, &v, why) < 0)
		goto out;
	if (v.ngroups < 2) {
		*why = "a single row cannot be split";
		goto out;
	}
	size_t total = v.head_q + v.tail_q;
	const struct group *g = (const struct group *)v.groups.p;
	for (size_t i = 0; i < v.ngroups; i++)
		total += g[i].q;
	if (total != nargs) {
		*why = "the number of placeholders does not match the number of args";
		goto out;
	}
	size_t h = v.ngroups / 2;
	const struct json_slice *args = (const struct json_slice *)argbuf.p;
	emit_half(first, &mem, sql.p, sql.len, &v, args, nargs, 0, h);
	emit_half(second, &mem, sql.p, sql.len, &v, args, nargs, h, v.ngroups);
	rows[0] = h;
	rows[1] = v.ngroups - h;
	rc = 0;
out:
	json_members_free(&mem);
	buf_free(&sql);
	buf_free(&argbuf);
	buf_free(&v.groups);
	return rc;
}
