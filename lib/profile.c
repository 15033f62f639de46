/* profile.c: configuration profiles through libinih (profile.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "buf.h"
#include "profile.h"

struct ctx {
	const char *name;
	struct profile common, mine;
	char *err;
	size_t errn;
};

static void kv_add(struct profile *p, const char *k, const char *v)
{
	p->kv = xrealloc(p->kv, (p->n + 1) * sizeof *p->kv);
	p->kv[p->n].key = xstrdup(k);
	p->kv[p->n].value = xstrdup(v);
	p->n++;
}

/* is_secret: a key that would hold a secret itself rather than a file. */
static int is_secret(const char *k)
{
	size_t n = strlen(k);
	if (n > 5 && strcmp(k + n - 5, "-file") == 0)
		return 0;
	return strstr(k, "password") || strstr(k, "secret") || strstr(k, "token") || strstr(k, "access-key");
}

static int on_kv(void *user, const char *section, const char *key, const char *value)
{
	struct ctx *c = user;
	if (is_secret(key)) {
		snprintf(c->err, c->errn, "'%s': secrets are not kept in the config file; name a file "
		         "(password-file) or use the environment", key);
		return 0;
	}
	if (!*section || strcmp(section, "default") == 0) {
		kv_add(&c->common, key, value);
	} else if (strncmp(section, "profile ", 8) == 0) {
		if (c->name && strcmp(section + 8, c->name) == 0)
			kv_add(&c->mine, key, value);
	} else {
		snprintf(c->err, c->errn, "[%s]: unknown section (use [default] or [profile NAME])", section);
		return 0;
	}
	return 1;
}

void profile_free(struct profile *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->kv[i].key);
		free(p->kv[i].value);
	}
	free(p->kv);
	memset(p, 0, sizeof *p);
}

int profile_load(struct profile *p, const char *path, const char *name, char *err, size_t errn)
{
	struct ctx c = { 0 };
	c.name = name;
	c.err = err;
	c.errn = errn;
	memset(p, 0, sizeof *p);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	err[0] = 0;
	int rc = ini_parse_file(f, on_kv, &c);
	fclose(f);
	if (rc != 0) {
		if (!err[0])
			snprintf(err, errn, "%s", rc < 0 ? "cannot be read" : "not a key = value line");
		profile_free(&c.common);
		profile_free(&c.mine);
		return rc < 0 ? -1 : rc;
	}
	int found = c.mine.n > 0;
	for (size_t i = 0; i < c.mine.n; i++)
		kv_add(&c.common, c.mine.kv[i].key, c.mine.kv[i].value);
	profile_free(&c.mine);
	*p = c.common;
	p->found = found;
	return 0;
}
