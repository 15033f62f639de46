/* unit.h: a minimal TAP producer for the C unit tests in tests/unit.
 * Each test file is a main() calling ok()/is_str()/is_int(); done() prints
 * the plan and returns the exit status. Output is read by tests/run.sh. */
#ifndef UNIT_H
#define UNIT_H
#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed;

/* ok: record one test result with a printf-style name. */
#define ok(cond, ...) do { \
	int c_ = (cond) != 0; unit_n++; \
	printf("%sok %d - ", c_ ? "" : "not ", unit_n); printf(__VA_ARGS__); printf("\n"); \
	if (!c_) { unit_failed++; printf("# failed at %s:%d\n", __FILE__, __LINE__); } \
} while (0)

#define is_int(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	ok(g_ == w_, __VA_ARGS__); \
	if (g_ != w_) printf("#   got %lld, want %lld\n", g_, w_); \
} while (0)

#define is_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	int e_ = g_ && w_ && strcmp(g_, w_) == 0; \
	ok(e_, __VA_ARGS__); \
	if (!e_) printf("#   got \"%s\"\n#  want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

static int done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed != 0;
}
#endif
