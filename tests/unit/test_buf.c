/* test_buf.c: the spare buffer a finished user leaves to the next one:
 * the larger of two kept, the taker's capacity clamped, nothing to take. */
#include <stdlib.h>

#include "buf.h"
#include "unit.h"

static void spare(void)
{
	struct spare s = { 0 };
	size_t cap = 99;
	ok(spare_take(&s, 100, &cap) == NULL && cap == 0, "an empty spare gives nothing, capacity 0");
	char *small = xmalloc(10), *large = xmalloc(1000);
	spare_give(&s, small, 10);
	spare_give(&s, large, 1000);
	ok(s.p == large && s.cap == 1000, "the larger one is kept (the smaller freed)");
	spare_give(&s, xmalloc(20), 20);
	ok(s.p == large && s.cap == 1000, "a smaller one later is freed, the larger kept");
	spare_give(&s, NULL, 0);
	ok(s.p == large, "giving nothing changes nothing");
	char *p = spare_take(&s, 300, &cap);
	ok(p == large && cap == 300, "taken with its capacity clamped to the taker's maximum");
	size_t none;
	ok(s.p == NULL && s.cap == 0 && spare_take(&s, 300, &none) == NULL, "and the spare is left empty");
	p[299] = 'x';        /* the clamped capacity is usable memory */
	spare_give(&s, p, cap);
	p = spare_take(&s, 5000, &cap);
	ok(p == large && cap == 300, "given back with the clamped capacity, it is not claimed larger");
	free(p);
}

int main(void)
{
	spare();
	return done();
}
