/* sqlinsert.h: the one statement shape the toolkit loads with, a multi-row
 *   INSERT INTO `t` (`c1`, `c2`) VALUES (?, ?), (?, ?)[ ON DUPLICATE KEY
 *   UPDATE `c2` = VALUES(`c2`)]
 * and the Data API body that carries it, {"sql":"...","args":[...]}.
 * Exact byte lengths come from formulas, so seg-batch decides whether one
 * more row fits without building the text, and writes each body as its head
 * (sqlinsert_body_head) followed by the args text it packed and
 * SQLINS_BODY_TAIL. s2-load asks only whether a statement must commit in
 * input order (sqlinsert_latest_wins). Names must have passed sqlid_check:
 * the text is then JSON-safe and goes into the "sql" string without
 * escaping. */
#ifndef SEG_SQLINSERT_H
#define SEG_SQLINSERT_H
#include <stddef.h>

#include "buf.h"

enum sqlinsert_mode {
	SQLINS_IGNORE,   /* duplicate keys absorbed, every other row error fails the
	                    statement: ON DUPLICATE KEY UPDATE `c` = `c` (a no-op)
	                    on the last non-key column. Not INSERT IGNORE, which
	                    turns every row error into a warning and drops the row */
	SQLINS_UPDATE,   /* ON DUPLICATE KEY UPDATE of the non-key columns */
	SQLINS_ERROR     /* plain INSERT: a duplicate key fails the statement */
};

/* The statement minus its tuples: the text before and after them. */
struct sqlinsert {
	struct buf prefix;   /* "INSERT INTO `t` (`a`, `b`) VALUES " */
	struct buf suffix;   /* "" or " ON DUPLICATE KEY UPDATE ..." */
	size_t ncols;
};

/* The fixed bytes of a body: {"sql":" + "," args ":[ + ]} */
#define SQLINS_BODY_HEAD "{\"sql\":\""
#define SQLINS_BODY_MID "\",\"args\":["
#define SQLINS_BODY_TAIL "]}"
#define SQLINS_BODY_OVERHEAD 20

/* sqlinsert_build: the statement for table and cols[0..ncols) (lengths in
 * lens). is_key (may be NULL) marks key columns, which an UPDATE leaves
 * alone; when every column is a key, SQLINS_UPDATE falls back to IGNORE
 * (whose no-op then names the last column: SingleStore may refuse it, which
 * fails loudly rather than dropping rows). */
void sqlinsert_build(struct sqlinsert *s, enum sqlinsert_mode mode,
                     const char *table, size_t tlen,
                     const char *const *cols, const size_t *lens, size_t ncols,
                     const unsigned char *is_key);
/* sqlinsert_build_newest: the statement of a "newest wins" table: on a
 * duplicate key every non-key column takes the new row's value only when the
 * new row's column ts (an index into cols) is at least the stored one:
 *   ON DUPLICATE KEY UPDATE `c` = IF(VALUES(`ts`) >= `ts`, VALUES(`c`), `c`), ...,
 *   `ts` = IF(VALUES(`ts`) >= `ts`, VALUES(`ts`), `ts`)
 * ts comes last, as MySQL and SingleStore assign left to right and later
 * terms see the new value. Whole rows replace whole rows, so the end state
 * is the same in any load order (ties: the later load wins). */
void sqlinsert_build_newest(struct sqlinsert *s, const char *table, size_t tlen,
                            const char *const *cols, const size_t *lens, size_t ncols,
                            const unsigned char *is_key, size_t ts);
/* sqlinsert_build_seen: the statement of a "first and last seen" table: on a
 * duplicate key only column least (an index into cols, or SIZE_MAX) takes
 * LEAST(old, new) and column greatest GREATEST(old, new); the other
 * columns keep their stored values. The end state is the same in any load
 * order. */
void sqlinsert_build_seen(struct sqlinsert *s, const char *table, size_t tlen,
                          const char *const *cols, const size_t *lens, size_t ncols,
                          const unsigned char *is_key, size_t least, size_t greatest);
/* sqlinsert_body_len: bytes of the body with rows rows whose comma-separated
 * args text is argslen bytes long. */
size_t sqlinsert_body_len(const struct sqlinsert *s, size_t rows, size_t argslen);
/* sqlinsert_body_head: append the body up to its args text:
 * {"sql":"<statement>","args":[ -- the args text and SQLINS_BODY_TAIL follow. */
void sqlinsert_body_head(const struct sqlinsert *s, size_t rows, struct buf *out);
void sqlinsert_free(struct sqlinsert *s);

/* sqlinsert_latest_wins: 1 when the statement sql[0..n) changes rows that
 * are already there (an ON DUPLICATE KEY UPDATE that is not only the no-op
 * self-assignments of SQLINS_IGNORE), so that statements touching the same
 * keys must commit in input order; 0 for plain and absorbing inserts. */
int sqlinsert_latest_wins(const char *sql, size_t n);

/* sqlinsert_mode_parse: "ignore", "update", "error"; -1 if none of them. */
int sqlinsert_mode_parse(const char *name, enum sqlinsert_mode *mode);
#endif
