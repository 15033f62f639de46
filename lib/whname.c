/* whname.c: Segment's warehouse naming (see whname.h). */
#include <stdlib.h>
#include <string.h>

#include "whname.h"

static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alnum(unsigned char c) { return is_lower(c) || is_upper(c) || is_digit(c); }

/* already_snake: how many leading bytes need no change: lowercase letters,
 * digits, and '_' followed by one of those. */
static size_t already_snake(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (is_lower(s[i]) || is_digit(s[i]) ||
	                 (s[i] == '_' && i + 1 < n && (is_lower(s[i + 1]) || is_digit(s[i + 1])))))
		i++;
	return i;
}

void whname_snake(const char *str, size_t n, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = already_snake(s, n), start = out->len;
	if (i == n) {
		buf_add(out, str, n);
		return;
	}
	if (i > 0 && is_digit(s[i - 1]))
		i--;   /* a digit before a capital starts the next word */
	buf_add(out, str, i);
	while (i < n) {
		if (!is_alnum(s[i])) {
			i++;
			continue;
		}
		if (out->len > start)
			buf_addc(out, '_');
		for (; i < n && (is_upper(s[i]) || is_digit(s[i])); i++)
			buf_addc(out, (char)(is_upper(s[i]) ? s[i] + ('a' - 'A') : s[i]));
		for (; i < n && (is_lower(s[i]) || is_digit(s[i])); i++)
			buf_addc(out, (char)s[i]);
	}
}

/* Sorted for bsearch. */
static const char *const reserved[] = {
	"add", "all", "alter", "analyze", "and", "as", "asc", "between", "by", "case",
	"check", "column", "constraint", "create", "cross", "current_date", "current_time",
	"current_timestamp", "current_user", "database", "default", "delete", "desc",
	"describe", "distinct", "div", "drop", "else", "exists", "explain", "false", "for",
	"foreign", "from", "full", "grant", "group", "having", "if", "ignore", "in", "index",
	"inner", "insert", "interval", "into", "is", "join", "key", "keys", "left", "like",
	"limit", "match", "mod", "natural", "not", "null", "on", "option", "or", "order",
	"outer", "primary", "range", "references", "rename", "replace", "revoke", "right",
	"schema", "select", "set", "show", "table", "then", "to", "true", "union", "unique",
	"update", "usage", "use", "using", "values", "when", "where", "with", "xor",
};

struct word { const char *p; size_t n; };

static int cmp_word(const void *k, const void *e)
{
	const struct word *w = k;
	const char *r = *(const char *const *)e;
	size_t rn = strlen(r);
	int c = memcmp(w->p, r, w->n < rn ? w->n : rn);
	return c ? c : (w->n > rn) - (w->n < rn);
}

int whname_reserved(const char *w, size_t n)
{
	struct word k = { w, n };
	return bsearch(&k, reserved, sizeof reserved / sizeof reserved[0], sizeof reserved[0], cmp_word) != NULL;
}

size_t whname_finish(struct buf *out, size_t start, size_t max)
{
	size_t n = out->len - start;
	if (!n)
		return 0;
	if (is_digit((unsigned char)out->p[start]) || whname_reserved(out->p + start, n)) {
		buf_addc(out, '_');
		memmove(out->p + start + 1, out->p + start, n);
		out->p[start] = '_';
		n++;
	}
	if (n > max) {
		out->len = start + max;
		n = max;
	}
	return n;
}

size_t whname(const char *s, size_t n, size_t max, struct buf *out)
{
	size_t start = out->len;
	whname_snake(s, n, out);
	return whname_finish(out, start, max);
}
