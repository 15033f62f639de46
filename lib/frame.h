/* frame.h: the frame every NDJSON filter program shares around its own
 * per-line work: the output writer, the rejects, the end-of-run counters and
 * the progress line, and the loop over file operands ("-" or none: stdin)
 * with its exit-status rules (a missing input is 66 and the others are still
 * read; a read error is 74; any reject makes a clean run 1). */
#ifndef SEG_FRAME_H
#define SEG_FRAME_H
#include "json.h"
#include "lineio.h"
#include "progress.h"
#include "reject.h"
#include "stats.h"

struct frame {
	struct writer out;
	struct rejects rej;
	struct stats st;
	struct progress prog;
	int quiet;
	const char *stats_file;
};

/* frame_open: counters (NULL-terminated) are created at 0 in that order, so
 * the summary always names them; out "-" is stdout; rejects NULL reports on
 * stderr. force_progress: -1 auto, 0 off, 1 on. Exits 74 if a file cannot
 * be created. */
void frame_open(struct frame *f, const char *out, const char *rejects, const char *stats_file,
                 int quiet, int force_progress, const char *const *counters);

/* frame_stream_fn: read one opened input; return 0 to go on with the next
 * operand, 1 to read no further operands (the program is stopping), -1
 * after a read error it has reported, or -2 after reporting an input that is
 * not NDJSON at all (lr_report: gzip, an archive). */
typedef int (*frame_stream_fn)(void *ctx, int fd, const char *name);

/* frame_operands: run fn over each operand (argv[0..argc)), or stdin when
 * there are none. Returns EX_DONE, EX_NOINPUT, EX_IOERR or EX_DATAERR. */
int frame_operands(int argc, char **argv, frame_stream_fn fn, void *ctx);

/* frame_close: flush and close the output and rejects, print the summary,
 * write --stats; return the final status (status, or 1 if it was 0 and
 * something was rejected). */
int frame_close(struct frame *f, int status);

/* frame_parse_object: parse a line that must be one JSON object, indexing
 * its top-level members into mem. NULL when it is one; else the reason code
 * (line_too_long, json_syntax, bad_utf8, too_deep, not_object) with detail
 * filled. what names the record in the not_object detail ("message"). */
const char *frame_parse_object(const struct line *l, size_t max_line, int max_depth,
                                struct json_members *mem, const char *what,
                                char *detail, size_t n);
#endif
