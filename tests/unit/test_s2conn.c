/* test_s2conn.c: the Data API endpoint URL from --url or --host (an
 * endpoint named in the URL is replaced), strv_last (an option's value
 * in an argv, in its three spellings), dapi_query_rows (a query answer's
 * rows, an answer with "error", not an answer). */
#include <stdlib.h>

#include "cli.h"
#include "dapiquery.h"
#include "s2conn.h"
#include "strv.h"
#include "unit.h"

static void url_is(const char *url, const char *host, unsigned port, const char *ep, const char *want)
{
	char *got = s2conn_url(url, host, port, ep);
	is_str(got, want, "%s %s -> %s", url ? url : host, ep, want);
	free(got);
}

static void url_tests(void)
{
	url_is("http://127.0.0.1:9000", NULL, 0, "exec", "http://127.0.0.1:9000/api/v2/exec");
	url_is("http://127.0.0.1:9000/", NULL, 0, "query/rows", "http://127.0.0.1:9000/api/v2/query/rows");
	url_is("http://h:9000/api/v2/exec", NULL, 0, "exec", "http://h:9000/api/v2/exec");
	url_is("http://h:9000/api/v2/exec/", NULL, 0, "query/rows", "http://h:9000/api/v2/query/rows");
	url_is("https://h/proxy/api/v2/query/rows", NULL, 0, "exec", "https://h/proxy/api/v2/exec");
	url_is("https://h/proxy", NULL, 0, "exec", "https://h/proxy/api/v2/exec");
	url_is(NULL, "svc.example.com", 443, "exec", "https://svc.example.com:443/api/v2/exec");
	url_is(NULL, "::1", 9000, "query/rows", "https://[::1]:9000/api/v2/query/rows");
}

static void strv_tests(void)
{
	struct strv s = { 0 };
	const char *args[] = { "--url", "http://a", "-d", "db1", "--table=t1", "-tt2", "--insecure", "--url", "http://b", NULL };
	for (int i = 0; args[i]; i++)
		strv_add(&s, args[i]);
	is_int(s.n, 9, "nine strings");
	ok(s.v[9] == NULL, "NULL-terminated");
	is_str(strv_last(&s, "--url"), "http://b", "the last --url wins");
	is_str(strv_last(&s, "-d"), "db1", "a short option with its value apart");
	is_str(strv_last(&s, "--table"), "t1", "--opt=value");
	is_str(strv_last(&s, "-t"), "t2", "-oVALUE");
	ok(strv_last(&s, "--user") == NULL, "absent: NULL");
	ok(strv_last(&s, "--ur") == NULL, "a prefix is not the option");
	strv_free(&s);
	ok(s.n == 0 && s.v == NULL, "freed");
}

static void rows_tests(void)
{
	struct json_slice rows;
	const char *a = "{\"results\":[{\"rows\":[{\"h\":\"41\"},{\"h\":\"42\"}]}]}";
	is_int(dapi_query_rows(a, strlen(a), &rows), 1, "a query answer");
	ok(rows.type == JSON_ARRAY && rows.n == strlen("[{\"h\":\"41\"},{\"h\":\"42\"}]"), "its rows");
	const char *e = "{\"results\":[{\"rows\":[{\"h\":\"41\"}]}],\"error\":{\"code\":1317,\"message\":\"interrupted\"}}";
	is_int(dapi_query_rows(e, strlen(e), &rows), 0, "an error after the rows");
	const char *x = "{\"rowsAffected\":1}";
	is_int(dapi_query_rows(x, strlen(x), &rows), -1, "an exec answer is no query answer");
	is_int(dapi_query_rows("{\"results\":[{\"ro", 16, &rows), -1, "a cut answer");
}

int main(int argc, char **argv)
{
	(void)argc;
	cli_init(argv[0]);
	url_tests();
	strv_tests();
	rows_tests();
	return done();
}
