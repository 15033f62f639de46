/* sqllex.h: a lexer for MySQL-dialect SQL text (MariaDB, SingleStore), just
 * enough to tell code from what is not code: string literals ('...' and
 * "..." with backslash escapes and doubled quotes), quoted identifiers
 * (`...`), and comments (-- to end of line, # to end of line, slash-star).
 * The placeholder binder and the DDL translator both walk SQL with it, so a
 * '?' or a keyword inside a string or a comment is never taken for code.
 * Unterminated strings, identifiers and comments run to the end of the text. */
#ifndef SEG_SQLLEX_H
#define SEG_SQLLEX_H
#include <stddef.h>

enum sqltok_type {
	SQLT_END = 0,   /* no more text */
	SQLT_SPACE,     /* white space */
	SQLT_COMMENT,   /* any of the three comment forms */
	SQLT_WORD,      /* keyword, bare identifier or number: [A-Za-z0-9_$] and bytes >= 0x80 */
	SQLT_STRING,    /* '...' or "..." including the quotes */
	SQLT_IDENT,     /* `...` including the backticks */
	SQLT_PUNCT      /* any other single byte, '?' included */
};

struct sqltok {
	enum sqltok_type type;
	size_t off, len;    /* the token is sql[off .. off+len) */
};

/* sqllex_next: the token starting at byte pos of sql[0..n); returns the
 * position after it. At pos >= n the token is SQLT_END. */
size_t sqllex_next(const char *sql, size_t n, size_t pos, struct sqltok *t);

/* sqllex_code: like sqllex_next but skips white space and comments. */
size_t sqllex_code(const char *sql, size_t n, size_t pos, struct sqltok *t);

/* sqltok_is: is t a word equal to kw, ignoring ASCII case? */
int sqltok_is(const char *sql, const struct sqltok *t, const char *kw);

/* sqltok_is_punct: is t the single byte c? */
int sqltok_is_punct(const char *sql, const struct sqltok *t, char c);
#endif
