/* segarchive.h: the folder layout Segment's S3 destination writes,
 *   [PREFIX/]segment-logs/SOURCE_ID/RECEIVED_DAY/FILE.gz
 * (RECEIVED_DAY: UTC midnight in Unix milliseconds, 13 digits), and the
 * --since/--until/--source-id filters over it. Days are half-open ranges:
 * --since is inclusive, --until exclusive. */
#ifndef SEG_SEGARCHIVE_H
#define SEG_SEGARCHIVE_H
#include <stddef.h>
#include <stdint.h>

#define SEG_DAY_MS 86400000LL

struct seg_dayfilter {
	int64_t since_ms, until_ms;   /* INT64_MIN / INT64_MAX when not given */
	char **sources;               /* --source-id values; none: all */
	size_t nsources;
	int active;                   /* any filter given */
};

void seg_dayfilter_init(struct seg_dayfilter *f);
void seg_dayfilter_add_source(struct seg_dayfilter *f, const char *id);
void seg_dayfilter_free(struct seg_dayfilter *f);

/* seg_day_parse: "YYYY-MM-DD" (UTC midnight) or a 13-digit day in ms. */
int seg_day_parse(const char *s, int64_t *ms);
/* seg_day_folder: is s[0..n) a day folder name (13 digits)? Its value. */
int seg_day_folder(const char *s, size_t n, int64_t *ms);

/* seg_path_split: find the layout in a path or key: the source id and day
 * after a "segment-logs/" component. 1 if found, else 0. */
int seg_path_split(const char *path, const char **src, size_t *srclen, int64_t *day);
/* seg_want_source / seg_want_day: does the filter keep it? */
int seg_want_source(const struct seg_dayfilter *f, const char *src, size_t n);
int seg_want_day(const struct seg_dayfilter *f, int64_t day);
/* seg_want_path: a path found by expanding a folder, prefix or archive:
 * never the setup probe dummy-object.txt; with an active filter only paths in
 * the layout that pass it. */
int seg_want_path(const struct seg_dayfilter *f, const char *path);
#endif
