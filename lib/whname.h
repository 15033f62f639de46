/* whname.h: table and column names of the warehouse layout, by Segment's
 * rules: segmentio/go-snakecase's snake_case (bytes, ASCII only: other bytes
 * separate words and vanish; a run of capitals and digits is one word, so
 * "HTTPRequest" is "httprequest"; "sampleText" is "sample_text"), then a '_'
 * prefix before a leading digit or a reserved word, then the length limit
 * (SingleStore's 256, or less with --max-name). */
#ifndef SEG_WHNAME_H
#define SEG_WHNAME_H
#include <stddef.h>

#include "buf.h"

/* whname_snake: append go-snakecase's snake_case of s[0..n) to out (maybe
 * nothing, for a name of no ASCII letter or digit). */
void whname_snake(const char *s, size_t n, struct buf *out);

/* whname_reserved: is the lowercase word w[0..n) one of the reserved words
 * that get a '_' prefix? (SQL words of SingleStore and MySQL that a column
 * or table cannot be called unquoted; the list is in seg-flatten(1).) */
int whname_reserved(const char *w, size_t n);

/* whname_finish: the name in out from its start byte on: a '_' prefix before
 * a leading digit or a reserved word, then cut to max bytes. Returns the
 * name's length, 0 when it is empty. */
size_t whname_finish(struct buf *out, size_t start, size_t max);

/* whname: append the finished name of s[0..n) to out; returns its length
 * (0: no name can be made of it). */
size_t whname(const char *s, size_t n, size_t max, struct buf *out);
#endif
