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

/* hidden_done: the "... and N more" line of the input being reported. */
static void hidden_done(struct rejects *r)
{
	if (r->hidden)
		diag(*r->input.p ? r->input.p : NULL, 0, "... and %llu more rejected, not shown (a rejects file keeps them all)",
		     (unsigned long long)r->hidden);
	r->shown = r->hidden = 0;
}

/* reject_stderr: one reject as a diagnostic, at most REJECT_SHOWN_MAX per input. */
static void reject_stderr(struct rejects *r, const char *reason, const char *detail,
                          const char *input, uint64_t line)
{
	input = input ? input : "";
	if (!r->input.p || strcmp(r->input.p, input) != 0) {
		hidden_done(r);
		buf_reset(&r->input);
		buf_adds(&r->input, input);
		buf_addc(&r->input, '\0');
	}
	if (r->shown++ < REJECT_SHOWN_MAX)
		diag(*input ? input : NULL, line, "%s: %s", reason, detail);
	else
		r->hidden++;
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
		reject_stderr(r, reason, detail, input, line);
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
	hidden_done(r);
	buf_free(&r->rec);
	buf_free(&r->input);
}
