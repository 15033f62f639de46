/* dayspec.c: seg-backfill's day arguments (dayspec.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dayspec.h"
#include "segarchive.h"

int64_t day_today(time_t now)
{
	int64_t s = (int64_t)now;
	return (s - (s % 86400 + 86400) % 86400) * 1000;
}

int day_spec(const char *s, int64_t today, int64_t *ms)
{
	if (strcmp(s, "today") == 0) {
		*ms = today;
		return 0;
	}
	if (strcmp(s, "yesterday") == 0) {
		*ms = today - SEG_DAY_MS;
		return 0;
	}
	if (s[0] == '-' && s[1] >= '0' && s[1] <= '9') {
		char *end;
		long n = strtol(s + 1, &end, 10);
		if (strcmp(end, "d") || n > 100000)
			return -1;
		*ms = today - (int64_t)n * SEG_DAY_MS;
		return 0;
	}
	return seg_day_parse(s, ms);
}

void day_format(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d", &tm);
}
