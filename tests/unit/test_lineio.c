/* test_lineio.c: the line reader on CRLF, a BOM, blank lines, no final LF,
 * tiny reads, and lines over the limit; and the same inputs from a source
 * that lends its bytes (lr_lendfn) in regions cut at every place, mixed with
 * reads, each region spoiled once the next call comes (a line kept past its
 * time would show). */
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

/* A lending source: regions end at cuts[] (then at n); every nolend-th call
 * of lend says LR_NO_LEND and the reader reads, at most step bytes. A lent
 * region is a copy of its own, overwritten with '#' and freed at the next
 * call, as a source reusing its buffer would. */
struct lsrc {
	const char *p;
	size_t n, off;
	const size_t *cuts;
	size_t ncuts, nolend, calls, step;
	char *region;
	size_t rlen;
};

static void spoil(struct lsrc *s)
{
	if (s->region)
		memset(s->region, '#', s->rlen);
	free(s->region);
	s->region = NULL;
}

/* next_cut: where the region from s->off ends. */
static size_t next_cut(const struct lsrc *s)
{
	for (size_t i = 0; i < s->ncuts; i++)
		if (s->cuts[i] > s->off)
			return s->cuts[i] < s->n ? s->cuts[i] : s->n;
	return s->n;
}

static ssize_t lsrc_read(void *ctx, char *buf, size_t n)
{
	struct lsrc *s = ctx;
	spoil(s);
	size_t k = next_cut(s) - s->off;
	if (k > n) k = n;
	if (k > s->step) k = s->step;
	memcpy(buf, s->p + s->off, k);
	s->off += k;
	return (ssize_t)k;
}

static ssize_t lsrc_lend(void *ctx, const char **p)
{
	struct lsrc *s = ctx;
	spoil(s);
	if (s->nolend && ++s->calls % s->nolend == 0)
		return LR_NO_LEND;
	size_t k = next_cut(s) - s->off;
	if (k == 0)
		return 0;
	s->region = malloc(k);
	memcpy(s->region, s->p + s->off, k);
	s->rlen = k;
	s->off += k;
	*p = s->region;
	return (ssize_t)k;
}

/* lines_of: every line of r, with its number and offset after it. */
static void lines_of(struct lreader *r, struct buf *out)
{
	struct line l;
	buf_reset(out);
	while (lr_next(r, &l) == 1) {
		if (l.too_long)
			buf_printf(out, "%llu:LONG(%llu,%.*s)", (unsigned long long)l.lineno,
			           (unsigned long long)l.full_len, (int)l.len, l.p);
		else
			buf_printf(out, "%llu:%.*s", (unsigned long long)l.lineno, (int)l.len, l.p);
		buf_printf(out, "@%llu|", (unsigned long long)r->offset);
	}
}

/* lent_lines: the lines of in, lent in regions ending at cuts. */
static void lent_lines(const char *in, size_t n, const size_t *cuts, size_t ncuts, size_t nolend,
                       size_t max, struct buf *out)
{
	struct lsrc s = { in, n, 0, cuts, ncuts, nolend, 0, 3, NULL, 0 };
	struct lreader r;
	lr_init_fn(&r, lsrc_read, &s, "t", max);
	r.lend = lsrc_lend;
	lines_of(&r, out);
	lr_free(&r);
	spoil(&s);
}

/* read_lines: the lines of in, read whole. */
static void read_lines(const char *in, size_t n, size_t max, struct buf *out)
{
	struct lsrc s = { in, n, 0, NULL, 0, 0, 0, (size_t)-1, NULL, 0 };
	struct lreader r;
	lr_init_fn(&r, lsrc_read, &s, "t", max);
	lines_of(&r, out);
	lr_free(&r);
}

/* lent_everywhere: in cut into two and three regions at every place (and
 * with every third lend refused), lines the same as read whole. */
static void lent_everywhere(const char *what, const char *in, size_t max)
{
	struct buf want = BUF_INIT, got = BUF_INIT;
	size_t n = strlen(in), bad = 0, runs = 0;
	read_lines(in, n, max, &want);
	for (size_t i = 0; i <= n; i++)
		for (size_t j = i; j <= n; j++)
			for (size_t nolend = 0; nolend < 4; nolend += 3) {
				size_t cuts[2] = { i, j };
				lent_lines(in, n, cuts, 2, nolend, max, &got);
				runs++;
				if (strcmp(buf_cstr(&got), buf_cstr(&want)) != 0) {
					if (!bad++)
						printf("# cut at %zu, %zu (refused every %zu): %s\n", i, j, nolend, buf_cstr(&got));
				}
			}
	ok(bad == 0, "%s: lent in regions cut at every place, as read (%zu of %zu runs differ): %s",
	   what, bad, runs, buf_cstr(&want));
	buf_free(&want);
	buf_free(&got);
}

/* lent_regions: lines from single-byte regions and from one region whole. */
static void lent_regions(void)
{
	static const char in[] = "ab\r\ncd\r\n\n\r\ne";
	size_t n = strlen(in), cuts[sizeof in];
	struct buf got = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		cuts[i] = i + 1;
	lent_lines(in, n, cuts, n, 0, 0, &got);
	is_str(buf_cstr(&got), "1:ab@4|2:cd@8|3:@9|4:@11|5:e@12|", "one byte a region: CR at each region's end stripped");
	lent_lines(in, n, NULL, 0, 0, 0, &got);
	is_str(buf_cstr(&got), "1:ab@4|2:cd@8|3:@9|4:@11|5:e@12|", "one region: the same");
	buf_free(&got);
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

	lent_regions();
	lent_everywhere("BOM, CRLF, blank lines, no final LF", "\xEF\xBB\xBF{\"a\":1}\r\n\n{\"b\":2}\r\nlast", 0);
	lent_everywhere("a BOM only", "\xEF\xBB\xBF", 0);
	lent_everywhere("a partial BOM", "\xEF\xBB", 0);
	lent_everywhere("CR before each LF and at the end", "a\r\n\r\nbc\r\nd\r", 0);
	lent_everywhere("empty lines", "\n\n\nx\n\n", 0);
	lent_everywhere("lines over the limit of 4", "abcdefgh\nok\n0123\n01234\r\nxy\r\n0123456789", 4);
	lent_everywhere("a line of the limit of 4 with CR", "abc\r\nabcd\r\nabcd\n", 4);
	lent_everywhere("one line over the limit, no LF", "abcdefghij", 4);
	lent_everywhere("nothing", "", 0);
	return done();
}
