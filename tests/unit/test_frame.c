/* test_frame.c: what lib/frame hands from one stage of a chain to the next:
 * the member index (and an object value's index) taken, not copied, the
 * giver left empty, and a second parse of the same line indexing again. */
#include <string.h>

#include "frame.h"
#include "seglimits.h"
#include "unit.h"

static const char *const counters[] = { "in", NULL };

/* what the second stage saw of one line */
struct seen {
	struct frame *io;
	struct json_members first, again, sub, sub_again;
	const char *reason;
	int trusted, sub_rc, sub_again_rc;
	const char *sub_at;
};

static void second_stage(void *ctx, const struct line *l, const char *name)
{
	struct seen *s = ctx;
	char detail[128];
	(void)name;
	s->reason = frame_parse(s->io, l, &s->first, "message", detail, sizeof detail);
	s->trusted = s->io->trusted;
	if (frame_parse(s->io, l, &s->again, "message", detail, sizeof detail))
		s->reason = "second parse failed";
	if (s->sub_at) {
		struct json_error err;
		struct json_slice v = json_value(s->sub_at, l->p + l->len);
		s->sub_rc = frame_parse_members(s->io, v.p, v.n, &s->sub, &err);
		s->sub_again_rc = frame_parse_members(s->io, v.p, v.n, &s->sub_again, &err);
	}
}

/* same_slices: a and b index the same members of the same bytes */
static int same_slices(const struct json_members *a, const struct json_members *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->m[i].key.p != b->m[i].key.p || a->m[i].key.n != b->m[i].key.n ||
		    a->m[i].val.p != b->m[i].val.p || a->m[i].val.n != b->m[i].val.n ||
		    a->m[i].val.type != b->m[i].val.type)
			return 0;
	return 1;
}

static void passed_on(void)
{
	struct frame a, b;
	struct frame_opts fo = FRAME_OPTS_INIT(SEG_JSON_DEPTH, SEG_DEPTH_MAX);
	fo.common.quiet = 1;
	frame_open(&a, &fo, counters);
	frame_open(&b, &fo, counters);
	struct seen s = { .io = &b };
	frame_link(&a, &b, second_stage, &s, "second", NULL);

	const char *text = "{\"type\":\"track\",\"properties\":{\"a\":1,\"b\":[2]},\"messageId\":\"m1\"}";
	struct line l = { text, strlen(text), 1, 0, strlen(text) };
	struct json_members mem = { 0 };
	char detail[128];
	ok(frame_parse(&a, &l, &mem, "message", detail, sizeof detail) == NULL && mem.n == 3,
	   "the first stage parses strictly: 3 members");
	struct json_member *arr = mem.m;
	struct json_members want = { 0 };
	struct json_error err;
	json_parse(text, strlen(text), 0, &want, &err);
	frame_pass(&a, text, strlen(text), &mem);
	ok(s.reason == NULL && s.trusted, "the second stage takes the line as proved");
	ok(s.first.m == arr && same_slices(&s.first, &want), "its index is the first stage's array, not a copy");
	ok(mem.n == 0 && mem.sub_at == NULL && mem.m != arr, "the giver is left empty, with other room");
	ok(same_slices(&s.again, &want), "a second parse of the same line indexes it again");

	/* a record the stage wrote, with the members of an object inside it */
	const char *row = "{\"_table\":\"t\",\"_row\":{\"c1\":\"x\",\"c2\":null}}";
	struct json_members top = { 0 }, cols = { 0 }, want_cols = { 0 };
	json_parse(row, strlen(row), 0, &top, &err);
	struct json_slice rv;
	json_members_get(&top, "_row", &rv);
	json_parse(rv.p, rv.n, 0, &cols, &err);
	json_parse(rv.p, rv.n, 0, &want_cols, &err);
	struct json_member *cols_arr = cols.m;
	s.sub_at = rv.p;
	/* extra 0: the first stage's bound is already the second's --max-depth */
	frame_wrote_indexed(&a, row, strlen(row), 0, &top, rv.p, &cols);
	ok(s.sub_rc == 0 && s.sub.m == cols_arr && same_slices(&s.sub, &want_cols),
	   "the object value's index is taken too");
	ok(cols.n == 0 && top.n == 0, "both of the giver's indexes are left empty");
	ok(s.sub_again_rc == 0 && same_slices(&s.sub_again, &want_cols), "and indexed again when asked twice");

	json_members_free(&mem);
	json_members_free(&want);
	json_members_free(&top);
	json_members_free(&cols);
	json_members_free(&want_cols);
	json_members_free(&s.first);
	json_members_free(&s.again);
	json_members_free(&s.sub);
	json_members_free(&s.sub_again);
	ok(frame_close(&b, 0) == 0 && frame_close(&a, 0) == 0, "both stages close cleanly");
}

int main(void)
{
	passed_on();
	return done();
}
