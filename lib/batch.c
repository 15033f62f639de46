/* batch.c: seg-batch's logic (see batch.h): one batch record per request,
 * each body within --max-bytes; DDL records passed through in order. Sizes
 * are computed, not measured: a row's cost is its args text plus its
 * placeholder tuple (lib/sqlinsert), so the packing is exact and each value
 * is copied once into its batch. In a chain, a record an earlier stage wrote
 * is indexed without being validated again (frame_parse). */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "frame.h"
#include "ddlkeys.h"
#include "idhash.h"
#include "sha256.h"
#include "json.h"
#include "seglimits.h"
#include "lineio.h"
#include "progress.h"
#include "reject.h"
#include "sqlid.h"
#include "sqlinsert.h"
#include "stats.h"
#include "batch.h"

/* A name list: names packed in one buffer, located by offsets. */
struct names {
	struct buf text;
	size_t *off, *len;
	size_t n, cap;
};

/* One table: what DDL said about it, its current column list and its open
 * batch (rows > 0). */
struct table {
	struct table *next;      /* hash chain */
	char *name;
	size_t nlen;
	uint64_t hash;
	int upsert;              /* a DDL record said "_upsert": true */
	char *newest;            /* a DDL record said "_newest": "col" */
	char *least, *greatest;  /* ... "_least": "col", "_greatest": "col" */
	struct names keys;       /* key columns named by DDL */
	struct names cols;       /* column list of the open batch */
	unsigned char *is_key;   /* per column of cols */
	struct sqlinsert ins;
	int shape_ok;            /* ins matches cols and the table's mode */
	struct buf args;         /* the open batch's args, comma-separated, from
	                          * args.p + front: in a chain the room before
	                          * them takes the record's envelope and head */
	size_t front;
	size_t rows, nargs;
	int depth;               /* the open batch's record nests at most this deep */
	struct table *oprev, *onext;  /* the list of open batches, oldest first */
};

struct batcher {
	size_t limit, max_rows, max_args, max_open;
	enum sqlinsert_mode mode;
	struct names key_opt;    /* --key columns, for every table */
	struct table **bucket;
	size_t nbucket, ntables, nopen;
	struct table *ohead, *otail;  /* open batches in the order they opened */
	struct table *last;      /* the table of the previous row, a cache */
	struct frame io;           /* options, output, rejects, counters, progress */
	struct json_members mem;
	struct json_members rowmem;  /* the members of a "_row" envelope */
	const struct json_members *cols;  /* the row's columns: rowmem or mem */
	int enveloped;           /* cols is a "_row": no key there is metadata */
	struct names newcols;    /* a row's column list while it is checked */
	struct buf body, rec, scratch;
	struct buf waiting;      /* flush: a row waiting for the next batch, aside */
	struct json_members outmem, bodymem;  /* a handed-on batch record's, as written */
	uint64_t nrows;          /* the per-row counter, kept here for speed */
	const char *input;       /* current input name and line, for rejects */
	const struct line *line;
};

static void usage(void)
{
	printf("usage: seg-batch [options] [FILE...]\n"
	       "Pack row records into Data API request bodies; pass DDL records through in order.\n\n"
	       FRAME_USAGE_OUTPUT("batch and DDL records")
	       FRAME_USAGE_REJECTS
	       "      --max-bytes N          request body limit in bytes (default 1000000)\n"
	       "      --reserve N            bytes of the limit kept for the \"database\" field (default 256)\n"
	       "      --max-rows N           rows per batch (default 1000)\n"
	       "      --max-args N           placeholders per batch (default 65535)\n"
	       "      --max-open-tables N    tables with an open batch before the oldest is sent (default 64)\n"
	       "      --on-duplicate MODE    ignore (duplicate keys absorbed, other row errors fail),\n"
	       "                             update (ON DUPLICATE KEY UPDATE) or error (plain INSERT);\n"
	       "                             default ignore\n"
	       "      --key COL[,COL...]     key columns an update leaves alone, besides those in DDL\n"
	       FRAME_USAGE_LIMITS("input line", "default 513")
	       FRAME_USAGE_COMMON "\n"
	       "Exit status: 0 done, 1 some records rejected, 64 usage, 66 input not found, 74 I/O error.\n");
}

/* names_add: append one name. */
static void names_add(struct names *nm, const char *p, size_t n)
{
	if (nm->n == nm->cap) {
		nm->cap = nm->cap ? nm->cap * 2 : 16;
		nm->off = xrealloc(nm->off, nm->cap * sizeof *nm->off);
		nm->len = xrealloc(nm->len, nm->cap * sizeof *nm->len);
	}
	nm->off[nm->n] = nm->text.len;
	nm->len[nm->n++] = n;
	buf_add(&nm->text, p, n);
}

static void names_reset(struct names *nm)
{
	nm->n = 0;
	buf_reset(&nm->text);
}

/* names_has: is p[0..n) in the list? Column names are compared without
 * regard to ASCII case, as MySQL and SingleStore do. */
static int names_has(const struct names *nm, const char *p, size_t n)
{
	for (size_t i = 0; i < nm->n; i++)
		if (nm->len[i] == n && strncasecmp(nm->text.p + nm->off[i], p, n) == 0)
			return 1;
	return 0;
}

static void names_free(struct names *nm)
{
	buf_free(&nm->text);
	free(nm->off);
	free(nm->len);
	memset(nm, 0, sizeof *nm);
}

/* str_text: the decoded text of a JSON string slice: the raw bytes between
 * the quotes when there is no escape (no copy), else decoded into scratch. */
static void str_text(struct buf *scratch, struct json_slice s, const char **p, size_t *n)
{
	if (!json_str_has_escape(s)) {
		*p = s.p + 1;
		*n = s.n - 2;
		return;
	}
	buf_reset(scratch);
	json_str_decode(s, scratch);
	*p = scratch->p;
	*n = scratch->len;
}

/* is_meta: keys starting with '_' are record fields (_table, _ddl, ...), not
 * columns. An escaped first character is decoded to be sure. */
static int is_meta(struct buf *scratch, struct json_slice key)
{
	if (key.n < 3)
		return 0;
	if (key.p[1] != '\\')
		return key.p[1] == '_';
	const char *p;
	size_t n;
	str_text(scratch, key, &p, &n);
	return n && p[0] == '_';
}

/* skip_key: is this key of the row's column members metadata? Never inside
 * a "_row" envelope, where every key is a column. */
static int skip_key(struct batcher *b, struct json_slice k)
{
	if (b->enveloped)
		return 0;
	return k.p[1] == '_' || (k.p[1] == '\\' && is_meta(&b->scratch, k));
}

static void rehash(struct batcher *b)
{
	size_t nb = b->nbucket ? b->nbucket * 2 : 64;
	struct table **nbk = xcalloc(nb, sizeof *nbk);
	for (size_t i = 0; i < b->nbucket; i++)
		for (struct table *t = b->bucket[i], *next; t; t = next) {
			next = t->next;
			t->next = nbk[t->hash & (nb - 1)];
			nbk[t->hash & (nb - 1)] = t;
		}
	free(b->bucket);
	b->bucket = nbk;
	b->nbucket = nb;
}

/* table_get: the table called name (a JSON string slice), created on first
 * use; NULL when the name is not an acceptable identifier (why filled). */
static struct table *table_get(struct batcher *b, struct json_slice name, char *why, size_t whylen)
{
	const char *p;
	size_t n;
	struct table *t = b->last;
	if (t && name.n == t->nlen + 2 && memcmp(name.p + 1, t->name, t->nlen) == 0)
		return t;
	str_text(&b->scratch, name, &p, &n);
	uint64_t h = fnv1a64(p, n);   /* names are short and few */
	if (b->nbucket)
		for (t = b->bucket[h & (b->nbucket - 1)]; t; t = t->next)
			if (t->hash == h && t->nlen == n && memcmp(t->name, p, n) == 0)
				return b->last = t;
	if (sqlid_check(p, n, why, whylen))
		return NULL;
	if (b->ntables >= b->nbucket)
		rehash(b);
	t = xcalloc(1, sizeof *t);
	t->name = xmalloc(n + 1);
	memcpy(t->name, p, n);
	t->name[n] = '\0';
	t->nlen = n;
	t->hash = h;
	t->next = b->bucket[h & (b->nbucket - 1)];
	b->bucket[h & (b->nbucket - 1)] = t;
	b->ntables++;
	return b->last = t;
}

/* member_set: member i of ms: the key and the value at those offsets of p. */
static void member_set(struct json_members *ms, size_t i, const char *p, size_t k, size_t kn, size_t v, size_t vn,
                       enum json_type type)
{
	if (i >= ms->cap) {
		ms->cap = i + 8;
		ms->m = xrealloc(ms->m, ms->cap * sizeof *ms->m);
	}
	ms->m[i].key = (struct json_slice){ p + k, kn, JSON_STRING };
	ms->m[i].val = (struct json_slice){ p + v, vn, type };
	if (ms->n <= i)
		ms->n = i + 1;
}

/* index_record: the members of the batch record at r whose envelope (up
 * to "body":) is env bytes long and whose body is head bytes then tail
 * bytes of args (ends: where the table's and the rows' values end in the
 * envelope), and its body's members, as hand_on writes them. */
static void index_record(struct batcher *b, const char *r, size_t env, size_t head, size_t tail, const size_t *ends)
{
	size_t tbl = 45, tv = tbl + 8;           /* ,"table": after {"_batch":"<hex>" */
	size_t rows = ends[0] + 1, bytes = ends[1] + 1;   /* their keys, after a comma */
	size_t body = env - 7;                   /* "body": ends the envelope */
	struct json_members *m = &b->outmem, *bm = &b->bodymem;
	m->n = bm->n = 0;
	member_set(m, 0, r, 1, 8, 10, 34, JSON_STRING);
	member_set(m, 1, r, tbl, 7, tv, ends[0] - tv, JSON_STRING);
	member_set(m, 2, r, rows, 6, rows + 7, ends[1] - rows - 7, JSON_NUMBER);
	member_set(m, 3, r, bytes, 7, bytes + 8, body - 1 - bytes - 8, JSON_NUMBER);
	member_set(m, 4, r, body, 6, env, head + tail, JSON_OBJECT);
	const char *q = r + env;
	member_set(bm, 0, q, 1, 5, 7, head - 9 - 7, JSON_STRING);
	member_set(bm, 1, q, head - 8, 6, head - 1, tail, JSON_ARRAY);
}

/* hand_on: in a chain, the batch record whose envelope is b->rec and whose
 * body is head and t's args (tail bytes with the closing ones) to the next
 * stage in one piece, with its members and its body's members as written
 * (lib/frame): {"_batch":"<32 hex>","table":T,"rows":N,"bytes":N,"body":
 * {"sql":S,"args":[..]}}, so that s2-load need not parse it again. The
 * envelope and head go in the room before the args (open_args), so the
 * args are not copied, and s2-load may take the buffer whole (frame_take);
 * when they do not fit there, the record is put together in b->rec. */
static void hand_on(struct batcher *b, struct table *t, const struct buf *head, size_t tail, const size_t *ends)
{
	size_t env = b->rec.len, lead = env + head->len;
	struct buf *in = &t->args;
	const char *r;
	if (lead <= t->front) {
		char *at = t->args.p + t->front - lead;
		memcpy(at, b->rec.p, env);
		memcpy(at + env, head->p, head->len);
		t->args.len = t->front + tail;
		buf_addc(&t->args, '}');
		r = t->args.p + t->front - lead;
	} else {
		in = &b->rec;
		buf_add(&b->rec, head->p, head->len);
		buf_add(&b->rec, t->args.p + t->front, tail);
		buf_addc(&b->rec, '}');
		r = b->rec.p;
	}
	index_record(b, r, env, head->len, tail, ends);
	int extra = t->depth - b->io.depth;
	frame_wrote_held(&b->io, in, r, lead + tail + 1, extra, &b->outmem, r + env, &b->bodymem);
}

/* front_room: the room open_args keeps before t's args in a chain: the
 * envelope and the statement of the largest batch t's shape allows. */
static size_t front_room(const struct batcher *b, const struct table *t)
{
	size_t cols = t->cols.n ? t->cols.n : 1, rows = b->max_args / cols;
	if (rows > b->max_rows)
		rows = b->max_rows;
	size_t head = sqlinsert_body_len(&t->ins, rows ? rows : 1, 0);
	return (head < b->limit ? head : b->limit) + 128 + 6 * t->nlen;
}

/* open_args: t's args buffer, empty for a new batch (with the room before
 * the args in a chain). */
static void open_args(struct batcher *b, struct table *t)
{
	t->front = b->io.next ? front_room(b, t) : 0;
	t->args.len = 0;
	buf_grow(&t->args, t->front);
	t->args.len = t->front;
}

/* flush: send the open batch of t whose args text ends at upto in t->args
 * (the bytes from keep on are a row waiting for the next batch: its first),
 * as one batch record. The body is the statement part (built here)
 * followed by the args part (t->args plus the closing bytes): it is hashed
 * for the id and written in those two pieces, never copied whole. */
static void flush(struct batcher *b, struct table *t, size_t upto, size_t keep)
{
	if (!t->rows)
		return;
	size_t argslen = upto - t->front;
	size_t want = sqlinsert_body_len(&t->ins, t->rows, argslen);
	struct buf *head = &b->body;
	buf_reset(head);
	sqlinsert_body_head(&t->ins, t->rows, head);
	buf_reset(&b->waiting);
	buf_add(&b->waiting, t->args.p + keep, t->args.len - keep);
	t->args.len = upto;
	buf_adds(&t->args, SQLINS_BODY_TAIL);
	size_t tail = argslen + sizeof SQLINS_BODY_TAIL - 1;
	if (head->len + tail != want || want > b->limit)
		die(EX_IOERR, "internal error: batch body of %zu bytes, computed %zu (limit %zu)",
		    head->len + tail, want, b->limit);
	unsigned char md[32];
	char hex[33];
	sha256_2(head->p, head->len, t->args.p + t->front, tail, md);
	hex_encode(md, 16, hex);
	buf_reset(&b->rec);
	buf_adds(&b->rec, "{\"_batch\":\"");
	buf_adds(&b->rec, hex);
	buf_adds(&b->rec, "\",\"table\":");
	json_write_str(&b->rec, t->name, t->nlen);
	size_t ends[2];          /* of the table's and the rows' values */
	ends[0] = b->rec.len;
	buf_printf(&b->rec, ",\"rows\":%zu", t->rows);
	ends[1] = b->rec.len;
	buf_printf(&b->rec, ",\"bytes\":%zu,\"body\":", want);
	if (b->io.next) {
		hand_on(b, t, head, tail, ends);
	} else {
		w_write(&b->io.out, b->rec.p, b->rec.len);
		w_write(&b->io.out, head->p, head->len);
		w_write(&b->io.out, t->args.p + t->front, tail);
		w_write(&b->io.out, "}\n", 2);
	}
	t->args.len = 0;   /* the next batch opens with open_args */
	if (b->waiting.len) {
		open_args(b, t);
		buf_add(&t->args, b->waiting.p, b->waiting.len);
	}
	stats_add(&b->io.st, "batches", 1);
	stats_add(&b->io.st, "out", 1);
	t->rows = t->nargs = 0;
	t->depth = 0;
	*(t->oprev ? &t->oprev->onext : &b->ohead) = t->onext;
	*(t->onext ? &t->onext->oprev : &b->otail) = t->oprev;
	t->oprev = t->onext = NULL;
	b->nopen--;
}

/* flush_table: send t's open batch, all of its rows. */
static void flush_table(struct batcher *b, struct table *t)
{
	flush(b, t, t->args.len, t->args.len);
}

/* flush_oldest: make room for one more open batch by sending the batch
 * opened first; its buffer is released, since that table may not return. */
static void flush_oldest(struct batcher *b)
{
	struct table *old = b->ohead;
	if (!old)
		return;
	flush_table(b, old);
	buf_free(&old->args);
}

/* flush_all: send every open batch, oldest first, at the end of input. */
static void flush_all(struct batcher *b)
{
	while (b->nopen)
		flush_oldest(b);
}

/* key_found: ddlkeys callback, remembering a key column of a table. */
static void key_found(void *ctx, const char *name, size_t len)
{
	struct table *t = ctx;
	if (!names_has(&t->keys, name, len))
		names_add(&t->keys, name, len);
}

/* col_index: the index of the non-key column called name in t's column
 * list, SIZE_MAX when name is NULL or not there. */
static size_t col_index(const struct table *t, const char *const *cols, const char *name)
{
	for (size_t i = 0; name && i < t->cols.n; i++)
		if (t->cols.len[i] == strlen(name) && !t->is_key[i] && strncasecmp(cols[i], name, t->cols.len[i]) == 0)
			return i;
	return SIZE_MAX;
}

/* shape: rebuild t's statement text for its column list and mode. */
static void shape(struct batcher *b, struct table *t)
{
	const char **cols = xmalloc((t->cols.n ? t->cols.n : 1) * sizeof *cols);
	t->is_key = xrealloc(t->is_key, t->cols.n ? t->cols.n : 1);
	for (size_t i = 0; i < t->cols.n; i++) {
		const char *c = t->cols.text.p + t->cols.off[i];
		cols[i] = c;
		t->is_key[i] = names_has(&t->keys, c, t->cols.len[i]) || names_has(&b->key_opt, c, t->cols.len[i]);
	}
	enum sqlinsert_mode mode = t->upsert ? SQLINS_UPDATE : b->mode;
	size_t ts = col_index(t, cols, t->newest), lo = col_index(t, cols, t->least),
	       hi = col_index(t, cols, t->greatest);
	if (lo != SIZE_MAX || hi != SIZE_MAX)
		sqlinsert_build_seen(&t->ins, t->name, t->nlen, cols, t->cols.len, t->cols.n, t->is_key, lo, hi);
	else if (ts != SIZE_MAX)
		sqlinsert_build_newest(&t->ins, t->name, t->nlen, cols, t->cols.len, t->cols.n, t->is_key, ts);
	else
		sqlinsert_build(&t->ins, mode, t->name, t->nlen, cols, t->cols.len, t->cols.n, t->is_key);
	free(cols);
	t->shape_ok = 1;
}

/* reject_line: reject the current line with a printf-style detail. */
#define reject_line(b, reason, ...) \
	rejectf(&(b)->io.rej, (reason), (b)->input, (b)->line->lineno, (b)->line->p, (b)->line->len, __VA_ARGS__)

/* key_is: does the column key k name column c of t? Raw bytes first:
 * checked names never need escapes, so only a key with an escape takes the
 * slow path through decoding. */
static int key_is(struct batcher *b, struct json_slice k, const struct table *t, size_t c)
{
	const char *name = t->cols.text.p + t->cols.off[c];
	size_t len = t->cols.len[c];
	if (k.n - 2 == len && memcmp(k.p + 1, name, len) == 0)
		return 1;
	if (!json_str_has_escape(k))
		return 0;
	const char *p;
	size_t n;
	str_text(&b->scratch, k, &p, &n);
	return n == len && memcmp(p, name, len) == 0;
}

/* same_columns: do the row's column keys equal t's column list, in order? */
static int same_columns(struct batcher *b, const struct table *t)
{
	size_t c = 0;
	for (size_t i = 0; i < b->cols->n; i++) {
		struct json_slice k = b->cols->m[i].key;
		if (skip_key(b, k))
			continue;
		if (c == t->cols.n || !key_is(b, k, t, c))
			return 0;
		c++;
	}
	return c == t->cols.n;
}

/* cmp_name: order of names i and j of nm, ignoring ASCII case: MySQL and
 * SingleStore take `a` and `A` for the same column. */
static int cmp_name(const struct names *nm, size_t i, size_t j)
{
	const char *a = nm->text.p + nm->off[i], *b = nm->text.p + nm->off[j];
	size_t n = nm->len[i] < nm->len[j] ? nm->len[i] : nm->len[j];
	int c = strncasecmp(a, b, n);
	return c ? c : (nm->len[i] > nm->len[j]) - (nm->len[i] < nm->len[j]);
}

/* sort_idx: merge sort of name indices (qsort has no context argument in
 * C11), so duplicate columns are found in n log n even in wide rows. */
static void sort_idx(size_t *v, size_t *tmp, size_t n, const struct names *nm)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_idx(v, tmp, h, nm);
	sort_idx(v + h, tmp, n - h, nm);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = cmp_name(nm, v[j], v[i]) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
}

/* read_columns: the row's column list into nm, checked: acceptable names,
 * at least one, none twice. Returns 0, or -1 after rejecting the line. */
static int read_columns(struct batcher *b, struct names *nm)
{
	char why[128];
	names_reset(nm);
	for (size_t i = 0; i < b->cols->n; i++) {
		struct json_slice k = b->cols->m[i].key;
		if (skip_key(b, k))
			continue;
		const char *p;
		size_t n;
		str_text(&b->scratch, k, &p, &n);
		if (sqlid_check(p, n, why, sizeof why)) {
			reject_line(b, "bad_identifier", "column %.*s: %s", (int)(k.n > 80 ? 80 : k.n), k.p, why);
			return -1;
		}
		names_add(nm, p, n);
	}
	if (nm->n == 0) {
		reject_line(b, "no_columns", "a row record needs at least one column besides _table");
		return -1;
	}
	size_t *idx = xmalloc(nm->n * sizeof *idx), *tmp = xmalloc(nm->n * sizeof *tmp);
	for (size_t i = 0; i < nm->n; i++)
		idx[i] = i;
	sort_idx(idx, tmp, nm->n, nm);
	size_t dup = SIZE_MAX;
	for (size_t i = 1; i < nm->n && dup == SIZE_MAX; i++)
		if (cmp_name(nm, idx[i - 1], idx[i]) == 0)
			dup = idx[i];
	free(idx);
	free(tmp);
	if (dup != SIZE_MAX) {
		reject_line(b, "duplicate_column", "column %.*s appears twice", (int)nm->len[dup],
		            nm->text.p + nm->off[dup]);
		return -1;
	}
	return 0;
}

/* add_args: append the row's values to t->args, comma-separated. Values
 * are copied byte for byte; an array (not a Data API arg type) goes as the
 * JSON string of its text. */
static void add_args(struct batcher *b, struct table *t)
{
	struct buf *a = &t->args;
	int first = 1;
	for (size_t i = 0; i < b->cols->n; i++) {
		const struct json_member *m = &b->cols->m[i];
		if (skip_key(b, m->key))
			continue;
		if (!first)
			buf_addc(a, ',');
		first = 0;
		if (m->val.type == JSON_ARRAY)
			json_write_str(a, m->val.p, m->val.n);
		else
			buf_add(a, m->val.p, m->val.n);
	}
}

/* do_row: pack one row record into its table's batch, sending the batch
 * first when the row would not fit in it. */
static void do_row(struct batcher *b, struct json_slice tname)
{
	char why[128];
	struct table *t = table_get(b, tname, why, sizeof why);
	if (!t) {
		reject_line(b, "bad_identifier", "_table %.*s: %s", (int)(tname.n > 80 ? 80 : tname.n), tname.p, why);
		return;
	}
	if (!t->shape_ok || !same_columns(b, t)) {
		/* a new column list: checked first, so a bad row leaves the batch be */
		if (read_columns(b, &b->newcols) < 0)
			return;
		flush_table(b, t);
		struct names keep = t->cols;
		t->cols = b->newcols;
		b->newcols = keep;
		shape(b, t);
	}
	size_t n = t->cols.n;
	if (n > b->max_args) {
		reject_line(b, "row_too_large", "%zu columns are more than --max-args %zu", n, b->max_args);
		return;
	}
	if (!t->rows)
		open_args(b, t);
	size_t old = t->args.len, start = old + (t->rows ? 1 : 0);
	if (t->rows)
		buf_addc(&t->args, ',');
	add_args(b, t);
	size_t rowlen = t->args.len - start;
	size_t alone = sqlinsert_body_len(&t->ins, 1, rowlen);
	if (alone > b->limit) {
		t->args.len = old;
		if (!t->rows && t->args.cap > 2 * b->limit)
			buf_free(&t->args);   /* keep memory near one batch per table */
		reject_line(b, "row_too_large", "a batch of this row alone is %zu bytes, more than %zu "
		            "(--max-bytes minus --reserve)", alone, b->limit);
		return;
	}
	if (t->rows && (sqlinsert_body_len(&t->ins, t->rows + 1, t->args.len - t->front) > b->limit ||
	                t->rows + 1 > b->max_rows || t->nargs + n > b->max_args)) {
		flush(b, t, old, start);       /* the row opens the next batch */
	}
	/* the record nests a row's values 3 deep ({"body":{"args":[v]}}): one
	 * more than a row ({"_row":{"c":v}}), two more in the flat form */
	int depth = b->io.depth + (b->enveloped ? 1 : 2);
	if (depth > t->depth)
		t->depth = depth;
	if (!t->rows) {
		if (b->nopen >= b->max_open)
			flush_oldest(b);
		t->oprev = b->otail;
		*(b->otail ? &b->otail->onext : &b->ohead) = t;
		b->otail = t;
		b->nopen++;
	}
	t->rows++;
	t->nargs += n;
	b->nrows++;
	/* full: no further row could join, so send it now */
	if (t->rows == b->max_rows || t->nargs + n > b->max_args)
		flush_table(b, t);
}

/* learn_name: a column name a DDL record gives in member key, kept in *to. */
static void learn_name(struct batcher *b, const char *key, char **to)
{
	struct json_slice v;
	if (!json_members_get(&b->mem, key, &v) || v.type != JSON_STRING)
		return;
	struct buf nb = BUF_INIT;
	json_str_decode(v, &nb);
	free(*to);
	*to = xstrdup(buf_cstr(&nb));
	buf_free(&nb);
}

/* do_ddl: send the table's open batch, learn from the DDL line ("_upsert",
 * "_newest", "_least", "_greatest" and the key columns its text declares),
 * and pass it on unchanged. */
static void do_ddl(struct batcher *b, struct json_slice tname, struct json_slice ddl, struct json_slice upsert)
{
	char why[128];
	if (ddl.type != JSON_STRING) {
		reject_line(b, "bad_ddl", "_ddl must be a string");
		return;
	}
	if (upsert.type != JSON_NONE && upsert.type != JSON_TRUE && upsert.type != JSON_FALSE) {
		reject_line(b, "bad_ddl", "_upsert must be true or false");
		return;
	}
	static const char *const named[] = { "_newest", "_least", "_greatest" };
	for (size_t i = 0; i < 3; i++) {
		struct json_slice nw;
		if (json_members_get(&b->mem, named[i], &nw) && nw.type != JSON_STRING) {
			reject_line(b, "bad_ddl", "%s must be a column name", named[i]);
			return;
		}
	}
	struct table *t = table_get(b, tname, why, sizeof why);
	if (!t) {
		reject_line(b, "bad_identifier", "_table %.*s: %s", (int)(tname.n > 80 ? 80 : tname.n), tname.p, why);
		return;
	}
	flush_table(b, t);
	if (upsert.type != JSON_NONE)
		t->upsert = upsert.type == JSON_TRUE;
	learn_name(b, "_newest", &t->newest);
	learn_name(b, "_least", &t->least);
	learn_name(b, "_greatest", &t->greatest);
	struct buf text = BUF_INIT;
	json_str_decode(ddl, &text);
	ddlkeys_scan(text.p ? text.p : "", text.len, key_found, t);
	buf_free(&text);
	t->shape_ok = 0;   /* mode or keys may have changed */
	/* last: in a chain the next stage takes b->mem (lib/frame) */
	frame_pass(&b->io, b->line->p, b->line->len, &b->mem);
	stats_add(&b->io.st, "ddl", 1);
	stats_add(&b->io.st, "out", 1);
}

/* meta: the _table, _ddl, _upsert and _row members of the record (last wins). */
static void meta(struct batcher *b, struct json_slice *tname, struct json_slice *ddl, struct json_slice *upsert,
                 struct json_slice *row)
{
	static const struct json_slice none = { NULL, 0, JSON_NONE };
	*tname = *ddl = *upsert = *row = none;
	for (size_t i = 0; i < b->mem.n; i++) {
		struct json_member *m = &b->mem.m[i];
		if (m->key.p[1] != '_' && m->key.p[1] != '\\')
			continue;
		if (json_key_eq(m->key, "_table"))
			*tname = m->val;
		else if (json_key_eq(m->key, "_ddl"))
			*ddl = m->val;
		else if (json_key_eq(m->key, "_upsert"))
			*upsert = m->val;
		else if (json_key_eq(m->key, "_row"))
			*row = m->val;
	}
}

/* row_columns: where the row's columns are: the "_row" object's members
 * (every key a column), or the record's own members that do not start with
 * '_' (the older flat form). Returns 0, or -1 after rejecting the line. */
static int row_columns(struct batcher *b, struct json_slice row)
{
	b->cols = &b->mem;
	b->enveloped = 0;
	if (row.type == JSON_NONE)
		return 0;
	if (row.type != JSON_OBJECT) {
		reject_line(b, "bad_row", "_row must be an object");
		return -1;
	}
	for (size_t i = 0; i < b->mem.n; i++)
		if (!skip_key(b, b->mem.m[i].key)) {
			reject_line(b, "bad_row", "a record with _row has its columns there only, found %.*s",
			            (int)(b->mem.m[i].key.n > 80 ? 80 : b->mem.m[i].key.n), b->mem.m[i].key.p);
			return -1;
		}
	struct json_error err;
	if (frame_parse_members(&b->io, row.p, row.n, &b->rowmem, &err) < 0) {
		reject_line(b, "bad_row", "_row: %s", err.msg);
		return -1;
	}
	b->cols = &b->rowmem;
	b->enveloped = 1;
	return 0;
}

/* do_line: one input line: a row record, a DDL record, or a reject. */
static void do_line(void *ctx, const struct line *l, const char *name)
{
	struct batcher *b = ctx;
	char detail[512];
	b->input = name;
	b->line = l;
	const char *reason = frame_parse(&b->io, l, &b->mem, "record", detail, sizeof detail);
	if (reason) {
		reject_line(b, reason, "%s", detail);
		return;
	}
	struct json_slice tname, ddl, upsert, row;
	meta(b, &tname, &ddl, &upsert, &row);
	if (tname.type != JSON_STRING) {
		reject_line(b, "missing_table", tname.type == JSON_NONE ? "no _table member" : "_table must be a string");
		return;
	}
	if (ddl.type != JSON_NONE)
		do_ddl(b, tname, ddl, upsert);
	else if (row_columns(b, row) == 0)
		do_row(b, tname);
}

/* add_key_option: --key a,b,c; each name checked like a column. */
static void add_key_option(struct batcher *b, const char *arg)
{
	char why[128];
	const char *p = arg;
	for (;;) {
		size_t n = strcspn(p, ",");
		if (sqlid_check(p, n, why, sizeof why))
			usage_error("--key: '%.*s': %s", (int)n, p, why);
		names_add(&b->key_opt, p, n);
		if (!p[n])
			break;
		p += n + 1;
	}
}

static void batcher_free(struct batcher *b)
{
	for (size_t i = 0; i < b->nbucket; i++)
		for (struct table *t = b->bucket[i], *next; t; t = next) {
			next = t->next;
			free(t->name);
			free(t->newest);
			free(t->least);
			free(t->greatest);
			names_free(&t->keys);
			names_free(&t->cols);
			free(t->is_key);
			sqlinsert_free(&t->ins);
			buf_free(&t->args);
			free(t);
		}
	free(b->bucket);
	names_free(&b->key_opt);
	names_free(&b->newcols);
	json_members_free(&b->mem);
	json_members_free(&b->rowmem);
	json_members_free(&b->outmem);
	json_members_free(&b->bodymem);
	buf_free(&b->body);
	buf_free(&b->rec);
	buf_free(&b->scratch);
	buf_free(&b->waiting);
}

/* options: the command line into b and fo; returns optind. */
static int options(int argc, char **argv, struct batcher *b, struct frame_opts *fo)
{
	enum { O_MAXBYTES = 256, O_RESERVE, O_MAXROWS, O_MAXARGS, O_MAXOPEN, O_ONDUP, O_KEY };
	static const struct option opts[] = {
		{ "max-bytes", required_argument, 0, O_MAXBYTES }, { "reserve", required_argument, 0, O_RESERVE },
		{ "max-rows", required_argument, 0, O_MAXROWS }, { "max-args", required_argument, 0, O_MAXARGS },
		{ "max-open-tables", required_argument, 0, O_MAXOPEN },
		{ "on-duplicate", required_argument, 0, O_ONDUP }, { "key", required_argument, 0, O_KEY },
		FRAME_LONGOPTS, { 0, 0, 0, 0 } };
	uint64_t max_bytes = 1000000, reserve = 256;
	int c;
	while ((c = cli_getopt(argc, argv, FRAME_SHORTOPTS, opts)) != -1) {
		switch (c) {
		case O_MAXBYTES: max_bytes = opt_size("--max-bytes", optarg); break;
		case O_RESERVE: reserve = opt_size("--reserve", optarg); break;
		case O_MAXROWS: b->max_rows = opt_uint("--max-rows", optarg, 1, 100000000); break;
		case O_MAXARGS: b->max_args = opt_uint("--max-args", optarg, 1, 100000000); break;
		case O_MAXOPEN: b->max_open = opt_uint("--max-open-tables", optarg, 1, 1000000); break;
		case O_ONDUP:
			if (sqlinsert_mode_parse(optarg, &b->mode) < 0)
				usage_error("--on-duplicate: '%s' is not ignore, update or error", optarg);
			break;
		case O_KEY: add_key_option(b, optarg); break;
		default: frame_option(c, optarg, fo, usage);
		}
	}
	if (reserve >= max_bytes)
		usage_error("--reserve %llu leaves nothing of --max-bytes %llu", (unsigned long long)reserve,
		            (unsigned long long)max_bytes);
	if (max_bytes > SIZE_MAX / 2)
		usage_error("--max-bytes %llu is too large", (unsigned long long)max_bytes);
	b->limit = (size_t)(max_bytes - reserve);
	return optind;
}

/* finish: the open batches sent, the summary and --stats; frees b. */
static int finish(void *ctx, int status)
{
	struct batcher *b = ctx;
	flush_all(b);
	stats_add(&b->io.st, "rows", b->nrows);
	status = frame_close(&b->io, status);
	batcher_free(b);
	free(b);
	return status;
}

int batch_setup(int argc, char **argv, struct frame_stage *s)
{
	static const char *const counters[] = { "in", "out", "rows", "batches", "ddl", "rejected", NULL };
	struct frame_opts fo = FRAME_OPTS_INIT(SEG_ROW_DEPTH, 1000000);
	struct batcher *b = xcalloc(1, sizeof *b);

	b->max_rows = 1000;
	b->max_args = 65535;
	b->max_open = 64;
	b->mode = SQLINS_IGNORE;
	int first = options(argc, argv, b, &fo);
	frame_open(&b->io, &fo, counters);
	*s = (struct frame_stage){ "seg-batch", &b->io, do_line, b, finish, NULL };
	return first;
}
