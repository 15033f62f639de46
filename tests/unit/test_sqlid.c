/* test_sqlid: the identifier rule and backtick quoting. */
#include <stdlib.h>

#include "sqlid.h"
#include "unit.h"

static const char *quoted(const char *s)
{
	static struct buf b;
	buf_reset(&b);
	sqlid_quote(&b, s, strlen(s));
	return buf_cstr(&b);
}

int main(void)
{
	char why[128];
	static const char *good[] = { "a", "messageId", "segment_data", "_x", "$t", "a1", "1a", "A_B$9" };
	static const char *bad[] = { "", "a b", "a-b", "a`b", "a'b", "a\"b", "a.b", "é", "a;b", "a\\b", "a?b", "123", "0" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		ok(sqlid_valid(good[i], strlen(good[i])), "valid: %s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(!sqlid_valid(bad[i], strlen(bad[i])), "invalid: '%s'", bad[i]);
	ok(!sqlid_valid("a\0b", 3), "a NUL byte is refused");
	char max[SQLID_MAX + 2];
	memset(max, 'x', sizeof max);
	ok(sqlid_valid(max, SQLID_MAX), "256 bytes is the longest name");
	ok(!sqlid_valid(max, SQLID_MAX + 1), "257 bytes is too long");
	is_str(sqlid_check("a b", 3, why, sizeof why), "byte 0x20 not allowed in a name", "reason for a space");
	is_str(sqlid_check("a'b", 3, why, sizeof why), "character ''' not allowed in a name", "reason for a quote");
	is_str(sqlid_check("", 0, why, sizeof why), "empty name", "reason for empty");
	ok(sqlid_check("ok", 2, why, sizeof why) == NULL, "no reason for a good name");
	is_str(quoted("t"), "`t`", "quote a plain name");
	is_str(quoted("a`b"), "`a``b`", "a backtick is doubled");
	is_str(quoted("``"), "``````", "only backticks");
	{
		/* names are length-delimited: nothing past n is read (ASan checks) */
		char *digits = malloc(2), *name = malloc(3);
		memcpy(digits, "12", 2);
		memcpy(name, "a12", 3);
		ok(!sqlid_valid(digits, 2), "all-digit name without a NUL refused");
		ok(sqlid_valid(name, 3), "name without a NUL accepted");
		ok(!sqlid_valid(name + 1, 2) && sqlid_valid(name, 1), "a prefix is judged alone");
		free(digits);
		free(name);
	}
	return done();
}
