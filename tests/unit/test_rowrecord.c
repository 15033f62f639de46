/* test_rowrecord.c: row and DDL record text. */
#include "rowrecord.h"
#include "unit.h"

int main(void)
{
	struct buf b = BUF_INIT;
	const char *cols[] = { "id", "v\"q" };
	struct rowfmt f;
	rowfmt_init(&f, "t", cols, 2);
	buf_reset(&b);
	row_begin(&f, &b);
	row_json(&f, &b, 0, "\"x\"", 3);
	row_null(&f, &b, 1);
	row_end(&b);
	is_str(buf_cstr(&b), "{\"_table\":\"t\",\"_row\":{\"id\":\"x\",\"v\\\"q\":null}}", "row record");
	rowfmt_free(&f);

	/* rowfmt_members: the same slices as json_parse finds */
	const char *cols3[] = { "a", "_9mega", "c" };
	rowfmt_init(&f, "t\u00e9", cols3, 3);
	buf_reset(&b);
	buf_adds(&b, "prefix");           /* a record need not start the buffer */
	row_begin(&f, &b);
	row_json(&f, &b, 0, "{\"x\":[1,{}]}", 12);
	row_json(&f, &b, 1, "[1,2]", 5);
	row_null(&f, &b, 2);
	row_end(&b);
	struct json_members top = { 0 }, row = { 0 }, want = { 0 }, wantrow = { 0 };
	is_int(rowfmt_members(&f, &b, &top, &row), 0, "rowfmt_members");
	struct json_error err;
	const char *rec = b.p + 6;
	is_int(json_parse(rec, b.len - 6, 0, &want, &err), 0, "the record is valid JSON");
	is_int(top.n, want.n, "top-level members");
	for (size_t i = 0; i < top.n && i < want.n; i++)
		ok(top.m[i].key.p == want.m[i].key.p && top.m[i].key.n == want.m[i].key.n &&
		   top.m[i].val.p == want.m[i].val.p && top.m[i].val.n == want.m[i].val.n &&
		   top.m[i].val.type == want.m[i].val.type, "top member %zu", i);
	is_int(json_parse(want.m[1].val.p, want.m[1].val.n, 0, &wantrow, &err), 0, "_row parses");
	is_int(row.n, wantrow.n, "row members");
	for (size_t i = 0; i < row.n && i < wantrow.n; i++)
		ok(row.m[i].key.p == wantrow.m[i].key.p && row.m[i].key.n == wantrow.m[i].key.n &&
		   row.m[i].val.p == wantrow.m[i].val.p && row.m[i].val.n == wantrow.m[i].val.n &&
		   row.m[i].val.type == wantrow.m[i].val.type, "row member %zu", i);
	row_begin(&f, &b);
	row_null(&f, &b, 1);              /* out of order */
	is_int(rowfmt_members(&f, &b, &top, &row), -1, "a row not written in order has no members");
	json_members_free(&top);
	json_members_free(&row);
	json_members_free(&want);
	json_members_free(&wantrow);
	rowfmt_free(&f);

	buf_reset(&b);
	ddl_record(&b, "t", "CREATE TABLE `t` (\n  `a` TEXT\n)");
	is_str(buf_cstr(&b), "{\"_table\":\"t\",\"_ddl\":\"CREATE TABLE `t` (\\n  `a` TEXT\\n)\"}", "DDL record");
	buf_free(&b);
	return done();
}
