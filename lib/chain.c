/* chain.c: filter stages in one process (see chain.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "chain.h"
#include "cli.h"
#include "dedup.h"
#include "fetch.h"
#include "flatten.h"
#include "frame.h"
#include "load.h"
#include "validate.h"

typedef int (*setup_fn)(int argc, char **argv, struct frame_stage *s);
typedef int (*wait_fn)(void *ctx, int fd);

/* The stages; one with a wait function is a last stage only, whose engine
 * turns while the first stage waits for input (lib/frame's frame_waiter). */
static const struct {
	const char *prog;
	setup_fn setup;
	wait_fn wait;
} known[] = {
	{ "seg-fetch", fetch_setup, NULL }, { "seg-validate", validate_setup, NULL },
	{ "seg-dedup", dedup_setup, NULL }, { "seg-flatten", flatten_setup, NULL },
	{ "seg-batch", batch_setup, NULL }, { "s2-load", load_setup, load_wait },
};

/* The running chain, for the exit hook. */
static struct {
	int n, cur;                   /* stages; the one being set up */
	const char *name[CHAIN_MAX];  /* progname while stage i runs */
	int code[CHAIN_MAX];
	const char *status;
	wait_fn wait;                 /* the last stage's, or NULL */
	void *wait_ctx;
	FILE *wait_errf;
} C;

void chain_args(struct strv *a, const char *status, int n, char **const *argv, const char *const *log)
{
	char num[24];
	strv_add(a, CHAIN_FLAG);
	strv_add(a, status);
	for (int i = 0; i < n; i++) {
		int k = 0;
		while (argv[i][k])
			k++;
		snprintf(num, sizeof num, "%d", k);
		strv_add(a, log[i]);
		strv_add(a, num);
		for (int j = 0; j < k; j++)
			strv_add(a, argv[i][j]);
	}
}

/* write_status: the codes, one per stage, into C.status. */
static void write_status(void)
{
	char line[CHAIN_MAX * 12 + 2];
	size_t len = 0;
	for (int i = 0; i < C.n; i++)
		len += (size_t)snprintf(line + len, sizeof line - len, "%s%d", i ? " " : "", C.code[i]);
	line[len++] = '\n';
	int fd = open(C.status, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len)
		fprintf(stderr, "%s: cannot write: %s\n", C.status, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* say_read: the first stage has read all its input (chain.h). */
static void say_read(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s%s", C.status, CHAIN_READ_SUFFIX);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		fprintf(stderr, "%s: cannot create: %s\n", path, strerror(errno));
	else
		close(fd);
}

/* on_exit_code: a stage ends the process: the code is that stage's (the
 * one whose name is progname, or the one being set up). */
static void on_exit_code(int code)
{
	int who = C.cur;
	for (int i = 0; i < C.n; i++)
		if (progname == C.name[i])
			who = i;
	C.code[who] = code;
	cli_errfile = NULL;
	write_status();
}

/* setup_of: the setup function of a program named by path or name, and
 * its wait function (NULL for most). */
static setup_fn setup_of(const char *prog, const char **name, wait_fn *wait)
{
	const char *slash = strrchr(prog, '/');
	const char *base = slash ? slash + 1 : prog;
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (strcmp(base, known[i].prog) == 0) {
			*name = known[i].prog;
			*wait = known[i].wait;
			return known[i].setup;
		}
	die(EX_USAGE, "%s: not a stage that runs in-process", prog);
}

/* source_wait: the first stage waits for input: turn the last stage's
 * engine, as that stage (its name and log for what it says). */
static int source_wait(void *ctx, int fd)
{
	const char *prog = progname;
	FILE *errf = cli_errfile;
	(void)ctx;
	progname = C.name[C.n - 1];
	cli_errfile = C.wait_errf;
	int r = C.wait(C.wait_ctx, fd);
	progname = prog;
	cli_errfile = errf;
	return r;
}

/* setup: stage i from its argv; diagnostics to its log from now on. Only
 * the first stage may have file operands (the others read the one before)
 * or be a source (lib/fetch), and only the last -o (the others write to
 * the next). */
static void setup(int i, int argc, char **argv, const char *log, struct frame_stage *s, int *first)
{
	const char *name;
	wait_fn wait;
	setup_fn fn = setup_of(argv[0], &name, &wait);
	if (wait && i + 1 < C.n)
		die(EX_USAGE, "%s: in-process, it can only be the last stage", name);
	FILE *f = fopen(log, "ae");
	if (!f)
		die(EX_IOERR, "%s: cannot create: %s", log, strerror(errno));
	setvbuf(f, NULL, _IOLBF, 0);
	C.name[i] = name;
	C.cur = i;
	progname = name;
	cli_errfile = f;
	optind = 0;               /* glibc: a full reset of getopt_long, nextchar too */
	*first = fn(argc, argv, s);
	if (i > 0 && s->source)
		usage_error("a source runs in-process only as the first stage");
	if (i > 0 && *first < argc)
		usage_error("'%s': an in-process stage reads the stage before it, not files", argv[*first]);
	if (i + 1 < C.n && s->io->out.fd != 1)
		usage_error("-o: an in-process stage writes to the stage after it");
	if (wait) {
		C.wait = wait;
		C.wait_ctx = s->ctx;
		C.wait_errf = f;
	}
}

/* parse: the stage list argv[3..] into sv, sc and logs; the number of
 * stages. Each stage's argv is NULL-terminated in place (the count after
 * its log is followed by its arguments). */
static int parse(int argc, char **argv, char **sv[], int sc[], const char *logs[])
{
	int n = 0, k = 3;
	while (k < argc) {
		if (n == CHAIN_MAX || k + 2 > argc)
			die(EX_USAGE, "%s: malformed stage list", CHAIN_FLAG);
		int c = atoi(argv[k + 1]);
		if (c < 1 || c > argc - k - 2)
			die(EX_USAGE, "%s: malformed stage list", CHAIN_FLAG);
		logs[n] = argv[k];
		sv[n] = argv + k + 2;
		sc[n++] = c;
		k += 2 + c;
	}
	for (int i = 0; i < n; i++)
		sv[i][sc[i]] = NULL;     /* the next stage's log, or argv's own NULL */
	if (n == 0)
		die(EX_USAGE, "%s: no stages", CHAIN_FLAG);
	return n;
}

int chain_main(int argc, char **argv)
{
	struct frame_stage st[CHAIN_MAX];
	FILE *errf[CHAIN_MAX];
	char **sv[CHAIN_MAX];
	const char *logs[CHAIN_MAX];
	int sc[CHAIN_MAX], first[CHAIN_MAX], status = EX_DONE;
	if (argc < 3)
		die(EX_USAGE, "%s: needs a status file and stages", CHAIN_FLAG);
	C.status = argv[2];
	C.n = parse(argc, argv, sv, sc, logs);
	cli_exit_hook = on_exit_code;
	for (int i = 0; i < C.n; i++) {
		setup(i, sc[i], sv[i], logs[i], &st[i], &first[i]);
		errf[i] = cli_errfile;
	}
	for (int i = 0; i + 1 < C.n; i++)
		frame_link(st[i].io, st[i + 1].io, st[i + 1].line, st[i + 1].ctx, C.name[i + 1], errf[i + 1]);
	if (C.wait)
		st[0].io->wait = source_wait;
	progname = C.name[0];
	cli_errfile = errf[0];
	int in = st[0].source ? st[0].source(st[0].ctx, sc[0] - first[0], sv[0] + first[0])
	                      : frame_run(st[0].io, sc[0] - first[0], sv[0] + first[0], st[0].line, st[0].ctx);
	say_read();
	for (int i = 0; i < C.n; i++) {
		progname = C.name[i];
		cli_errfile = errf[i];
		C.cur = i;
		C.code[i] = st[i].finish(st[i].ctx, i == 0 ? in : EX_DONE);
		if (C.code[i] > 1 && (status == EX_DONE || status == 1))
			status = C.code[i];
		else if (C.code[i] == 1 && status == EX_DONE)
			status = 1;
	}
	cli_exit_hook = NULL;
	cli_errfile = NULL;
	for (int i = 0; i < C.n; i++)
		fclose(errf[i]);
	write_status();
	return status;
}

int chain_status_read(const char *path, int n, int *code)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int got = 0;
	while (got < n && fscanf(f, "%d", &code[got]) == 1)
		got++;
	fclose(f);
	return got == n ? 0 : -1;
}
