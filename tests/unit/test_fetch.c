/* test_fetch.c: unit tests of seg-fetch's lib modules: inflate (members,
 * damage, members checked before they go out: kept in memory or decoded
 * twice; read, and lent by gunzip_lend), retry (rules, backoff bounds),
 * segarchive (days, paths), unwrap (envelopes, arrays). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "unit.h"
#include "buf.h"
#include "inflate.h"
#include "retry.h"
#include "segarchive.h"
#include "unwrap.h"

struct mem { const unsigned char *p; size_t n, off, step; };

static ssize_t mem_read(void *ctx, char *buf, size_t n)
{
	struct mem *m = ctx;
	size_t k = m->n - m->off;
	if (k > n) k = n;
	if (m->step && k > m->step) k = m->step;
	memcpy(buf, m->p + m->off, k);
	m->off += k;
	return (ssize_t)k;
}

/* gz: gzip s into out (one member), returning its length. */
static size_t gz(const char *s, unsigned char *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)s;
	z.avail_in = (uInt)strlen(s);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	size_t n = z.total_out;
	deflateEnd(&z);
	return n;
}

/* gunzip_all: decompress; returns text, sets *err. */
static char *gunzip_all(const unsigned char *p, size_t n, size_t step, int *err, uint64_t *off)
{
	struct mem m = { p, n, 0, step };
	struct gunzip g;
	static char out[4096];
	size_t len = 0;
	ssize_t r;
	gunzip_init(&g, mem_read, &m);
	while ((r = gunzip_read(&g, out + len, step ? 7 : sizeof out - len - 1)) > 0)
		len += (size_t)r;
	out[len] = 0;
	*err = g.err;
	*off = g.err_offset;
	gunzip_free(&g);
	return out;
}

static char got[4096], rej[4096];
static void emit(void *ctx, const char *p, size_t n) { (void)ctx; strncat(got, p, n); strcat(got, "\n"); }
static void rejfn(void *ctx, const char *reason, const char *detail, const char *name,
                  uint64_t line, const char *raw, size_t n)
{
	(void)ctx; (void)detail; (void)name; (void)raw; (void)n;
	char b[128];
	snprintf(b, sizeof b, "%s@%llu;", reason, (unsigned long long)line);
	strcat(rej, b);
}

static void unwrap_str(const char *s, int strict)
{
	struct unwrap w;
	struct mem m = { (const unsigned char *)s, strlen(s), 0, 3 };
	got[0] = rej[0] = 0;
	unwrap_init(&w);
	w.emit = emit;
	w.reject = rejfn;
	w.strict = strict;
	unwrap_stream(&w, mem_read, NULL, &m, "t");
	unwrap_free(&w);
}

/* text_of: n bytes of JSON lines, varied enough to compress unevenly. */
static void text_of(char *p, size_t n, unsigned x)
{
	char line[32];
	size_t i = 0;
	while (i < n) {
		x = x * 1103515245u + 12345u;
		int k = snprintf(line, sizeof line, "{\"n\":%u}\n", x >> 12);
		size_t c = (size_t)k < n - i ? (size_t)k : n - i;
		memcpy(p + i, line, c);
		i += c;
	}
}

/* gzn: gzip p[0..n) as one member appended to out, at level (0: stored). */
static void gzn(const char *p, size_t n, int level, struct buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	deflateInit2(&z, level, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
	buf_grow(out, n + 1024);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->p + out->len;
	z.avail_out = (uInt)(n + 1024);
	deflate(&z, Z_FINISH);
	out->len += z.total_out;
	deflateEnd(&z);
}

struct run {
	struct buf out;
	int err;
	uint64_t off, redecoded, held_back, unverified;
	uint64_t lent;           /* bytes gunzip_lend lent */
	char msg[256];
};

/* lend_every: decoded borrows (gunzip_lend) every lend_every-th time, reading
 * when it cannot lend (0: it only reads). */
static unsigned lend_every;

/* decoded: decode p[0..n), read from the source step bytes at a time (0: all
 * at once); members checked first when vmax, kept up to mmax bytes. */
static void decoded(const unsigned char *p, size_t n, size_t step, uint64_t vmax, uint64_t mmax, struct run *r)
{
	struct mem m = { p, n, 0, step };
	struct gunzip g;
	char tmp[1000];
	ssize_t k;
	buf_free(&r->out);
	memset(r, 0, sizeof *r);
	gunzip_init(&g, mem_read, &m);
	g.verify_max = vmax;
	g.mem_max = mmax;
	for (unsigned calls = 0;; calls++) {
		const char *lp;
		k = lend_every && calls % lend_every == 0 ? gunzip_lend(&g, &lp) : LR_NO_LEND;
		if (k > 0) {
			buf_add(&r->out, lp, (size_t)k);
			r->lent += (uint64_t)k;
			continue;
		}
		if (k == LR_NO_LEND)
			k = gunzip_read(&g, tmp, step ? 333 : sizeof tmp);
		if (k <= 0)
			break;
		buf_add(&r->out, tmp, (size_t)k);
	}
	r->err = g.err;
	r->off = g.err_offset;
	r->redecoded = g.redecoded;
	r->held_back = g.held_back;
	r->unverified = g.unverified;
	snprintf(r->msg, sizeof r->msg, "%s", g.errmsg);
	gunzip_free(&g);
}

/* same_as: does r hold exactly want[0..n)? */
static int same_as(const struct run *r, const char *want, size_t n)
{
	return r->out.len == n && memcmp(r->out.p, want, n) == 0;
}

#define MM 4096
/* checked_members: members just under, at and just over the bound kept in
 * memory; damage in a kept member and in one decoded twice. */
static void checked_members(void)
{
	static const size_t sizes[] = { MM, MM + 1, 100, MM - 1 };
	static char text[4 * MM];
	struct buf gz = BUF_INIT;
	size_t at[5] = { 0 }, end[5] = { 0 }, tl = 0;
	for (int i = 0; i < 4; i++) {
		text_of(text + tl, sizes[i], (unsigned)i);
		gzn(text + tl, sizes[i], 1, &gz);
		tl += sizes[i];
		at[i + 1] = tl;
		end[i + 1] = gz.len;
	}
	const unsigned char *p = (const unsigned char *)gz.p;
	struct run r = { .out = BUF_INIT }, plain = { .out = BUF_INIT };
	decoded(p, gz.len, 0, 0, 0, &plain);
	ok(!plain.err && same_as(&plain, text, tl), "four members decoded as they come");
	decoded(p, gz.len, 0, (uint64_t)1 << 20, MM, &r);
	ok(!r.err && same_as(&r, text, tl), "checked first: the same bytes");
	is_int(r.redecoded, 1, "members of %d and %d bytes kept, the one of %d decoded twice (bound %d)",
	       MM - 1, MM, MM + 1, MM);
	if (lend_every == 1)
		ok(r.lent >= 2 * MM - 1 && r.lent <= tl - (MM + 1), "kept members lent, the one decoded twice read");
	decoded(p, gz.len, 0, 0, 0, &r);
	ok(same_as(&r, text, tl) && r.lent == 0, "not checked: nothing lent, all read");
	decoded(p, gz.len, 5, (uint64_t)1 << 20, MM, &r);
	ok(!r.err && same_as(&r, text, tl) && r.redecoded == 1, "the same with the source read 5 bytes at a time");
	decoded(p, gz.len, 0, (uint64_t)1 << 20, 0, &r);
	ok(!r.err && same_as(&r, text, tl) && r.redecoded == 0, "INFLATE_MEM_MAX by default: none decoded twice");
	decoded(p, gz.len, 5, MM / 2, MM, &r);
	ok(!r.err && same_as(&r, text, tl) && r.unverified == 1 && r.redecoded == 1,
	   "past verify_max: the rest handed out as decoded, the same bytes");
	struct buf bad = BUF_INIT;
	buf_add(&bad, gz.p, gz.len);
	bad.p[end[3] - 8] ^= 1;                         /* member 3's CRC-32 */
	decoded((unsigned char *)bad.p, bad.len, 0, 1 << 20, MM, &r);
	decoded((unsigned char *)bad.p, bad.len, 0, 0, 0, &plain);
	ok(r.err && same_as(&r, text, at[2]) && r.held_back == 100, "bad CRC in a kept member: nothing of it out");
	ok(plain.err && r.off == plain.off && !strcmp(r.msg, plain.msg), "the same damage as decoded plainly: %s", r.msg);
	bad.p[end[3] - 8] ^= 1;
	bad.p[end[2] - 4] ^= 1;                         /* member 2's ISIZE */
	decoded((unsigned char *)bad.p, bad.len, 0, 1 << 20, MM, &r);
	decoded((unsigned char *)bad.p, bad.len, 0, 0, 0, &plain);
	ok(r.err && same_as(&r, text, at[1]) && strstr(r.msg, "member 2"), "bad ISIZE in a member decoded twice: nothing of it out");
	ok(r.off == plain.off && r.off >= end[2] - 4 && !strcmp(r.msg, plain.msg), "the same damage at the same offset as decoded plainly");
	decoded((unsigned char *)bad.p, bad.len, 5, MM, MM, &r);
	ok(r.err && r.off == plain.off && !strcmp(r.msg, plain.msg) && r.unverified == 1,
	   "the same once checking stopped, at a member after one kept");
	bad.p[end[2] - 4] ^= 1;
	bad.p[end[1] - 1] ^= 0x10;                      /* member 1's ISIZE, high byte */
	decoded((unsigned char *)bad.p, bad.len, 3, 1 << 20, MM, &r);
	ok(r.err && r.out.len == 0 && r.held_back == MM, "bad ISIZE in a kept member, streamed: nothing out");
	bad.p[end[1] - 1] ^= 0x10;
	decoded((unsigned char *)bad.p, end[4] - 5, 0, 1 << 20, MM, &r);
	ok(r.err && r.off == end[4] - 5 && same_as(&r, text, at[3]), "truncated last member: the ones before it out");
	buf_add(&bad, "\0\0\0\0\0\0", 6);
	decoded((unsigned char *)bad.p, bad.len, 0, 1 << 20, MM, &r);
	ok(!r.err && same_as(&r, text, tl), "zero padding after the last member");
	buf_free(&bad);
	buf_free(&gz);
	buf_free(&r.out);
	buf_free(&plain.out);
}

/* many_members: 300 stored members (over 1 MiB, so the compressed bytes of
 * members already out are dropped along the way), then one over the bound,
 * decoded twice from what was kept of the compressed bytes. */
static void many_members(void)
{
	static char text[301 * MM];
	struct buf gz = BUF_INIT;
	size_t tl = 0;
	for (int i = 0; i < 300; i++, tl += MM - 96) {
		text_of(text + tl, MM - 96, (unsigned)i);
		gzn(text + tl, MM - 96, 0, &gz);
	}
	text_of(text + tl, 3 * MM, 7);
	gzn(text + tl, 3 * MM, 1, &gz);
	tl += 3 * MM;
	struct run r = { .out = BUF_INIT };
	decoded((unsigned char *)gz.p, gz.len, 0, 1 << 20, MM, &r);
	ok(gz.len > (1 << 20) && !r.err && same_as(&r, text, tl) && r.redecoded == 1,
	   "300 members kept, then one decoded twice: the same bytes");
	decoded((unsigned char *)gz.p, gz.len, 4093, 1 << 20, MM, &r);
	ok(!r.err && same_as(&r, text, tl) && r.redecoded == 1, "the same read 4093 bytes at a time");
	gz.p[gz.len - 7] ^= 1;                          /* its CRC-32 */
	decoded((unsigned char *)gz.p, gz.len, 0, 1 << 20, MM, &r);
	ok(r.err && same_as(&r, text, tl - 3 * MM), "its bad CRC: none of it out, all before it");
	buf_free(&gz);
	buf_free(&r.out);
}

int main(void)
{
	unsigned char a[256], b[256], cat[600];
	size_t na = gz("{\"a\":1}\n", a, sizeof a), nb = gz("{\"b\":2}\n", b, sizeof b);
	memcpy(cat, a, na);
	memcpy(cat + na, b, nb);
	int err;
	uint64_t off;
	is_str(gunzip_all(cat, na + nb, 0, &err, &off), "{\"a\":1}\n{\"b\":2}\n", "two gzip members are one stream (%s)", gunzip_engine());
	is_int(err, 0, "no damage");
	is_str(gunzip_all(cat, na + nb, 5, &err, &off), "{\"a\":1}\n{\"b\":2}\n", "the same read 5 bytes at a time");
	gunzip_all(cat, na + nb - 3, 0, &err, &off);
	ok(err && off == na + nb - 3, "truncation is damage at the end offset (%llu)", (unsigned long long)off);
	memcpy(cat + na + nb, "xyz", 3);
	gunzip_all(cat, na + nb + 3, 0, &err, &off);
	ok(err && off == na + nb, "trailing garbage is damage at its offset");
	ok(gzip_magic(a, na) && !gzip_magic("{}", 2), "gzip_magic");
	for (lend_every = 0; lend_every < 3; lend_every++) {
		printf("# gunzip_lend every %u calls (0: never)\n", lend_every);
		checked_members();
		many_members();
	}

	ok(retry_http_transient(503) && retry_http_transient(429) && !retry_http_transient(404) &&
	   !retry_http_transient(200), "HTTP statuses retried as curl --retry does");
	ok(retry_curl_transient(28, 0) && retry_curl_transient(7, 111) && !retry_curl_transient(0, 0) &&
	   !retry_curl_transient(60, 0), "curl codes: timeout and refused yes, OK and TLS no");
	int inrange = 1;
	for (unsigned i = 0; i < 2000; i++) {
		uint64_t ms = retry_backoff_ms(i % 12, 100, 5000, 0);
		if (ms > 5000 || ms > 100ull << (i % 12))
			inrange = 0;
	}
	ok(inrange, "full jitter stays within min(cap, base*2^n)");
	ok(retry_backoff_ms(0, 100, 5000, 3000) == 3000 && retry_backoff_ms(0, 100, 5000, 9000) == 5000,
	   "Retry-After is a floor, the cap a ceiling");

	int64_t ms;
	ok(seg_day_parse("2015-05-27", &ms) == 0 && ms == 1432684800000LL, "YYYY-MM-DD is UTC midnight in ms");
	ok(seg_day_parse("1432684800000", &ms) == 0 && ms == 1432684800000LL, "13-digit folder names");
	ok(seg_day_parse("2015-02-29", &ms) < 0 && seg_day_parse("2016-02-29", &ms) == 0 &&
	   seg_day_parse("2015-13-01", &ms) < 0 && seg_day_parse("15-05-27", &ms) < 0, "bad days refused");
	const char *src;
	size_t sl;
	ok(seg_path_split("x/segment-logs/abc/1432684800000/f.gz", &src, &sl, &ms) && sl == 3 &&
	   !strncmp(src, "abc", 3), "layout found in a key");
	ok(!seg_path_split("my-segment-logs/abc/1432684800000/f.gz", &src, &sl, &ms) &&
	   !seg_path_split("segment-logs/abc/20150527/f.gz", &src, &sl, &ms), "not the layout");
	struct seg_dayfilter f;
	seg_dayfilter_init(&f);
	ok(!seg_want_path(&f, "a/segment-logs/dummy-object.txt") && seg_want_path(&f, "a/b.gz"), "dummy skipped");
	f.active = 1;
	f.since_ms = 1432684800000LL;
	f.until_ms = f.since_ms + SEG_DAY_MS;
	ok(seg_want_path(&f, "segment-logs/s/1432684800000/f") && !seg_want_path(&f, "segment-logs/s/1432771200000/f") &&
	   !seg_want_path(&f, "other/f"), "since inclusive, until exclusive, other paths out");
	seg_dayfilter_free(&f);

	unwrap_str("{\"batch\":[{\"a\":1},{\"b\":2,\"sentAt\":\"s\"}],\"sentAt\":\"E\",\"context\":{\"c\":1}}\n", 0);
	is_str(got, "{\"a\":1,\"context\":{\"c\":1},\"sentAt\":\"E\"}\n{\"b\":2,\"sentAt\":\"s\",\"context\":{\"c\":1}}\n",
	       "envelope items get missing keys appended");
	unwrap_str("\xEF\xBB\xBF  [ {\"a\" : 1} ,\n{\"b\":\n 2}, [], ,\"s\" ]\n\n{\"z\":0}\r\n", 0);
	is_str(got, "{\"a\" : 1}\n{\"b\":2}\n{\"z\":0}\n", "a JSON array file, read 3 bytes at a time");
	is_str(rej, "empty_element@3;not_object@3;", "its bad elements rejected with their lines");
	unwrap_str("{\"type\":\"track\",\"batch\":[1]}\n{x}\n", 0);
	is_str(got, "{\"type\":\"track\",\"batch\":[1]}\n{x}\n", "an object with a type is not an envelope; shape check only");
	/* the shape check finds "batch" wherever it is, among many b's */
	unwrap_str("{\"bb\":\"b\\\"b\",\"abatch\":\"batch\",\"batch\":[{\"a\":2}]}\n{\"batch\":[{\"a\":3}]}\n"
	           "{\"x\":\"batch\"}\n{\"x\":\"batc\"}\n{\"batch\"}\n", 0);
	is_str(got, "{\"a\":2}\n{\"a\":3}\n{\"x\":\"batch\"}\n{\"x\":\"batc\"}\n",
	       "envelopes found with \"batch\" anywhere; a value \"batch\" is not one");
	is_str(rej, "json_syntax@5;", "a text naming \"batch\" is parsed, to its last byte");
	/* the key at every place against the vector scan's 16-byte steps and
	 * its tail, with near misses around it */
	int all = 1;
	for (int pad = 0; pad < 40 && all; pad++) {
		char line[200];
		snprintf(line, sizeof line, "{\"x\":\"%.*s\",\"batch\":[{\"a\":%d}]}\n{\"y\":\"%.*s\\\"batc\\\"\",\"b\":1}\n",
		         pad, "bbatchbbatcbbatcHbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", pad,
		         pad, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
		unwrap_str(line, 0);
		char want[200];
		snprintf(want, sizeof want, "{\"a\":%d}\n", pad);
		all = strncmp(got, want, strlen(want)) == 0 && !rej[0];
		if (!all)
			printf("# pad %d: got %s rej %s\n", pad, got, rej);
	}
	ok(all, "an envelope's \"batch\" is found at every offset");
	unwrap_str("{x}\n", 1);
	is_str(rej, "json_syntax@1;", "strict parses every line");
	return done();
}
