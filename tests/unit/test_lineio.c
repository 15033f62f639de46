/* test_lineio.c: the line reader on CRLF, a BOM, blank lines, no final LF,
 * tiny reads, and lines over the limit. */
#include <stdlib.h>

#include "lineio.h"
#include "unit.h"

struct src { const char *p; size_t n, off, step; };

static ssize_t rd(void *ctx, char *buf, size_t n)
{
	struct src *s = ctx;
	size_t k = s->n - s->off;
	if (k > n) k = n;
	if (k > s->step) k = s->step;
	memcpy(buf, s->p + s->off, k);
	s->off += k;
	return (ssize_t)k;
}

static void collect(const char *in, size_t n, size_t step, size_t max, struct buf *out)
{
	struct src s = { in, n, 0, step };
	struct lreader r;
	struct line l;
	lr_init_fn(&r, rd, &s, "t", max);
	buf_reset(out);
	while (lr_next(&r, &l) == 1) {
		if (l.too_long)
			buf_printf(out, "%llu:LONG(%llu,%zu)|", (unsigned long long)l.lineno,
			           (unsigned long long)l.full_len, l.len);
		else
			buf_printf(out, "%llu:%.*s|", (unsigned long long)l.lineno, (int)l.len, l.p);
	}
	lr_free(&r);
}

int main(void)
{
	struct buf b = BUF_INIT;
	const char *in = "\xEF\xBB\xBF{\"a\":1}\r\n\n{\"b\":2}\r\nlast";
	size_t steps[] = { 1, 2, 3, 7, 1 << 20 };
	for (size_t i = 0; i < 5; i++) {
		collect(in, strlen(in), steps[i], 0, &b);
		is_str(buf_cstr(&b), "1:{\"a\":1}|2:|3:{\"b\":2}|4:last|", "BOM, CRLF, blank, no final LF (reads of %zu)", steps[i]);
	}
	collect("\xEF\xBB", 2, 1, 0, &b);
	is_str(buf_cstr(&b), "1:\xEF\xBB|", "partial BOM kept as data");
	collect("x\xEF\xBB\xBFy\n", 6, 4, 0, &b);
	is_str(buf_cstr(&b), "1:x\xEF\xBB\xBFy|", "BOM inside a line kept");
	collect("", 0, 1, 0, &b);
	is_str(buf_cstr(&b), "", "empty input, no lines");

	size_t big = 3000;
	char *t = malloc(big + 20);
	memset(t, 'x', big);
	memcpy(t + big, "\nok\n", 4);
	collect(t, big + 4, 100, 1000, &b);
	is_str(buf_cstr(&b), "1:LONG(3000,1000)|2:ok|", "line over the limit flagged, next line intact");
	collect(t, big, 4096, 1000, &b);
	is_str(buf_cstr(&b), "1:LONG(3000,1000)|", "long line at end of input");
	collect(t, 1000, 4096, 1000, &b);
	ok(strncmp(buf_cstr(&b), "1:xxx", 5) == 0 && b.len == 1003, "line exactly at the limit is kept");
	free(t);
	buf_free(&b);
	return done();
}
