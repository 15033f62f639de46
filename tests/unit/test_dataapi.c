/* test_dataapi.c: the "database" field added to bodies, SQL error numbers,
 * rowsAffected, and the classification of every kind of answer. */
#include "dataapi.h"
#include "unit.h"

static const char *body(const char *b, const char *db)
{
	static struct buf out;
	buf_reset(&out);
	dapi_body(&out, b, strlen(b), db);
	return buf_cstr(&out);
}

static enum dapi_outcome cls(CURLcode cc, long status, const char *resp)
{
	struct dapi_req r = { 0 };
	r.cc = cc;
	r.status = status;
	buf_adds(&r.resp, resp);
	enum dapi_outcome o = dapi_classify(&r);
	buf_free(&r.resp);
	return o;
}

int main(void)
{
	is_str(body("{\"sql\":\"SELECT 1\"}", "db"), "{\"sql\":\"SELECT 1\",\"database\":\"db\"}", "database appended");
	is_str(body("{ }", "db"), "{ \"database\":\"db\"}", "empty object");
	is_str(body("{\"sql\":\"x\"} \n", "d\"b"), "{\"sql\":\"x\",\"database\":\"d\\\"b\"}", "escaped, trailing space dropped");
	is_str(body("{\"sql\":\"x\"}", NULL), "{\"sql\":\"x\"}", "no database: unchanged");

	is_int(dapi_sql_errno("Error 1146: Table 'db.t' doesn't exist", 38), 1146, "Error N:");
	is_int(dapi_sql_errno("Error 1062 (23000): Duplicate", 29), 1062, "Error N (state):");
	is_int(dapi_sql_errno("Error\t 1064: x", 14), 1064, "tabs");
	is_int(dapi_sql_errno("Error1064", 9), 0, "no space");
	is_int(dapi_sql_errno("error 1064", 10), 0, "case matters");
	is_int(dapi_sql_errno(" Error 1064", 11), 0, "anchored");
	is_int(dapi_sql_errno("Error x", 7), 0, "no number");

	is_int(dapi_rows_affected("{\"lastInsertId\":0,\"rowsAffected\":1000}", 38), 1000, "rowsAffected");
	is_int(dapi_rows_affected("{}", 2), 0, "absent");
	is_int(dapi_rows_affected("not json", 8), 0, "not json");

	is_int(cls(CURLE_OK, 200, "{\"lastInsertId\":0,\"rowsAffected\":3}"), DAPI_OK, "200");
	is_int(cls(CURLE_OK, 200, " {\"rowsAffected\":0}\n"), DAPI_OK, "200 without lastInsertId");
	const char *bad[] = { "{}", "", "<html>ok</html>", "{\"hello\":\"world\"}", "{\"rowsAffected\":\"3\"}",
	                      "{\"rowsAffected\":-1}", "{\"rowsAffected\":1.5}", "{\"rowsAffected\":1e3}",
	                      "{\"rowsAffected\":1,\"rowsAffected\":2}", "{\"rowsAffected\":1,\"x\":1}",
	                      "{\"lastInsertId\":5}", "[{\"rowsAffected\":1}]", "{\"rowsAffected\":18446744073709551616}",
	                      "{\"rowsAffected\":1} x", NULL };
	for (int i = 0; bad[i]; i++)
		is_int(cls(CURLE_OK, 200, bad[i]), DAPI_BAD_ANSWER, "200 not an answer: %s", bad[i]);
	uint64_t ra;
	const char *big = "{\"lastInsertId\":-7,\"rowsAffected\":18446744073709551615}";
	ok(dapi_answer(big, strlen(big), &ra) == 0
	   && ra == UINT64_MAX, "largest rowsAffected, negative lastInsertId");
	is_int(cls(CURLE_OK, 204, ""), DAPI_BAD_ANSWER, "204");
	is_int(cls(CURLE_OK, 302, ""), DAPI_CONFIG, "302 config");
	long tr[] = { 408, 429, 500, 502, 503, 504 };
	for (int i = 0; i < 6; i++)
		is_int(cls(CURLE_OK, tr[i], "busy"), DAPI_TRANSIENT, "%ld transient", tr[i]);
	is_int(cls(CURLE_OK, 401, ""), DAPI_AUTH, "401");
	is_int(cls(CURLE_OK, 403, "Error 1142: denied"), DAPI_AUTH, "403");
	is_int(cls(CURLE_OK, 413, ""), DAPI_TOO_LARGE, "413");
	is_int(cls(CURLE_OK, 400, "Error reading request body: http: request body too large"), DAPI_TOO_LARGE, "400 with Go text");
	is_int(cls(CURLE_OK, 400, "Error 1146 (42S02): Table 'db.t' doesn't exist"), DAPI_FAILED, "SQL error final");
	is_int(cls(CURLE_OK, 400, "Error 1213: Deadlock found"), DAPI_TRANSIENT, "deadlock retried");
	is_int(cls(CURLE_OK, 400, "Error 1205: Lock wait timeout"), DAPI_TRANSIENT, "lock wait retried");
	is_int(cls(CURLE_OK, 404, ""), DAPI_CONFIG, "404 config");
	is_int(cls(CURLE_OK, 415, ""), DAPI_CONFIG, "415 config");
	is_int(cls(CURLE_OK, 422, ""), DAPI_FAILED, "other 4xx final");
	is_int(cls(CURLE_COULDNT_CONNECT, 0, ""), DAPI_TRANSIENT, "refused");
	is_int(cls(CURLE_OPERATION_TIMEDOUT, 0, ""), DAPI_TRANSIENT, "timeout");
	is_int(cls(CURLE_GOT_NOTHING, 0, ""), DAPI_TRANSIENT, "dropped");
	is_int(cls(CURLE_RECV_ERROR, 0, ""), DAPI_TRANSIENT, "reset");
	is_int(cls(CURLE_PEER_FAILED_VERIFICATION, 0, ""), DAPI_CONFIG, "TLS verification");

	struct dapi_req r = { 0 };
	r.status = 400;
	buf_adds(&r.resp, "Error 1064: bad\nSQL\n");
	struct buf d = BUF_INIT;
	dapi_describe(&r, &d);
	is_str(buf_cstr(&d), "HTTP 400: Error 1064: bad SQL", "describe: one line");
	buf_free(&d);
	buf_free(&r.resp);
	return done();
}
