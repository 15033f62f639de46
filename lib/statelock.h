/* statelock.h: one run at a time on a state directory: an flock(2) on
 * DIR/lock, which holds the pid of the run that has it. The lock goes with
 * the process (even after kill -9), so a stale lock file never blocks. */
#ifndef SEG_STATELOCK_H
#define SEG_STATELOCK_H
#include <sys/types.h>

/* statelock_take: lock dir. wait 0: 0, or 1 when another process holds it
 * (its pid in *holder, 0 if unknown); wait 1: block until it is free (a
 * signal makes it return 1 with *holder 0). -1 with errno on error. */
int statelock_take(const char *dir, int wait, pid_t *holder);
#endif
