/* segarchive.c: Segment's archive layout and the day/source filters. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "isotime.h"
#include "segarchive.h"

void seg_dayfilter_init(struct seg_dayfilter *f)
{
	memset(f, 0, sizeof *f);
	f->since_ms = INT64_MIN;
	f->until_ms = INT64_MAX;
}

void seg_dayfilter_add_source(struct seg_dayfilter *f, const char *id)
{
	f->sources = xrealloc(f->sources, (f->nsources + 1) * sizeof *f->sources);
	f->sources[f->nsources++] = xstrdup(id);
	f->active = 1;
}

void seg_dayfilter_free(struct seg_dayfilter *f)
{
	for (size_t i = 0; i < f->nsources; i++)
		free(f->sources[i]);
	free(f->sources);
	f->sources = NULL;
	f->nsources = 0;
}

int seg_day_folder(const char *s, size_t n, int64_t *ms)
{
	if (n != 13)
		return 0;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*ms = v;
	return 1;
}

int seg_day_parse(const char *s, int64_t *ms)
{
	if (seg_day_folder(s, strlen(s), ms))
		return 0;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int64_t y = atoi(s);
	unsigned m = (unsigned)atoi(s + 5), d = (unsigned)atoi(s + 8);
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return -1;
	*ms = days_from_civil(y, m, d) * SEG_DAY_MS;
	return 0;
}

int seg_path_split(const char *path, const char **src, size_t *srclen, int64_t *day)
{
	static const char marker[] = "segment-logs/";
	const char *p = path;
	while ((p = strstr(p, marker))) {
		if (p == path || p[-1] == '/') {
			const char *s = p + sizeof marker - 1;
			const char *slash = strchr(s, '/');
			if (slash && slash > s) {
				const char *d = slash + 1, *dslash = strchr(d, '/');
				if (dslash && seg_day_folder(d, (size_t)(dslash - d), day)) {
					*src = s;
					*srclen = (size_t)(slash - s);
					return 1;
				}
			}
		}
		p++;
	}
	return 0;
}

int seg_want_source(const struct seg_dayfilter *f, const char *src, size_t n)
{
	if (!f->nsources)
		return 1;
	for (size_t i = 0; i < f->nsources; i++)
		if (strlen(f->sources[i]) == n && memcmp(f->sources[i], src, n) == 0)
			return 1;
	return 0;
}

int seg_want_day(const struct seg_dayfilter *f, int64_t day)
{
	return day >= f->since_ms && day < f->until_ms;
}

/* seg_is_dummy: is the last component "dummy-object.txt"? */
static int seg_is_dummy(const char *path)
{
	const char *slash = strrchr(path, '/');
	return strcmp(slash ? slash + 1 : path, "dummy-object.txt") == 0;
}

int seg_want_path(const struct seg_dayfilter *f, const char *path)
{
	if (seg_is_dummy(path))
		return 0;
	if (!f->active)
		return 1;
	const char *src;
	size_t n;
	int64_t day;
	return seg_path_split(path, &src, &n, &day) && seg_want_source(f, src, n) && seg_want_day(f, day);
}
