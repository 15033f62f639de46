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
#include "json.h"

/* Where the row being written put its values, for rowfmt_members. */
struct rowpos {
	size_t start, n;             /* the record's offset in out; columns written */
	size_t *voff, *vlen;         /* per column: its value's offset and length */
	int bad;                     /* a column was written out of order */
};

struct rowfmt {
	char *table;
	struct buf head;             /* {"_table":"t","_row":{ */
	char **colkey;               /* ,"col": per column ("col": for the first) */
	size_t *colkeylen;
	size_t ncols;
	size_t tlen;                 /* length of the table name's JSON string */
	struct rowpos *pos;
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

/* rowfmt_members: after row_end, the members of the row record just
 * written into out: its top-level ones (_table, _row) into top and the
 * columns of its "_row" object into row, as slices of out (valid until out
 * changes), from where the values were put, not by reading the text again.
 * 0, or -1 when the row was not written column by column in order. */
int rowfmt_members(const struct rowfmt *f, const struct buf *out, struct json_members *top,
                   struct json_members *row);

/* ddl_record: append {"_table":table,"_ddl":sql} (no newline). */
void ddl_record(struct buf *out, const char *table, const char *sql);
#endif
