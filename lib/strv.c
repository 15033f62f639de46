/* strv.c: a growable vector of strings (strv.h). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strv.h"

void strv_add(struct strv *s, const char *x)
{
	if (s->n + 2 > s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = xstrdup(x);
	s->v[s->n] = NULL;
}

void strv_addv(struct strv *s, const struct strv *src)
{
	for (size_t i = 0; i < src->n; i++)
		strv_add(s, src->v[i]);
}

const char *strv_last(const struct strv *s, const char *opt)
{
	const char *val = NULL;
	size_t n = strlen(opt);
	int is_short = n == 2 && opt[0] == '-' && opt[1] != '-';
	for (size_t i = 0; i < s->n; i++) {
		const char *a = s->v[i];
		if (strncmp(a, opt, n) != 0)
			continue;
		if (a[n] == '\0' && i + 1 < s->n)
			val = s->v[++i];
		else if (a[n] == '=' && !is_short)
			val = a + n + 1;
		else if (a[n] && is_short)
			val = a + n;
	}
	return val;
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}
