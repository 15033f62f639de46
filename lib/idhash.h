/* idhash.h: seghash128, the 128-bit non-cryptographic hash behind seg-dedup's
 * id sets and the checksums of its state files; and fnv1a64, the one small
 * hash for in-memory tables and shard choices. Fast on short keys (a 36-byte
 * messageId costs a few nanoseconds), streaming for long inputs, the same
 * result on every platform (input is read little-endian), and seeded so a
 * state file can carry its own secret-ish seed.
 *
 * It is NOT a cryptographic hash: whoever knows the seed can construct
 * collisions. See idhash.c for the design and the reasoning behind it. */
#ifndef SEG_IDHASH_H
#define SEG_IDHASH_H
#include <stddef.h>
#include <stdint.h>

/* A 128-bit hash value; ordered by hi, then lo. */
struct h128 {
	uint64_t hi, lo;
};

/* Streaming state: 128 bits of state, up to 15 bytes waiting for a block. */
struct seghash {
	uint64_t s0, s1;
	unsigned char tail[16];
	unsigned ntail;
};

void seghash_init(struct seghash *h, uint64_t seed);
void seghash_update(struct seghash *h, const void *p, size_t n);
struct h128 seghash_final(struct seghash *h);

/* seghash128: the one-shot form; equals init, one update, final. */
struct h128 seghash128(const void *p, size_t n, uint64_t seed);

/* fnv1a64: 64-bit FNV-1a (offset basis 14695981039346656037, prime
 * 1099511628211) of p[0..n). Cheap and unseeded: for hash tables of trusted
 * or already well-spread keys and for stable shard assignment, never for
 * anything an attacker picks the keys of. */
uint64_t fnv1a64(const void *p, size_t n);

/* h128 comparisons in the order used by sorted id sets. */
static inline int h128_eq(struct h128 a, struct h128 b) { return a.hi == b.hi && a.lo == b.lo; }
static inline int h128_lt(struct h128 a, struct h128 b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}
#endif
