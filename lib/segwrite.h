/* segwrite.h: writing messages into Segment's S3 layout on a local disk, as
 * seg-receive does:
 *   DIR/segment-logs/SOURCE/DAY_MS/HOUR_S-N.gz
 * (DAY_MS: the UTC day in Unix ms, HOUR_S: the UTC hour in Unix seconds, N:
 * the first number free when the file was started). Each append is one gzip
 * member (seg-fetch reads concatenated members) written and fsync'd before
 * segw_append returns, so what it acknowledged survives a crash. Only the
 * member being written when the process died can be torn: the files open for
 * appending are listed in DIR/.seg-receive/open (rewritten atomically when
 * the set changes), and segw_open cuts a torn tail off each of them back to
 * the end of its last complete member. DIR/.seg-receive/lock keeps a second
 * writer out (lib/statelock). Point seg-fetch at DIR/segment-logs. */
#ifndef SEG_SEGWRITE_H
#define SEG_SEGWRITE_H
#include <stddef.h>
#include <stdint.h>

struct segwrite;

/* segw_open: take dir (created if missing), repair what a crash left.
 * NULL with err filled (errno set; EWOULDBLOCK: another writer has it). */
struct segwrite *segw_open(const char *dir, char *err, size_t errn);
/* segw_append: append p[0..n) (NDJSON lines) as one gzip member to the file
 * of source for the hour of t_ms, and fsync. 0, or -1 with errno set and
 * nothing appended (a partly written member is cut off again). */
int segw_append(struct segwrite *w, const char *source, int64_t t_ms, const char *p, size_t n);
/* segw_repaired: bytes of torn members cut off by segw_open. */
uint64_t segw_repaired(const struct segwrite *w);
void segw_close(struct segwrite *w);

/* segw_gzip_end: the length of the complete gzip members at the start of
 * the file open on fd (0 when none), or -1 with errno set. */
int64_t segw_gzip_end(int fd);
#endif
