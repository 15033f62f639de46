/* validate.c: seg-validate's logic (see validate.h): strict JSON (lib/json)
 * first, then the Segment rules (lib/segspec). In a chain, a line an earlier
 * stage already parsed is not parsed again (frame_parse). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "frame.h"
#include "json.h"
#include "seglimits.h"
#include "lineio.h"
#include "reject.h"
#include "segspec.h"
#include "stats.h"
#include "validate.h"

struct validator {
	struct segspec_opts spec;
	size_t max_bytes;
	struct frame io;           /* options, output, rejects, counters, progress */
	struct json_members mem;
};

static void usage(void)
{
	printf("usage: seg-validate [options] [FILE...]\n"
	       "Pass valid Segment messages through unchanged; reject the rest with a reason.\n\n"
	       FRAME_USAGE_OUTPUT("valid messages")
	       FRAME_USAGE_REJECTS
	       "      --max-bytes N          largest message in bytes (default 32768, 0 = no limit)\n"
	       FRAME_USAGE_LIMITS("line read", "default 31, at most 512")
	       "      --types LIST           accepted types, comma-separated (default all six)\n"
	       "      --allow-numeric-ids    accept numbers for messageId, userId, anonymousId, ...\n"
	       "      --no-require-message-id  accept messages without messageId\n"
	       FRAME_USAGE_COMMON "\n"
	       "Exit status: 0 all valid, 1 some rejected, 64 usage, 66 input not found, 74 I/O error.\n");
}

/* check_line: the reason a line is not a valid message, or NULL. */
static const char *check_line(struct validator *v, const struct line *l, char *detail, size_t n)
{
	const char *reason = frame_parse(&v->io, l, &v->mem, "message", detail, n);
	if (reason)
		return reason;
	if (v->max_bytes && l->len > v->max_bytes) {
		snprintf(detail, n, "message of %zu bytes is larger than --max-bytes %zu", l->len, v->max_bytes);
		return "too_large";
	}
	struct segmsg f;
	segmsg_fields(&v->mem, &f);
	return segspec_check(&f, &v->spec, detail, n);
}

/* validate_line: one line to the output or the rejects. */
static void validate_line(void *ctx, const struct line *l, const char *name)
{
	struct validator *v = ctx;
	char detail[512];
	const char *reason = check_line(v, l, detail, sizeof detail);
	if (reason) {
		reject(&v->io.rej, reason, detail, name, l->lineno, l->p, l->len);
	} else {
		frame_pass(&v->io, l->p, l->len, &v->mem);
		stats_add(&v->io.st, "out", 1);
	}
}

/* options: the command line into v and fo; returns optind. */
static int options(int argc, char **argv, struct validator *v, struct frame_opts *fo)
{
	enum { O_MAXBYTES = 256, O_TYPES, O_NUMIDS, O_NOMSGID };
	static const struct option opts[] = {
		{ "max-bytes", required_argument, 0, O_MAXBYTES }, { "types", required_argument, 0, O_TYPES },
		{ "allow-numeric-ids", no_argument, 0, O_NUMIDS }, { "no-require-message-id", no_argument, 0, O_NOMSGID },
		FRAME_LONGOPTS, { 0, 0, 0, 0 } };
	int c;
	while ((c = cli_getopt(argc, argv, FRAME_SHORTOPTS, opts)) != -1) {
		switch (c) {
		case O_MAXBYTES: v->max_bytes = opt_size("--max-bytes", optarg); break;
		case O_TYPES:
			if (segspec_type_bits(optarg, &v->spec.types) < 0)
				usage_error("--types: '%s' is not a list of track,identify,page,screen,group,alias", optarg);
			break;
		case O_NUMIDS: v->spec.allow_numeric_ids = 1; break;
		case O_NOMSGID: v->spec.require_message_id = 0; break;
		default: frame_option(c, optarg, fo, usage);
		}
	}
	return optind;
}

/* finish: the summary and --stats; frees v. */
static int finish(void *ctx, int status)
{
	struct validator *v = ctx;
	status = frame_close(&v->io, status);
	json_members_free(&v->mem);
	free(v);
	return status;
}

int validate_setup(int argc, char **argv, struct frame_stage *s)
{
	static const char *const counters[] = { "in", "out", "rejected", NULL };
	struct frame_opts fo = FRAME_OPTS_INIT(SEG_JSON_DEPTH, SEG_DEPTH_MAX);
	struct validator *v = xcalloc(1, sizeof *v);

	segspec_defaults(&v->spec);
	v->max_bytes = 32768;
	v->mem.sub_key = "context";   /* for a later stage in a chain: seg-flatten reads context.traits */
	int first = options(argc, argv, v, &fo);
	frame_open(&v->io, &fo, counters);
	*s = (struct frame_stage){ "seg-validate", &v->io, validate_line, v, finish, NULL };
	return first;
}
