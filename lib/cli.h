/* cli.h: what every segpipe program shares at its edges: the exit codes of
 * design.md, diagnostics in the "prog: file:line: message" form, option value
 * parsing, --version, and the decision whether to show progress. */
#ifndef SEG_CLI_H
#define SEG_CLI_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define SEGPIPE_VERSION "0.1.0"

/* Exit status shared by all programs (design.md). */
enum {
	EX_DONE = 0,        /* every record in the output or a named file */
	EX_REJECTED = 1,    /* some records rejected or failed */
	EX_USAGE = 64,      /* usage error */
	EX_DATAERR = 65,    /* input unusable as a whole */
	EX_NOINPUT = 66,    /* an input could not be opened */
	EX_UNAVAILABLE = 69,/* service unavailable after all retries */
	EX_IOERR = 74,      /* I/O error */
	EX_TEMPFAIL = 75,   /* temporary failure; a re-run continues */
	EX_NOPERM = 77,     /* authentication or permission refused */
	EX_CONFIG = 78      /* configuration error */
};

extern const char *progname;

/* cli_init: make sure descriptors 0, 1 and 2 are open (cli_std_fds), set
 * the program name for diagnostics, ignore SIGPIPE so that a closed output
 * is seen as EPIPE and handled as a quiet stop, and ignore SIGXFSZ so that
 * a file over the size limit is a write error (EFBIG, exit 74), not a
 * silent death. Call it first in main. */
void cli_init(const char *name);

/* cli_on_stop: call fn on SIGINT and SIGTERM (no SA_RESTART: a blocking
 * call returns EINTR, so the program sees the stop at once). */
void cli_on_stop(void (*fn)(int));

_Noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* diag: "prog: file:line: message"; line 0 leaves the line out. */
void diag(const char *file, unsigned long long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* usage_error: print "prog: message" and a pointer to --help, exit 64. */
_Noreturn void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void print_version(void);

/* Option values that die with a usage error naming the option. */
uint64_t opt_size(const char *opt, const char *arg);
uint64_t opt_uint(const char *opt, const char *arg, uint64_t min, uint64_t max);
double opt_double(const char *opt, const char *arg, double min, double max);

/* The options every filter program takes besides its own: --stats FILE,
 * -q/--quiet, --progress, --no-progress, -h/--help, -V/--version. Put
 * CLI_COMMON_LONGOPTS in the getopt_long table (and "qhV" in the short
 * options) and hand every option the program does not know itself to
 * cli_common_option. */
enum { CLI_O_STATS = 0x1000, CLI_O_PROGRESS, CLI_O_NO_PROGRESS };
#define CLI_COMMON_LONGOPTS \
	{ "stats", required_argument, 0, CLI_O_STATS }, { "quiet", no_argument, 0, 'q' }, \
	{ "progress", no_argument, 0, CLI_O_PROGRESS }, \
	{ "no-progress", no_argument, 0, CLI_O_NO_PROGRESS }, \
	{ "help", no_argument, 0, 'h' }, { "version", no_argument, 0, 'V' }

struct cli_common {
	int quiet;
	int force_progress;      /* -1 auto, 0 --no-progress, 1 --progress */
	const char *stats_file;
};
#define CLI_COMMON_INIT { 0, -1, NULL }

/* cli_common_option: take one of the common options; -h prints usage()
 * and exits 0, -V the version; anything else is a usage error (exit 64). */
void cli_common_option(int c, const char *arg, struct cli_common *o, void (*usage)(void));

/* progress_wanted: 1 when a progress line should be drawn on stderr: forced
 * by --progress (force 1) or --no-progress (force 0), else when stderr is a
 * terminal and not quiet. */
int progress_wanted(int force, int quiet);
/* now_ms: monotonic milliseconds, for progress and timing. */
uint64_t now_ms(void);
#endif
