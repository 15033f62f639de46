/* isotime.c: parsing and formatting of ISO-8601 date-times without libc's
 * time zone machinery (no TZ, no locale, no mktime), so results never depend
 * on the machine's settings. */
#include "isotime.h"

/* days_from_civil and civil_from_days: Howard Hinnant's well-known algorithms
 * for the proleptic Gregorian calendar, written out from their description. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* civil_from_days: the proleptic Gregorian date of day z since 1970-01-01. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

#define BAD(msg) do { *why = (msg); return -1; } while (0)

int isotime_parse(const char *s, size_t n, struct isotime *t, const char **why)
{
	static const unsigned char mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *dummy;
	int y, mo, d, h, mi, sec;
	if (!why)
		why = &dummy;
	if (n < 20)
		BAD("too short for YYYY-MM-DDTHH:MM:SSZ");
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d))
		BAD("date is not YYYY-MM-DD");
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		BAD("expected 'T' or a space between date and time");
	if (digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		BAD("time is not HH:MM:SS");
	if (mo < 1 || mo > 12)
		BAD("month out of range");
	int mlen = mdays[mo - 1] + (mo == 2 && is_leap(y));
	if (d < 1 || d > mlen)
		BAD("day out of range for the month");
	if (h > 23 || mi > 59 || sec > 59)
		BAD("hour, minute or second out of range");
	size_t i = 19;
	int32_t nsec = 0;
	if (i < n && s[i] == '.') {
		size_t k = 0;
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (++k > 9)
				BAD("more than 9 fraction digits");
			nsec = nsec * 10 + (s[i] - '0');
			i++;
		}
		if (k == 0)
			BAD("no digits after the decimal point");
		for (; k < 9; k++)
			nsec *= 10;
	}
	int off = 0;
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1, oh, om;
		i++;
		if (n - i >= 5 && s[i + 2] == ':') {
			if (digits(s + i, 2, &oh) || digits(s + i + 3, 2, &om))
				BAD("zone offset is not +HH:MM");
			i += 5;
		} else if (n - i >= 4) {
			if (digits(s + i, 2, &oh) || digits(s + i + 2, 2, &om))
				BAD("zone offset is not +HHMM");
			i += 4;
		} else {
			BAD("zone offset is not +HH:MM or +HHMM");
		}
		if (oh > 23 || om > 59)
			BAD("zone offset out of range");
		off = sign * (oh * 60 + om);
	} else {
		BAD("missing zone: expected 'Z', +HH:MM or +HHMM");
	}
	if (i != n)
		BAD("unexpected characters after the date-time");
	t->sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec -
	         (int64_t)off * 60;
	t->nsec = nsec;
	return 0;
}

/* put_digits: v as exactly n decimal digits, zero-padded. */
static void put_digits(char *out, unsigned v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void isotime_format(const struct isotime *t, char out[27])
{
	int64_t days = t->sec / 86400, rem = t->sec % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	put_digits(out, (unsigned)y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = ' ';
	put_digits(out + 11, (unsigned)(rem / 3600), 2);
	out[13] = ':';
	put_digits(out + 14, (unsigned)(rem / 60 % 60), 2);
	out[16] = ':';
	put_digits(out + 17, (unsigned)(rem % 60), 2);
	out[19] = '.';
	put_digits(out + 20, (unsigned)(t->nsec / 1000), 6);
	out[26] = '\0';
}
