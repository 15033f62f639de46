/* sqllex.c: the MySQL-dialect SQL lexer (see sqllex.h). */
#include <string.h>
#include <strings.h>

#include "sqllex.h"

static int is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

static int is_space_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* quoted: the end of a quoted run opened by q at pos. Inside strings a
 * backslash escapes the next byte (MariaDB's default sql_mode); in every
 * quoted form a doubled quote stands for one quote. */
static size_t quoted(const char *s, size_t n, size_t pos, char q, int backslash)
{
	size_t i = pos + 1;
	while (i < n) {
		if (backslash && s[i] == '\\') {
			i += 2;
			continue;
		}
		if (s[i] == q) {
			if (i + 1 < n && s[i + 1] == q) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return n;
}

/* comment_end: the end of a comment starting at pos, or 0 if none starts
 * there. "--" opens a comment only when followed by a space or control
 * character (or the end), as in MariaDB. */
static size_t comment_end(const char *s, size_t n, size_t pos)
{
	size_t i;
	if (s[pos] == '#' || (s[pos] == '-' && pos + 1 < n && s[pos + 1] == '-' &&
	                      (pos + 2 >= n || (unsigned char)s[pos + 2] <= ' '))) {
		for (i = pos; i < n && s[i] != '\n'; i++)
			;
		return i;
	}
	if (s[pos] == '/' && pos + 1 < n && s[pos + 1] == '*') {
		for (i = pos + 2; i + 1 < n; i++)
			if (s[i] == '*' && s[i + 1] == '/')
				return i + 2;
		return n;
	}
	return 0;
}

size_t sqllex_next(const char *s, size_t n, size_t pos, struct sqltok *t)
{
	t->off = pos;
	if (pos >= n) {
		t->type = SQLT_END;
		t->len = 0;
		return n;
	}
	unsigned char c = (unsigned char)s[pos];
	size_t end;
	if (is_space_byte(c)) {
		for (end = pos; end < n && is_space_byte((unsigned char)s[end]); end++)
			;
		t->type = SQLT_SPACE;
	} else if ((end = comment_end(s, n, pos)) != 0) {
		t->type = SQLT_COMMENT;
	} else if (c == '\'' || c == '"') {
		end = quoted(s, n, pos, (char)c, 1);
		t->type = SQLT_STRING;
	} else if (c == '`') {
		end = quoted(s, n, pos, '`', 0);
		t->type = SQLT_IDENT;
	} else if (is_word_byte(c)) {
		for (end = pos; end < n && is_word_byte((unsigned char)s[end]); end++)
			;
		t->type = SQLT_WORD;
	} else {
		end = pos + 1;
		t->type = SQLT_PUNCT;
	}
	t->len = end - pos;
	return end;
}

size_t sqllex_code(const char *s, size_t n, size_t pos, struct sqltok *t)
{
	do
		pos = sqllex_next(s, n, pos, t);
	while (t->type == SQLT_SPACE || t->type == SQLT_COMMENT);
	return pos;
}

int sqltok_is(const char *s, const struct sqltok *t, const char *kw)
{
	return t->type == SQLT_WORD && t->len == strlen(kw) &&
	       strncasecmp(s + t->off, kw, t->len) == 0;
}

int sqltok_is_punct(const char *s, const struct sqltok *t, char c)
{
	return t->type == SQLT_PUNCT && s[t->off] == c;
}
