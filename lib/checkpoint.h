/* checkpoint.h: the resume file of s2-load (design.md, "State and resuming"),
 * also s2-query's (one line per page; ckpt_last gives the newest).
 * Append-only, one committed id per line. An id is written and fsync'd
 * before anything downstream learns that it was committed, so after a crash
 * the file never claims more than the target holds. On open, every complete
 * line is loaded into an in-memory set; a torn last line (no newline: the
 * process died mid-write) is ignored and cut off so that later appends start
 * on a fresh line. The file is locked (flock) while open: two loaders must
 * not share one checkpoint.
 *
 * A checkpoint is tied to its target: a line
 *   target {"url":"https://h:443/api/v2/exec","database":"db"}
 * (never an id: ids have no spaces) names the target its ids were committed
 * to; ckpt_bind appends it to a file that has none (a new file, or one
 * written before targets were recorded) and refuses another target. */
#ifndef SEG_CHECKPOINT_H
#define SEG_CHECKPOINT_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct checkpoint {
	int fd;
	const char *path;
	struct buf ids;          /* all ids, each followed by a NUL */
	uint32_t *slots;         /* open addressing: offset+1 into ids, 0 = empty */
	size_t nslots, count;
	struct buf pending;      /* appended lines not yet written */
	uint64_t torn;           /* bytes of a torn last line found on open */
	struct buf target;       /* the last target line found on open, or empty */
};

/* ckpt_open: open or create path and load its ids. Returns 0, -1 with errno
 * set (EWOULDBLOCK: another process holds the lock). */
int ckpt_open(struct checkpoint *c, const char *path);
/* ckpt_has: was id[0..n) committed? */
int ckpt_has(const struct checkpoint *c, const char *id, size_t n);
/* ckpt_add: remember id as committed and queue its line; ckpt_sync writes. */
void ckpt_add(struct checkpoint *c, const char *id, size_t n);
/* ckpt_last: the id loaded or added last (in file order), or NULL when
 * there is none; *n its length. */
const char *ckpt_last(const struct checkpoint *c, size_t *n);
/* ckpt_sync: write the queued lines and fsync. 0, or -1 with errno set. */
int ckpt_sync(struct checkpoint *c);
/* ckpt_bind: tie the file to url and database (NULL: none). 0 when it was
 * tied to them already, 1 when it had no target line and now has one (and
 * c->count ids that predate it), -1 when it belongs to another target
 * (c->target holds that line), -2 with errno set on a write error. */
int ckpt_bind(struct checkpoint *c, const char *url, const char *database);
/* ckpt_close: sync, unlock, close, free. 0 or -1 with errno set. */
int ckpt_close(struct checkpoint *c);
#endif
