/* json.c: strict RFC 8259 validation with an explicit stack, and fast
 * readers over text already validated. See json.h for the contract.
 * Strings are scanned a block at a time: 16 bytes with SSE2 where the
 * compiler offers it, else 8 with portable SWAR arithmetic on a 64-bit word
 * (a byte loop where neither fits), all giving the same answers. With SSE2
 * a block's UTF-8 is checked in vectors and its '"', '\\' and control bytes
 * walked from a mask; elsewhere runs of non-ASCII go through a shift DFA.
 * The fast scans only say "valid up to here": at the first doubt the exact
 * scan of one byte or sequence at a time reruns the string, so every fault
 * is found and reported (code, offset, message) by one code, and text with
 * escapes and non-ASCII costs little more than plain ASCII. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && !defined(JSON_NO_SIMD)
#define JSON_SSE2 1
#include <emmintrin.h>
#elif defined(__GNUC__) && !defined(JSON_NO_SWAR)
#define JSON_SWAR 1
#endif

#include "json.h"

typedef const unsigned char *uptr;

/* plain_run: skip bytes that need no attention inside a string: printable
 * ASCII other than '"' and '\\'. Stops at the first other byte or at end. */
static uptr plain_run(uptr p, uptr end)
{
#if defined(JSON_SSE2)
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* signed compare: 0x00-0x1F and 0x80-0xFF are both "less than" 0x20 */
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
		                                      _mm_cmpeq_epi8(v, bslash)),
		                         _mm_cmplt_epi8(v, space));
		int mask = _mm_movemask_epi8(m);
		if (mask)
			return p + __builtin_ctz((unsigned)mask);
		p += 16;
	}
#endif
	while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
		p++;
	return p;
}

/* quote_or_escape: the next '"' or '\\' in valid string content. */
static uptr quote_or_escape(uptr p, uptr end)
{
#if defined(JSON_SSE2)
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i bslash = _mm_set1_epi8('\\');
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
		                                          _mm_cmpeq_epi8(v, bslash)));
		if (mask)
			return p + __builtin_ctz((unsigned)mask);
		p += 16;
	}
#endif
	while (p < end && *p != '"' && *p != '\\')
		p++;
	return p;
}

/* utf8_seq: the length of the valid multi-byte UTF-8 sequence at p (p[0] >=
 * 0x80), or 0. Rejects overlongs, surrogates and code points > U+10FFFF. */
static inline size_t utf8_seq(uptr p, uptr end)
{
	unsigned c = p[0], lo = 0x80, hi = 0xBF;
	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		return (end - p >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
	if (c < 0xF0) {
		if (c == 0xE0) lo = 0xA0;
		if (c == 0xED) hi = 0x9F;
		if (end - p < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80)
			return 0;
		return 3;
	}
	if (c < 0xF5) {
		if (c == 0xF0) lo = 0x90;
		if (c == 0xF4) hi = 0x8F;
		if (end - p < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

size_t utf8_prefix_len(const char *s, size_t n)
{
	uptr p = (uptr)s, end = p + n;
	while (p < end) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		size_t k = utf8_seq(p, end);
		if (!k)
			break;
		p += k;
	}
	return (size_t)(p - (uptr)s);
}

int utf8_valid(const char *s, size_t n)
{
	return utf8_prefix_len(s, n) == n;
}

static inline int hexval(unsigned c)
{
	if (c - '0' < 10)
		return (int)(c - '0');
	c = (c | 0x20) - 'a';          /* 'A'-'F' and 'a'-'f' to 0-5 */
	return c < 6 ? (int)c + 10 : -1;
}

/* hex4: the value of 4 hex digits at p, or -1. */
static inline long hex4(uptr p, uptr end)
{
	if (end - p < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

struct ctx {
	uptr base, end;
	struct json_error *err;
};

/* fail: fill the error with the offset of at and a message naming what was
 * found there. Always returns NULL so scanners can "return fail(...)". */
static uptr fail(struct ctx *c, uptr at, enum json_errcode code, const char *what)
{
	if (!c->err)
		return NULL;
	char found[24];
	if (at >= c->end)
		snprintf(found, sizeof found, "end of input");
	else if (*at >= 0x21 && *at < 0x7F)
		snprintf(found, sizeof found, "'%c'", *at);
	else
		snprintf(found, sizeof found, "byte 0x%02X", *at);
	c->err->code = code;
	c->err->offset = (size_t)(at - c->base);
	snprintf(c->err->msg, sizeof c->err->msg, "%s, found %s", what, found);
	return NULL;
}

/* scan_escape: validate the escape at p (p[0] == '\\'); return the byte
 * after it. \u escapes must form whole code points: a high surrogate must be
 * followed by an escaped low surrogate, and a low one never stands alone. */
static uptr scan_escape(struct ctx *c, uptr p)
{
	uptr end = c->end;
	if (end - p < 2)
		return fail(c, p + 1, JSON_E_SYNTAX, "unterminated escape in string");
	switch (p[1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		return p + 2;
	case 'u':
		break;
	default:
		return fail(c, p + 1, JSON_E_SYNTAX, "invalid escape in string");
	}
	long u = hex4(p + 2, end);
	if (u < 0)
		return fail(c, p, JSON_E_SYNTAX, "\\u escape needs 4 hex digits");
	if (u >= 0xDC00 && u <= 0xDFFF)
		return fail(c, p, JSON_E_UTF8, "lone low surrogate in \\u escape");
	if (u < 0xD800 || u > 0xDBFF)
		return p + 6;
	long lo = (end - p >= 12 && p[6] == '\\' && p[7] == 'u') ? hex4(p + 8, end) : -1;
	if (lo < 0xDC00 || lo > 0xDFFF)
		return fail(c, p, JSON_E_UTF8, "high surrogate not followed by a low surrogate");
	return p + 12;
}

/* A block is BLOCK bytes of a string. block_mask marks in one mask the bytes
 * that need a look, '"', '\\', controls and bytes >= 0x80, and in *high the
 * latter; mask_first is the offset of the first marked byte. With SSE2 a
 * mask holds a bit per byte, with SWAR the top bit of each byte of a word
 * in memory order (a big-endian load is swapped), so in both the lowest set
 * bit is the first byte. */
#if defined(JSON_SSE2)
#define BLOCK 16
typedef unsigned bmask;
static inline bmask block_mask(uptr p, bmask *high)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* signed compare: 0x00-0x1F and 0x80-0xFF are both "less than" 0x20 */
	__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
	                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
	                         _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
	*high = (bmask)_mm_movemask_epi8(v);
	return (bmask)_mm_movemask_epi8(m);
}
static inline size_t mask_first(bmask m) { return (size_t)__builtin_ctz(m); }
#elif defined(JSON_SWAR)
#define BLOCK 8
typedef uint64_t bmask;
static inline bmask block_mask(uptr p, bmask *high)
{
	const uint64_t ones = 0x0101010101010101ULL, top = 0x8080808080808080ULL;
	uint64_t v;
	memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	/* exact per byte, no carry crosses a byte: low7 + 0x60 < 0x80 iff
	 * low7 < 0x20, and (x & 0x7F) + 0x7F | x has its top bit clear iff x == 0 */
	uint64_t low = v & ~top, q = v ^ (ones * '"'), b = v ^ (ones * '\\');
	*high = v & top;
	return (~(low + ones * 0x60) & ~v & top) | (~(((q & ~top) + ~top) | q) & top) |
	       (~(((b & ~top) + ~top) | b) & top) | *high;
}
static inline size_t mask_first(bmask m) { return (size_t)__builtin_ctzll(m) >> 3; }
#else
#define BLOCK 8
typedef unsigned bmask;
static inline bmask block_mask(uptr p, bmask *high)
{
	bmask m = 0;
	*high = 0;
	for (unsigned i = 0; i < BLOCK; i++) {
		if (p[i] >= 0x80)
			*high |= 1u << i;
		if (p[i] < 0x20 || p[i] >= 0x80 || p[i] == '"' || p[i] == '\\')
			m |= 1u << i;
	}
	return m;
}
static inline size_t mask_first(bmask m)
{
	size_t i = 0;
	while (!(m >> i & 1))
		i++;
	return i;
}
#endif

/* scan_string_exact: validate string content starting after the opening
 * quote; return the byte after the closing quote. One byte or one UTF-8
 * sequence at a time, so the first fault is found and reported exactly. */
static uptr scan_string_exact(struct ctx *c, uptr p)
{
	uptr end = c->end;
	for (;;) {
		p = plain_run(p, end);
		if (p >= end)
			return fail(c, p, JSON_E_SYNTAX, "unterminated string");
		unsigned ch = *p;
		if (ch == '"')
			return p + 1;
		if (ch == '\\') {
			if (!(p = scan_escape(c, p)))
				return NULL;
		} else if (ch < 0x20) {
			return fail(c, p, JSON_E_SYNTAX, "raw control character in string");
		} else {
			size_t k = utf8_seq(p, end);
			if (!k)
				return fail(c, p, JSON_E_UTF8, "invalid UTF-8 in string");
			p += k;
		}
	}
}

#if defined(JSON_SSE2)
/* utf8_block: check the bytes of the block at p before lim as UTF-8 all at
 * once, in vectors: continuation bytes exactly where lead bytes call for
 * them (a lead's need is shifted onto the bytes after it), the narrower
 * second bytes after E0, ED, F0 and F4, no C0, C1 or F5-FF. p is at a
 * character's start. A sequence crossing lim == BLOCK is left whole to the
 * next block, which starts at its lead byte. Returns how many bytes are
 * done, 0 at a fault. */
static inline size_t utf8_block(uptr p, size_t lim)
{
#define SET(x) _mm_set1_epi8(x)
#define AND _mm_and_si128
#define OR _mm_or_si128
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* s: v with the top bit flipped, so that signed order is byte order */
	__m128i s = _mm_xor_si128(v, SET(-128)), prev = _mm_slli_si128(v, 1);
	__m128i cont = _mm_cmplt_epi8(v, SET(-64));                    /* 80-BF */
	__m128i ge_c0 = _mm_cmpgt_epi8(s, SET(0x3F));
	__m128i ge_e0 = _mm_cmpgt_epi8(s, SET(0x5F));
	__m128i ge_f0 = _mm_cmpgt_epi8(s, SET(0x6F));
	__m128i need = OR(OR(_mm_slli_si128(ge_c0, 1), _mm_slli_si128(ge_e0, 2)),
	                  _mm_slli_si128(ge_f0, 3));
	__m128i err = OR(_mm_xor_si128(need, cont),
	                 OR(_mm_andnot_si128(_mm_cmpgt_epi8(s, SET(0x41)), ge_c0), /* C0, C1 */
	                    _mm_cmpgt_epi8(s, SET(0x74))));                       /* F5-FF */
	/* second bytes (signed): A0-BF after E0, 80-9F after ED, 90-BF after
	 * F0, 80-8F after F4; a byte not a continuation failed above */
	err = OR(err, OR(OR(AND(_mm_cmpeq_epi8(prev, SET(-32)), _mm_cmplt_epi8(v, SET(-96))),
	                    AND(_mm_cmpeq_epi8(prev, SET(-19)), _mm_cmpgt_epi8(v, SET(-97)))),
	                 OR(AND(_mm_cmpeq_epi8(prev, SET(-16)), _mm_cmplt_epi8(v, SET(-112))),
	                    AND(_mm_cmpeq_epi8(prev, SET(-12)), _mm_cmpgt_epi8(v, SET(-113))))));
#undef SET
#undef AND
#undef OR
	unsigned c0 = (unsigned)_mm_movemask_epi8(ge_c0);
	unsigned spill = ((unsigned)_mm_movemask_epi8(ge_e0) << 2 |
	                  (unsigned)_mm_movemask_epi8(ge_f0) << 3 | c0 << 1) >> BLOCK;
	size_t done = lim;
	if (spill) {
		if (lim < BLOCK)
			return 0;
		done = (size_t)(31 - __builtin_clz(c0));   /* the crossing lead */
	}
	/* up to and with done: no continuation may be called for there */
	unsigned upto = done >= BLOCK ? 0xFFFFu : (2u << done) - 1;
	return ((unsigned)_mm_movemask_epi8(err) & upto) ? 0 : done;
}
#endif

/* escape_slow: the byte after the valid escape at p (p[0] == '\\'), or
 * NULL for a fault, left to the exact scan. */
static uptr escape_slow(uptr p, uptr end)
{
	if (end - p < 2)
		return NULL;
	if (p[1] != 'u')
		return memchr("\"\\/bfnrt", p[1], 8) ? p + 2 : NULL;
	if (end - p < 6)
		return NULL;
	int a = hexval(p[2]), b = hexval(p[3]), c = hexval(p[4]), d = hexval(p[5]);
	if ((a | b | c | d) < 0)
		return NULL;
	if (a != 0xD || b < 8)
		return p + 6;
	if (b >= 0xC || end - p < 12 || p[6] != '\\' || p[7] != 'u')
		return NULL;               /* a low surrogate first, or no pair */
	a = hexval(p[8]), b = hexval(p[9]), c = hexval(p[10]), d = hexval(p[11]);
	if ((c | d) < 0 || a != 0xD || b < 0xC)
		return NULL;
	return p + 12;
}

/* escape_fast: escape_slow's answer with few branches (text with escapes
 * mixes them at random): the length comes from a table, the 4 hex digits
 * are looked up whether or not they are there. Surrogates go the slow way. */
static inline uptr escape_fast(uptr p, uptr end)
{
	static const unsigned char len[256] = {
		['"'] = 2, ['\\'] = 2, ['/'] = 2, ['b'] = 2, ['f'] = 2, ['n'] = 2, ['r'] = 2, ['t'] = 2,
		['u'] = 6,
	};
	static const unsigned char hex1[256] = {   /* a hex digit's value + 1 */
		['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
		['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
		['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
		['F'] = 16,
	};
	if (end - p < 6)
		return escape_slow(p, end);
	unsigned k = len[p[1]], a = hex1[p[2]], b = hex1[p[3]], c = hex1[p[4]], d = hex1[p[5]];
	unsigned odd = !a | !b | !c | !d | (a == 14 && b >= 9);  /* bad, or D800-DFFF */
	if ((k == 6) & odd)
		return escape_slow(p, end);
	return k ? p + k : NULL;
}

/* block_at: the block at p to look at: p itself, or when fewer than BLOCK
 * bytes are left (their number in *n, 0 at the end) a copy of them in tail,
 * padded with plain bytes. */
static uptr block_at(uptr p, uptr end, unsigned char *tail, size_t *n)
{
	*n = (size_t)(end - p) < BLOCK ? (size_t)(end - p) : BLOCK;
	if (*n == BLOCK || *n == 0)
		return p;
	memcpy(tail, p, *n);
	memset(tail + *n, 'x', BLOCK - *n);
	return tail;
}

/* scan_blocks: scan_string_exact's answer, fast. A block at a time: its
 * UTF-8 checked at once (before or after the string's end: a sequence cut
 * by '"', '\\' or a control byte calls for a continuation byte there), then
 * its special bytes walked in order. At the first doubt (a fault, a bad
 * escape, the end of the input) the exact scan runs again from the start
 * of the string, so faults are found and reported by one code. */
#if defined(JSON_SSE2)
static uptr scan_blocks(struct ctx *c, uptr p)
{
	uptr start = p, end = c->end;
	unsigned char tail[BLOCK];
	for (;;) {
		size_t n;
		uptr q = block_at(p, end, tail, &n);
		if (n == 0)
			break;
		bmask high, all = block_mask(q, &high);
		size_t k = n, e = 0;
		if (high && !(k = utf8_block(q, n)))
			break;
		/* the bytes before k are valid UTF-8; a sequence crossing the
		 * block's end starts at k, and no special byte follows it */
		bmask sp = all & ~high & ((1u << k) - 1);
		while (sp) {
			size_t i = mask_first(sp);
			if (p[i] == '"')
				return p + i + 1;
			uptr x = p[i] == '\\' ? escape_fast(p + i, end) : NULL;
			if (!x)
				goto exact;
			e = (size_t)(x - p);       /* at most 15 + 12 */
			sp &= ~0u << e;
		}
		p += e > k ? e : k;
	}
exact:
	return scan_string_exact(c, start);
}
#else
/* UTF-8 as a shift DFA: a state is the bit offset of its 6-bit field in a
 * row, the field holding the state the byte leads to; a byte's row is that
 * of its class. One shift a byte, no branch: what a run of mixed text needs. */
enum {
	U8_ACC = 0, U8_ERR = 6,          /* between characters; a fault (absorbing) */
	U8_S1 = 12, U8_S2 = 18, U8_S3 = 24, /* 1, 2, 3 continuation bytes to come */
	U8_E0 = 30, U8_ED = 36, U8_F0 = 42, U8_F4 = 48  /* after a lead byte whose
	                                   second byte has a narrower range */
};
#define U8_ROW(acc, s1, s2, s3, e0, ed, f0, f4) \
	((uint64_t)(acc) << U8_ACC | (uint64_t)U8_ERR << U8_ERR | (uint64_t)(s1) << U8_S1 | \
	 (uint64_t)(s2) << U8_S2 | (uint64_t)(s3) << U8_S3 | (uint64_t)(e0) << U8_E0 | \
	 (uint64_t)(ed) << U8_ED | (uint64_t)(f0) << U8_F0 | (uint64_t)(f4) << U8_F4)
#define U8_LEAD(to) U8_ROW(to, U8_ERR, U8_ERR, U8_ERR, U8_ERR, U8_ERR, U8_ERR, U8_ERR)
static const uint64_t u8_row[12] = {
	U8_LEAD(U8_ACC),                                               /* 0: ASCII */
	U8_ROW(U8_ERR, U8_ACC, U8_S1, U8_S2, U8_ERR, U8_S1, U8_ERR, U8_S2), /* 1: 80-8F */
	U8_ROW(U8_ERR, U8_ACC, U8_S1, U8_S2, U8_ERR, U8_S1, U8_S2, U8_ERR), /* 2: 90-9F */
	U8_ROW(U8_ERR, U8_ACC, U8_S1, U8_S2, U8_S1, U8_ERR, U8_S2, U8_ERR), /* 3: A0-BF */
	U8_LEAD(U8_ERR),                             /* 4: C0, C1, F5-FF: never valid */
	U8_LEAD(U8_S1),                              /* 5: C2-DF */
	U8_LEAD(U8_E0),                              /* 6: E0 (A0-BF next: no overlong) */
	U8_LEAD(U8_S2),                              /* 7: E1-EC, EE, EF */
	U8_LEAD(U8_ED),                              /* 8: ED (80-9F next: no surrogate) */
	U8_LEAD(U8_F0),                              /* 9: F0 (90-BF next: no overlong) */
	U8_LEAD(U8_S3),                              /* 10: F1-F3 */
	U8_LEAD(U8_F4),                              /* 11: F4 (80-8F next: <= U+10FFFF) */
};
static const unsigned char u8_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 10 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 20 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 50 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 70 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 80 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 90 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* A0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* B0 */
	4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* C0 */
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* D0 */
	6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 7, /* E0 */
	9, 10, 10, 10, 11, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* F0 */
};

/* u8_dfa: the state after the bytes p..lim from state st. */
static inline unsigned u8_dfa(unsigned st, uptr p, uptr lim)
{
	uint64_t s = st;
	for (; p < lim; p++)
		s = u8_row[u8_class[*p]] >> (s & 63);
	return (unsigned)(s & 63);
}

/* (the portable scan_blocks) A block at a time: plain
 * ASCII skipped, a run of text with non-ASCII bytes checked by the DFA up to
 * the block's first '"', '\\' or control byte. At the first doubt (a fault,
 * a bad escape, the end of the input) the exact scan runs again from the
 * start of the string, so that faults are found and reported by one code. */
static uptr scan_blocks(struct ctx *c, uptr p)
{
	uptr start = p, end = c->end;
	unsigned char tail[BLOCK];
	for (;;) {
		size_t n;
		uptr q = block_at(p, end, tail, &n);
		if (n == 0)
			break;
		bmask high, all = block_mask(q, &high);
		if (!all) {
			p += n;
			continue;
		}
		size_t i = mask_first(all);
		if (all & -all & high) {
			/* non-ASCII first: check the text up to the first special
			 * byte, then go on with that byte, or with the next block */
			bmask stop = all & ~high;
			size_t lim = stop ? mask_first(stop) : n;
			unsigned st = u8_dfa(U8_ACC, p + i, p + lim);
			p += lim;
			/* a sequence open at the block's end takes the next
			 * bytes; one open before a special byte fails on it */
			while (st > U8_ERR && p < end)
				st = (unsigned)(u8_row[u8_class[*p++]] >> st & 63);
			if (st != U8_ACC)
				break;
			if (lim == n)
				continue;
		} else {
			p += i;
		}
		if (*p == '"')
			return p + 1;
		if (*p != '\\' || !(p = escape_fast(p, end)))
			break;
	}
	return scan_string_exact(c, start);
}
#endif

/* scan_string: validate string content starting after the opening quote;
 * return the byte after the closing quote. Most strings are short and
 * plain: their closing quote is the first byte of the block that needs a
 * look, answered here, inline; the rest go to scan_blocks. */
static inline uptr scan_string(struct ctx *c, uptr p)
{
	uptr q = p;
	for (int i = 0; i < 2 && c->end - q >= BLOCK; i++, q += BLOCK) {
		bmask high, all = block_mask(q, &high);
		if (all) {
			if (q[mask_first(all)] == '"')
				return q + mask_first(all) + 1;
			break;
		}
	}
	return scan_blocks(c, p);
}

#define IS_DIGIT(ch) ((unsigned)(ch) - '0' < 10)

/* scan_number: the number grammar of RFC 8259 section 6. */
static uptr scan_number(struct ctx *c, uptr p)
{
	uptr end = c->end;
	if (*p == '-')
		p++;
	if (p >= end || !IS_DIGIT(*p))
		return fail(c, p, JSON_E_SYNTAX, "expected a digit in number");
	if (*p == '0') {
		p++;
		if (p < end && IS_DIGIT(*p))
			return fail(c, p, JSON_E_SYNTAX, "leading zero in number");
	} else {
		while (p < end && IS_DIGIT(*p))
			p++;
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !IS_DIGIT(*p))
			return fail(c, p, JSON_E_SYNTAX, "expected a digit after decimal point");
		while (p < end && IS_DIGIT(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !IS_DIGIT(*p))
			return fail(c, p, JSON_E_SYNTAX, "expected a digit in exponent");
		while (p < end && IS_DIGIT(*p))
			p++;
	}
	return p;
}

static uptr scan_literal(struct ctx *c, uptr p, const char *word, size_t n)
{
	if ((size_t)(c->end - p) < n || memcmp(p, word, n) != 0)
		return fail(c, p, JSON_E_SYNTAX, "expected a value");
	return p + n;
}

/* scan_scalar: the byte after the string, number or literal at p (p <
 * c->end), NULL at a fault in it, or p itself when no scalar starts there.
 * Inlined into json_parse's three places by force: a call per value costs
 * 2-4% of the parse. */
static inline __attribute__((always_inline)) uptr scan_scalar(struct ctx *c, uptr p)
{
	switch (*p) {
	case '"':
		return scan_string(c, p + 1);
	case 'n':
		return scan_literal(c, p, "null", 4);
	case 't':
		return scan_literal(c, p, "true", 4);
	case 'f':
		return scan_literal(c, p, "false", 5);
	default:
		return *p == '-' || IS_DIGIT(*p) ? scan_number(c, p) : p;
	}
}

static inline uptr skip_ws(uptr p, uptr end)
{
	if (p < end && *p > ' ')           /* compact text: nothing to skip */
		return p;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static enum json_type type_of(unsigned ch)
{
	switch (ch) {
	case '{': return JSON_OBJECT;
	case '[': return JSON_ARRAY;
	case '"': return JSON_STRING;
	case 't': return JSON_TRUE;
	case 'f': return JSON_FALSE;
	case 'n': return JSON_NULL;
	default: return (ch == '-' || IS_DIGIT(ch)) ? JSON_NUMBER : JSON_NONE;
	}
}

/* member_grow: a new last entry of the array *a of *n (room *cap). */
static struct json_member *member_grow(struct json_member **a, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*a = xrealloc(*a, *cap * sizeof **a);
	}
	return &(*a)[(*n)++];
}

static struct json_member *member_add(struct json_members *m)
{
	return member_grow(&m->m, &m->n, &m->cap);
}

/* member_open: a member whose key starts at k and ends before p (none
 * when k == p: an array's element). */
static void member_open(struct json_member *m, uptr k, uptr p)
{
	m->key.p = k == p ? NULL : (const char *)k;
	m->key.n = (size_t)(p - k);
	m->key.type = k == p ? JSON_NONE : JSON_STRING;
	m->val.p = NULL;
	m->val.n = 0;
	m->val.type = JSON_NONE;
}

/* member_close: the value of member m runs from v to p. */
static void member_close(struct json_member *m, uptr v, uptr p)
{
	m->val.p = (const char *)v;
	m->val.n = (size_t)(p - v);
	m->val.type = type_of(*v);
}

/* is_sub_key: is the key k..p (with its quotes) exactly name (n bytes)? */
static int is_sub_key(const char *name, size_t n, uptr k, uptr p)
{
	return (size_t)(p - k) == n + 2 && memcmp(k + 1, name, n) == 0;
}

/* json_parse is one loop over three states (a value is expected, an object
 * key is expected, a value just ended) with the open containers on an
 * explicit stack of 'o'/'a' bytes, so deep nesting costs heap, not C stack. */
int json_parse(const char *text, size_t n, int max_depth,
               struct json_members *mem, struct json_error *err)
{
	struct ctx c = { (uptr)text, (uptr)text + n, err };
	uptr p = c.base, end = c.end, valstart = NULL, subval = NULL;
	char small[JSON_DEPTH_STACK], *stack = small;
	int depth = 0;
	int in_sub_key = 0;          /* the top-level member being read is sub_key's */
	int in_sub = 0;              /* inside its object value, at depth 2 */
	size_t sub_len = mem && mem->sub_key ? strlen(mem->sub_key) : 0;

	if (max_depth <= 0)
		max_depth = JSON_DEPTH_DEFAULT;
	if (max_depth > JSON_DEPTH_STACK)
		stack = xmalloc((size_t)max_depth);
	if (mem) {
		mem->n = 0;
		mem->nsub = 0;
		mem->sub_at = NULL;
	}
	if (err) {
		err->code = JSON_OK;
		err->msg[0] = '\0';
	}
	p = skip_ws(p, end);

value:
	if (p >= end) {
		fail(&c, p, JSON_E_SYNTAX, "expected a value");
		goto bad;
	}
	if (mem && depth == 1 && stack[0] == 'o') {
		valstart = p;
	} else if (in_sub && depth == 2) {
		subval = p;
		if (stack[1] == 'a')     /* an element: a member without a key */
			member_open(member_grow(&mem->sub, &mem->nsub, &mem->subcap), p, p);
	}
	if (*p == '{' || *p == '[') {
		if (depth >= max_depth) {
			fail(&c, p, JSON_E_DEPTH, "nesting deeper than the limit");
			goto bad;
		}
		if (in_sub_key && depth == 1) {
			in_sub = 1;          /* a later duplicate replaces an earlier one */
			mem->nsub = 0;
			mem->sub_at = (const char *)p;
		}
		stack[depth++] = *p == '{' ? 'o' : 'a';
		p = skip_ws(p + 1, end);
		if (p < end && *p == (stack[depth - 1] == 'o' ? '}' : ']')) {
			p++;
			depth--;
			goto after;
		}
		if (stack[depth - 1] == 'o')
			goto key;
		goto value;
	}
	{
		uptr q = scan_scalar(&c, p);
		if (q == p)
			q = fail(&c, p, JSON_E_SYNTAX, "expected a value");
		if (!(p = q))
			goto bad;
	}

after:
	if (mem && depth == 1 && stack[0] == 'o' && mem->n)
		member_close(&mem->m[mem->n - 1], valstart, p);
	else if (in_sub && depth == 2 && mem->nsub)
		member_close(&mem->sub[mem->nsub - 1], subval, p);
	/* inside a container whose members are not indexed (the values of a
	 * batch's args, an event's properties), the common steps in a tight
	 * loop: a comma, a key and a colon in an object, and a scalar, with
	 * no space between them. Anything else goes the long way from the
	 * same byte, so a fault is found and reported as it would be there. */
	if ((depth > 1 || (depth == 1 && !mem)) && !(in_sub && depth == 2)) {
		if (stack[depth - 1] == 'a') {
			while (end - p > 1 && *p == ',') {
				uptr q = scan_scalar(&c, p + 1);
				if (!q)
					goto bad;
				if (q == p + 1)
					break;
				p = q;
			}
		} else {
			while (end - p > 2 && *p == ',' && p[1] == '"') {
				if (!(p = scan_string(&c, p + 2)))
					goto bad;
				if (end - p < 2 || *p != ':' || p[1] <= ' ')
					goto colon;
				uptr q = scan_scalar(&c, p + 1);
				if (!q)
					goto bad;
				if (q == p + 1) {
					p = q;
					goto value;
				}
				p = q;
			}
		}
	}
	p = skip_ws(p, end);
	if (depth == 0) {
		if (p != end) {
			fail(&c, p, JSON_E_SYNTAX, "unexpected data after the value");
			goto bad;
		}
		if (stack != small)
			free(stack);
		return 0;
	}
	if (p >= end) {
		fail(&c, p, JSON_E_SYNTAX, stack[depth - 1] == 'o' ? "unterminated object" : "unterminated array");
		goto bad;
	}
	if (stack[depth - 1] == 'o') {
		if (*p == ',') {
			p = skip_ws(p + 1, end);
			goto key;
		}
		if (*p == '}') {
			p++;
			depth--;
			goto after;
		}
		fail(&c, p, JSON_E_SYNTAX, "expected ',' or '}' after object member");
		goto bad;
	}
	if (*p == ',') {
		p = skip_ws(p + 1, end);
		goto value;
	}
	if (*p == ']') {
		p++;
		depth--;
		goto after;
	}
	fail(&c, p, JSON_E_SYNTAX, "expected ',' or ']' after array element");
	goto bad;

key:
	if (p >= end || *p != '"') {
		fail(&c, p, JSON_E_SYNTAX, "expected a string as object key");
		goto bad;
	}
	{
		uptr k = p;
		if (!(p = scan_string(&c, p + 1)))
			goto bad;
		if (mem && depth == 1) {
			member_open(member_add(mem), k, p);
			in_sub = 0;
			in_sub_key = mem->sub_key && is_sub_key(mem->sub_key, sub_len, k, p);
		} else if (in_sub && depth == 2) {
			member_open(member_grow(&mem->sub, &mem->nsub, &mem->subcap), k, p);
		}
	}
colon:
	p = skip_ws(p, end);
	if (p >= end || *p != ':') {
		fail(&c, p, JSON_E_SYNTAX, "expected ':' after object key");
		goto bad;
	}
	p = skip_ws(p + 1, end);
	goto value;

bad:
	if (stack != small)
		free(stack);
	if (mem) {
		mem->n = 0;
		mem->nsub = 0;
		mem->sub_at = NULL;
	}
	return -1;
}

enum json_type json_type_at(const char *p, const char *end)
{
	return p < end ? type_of((unsigned char)*p) : JSON_NONE;
}

/* skip_string_valid: from after the opening quote of a valid string to after
 * its closing quote. */
static uptr skip_string_valid(uptr p, uptr end)
{
	for (;;) {
		p = quote_or_escape(p, end);
		if (p >= end)
			return end;
		if (*p == '"')
			return p + 1;
		p += 2;
		if (p > end)
			return end;
	}
}

/* json_skip: the length of the valid value starting at s. */
static size_t json_skip(const char *s, const char *e)
{
	uptr p = (uptr)s, end = (uptr)e;
	if (p >= end)
		return 0;
	switch (*p) {
	case '"':
		return (size_t)(skip_string_valid(p + 1, end) - p);
	case '{':
	case '[': {
		size_t depth = 0;
		while (p < end) {
			unsigned ch = *p++;
			if (ch == '"')
				p = skip_string_valid(p, end);
			else if (ch == '{' || ch == '[')
				depth++;
			else if ((ch == '}' || ch == ']') && --depth == 0)
				break;
		}
		return (size_t)(p - (uptr)s);
	}
	default:
		while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
		       *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		return (size_t)(p - (uptr)s);
	}
}

struct json_slice json_value(const char *p, const char *end)
{
	struct json_slice v = { p, json_skip(p, end), json_type_at(p, end) };
	return v;
}

void json_iter_init(struct json_iter *it, struct json_slice v)
{
	it->first = 1;
	it->is_object = v.n >= 2 && v.p[0] == '{';
	if (v.n >= 2 && (v.p[0] == '{' || v.p[0] == '[')) {
		it->p = v.p + 1;
		it->end = v.p + v.n - 1;
	} else {
		it->p = it->end = v.p;
	}
}

int json_iter_next(struct json_iter *it, struct json_slice *key, struct json_slice *val)
{
	uptr p = skip_ws((uptr)it->p, (uptr)it->end), end = (uptr)it->end;
	if (p >= end)
		return 0;
	if (!it->first) {
		if (*p != ',')
			return 0;
		p = skip_ws(p + 1, end);
	}
	it->first = 0;
	if (it->is_object) {
		struct json_slice k = json_value((const char *)p, (const char *)end);
		if (key)
			*key = k;
		p = skip_ws(p + k.n, end);
		if (p >= end || *p != ':')
			return 0;
		p = skip_ws(p + 1, end);
	}
	struct json_slice v = json_value((const char *)p, (const char *)end);
	if (val)
		*val = v;
	it->p = (const char *)(p + v.n);
	return v.n > 0;
}

int json_str_has_escape(struct json_slice s)
{
	if (s.n < 2)
		return 0;
	const char *p = s.p + 1;
	size_t n = s.n - 2;
	if (n > 64)                 /* long: memchr's vector loop pays off */
		return memchr(p, '\\', n) != NULL;
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	for (; n >= 8; p += 8, n -= 8) {   /* short: a word at a time, no call */
		uint64_t w;
		memcpy(&w, p, 8);
		w ^= ones * '\\';
		if ((w - ones) & ~w & highs)     /* some byte of w is 0: a backslash */
			return 1;
	}
	while (n--)
		if (*p++ == '\\')
			return 1;
	return 0;
}

int json_key_eq_decoded(struct json_slice s, const char *name)
{
	if (s.type != JSON_STRING || s.n < 2)
		return 0;
	const char *raw = s.p + 1;
	size_t len = strlen(name), rn = s.n - 2, i = 0;
	if (rn < len)                /* decoding never lengthens a string */
		return 0;
	/* up to its first backslash the raw text decodes to itself: a
	 * difference before one decides, without looking further for escapes */
	while (i < len && raw[i] == name[i] && raw[i] != '\\')
		i++;
	if (i == rn)
		return 1;
	if (raw[i] != '\\')
		return 0;
	struct buf b = BUF_INIT;
	json_str_decode(s, &b);
	int eq = b.len == len && memcmp(b.p, name, len) == 0;
	buf_free(&b);
	return eq;
}

int json_get(struct json_slice obj, const char *name, struct json_slice *val)
{
	struct json_iter it;
	struct json_slice k, v;
	int found = 0;
	if (obj.type != JSON_OBJECT)
		return 0;
	json_iter_init(&it, obj);
	while (json_iter_next(&it, &k, &v))
		if (json_key_eq(k, name)) {
			found = 1;
			if (val)
				*val = v;
		}
	return found;
}

int json_members_get(const struct json_members *m, const char *name, struct json_slice *val)
{
	for (size_t i = m->n; i-- > 0;)
		if (json_key_eq(m->m[i].key, name)) {
			if (val)
				*val = m->m[i].val;
			return 1;
		}
	return 0;
}

int json_members_sub_get(const struct json_members *m, struct json_slice obj, const char *name,
                         struct json_slice *val)
{
	if (obj.type != JSON_OBJECT || !m->sub_at || m->sub_at != obj.p)
		return json_get(obj, name, val);   /* (json_get: objects only) */
	for (size_t i = m->nsub; i-- > 0;)
		if (json_key_eq(m->sub[i].key, name)) {
			if (val)
				*val = m->sub[i].val;
			return 1;
		}
	return 0;
}

size_t json_count(const struct json_members *m, struct json_slice v)
{
	if (v.type != JSON_OBJECT && v.type != JSON_ARRAY)
		return 0;
	if (m && m->sub_at && m->sub_at == v.p)
		return m->nsub;
	struct json_iter it;
	size_t n = 0;
	json_iter_init(&it, v);
	while (json_iter_next(&it, NULL, NULL))
		n++;
	return n;
}

void json_members_take(struct json_members *dst, struct json_members *src)
{
	struct json_members room = *dst;
	const char *src_key = src->sub_key;
	*dst = *src;                       /* a swap in which each keeps its sub_key */
	dst->sub_key = room.sub_key;
	if (!dst->sub_at)
		dst->nsub = 0;
	*src = room;
	src->sub_key = src_key;
	src->n = src->nsub = 0;
	src->sub_at = NULL;
}

void json_members_free(struct json_members *m)
{
	free(m->m);
	free(m->sub);
	m->m = m->sub = NULL;
	m->n = m->cap = m->nsub = m->subcap = 0;
	m->sub_at = NULL;
}

static void put_utf8(struct buf *out, unsigned long cp)
{
	char t[4];
	size_t n;
	if (cp < 0x80) {
		t[0] = (char)cp; n = 1;
	} else if (cp < 0x800) {
		t[0] = (char)(0xC0 | (cp >> 6)); t[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
	} else if (cp < 0x10000) {
		t[0] = (char)(0xE0 | (cp >> 12)); t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		t[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
	} else {
		t[0] = (char)(0xF0 | (cp >> 18)); t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); t[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
	}
	buf_add(out, t, n);
}

void json_str_decode(struct json_slice s, struct buf *out)
{
	if (s.n < 2)
		return;
	uptr p = (uptr)s.p + 1, end = (uptr)s.p + s.n - 1;
	while (p < end) {
		uptr q = quote_or_escape(p, end);
		buf_add(out, p, (size_t)(q - p));
		p = q;
		if (p >= end || *p != '\\' || end - p < 2)
			break;
		unsigned e = p[1];
		p += 2;
		switch (e) {
		case 'b': buf_addc(out, '\b'); break;
		case 'f': buf_addc(out, '\f'); break;
		case 'n': buf_addc(out, '\n'); break;
		case 'r': buf_addc(out, '\r'); break;
		case 't': buf_addc(out, '\t'); break;
		case 'u': {
			long u = hex4(p, end);
			if (u < 0)
				return;
			p += 4;
			if (u >= 0xD800 && u <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				long lo = hex4(p + 2, end);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				}
			}
			if (u >= 0xD800 && u <= 0xDFFF)
				u = 0xFFFD;
			put_utf8(out, (unsigned long)u);
			break;
		}
		default: buf_addc(out, (char)e); break;
		}
	}
}

void json_write_str(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uptr p = (uptr)s, end = p + n;
	buf_grow(out, n + 2);
	buf_addc(out, '"');
	while (p < end) {
		uptr q = plain_run(p, end);
		buf_add(out, p, (size_t)(q - p));
		p = q;
		if (p >= end)
			break;
		unsigned ch = *p;
		if (ch >= 0x80) {
			size_t k = utf8_seq(p, end);
			if (k)
				buf_add(out, p, k);
			else
				buf_add(out, "\xEF\xBF\xBD", 3);
			p += k ? k : 1;
			continue;
		}
		p++;
		switch (ch) {
		case '"': buf_add(out, "\\\"", 2); break;
		case '\\': buf_add(out, "\\\\", 2); break;
		case '\n': buf_add(out, "\\n", 2); break;
		case '\r': buf_add(out, "\\r", 2); break;
		case '\t': buf_add(out, "\\t", 2); break;
		case '\b': buf_add(out, "\\b", 2); break;
		case '\f': buf_add(out, "\\f", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };
			buf_add(out, u, 6);
		}
		}
	}
	buf_addc(out, '"');
}

static int hex4u(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
		           : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;
		if (d == 16)
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

int json_has_surrogate_escape(const char *p, size_t n)
{
	const char *end = p + n;
	while (n >= 4 && (p = memchr(p, '\\', (size_t)(end - p))) != NULL && end - p >= 4) {
		if (p[1] == 'u' && (p[2] == 'd' || p[2] == 'D') && strchr("89abcdefABCDEF", p[3]) && p[3])
			return 1;
		p += 2;
	}
	return 0;
}

void json_raw_utf8(const char *p, size_t n, struct buf *out)
{
	size_t i = 0, from = 0;
	int in_str = 0;
	buf_grow(out, n);
	while (i < n) {
		/* only '"' and '\\' matter: skip to the next one */
		i = (size_t)((const char *)quote_or_escape((uptr)p + i, (uptr)p + n) - p);
		if (i >= n)
			break;
		if (p[i] == '"') {
			in_str = !in_str;
			i++;
			continue;
		}
		if (!in_str) {
			i++;
			continue;
		}
		unsigned hi, lo;
		if (i + 12 <= n && p[i + 1] == 'u' && hex4u(p + i + 2, &hi) == 0 && hi >= 0xD800 && hi < 0xDC00 &&
		    p[i + 6] == '\\' && p[i + 7] == 'u' && hex4u(p + i + 8, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
			unsigned cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
			char u[4] = { (char)(0xF0 | cp >> 18), (char)(0x80 | (cp >> 12 & 63)),
			              (char)(0x80 | (cp >> 6 & 63)), (char)(0x80 | (cp & 63)) };
			buf_add(out, p + from, i - from);
			buf_add(out, u, 4);
			i += 12;
			from = i;
			continue;
		}
		i += 2;   /* any other escape: two bytes, then \uXXXX's hex digits as plain */
	}
	buf_add(out, p + from, n - from);
}

void base64_encode(struct buf *out, const void *data, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	buf_grow(out, (n + 2) / 3 * 4);
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 | p[i + 2];
		char t[4] = { tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], tab[v & 63] };
		buf_add(out, t, 4);
	}
	if (i < n) {
		unsigned long v = (unsigned long)p[i] << 16 | (i + 1 < n ? (unsigned long)p[i + 1] << 8 : 0);
		char t[4] = { tab[v >> 18], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=', '=' };
		buf_add(out, t, 4);
	}
}

void json_write_compact(struct buf *out, struct json_slice v)
{
	size_t i = 0, start = 0;
	int in_str = 0;
	buf_grow(out, v.n);
	for (; i < v.n; i++) {
		char ch = v.p[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
		} else if (ch == '"') {
			in_str = 1;
		} else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			buf_add(out, v.p + start, i - start);
			start = i + 1;
		}
	}
	buf_add(out, v.p + start, v.n - start);
}
