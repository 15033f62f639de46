/* fetch.h: seg-fetch's logic as a source stage (lib/frame): read archived
 * Segment data (files, folders, archives, http(s):// URLs, s3:// and gs://
 * prefixes; formats by content) and hand on one message at a time, the
 * bytes as in the source, batch envelopes unwrapped. Alone it writes them
 * one per line (seg-fetch); first in a chain (lib/chain) it hands each to
 * the next stage, which parses it strictly. seg-fetch(1) is its contract. */
#ifndef SEG_FETCH_H
#define SEG_FETCH_H
#include "frame.h"

/* fetch_setup: parse seg-fetch's command line (exit 64 when bad; -h, -V
 * and --mark-done do their work and exit), open its output, rejects,
 * manifest and counters, and fill s (a source: s->line is NULL). Returns
 * the index in argv of the first SOURCE operand. */
int fetch_setup(int argc, char **argv, struct frame_stage *s);

/* fetch_main: seg-fetch itself (its main): set up from argv, read, finish;
 * the exit status. seg-backfill runs it in a child for its listing. */
int fetch_main(int argc, char **argv);
#endif
