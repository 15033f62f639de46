/* flatten.h: seg-flatten's logic as a stage (lib/frame): Segment messages
 * in, SingleStore row records out (design.md records 3 and 4), in the
 * columns of the chosen layout. seg-flatten(1) is its contract. */
#ifndef SEG_FLATTEN_H
#define SEG_FLATTEN_H
#include "frame.h"

/* flatten_setup: parse seg-flatten's command line (exit 64 when bad, 78 for
 * an unknown layout or unusable salt file), open the outputs and fill s;
 * --print-ddl prints and exits here. Returns the index in argv of the first
 * file operand. */
int flatten_setup(int argc, char **argv, struct frame_stage *s);
#endif
