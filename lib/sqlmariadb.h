/* sqlmariadb.h: SingleStore-only DDL rewritten so MariaDB accepts it, for
 * s2-gateway. Only CREATE TABLE and ALTER TABLE statements are looked at,
 * and in them only these clauses (outside strings, identifiers, comments):
 *   SHARD KEY [name] (...)      a table element: removed, with its comma
 *   SORT KEY [name] (...)       a table element: removed, with its comma
 *   AUTOSTATS_xxx [=] value     a table option: removed
 *   SQL_MODE [=] value          a table option: removed
 *   USING HASH                  after a key: removed, so MariaDB builds an
 *                               ordinary B-tree unique index. MariaDB would
 *                               accept it, but its hash-based "long unique"
 *                               keys deadlock under parallel INSERT IGNORE
 *                               (seen in s2-load's benchmark at -j 4 and 8),
 *                               where SingleStore's unique hash index does not;
 *                               uniqueness is the same either way. Everything else passes through byte for byte. The list is repeated in s2-gateway(1). */
#ifndef SEG_SQLMARIADB_H
#define SEG_SQLMARIADB_H
#include <stddef.h>

#include "buf.h"

/* sqlmariadb_translate: when sql[0..n) contains one of the clauses above, append
 * the rewritten statement to out and return 1; otherwise return 0 and leave
 * out alone (the statement is to be used unchanged). */
int sqlmariadb_translate(const char *sql, size_t n, struct buf *out);
#endif
