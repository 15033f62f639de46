/* test_journal.c: seg-backfill's journal (last entry wins, a torn last line
 * cut, read-only opening changes nothing, object comparison), its day
 * arguments (lib/dayspec), and the pipeline supervisor (exit codes, signals,
 * process group). */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dayspec.h"
#include "journal.h"
#include "pipeline.h"
#include "unit.h"

static void put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	fputs(s, f);
	fclose(f);
}

static long fsize(const char *path)
{
	FILE *f = fopen(path, "r");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fclose(f);
	return n;
}

static void journal_tests(const char *path)
{
	struct journal j;
	put(path, "{\"unit\":\"a/s/1432684800000\",\"day\":\"2015-05-27\",\"objects\":[{\"object\":\"x\",\"size\":3,\"etag\":\"\",\"mtime\":\"1\"}]}\n"
	          "not json\n"
	          "{\"unit\":\"a/s/1432684800000\",\"day\":\"2015-05-27\",\"objects\":[{\"object\":\"x\",\"size\":4,\"etag\":\"\",\"mtime\":\"2\"}]}\n"
	          "{\"unit\":\"torn");
	long before = fsize(path);
	ok(journal_open(&j, path, 1) == 0, "read-only open");
	is_int(fsize(path), before, "read-only leaves the torn line");
	journal_close(&j);
	ok(journal_open(&j, path, 0) == 0, "open");
	is_int(j.n, 1, "one unit");
	is_int(j.ignored, 1, "one unreadable line counted");
	const struct junit *u = journal_find(&j, "a/s/1432684800000");
	ok(u && u->nobj == 1 && u->obj[0].size == 4, "the last entry wins");
	is_int(journal_newest_day(&j), 1432684800000LL, "newest day");
	ok(fsize(path) < before, "the torn line is cut");
	const char *e = "{\"unit\":\"f.ndjson\",\"day\":null,\"objects\":[]}";
	ok(journal_add(&j, e, strlen(e)) == 0, "append");
	journal_close(&j);
	ok(journal_open(&j, path, 0) == 0 && j.n == 2 && journal_find(&j, "f.ndjson"), "appended entry read back");
	journal_close(&j);

	struct jobject a = { "o", "\"e1\"", "", 5 }, b = { "o", "\"e2\"", "", 5 }, c = { "o", "", "m", 5 };
	struct jobject d = { "o", "", "m", 6 };
	ok(!jobject_same(&a, &b), "another ETag: changed");
	ok(jobject_same(&c, &c) && !jobject_same(&c, &d), "no ETag: size and mtime");
}

static void day_tests(void)
{
	int64_t today = day_today(1432771200 + 3600), ms;   /* 2015-05-28 01:00 */
	is_int(today, 1432771200000LL, "today is UTC midnight");
	ok(day_spec("yesterday", today, &ms) == 0 && ms == 1432684800000LL, "yesterday");
	ok(day_spec("-2d", today, &ms) == 0 && ms == 1432598400000LL, "-2d");
	ok(day_spec("2015-05-27", today, &ms) == 0 && ms == 1432684800000LL, "YYYY-MM-DD");
	ok(day_spec("1432684800000", today, &ms) == 0 && ms == 1432684800000LL, "13-digit folder");
	ok(day_spec("-2x", today, &ms) < 0 && day_spec("soon", today, &ms) < 0, "bad days refused");
	char s[16];
	day_format(1432684800000LL, s, sizeof s);
	is_str(s, "2015-05-27", "format");
}

static int kept_fd = -1, cloexec_fd = -1;
static void on_usr1(int sig) { (void)sig; }

/* linked_main: a program run without an exec (pipe_stage.main): it reports
 * on stdout what it started with. */
static int linked_main(int argc, char **argv)
{
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	int opt, seen = 0;
	while ((opt = getopt(argc, argv, "x")) != -1)
		seen += opt == 'x';
	printf("argc=%d x=%d rest=%s usr1=%s kept=%s cloexec=%s\n", argc, seen, optind < argc ? argv[optind] : "-",
	       sa.sa_handler == SIG_DFL ? "dfl" : "caught", fcntl(kept_fd, F_GETFD) >= 0 ? "open" : "closed",
	       fcntl(cloexec_fd, F_GETFD) >= 0 ? "open" : "closed");
	return 5;
}

static void linked_tests(void)
{
	char *argv[] = { "linked", "-x", "operand", NULL }, *b[] = { "cat", NULL };
	struct pipe_stage st[] = { { argv, NULL, linked_main }, { b, NULL, NULL } };
	struct pipeline p;
	char err[200], out[] = "/tmp/test_pipeline.XXXXXX", line[200] = "";
	int fd = mkstemp(out);
	close(fd);
	signal(SIGUSR1, on_usr1);
	kept_fd = open("/dev/null", O_RDONLY);
	cloexec_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int opt;
	char *own[] = { "test", "-q", NULL };
	optind = 1;
	while ((opt = getopt(2, own, "q")) != -1)  /* the parent's getopt has run */
		;
	char dup[] = "/tmp/test_pipeline.XXXXXX";
	close(mkstemp(dup));
	FILE *pending = fopen(dup, "a");       /* unflushed in the parent at the fork */
	fputs("parent\n", pending);
	ok(pipeline_start(&p, st, 2, NULL, err, sizeof err) == 0, "start a linked program");
	pipeline_wait(&p);
	fclose(pending);
	is_int(pipeline_code(&p, 0), 5, "its main's return is its exit code");
	FILE *d = fopen(dup, "r");
	ok(d && fgets(line, sizeof line, d) && !fgets(line, sizeof line, d),
	   "the parent's unflushed output is written once, not again by the child");
	if (d)
		fclose(d);
	unlink(dup);
	struct pipe_stage st2[] = { { argv, NULL, linked_main } };
	pipeline_start(&p, st2, 1, out, err, sizeof err);
	pipeline_wait(&p);
	FILE *f = fopen(out, "r");
	ok(f && fgets(line, sizeof line, f), "it wrote its report");
	is_str(line, "argc=3 x=1 rest=operand usr1=dfl kept=open cloexec=closed\n",
	       "it starts as from an exec: getopt reset, handlers default, close-on-exec closed");
	if (f)
		fclose(f);
	close(kept_fd);
	close(cloexec_fd);
	signal(SIGUSR1, SIG_DFL);
	unlink(out);
}

static void pipeline_tests(void)
{
	char *a[] = { "sh", "-c", "printf 'x\\ny\\n'", NULL }, *b[] = { "wc", "-l", NULL };
	char *c[] = { "sh", "-c", "cat >/dev/null; exit 3", NULL }, *s[] = { "sleep", "30", NULL };
	struct pipe_stage st[] = { { a, NULL, NULL }, { b, NULL, NULL } };
	struct pipeline p;
	char err[200], out[] = "/tmp/test_pipeline.XXXXXX";
	int fd = mkstemp(out);
	close(fd);
	ok(pipeline_start(&p, st, 2, out, err, sizeof err) == 0, "start a | b");
	pipeline_wait(&p);
	is_int(pipeline_code(&p, 0), 0, "a exited 0");
	is_int(pipeline_code(&p, 1), 0, "b exited 0");
	FILE *f = fopen(out, "r");
	int n = 0;
	ok(f && fscanf(f, "%d", &n) == 1 && n == 2, "b read a's two lines into the file");
	if (f)
		fclose(f);
	struct pipe_stage st2[] = { { a, NULL, NULL }, { c, NULL, NULL } };
	pipeline_start(&p, st2, 2, NULL, err, sizeof err);
	pipeline_wait(&p);
	is_int(pipeline_code(&p, 1), 3, "an exit code is kept");
	struct pipe_stage st3[] = { { s, NULL, NULL }, { s, NULL, NULL } };
	pipeline_start(&p, st3, 2, NULL, err, sizeof err);
	pipeline_signal(&p, SIGTERM);
	pipeline_wait(&p);
	ok(pipeline_code(&p, 0) == 128 + SIGTERM && pipeline_code(&p, 1) == 128 + SIGTERM,
	   "a signal reaches every stage of the group");
	char *missing[] = { "no-such-program-segpipe", NULL };
	struct pipe_stage st4[] = { { missing, "/dev/null", NULL } };
	pipeline_start(&p, st4, 1, NULL, err, sizeof err);
	pipeline_wait(&p);
	is_int(pipeline_code(&p, 0), 127, "a missing program is 127");
	unlink(out);
	linked_tests();
}

int main(void)
{
	char path[] = "/tmp/test_journal.XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	journal_tests(path);
	unlink(path);
	day_tests();
	pipeline_tests();
	return done();
}
