/* test_sqlinsert: statement text per mode, the length formulas against the
 * text built, and parsing a statement back for splitting. */
#include <stdlib.h>
#include <string.h>

#include "sqlinsert.h"
#include "unit.h"

static struct sqlinsert ins;
static struct buf b;

static const char *sql(size_t rows)
{
	buf_reset(&b);
	sqlinsert_write(&ins, rows, &b);
	ok(b.len == sqlinsert_len(&ins, rows), "length formula for %zu rows", rows);
	return buf_cstr(&b);
}

int main(void)
{
	const char *cols[] = { "id", "a", "b" };
	size_t lens[] = { 2, 1, 1 };
	unsigned char key[] = { 1, 0, 0 }, allkeys[] = { 1, 1, 1 };

	sqlinsert_build(&ins, SQLINS_IGNORE, "t", 1, cols, lens, 3, key);
	is_str(sql(1), "INSERT INTO `t` (`id`, `a`, `b`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `b` = `b`",
	       "ignore, 1 row: duplicates absorbed by a no-op on the last non-key column");
	is_str(sql(2), "INSERT INTO `t` (`id`, `a`, `b`) VALUES (?, ?, ?), (?, ?, ?) ON DUPLICATE KEY UPDATE `b` = `b`",
	       "ignore, 2 rows");
	unsigned char lastkey[] = { 0, 0, 1 };
	sqlinsert_build(&ins, SQLINS_IGNORE, "t", 1, cols, lens, 3, lastkey);
	is_str(sql(1), "INSERT INTO `t` (`id`, `a`, `b`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `a` = `a`",
	       "ignore: the no-op leaves a key alone");
	sqlinsert_build(&ins, SQLINS_IGNORE, "t", 1, cols, lens, 3, key);
	for (size_t r = 1; r < 50; r++)
		if (sqlinsert_len(&ins, r + 1) != sqlinsert_len(&ins, r) + sqlinsert_row_growth(&ins))
			ok(0, "row growth at %zu rows", r);
	sqlinsert_build(&ins, SQLINS_ERROR, "t", 1, cols, lens, 1, NULL);
	is_str(sql(3), "INSERT INTO `t` (`id`) VALUES (?), (?), (?)", "error mode, one column");
	sqlinsert_build(&ins, SQLINS_UPDATE, "t", 1, cols, lens, 3, key);
	is_str(sql(1), "INSERT INTO `t` (`id`, `a`, `b`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE "
	       "`a` = VALUES(`a`), `b` = VALUES(`b`)", "update leaves the key alone");
	sqlinsert_build(&ins, SQLINS_UPDATE, "t", 1, cols, lens, 3, allkeys);
	is_str(sql(1), "INSERT INTO `t` (`id`, `a`, `b`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `b` = `b`",
	       "all keys: update is ignore, on the last column");

	sqlinsert_build(&ins, SQLINS_UPDATE, "t", 1, cols, lens, 3, key);
	buf_reset(&b);
	sqlinsert_body(&ins, 2, "1,2,3,4,5,6", 11, &b);
	ok(b.len == sqlinsert_body_len(&ins, 2, 11), "body length formula");
	is_str(buf_cstr(&b), "{\"sql\":\"INSERT INTO `t` (`id`, `a`, `b`) VALUES (?, ?, ?), (?, ?, ?) ON DUPLICATE "
	       "KEY UPDATE `a` = VALUES(`a`), `b` = VALUES(`b`)\",\"args\":[1,2,3,4,5,6]}", "body");

	/* parse back: take a 4-row statement apart and rebuild 1 and 3 rows */
	struct sqlinsert p = { BUF_INIT, BUF_INIT, 0 };
	char *four = strdup(sql(4));
	is_int(sqlinsert_parse(&p, four, strlen(four), 4, 12), 0, "parse a 4-row statement");
	is_int(p.ncols, 3, "columns recovered");
	struct sqlinsert keep = ins;
	ins = p;
	is_str(sql(1), "INSERT INTO `t` (`id`, `a`, `b`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE "
	       "`a` = VALUES(`a`), `b` = VALUES(`b`)", "rebuilt for 1 row");
	ins = keep;
	is_int(sqlinsert_parse(&p, four, strlen(four), 4, 8), -1, "wrong arg count refused");
	is_int(sqlinsert_parse(&p, four, strlen(four), 3, 12), -1, "args not a multiple of rows refused");
	is_int(sqlinsert_parse(&p, four, strlen(four), 2, 12), -1, "wrong row count refused");
	const char *tricky = "INSERT INTO `a) VALUES (` (`x`) VALUES (?), (?)";
	is_int(sqlinsert_parse(&p, tricky, strlen(tricky), 2, 2), 0, "') VALUES (' inside a name");
	is_str(buf_cstr(&p.prefix), "INSERT INTO `a) VALUES (` (`x`) VALUES ", "prefix skips the quoted name");
	is_int(sqlinsert_parse(&p, "SELECT 1", 8, 1, 1), -1, "not an insert");
	free(four);

	enum sqlinsert_mode m;
	ok(sqlinsert_mode_parse("update", &m) == 0 && m == SQLINS_UPDATE, "mode update");
	ok(sqlinsert_mode_parse("ignore", &m) == 0 && m == SQLINS_IGNORE, "mode ignore");
	ok(sqlinsert_mode_parse("error", &m) == 0 && m == SQLINS_ERROR, "mode error");
	ok(sqlinsert_mode_parse("replace", &m) < 0, "unknown mode");
	sqlinsert_free(&ins);
	sqlinsert_free(&p);
	buf_free(&b);
	/* which statements must commit in input order */
	static const struct { const char *sql; int latest; } lw[] = {
		{ "INSERT INTO `t` (`id`) VALUES (?)", 0 },
		{ "INSERT INTO `t` (`id`, `b`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `b` = `b`", 0 },
		{ "insert into t (id, b) values (?, ?) on duplicate key update b = b, `c`=`c`", 0 },
		{ "INSERT INTO `t` (`id`, `b`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `b` = VALUES(`b`)", 1 },
		{ "INSERT INTO t (id, b) VALUES (?, ?) ON DUPLICATE KEY UPDATE b = b + 1", 1 },
		{ "INSERT INTO t (id, b) VALUES (?, ?) ON DUPLICATE KEY UPDATE b = c", 1 },
		{ "INSERT INTO t (id, b) VALUES (?, ?) ON DUPLICATE KEY UPDATE `b` = b", 1 },
		{ "INSERT INTO t (id, b) VALUES ('on duplicate key update', ?)", 0 },
		{ "INSERT INTO t (id) VALUES (?) /* ON DUPLICATE KEY UPDATE b = 1 */", 0 },
		{ "INSERT INTO t (id) VALUES (?) ON ON DUPLICATE KEY UPDATE b = 1", 1 },
		{ "INSERT INTO t (id) VALUES (?) ON DUPLICATE KEY UPDATE", 1 },
	};
	for (size_t i = 0; i < sizeof lw / sizeof lw[0]; i++)
		ok(sqlinsert_latest_wins(lw[i].sql, strlen(lw[i].sql)) == lw[i].latest, "latest wins %d: %s",
		   lw[i].latest, lw[i].sql);
	return done();
}
