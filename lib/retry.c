/* retry.c: retry decisions and backoff with full jitter (see retry.h). */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"
#include "retry.h"

int retry_curl_transient(int curl_code, long os_errno)
{
	switch ((CURLcode)curl_code) {
	case CURLE_OPERATION_TIMEDOUT:      /* curl --retry: always */
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return 1;
	case CURLE_COULDNT_CONNECT:         /* curl --retry-connrefused */
		return os_errno == ECONNREFUSED || os_errno == ECONNRESET || os_errno == 0;
	case CURLE_PARTIAL_FILE:            /* a body broken off in the middle */
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

int retry_http_transient(long status)
{
	switch (status) {
	case 408: case 429: case 500: case 502: case 503: case 504: case 522: case 524:
		return 1;
	default:
		return 0;
	}
}

/* rnd: a small splitmix64 generator seeded once from the clock and the pid;
 * jitter only needs to differ between processes, not to be unpredictable. */
static uint64_t rnd(void)
{
	static uint64_t s;
	if (!s) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		s = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
		s |= 1;
	}
	uint64_t z = (s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

uint64_t retry_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms,
                          uint64_t retry_after_ms)
{
	uint64_t ceil = base_ms;
	for (unsigned i = 0; i < attempt && ceil < cap_ms; i++)
		ceil *= 2;
	if (ceil > cap_ms)
		ceil = cap_ms;
	uint64_t ms = ceil ? rnd() % (ceil + 1) : 0;
	if (ms < retry_after_ms)
		ms = retry_after_ms;
	return ms > cap_ms ? cap_ms : ms;
}

void retry_policy_defaults(struct retry_policy *p)
{
	p->max_retries = 10;
	p->max_time_ms = 600000;
	p->base_ms = 1000;
	p->cap_ms = 60000;
}

int retry_next(const struct retry_policy *p, unsigned retries, uint64_t elapsed_ms,
               uint64_t retry_after_ms, uint64_t *wait_ms)
{
	if (retries >= p->max_retries)
		return 0;
	uint64_t w = retry_after_ms ? retry_after_ms : retry_backoff_ms(retries, p->base_ms, p->cap_ms, 0);
	if (w > p->cap_ms)
		w = p->cap_ms;   /* Retry-After: 1000000 must not mean an 11-day wait */
	if (p->max_time_ms && elapsed_ms + w > p->max_time_ms)
		return 0;
	*wait_ms = w;
	return 1;
}

void retry_sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int retry_option(struct retry_policy *p, int c, const char *arg)
{
	switch (c) {
	case RETRY_O_RETRY: p->max_retries = (unsigned)opt_uint("--retry", arg, 0, 1000000); break;
	case RETRY_O_MAX_TIME: p->max_time_ms = opt_duration("--retry-max-time", arg, 0, 86400000ULL * 365); break;
	case RETRY_O_DELAY: p->base_ms = opt_duration("--retry-delay", arg, 0, 3600000); break;
	case RETRY_O_CAP: p->cap_ms = opt_duration("--retry-cap", arg, 0, 3600000); break;
	default: return 0;
	}
	return 1;
}
