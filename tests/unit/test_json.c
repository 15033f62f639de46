/* test_json.c: the JSON core against JSONTestSuite (every y_ accepted, every
 * n_ rejected, every i_ answered) and a table of edge cases: error classes,
 * offsets, depth, member index, decoding and the string writer. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "json.h"
#include "unit.h"

static char *slurp(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	struct buf b = BUF_INIT;
	char tmp[65536];
	ssize_t r;
	while ((r = read(fd, tmp, sizeof tmp)) > 0)
		buf_add(&b, tmp, (size_t)r);
	close(fd);
	*n = b.len;
	buf_grow(&b, 0);
	return b.p;
}

static void suite(void)
{
	const char *data = getenv("TESTDATA");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/JSONTestSuite/test_parsing", data ? data : "tests/data");
	DIR *d = opendir(dir);
	ok(d != NULL, "JSONTestSuite found at %s", dir);
	if (!d)
		return;
	int y = 0, n = 0, i = 0, ybad = 0, nbad = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[8192];
		size_t len;
		if (e->d_name[0] == '.' || e->d_name[1] != '_')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		char *text = slurp(path, &len);
		if (!text)
			continue;
		struct json_error err;
		int rc = json_parse(text, len, 0, NULL, &err);
		switch (e->d_name[0]) {
		case 'y': y++; if (rc != 0) { ybad++; printf("# rejected %s: %s at %zu\n", e->d_name, err.msg, err.offset); } break;
		case 'n': n++; if (rc == 0) { nbad++; printf("# accepted %s\n", e->d_name); } break;
		case 'i': i++; break;
		}
		free(text);
	}
	closedir(d);
	ok(y > 90 && ybad == 0, "all %d y_ files accepted (%d rejected)", y, ybad);
	ok(n > 180 && nbad == 0, "all %d n_ files rejected (%d accepted)", n, nbad);
	ok(i > 20, "all %d i_ files answered", i);
}

static const struct {
	const char *text;
	int code;          /* JSON_OK, JSON_E_SYNTAX, JSON_E_UTF8, JSON_E_DEPTH */
	long offset;       /* -1: don't check */
} cases[] = {
	{ "{}", JSON_OK, -1 },
	{ " {\"a\" : [1, -0.5e+3, true, false, null, \"x\"]} ", JSON_OK, -1 },
	{ "{\"a\":01}", JSON_E_SYNTAX, 6 },
	{ "{\"a\":1,}", JSON_E_SYNTAX, 7 },
	{ "[1,]", JSON_E_SYNTAX, 3 },
	{ "{\"a\":\"x\ty\"}", JSON_E_SYNTAX, 7 },
	{ "\"\xC0\xAF\"", JSON_E_UTF8, 1 },             /* overlong '/' */
	{ "\"\xED\xA0\x80\"", JSON_E_UTF8, 1 },         /* UTF-8 encoded surrogate */
	{ "\"\xF4\x90\x80\x80\"", JSON_E_UTF8, 1 },     /* above U+10FFFF */
	{ "\"\\uD800\"", JSON_E_UTF8, 1 },              /* lone high surrogate */
	{ "\"\\uDC00\"", JSON_E_UTF8, 1 },              /* lone low surrogate */
	{ "\"\\uD83D\\uDE00\"", JSON_OK, -1 },          /* a valid pair */
	{ "\"\\uD83D\\u0041\"", JSON_E_UTF8, 1 },
	{ "NaN", JSON_E_SYNTAX, 0 },
	{ "1 2", JSON_E_SYNTAX, 2 },
	{ "", JSON_E_SYNTAX, 0 },
	{ "{\"a\":1} x", JSON_E_SYNTAX, 8 },
	{ "{\"a\" 1}", JSON_E_SYNTAX, 5 },
	{ "\"abc", JSON_E_SYNTAX, 4 },
	{ "[1.]", JSON_E_SYNTAX, 3 },
	{ "[1e]", JSON_E_SYNTAX, 3 },
	{ "[-]", JSON_E_SYNTAX, 2 },
	{ "\"\\x\"", JSON_E_SYNTAX, 2 },
	{ "\"\\u12G4\"", JSON_E_SYNTAX, 1 },
	{ "\"\xE2\x82\xAC and \xF0\x9F\x98\x80\"", JSON_OK, -1 },
};

static void table(void)
{
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct json_error err;
		const char *t = cases[k].text;
		int rc = json_parse(t, strlen(t), 0, NULL, &err);
		int code = rc == 0 ? JSON_OK : (int)err.code;
		is_int(code, cases[k].code, "case %zu: %s", k, t);
		if (rc && cases[k].offset >= 0)
			is_int(err.offset, cases[k].offset, "case %zu offset (%s)", k, err.msg);
	}
	/* NUL inside and outside a string */
	struct json_error err;
	ok(json_parse("\"a\0b\"", 5, 0, NULL, &err) < 0 && err.code == JSON_E_SYNTAX, "NUL in string rejected");
	ok(json_parse("{}\0", 3, 0, NULL, &err) < 0, "NUL after value rejected");
}

static void depth(void)
{
	size_t n = 100000;
	char *t = malloc(2 * n);
	memset(t, '[', n);
	memset(t + n, ']', n);
	struct json_error err;
	ok(json_parse(t, 2 * n, 0, NULL, &err) < 0 && err.code == JSON_E_DEPTH, "100000 deep rejected: %s", err.msg);
	ok(json_parse(t + n - 512, 1024, 0, NULL, &err) == 0, "512 deep accepted");
	ok(json_parse(t + n - 513, 1026, 0, NULL, &err) < 0 && err.code == JSON_E_DEPTH, "513 deep rejected");
	ok(json_parse(t, 2 * n, 200000, NULL, &err) == 0, "100000 deep accepted with a higher limit");
	free(t);
}

static void members(void)
{
	const char *t = "{\"type\":\"track\", \"a\\u0062c\" : {\"x\":[1,{\"y\":\"}\"}]} ,\"n\":325.29,\"type\":\"page\"}";
	struct json_members m = {0};
	struct json_error err;
	ok(json_parse(t, strlen(t), 0, &m, &err) == 0, "member index parse");
	is_int(m.n, 4, "4 members");
	struct json_slice v;
	ok(json_members_get(&m, "type", &v) && v.n == 6 && memcmp(v.p, "\"page\"", 6) == 0, "last duplicate wins");
	ok(json_members_get(&m, "abc", &v) && v.type == JSON_OBJECT && v.n == 19, "escaped key found, object slice exact");
	ok(json_members_get(&m, "n", &v) && v.n == 6 && memcmp(v.p, "325.29", 6) == 0, "number slice is byte-exact");
	struct json_slice obj = { t, strlen(t), JSON_OBJECT }, x;
	ok(json_get(obj, "abc", &v) && json_get(v, "x", &x) && x.type == JSON_ARRAY, "nested get");
	struct json_iter it;
	struct json_slice e;
	int cnt = 0;
	json_iter_init(&it, x);
	while (json_iter_next(&it, NULL, &e))
		cnt++;
	is_int(cnt, 2, "array iteration");
	ok(!json_get(obj, "missing", &v), "missing key");
	json_members_free(&m);
}

static void strings(void)
{
	struct buf b = BUF_INIT;
	const char *t = "\"a\\n\\\"\\u00e9\\uD83D\\uDE00\\/\"";
	struct json_slice s = { t, strlen(t), JSON_STRING };
	json_str_decode(s, &b);
	is_str(buf_cstr(&b), "a\n\"\xC3\xA9\xF0\x9F\x98\x80/", "decode escapes and a surrogate pair");
	buf_reset(&b);
	json_write_str(&b, "q\"b\\c\x01\x1f\xC3\xA9\xFF", 10);
	is_str(buf_cstr(&b), "\"q\\\"b\\\\c\\u0001\\u001f\xC3\xA9\xEF\xBF\xBD\"", "writer escapes, replaces bad UTF-8");
	struct json_error err;
	ok(json_parse(b.p, b.len, 0, NULL, &err) == 0, "writer output is valid JSON");
	buf_reset(&b);
	base64_encode(&b, "\xff\x00\x01", 3);
	base64_encode(&b, "ab", 2);
	is_str(buf_cstr(&b), "/wABYWI=", "base64");
	ok(utf8_valid("h\xC3\xA9", 3) && !utf8_valid("\xC3", 1) && !utf8_valid("\xE0\x80\x80", 3), "utf8_valid");
	buf_free(&b);
}

/* compact: whitespace between tokens goes, whitespace in strings stays. */
static void compact(void)
{
	const char *t = " { \"a b\" : [ 1 ,\n 2 ] ,\t\"c\":\"x \\\" y\" , \"d\" : { } } ";
	struct buf b = BUF_INIT;
	struct json_error err;
	ok(json_parse(t, strlen(t), 0, NULL, &err) == 0, "compact: the input is valid");
	json_write_compact(&b, json_value(t + 1, t + strlen(t)));
	is_str(buf_cstr(&b), "{\"a b\":[1,2],\"c\":\"x \\\" y\",\"d\":{}}", "json_write_compact");
	buf_free(&b);
}

int main(void)
{
	compact();
	suite();
	table();
	depth();
	members();
	strings();
	return done();
}
