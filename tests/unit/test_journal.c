/* test_journal.c: seg-backfill's journal (last entry wins, a torn last line
 * cut, read-only opening changes nothing, object comparison), its day
 * arguments (lib/dayspec), and the pipeline supervisor (exit codes, signals,
 * process group). */
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

static void pipeline_tests(void)
{
	char *a[] = { "sh", "-c", "printf 'x\\ny\\n'", NULL }, *b[] = { "wc", "-l", NULL };
	char *c[] = { "sh", "-c", "cat >/dev/null; exit 3", NULL }, *s[] = { "sleep", "30", NULL };
	struct pipe_stage st[] = { { a, NULL }, { b, NULL } };
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
	struct pipe_stage st2[] = { { a, NULL }, { c, NULL } };
	pipeline_start(&p, st2, 2, NULL, err, sizeof err);
	pipeline_wait(&p);
	is_int(pipeline_code(&p, 1), 3, "an exit code is kept");
	struct pipe_stage st3[] = { { s, NULL }, { s, NULL } };
	pipeline_start(&p, st3, 2, NULL, err, sizeof err);
	pipeline_signal(&p, SIGTERM);
	pipeline_wait(&p);
	ok(pipeline_code(&p, 0) == 128 + SIGTERM && pipeline_code(&p, 1) == 128 + SIGTERM,
	   "a signal reaches every stage of the group");
	char *missing[] = { "no-such-program-segpipe", NULL };
	struct pipe_stage st4[] = { { missing, "/dev/null" } };
	pipeline_start(&p, st4, 1, NULL, err, sizeof err);
	pipeline_wait(&p);
	is_int(pipeline_code(&p, 0), 127, "a missing program is 127");
	unlink(out);
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
