/* seg-dedup: pass the first occurrence of each messageId (or --key FIELD)
 * byte for byte and drop the later ones, exactly, within a run and, with a
 * state file, across runs. The logic is lib/dedup's, which seg-backfill
 * also runs in-process. */
#include "cli.h"
#include "dedup.h"
#include "frame.h"

int main(int argc, char **argv)
{
	struct frame_stage s;
	cli_init(argv[0]);
	int first = dedup_setup(argc, argv, &s);
	return frame_main(&s, argc - first, argv + first);
}
