/* unwrap.h: Segment messages out of a text stream. A stream is NDJSON (one
 * JSON text per line; CRLF, a BOM and blank lines accepted) or, when its first
 * byte that is not white space is '[', one JSON array of messages, read
 * element by element with bounded memory however it is laid out. Every
 * object is a message and is handed on with its bytes as in the source;
 * {"batch":[...]} envelopes (an object with a "batch" array and no "type")
 * are unwrapped, the envelope's context, integrations and sentAt appended to
 * the items that lack them; a line holding an array is unwrapped too.
 * Unless strict is set, a text that begins with '{' and ends with '}' and
 * does not contain "batch" is handed on without parsing: it is shaped like a
 * message, and seg-validate checks the JSON strictly; strict parses every
 * text with json_parse and rejects what is not valid JSON.
 * Everything else goes to the reject callback with a reason code:
 *   json_syntax, bad_utf8, too_deep  the text is not JSON (json_parse's detail)
 *   not_object                       valid JSON, but not an object
 *   line_too_long                    longer than max_line (raw: its start)
 *   duplicate_key                    an envelope with "batch", "context",
 *                                    "integrations" or "sentAt" twice (raw:
 *                                    the whole envelope)
 *   empty_element                    an empty element in a JSON array: [1,,2] */
#ifndef SEG_UNWRAP_H
#define SEG_UNWRAP_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "lineio.h"

struct unwrap {
	/* emit: one message, compact JSON object text without a newline. */
	void (*emit)(void *ctx, const char *p, size_t n);
	/* reject: a piece of input that is not a message. */
	void (*reject)(void *ctx, const char *reason, const char *detail,
	               const char *name, uint64_t line, const char *raw, size_t rawlen);
	void *ctx;
	size_t max_line;          /* 0: LINE_MAX_DEFAULT */
	int max_depth;            /* 0: JSON_DEPTH_DEFAULT */
	int strict;               /* parse every text, not only the unusual ones */
	uint64_t records;         /* records found: each message or reject (an
	                           * envelope or array line counts its items),
	                           * so records = emitted + rejected */
	uint64_t blank;           /* blank lines skipped */
	uint64_t envelopes;       /* batch envelopes unwrapped */
	uint64_t bytes;           /* text bytes read */
	struct json_members mem;
	struct buf tmp, elem;
};

void unwrap_init(struct unwrap *w);
/* unwrap_stream: read the stream to its end. 0, or -1 when read failed.
 * lend: the stream's lend function (lib/lineio), or NULL: NDJSON lines are
 * then handed on where the source lent them. */
int unwrap_stream(struct unwrap *w, lr_readfn read, lr_lendfn lend, void *rctx, const char *name);
void unwrap_free(struct unwrap *w);
#endif
