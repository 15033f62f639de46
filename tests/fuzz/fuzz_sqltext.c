/* fuzz_sqltext.c: libFuzzer harness for the modules that read SQL text:
 * ddlkeys_scan on any bytes must not crash and reports only names no longer
 * than what it was given; sqlinsert_parse on any bytes either refuses or recovers
 * a prefix and suffix that rebuild the very same statement; sqlid_check
 * accepts only names that quote to themselves plus two backticks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddlkeys.h"
#include "sqlid.h"
#include "sqlinsert.h"

static void key(void *ctx, const char *name, size_t len)
{
	size_t *size = ctx;
	if ((len && !name) || len > *size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t limit = size;
	ddlkeys_scan(p, size, key, &limit);

	static struct sqlinsert s;
	static struct buf b;
	size_t rows = size ? (data[0] % 7) + 1 : 1, nargs = rows * (size > 1 ? (data[1] % 5) + 1 : 1);
	if (sqlinsert_parse(&s, p, size, rows, nargs) == 0) {
		buf_reset(&b);
		sqlinsert_write(&s, rows, &b);
		if (b.len != size || memcmp(b.p, p, size) != 0 || b.len != sqlinsert_len(&s, rows))
			abort();
	}

	if (sqlid_valid(p, size)) {
		buf_reset(&b);
		sqlid_quote(&b, p, size);
		if (b.len != size + 2 || memcmp(b.p + 1, p, size) != 0)
			abort();
	}
	return 0;
}
