/* fuzz_idset.c: libFuzzer harness for seg-dedup's state files. Whatever the
 * bytes, idset_load must refuse them or load a set that is sound: canonical
 * layout, every id findable, new ids addable. Checksums stop random bytes at
 * the door, so when the first byte is odd the harness seals the rest as a
 * well-formed file (entries sorted when bit 1 is set too) to reach the body's
 * checks and the placement of crowded hashes. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "idset.h"

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* cmp_entry: the numeric order of the entries' hashes, as the file wants. */
static int cmp_entry(const void *a, const void *b)
{
	uint64_t x = get64(a), y = get64(b);
	if (x == y) {
		x = get64((const unsigned char *)a + 8);
		y = get64((const unsigned char *)b + 8);
	}
	return x < y ? -1 : x > y;
}

/* seal: a header with valid checksums in front of whole entries of data. */
static size_t seal(const uint8_t *data, size_t size, int sort, unsigned char **out)
{
	size_t count = size / IDSET_ENTRY_SIZE, n = IDSET_HEADER_SIZE + count * IDSET_ENTRY_SIZE;
	unsigned char *f = calloc(1, n), *body = f + IDSET_HEADER_SIZE;
	memcpy(body, data, count * IDSET_ENTRY_SIZE);
	if (sort)
		qsort(body, count, IDSET_ENTRY_SIZE, cmp_entry);
	memcpy(f, "SEGIDSET", 8);
	f[8] = 1;
	f[12] = IDSET_HEADER_SIZE;
	f[16] = IDSET_ENTRY_SIZE;
	f[20] = 1;
	put64(f + 32, count);
	struct h128 b = seghash128(body, count * IDSET_ENTRY_SIZE, 0);
	put64(f + 64, b.hi);
	put64(f + 72, b.lo);
	struct h128 h = seghash128(f, 80, 0);
	put64(f + 80, h.hi);
	put64(f + 88, h.lo);
	*out = f;
	return n;
}

/* sound: ascending, each id at max(home, previous + 1), all findable. */
static void sound(struct idset *s)
{
	uint64_t pos = 0, seen = 0;
	for (uint64_t i = 0; i < s->total; i++) {
		struct h128 h = s->h[i];
		if ((h.hi | h.lo) == 0)
			continue;
		uint64_t home = (uint64_t)(((unsigned __int128)h.hi * s->n) >> 64);
		if (i != (home > pos ? home : pos) || !idset_has(s, h, NULL))
			abort();
		pos = i + 1;
		seen++;
	}
	if (seen != s->count)
		abort();
	struct h128 x = { 0x8000000000000000ULL, 12345 };
	int was = idset_has(s, x, NULL);
	if (idset_add(s, x, 1) == was || !idset_has(s, x, NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("state", 0);
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	unsigned char *file = NULL;
	size_t n = size;
	const unsigned char *bytes = data;
	if (size > 0 && (data[0] & 1)) {
		n = seal(data + 1, size - 1, data[0] & 2, &file);
		bytes = file;
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, bytes, n, 0) != (ssize_t)n)
		abort();
	struct idset s;
	char why[256];
	if (idset_load(&s, path, 0, why, sizeof why) == IDSET_OK) {
		sound(&s);
		idset_free(&s);
	} else if (s.h || !why[0]) {
		abort();
	}
	free(file);
	return 0;
}
