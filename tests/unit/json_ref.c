/* json_ref.c: the strict JSON scanner as it was before issue 18 (one byte
 * or one UTF-8 sequence at a time after an SSE2 skip of plain ASCII), kept
 * frozen as the oracle of the differential tests: the fast json_parse must
 * accept, reject and report (code, offset, message, member index) exactly
 * as json_ref_parse does, and json_raw_utf8 write what ref_raw_utf8 (its
 * byte loop of before) writes; ref_other_ways holds json_parse without an
 * index, and with a sub index, to the same answer. Included by tests/unit/test_json.c and
 * tests/fuzz/fuzz_json_diff.c; never linked into a program. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "json.h"

typedef const unsigned char *ref_uptr;

/* ref_plain_run: skip bytes that need no attention inside a string: printable
 * ASCII other than '"' and '\\'. Stops at the first other byte or at end. */
static ref_uptr ref_plain_run(ref_uptr p, ref_uptr end)
{
#if defined(__SSE2__)
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

/* ref_utf8_seq: the length of the valid multi-byte UTF-8 sequence at p (p[0] >=
 * 0x80), or 0. Rejects overlongs, surrogates and code points > U+10FFFF. */
static size_t ref_utf8_seq(ref_uptr p, ref_uptr end)
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

static int ref_hexval(unsigned c)
{
	if (c >= '0' && c <= '9') return (int)(c - '0');
	if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
	return -1;
}

/* ref_hex4: the value of 4 hex digits at p, or -1. */
static long ref_hex4(ref_uptr p, ref_uptr end)
{
	if (end - p < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = ref_hexval(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

struct ref_ctx {
	ref_uptr base, end;
	struct json_error *err;
};

/* ref_fail: fill the error with the offset of at and a message naming what was
 * found there. Always returns NULL so scanners can "return ref_fail(...)". */
static ref_uptr ref_fail(struct ref_ctx *c, ref_uptr at, enum json_errcode code, const char *what)
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

/* ref_scan_escape: validate the escape at p (p[0] == '\\'); return the byte
 * after it. \u escapes must form whole code points: a high surrogate must be
 * followed by an escaped low surrogate, and a low one never stands alone. */
static ref_uptr ref_scan_escape(struct ref_ctx *c, ref_uptr p)
{
	ref_uptr end = c->end;
	if (end - p < 2)
		return ref_fail(c, p + 1, JSON_E_SYNTAX, "unterminated escape in string");
	switch (p[1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		return p + 2;
	case 'u':
		break;
	default:
		return ref_fail(c, p + 1, JSON_E_SYNTAX, "invalid escape in string");
	}
	long u = ref_hex4(p + 2, end);
	if (u < 0)
		return ref_fail(c, p, JSON_E_SYNTAX, "\\u escape needs 4 hex digits");
	if (u >= 0xDC00 && u <= 0xDFFF)
		return ref_fail(c, p, JSON_E_UTF8, "lone low surrogate in \\u escape");
	if (u < 0xD800 || u > 0xDBFF)
		return p + 6;
	long lo = (end - p >= 12 && p[6] == '\\' && p[7] == 'u') ? ref_hex4(p + 8, end) : -1;
	if (lo < 0xDC00 || lo > 0xDFFF)
		return ref_fail(c, p, JSON_E_UTF8, "high surrogate not followed by a low surrogate");
	return p + 12;
}

/* ref_scan_string: validate string content starting after the opening quote;
 * return the byte after the closing quote. */
static ref_uptr ref_scan_string(struct ref_ctx *c, ref_uptr p)
{
	ref_uptr end = c->end;
	for (;;) {
		p = ref_plain_run(p, end);
		if (p >= end)
			return ref_fail(c, p, JSON_E_SYNTAX, "unterminated string");
		unsigned ch = *p;
		if (ch == '"')
			return p + 1;
		if (ch == '\\') {
			if (!(p = ref_scan_escape(c, p)))
				return NULL;
		} else if (ch < 0x20) {
			return ref_fail(c, p, JSON_E_SYNTAX, "raw control character in string");
		} else {
			size_t k = ref_utf8_seq(p, end);
			if (!k)
				return ref_fail(c, p, JSON_E_UTF8, "invalid UTF-8 in string");
			p += k;
		}
	}
}

#define REF_IS_DIGIT(ch) ((unsigned)(ch) - '0' < 10)

/* ref_scan_number: the number grammar of RFC 8259 section 6. */
static ref_uptr ref_scan_number(struct ref_ctx *c, ref_uptr p)
{
	ref_uptr end = c->end;
	if (*p == '-')
		p++;
	if (p >= end || !REF_IS_DIGIT(*p))
		return ref_fail(c, p, JSON_E_SYNTAX, "expected a digit in number");
	if (*p == '0') {
		p++;
		if (p < end && REF_IS_DIGIT(*p))
			return ref_fail(c, p, JSON_E_SYNTAX, "leading zero in number");
	} else {
		while (p < end && REF_IS_DIGIT(*p))
			p++;
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !REF_IS_DIGIT(*p))
			return ref_fail(c, p, JSON_E_SYNTAX, "expected a digit after decimal point");
		while (p < end && REF_IS_DIGIT(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !REF_IS_DIGIT(*p))
			return ref_fail(c, p, JSON_E_SYNTAX, "expected a digit in exponent");
		while (p < end && REF_IS_DIGIT(*p))
			p++;
	}
	return p;
}

static ref_uptr ref_scan_literal(struct ref_ctx *c, ref_uptr p, const char *word, size_t n)
{
	if ((size_t)(c->end - p) < n || memcmp(p, word, n) != 0)
		return ref_fail(c, p, JSON_E_SYNTAX, "expected a value");
	return p + n;
}

static inline ref_uptr ref_skip_ws(ref_uptr p, ref_uptr end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static enum json_type ref_type_of(unsigned ch)
{
	switch (ch) {
	case '{': return JSON_OBJECT;
	case '[': return JSON_ARRAY;
	case '"': return JSON_STRING;
	case 't': return JSON_TRUE;
	case 'f': return JSON_FALSE;
	case 'n': return JSON_NULL;
	default: return (ch == '-' || REF_IS_DIGIT(ch)) ? JSON_NUMBER : JSON_NONE;
	}
}

static struct json_member *ref_member_add(struct json_members *m)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 32;
		m->m = xrealloc(m->m, m->cap * sizeof *m->m);
	}
	return &m->m[m->n++];
}

/* json_parse is one loop over three states (a value is expected, an object
 * key is expected, a value just ended) with the open containers on an
 * explicit stack of 'o'/'a' bytes, so deep nesting costs heap, not C stack. */
static int json_ref_parse(const char *text, size_t n, int max_depth,
               struct json_members *mem, struct json_error *err)
{
	struct ref_ctx c = { (ref_uptr)text, (ref_uptr)text + n, err };
	ref_uptr p = c.base, end = c.end, valstart = NULL;
	char small[JSON_DEPTH_STACK], *stack = small;
	int depth = 0;

	if (max_depth <= 0)
		max_depth = JSON_DEPTH_DEFAULT;
	if (max_depth > JSON_DEPTH_STACK)
		stack = xmalloc((size_t)max_depth);
	if (mem)
		mem->n = 0;
	if (err) {
		err->code = JSON_OK;
		err->msg[0] = '\0';
	}
	p = ref_skip_ws(p, end);

value:
	if (p >= end) {
		ref_fail(&c, p, JSON_E_SYNTAX, "expected a value");
		goto bad;
	}
	if (mem && depth == 1 && stack[0] == 'o')
		valstart = p;
	switch (*p) {
	case '{':
	case '[':
		if (depth >= max_depth) {
			ref_fail(&c, p, JSON_E_DEPTH, "nesting deeper than the limit");
			goto bad;
		}
		stack[depth++] = *p == '{' ? 'o' : 'a';
		p = ref_skip_ws(p + 1, end);
		if (p < end && *p == (stack[depth - 1] == 'o' ? '}' : ']')) {
			p++;
			depth--;
			goto after;
		}
		if (stack[depth - 1] == 'o')
			goto key;
		goto value;
	case '"':
		p = ref_scan_string(&c, p + 1);
		break;
	case 't':
		p = ref_scan_literal(&c, p, "true", 4);
		break;
	case 'f':
		p = ref_scan_literal(&c, p, "false", 5);
		break;
	case 'n':
		p = ref_scan_literal(&c, p, "null", 4);
		break;
	default:
		if (*p == '-' || REF_IS_DIGIT(*p))
			p = ref_scan_number(&c, p);
		else
			p = ref_fail(&c, p, JSON_E_SYNTAX, "expected a value");
	}
	if (!p)
		goto bad;

after:
	if (mem && depth == 1 && stack[0] == 'o' && mem->n) {
		struct json_member *m = &mem->m[mem->n - 1];
		m->val.p = (const char *)valstart;
		m->val.n = (size_t)(p - valstart);
		m->val.type = ref_type_of(*valstart);
	}
	p = ref_skip_ws(p, end);
	if (depth == 0) {
		if (p != end) {
			ref_fail(&c, p, JSON_E_SYNTAX, "unexpected data after the value");
			goto bad;
		}
		if (stack != small)
			free(stack);
		return 0;
	}
	if (p >= end) {
		ref_fail(&c, p, JSON_E_SYNTAX, stack[depth - 1] == 'o' ? "unterminated object" : "unterminated array");
		goto bad;
	}
	if (stack[depth - 1] == 'o') {
		if (*p == ',') {
			p = ref_skip_ws(p + 1, end);
			goto key;
		}
		if (*p == '}') {
			p++;
			depth--;
			goto after;
		}
		ref_fail(&c, p, JSON_E_SYNTAX, "expected ',' or '}' after object member");
		goto bad;
	}
	if (*p == ',') {
		p = ref_skip_ws(p + 1, end);
		goto value;
	}
	if (*p == ']') {
		p++;
		depth--;
		goto after;
	}
	ref_fail(&c, p, JSON_E_SYNTAX, "expected ',' or ']' after array element");
	goto bad;

key:
	if (p >= end || *p != '"') {
		ref_fail(&c, p, JSON_E_SYNTAX, "expected a string as object key");
		goto bad;
	}
	{
		ref_uptr k = p;
		if (!(p = ref_scan_string(&c, p + 1)))
			goto bad;
		if (mem && depth == 1) {
			struct json_member *m = ref_member_add(mem);
			m->key.p = (const char *)k;
			m->key.n = (size_t)(p - k);
			m->key.type = JSON_STRING;
			m->val.p = NULL;
			m->val.n = 0;
			m->val.type = JSON_NONE;
		}
	}
	p = ref_skip_ws(p, end);
	if (p >= end || *p != ':') {
		ref_fail(&c, p, JSON_E_SYNTAX, "expected ':' after object key");
		goto bad;
	}
	p = ref_skip_ws(p + 1, end);
	goto value;

bad:
	if (stack != small)
		free(stack);
	if (mem)
		mem->n = 0;
	return -1;
}

static int ref_hex4u(const char *p, unsigned *v)
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

static void ref_raw_utf8(const char *p, size_t n, struct buf *out)
{
	size_t i = 0, from = 0;
	int in_str = 0;
	buf_grow(out, n);
	while (i < n) {
		char c = p[i];
		if (c == '"') {
			in_str = !in_str;
			i++;
			continue;
		}
		if (!in_str || c != '\\') {
			i++;
			continue;
		}
		unsigned hi, lo;
		if (i + 12 <= n && p[i + 1] == 'u' && ref_hex4u(p + i + 2, &hi) == 0 && hi >= 0xD800 && hi < 0xDC00 &&
		    p[i + 6] == '\\' && p[i + 7] == 'u' && ref_hex4u(p + i + 8, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
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

/* ref_other_ways: json_parse of the same text without a members index, and
 * with sub_key "k", must accept or reject it as json_ref_parse did (result
 * r, error e), and the sub index must hold the members (or elements) of
 * the value at sub_at as json_iter walks them. 1 when all of it holds. */
static int ref_other_ways(const char *t, size_t n, int max_depth, int r, const struct json_error *e)
{
	static struct json_members m;
	struct json_error e1;
	int r1 = json_parse(t, n, max_depth, NULL, &e1);
	if (r1 != r || (r < 0 && (e1.code != e->code || e1.offset != e->offset || strcmp(e1.msg, e->msg) != 0)))
		return 0;
	m.sub_key = "k";
	r1 = json_parse(t, n, max_depth, &m, &e1);
	if (r1 != r || (r < 0 && (e1.code != e->code || e1.offset != e->offset || strcmp(e1.msg, e->msg) != 0)))
		return 0;
	if (r < 0 || !m.sub_at)
		return m.nsub == 0;
	struct json_iter it;
	struct json_slice k = { 0 }, v;
	size_t i = 0;
	int obj = *m.sub_at == '{';
	json_iter_init(&it, json_value(m.sub_at, t + n));
	while (json_iter_next(&it, &k, &v)) {
		if (i >= m.nsub || m.sub[i].val.p != v.p || m.sub[i].val.n != v.n || m.sub[i].val.type != v.type ||
		    (obj && (m.sub[i].key.p != k.p || m.sub[i].key.n != k.n)))
			return 0;
		i++;
	}
	return i == m.nsub;
}
