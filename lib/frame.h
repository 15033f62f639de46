/* frame.h: the frame every NDJSON filter program shares around its own
 * per-line work: the common options (-o, -r, --max-line, --max-depth and
 * lib/cli's), the output writer, the rejects, the end-of-run counters and
 * the progress line, and the loop over file operands ("-" or none: stdin)
 * and their lines (bytes counted, blank lines skipped and counted, a read
 * error reported) with its exit-status rules (a missing input is 66 and the
 * others are still read; a read error is 74; any reject makes a clean run 1).
 * A filter gives its own options, a per-line function and its counters:
 *
 *	struct frame_opts fo = FRAME_OPTS_INIT(SEG_JSON_DEPTH, SEG_DEPTH_MAX);
 *	while ((c = getopt_long(argc, argv, FRAME_SHORTOPTS, opts, NULL)) != -1)
 *		switch (c) { case MY_OPT: ...; default: frame_option(c, optarg, &fo, usage); }
 *	frame_open(&f, &fo, counters);
 *	status = frame_close(&f, frame_run(&f, argc - optind, argv + optind, my_line, ctx));
 *
 * Stages in one process (lib/chain): a stage's output lines can go straight
 * to the next stage's line function (frame_feed) instead of its writer,
 * with what the stage already proved about them, so the next stage does not
 * prove it again: frame_parse takes the members index a line arrived with
 * (bytes unchanged since an earlier stage's strict parse) or indexes a
 * record an earlier stage wrote itself without validating it. A line read
 * from a pipe or a file (frame_run) is always parsed strictly.
 */
#ifndef SEG_FRAME_H
#define SEG_FRAME_H
#include <getopt.h>

#include "cli.h"
#include "json.h"
#include "lineio.h"
#include "progress.h"
#include "reject.h"
#include "stats.h"

/* The common filter options: put FRAME_LONGOPTS in the getopt_long table,
 * FRAME_SHORTOPTS as the short options (plus the program's own), and hand
 * every option the program does not know itself to frame_option. */
enum { FRAME_O_MAXLINE = 0x1100, FRAME_O_MAXDEPTH };
#define FRAME_SHORTOPTS "o:r:qhV"
#define FRAME_LONGOPTS \
	{ "output", required_argument, 0, 'o' }, { "rejects", required_argument, 0, 'r' }, \
	{ "max-line", required_argument, 0, FRAME_O_MAXLINE }, \
	{ "max-depth", required_argument, 0, FRAME_O_MAXDEPTH }, CLI_COMMON_LONGOPTS

/* Their usage lines: FRAME_USAGE_OUTPUT("what it writes"), FRAME_USAGE_REJECTS,
 * FRAME_USAGE_LIMITS("default 31, at most 512"), then FRAME_USAGE_COMMON. */
#define FRAME_USAGE_OUTPUT(what) \
	"  -o, --output FILE          write " what " to FILE (default stdout)\n"
#define FRAME_USAGE_REJECTS \
	"  -r, --rejects FILE         write reject records to FILE (default: report on stderr)\n"
#define FRAME_USAGE_LIMITS(line, depth) \
	"      --max-line N           longest " line " (default 16M)\n" \
	"      --max-depth N          deepest JSON nesting (" depth ")\n"
#define FRAME_USAGE_COMMON \
	"      --stats FILE           write the end summary as JSON to FILE\n" \
	"  -q, --quiet                no summary line\n" \
	"      --progress, --no-progress  force the progress line on or off\n" \
	"  -h, --help                 this help\n" \
	"  -V, --version              version\n"

struct frame_opts {
	const char *out, *rejects;   /* "-" stdout; NULL: report on stderr */
	size_t max_line;
	int max_depth, depth_max;    /* --max-depth and its largest value */
	struct cli_common common;
};
#define FRAME_OPTS_INIT(depth, depth_max) \
	{ "-", NULL, LINE_MAX_DEFAULT, (depth), (depth_max), CLI_COMMON_INIT }

/* frame_option: take one of the common filter options, checking its value
 * (exit 64 when bad); -h prints usage() and exits 0, -V the version; an
 * option that is not one of them is a usage error. */
void frame_option(int c, const char *arg, struct frame_opts *o, void (*usage)(void));

/* frame_line_fn: handle one non-blank line of the input called name. */
typedef void (*frame_line_fn)(void *ctx, const struct line *l, const char *name);

/* What an earlier stage of a chain knows of a line it hands on. */
struct frame_known {
	int depth;               /* > 0: a valid JSON object at most this deep; 0: nothing */
	struct json_members *mem;  /* its top-level members, or NULL */
	const char *sub_at;      /* an object value inside it, whose members */
	struct json_members *sub;  /* are these (NULL: none given); the next
	                          * stage takes both (json_members_take) */
	struct buf *held;        /* the buffer the line fills from its start,
	                          * which the line function may take (frame_take) */
};

struct frame {
	struct writer out;
	struct rejects rej;
	struct stats st;
	struct progress prog;
	int quiet, ended;
	const char *stats_file;
	size_t max_line;
	int max_depth;
	uint64_t in, bytes;      /* non-blank lines read; bytes read */
	/* in a chain (frame_link) */
	struct frame *next;      /* where frame_pass and frame_wrote send lines */
	frame_line_fn fn;        /* this stage's line function and its context */
	void *ctx;
	const char *name;        /* progname while this stage runs */
	FILE *errf;              /* and where its diagnostics go (NULL: stderr) */
	uint64_t lines;          /* lines fed to it so far */
	struct frame_known known;    /* of the line being fed */
	int depth;               /* the current line's depth bound, set by frame_parse */
	int trusted;             /* frame_parse took the current line's proof */
	/* of a chain's first stage: the last stage's engine (frame_waiter) */
	int (*wait)(void *ctx, int fd);
	void *wait_ctx;
};

/* frame_open: counters (NULL-terminated) are created at 0 in that order, so
 * the summary always names them; the first must be "in" (frame_close sets
 * it). Exits 74 if a file cannot be created. */
void frame_open(struct frame *f, const struct frame_opts *o, const char *const *counters);

/* A reader that keeps an engine turning while it waits for input (s2-load's
 * requests in flight progress while the stage before it is slow): before
 * each read, wait(ctx, fd) turns the engine once, waiting a short while at
 * most for fd to be readable, and returns 1 when it is, 0 to be called
 * again, or -1 to stop reading (stopped is set; the reader sees an end of
 * input, and the caller hands on no line read after it). */
struct frame_waiter {
	int (*wait)(void *ctx, int fd);
	void *ctx;
	int fd;
	int stopped;
};

/* frame_wait_read: an lr_readfn (lib/lineio) over a struct frame_waiter. */
ssize_t frame_wait_read(void *waiter, char *buf, size_t n);

/* frame_run: every line of each operand (or stdin) to fn, counting bytes,
 * blank lines ("blank") and the others (f->in), ticking the progress line.
 * Returns EX_DONE, EX_NOINPUT or EX_IOERR (a read error, reported). When
 * f->wait is set (lib/chain: the last stage is s2-load's), input is read
 * through a frame_waiter, and reading ends where it says stop. */
int frame_run(struct frame *f, int argc, char **argv, frame_line_fn fn, void *ctx);

/* frame_stream_fn: read one opened input; return 0 to go on with the next
 * operand, 1 to read no further operands (the program is stopping), -1
 * after a read error it has reported, or -2 after reporting an input that is
 * not NDJSON at all (lr_report: gzip, an archive). */
typedef int (*frame_stream_fn)(void *ctx, int fd, const char *name);

/* frame_operands: run fn over each operand (argv[0..argc)), or stdin when
 * there are none. Returns EX_DONE, EX_NOINPUT, EX_IOERR or EX_DATAERR. */
int frame_operands(int argc, char **argv, frame_stream_fn fn, void *ctx);

/* frame_end: flush and close the output and rejects and end the progress
 * line, for a program with work to do after its output is safe (seg-dedup
 * saves its state only then); frame_close does it when it was not done. */
void frame_end(struct frame *f);

/* frame_close: frame_end, set "in", print the summary, write --stats; return
 * the final status (status, or 1 if it was 0 and something was rejected). */
int frame_close(struct frame *f, int status);

/* frame_parse_object: parse a line that must be one JSON object, indexing
 * its top-level members into mem. NULL when it is one; else the reason code
 * (line_too_long, json_syntax, bad_utf8, too_deep, not_object) with detail
 * filled. what names the record in the not_object detail ("message"). */
const char *frame_parse_object(const struct line *l, size_t max_line, int max_depth,
                                struct json_members *mem, const char *what,
                                char *detail, size_t n);

/* frame_parse: frame_parse_object with f's limits, except for a line fed by
 * an earlier stage of a chain whose proof covers f's --max-depth: then its
 * members are taken from it (or, for a record the earlier stage wrote,
 * indexed without validation) and nothing is checked again. Sets f->depth. */
const char *frame_parse(struct frame *f, const struct line *l, struct json_members *mem,
                        const char *what, char *detail, size_t n);

/* frame_parse_members: index the members of the object p[0..n) inside the
 * current line: strictly at f's --max-depth (-1, err filled, when it is not
 * valid), or when frame_parse took the line's proof, without validating
 * (taken when the earlier stage handed them on). */
int frame_parse_members(struct frame *f, const char *p, size_t n, struct json_members *mem,
                        struct json_error *err);

/* frame_pass: output the current line's bytes unchanged; mem is the index
 * frame_parse made of them. In a chain, the next stage gets it too: it may
 * take mem's arrays (json_members_take), so mem is empty after the call
 * (the same holds for mem and sub of frame_wrote_indexed and _held). */
void frame_pass(struct frame *f, const char *p, size_t n, struct json_members *mem);

/* frame_wrote: output a JSON object this stage wrote itself from the
 * current line (valid by construction), nesting at most extra levels deeper
 * than that line. In a chain, the next stage indexes it without validating.
 * frame_wrote_indexed: the same with its top-level members (mem) and the
 * members (sub) of the object value at sub_at inside it, as written, so
 * the next stage need not even index them (sub may be NULL). */
void frame_wrote(struct frame *f, const char *p, size_t n, int extra);
void frame_wrote_indexed(struct frame *f, const char *p, size_t n, int extra, struct json_members *mem,
                         const char *sub_at, struct json_members *sub);
/* frame_wrote_held: frame_wrote_indexed of the record p[0..n), which lies
 * in b's bytes: the next stage may take b instead of copying the record
 * (frame_take); b then holds other memory, empty. */
void frame_wrote_held(struct frame *f, struct buf *b, const char *p, size_t n, int extra,
                      struct json_members *mem, const char *sub_at, struct json_members *sub);

/* frame_take: when the earlier stage handed on line l in a buffer of its
 * own (frame_wrote_held), swap that buffer with *into, emptied, and return
 * 1: l's bytes (and the members indexing them) stay where they are, now
 * in *into's bytes (at l->p - into->p). 0 (nothing changed) otherwise. */
int frame_take(struct frame *f, const struct line *l, struct buf *into);

/* frame_link: make f's output lines go to next's line function fn(ctx)
 * instead of f's writer; while next handles one, progname is prog and
 * diagnostics go to errf (NULL: stderr). */
void frame_link(struct frame *f, struct frame *next, frame_line_fn fn, void *ctx,
                const char *prog, FILE *errf);

/* frame_feed: hand p[0..n) to f's line function as its next input line
 * (named "stdin", numbered as a pipe would number it), with what is known
 * of it. */
void frame_feed(struct frame *f, const char *p, size_t n, const struct frame_known *k);

/* A filter program's logic as a stage: set up from the program's own argv
 * by its module (lib/validate, lib/dedup, lib/flatten, lib/batch), then
 * run alone on files (frame_main) or joined to others in one process
 * (lib/chain). finish runs after the input: it flushes, prints the
 * summary, writes --stats and frees the stage; it returns the exit status.
 * A source (lib/fetch) reads no lines: it has no line function but a
 * source function that reads its own operands and produces the lines,
 * each to its writer or, in a chain, to the next stage (frame_feed); in
 * a chain a source can only be the first stage. */
struct frame_stage {
	const char *prog;        /* the program's name, for diagnostics */
	struct frame *io;
	frame_line_fn line;      /* NULL for a source */
	void *ctx;
	int (*finish)(void *ctx, int status);
	/* a source: read the operands argv[0..argc) (none: its default) to
	 * their end; the status so far (finish has the last word) */
	int (*source)(void *ctx, int argc, char **argv);
};

/* frame_main: a program's main after its setup: every operand's lines (or
 * stdin's) through the stage, or a source's own reading, then its finish;
 * the exit status. */
int frame_main(struct frame_stage *s, int argc, char **argv);
#endif
