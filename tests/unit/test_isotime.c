/* test_isotime.c: a table of date-times, their UTC rendering or rejection. */
#include "isotime.h"
#include "unit.h"

static const struct { const char *in, *out; } cases[] = {
	{ "2015-12-10T04:08:31.905Z", "2015-12-10 04:08:31.905000" },
	{ "2015-12-10 04:08:31Z", "2015-12-10 04:08:31.000000" },
	{ "2015-12-10T04:08:31+00:00", "2015-12-10 04:08:31.000000" },
	{ "2015-12-10T04:08:31.123456789+05:30", "2015-12-09 22:38:31.123456" },
	{ "2015-12-10T04:08:31-0800", "2015-12-10 12:08:31.000000" },
	{ "2016-02-29T12:00:00.1Z", "2016-02-29 12:00:00.100000" },
	{ "2015-12-31T20:00:00-05:00", "2016-01-01 01:00:00.000000" },
	{ "2016-01-01T01:00:00+02:00", "2015-12-31 23:00:00.000000" },
	{ "1970-01-01T00:00:00Z", "1970-01-01 00:00:00.000000" },
	{ "1969-12-31T23:59:59.999999Z", "1969-12-31 23:59:59.999999" },
	{ "2000-02-29t00:00:00z", "2000-02-29 00:00:00.000000" },
	{ "2015-2-02T00:30:08.276Z", NULL },
	{ "2021-10-16T16:00:27.029:Z", NULL },
	{ "2015-13-01T00:00:00Z", NULL },
	{ "2015-02-30T00:00:00Z", NULL },
	{ "2015-02-29T00:00:00Z", NULL },
	{ "1900-02-29T00:00:00Z", NULL },
	{ "2015-01-01T24:00:00Z", NULL },
	{ "2015-01-01T00:00:00", NULL },
	{ "2015-01-01T00:00:00.Z", NULL },
	{ "2015-01-01T00:00:00.1234567890Z", NULL },
	{ "2015-01-01T00:00:00+5:30", NULL },
	{ "2015-01-01T00:00:00+05:3", NULL },
	{ "2015-01-01T00:00:00Zjunk", NULL },
	{ "2015-01-01", NULL },
	{ "", NULL },
};

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct isotime t;
		const char *why = NULL;
		int rc = isotime_parse(cases[i].in, strlen(cases[i].in), &t, &why);
		if (cases[i].out) {
			char out[27] = "";
			if (rc == 0)
				isotime_format(&t, out);
			ok(rc == 0, "parse %s%s%s", cases[i].in, why ? ": " : "", why ? why : "");
			is_str(out, cases[i].out, "format %s", cases[i].in);
		} else {
			ok(rc < 0 && why, "reject %s (%s)", cases[i].in, why ? why : "");
		}
	}
	struct isotime t;
	isotime_parse("2015-05-27T00:00:00Z", 20, &t, NULL);
	is_int(t.sec * 1000, 1432684800000LL, "Segment day folder epoch ms");
	return done();
}
