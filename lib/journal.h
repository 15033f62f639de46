/* journal.h: seg-backfill's record of the units it loaded. One JSON line per
 * finished unit, appended and fsync'd only after the unit's load committed:
 *   {"unit":"..","day":"YYYY-MM-DD","objects":[{"object":..,"size":N,
 *    "etag":..,"mtime":..},..],"rows":N,"rejected":N,"duplicates":N,
 *    "damaged":N,"finished":"ISO-8601"}
 * ("day" is null for a unit outside Segment's layout). A later line for the
 * same unit replaces an earlier one; a torn last line (a crash while writing)
 * is cut off when the journal is opened; other unreadable lines are counted
 * and ignored. Nothing else decides that a unit is done. */
#ifndef SEG_JOURNAL_H
#define SEG_JOURNAL_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct jobject {
	char *object, *etag, *mtime;   /* "" when unknown */
	int64_t size;                  /* -1 when unknown */
};

struct junit {
	char *unit;
	int64_t day_ms;                /* INT64_MIN outside the layout */
	struct jobject *obj;
	size_t nobj;
};

struct journal {
	int fd;
	struct junit *u;
	size_t n, cap;
	uint64_t ignored;
};

/* journal_open: load path if it exists (cutting a torn last line) and open
 * it for appending; readonly: load only, change nothing (a missing file is
 * an empty journal). 0, or -1 with errno set. */
int journal_open(struct journal *j, const char *path, int readonly);
void journal_close(struct journal *j);
/* journal_find: the last entry of unit, or NULL. */
const struct junit *journal_find(const struct journal *j, const char *unit);
/* journal_find_obj: the object of an entry by name, or NULL. */
const struct jobject *journal_find_obj(const struct junit *u, const char *object);
/* journal_newest_day: the latest day of a done unit, INT64_MIN if none. */
int64_t journal_newest_day(const struct journal *j);
/* journal_add: append one entry (a JSON object, no newline) and fsync, then
 * remember it. 0, or -1 with errno set. */
int journal_add(struct journal *j, const char *line, size_t n);
/* jobject_same: do two records describe the same object contents (ETag when
 * both have one, else size and mtime)? */
int jobject_same(const struct jobject *a, const struct jobject *b);
/* jobject_parse: read {"object":..,"size":..,"etag":..,"mtime":..} (the form
 * of seg-fetch's --list and --manifest lines). 0, or -1 if it is not one. */
int jobject_parse(const char *p, size_t n, struct jobject *o);
void jobject_free(struct jobject *o);
/* jobject_write: append o as a JSON object. */
void jobject_write(struct buf *b, const struct jobject *o);
#endif
