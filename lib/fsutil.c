/* fsutil.c: mkdir -p, path joining, a file's first line (fsutil.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "fsutil.h"

int fs_mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				free(p);
				return -1;
			}
			*s = '/';
		}
	int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
	int saved = errno;
	free(p);
	errno = saved;
	return rc;
}

char *fs_join(const char *a, const char *b)
{
	struct buf x = BUF_INIT;
	buf_printf(&x, "%s/%s", a, b);
	return (char *)buf_cstr(&x);
}

char *fs_mkdtemp(const char *prefix)
{
	const char *t = getenv("TMPDIR");
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s/%s.XXXXXX", t && *t ? t : "/tmp", prefix);
	char *p = (char *)buf_cstr(&b);
	if (!mkdtemp(p)) {
		int saved = errno;
		free(p);
		errno = saved;
		return NULL;
	}
	return p;
}

void fs_first_line(const char *path, char *out, size_t n)
{
	out[0] = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}
