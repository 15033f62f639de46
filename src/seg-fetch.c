/* seg-fetch: read archived Segment data from files, folders, archives,
 * HTTP(S) URLs and s3:// or gs:// prefixes, and write one message per line.
 * The logic is lib/fetch's, which seg-backfill also runs in-process as the
 * first stage of its chain. */
#include "cli.h"
#include "fetch.h"
#include "frame.h"

int main(int argc, char **argv)
{
	struct frame_stage s;
	cli_init(argv[0]);
	int first = fetch_setup(argc, argv, &s);
	return frame_main(&s, argc - first, argv + first);
}
