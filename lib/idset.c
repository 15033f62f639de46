/* idset.c: the ordered linear-probing id set of seg-dedup and its state
 * file. The layout and the file format are described in idset.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "idset.h"

#define MIN_SLOTS 1024
#define HASH_ID 1
#define VERSION 1
#define MAGIC "SEGIDSET"

/* Load factor bounds: grow when count reaches 9/10 of n, to n = count * 21/16
 * (load 0.76); a loaded file gets n = count * 5/4 (load 0.8). */
static uint64_t grow_at(uint64_t n) { return n - n / 10; }
static uint64_t size_for(uint64_t count) { return count + count / 16 * 5; }
static uint64_t overflow_for(uint64_t n) { return 64 + n / 256; }

static inline int empty(struct h128 x) { return (x.hi | x.lo) == 0; }

/* home: the first slot an id may occupy; monotone in the hash. */
static inline uint64_t home(uint64_t hi, uint64_t n)
{
#if defined(__SIZEOF_INT128__)
	return (uint64_t)(((unsigned __int128)hi * n) >> 64);
#else
	uint64_t a = hi >> 32, b = hi & 0xFFFFFFFFu, c = n >> 32, d = n & 0xFFFFFFFFu;
	uint64_t bd = b * d, ad = a * d, bc = b * c;
	uint64_t mid = (bd >> 32) + (ad & 0xFFFFFFFFu) + (bc & 0xFFFFFFFFu);
	return a * c + (ad >> 32) + (bc >> 32) + (mid >> 32);
#endif
}

uint64_t idset_random_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof seed, 0) == (ssize_t)sizeof seed)
		return seed;
	/* no getrandom: not secret, but still different per run */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ULL ^ (uint64_t)ts.tv_sec << 20 ^ (uint64_t)getpid();
}

/* alloc_slots: n home slots and their overflow tail, all empty. */
static void alloc_slots(struct idset *s, uint64_t n)
{
	s->n = n;
	s->total = n + overflow_for(n);
	s->h = xcalloc(s->total, sizeof *s->h);
	s->day = xcalloc(s->total, sizeof *s->day);
}

void idset_init(struct idset *s, uint64_t expect, uint64_t seed)
{
	memset(s, 0, sizeof *s);
	s->seed = seed;
	uint64_t n = expect + expect / 9 + 1;
	alloc_slots(s, n < MIN_SLOTS ? MIN_SLOTS : n);
}

void idset_free(struct idset *s)
{
	free(s->h);
	free(s->day);
	s->h = NULL;
	s->day = NULL;
	s->n = s->total = s->count = 0;
}

uint64_t idset_bytes(const struct idset *s)
{
	return s->total * (sizeof *s->h + sizeof *s->day);
}

struct h128 idset_key(const struct idset *s, const void *key, size_t n)
{
	struct h128 h = seghash128(key, n, s->seed);
	if (empty(h))
		h.lo = 1;         /* (0,0) marks empty slots; odds 2^-128 */
	return h;
}

/* extend: enlarge the arrays to total slots, the new ones empty. Large
 * blocks are mmap'd by malloc and realloc moves them with mremap(2), so
 * growing never holds the old and the new table at once. (Do not madvise
 * part of them: a split mapping makes mremap fail and realloc copy.) */
static void extend(struct idset *s, uint64_t total)
{
	if (total <= s->total)
		return;
	s->h = xrealloc(s->h, total * sizeof *s->h);
	s->day = xrealloc(s->day, total * sizeof *s->day);
	memset(s->h + s->total, 0, (total - s->total) * sizeof *s->h);
	memset(s->day + s->total, 0, (total - s->total) * sizeof *s->day);
	s->total = total;
}

/* relayout: move every id to its place for home range n. First all ids go,
 * in order, to the end of the array (walking backwards: each moves right),
 * then, walking forwards, each to max(home, previous + 1), which is never
 * right of where it sits. Returns -1, with the ids still in order, when the
 * overflow tail is too short; the caller extends and calls again. */
static int relayout(struct idset *s, uint64_t n)
{
	struct h128 *h = s->h;
	uint16_t *d = s->day;
	uint64_t dst = s->total;
	for (uint64_t i = s->total; i-- > 0;) {
		if (empty(h[i]))
			continue;
		if (--dst != i) {
			h[dst] = h[i];
			d[dst] = d[i];
			h[i].hi = h[i].lo = 0;
			d[i] = 0;
		}
	}
	s->n = n;
	uint64_t pos = 0;
	for (uint64_t k = dst; k < s->total; k++) {
		uint64_t p = home(h[k].hi, n);
		if (p < pos)
			p = pos;
		if (p > k)
			return -1;
		if (p != k) {
			h[p] = h[k];
			d[p] = d[k];
			h[k].hi = h[k].lo = 0;
			d[k] = 0;
		}
		pos = p + 1;
	}
	return 0;
}

/* resize: home range n, growing the overflow tail until everything fits. */
static void resize(struct idset *s, uint64_t n)
{
	uint64_t extra = overflow_for(n);
	extend(s, n + extra);
	while (relayout(s, n) < 0) {
		extra *= 2;
		extend(s, n + extra);
	}
}

/* find: the slot of h, or where it would go (first empty or larger slot);
 * s->total when the run reaches the end of the array. */
static inline uint64_t find(const struct idset *s, struct h128 h)
{
	uint64_t i = home(h.hi, s->n);
	const struct h128 *t = s->h;
	while (i < s->total && !empty(t[i]) && h128_lt(t[i], h))
		i++;
	return i;
}

int idset_has(const struct idset *s, struct h128 h, uint16_t *day)
{
	if (empty(h))
		h.lo = 1;
	uint64_t i = find(s, h);
	if (i < s->total && h128_eq(s->h[i], h)) {
		if (day)
			*day = s->day[i];
		return 1;
	}
	return 0;
}

int idset_add(struct idset *s, struct h128 h, uint16_t day)
{
	if (empty(h))
		h.lo = 1;
	for (;;) {
		uint64_t i = find(s, h);
		if (i < s->total && h128_eq(s->h[i], h)) {
			if (day > s->day[i])
				s->day[i] = day;
			return 0;
		}
		if (s->count >= grow_at(s->n)) {
			resize(s, size_for(s->count));
			continue;
		}
		uint64_t e = i;
		while (e < s->total && !empty(s->h[e]))
			e++;
		if (e == s->total) {            /* the run hit the end: longer tail */
			extend(s, s->total + overflow_for(s->n));
			continue;
		}
		memmove(s->h + i + 1, s->h + i, (e - i) * sizeof *s->h);
		memmove(s->day + i + 1, s->day + i, (e - i) * sizeof *s->day);
		s->h[i] = h;
		s->day[i] = day;
		s->count++;
		return 1;
	}
}

/* ---- state files ---- */

static void put16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static void put64(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put_h128(unsigned char *p, struct h128 h) { put64(p, h.hi); put64(p + 8, h.lo); }
static struct h128 get_h128(const unsigned char *p)
{
	struct h128 h = { get64(p), get64(p + 8) };
	return h;
}

/* make_header: the 96 header bytes for a set of count entries. */
static void make_header(unsigned char *hd, const struct idset *s, uint64_t count, struct h128 body)
{
	memset(hd, 0, IDSET_HEADER_SIZE);
	memcpy(hd, MAGIC, 8);
	put32(hd + 8, VERSION);
	put32(hd + 12, IDSET_HEADER_SIZE);
	put32(hd + 16, IDSET_ENTRY_SIZE);
	put32(hd + 20, HASH_ID);
	put64(hd + 24, s->seed);
	put64(hd + 32, count);
	put16(hd + 40, s->newest);
	put16(hd + 42, s->window);
	put_h128(hd + 64, body);
	put_h128(hd + 80, seghash128(hd, 80, 0));
}

static int read_full(int fd, void *buf, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t r = read(fd, (char *)buf + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : -2;  /* -2: unexpected end */
		off += (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t r = write(fd, (const char *)buf + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		off += (size_t)r;
	}
	return 0;
}

#define CHUNK_ENTRIES 65536

/* check_header: the count of entries, or a reason to refuse the file. */
static const char *check_header(const unsigned char *hd, uint64_t size, uint64_t *count,
                                char *why, size_t whylen)
{
	if (memcmp(hd, MAGIC, 8) != 0)
		return "not a seg-dedup state file (no SEGIDSET magic)";
	uint32_t version = get32(hd + 8);
	if (version != VERSION) {
		snprintf(why, whylen, "state file format version %u; this program reads version %u",
		         (unsigned)version, VERSION);
		return why;
	}
	if (!h128_eq(get_h128(hd + 80), seghash128(hd, 80, 0)))
		return "corrupt: header checksum mismatch";
	if (get32(hd + 12) != IDSET_HEADER_SIZE || get32(hd + 16) != IDSET_ENTRY_SIZE)
		return "corrupt: unexpected header or entry size";
	if (get32(hd + 20) != HASH_ID)
		return "state file made with an unknown hash function";
	uint64_t c = get64(hd + 32);
	uint64_t want = c > (UINT64_MAX - IDSET_HEADER_SIZE) / IDSET_ENTRY_SIZE
	                ? UINT64_MAX : IDSET_HEADER_SIZE + c * IDSET_ENTRY_SIZE;
	if (want != size) {
		snprintf(why, whylen, "%s: %llu bytes, but the header promises %llu ids (%llu bytes)",
		         size < want ? "truncated" : "extended by trailing data", (unsigned long long)size,
		         (unsigned long long)c, (unsigned long long)want);
		return why;
	}
	*count = c;
	return NULL;
}

/* load_body: read count sorted entries, placing each at max(home, previous
 * + 1); check the order and the body checksum. */
static const char *load_body(struct idset *s, int fd, uint64_t count, struct h128 want,
                             char *why, size_t whylen)
{
	unsigned char *buf = xmalloc((size_t)CHUNK_ENTRIES * IDSET_ENTRY_SIZE);
	struct seghash sum;
	struct h128 prev = { 0, 0 };
	uint64_t pos = 0, done = 0;
	const char *err = NULL;
	seghash_init(&sum, 0);
	while (done < count && !err) {
		size_t k = count - done < CHUNK_ENTRIES ? (size_t)(count - done) : CHUNK_ENTRIES;
		int rc = read_full(fd, buf, k * IDSET_ENTRY_SIZE);
		if (rc < 0) {
			snprintf(why, whylen, "read error: %s", rc == -1 ? strerror(errno) : "unexpected end");
			err = why;
			break;
		}
		seghash_update(&sum, buf, k * IDSET_ENTRY_SIZE);
		for (size_t j = 0; j < k; j++) {
			const unsigned char *e = buf + j * IDSET_ENTRY_SIZE;
			struct h128 h = get_h128(e);
			if (!h128_lt(prev, h)) {
				err = "corrupt: ids out of order";
				break;
			}
			prev = h;
			uint64_t p = home(h.hi, s->n);
			if (p < pos)
				p = pos;
			if (p >= s->total)
				extend(s, s->total + overflow_for(s->n));
			s->h[p] = h;
			s->day[p] = get16(e + 16);
			pos = p + 1;
		}
		done += k;
	}
	free(buf);
	if (!err && !h128_eq(seghash_final(&sum), want))
		err = "corrupt: checksum mismatch";
	s->count = err ? 0 : count;
	return err;
}

enum idset_status idset_load(struct idset *s, const char *path, uint64_t expect,
                             char *why, size_t whylen)
{
	memset(s, 0, sizeof *s);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return IDSET_E_OPEN;
	}
	struct stat st;
	unsigned char hd[IDSET_HEADER_SIZE];
	uint64_t count = 0;
	const char *err = NULL;
	enum idset_status rc = IDSET_E_FORMAT;
	if (fstat(fd, &st) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		rc = IDSET_E_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = "not a regular file";
		goto out;
	}
	if ((uint64_t)st.st_size < IDSET_HEADER_SIZE) {
		err = (uint64_t)st.st_size >= 8 && read_full(fd, hd, 8) == 0 && memcmp(hd, MAGIC, 8) == 0
		      ? "truncated: shorter than the header" : "not a seg-dedup state file (too short)";
		goto out;
	}
	int r = read_full(fd, hd, sizeof hd);
	if (r < 0) {
		snprintf(why, whylen, "read error: %s", r == -1 ? strerror(errno) : "unexpected end");
		rc = IDSET_E_IO;
		goto out;
	}
	if ((err = check_header(hd, (uint64_t)st.st_size, &count, why, whylen)))
		goto out;
	s->seed = get64(hd + 24);
	s->newest = get16(hd + 40);
	s->window = get16(hd + 42);
	uint64_t n = size_for(count);
	if (n < expect + expect / 9 + 1)
		n = expect + expect / 9 + 1;
	alloc_slots(s, n < MIN_SLOTS ? MIN_SLOTS : n);
	err = load_body(s, fd, count, get_h128(hd + 64), why, whylen);
	if (err)
		idset_free(s);
	else
		rc = IDSET_OK;
out:
	if (err && err != why)
		snprintf(why, whylen, "%s", err);
	close(fd);
	return rc;
}

/* sync_dir: make a rename in path's directory durable. */
static int sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	if (rc < 0 && (errno == EINVAL || errno == EROFS))
		rc = 0;
	close(fd);
	return rc;
}

/* write_body: the kept entries in order; counts and checksum out. */
static int write_body(const struct idset *s, int fd, uint16_t keep_from, uint64_t *saved,
                      uint64_t *expired, struct h128 *sum_out)
{
	unsigned char *buf = xmalloc((size_t)CHUNK_ENTRIES * IDSET_ENTRY_SIZE);
	struct seghash sum;
	size_t k = 0;
	int rc = 0;
	seghash_init(&sum, 0);
	*saved = *expired = 0;
	for (uint64_t i = 0; i < s->total && rc == 0; i++) {
		if (empty(s->h[i]))
			continue;
		uint16_t day = s->day[i] ? s->day[i] : s->newest;
		if (keep_from && day && day < keep_from) {
			++*expired;
			continue;
		}
		unsigned char *e = buf + k * IDSET_ENTRY_SIZE;
		put_h128(e, s->h[i]);
		put16(e + 16, day);
		++*saved;
		if (++k == CHUNK_ENTRIES) {
			seghash_update(&sum, buf, k * IDSET_ENTRY_SIZE);
			rc = write_full(fd, buf, k * IDSET_ENTRY_SIZE);
			k = 0;
		}
	}
	if (rc == 0 && k) {
		seghash_update(&sum, buf, k * IDSET_ENTRY_SIZE);
		rc = write_full(fd, buf, k * IDSET_ENTRY_SIZE);
	}
	free(buf);
	*sum_out = seghash_final(&sum);
	return rc;
}

enum idset_status idset_save(const struct idset *s, const char *path, uint16_t keep_from,
                             uint64_t *saved, uint64_t *expired, char *why, size_t whylen)
{
	struct buf tmp = BUF_INIT;
	buf_printf(&tmp, "%s.XXXXXX", path);
	int fd = mkstemp(tmp.p);
	if (fd < 0) {
		snprintf(why, whylen, "cannot create a temporary file beside it: %s", strerror(errno));
		buf_free(&tmp);
		return IDSET_E_OPEN;
	}
	unsigned char hd[IDSET_HEADER_SIZE];
	struct h128 body;
	const char *step = "write";
	memset(hd, 0, sizeof hd);
	int rc = write_full(fd, hd, sizeof hd);
	if (rc == 0)
		rc = write_body(s, fd, keep_from, saved, expired, &body);
	if (rc == 0) {
		make_header(hd, s, *saved, body);
		rc = pwrite(fd, hd, sizeof hd, 0) == (ssize_t)sizeof hd ? 0 : -1;
	}
	if (rc == 0 && (step = "fsync", fsync(fd) < 0))
		rc = -1;
	mode_t mask = umask(0);         /* mkstemp made it 0600: honour the umask */
	umask(mask);
	if (rc == 0 && (step = "fchmod", fchmod(fd, 0666 & ~mask) < 0))
		rc = -1;
	if (close(fd) < 0 && rc == 0) {
		step = "close";
		rc = -1;
	}
	if (rc == 0 && (step = "rename", rename(tmp.p, path) < 0))
		rc = -1;
	if (rc == 0 && (step = "fsync of the directory", sync_dir(path) < 0))
		rc = -1;
	if (rc < 0) {
		snprintf(why, whylen, "%s: %s", step, strerror(errno));
		unlink(tmp.p);
	}
	buf_free(&tmp);
	return rc < 0 ? IDSET_E_IO : IDSET_OK;
}

/* next_id: the first occupied slot of s at i or after; s->total if none. */
static uint64_t next_id(const struct idset *s, uint64_t i)
{
	while (i < s->total && empty(s->h[i]))
		i++;
	return i;
}

/* idset_merge: both tables hold their ids in ascending order, so the union
 * is one linear pass over the two, laid out into a new table as
 * load_body lays out a file. Adding src's ids one by one into dst was
 * quadratic: ascending inserts push a growing cluster ahead of them (1.7 s
 * for 97k ids into 97k; this takes milliseconds). */
int64_t idset_merge(struct idset *dst, const struct idset *src)
{
	if (dst->seed != src->seed)
		return -1;
	struct idset out;
	idset_init(&out, dst->count + src->count, dst->seed);
	uint64_t i = next_id(dst, 0), j = next_id(src, 0), pos = 0, count = 0;
	int64_t added = 0;
	while (i < dst->total || j < src->total) {
		struct h128 h;
		uint16_t d;
		if (j >= src->total || (i < dst->total && h128_lt(dst->h[i], src->h[j]))) {
			h = dst->h[i];
			d = dst->day[i];
			i = next_id(dst, i + 1);
		} else if (i >= dst->total || h128_lt(src->h[j], dst->h[i])) {
			h = src->h[j];
			d = src->day[j];
			j = next_id(src, j + 1);
			added++;
		} else {                       /* in both: the later day */
			h = dst->h[i];
			d = dst->day[i] > src->day[j] ? dst->day[i] : src->day[j];
			i = next_id(dst, i + 1);
			j = next_id(src, j + 1);
		}
		uint64_t p = home(h.hi, out.n);
		if (p < pos)
			p = pos;
		if (p >= out.total)
			extend(&out, out.total + overflow_for(out.n));
		out.h[p] = h;
		out.day[p] = d;
		pos = p + 1;
		count++;
	}
	out.count = count;
	out.newest = src->newest > dst->newest ? src->newest : dst->newest;
	out.window = dst->window;
	idset_free(dst);
	*dst = out;
	return added;
}
