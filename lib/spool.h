/* spool.h: hold a decoded stream back until it has been verified (a gzip
 * member's CRC, an archive member's checksum), then hand it out. The first
 * SPOOL_MEM bytes stay in memory, the rest goes to an unlinked temporary file
 * in $TMPDIR (default /tmp), so memory is bounded whatever the stream's size;
 * callers stop spooling at their own bound (UNPACK_VERIFY_MAX). */
#ifndef SEG_SPOOL_H
#define SEG_SPOOL_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SPOOL_MEM ((size_t)16 << 20)

struct spool {
	char *mem;               /* the first SPOOL_MEM bytes, grown on demand */
	size_t mem_cap;
	int fd;                  /* the rest, -1 until needed */
	uint64_t len;            /* bytes held */
	uint64_t pos;            /* bytes handed out by spool_read */
};

void spool_init(struct spool *s);
/* spool_add: hold p[0..n). Exits 74 when the temporary file cannot be
 * created or written. */
void spool_add(struct spool *s, const void *p, size_t n);
/* spool_read: hand out held bytes in order; 0 when all are out. */
size_t spool_read(struct spool *s, char *buf, size_t n);
/* spool_skip: pass over the next n held bytes (at most those pending)
 * without reading them. */
void spool_skip(struct spool *s, uint64_t n);
/* spool_pending: bytes held and not yet handed out. */
static inline uint64_t spool_pending(const struct spool *s) { return s->len - s->pos; }
/* spool_reset: drop everything held (keeps the buffers for reuse). */
void spool_reset(struct spool *s);
void spool_free(struct spool *s);
#endif
