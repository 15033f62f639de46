/* flatten.c: seg-flatten's logic (see flatten.h): a DDL record for the
 * table, then one row per message in the columns of the chosen layout
 * (lib/tablelayout, lib/warehouse, lib/audiences). PII rules (lib/jpath)
 * edit each message first. Lines that cannot be mapped go to the rejects.
 * In a chain, a message an earlier stage parsed is not parsed again, and
 * the records written here are handed on as valid (frame_wrote). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "frame.h"
#include "jpath.h"
#include "json.h"
#include "seglimits.h"
#include "lineio.h"
#include "progress.h"
#include "reject.h"
#include "rowrecord.h"
#include "sqlid.h"
#include "tablelayout.h"
#include "stats.h"
#include "audiences.h"
#include "warehouse.h"
#include "flatten.h"

#define SALT_MAX (64 << 10)
/* a record nests at most this much deeper than its message (seglimits.h) */
#define FLATTEN_EXTRA_DEPTH (SEG_ROW_DEPTH - SEG_DEPTH_MAX)

struct flattener {
	struct tablelayout lay;
	const char *table;
	int emit_ddl, ddl_done;
	struct buf ddl;
	struct rowfmt rf;
	struct jpath pii;
	struct frame io;           /* options, output, rejects, counters, progress */
	struct json_members mem, mem2;   /* top-level index of the line; of its edited text */
	struct json_members top, cols;   /* in a chain: the row record's members, handed on */
	struct buf row, edited, scratch;
	struct warehouse *wh;      /* --layout warehouse */
	struct audiences *aud;     /* --layout audiences */
	struct writer rest;        /* --rest: the messages that are not audience changes */
	int passed;                /* the line went to --rest */
	const char *save_state;    /* warehouse: --save-state */
};

static void usage(void)
{
	printf("usage: seg-flatten [options] [FILE...]\n"
	       "Turn Segment messages into SingleStore row records (and a DDL record per table).\n\n"
	       "  -l, --layout NAME          segment_data (default), raw (table segment_raw_data)\n"
	       "                             or warehouse (Segment's warehouse tables)\n"
	       "                             or audiences (Engage audience changes)\n"
	       "      --rest FILE            audiences: write the other messages to FILE (required)\n"
	       "      --schema PREFIX        warehouse, audiences: table names start with PREFIX_\n"
	       "      --max-name N           warehouse: longest table or column name (default 256)\n"
	       "      --state FILE           warehouse: the known schema, from an earlier --save-state\n"
	       "      --save-state FILE      warehouse: write the grown schema there at a clean end\n"
	       "  -t, --table NAME           table name (default: the layout's)\n"
	       "      --with COLS            segment_data, raw: add received_at, sent_at, source_id\n"
	       "      --source-id ID         the value of the source_id column (the unit's source)\n"
	       "      --ddl KIND             recommended (default), compat (Segment's own table) or none\n"
	       "      --print-ddl            print the CREATE TABLE statement and exit\n"
	       "      --drop PATH            remove the member at PATH (e.g. context.ip); repeatable\n"
	       "      --redact PATH          set the value at PATH to null; repeatable\n"
	       "      --hash PATH            replace the value at PATH by hex SHA-256(salt + value); repeatable\n"
	       "      --salt-file FILE       the salt for --hash (one trailing newline is ignored)\n"
	       "  -o, --output FILE          write records to FILE (default stdout)\n"
	       "  -r, --rejects FILE         write reject records to FILE (default: report on stderr)\n"
	       "      --max-line N           longest line read (default 16M)\n"
	       "      --max-depth N          deepest JSON nesting (default 31, at most 512)\n"
	       "      --stats FILE           write the end summary as JSON to FILE\n"
	       "  -q, --quiet                no summary line\n"
	       "      --progress, --no-progress  force the progress line on or off\n"
	       "  -h, --help                 this help\n"
	       "  -V, --version              version\n\n"
	       "Exit status: 0 all mapped, 1 some rejected, 64 usage, 66 input not found,\n"
	       "74 I/O error, 78 unknown layout or unusable salt file.\n");
}

/* wh_emit: a record of the warehouse layout (DDL only when DDL is wanted). */
static void wh_emit(void *ctx, const char *rec, size_t n, int is_ddl, int is_discard)
{
	struct flattener *f = ctx;
	if (is_ddl && !f->emit_ddl)
		return;
	frame_wrote(&f->io, rec, n, FLATTEN_EXTRA_DEPTH);
	stats_add(&f->io.st, is_ddl ? "ddl" : is_discard ? "discarded" : "rows", 1);
}

/* flatten_line: one line to a row record in f->row (the warehouse layout:
 * its records written), or a reason. */
static const char *flatten_line(struct flattener *f, const struct line *l, char *detail, size_t n)
{
	const char *reason = frame_parse(&f->io, l, &f->mem, "message", detail, n);
	if (reason)
		return reason;
	const char *msg = l->p;
	size_t len = l->len;
	long edits = jpath_apply(&f->pii, msg, len, &f->mem, &f->edited, &f->mem2);
	if (edits < 0) {
		snprintf(detail, n, "arrays nested deeper than %d along a --drop, --redact or --hash path",
		         JPATH_MAX_NEST);
		return "too_deep";
	}
	if (edits > 0) {
		msg = f->edited.p;
		len = f->edited.len;
		stats_add(&f->io.st, "pii_edited", 1);
		struct json_members t = f->mem;   /* map from the edited text's index */
		f->mem = f->mem2;
		f->mem2 = t;
	}
	if (f->wh)
		return warehouse_message(f->wh, msg, len, &f->mem, wh_emit, f, detail, n);
	if (f->aud) {
		int mapped;
		const char *reason = audiences_message(f->aud, &f->mem, wh_emit, f, &mapped, detail, n);
		if (!reason && !mapped) {
			w_line(&f->rest, msg, len);
			stats_add(&f->io.st, "rest", 1);
			f->passed = 1;
		}
		return reason;
	}
	buf_reset(&f->row);
	return tablelayout_row(&f->lay, &f->rf, msg, len, &f->mem, &f->row, &f->scratch, detail, n);
}

/* emit_row: the DDL record before the table's first row, then the row. */
static void emit_row(struct flattener *f)
{
	if (f->emit_ddl && !f->ddl_done) {
		struct buf rec = BUF_INIT;
		ddl_record(&rec, f->table, buf_cstr(&f->ddl));
		frame_wrote(&f->io, rec.p, rec.len, FLATTEN_EXTRA_DEPTH);
		buf_free(&rec);
		stats_add(&f->io.st, "ddl", 1);
		f->ddl_done = 1;
	}
	if (f->io.next && rowfmt_members(&f->rf, &f->row, &f->top, &f->cols) == 0)
		frame_wrote_indexed(&f->io, f->row.p, f->row.len, FLATTEN_EXTRA_DEPTH, &f->top,
		                    f->top.m[1].val.p, &f->cols);
	else
		frame_wrote(&f->io, f->row.p, f->row.len, FLATTEN_EXTRA_DEPTH);
	stats_add(&f->io.st, "out", 1);
}

/* flatten_one: one line to a row (or the layout's records) or the rejects. */
static void flatten_one(void *ctx, const struct line *l, const char *name)
{
	struct flattener *f = ctx;
	char detail[512];
	f->passed = 0;
	const char *reason = flatten_line(f, l, detail, sizeof detail);
	if (reason)
		reject(&f->io.rej, reason, detail, name, l->lineno, l->p, l->len);
	else if (f->wh || f->aud)
		stats_add(&f->io.st, "out", !f->passed);   /* records written by the layout */
	else
		emit_row(f);
}

/* read_salt: the salt file's bytes without one trailing LF or CRLF; exits 78
 * when it cannot be read or is empty. The salt is never printed. */
static void read_salt(struct jpath *jp, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(EX_CONFIG, "%s: cannot open salt file: %s", path, strerror(errno));
	char *s = xmalloc(SALT_MAX + 1);
	size_t n = 0;
	for (;;) {
		ssize_t k = read(fd, s + n, SALT_MAX + 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			die(EX_CONFIG, "%s: cannot read salt file: %s", path, strerror(errno));
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > SALT_MAX)
			die(EX_CONFIG, "%s: salt file is larger than %d bytes", path, SALT_MAX);
	}
	close(fd);
	if (n && s[n - 1] == '\n')
		n--;
	if (n && s[n - 1] == '\r')
		n--;
	if (!n)
		die(EX_CONFIG, "%s: salt file is empty", path);
	jpath_set_salt(jp, s, n);
	free(s);
}

static void flattener_free(struct flattener *f)
{
	json_members_free(&f->mem);
	json_members_free(&f->mem2);
	json_members_free(&f->top);
	json_members_free(&f->cols);
	if (f->rf.colkey)
		rowfmt_free(&f->rf);
	jpath_free(&f->pii);
	warehouse_free(f->wh);
	audiences_free(f->aud);
	buf_free(&f->ddl);
	buf_free(&f->row);
	buf_free(&f->edited);
	buf_free(&f->scratch);
}

static void add_rule(struct jpath *jp, const char *opt, const char *path, enum jpath_op op)
{
	const char *why;
	if (jpath_add(jp, path, op, &why) < 0)
		usage_error("%s '%s': %s", opt, path, why);
}

/* print_ddl: --print-ddl's text to stdout, then exit. */
static _Noreturn void print_ddl(struct flattener *f, struct buf *b)
{
	fwrite(b->p, 1, b->len, stdout);
	buf_free(b);
	flattener_free(f);
	free(f);
	exit(fflush(stdout) == 0 ? EX_DONE : EX_IOERR);
}

/* The command line beyond the frame's options. */
struct flatten_opts {
	const char *layout, *salt_file, *schema, *state, *save_state, *rest, *with, *source_id;
	size_t max_name;
	enum seg_ddl ddl;
	int print_ddl;
};

/* table_name: --table or --schema's value, checked. */
static const char *table_name(const char *opt, const char *arg)
{
	if (!sqlid_valid(arg, strlen(arg)))
		usage_error("%s '%s': use 1 to 256 of A-Z a-z 0-9 _ $ (not only digits)", opt, arg);
	return arg;
}

/* options: the command line into f, fo and o; returns optind. */
static int options(int argc, char **argv, struct flattener *f, struct frame_opts *fo, struct flatten_opts *o)
{
	enum { O_DDL = 256, O_PRINTDDL, O_DROP, O_REDACT, O_HASH, O_SALT,
	       O_SCHEMA, O_MAXNAME, O_STATE, O_SAVESTATE, O_REST, O_WITH, O_SOURCEID };
	static const struct option opts[] = {
		{ "layout", required_argument, 0, 'l' }, { "table", required_argument, 0, 't' },
		{ "ddl", required_argument, 0, O_DDL }, { "print-ddl", no_argument, 0, O_PRINTDDL },
		{ "drop", required_argument, 0, O_DROP }, { "redact", required_argument, 0, O_REDACT },
		{ "hash", required_argument, 0, O_HASH }, { "salt-file", required_argument, 0, O_SALT },
		{ "schema", required_argument, 0, O_SCHEMA }, { "max-name", required_argument, 0, O_MAXNAME },
		{ "state", required_argument, 0, O_STATE }, { "save-state", required_argument, 0, O_SAVESTATE },
		{ "rest", required_argument, 0, O_REST }, { "with", required_argument, 0, O_WITH },
		{ "source-id", required_argument, 0, O_SOURCEID },
		FRAME_LONGOPTS, { 0, 0, 0, 0 } };
	int c;
	while ((c = cli_getopt(argc, argv, "l:t:" FRAME_SHORTOPTS, opts)) != -1) {
		switch (c) {
		case 'l': o->layout = optarg; break;
		case 't': f->table = table_name("--table", optarg); break;
		case O_DDL:
			if (strcmp(optarg, "recommended") == 0) o->ddl = SEG_DDL_RECOMMENDED, f->emit_ddl = 1;
			else if (strcmp(optarg, "compat") == 0) o->ddl = SEG_DDL_COMPAT, f->emit_ddl = 1;
			else if (strcmp(optarg, "none") == 0) o->ddl = SEG_DDL_RECOMMENDED, f->emit_ddl = 0;
			else usage_error("--ddl: '%s' is not recommended, compat or none", optarg);
			break;
		case O_PRINTDDL: o->print_ddl = 1; break;
		case O_DROP: add_rule(&f->pii, "--drop", optarg, JPATH_DROP); break;
		case O_REDACT: add_rule(&f->pii, "--redact", optarg, JPATH_REDACT); break;
		case O_HASH: add_rule(&f->pii, "--hash", optarg, JPATH_HASH); break;
		case O_SALT: o->salt_file = optarg; break;
		case O_SCHEMA: o->schema = table_name("--schema", optarg); break;
		case O_MAXNAME: o->max_name = (size_t)opt_uint("--max-name", optarg, 16, SQLID_MAX); break;
		case O_STATE: o->state = optarg; break;
		case O_SAVESTATE: o->save_state = optarg; break;
		case O_REST: o->rest = optarg; break;
		case O_WITH: o->with = optarg; break;
		case O_SOURCEID:
			if (!*optarg || strlen(optarg) > 255)
				usage_error("--source-id: 1 to 255 bytes");
			o->source_id = optarg;
			break;
		default: frame_option(c, optarg, fo, usage);
		}
	}
	return optind;
}

/* table_layout: segment_data or raw, with --with and --table; --print-ddl
 * prints its DDL and exits. */
static void table_layout(struct flattener *f, const struct flatten_opts *o)
{
	if (*o->schema || o->state || o->save_state || o->rest)
		usage_error("--schema, --state, --save-state and --rest are for --layout warehouse or audiences");
	if (tablelayout_get(o->layout, o->ddl, &f->lay) < 0)
		die(EX_CONFIG, "unknown layout '%s' (known: %s, warehouse, audiences)", o->layout, tablelayout_names());
	const char *why;
	if (o->with && tablelayout_with(&f->lay, o->with, o->source_id, &why) < 0)
		usage_error("--with '%s': %s", o->with, why);
	if (o->source_id && !(o->with && strstr(o->with, "source_id")))
		usage_error("--source-id is the value of --with source_id");
	if (!f->table)
		f->table = f->lay.table;
	tablelayout_ddl(&f->lay, f->table, &f->ddl);
	if (o->print_ddl) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "%s;\n", buf_cstr(&f->ddl));
		print_ddl(f, &b);
	}
	size_t ncols;
	const char *const *names = tablelayout_column_names(&f->lay, &ncols);
	rowfmt_init(&f->rf, f->table, names, ncols);
}

/* warehouse_setup: --layout warehouse: its known schema loaded. */
static void warehouse_setup(struct flattener *f, const struct flatten_opts *o)
{
	char why[256];
	if (f->table)
		usage_error("--table does not apply to --layout warehouse (see --schema)");
	f->wh = warehouse_new(o->schema, o->max_name);
	if (o->state && warehouse_load(f->wh, o->state, why, sizeof why) < 0 && errno != ENOENT)
		die(EX_CONFIG, "%s: %s", o->state, why);
	if (o->print_ddl) {
		struct buf b = BUF_INIT;
		warehouse_print_ddl(f->wh, &b);
		print_ddl(f, &b);
	}
	f->save_state = o->save_state;
}

/* audiences_setup: --layout audiences: its --rest file created. */
static void audiences_setup(struct flattener *f, const struct flatten_opts *o)
{
	if (f->table)
		usage_error("--table does not apply to --layout audiences (see --schema)");
	f->aud = audiences_new(o->schema);
	if (o->print_ddl) {
		struct buf b = BUF_INIT;
		audiences_print_ddl(f->aud, &b);
		print_ddl(f, &b);
	}
	if (!o->rest)
		usage_error("--layout audiences needs --rest FILE for the messages that are not audience changes");
	if (w_open(&f->rest, o->rest) < 0)
		die(EX_IOERR, "%s: %s", o->rest, strerror(errno));
}

/* finish: after the input: --rest closed, the summary and --stats, and the
 * warehouse's grown schema saved only when every input was read to its end
 * and the output flushed. Frees f. */
static int finish(void *ctx, int status)
{
	struct flattener *f = ctx;
	if (f->aud)
		w_close(&f->rest);
	status = frame_close(&f->io, status);
	if (f->wh && f->save_state && (status == EX_DONE || status == 1) && warehouse_save(f->wh, f->save_state) < 0) {
		diag(f->save_state, 0, "cannot save the schema state: %s", strerror(errno));
		status = EX_IOERR;
	}
	flattener_free(f);
	free(f);
	return status;
}

int flatten_setup(int argc, char **argv, struct frame_stage *s)
{
	static const char *const counters[] = { "in", "out", "rejected", NULL };
	static const char *const wh_counters[] = { "in", "out", "rejected", "rows", "discarded", NULL };
	static const char *const aud_counters[] = { "in", "out", "rest", "rejected", "rows", NULL };
	struct frame_opts fo = FRAME_OPTS_INIT(SEG_JSON_DEPTH, SEG_DEPTH_MAX);
	struct flatten_opts o = { "segment_data", NULL, "", NULL, NULL, NULL, NULL, NULL, SQLID_MAX,
	                          SEG_DDL_RECOMMENDED, 0 };
	struct flattener *f = xcalloc(1, sizeof *f);

	jpath_init(&f->pii);
	f->emit_ddl = 1;
	f->mem.sub_key = f->mem2.sub_key = "context";   /* the layouts read context.traits */
	int first = options(argc, argv, f, &fo, &o);
	if (jpath_has_op(&f->pii, JPATH_HASH) && !o.salt_file)
		usage_error("--hash needs --salt-file (unsalted hashes of e-mails or phone numbers are easy to reverse)");
	if (o.salt_file)
		read_salt(&f->pii, o.salt_file);
	if (strcmp(o.layout, "warehouse") == 0) {
		warehouse_setup(f, &o);
		frame_open(&f->io, &fo, wh_counters);
	} else if (strcmp(o.layout, "audiences") == 0) {
		audiences_setup(f, &o);
		frame_open(&f->io, &fo, aud_counters);
	} else {
		table_layout(f, &o);
		frame_open(&f->io, &fo, counters);
	}
	*s = (struct frame_stage){ "seg-flatten", &f->io, flatten_one, f, finish, NULL };
	return first;
}
