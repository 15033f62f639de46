/* unpack.h: turn one object's bytes into the text streams inside it, the
 * format told by the content, never by the name: gzip (any number of
 * members; lib/inflate), then through libarchive tar, zip, cpio, 7z and the
 * bzip2, xz, zstd, lz4 filters, any of these nested in each other (a tarball
 * of .gz files, a .tar.gz, a .zip of .json.gz); anything else is text, but
 * for Parquet ("PAR1") and CSV (a first line of commas and nothing of JSON),
 * which are refused whole as an unsupported format (UNPACK_DAMAGED).
 * Members are visited in archive order; a member's name is
 * "OBJECT!/PATH/IN/ARCHIVE". Damage stops the object; the bytes of the
 * damaged member are not handed to the text callback when the member is up
 * to UNPACK_VERIFY_MAX (see below), the bytes of members before it are.
 * Data that libarchive reads with a warning (a zip member's bad CRC-32) is
 * damage; a file that starts like gzip (1f 8b) with another method byte is
 * damage, not text. */
#ifndef SEG_UNPACK_H
#define SEG_UNPACK_H
#include <stddef.h>
#include <stdint.h>

#include "lineio.h"

#define UNPACK_MAX_DEPTH 5
/* A gzip member or an archive member that decodes to at most this many bytes
 * is checked (CRC, checksum, length) before any of its bytes are handed on
 * (held meanwhile in lib/spool: memory, then a temporary file); a larger one
 * is handed on as it is decoded and checked at its end. */
#define UNPACK_VERIFY_MAX ((uint64_t)256 << 20)

enum unpack_result { UNPACK_OK = 0, UNPACK_DAMAGED = -1, UNPACK_SRC_FAILED = -2 };

struct unpack {
	/* text: read one decoded stream to its end; return 0, or -1 when its
	 * read function failed. lend is its lend function (lib/lineio): a
	 * gzip member's checked bytes are lent where they lie (lib/inflate). */
	int (*text)(void *ctx, lr_readfn read, lr_lendfn lend, void *rctx, const char *name);
	/* want: read this archive member? NULL reads all regular files. */
	int (*want)(void *ctx, const char *name);
	void *ctx;
	char errmsg[768];         /* what went wrong and where, after a failure */
	uint64_t members;         /* archive members read */
	uint64_t skipped;         /* archive members not wanted */
	uint64_t gzip_twice;      /* gzip members decoded twice (over INFLATE_MEM_MAX) */
};

/* unpack_stream: decode the stream read/rctx (named name) and hand every
 * text stream in it to u->text. */
enum unpack_result unpack_stream(struct unpack *u, lr_readfn read, void *rctx, const char *name);
#endif
