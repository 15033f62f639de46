/* test_whname.c: Segment's warehouse names: go-snakecase's own test table,
 * its quirks, the reserved-word and digit prefix, the length limit, and the
 * surrogate-pair rewrite of JSON columns (json_raw_utf8). */
#include <stdlib.h>

#include "json.h"
#include "unit.h"
#include "whname.h"

static const char *name(const char *s, size_t max)
{
	static struct buf b;
	buf_reset(&b);
	whname(s, strlen(s), max, &b);
	return buf_cstr(&b);
}

static const char *raw(const char *s)
{
	static struct buf b;
	buf_reset(&b);
	json_raw_utf8(s, strlen(s), &b);
	return buf_cstr(&b);
}

int main(void)
{
	static const char *const cases[][2] = {
		{ "sample text", "sample_text" }, { "sample-text", "sample_text" },
		{ "sample_text", "sample_text" }, { "sample___text", "sample_text" },
		{ "sampleText", "sample_text" },
		{ "inviteYourCustomersAddInvites", "invite_your_customers_add_invites" },
		{ "sample 2 Text", "sample_2_text" }, { "   sample   2    Text   ", "sample_2_text" },
		{ "   $#$sample   2    Text   ", "sample_2_text" }, { "SAMPLE 2 TEXT", "sample_2_text" },
		{ "___$$Base64Encode", "base64_encode" }, { "FOO:BAR$BAZ", "foo_bar_baz" },
		{ "FOO#BAR#BAZ", "foo_bar_baz" }, { "something.com", "something_com" },
		{ "$something%", "something" },
		{ "\xE2\x80\xA2\xC2\xB6\xC2\xA7\xC6\x92\xCB\x9A" "foo\xCB\x99\xE2\x88\x86\xCB\x9A\xC2\xAC", "foo" },
		{ "HTTPRequest", "httprequest" }, { "omega v2", "omega_v2" }, { "v2Beta", "v_2beta" },
		{ "9mega", "_9mega" }, { "2021 revenue", "_202_1_revenue" }, { "select", "_select" },
		{ "Order", "_order" }, { "current_timestamp", "_current_timestamp" }, { "xor", "_xor" },
		{ "add", "_add" }, { "adds", "adds" }, { "_private", "_private" }, { "price_", "price" },
		{ "", "" }, { "!!!", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_str(name(cases[i][0], 256), cases[i][1], "'%s'", cases[i][0]);
	is_str(name("abcdefghij", 4), "abcd", "cut to the limit");
	is_str(name("9abc", 3), "_9a", "the prefix counts toward the limit");
	ok(whname_reserved("where", 5) && !whname_reserved("wher", 4) && !whname_reserved("wheres", 6),
	   "reserved words match whole");

	is_str(raw("[\"\\ud83d\\ude00\"]"), "[\"\xF0\x9F\x98\x80\"]", "a pair becomes raw UTF-8");
	is_str(raw("{\"a\\ud83d\\ude00\":\"\\\\ud83d\\ude00\"}"), "{\"a\xF0\x9F\x98\x80\":\"\\\\ud83d\\ude00\"}",
	       "keys too; an escaped backslash is not an escape");
	is_str(raw("[\"\\u00e9\\n\",1.50]"), "[\"\\u00e9\\n\",1.50]", "other escapes and bytes kept");
	ok(json_has_surrogate_escape("\"\\uD83D\\uDE00\"", 14) && !json_has_surrogate_escape("\"\\u00e9\"", 8),
	   "the quick test");
	return done();
}
