/* magic.h: what a stream's first bytes say it is when it is not text: the
 * compression and archive formats seg-fetch unpacks (lib/unpack) and the
 * binary formats no segpipe program reads, so that a filter handed one
 * refuses it in one line instead of a reject per line. */
#ifndef SEG_MAGIC_H
#define SEG_MAGIC_H
#include <stddef.h>

enum magic_kind {
	MAGIC_FILTER,     /* a compression filter: gzip, bzip2, xz, zstd, lz4 */
	MAGIC_ARCHIVE,    /* an archive of members: zip, 7-zip, cpio, tar */
	MAGIC_OTHER       /* binary data seg-fetch does not unpack (Parquet) */
};

struct magic {
	const char *name;        /* "gzip", "zip", "tar", ... */
	enum magic_kind kind;
};

/* MAGIC_BYTES: the most bytes magic_find looks at (tar's "ustar" at 257). */
#define MAGIC_BYTES 262

/* magic_find: the format the first n bytes of p start, or NULL (text, or
 * too few bytes to tell). */
const struct magic *magic_find(const void *p, size_t n);
#endif
