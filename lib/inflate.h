/* inflate.h: streaming gzip decompression for seg-fetch. Reads compressed
 * bytes from any lr_readfn source and hands out the decompressed bytes through
 * gunzip_read, itself an lr_readfn, so decoders stack. Concatenated members
 * (what `cat a.gz b.gz` and Segment's S3 writer produce) are one stream.
 * Built on ISA-L's igzip when configure found it (HAVE_ISAL=1), else on zlib;
 * the output is the same. Damage (corrupt data, a bad CRC, truncation,
 * trailing garbage) ends the stream as if at its end, after every byte that
 * could be decoded before it, and is described in err/errmsg/err_offset.
 * With verify_max set, a member's bytes are handed out only after its CRC-32
 * and length were checked: a checker decodes each member to its end first,
 * keeping what it decodes in memory (up to mem_max bytes, INFLATE_MEM_MAX by
 * default), and those bytes are handed out once the member proved good: one
 * decode. A member that decodes to more than mem_max is decoded twice: the
 * checker reads it to its end, discarding what it decodes, while the
 * member's compressed bytes are held in a struct spool (bounded memory, then
 * a temporary file); the member is then decoded again from the spool and
 * handed out (counted in redecoded). A damaged member hands out nothing.
 * A member kept in memory can be lent rather than copied out (gunzip_lend).
 * When a member decodes to more than verify_max bytes, checking ahead stops
 * for the rest of the stream (counted in unverified): bytes are handed out as
 * decoded and the CRC checked at each member's end. Zero bytes after the last
 * member (as some writers pad) are accepted, as gzip -t does. */
#ifndef SEG_INFLATE_H
#define SEG_INFLATE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lineio.h"
#include "spool.h"

/* A checked member that decodes to at most this many bytes is decoded once
 * and held in memory until its check; a bigger one is decoded twice. */
#define INFLATE_MEM_MAX ((uint64_t)32 << 20)

struct gunzip {
	lr_readfn read;             /* the compressed source */
	void *ctx;
	unsigned char *in;          /* compressed bytes read, not yet consumed */
	size_t in_len, in_pos;
	uint64_t in_base;           /* source offset of in[0] */
	int src_eof, member_end, done;
	int err;                    /* 1: damage found, see errmsg */
	int src_err;                /* 1: the source's read failed */
	char errmsg[256];
	uint64_t err_offset;        /* compressed byte offset of the damage */
	uint64_t members;           /* members started */
	uint64_t out_total;         /* decompressed bytes handed out */
	void *state;                /* z_stream or ISA-L inflate_state */
	uint64_t verify_max;        /* 0: hand bytes out as decoded */
	uint64_t unverified;        /* members handed out before their check */
	uint64_t held_back;         /* decoded bytes of a damaged member not handed out */
	int stop_at_member;         /* a read never goes past a member's end */
	/* checking ahead (verify_max): */
	struct gunzip *ahead;       /* the decoder that checks members first */
	lr_readfn src_read;         /* the real source; read then goes via the spool */
	void *src_ctx;
	struct spool csp;           /* compressed bytes the checker has read */
	uint64_t c_base;            /* stream offset of csp's first byte */
	uint64_t checked_upto;      /* stream offset up to which members are good */
	int ahead_off;
	char *scratch;
	uint64_t mem_max;           /* 0: INFLATE_MEM_MAX */
	char *dec;                  /* the checked member's bytes, kept */
	size_t dec_len, dec_pos, dec_cap;
	int replay;                 /* g decodes the member again from csp */
	uint64_t redecoded;         /* members decoded twice (bigger than mem_max) */
};

/* gzip_magic: do the first n bytes of p start a gzip member? */
int gzip_magic(const void *p, size_t n);
/* gunzip_engine: "isa-l" or "zlib", for --version and the benchmarks. */
const char *gunzip_engine(void);

void gunzip_init(struct gunzip *g, lr_readfn read, void *ctx);
/* gunzip_read: lr_readfn over a struct gunzip: decompressed bytes, 0 at the
 * end or at damage (g->err), -1 when the source failed (g->src_err). */
ssize_t gunzip_read(void *g, char *buf, size_t n);
/* gunzip_lend: lr_lendfn over a struct gunzip with verify_max set: the rest
 * of a checked member's bytes lent where they lie, in dec (valid until the
 * next gunzip_read, gunzip_lend or gunzip_free); LR_NO_LEND without
 * verify_max, and while a member too big for dec is decoded again or once
 * checking stopped (those bytes are read, as decoded). */
ssize_t gunzip_lend(void *g, const char **p);
void gunzip_free(struct gunzip *g);
#endif
