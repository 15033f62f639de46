/* test_cli.c: durations with their units (parse_duration, fmt_duration) and
 * the binary formats told by their first bytes (magic_find). */
#include "cli.h"
#include "magic.h"
#include "unit.h"

/* dur: parse_duration's milliseconds, or -1 when it refuses s. */
static long long dur(const char *s)
{
	uint64_t ms;
	return parse_duration(s, &ms) < 0 ? -1 : (long long)ms;
}

int main(void)
{
	is_int(dur("500ms"), 500, "500ms");
	is_int(dur("2s"), 2000, "2s");
	is_int(dur("1.5s"), 1500, "1.5s");
	is_int(dur("1m"), 60000, "1m");
	is_int(dur("1h"), 3600000, "1h");
	is_int(dur("3"), 3000, "a bare number is seconds");
	is_int(dur("0.002"), 2, "0.002 is 2 ms");
	is_int(dur("0"), 0, "0");
	const char *bad[] = { "", "s", "-1s", "2x", "2 s", "1e400", "ms", "2sec", "inf" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		is_int(dur(bad[i]), -1, "'%s' is refused", bad[i]);

	char b[32];
	is_str(fmt_duration(b, sizeof b, 250), "250 ms", "250 ms");
	is_str(fmt_duration(b, sizeof b, 1500), "1.5 s", "1.5 s");
	is_str(fmt_duration(b, sizeof b, 8000), "8 s", "8 s");
	is_str(fmt_duration(b, sizeof b, 60400), "60 s", "60 s");

	const struct magic *m = magic_find("\x1f\x8b\x08\0", 4);
	ok(m && strcmp(m->name, "gzip") == 0 && m->kind == MAGIC_FILTER, "gzip");
	m = magic_find("PAR1....", 8);
	ok(m && strcmp(m->name, "Parquet") == 0 && m->kind == MAGIC_OTHER, "Parquet");
	char tar[MAGIC_BYTES] = { 0 };
	memcpy(tar + 257, "ustar", 5);
	m = magic_find(tar, sizeof tar);
	ok(m && strcmp(m->name, "tar") == 0, "tar");
	ok(!magic_find("{\"a\":1}", 7), "JSON is not binary");
	ok(!magic_find("\x1f", 1), "one byte tells nothing");
	return done();
}
