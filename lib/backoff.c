/* backoff.c: retry decisions and full-jitter exponential waits (see backoff.h). */
#include <time.h>
#include <unistd.h>

#include "backoff.h"

void retry_policy_defaults(struct retry_policy *p)
{
	p->max_retries = 10;
	p->max_time_ms = 600000;
	p->base_ms = 1000;
	p->cap_ms = 60000;
}

int retry_status_transient(long status)
{
	switch (status) {
	case 408: case 429: case 500: case 502: case 503: case 504:
		return 1;
	default:
		return 0;
	}
}

/* splitmix64: a small, good generator; jitter needs no cryptography. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t backoff_rng_seed(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t s = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
	return splitmix64(&s);
}

uint64_t backoff_delay(const struct retry_policy *p, unsigned n, uint64_t *rng)
{
	uint64_t ceil = p->base_ms;
	for (unsigned i = 0; i < n && ceil < p->cap_ms; i++)
		ceil *= 2;
	if (ceil > p->cap_ms)
		ceil = p->cap_ms;
	return ceil ? splitmix64(rng) % (ceil + 1) : 0;
}

int retry_next(const struct retry_policy *p, unsigned retries, uint64_t elapsed_ms,
               uint64_t retry_after_ms, uint64_t *rng, uint64_t *wait_ms)
{
	if (retries >= p->max_retries)
		return 0;
	uint64_t w = retry_after_ms ? retry_after_ms : backoff_delay(p, retries, rng);
	if (p->max_time_ms && elapsed_ms + w > p->max_time_ms)
		return 0;
	*wait_ms = w;
	return 1;
}
