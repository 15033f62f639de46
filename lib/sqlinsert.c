/* sqlinsert.c: building, measuring and taking apart the multi-row INSERT. */
#include <string.h>

#include "sqlid.h"
#include "sqllex.h"
#include "sqlinsert.h"

/* absorb_col: the column a duplicate-absorbing statement assigns to
 * itself: the last one that is not a key (SingleStore refuses to update
 * unique-key and shard-key columns), or the last one when all are keys. */
static size_t absorb_col(size_t ncols, const unsigned char *is_key)
{
	for (size_t i = ncols; i-- > 0;)
		if (!(is_key && is_key[i]))
			return i;
	return ncols - 1;
}

void sqlinsert_build(struct sqlinsert *s, enum sqlinsert_mode mode,
                     const char *table, size_t tlen,
                     const char *const *cols, const size_t *lens, size_t ncols,
                     const unsigned char *is_key)
{
	size_t nupdate = 0;
	for (size_t i = 0; i < ncols; i++)
		nupdate += !(is_key && is_key[i]);
	if (mode == SQLINS_UPDATE && nupdate == 0)
		mode = SQLINS_IGNORE;
	buf_reset(&s->prefix);
	buf_reset(&s->suffix);
	s->ncols = ncols;
	buf_adds(&s->prefix, "INSERT INTO ");
	sqlid_quote(&s->prefix, table, tlen);
	buf_adds(&s->prefix, " (");
	for (size_t i = 0; i < ncols; i++) {
		if (i)
			buf_adds(&s->prefix, ", ");
		sqlid_quote(&s->prefix, cols[i], lens[i]);
	}
	buf_adds(&s->prefix, ") VALUES ");
	if (mode == SQLINS_ERROR || ncols == 0)
		return;
	buf_adds(&s->suffix, " ON DUPLICATE KEY UPDATE ");
	if (mode == SQLINS_IGNORE) {
		size_t c = absorb_col(ncols, is_key);
		sqlid_quote(&s->suffix, cols[c], lens[c]);
		buf_adds(&s->suffix, " = ");
		sqlid_quote(&s->suffix, cols[c], lens[c]);
		return;
	}
	int first = 1;
	for (size_t i = 0; i < ncols; i++) {
		if (is_key && is_key[i])
			continue;
		if (!first)
			buf_adds(&s->suffix, ", ");
		first = 0;
		sqlid_quote(&s->suffix, cols[i], lens[i]);
		buf_adds(&s->suffix, " = VALUES(");
		sqlid_quote(&s->suffix, cols[i], lens[i]);
		buf_addc(&s->suffix, ')');
	}
}

/* newest_term: `c` = IF(VALUES(`ts`) >= `ts`, VALUES(`c`), `c`) */
static void newest_term(struct buf *b, const char *c, size_t cl, const char *ts, size_t tl)
{
	sqlid_quote(b, c, cl);
	buf_adds(b, " = IF(VALUES(");
	sqlid_quote(b, ts, tl);
	buf_adds(b, ") >= ");
	sqlid_quote(b, ts, tl);
	buf_adds(b, ", VALUES(");
	sqlid_quote(b, c, cl);
	buf_adds(b, "), ");
	sqlid_quote(b, c, cl);
	buf_addc(b, ')');
}

void sqlinsert_build_newest(struct sqlinsert *s, const char *table, size_t tlen,
                            const char *const *cols, const size_t *lens, size_t ncols,
                            const unsigned char *is_key, size_t ts)
{
	sqlinsert_build(s, SQLINS_ERROR, table, tlen, cols, lens, ncols, is_key);
	buf_adds(&s->suffix, " ON DUPLICATE KEY UPDATE ");
	for (size_t i = 0; i < ncols; i++) {
		if ((is_key && is_key[i]) || i == ts)
			continue;
		newest_term(&s->suffix, cols[i], lens[i], cols[ts], lens[ts]);
		buf_adds(&s->suffix, ", ");
	}
	newest_term(&s->suffix, cols[ts], lens[ts], cols[ts], lens[ts]);
}

static void minmax_term(struct buf *b, const char *fn, const char *c, size_t cl)
{
	sqlid_quote(b, c, cl);
	buf_printf(b, " = %s(", fn);
	sqlid_quote(b, c, cl);
	buf_adds(b, ", VALUES(");
	sqlid_quote(b, c, cl);
	buf_adds(b, "))");
}

void sqlinsert_build_seen(struct sqlinsert *s, const char *table, size_t tlen,
                          const char *const *cols, const size_t *lens, size_t ncols,
                          const unsigned char *is_key, size_t least, size_t greatest)
{
	sqlinsert_build(s, SQLINS_ERROR, table, tlen, cols, lens, ncols, is_key);
	buf_adds(&s->suffix, " ON DUPLICATE KEY UPDATE ");
	if (least < ncols)
		minmax_term(&s->suffix, "LEAST", cols[least], lens[least]);
	if (least < ncols && greatest < ncols)
		buf_adds(&s->suffix, ", ");
	if (greatest < ncols)
		minmax_term(&s->suffix, "GREATEST", cols[greatest], lens[greatest]);
}

/* sqlinsert_len: bytes of the statement text for rows rows (rows >= 1):
 * a tuple of n placeholders, "(?, ?, ?)", is 3n bytes; tuples are joined by
 * ", ". */
static size_t sqlinsert_len(const struct sqlinsert *s, size_t rows)
{
	return s->prefix.len + rows * 3 * s->ncols + (rows - 1) * 2 + s->suffix.len;
}

/* sqlinsert_write: append the statement text for rows rows. */
static void sqlinsert_write(const struct sqlinsert *s, size_t rows, struct buf *out)
{
	size_t tuple = 3 * s->ncols;
	buf_grow(out, sqlinsert_len(s, rows));
	buf_add(out, s->prefix.p, s->prefix.len);
	char *first = out->p + out->len;
	char *d = first;
	*d++ = '(';
	for (size_t i = 0; i < s->ncols; i++) {
		memcpy(d, i ? ", ?" : "?", i ? 3 : 1);
		d += i ? 3 : 1;
	}
	*d++ = ')';
	for (size_t r = 1; r < rows; r++) {
		memcpy(d, ", ", 2);
		memcpy(d + 2, first, tuple);
		d += tuple + 2;
	}
	out->len = (size_t)(d - out->p);
	buf_add(out, s->suffix.p, s->suffix.len);
}

size_t sqlinsert_body_len(const struct sqlinsert *s, size_t rows, size_t argslen)
{
	return SQLINS_BODY_OVERHEAD + sqlinsert_len(s, rows) + argslen;
}

void sqlinsert_body_head(const struct sqlinsert *s, size_t rows, struct buf *out)
{
	buf_adds(out, SQLINS_BODY_HEAD);
	sqlinsert_write(s, rows, out);
	buf_adds(out, SQLINS_BODY_MID);
}

void sqlinsert_free(struct sqlinsert *s)
{
	buf_free(&s->prefix);
	buf_free(&s->suffix);
}

int sqlinsert_mode_parse(const char *name, enum sqlinsert_mode *mode)
{
	if (strcmp(name, "ignore") == 0)
		*mode = SQLINS_IGNORE;
	else if (strcmp(name, "update") == 0)
		*mode = SQLINS_UPDATE;
	else if (strcmp(name, "error") == 0)
		*mode = SQLINS_ERROR;
	else
		return -1;
	return 0;
}

/* self_assignments: do the tokens from pos on read "x = x[, y = y ...]"? */
static int self_assignments(const char *sql, size_t n, size_t pos)
{
	struct sqltok a, eq, b, sep;
	for (;;) {
		pos = sqllex_code(sql, n, pos, &a);
		pos = sqllex_code(sql, n, pos, &eq);
		pos = sqllex_code(sql, n, pos, &b);
		if ((a.type != SQLT_IDENT && a.type != SQLT_WORD) || !sqltok_is_punct(sql, &eq, '=') ||
		    b.type != a.type || b.len != a.len || memcmp(sql + a.off, sql + b.off, a.len) != 0)
			return 0;
		pos = sqllex_code(sql, n, pos, &sep);
		if (sep.type == SQLT_END)
			return 1;
		if (!sqltok_is_punct(sql, &sep, ','))
			return 0;
	}
}

int sqlinsert_latest_wins(const char *sql, size_t n)
{
	static const char *const clause[] = { "ON", "DUPLICATE", "KEY", "UPDATE" };
	struct sqltok t;
	size_t pos = 0, matched = 0;
	while ((pos = sqllex_code(sql, n, pos, &t)), t.type != SQLT_END) {
		if (sqltok_is(sql, &t, clause[matched]))
			matched++;
		else
			matched = sqltok_is(sql, &t, "ON") ? 1 : 0;
		if (matched == 4)
			return !self_assignments(sql, n, pos);
	}
	return 0;
}
