/* fuzz_json.c: libFuzzer harness for the JSON core. Whatever the bytes,
 * json_parse must not crash, and on text it accepts the zero-copy readers
 * must agree with it: member slices lie inside the text, json_value of every
 * member value equals the recorded length, decoding and re-escaping strings
 * gives valid JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_members m;
	struct json_error err;
	const char *p = (const char *)data;
	if (json_parse(p, size, 64, &m, &err) < 0) {
		if (err.offset > size)
			abort();
		return 0;
	}
	struct buf b = BUF_INIT, w = BUF_INIT;
	for (size_t i = 0; i < m.n; i++) {
		struct json_slice k = m.m[i].key, v = m.m[i].val;
		if (k.p < p || k.p + k.n > p + size || v.p < p || v.p + v.n > p + size)
			abort();
		if (json_value(v.p, p + size).n != v.n)
			abort();
		buf_reset(&b);
		json_str_decode(k, &b);
		buf_reset(&w);
		json_write_str(&w, b.p ? b.p : "", b.len);
		if (json_parse(w.p, w.len, 0, NULL, &err) < 0)
			abort();
		if (v.type == JSON_OBJECT || v.type == JSON_ARRAY) {
			struct json_iter it;
			struct json_slice kk, vv;
			json_iter_init(&it, v);
			while (json_iter_next(&it, &kk, &vv))
				if (vv.p < v.p || vv.p + vv.n > v.p + v.n)
					abort();
		}
	}
	buf_free(&b);
	buf_free(&w);
	return 0;
}
