/* test_checkpoint.c: the resume file: create, append and sync, reopen, a
 * torn last line ignored and cut, CRLF, the lock, many ids. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkpoint.h"
#include "unit.h"

static void put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	fputs(s, f);
	fclose(f);
}

static const char *slurp(const char *path)
{
	static char b[4096];
	FILE *f = fopen(path, "r");
	size_t n = fread(b, 1, sizeof b - 1, f);
	b[n] = 0;
	fclose(f);
	return b;
}

int main(void)
{
	char dir[] = "/tmp/ckptXXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[256];
	snprintf(path, sizeof path, "%s/load.ckpt", dir);
	struct checkpoint c;

	is_int(ckpt_open(&c, path), 0, "create");
	{
		size_t ln = 0;
		ok(ckpt_last(&c, &ln) == NULL, "ckpt_last: none in a new file");
	}
	ok(!ckpt_has(&c, "a", 1), "empty");
	ckpt_add(&c, "aaaa", 4);
	ckpt_add(&c, "bbbb/1", 6);
	ok(ckpt_has(&c, "aaaa", 4) && ckpt_has(&c, "bbbb/1", 6), "added ids are in the set");
	ok(!ckpt_has(&c, "aaa", 3) && !ckpt_has(&c, "bbbb", 4), "prefixes are not");
	is_str(slurp(path), "", "nothing written before sync");
	{
		size_t ln = 0;
		const char *last = ckpt_last(&c, &ln);
		ok(last && ln == 6 && memcmp(last, "bbbb/1", 6) == 0, "ckpt_last: the id added last");
	}
	is_int(ckpt_sync(&c), 0, "sync");
	is_str(slurp(path), "aaaa\nbbbb/1\n", "one id a line");
	is_int(ckpt_close(&c), 0, "close");

	put(path, "one\r\ntwo\n\nthree\nfou");
	is_int(ckpt_open(&c, path), 0, "reopen with a torn line");
	is_int(c.torn, 3, "torn bytes counted");
	ok(ckpt_has(&c, "one", 3) && ckpt_has(&c, "two", 3) && ckpt_has(&c, "three", 5), "complete lines loaded, CR dropped");
	ok(!ckpt_has(&c, "fou", 3) && !ckpt_has(&c, "four", 4), "the torn line is ignored");
	is_int(c.count, 3, "three ids");
	ckpt_add(&c, "four", 4);
	ckpt_sync(&c);
	is_str(slurp(path), "one\r\ntwo\n\nthree\nfour\n", "the torn tail was cut before appending");
	size_t ln = 0;
	const char *last = ckpt_last(&c, &ln);
	ok(last && ln == 4 && memcmp(last, "four", 4) == 0, "ckpt_last: the newest id");

	/* a second open of the same file (another process) is refused */
	pid_t pid = fork();
	if (pid == 0) {
		struct checkpoint d;
		_exit(ckpt_open(&d, path) < 0 && errno == EWOULDBLOCK ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "locked against a second loader");
	ckpt_close(&c);

	is_int(ckpt_open(&c, path), 0, "reopen after close");
	char id[40];
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(id, sizeof id, "%032x", i * 2654435761u);
		ckpt_add(&c, id, (size_t)n);
	}
	ckpt_sync(&c);
	ckpt_close(&c);
	is_int(ckpt_open(&c, path), 0, "reopen with 100004 ids");
	int all = 1;
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(id, sizeof id, "%032x", i * 2654435761u);
		all &= ckpt_has(&c, id, (size_t)n);
	}
	ok(all, "every id found");
	is_int(c.count, 100004, "count");
	ckpt_close(&c);

	snprintf(path, sizeof path, "%s/no/such/dir", dir);
	ok(ckpt_open(&c, path) < 0 && errno == ENOENT, "missing directory: -1 ENOENT");
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done();
}
