/* manifest.h: seg-fetch's record of the objects it read to their end. One
 * JSON line per object, appended and fsync'd only after the object's
 * messages were flushed to the output:
 *   {"object":"s3://b/k","etag":"\"..\"","size":N,"mtime":"..","messages":N,"state":"pending"}
 * An object read is only pending: its messages are in the pipe, not in the
 * table. It is marked done ("state":"done", appended) by seg-fetch
 * --mark-done after the load committed; only done objects are skipped by a
 * re-run. A line without "state" (an older manifest) counts as pending.
 * A torn or unreadable line (a crash while writing) is ignored; a later line
 * for the same object replaces an earlier one. */
#ifndef SEG_MANIFEST_H
#define SEG_MANIFEST_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct manifest_rec {
	char *object;
	char *etag;              /* "" if unknown */
	char *mtime;             /* "" if unknown */
	int64_t size;            /* -1 if unknown */
	uint64_t messages;
	int pending;             /* read, not yet known to be loaded */
};

struct manifest {
	int fd;
	char *path;
	struct manifest_rec *tab;  /* open addressing by object name */
	size_t cap, n;
	uint64_t ignored;          /* lines that could not be read */
	struct buf line;
};

/* manifest_open: load path if it exists and open it for appending. 0, or -1
 * with errno set. */
int manifest_open(struct manifest *m, const char *path);
/* manifest_find: the last record of object, or NULL. */
const struct manifest_rec *manifest_find(const struct manifest *m, const char *object);
/* manifest_add: append and fsync one record (exits 74 on failure). */
void manifest_add(struct manifest *m, const struct manifest_rec *r);
/* manifest_mark_done: append a done record for every pending object.
 * Returns how many (exits 74 on a write failure). */
size_t manifest_mark_done(struct manifest *m);
void manifest_close(struct manifest *m);
#endif
