/* retry.h: when to retry a network request and how long to wait, shared by
 * the programs that talk HTTP (seg-fetch, s2-load). The rules follow curl's
 * --retry: transient curl errors (timeouts, name resolution) and the HTTP
 * statuses 408, 429, 500, 502, 503, 504, 522, 524; connection refused and a
 * connection broken in the middle of a body are transient too (curl's
 * --retry-connrefused, and what the AWS SDKs retry). The wait is exponential
 * backoff with "full jitter" (AWS architecture blog, 2015): a uniformly random
 * time in [0, min(cap, base * 2^attempt)], never less than a server's
 * Retry-After. No curl header is needed to use this module. */
#ifndef SEG_RETRY_H
#define SEG_RETRY_H
#include <stdint.h>

/* retry_curl_transient: is a failed transfer with this CURLcode (and, for
 * CURLE_COULDNT_CONNECT, the OS errno from CURLINFO_OS_ERRNO) worth another
 * try? 0 for CURLE_OK and for errors a retry cannot fix (TLS verification,
 * bad URL, write errors in our own callback). */
int retry_curl_transient(int curl_code, long os_errno);

/* retry_http_transient: is this HTTP status worth another try? */
int retry_http_transient(long status);

/* retry_backoff_ms: the wait before retry number attempt (0 for the first
 * retry): uniform in [0, min(cap_ms, base_ms << attempt)], and at least
 * retry_after_ms (a server's Retry-After, 0 if none), capped at cap_ms. */
uint64_t retry_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms,
                          uint64_t retry_after_ms);

/* A retry budget, curl's --retry-max and --retry-max-time with our backoff
 * bounds, for programs that schedule retries themselves (s2-load). */
struct retry_policy {
	unsigned max_retries;    /* retries after the first try; 0 = never retry */
	uint64_t max_time_ms;    /* no retry starts later than this after the first try; 0 = no limit */
	uint64_t base_ms;        /* the first wait's upper bound */
	uint64_t cap_ms;         /* the largest wait's upper bound */
};

/* retry_policy_defaults: 10 retries, 10 minutes, 1 s base, 60 s cap. */
void retry_policy_defaults(struct retry_policy *p);

/* The retry options, the same in every program that sends requests
 * (s2-load, s2-query, seg-send): put RETRY_LONGOPTS in the getopt_long
 * table, RETRY_USAGE in the help, and hand options to retry_option. Times
 * take a unit (lib/cli's durations: 500ms, 2s, 1m; a bare number is s). */
enum { RETRY_O_RETRY = 0x1200, RETRY_O_MAX_TIME, RETRY_O_DELAY, RETRY_O_CAP };
#define RETRY_LONGOPTS \
	{ "retry", required_argument, 0, RETRY_O_RETRY }, \
	{ "retry-max", required_argument, 0, RETRY_O_RETRY }, \
	{ "retry-max-time", required_argument, 0, RETRY_O_MAX_TIME }, \
	{ "retry-delay", required_argument, 0, RETRY_O_DELAY }, \
	{ "retry-cap", required_argument, 0, RETRY_O_CAP }
#define RETRY_USAGE \
	"      --retry N              retries of a transient failure (default 10; alias --retry-max)\n" \
	"      --retry-delay TIME     first backoff bound, doubling per retry, full jitter (default 1s)\n" \
	"      --retry-cap TIME       largest backoff bound and Retry-After (default 60s)\n" \
	"      --retry-max-time TIME  no retry later than TIME after the first try (default 10m, 0 = no limit)\n"

/* retry_option: take retry option c into p; 1 when it was one, else 0.
 * A bad value is a usage error (exit 64). */
int retry_option(struct retry_policy *p, int c, const char *arg);

/* retry_next: may a request already retried `retries` times, first sent
 * elapsed_ms ago, be retried again? A server's Retry-After (retry_after_ms,
 * 0 when none) replaces the drawn wait, but never beyond cap_ms. Returns 1 with *wait_ms set, or 0
 * when the count or the time budget is spent. */
int retry_next(const struct retry_policy *p, unsigned retries, uint64_t elapsed_ms,
               uint64_t retry_after_ms, uint64_t *wait_ms);

/* retry_sleep_ms: sleep that long (restarting after signals). */
void retry_sleep_ms(uint64_t ms);
#endif
