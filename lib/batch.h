/* batch.h: seg-batch's logic as a stage (lib/frame): row records in, Data
 * API request bodies out as batch records (design.md record 5), DDL records
 * passed through in order. seg-batch(1) is its contract. */
#ifndef SEG_BATCH_H
#define SEG_BATCH_H
#include "frame.h"

/* batch_setup: parse seg-batch's command line (exit 64 when bad), open its
 * output, rejects and counters, and fill s; its finish sends the open
 * batches. Returns the index in argv of the first file operand. */
int batch_setup(int argc, char **argv, struct frame_stage *s);
#endif
