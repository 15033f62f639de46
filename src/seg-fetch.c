/* seg-fetch: read archived Segment data from files, folders, archives,
 * HTTP(S) URLs and s3:// or gs:// prefixes, and write one message per line.
 * The logic is lib/fetch's, which seg-backfill also runs in-process as the
 * first stage of its chain, and for its listing. */
#include "fetch.h"

int main(int argc, char **argv)
{
	return fetch_main(argc, argv);
}
