/* reject.c: writing reject records, the place every refused line ends up. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "reject.h"

void rejects_open(struct rejects *r, const char *path, struct stats *stats)
{
	memset(r, 0, sizeof *r);
	r->stats = stats;
	if (!path)
		return;
	if (w_open(&r->w, path) < 0)
		die(EX_IOERR, "%s: cannot create rejects file: %s", path, strerror(errno));
	r->to_file = 1;
}

void reject(struct rejects *r, const char *reason, const char *detail,
            const char *input, uint64_t line, const char *raw, size_t rawlen)
{
	r->count++;
	if (r->stats) {
		stats_add(r->stats, "rejected", 1);
		stats_reason(r->stats, reason, 1);
	}
	if (!r->to_file) {
		diag(input, line, "%s: %s", reason, detail);
		return;
	}
	struct buf *b = &r->rec;
	buf_reset(b);
	buf_adds(b, "{\"reason\":");
	json_write_str(b, reason, strlen(reason));
	buf_adds(b, ",\"detail\":");
	json_write_str(b, detail, strlen(detail));
	buf_adds(b, ",\"input\":");
	json_write_str(b, input, strlen(input));
	buf_printf(b, ",\"line\":%llu,", (unsigned long long)line);
	if (utf8_valid(raw, rawlen)) {
		buf_adds(b, "\"raw\":");
		json_write_str(b, raw, rawlen);
	} else {
		buf_adds(b, "\"raw_base64\":\"");
		base64_encode(b, raw, rawlen);
		buf_addc(b, '"');
	}
	buf_addc(b, '}');
	w_line(&r->w, b->p, b->len);
}

void rejectf(struct rejects *r, const char *reason, const char *input, uint64_t line,
             const char *raw, size_t rawlen, const char *fmt, ...)
{
	char detail[1024];
	MSG_FORMAT(detail, fmt);
	reject(r, reason, detail, input, line, raw, rawlen);
}

void rejects_close(struct rejects *r)
{
	if (r->to_file) {
		w_sync(&r->w);
		w_close(&r->w);
	}
	buf_free(&r->rec);
}
