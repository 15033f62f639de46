/* test_sqlinsert: statement text per mode, the length formulas against the
 * body built, and which statements must commit in input order. */
#include <stdlib.h>
#include <string.h>

#include "sqlinsert.h"
#include "unit.h"

static struct sqlinsert ins;
static struct buf b;

/* sql: the statement of the body head for rows rows, its length checked
 * against the body-length formula. */
static const char *sql(size_t rows)
{
	static const size_t head = sizeof SQLINS_BODY_HEAD - 1, mid = sizeof SQLINS_BODY_MID - 1;
	buf_reset(&b);
	sqlinsert_body_head(&ins, rows, &b);
	ok(b.len + sizeof SQLINS_BODY_TAIL - 1 == sqlinsert_body_len(&ins, rows, 0), "length formula for %zu rows", rows);
	ok(memcmp(b.p, SQLINS_BODY_HEAD, head) == 0 && memcmp(b.p + b.len - mid, SQLINS_BODY_MID, mid) == 0,
	   "body head for %zu rows", rows);
	b.len -= mid;
	memmove(b.p, b.p + head, b.len - head);
	b.len -= head;
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
		if (sqlinsert_body_len(&ins, r + 1, 0) != sqlinsert_body_len(&ins, r, 0) + 3 * 3 + 2)
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
	sqlinsert_body_head(&ins, 2, &b);
	buf_adds(&b, "1,2,3,4,5,6" SQLINS_BODY_TAIL);
	ok(b.len == sqlinsert_body_len(&ins, 2, 11), "body length formula");
	is_str(buf_cstr(&b), "{\"sql\":\"INSERT INTO `t` (`id`, `a`, `b`) VALUES (?, ?, ?), (?, ?, ?) ON DUPLICATE "
	       "KEY UPDATE `a` = VALUES(`a`), `b` = VALUES(`b`)\",\"args\":[1,2,3,4,5,6]}", "body");

	enum sqlinsert_mode m;
	ok(sqlinsert_mode_parse("update", &m) == 0 && m == SQLINS_UPDATE, "mode update");
	ok(sqlinsert_mode_parse("ignore", &m) == 0 && m == SQLINS_IGNORE, "mode ignore");
	ok(sqlinsert_mode_parse("error", &m) == 0 && m == SQLINS_ERROR, "mode error");
	ok(sqlinsert_mode_parse("replace", &m) < 0, "unknown mode");
	sqlinsert_free(&ins);
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
