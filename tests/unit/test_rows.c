/* test_rows.c: identifier rules, row and DDL record text. */
#include "rows.h"
#include "unit.h"

int main(void)
{
	static const struct { const char *name; int ok; } ids[] = {
		{ "segment_data", 1 }, { "t$1", 1 }, { "_", 1 }, { "1a", 1 }, { "123", 0 }, { "", 0 },
		{ "a-b", 0 }, { "a b", 0 }, { "a`b", 0 }, { "t\xC3\xA9", 0 }, { "a.b", 0 },
		{ "a123456789012345678901234567890123456789012345678901234567890123", 1 },
		{ "a1234567890123456789012345678901234567890123456789012345678901234", 0 },
	};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		is_int(sql_ident_ok(ids[i].name), ids[i].ok, "sql_ident_ok(%s)", ids[i].name);

	struct buf b = BUF_INIT;
	sql_quote_ident(&b, "a`b");
	is_str(buf_cstr(&b), "`a``b`", "backquote doubled");

	const char *cols[] = { "id", "v\"q" };
	struct rowfmt f;
	rowfmt_init(&f, "t", cols, 2);
	buf_reset(&b);
	row_begin(&f, &b);
	row_json(&f, &b, 0, "\"x\"", 3);
	row_null(&f, &b, 1);
	row_end(&b);
	is_str(buf_cstr(&b), "{\"_table\":\"t\",\"id\":\"x\",\"v\\\"q\":null}", "row record");
	rowfmt_free(&f);

	buf_reset(&b);
	ddl_record(&b, "t", "CREATE TABLE `t` (\n  `a` TEXT\n)");
	is_str(buf_cstr(&b), "{\"_table\":\"t\",\"_ddl\":\"CREATE TABLE `t` (\\n  `a` TEXT\\n)\"}", "DDL record");
	buf_free(&b);
	return done();
}
