/* redact.c: credentials out of written text (see redact.h). */
#include <string.h>
#include <strings.h>

#include "redact.h"

/* Markers whose value is a credential: a key, then ':' or '=' (optionally
 * quoted and spaced), then the value. Schemes are followed by a space. */
static const char *const keys[] = { "authorization", "proxy-authorization", "password", "passwd", "pwd",
	                            "token", "access_token", "secret", "api_key", "apikey", NULL };
static const char *const schemes[] = { "basic", "bearer", "digest", "negotiate", NULL };

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int is_stop(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '\'' || c == ',' || c == ';'
	       || c == '&' || c == '<' || c == '>' || c == '\\';
}

/* value_end: the end of the token starting at i. */
static size_t value_end(const char *p, size_t n, size_t i)
{
	while (i < n && !is_stop(p[i]))
		i++;
	return i;
}

/* match_word: the length of the word of list at p[i..) (a whole word), or 0. */
static size_t match_word(const char *p, size_t n, size_t i, const char *const *list)
{
	if (i > 0 && is_word(p[i - 1]))
		return 0;
	for (size_t k = 0; list[k]; k++) {
		size_t m = strlen(list[k]);
		if (i + m <= n && strncasecmp(p + i, list[k], m) == 0 && (i + m == n || !is_word(p[i + m])))
			return m;
	}
	return 0;
}

/* marker: at p[i], a credential marker; returns where its value starts
 * (*vstart) and ends, or 0 when there is none. */
static size_t marker(const char *p, size_t n, size_t i, size_t *vstart)
{
	size_t m, j;
	if ((m = match_word(p, n, i, schemes))) {
		j = i + m;
		if (j >= n || p[j] != ' ')
			return 0;
		while (j < n && p[j] == ' ')
			j++;
	} else if ((m = match_word(p, n, i, keys))) {
		j = i + m;
		while (j < n && (p[j] == '"' || p[j] == '\'' || p[j] == ' ' || p[j] == '\\'))
			j++;
		if (j >= n || (p[j] != ':' && p[j] != '='))
			return 0;
		j++;
		while (j < n && (p[j] == '"' || p[j] == '\'' || p[j] == ' ' || p[j] == '\\'))
			j++;
		size_t s;
		if ((s = match_word(p, n, j, schemes)) && j + s < n && p[j + s] == ' ')
			return 0;   /* "Authorization: Basic x": the scheme marks the value */
	} else {
		return 0;
	}
	size_t e = value_end(p, n, j);
	if (e == j)
		return 0;
	*vstart = j;
	return e;
}

/* literal: the length of a known secret at p[i..), or 0. */
static size_t literal(const char *p, size_t n, size_t i, const char *const *secrets)
{
	for (size_t k = 0; secrets && secrets[k]; k++) {
		size_t m = strlen(secrets[k]);
		if (m >= REDACT_MIN_SECRET && i + m <= n && memcmp(p + i, secrets[k], m) == 0)
			return m;
	}
	return 0;
}

void redact_text(struct buf *out, const char *p, size_t n, const char *const *secrets)
{
	size_t i = 0, vstart, e, m;
	while (i < n) {
		if ((m = literal(p, n, i, secrets))) {
			buf_adds(out, REDACTED);
			i += m;
		} else if ((e = marker(p, n, i, &vstart))) {
			buf_add(out, p + i, vstart - i);
			buf_adds(out, REDACTED);
			i = e;
		} else {
			buf_addc(out, p[i++]);
		}
	}
}
