/* seg-validate: pass through the lines that are valid Segment messages, byte
 * for byte, and send every other line to the rejects with a reason code.
 * Strict JSON (lib/json) first, then the Segment rules (lib/segspec). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "frame.h"
#include "json.h"
#include "seglimits.h"
#include "lineio.h"
#include "progress.h"
#include "reject.h"
#include "segspec.h"
#include "stats.h"

struct validator {
	struct segspec_opts spec;
	size_t max_bytes, max_line;
	int max_depth;
	struct frame io;           /* output, rejects, counters, progress */
	struct json_members mem;
	uint64_t bytes;
};

static void usage(void)
{
	printf("usage: seg-validate [options] [FILE...]\n"
	       "Pass valid Segment messages through unchanged; reject the rest with a reason.\n\n"
	       "  -o, --output FILE          write valid messages to FILE (default stdout)\n"
	       "  -r, --rejects FILE         write reject records to FILE (default: report on stderr)\n"
	       "      --max-bytes N          largest message in bytes (default 32768, 0 = no limit)\n"
	       "      --max-line N           longest line read (default 16M)\n"
	       "      --max-depth N          deepest JSON nesting (default 31, at most 512)\n"
	       "      --types LIST           accepted types, comma-separated (default all six)\n"
	       "      --allow-numeric-ids    accept numbers for messageId, userId, anonymousId, ...\n"
	       "      --no-require-message-id  accept messages without messageId\n"
	       "      --stats FILE           write the end summary as JSON to FILE\n"
	       "  -q, --quiet                no summary line\n"
	       "      --progress, --no-progress  force the progress line on or off\n"
	       "  -h, --help                 this help\n"
	       "  -V, --version              version\n\n"
	       "Exit status: 0 all valid, 1 some rejected, 64 usage, 66 input not found, 74 I/O error.\n");
}

/* check_line: the reason a line is not a valid message, or NULL. */
static const char *check_line(struct validator *v, const struct line *l, char *detail, size_t n)
{
	const char *reason = frame_parse_object(l, v->max_line, v->max_depth, &v->mem, "message", detail, n);
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

/* validate_stream: every line of one input to the output or the rejects. */
static int validate_stream(void *ctx, int fd, const char *name)
{
	struct validator *v = ctx;
	struct lreader r;
	struct line l;
	char detail[512];
	int rc;
	lr_init_fd(&r, fd, name, v->max_line);
	r.refuse_binary = 1;
	while ((rc = lr_next(&r, &l)) == 1) {
		v->bytes += l.len + 1;
		if (line_blank(&l)) {
			stats_add(&v->io.st, "blank", 1);
			continue;
		}
		stats_add(&v->io.st, "in", 1);
		const char *reason = check_line(v, &l, detail, sizeof detail);
		if (reason) {
			reject(&v->io.rej, reason, detail, name, l.lineno, l.p, l.len);
		} else {
			w_line(&v->io.out, l.p, l.len);
			stats_add(&v->io.st, "out", 1);
		}
		progress_tick(&v->io.prog, stats_get(&v->io.st, "in"), v->bytes);
	}
	if (rc < 0)
		rc = lr_report(&r);
	lr_free(&r);
	return rc < 0 ? rc : 0;
}

int main(int argc, char **argv)
{
	enum { O_MAXBYTES = 256, O_MAXLINE, O_MAXDEPTH, O_TYPES, O_NUMIDS, O_NOMSGID };
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' }, { "rejects", required_argument, 0, 'r' },
		{ "max-bytes", required_argument, 0, O_MAXBYTES }, { "max-line", required_argument, 0, O_MAXLINE },
		{ "max-depth", required_argument, 0, O_MAXDEPTH }, { "types", required_argument, 0, O_TYPES },
		{ "allow-numeric-ids", no_argument, 0, O_NUMIDS }, { "no-require-message-id", no_argument, 0, O_NOMSGID },
		CLI_COMMON_LONGOPTS, { 0, 0, 0, 0 } };
	struct validator v;
	const char *out = "-", *rejects = NULL;
	struct cli_common common = CLI_COMMON_INIT;
	int c;

	cli_init(argv[0]);
	memset(&v, 0, sizeof v);
	segspec_defaults(&v.spec);
	v.max_bytes = 32768;
	v.max_line = LINE_MAX_DEFAULT;
	v.max_depth = SEG_JSON_DEPTH;
	while ((c = cli_getopt(argc, argv, "o:r:qhV", opts)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'r': rejects = optarg; break;
		case O_MAXBYTES: v.max_bytes = opt_size("--max-bytes", optarg); break;
		case O_MAXLINE: v.max_line = opt_size("--max-line", optarg); if (!v.max_line) usage_error("--max-line must be positive"); break;
		case O_MAXDEPTH: v.max_depth = (int)opt_uint("--max-depth", optarg, 1, SEG_DEPTH_MAX); break;
		case O_TYPES:
			if (segspec_type_bits(optarg, &v.spec.types) < 0)
				usage_error("--types: '%s' is not a list of track,identify,page,screen,group,alias", optarg);
			break;
		case O_NUMIDS: v.spec.allow_numeric_ids = 1; break;
		case O_NOMSGID: v.spec.require_message_id = 0; break;
		default: cli_common_option(c, optarg, &common, usage);
		}
	}
	static const char *const counters[] = { "in", "out", "rejected", NULL };
	frame_open(&v.io, out, rejects, common.stats_file, common.quiet, common.force_progress, counters);

	int status = frame_operands(argc - optind, argv + optind, validate_stream, &v);
	status = frame_close(&v.io, status);
	json_members_free(&v.mem);
	return status;
}
