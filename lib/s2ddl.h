/* s2ddl.h: SingleStore-only DDL rewritten so MariaDB accepts it, for
 * s2-gateway. Only CREATE TABLE and ALTER TABLE statements are looked at,
 * and in them only these clauses (outside strings, identifiers, comments):
 *   SHARD KEY [name] (...)      a table element: removed, with its comma
 *   SORT KEY [name] (...)       a table element: removed, with its comma
 *   AUTOSTATS_xxx [=] value     a table option: removed
 *   SQL_MODE [=] value          a table option: removed
 * "... USING HASH" after a key is kept as it is: MariaDB (10.4 and later)
 * accepts it and, on a UNIQUE key, enforces uniqueness with a hash, which is
 * what SingleStore's unique hash index does. Everything else passes through
 * byte for byte. The list is repeated in s2-gateway(1). */
#ifndef SEG_S2DDL_H
#define SEG_S2DDL_H
#include <stddef.h>

#include "buf.h"

/* s2ddl_translate: when sql[0..n) contains one of the clauses above, append
 * the rewritten statement to out and return 1; otherwise return 0 and leave
 * out alone (the statement is to be used unchanged). */
int s2ddl_translate(const char *sql, size_t n, struct buf *out);
#endif
