/* frame.c: the shared frame of the NDJSON filter programs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "frame.h"

void frame_open(struct frame *f, const char *out, const char *rejects, const char *stats_file,
                 int quiet, int force_progress, const char *const *counters)
{
	cli_stats_stdout(stats_file, out);
	stats_init(&f->st);
	for (; counters && *counters; counters++)
		stats_add(&f->st, *counters, 0);
	if (w_open(&f->out, out) < 0)
		die(EX_IOERR, "%s: cannot create: %s", out, strerror(errno));
	rejects_open(&f->rej, rejects, &f->st);
	progress_init(&f->prog, progress_wanted(force_progress, quiet));
	f->quiet = quiet;
	f->stats_file = stats_file;
}

int frame_operands(int argc, char **argv, frame_stream_fn fn, void *ctx)
{
	char *stdin_only[] = { "-" };
	char **files = argc > 0 ? argv : stdin_only;
	int nfiles = argc > 0 ? argc : 1, status = EX_DONE;
	if (argc == 0)
		cli_stdin_not_tty("NDJSON");
	for (int i = 0; i < nfiles; i++) {
		const char *name = strcmp(files[i], "-") == 0 ? "stdin" : files[i];
		int fd = open_input(files[i]);
		if (fd < 0) {
			diag(name, 0, "cannot open: %s", strerror(errno));
			status = EX_NOINPUT;
			continue;
		}
		int rc = fn(ctx, fd, name);
		if (rc < 0 && status == EX_DONE)
			status = rc == -2 ? EX_DATAERR : EX_IOERR;
		if (fd > 0)
			close(fd);
		if (rc > 0)
			break;
	}
	return status;
}

int frame_close(struct frame *f, int status)
{
	w_close(&f->out);
	rejects_close(&f->rej);
	progress_done(&f->prog);
	stats_summary(&f->st, f->quiet);
	if (f->stats_file && stats_write(&f->st, f->stats_file) < 0)
		die(EX_IOERR, "%s: cannot write stats: %s", f->stats_file, strerror(errno));
	if (status == EX_DONE && f->rej.count)
		status = EX_REJECTED;
	stats_free(&f->st);
	return status;
}

const char *frame_parse_object(const struct line *l, size_t max_line, int max_depth,
                                struct json_members *mem, const char *what,
                                char *detail, size_t n)
{
	static const char *const found[] = { "nothing", "an object", "an array", "a string",
	                                     "a number", "true", "false", "null" };
	if (l->too_long) {
		snprintf(detail, n, "line of %llu bytes is longer than --max-line %zu; raw holds its first %zu bytes",
		         (unsigned long long)l->full_len, max_line, l->len);
		return "line_too_long";
	}
	struct json_error err;
	if (json_parse(l->p, l->len, max_depth, mem, &err) < 0) {
		snprintf(detail, n, "at byte %zu: %s", err.offset, err.msg);
		return err.code == JSON_E_UTF8 ? "bad_utf8" : err.code == JSON_E_DEPTH ? "too_deep" : "json_syntax";
	}
	const char *p = l->p, *end = l->p + l->len;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	enum json_type t = json_type_at(p, end);
	if (t != JSON_OBJECT) {
		snprintf(detail, n, "a %s is a JSON object, found %s", what, found[t]);
		return "not_object";
	}
	return NULL;
}
