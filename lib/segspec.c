/* segspec.c: Segment spec rules: known type, messageId, identity per type,
 * object-valued fields, ISO-8601 timestamps. */
#include <stdio.h>
#include <string.h>

#include "isotime.h"
#include "seglimits.h"
#include "segspec.h"

static const char *const type_names[] = { "track", "identify", "page", "screen", "group", "alias" };

void segspec_defaults(struct segspec_opts *o)
{
	memset(o, 0, sizeof *o);
	o->require_message_id = 1;
	o->require_timestamp = 1;
	o->types = SEG_T_ALL;
}

int segspec_type_bits(const char *list, unsigned *bits)
{
	*bits = 0;
	while (*list) {
		size_t n = strcspn(list, ",");
		int found = 0;
		for (int i = 0; i < 6; i++)
			if (strlen(type_names[i]) == n && memcmp(type_names[i], list, n) == 0) {
				*bits |= 1u << i;
				found = 1;
			}
		if (!found)
			return -1;
		list += n + (list[n] == ',');
	}
	return *bits ? 0 : -1;
}

/* field_slot: which struct segmsg field a key names, by its decoded text. */
static struct json_slice *field_slot(struct segmsg *f, const char *k, size_t n)
{
#define F(name, field) if (n == sizeof name - 1 && memcmp(k, name, n) == 0) return &f->field
	F("type", type); F("messageId", message_id); F("userId", user_id);
	F("anonymousId", anonymous_id); F("event", event); F("name", name);
	F("groupId", group_id); F("previousId", previous_id); F("properties", properties);
	F("traits", traits); F("context", context); F("integrations", integrations);
	F("timestamp", timestamp); F("originalTimestamp", original_timestamp);
	F("sentAt", sent_at); F("receivedAt", received_at);
#undef F
	return NULL;
}

void segmsg_fields(const struct json_members *m, struct segmsg *f)
{
	struct buf key = BUF_INIT;
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < m->n; i++) {
		struct json_slice k = m->m[i].key;
		/* a raw key equal to a field's name holds no escape: it is that
		 * name; only a key that matched none may decode to one */
		struct json_slice *slot = field_slot(f, k.p + 1, k.n - 2);
		if (!slot && json_str_has_escape(k)) {
			buf_reset(&key);
			json_str_decode(k, &key);
			slot = field_slot(f, key.p, key.len);
		}
		if (slot)
			*slot = m->m[i].val;   /* the last duplicate wins, as in JSON.parse */
	}
	buf_free(&key);
}

static const char *type_word(enum json_type t)
{
	static const char *const w[] = { "nothing", "an object", "an array", "a string",
	                                 "a number", "true", "false", "null" };
	return w[t];
}

/* utf8_chars: the number of code points of a decoded string. */
static size_t utf8_chars(const char *p, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)p[i] & 0xC0) != 0x80;
	return c;
}

/* present: a field that is there and not null. */
static int present(struct json_slice s)
{
	return s.type != JSON_NONE && s.type != JSON_NULL;
}

/* is_id: a usable identity value: a non-empty string, or a number when old
 * senders' numeric ids are allowed. */
static int is_id(struct json_slice s, const struct segspec_opts *o)
{
	return (s.type == JSON_STRING && s.n > 2) || (s.type == JSON_NUMBER && o->allow_numeric_ids);
}

#define FAIL(reason, ...) do { snprintf(detail, n, __VA_ARGS__); return reason; } while (0)

/* check_id_type: an id field present with the wrong JSON type. */
static const char *check_id_type(const char *key, struct json_slice s, const struct segspec_opts *o,
                                 char *detail, size_t n)
{
	if (!present(s) || s.type == JSON_STRING || (s.type == JSON_NUMBER && o->allow_numeric_ids))
		return NULL;
	FAIL("bad_field_type", "%s must be a string%s, found %s", key,
	     o->allow_numeric_ids ? " or a number" : "", type_word(s.type));
}

static const char *check_message_id(const struct segmsg *f, const struct segspec_opts *o,
                                    char *detail, size_t n)
{
	struct json_slice s = f->message_id;
	if (!present(s)) {
		if (o->require_message_id)
			FAIL("missing_message_id", "messageId is %s", s.type == JSON_NULL ? "null" : "missing");
		return NULL;
	}
	const char *r = check_id_type("messageId", s, o, detail, n);
	if (r)
		return r;
	if (s.type == JSON_NUMBER)
		return NULL;
	size_t chars;
	if (!json_str_has_escape(s)) {
		chars = utf8_chars(s.p + 1, s.n - 2);
	} else {
		struct buf b = BUF_INIT;
		json_str_decode(s, &b);
		chars = utf8_chars(b.p ? b.p : "", b.len);
		buf_free(&b);
	}
	if (chars == 0)
		FAIL("missing_message_id", "messageId is an empty string");
	if (chars > SEG_MESSAGE_ID_CHARS)
		FAIL("message_id_too_long", "messageId has %zu characters, at most %d allowed", chars,
		     SEG_MESSAGE_ID_CHARS);
	return NULL;
}

static const char *check_identity(const struct segmsg *f, unsigned type, const struct segspec_opts *o,
                                  char *detail, size_t n)
{
	const char *r;
	if ((r = check_id_type("userId", f->user_id, o, detail, n)) ||
	    (r = check_id_type("anonymousId", f->anonymous_id, o, detail, n)) ||
	    (r = check_id_type("groupId", f->group_id, o, detail, n)) ||
	    (r = check_id_type("previousId", f->previous_id, o, detail, n)))
		return r;
	if (type == SEG_T_ALIAS) {
		if (!is_id(f->previous_id, o))
			FAIL("missing_previous_id", "alias needs previousId");
		if (!is_id(f->user_id, o))
			FAIL("missing_user_or_anonymous_id", "alias needs userId");
		return NULL;
	}
	if (!is_id(f->user_id, o) && !is_id(f->anonymous_id, o))
		FAIL("missing_user_or_anonymous_id", "%s needs userId or anonymousId (non-empty)",
		     type_names[__builtin_ctz(type)]);
	if (type == SEG_T_TRACK) {
		if (present(f->event) && f->event.type != JSON_STRING)
			FAIL("bad_field_type", "event must be a string, found %s", type_word(f->event.type));
		if (f->event.type != JSON_STRING || f->event.n <= 2)
			FAIL("missing_event", "track needs a non-empty event name");
	}
	if (type == SEG_T_GROUP && !is_id(f->group_id, o))
		FAIL("missing_group_id", "group needs groupId");
	return NULL;
}

static const char *check_shapes(const struct segmsg *f, char *detail, size_t n)
{
	static const struct { const char *key; size_t off; } objs[] = {
		{ "properties", offsetof(struct segmsg, properties) },
		{ "traits", offsetof(struct segmsg, traits) },
		{ "context", offsetof(struct segmsg, context) },
		{ "integrations", offsetof(struct segmsg, integrations) },
	};
	for (size_t i = 0; i < 4; i++) {
		const struct json_slice *s = (const void *)((const char *)f + objs[i].off);
		if (present(*s) && s->type != JSON_OBJECT)
			FAIL("bad_field_type", "%s must be an object, found %s", objs[i].key, type_word(s->type));
	}
	if (present(f->name) && f->name.type != JSON_STRING)
		FAIL("bad_field_type", "name must be a string, found %s", type_word(f->name.type));
	if (present(f->event) && f->event.type != JSON_STRING)
		FAIL("bad_field_type", "event must be a string, found %s", type_word(f->event.type));
	return NULL;
}

static const char *check_times(const struct segmsg *f, const struct segspec_opts *o,
                               char *detail, size_t n)
{
	const struct { const char *key; struct json_slice s; } t[] = {
		{ "timestamp", f->timestamp }, { "originalTimestamp", f->original_timestamp },
		{ "sentAt", f->sent_at }, { "receivedAt", f->received_at },
	};
	if (o->require_timestamp && !present(f->timestamp))
		FAIL("missing_timestamp", "timestamp is %s", f->timestamp.type == JSON_NULL ? "null" : "missing");
	for (size_t i = 0; i < 4; i++) {
		struct json_slice s = t[i].s;
		if (!present(s))
			continue;
		if (s.type != JSON_STRING)
			FAIL("bad_timestamp", "%s must be an ISO-8601 string, found %s", t[i].key, type_word(s.type));
		struct isotime when;
		const char *why;
		if (!json_str_has_escape(s) && isotime_parse(s.p + 1, s.n - 2, &when, &why) == 0)
			continue;   /* the common case, without a copy */
		struct buf b = BUF_INIT;
		json_str_decode(s, &b);
		int bad = isotime_parse(b.p ? b.p : "", b.len, &when, &why);
		if (bad)
			snprintf(detail, n, "%s \"%.40s\": %s", t[i].key, b.p ? buf_cstr(&b) : "", why);
		buf_free(&b);
		if (bad)
			return "bad_timestamp";
	}
	return NULL;
}

const char *segspec_check(const struct segmsg *f, const struct segspec_opts *o, char *detail, size_t n)
{
	if (f->type.type == JSON_NONE)
		FAIL("missing_type", "no \"type\" field");
	if (f->type.type != JSON_STRING)
		FAIL("bad_field_type", "type must be a string, found %s", type_word(f->type.type));
	unsigned type = 0;
	for (int i = 0; i < 6 && !type; i++)
		if (json_key_eq(f->type, type_names[i]))
			type = 1u << i;
	if (!type || !(type & o->types))
		FAIL("unknown_type", "type %.*s is not one of the accepted types", (int)(f->type.n > 40 ? 40 : f->type.n), f->type.p);
	const char *r;
	if ((r = check_message_id(f, o, detail, n)) || (r = check_identity(f, type, o, detail, n)) ||
	    (r = check_shapes(f, detail, n)) || (r = check_times(f, o, detail, n)))
		return r;
	return NULL;
}
