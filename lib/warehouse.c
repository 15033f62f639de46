/* warehouse.c: the warehouse layout (see warehouse.h): the known schema,
 * naming and typing of values, and the records of one message. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isotime.h"
#include "lineio.h"
#include "rowrecord.h"
#include "segspec.h"
#include "sqlid.h"
#include "warehouse.h"
#include "whname.h"

#define TEXT_MAX 65535      /* bytes in a TEXT column */
#define ID_MAX 1020         /* bytes of the id column, as segment_data's messageId */
#define DISCARD_NAME_MAX 256
#define COLUMNS_MAX 1000    /* columns per table (MariaDB's InnoDB stops at 1017, SingleStore at 4096) */

/* Column types. The S* ones are the fixed standard columns. */
enum whtype { T_AUTO, T_ID, T_STIME, T_STEXT, T_BOOL, T_INT, T_DOUBLE, T_TIME, T_TEXT, T_JSON, T_NTYPES };
static const char *const sqltype[T_NTYPES] = {
	"DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6)", "VARBINARY(1020) NOT NULL", "DATETIME(6)", "TEXT",
	"BOOLEAN", "BIGINT", "DOUBLE", "DATETIME(6)", "TEXT", "JSON"
};
static const char *const coltype[T_NTYPES] = {   /* for discards: the type alone */
	"DATETIME(6)", "VARBINARY(1020)", "DATETIME(6)", "TEXT", "BOOLEAN", "BIGINT", "DOUBLE", "DATETIME(6)", "TEXT", "JSON"
};
static const char *const typename[T_NTYPES] = {
	"auto", "id", "stime", "stext", "boolean", "bigint", "double", "datetime", "text", "json"
};

/* Table kinds: which standard columns a table has. */
enum whkind { K_TRACKS, K_EVENT, K_IDENTIFIES, K_PAGES, K_SCREENS, K_GROUPS, K_ALIASES,
              K_USERS, K_ACCOUNTS, K_NKINDS };
static const char *const kindname[K_NKINDS] = {
	"tracks", "event", "identifies", "pages", "screens", "groups", "aliases", "users", "accounts"
};

struct whcol {
	char *name;
	size_t len;
	enum whtype type;
	unsigned gen;            /* == w->gen: set in the row being built */
	size_t off, n;           /* its value text in w->cells */
};

struct whtable {
	char *name;
	size_t len;
	enum whkind kind;
	struct whcol *col;
	size_t ncols, cap;
	size_t *slot;            /* open addressing: column index + 1 */
	size_t nslot;
	int created;             /* CREATE TABLE written in this run */
};

struct warehouse {
	struct whtable **tab;
	size_t ntab, tcap;
	size_t *slot;            /* table index + 1 */
	size_t nslot;
	char *prefix;
	size_t max_name;
	unsigned gen;
	int discards_created;
	unsigned ndiscard;       /* discards of the current message */
	struct buf cells, rec, path, name, key, kbuf, disc, tmp;
	struct buf dname, iname; /* the discards and identities tables' names */
	int identities_created;
	struct buf idbuf, uidbuf, event;   /* the message's id, a users/accounts id, "event_slug" */
	/* the message being mapped */
	struct segmsg f;
	const char *id;
	size_t idn;
	warehouse_emit_fn emit;
	void *ctx;
	warehouse_conflict_fn conflict;   /* warehouse_merge: a column typed twice */
	void *cctx;
};

/* ---- names and lookups ------------------------------------------------ */

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

/* probe: the slot of name in an open-addressed index of nslot (a power of
 * two) entries, whose entry i+1 names name_at(i). */
static size_t *probe(size_t *slot, size_t nslot, const char *p, size_t n,
                     const char *(*name_at)(const void *, size_t, size_t *), const void *ctx)
{
	size_t i = fnv(p, n) & (nslot - 1);
	for (;; i = (i + 1) & (nslot - 1)) {
		if (!slot[i])
			return &slot[i];
		size_t len;
		const char *s = name_at(ctx, slot[i] - 1, &len);
		if (len == n && memcmp(s, p, n) == 0)
			return &slot[i];
	}
}

static const char *col_name_at(const void *ctx, size_t i, size_t *len)
{
	const struct whtable *t = ctx;
	*len = t->col[i].len;
	return t->col[i].name;
}

static const char *tab_name_at(const void *ctx, size_t i, size_t *len)
{
	const struct warehouse *w = ctx;
	*len = w->tab[i]->len;
	return w->tab[i]->name;
}

static struct whcol *col_find(struct whtable *t, const char *p, size_t n)
{
	size_t *s = probe(t->slot, t->nslot, p, n, col_name_at, t);
	return *s ? &t->col[*s - 1] : NULL;
}

static void col_rehash(struct whtable *t)
{
	free(t->slot);
	t->nslot = t->nslot ? t->nslot * 2 : 64;
	t->slot = xcalloc(t->nslot, sizeof *t->slot);
	for (size_t i = 0; i < t->ncols; i++)
		*probe(t->slot, t->nslot, t->col[i].name, t->col[i].len, col_name_at, t) = i + 1;
}

static struct whcol *col_add(struct whtable *t, const char *p, size_t n, enum whtype type)
{
	if (t->ncols == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->col = xrealloc(t->col, t->cap * sizeof *t->col);
	}
	struct whcol *c = &t->col[t->ncols++];
	memset(c, 0, sizeof *c);
	c->name = xmalloc(n + 1);
	memcpy(c->name, p, n);
	c->name[n] = '\0';
	c->len = n;
	c->type = type;
	if (2 * t->ncols > t->nslot)
		col_rehash(t);
	else
		*probe(t->slot, t->nslot, p, n, col_name_at, t) = t->ncols;
	return c;
}

/* The standard columns of each kind, in order. */
static void add_standard(struct whtable *t)
{
	static const char *const common[] = { "received_at", "sent_at", "original_timestamp", "timestamp" };
	col_add(t, "id", 2, T_ID);
	if (t->kind == K_USERS || t->kind == K_ACCOUNTS) {
		col_add(t, "received_at", 11, T_STIME);
		col_add(t, "timestamp", 9, T_STIME);
		col_add(t, "uuid_ts", 7, T_AUTO);
		return;
	}
	for (size_t i = 0; i < 4; i++)
		col_add(t, common[i], strlen(common[i]), T_STIME);
	col_add(t, "user_id", 7, T_STEXT);
	col_add(t, "anonymous_id", 12, T_STEXT);
	switch (t->kind) {
	case K_TRACKS: case K_EVENT:
		col_add(t, "event", 5, T_STEXT);
		col_add(t, "event_text", 10, T_STEXT);
		break;
	case K_PAGES: case K_SCREENS: col_add(t, "name", 4, T_STEXT); break;
	case K_GROUPS: col_add(t, "group_id", 8, T_STEXT); break;
	case K_ALIASES: col_add(t, "previous_id", 11, T_STEXT); break;
	default: break;
	}
	col_add(t, "uuid_ts", 7, T_AUTO);
}

static void tab_rehash(struct warehouse *w)
{
	free(w->slot);
	w->nslot = w->nslot ? w->nslot * 2 : 64;
	w->slot = xcalloc(w->nslot, sizeof *w->slot);
	for (size_t i = 0; i < w->ntab; i++)
		*probe(w->slot, w->nslot, w->tab[i]->name, w->tab[i]->len, tab_name_at, w) = i + 1;
}

/* table_get: the table called p[0..n) (the full name), made with its
 * standard columns on first use. */
static struct whtable *table_get(struct warehouse *w, const char *p, size_t n, enum whkind kind)
{
	size_t *s = probe(w->slot, w->nslot, p, n, tab_name_at, w);
	if (*s)
		return w->tab[*s - 1];
	if (w->ntab == w->tcap) {
		w->tcap = w->tcap ? w->tcap * 2 : 16;
		w->tab = xrealloc(w->tab, w->tcap * sizeof *w->tab);
	}
	struct whtable *t = xcalloc(1, sizeof *t);
	t->name = xmalloc(n + 1);
	memcpy(t->name, p, n);
	t->name[n] = '\0';
	t->len = n;
	t->kind = kind;
	w->tab[w->ntab++] = t;
	if (2 * w->ntab > w->nslot)
		tab_rehash(w);
	else
		*s = w->ntab;
	col_rehash(t);
	add_standard(t);
	return t;
}

/* table_name: the full name of table base (already a finished name) in
 * w->name: "prefix_base", cut to max_name. */
static void table_name(struct warehouse *w, const char *base, size_t n)
{
	buf_reset(&w->name);
	if (*w->prefix) {
		buf_adds(&w->name, w->prefix);
		buf_addc(&w->name, '_');
	}
	buf_add(&w->name, base, n);
	if (w->name.len > w->max_name)
		w->name.len = w->max_name;
}

struct warehouse *warehouse_new(const char *prefix, size_t max_name)
{
	struct warehouse *w = xcalloc(1, sizeof *w);
	w->prefix = xstrdup(prefix ? prefix : "");
	w->max_name = max_name;
	tab_rehash(w);
	table_name(w, "discards", 8);
	buf_add(&w->dname, w->name.p, w->name.len);
	buf_cstr(&w->dname);
	table_name(w, "identities", 10);
	buf_add(&w->iname, w->name.p, w->name.len);
	buf_cstr(&w->iname);
	return w;
}

void warehouse_free(struct warehouse *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->ntab; i++) {
		struct whtable *t = w->tab[i];
		for (size_t j = 0; j < t->ncols; j++)
			free(t->col[j].name);
		free(t->col);
		free(t->slot);
		free(t->name);
		free(t);
	}
	free(w->tab);
	free(w->slot);
	free(w->prefix);
	buf_free(&w->cells);
	buf_free(&w->rec);
	buf_free(&w->path);
	buf_free(&w->name);
	buf_free(&w->key);
	buf_free(&w->kbuf);
	buf_free(&w->idbuf);
	buf_free(&w->uidbuf);
	buf_free(&w->event);
	buf_free(&w->dname);
	buf_free(&w->iname);
	buf_free(&w->disc);
	buf_free(&w->tmp);
	free(w);
}

/* ---- DDL -------------------------------------------------------------- */

static void col_def(struct buf *b, const struct whcol *c)
{
	sqlid_quote(b, c->name, c->len);
	buf_addc(b, ' ');
	buf_adds(b, sqltype[c->type]);
}

static void create_text(const struct whtable *t, struct buf *b)
{
	buf_adds(b, "CREATE TABLE IF NOT EXISTS ");
	sqlid_quote(b, t->name, t->len);
	buf_adds(b, " (");
	for (size_t i = 0; i < t->ncols; i++) {
		buf_adds(b, i ? ",\n  " : "\n  ");
		col_def(b, &t->col[i]);
	}
	buf_adds(b, ",\n  SHARD KEY (`id`),\n  UNIQUE KEY (`id`) USING HASH,\n  SORT KEY (`timestamp`)\n)");
}

/* emit_ddl: a DDL record for table name with SQL text sql; users and
 * accounts say "_newest":"timestamp" (seg-batch: newest wins). */
static void emit_ddl(struct warehouse *w, const char *name, const char *sql, int newest)
{
	buf_reset(&w->rec);
	ddl_record(&w->rec, name, sql);
	if (newest) {
		w->rec.len--;
		buf_adds(&w->rec, ",\"_newest\":\"timestamp\"}");
	}
	w->emit(w->ctx, w->rec.p, w->rec.len, 1, 0);
}

static void ensure_created(struct warehouse *w, struct whtable *t)
{
	if (t->created)
		return;
	buf_reset(&w->tmp);
	create_text(t, &w->tmp);
	emit_ddl(w, t->name, buf_cstr(&w->tmp), t->kind == K_USERS || t->kind == K_ACCOUNTS);
	t->created = 1;
}

static void emit_add_column(struct warehouse *w, struct whtable *t, const struct whcol *c)
{
	buf_reset(&w->tmp);
	buf_adds(&w->tmp, "ALTER TABLE ");
	sqlid_quote(&w->tmp, t->name, t->len);
	buf_adds(&w->tmp, " ADD COLUMN ");
	col_def(&w->tmp, c);
	emit_ddl(w, t->name, buf_cstr(&w->tmp), 0);
}

static void discards_text(struct warehouse *w, struct buf *b)
{
	buf_adds(b, "CREATE TABLE IF NOT EXISTS ");
	sqlid_quote(b, w->dname.p, w->dname.len);
	buf_adds(b, " (\n  `id` VARBINARY(1020) NOT NULL,\n  `seq` INT NOT NULL,\n"
	         "  `table_name` VARBINARY(256) NOT NULL,\n  `column_name` VARBINARY(256) NOT NULL,\n"
	         "  `value` LONGTEXT,\n  `received_type` TEXT,\n  `column_type` TEXT,\n  `reason` TEXT,\n"
	         "  `received_at` DATETIME(6),\n  `uuid_ts` DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6),\n"
	         "  SHARD KEY (`id`),\n  UNIQUE KEY (`id`, `seq`, `table_name`, `column_name`) USING HASH,\n  SORT KEY (`received_at`)\n)");
}

static void identities_text(struct warehouse *w, struct buf *b)
{
	buf_adds(b, "CREATE TABLE IF NOT EXISTS ");
	sqlid_quote(b, w->iname.p, w->iname.len);
	buf_adds(b, " (\n  `anonymous_id` VARBINARY(1020) NOT NULL,\n  `user_id` VARBINARY(1020) NOT NULL,\n"
	         "  `first_seen` DATETIME(6) NOT NULL,\n  `last_seen` DATETIME(6) NOT NULL,\n"
	         "  SHARD KEY (`user_id`),\n  UNIQUE KEY (`anonymous_id`, `user_id`) USING HASH,\n"
	         "  SORT KEY (`user_id`)\n)");
}

void warehouse_print_ddl(struct warehouse *w, struct buf *out)
{
	static const char *const fixed[] = { "tracks", "identifies", "users", "pages", "screens",
	                                     "groups", "accounts", "aliases" };
	static const enum whkind kinds[] = { K_TRACKS, K_IDENTIFIES, K_USERS, K_PAGES, K_SCREENS,
	                                     K_GROUPS, K_ACCOUNTS, K_ALIASES };
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		table_name(w, fixed[i], strlen(fixed[i]));
		struct whtable *t = table_get(w, w->name.p, w->name.len, kinds[i]);
		create_text(t, out);
		buf_adds(out, ";\n");
	}
	identities_text(w, out);
	buf_adds(out, ";\n");
	discards_text(w, out);
	buf_adds(out, ";\n");
}

/* ---- values ----------------------------------------------------------- */

static const char *received_type(struct json_slice v, enum whtype as)
{
	switch (v.type) {
	case JSON_TRUE: case JSON_FALSE: return "boolean";
	case JSON_NUMBER: return as == T_INT ? "integer" : "number";
	case JSON_STRING: return as == T_TIME ? "timestamp" : "string";
	case JSON_ARRAY: return "array";
	case JSON_OBJECT: return "object";
	default: return "null";
	}
}

/* int_digits: the digit count of an integer number's text, 0 when it has
 * a fraction or an exponent. */
static size_t int_digits(struct json_slice v)
{
	size_t i = v.n && v.p[0] == '-';
	for (size_t j = i; j < v.n; j++)
		if (v.p[j] < '0' || v.p[j] > '9')
			return 0;
	return v.n - i;
}

static int fits_int64(struct json_slice v)
{
	size_t d = int_digits(v);
	if (!d || d > 19)
		return 0;
	if (d < 19)
		return 1;
	const char *lim = v.p[0] == '-' ? "9223372036854775808" : "9223372036854775807";
	return memcmp(v.p + (v.p[0] == '-'), lim, 19) <= 0;
}

/* str_text: the decoded text of a string slice (in w->key when escaped). */
static const char *str_text(struct buf *key, struct json_slice v, size_t *n)
{
	if (!json_str_has_escape(v)) {
		*n = v.n - 2;
		return v.p + 1;
	}
	buf_reset(key);
	json_str_decode(v, key);
	*n = key->len;
	return key->p ? key->p : "";
}

/* as_time: a string that is an ISO-8601 time in DATETIME's range, as
 * quoted DATETIME(6) text in out[29]; 0, or -1. */
static int as_time(struct buf *key, struct json_slice v, char out[29])
{
	if (v.type != JSON_STRING || v.n > 64)
		return -1;
	size_t n;
	const char *s = str_text(key, v, &n);
	struct isotime t;
	const char *why;
	if (isotime_parse(s, n, &t, &why) < 0)
		return -1;
	if (t.sec < days_from_civil(1000, 1, 1) * 86400 || t.sec >= days_from_civil(10000, 1, 1) * 86400)
		return -1;
	out[0] = '"';
	isotime_format(&t, out + 1);
	out[27] = '"';
	out[28] = '\0';
	return 0;
}

/* type_of: the column type a first value gives. */
static enum whtype type_of(struct warehouse *w, struct json_slice v)
{
	char tm[29];
	switch (v.type) {
	case JSON_TRUE: case JSON_FALSE: return T_BOOL;
	case JSON_NUMBER: return fits_int64(v) ? T_INT : T_DOUBLE;
	case JSON_STRING: return as_time(&w->key, v, tm) == 0 ? T_TIME : T_TEXT;
	default: return T_JSON;
	}
}

/* value_text: v as the value of a column of type type, appended to
 * w->cells; 0, or -1 when it does not fit (nothing appended). */
static int value_text(struct warehouse *w, enum whtype type, struct json_slice v)
{
	char tm[29];
	size_t n;
	switch (type) {
	case T_BOOL:
		if (v.type != JSON_TRUE && v.type != JSON_FALSE)
			return -1;
		break;
	case T_INT:
		if (v.type != JSON_NUMBER || !fits_int64(v))
			return -1;
		break;
	case T_DOUBLE:   /* an integer of more digits than a double holds is changed by it */
		if (v.type != JSON_NUMBER || int_digits(v) > 15)
			return -1;
		break;
	case T_TIME: case T_STIME:
		if (as_time(&w->key, v, tm) < 0)
			return -1;
		buf_add(&w->cells, tm, 28);
		return 0;
	case T_TEXT: case T_STEXT:
		if (v.type == JSON_NUMBER && type == T_STEXT) {   /* numeric ids, as segment_data */
			buf_addc(&w->cells, '"');
			buf_add(&w->cells, v.p, v.n);
			buf_addc(&w->cells, '"');
			return 0;
		}
		if (v.type != JSON_STRING)
			return -1;
		str_text(&w->key, v, &n);
		if (n > TEXT_MAX)
			return -1;
		break;
	case T_ID:
		buf_add(&w->cells, w->id, w->idn);
		return 0;
	case T_JSON:
		if (v.type != JSON_ARRAY)
			return -1;
		json_raw_utf8(v.p, v.n, &w->cells);
		return 0;
	default:
		return -1;
	}
	buf_add(&w->cells, v.p, v.n);
	return 0;
}

/* discard: a value that is not in its row: one discards row. name is the
 * column's (or, with no name, the key's) text. */
static void discard(struct warehouse *w, const struct whtable *t, const char *name, size_t n,
                    struct json_slice v, const char *rtype, const char *ctype, const char *reason)
{
	struct buf *d = &w->disc;
	char tm[29];
	if (n > DISCARD_NAME_MAX)
		n = utf8_prefix_len(name, DISCARD_NAME_MAX);
	buf_adds(d, "{\"_table\":");
	json_write_str(d, w->dname.p, w->dname.len);
	buf_adds(d, ",\"_row\":{\"id\":");
	buf_add(d, w->id, w->idn);
	buf_printf(d, ",\"seq\":%u,\"table_name\":", ++w->ndiscard);
	json_write_str(d, t->name, t->len);
	buf_adds(d, ",\"column_name\":");
	json_write_str(d, name, n);
	buf_adds(d, ",\"value\":");
	json_write_str(d, v.p, v.n);
	buf_printf(d, ",\"received_type\":\"%s\",\"column_type\":", rtype);
	if (ctype)
		json_write_str(d, ctype, strlen(ctype));
	else
		buf_adds(d, "null");
	buf_printf(d, ",\"reason\":\"%s\",\"received_at\":", reason);
	if (as_time(&w->key, w->f.received_at, tm) == 0)
		buf_add(d, tm, 28);
	else
		buf_adds(d, "null");
	buf_adds(d, "}}\n");
}

/* ---- rows ------------------------------------------------------------- */

static void wrow_start(struct warehouse *w, struct whtable *t)
{
	ensure_created(w, t);
	w->gen++;
	buf_reset(&w->cells);
}

/* put: column name[0..n) of t takes v, made when new (a dynamic column of
 * the value's type); a taken name or a value that does not fit goes to
 * discards. fixed: the column is a standard one (never made here). */
static void put(struct warehouse *w, struct whtable *t, const char *name, size_t n, struct json_slice v)
{
	struct whcol *c = col_find(t, name, n);
	if (c && c->gen == w->gen && c->n == v.n && memcmp(w->cells.p + c->off, v.p, v.n) == 0)
		return;   /* the same value the name already holds (a page's properties.name): nothing lost */
	if (c && c->gen == w->gen) {
		discard(w, t, name, n, v, received_type(v, type_of(w, v)), coltype[c->type], "name_taken");
		return;
	}
	if (!c && t->ncols >= COLUMNS_MAX) {
		discard(w, t, name, n, v, received_type(v, type_of(w, v)), NULL, "column_limit");
		return;
	}
	if (!c) {
		c = col_add(t, name, n, type_of(w, v));
		emit_add_column(w, t, c);
	}
	c->gen = w->gen;
	c->off = w->cells.len;
	if (c->type == T_AUTO || value_text(w, c->type, v) < 0) {
		discard(w, t, name, n, v, received_type(v, type_of(w, v)), coltype[c->type],
		        c->type == T_AUTO ? "name_taken" : "type");
		c->off = w->cells.len;
		buf_adds(&w->cells, "null");
	}
	c->n = w->cells.len - c->off;
}

/* put_raw: a standard column takes value text made here (no checks). */
static void put_raw(struct warehouse *w, struct whtable *t, const char *name, const char *text, size_t n)
{
	struct whcol *c = col_find(t, name, strlen(name));
	c->gen = w->gen;
	c->off = w->cells.len;
	buf_add(&w->cells, text, n);
	c->n = n;
}

/* put_std: a standard column, null when v is absent. */
static void put_std(struct warehouse *w, struct whtable *t, const char *name, struct json_slice v)
{
	if (v.type == JSON_NONE || v.type == JSON_NULL) {
		put_raw(w, t, name, "null", 4);
		return;
	}
	put(w, t, name, strlen(name), v);
}

static void wrow_end(struct warehouse *w, struct whtable *t)
{
	struct buf *r = &w->rec;
	buf_reset(r);
	buf_adds(r, "{\"_table\":");
	json_write_str(r, t->name, t->len);
	buf_adds(r, ",\"_row\":{");
	int first = 1;
	for (size_t i = 0; i < t->ncols; i++) {
		const struct whcol *c = &t->col[i];
		if (c->type == T_AUTO)
			continue;
		if (!first)
			buf_addc(r, ',');
		first = 0;
		buf_addc(r, '"');
		buf_add(r, c->name, c->len);
		buf_adds(r, "\":");
		if (c->gen == w->gen)
			buf_add(r, w->cells.p + c->off, c->n);
		else
			buf_adds(r, "null");
	}
	buf_adds(r, "}}");
	w->emit(w->ctx, r->p, r->len, 0, 0);
}

/* flatten: the members of object obj into columns of t named path_key
 * (path is w->path[0..plen)), nested objects further, nulls skipped. */
static void flatten(struct warehouse *w, struct whtable *t, size_t plen, struct json_slice obj)
{
	struct json_iter it;
	struct json_slice k, v;
	json_iter_init(&it, obj);
	while (json_iter_next(&it, &k, &v)) {
		if (v.type == JSON_NULL)
			continue;
		w->path.len = plen;
		if (plen)
			buf_addc(&w->path, '_');
		size_t seg = w->path.len, kn = k.n - 2;
		const char *kp = k.p + 1;
		if (json_str_has_escape(k)) {
			buf_reset(&w->kbuf);
			json_str_decode(k, &w->kbuf);
			kp = w->kbuf.p ? w->kbuf.p : "";
			kn = w->kbuf.len;
		}
		whname_snake(kp, kn, &w->path);
		if (w->path.len == seg) {
			discard(w, t, kp, kn, v, received_type(v, type_of(w, v)), NULL, "no_name");
			continue;
		}
		if (v.type == JSON_OBJECT) {
			flatten(w, t, w->path.len, v);
			continue;
		}
		buf_reset(&w->name);
		buf_add(&w->name, w->path.p, w->path.len);
		size_t n = whname_finish(&w->name, 0, w->max_name);
		put(w, t, w->name.p, n, v);
	}
}

/* ---- one message ------------------------------------------------------ */

#define FAIL(reason, ...) do { snprintf(detail, dn, __VA_ARGS__); return reason; } while (0)

static int absent(struct json_slice v)
{
	return v.type == JSON_NONE || v.type == JSON_NULL;
}

/* message_time: Segment's timestamp: receivedAt - (sentAt -
 * originalTimestamp) when all three are times, else the first of timestamp,
 * originalTimestamp, sentAt, receivedAt. As quoted DATETIME(6) text. */
const char *warehouse_timestamp(const struct segmsg *f, struct buf *key, char out[29], char *detail, size_t dn)
{
	struct isotime r, s, o;
	const char *why;
	size_t n;
	const char *p;
	if (f->received_at.type == JSON_STRING && f->sent_at.type == JSON_STRING &&
	    f->original_timestamp.type == JSON_STRING &&
	    (p = str_text(key, f->received_at, &n), isotime_parse(p, n, &r, &why) == 0) &&
	    (p = str_text(key, f->sent_at, &n), isotime_parse(p, n, &s, &why) == 0) &&
	    (p = str_text(key, f->original_timestamp, &n), isotime_parse(p, n, &o, &why) == 0)) {
		int64_t ns = (r.sec - s.sec + o.sec) * 1000000000LL + r.nsec - s.nsec + o.nsec;
		struct isotime t = { ns / 1000000000LL, (int32_t)(ns % 1000000000LL) };
		if (t.nsec < 0)
			t.nsec += 1000000000, t.sec--;
		if (t.sec >= days_from_civil(1000, 1, 1) * 86400 && t.sec < days_from_civil(10000, 1, 1) * 86400) {
			out[0] = '"';
			isotime_format(&t, out + 1);
			out[27] = '"';
			out[28] = '\0';
			return NULL;
		}
	}
	const struct json_slice t[] = { f->timestamp, f->original_timestamp, f->sent_at, f->received_at };
	for (size_t k = 0; k < 4; k++) {
		if (absent(t[k]))
			continue;
		if (as_time(key, t[k], out) < 0)
			FAIL("bad_timestamp", "%s is not an ISO-8601 time in years 1000 to 9999",
			     (const char *[]){ "timestamp", "originalTimestamp", "sentAt", "receivedAt" }[k]);
		return NULL;
	}
	FAIL("missing_timestamp", "none of timestamp, originalTimestamp, sentAt, receivedAt");
}

/* message_id: the id as row value text (a number as a string of its
 * digits) in w->idbuf; NULL, or a reason. */
static const char *message_id(struct warehouse *w, char *detail, size_t dn)
{
	struct json_slice v = w->f.message_id;
	if (absent(v))
		FAIL("missing_message_id", "messageId is %s", v.type == JSON_NULL ? "null" : "missing");
	if (v.type != JSON_STRING && v.type != JSON_NUMBER)
		FAIL("bad_field_type", "messageId must be a string or a number");
	if (v.type == JSON_STRING && v.n == 2)
		FAIL("missing_message_id", "messageId is an empty string");
	size_t n = v.n;
	if (v.type == JSON_STRING)
		str_text(&w->key, v, &n);
	if (n > ID_MAX)
		FAIL("message_id_too_long", "messageId has %zu bytes, more than the %d of its column", n, ID_MAX);
	buf_reset(&w->idbuf);
	if (v.type == JSON_NUMBER)
		buf_addc(&w->idbuf, '"');
	buf_add(&w->idbuf, v.p, v.n);
	if (v.type == JSON_NUMBER)
		buf_addc(&w->idbuf, '"');
	w->id = w->idbuf.p;
	w->idn = w->idbuf.len;
	return NULL;
}

/* event_row: the standard columns every call's row has. */
static void common_row(struct warehouse *w, struct whtable *t, const char *ts)
{
	wrow_start(w, t);
	put_std(w, t, "id", w->f.message_id);
	put_std(w, t, "received_at", w->f.received_at);
	if (t->kind != K_USERS && t->kind != K_ACCOUNTS) {
		put_std(w, t, "sent_at", w->f.sent_at);
		put_std(w, t, "original_timestamp", w->f.original_timestamp);
	}
	put_raw(w, t, "timestamp", ts, 28);
	if (t->kind != K_USERS && t->kind != K_ACCOUNTS) {
		put_std(w, t, "user_id", w->f.user_id);
		put_std(w, t, "anonymous_id", w->f.anonymous_id);
	}
}

static struct whtable *fixed_table(struct warehouse *w, const char *base, enum whkind kind)
{
	table_name(w, base, strlen(base));
	return table_get(w, w->name.p, w->name.len, kind);
}

/* call_row: the row of a call's own table: standard columns, its extra
 * columns, context_*, then the properties or traits object. */
static void call_row(struct warehouse *w, struct whtable *t, const char *ts, struct json_slice body)
{
	common_row(w, t, ts);
	switch (t->kind) {
	case K_TRACKS: case K_EVENT:
		put_std(w, t, "event", (struct json_slice){ w->event.p, w->event.len, JSON_STRING });
		put_std(w, t, "event_text", w->f.event);
		break;
	case K_PAGES: case K_SCREENS: put_std(w, t, "name", w->f.name); break;
	case K_GROUPS: put_std(w, t, "group_id", w->f.group_id); break;
	case K_ALIASES: put_std(w, t, "previous_id", w->f.previous_id); break;
	default: break;
	}
	if (w->f.context.type == JSON_OBJECT) {
		buf_reset(&w->path);
		buf_adds(&w->path, "context");
		flatten(w, t, w->path.len, w->f.context);
	}
	if (body.type == JSON_OBJECT)
		flatten(w, t, 0, body);
	wrow_end(w, t);
}

/* latest_row: users or accounts: id, received_at, timestamp, the traits. */
static void latest_row(struct warehouse *w, struct whtable *t, const char *ts, struct json_slice id)
{
	size_t idn = w->idn;
	const char *idp = w->id;
	buf_reset(&w->uidbuf);
	buf_addc(&w->uidbuf, '"');
	buf_add(&w->uidbuf, id.p + (id.type == JSON_STRING), id.n - 2 * (id.type == JSON_STRING));
	buf_addc(&w->uidbuf, '"');
	wrow_start(w, t);
	w->id = w->uidbuf.p;   /* for its own id column only: discards keep the message's id */
	w->idn = w->uidbuf.len;
	put_std(w, t, "id", id);
	w->id = idp;
	w->idn = idn;
	put_std(w, t, "received_at", w->f.received_at);
	put_raw(w, t, "timestamp", ts, 28);
	if (w->f.traits.type == JSON_OBJECT)
		flatten(w, t, 0, w->f.traits);
	wrow_end(w, t);
}

/* usable_id: a user or group id that can key users or accounts: a string
 * or number of at most ID_MAX bytes. */
static int usable_id(struct warehouse *w, struct json_slice v)
{
	size_t n = v.n;
	if (v.type == JSON_STRING && v.n > 2)
		str_text(&w->key, v, &n);
	else if (v.type != JSON_NUMBER)
		return 0;
	return n <= ID_MAX;
}

/* id_value: an id (string or number) as a JSON string value. */
static void id_value(struct buf *b, struct json_slice v)
{
	if (v.type == JSON_STRING) {
		buf_add(b, v.p, v.n);
		return;
	}
	buf_addc(b, '"');
	buf_add(b, v.p, v.n);
	buf_addc(b, '"');
}

/* identity_row: anon (an anonymous or previous id) seen with user at ts. */
static void identity_row(struct warehouse *w, struct json_slice anon, struct json_slice user, const char *ts)
{
	if (!usable_id(w, anon) || !usable_id(w, user))
		return;
	if (!w->identities_created) {
		buf_reset(&w->tmp);
		identities_text(w, &w->tmp);
		buf_reset(&w->rec);
		ddl_record(&w->rec, buf_cstr(&w->iname), buf_cstr(&w->tmp));
		w->rec.len--;
		buf_adds(&w->rec, ",\"_least\":\"first_seen\",\"_greatest\":\"last_seen\"}");
		w->emit(w->ctx, w->rec.p, w->rec.len, 1, 0);
		w->identities_created = 1;
	}
	struct buf *r = &w->rec;
	buf_reset(r);
	buf_adds(r, "{\"_table\":");
	json_write_str(r, w->iname.p, w->iname.len);
	buf_adds(r, ",\"_row\":{\"anonymous_id\":");
	id_value(r, anon);
	buf_adds(r, ",\"user_id\":");
	id_value(r, user);
	buf_adds(r, ",\"first_seen\":");
	buf_add(r, ts, 28);
	buf_adds(r, ",\"last_seen\":");
	buf_add(r, ts, 28);
	buf_adds(r, "}}");
	w->emit(w->ctx, r->p, r->len, 0, 0);
}

/* event_table: the event's table name into w->name, its slug (quoted) in
 * w->event; NULL, or a reason. An event named like one of the layout's own
 * tables gets a '_' prefix. */
static const char *event_table(struct warehouse *w, char *detail, size_t dn)
{
	static const char *const own[] = { "tracks", "identifies", "users", "pages", "screens", "groups",
	                                   "accounts", "aliases", "discards" };
	if (w->f.event.type != JSON_STRING)
		FAIL(absent(w->f.event) ? "missing_event" : "bad_field_type", "a track call needs an event name");
	size_t n;
	const char *p = str_text(&w->key, w->f.event, &n);
	buf_reset(&w->event);
	buf_addc(&w->event, '"');
	size_t len = whname(p, n, w->max_name, &w->event);
	if (!len)
		FAIL("bad_event", "the event name has no ASCII letter or digit to name its table");
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (strlen(own[i]) == len && memcmp(own[i], w->event.p + 1, len) == 0) {
			buf_addc(&w->event, '_');
			memmove(w->event.p + 2, w->event.p + 1, len);
			w->event.p[1] = '_';
			len++;
		}
	table_name(w, w->event.p + 1, len);
	buf_addc(&w->event, '"');
	return NULL;
}

const char *warehouse_message(struct warehouse *w, const char *msg, size_t n,
                              const struct json_members *m, warehouse_emit_fn emit, void *ctx,
                              char *detail, size_t dn)
{
	static const char *const types[] = { "track", "identify", "page", "screen", "group", "alias" };
	static const char *const tables[] = { "tracks", "identifies", "pages", "screens", "groups", "aliases" };
	static const enum whkind kinds[] = { K_TRACKS, K_IDENTIFIES, K_PAGES, K_SCREENS, K_GROUPS, K_ALIASES };
	(void)msg, (void)n;
	segmsg_fields(m, &w->f);
	w->emit = emit;
	w->ctx = ctx;
	size_t k = 0;
	while (k < 6 && !json_key_eq(w->f.type, types[k]))
		k++;
	if (k == 6)
		FAIL(absent(w->f.type) ? "missing_type" : "bad_type",
		     "type must be one of track, identify, page, screen, group, alias");
	char ts[29];
	const char *reason = message_id(w, detail, dn);
	if (!reason)
		reason = warehouse_timestamp(&w->f, &w->key, ts, detail, dn);
	if (!reason && kinds[k] == K_TRACKS)
		reason = event_table(w, detail, dn);
	if (reason)
		return reason;
	/* nothing can fail from here on */
	w->ndiscard = 0;
	buf_reset(&w->disc);
	struct whtable *ev = kinds[k] == K_TRACKS ? table_get(w, w->name.p, w->name.len, K_EVENT) : NULL;
	struct json_slice none = { NULL, 0, JSON_NONE };
	struct json_slice body = kinds[k] == K_IDENTIFIES || kinds[k] == K_GROUPS ? w->f.traits
	                       : kinds[k] == K_PAGES || kinds[k] == K_SCREENS ? w->f.properties : none;
	call_row(w, fixed_table(w, tables[k], kinds[k]), ts, body);
	if (ev)
		call_row(w, ev, ts, w->f.properties);
	if (kinds[k] == K_IDENTIFIES && usable_id(w, w->f.user_id))
		latest_row(w, fixed_table(w, "users", K_USERS), ts, w->f.user_id);
	if (kinds[k] == K_GROUPS && usable_id(w, w->f.group_id))
		latest_row(w, fixed_table(w, "accounts", K_ACCOUNTS), ts, w->f.group_id);
	identity_row(w, w->f.anonymous_id, w->f.user_id, ts);
	if (kinds[k] == K_ALIASES)
		identity_row(w, w->f.previous_id, w->f.user_id, ts);
	if (w->disc.len) {
		if (!w->discards_created) {
			buf_reset(&w->tmp);
			discards_text(w, &w->tmp);
			emit_ddl(w, buf_cstr(&w->dname), buf_cstr(&w->tmp), 0);
			w->discards_created = 1;
		}
		const char *p = w->disc.p, *end = p + w->disc.len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			emit(ctx, p, (size_t)(nl - p), 0, 1);
			p = nl + 1;
		}
	}
	return NULL;
}

/* ---- the state file --------------------------------------------------- */
/* One line per table: {"table":"t","kind":"event","columns":[["c","bigint"],...]}
 * listing its columns beyond the standard ones, in order. */

static int name_index(const char *const *names, size_t n, struct json_slice v)
{
	for (size_t i = 0; i < n; i++)
		if (json_key_eq(v, names[i]))
			return (int)i;
	return -1;
}

/* load_columns: the columns array of one state line into t. */
static int load_columns(struct warehouse *w, struct whtable *t, struct json_slice cols)
{
	struct json_iter it, jt;
	struct json_slice k, pair, name, type;
	json_iter_init(&it, cols);
	while (json_iter_next(&it, &k, &pair)) {
		if (pair.type != JSON_ARRAY)
			return -1;
		json_iter_init(&jt, pair);
		if (!json_iter_next(&jt, &k, &name) || !json_iter_next(&jt, &k, &type) ||
		    name.type != JSON_STRING || json_str_has_escape(name) || !sqlid_valid(name.p + 1, name.n - 2))
			return -1;
		int ty = name_index(typename, T_NTYPES, type);
		if (ty < T_BOOL)
			return -1;
		struct whcol *c = col_find(t, name.p + 1, name.n - 2);
		if (!c)
			col_add(t, name.p + 1, name.n - 2, (enum whtype)ty);
		else if (c->type != (enum whtype)ty && w->conflict)
			w->conflict(w->cctx, t->name, c->name, typename[c->type], typename[ty]);
	}
	return 0;
}

static int load_line(struct warehouse *w, const struct line *l)
{
	struct json_members m = { 0 };
	struct json_error err;
	struct json_slice tab, kind, cols;
	int rc = -1;
	if (json_parse(l->p, l->len, 8, &m, &err) == 0 && json_members_get(&m, "table", &tab) &&
	    json_members_get(&m, "kind", &kind) && json_members_get(&m, "columns", &cols) &&
	    tab.type == JSON_STRING && !json_str_has_escape(tab) && sqlid_valid(tab.p + 1, tab.n - 2) &&
	    cols.type == JSON_ARRAY) {
		int k = name_index(kindname, K_NKINDS, kind);
		if (k >= 0)
			rc = load_columns(w, table_get(w, tab.p + 1, tab.n - 2, (enum whkind)k), cols);
	}
	json_members_free(&m);
	return rc;
}

int warehouse_load(struct warehouse *w, const char *path, char *why, size_t wn)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, wn, "%s", strerror(errno));
		return -1;
	}
	struct lreader r;
	struct line l;
	int rc;
	lr_init_fd(&r, fd, path, 1 << 26);
	while ((rc = lr_next(&r, &l)) == 1)
		if (l.len && load_line(w, &l) < 0) {
			snprintf(why, wn, "line %llu: not a schema state line", (unsigned long long)r.lineno);
			rc = -2;
			break;
		}
	if (rc == -1)
		snprintf(why, wn, "read error: %s", strerror(errno));
	lr_free(&r);
	close(fd);
	if (rc < 0)
		errno = EINVAL;
	return rc < 0 ? -1 : 0;
}

int warehouse_merge(struct warehouse *w, const char *path, warehouse_conflict_fn fn, void *ctx,
                    char *why, size_t wn)
{
	w->conflict = fn;
	w->cctx = ctx;
	int rc = warehouse_load(w, path, why, wn);
	w->conflict = NULL;
	w->cctx = NULL;
	return rc;
}

static void state_text(const struct warehouse *w, struct buf *b)
{
	for (size_t i = 0; i < w->ntab; i++) {
		const struct whtable *t = w->tab[i];
		buf_adds(b, "{\"table\":");
		json_write_str(b, t->name, t->len);
		buf_printf(b, ",\"kind\":\"%s\",\"columns\":[", kindname[t->kind]);
		int first = 1;
		for (size_t j = 0; j < t->ncols; j++) {
			if (t->col[j].type < T_BOOL)
				continue;
			buf_printf(b, "%s[\"%s\",\"%s\"]", first ? "" : ",", t->col[j].name, typename[t->col[j].type]);
			first = 0;
		}
		buf_adds(b, "]}\n");
	}
}

int warehouse_save(const struct warehouse *w, const char *path)
{
	struct buf text = BUF_INIT, tmp = BUF_INIT;
	state_text(w, &text);
	buf_printf(&tmp, "%s.XXXXXX", path);
	int fd = mkstemp(tmp.p), rc = fd < 0 ? -1 : 0;
	for (size_t off = 0; rc == 0 && off < text.len;) {
		ssize_t k = write(fd, text.p + off, text.len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			rc = -1;
		else
			off += (size_t)k;
	}
	mode_t mask = umask(0);   /* mkstemp made it 0600: honour the umask */
	umask(mask);
	if (rc == 0 && (fchmod(fd, 0666 & ~mask) < 0 || fsync(fd) < 0))
		rc = -1;
	if (fd >= 0 && close(fd) < 0)
		rc = -1;
	if (rc == 0 && rename(tmp.p, path) < 0)
		rc = -1;
	int e = errno;
	if (rc < 0 && fd >= 0)
		unlink(tmp.p);
	buf_free(&text);
	buf_free(&tmp);
	errno = e;
	return rc;
}
