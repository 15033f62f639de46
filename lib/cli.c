/* cli.c: diagnostics, exit codes and option parsing shared by all programs. */
#include <errno.h>
#include <fcntl.h>
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

/* emit: "prog: file:line: message"; line 0 leaves the line out. */
static void emit(const char *file, unsigned long long line, const char *msg)
{
	/* one write per diagnostic so lines from parallel programs don't interleave */
	if (file && line)
		fprintf(stderr, "%s: %s:%llu: %s\n", progname, file, line, msg);
	else if (file)
		fprintf(stderr, "%s: %s: %s\n", progname, file, msg);
	else
		fprintf(stderr, "%s: %s\n", progname, msg);
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
	exit(code);
}

_Noreturn void usage_error(const char *fmt, ...)
{
	char msg[4096];
	MSG_FORMAT(msg, fmt);
	emit(NULL, 0, msg);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(EX_USAGE);
}

void print_version(void)
{
	printf("%s (segpipe) %s\n", progname, SEGPIPE_VERSION);
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

void cli_common_option(int c, const char *arg, struct cli_common *o, void (*usage)(void))
{
	switch (c) {
	case CLI_O_STATS: o->stats_file = arg; break;
	case 'q': o->quiet = 1; break;
	case CLI_O_PROGRESS: o->force_progress = 1; break;
	case CLI_O_NO_PROGRESS: o->force_progress = 0; break;
	case 'h': usage(); exit(EX_DONE);
	case 'V': print_version(); exit(EX_DONE);
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
