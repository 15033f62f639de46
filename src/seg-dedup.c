/* seg-dedup: pass the first occurrence of each messageId (or --key FIELD)
 * byte for byte and drop the later ones, exactly: the set (lib/idset) keeps a
 * 128-bit hash of every id, never forgets within a run, and can be loaded
 * from and saved to a state file so that runs dedup against each other. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "frame.h"
#include "idset.h"
#include "isotime.h"
#include "json.h"
#include "lineio.h"
#include "progress.h"
#include "reject.h"
#include "stats.h"

struct dedup {
	const char *key, *time_field;
	int require_key, max_depth;
	size_t max_line;
	uint16_t max_day;        /* tomorrow: later event times count as none */
	struct idset set;
	struct writer out, dups;
	int keep_dups;
	struct rejects rej;
	struct stats st;
	struct progress prog;
	struct json_members mem;
	struct buf scratch;
	uint64_t bytes, in, out_n, dup_n, nokey, notime;
};

static void usage(void)
{
	printf("usage: seg-dedup [options] [FILE...]\n"
	       "Pass the first message of each messageId unchanged; drop the repeats.\n\n"
	       "  -o, --output FILE          write kept messages to FILE (default stdout)\n"
	       "      --dups FILE            write dropped repeats to FILE\n"
	       "  -r, --rejects FILE         write reject records to FILE (default: report on stderr)\n"
	       "      --key FIELD            top-level field holding the id (default messageId)\n"
	       "      --require-key          reject messages without a usable id (default: pass them)\n"
	       "      --state FILE           load the ids of earlier runs from FILE\n"
	       "      --save-state FILE      save all ids to FILE when the input ended cleanly\n"
	       "      --window DAYS          leave ids older than DAYS days out of the saved state\n"
	       "      --time-field FIELD     the event time for --window: receivedAt (default) or timestamp\n"
	       "      --expect N             size the set for N ids up front\n"
	       "      --max-line N           longest line read (default 16M)\n"
	       "      --max-depth N          deepest JSON nesting (default 512)\n"
	       "      --stats FILE           write the end summary as JSON to FILE\n"
	       "  -q, --quiet                no summary line\n"
	       "      --progress, --no-progress  force the progress line on or off\n"
	       "  -h, --help                 this help\n"
	       "  -V, --version              version\n\n"
	       "Exit status: 0 done, 1 some rejected, 64 usage, 66 input or state not found,\n"
	       "74 I/O error, 78 state file refused (corrupt, truncated, foreign).\n");
}

/* day_of: days since 1970-01-01 of an ISO-8601 string slice (at least 1);
 * 0 when the value is not a valid date-time or lies after tomorrow. */
static uint16_t day_of(struct dedup *d, struct json_slice v)
{
	const char *p = v.p + 1;
	size_t n = v.n - 2;
	if (v.type != JSON_STRING)
		return 0;
	if (json_str_has_escape(v)) {
		buf_reset(&d->scratch);
		json_str_decode(v, &d->scratch);
		p = d->scratch.p;
		n = d->scratch.len;
	}
	struct isotime t;
	if (!p || isotime_parse(p, n, &t, NULL) < 0)
		return 0;
	int64_t day = t.sec >= 0 ? t.sec / 86400 : 0;
	if (day > d->max_day)
		return 0;         /* a clock far ahead must not expire everything */
	return (uint16_t)(day < 1 ? 1 : day);
}

/* key_hash: the id of a message as the set's hash. A string is hashed as
 * its decoded text, so "a\u0062c" and "abc" are one id; a number as its
 * literal, so 42 and "42" are one id. Returns NULL and the hash, or the
 * reason the message has no usable id. */
static const char *key_hash(struct dedup *d, struct h128 *h)
{
	struct json_slice v;
	if (!json_members_get(&d->mem, d->key, &v) || v.type == JSON_NULL)
		return "missing_key";
	if (v.type == JSON_NUMBER) {
		*h = idset_key(&d->set, v.p, v.n);
		return NULL;
	}
	if (v.type != JSON_STRING)
		return "bad_key";
	if (json_str_has_escape(v)) {
		buf_reset(&d->scratch);
		json_str_decode(v, &d->scratch);
		if (d->scratch.len == 0)
			return "missing_key";
		*h = idset_key(&d->set, d->scratch.p, d->scratch.len);
		return NULL;
	}
	if (v.n <= 2)
		return "missing_key";
	*h = idset_key(&d->set, v.p + 1, v.n - 2);
	return NULL;
}

/* parse_line: json_parse the line into d->mem; the reject reason or NULL. */
static const char *parse_line(struct dedup *d, const struct line *l, char *detail, size_t n)
{
	if (l->too_long) {
		snprintf(detail, n, "line of %llu bytes is longer than --max-line %zu; raw holds its first %zu bytes",
		         (unsigned long long)l->full_len, d->max_line, l->len);
		return "line_too_long";
	}
	struct json_error err;
	if (json_parse(l->p, l->len, d->max_depth, &d->mem, &err) < 0) {
		snprintf(detail, n, "at byte %zu: %s", err.offset, err.msg);
		return err.code == JSON_E_UTF8 ? "bad_utf8" : err.code == JSON_E_DEPTH ? "too_deep" : "json_syntax";
	}
	if (json_type_at(l->p + strspn(l->p, " \t\r\n"), l->p + l->len) != JSON_OBJECT) {
		snprintf(detail, n, "a message is a JSON object");
		return "not_object";
	}
	return NULL;
}

/* one_line: decide the fate of one non-blank line. */
static void one_line(struct dedup *d, const struct line *l, const char *name)
{
	char detail[512];
	struct h128 h;
	const char *reason = parse_line(d, l, detail, sizeof detail);
	if (reason) {
		reject(&d->rej, reason, detail, name, l->lineno, l->p, l->len);
		return;
	}
	if ((reason = key_hash(d, &h))) {
		if (d->require_key) {
			rejectf(&d->rej, reason, name, l->lineno, l->p, l->len,
			        strcmp(reason, "bad_key") == 0 ? "%s is not a string or number"
			                                       : "no %s (or null, or empty)", d->key);
			return;
		}
		d->nokey++;
		d->out_n++;
		w_line(&d->out, l->p, l->len);
		return;
	}
	struct json_slice t;
	uint16_t day = 0;
	if (json_members_get(&d->mem, d->time_field, &t))
		day = day_of(d, t);
	if (day == 0)
		d->notime++;
	else if (day > d->set.newest)
		d->set.newest = day;
	if (idset_add(&d->set, h, day)) {
		d->out_n++;
		w_line(&d->out, l->p, l->len);
	} else {
		d->dup_n++;
		if (d->keep_dups)
			w_line(&d->dups, l->p, l->len);
	}
}

/* dedup_stream: every line of one input. -1 on a read error. */
static int dedup_stream(void *ctx, int fd, const char *name)
{
	struct dedup *d = ctx;
	struct lreader r;
	struct line l;
	int rc;
	lr_init_fd(&r, fd, name, d->max_line);
	r.refuse_binary = 1;
	while ((rc = lr_next(&r, &l)) == 1) {
		d->bytes += l.len + 1;
		if (line_blank(&l)) {
			stats_add(&d->st, "blank", 1);
			continue;
		}
		d->in++;
		one_line(d, &l, name);
		progress_tick(&d->prog, d->in, d->bytes);
	}
	if (rc < 0)
		rc = lr_report(&r);
	lr_free(&r);
	return rc < 0 ? rc : 0;
}

/* load_state: the set saved earlier, or exit 66/74/78 naming the reason. */
static void load_state(struct dedup *d, const char *path, uint64_t expect)
{
	char why[512];
	switch (idset_load(&d->set, path, expect, why, sizeof why)) {
	case IDSET_OK:
		return;
	case IDSET_E_OPEN:
		die(EX_NOINPUT, "%s: cannot open state file: %s (leave out --state on a first run)", path, why);
	case IDSET_E_IO:
		die(EX_IOERR, "%s: cannot read state file: %s", path, why);
	default:
		die(EX_CONFIG, "%s: refusing state file: %s", path, why);
	}
}

/* save_state: write the grown set, leaving out ids older than the window. */
static void save_state(struct dedup *d, const char *path, unsigned window)
{
	char why[512];
	uint64_t saved, expired;
	uint16_t keep_from = 0;
	if (window && d->set.newest > window)
		keep_from = (uint16_t)(d->set.newest - window);
	d->set.window = (uint16_t)window;
	if (idset_save(&d->set, path, keep_from, &saved, &expired, why, sizeof why) != IDSET_OK)
		die(EX_IOERR, "%s: cannot save state: %s", path, why);
	stats_add(&d->st, "saved", saved);
	if (window)
		stats_add(&d->st, "expired", expired);
}

int main(int argc, char **argv)
{
	enum { O_DUPS = 256, O_KEY, O_REQKEY, O_STATE, O_SAVE, O_WINDOW, O_TIMEF, O_EXPECT,
	       O_MAXLINE, O_MAXDEPTH };
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' }, { "dups", required_argument, 0, O_DUPS },
		{ "rejects", required_argument, 0, 'r' }, { "key", required_argument, 0, O_KEY },
		{ "require-key", no_argument, 0, O_REQKEY }, { "state", required_argument, 0, O_STATE },
		{ "save-state", required_argument, 0, O_SAVE }, { "window", required_argument, 0, O_WINDOW },
		{ "time-field", required_argument, 0, O_TIMEF }, { "expect", required_argument, 0, O_EXPECT },
		{ "max-line", required_argument, 0, O_MAXLINE }, { "max-depth", required_argument, 0, O_MAXDEPTH },
		CLI_COMMON_LONGOPTS, { 0, 0, 0, 0 } };
	static struct dedup d;
	const char *out = "-", *dups = NULL, *rejects = NULL;
	const char *state = NULL, *save = NULL;
	uint64_t expect = 0;
	unsigned window = 0;
	struct cli_common common = CLI_COMMON_INIT;
	int c;

	cli_init(argv[0]);
	d.key = "messageId";
	d.time_field = "receivedAt";
	d.max_line = LINE_MAX_DEFAULT;
	d.max_depth = JSON_DEPTH_DEFAULT;
	while ((c = cli_getopt(argc, argv, "o:r:qhV", opts)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case O_DUPS: dups = optarg; break;
		case 'r': rejects = optarg; break;
		case O_KEY: d.key = optarg; if (!*optarg) usage_error("--key needs a field name"); break;
		case O_REQKEY: d.require_key = 1; break;
		case O_STATE: state = optarg; break;
		case O_SAVE: save = optarg; break;
		case O_WINDOW: window = (unsigned)opt_uint("--window", optarg, 1, 36500); break;
		case O_TIMEF: d.time_field = optarg; if (!*optarg) usage_error("--time-field needs a field name"); break;
		case O_EXPECT: expect = opt_uint("--expect", optarg, 0, (uint64_t)1 << 40); break;
		case O_MAXLINE: d.max_line = opt_size("--max-line", optarg); if (!d.max_line) usage_error("--max-line must be positive"); break;
		case O_MAXDEPTH: d.max_depth = (int)opt_uint("--max-depth", optarg, 1, 1000000); break;
		default: cli_common_option(c, optarg, &common, usage);
		}
	}
	if (window && !save)
		usage_error("--window only shapes the saved state: give --save-state FILE too");
	d.max_day = (uint16_t)(time(NULL) / 86400 + 1);

	stats_init(&d.st);
	static const char *const counters[] = { "in", "out", "dups", "nokey", "rejected" };
	for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
		stats_add(&d.st, counters[i], 0);
	if (state) {
		load_state(&d, state, expect);
		stats_add(&d.st, "loaded", d.set.count);
	} else {
		idset_init(&d.set, expect, idset_random_seed());
	}
	cli_stats_stdout(common.stats_file, out);
	if (w_open(&d.out, out) < 0)
		die(EX_IOERR, "%s: cannot create: %s", out, strerror(errno));
	if (dups && w_open(&d.dups, dups) < 0)
		die(EX_IOERR, "%s: cannot create: %s", dups, strerror(errno));
	d.keep_dups = dups != NULL;
	rejects_open(&d.rej, rejects, &d.st);
	progress_init(&d.prog, progress_wanted(common.force_progress, common.quiet));

	int status = frame_operands(argc - optind, argv + optind, dedup_stream, &d);
	w_close(&d.out);
	if (d.keep_dups) {
		w_sync(&d.dups);
		w_close(&d.dups);
	}
	rejects_close(&d.rej);
	progress_done(&d.prog);

	stats_add(&d.st, "in", d.in);
	stats_add(&d.st, "out", d.out_n);
	stats_add(&d.st, "dups", d.dup_n);
	stats_add(&d.st, "nokey", d.nokey);
	stats_add(&d.st, "ids", d.set.count);
	if (save && status == EX_DONE)
		save_state(&d, save, window);
	else if (save)
		diag(save, 0, "state not saved: the input did not end cleanly");
	if (window)
		stats_add(&d.st, "notime", d.notime);
	stats_summary(&d.st, common.quiet);
	if (common.stats_file && stats_write(&d.st, common.stats_file) < 0)
		die(EX_IOERR, "%s: cannot write stats: %s", common.stats_file, strerror(errno));
	if (status == EX_DONE && d.rej.count)
		status = EX_REJECTED;
	idset_free(&d.set);
	json_members_free(&d.mem);
	buf_free(&d.scratch);
	stats_free(&d.st);
	return status;
}
