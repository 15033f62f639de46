/* progress.c: a self-erasing progress line on stderr, redrawn at most 4x/s. */
#include <stdio.h>

#include "cli.h"
#include "progress.h"

void progress_init(struct progress *p, int on)
{
	p->on = on;
	p->start = p->last = now_ms();
	p->calls = 0;
}

void progress_tick(struct progress *p, uint64_t records, uint64_t bytes)
{
	if (!p->on || (++p->calls & 4095))
		return;
	uint64_t t = now_ms();
	if (t - p->last < 250)
		return;
	p->last = t;
	double secs = (double)(t - p->start) / 1000.0;
	fprintf(stderr, "\r%s: %llu records, %.1f MB, %.0f MB/s\033[K", progname,
	        (unsigned long long)records, (double)bytes / 1e6, secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
}

void progress_done(struct progress *p)
{
	if (p->on && p->last != p->start)
		fputs("\r\033[K", stderr);
}
