/* json.h: the strict, zero-copy JSON core of segpipe.
 *
 * json_parse() checks one JSON text against RFC 8259 exactly (UTF-8 validity,
 * the number grammar, escapes and surrogate pairs, no raw control characters,
 * nothing after the value) with an explicit stack, so nesting depth is limited
 * by a number, never by the C stack. Values are handed out as slices of the
 * input: whatever a program does not change is re-emitted byte for byte.
 *
 * The other readers (json_value, json_iter, json_get) assume text that
 * json_parse accepted; on other input they stop safely (never read past the
 * end) but their answers are unspecified. */
#ifndef SEG_JSON_H
#define SEG_JSON_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define JSON_DEPTH_DEFAULT 512
/* depth json_parse keeps on the C stack; deeper limits allocate. Covers the
 * default plus the levels records wrap a message in (lib/seglimits.h). */
#define JSON_DEPTH_STACK (JSON_DEPTH_DEFAULT + 16)

enum json_type {
	JSON_NONE = 0, JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_NUMBER,
	JSON_TRUE, JSON_FALSE, JSON_NULL
};

/* A value or key inside a text: for strings p..p+n includes the quotes. */
struct json_slice {
	const char *p;
	size_t n;
	enum json_type type;
};

enum json_errcode { JSON_OK = 0, JSON_E_SYNTAX, JSON_E_UTF8, JSON_E_DEPTH };

struct json_error {
	enum json_errcode code;
	size_t offset;           /* byte offset of the fault in the text */
	char msg[128];           /* "expected ':' after object key, found 'x'" */
};

/* The members of a top-level object, filled by json_parse when asked.
 * With sub_key set (a key's raw text, without quotes), json_parse also
 * indexes the members of the object value (or the elements of the array
 * value, with an empty key of type JSON_NONE) of the last top-level member
 * whose raw key is exactly sub_key into sub[0..nsub), and points sub_at at
 * that value's '{' or '[' (NULL when there is none). A reader must check
 * that sub_at is the value it looks at (json_members_get may find a later,
 * escaped duplicate of the key, or a value that is neither). */
struct json_member {
	struct json_slice key, val;
};
struct json_members {
	struct json_member *m;
	size_t n, cap;
	const char *sub_key;
	const char *sub_at;
	struct json_member *sub;
	size_t nsub, subcap;
};

/* json_parse: validate p[0..n) as one JSON text. max_depth 0 means the
 * default. When members is not NULL and the value is an object, its top-level
 * members are recorded (reset first). Returns 0, or -1 with err filled. */
int json_parse(const char *p, size_t n, int max_depth,
               struct json_members *members, struct json_error *err);

/* json_type_at: the type of the value starting at p (no whitespace). */
enum json_type json_type_at(const char *p, const char *end);
/* json_value: the slice of the valid value starting at p. */
struct json_slice json_value(const char *p, const char *end);

/* Iteration over an object's or array's members of valid text. */
struct json_iter {
	const char *p, *end;
	int first, is_object;
};
/* json_iter_init: v must be an object or array slice. */
void json_iter_init(struct json_iter *it, struct json_slice v);
/* json_iter_next: next member; key is left untouched for arrays.
 * Returns 1, or 0 at the end. */
int json_iter_next(struct json_iter *it, struct json_slice *key, struct json_slice *val);

/* json_key_eq: does the string slice s decode to name (NUL-terminated)?
 * Inline, it answers most "no"s from the first byte (lookups walk past many
 * keys); json_key_eq_decoded answers the rest. */
int json_key_eq_decoded(struct json_slice s, const char *name);
static inline int json_key_eq(struct json_slice s, const char *name)
{
	if (s.type != JSON_STRING || s.n < 2)
		return 0;
	if (s.n == 2)
		return name[0] == '\0';
	if (s.p[1] != name[0] && s.p[1] != '\\')   /* a raw byte decodes to itself */
		return 0;
	return json_key_eq_decoded(s, name);
}
/* json_get: the member called name of object obj; with duplicate keys the
 * last one wins, as in JavaScript's JSON.parse. Returns 1 if found. */
int json_get(struct json_slice obj, const char *name, struct json_slice *val);
/* json_members_get: the same over an index made by json_parse. */
int json_members_get(const struct json_members *m, const char *name, struct json_slice *val);
/* json_members_sub_get: the member called name of the object value obj,
 * from m's sub index when sub_at is obj's, else by json_get. */
int json_members_sub_get(const struct json_members *m, struct json_slice obj, const char *name,
                         struct json_slice *val);
/* json_count: how many members the object, or elements the array, v has
 * (0 for any other value): from m's sub index when it is v's (m may be
 * NULL), else by skipping them. */
size_t json_count(const struct json_members *m, struct json_slice v);
/* json_members_take: dst takes src's index and sub index (the same slices,
 * not copied: the arrays are swapped); src is left empty, holding dst's
 * former arrays as its room. Each keeps its own sub_key. */
void json_members_take(struct json_members *dst, struct json_members *src);
void json_members_free(struct json_members *m);

/* json_str_has_escape: does a string slice contain a backslash? */
int json_str_has_escape(struct json_slice s);
/* json_str_decode: append the decoded UTF-8 of a valid string slice to out. */
void json_str_decode(struct json_slice s, struct buf *out);

/* json_raw_utf8: append the valid JSON text p[0..n) to out with every
 * escaped surrogate pair (\ud83d\ude00) written as the raw UTF-8 of its
 * character; everything else byte for byte. SingleStore stores an escaped
 * pair in a JSON column corrupted, raw UTF-8 intact. */
void json_raw_utf8(const char *p, size_t n, struct buf *out);
/* json_has_surrogate_escape: might p[0..n) hold an escaped surrogate
 * (\uD800-\uDFFF)? A cheap test: yes may be wrong, no is not. */
int json_has_surrogate_escape(const char *p, size_t n);

/* json_write_str: append s[0..n) as a JSON string with quotes, escaping '"',
 * '\\' and control characters. Bytes that are not valid UTF-8 become U+FFFD,
 * so the output is always valid JSON. */
void json_write_str(struct buf *out, const char *s, size_t n);

/* json_write_compact: append the valid JSON value v without the whitespace
 * between its tokens (strings are copied as they are). */
void json_write_compact(struct buf *out, struct json_slice v);

/* utf8_valid: is p[0..n) valid UTF-8 (no overlongs, surrogates, > U+10FFFF)? */
int utf8_valid(const char *p, size_t n);
/* utf8_prefix_len: length of the longest valid UTF-8 prefix of p[0..n). */
size_t utf8_prefix_len(const char *p, size_t n);

/* base64_encode: append the base64 of p[0..n) (RFC 4648, with padding). */
void base64_encode(struct buf *out, const void *p, size_t n);
#endif
