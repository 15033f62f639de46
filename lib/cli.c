/* cli.c: diagnostics, exit codes and option parsing shared by all programs. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"

const char *progname = "segpipe";
FILE *cli_errfile;
void (*cli_exit_hook)(int code);

FILE *cli_err(void)
{
	return cli_errfile ? cli_errfile : stderr;
}

_Noreturn void cli_exit(int code)
{
	if (cli_exit_hook)
		cli_exit_hook(code);
	exit(code);
}

/* cli_std_fds: open /dev/null on whichever of 0, 1, 2 is closed (a program
 * started with <&- or >&-), so that no file or socket the program opens
 * later takes a standard descriptor's number and gets read or written as
 * one. Exits 74 if /dev/null cannot be opened. */
static void cli_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* open returns the lowest free descriptor: this one */
		int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n < 0)
			_exit(EX_IOERR);
		if (n != fd) {
			close(n);
			_exit(EX_IOERR);
		}
	}
}

void cli_init(const char *name)
{
	const char *slash = strrchr(name, '/');
	cli_std_fds();
	progname = slash ? slash + 1 : name;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}

void cli_on_stop(void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

volatile sig_atomic_t cli_stop_signal;

static void on_stop_signal(int sig)
{
	if (cli_stop_signal)
		_exit(EX_TEMPFAIL);
	cli_stop_signal = sig;
}

void cli_stop_on_signal(void)
{
	cli_on_stop(on_stop_signal);
}

/* emit: "prog: file:line: message"; line 0 leaves the line out. */
static void emit(const char *file, unsigned long long line, const char *msg)
{
	/* one write per diagnostic so lines from parallel programs don't interleave */
	if (file && line)
		fprintf(cli_err(), "%s: %s:%llu: %s\n", progname, file, line, msg);
	else if (file)
		fprintf(cli_err(), "%s: %s: %s\n", progname, file, msg);
	else
		fprintf(cli_err(), "%s: %s\n", progname, msg);
}

void diag(const char *file, unsigned long long line, const char *fmt, ...)
{
	char msg[4096];
	MSG_FORMAT(msg, fmt);
	emit(file, line, msg);
}

void warnmsg(const char *fmt, ...)
{
	char msg[4096];
	MSG_FORMAT(msg, fmt);
	emit(NULL, 0, msg);
}

_Noreturn void die(int code, const char *fmt, ...)
{
	char msg[4096];
	MSG_FORMAT(msg, fmt);
	emit(NULL, 0, msg);
	cli_exit(code);
}

_Noreturn void usage_error(const char *fmt, ...)
{
	char msg[4096];
	MSG_FORMAT(msg, fmt);
	emit(NULL, 0, msg);
	fprintf(cli_err(), "Try '%s --help' for more information.\n", progname);
	cli_exit(EX_USAGE);
}

void print_version(void)
{
	printf("%s (segpipe) %s\n", progname, SEGPIPE_VERSION);
}

int cli_stdout_status(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return EX_DONE;
	diag("standard output", 0, "write error: %s", strerror(errno ? errno : EIO));
	return EX_IOERR;
}

_Noreturn void cli_help(void (*usage)(void))
{
	usage();
	printf("\nSee %s(1).\n", progname);
	exit(cli_stdout_status());
}

void cli_stdin_not_tty(const char *what)
{
	if (isatty(0))
		die(EX_USAGE, "standard input is a terminal: give FILE operands or pipe %s in "
		    "(- reads the terminal anyway)", what);
}

void cli_stats_stdout(const char *stats_file, const char *out)
{
	if (stats_file && strcmp(stats_file, "-") == 0 && (!out || strcmp(out, "-") == 0))
		usage_error("--stats -: standard output carries the data; give -o FILE or --stats FILE");
}

/* long_matches: how many long options (of value val, or any when val is 0)
 * start with the name in arg ("--re=x"). */
static int long_matches(const struct option *lo, const char *arg, int val)
{
	size_t n = strcspn(arg + 2, "=");
	int count = 0;
	for (; lo && lo->name; lo++)
		if (strncmp(lo->name, arg + 2, n) == 0 && (!val || lo->val == val))
			count++;
	return count;
}

/* bad_option: the one line for getopt's '?' or ':' (opterr is 0). A long
 * option is argv[optind - 1]; a short one is optopt. */
static _Noreturn void bad_option(int c, const char *arg, const struct option *lo)
{
	int is_long = arg && strncmp(arg, "--", 2) == 0 && arg[2] &&
	              (!optopt || long_matches(lo, arg, optopt));
	char name[64];
	if (is_long)
		snprintf(name, sizeof name, "--%.*s", (int)strcspn(arg + 2, "="), arg + 2);
	else
		snprintf(name, sizeof name, "-%c", optopt);
	const char *what = "is unknown";
	if (c == ':')
		what = "requires a value";
	else if (is_long && optopt)
		what = "takes no value";
	else if (is_long && long_matches(lo, arg, 0) > 1)
		what = "is ambiguous";
	fprintf(cli_err(), "%s: option '%s' %s (see %s --help)\n", progname, name, what, progname);
	cli_exit(EX_USAGE);
}

int cli_getopt(int argc, char *const argv[], const char *shortopts,
               const struct option *longopts)
{
	char opts[128];
	snprintf(opts, sizeof opts, ":%s", shortopts);
	opterr = 0;
	optopt = 0;
	int c = getopt_long(argc, argv, opts, longopts, NULL);
	if (c == '?' || c == ':')
		bad_option(c, optind > 0 && optind <= argc ? argv[optind - 1] : NULL, longopts);
	return c;
}

/* parse_uint: a plain decimal number within [min, max]; -1 if bad. */
static int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* parse_size: "16M", "512k", "1G", "1000000"; binary multiples. -1 if bad. */
static int parse_size(const char *s, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: return -1;
	}
	if (*end == 'i' && shift)
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/* parse_double: a finite decimal number within [min, max]; -1 if bad. */
static int parse_double(const char *s, double min, double max, double *out)
{
	if (!s || !*s)
		return -1;
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_duration(const char *s, uint64_t *ms)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	if (errno || !isfinite(v))
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		double t = v * units[i].ms;
		if (t > (double)(UINT64_MAX >> 1))
			return -1;
		*ms = (uint64_t)(t + 0.5);
		return 0;
	}
	return -1;
}

const char *fmt_duration(char *out, size_t n, uint64_t ms)
{
	if (ms < 1000)
		snprintf(out, n, "%llu ms", (unsigned long long)ms);
	else if (ms < 10000 && ms % 1000)
		snprintf(out, n, "%.1f s", (double)ms / 1000);
	else
		snprintf(out, n, "%llu s", (unsigned long long)((ms + 500) / 1000));
	return out;
}

uint64_t opt_size(const char *opt, const char *arg)
{
	uint64_t v;
	if (parse_size(arg, &v) < 0)
		usage_error("%s: not a size: '%s' (examples: 1000000, 512K, 16M)", opt, arg);
	return v;
}

uint64_t opt_uint(const char *opt, const char *arg, uint64_t min, uint64_t max)
{
	uint64_t v;
	if (parse_uint(arg, min, max, &v) < 0)
		usage_error("%s: '%s' is not a whole number from %llu to %llu", opt, arg,
		            (unsigned long long)min, (unsigned long long)max);
	return v;
}

double opt_double(const char *opt, const char *arg, double min, double max)
{
	double v;
	if (parse_double(arg, min, max, &v) < 0)
		usage_error("%s: '%s' is not a number from %g to %g", opt, arg, min, max);
	return v;
}

uint64_t opt_duration(const char *opt, const char *arg, uint64_t min_ms, uint64_t max_ms)
{
	uint64_t v;
	char lo[32], hi[32];
	if (parse_duration(arg, &v) < 0 || v < min_ms || v > max_ms)
		usage_error("%s: '%s' is not a duration from %s to %s (examples: 500ms, 2s, 1m; "
		            "a bare number is seconds)", opt, arg, fmt_duration(lo, sizeof lo, min_ms),
		            fmt_duration(hi, sizeof hi, max_ms));
	return v;
}

void cli_common_option(int c, const char *arg, struct cli_common *o, void (*usage)(void))
{
	switch (c) {
	case CLI_O_STATS: o->stats_file = arg; break;
	case 'q': o->quiet = 1; break;
	case CLI_O_PROGRESS: o->force_progress = 1; break;
	case CLI_O_NO_PROGRESS: o->force_progress = 0; break;
	case 'h': cli_help(usage);
	case 'V': print_version(); exit(cli_stdout_status());
	default: usage_error("unknown option");
	}
}

int progress_wanted(int force, int quiet)
{
	if (force >= 0)
		return force;
	return !quiet && isatty(2);
}

uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
