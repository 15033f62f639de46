/* seg-flatten: Segment messages in, SingleStore row records out (design.md
 * records 3 and 4). The logic is lib/flatten's, which seg-backfill also
 * runs in-process. */
#include "cli.h"
#include "flatten.h"
#include "frame.h"

int main(int argc, char **argv)
{
	struct frame_stage s;
	cli_init(argv[0]);
	int first = flatten_setup(argc, argv, &s);
	return frame_main(&s, argc - first, argv + first);
}
