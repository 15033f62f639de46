/* rowrecord.c: writing row and DDL records. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rowrecord.h"

void rowfmt_init(struct rowfmt *f, const char *table, const char *const *names, size_t n)
{
	struct buf b = BUF_INIT;
	memset(f, 0, sizeof *f);
	f->table = xstrdup(table);
	buf_adds(&f->head, "{\"_table\":");
	json_write_str(&f->head, table, strlen(table));
	f->tlen = f->head.len - 10;
	buf_adds(&f->head, ",\"_row\":{");
	f->ncols = n;
	f->colkey = xcalloc(n ? n : 1, sizeof *f->colkey);
	f->colkeylen = xcalloc(n ? n : 1, sizeof *f->colkeylen);
	f->pos = xcalloc(1, sizeof *f->pos);
	f->pos->voff = xcalloc(n ? n : 1, sizeof *f->pos->voff);
	f->pos->vlen = xcalloc(n ? n : 1, sizeof *f->pos->vlen);
	for (size_t i = 0; i < n; i++) {
		buf_reset(&b);
		if (i)
			buf_addc(&b, ',');
		json_write_str(&b, names[i], strlen(names[i]));
		buf_addc(&b, ':');
		f->colkey[i] = xstrdup(buf_cstr(&b));
		f->colkeylen[i] = b.len;
	}
	buf_free(&b);
}

void rowfmt_free(struct rowfmt *f)
{
	for (size_t i = 0; i < f->ncols; i++)
		free(f->colkey[i]);
	free(f->colkey);
	free(f->colkeylen);
	if (f->pos) {
		free(f->pos->voff);
		free(f->pos->vlen);
		free(f->pos);
	}
	free(f->table);
	buf_free(&f->head);
	memset(f, 0, sizeof *f);
}

void row_begin(const struct rowfmt *f, struct buf *out)
{
	f->pos->start = out->len;
	f->pos->n = 0;
	f->pos->bad = 0;
	buf_add(out, f->head.p, f->head.len);
}

void row_json(const struct rowfmt *f, struct buf *out, size_t i, const char *p, size_t n)
{
	struct rowpos *pos = f->pos;
	buf_grow(out, f->colkeylen[i] + n);
	buf_add(out, f->colkey[i], f->colkeylen[i]);
	if (i == pos->n) {
		pos->voff[i] = out->len;
		pos->vlen[i] = n;
		pos->n++;
	} else {
		pos->bad = 1;
	}
	buf_add(out, p, n);
}

/* members_set: mem holds n members, their slices unset. */
static void members_set(struct json_members *mem, size_t n)
{
	if (mem->cap < n) {
		mem->cap = n;
		mem->m = xrealloc(mem->m, n * sizeof *mem->m);
	}
	mem->n = n;
}

int rowfmt_members(const struct rowfmt *f, const struct buf *out, struct json_members *top,
                   struct json_members *row)
{
	const struct rowpos *pos = f->pos;
	if (pos->bad || pos->n != f->ncols)
		return -1;
	const char *s = out->p + pos->start;
	size_t len = out->len - pos->start;
	/* {"_table":T,"_row":{...}} */
	members_set(top, 2);
	top->m[0].key = (struct json_slice){ s + 1, 8, JSON_STRING };
	top->m[0].val = (struct json_slice){ s + 10, f->tlen, JSON_STRING };
	top->m[1].key = (struct json_slice){ s + 11 + f->tlen, 6, JSON_STRING };
	top->m[1].val = (struct json_slice){ s + f->head.len - 1, len - f->head.len, JSON_OBJECT };
	members_set(row, f->ncols);
	for (size_t i = 0; i < f->ncols; i++) {
		const char *v = out->p + pos->voff[i];
		size_t comma = i ? 1 : 0;
		row->m[i].key = (struct json_slice){ v - f->colkeylen[i] + comma, f->colkeylen[i] - 1 - comma,
		                                     JSON_STRING };
		row->m[i].val = (struct json_slice){ v, pos->vlen[i], json_type_at(v, v + pos->vlen[i]) };
	}
	return 0;
}

void row_null(const struct rowfmt *f, struct buf *out, size_t i)
{
	row_json(f, out, i, "null", 4);
}

void row_end(struct buf *out)
{
	buf_add(out, "}}", 2);
}

void ddl_record(struct buf *out, const char *table, const char *sql)
{
	buf_adds(out, "{\"_table\":");
	json_write_str(out, table, strlen(table));
	buf_adds(out, ",\"_ddl\":");
	json_write_str(out, sql, strlen(sql));
	buf_addc(out, '}');
}
