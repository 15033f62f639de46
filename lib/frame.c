/* frame.c: the shared frame of the NDJSON filter programs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "frame.h"

void frame_option(int c, const char *arg, struct frame_opts *o, void (*usage)(void))
{
	switch (c) {
	case 'o': o->out = arg; break;
	case 'r': o->rejects = arg; break;
	case FRAME_O_MAXLINE:
		o->max_line = opt_size("--max-line", arg);
		if (!o->max_line)
			usage_error("--max-line must be positive");
		break;
	case FRAME_O_MAXDEPTH: o->max_depth = (int)opt_uint("--max-depth", arg, 1, (uint64_t)o->depth_max); break;
	default: cli_common_option(c, arg, &o->common, usage);
	}
}

void frame_open(struct frame *f, const struct frame_opts *o, const char *const *counters)
{
	memset(f, 0, sizeof *f);
	cli_stats_stdout(o->common.stats_file, o->out);
	stats_init(&f->st);
	for (; counters && *counters; counters++)
		stats_add(&f->st, *counters, 0);
	if (w_open(&f->out, o->out) < 0)
		die(EX_IOERR, "%s: cannot create: %s", o->out, strerror(errno));
	rejects_open(&f->rej, o->rejects, &f->st);
	progress_init(&f->prog, progress_wanted(o->common.force_progress, o->common.quiet));
	f->quiet = o->common.quiet;
	f->stats_file = o->common.stats_file;
	f->max_line = o->max_line;
	f->max_depth = o->max_depth;
}

struct run {
	struct frame *f;
	frame_line_fn fn;
	void *ctx;
};

ssize_t frame_wait_read(void *waiter, char *buf, size_t n)
{
	struct frame_waiter *w = waiter;
	for (;;) {
		if (w->stopped)
			return 0;
		int r = w->wait(w->ctx, w->fd);
		if (r < 0) {
			w->stopped = 1;
			return 0;
		}
		if (r > 0) {
			ssize_t k = read(w->fd, buf, n);
			if (k >= 0 || errno != EINTR)
				return k;
		}
	}
}

/* run_stream: every line of one opened input; -1 after a read error, -2
 * after binary data (a gzip file given to a filter), both reported. */
static int run_stream(void *ctx, int fd, const char *name)
{
	struct run *run = ctx;
	struct frame *f = run->f;
	struct lreader r;
	struct line l;
	struct frame_waiter w = { f->wait, f->wait_ctx, fd, 0 };
	int rc;
	if (f->wait)
		lr_init_fn(&r, frame_wait_read, &w, name, f->max_line);
	else
		lr_init_fd(&r, fd, name, f->max_line);
	r.refuse_binary = 1;
	while ((rc = lr_next(&r, &l)) == 1 && !w.stopped) {
		f->bytes += l.len + 1;
		if (line_blank(&l)) {
			stats_add(&f->st, "blank", 1);
			continue;
		}
		f->in++;
		run->fn(run->ctx, &l, name);
		progress_tick(&f->prog, f->in, f->bytes);
	}
	if (rc < 0 && !w.stopped)
		rc = lr_report(&r);
	lr_free(&r);
	return w.stopped ? 1 : rc < 0 ? rc : 0;
}

int frame_run(struct frame *f, int argc, char **argv, frame_line_fn fn, void *ctx)
{
	struct run run = { f, fn, ctx };
	return frame_operands(argc, argv, run_stream, &run);
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

void frame_end(struct frame *f)
{
	if (f->ended)
		return;
	w_close(&f->out);
	rejects_close(&f->rej);
	progress_done(&f->prog);
	f->ended = 1;
}

int frame_close(struct frame *f, int status)
{
	frame_end(f);
	stats_add(&f->st, "in", f->in);
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

/* members_index: the top-level members of the valid JSON object p[0..n),
 * found by skipping values (json_iter), not by validating them. */
static void members_index(const char *p, size_t n, struct json_members *mem)
{
	const char *end = p + n;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	struct json_iter it;
	struct json_slice k, v;
	mem->n = 0;
	mem->nsub = 0;
	mem->sub_at = NULL;
	json_iter_init(&it, json_value(p, end));
	while (json_iter_next(&it, &k, &v)) {
		if (mem->n == mem->cap) {
			mem->cap = mem->cap ? mem->cap * 2 : 32;
			mem->m = xrealloc(mem->m, mem->cap * sizeof *mem->m);
		}
		mem->m[mem->n].key = k;
		mem->m[mem->n++].val = v;
	}
}

const char *frame_parse(struct frame *f, const struct line *l, struct json_members *mem,
                        const char *what, char *detail, size_t n)
{
	if (f->known.depth > 0 && f->known.depth <= f->max_depth && !l->too_long) {
		if (f->known.mem) {
			json_members_take(mem, f->known.mem);
			f->known.mem = NULL;       /* taken: a second parse indexes */
		} else
			members_index(l->p, l->len, mem);
		f->depth = f->known.depth;
		f->trusted = 1;
		return NULL;
	}
	f->depth = f->max_depth;
	f->trusted = 0;
	return frame_parse_object(l, f->max_line, f->max_depth, mem, what, detail, n);
}

int frame_parse_members(struct frame *f, const char *p, size_t n, struct json_members *mem,
                        struct json_error *err)
{
	if (!f->trusted)
		return json_parse(p, n, f->max_depth, mem, err);
	if (f->known.sub && f->known.sub_at == p) {
		json_members_take(mem, f->known.sub);
		f->known.sub = NULL;
	} else
		members_index(p, n, mem);
	return 0;
}

void frame_pass(struct frame *f, const char *p, size_t n, struct json_members *mem)
{
	struct frame_known k = { f->depth, mem, NULL, NULL, NULL };
	if (f->next)
		frame_feed(f->next, p, n, &k);
	else
		w_line(&f->out, p, n);
}

void frame_wrote(struct frame *f, const char *p, size_t n, int extra)
{
	frame_wrote_indexed(f, p, n, extra, NULL, NULL, NULL);
}

static void wrote(struct frame *f, const char *p, size_t n, const struct frame_known *k)
{
	if (f->next)
		frame_feed(f->next, p, n, k);
	else
		w_line(&f->out, p, n);
}

void frame_wrote_indexed(struct frame *f, const char *p, size_t n, int extra, struct json_members *mem,
                         const char *sub_at, struct json_members *sub)
{
	struct frame_known k = { f->depth + extra, mem, sub_at, sub, NULL };
	wrote(f, p, n, &k);
}

void frame_wrote_held(struct frame *f, struct buf *b, const char *p, size_t n, int extra,
                      struct json_members *mem, const char *sub_at, struct json_members *sub)
{
	struct frame_known k = { f->depth + extra, mem, sub_at, sub, b };
	wrote(f, p, n, &k);
}

int frame_take(struct frame *f, const struct line *l, struct buf *into)
{
	struct buf *b = f->known.held;
	if (!b || l->p < b->p || l->len > b->len || (size_t)(l->p - b->p) > b->len - l->len)
		return 0;
	struct buf t = *into;
	*into = *b;
	*b = t;
	buf_reset(b);
	f->known.held = NULL;
	return 1;
}

void frame_link(struct frame *f, struct frame *next, frame_line_fn fn, void *ctx,
                const char *prog, FILE *errf)
{
	f->next = next;
	next->fn = fn;
	next->ctx = ctx;
	next->name = prog;
	next->errf = errf;
}

void frame_feed(struct frame *f, const char *p, size_t n, const struct frame_known *k)
{
	static const struct frame_known none = { 0, NULL, NULL, NULL, NULL };
	struct line l = { p, n, ++f->lines, 0, n };
	f->bytes += n + 1;
	if (n > 0 && p[n - 1] == '\r')     /* as lr_next strips it */
		l.len = l.full_len = --n;
	if (n > f->max_line) {             /* as lr_next flags it */
		l.too_long = 1;
		l.len = LINE_TOO_LONG_KEEP < f->max_line ? LINE_TOO_LONG_KEEP : f->max_line;
		k = &none;
	}
	if (line_blank(&l)) {
		stats_add(&f->st, "blank", 1);
		return;
	}
	const char *prog = progname;
	FILE *errf = cli_errfile;
	progname = f->name;
	cli_errfile = f->errf;
	f->in++;
	f->known = *k;
	f->fn(f->ctx, &l, "stdin");
	f->known = none;
	progname = prog;
	cli_errfile = errf;
}

int frame_main(struct frame_stage *s, int argc, char **argv)
{
	if (s->source)
		return s->finish(s->ctx, s->source(s->ctx, argc, argv));
	return s->finish(s->ctx, frame_run(s->io, argc, argv, s->line, s->ctx));
}
