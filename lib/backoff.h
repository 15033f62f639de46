/* backoff.h: when and how long to wait before trying a request again.
 * The model is curl's --retry: a transient failure (connection error,
 * timeout, HTTP 408, 429, 500, 502, 503, 504) is retried up to a number of
 * times and within a time budget; the wait grows exponentially and is drawn
 * with "full jitter" (uniform in [0, min(cap, base * 2^n)]) so that many
 * clients failing together do not retry together. A server's Retry-After
 * replaces the drawn wait. */
#ifndef SEG_BACKOFF_H
#define SEG_BACKOFF_H
#include <stdint.h>

struct retry_policy {
	unsigned max_retries;    /* retries after the first try; 0 = never retry */
	uint64_t max_time_ms;    /* no retry starts later than this after the first try; 0 = no limit */
	uint64_t base_ms;        /* the first wait's upper bound */
	uint64_t cap_ms;         /* the largest wait's upper bound */
};

/* retry_policy_defaults: 10 retries, 10 minutes, 1 s base, 60 s cap. */
void retry_policy_defaults(struct retry_policy *p);

/* retry_status_transient: is an HTTP status one that curl --retry retries? */
int retry_status_transient(long status);

/* backoff_rng_seed: a seed for backoff_delay from the clock and the pid. */
uint64_t backoff_rng_seed(void);

/* backoff_delay: the full-jitter wait before retry number n (0-based). */
uint64_t backoff_delay(const struct retry_policy *p, unsigned n, uint64_t *rng);

/* retry_next: may a request that has already been retried `retries` times,
 * first sent `elapsed_ms` ago, be retried again? retry_after_ms is the
 * server's Retry-After (0 when none). Returns 1 with *wait_ms set, or 0 when
 * the count or the time budget is spent. */
int retry_next(const struct retry_policy *p, unsigned retries, uint64_t elapsed_ms,
               uint64_t retry_after_ms, uint64_t *rng, uint64_t *wait_ms);
#endif
