/* fuzz_unwrap.c: libFuzzer harness for seg-fetch's message reader (lib/unwrap):
 * NDJSON, one JSON array streamed element by element, and {"batch":[...]}
 * envelopes whose context/integrations/sentAt are appended to the items.
 * The bytes arrive in uneven chunks (the first byte sets the chunk size) so
 * the array reader's buffer edges are crossed; read, and lent (feed_lend:
 * the line reader's lending path). Whatever the input: no crash,
 * and in strict mode every message handed on is one valid JSON object. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unwrap.h"
#include "feed.h"

static int strict_mode;

static void emit(void *ctx, const char *p, size_t n)
{
	struct json_error err;
	(void)ctx;
	if (!strict_mode)
		return;
	if (json_parse(p, n, 0, NULL, &err) < 0 || json_type_at(p, p + n) != JSON_OBJECT)
		abort();
}

static void rej(void *ctx, const char *reason, const char *detail, const char *name,
                uint64_t line, const char *raw, size_t rawlen)
{
	(void)ctx; (void)name; (void)line; (void)raw; (void)rawlen;
	if (!reason || !*reason || !detail)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	for (int mode = 0; mode < 4; mode++) {
		struct unwrap w;
		strict_mode = mode & 1;
		struct feed f = { data + 1, size - 1, 0, (size_t)(data[0] % 64) + 1 };
		unwrap_init(&w);
		w.emit = emit;
		w.reject = rej;
		w.strict = strict_mode;
		w.max_line = 4096;
		w.max_depth = 64;
		unwrap_stream(&w, feed_read, mode & 2 ? feed_lend : NULL, &f, "fuzz");
		unwrap_free(&w);
		feed_done(&f);
	}
	return 0;
}
