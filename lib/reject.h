/* reject.h: the reject records of design.md. Every program that refuses an
 * input line hands it here: to the --rejects FILE as
 *   {"reason":..,"detail":..,"input":..,"line":N,"raw":".."}
 * ("raw_base64" when the line is not valid UTF-8), or, when no file was
 * named, as a diagnostic on stderr: the first REJECT_SHOWN_MAX of each
 * input, then one "... and N more" line. Counts go to the program's stats. */
#ifndef SEG_REJECT_H
#define SEG_REJECT_H
#include <stddef.h>
#include <stdint.h>

#include "lineio.h"
#include "stats.h"

#define REJECT_SHOWN_MAX 10

struct rejects {
	struct writer w;
	int to_file;
	struct buf input;        /* on stderr: the input being reported, */
	uint64_t shown, hidden;  /* its rejects shown and not shown */
	struct stats *stats;     /* counts "rejected" and the reason; may be NULL */
	struct buf rec;
	uint64_t count;
};

/* rejects_open: path NULL reports on stderr; "-" is stdout. Exits 74 (with
 * a message) when the file cannot be created. */
void rejects_open(struct rejects *r, const char *path, struct stats *stats);
/* reject: record one refused line. */
void reject(struct rejects *r, const char *reason, const char *detail,
            const char *input, uint64_t line, const char *raw, size_t rawlen);
void rejectf(struct rejects *r, const char *reason, const char *input, uint64_t line,
             const char *raw, size_t rawlen, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* rejects_close: flush and fsync the file. */
void rejects_close(struct rejects *r);
#endif
