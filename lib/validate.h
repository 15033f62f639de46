/* validate.h: seg-validate's logic as a stage (lib/frame): pass through the
 * lines that are valid Segment messages, byte for byte, and send every other
 * line to the rejects with a reason code. seg-validate(1) is its contract. */
#ifndef SEG_VALIDATE_H
#define SEG_VALIDATE_H
#include "frame.h"

/* validate_setup: parse seg-validate's command line (exit 64 when bad),
 * open its output, rejects and counters, and fill s. Returns the index in
 * argv of the first file operand. */
int validate_setup(int argc, char **argv, struct frame_stage *s);
#endif
