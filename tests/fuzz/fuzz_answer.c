/* fuzz_answer.c: libFuzzer harness for s2-load's reading of the Data API's
 * answers. Whatever the bytes and status, dapi_answer and dapi_classify
 * must not crash, must agree (a 200 is committed exactly when dapi_answer
 * accepts it), an accepted answer's rowsAffected must be what the text
 * says, and dapi_describe and redact_text must give one line of text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataapi.h"
#include "redact.h"

static int contains(const struct buf *b, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->p + i, s, n) == 0)
			return 1;
	return 0;
}

static void check_line(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->p[i] == '\n' || b->p[i] == '\r')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 204, 302, 400, 413, 500, 503 };
	struct dapi_req r;
	uint64_t ra;
	memset(&r, 0, sizeof r);
	buf_add(&r.resp, data, size);
	int ok = dapi_answer(r.resp.p, r.resp.len, &ra) == 0;
	if (ok && ra != dapi_rows_affected(r.resp.p, r.resp.len))
		abort();
	if (!ok && ra != 0)
		abort();
	for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++) {
		r.status = statuses[i];
		enum dapi_outcome o = dapi_classify(&r);
		if (r.status == 200 && (o == DAPI_OK) != ok)
			abort();
		if (r.status != 200 && o == DAPI_OK)
			abort();
		if (o == DAPI_OK)
			continue;
		struct buf d = BUF_INIT, red = BUF_INIT;
		dapi_describe(&r, &d);
		check_line(&d);
		const char *secrets[] = { "hunter2", "bG9hZGVyOmh1bnRlcjI=", NULL };
		redact_text(&red, d.p, d.len, secrets);
		check_line(&red);
		if (contains(&red, "hunter2"))
			abort();
		buf_free(&d);
		buf_free(&red);
	}
	buf_free(&r.resp);
	return 0;
}
