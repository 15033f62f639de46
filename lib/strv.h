/* strv.h: a growable, NULL-terminated vector of strings, such as the argv
 * of a program to run (lib/pipeline.h). The strings are copies. */
#ifndef SEG_STRV_H
#define SEG_STRV_H
#include <stddef.h>

struct strv {
	char **v;                /* NULL-terminated once one string was added */
	size_t n, cap;
};

/* strv_add: append a copy of x. */
void strv_add(struct strv *s, const char *x);
/* strv_addv: append copies of every string of src. */
void strv_addv(struct strv *s, const struct strv *src);
/* strv_last: the value after the last occurrence of option opt in s, as
 * "opt VALUE" or "opt=VALUE" (a short opt also as "-oVALUE"); NULL if none. */
const char *strv_last(const struct strv *s, const char *opt);
void strv_free(struct strv *s);
#endif
