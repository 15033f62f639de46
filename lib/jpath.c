/* jpath.c: dotted-path edits of JSON objects (see jpath.h). The rules form a
 * small trie of keys; an edit walks only the members the trie names and copies
 * everything between edits as runs of original bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "jpath.h"

struct jpath_node {
	char *key;
	size_t klen;
	enum jpath_op op;            /* 0: an inner node */
	struct jpath_node **kids;
	size_t nkids;
};

void jpath_init(struct jpath *jp)
{
	memset(jp, 0, sizeof *jp);
}

static struct jpath_node *kid_find(const struct jpath_node *n, const char *k, size_t klen)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (n->kids[i]->klen == klen && memcmp(n->kids[i]->key, k, klen) == 0)
			return n->kids[i];
	return NULL;
}

static struct jpath_node *kid_add(struct jpath_node *n, const char *k, size_t klen)
{
	struct jpath_node *c = kid_find(n, k, klen);
	if (c)
		return c;
	c = xcalloc(1, sizeof *c);
	c->key = xmalloc(klen + 1);
	memcpy(c->key, k, klen);
	c->key[klen] = '\0';
	c->klen = klen;
	n->kids = xrealloc(n->kids, (n->nkids + 1) * sizeof *n->kids);
	n->kids[n->nkids++] = c;
	return c;
}

/* jpath_add splits the path into keys (undoing "\." and "\\") and walks or
 * grows the trie; the last key's node carries the operation. */
int jpath_add(struct jpath *jp, const char *path, enum jpath_op op, const char **why)
{
	struct buf key = BUF_INIT;
	const char *s = path;
	int rc = -1;
	if (!jp->root)
		jp->root = xcalloc(1, sizeof *jp->root);
	struct jpath_node *n = jp->root;
	for (;;) {
		buf_reset(&key);
		while (*s && *s != '.') {
			if (*s == '\\') {
				if (s[1] != '.' && s[1] != '\\') {
					*why = "a backslash in a path must be followed by '.' or '\\'";
					goto out;
				}
				s++;
			}
			buf_addc(&key, *s++);
		}
		if (key.len == 0) {
			*why = "empty key in path (leading, trailing or doubled '.')";
			goto out;
		}
		n = kid_add(n, key.p, key.len);
		if (!*s)
			break;
		s++;
	}
	if (n->op) {
		*why = "the same path is given twice";
		goto out;
	}
	n->op = op;
	jp->nrules++;
	rc = 0;
out:
	buf_free(&key);
	return rc;
}

void jpath_set_salt(struct jpath *jp, const void *salt, size_t n)
{
	free(jp->salt);
	jp->salt = xmalloc(n + 1);
	memcpy(jp->salt, salt, n);
	jp->salt_len = n;
}

static int has_op(const struct jpath_node *n, enum jpath_op op)
{
	if (n->op == op)
		return 1;
	for (size_t i = 0; i < n->nkids; i++)
		if (has_op(n->kids[i], op))
			return 1;
	return 0;
}

int jpath_has_op(const struct jpath *jp, enum jpath_op op)
{
	return jp->root && has_op(jp->root, op);
}

/* The state of one jpath_apply: where output goes, and the start of the
 * original bytes not yet copied out (the "run"). */
struct ed {
	const struct jpath *jp;
	struct buf *out;
	struct buf key;              /* scratch for decoding escaped keys */
	const char *run;
	long edits;
	int depth, failed;
	struct json_members *nidx;   /* the edited text's top-level members, or NULL */
};

/* out_at: where the original byte x (in the pending run) lands in out. */
static size_t out_at(const struct ed *e, const char *x)
{
	return e->out->len + (size_t)(x - e->run);
}

/* note_member: record a kept top-level member of the edited text. Offsets
 * into out are kept in the slices until jpath_apply turns them into pointers
 * (out may move while it grows). */
static void note_member(struct ed *e, size_t koff, size_t kn, size_t voff, size_t vn)
{
	struct json_members *m = e->nidx;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 32;
		m->m = xrealloc(m->m, m->cap * sizeof *m->m);
	}
	struct json_member *mm = &m->m[m->n++];
	mm->key = (struct json_slice){ (const char *)(uintptr_t)koff, kn, JSON_STRING };
	mm->val = (struct json_slice){ (const char *)(uintptr_t)voff, vn, JSON_NONE };
}

/* flush: copy the pending run of original bytes up to 'to'. */
static void flush(struct ed *e, const char *to)
{
	if (e->run && to > e->run)
		buf_add(e->out, e->run, (size_t)(to - e->run));
	e->run = to;
}

/* match: the trie child named by the JSON key slice k, if any. */
static const struct jpath_node *match(struct ed *e, const struct jpath_node *n, struct json_slice k)
{
	if (k.n < 2)
		return NULL;
	if (!json_str_has_escape(k))
		return kid_find(n, k.p + 1, k.n - 2);
	buf_reset(&e->key);
	json_str_decode(k, &e->key);
	return kid_find(n, e->key.p ? e->key.p : "", e->key.len);
}

static int enter(struct ed *e)
{
	if (++e->depth > JPATH_MAX_NEST) {
		e->failed = 1;
		return 0;
	}
	return 1;
}

/* put_hash: the hash of one value, as jpath.h describes, written in place
 * of v (the run is flushed up to v by the caller). */
static void put_hash(struct ed *e, struct json_slice v)
{
	unsigned char md[32];
	char hex[65];
	if (v.type == JSON_NULL) {
		buf_add(e->out, v.p, v.n);
		return;
	}
	if (v.type == JSON_ARRAY) {
		struct json_iter it;
		struct json_slice el;
		const char *prev;
		if (!enter(e))
			return;
		json_iter_init(&it, v);
		prev = v.p;
		while (!e->failed && json_iter_next(&it, NULL, &el)) {
			buf_add(e->out, prev, (size_t)(el.p - prev));
			put_hash(e, el);
			prev = el.p + el.n;
		}
		buf_add(e->out, prev, (size_t)(v.p + v.n - prev));
		e->depth--;
		return;
	}
	if (v.type == JSON_STRING) {
		buf_reset(&e->key);
		json_str_decode(v, &e->key);
		sha256_2(e->jp->salt ? e->jp->salt : "", e->jp->salt_len, e->key.p ? e->key.p : "",
		         e->key.len, md);
	} else {
		sha256_2(e->jp->salt ? e->jp->salt : "", e->jp->salt_len, v.p, v.n, md);
	}
	hex_encode(md, 32, hex);
	buf_addc(e->out, '"');
	buf_add(e->out, hex, 64);
	buf_addc(e->out, '"');
	e->edits++;
}

static void edit_value(struct ed *e, const struct jpath_node *n, struct json_slice v);

/* edit_object: walk the members of obj, applying n's children. A dropped
 * member takes its preceding comma with it, or, when no member was kept
 * before it, the separator after it, so the object stays valid and the bytes
 * around kept members stay as they were. */
static void edit_object(struct ed *e, const struct jpath_node *n, struct json_slice obj,
                        const struct json_members *index)
{
	struct json_iter it;
	struct json_slice k, v;
	size_t i = 0;
	int kept_any = 0, skipping = 0, top = e->depth == 0 && e->nidx;
	const char *prev_end = obj.p + 1;
	if (!enter(e))
		return;
	if (!index)
		json_iter_init(&it, obj);
	for (;;) {
		if (index) {
			if (i == index->n)
				break;
			k = index->m[i].key;
			v = index->m[i++].val;
		} else if (!json_iter_next(&it, &k, &v)) {
			break;
		}
		const struct jpath_node *c = match(e, n, k);
		if (c && c->op == JPATH_DROP) {
			if (kept_any) {
				flush(e, prev_end);   /* drop ",member" */
			} else if (!skipping) {
				flush(e, k.p);        /* keep "{ ", drop "member," */
				skipping = 1;
			}
			e->run = NULL;
			e->edits++;
		} else {
			if (skipping) {
				e->run = k.p;
				skipping = 0;
			} else if (!e->run) {
				e->run = prev_end;
			}
			kept_any = 1;
			size_t koff = out_at(e, k.p), voff = out_at(e, v.p);
			if (c && c->op == JPATH_REDACT) {
				flush(e, v.p);
				buf_adds(e->out, "null");
				e->run = v.p + v.n;
				e->edits += v.type != JSON_NULL;
			} else if (c && c->op == JPATH_HASH) {
				flush(e, v.p);
				put_hash(e, v);
				e->run = v.p + v.n;
			} else if (c && (v.type == JSON_OBJECT || v.type == JSON_ARRAY)) {
				flush(e, v.p);
				edit_value(e, c, v);
			}
			if (top)
				note_member(e, koff, k.n, voff, out_at(e, v.p + v.n) - voff);
		}
		prev_end = v.p + v.n;
		if (e->failed)
			return;
	}
	if (!e->run)
		e->run = prev_end;
	e->depth--;
}

/* edit_array: the rest of the path applies to each element. */
static void edit_array(struct ed *e, const struct jpath_node *n, struct json_slice arr)
{
	struct json_iter it;
	struct json_slice el;
	if (!enter(e))
		return;
	json_iter_init(&it, arr);
	while (!e->failed && json_iter_next(&it, NULL, &el))
		if (el.type == JSON_OBJECT || el.type == JSON_ARRAY) {
			flush(e, el.p);
			edit_value(e, n, el);
		}
	e->depth--;
}

/* edit_value: v (flushed up to its start) under trie node n; afterwards the
 * run continues at v's end unless an edit moved it. */
static void edit_value(struct ed *e, const struct jpath_node *n, struct json_slice v)
{
	e->run = v.p;
	if (v.type == JSON_OBJECT)
		edit_object(e, n, v, NULL);
	else if (v.type == JSON_ARRAY)
		edit_array(e, n, v);
}

long jpath_apply(const struct jpath *jp, const char *p, size_t n,
                 const struct json_members *top, struct buf *out, struct json_members *newtop)
{
	if (!jp->nrules)
		return 0;
	const char *end = p + n, *s = p;
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++;
	struct json_slice obj = json_value(s, end);
	if (obj.type != JSON_OBJECT)
		return 0;
	struct ed e = { jp, out, BUF_INIT, p, 0, 0, 0, newtop };
	buf_reset(out);
	if (newtop)
		newtop->n = 0;
	edit_object(&e, jp->root, obj, top);
	flush(&e, end);
	buf_free(&e.key);
	if (e.failed)
		return -1;
	for (size_t i = 0; e.edits && newtop && i < newtop->n; i++) {
		struct json_member *mm = &newtop->m[i];
		mm->key.p = out->p + (uintptr_t)mm->key.p;
		mm->val.p = out->p + (uintptr_t)mm->val.p;
		mm->val.type = json_type_at(mm->val.p, out->p + out->len);
	}
	return e.edits;
}

static void node_free(struct jpath_node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n);
}

void jpath_free(struct jpath *jp)
{
	if (jp->root)
		node_free(jp->root);
	free(jp->salt);
	memset(jp, 0, sizeof *jp);
}
