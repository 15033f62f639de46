/* stats.h: the counters a program reports at its end: a one-line summary on
 * stderr ("prog: 10 in, 8 out, 2 rejected (json_syntax 2)") and the same
 * numbers as one JSON object for --stats FILE. Counters keep insertion order. */
#ifndef SEG_STATS_H
#define SEG_STATS_H
#include <stdint.h>

#define STATS_MAX 64

struct stats {
	struct { char *key; uint64_t v; } main[STATS_MAX], reason[STATS_MAX];
	int nmain, nreason;
	uint64_t start_ms;
};

void stats_init(struct stats *s);
/* stats_add: add d to a main counter, creating it (at 0) if new. */
void stats_add(struct stats *s, const char *key, uint64_t d);
uint64_t stats_get(const struct stats *s, const char *key);
/* stats_reason: count one record under a reason code (shown in parentheses). */
void stats_reason(struct stats *s, const char *reason, uint64_t d);
/* stats_summary: the end line on stderr; nothing when quiet. */
void stats_summary(const struct stats *s, int quiet);
/* stats_write: write {"program":..,"key":N,..,"reasons":{..},"seconds":S} to
 * path ("-": standard output). Returns -1 with errno set on failure. */
int stats_write(const struct stats *s, const char *path);
/* stats_write_with: the same with more members: extra[0..n) is inserted
 * as it is before "seconds" (",\"units\":[...]": a leading comma, valid
 * JSON members). */
int stats_write_with(const struct stats *s, const char *path, const char *extra, size_t n);
/* stats_load: read back a file written by stats_write (any program's
 * --stats): its numeric members into the main counters and its reasons.
 * s is initialized first. 0, or -1 when the file is missing or unreadable. */
int stats_load(struct stats *s, const char *path);
void stats_free(struct stats *s);
#endif
