/* test_idset.c: the ordered id set: membership through many in-place
 * resizes, the canonical layout invariant, memory per id, days, hostile
 * hash distributions, merging two sets, and the state file: round trip, window expiry, and
 * refusal of corrupt, truncated, extended, foreign and newer files. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idset.h"
#include "unit.h"

static char dir[] = "/tmp/test_idset.XXXXXX";
static char path[256];

/* layout_ok: every id at max(home, previous + 1), ascending, count right. */
static int layout_ok(const struct idset *s)
{
	uint64_t pos = 0, seen = 0;
	struct h128 prev = { 0, 0 };
	for (uint64_t i = 0; i < s->total; i++) {
		struct h128 h = s->h[i];
		if ((h.hi | h.lo) == 0)
			continue;
		uint64_t home = (uint64_t)(((unsigned __int128)h.hi * s->n) >> 64);
		uint64_t want = home > pos ? home : pos;
		if (i != want || (seen && !h128_lt(prev, h)))
			return 0;
		prev = h;
		pos = i + 1;
		seen++;
	}
	return seen == s->count;
}

static struct h128 key(const struct idset *s, const char *fmt, unsigned long i)
{
	char k[64];
	int n = snprintf(k, sizeof k, fmt, i);
	return idset_key(s, k, (size_t)n);
}

static void membership(void)
{
	struct idset s;
	idset_init(&s, 0, 42);
	enum { N = 300000 };
	int bad = 0;
	for (unsigned long i = 0; i < N; i++) {
		bad += idset_add(&s, key(&s, "id-%lu", i), (uint16_t)(i % 7 + 1)) != 1;
		if (i % 3 == 0)   /* repeats interleaved with growth */
			bad += idset_add(&s, key(&s, "id-%lu", i / 2), 1) != 0;
	}
	is_int(bad, 0, "new ids are added once, repeats are found, through every resize");
	is_int(s.count, N, "count");
	ok(layout_ok(&s), "layout is canonical after growing from %d to %llu slots", 1024,
	   (unsigned long long)s.n);
	int found = 0, absent = 0;
	for (unsigned long i = 0; i < N; i++) {
		uint16_t d = 0;
		found += idset_has(&s, key(&s, "id-%lu", i), &d) && d >= 1;
		absent += idset_has(&s, key(&s, "other-%lu", i), NULL);
	}
	is_int(found, N, "every added id is found with a day");
	is_int(absent, 0, "no other id is found");
	double per = (double)idset_bytes(&s) / (double)s.count;
	ok(per <= 24.0, "memory: %.2f bytes per id at %d ids", per, N);
	idset_free(&s);
}

/* memory: the bound holds at every size, right after each growth too. */
static void memory(void)
{
	struct idset s;
	idset_init(&s, 0, 1);
	double worst = 0;
	uint64_t at = 0;
	for (unsigned long i = 0; i < 3000000; i++) {
		uint64_t n = s.n;
		idset_add(&s, key(&s, "%lu", i), 1);
		if (s.count >= 20000 && (s.n != n || i % 4096 == 0)) {
			double per = (double)idset_bytes(&s) / (double)s.count;
			if (per > worst) {
				worst = per;
				at = s.count;
			}
		}
	}
	ok(worst <= 24.0, "memory never above 24 bytes per id from 20k to 3M ids (worst %.2f at %llu)",
	   worst, (unsigned long long)at);
	idset_free(&s);

	idset_init(&s, 100000, 1);
	uint64_t n = s.n;
	for (unsigned long i = 0; i < 100000; i++)
		idset_add(&s, key(&s, "%lu", i), 1);
	ok(s.n == n, "an expected size of 100000 needs no growth");
	idset_free(&s);
}

static void days(void)
{
	struct idset s;
	idset_init(&s, 0, 1);
	struct h128 h = idset_key(&s, "abc", 3);
	uint16_t d = 0;
	idset_add(&s, h, 5);
	idset_add(&s, h, 3);
	idset_has(&s, h, &d);
	is_int(d, 5, "an earlier day does not lower the day");
	idset_add(&s, h, 9);
	idset_has(&s, h, &d);
	is_int(d, 9, "a later day raises it");
	idset_free(&s);
}

/* hostile: hashes crowded at one end or all sharing one home slot still work
 * (long runs, growth of the overflow tail), just slower. */
static void hostile(void)
{
	struct idset s;
	idset_init(&s, 0, 1);
	int bad = 0;
	for (uint64_t i = 0; i < 20000; i++) {
		struct h128 a = { UINT64_MAX, i * 7 + 1 }, b = { 1ULL << 40, i };
		bad += idset_add(&s, a, 1) != 1;
		bad += idset_add(&s, b, 1) != 1;
	}
	for (uint64_t i = 0; i < 20000; i++) {
		struct h128 a = { UINT64_MAX, i * 7 + 1 }, b = { 1ULL << 40, i };
		bad += !idset_has(&s, a, NULL) || !idset_has(&s, b, NULL);
	}
	struct h128 zero = { 0, 0 };
	bad += idset_add(&s, zero, 1) != 1;  /* stored as (0,1) */
	is_int(bad, 0, "ids crowded on two home slots, one at the very end");
	ok(layout_ok(&s), "layout stays canonical with a grown overflow tail");
	idset_free(&s);
}

/* read_file, write_file: whole-file helpers for the corruption tests. */
static unsigned char *read_file(const char *p, size_t *n)
{
	int fd = open(p, O_RDONLY);
	struct stat st;
	fstat(fd, &st);
	unsigned char *b = malloc((size_t)st.st_size + 1);
	*n = (size_t)read(fd, b, (size_t)st.st_size);
	close(fd);
	return b;
}

/* merge: the union of two sets, overlapping, the later day of an id in
 * both, the newest day; another seed refused; the union laid out as a
 * loaded set is (layout_ok), so lookups find every id. */
static void merge(void)
{
	struct idset a, b, c;
	idset_init(&a, 0, 9);
	idset_init(&b, 0, 9);
	enum { N = 50000 };
	for (unsigned long i = 0; i < N; i++)
		idset_add(&a, key(&a, "m-%lu", i), 3);                 /* m-0 .. m-49999, day 3 */
	for (unsigned long i = N / 2; i < N + N / 2; i++)
		idset_add(&b, key(&b, "m-%lu", i), i < N ? 5 : 2);     /* m-25000 .. m-74999 */
	a.newest = 3;
	b.newest = 5;
	is_int(idset_merge(&a, &b), N / 2, "merge: the ids new to dst are counted");
	is_int(a.count, N + N / 2, "merge: the union's count");
	ok(layout_ok(&a), "merge: the union is laid out canonically");
	int found = 0, days_ok = 0;
	for (unsigned long i = 0; i < N + N / 2; i++) {
		uint16_t d = 0;
		found += idset_has(&a, key(&a, "m-%lu", i), &d);
		days_ok += d == (i < N / 2 ? 3 : i < N ? 5 : 2);
	}
	is_int(found, N + N / 2, "merge: every id of both is found");
	is_int(days_ok, N + N / 2, "merge: an id in both keeps the later day");
	ok(!idset_has(&a, key(&a, "m-%lu", N + N / 2), NULL), "merge: no other id");
	is_int(a.newest, 5, "merge: the newest day of the two");
	ok(idset_add(&a, key(&a, "m-%lu", 1000000), 1) == 1 && layout_ok(&a), "merge: the union takes more ids");
	idset_init(&c, 0, 10);
	idset_add(&c, key(&c, "x", 0), 1);
	is_int(idset_merge(&a, &c), -1, "merge: another seed is refused");
	is_int(a.count, N + N / 2 + 1, "merge: a refused merge adds nothing");
	idset_free(&a);
	idset_free(&b);
	idset_free(&c);
}

static void write_file(const char *p, const void *b, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (write(fd, b, n) != (ssize_t)n)
		perror(p);
	close(fd);
}

static void round_trip(void)
{
	struct idset s, t;
	char why[256];
	uint64_t saved, expired;
	idset_init(&s, 0, 777);
	for (unsigned long i = 0; i < 50000; i++)
		idset_add(&s, key(&s, "m%lu", i), (uint16_t)(16000 + i % 10));
	idset_add(&s, key(&s, "unknown", 0), 0);
	s.newest = 16009;
	int rc = idset_save(&s, path, 0, &saved, &expired, why, sizeof why);
	is_int(rc, IDSET_OK, "save");
	is_int(saved, 50001, "all ids saved");
	struct stat st;
	stat(path, &st);
	is_int(st.st_size, IDSET_HEADER_SIZE + 50001 * IDSET_ENTRY_SIZE, "file size is header + 18 bytes per id");
	rc = idset_load(&t, path, 0, why, sizeof why);
	is_int(rc, IDSET_OK, "load");
	is_int(t.count, 50001, "loaded count");
	is_int(t.seed, 777, "seed kept");
	is_int(t.newest, 16009, "newest day kept");
	ok(layout_ok(&t), "loaded layout is canonical");
	int found = 0;
	for (unsigned long i = 0; i < 50000; i++) {
		uint16_t d;
		found += idset_has(&t, key(&t, "m%lu", i), &d) && d == 16000 + i % 10;
	}
	is_int(found, 50000, "every id back with its day");
	uint16_t d = 0;
	idset_has(&t, key(&t, "unknown", 0), &d);
	is_int(d, 16009, "an id of unknown day is saved with the newest day");
	is_int(idset_add(&t, key(&t, "m%lu", 5), 1), 0, "a loaded id is a repeat");
	is_int(idset_add(&t, key(&t, "new%lu", 5), 1), 1, "a new id is added to a loaded set");
	idset_free(&t);

	rc = idset_save(&s, path, 16005, &saved, &expired, why, sizeof why);
	is_int(rc, IDSET_OK, "save with a window");
	is_int(expired, 25000, "ids of days before the window are left out");
	is_int(saved, 25001, "the rest are saved");
	idset_load(&t, path, 0, why, sizeof why);
	ok(!idset_has(&t, key(&t, "m%lu", 0), NULL) && idset_has(&t, key(&t, "m%lu", 9), NULL),
	   "expired ids are gone, recent ones stay");
	idset_free(&t);
	idset_free(&s);

	struct idset e;
	idset_init(&e, 0, 5);
	is_int(idset_save(&e, path, 0, &saved, &expired, why, sizeof why), IDSET_OK, "an empty set saves");
	is_int(idset_load(&t, path, 0, why, sizeof why), IDSET_OK, "and loads");
	is_int(t.count, 0, "empty");
	idset_free(&t);
	idset_free(&e);
}

/* refused: load a damaged copy; expect IDSET_E_FORMAT and a reason. */
static void refused(const unsigned char *b, size_t n, const char *want, const char *what)
{
	char bad[300], why[256] = "";
	struct idset t;
	snprintf(bad, sizeof bad, "%s/bad", dir);
	write_file(bad, b, n);
	int rc = idset_load(&t, bad, 0, why, sizeof why);
	ok(rc == IDSET_E_FORMAT && strstr(why, want), "refused: %s (%s)", what, why);
	ok(t.h == NULL && t.count == 0, "nothing kept of it: %s", what);
}

/* reseal: recompute both checksums of an edited file, as a forger would. */
static void reseal(unsigned char *b, size_t n)
{
	struct h128 body = seghash128(b + IDSET_HEADER_SIZE, n - IDSET_HEADER_SIZE, 0);
	for (int i = 0; i < 8; i++) {
		b[64 + i] = (unsigned char)(body.hi >> (8 * i));
		b[72 + i] = (unsigned char)(body.lo >> (8 * i));
	}
	struct h128 hd = seghash128(b, 80, 0);
	for (int i = 0; i < 8; i++) {
		b[80 + i] = (unsigned char)(hd.hi >> (8 * i));
		b[88 + i] = (unsigned char)(hd.lo >> (8 * i));
	}
}

static void corrupt(void)
{
	struct idset s;
	char why[256];
	uint64_t saved, expired;
	idset_init(&s, 0, 9);
	for (unsigned long i = 0; i < 1000; i++)
		idset_add(&s, key(&s, "c%lu", i), 100);
	idset_save(&s, path, 0, &saved, &expired, why, sizeof why);
	idset_free(&s);
	size_t n;
	unsigned char *b = read_file(path, &n);

	b[5000] ^= 0x10;
	refused(b, n, "checksum mismatch", "a flipped bit in the ids");
	b[5000] ^= 0x10;
	b[33] ^= 1;
	refused(b, n, "header checksum", "a flipped bit in the header");
	b[33] ^= 1;
	refused(b, n - 1, "truncated", "one byte short");
	refused(b, n - IDSET_ENTRY_SIZE, "truncated", "one entry short");
	refused(b, 50, "truncated", "cut inside the header");
	unsigned char *longer = malloc(n + 1);
	memcpy(longer, b, n);
	longer[n] = '\n';
	refused(longer, n + 1, "extended by trailing data", "a byte appended");
	free(longer);
	refused((const unsigned char *)"{\"messageId\":\"abc\"}\n", 20, "not a seg-dedup state file", "an NDJSON file");
	refused((const unsigned char *)"", 0, "not a seg-dedup state file", "an empty file");
	unsigned char foreign[200] = "SQLite format 3";
	refused(foreign, sizeof foreign, "not a seg-dedup state file", "another program's file");

	b[8] = 2;
	reseal(b, n);
	refused(b, n, "version 2", "a newer format version");
	b[8] = 1;
	b[20] = 9;
	reseal(b, n);
	refused(b, n, "unknown hash", "another hash function");
	b[20] = 1;
	unsigned char tmp[IDSET_ENTRY_SIZE], *e = b + IDSET_HEADER_SIZE;
	memcpy(tmp, e, IDSET_ENTRY_SIZE);
	memcpy(e, e + IDSET_ENTRY_SIZE, IDSET_ENTRY_SIZE);
	memcpy(e + IDSET_ENTRY_SIZE, tmp, IDSET_ENTRY_SIZE);
	reseal(b, n);
	refused(b, n, "out of order", "two ids swapped, checksums forged");
	memcpy(e + IDSET_ENTRY_SIZE, e, IDSET_ENTRY_SIZE);
	reseal(b, n);
	refused(b, n, "out of order", "one id twice, checksums forged");
	free(b);

	struct idset t;
	char missing[300];
	snprintf(missing, sizeof missing, "%s/none", dir);
	is_int(idset_load(&t, missing, 0, why, sizeof why), IDSET_E_OPEN, "a missing file cannot be opened");
	is_int(idset_load(&t, dir, 0, why, sizeof why), IDSET_E_FORMAT, "a directory is refused");
}

static void save_errors(void)
{
	struct idset s;
	char why[256], p[300];
	uint64_t saved, expired;
	idset_init(&s, 0, 1);
	snprintf(p, sizeof p, "%s/no/such/dir/state", dir);
	is_int(idset_save(&s, p, 0, &saved, &expired, why, sizeof why), IDSET_E_OPEN,
	       "saving into a missing directory fails (%s)", why);
	idset_free(&s);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/state", dir);
	membership();
	memory();
	days();
	merge();
	hostile();
	round_trip();
	corrupt();
	save_errors();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done();
}
