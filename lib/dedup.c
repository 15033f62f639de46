/* dedup.c: seg-dedup's logic (see dedup.h), exactly: the set (lib/idset)
 * keeps a 128-bit hash of every id, never forgets within a run, and can be
 * loaded from and saved to a state file so that runs dedup against each
 * other. In a chain, a message an earlier stage parsed is not parsed again. */
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
#include "dedup.h"

/* The command line beyond the frame's options. */
struct dedup_opts {
	const char *dups, *state, *save;
	uint64_t expect;
	unsigned window;
};

struct dedup {
	const char *key, *time_field;
	int require_key;
	uint16_t max_day;        /* tomorrow: later event times count as none */
	struct idset set;
	struct frame io;         /* options, output, rejects, counters, progress */
	struct writer dups;
	int keep_dups;
	struct json_members mem;
	struct buf scratch;
	uint64_t out_n, dup_n, nokey, notime;
	struct dedup_opts *o;
};


static void usage(void)
{
	printf("usage: seg-dedup [options] [FILE...]\n"
	       "Pass the first message of each messageId unchanged; drop the repeats.\n\n"
	       FRAME_USAGE_OUTPUT("kept messages")
	       "      --dups FILE            write dropped repeats to FILE\n"
	       FRAME_USAGE_REJECTS
	       "      --key FIELD            top-level field holding the id (default messageId)\n"
	       "      --require-key          reject messages without a usable id (default: pass them)\n"
	       "      --state FILE           load the ids of earlier runs from FILE\n"
	       "      --save-state FILE      save all ids to FILE when the input ended cleanly\n"
	       "      --window DAYS          leave ids older than DAYS days out of the saved state\n"
	       "      --time-field FIELD     the event time for --window: receivedAt (default) or timestamp\n"
	       "      --expect N             size the set for N ids up front\n"
	       FRAME_USAGE_LIMITS("line read", "default 512")
	       FRAME_USAGE_COMMON "\n"
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

/* one_line: decide the fate of one non-blank line. */
static void one_line(void *ctx, const struct line *l, const char *name)
{
	struct dedup *d = ctx;
	char detail[512];
	struct h128 h;
	const char *reason = frame_parse(&d->io, l, &d->mem, "message", detail, sizeof detail);
	if (reason) {
		reject(&d->io.rej, reason, detail, name, l->lineno, l->p, l->len);
		return;
	}
	if ((reason = key_hash(d, &h))) {
		if (d->require_key) {
			rejectf(&d->io.rej, reason, name, l->lineno, l->p, l->len,
			        strcmp(reason, "bad_key") == 0 ? "%s is not a string or number"
			                                       : "no %s (or null, or empty)", d->key);
			return;
		}
		d->nokey++;
		d->out_n++;
		frame_pass(&d->io, l->p, l->len, &d->mem);
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
		frame_pass(&d->io, l->p, l->len, &d->mem);
	} else {
		d->dup_n++;
		if (d->keep_dups)
			w_line(&d->dups, l->p, l->len);
	}
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
	stats_add(&d->io.st, "saved", saved);
	if (window)
		stats_add(&d->io.st, "expired", expired);
}

/* options: the command line into d, fo and o; returns optind. */
static int options(int argc, char **argv, struct dedup *d, struct frame_opts *fo, struct dedup_opts *o)
{
	enum { O_DUPS = 256, O_KEY, O_REQKEY, O_STATE, O_SAVE, O_WINDOW, O_TIMEF, O_EXPECT };
	static const struct option opts[] = {
		{ "dups", required_argument, 0, O_DUPS },
		{ "key", required_argument, 0, O_KEY },
		{ "require-key", no_argument, 0, O_REQKEY }, { "state", required_argument, 0, O_STATE },
		{ "save-state", required_argument, 0, O_SAVE }, { "window", required_argument, 0, O_WINDOW },
		{ "time-field", required_argument, 0, O_TIMEF }, { "expect", required_argument, 0, O_EXPECT },
		FRAME_LONGOPTS, { 0, 0, 0, 0 } };
	int c;
	while ((c = cli_getopt(argc, argv, FRAME_SHORTOPTS, opts)) != -1) {
		switch (c) {
		case O_DUPS: o->dups = optarg; break;
		case O_KEY: d->key = optarg; if (!*optarg) usage_error("--key needs a field name"); break;
		case O_REQKEY: d->require_key = 1; break;
		case O_STATE: o->state = optarg; break;
		case O_SAVE: o->save = optarg; break;
		case O_WINDOW: o->window = (unsigned)opt_uint("--window", optarg, 1, 36500); break;
		case O_TIMEF: d->time_field = optarg; if (!*optarg) usage_error("--time-field needs a field name"); break;
		case O_EXPECT: o->expect = opt_uint("--expect", optarg, 0, (uint64_t)1 << 40); break;
		default: frame_option(c, optarg, fo, usage);
		}
	}
	if (o->window && !o->save)
		usage_error("--window only shapes the saved state: give --save-state FILE too");
	return optind;
}

/* finish: after the input: the output safe first, then the counters and,
 * when the input ended cleanly, the saved state. */
static void finish(struct dedup *d, const struct dedup_opts *o, int status)
{
	frame_end(&d->io);
	if (d->keep_dups) {
		w_sync(&d->dups);
		w_close(&d->dups);
	}
	stats_add(&d->io.st, "out", d->out_n);
	stats_add(&d->io.st, "dups", d->dup_n);
	stats_add(&d->io.st, "nokey", d->nokey);
	stats_add(&d->io.st, "ids", d->set.count);
	if (o->save && status == EX_DONE)
		save_state(d, o->save, o->window);
	else if (o->save)
		diag(o->save, 0, "state not saved: the input did not end cleanly");
	if (o->window)
		stats_add(&d->io.st, "notime", d->notime);
}

/* end: finish, the summary and --stats; frees d. */
static int end(void *ctx, int status)
{
	struct dedup *d = ctx;
	finish(d, d->o, status);
	status = frame_close(&d->io, status);
	idset_free(&d->set);
	json_members_free(&d->mem);
	buf_free(&d->scratch);
	free(d->o);
	free(d);
	return status;
}

int dedup_setup(int argc, char **argv, struct frame_stage *s)
{
	static const char *const counters[] = { "in", "out", "dups", "nokey", "rejected", NULL };
	struct frame_opts fo = FRAME_OPTS_INIT(JSON_DEPTH_DEFAULT, 1000000);
	struct dedup *d = xcalloc(1, sizeof *d);
	struct dedup_opts *o = d->o = xcalloc(1, sizeof *o);

	d->key = "messageId";
	d->time_field = "receivedAt";
	int first = options(argc, argv, d, &fo, o);
	d->max_day = (uint16_t)(time(NULL) / 86400 + 1);
	if (o->state)
		load_state(d, o->state, o->expect);
	else
		idset_init(&d->set, o->expect, idset_random_seed());
	frame_open(&d->io, &fo, counters);
	if (o->state)
		stats_add(&d->io.st, "loaded", d->set.count);
	if (o->dups && w_open(&d->dups, o->dups) < 0)
		die(EX_IOERR, "%s: cannot create: %s", o->dups, strerror(errno));
	d->keep_dups = o->dups != NULL;
	*s = (struct frame_stage){ "seg-dedup", &d->io, one_line, d, end, NULL };
	return first;
}
