/* test_batchsplit.c: splitting INSERT bodies by rows: halves, odd counts,
 * shared placeholders before VALUES and in the tail, quoted '?' and '(',
 * extra members, and bodies that cannot be split. */
#include "batchsplit.h"
#include "unit.h"

static const char *why;

/* split2: "first|second|rows0,rows1" or "ERR:why". */
static const char *split2(const char *body)
{
	static struct buf out;
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t rows[2];
	buf_reset(&out);
	if (batch_split(body, strlen(body), &a, &b, rows, &why) < 0)
		buf_printf(&out, "ERR:%s", why);
	else
		buf_printf(&out, "%s|%s|%zu,%zu", buf_cstr(&a), buf_cstr(&b), rows[0], rows[1]);
	buf_free(&a);
	buf_free(&b);
	return buf_cstr(&out);
}

/* rows_counted: batch_rows on the statements a sink is sent. */
static void rows_counted(void)
{
	static const struct { const char *sql; size_t rows; } t[] = {
		{"INSERT INTO `t` (`a`, `b`) VALUES (?, ?), (?, ?)", 2},
		{"insert ignore into t values(?),(?),(?) ON DUPLICATE KEY UPDATE a = VALUES(a)", 3},
		{"REPLACE INTO t VALUES (1, '(?), (?)')", 1},
		{"/* c */ INSERT INTO `VALUES (` VALUES ((1 + 2), ?), (?, ')')", 2},
		{"INSERT INTO t SELECT * FROM u", 0},
		{"CREATE TABLE t (a INT)", 0},
		{"UPDATE t SET a = 1 WHERE b IN (SELECT b FROM u) -- VALUES (1)", 0},
		{"SELECT 1", 0},
		{"INSERT INTO t VALUES", 0},
		{"", 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		is_int(batch_rows(t[i].sql, strlen(t[i].sql)), t[i].rows, "batch_rows, case %zu", i);
}

int main(void)
{
	is_str(split2("{\"sql\":\"INSERT IGNORE INTO `t` (`a`, `b`) VALUES (?, ?), (?, ?)\",\"args\":[1,\"x\",2,{\"k\":[1,2]}]}"),
	       "{\"sql\":\"INSERT IGNORE INTO `t` (`a`, `b`) VALUES (?, ?)\",\"args\":[1,\"x\"]}|"
	       "{\"sql\":\"INSERT IGNORE INTO `t` (`a`, `b`) VALUES (?, ?)\",\"args\":[2,{\"k\":[1,2]}]}|1,1",
	       "two rows, one each; object args byte for byte");
	is_str(split2("{\"sql\":\"INSERT INTO t VALUES (?),(?),(?)\",\"args\":[1,2,3]}"),
	       "{\"sql\":\"INSERT INTO t VALUES (?)\",\"args\":[1]}|"
	       "{\"sql\":\"INSERT INTO t VALUES (?),(?)\",\"args\":[2,3]}|1,2", "odd count: floor half first");
	is_str(split2("{\"sql\":\"INSERT INTO t (a) VALUES (?), (?), (?), (?) ON DUPLICATE KEY UPDATE a = VALUES(a)\",\"args\":[1,2,3,4]}"),
	       "{\"sql\":\"INSERT INTO t (a) VALUES (?), (?) ON DUPLICATE KEY UPDATE a = VALUES(a)\",\"args\":[1,2]}|"
	       "{\"sql\":\"INSERT INTO t (a) VALUES (?), (?) ON DUPLICATE KEY UPDATE a = VALUES(a)\",\"args\":[3,4]}|2,2",
	       "tail kept on both halves");
	is_str(split2("{\"sql\":\"INSERT INTO t (a,b) VALUES (?,?),(?,?) ON DUPLICATE KEY UPDATE b = ?\",\"args\":[1,2,3,4,9]}"),
	       "{\"sql\":\"INSERT INTO t (a,b) VALUES (?,?) ON DUPLICATE KEY UPDATE b = ?\",\"args\":[1,2,9]}|"
	       "{\"sql\":\"INSERT INTO t (a,b) VALUES (?,?) ON DUPLICATE KEY UPDATE b = ?\",\"args\":[3,4,9]}|1,1",
	       "tail placeholders shared");
	is_str(split2("{\"sql\":\"INSERT INTO `a?(b` (`c)?`) VALUES (?, '?)'), (?, 'x''?'), (?, \\\"?\\\")\",\"args\":[1,2,3],\"database\":\"db\"}"),
	       "{\"sql\":\"INSERT INTO `a?(b` (`c)?`) VALUES (?, '?)')\",\"args\":[1],\"database\":\"db\"}|"
	       "{\"sql\":\"INSERT INTO `a?(b` (`c)?`) VALUES (?, 'x''?'), (?, \\\"?\\\")\",\"args\":[2,3],\"database\":\"db\"}|1,2",
	       "quoted ? and ( ignored; other members copied");
	is_str(split2("{\"args\":[1,2],\"sql\":\"insert into t values(?),(?)\"}"),
	       "{\"args\":[1],\"sql\":\"insert into t values(?)\"}|{\"args\":[2],\"sql\":\"insert into t values(?)\"}|1,1",
	       "member order kept, lower case keyword");
	is_str(split2("{\"sql\":\"INSERT INTO t VALUES (NULL, 1), (NULL, 2)\"}"),
	       "{\"sql\":\"INSERT INTO t VALUES (NULL, 1)\"}|{\"sql\":\"INSERT INTO t VALUES (NULL, 2)\"}|1,1",
	       "no args");
	is_str(split2("{\"sql\":\"INSERT INTO t VALUES (?, \\\"\\\\u00e9\\\\n\\\")\",\"args\":[1]}"),
	       "ERR:a single row cannot be split", "one row");
	is_str(split2("{\"sql\":\"INSERT INTO t VALUES (?),(?)\",\"args\":[1]}"),
	       "ERR:the number of placeholders does not match the number of args", "arg count");
	is_str(split2("{\"sql\":\"SELECT 1\"}"), "ERR:the statement has no VALUES list", "not an insert");
	is_str(split2("{\"sql\":\"INSERT INTO t VALUES ?\"}"), "ERR:VALUES is not followed by a parenthesized row", "bad values");
	is_str(split2("[1]"), "ERR:the body is not a JSON object", "not an object");
	is_str(split2("{\"sql\":1}"), "ERR:the body has no single \"sql\" string", "sql not a string");
	is_str(split2("{\"sql\":\"INSERT INTO t VALUES (?),(?)\",\"sql\":\"x\",\"args\":[1,2]}"),
	       "ERR:the body has no single \"sql\" string", "duplicate sql");
	is_str(split2("{\"sql\":\"INSERT INTO t VALUES (?),(?)\",\"args\":{}}"), "ERR:\"args\" is not an array", "args object");
	is_str(split2("{\"sql\":\"INSERT INTO t VALUES (?),(?),(?),(?),(?)\",\"args\":[\"a\\u0000\",\"\\\"\",\"\\\\\",null,true]}"),
	       "{\"sql\":\"INSERT INTO t VALUES (?),(?)\",\"args\":[\"a\\u0000\",\"\\\"\"]}|"
	       "{\"sql\":\"INSERT INTO t VALUES (?),(?),(?)\",\"args\":[\"\\\\\",null,true]}|2,3", "escaped args kept");
	rows_counted();
	return done();
}
