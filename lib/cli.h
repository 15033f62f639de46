/* cli.h: what every segpipe program shares at its edges: the exit codes of
 * design.md, diagnostics in the "prog: file:line: message" form, option value
 * parsing, --version, and the decision whether to show progress. */
#ifndef SEG_CLI_H
#define SEG_CLI_H
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* Where diagnostics go, for stages run in one process (lib/chain): each
 * stage's messages carry its own progname and go to its own log. cli_err()
 * is cli_errfile, or stderr when that is NULL. cli_exit runs cli_exit_hook
 * (when set: it learns which stage stopped the process, and how), then
 * exit(3); die(), usage_error() and a writer's quiet stop all end in it. */
extern FILE *cli_errfile;
extern void (*cli_exit_hook)(int code);
FILE *cli_err(void);
_Noreturn void cli_exit(int code);

/* cli_init: make sure descriptors 0, 1 and 2 are open (cli_std_fds), set
 * the program name for diagnostics, ignore SIGPIPE so that a closed output
 * is seen as EPIPE and handled as a quiet stop, and ignore SIGXFSZ so that
 * a file over the size limit is a write error (EFBIG, exit 74), not a
 * silent death. Call it first in main. */
void cli_init(const char *name);

/* cli_on_stop: call fn on SIGINT and SIGTERM (no SA_RESTART: a blocking
 * call returns EINTR, so the program sees the stop at once). */
void cli_on_stop(void (*fn)(int));

/* cli_stop_on_signal: the first SIGINT or SIGTERM asks for a clean stop: it
 * is put in cli_stop_signal, which the program's loop looks at; a second
 * one exits 75 at once (nothing is claimed done that was not). */
void cli_stop_on_signal(void);
extern volatile sig_atomic_t cli_stop_signal;

_Noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* diag: "prog: file:line: message"; line 0 leaves the line out. */
void diag(const char *file, unsigned long long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* usage_error: print "prog: message" and a pointer to --help, exit 64. */
_Noreturn void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void print_version(void);
/* cli_stdout_status: flush stdout; EX_DONE, or EX_IOERR with a message when
 * it could not be written (--help into a full disk is an error). */
int cli_stdout_status(void);
/* cli_help: print usage(), then "See prog(1).", and exit 0 (74 when stdout
 * cannot be written). */
_Noreturn void cli_help(void (*usage)(void));

/* cli_stdin_not_tty: for a filter given no operands: when standard input is
 * a terminal, say what is expected and exit 64 rather than wait silently
 * (as gzip does); an explicit "-" operand still reads the terminal. */
void cli_stdin_not_tty(const char *what);

/* cli_stats_stdout: "--stats -" writes the stats to standard output; refuse
 * it (usage error) when out, the program's data output, is standard output
 * too ("-" or NULL). */
void cli_stats_stdout(const char *stats_file, const char *out);

struct option;
/* cli_getopt: getopt_long, except that a wrong option (unknown, ambiguous,
 * missing its value, or given one it does not take) is reported here in one
 * line naming it, and the program exits 64. Never returns '?' or ':'. */
int cli_getopt(int argc, char *const argv[], const char *shortopts,
               const struct option *longopts);

/* parse_duration: a time with its unit: "500ms", "2s", "1.5s", "1m", "1h";
 * a bare number is seconds. Milliseconds into *ms; -1 if bad. */
int parse_duration(const char *s, uint64_t *ms);
/* fmt_duration: ms for people, into out: "250 ms", "1.5 s", "8 s". */
const char *fmt_duration(char *out, size_t n, uint64_t ms);

/* Option values that die with a usage error naming the option. */
uint64_t opt_size(const char *opt, const char *arg);
uint64_t opt_uint(const char *opt, const char *arg, uint64_t min, uint64_t max);
double opt_double(const char *opt, const char *arg, double min, double max);
/* opt_duration: parse_duration within [min_ms, max_ms]; milliseconds. */
uint64_t opt_duration(const char *opt, const char *arg, uint64_t min_ms, uint64_t max_ms);

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
