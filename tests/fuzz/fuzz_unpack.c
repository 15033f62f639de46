/* fuzz_unpack.c: libFuzzer harness for seg-fetch's archive layer
 * (lib/unpack): content sniffing, gzip members, libarchive's tar, zip, cpio,
 * 7z and the bzip2, xz, zstd, lz4 filters, nested in each other, every
 * member held back until checked, read and borrowed (lr_lendfn) in turn. The bytes arrive in uneven chunks (the
 * input's size sets the chunk size, so seed archives are read as they are). Whatever the input: no crash, no leak, a
 * result that is one of the three, and a message with every failure. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unpack.h"
#include "feed.h"

static volatile unsigned char touched;

/* text: read the stream to its end, as seg-fetch's line reader would:
 * borrowing every other time (a lent region's ends are touched, so one that
 * is not valid shows under ASan), reading when the source cannot lend. */
static int text(void *ctx, lr_readfn read, lr_lendfn lend, void *rctx, const char *name)
{
	char buf[8192];
	const char *p;
	ssize_t r;
	size_t total = 0, calls = 0;
	(void)ctx;
	if (!name || !*name)
		abort();
	for (;;) {
		r = lend && calls++ % 2 ? lend(rctx, &p) : LR_NO_LEND;
		if (r > 0)
			touched = (unsigned char)(p[0] ^ p[r - 1]);
		if (r == LR_NO_LEND)
			r = read(rctx, buf, sizeof buf);
		if (r <= 0)
			break;
		if ((total += (size_t)r) > ((size_t)64 << 20))
			break;  /* a bomb: enough seen */
	}
	return r < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed f = { data, size, 0, (size % 64) * 97 + 1 };
	struct unpack u;
	memset(&u, 0, sizeof u);
	u.text = text;
	enum unpack_result r = unpack_stream(&u, feed_read, &f, "fuzz");
	if (r != UNPACK_OK && r != UNPACK_DAMAGED && r != UNPACK_SRC_FAILED)
		abort();
	if (r == UNPACK_DAMAGED && !u.errmsg[0])
		abort();
	if (r == UNPACK_SRC_FAILED)
		abort();   /* the feed never fails */
	return 0;
}
