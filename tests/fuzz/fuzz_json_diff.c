/* fuzz_json_diff.c: libFuzzer harness comparing json_parse's block scanner
 * with the scanner of before (tests/unit/json_ref.c) on any bytes: both
 * accept or both reject, with the same code, offset and message, and the
 * same member index, also without an index and with a sub index (checked
 * against json_iter); and json_raw_utf8 writes what its byte loop of before
 * wrote. The first byte picks a depth limit, so deep texts are compared at
 * the limit too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "../unit/json_ref.c"

static void compare(const char *p, size_t n, int depth)
{
	static struct json_members m1, m2;
	struct json_error e1, e2;
	int r1 = json_parse(p, n, depth, &m1, &e1);
	int r2 = json_ref_parse(p, n, depth, &m2, &e2);
	if (r1 != r2 || m1.n != m2.n)
		abort();
	if (r1 < 0 && (e1.code != e2.code || e1.offset != e2.offset || strcmp(e1.msg, e2.msg) != 0))
		abort();
	for (size_t i = 0; i < m1.n; i++)
		if (m1.m[i].key.p != m2.m[i].key.p || m1.m[i].key.n != m2.m[i].key.n ||
		    m1.m[i].val.p != m2.m[i].val.p || m1.m[i].val.n != m2.m[i].val.n ||
		    m1.m[i].val.type != m2.m[i].val.type)
			abort();
	static struct buf b1, b2;
	buf_reset(&b1);
	buf_reset(&b2);
	json_raw_utf8(p, n, &b1);
	ref_raw_utf8(p, n, &b2);
	if (b1.len != b2.len || memcmp(b1.p, b2.p, b1.len) != 0)
		abort();
	if (!ref_other_ways(p, n, depth, r2, &e2))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	compare(p, size, 0);
	if (size > 0)
		compare(p + 1, size - 1, 1 + data[0] % 40);
	return 0;
}
