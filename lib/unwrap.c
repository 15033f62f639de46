/* unwrap.c: Segment messages out of NDJSON or one JSON array (see unwrap.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "peek.h"
#include "unwrap.h"

#define ARRAY_CHUNK ((size_t)1 << 20)
#define LOOKAHEAD_MAX ((size_t)64 << 10)

static const char *const fill_keys[] = { "context", "integrations", "sentAt" };
#define NFILL (sizeof fill_keys / sizeof fill_keys[0])

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void unwrap_init(struct unwrap *w)
{
	memset(w, 0, sizeof *w);
}

void unwrap_free(struct unwrap *w)
{
	json_members_free(&w->mem);
	buf_free(&w->tmp);
	buf_free(&w->elem);
}

static void rejectf(struct unwrap *w, const char *reason, const char *name, uint64_t line,
                    const char *raw, size_t rawlen, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* rejectf: hand a refused piece of input to the caller with a detail text. */
static void rejectf(struct unwrap *w, const char *reason, const char *name, uint64_t line,
                    const char *raw, size_t rawlen, const char *fmt, ...)
{
	char detail[512];
	MSG_FORMAT(detail, fmt);
	w->reject(w->ctx, reason, detail, name, line, raw, rawlen);
}

/* emit_item: one item of an envelope, with the envelope's context,
 * integrations and sentAt appended when it lacks them; the item's own bytes
 * are never reordered or re-serialized. */
static void emit_item(struct unwrap *w, struct json_slice item, const struct json_slice fill[NFILL])
{
	int need[NFILL], any = 0;
	struct json_slice v;
	for (size_t i = 0; i < NFILL; i++) {
		need[i] = fill[i].n && !json_get(item, fill_keys[i], &v);
		any |= need[i];
	}
	if (!any) {
		w->emit(w->ctx, item.p, item.n);
		return;
	}
	struct json_iter it;
	struct json_slice k;
	json_iter_init(&it, item);
	int has_members = json_iter_next(&it, &k, &v);
	size_t end = item.n - 1;              /* the closing brace */
	while (end > 1 && is_ws(item.p[end - 1]))
		end--;
	buf_reset(&w->tmp);
	buf_add(&w->tmp, item.p, end);
	for (size_t i = 0; i < NFILL; i++) {
		if (!need[i])
			continue;
		if (has_members)
			buf_addc(&w->tmp, ',');
		has_members = 1;
		buf_printf(&w->tmp, "\"%s\":", fill_keys[i]);
		buf_add(&w->tmp, fill[i].p, fill[i].n);
	}
	buf_addc(&w->tmp, '}');
	w->emit(w->ctx, w->tmp.p, w->tmp.len);
}

/* key_count: how many times obj has a member called name. */
static int key_count(struct json_slice obj, const char *name)
{
	struct json_iter it;
	struct json_slice k, v;
	int n = 0;
	json_iter_init(&it, obj);
	while (json_iter_next(&it, &k, &v))
		n += json_key_eq(k, name);
	return n;
}

/* ambiguous: an envelope naming batch, context, integrations or sentAt more
 * than once: which one was meant is unknown, so none is guessed. */
static const char *ambiguous(struct json_slice obj)
{
	static const char *const keys[] = { "batch", "context", "integrations", "sentAt" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (key_count(obj, keys[i]) > 1)
			return keys[i];
	return NULL;
}

/* object: one JSON object: a message, or an envelope to unwrap. mem is its
 * member index when json_parse made one, else NULL (elements of arrays).
 * Counts one record per message or reject (an envelope: one per item). */
static void object(struct unwrap *w, struct json_slice obj, const struct json_members *mem,
                   const char *name, uint64_t line)
{
	struct json_slice batch, type;
	int is_env = mem ? json_members_get(mem, "batch", &batch) && !json_members_get(mem, "type", &type)
	                 : json_get(obj, "batch", &batch) && !json_get(obj, "type", &type);
	const char *dup;
	if (!is_env || batch.type != JSON_ARRAY) {
		w->records++;
		w->emit(w->ctx, obj.p, obj.n);
		return;
	}
	if ((dup = ambiguous(obj))) {
		w->records++;
		rejectf(w, "duplicate_key", name, line, obj.p, obj.n,
		        "a batch envelope with \"%s\" more than once", dup);
		return;
	}
	struct json_slice fill[NFILL];
	for (size_t i = 0; i < NFILL; i++) {
		int got = mem ? json_members_get(mem, fill_keys[i], &fill[i]) : json_get(obj, fill_keys[i], &fill[i]);
		if (!got)
			fill[i].n = 0;
	}
	w->envelopes++;
	struct json_iter it;
	struct json_slice k, item;
	uint64_t idx = 0;
	json_iter_init(&it, batch);
	while (json_iter_next(&it, &k, &item)) {
		idx++;
		w->records++;
		if (item.type != JSON_OBJECT)
			rejectf(w, "not_object", name, line, item.p, item.n,
			        "item %llu of a batch envelope is not an object", (unsigned long long)idx);
		else
			emit_item(w, item, fill);
	}
}

/* names_batch: does p[0..n) hold the bytes "batch" (quotes included)
 * anywhere? As memmem would tell. With SSE2, 16 places at a time: a
 * place is a candidate when its byte is '"', the next 'b' and the sixth
 * after it '"' (rare together in messages), and a candidate is compared
 * whole. Else from memchr's hits on 'b' (a message has about one in 120
 * bytes: a call each costs more than the vector scan). */
static int names_batch(const char *p, size_t n)
{
	static const char key[] = "\"batch\"";
	size_t q = 0;                 /* the next place the key may start */
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bee = _mm_set1_epi8('b');
	for (; q + 22 <= n; q += 16) {    /* the loads reach p[q + 21] */
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + q));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + q + 1));
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(p + q + 6));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
			_mm_and_si128(_mm_cmpeq_epi8(a, quote), _mm_cmpeq_epi8(b, bee)), _mm_cmpeq_epi8(c, quote)));
		for (; m; m &= m - 1)
			if (memcmp(p + q + (unsigned)__builtin_ctz(m), key, 7) == 0)
				return 1;
	}
#endif
	const char *end = p + n;
	for (const char *b = p + q + 1; end - b > 5; b++) {
		if (!(b = memchr(b, 'b', (size_t)(end - b - 5))))
			return 0;
		if (b[-1] == '"' && memcmp(b + 1, "atch\"", 5) == 0)
			return 1;
	}
	return 0;
}

/* unwrap_text: one JSON text (a line, an array element) from name:line. */
static void unwrap_text(struct unwrap *w, const char *p, size_t n, const char *name, uint64_t line)
{
	while (n && is_ws(*p))
		p++, n--;
	while (n && is_ws(p[n - 1]))
		n--;
	/* the common case: an object that cannot be an envelope passes as it is
	 * unless strict checking was asked for (seg-validate checks it anyway) */
	if (!w->strict && n >= 2 && p[0] == '{' && p[n - 1] == '}' && !names_batch(p, n)) {
		w->records++;
		w->emit(w->ctx, p, n);
		return;
	}
	struct json_error err;
	if (json_parse(p, n, w->max_depth, &w->mem, &err) < 0) {
		w->records++;
		const char *reason = err.code == JSON_E_UTF8 ? "bad_utf8" : err.code == JSON_E_DEPTH ? "too_deep" : "json_syntax";
		rejectf(w, reason, name, line, p, n, "at byte %zu: %s", err.offset, err.msg);
		return;
	}
	struct json_slice v = json_value(p, p + n);
	if (v.type == JSON_OBJECT) {
		object(w, v, &w->mem, name, line);
	} else if (v.type == JSON_ARRAY) {
		struct json_iter it;
		struct json_slice k, el;
		uint64_t idx = 0;
		json_iter_init(&it, v);
		while (json_iter_next(&it, &k, &el)) {
			idx++;
			if (el.type == JSON_OBJECT) {
				object(w, el, NULL, name, line);
			} else {
				w->records++;
				rejectf(w, "not_object", name, line, el.p, el.n,
				        "element %llu of an array is not an object", (unsigned long long)idx);
			}
		}
	} else {
		w->records++;
		rejectf(w, "not_object", name, line, p, n, "a message is a JSON object");
	}
}

/* ndjson: one JSON text per line, from line number first_line on. */
static int ndjson(struct unwrap *w, lr_readfn read, lr_lendfn lend, void *rctx, const char *name,
                  uint64_t first_line, int mid_stream)
{
	struct lreader r;
	struct line l;
	int rc;
	lr_init_fn(&r, read, rctx, name, w->max_line);
	r.lend = lend;
	r.lineno = first_line - 1;
	r.bom_checked = mid_stream;
	while ((rc = lr_next(&r, &l)) == 1) {
		w->bytes += l.full_len + 1;
		if (l.too_long) {
			w->records++;
			rejectf(w, "line_too_long", name, l.lineno, l.p, l.len,
			        "line of %llu bytes is longer than the limit %zu; raw holds its first %zu bytes",
			        (unsigned long long)l.full_len, r.max_line, l.len);
			continue;
		}
		if (line_blank(&l)) {
			w->blank++;
			continue;
		}
		unwrap_text(w, l.p, l.len, name, l.lineno);
	}
	lr_free(&r);
	return rc < 0 ? -1 : 0;
}

/* A reader that hands out leftover bytes first, then the stream's. */
struct rest {
	const char *p;
	size_t n;
	struct peek *pk;
};

static ssize_t rest_read(void *ctx, char *buf, size_t n)
{
	struct rest *r = ctx;
	if (r->n) {
		size_t k = r->n < n ? r->n : n;
		memcpy(buf, r->p, k);
		r->p += k;
		r->n -= k;
		return (ssize_t)k;
	}
	return peek_read(r->pk, buf, n);
}

/* compact: drop white space outside strings (a pretty-printed element). */
static void compact(struct buf *b)
{
	size_t o = 0;
	int in_str = 0, esc = 0;
	for (size_t i = 0; i < b->len; i++) {
		char c = b->p[i];
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (is_ws(c)) {
			continue;
		}
		b->p[o++] = c;
	}
	b->len = o;
}

/* The state of the splitter of one top-level JSON array. */
struct splitter {
	int depth, in_str, esc, too_long, after_comma, closed;
	uint64_t line, elem_line, full_len, elements;
};

/* element_end: one element is complete (at a ',' or the closing ']'). */
static void element_end(struct unwrap *w, struct splitter *s, const char *name, int at_close)
{
	struct buf *e = &w->elem;
	while (e->len && is_ws(e->p[e->len - 1]))
		e->len--;
	if (e->len == 0 && !s->too_long) {
		if (!at_close || s->after_comma) {
			w->records++;
			rejectf(w, "empty_element", name, s->line, "", 0, "an empty element in a JSON array");
		}
	} else if (s->too_long) {
		w->records++;
		rejectf(w, "line_too_long", name, s->elem_line, e->p, e->len,
		        "array element of %llu bytes is longer than the limit %zu; raw holds its first %zu bytes",
		        (unsigned long long)s->full_len, w->max_line, e->len);
	} else {
		if (memchr(e->p, '\n', e->len) || memchr(e->p, '\r', e->len))
			compact(e);
		unwrap_text(w, e->p, e->len, name, s->elem_line);
	}
	s->elements++;
	s->after_comma = !at_close;
	s->too_long = 0;
	s->full_len = 0;
	buf_reset(e);
}

/* elem_add: keep a byte of the current element, up to max_line. */
static void elem_add(struct unwrap *w, struct splitter *s, char c)
{
	if (w->elem.len == 0 && !s->too_long)
		s->elem_line = s->line;
	s->full_len++;
	if (s->too_long)
		return;
	if (w->elem.len >= w->max_line) {
		s->too_long = 1;
		w->elem.len = LINE_TOO_LONG_KEEP < w->max_line ? LINE_TOO_LONG_KEEP : w->max_line;
		return;
	}
	buf_addc(&w->elem, c);
}

/* json_array: the stream is one JSON array (pk is at its first byte, after
 * any BOM and white space); what follows the closing ']' is read as NDJSON. */
static int json_array(struct unwrap *w, struct peek *pk, const char *name, uint64_t line)
{
	struct splitter s = { 0 };
	char *chunk = xmalloc(ARRAY_CHUNK);
	int started = 0, rc = 0;
	s.line = line;
	buf_reset(&w->elem);
	while (!s.closed) {
		ssize_t n = peek_read(pk, chunk, ARRAY_CHUNK);
		if (n <= 0) {
			rc = n < 0 ? -1 : 0;
			if (n == 0 && (w->elem.len || s.too_long))
				element_end(w, &s, name, 1);  /* unclosed: the rest is rejected as it is */
			break;
		}
		w->bytes += (uint64_t)n;
		for (ssize_t i = 0; i < n; i++) {
			char c = chunk[i];
			if (!started) {
				started = c == '[';
				continue;
			}
			if (s.in_str) {
				if (s.esc)
					s.esc = 0;
				else if (c == '\\')
					s.esc = 1;
				else if (c == '"')
					s.in_str = 0;
				elem_add(w, &s, c);
			} else if (c == ']' && s.depth == 0) {
				element_end(w, &s, name, 1);
				s.closed = 1;
				struct rest r = { chunk + i + 1, (size_t)(n - i - 1), pk };
				w->bytes -= (uint64_t)(n - i - 1);
				rc = ndjson(w, rest_read, NULL, &r, name, s.line, 1);
				break;
			} else if (c == ',' && s.depth == 0) {
				element_end(w, &s, name, 0);
			} else if (is_ws(c) && w->elem.len == 0 && !s.too_long) {
				;  /* white space between elements */
			} else {
				if (c == '"')
					s.in_str = 1;
				else if (c == '{' || c == '[')
					s.depth++;
				else if ((c == '}' || c == ']') && s.depth > 0)
					s.depth--;
				elem_add(w, &s, c);
			}
			if (c == '\n')
				s.line++;
		}
	}
	free(chunk);
	return rc;
}

int unwrap_stream(struct unwrap *w, lr_readfn read, lr_lendfn lend, void *rctx, const char *name)
{
	if (!w->max_line)
		w->max_line = LINE_MAX_DEFAULT;
	if (!w->max_depth)
		w->max_depth = JSON_DEPTH_DEFAULT;
	struct peek pk;
	peek_init(&pk, read, rctx);
	pk.lend = lend;
	/* find the first byte that is not a BOM or white space */
	size_t want = 256, i = 0;
	uint64_t line = 1;
	int is_array = 0, rc;
	for (;;) {
		ssize_t n = peek_fill(&pk, want);
		if (n < 0) {
			peek_free(&pk);
			return -1;
		}
		const char *p = pk.buf + pk.pos;
		if (i == 0 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
			i = 3;
		while (i < (size_t)n && is_ws(p[i]))
			line += p[i++] == '\n';
		if (i < (size_t)n) {
			is_array = p[i] == '[';
			break;
		}
		if (pk.eof || want >= LOOKAHEAD_MAX)
			break;
		want *= 2;
	}
	if (is_array) {
		pk.pos += i;
		rc = json_array(w, &pk, name, line);
	} else {
		rc = ndjson(w, peek_read, peek_lend, &pk, name, 1, 0);
	}
	peek_free(&pk);
	return rc;
}
