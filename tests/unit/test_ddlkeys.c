/* test_ddlkeys: key columns found in CREATE and ALTER TABLE text. */
#include "buf.h"
#include "ddlkeys.h"
#include "unit.h"

static void add(void *ctx, const char *name, size_t len)
{
	struct buf *b = ctx;
	if (b->len)
		buf_addc(b, ',');
	buf_add(b, name, len);
}

static const char *keys(const char *sql)
{
	static struct buf b;
	buf_reset(&b);
	ddlkeys_scan(sql, strlen(sql), add, &b);
	return buf_cstr(&b);
}

int main(void)
{
	is_str(keys("CREATE TABLE IF NOT EXISTS `segment_data` (`messageId` VARCHAR(100) NOT NULL, "
	            "`timestamp` DATETIME(6) NOT NULL, `properties` JSON, SHARD KEY (`messageId`), "
	            "UNIQUE KEY (`messageId`) USING HASH, SORT KEY (`timestamp`))"),
	       "messageId,messageId", "segment_data layout: shard and unique key");
	is_str(keys("CREATE TABLE t (id INT PRIMARY KEY, a TEXT)"), "id", "inline primary key");
	is_str(keys("create table t (id int not null unique, a varchar(10) default 'x,PRIMARY KEY (a)')"),
	       "id", "inline unique; a string literal is not read");
	is_str(keys("CREATE TABLE t (a INT, b INT, c INT, PRIMARY KEY (a, b(10) DESC), KEY (c))"), "a,b",
	       "composite primary key with prefix length and order; a plain KEY is not unique");
	is_str(keys("CREATE TABLE t (a INT, b INT, CONSTRAINT u1 UNIQUE INDEX ix_b (b))"), "b", "named unique index");
	is_str(keys("CREATE TABLE t (a INT, SHARD KEY ())"), "", "keyless sharding");
	is_str(keys("CREATE TABLE t (`we``ird` INT PRIMARY KEY)"), "we`ird", "backtick doubling undone");
	is_str(keys("CREATE TABLE t (a INT /* PRIMARY KEY (x) */, -- UNIQUE (y)\n b INT)"), "", "comments skipped");
	is_str(keys("ALTER TABLE t ADD COLUMN c INT UNIQUE"), "c", "alter: inline unique");
	is_str(keys("ALTER TABLE t ADD UNIQUE KEY (d)"), "d", "alter: unique key");
	is_str(keys("ALTER TABLE t ADD COLUMN e JSON"), "", "alter: plain column");
	is_str(keys("CREATE TABLE t (`messageId` TEXT NOT NULL, `timestamp` DATETIME(6) NOT NULL, SHARD KEY ())"),
	       "", "Segment's own table: no keys");
	is_str(keys(""), "", "empty text");
	is_str(keys("CREATE TABLE t (a INT PRIMARY"), "", "truncated text");
	is_str(keys("((((((((((((((((((((((((((((a PRIMARY KEY"), "a", "deep parentheses");
	is_str(keys("'unterminated"), "", "unterminated string");
	/* "--" opens a comment only before a space or control character (MariaDB,
	 * lib/sqllex): 1--1 is 1 minus -1, and b's key is still code */
	is_str(keys("CREATE TABLE t (a INT DEFAULT 1--1, b INT PRIMARY KEY)"), "b", "1--1 is no comment");
	is_str(keys("CREATE TABLE t (a INT DEFAULT 'it''s', b INT UNIQUE)"), "b", "doubled quote in a string");
	return done();
}
