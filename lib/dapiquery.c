/* dapiquery.c: a read query through /api/v2/query/rows (dapiquery.h). */
#include <string.h>

#include "cli.h"
#include "dapiquery.h"

int dapi_query_rows(const char *p, size_t n, struct json_slice *rows)
{
	struct json_members m = { 0 };
	struct json_error e;
	struct json_slice res, first, k;
	struct json_iter it;
	int rc = -1;
	if (json_parse(p, n, 0, &m, &e) < 0)
		goto out;
	if (json_members_get(&m, "error", &res)) {
		rc = 0;
		goto out;
	}
	if (!json_members_get(&m, "results", &res) || res.type != JSON_ARRAY)
		goto out;
	json_iter_init(&it, res);
	if (!json_iter_next(&it, &k, &first) || first.type != JSON_OBJECT)
		goto out;
	if (json_get(first, "rows", rows) && rows->type == JSON_ARRAY)
		rc = 1;
out:
	json_members_free(&m);
	return rc;
}

/* outcome: what a finished query request's answer means. */
static enum dapi_outcome outcome(const struct dapi_req *r)
{
	struct json_slice rows;
	if (r->cc != CURLE_OK || r->status != 200)
		return dapi_classify(r);
	if (r->resp.len >= DAPI_RESP_MAX)
		return DAPI_TOO_LARGE;
	switch (dapi_query_rows(r->resp.p, r->resp.len, &rows)) {
	case 1: return DAPI_OK;
	case 0: return DAPI_FAILED;
	default: return DAPI_BAD_ANSWER;
	}
}

enum dapi_outcome dapi_query(struct dapi_client *c, const struct retry_policy *rp, const char *body, size_t n,
                             struct dapi_req *r)
{
	uint64_t first = now_ms(), wait;
	buf_reset(&r->body);
	dapi_body(&r->body, body, n, c->conf->database);
	for (unsigned tries = 0;; tries++) {
		struct dapi_req *done = NULL;
		int ready;
		dapi_send(c, r);
		while (!done) {
			if (dapi_poll(c, -1, 1000, &ready) < 0)
				die(EX_IOERR, "libcurl: the multi interface failed");
			done = dapi_done(c);
		}
		enum dapi_outcome o = outcome(r);
		if ((o != DAPI_TRANSIENT && o != DAPI_BAD_ANSWER) ||
		    !retry_next(rp, tries, now_ms() - first, r->retry_after_ms, &wait))
			return o;
		retry_sleep_ms(wait);
	}
}
