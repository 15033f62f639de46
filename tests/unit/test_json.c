/* test_json.c: the JSON core against JSONTestSuite (every y_ accepted, every
 * n_ rejected, every i_ answered) and a table of edge cases: error classes,
 * offsets, depth, member index, decoding and the string writer. And the
 * block scanner against the scanner of before (json_ref.c): every boundary
 * byte at every offset of a block, every short UTF-8 sequence, and random
 * documents, answered alike (code, offset, message, member index), and
 * json_raw_utf8 against its byte loop of before. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "json.h"
#include "json_ref.c"
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
	/* boundaries of the block scanner: faults in the 1st to 17th byte */
	{ "\"\xF4\x8F\xBF\xBF\"", JSON_OK, -1 },               /* U+10FFFF */
	{ "\"0123456\xF4\x90\x80\x80\"", JSON_E_UTF8, 8 },     /* U+10FFFF + 1 */
	{ "\"0123456789abcde\xE0\x9F\xBF\"", JSON_E_UTF8, 16 }, /* overlong, 3 bytes */
	{ "\"0123456789abcd\xF0\x8F\xBF\xBF\"", JSON_E_UTF8, 15 }, /* overlong, 4 bytes */
	{ "\"01234567\xC1\xBF\"", JSON_E_UTF8, 9 },              /* overlong, 2 bytes */
	{ "\"0123456789abcdef\xED\xBF\xBF\"", JSON_E_UTF8, 17 }, /* encoded low surrogate */
	{ "\"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE6\x95\xB0\xE6\x8D\"", JSON_E_UTF8, 13 }, /* cut by '"' */
	{ "\"abc\xE6\x97", JSON_E_UTF8, 4 },                     /* cut by the end */
	{ "\"0123456789abcd\xF0\x9F\x98", JSON_E_UTF8, 15 },     /* cut at a block's end */
	{ "\"0123456789abcd\xF0\x9F\x98x\"", JSON_E_UTF8, 15 }, /* cut across a block */
	{ "\"0123456789abcdef\x80\"", JSON_E_UTF8, 17 },         /* stray continuation */
	{ "\"\xC3\xA9" "0123456789abc\x1F\"", JSON_E_SYNTAX, 16 },  /* control after UTF-8 */
	{ "\"0123456789abcde\x7F\"", JSON_OK, -1 },              /* DEL is no control */
	{ "\"0123456789abcdef\\", JSON_E_SYNTAX, 18 },           /* escape cut by the end */
	{ "\"0123456789abcd\\ud83d\\ude0\"", JSON_E_UTF8, 15 },
	{ "\"\xC3\xA9\\uDBFF\\uDFFF\\u0000\\/\\b\\f\\r\"", JSON_OK, -1 },
	{ "\"\xC3\xA9\\uDBFF\\uE000\"", JSON_E_UTF8, 3 },
	{ "\"\xC3\xA9\\uDC00\\uDC00\"", JSON_E_UTF8, 3 },
	{ "\"\xC3\xA9\\u00g0\"", JSON_E_SYNTAX, 3 },
	{ "\"\xC3\xA9\\U0041\"", JSON_E_SYNTAX, 4 },
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
	struct json_slice obj = { t, strlen(t), JSON_OBJECT }, x = { 0 };
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

/* same: do the block scanner and the reference answer t[0..n) alike? The
 * text is copied to a buffer of its size, so that a sanitizer build sees
 * any read past its end. */
static int same(const char *text, size_t n, int max_depth)
{
	static struct json_members m1, m2;
	struct json_error e1, e2;
	char *t = xmalloc(n ? n : 1);
	memcpy(t, text, n);
	int r1 = json_parse(t, n, max_depth, &m1, &e1);
	int r2 = json_ref_parse(t, n, max_depth, &m2, &e2);
	int alike = r1 == r2 && m1.n == m2.n;
	if (alike && r1 < 0)
		alike = e1.code == e2.code && e1.offset == e2.offset && strcmp(e1.msg, e2.msg) == 0;
	for (size_t i = 0; alike && i < m1.n; i++)
		alike = m1.m[i].key.p == m2.m[i].key.p && m1.m[i].key.n == m2.m[i].key.n &&
		        m1.m[i].val.p == m2.m[i].val.p && m1.m[i].val.n == m2.m[i].val.n &&
		        m1.m[i].val.type == m2.m[i].val.type;
	static struct buf b1, b2;              /* and surrogate pairs to UTF-8 */
	buf_reset(&b1);
	buf_reset(&b2);
	json_raw_utf8(t, n, &b1);
	ref_raw_utf8(t, n, &b2);
	alike = alike && b1.len == b2.len && memcmp(b1.p, b2.p, b1.len) == 0;
	alike = alike && ref_other_ways(t, n, max_depth, r2, &e2);
	free(t);
	return alike;
}

/* probe: the bytes of probe in a string at every offset 0..40, closed or
 * not, and cut at every length at the end of the input. Counts misses. */
static int probe(const char *pr, size_t len)
{
	char t[128];
	int miss = 0;
	for (size_t off = 0; off <= 40; off++) {
		t[0] = '{'; t[1] = '"'; t[2] = 'k'; t[3] = '"'; t[4] = ':'; t[5] = '"';
		memset(t + 6, 'a', off);
		memcpy(t + 6 + off, pr, len);
		size_t n = 6 + off + len;
		for (size_t cut = 6 + off; cut <= n; cut++)
			miss += !same(t, cut, 0);
		memcpy(t + n, "xyz\"}", 5);
		miss += !same(t, n + 5, 0);
		memcpy(t + n, "\"}", 2);
		miss += !same(t, n + 2, 0);
		if (miss) {
			printf("# differs: probe of %zu bytes at offset %zu\n", len, off);
			return miss;
		}
	}
	return miss;
}

static void boundaries(void)
{
	static const char *const probes[] = {
		"\"", "\\", "\\\"", "\\n", "\\/", "\\x", "\\u0041", "\\u004", "\\uD83D\\uDE00",
		"\\uD83D", "\\uD83D\\u0041", "\\uDE00", "\\uDBFF\\uDFFF", "\\ud800\\udc00x",
		"\x00", "\x01", "\x1F", "\x7F", " ", "\xC3\xA9", "\xC3", "\xC2\x80", "\xC1\xBF",
		"\xC0\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xE0\x9F\xBF", "\xED\x9F\xBF",
		"\xED\xA0\x80", "\xEF\xBF\xBF", "\xE6\x97", "\xF0\x90\x80\x80", "\xF0\x8F\xBF\xBF",
		"\xF4\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\x80", "\xBF",
		"\xF0\x9F\x98", "\xF0\x9F", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", "\xC3\xA9\"",
		"\xC3\"", "\xE6\x97\\n", "\xC3\xA9\\", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80",
	};
	int miss = 0;
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
		miss += probe(probes[i], strlen(probes[i]));
	miss += probe("\xC3\xA9\0\xC3\xA9", 5);
	is_int(miss, 0, "every boundary probe at offsets 0-40 answered as before");

	/* every two bytes, and four bytes of the bytes that matter, at 3 offsets */
	static const unsigned char v[] = {
		0x00, 0x1F, 0x20, 0x22, 0x5C, 0x61, 0x75, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
		0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
	};
	size_t nv = sizeof v, bad = 0, runs = 0;
	char t[64];
	for (unsigned a = 0; a < 65536; a++)
		for (size_t off = 13; off <= 15; off++) {
			memset(t, 'a', sizeof t);
			t[0] = '"';
			t[off] = (char)(a >> 8);
			t[off + 1] = (char)a;
			t[20] = '"';
			bad += !same(t, 21, 0);
			bad += !same(t, off + 2, 0);
			runs += 2;
		}
	for (size_t a = 0; a < nv; a++) for (size_t b = 0; b < nv; b++)
	for (size_t c = 0; c < nv; c++) for (size_t d = 0; d < nv; d++)
		for (size_t off = 12; off <= 16; off += 2) {
			memset(t, 'a', sizeof t);
			t[0] = '"';
			t[off] = (char)v[a]; t[off + 1] = (char)v[b];
			t[off + 2] = (char)v[c]; t[off + 3] = (char)v[d];
			t[24] = '"';
			bad += !same(t, 25, 0);
			bad += !same(t, off + 4, 0);
			runs += 2;
		}
	is_int(bad, 0, "all %zu texts of every 2 bytes and of 4 boundary bytes answered as before", runs);
}

/* random_docs: documents of random pieces, valid and not, answered alike. */
static void random_docs(void)
{
	static const char *const pieces[] = {
		"{", "}", "[", "]", ",", ":", " ", "\n", "\"", "\"k\":", "1", "-0.5e+3", "01", "true", "nul",
		"abcdefgh", "0123456789abcdefghij", "\\", "\\\"", "\\n", "\\u00e9", "\\uD83D\\uDE00",
		"\\uD83D", "\\uDE00x", "\\u12G4", "\\q", "\x01", "\x1F", "\x7F", "\xC3\xA9",
		"\xD0\x9C\xD0\xBE", "\xE6\x97\xA5", "\xF0\x9F\x98\x80", "\xC3", "\xE6\x97",
		"\xF0\x9F\x98", "\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF",
	};
	uint64_t x = 88172645463325252ULL;
	size_t bad = 0, n = 200000;
	char t[512];
	for (size_t k = 0; k < n; k++) {
		size_t len = 0;
		unsigned parts = 1 + (unsigned)(x % 40);
		memcpy(t, "{\"a\":\"", 6);
		len = 6;
		for (unsigned j = 0; j < parts && len < sizeof t - 8; j++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			const char *pc = pieces[x % (sizeof pieces / sizeof pieces[0])];
			size_t l = strlen(pc);
			memcpy(t + len, pc, l);
			len += l;
		}
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		if (x & 1) {
			memcpy(t + len, "\"}", 2);
			len += 2;
		}
		bad += !same(t, len, 0);
		bad += !same(t + 6, len - 6, 3);
	}
	is_int(bad, 0, "%zu random documents answered as before", 2 * n);
}

/* sub_members: the index of one named top-level object, as json_members_get
 * and json_get would answer. */
static void sub_members(void)
{
	struct json_members m = {0};
	struct json_error err;
	struct json_slice c, v;
	m.sub_key = "context";
	const char *t = "{\"context\":{\"a\":1},\"x\":{\"traits\":0},\"context\" : { \"ip\":\"1\", "
	                "\"traits\" : {\"k\":[{\"traits\":2}]} , \"t\\u0072\":true }, \"y\":[{\"z\":{}}]}";
	ok(json_parse(t, strlen(t), 0, &m, &err) == 0, "sub index parse");
	ok(json_members_get(&m, "context", &c) && m.sub_at == c.p, "sub_at is the last context's value");
	is_int(m.nsub, 3, "its 3 members, not the nested ones nor the first context's");
	ok(json_members_sub_get(&m, c, "traits", &v) && v.type == JSON_OBJECT && v.n == 20 &&
	   memcmp(v.p, "{\"k\":[{\"traits\":2}]}", 20) == 0, "traits's slice exact");
	ok(json_members_sub_get(&m, c, "tr", &v) && v.type == JSON_TRUE && v.n == 4, "escaped key decoded");
	ok(!json_members_sub_get(&m, c, "a", &v), "the first context's member is not in it");
	json_members_get(&m, "x", &v);
	ok(json_members_sub_get(&m, v, "traits", &v) && v.n == 1, "another object: json_get");
	const char *u = "{\"context\":{\"traits\":1},\"cont\\u0065xt\":null}";
	ok(json_parse(u, strlen(u), 0, &m, &err) == 0 && json_members_get(&m, "context", &c) && c.type == JSON_NULL &&
	   m.sub_at != c.p && !json_members_sub_get(&m, c, "traits", &v), "a later escaped duplicate: not the sub index");
	const char *w = "{\"context\":[{\"traits\":1}]}";
	ok(json_parse(w, strlen(w), 0, &m, &err) == 0 && m.sub_at == w + 11 && m.nsub == 1 &&
	   json_members_get(&m, "context", &c) && !json_members_sub_get(&m, c, "traits", &v),
	   "an array: its elements, and no member named traits");
	const char *cut = "{\"context\":{\"a\":1}";
	ok(json_parse(cut, strlen(cut), 0, &m, &err) < 0 && m.sub_at == NULL && m.nsub == 0,
	   "a failed parse leaves none");
	struct json_members d = {0};
	ok(json_parse(t, strlen(t), 0, &m, &err) == 0, "parse again");
	size_t n = m.n;
	const char *at = m.sub_at;
	struct json_member *arr = m.m;
	d.sub_key = "other";
	json_members_take(&d, &m);
	ok(d.n == n && d.nsub == 3 && d.sub_at == at && d.m == arr && json_members_get(&d, "context", &c) &&
	   json_members_sub_get(&d, c, "ip", &v) && v.n == 3, "the taker answers the same, from the same array");
	ok(m.n == 0 && m.nsub == 0 && m.sub_at == NULL && !json_members_get(&m, "context", &v) &&
	   strcmp(m.sub_key, "context") == 0 && strcmp(d.sub_key, "other") == 0,
	   "the giver is left empty; each keeps its sub_key");
	ok(json_parse(t, strlen(t), 0, &m, &err) == 0 && m.nsub == 3 && m.m != arr && d.m == arr,
	   "the giver parses again into its new room, the taker's index untouched");
	d.sub_key = NULL;
	const char *a = "{\"args\":[1],\"sql\":\"?\",\"args\" : [ \"x\" , [2,[3]], {\"a\":[4]}, null ,-1.5e3] }";
	struct json_slice args;
	m.sub_key = "args";
	ok(json_parse(a, strlen(a), 0, &m, &err) == 0 && json_members_get(&m, "args", &args) && m.sub_at == args.p,
	   "an array's elements indexed");
	is_int(json_count(&m, args), 5, "json_count from the index");
	is_int(json_count(NULL, args), 5, "json_count by skipping");
	ok(m.nsub == 5 && m.sub[1].key.type == JSON_NONE && m.sub[1].val.type == JSON_ARRAY && m.sub[1].val.n == 7 &&
	   m.sub[4].val.n == 6 && m.sub[3].val.type == JSON_NULL, "the elements' slices exact");
	json_members_get(&m, "sql", &v);
	is_int(json_count(&m, v), 0, "a string has no members");
	ok(json_parse("{\"args\":[]}", strlen("{\"args\":[]}"), 0, &m, &err) == 0 && json_members_get(&m, "args", &args) &&
	   json_count(&m, args) == 0 && m.sub_at == args.p, "an empty array");
	m.sub_key = NULL;
	ok(json_parse(t, strlen(t), 0, &m, &err) == 0 && m.sub_at == NULL && m.nsub == 0, "no sub_key: none");
	json_members_get(&m, "context", &c);
	is_int(json_count(&m, c), 3, "json_count of an object without an index");
	json_members_free(&m);
	json_members_free(&d);
}

/* has_escape: every length and position of the backslash, word loop and memchr. */
static void has_escape(void)
{
	char t[140];
	int bad = 0;
	for (size_t n = 0; n <= 130; n++)
		for (size_t at = 0; at <= n; at++) {
			memset(t, 'a', sizeof t);
			t[0] = '"';
			t[n + 1] = '"';
			if (at < n)
				t[1 + at] = '\\';
			t[n + 2] = '\\';     /* after the string: never counted */
			struct json_slice s = { t, n + 2, JSON_STRING };
			bad += json_str_has_escape(s) != (at < n);
			t[1 + at] = (char)0xdc;  /* a byte whose xor with '\\' is 0x80 */
			bad += at < n && json_str_has_escape(s);
		}
	is_int(bad, 0, "json_str_has_escape at every length and position");
}

/* key_eq: json_key_eq answers as decoding and comparing does, for names
 * with and without backslashes and keys with escapes anywhere. */
static void key_eq(void)
{
	static const char *const raw[] = {
		"\"type\"", "\"typ\"", "\"types\"", "\"t\\u0079pe\"", "\"\\u0074ype\"", "\"typ\\u0065\"",
		"\"ty\\npe\"", "\"a\\\\b\"", "\"a\\nb\"", "\"\"", "\"t\\\"\"", "\"type\\u0000\"",
		"\"a\\b\"", "\"\\\\\"", "\"\\u00e9\"", "\"\xc3\xa9\"" };
	static const char *const name[] = { "type", "typ", "types", "a\\b", "a\nb", "", "ty\npe", "t\"",
		"\\", "a\\nb", "\xc3\xa9", "ty" };
	int bad = 0, same = 0;
	for (size_t i = 0; i < sizeof raw / sizeof *raw; i++)
		for (size_t j = 0; j < sizeof name / sizeof *name; j++) {
			struct json_slice k = { raw[i], strlen(raw[i]), JSON_STRING };
			struct buf d = BUF_INIT;
			json_str_decode(k, &d);
			int want = d.len == strlen(name[j]) && memcmp(d.p ? d.p : "", name[j], d.len) == 0;
			bad += json_key_eq(k, name[j]) != want;
			same += want;
			buf_free(&d);
		}
	is_int(bad, 0, "json_key_eq as decode-and-compare (%d equal pairs)", same);
}

int main(void)
{
	compact();
	suite();
	table();
	depth();
	members();
	sub_members();
	has_escape();
	key_eq();
	strings();
	boundaries();
	random_docs();
	return done();
}
