/* tablelayout.c: the segment_data and raw layouts as column tables, their DDL,
 * and the mapping of one message to one row record. */
#include <stdio.h>
#include <string.h>

#include "isotime.h"
#include "tablelayout.h"
#include "segspec.h"
#include "sqlid.h"

#define TEXT_MAX 65535    /* bytes in a TEXT column (SingleStore and MySQL) */

/* Segment's destination and the documented segment_raw_data table, and our
 * recommended variants of both. messageId is VARBINARY: it compares bytes,
 * as seg-dedup does: ids differing only in case or in trailing spaces are
 * different events. A VARCHAR with utf8mb4_bin would not do: that collation
 * pads trailing spaces ('a' = 'a ') in MariaDB and MySQL, SingleStore
 * documents no NO PAD collation, and its VARBINARY compares "the exact binary
 * representation"; MariaDB's VARBINARY does too, so the gateway needs no
 * translation. A key must not be TEXT or BLOB. 1020 bytes hold any id the
 * VARCHAR(255) utf8mb4 column held (255 characters of up to 4 bytes), so no
 * id that loaded before is refused now, and seg-validate's limit
 * (SEG_MESSAGE_ID_CHARS, 255 characters) always fits. */
#define MESSAGE_ID_TYPE "VARBINARY(1020)"
#define MESSAGE_ID_BYTES 1020

static const struct seg_column data_rec[] = {
	{ "messageId", MESSAGE_ID_TYPE, 1, 1, SRC_MESSAGE_ID, KIND_TEXT, 0, MESSAGE_ID_BYTES },
	{ "timestamp", "DATETIME(6)", 1, 1, SRC_TIMESTAMP, KIND_DATETIME, 0, 0 },
	{ "type", "TEXT", 1, 1, SRC_TYPE, KIND_TEXT, 0, TEXT_MAX },
	{ "event", "TEXT", 0, 0, SRC_EVENT, KIND_TEXT, 0, TEXT_MAX },
	{ "name", "TEXT", 0, 0, SRC_NAME, KIND_TEXT, 0, TEXT_MAX },
	{ "properties", "JSON", 0, 0, SRC_PROPERTIES, KIND_JSON, 0, 0 },
	{ "userId", "TEXT", 0, 0, SRC_USER_ID, KIND_TEXT, 0, TEXT_MAX },
	{ "anonymousId", "TEXT", 0, 0, SRC_ANONYMOUS_ID, KIND_TEXT, 0, TEXT_MAX },
	{ "groupId", "TEXT", 0, 0, SRC_GROUP_ID, KIND_TEXT, 0, TEXT_MAX },
	{ "traits", "JSON", 0, 0, SRC_TRAITS, KIND_JSON, 0, 0 },
	{ "context", "JSON", 0, 0, SRC_CONTEXT, KIND_JSON, 0, 0 },
};
static const struct seg_column data_compat[] = {
	{ "messageId", "TEXT", 1, 1, SRC_MESSAGE_ID, KIND_TEXT, 0, TEXT_MAX },
	{ "timestamp", "DATETIME(6)", 1, 1, SRC_TIMESTAMP, KIND_DATETIME, 0, 0 },
	{ "type", "TEXT", 1, 1, SRC_TYPE, KIND_TEXT, 0, TEXT_MAX },
	{ "event", "TEXT", 0, 0, SRC_EVENT, KIND_TEXT, 0, TEXT_MAX },
	{ "name", "TEXT", 0, 0, SRC_NAME, KIND_TEXT, 0, TEXT_MAX },
	{ "properties", "JSON", 0, 0, SRC_PROPERTIES, KIND_JSON, 0, 0 },
	{ "userId", "TEXT", 0, 0, SRC_USER_ID, KIND_TEXT, 0, TEXT_MAX },
	{ "anonymousId", "TEXT", 0, 0, SRC_ANONYMOUS_ID, KIND_TEXT, 0, TEXT_MAX },
	{ "groupId", "TEXT", 0, 0, SRC_GROUP_ID, KIND_TEXT, 0, TEXT_MAX },
	{ "traits", "JSON", 0, 0, SRC_TRAITS, KIND_JSON, 0, 0 },
	{ "context", "JSON", 0, 0, SRC_CONTEXT, KIND_JSON, 0, 0 },
};
static const struct seg_column raw_rec[] = {
	{ "message", "JSON", 1, 1, SRC_MESSAGE, KIND_JSON, 0, 0 },
	{ "timestamp", "DATETIME(6)", 1, 1, SRC_TIMESTAMP, KIND_DATETIME, 0, 0 },
	{ "event", "TEXT", 0, 0, SRC_EVENT, KIND_TEXT, 0, TEXT_MAX },
	{ "messageId", MESSAGE_ID_TYPE, 1, 1, SRC_MESSAGE_ID, KIND_TEXT, 0, MESSAGE_ID_BYTES },
	{ "type", "TEXT", 0, 0, SRC_TYPE, KIND_TEXT, 0, TEXT_MAX },
};
static const struct seg_column raw_compat[] = {
	{ "message", "JSON", 0, 1, SRC_MESSAGE, KIND_JSON, 0, 0 },
	{ "timestamp", "DATETIME", 0, 1, SRC_TIMESTAMP, KIND_DATETIME, 0, 0 },
	{ "event", "VARCHAR(255)", 0, 0, SRC_EVENT, KIND_TEXT, 255, 0 },
	{ "messageId", "VARCHAR(255)", 0, 1, SRC_MESSAGE_ID, KIND_TEXT, 255, 0 },
	{ "type", "VARCHAR(255)", 0, 0, SRC_TYPE, KIND_TEXT, 255, 0 },
};

static const char *const keys_rec[] = {
	"SHARD KEY (`messageId`)", "UNIQUE KEY (`messageId`) USING HASH", "SORT KEY (`timestamp`)", NULL
};
static const char *const keys_compat[] = { "SHARD KEY ()", NULL };

#define N(a) (sizeof a / sizeof a[0])

int tablelayout_get(const char *name, enum seg_ddl ddl, struct tablelayout *out)
{
	int compat = ddl == SEG_DDL_COMPAT;
	memset(out, 0, sizeof *out);
	out->keys = compat ? keys_compat : keys_rec;
	if (strcmp(name, "segment_data") == 0) {
		out->name = out->table = "segment_data";
		out->cols = compat ? data_compat : data_rec;
		out->ncols = N(data_rec);
		return 0;
	}
	if (strcmp(name, "raw") == 0) {
		out->name = "raw";
		out->table = "segment_raw_data";
		out->cols = compat ? raw_compat : raw_rec;
		out->ncols = N(raw_rec);
		return 0;
	}
	return -1;
}

int tablelayout_with(struct tablelayout *l, const char *list, const char *source, const char **why)
{
	static const struct seg_column extra[] = {
		{ "received_at", "DATETIME(6)", 0, 0, SRC_RECEIVED_AT, KIND_DATETIME, 0, 0 },
		{ "sent_at", "DATETIME(6)", 0, 0, SRC_SENT_AT, KIND_DATETIME, 0, 0 },
		{ "source_id", "TEXT", 0, 0, SRC_SOURCE_ID, KIND_TEXT, 0, TEXT_MAX },
	};
	size_t n = l->ncols;
	memcpy(l->own, l->cols, n * sizeof *l->cols);
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ","), k = 0;
		while (k < N(extra) && !(strlen(extra[k].name) == len && memcmp(extra[k].name, p, len) == 0))
			k++;
		if (k == N(extra)) {
			*why = "the columns are received_at, sent_at and source_id";
			return -1;
		}
		for (size_t i = l->ncols; i < n; i++)
			if (l->own[i].src == extra[k].src) {
				*why = "a column is named twice";
				return -1;
			}
		l->own[n++] = extra[k];
		p += len + (p[len] == ',');
	}
	l->cols = l->own;
	l->ncols = n;
	l->source_id = source;
	return 0;
}

const char *tablelayout_names(void)
{
	return "segment_data, raw";
}

const char *const *tablelayout_column_names(const struct tablelayout *l, size_t *n)
{
	static const char *names[16];
	for (size_t i = 0; i < l->ncols && i < N(names); i++)
		names[i] = l->cols[i].name;
	*n = l->ncols;
	return names;
}

void tablelayout_ddl(const struct tablelayout *l, const char *table, struct buf *out)
{
	buf_adds(out, "CREATE TABLE IF NOT EXISTS ");
	sqlid_quote(out, table, strlen(table));
	buf_adds(out, " (");
	for (size_t i = 0; i < l->ncols; i++) {
		buf_adds(out, i ? ",\n  " : "\n  ");
		sqlid_quote(out, l->cols[i].name, strlen(l->cols[i].name));
		buf_printf(out, " %s%s", l->cols[i].sqltype, l->cols[i].not_null ? " NOT NULL" : "");
	}
	for (const char *const *k = l->keys; *k; k++)
		buf_printf(out, ",\n  %s", *k);
	buf_adds(out, "\n)");
}

/* The state of mapping one message. */
struct map {
	const char *source_id;
	const struct rowfmt *rf;
	const struct segmsg *f;
	const struct json_members *m;    /* the message's index (and context's) */
	struct buf *out, *scratch;
	char *detail;
	size_t dn;
};

#define FAIL(reason, ...) do { snprintf(c->detail, c->dn, __VA_ARGS__); return reason; } while (0)

static const char *type_word(enum json_type t)
{
	static const char *const w[] = { "nothing", "an object", "an array", "a string",
	                                 "a number", "true", "false", "null" };
	return w[t];
}

static int absent(struct json_slice v)
{
	return v.type == JSON_NONE || v.type == JSON_NULL;
}

/* decoded: the decoded text of a string slice; points into the slice itself
 * when there is no escape, else into scratch. */
static const char *decoded(struct map *c, struct json_slice v, size_t *len)
{
	if (!json_str_has_escape(v)) {
		*len = v.n - 2;
		return v.p + 1;
	}
	buf_reset(c->scratch);
	json_str_decode(v, c->scratch);
	*len = c->scratch->len;
	return c->scratch->p ? c->scratch->p : "";
}

/* over_limit: does a text value exceed the column's SQL type? Text given
 * as a JSON string slice (measured decoded) or as plain bytes. */
static int over_limit(struct map *c, const struct seg_column *col, struct json_slice v,
                      size_t *bytes, size_t *chars)
{
	size_t raw = v.type == JSON_STRING ? v.n - 2 : v.n, len = raw;
	const char *p = v.type == JSON_STRING ? v.p + 1 : v.p;
	size_t lim = col->max_chars ? col->max_chars : col->max_bytes;
	*bytes = *chars = raw;
	if (raw <= lim)              /* decoding never lengthens, chars <= bytes */
		return 0;
	if (v.type == JSON_STRING)
		p = decoded(c, v, &len);
	*bytes = len;
	if (col->max_bytes)
		return len > col->max_bytes;
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)p[i] & 0xC0) != 0x80;
	*chars = n;
	return n > col->max_chars;
}

/* put_text: a text column: a string as it is, a number as a string of its
 * digits (old senders' numeric ids), null when absent. */
static const char *put_text(struct map *c, size_t i, const struct seg_column *col, struct json_slice v)
{
	int is_id = col->src == SRC_MESSAGE_ID;
	if (absent(v)) {
		if (is_id && col->required)
			FAIL("missing_message_id", "messageId is %s", v.type == JSON_NULL ? "null" : "missing");
		if (col->required)
			FAIL("missing_type", "%s is %s", col->name, v.type == JSON_NULL ? "null" : "missing");
		row_null(c->rf, c->out, i);
		return NULL;
	}
	if (v.type != JSON_STRING && v.type != JSON_NUMBER)
		FAIL("bad_field_type", "%s must be a string or a number, found %s", col->name, type_word(v.type));
	if (is_id && v.type == JSON_STRING && v.n == 2)
		FAIL("missing_message_id", "messageId is an empty string");
	size_t bytes, chars;
	if (over_limit(c, col, v, &bytes, &chars)) {
		if (col->max_bytes)
			FAIL(is_id ? "message_id_too_long" : "value_too_long",
			     "%s has %zu bytes, more than the %zu of its %s column", col->name, bytes,
			     col->max_bytes, col->sqltype);
		FAIL(is_id ? "message_id_too_long" : "value_too_long",
		     "%s has %zu characters, more than the %zu of its %s column", col->name, chars,
		     col->max_chars, col->sqltype);
	}
	if (v.type == JSON_STRING) {
		row_json(c->rf, c->out, i, v.p, v.n);
	} else {
		buf_reset(c->scratch);
		buf_addc(c->scratch, '"');
		buf_add(c->scratch, v.p, v.n);
		buf_addc(c->scratch, '"');
		row_json(c->rf, c->out, i, c->scratch->p, c->scratch->len);
	}
	return NULL;
}

/* put_when: a DATETIME column from one field of the message, null when
 * absent; a value that is not a time is an error. */
static const char *put_when(struct map *c, size_t i, const char *key, struct json_slice v)
{
	if (absent(v)) {
		row_null(c->rf, c->out, i);
		return NULL;
	}
	if (v.type != JSON_STRING)
		FAIL("bad_timestamp", "%s must be an ISO-8601 string, found %s", key, type_word(v.type));
	size_t len;
	const char *s = decoded(c, v, &len);
	struct isotime when;
	const char *why;
	if (isotime_parse(s, len, &when, &why) < 0)
		FAIL("bad_timestamp", "%s \"%.*s\": %s", key, (int)(len > 40 ? 40 : len), s, why);
	if (when.sec < days_from_civil(1000, 1, 1) * 86400 || when.sec >= days_from_civil(10000, 1, 1) * 86400)
		FAIL("bad_timestamp", "%s \"%.*s\": outside the DATETIME range (years 1000 to 9999 in UTC)",
		     key, (int)(len > 40 ? 40 : len), s);
	char text[29];
	text[0] = '"';
	isotime_format(&when, text + 1);
	text[27] = '"';
	row_json(c->rf, c->out, i, text, 28);
	return NULL;
}

/* put_time: the first of timestamp, originalTimestamp, sentAt, receivedAt that
 * is present, converted to UTC as DATETIME(6) text. One that is present but
 * unusable is an error, not a reason to look further. */
static const char *put_time(struct map *c, size_t i)
{
	const struct { const char *key; struct json_slice v; } t[] = {
		{ "timestamp", c->f->timestamp }, { "originalTimestamp", c->f->original_timestamp },
		{ "sentAt", c->f->sent_at }, { "receivedAt", c->f->received_at },
	};
	size_t k = 0;
	while (k < N(t) && absent(t[k].v))
		k++;
	if (k == N(t))
		FAIL("missing_timestamp", "none of timestamp, originalTimestamp, sentAt, receivedAt");
	return put_when(c, i, t[k].key, t[k].v);
}

/* put_object: a JSON column: an object as it is, null when absent. */
static const char *put_object(struct map *c, size_t i, const char *what, struct json_slice v)
{
	if (absent(v)) {
		row_null(c->rf, c->out, i);
		return NULL;
	}
	if (v.type != JSON_OBJECT)
		FAIL("bad_field_type", "%s must be an object, found %s", what, type_word(v.type));
	if (json_has_surrogate_escape(v.p, v.n)) {   /* SingleStore keeps raw UTF-8 only */
		buf_reset(c->scratch);
		json_raw_utf8(v.p, v.n, c->scratch);
		row_json(c->rf, c->out, i, c->scratch->p, c->scratch->len);
		return NULL;
	}
	row_json(c->rf, c->out, i, v.p, v.n);
	return NULL;
}

/* put_traits: context.traits when present (and not null), else traits, as
 * Segment's destination does. */
static const char *put_traits(struct map *c, size_t i)
{
	struct json_slice ct;
	if (c->f->context.type == JSON_OBJECT && json_members_sub_get(c->m, c->f->context, "traits", &ct) &&
	    !absent(ct))
		return put_object(c, i, "context.traits", ct);
	return put_object(c, i, "traits", c->f->traits);
}

/* column: one column's value appended to the row, or a reason. */
static const char *column(struct map *c, size_t i, const struct seg_column *col, struct json_slice whole)
{
	const struct segmsg *f = c->f;
	switch (col->src) {
	case SRC_MESSAGE_ID: return put_text(c, i, col, f->message_id);
	case SRC_TIMESTAMP: return put_time(c, i);
	case SRC_TYPE: return put_text(c, i, col, f->type);
	case SRC_EVENT: return put_text(c, i, col, f->event);
	case SRC_NAME: {
		struct json_slice none = { NULL, 0, JSON_NONE };
		int named = json_key_eq(f->type, "page") || json_key_eq(f->type, "screen");
		return put_text(c, i, col, named ? f->name : none);
	}
	case SRC_PROPERTIES: return put_object(c, i, "properties", f->properties);
	case SRC_USER_ID: return put_text(c, i, col, f->user_id);
	case SRC_ANONYMOUS_ID: return put_text(c, i, col, f->anonymous_id);
	case SRC_GROUP_ID: return put_text(c, i, col, f->group_id);
	case SRC_TRAITS: return put_traits(c, i);
	case SRC_CONTEXT: return put_object(c, i, "context", f->context);
	case SRC_MESSAGE: return put_object(c, i, "message", whole);
	case SRC_RECEIVED_AT: return put_when(c, i, "receivedAt", f->received_at);
	case SRC_SENT_AT: return put_when(c, i, "sentAt", f->sent_at);
	case SRC_SOURCE_ID:
		if (!c->source_id) {
			row_null(c->rf, c->out, i);
			return NULL;
		}
		buf_reset(c->scratch);
		json_write_str(c->scratch, c->source_id, strlen(c->source_id));
		row_json(c->rf, c->out, i, c->scratch->p, c->scratch->len);
		return NULL;
	}
	return NULL;
}

const char *tablelayout_row(const struct tablelayout *l, const struct rowfmt *rf,
                          const char *msg, size_t n, const struct json_members *m,
                          struct buf *out, struct buf *scratch, char *detail, size_t dn)
{
	struct segmsg f;
	struct map c = { l->source_id, rf, &f, m, out, scratch, detail, dn };
	const char *end = msg + n;
	/* the text is one valid value: the object is what whitespace surrounds */
	while (msg < end && (*msg == ' ' || *msg == '\t' || *msg == '\n' || *msg == '\r'))
		msg++;
	while (end > msg && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	struct json_slice whole = { msg, (size_t)(end - msg), json_type_at(msg, end) };
	size_t mark = out->len;
	segmsg_fields(m, &f);
	row_begin(rf, out);
	for (size_t i = 0; i < l->ncols; i++) {
		const char *reason = column(&c, i, &l->cols[i], whole);
		if (reason) {
			out->len = mark;
			return reason;
		}
	}
	row_end(out);
	return NULL;
}
