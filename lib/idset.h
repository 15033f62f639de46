/* idset.h: an exact set of ids for seg-dedup, kept as 128-bit hashes
 * (lib/idhash.h) with the day each id was last seen, and its state file.
 *
 * The table is an ordered linear-probing hash table: an id's home slot is
 * (hi * n) >> 64, a monotone function of the hash, and the slots hold the
 * hashes in ascending order, each at max(home, previous slot + 1), with an
 * overflow tail instead of wrapping around. That layout is unique for a set,
 * which gives three things at once: a failed lookup stops at the first larger
 * hash; the table grows in place by a factor of 1.3 (realloc, then two linear
 * passes), so memory stays under 24 bytes per id with no moment of double
 * allocation; and saving and loading are sequential passes over sorted data.
 *
 * Memory: 16 bytes of hash + 2 bytes of day per slot, load factor kept
 * between 0.76 and 0.9, overflow tail 1/256 of the slots: at most 23.7 bytes
 * per distinct id (plus a 19 KB floor for tiny sets).
 *
 * State file (all integers little-endian):
 *   0  "SEGIDSET"           8  magic
 *   8  u32 version (1)      12 u32 header size (96)
 *   16 u32 entry size (18)  20 u32 hash id (1 = seghash128 v1)
 *   24 u64 seed             32 u64 count of entries
 *   40 u16 newest day       42 u16 window in days (0 = none), informational
 *   44..63 zero             64 16-byte seghash128 of the entries (seed 0)
 *   80 16-byte seghash128 of bytes 0..79 (seed 0)
 *   96 count entries of 18 bytes: hash hi u64, hash lo u64, day u16,
 *      strictly ascending by (hi, lo).
 * A file that differs from this in any way is refused as a whole. */
#ifndef SEG_IDSET_H
#define SEG_IDSET_H
#include <stddef.h>
#include <stdint.h>

#include "idhash.h"

#define IDSET_HEADER_SIZE 96
#define IDSET_ENTRY_SIZE 18

struct idset {
	struct h128 *h;          /* slots; (0,0) marks an empty one */
	uint16_t *day;           /* the day of each slot's id */
	uint64_t n;              /* home range: slots 0..n-1 */
	uint64_t total;          /* slots allocated: n and the overflow tail */
	uint64_t count;          /* ids in the set */
	uint64_t seed;           /* the hash seed of this set (and its file) */
	uint16_t newest;         /* the newest day seen, kept in the file */
	uint16_t window;         /* the window it was saved with, informational */
};

enum idset_status {
	IDSET_OK = 0,
	IDSET_E_OPEN,            /* the file could not be opened (errno in why) */
	IDSET_E_IO,              /* read or write failed */
	IDSET_E_FORMAT           /* not a state file, corrupt, truncated, newer */
};

/* idset_random_seed: 64 random bits for a new set's hash seed. */
uint64_t idset_random_seed(void);
/* idset_init: an empty set sized so expect ids fit without growing. */
void idset_init(struct idset *s, uint64_t expect, uint64_t seed);
void idset_free(struct idset *s);

/* idset_key: the hash of a key's bytes under this set's seed. */
struct h128 idset_key(const struct idset *s, const void *key, size_t n);
/* idset_add: 1 if h was new (now added with day), 0 if already present (its
 * day is raised to day if day is later). */
int idset_add(struct idset *s, struct h128 h, uint16_t day);
/* idset_has: 1 if h is in the set, and its day in *day when day != NULL. */
int idset_has(const struct idset *s, struct h128 h, uint16_t *day);
/* idset_merge: add every id of src (with its day) to dst; the newest day is
 * the later of the two. Linear: dst is rebuilt in a new table sized for
 * both (for a moment dst, src and the union are held at once). -1
 * (nothing added) when the seeds differ, as the same id hashes differently
 * then; else the number of ids that were new. */
int64_t idset_merge(struct idset *dst, const struct idset *src);
/* idset_bytes: memory held by the table. */
uint64_t idset_bytes(const struct idset *s);

/* idset_load: replace s (uninitialized or freed) with the set saved in path,
 * sized for at least expect ids. Nothing of a refused file is kept: on any
 * error s is left empty-freed and why holds a sentence. */
enum idset_status idset_load(struct idset *s, const char *path, uint64_t expect,
                             char *why, size_t whylen);
/* idset_save: write the ids whose day is keep_from or later (all when 0) to
 * path through a temporary file in the same directory, fsync'd and renamed
 * over path. Ids with day 0 (time unknown) are written with s->newest. The
 * counts of ids written and left out go to *saved and *expired. */
enum idset_status idset_save(const struct idset *s, const char *path, uint16_t keep_from,
                             uint64_t *saved, uint64_t *expired, char *why, size_t whylen);
#endif
