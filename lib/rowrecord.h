/* rowrecord.h: the row and DDL records of design.md (records 3 and 4).
 * Identifiers are checked and quoted by sqlid.h.
 *   row: {"_table":"t","_row":{"col1":value,"col2":value,...}}  (columns in a
 *        fixed order; inside "_row" every key is a column, "_9mega" too)
 *   DDL: {"_table":"t","_ddl":"CREATE TABLE IF NOT EXISTS `t` (...)"}
 * A row writer precomputes the record's fixed parts (the table prefix and each
 * ',"col":') once, so writing a row is a run of appends. Values are handed in
 * as JSON text and copied as they are. */
#ifndef SEG_ROWRECORD_H
#define SEG_ROWRECORD_H
#include <stddef.h>

#include "buf.h"

struct rowfmt {
	char *table;
	struct buf head;             /* {"_table":"t","_row":{ */
	char **colkey;               /* ,"col": per column ("col": for the first) */
	size_t *colkeylen;
	size_t ncols;
};

/* rowfmt_init: the record layout for table with columns names[0..n). */
void rowfmt_init(struct rowfmt *f, const char *table, const char *const *names, size_t n);
void rowfmt_free(struct rowfmt *f);

/* row_begin: start a row record in out (appends; out is not reset). */
void row_begin(const struct rowfmt *f, struct buf *out);
/* row_json: column i carries (columns are written in order, the first first) the JSON text p[0..n) as it is. */
void row_json(const struct rowfmt *f, struct buf *out, size_t i, const char *p, size_t n);
/* row_null: column i is null. */
void row_null(const struct rowfmt *f, struct buf *out, size_t i);
/* row_end: close the record (no newline). */
void row_end(struct buf *out);

/* ddl_record: append {"_table":table,"_ddl":sql} (no newline). */
void ddl_record(struct buf *out, const char *table, const char *sql);
#endif
