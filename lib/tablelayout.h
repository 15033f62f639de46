/* tablelayout.h: the SingleStore table layouts a Segment message can be loaded
 * into, as data: each layout's columns (SQL type, limits, where the value
 * comes from) in two DDL flavours, the CREATE TABLE text, and the mapping of
 * one message to one row record (lib/rowrecord).
 *
 *   segment_data      the columns of Segment's own SingleStore destination
 *   raw               segment_raw_data: the whole message plus a few keys
 *
 * "recommended" DDL makes loads idempotent (messageId is a VARCHAR shard key
 * and unique key, SORT KEY (timestamp)); "compat" is exactly the column set
 * and types of Segment's own table (SHARD KEY (), no unique key), for
 * appending to a table it created. */
#ifndef SEG_TABLELAYOUT_H
#define SEG_TABLELAYOUT_H
#include <stddef.h>

#include "buf.h"
#include "json.h"
#include "rowrecord.h"

enum seg_ddl { SEG_DDL_RECOMMENDED, SEG_DDL_COMPAT };

/* Where a column's value comes from in the message. */
enum seg_src {
	SRC_MESSAGE_ID, SRC_TIMESTAMP, SRC_TYPE, SRC_EVENT, SRC_NAME, SRC_PROPERTIES,
	SRC_USER_ID, SRC_ANONYMOUS_ID, SRC_GROUP_ID, SRC_TRAITS, SRC_CONTEXT, SRC_MESSAGE,
	SRC_RECEIVED_AT, SRC_SENT_AT, SRC_SOURCE_ID
};

/* How a value is carried: text (a JSON string), a DATETIME string, a JSON object. */
enum seg_kind { KIND_TEXT, KIND_DATETIME, KIND_JSON };

struct seg_column {
	const char *name;
	const char *sqltype;         /* "VARCHAR(255)", "TEXT", "DATETIME(6)", "JSON" */
	int not_null;                /* NOT NULL in the DDL */
	int required;                /* a message without it is rejected */
	enum seg_src src;
	enum seg_kind kind;
	size_t max_chars, max_bytes; /* limits of the SQL type; 0 = none */
};

struct tablelayout {
	const char *name;            /* "segment_data", "raw" */
	const char *table;           /* default table name */
	const struct seg_column *cols;
	size_t ncols;
	const char *const *keys;     /* key clauses ("SHARD KEY (`messageId`)"), NULL-terminated */
	struct seg_column own[16];   /* cols, when tablelayout_with added columns */
	const char *source_id;       /* the value of a source_id column */
};

/* tablelayout_get: the layout called name with the given DDL flavour; -1 if
 * there is no such layout. tablelayout_names: "segment_data, raw" for help. */
int tablelayout_get(const char *name, enum seg_ddl ddl, struct tablelayout *out);
const char *tablelayout_names(void);

/* tablelayout_with: add the columns of the comma list (received_at, sent_at,
 * source_id) after the layout's own, in that list's order; source_id's
 * value is source (NULL: the column is null). 0, or -1 with *why set. */
int tablelayout_with(struct tablelayout *l, const char *list, const char *source, const char **why);

/* tablelayout_column_names: the column names in order (n of them, static
 * storage inside l), for rowfmt_init. */
const char *const *tablelayout_column_names(const struct tablelayout *l, size_t *n);

/* tablelayout_ddl: append CREATE TABLE IF NOT EXISTS `table` (...) for l, one
 * column or key per line, no trailing semicolon. */
void tablelayout_ddl(const struct tablelayout *l, const char *table, struct buf *out);

/* tablelayout_row: append the row record of the message text msg[0..n) (a
 * valid JSON object) to out, its top-level members indexed in m. On success
 * NULL; otherwise out is left as it was and the reject reason is returned
 * with detail[0..dn) filled. scratch is working space kept between calls. */
const char *tablelayout_row(const struct tablelayout *l, const struct rowfmt *f,
                          const char *msg, size_t n, const struct json_members *m,
                          struct buf *out, struct buf *scratch, char *detail, size_t dn);
#endif
