/* sqlargs.c: placeholder counting and client-side binding (see sqlargs.h). */
#include <stdio.h>
#include <string.h>

#include "sqlargs.h"
#include "sqllex.h"

size_t sql_placeholders(const char *sql, size_t n)
{
	struct sqltok t;
	size_t pos = 0, count = 0;
	while ((pos = sqllex_next(sql, n, pos, &t)), t.type != SQLT_END)
		if (sqltok_is_punct(sql, &t, '?'))
			count++;
	return count;
}

/* quote: append 'escaped s' to out. */
static void quote(struct buf *out, const char *s, size_t n, sql_escape_fn esc, void *ctx)
{
	buf_grow(out, 2 * n + 3);
	out->p[out->len++] = '\'';
	out->len += esc(ctx, out->p + out->len, s, n);
	out->p[out->len++] = '\'';
}

/* literal: append the SQL literal of one JSON arg; tmp is scratch space. */
static void literal(struct buf *out, struct json_slice v, struct buf *tmp,
                    sql_escape_fn esc, void *ctx)
{
	switch (v.type) {
	case JSON_STRING:
		if (json_str_has_escape(v)) {
			buf_reset(tmp);
			json_str_decode(v, tmp);
			quote(out, tmp->p ? tmp->p : "", tmp->len, esc, ctx);
		} else {
			quote(out, v.p + 1, v.n - 2, esc, ctx);
		}
		break;
	case JSON_NUMBER:
		buf_add(out, v.p, v.n);
		break;
	case JSON_TRUE:
		buf_addc(out, '1');
		break;
	case JSON_FALSE:
		buf_addc(out, '0');
		break;
	case JSON_OBJECT:
	case JSON_ARRAY:
		quote(out, v.p, v.n, esc, ctx);
		break;
	default:
		buf_adds(out, "NULL");
		break;
	}
}

int sql_args_match(size_t want, struct json_slice args, const struct json_members *idx, char *err,
                   size_t errsz)
{
	size_t have = args.type == JSON_ARRAY ? json_count(idx, args) : 0;
	if (want != have) {
		snprintf(err, errsz, "sql: expected %zu arguments, got %zu", want, have);
		return -1;
	}
	return 0;
}

int sql_bind(struct buf *out, const char *sql, size_t n, struct json_slice args,
             sql_escape_fn esc, void *ctx, char *err, size_t errsz)
{
	struct json_iter it;
	struct json_slice v;
	if (sql_args_match(sql_placeholders(sql, n), args, NULL, err, errsz) != 0)
		return -1;
	if (args.type != JSON_ARRAY) {      /* no placeholders either */
		buf_add(out, sql, n);
		return 0;
	}
	json_iter_init(&it, args);
	struct buf tmp = BUF_INIT;
	struct sqltok t;
	size_t pos = 0, copied = 0;
	while ((pos = sqllex_next(sql, n, pos, &t)), t.type != SQLT_END) {
		if (!sqltok_is_punct(sql, &t, '?'))
			continue;
		buf_add(out, sql + copied, t.off - copied);
		json_iter_next(&it, NULL, &v);
		literal(out, v, &tmp, esc, ctx);
		copied = pos;
	}
	buf_add(out, sql + copied, n - copied);
	buf_free(&tmp);
	return 0;
}

size_t sql_escape_plain(void *ctx, char *to, const char *from, size_t n)
{
	(void)ctx;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = from[i], e = 0;
		switch (c) {
		case 0: e = '0'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\\': e = '\\'; break;
		case '\'': e = '\''; break;
		case '"': e = '"'; break;
		case 032: e = 'Z'; break;
		}
		if (e) {
			to[o++] = '\\';
			to[o++] = e;
		} else {
			to[o++] = c;
		}
	}
	to[o] = 0;
	return o;
}
