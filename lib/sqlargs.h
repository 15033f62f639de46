/* sqlargs.h: binding the "args" of a Data API request into its SQL text.
 *
 * The method is client-side substitution, as the Go MySQL driver does with
 * interpolateParams: every '?' that is code (not inside a string literal, a
 * quoted identifier or a comment, see sqllex.h) is replaced by a SQL literal
 * built from the matching JSON arg:
 *   string          'text', escaped by the caller's escape function
 *                   (mysql_real_escape_string for the connection's charset)
 *   number          the JSON number as written (a valid SQL numeric literal)
 *   true / false    1 / 0
 *   null            NULL
 *   object, array   the JSON text, byte for byte, as an escaped string
 * The number of placeholders must equal the number of args exactly. Nothing
 * is sent to the server as a parameter, so there is no 65 535-parameter
 * limit: the only limit is the server's max_allowed_packet. */
#ifndef SEG_SQLARGS_H
#define SEG_SQLARGS_H
#include <stddef.h>

#include "buf.h"
#include "json.h"

/* Escapes from[0..n) into to (room for 2n+1 bytes) without quotes; returns
 * the length written. */
typedef size_t (*sql_escape_fn)(void *ctx, char *to, const char *from, size_t n);

/* sql_bind: append sql[0..n) to out with its placeholders replaced by the
 * literals of args, a JSON array slice of text json_parse accepted (type
 * JSON_NONE or JSON_NULL means no args). On a count mismatch returns -1 and
 * writes Go's database/sql message "sql: expected N arguments, got M" into
 * err; out is then unspecified. Returns 0 on success. */
int sql_bind(struct buf *out, const char *sql, size_t n, struct json_slice args,
             sql_escape_fn esc, void *ctx, char *err, size_t errsz);

/* sql_placeholders: the number of '?' placeholders in sql[0..n) that are
 * code (see sqllex.h). */
size_t sql_placeholders(const char *sql, size_t n);

/* sql_args_match: 0 when args (as for sql_bind) holds exactly want values
 * (the placeholders of a statement); else -1 with sql_bind's message in err.
 * idx: the body's member index, whose sub index may be args's elements
 * (json_count), or NULL. */
int sql_args_match(size_t want, struct json_slice args, const struct json_members *idx, char *err,
                   size_t errsz);

/* sql_escape_plain: a sql_escape_fn for utf8/utf8mb4 connections without
 * NO_BACKSLASH_ESCAPES, escaping what mysql_real_escape_string escapes there
 * (NUL, \n, \r, \\, ', ", ^Z). For tests and for callers without a
 * connection; ctx is unused. */
size_t sql_escape_plain(void *ctx, char *to, const char *from, size_t n);
#endif
