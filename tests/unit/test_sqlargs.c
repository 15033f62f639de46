/* test_sqlargs.c: the SQL lexer, placeholder counting and binding, and the
 * SingleStore DDL translation, on tables of statements. */
#include <stdlib.h>

#include "json.h"
#include "sqlmariadb.h"
#include "sqlargs.h"
#include "sqllex.h"
#include "unit.h"

/* placeholders: the count sql_bind expects, read from its mismatch error
 * for no args (0 when it binds). */
static long placeholders(const char *sql)
{
	struct buf out = BUF_INIT;
	struct json_slice none = { NULL, 0, JSON_NONE };
	char err[128];
	long n = 0;
	if (sql_bind(&out, sql, strlen(sql), none, sql_escape_plain, NULL, err, sizeof err) < 0 &&
	    sscanf(err, "sql: expected %ld arguments", &n) != 1)
		n = -1;
	buf_free(&out);
	return n;
}

static void counting(void)
{
	static const struct { const char *sql; size_t n; } t[] = {
		{"SELECT ?", 1},
		{"INSERT INTO t VALUES (?,?),(?,?)", 4},
		{"SELECT '?', \"?\", `?`, ?", 1},
		{"SELECT 'it''s ?', ?", 1},
		{"SELECT 'a\\'?', ?", 1},
		{"SELECT \"a\\\"?\", ?", 1},
		{"SELECT `a``?`, ?", 1},
		{"SELECT ? -- ?\n, ?", 2},
		{"SELECT ? --?", 2},            /* "--" without a space is not a comment */
		{"SELECT ? # ?\n, ?", 2},
		{"SELECT /* ? */ ? /* ?", 1},
		{"SELECT 'unterminated ?", 0},
		{"SELECT ?+?-?*?", 4},
		{"", 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		is_int(placeholders(t[i].sql), t[i].n, "placeholders, case %zu", i);
		is_int(sql_placeholders(t[i].sql, strlen(t[i].sql)), t[i].n, "sql_placeholders, case %zu", i);
	}
}

/* checking: sql_args_match agrees with sql_bind's count and message. */
static void checking(void)
{
	const char *args = "[1,\"?\",{\"a\":[2,3]}]";
	struct json_slice a = { args, strlen(args), JSON_ARRAY };
	struct json_slice none = { NULL, 0, JSON_NONE };
	char err[128] = "";
	is_int(sql_args_match(sql_placeholders("SELECT ?, ?, ?", 14), a, NULL, err, sizeof err), 0, "three args, three placeholders");
	is_int(sql_args_match(sql_placeholders("SELECT ?, '?'", 13), a, NULL, err, sizeof err), -1, "three args, one placeholder");
	is_str(err, "sql: expected 1 arguments, got 3", "the mismatch message");
	is_int(sql_args_match(sql_placeholders("SELECT 1", 8), none, NULL, err, sizeof err), 0, "no args, no placeholders");
	is_int(sql_args_match(sql_placeholders("SELECT ?", 8), none, NULL, err, sizeof err), -1, "no args, one placeholder");
	is_str(err, "sql: expected 1 arguments, got 0", "the mismatch message without args");
}

/* bind: bind the JSON array args into sql, return the text or the error. */
static const char *bind(const char *sql, const char *args)
{
	static struct buf out;
	static char err[128];
	struct json_error je;
	struct json_slice a = {0, 0, JSON_NONE};
	if (args) {
		if (json_parse(args, strlen(args), 0, NULL, &je) != 0)
			return "bad test json";
		a = json_value(args, args + strlen(args));
	}
	buf_reset(&out);
	if (sql_bind(&out, sql, strlen(sql), a, sql_escape_plain, NULL, err, sizeof err) != 0)
		return err;
	return buf_cstr(&out);
}

static void binding(void)
{
	is_str(bind("SELECT ?", "[\"a\"]"), "SELECT 'a'", "string");
	is_str(bind("SELECT ?, ?, ?, ?", "[1, -2.5e3, true, false]"), "SELECT 1, -2.5e3, 1, 0", "numbers and booleans");
	is_str(bind("SELECT ?", "[null]"), "SELECT NULL", "null");
	is_str(bind("SELECT ?", "[{\"a\": [1, \"x'y\"]}]"), "SELECT '{\\\"a\\\": [1, \\\"x\\'y\\\"]}'", "object as escaped JSON text");
	is_str(bind("SELECT ?", "[[1,2]]"), "SELECT '[1,2]'", "array as JSON text");
	is_str(bind("SELECT ?", "[\"it's \\\\ \\n \\u0000 \\u001a\"]"), "SELECT 'it\\'s \\\\ \\n \\0 \\Z'", "escapes decoded then escaped");
	is_str(bind("SELECT ?", "[\"h\\u00e9 \\ud83d\\ude00\"]"), "SELECT 'h\xc3\xa9 \xf0\x9f\x98\x80'", "unicode escapes");
	is_str(bind("SELECT '?', ? -- ?", "[\"?\"]"), "SELECT '?', '?' -- ?", "literal ? untouched, bound ? not rescanned");
	is_str(bind("SELECT 1", NULL), "SELECT 1", "no args");
	is_str(bind("SELECT 1", "null"), "SELECT 1", "null args");
	is_str(bind("SELECT 1", "[]"), "SELECT 1", "empty args");
	is_str(bind("SELECT ?, ?", "[1]"), "sql: expected 2 arguments, got 1", "too few");
	is_str(bind("SELECT ?", "[1, 2]"), "sql: expected 1 arguments, got 2", "too many");
	is_str(bind("SELECT ?", NULL), "sql: expected 1 arguments, got 0", "missing");

	/* 70 000 placeholders: no ceiling */
	struct buf sql = BUF_INIT, args = BUF_INIT;
	buf_adds(&sql, "INSERT INTO t VALUES (?)");
	buf_adds(&args, "[0");
	for (int i = 1; i < 70000; i++) {
		buf_adds(&sql, ",(?)");
		buf_printf(&args, ",%d", i);
	}
	buf_addc(&args, ']');
	const char *r = bind(buf_cstr(&sql), buf_cstr(&args));
	ok(strncmp(r, "INSERT INTO t VALUES (0),(1),(2)", 32) == 0 && strstr(r, ",(69999)") != NULL,
	   "70 000 placeholders bound");
	buf_free(&sql);
	buf_free(&args);
}

static const char *ddl(const char *sql)
{
	static struct buf out;
	buf_reset(&out);
	if (!sqlmariadb_translate(sql, strlen(sql), &out))
		return "(unchanged)";
	return buf_cstr(&out);
}

static void translation(void)
{
	is_str(ddl("CREATE TABLE t (a TEXT, SHARD KEY ())"), "CREATE TABLE t (a TEXT)", "SHARD KEY ()");
	is_str(ddl("CREATE TABLE t (a TEXT, SHARD KEY (a), SORT KEY (b), c INT)"),
	       "CREATE TABLE t (a TEXT, c INT)", "SHARD and SORT KEY with columns");
	is_str(ddl("CREATE TABLE t (SHARD KEY (a), a TEXT)"), "CREATE TABLE t ( a TEXT)", "first element takes the comma after");
	is_str(ddl("create table if not exists `t` (a text, shard key sk (`a`), sort key(`b`, c))"),
	       "create table if not exists `t` (a text)", "lower case, named key, quoted columns");
	is_str(ddl("CREATE TABLE t (a VARCHAR(9), UNIQUE KEY (a) USING HASH, b INT)"), "CREATE TABLE t (a VARCHAR(9), UNIQUE KEY (a) , b INT)", "USING HASH is removed, commas kept");
	is_str(ddl("CREATE TABLE t (a VARCHAR(9), UNIQUE KEY (a) USING HASH)"), "CREATE TABLE t (a VARCHAR(9), UNIQUE KEY (a) )", "USING HASH as the last element");
	is_str(ddl("ALTER TABLE t ADD UNIQUE KEY (a) USING HASH"), "ALTER TABLE t ADD UNIQUE KEY (a) ", "USING HASH in ALTER TABLE");
	is_str(ddl("CREATE TABLE t (note TEXT DEFAULT 'USING HASH')"), "(unchanged)", "USING HASH in a string is text");
	is_str(ddl("CREATE TABLE t (a TEXT) AUTOSTATS_ENABLED=TRUE"), "CREATE TABLE t (a TEXT) ", "AUTOSTATS_ENABLED");
	is_str(ddl("CREATE TABLE t (a TEXT, SHARD KEY ()) AUTOSTATS_CARDINALITY_MODE=PERIODIC AUTOSTATS_HISTOGRAM_MODE=CREATE SQL_MODE='STRICT_ALL_TABLES';"),
	       "CREATE TABLE t (a TEXT)   ;", "Segment's destination DDL");
	is_str(ddl("CREATE TABLE t (a TEXT) AUTOSTATS_ENABLED = FALSE, ENGINE=InnoDB"),
	       "CREATE TABLE t (a TEXT)  ENGINE=InnoDB", "option first in a comma list");
	is_str(ddl("CREATE TABLE t (a TEXT) ENGINE=InnoDB, SQL_MODE = 'x'"),
	       "CREATE TABLE t (a TEXT) ENGINE=InnoDB", "option after a comma");
	is_str(ddl("ALTER TABLE t AUTOSTATS_ENABLED=OFF"), "ALTER TABLE t ", "ALTER TABLE option");
	is_str(ddl("ALTER TABLE t ADD COLUMN sql_mode TEXT"), "(unchanged)", "column called sql_mode");
	is_str(ddl("CREATE TABLE t (shard INT, sort INT, `SHARD` INT)"), "(unchanged)", "columns called shard and sort");
	is_str(ddl("CREATE TABLE t (a TEXT DEFAULT 'SHARD KEY (a)') COMMENT 'SQL_MODE=x'"), "(unchanged)", "inside strings");
	is_str(ddl("CREATE TABLE t /* SHARD KEY () */ (a INT)"), "(unchanged)", "inside a comment");
	is_str(ddl("CREATE TABLE t AS SELECT autostats_x FROM u"), "(unchanged)", "CREATE ... AS SELECT");
	is_str(ddl("INSERT INTO t VALUES ('SHARD KEY ()')"), "(unchanged)", "not DDL");
	is_str(ddl("SELECT 1"), "(unchanged)", "SELECT");
	is_str(ddl("CREATE OR REPLACE TEMPORARY TABLE t (a INT, SORT KEY (a))"),
	       "CREATE OR REPLACE TEMPORARY TABLE t (a INT)", "OR REPLACE TEMPORARY");
	is_str(ddl("CREATE TABLE t (a DECIMAL(10,2), SHARD KEY (a))"), "CREATE TABLE t (a DECIMAL(10,2))", "nested parentheses");
	is_str(ddl("CREATE TABLE t (a INT, SHARD"), "(unchanged)", "truncated");
}

int main(void)
{
	counting();
	checking();
	binding();
	translation();
	return done();
}
