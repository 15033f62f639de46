/* profile.h: a configuration file of named profiles, read with libinih:
 *   key = value            (before any section: every profile)
 *   [default]              (every profile)
 *   [profile prod]         (only with profile "prod"; wins over the above)
 * The keys are the long option names of the program that reads it. Secrets
 * never live in it: a key naming a password, token or secret (other than a
 * *-file key pointing to one) is refused. */
#ifndef SEG_PROFILE_H
#define SEG_PROFILE_H
#include <stddef.h>

struct profile_kv {
	char *key, *value;
};

struct profile {
	struct profile_kv *kv;      /* the common keys first, then the profile's */
	size_t n;
	int found;                  /* the named profile has keys in the file */
};

/* profile_load: read path for profile name (NULL: the common keys only).
 * 0; -1 when the file cannot be opened (errno); a line number > 0 when the
 * file is malformed or holds a secret there (err says what). */
int profile_load(struct profile *p, const char *path, const char *name, char *err, size_t errn);
void profile_free(struct profile *p);
#endif
