/* test_retry.c: transient statuses, full-jitter bounds, the retry count and
 * time budget, Retry-After. */
#include "retry.h"
#include "unit.h"

int main(void)
{
	struct retry_policy p;
	retry_policy_defaults(&p);
	long yes[] = { 408, 429, 500, 502, 503, 504 }, no[] = { 200, 400, 401, 403, 404, 413, 501, 505 };
	for (size_t i = 0; i < 6; i++)
		ok(retry_http_transient(yes[i]), "%ld is transient", yes[i]);
	for (size_t i = 0; i < 8; i++)
		ok(!retry_http_transient(no[i]), "%ld is not transient", no[i]);

	p.base_ms = 100;
	p.cap_ms = 1000;
	uint64_t max[6] = { 0 }, bound[6] = { 100, 200, 400, 800, 1000, 1000 };
	int within = 1;
	for (int i = 0; i < 20000; i++)
		for (unsigned n = 0; n < 6; n++) {
			uint64_t d = retry_backoff_ms(n, p.base_ms, p.cap_ms, 0);
			if (d > bound[n])
				within = 0;
			if (d > max[n])
				max[n] = d;
		}
	ok(within, "every wait is within min(cap, base*2^n)");
	for (unsigned n = 0; n < 6; n++)
		ok(max[n] > bound[n] * 9 / 10, "attempt %u reaches near its bound (%llu of %llu)", n,
		   (unsigned long long)max[n], (unsigned long long)bound[n]);
	ok(retry_backoff_ms(200, p.base_ms, p.cap_ms, 0) <= 1000, "huge attempt numbers stay capped");

	uint64_t w;
	p.max_retries = 3;
	p.max_time_ms = 5000;
	ok(retry_next(&p, 0, 0, 0, &w) && w <= 100, "first retry");
	ok(retry_next(&p, 2, 0, 0, &w), "third retry");
	ok(!retry_next(&p, 3, 0, 0, &w), "no fourth retry");
	ok(retry_next(&p, 0, 0, 2000, &w) && w == p.cap_ms, "Retry-After over the cap is capped");
	p.cap_ms = 60000;
	ok(retry_next(&p, 0, 0, 2000, &w) && w == 2000, "Retry-After replaces the backoff");
	ok(!retry_next(&p, 0, 4000, 2000, &w), "Retry-After past the time budget gives up");
	ok(!retry_next(&p, 0, 5001, 0, &w), "time budget spent");
	p.max_time_ms = 0;
	ok(retry_next(&p, 0, 999999999, 0, &w), "max_time 0 means no limit");
	p.max_retries = 0;
	ok(!retry_next(&p, 0, 0, 0, &w), "max_retries 0 never retries");
	return done();
}
