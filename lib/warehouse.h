/* warehouse.h: seg-flatten's warehouse layout, Segment's warehouse schema
 * with schema evolution. A message becomes rows of several tables:
 *
 *   tracks            every track call (standard columns and context_*)
 *   <event>           one table per track event name, properties as columns
 *   identifies        identify calls, traits as columns
 *   users             one row per user id, the newest identify's traits
 *   pages, screens    page and screen calls, name and properties as columns
 *   groups            group calls, traits as columns
 *   accounts          one row per group id, the newest group call's traits
 *   aliases           alias calls (previous_id)
 *   discards          values that did not fit their column, and names taken
 *
 * Names follow lib/whname. Nested objects flatten with '_'; arrays go to
 * JSON columns. A column is created (ALTER TABLE ... ADD COLUMN record
 * before the first row that needs it) when its first non-null value arrives,
 * with the type of that value: BOOLEAN, BIGINT, DOUBLE, DATETIME(6) for an
 * ISO-8601 string, TEXT, JSON for an array. A later value that does not fit
 * the column's type is NULL in the row and goes, as its JSON text, to
 * discards (table, column, id, value, received type, reason). A name that
 * is already taken in the row (a standard column, or an earlier key that
 * maps to the same name) is kept by the first; the later value goes to
 * discards too. Rows carry every known column of their table, in order.
 *
 * The known schema (tables, columns, types) can be read from and written to
 * a state file, so that later runs and other pipelines agree on it. */
#ifndef SEG_WAREHOUSE_H
#define SEG_WAREHOUSE_H
#include <stddef.h>

#include "buf.h"
#include "json.h"

struct warehouse;

/* The records of one message go out through this, in order: DDL records
 * (is_ddl 1) before the rows that need them. */
typedef void (*warehouse_emit_fn)(void *ctx, const char *rec, size_t n, int is_ddl, int is_discard);

/* warehouse_new: prefix ("" for none) goes before every table name as
 * "prefix_"; names are cut to max_name bytes. */
struct warehouse *warehouse_new(const char *prefix, size_t max_name);
void warehouse_free(struct warehouse *w);

/* warehouse_load: read a state file written by warehouse_save; 0, or -1
 * with why filled (a missing file is -1 with errno ENOENT). */
int warehouse_load(struct warehouse *w, const char *path, char *why, size_t wn);
/* warehouse_merge: warehouse_load into a schema that may already know
 * some of the file's tables and columns: a column known to either is
 * known; one known with another type keeps the type w had, and fn (if not
 * NULL) is told: table, column, the type kept, the type dropped. */
typedef void (*warehouse_conflict_fn)(void *ctx, const char *table, const char *column,
                                      const char *kept, const char *dropped);
int warehouse_merge(struct warehouse *w, const char *path, warehouse_conflict_fn fn, void *ctx,
                    char *why, size_t wn);
/* warehouse_save: write the known schema to path (a temp file, fsync,
 * rename); 0 or -1 with errno set. */
int warehouse_save(const struct warehouse *w, const char *path);

/* warehouse_message: map one message (valid JSON text msg[0..n), members
 * indexed in m). NULL on success, the records emitted; otherwise the reject
 * reason with detail filled and nothing emitted, the schema unchanged. */
const char *warehouse_message(struct warehouse *w, const char *msg, size_t n,
                              const struct json_members *m, warehouse_emit_fn emit, void *ctx,
                              char *detail, size_t dn);

/* warehouse_timestamp: Segment's timestamp of a message, receivedAt -
 * (sentAt - originalTimestamp) when all three are ISO-8601 times (and the
 * result is in DATETIME's range), else the first present of timestamp,
 * originalTimestamp, sentAt, receivedAt; as quoted DATETIME(6) text in out.
 * NULL, or a reject reason (missing_timestamp, bad_timestamp) with detail
 * filled. key is scratch space. */
struct segmsg;
const char *warehouse_timestamp(const struct segmsg *f, struct buf *key, char out[29], char *detail, size_t dn);

/* warehouse_print_ddl: the CREATE TABLE text of the fixed tables (their
 * standard columns), each followed by ";\n". */
void warehouse_print_ddl(struct warehouse *w, struct buf *out);
#endif
