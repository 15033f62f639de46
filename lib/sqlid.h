/* sqlid.h: SQL identifiers (table and column names) that the toolkit puts
 * into statement text. Values always travel as placeholders; names cannot,
 * so every name is checked against a strict rule and then backtick-quoted.
 *
 * The rule: 1 to 256 bytes (SingleStore's limit since 8.5; MariaDB and older
 * SingleStore stop at 64 and refuse longer names themselves) of ASCII letters, digits, '_' and '$', not digits
 * only (MySQL's and
 * SingleStore's unquoted identifier characters, and what Segment's naming
 * produces). Such a name needs no escaping inside a JSON string either, so
 * statement text built from checked names is JSON-safe as is. */
#ifndef SEG_SQLID_H
#define SEG_SQLID_H
#include <stddef.h>

#include "buf.h"

#define SQLID_MAX 256

/* sqlid_check: NULL when s[0..n) is an acceptable identifier, else a short
 * reason ("empty", "longer than 256 bytes", "character 0x27 not allowed"),
 * written into why (at least 64 bytes) and returned. */
const char *sqlid_check(const char *s, size_t n, char *why, size_t whylen);
/* sqlid_valid: the same as a yes/no answer. */
int sqlid_valid(const char *s, size_t n);
/* sqlid_quote: append `s` with any backtick doubled (MySQL's quoting), so it
 * is safe even for a name that sqlid_check would refuse. */
void sqlid_quote(struct buf *out, const char *s, size_t n);
#endif
