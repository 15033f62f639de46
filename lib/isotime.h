/* isotime.h: strict ISO-8601 / RFC 3339 date-times as Segment writes them:
 * YYYY-MM-DD, 'T' or a space, HH:MM:SS, an optional fraction of 1..9 digits,
 * and a zone: 'Z', +HH:MM or +HHMM. Calendar checked (month 13, February 30,
 * non-leap February 29 rejected). Converted to UTC on parse. */
#ifndef SEG_ISOTIME_H
#define SEG_ISOTIME_H
#include <stddef.h>
#include <stdint.h>

struct isotime {
	int64_t sec;       /* seconds since 1970-01-01T00:00:00Z */
	int32_t nsec;      /* 0..999999999 */
};

/* isotime_parse: 0 and t filled, or -1 with why (static text) set. */
int isotime_parse(const char *s, size_t n, struct isotime *t, const char **why);
/* isotime_format: "YYYY-MM-DD HH:MM:SS.ffffff" in UTC (microseconds,
 * truncated), NUL-terminated; out needs 27 bytes. Years 0..9999. */
void isotime_format(const struct isotime *t, char out[27]);
/* days_from_civil: days since 1970-01-01 of a proleptic Gregorian date. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
#endif
