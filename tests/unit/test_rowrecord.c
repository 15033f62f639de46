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

	buf_reset(&b);
	ddl_record(&b, "t", "CREATE TABLE `t` (\n  `a` TEXT\n)");
	is_str(buf_cstr(&b), "{\"_table\":\"t\",\"_ddl\":\"CREATE TABLE `t` (\\n  `a` TEXT\\n)\"}", "DDL record");
	buf_free(&b);
	return done();
}
