/* fuzz_sqltext.c: libFuzzer harness for the modules that read SQL text:
 * ddlkeys_scan on any bytes must not crash and reports only names no longer
 * than what it was given; sqlid_check accepts only names that quote to
 * themselves plus two backticks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddlkeys.h"
#include "sqlid.h"
#include "buf.h"

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

	static struct buf b;
	if (sqlid_valid(p, size)) {
		buf_reset(&b);
		sqlid_quote(&b, p, size);
		if (b.len != size + 2 || memcmp(b.p + 1, p, size) != 0)
			abort();
	}
	return 0;
}
