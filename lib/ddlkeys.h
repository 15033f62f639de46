/* ddlkeys.h: which columns of a table belong to a key, read from the DDL
 * text that passes through the pipeline (CREATE TABLE, ALTER TABLE ... ADD).
 * An ON DUPLICATE KEY UPDATE must leave those columns alone: SingleStore
 * refuses to update unique-key and shard-key columns of a columnstore table.
 *
 * Not a SQL parser: the tokens of lib/sqllex (names, backtick names, strings,
 * comments, parentheses) and the few patterns that declare keys:
 *   PRIMARY KEY (a, b)   UNIQUE [KEY|INDEX] [name] (a)   SHARD KEY [name] (a)
 *   a TYPE ... PRIMARY KEY   a TYPE ... UNIQUE [KEY]   (inline, on a column)
 * Prefix lengths (a(10)), ASC/DESC and USING clauses are skipped. */
#ifndef SEG_DDLKEYS_H
#define SEG_DDLKEYS_H
#include <stddef.h>

/* ddlkeys_fn: called once per key column found (a name may repeat); name is
 * unquoted (doubled backticks undone into scratch space valid for the call). */
typedef void (*ddlkeys_fn)(void *ctx, const char *name, size_t len);

/* ddlkeys_scan: report the key columns the DDL text sql[0..n) declares.
 * Returns how many were reported. */
size_t ddlkeys_scan(const char *sql, size_t n, ddlkeys_fn fn, void *ctx);
#endif
