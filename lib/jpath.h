/* jpath.h: edits of a JSON object at dotted paths ("context.traits.email"),
 * for the PII controls: drop the member, redact its value to null, or replace
 * it by the hex SHA-256 of a salt and the value. The edited text is built from
 * slices of the original: members off the paths keep their exact bytes
 * (numbers, escapes, key order, whitespace), so only what a rule names changes.
 *
 * Path syntax: keys separated by '.', with "\." for a dot inside a key and
 * "\\" for a backslash. Keys are compared with the decoded JSON key, so
 * "em\u0061il" in the data matches the path segment "email". Where a path meets
 * an array before its last key, the rest of the path applies to every element
 * (and to the elements of nested arrays). A key that appears twice in an object
 * is edited in every place. A path that is missing in a message changes
 * nothing. A rule under a path that another rule drops, redacts or hashes has
 * no effect.
 *
 * Hashing: a string hashes its decoded UTF-8 bytes, so "a@b.com" gets the same
 * hash however it was escaped; numbers, true, false and objects hash their
 * JSON text as it stands; null stays null; an array has each element hashed. */
#ifndef SEG_JPATH_H
#define SEG_JPATH_H
#include <stddef.h>

#include "buf.h"
#include "json.h"

enum jpath_op { JPATH_DROP = 1, JPATH_REDACT, JPATH_HASH };

/* The deepest nesting of arrays (and of path steps) an edit walks through;
 * deeper data makes jpath_apply fail instead of recursing without bound. */
#define JPATH_MAX_NEST 256

struct jpath_node;
struct jpath {
	struct jpath_node *root;
	char *salt;
	size_t salt_len;
	size_t nrules;
};

void jpath_init(struct jpath *jp);
/* jpath_add: add one rule. Returns 0, or -1 with why set (an empty key, a
 * dangling backslash, the same path given twice). */
int jpath_add(struct jpath *jp, const char *path, enum jpath_op op, const char **why);
/* jpath_set_salt: the bytes put before each hashed value (copied). */
void jpath_set_salt(struct jpath *jp, const void *salt, size_t n);
/* jpath_has_op: is any rule of this kind present (e.g. to require a salt)? */
int jpath_has_op(const struct jpath *jp, enum jpath_op op);

/* jpath_apply: apply the rules to the JSON text p[0..n), which must be valid
 * (json_parse accepted it) and an object. top may be the index json_parse
 * made of p's top-level members (saves a pass), or NULL. Returns the number of
 * edits made: 0 leaves out untouched (use the original), more than 0 means
 * out holds the whole edited text (reset first) and, when newtop is not NULL
 * (and not top), newtop indexes the edited text's top-level members as
 * json_parse would, without another pass. -1 when the data nests arrays
 * deeper than JPATH_MAX_NEST along a path. */
long jpath_apply(const struct jpath *jp, const char *p, size_t n,
                 const struct json_members *top, struct buf *out, struct json_members *newtop);

void jpath_free(struct jpath *jp);
#endif
