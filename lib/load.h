/* load.h: s2-load's engine as a stage (lib/frame): batch and DDL records
 * in, sent to SingleStore's Data API -j requests at a time, one result
 * record per input record out, committed ids in a checkpoint. s2-load(1) is
 * its contract. It runs alone (s2-load: load_run reads its operands or
 * stdin) or as the last stage of an in-process chain (lib/chain), where a
 * record lib/batch wrote is taken without being parsed again. */
#ifndef SEG_LOAD_H
#define SEG_LOAD_H
#include "frame.h"

/* load_setup: parse s2-load's command line (exit 64 when bad), set up the
 * client, the checkpoint, the output, the failed file and the counters,
 * stop cleanly on a first SIGINT or SIGTERM, and fill s; its finish waits
 * for the last answers and says what was left undone. Returns the index in
 * argv of the first file operand. */
int load_setup(int argc, char **argv, struct frame_stage *s);

/* load_run: every record of each operand (or stdin) through the stage,
 * the engine turning while it waits for input; EX_DONE, EX_NOINPUT,
 * EX_IOERR or EX_DATAERR, as frame_operands. */
int load_run(struct frame_stage *s, int argc, char **argv);

/* load_wait: the stage's engine turned once while its chain's source
 * waits for input (a frame_waiter's wait; ctx is the stage's). */
int load_wait(void *ctx, int fd);
#endif
