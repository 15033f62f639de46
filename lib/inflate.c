/* inflate.c: streaming gzip with concatenated members, on ISA-L or zlib. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

#include "buf.h"
#include "cli.h"
#include "inflate.h"

#define IN_CHUNK ((size_t)256 << 10)
#ifndef INFLATE_CSP_KEEP                /* the fuzz build sets it small */
#define INFLATE_CSP_KEEP (4 * IN_CHUNK)
#endif

int gzip_magic(const void *p, size_t n)
{
	const unsigned char *u = p;
	return n >= 3 && u[0] == 0x1f && u[1] == 0x8b && u[2] == 8;
}

/* damage: record the first fault found and where. */
static void damage(struct gunzip *g, uint64_t off, const char *fmt, ...)
{
	if (g->err)
		return;
	MSG_FORMAT(g->errmsg, fmt);
	g->err = 1;
	g->err_offset = off;
}

#if HAVE_ISAL
const char *gunzip_engine(void) { return "isa-l"; }

/* engine_reset: a fresh state, history window zeroed: on a distance that
 * reaches back before the member's first byte, ISA-L copies from its window
 * before it reports the damage, and those bytes must not be whatever the
 * heap or the previous member left there (every decoder of the same bytes
 * hands out the same bytes). */
static void engine_reset(struct gunzip *g)
{
	struct inflate_state *s = g->state;
	memset(s, 0, sizeof *s);
	isal_inflate_init(s);
	s->crc_flag = ISAL_GZIP;
}

static void engine_init(struct gunzip *g)
{
	g->state = xmalloc(sizeof(struct inflate_state));
	engine_reset(g);
}

static void engine_free(struct gunzip *g) { free(g->state); }

static const char *isal_error(int rc)
{
	switch (rc) {
	case ISAL_INVALID_BLOCK: return "invalid deflate block";
	case ISAL_INVALID_SYMBOL: return "invalid code in deflate data";
	case ISAL_INVALID_LOOKBACK: return "invalid distance in deflate data";
	case ISAL_INVALID_WRAPPER: return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
	case ISAL_INCORRECT_CHECKSUM: return "CRC or length check failed";
	case ISAL_NEED_DICT: return "needs a preset dictionary";
	default: return "corrupt data";
	}
}

/* engine_step: decompress from g->in into out. 1 at the end of a member, 0 to
 * go on, -1 on damage. */
static int engine_step(struct gunzip *g, char *out, size_t n, size_t *got)
{
	struct inflate_state *s = g->state;
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	s->next_in = g->in + g->in_pos;
	s->avail_in = (uint32_t)(g->in_len - g->in_pos);
	s->next_out = (uint8_t *)out;
	s->avail_out = (uint32_t)n;
	int rc = isal_inflate(s);
	*got = n - s->avail_out;
	g->in_pos = (size_t)(s->next_in - g->in);
	if (rc < 0 || rc == ISAL_NEED_DICT) {
		damage(g, g->in_base + g->in_pos, "corrupt gzip data in member %llu: %s",
		       (unsigned long long)g->members, isal_error(rc));
		return -1;
	}
	return s->block_state == ISAL_BLOCK_FINISH;
}
#else
const char *gunzip_engine(void) { return "zlib"; }

static void engine_init(struct gunzip *g)
{
	z_stream *z = xcalloc(1, sizeof *z);
	if (inflateInit2(z, 16 + MAX_WBITS) != Z_OK)
		die(EX_IOERR, "zlib: inflateInit2 failed");
	g->state = z;
}

static void engine_reset(struct gunzip *g) { inflateReset(g->state); }

static void engine_free(struct gunzip *g)
{
	inflateEnd(g->state);
	free(g->state);
}

static int engine_step(struct gunzip *g, char *out, size_t n, size_t *got)
{
	z_stream *z = g->state;
	if (n > UINT_MAX)
		n = UINT_MAX;
	z->next_in = g->in + g->in_pos;
	z->avail_in = (uInt)(g->in_len - g->in_pos);
	z->next_out = (Bytef *)out;
	z->avail_out = (uInt)n;
	int rc = inflate(z, Z_NO_FLUSH);
	*got = n - z->avail_out;
	g->in_pos = (size_t)(z->next_in - g->in);
	if (rc == Z_STREAM_END)
		return 1;
	if (rc == Z_OK || rc == Z_BUF_ERROR)
		return 0;
	damage(g, g->in_base + g->in_pos, "corrupt gzip data in member %llu: %s",
	       (unsigned long long)g->members, z->msg ? z->msg : "error");
	return -1;
}
#endif

void gunzip_init(struct gunzip *g, lr_readfn read, void *ctx)
{
	memset(g, 0, sizeof *g);
	spool_init(&g->csp);
	g->read = read;
	g->ctx = ctx;
	g->in = xmalloc(IN_CHUNK);
	g->members = 1;
	engine_init(g);
}

/* The buffer of decoded members a finished decoder leaves to the next one
 * of its thread (lib/buf's struct spare). */
static _Thread_local struct spare dec_spare;

void gunzip_free(struct gunzip *g)
{
	if (g->state)
		engine_free(g);
	free(g->in);
	if (g->ahead) {
		gunzip_free(g->ahead);
		free(g->ahead);
		g->ahead = NULL;
	}
	spool_free(&g->csp);
	free(g->scratch);
	spare_give(&dec_spare, g->dec, g->dec_cap);
	g->scratch = g->dec = NULL;
	g->in = NULL;
	g->state = NULL;
}

/* refill: keep the unconsumed bytes, read more after them. 1 if bytes came,
 * 0 at the end of the source, -1 if the source failed. */
static int refill(struct gunzip *g)
{
	if (g->in_pos > 0) {
		memmove(g->in, g->in + g->in_pos, g->in_len - g->in_pos);
		g->in_base += g->in_pos;
		g->in_len -= g->in_pos;
		g->in_pos = 0;
	}
	if (g->src_eof || g->in_len == IN_CHUNK)
		return 0;
	ssize_t r = g->read(g->ctx, (char *)g->in + g->in_len, IN_CHUNK - g->in_len);
	if (r < 0) {
		g->src_err = 1;
		return -1;
	}
	if (r == 0)
		g->src_eof = 1;
	g->in_len += (size_t)r;
	return r > 0;
}

/* zero_padding: zero bytes after a member: a clean end when only zeros
 * follow to the end of the input, else damage. */
static int zero_padding(struct gunzip *g)
{
	for (;;) {
		while (g->in_pos < g->in_len && g->in[g->in_pos] == 0)
			g->in_pos++;
		if (g->in_pos < g->in_len) {
			damage(g, g->in_base + g->in_pos, "data that is not gzip after member %llu and zero padding",
			       (unsigned long long)g->members);
			return -1;
		}
		int r = refill(g);
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
	}
}

/* next_member: after a member's trailer: 1 when another member follows, 0 at
 * a clean end, -1 on trailing garbage or a failed source. */
static int next_member(struct gunzip *g)
{
	while (g->in_len - g->in_pos < 3 && !g->src_eof)
		if (refill(g) < 0)
			return -1;
	size_t avail = g->in_len - g->in_pos;
	if (avail == 0)
		return 0;
	if (g->in[g->in_pos] == 0)
		return zero_padding(g);
	if (!gzip_magic(g->in + g->in_pos, avail)) {
		damage(g, g->in_base + g->in_pos, "data that is not gzip after member %llu",
		       (unsigned long long)g->members);
		return -1;
	}
	engine_reset(g);
	g->members++;
	return 1;
}

/* raw_read: decoded bytes as they come; with stop_at_member, a call never
 * goes past the end of a member (it may then return 0 with member_end set). */
static ssize_t raw_read(void *ctx, char *buf, size_t n)
{
	struct gunzip *g = ctx;
	size_t produced = 0;
	while (!g->done && !g->err && !g->src_err && produced == 0 && n > 0) {
		if (g->member_end) {
			g->member_end = 0;
			int r = next_member(g);
			if (r == 0)
				g->done = 1;
			if (r <= 0)
				break;
		}
		/* at the end of the input the engine still runs once: it may hold
		 * decoded bytes that did not fit the last call's buffer */
		if (g->in_pos == g->in_len && refill(g) < 0)
			break;
		size_t before = g->in_pos, got = 0;
		int st = engine_step(g, buf, n, &got);
		produced = got;
		if (st < 0)
			break;
		if (st == 1) {
			g->member_end = 1;
			if (g->stop_at_member)
				break;
			continue;
		}
		if (got == 0 && g->in_pos == before) {
			/* the engine wants more input than is buffered */
			int r = refill(g);
			if (r < 0)
				break;
			if (r == 0) {
				damage(g, g->in_base + g->in_len, "gzip data truncated in member %llu (unexpected end of input)",
				       (unsigned long long)g->members);
				break;
			}
		}
	}
	g->out_total += produced;
	if (produced == 0 && g->src_err)
		return -1;
	return (ssize_t)produced;
}

/* tee_read: the checker's source: the real one, every byte kept in csp. */
static ssize_t tee_read(void *ctx, char *buf, size_t n)
{
	struct gunzip *g = ctx;
	ssize_t r = g->src_read(g->src_ctx, buf, n);
	if (r > 0)
		spool_add(&g->csp, buf, (size_t)r);
	return r;
}

/* checked_read: the source of g's own decoder, which decodes a member again
 * only when it was too big to keep: the member's compressed bytes from csp,
 * up to its checked end; once checking stopped, the rest of the stream. */
static ssize_t checked_read(void *ctx, char *buf, size_t n)
{
	struct gunzip *g = ctx;
	uint64_t at = g->c_base + g->csp.pos;
	if (at < g->checked_upto && spool_pending(&g->csp)) {
		uint64_t k = g->checked_upto - at;
		return (ssize_t)spool_read(&g->csp, buf, k < n ? (size_t)k : n);
	}
	return g->ahead_off ? g->src_read(g->src_ctx, buf, n) : 0;
}

/* member_start: before the checker reads a member: csp's next byte is the
 * member's first. The bytes of members before it are dropped once csp
 * holds more than INFLATE_CSP_KEEP (what the checker read ahead, at most
 * IN_CHUNK, moves to the front), so small members do not each copy the
 * read-ahead. */
static void member_start(struct gunzip *g)
{
	struct gunzip *a = g->ahead;
	uint64_t start = a->in_base + a->in_pos;
	if (g->csp.len > INFLATE_CSP_KEEP) {
		spool_reset(&g->csp);
		spool_add(&g->csp, a->in + a->in_pos, a->in_len - a->in_pos);
		g->c_base = start;
	} else {
		spool_skip(&g->csp, start - (g->c_base + g->csp.pos));
	}
	g->dec_len = g->dec_pos = 0;
}

/* redecode: decode the member that starts at csp's next byte again, with
 * g's own decoder (a member too big to keep, or checking stopped). */
static void redecode(struct gunzip *g)
{
	engine_reset(g);
	g->in_len = g->in_pos = 0;
	g->in_base = g->c_base + g->csp.pos;
	g->src_eof = g->member_end = 0;
	g->members = g->ahead->members;
	g->stop_at_member = !g->ahead_off;
	g->replay = 1;
	g->redecoded++;
	g->dec_len = g->dec_pos = 0;
}

/* dec_room: room for the checker's output in dec, grown up to mem_max; 0
 * when the member has outgrown it. */
static size_t dec_room(struct gunzip *g)
{
	if (!g->dec)                       /* the last decoder's, at most mem_max of it */
		g->dec = spare_take(&dec_spare, g->mem_max, &g->dec_cap);
	if (g->dec_len == g->dec_cap && g->dec_cap < g->mem_max) {
		size_t cap = g->dec_cap ? g->dec_cap * 2 : IN_CHUNK;
		g->dec_cap = cap < g->mem_max ? cap : g->mem_max;
		g->dec = xrealloc(g->dec, g->dec_cap);
	}
	return g->dec_cap - g->dec_len;
}

/* check_member: the checker decodes the next member to its end, its bytes
 * kept in dec while they fit. 1 when it is good: its bytes are in dec, or
 * g decodes it again (g->replay); 0 at a clean end (g->done) or on damage
 * (copied into g); -1 when the source failed. */
static int check_member(struct gunzip *g)
{
	struct gunzip *a = g->ahead;
	uint64_t out0 = a->out_total;
	int keep = 1;
	member_start(g);
	for (;;) {
		size_t room = keep ? dec_room(g) : 0;
		ssize_t r = raw_read(a, room ? g->dec + g->dec_len : g->scratch, room ? room : IN_CHUNK);
		if (r < 0)
			return -1;
		if (room)
			g->dec_len += (size_t)r;
		else if (r > 0)
			keep = 0;
		if (a->member_end) {
			g->checked_upto = a->in_base + a->in_pos;
			if (!keep)
				redecode(g);
			return 1;
		}
		if (r == 0 && !a->err) {          /* a clean end of the stream */
			g->done = 1;
			return 0;
		}
		if (r == 0) {
			damage(g, a->err_offset, "%s", a->errmsg);
			g->held_back = a->out_total - out0;
			g->dec_len = 0;
			return 0;
		}
		if (a->out_total - out0 > g->verify_max) {
			g->unverified++;
			g->ahead_off = 1;
			g->checked_upto = UINT64_MAX;
			redecode(g);
			return 1;
		}
	}
}

/* ahead_start: set up the checker at the first read. */
static void ahead_start(struct gunzip *g)
{
	g->ahead = xmalloc(sizeof *g->ahead);
	gunzip_init(g->ahead, tee_read, g);
	g->ahead->stop_at_member = 1;
	g->src_read = g->read;
	g->src_ctx = g->ctx;
	g->read = checked_read;
	g->ctx = g;
	g->scratch = xmalloc(IN_CHUNK);
	if (!g->mem_max)
		g->mem_max = INFLATE_MEM_MAX;
}

/* checked_ready: the next checked bytes ready: 1 when they are in dec (at
 * dec_pos), 2 when g decodes them again (raw_read); 0 at the end or on
 * damage, -1 when the source failed. */
static int checked_ready(struct gunzip *g)
{
	for (;;) {
		if (g->dec_pos < g->dec_len)
			return 1;
		if (g->replay && !(g->member_end && g->stop_at_member))
			return 2;
		g->replay = g->member_end = 0;
		if (g->done || g->err)
			return 0;
		int c = check_member(g);
		if (c < 0) {
			g->src_err = 1;
			return -1;
		}
		if (c == 0)
			return 0;
	}
}

/* checked_out: members handed out only after their check: from dec, or
 * decoded again by g (a member too big for dec, or checking stopped). */
static ssize_t checked_out(struct gunzip *g, char *buf, size_t n)
{
	if (n == 0)
		return 0;
	for (;;) {
		int st = checked_ready(g);
		if (st <= 0)
			return st;
		if (st == 1) {
			size_t k = g->dec_len - g->dec_pos < n ? g->dec_len - g->dec_pos : n;
			memcpy(buf, g->dec + g->dec_pos, k);
			g->dec_pos += k;
			g->out_total += k;
			return (ssize_t)k;
		}
		ssize_t r = raw_read(g, buf, n);
		if (r != 0 || !(g->member_end && g->stop_at_member))
			return r;
	}
}

ssize_t gunzip_read(void *ctx, char *buf, size_t n)
{
	struct gunzip *g = ctx;
	if (!g->verify_max)
		return raw_read(g, buf, n);
	if (!g->ahead)
		ahead_start(g);
	return checked_out(g, buf, n);
}

ssize_t gunzip_lend(void *ctx, const char **p)
{
	struct gunzip *g = ctx;
	if (!g->verify_max)
		return LR_NO_LEND;
	if (!g->ahead)
		ahead_start(g);
	int st = checked_ready(g);
	if (st != 1)
		return st == 2 ? LR_NO_LEND : st;
	size_t k = g->dec_len - g->dec_pos;
	*p = g->dec + g->dec_pos;
	g->dec_pos = g->dec_len;
	g->out_total += k;
	return (ssize_t)k;
}
