/* idhash.c: seghash128, a 128-bit hash written for segpipe.
 *
 * Design. The hash is a sponge-like iteration of one fixed permutation P of a
 * 128-bit state (s0, s1), two 64-bit lanes:
 *
 *   state  = P(seed ^ C2, seed ^ C3)            seed diffused first
 *   pad the input with one 0x80 byte and zeros to a multiple of 16 bytes
 *   for each 16-byte block (a, b), two little-endian words:
 *       state = P(s0 ^ a, s1 ^ b)               absorb, then permute
 *   state  = P^4(s0, s1 ^ C4)                   finalize
 *   result = (hi = s0, lo = s1)
 *
 * P is built only from invertible steps on 64-bit words:
 *
 *   s0 ^= s0 >> 32;  s0 *= C0       xorshift and odd multiply: both bijective
 *   s1 ^= s1 >> 29;  s1 *= C1
 *   s0 += rotl(s1, 24)              lane mixing, Feistel style: bijective
 *   s1 ^= rotl(s0, 40)              because the other lane is left unchanged
 *
 * The multiplies carry every bit upwards, the right xorshifts carry the high
 * half down again, and the rotations move each lane's bits into the other,
 * so after the four finishing rounds every output bit depends on every input
 * bit (tests/unit/test_idhash.c measures the avalanche: each flipped input or
 * seed bit flips each output bit with probability 1/2 within sampling error;
 * two finishing rounds already pass that test, one fails it badly, four give
 * a margin).
 *
 * Why a permutation: absorbing a block by xor and then applying a bijection
 * never merges two states, so two inputs can only collide by accident of the
 * mixing, never because a step threw information away (folded 64x64->128
 * multiplies, used by many fast hashes, can zero a lane). The padding (the
 * 0x80 byte marks where the input ends) is injective, so the padded block
 * streams of two different inputs differ. In particular two different inputs
 * of at most 15 bytes never collide at all: each is one padded block, the
 * states after absorbing it differ, and the finalization is a bijection. Longer
 * inputs collide with the probability of a random 128-bit function, about
 * n^2 / 2^129 for n distinct keys, as long as nobody picks keys knowing the
 * seed: with the seed known, a second block can be chosen to cancel the
 * first. That is why seg-dedup's state files carry a random seed, and why
 * this hash is not offered for anything where an adversary chooses inputs
 * for profit.
 *
 * Cost: one P (two multiplies, about ten other operations) per 16 bytes plus
 * six for setup, padding and finish: a 36-byte messageId hashes in about 10 ns, and
 * long inputs (state file checksums) stream at several GB/s.
 *
 * The constants are the first 64 fractional bits of the square roots of 2,
 * 3, 5, 7 and of the golden ratio, all odd: numbers with nothing up the
 * sleeve. Changing any of them, or P, changes every saved state file's
 * meaning: bump IDSET's hash id (lib/idset.c) if you do. */
#include <string.h>

#include "idhash.h"

#define C0 0x9E3779B97F4A7C15ULL /* golden ratio */
#define C1 0xBB67AE8584CAA73BULL /* sqrt(3) */
#define C2 0x6A09E667F3BCC909ULL /* sqrt(2) */
#define C3 0x3C6EF372FE94F82BULL /* sqrt(5) */
#define C4 0xA54FF53A5F1D36F1ULL /* sqrt(7) */

static inline uint64_t rotl(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

/* le64: 8 bytes as a little-endian number, whatever the host's order. */
static inline uint64_t le64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* permute: the bijection P described above. */
static inline void permute(uint64_t *s0, uint64_t *s1)
{
	uint64_t a = *s0, b = *s1;
	a ^= a >> 32;
	a *= C0;
	b ^= b >> 29;
	b *= C1;
	a += rotl(b, 24);
	b ^= rotl(a, 40);
	*s0 = a;
	*s1 = b;
}

void seghash_init(struct seghash *h, uint64_t seed)
{
	h->s0 = seed ^ C2;
	h->s1 = seed ^ C3;
	permute(&h->s0, &h->s1);
	h->ntail = 0;
}

/* absorb: whole 16-byte blocks; returns the bytes consumed. */
static size_t absorb(struct seghash *h, const unsigned char *p, size_t n)
{
	uint64_t s0 = h->s0, s1 = h->s1;
	size_t i = 0;
	for (; n - i >= 16; i += 16) {
		s0 ^= le64(p + i);
		s1 ^= le64(p + i + 8);
		permute(&s0, &s1);
	}
	h->s0 = s0;
	h->s1 = s1;
	return i;
}

void seghash_update(struct seghash *h, const void *data, size_t n)
{
	const unsigned char *p = data;
	if (h->ntail) {
		size_t k = 16 - h->ntail < n ? 16 - h->ntail : n;
		memcpy(h->tail + h->ntail, p, k);
		h->ntail += (unsigned)k;
		p += k;
		n -= k;
		if (h->ntail < 16)
			return;
		absorb(h, h->tail, 16);
		h->ntail = 0;
	}
	size_t used = absorb(h, p, n);
	if (n > used) {
		memcpy(h->tail, p + used, n - used);
		h->ntail = (unsigned)(n - used);
	}
}

struct h128 seghash_final(struct seghash *h)
{
	h->tail[h->ntail] = 0x80;
	memset(h->tail + h->ntail + 1, 0, 15 - h->ntail);
	absorb(h, h->tail, 16);
	h->ntail = 0;
	uint64_t s0 = h->s0, s1 = h->s1 ^ C4;
	for (int i = 0; i < 4; i++)
		permute(&s0, &s1);
	struct h128 r = { s0, s1 };
	return r;
}

struct h128 seghash128(const void *p, size_t n, uint64_t seed)
{
	struct seghash h;
	seghash_init(&h, seed);
	seghash_update(&h, p, n);
	return seghash_final(&h);
}

uint64_t fnv1a64(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	return h;
}
