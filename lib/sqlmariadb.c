/* sqlmariadb.c: rewriting SingleStore-only DDL for MariaDB (see sqlmariadb.h). */
#include <string.h>
#include <strings.h>

#include "sqlmariadb.h"
#include "sqllex.h"

/* A byte range of the statement to leave out. */
struct cut {
	size_t from, to;
};

struct cuts {
	struct cut c[64];
	size_t n;
};

static void add_cut(struct cuts *cs, size_t from, size_t to)
{
	if (cs->n < sizeof cs->c / sizeof cs->c[0])
		cs->c[cs->n++] = (struct cut){from, to};
}

/* is_table_ddl: does the statement start with CREATE [OR REPLACE]
 * [TEMPORARY] TABLE or ALTER [ONLINE] [IGNORE] TABLE? 1 for CREATE, 2 for
 * ALTER, 0 otherwise. */
static int is_table_ddl(const char *s, size_t n)
{
	struct sqltok t;
	size_t pos = sqllex_code(s, n, 0, &t);
	int kind;
	if (sqltok_is(s, &t, "CREATE"))
		kind = 1;
	else if (sqltok_is(s, &t, "ALTER"))
		kind = 2;
	else
		return 0;
	for (;;) {
		pos = sqllex_code(s, n, pos, &t);
		if (sqltok_is(s, &t, "TABLE"))
			return kind;
		if (!(sqltok_is(s, &t, "OR") || sqltok_is(s, &t, "REPLACE") ||
		      sqltok_is(s, &t, "TEMPORARY") || sqltok_is(s, &t, "ONLINE") ||
		      sqltok_is(s, &t, "IGNORE")))
			return 0;
	}
}

/* skip_parens: t is '('; return the position after its matching ')'. */
static size_t skip_parens(const char *s, size_t n, size_t pos)
{
	int depth = 1;
	struct sqltok t;
	while (depth > 0) {
		pos = sqllex_code(s, n, pos, &t);
		if (t.type == SQLT_END)
			break;
		if (sqltok_is_punct(s, &t, '('))
			depth++;
		else if (sqltok_is_punct(s, &t, ')'))
			depth--;
	}
	return pos;
}

/* key_clause: at a SHARD or SORT word at depth 1, the end of the clause
 * "SHARD KEY [name] (...)", or 0 when what follows is something else (a
 * column that happens to be called shard, say). */
static size_t key_clause(const char *s, size_t n, size_t pos)
{
	struct sqltok t;
	pos = sqllex_code(s, n, pos, &t);
	if (!sqltok_is(s, &t, "KEY"))
		return 0;
	pos = sqllex_code(s, n, pos, &t);
	if (t.type == SQLT_WORD || t.type == SQLT_IDENT)
		pos = sqllex_code(s, n, pos, &t);
	if (!sqltok_is_punct(s, &t, '('))
		return 0;
	return skip_parens(s, n, pos);
}

/* is_s2_option: is t a SingleStore-only table option name? */
static int is_s2_option(const char *s, const struct sqltok *t)
{
	return t->type == SQLT_WORD &&
	       ((t->len > 10 && strncasecmp(s + t->off, "AUTOSTATS_", 10) == 0) ||
	        sqltok_is(s, t, "SQL_MODE"));
}

/* option_clause: at an option name, the end of "NAME [=] value", or 0 when
 * no value follows; with need_eq, the '=' must be there. */
static size_t option_clause(const char *s, size_t n, size_t pos, int need_eq)
{
	struct sqltok t;
	size_t after = sqllex_code(s, n, pos, &t);
	if (sqltok_is_punct(s, &t, '='))
		after = sqllex_code(s, n, after, &t);
	else if (need_eq)
		return 0;
	if (t.type == SQLT_WORD || t.type == SQLT_STRING)
		return after;
	return 0;
}

/* Where the walk over a statement stands. */
struct walk {
	int depth;          /* parenthesis depth */
	int elem_start;     /* the token is the first of a list element */
	int options;        /* table options may appear here (depth 0) */
	size_t comma;       /* offset of the comma just before, or -1 */
};

/* clause_end: if the token t starts a clause to remove, its end, else 0. */
static size_t clause_end(const char *s, size_t n, int kind, const struct walk *w,
                         const struct sqltok *t, size_t pos)
{
	if (kind == 1 && w->depth == 1 && w->elem_start &&
	    (sqltok_is(s, t, "SHARD") || sqltok_is(s, t, "SORT")))
		return key_clause(s, n, pos);
	if (w->depth == 0 && w->options && is_s2_option(s, t))
		return option_clause(s, n, pos, kind == 2);
	return 0;
}

/* find_cuts: walk the statement and record the clauses to remove. A clause
 * takes the comma before it, or when it is first, the comma after it. In a
 * CREATE TABLE, table options follow the element list (and end at AS or
 * SELECT); in an ALTER TABLE they may be anywhere at depth 0 but must be
 * written NAME=value, so a column called sql_mode is left alone. */
static void find_cuts(const char *s, size_t n, int kind, struct cuts *cs)
{
	struct sqltok t, nx;
	size_t pos = 0, end, p2;
	struct walk w = {0, 0, kind == 2, (size_t)-1};
	while ((pos = sqllex_code(s, n, pos, &t)), t.type != SQLT_END) {
		int is_open = sqltok_is_punct(s, &t, '('), is_close = sqltok_is_punct(s, &t, ')');
		if (is_open || is_close) {
			w.depth += is_open ? 1 : -1;
			w.elem_start = is_open;
			w.comma = (size_t)-1;
			if (is_close && w.depth == 0 && kind == 1)
				w.options = 1;
			continue;
		}
		if (sqltok_is_punct(s, &t, ',')) {
			w.comma = t.off;
			w.elem_start = 1;
			continue;
		}
		if (w.depth == 0 && (sqltok_is(s, &t, "SELECT") || sqltok_is(s, &t, "AS")))
			w.options = 0;
		if (sqltok_is(s, &t, "USING")) {
			/* "USING HASH" after a key: cut just the two words, no comma */
			p2 = sqllex_code(s, n, pos, &nx);
			if (sqltok_is(s, &nx, "HASH")) {
				add_cut(cs, t.off, p2);
				pos = p2;
				w.elem_start = 0;
				w.comma = (size_t)-1;
				continue;
			}
		}
		end = clause_end(s, n, kind, &w, &t, pos);
		w.elem_start = 0;
		if (end) {
			size_t from = w.comma != (size_t)-1 ? w.comma : t.off;
			if (w.comma == (size_t)-1) {
				p2 = sqllex_code(s, n, end, &nx);
				if (sqltok_is_punct(s, &nx, ',')) {
					end = p2;
					w.elem_start = 1;   /* what follows starts an element */
				}
			}
			add_cut(cs, from, end);
			pos = end;
		}
		w.comma = (size_t)-1;
	}
}

int sqlmariadb_translate(const char *s, size_t n, struct buf *out)
{
	int kind = is_table_ddl(s, n);
	if (!kind)
		return 0;
	struct cuts cs = {.n = 0};
	find_cuts(s, n, kind, &cs);
	if (cs.n == 0)
		return 0;
	size_t at = 0;
	for (size_t i = 0; i < cs.n; i++) {
		buf_add(out, s + at, cs.c[i].from - at);
		at = cs.c[i].to;
	}
	buf_add(out, s + at, n - at);
	return 1;
}
