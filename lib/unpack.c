/* unpack.c: content sniffing and the recursive walk through compression and
 * archive layers (see unpack.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "inflate.h"
#include "magic.h"
#include "peek.h"
#include "spool.h"
#include "unpack.h"

#define SNIFF_BYTES 512
#define AR_BLOCK ((size_t)256 << 10)

enum kind { K_TEXT, K_GZIP, K_BADGZIP, K_FILTER, K_ARCHIVE };

/* sniff: what the first bytes of a stream say it is. A compression filter
 * (K_FILTER) is decoded on its own, to its end, and what it holds sniffed
 * again, so its checksum is read even when an archive inside ends first. */
static enum kind sniff(const unsigned char *p, size_t n)
{
	if (gzip_magic(p, n))
		return K_GZIP;
	if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b)
		return K_BADGZIP;
	const struct magic *m = magic_find(p, n);
	if (!m || m->kind == MAGIC_OTHER || strcmp(m->name, "gzip") == 0)
		return K_TEXT;
	return m->kind == MAGIC_ARCHIVE ? K_ARCHIVE : K_FILTER;
}

static enum unpack_result decode(struct unpack *u, lr_readfn read, lr_lendfn lend, void *rctx,
                                 const char *name, int depth);

/* The libarchive side: its read callback pulls from our stream. */
struct arsrc {
	struct peek *pk;
	char *block;
	int src_failed;
};

static la_ssize_t ar_read(struct archive *a, void *ctx, const void **out)
{
	struct arsrc *s = ctx;
	ssize_t r = peek_read(s->pk, s->block, AR_BLOCK);
	if (r < 0) {
		s->src_failed = 1;
		archive_set_error(a, -1, "read failed");
		return -1;
	}
	*out = s->block;
	return r;
}

/* A member's data as an lr_readfn, block by block (archive_read_data would
 * lose the bytes before damage); damage ends it like an end of data. Any
 * status short of ARCHIVE_OK on data is damage: libarchive reports a zip
 * member's bad CRC-32 as ARCHIVE_WARN. */
struct member {
	struct archive *a;
	const char *blk;
	size_t left;
	int damaged, end, filled, passthru;
	uint64_t held_back;       /* bytes of a damaged member not handed on */
	struct spool *sp;
	char why[256];
};

static ssize_t member_raw_read(struct member *m, char *buf, size_t n)
{
	while (!m->left) {
		if (m->damaged || m->end)
			return 0;
		const void *p;
		size_t len;
		la_int64_t off;
		int r = archive_read_data_block(m->a, &p, &len, &off);
		if (r == ARCHIVE_EOF) {
			m->end = 1;
		} else if (r != ARCHIVE_OK) {
			m->damaged = 1;
			snprintf(m->why, sizeof m->why, "%s", archive_error_string(m->a) ? archive_error_string(m->a) : "read error");
		} else {
			m->blk = p;
			m->left = len;
		}
	}
	size_t k = m->left < n ? m->left : n;
	memcpy(buf, m->blk, k);
	m->blk += k;
	m->left -= k;
	return (ssize_t)k;
}

/* member_read: the member held in the spool until its end was read without
 * damage, when it is up to UNPACK_VERIFY_MAX bytes; then handed on. */
static ssize_t member_read(void *ctx, char *buf, size_t n)
{
	struct member *m = ctx;
	if (!m->filled) {
		m->filled = 1;
		spool_reset(m->sp);
		ssize_t r;
		while ((r = member_raw_read(m, buf, n)) > 0) {
			spool_add(m->sp, buf, (size_t)r);
			if (m->sp->len > UNPACK_VERIFY_MAX) {
				m->passthru = 1;
				break;
			}
		}
		if (m->damaged) {
			m->held_back = m->sp->len;
			spool_reset(m->sp);
		}
	}
	if (spool_pending(m->sp))
		return (ssize_t)spool_read(m->sp, buf, n);
	return m->passthru ? member_raw_read(m, buf, n) : 0;
}

/* drain: read what an inner decoder left of a member (an archive's padding
 * after its end), so damage after it is still found. */
static void drain(struct member *m)
{
	char scratch[16384];
	while (member_read(m, scratch, sizeof scratch) > 0)
		;
}

/* fail: fill u->errmsg, return code. */
static enum unpack_result fail(struct unpack *u, enum unpack_result code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum unpack_result fail(struct unpack *u, enum unpack_result code, const char *fmt, ...)
{
	MSG_FORMAT(u->errmsg, fmt);
	return code;
}

/* archive_walk: every regular member, in archive order, decoded in turn. */
static enum unpack_result archive_walk(struct unpack *u, struct peek *pk, const char *name, int depth,
                                       enum kind k)
{
	struct archive *a = archive_read_new();
	struct arsrc src = { pk, xmalloc(AR_BLOCK), 0 };
	enum unpack_result res = UNPACK_OK;
	struct buf mname = BUF_INIT;
	struct spool sp;
	spool_init(&sp);
	if (k == K_FILTER) {
		archive_read_support_filter_all(a);
		archive_read_support_format_raw(a);
	} else {
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
		archive_read_support_format_zip(a);
		archive_read_support_format_cpio(a);
		archive_read_support_format_7zip(a);
	}
	if (archive_read_open(a, &src, NULL, ar_read, NULL) != ARCHIVE_OK) {
		res = src.src_failed ? UNPACK_SRC_FAILED
		    : fail(u, UNPACK_DAMAGED, "%s: unreadable archive: %s", name, archive_error_string(a));
		goto out;
	}
	for (;;) {
		struct archive_entry *e;
		int rc = archive_read_next_header(a, &e);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc < ARCHIVE_WARN) {
			res = src.src_failed ? UNPACK_SRC_FAILED
			    : fail(u, UNPACK_DAMAGED, "%s: damaged archive at byte %lld: %s", name,
			           (long long)archive_filter_bytes(a, -1), archive_error_string(a));
			break;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		int raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
		buf_reset(&mname);
		if (raw) {
			buf_adds(&mname, name);
		} else {
			const char *path = archive_entry_pathname(e);
			buf_printf(&mname, "%s!/%s", name, path ? path : "?");
		}
		if (!raw && u->want && !u->want(u->ctx, buf_cstr(&mname))) {
			u->skipped++;
			continue;
		}
		u->members++;
		struct member m = { .a = a, .sp = &sp };
		res = decode(u, member_read, NULL, &m, buf_cstr(&mname), depth + 1);
		if (res == UNPACK_OK)
			drain(&m);
		if (res == UNPACK_OK && m.damaged)
			res = src.src_failed ? UNPACK_SRC_FAILED
			    : fail(u, UNPACK_DAMAGED, "%s: damaged at byte %lld of the archive: %s%s", buf_cstr(&mname),
			           (long long)archive_filter_bytes(a, -1), m.why,
			           m.held_back ? " (the member was not handed on)" : "");
		if (res != UNPACK_OK)
			break;
	}
out:
	archive_read_free(a);
	spool_free(&sp);
	free(src.block);
	buf_free(&mname);
	return res;
}

/* unsupported: a format that is not JSON and that seg-fetch is known not to
 * read, told by its first bytes: Parquet ("PAR1") or CSV (a first line with
 * commas and nothing of JSON: Segment's S3 Actions may write both). NULL if
 * none: the text goes to unwrap, which rejects what is not JSON line by line. */
static const char *unsupported(const char *p, size_t n)
{
	if (n >= 4 && memcmp(p, "PAR1", 4) == 0)
		return "Parquet";
	if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3;
		n -= 3;
	}
	const char *nl = memchr(p, '\n', n), *end = nl ? nl : p + n;
	if (!nl || p == end || *p == '{' || *p == '[')
		return NULL;
	int commas = 0;
	for (const char *q = p; q < end; q++) {
		if (*q == '{' || *q == '}' || *q == ':' || *q == '[')
			return NULL;
		commas += *q == ',';
	}
	return commas ? "CSV" : NULL;
}

static enum unpack_result decode(struct unpack *u, lr_readfn read, lr_lendfn lend, void *rctx,
                                 const char *name, int depth)
{
	const char *fmt;
	struct peek pk;
	enum unpack_result res = UNPACK_OK;
	peek_init(&pk, read, rctx);
	pk.lend = lend;
	ssize_t n = peek_fill(&pk, SNIFF_BYTES);
	if (n < 0) {
		peek_free(&pk);
		return UNPACK_SRC_FAILED;
	}
	enum kind k = sniff((const unsigned char *)pk.buf + pk.pos, (size_t)n);
	if (k != K_TEXT && depth >= UNPACK_MAX_DEPTH) {
		peek_free(&pk);
		return fail(u, UNPACK_DAMAGED, "%s: compressed or archived more than %d levels deep", name, UNPACK_MAX_DEPTH);
	}
	if (k == K_GZIP) {
		struct gunzip gz;
		gunzip_init(&gz, peek_read, &pk);
		gz.verify_max = UNPACK_VERIFY_MAX;
		res = decode(u, gunzip_read, gunzip_lend, &gz, name, depth + 1);
		u->gzip_twice += gz.redecoded;
		if (res != UNPACK_SRC_FAILED && gz.src_err)
			res = UNPACK_SRC_FAILED;
		else if (res != UNPACK_SRC_FAILED && gz.err)  /* the root cause of any damage inside */
			res = fail(u, UNPACK_DAMAGED, "%s: %s, at byte %llu%s", name, gz.errmsg,
			           (unsigned long long)gz.err_offset,
			           gz.held_back ? " (the member's lines were not handed on)" : "");
		gunzip_free(&gz);
	} else if (k == K_BADGZIP) {
		res = fail(u, UNPACK_DAMAGED, "%s: gzip header with unknown compression method %u, at byte 2", name,
		           (unsigned)(unsigned char)pk.buf[pk.pos + 2]);
	} else if (k == K_ARCHIVE || k == K_FILTER) {
		res = archive_walk(u, &pk, name, depth, k);
	} else if ((fmt = unsupported(pk.buf + pk.pos, (size_t)n))) {
		res = fail(u, UNPACK_DAMAGED, "%s: unsupported format: %s (seg-fetch reads NDJSON or a JSON array, "
		           "plain or compressed)", name, fmt);
	} else if (u->text(u->ctx, peek_read, peek_lend, &pk, name) < 0) {
		res = UNPACK_SRC_FAILED;
	}
	peek_free(&pk);
	return res;
}

enum unpack_result unpack_stream(struct unpack *u, lr_readfn read, void *rctx, const char *name)
{
	u->errmsg[0] = 0;
	return decode(u, read, NULL, rctx, name, 0);
}
