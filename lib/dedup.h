/* dedup.h: seg-dedup's logic as a stage (lib/frame): pass the first
 * occurrence of each messageId (or --key FIELD) byte for byte and drop the
 * later ones, with the id set loaded from and saved to a state file.
 * seg-dedup(1) is its contract. */
#ifndef SEG_DEDUP_H
#define SEG_DEDUP_H
#include "frame.h"

/* dedup_setup: parse seg-dedup's command line (exit 64 when bad), load the
 * --state id set (exit 66, 74 or 78 when it cannot be), open the outputs
 * and fill s; its finish saves --save-state after a clean end. Returns the
 * index in argv of the first file operand. */
int dedup_setup(int argc, char **argv, struct frame_stage *s);
#endif
