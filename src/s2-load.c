/* s2-load: send seg-batch's batch records (and DDL records) to SingleStore's
 * Data API, -j requests at a time, retrying what a retry may cure, splitting
 * what is too large, and recording every committed batch id in a checkpoint
 * before its result line is written, so that a re-run after any crash skips
 * exactly what was committed. One result record per input record on stdout.
 * The engine is lib/load's, which seg-backfill also runs in-process. */
#include "cli.h"
#include "frame.h"
#include "load.h"

int main(int argc, char **argv)
{
	struct frame_stage s;
	cli_init(argv[0]);
	int first = load_setup(argc, argv, &s);
	return s.finish(s.ctx, load_run(&s, argc - first, argv + first));
}
