/* unpack.h: turn one object's bytes into the text streams inside it, the
 * format told by the content, never by the name: gzip (any number of
 * members; lib/inflate), then through libarchive tar, zip, cpio, 7z and the
 * bzip2, xz, zstd, lz4 filters, any of these nested in each other (a tarball
 * of .gz files, a .tar.gz, a .zip of .json.gz); anything else is text.
 * Members are visited in archive order; a member's name is
 * "OBJECT!/PATH/IN/ARCHIVE". Damage stops the object after every byte before
 * it has been handed to the text callback. */
#ifndef SEG_UNPACK_H
#define SEG_UNPACK_H
#include <stddef.h>
#include <stdint.h>

#include "lineio.h"

#define UNPACK_MAX_DEPTH 4

enum unpack_result { UNPACK_OK = 0, UNPACK_DAMAGED = -1, UNPACK_SRC_FAILED = -2 };

struct unpack {
	/* text: read one decoded stream to its end; return 0, or -1 when its
	 * read function failed. */
	int (*text)(void *ctx, lr_readfn read, void *rctx, const char *name);
	/* want: read this archive member? NULL reads all regular files. */
	int (*want)(void *ctx, const char *name);
	void *ctx;
	char errmsg[768];         /* what went wrong and where, after a failure */
	uint64_t members;         /* archive members read */
	uint64_t skipped;         /* archive members not wanted */
};

/* unpack_stream: decode the stream read/rctx (named name) and hand every
 * text stream in it to u->text. */
enum unpack_result unpack_stream(struct unpack *u, lr_readfn read, void *rctx, const char *name);
#endif
