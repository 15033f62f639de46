/* dayspec.h: the day arguments of seg-backfill: YYYY-MM-DD, a 13-digit
 * Segment day folder name, today, yesterday, and relative days -Nd (N days
 * before today, UTC). */
#ifndef SEG_DAYSPEC_H
#define SEG_DAYSPEC_H
#include <stdint.h>
#include <time.h>

/* day_today: UTC midnight of now, in Unix milliseconds. */
int64_t day_today(time_t now);
/* day_spec: parse s into UTC midnight ms, relative to today. 0, or -1. */
int day_spec(const char *s, int64_t today, int64_t *ms);
/* day_format: "YYYY-MM-DD" of a day in ms, into out (11 bytes at least). */
void day_format(int64_t ms, char *out, size_t n);
#endif
