/* seg-gen: a deterministic, seeded generator of realistic Segment NDJSON for
 * benchmarks, demos and tests. Same seed and options, same bytes, on every
 * machine: the only randomness is a splitmix64 sequence started at the seed.
 * Events are about 1 KB: all six types, nested context, product arrays,
 * unicode and escapes; optional repeated messageIds and invalid lines, and
 * optional "rich" events carrying the long, escape- and Unicode-heavy text
 * real archives hold (page titles, user agents, queries, descriptions). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "lineio.h"

static uint64_t rng_state;

/* rnd: splitmix64, chosen for being tiny, fast and well distributed. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}
static unsigned pick(unsigned n) { return (unsigned)(rnd() % n); }
static double unit(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
#define ONE_OF(a) (a[pick(sizeof a / sizeof a[0])])

static const char *const events[] = {
	"Order Completed", "Product Viewed", "Product Added", "Checkout Started",
	"Signed Up", "Song Played", "Report Submitted", "Video Playback Started",
};
static const char *const names[] = {
	"Peter Gibbons", "Zo\xC3\xAB Saldana", "Bj\xC3\xB6rk Gu\xC3\xB0mundsd\xC3\xB3ttir",
	"\xE7\x8E\x8B\xE5\xB0\x8F\xE6\x98\x8E", "Jos\\u00e9 \\\"Pepe\\\" Garc\\u00eda",
	"Anna \xF0\x9F\x8E\xB5 Musik", "Samir O'Neil", "Cindy \\\\ Gonzalez",
};
static const char *const pages[] = {
	"/", "/pricing", "/academy/", "/docs/spec/track", "/checkout?step=2&coupon=SUMMER",
	"/search?q=caf\xC3\xA9", "/blog/2015/12/how-we-scale",
};
static const char *const agents[] = {
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/113.0.0.0 Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.5 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/114.0",
};
static const char *const products[] = {
	"Monopoly: 3rd Edition", "Uno Card Game", "Caf\xC3\xA9 Mug \\\"Best Boss\\\"",
	"T-Shirt (L)", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\x8C\xB6 Green Tea", "Headphones\\tPro",
};

/* Pieces of rich text: each is a complete JSON string fragment (escapes are
 * whole, UTF-8 sequences are whole), so any concatenation is valid. */
static const char *const rich_ascii[] = {
	"the ", "quick ", "analytics ", "pipeline ", "Segment ", "warehouse ", "order ",
	"product ", "review: ", "great ", "value ", "for ", "money, ", "shipping ", "was ",
	"fast. ", "Search ", "results ", "page ", "2 ", "of ", "17 ", "- ", "Best ", "Deals ",
};
static const char *const rich_utf8[] = {
	"caf\xC3\xA9 ", "na\xC3\xAFve ", "M\xC3\xBCller ", "se\xC3\xB1or ", "\xC3\x86r\xC3\xB8 ",
	"fa\xC3\xA7" "ade ", "\xC5\x81\xC3\xB3" "d\xC5\xBA ", "cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e ",
	"\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 ", "\xD0\xBC\xD0\xB8\xD1\x80 ",
	"\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0 ", "\xCE\x95\xCE\xBB\xCE\xBB\xCE\xAC\xCE\xB4\xCE\xB1 ",
	"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", "\xE6\x95\xB0\xE6\x8D\xAE", "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 ",
	"\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xAE\xE3\x82\xAB\xE3\x83\x95\xE3\x82\xA7", "\xE2\x82\xAC" "42 ",
	"\xF0\x9F\x98\x80", "\xF0\x9F\x8E\xB5 ", "\xF0\x9F\x9A\x80", "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD ",
};
static const char *const rich_escapes[] = {
	"\\\"", "\\\\", "\\n", "\\t", "\\/", "\\r\\n", "\\b", "\\f", "\\u00e9", "\\u00FC",
	"\\u0000", "\\u001f", "\\u0007", "\\u2028", "\\u4e2d\\u6587", "\\ud83d\\ude00",
	"\\uD83C\\uDF89", "<\\/script>", "C:\\\\Users\\\\", "\\\"quoted\\\" ",
};

/* rich_text: a JSON string body of about min..max bytes of mixed text. */
static void rich_text(struct buf *b, unsigned min, unsigned max)
{
	size_t target = b->len + min + pick(max - min + 1);
	while (b->len < target) {
		unsigned k = pick(20);
		if (k < 9)
			buf_adds(b, ONE_OF(rich_ascii));
		else if (k < 16)
			buf_adds(b, ONE_OF(rich_utf8));
		else
			buf_adds(b, ONE_OF(rich_escapes));
	}
}

/* rich_member: ,"name":"<rich text>" (or without the comma when first). */
static void rich_member(struct buf *b, const char *name, unsigned min, unsigned max, int comma)
{
	buf_printf(b, "%s\"%s\":\"", comma ? "," : "", name);
	rich_text(b, min, max);
	buf_addc(b, '"');
}

static void uuid(struct buf *b)
{
	uint64_t a = rnd(), c = rnd();
	buf_printf(b, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
	           (unsigned)a & 0xfff, (unsigned)(0x8000 | (c >> 48 & 0x3fff)),
	           (unsigned long long)(c & 0xffffffffffffULL));
}

/* iso: a UTC time near base, as Segment writes it (milliseconds, Z). */
static void iso(struct buf *b, int64_t ms)
{
	int64_t s = ms / 1000, days = s / 86400, rem = s % 86400;
	int64_t z = days + 719468, era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);
	buf_printf(b, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", (int)y, m, d, (int)(rem / 3600),
	           (int)(rem / 60 % 60), (int)(rem % 60), (int)(ms % 1000));
}

/* context: with rich, the page title, its search and the user agent are
 * long rich text, made before the rest so plain events keep their bytes. */
static void context(struct buf *b, int with_traits, int rich)
{
	struct buf title = BUF_INIT, search = BUF_INIT, agent = BUF_INIT;
	if (rich) {
		rich_text(&title, 200, 2000);
		buf_adds(&search, ",\"search\":\"?q=");
		rich_text(&search, 200, 600);
		buf_addc(&search, '"');
		buf_adds(&agent, ONE_OF(agents));
		buf_adds(&agent, " ");
		rich_text(&agent, 100, 400);
	}
	/* the draws one by one, in the order the first releases made them */
	unsigned height = 568 + pick(900), width = 320 + pick(1600), osv = pick(6);
	const char *ua = ONE_OF(agents), *url = ONE_OF(pages), *path = ONE_OF(pages);
	const char *locale = pick(2) ? "en-US" : "de-DE";
	unsigned v2 = pick(10), v1 = pick(20), ip4 = pick(254) + 1, ip3 = pick(256);
	unsigned ip2 = pick(256), ip1 = pick(223) + 1;
	buf_printf(b, "\"context\":{\"ip\":\"%u.%u.%u.%u\",\"library\":{\"name\":\"analytics.js\",\"version\":\"2.%u.%u\"},"
	           "\"locale\":\"%s\",\"page\":{\"path\":\"%s\",\"referrer\":\"https://www.google.com/\"%s,\"title\":\"%s\",\"url\":\"https://segment.com%s\"},"
	           "\"userAgent\":\"%s\",\"campaign\":{\"name\":\"TPS Innovation Newsletter\",\"source\":\"Newsletter\",\"medium\":\"email\"},"
	           "\"os\":{\"name\":\"iPhone OS\",\"version\":\"16.%u\"},\"screen\":{\"width\":%u,\"height\":%u,\"density\":2}",
	           ip1, ip2, ip3, ip4, v1, v2, locale, path, rich ? buf_cstr(&search) : "",
	           rich ? buf_cstr(&title) : "Analytics Academy", url, rich ? buf_cstr(&agent) : ua, osv,
	           width, height);
	buf_free(&title);
	buf_free(&search);
	buf_free(&agent);
	if (with_traits) {
		const char *name = ONE_OF(names);
		buf_printf(b, ",\"traits\":{\"email\":\"user%u@example.com\",\"name\":\"%s\",\"plan\":\"premium\"}",
		           pick(100000), name);
	}
	buf_addc(b, '}');
}

static void properties(struct buf *b, const char *event, int rich)
{
	buf_adds(b, "\"properties\":{");
	if (rich) {
		rich_member(b, "description", 200, 2000, 0);
		buf_addc(b, ',');
	}
	if (strcmp(event, "Order Completed") == 0 || strcmp(event, "Checkout Started") == 0) {
		unsigned cents = pick(100), total = pick(500);
		buf_printf(b, "\"order_id\":\"%u\",\"total\":%u.%02u,\"revenue\":325.29,\"currency\":\"USD\",\"products\":[",
		           pick(1000000), total, cents);
		unsigned n = 1 + pick(3);
		for (unsigned i = 0; i < n; i++) {
			unsigned qty = 1 + pick(3), price = pick(100);
			const char *name = ONE_OF(products);
			unsigned sku = pick(100);
			buf_printf(b, "%s{\"product_id\":\"%u\",\"sku\":\"G-%u\",\"name\":\"%s\",\"price\":%u.99,\"quantity\":%u}",
			           i ? "," : "", pick(100000), sku, name, price, qty);
		}
		buf_adds(b, "]}");
	} else {
		const char *flag = pick(2) ? "true" : "false";
		double ratio = unit();
		int value = (int)pick(2000) - 1000;
		buf_printf(b, "\"name\":\"%s\",\"category\":\"Games\",\"value\":%d,\"ratio\":%.4f,\"flag\":%s,\"note\":null,"
		           "\"tags\":[\"a\",\"b\\nc\"]}", ONE_OF(products), value, ratio, flag);
	}
}

/* event: one message of a random type into b (no newline). */
static void event(struct buf *b, int64_t ms, int rich)
{
	static const char *const types[] = { "track", "track", "track", "track", "identify", "page", "page", "screen", "group", "alias" };
	const char *type = ONE_OF(types);
	const char *ev = ONE_OF(events);
	buf_adds(b, "{\"anonymousId\":\"");
	uuid(b);
	buf_printf(b, "\",\"type\":\"%s\",", type);
	context(b, type[0] == 'i', rich);
	buf_adds(b, ",\"integrations\":{\"All\":true,\"Mixpanel\":false},\"messageId\":\"ajs-");
	uuid(b);
	buf_adds(b, "\",\"receivedAt\":\"");
	iso(b, ms + 150 + pick(500));
	buf_adds(b, "\",\"sentAt\":\"");
	iso(b, ms + 40);
	buf_adds(b, "\",\"originalTimestamp\":\"");
	iso(b, ms);
	buf_adds(b, "\",\"timestamp\":\"");
	iso(b, ms + 3);
	buf_printf(b, "\",\"userId\":\"u%07u\",\"version\":2,", pick(5000000));
	switch (type[0]) {
	case 't':
		buf_printf(b, "\"event\":\"%s\",", ev);
		properties(b, ev, rich);
		break;
	case 'i':
		buf_adds(b, "\"traits\":{");
		if (rich) {
			rich_member(b, "bio", 200, 2000, 0);
			buf_addc(b, ',');
		}
		{
			unsigned logins = pick(100);
			const char *name = ONE_OF(names);
			buf_printf(b, "\"email\":\"peter%u@example.com\",\"name\":\"%s\",\"logins\":%u,\"address\":{\"city\":\"M\xC3\xBCnchen\",\"country\":\"DE\"}}",
			           pick(100000), name, logins);
		}
		break;
	case 'p':
	case 's':
		buf_printf(b, "\"name\":\"%s\",", ONE_OF(pages));
		properties(b, ev, rich);
		break;
	case 'g':
		{
			unsigned employees = pick(5000);
			buf_printf(b, "\"groupId\":\"g%06u\",\"traits\":{\"name\":\"Initech\",\"industry\":\"Technology\",\"employees\":%u",
			           pick(100000), employees);
		}
		if (rich)
			rich_member(b, "description", 200, 2000, 1);
		buf_addc(b, '}');
		break;
	case 'a':
		buf_printf(b, "\"previousId\":\"");
		uuid(b);
		buf_addc(b, '"');
		break;
	}
	buf_addc(b, '}');
}

/* spoil: turn a good event into one invalid line of a random kind. */
static void spoil(struct buf *b)
{
	switch (pick(6)) {
	case 0: b->len /= 2; break;                                   /* json_syntax */
	case 1: memcpy(b->p + 2, "typo", 4); break;                   /* missing_type or similar */
	case 2: { char *t = strstr(b->p, "\"timestamp\":\"");          /* bad_timestamp */
		if (t) t[18] = '-'; } break;
	case 3: buf_reset(b); buf_adds(b, "[1,2,3]"); break;          /* not_object */
	case 4: { char *m = strstr(b->p, "\"messageId\"");            /* missing_message_id */
		if (m) m[1] = 'X'; } break;
	case 5: buf_add(b, ",", 1); break;                            /* trailing garbage */
	}
}

static void usage(void)
{
	printf("usage: seg-gen [--seed N] [--size SIZE | --count N] [--dup-rate P] [--invalid-rate P]\n"
	       "               [--rich-rate P] [--start-ms MS] [--events-per-day N] [-o FILE]\n"
	       "Write realistic Segment events as NDJSON, the same bytes for the same options.\n"
	       "\n"
	       "  -s, --seed N             seed of the generator (default: 1)\n"
	       "  -S, --size SIZE          write events until SIZE bytes (512K, 16M, 1G)\n"
	       "  -n, --count N            write N events (default: 1000 when no --size)\n"
	       "  -d, --dup-rate P         repeat a recent event with probability P (0 to 1)\n"
	       "  -i, --invalid-rate P     spoil an event into an invalid line with probability P\n"
	       "  -r, --rich-rate P        give an event long text with escapes and non-ASCII\n"
	       "                           UTF-8 with probability P (0 to 1)\n"
	       "  -t, --start-ms MS        timestamp of the first event, epoch milliseconds\n"
	       "                           (default: 1432684800000, 2015-05-27)\n"
	       "  -e, --events-per-day N   events per day of timestamps (default: 100000)\n"
	       "  -o, --output FILE        write to FILE (default: standard output)\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, 0, 's' }, { "size", required_argument, 0, 'S' },
		{ "count", required_argument, 0, 'n' }, { "dup-rate", required_argument, 0, 'd' },
		{ "invalid-rate", required_argument, 0, 'i' }, { "start-ms", required_argument, 0, 't' },
		{ "rich-rate", required_argument, 0, 'r' },
		{ "events-per-day", required_argument, 0, 'e' }, { "output", required_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' }, { "version", no_argument, 0, 'V' }, { 0, 0, 0, 0 } };
	uint64_t seed = 1, size = 0, count = 0, per_day = 100000;
	int64_t start = 1432684800000LL;   /* 2015-05-27, a Segment S3 day folder */
	double dup = 0, invalid = 0, rich = 0;
	const char *out = "-";
	int c;
	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "s:S:n:d:i:r:t:e:o:hV", opts)) != -1) {
		switch (c) {
		case 's': seed = opt_uint("--seed", optarg, 0, UINT64_MAX); break;
		case 'S': size = opt_size("--size", optarg); break;
		case 'n': count = opt_uint("--count", optarg, 0, UINT64_MAX); break;
		case 'd': dup = opt_double("--dup-rate", optarg, 0, 1); break;
		case 'i': invalid = opt_double("--invalid-rate", optarg, 0, 1); break;
		case 'r': rich = opt_double("--rich-rate", optarg, 0, 1); break;
		case 't': start = (int64_t)opt_uint("--start-ms", optarg, 0, 253402300799999ULL); break;
		case 'e': per_day = opt_uint("--events-per-day", optarg, 1, UINT64_MAX); break;
		case 'o': out = optarg; break;
		case 'h': cli_help(usage);
		case 'V': print_version(); return cli_stdout_status();
		default: usage_error("unknown option");
		}
	}
	if (optind != argc)
		usage_error("no operands expected");
	if (!size && !count)
		count = 1000;
	struct writer w;
	if (w_open(&w, out) < 0)
		die(EX_IOERR, "%s: cannot create", out);
	rng_state = seed;
	enum { RING = 4096 };
	char **ring = xcalloc(RING, sizeof *ring);
	size_t *ringlen = xcalloc(RING, sizeof *ringlen);
	struct buf b = BUF_INIT;
	uint64_t written = 0, n = 0, stored = 0, step = 86400000ULL / per_day;
	for (; count ? n < count : written < size; n++) {
		buf_reset(&b);
		if (dup > 0 && stored > 0 && unit() < dup) {
			/* repeat one of the last RING events written */
			size_t k = pick(stored < RING ? (unsigned)stored : RING);
			buf_add(&b, ring[k], ringlen[k]);
		} else {
			event(&b, start + (int64_t)(n * step), rich > 0 && unit() < rich);
			size_t k = stored++ % RING;
			ring[k] = xrealloc(ring[k], b.len);
			memcpy(ring[k], b.p, b.len);
			ringlen[k] = b.len;
			if (invalid > 0 && unit() < invalid)
				spoil(&b);
		}
		w_line(&w, b.p, b.len);
		written += b.len + 1;
	}
	w_close(&w);
	for (size_t k = 0; k < RING; k++)
		free(ring[k]);
	free(ring);
	free(ringlen);
	buf_free(&b);
	return 0;
}
