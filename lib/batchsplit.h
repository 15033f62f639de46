/* batchsplit.h: cut a Data API INSERT body in two by rows, for a request
 * that is over the body limit (design.md record 5). A body
 *   {"sql":"INSERT ... VALUES (?, ?), (?, ?), ... [tail]","args":[...],...}
 * becomes two bodies of the same shape holding the first floor(n/2) rows and
 * the rest: the VALUES list is rebuilt from the original row groups, the
 * args are cut at the matching placeholder, placeholders before VALUES or in
 * the tail (ON DUPLICATE KEY UPDATE ...) are given to both halves, and every
 * other member is copied unchanged. Quoted identifiers and string literals
 * are skipped when scanning, so a `?` or `(` inside them is not counted. */
#ifndef SEG_BATCHSPLIT_H
#define SEG_BATCHSPLIT_H
#include <stddef.h>

#include "buf.h"

/* batch_split: fill first and second (appended to) and their row counts.
 * Returns 0, or -1 with why (static text) when the body is not a splittable
 * multi-row INSERT or has a single row. */
int batch_split(const char *body, size_t n, struct buf *first, struct buf *second,
                size_t rows[2], const char **why);

/* batch_rows: the number of row tuples of an INSERT or REPLACE ... VALUES
 * statement sql[0..n) (the rows it would insert); 0 for any other
 * statement (DDL, SELECT, INSERT ... SELECT). */
size_t batch_rows(const char *sql, size_t n);

#endif
