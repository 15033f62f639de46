/* sqlid.c: checking and quoting SQL identifiers (see sqlid.h for the rule). */
#include <stdio.h>
#include <string.h>

#include "sqlid.h"

/* idchar: the bytes allowed in a name; a table so the check is one load. */
static int idchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

const char *sqlid_check(const char *s, size_t n, char *why, size_t whylen)
{
	if (n == 0) {
		snprintf(why, whylen, "empty name");
		return why;
	}
	if (n > SQLID_MAX) {
		snprintf(why, whylen, "name longer than %d bytes", SQLID_MAX);
		return why;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!idchar(c)) {
			if (c > 0x20 && c < 0x7f)
				snprintf(why, whylen, "character '%c' not allowed in a name", c);
			else
				snprintf(why, whylen, "byte 0x%02x not allowed in a name", c);
			return why;
		}
	}
	size_t digits = 0;
	while (digits < n && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	if (digits == n) {
		/* MySQL reads an all-digit name as a number unless quoted: refuse it */
		snprintf(why, whylen, "a name of digits only is not allowed");
		return why;
	}
	return NULL;
}

int sqlid_valid(const char *s, size_t n)
{
	char why[64];
	return sqlid_check(s, n, why, sizeof why) == NULL;
}

void sqlid_quote(struct buf *out, const char *s, size_t n)
{
	buf_grow(out, 2 * n + 2);
	char *d = out->p + out->len;
	*d++ = '`';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '`')
			*d++ = '`';
		*d++ = s[i];
	}
	*d++ = '`';
	out->len = (size_t)(d - out->p);
}

