/* idcheck.c: the ids a table lacks, asked in chunks (idcheck.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idcheck.h"
#include "sqlid.h"

/* bytes of answer an id may take: {"h":"HEX"}, */
#define ANSWER_PER_ID(n) (2 * (n) + 12)
#define ANSWER_BUDGET (DAPI_RESP_MAX - 4096)

void idcheck_init(struct idcheck *k, struct dapi_client *api, const struct retry_policy *rp,
                  const char *table, const char *column,
                  void (*missing)(void *ctx, const char *id, size_t n), void *ctx)
{
	memset(k, 0, sizeof *k);
	k->api = api;
	k->rp = rp;
	k->table = table;
	k->column = column;
	k->missing = missing;
	k->ctx = ctx;
}

void idcheck_free(struct idcheck *k)
{
	buf_free(&k->ids);
	buf_free(&k->body);
	buf_free(&k->hex);
	buf_free(&k->req.body);
	buf_free(&k->req.resp);
}

/* make_body: the query for the chunk's ids. */
static void make_body(struct idcheck *k)
{
	struct buf sql = BUF_INIT;
	buf_adds(&sql, "SELECT HEX(");
	sqlid_quote(&sql, k->column, strlen(k->column));
	buf_adds(&sql, ") AS h FROM ");
	sqlid_quote(&sql, k->table, strlen(k->table));
	buf_adds(&sql, " WHERE ");
	sqlid_quote(&sql, k->column, strlen(k->column));
	buf_adds(&sql, " IN (");
	for (size_t i = 0; i < k->n; i++)
		buf_adds(&sql, i ? ",?" : "?");
	buf_adds(&sql, ")");
	buf_reset(&k->body);
	buf_adds(&k->body, "{\"sql\":");
	json_write_str(&k->body, sql.p, sql.len);
	buf_adds(&k->body, ",\"args\":[");
	for (size_t i = 0; i < k->n; i++) {
		if (i)
			buf_addc(&k->body, ',');
		json_write_str(&k->body, k->ids.p + k->off[i], k->off[i + 1] - k->off[i]);
	}
	buf_adds(&k->body, "]}");
	buf_free(&sql);
}

static int unhex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* mark: the chunk's id whose bytes HEX gave back, as found. A linear
 * search: at most IDCHECK_CHUNK^2 comparisons a chunk, little beside its
 * round trip. */
static void mark(struct idcheck *k, struct json_slice h)
{
	buf_reset(&k->hex);
	for (size_t i = 1; i + 2 < h.n; i += 2) {
		int a = unhex(h.p[i]), b = unhex(h.p[i + 1]);
		if (a < 0 || b < 0)
			return;
		buf_addc(&k->hex, (char)(a * 16 + b));
	}
	for (size_t i = 0; i < k->n; i++)
		if (k->off[i + 1] - k->off[i] == k->hex.len && memcmp(k->ids.p + k->off[i], k->hex.p, k->hex.len) == 0)
			k->found[i] = 1;
}

enum dapi_outcome idcheck_flush(struct idcheck *k)
{
	if (!k->n)
		return DAPI_OK;
	make_body(k);
	k->queries++;
	enum dapi_outcome o = dapi_query(k->api, k->rp, k->body.p, k->body.len, &k->req);
	if (o != DAPI_OK) {
		struct buf d = BUF_INIT;
		dapi_describe(&k->req, &d);
		snprintf(k->err, sizeof k->err, "%s", o == DAPI_TOO_LARGE ? "the answer is larger than expected"
		         : o == DAPI_FAILED && k->req.status == 200 ? "the query answer carries an error" : buf_cstr(&d));
		buf_free(&d);
		return o;
	}
	struct json_slice rows, row, key, h;
	struct json_iter it;
	memset(k->found, 0, k->n);
	dapi_query_rows(k->req.resp.p, k->req.resp.len, &rows);
	json_iter_init(&it, rows);
	while (json_iter_next(&it, &key, &row))
		if (row.type == JSON_OBJECT && json_get(row, "h", &h) && h.type == JSON_STRING)
			mark(k, h);
	for (size_t i = 0; i < k->n; i++) {
		if (k->found[i]) {
			k->present++;
			continue;
		}
		k->absent++;
		k->missing(k->ctx, k->ids.p + k->off[i], k->off[i + 1] - k->off[i]);
	}
	k->n = 0;
	k->answer = 0;
	buf_reset(&k->ids);
	return DAPI_OK;
}

enum dapi_outcome idcheck_add(struct idcheck *k, const char *id, size_t n)
{
	if (k->n == IDCHECK_CHUNK || k->answer + ANSWER_PER_ID(n) > ANSWER_BUDGET) {
		enum dapi_outcome o = idcheck_flush(k);
		if (o != DAPI_OK)
			return o;
	}
	k->off[k->n] = k->ids.len;
	buf_add(&k->ids, id, n);
	k->off[++k->n] = k->ids.len;
	k->answer += ANSWER_PER_ID(n);
	return DAPI_OK;
}
