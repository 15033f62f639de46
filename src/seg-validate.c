/* seg-validate: pass through the lines that are valid Segment messages, byte
 * for byte, and send every other line to the rejects with a reason code.
 * The logic is lib/validate's, which seg-backfill also runs in-process. */
#include "cli.h"
#include "frame.h"
#include "validate.h"

int main(int argc, char **argv)
{
	struct frame_stage s;
	cli_init(argv[0]);
	int first = validate_setup(argc, argv, &s);
	return frame_main(&s, argc - first, argv + first);
}
