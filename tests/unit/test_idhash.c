/* test_idhash.c: seghash128: pinned values (state files depend on them),
 * streaming equals one-shot, no collisions among short inputs, avalanche,
 * and the spread of sequential ids over the low bits. */
#include <stdint.h>
#include <stdlib.h>

#include "idhash.h"
#include "unit.h"

static uint64_t rng = 0x123456789ABCDEFULL;
/* next: xorshift64*, a reproducible stream of test inputs. */
static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static void fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(next() >> 56);
}

static int cmp_h(const void *a, const void *b)
{
	const struct h128 *x = a, *y = b;
	return h128_lt(*x, *y) ? -1 : h128_lt(*y, *x) ? 1 : 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* pinned: values that must never change without a new state file hash id. */
static void pinned(void)
{
	static const struct { const char *in; uint64_t seed, hi, lo; } v[] = {
		{ "", 0x0ULL, 0xcdaf6d5b0ed59d94ULL, 0xa6bfa090a3373cb6ULL },
		{ "", 0x1ULL, 0xef07492d70efadf5ULL, 0xa7627c82b89d5312ULL },
		{ "", 0x5eed5eed5eed5eedULL, 0x15a89184d1076988ULL, 0x38e99068560ae4deULL },
		{ "a", 0x0ULL, 0x3964b233b25cec8aULL, 0x57d409c1be4d5a7bULL },
		{ "abc", 0x0ULL, 0xa49d230f41c3affcULL, 0xfa8caefcb2de8d5bULL },
		{ "abc", 0x1ULL, 0x34aeab43e745d11aULL, 0x5f6309ddeec8c924ULL },
		{ "abc", 0x5eed5eed5eed5eedULL, 0x36f4d89de8dbb610ULL, 0xdbfa031491f7598cULL },
		{ "0123456789abcde", 0x0ULL, 0xe5a0b4585a3d5842ULL, 0x05fc089faceac6d5ULL },
		{ "0123456789abcdef", 0x0ULL, 0x6b3207bda598cabeULL, 0xf520d1a62085fcd3ULL },
		{ "0123456789abcdef", 0x1ULL, 0xffddf80d761965f6ULL, 0x1dca0d5df86b9522ULL },
		{ "0123456789abcdef", 0x5eed5eed5eed5eedULL, 0x4cdc0ebd0793e73fULL, 0xdc6fe5d98f4c04d7ULL },
		{ "ajs-5d3e47ec-ad6e-43d4-a0b9-2d2a699b5d52", 0x0ULL, 0xb2d8f8cd67406f15ULL, 0x476f5315441838bfULL },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct h128 h = seghash128(v[i].in, strlen(v[i].in), v[i].seed);
		ok(h.hi == v[i].hi && h.lo == v[i].lo, "pinned value of \"%s\" seed %llu", v[i].in,
		   (unsigned long long)v[i].seed);
		if (h.hi != v[i].hi || h.lo != v[i].lo)
			printf("#   got 0x%016llxULL, 0x%016llxULL\n", (unsigned long long)h.hi,
			       (unsigned long long)h.lo);
	}
}

static void streaming(void)
{
	unsigned char buf[100];
	fill(buf, sizeof buf);
	int bad = 0;
	for (size_t n = 0; n <= sizeof buf; n++) {
		struct h128 one = seghash128(buf, n, 7);
		for (size_t a = 0; a <= n; a++)
			for (size_t b = a; b <= n; b += 3) {
				struct seghash s;
				seghash_init(&s, 7);
				seghash_update(&s, buf, a);
				seghash_update(&s, buf + a, b - a);
				seghash_update(&s, buf + b, n - b);
				bad += !h128_eq(seghash_final(&s), one);
			}
	}
	is_int(bad, 0, "three-piece streaming equals one-shot for every split of 0..100 bytes");
}

/* short_inputs: all inputs of 0..2 bytes and zero runs of 0..40 bytes: the
 * padding must keep "a" and "a\0" apart, and <= 15 bytes never collide. */
static void short_inputs(void)
{
	size_t n = 0, cap = 1 + 256 + 65536 + 41;
	struct h128 *h = malloc(cap * sizeof *h);
	unsigned char z[41] = { 0 };
	h[n++] = seghash128("", 0, 0);
	for (int a = 0; a < 256; a++) {
		unsigned char b[1] = { (unsigned char)a };
		h[n++] = seghash128(b, 1, 0);
	}
	for (int a = 0; a < 65536; a++) {
		unsigned char b[2] = { (unsigned char)a, (unsigned char)(a >> 8) };
		h[n++] = seghash128(b, 2, 0);
	}
	for (size_t k = 3; k <= 40; k++)
		h[n++] = seghash128(z, k, 0);
	qsort(h, n, sizeof *h, cmp_h);
	size_t dup = 0;
	for (size_t i = 1; i < n; i++)
		dup += h128_eq(h[i - 1], h[i]);
	is_int(dup, 0, "no collisions among %zu short inputs", n);
	free(h);
	ok(!h128_eq(seghash128("abc", 3, 1), seghash128("abc", 3, 2)), "the seed changes the value");
}

/* avalanche: flipping one input bit flips each output bit with probability
 * 1/2; the bound 0.5 +- 0.05 is more than 6 standard deviations at 4000
 * samples. Also for the seed's bits. */
static void avalanche(size_t len)
{
	enum { SAMPLES = 4000 };
	size_t nbits = len * 8 + 64;
	unsigned *flips = calloc(nbits * 128, sizeof *flips);
	unsigned char in[64];
	for (int s = 0; s < SAMPLES; s++) {
		fill(in, len);
		uint64_t seed = next();
		struct h128 base = seghash128(in, len, seed);
		for (size_t bit = 0; bit < nbits; bit++) {
			struct h128 h;
			if (bit < len * 8) {
				in[bit / 8] ^= (unsigned char)(1u << (bit % 8));
				h = seghash128(in, len, seed);
				in[bit / 8] ^= (unsigned char)(1u << (bit % 8));
			} else {
				h = seghash128(in, len, seed ^ (1ULL << (bit - len * 8)));
			}
			uint64_t d[2] = { h.hi ^ base.hi, h.lo ^ base.lo };
			for (int o = 0; o < 128; o++)
				flips[bit * 128 + o] += (unsigned)(d[o / 64] >> (o % 64)) & 1;
		}
	}
	double worst = 0;
	for (size_t i = 0; i < nbits * 128; i++) {
		double p = (double)flips[i] / SAMPLES, dev = p > 0.5 ? p - 0.5 : 0.5 - p;
		if (dev > worst)
			worst = dev;
	}
	ok(worst < 0.05, "avalanche on %zu-byte inputs and the seed: worst bias %.4f", len, worst);
	free(flips);
}

/* spread: 1M ids like "ajs-00000042": the low 32 bits of each half should
 * collide about as often as random numbers do (n^2/2^33, about 116). */
static void spread(void)
{
	enum { N = 1000000 };
	struct h128 *h = malloc(N * sizeof *h);
	uint32_t *lo = malloc(N * sizeof *lo), *hi = malloc(N * sizeof *hi);
	char key[32];
	for (int i = 0; i < N; i++) {
		int n = snprintf(key, sizeof key, "ajs-%08d", i);
		h[i] = seghash128(key, (size_t)n, 0);
		lo[i] = (uint32_t)h[i].lo;
		hi[i] = (uint32_t)h[i].hi;
	}
	qsort(h, N, sizeof *h, cmp_h);
	qsort(lo, N, sizeof *lo, cmp_u32);
	qsort(hi, N, sizeof *hi, cmp_u32);
	size_t d128 = 0, dlo = 0, dhi = 0;
	for (int i = 1; i < N; i++) {
		d128 += h128_eq(h[i - 1], h[i]);
		dlo += lo[i - 1] == lo[i];
		dhi += hi[i - 1] == hi[i];
	}
	is_int(d128, 0, "no 128-bit collisions among 1M sequential ids");
	ok(dlo > 60 && dlo < 180, "low 32 bits of lo collide like random ones (%zu, expect ~116)", dlo);
	ok(dhi > 60 && dhi < 180, "low 32 bits of hi collide like random ones (%zu, expect ~116)", dhi);
	free(h);
	free(lo);
	free(hi);
}

/* fnv1a64: the published FNV-1a 64-bit test vectors. */
static void fnv(void)
{
	ok(fnv1a64("", 0) == 0xcbf29ce484222325ULL, "fnv1a64 of nothing is the offset basis");
	ok(fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL, "fnv1a64(\"a\")");
	ok(fnv1a64("foobar", 6) == 0x85944171f73967e8ULL, "fnv1a64(\"foobar\")");
}

int main(void)
{
	fnv();
	pinned();
	streaming();
	short_inputs();
	avalanche(4);
	avalanche(36);
	avalanche(60);
	spread();
	return done();
}
