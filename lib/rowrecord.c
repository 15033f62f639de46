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
	buf_adds(&f->head, ",\"_row\":{");
	f->ncols = n;
	f->colkey = xcalloc(n ? n : 1, sizeof *f->colkey);
	f->colkeylen = xcalloc(n ? n : 1, sizeof *f->colkeylen);
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
	free(f->table);
	buf_free(&f->head);
	memset(f, 0, sizeof *f);
}

void row_begin(const struct rowfmt *f, struct buf *out)
{
	buf_add(out, f->head.p, f->head.len);
}

void row_json(const struct rowfmt *f, struct buf *out, size_t i, const char *p, size_t n)
{
	buf_grow(out, f->colkeylen[i] + n);
	buf_add(out, f->colkey[i], f->colkeylen[i]);
	buf_add(out, p, n);
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
