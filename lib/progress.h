/* progress.h: the progress line a program draws on stderr while it runs
 * (records, MB, MB/s), only when wanted (see progress_wanted in cli.h). Cheap
 * enough to call per record: it looks at the clock every 4096 calls. */
#ifndef SEG_PROGRESS_H
#define SEG_PROGRESS_H
#include <stdint.h>

struct progress {
	int on;
	uint64_t start, last, calls;
};

void progress_init(struct progress *p, int on);
/* progress_tick: maybe redraw "prog: N records, X MB, Y MB/s". */
void progress_tick(struct progress *p, uint64_t records, uint64_t bytes);
/* progress_done: erase the line before the summary is printed. */
void progress_done(struct progress *p);
#endif
