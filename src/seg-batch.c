/* seg-batch: pack seg-flatten's row records into Data API requests, one
 * batch record per request, each body within --max-bytes; pass DDL records
 * through in order. The logic is lib/batch's, which seg-backfill also runs
 * in-process. */
#include "batch.h"
#include "cli.h"
#include "frame.h"

int main(int argc, char **argv)
{
	struct frame_stage s;
	cli_init(argv[0]);
	int first = batch_setup(argc, argv, &s);
	return frame_main(&s, argc - first, argv + first);
}
