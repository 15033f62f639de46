/* ddlkeys.c: finding key columns in CREATE/ALTER TABLE text (see ddlkeys.h),
 * walking the tokens of lib/sqllex. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "ddlkeys.h"
#include "sqllex.h"

enum tok_type { T_END, T_NAME, T_QNAME, T_OPEN, T_CLOSE, T_COMMA, T_OTHER };

struct tok {
	enum tok_type type;
	const char *p;     /* T_QNAME: inside the backticks, doubling not undone */
	size_t n;
};

struct lexer {
	const char *sql;
	size_t n, pos;
};

/* next_tok: the next code token of lib/sqllex (spaces and comments
 * skipped), as this scanner sees it; string literals come back as T_OTHER. */
static struct tok next_tok(struct lexer *lx)
{
	struct sqltok st;
	lx->pos = sqllex_code(lx->sql, lx->n, lx->pos, &st);
	struct tok t = { T_OTHER, lx->sql + st.off, st.len };
	switch (st.type) {
	case SQLT_END: t.type = T_END; break;
	case SQLT_WORD: t.type = T_NAME; break;
	case SQLT_IDENT:   /* inside the backticks; an unterminated one runs to the end */
		t.type = T_QNAME;
		t.p++;
		t.n = st.len >= 2 && t.p[st.len - 2] == '`' ? st.len - 2 : st.len - 1;
		break;
	case SQLT_PUNCT:
		t.type = *t.p == '(' ? T_OPEN : *t.p == ')' ? T_CLOSE : *t.p == ',' ? T_COMMA : T_OTHER;
		break;
	default: break;
	}
	return t;
}

static int is_kw(struct tok t, const char *kw)
{
	return t.type == T_NAME && strlen(kw) == t.n && strncasecmp(t.p, kw, t.n) == 0;
}

static int is_name(struct tok t)
{
	return t.type == T_NAME || t.type == T_QNAME;
}

struct scan {
	struct tok *t;
	size_t n, i;
	ddlkeys_fn fn;
	void *ctx;
	size_t found;
	struct buf scratch;
};

/* report: hand one column name to the caller, undoing `` doubling. */
static void report(struct scan *s, struct tok t)
{
	if (!is_name(t))
		return;
	buf_reset(&s->scratch);
	for (size_t i = 0; i < t.n; i++) {
		buf_addc(&s->scratch, t.p[i]);
		if (t.type == T_QNAME && t.p[i] == '`' && i + 1 < t.n && t.p[i + 1] == '`')
			i++;
	}
	s->fn(s->ctx, s->scratch.p, s->scratch.len);
	s->found++;
}

static struct tok peek(struct scan *s, size_t k)
{
	return s->i + k < s->n ? s->t[s->i + k] : s->t[s->n - 1];
}

/* key_list: at '(' of a key's column list: report the first name of each
 * element, skip the rest of the element, stop after the matching ')'. */
static void key_list(struct scan *s)
{
	int depth = 0, first = 1;
	for (; s->i < s->n && s->t[s->i].type != T_END; s->i++) {
		struct tok t = s->t[s->i];
		if (t.type == T_OPEN) {
			depth++;
		} else if (t.type == T_CLOSE) {
			if (--depth == 0) {
				s->i++;
				return;
			}
		} else if (t.type == T_COMMA && depth == 1) {
			first = 1;
		} else if (depth == 1 && first && is_name(t)) {
			report(s, t);
			first = 0;
		}
	}
}

#define DEPTH_MAX 16

size_t ddlkeys_scan(const char *sql, size_t n, ddlkeys_fn fn, void *ctx)
{
	struct scan s = { NULL, 0, 0, fn, ctx, 0, BUF_INIT };
	struct lexer lx = { sql, n, 0 };
	size_t cap = 64;
	s.t = xmalloc(cap * sizeof *s.t);
	for (;;) {
		if (s.n == cap)
			s.t = xrealloc(s.t, (cap *= 2) * sizeof *s.t);
		s.t[s.n++] = next_tok(&lx);
		if (s.t[s.n - 1].type == T_END)
			break;
	}
	/* defname[d]: the first name of the definition being read at depth d */
	struct tok defname[DEPTH_MAX + 1];
	int fresh[DEPTH_MAX + 1];
	memset(defname, 0, sizeof defname);
	memset(fresh, 0, sizeof fresh);
	int depth = 0;
	while (s.i < s.n && s.t[s.i].type != T_END) {
		struct tok t = s.t[s.i];
		int d = depth < DEPTH_MAX ? depth : DEPTH_MAX;
		if (t.type == T_OPEN || t.type == T_CLOSE || t.type == T_COMMA) {
			depth += t.type == T_OPEN ? 1 : t.type == T_CLOSE ? (depth > 0 ? -1 : 0) : 0;
			d = depth < DEPTH_MAX ? depth : DEPTH_MAX;
			if (t.type != T_CLOSE) {
				fresh[d] = 1;
				defname[d].type = T_END;
			}
			s.i++;
			continue;
		}
		if (depth == 0 && is_kw(t, "ADD")) {   /* ALTER TABLE t ADD [COLUMN] c ... */
			s.i++;
			if (is_kw(peek(&s, 0), "COLUMN"))
				s.i++;
			fresh[0] = 1;
			defname[0].type = T_END;
			continue;
		}
		int primary = is_kw(t, "PRIMARY") && is_kw(peek(&s, 1), "KEY");
		int unique = is_kw(t, "UNIQUE") || (is_kw(t, "SHARD") && is_kw(peek(&s, 1), "KEY"));
		if (primary || unique) {
			s.i += (primary || is_kw(t, "SHARD")) ? 2 : 1;
			if (unique && (is_kw(peek(&s, 0), "KEY") || is_kw(peek(&s, 0), "INDEX")))
				s.i++;
			if (is_name(peek(&s, 0)) && peek(&s, 1).type == T_OPEN && !is_kw(peek(&s, 0), "USING"))
				s.i++;   /* the key's own name */
			if (peek(&s, 0).type == T_OPEN) {
				key_list(&s);
				fresh[d] = 0;
			} else if (is_name(defname[d])) {
				report(&s, defname[d]);   /* inline on the column being defined */
			}
			continue;
		}
		if (fresh[d] && is_name(t))
			defname[d] = t;
		fresh[d] = 0;
		s.i++;
	}
	buf_free(&s.scratch);
	free(s.t);
	return s.found;
}
