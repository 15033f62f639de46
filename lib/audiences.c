/* audiences.c: the audiences layout (see audiences.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audiences.h"
#include "rowrecord.h"
#include "segspec.h"
#include "sqlid.h"

#define ID_MAX 1020
#define KEY_MAX 255

struct audiences {
	struct buf log, state;   /* the table names */
	int created;
	struct buf rec, sql, key;
};

struct audiences *audiences_new(const char *prefix)
{
	struct audiences *a = xcalloc(1, sizeof *a);
	const char *sep = prefix && *prefix ? "_" : "";
	buf_printf(&a->log, "%s%saudience_membership_log", prefix ? prefix : "", sep);
	buf_printf(&a->state, "%s%saudience_membership", prefix ? prefix : "", sep);
	return a;
}

void audiences_free(struct audiences *a)
{
	if (!a)
		return;
	buf_free(&a->log);
	buf_free(&a->state);
	buf_free(&a->rec);
	buf_free(&a->sql);
	buf_free(&a->key);
	free(a);
}

static void log_ddl(struct audiences *a, struct buf *b)
{
	buf_adds(b, "CREATE TABLE IF NOT EXISTS ");
	sqlid_quote(b, a->log.p, a->log.len);
	buf_adds(b, " (\n  `message_id` VARBINARY(1020) NOT NULL,\n  `user_id` TEXT,\n  `anonymous_id` TEXT,\n"
	         "  `email` TEXT,\n  `audience_key` TEXT NOT NULL,\n  `computation_id` TEXT,\n  `space_id` TEXT,\n"
	         "  `action` TEXT NOT NULL,\n  `timestamp` DATETIME(6) NOT NULL,\n"
	         "  SHARD KEY (`message_id`),\n  UNIQUE KEY (`message_id`) USING HASH,\n  SORT KEY (`timestamp`)\n)");
}

static void state_ddl(struct audiences *a, struct buf *b)
{
	buf_adds(b, "CREATE TABLE IF NOT EXISTS ");
	sqlid_quote(b, a->state.p, a->state.len);
	buf_adds(b, " (\n  `audience_key` VARBINARY(255) NOT NULL,\n  `user_id` VARBINARY(1020) NOT NULL,\n"
	         "  `anonymous_id` VARBINARY(1020) NOT NULL,\n  `email` TEXT,\n  `computation_id` TEXT,\n"
	         "  `space_id` TEXT,\n  `in_audience` BOOLEAN NOT NULL,\n  `message_id` VARBINARY(1020) NOT NULL,\n"
	         "  `timestamp` DATETIME(6) NOT NULL,\n  SHARD KEY (`user_id`),\n"
	         "  UNIQUE KEY (`audience_key`, `user_id`, `anonymous_id`) USING HASH,\n  SORT KEY (`timestamp`)\n)");
}

void audiences_print_ddl(struct audiences *a, struct buf *out)
{
	log_ddl(a, out);
	buf_adds(out, ";\n");
	state_ddl(a, out);
	buf_adds(out, ";\n");
}

/* The parts of one audience change. */
struct change {
	struct json_slice id, user, anon, email, key, computation, space;
	int entered;
	char ts[29];
};

static int is_str(struct json_slice v) { return v.type == JSON_STRING; }

/* text_len: the decoded length of a string or the length of a number. */
static size_t text_len(struct audiences *a, struct json_slice v)
{
	if (v.type != JSON_STRING)
		return v.n;
	if (!json_str_has_escape(v))
		return v.n - 2;
	buf_reset(&a->key);
	json_str_decode(v, &a->key);
	return a->key.len;
}

/* put_id: an id (string or number) as a JSON string; absent: dflt. */
static void put_id(struct buf *b, struct json_slice v, const char *dflt)
{
	if (v.type == JSON_STRING)
		buf_add(b, v.p, v.n);
	else if (v.type == JSON_NUMBER)
		buf_addc(b, '"'), buf_add(b, v.p, v.n), buf_addc(b, '"');
	else
		buf_adds(b, dflt);
}

static void put_str(struct buf *b, struct json_slice v)
{
	if (is_str(v))
		buf_add(b, v.p, v.n);
	else
		buf_adds(b, "null");
}

/* find: what makes the message an audience change, if it is one: 1, 0 (not
 * one), or -1 with detail filled. */
static int find(struct audiences *a, const struct segmsg *f, struct change *c, char *detail, size_t dn)
{
	struct json_slice personas = { NULL, 0, JSON_NONE }, cls = personas, flag = personas, email = personas;
	memset(c, 0, sizeof *c);
	if (f->context.type == JSON_OBJECT)
		json_get(f->context, "personas", &personas);
	if (personas.type == JSON_OBJECT) {
		json_get(personas, "computation_class", &cls);
		json_get(personas, "computation_id", &c->computation);
		json_get(personas, "space_id", &c->space);
	}
	if (json_key_eq(f->type, "identify") && json_key_eq(cls, "audience")) {
		json_get(personas, "computation_key", &c->key);
		if (is_str(c->key) && f->traits.type == JSON_OBJECT) {
			buf_reset(&a->key);
			json_str_decode(c->key, &a->key);
			json_get(f->traits, buf_cstr(&a->key), &flag);
			json_get(f->traits, "email", &email);
		}
		if (flag.type != JSON_TRUE && flag.type != JSON_FALSE) {
			snprintf(detail, dn, "an audience identify needs context.personas.computation_key and a true or false trait of that name");
			return -1;
		}
		c->entered = flag.type == JSON_TRUE;
	} else if (json_key_eq(f->type, "track") &&
	           (json_key_eq(f->event, "Audience Entered") || json_key_eq(f->event, "Audience Exited"))) {
		if (f->properties.type == JSON_OBJECT) {
			json_get(f->properties, "audience_key", &c->key);
			json_get(f->properties, "email", &email);
		}
		if (!is_str(c->key)) {
			snprintf(detail, dn, "an audience track needs properties.audience_key");
			return -1;
		}
		c->entered = json_key_eq(f->event, "Audience Entered");
	} else {
		return 0;
	}
	if (!is_str(email) && f->context.type == JSON_OBJECT) {
		struct json_slice ct;
		if (json_get(f->context, "traits", &ct) && ct.type == JSON_OBJECT)
			json_get(ct, "email", &email);
	}
	c->email = email;
	return 1;
}

/* check: the ids fit their key columns. */
static int check(struct audiences *a, const struct segmsg *f, struct change *c, char *detail, size_t dn)
{
	c->id = f->message_id;
	c->user = f->user_id;
	c->anon = f->anonymous_id;
	if ((!is_str(c->id) && c->id.type != JSON_NUMBER) || text_len(a, c->id) == 0 || text_len(a, c->id) > ID_MAX) {
		snprintf(detail, dn, "messageId must be a string or number of 1 to %d bytes", ID_MAX);
		return -1;
	}
	if (text_len(a, c->key) == 0 || text_len(a, c->key) > KEY_MAX) {
		snprintf(detail, dn, "the audience key must have 1 to %d bytes", KEY_MAX);
		return -1;
	}
	struct json_slice ids[] = { c->user, c->anon };
	for (int i = 0; i < 2; i++)
		if (ids[i].type != JSON_NONE && ids[i].type != JSON_NULL &&
		    ((!is_str(ids[i]) && ids[i].type != JSON_NUMBER) || text_len(a, ids[i]) > ID_MAX)) {
			snprintf(detail, dn, "userId and anonymousId must be strings or numbers of at most %d bytes", ID_MAX);
			return -1;
		}
	return 0;
}

static void emit_ddl(struct audiences *a, warehouse_emit_fn emit, void *ctx)
{
	buf_reset(&a->sql);
	log_ddl(a, &a->sql);
	buf_reset(&a->rec);
	ddl_record(&a->rec, buf_cstr(&a->log), buf_cstr(&a->sql));
	emit(ctx, a->rec.p, a->rec.len, 1, 0);
	buf_reset(&a->sql);
	state_ddl(a, &a->sql);
	buf_reset(&a->rec);
	ddl_record(&a->rec, buf_cstr(&a->state), buf_cstr(&a->sql));
	a->rec.len--;
	buf_adds(&a->rec, ",\"_newest\":\"timestamp\"}");
	emit(ctx, a->rec.p, a->rec.len, 1, 0);
	a->created = 1;
}

static void emit_rows(struct audiences *a, const struct change *c, warehouse_emit_fn emit, void *ctx)
{
	struct buf *r = &a->rec;
	buf_reset(r);
	buf_adds(r, "{\"_table\":");
	json_write_str(r, a->log.p, a->log.len);
	buf_adds(r, ",\"_row\":{\"message_id\":");
	put_id(r, c->id, "null");
	buf_adds(r, ",\"user_id\":");
	put_id(r, c->user, "null");
	buf_adds(r, ",\"anonymous_id\":");
	put_id(r, c->anon, "null");
	buf_adds(r, ",\"email\":");
	put_str(r, c->email);
	buf_adds(r, ",\"audience_key\":");
	put_str(r, c->key);
	buf_adds(r, ",\"computation_id\":");
	put_str(r, c->computation);
	buf_adds(r, ",\"space_id\":");
	put_str(r, c->space);
	buf_printf(r, ",\"action\":\"%s\",\"timestamp\":%s}}", c->entered ? "entered" : "exited", c->ts);
	emit(ctx, r->p, r->len, 0, 0);

	buf_reset(r);
	buf_adds(r, "{\"_table\":");
	json_write_str(r, a->state.p, a->state.len);
	buf_adds(r, ",\"_row\":{\"audience_key\":");
	put_str(r, c->key);
	buf_adds(r, ",\"user_id\":");
	put_id(r, c->user, "\"\"");
	buf_adds(r, ",\"anonymous_id\":");
	put_id(r, c->anon, "\"\"");
	buf_adds(r, ",\"email\":");
	put_str(r, c->email);
	buf_adds(r, ",\"computation_id\":");
	put_str(r, c->computation);
	buf_adds(r, ",\"space_id\":");
	put_str(r, c->space);
	buf_printf(r, ",\"in_audience\":%s,\"message_id\":", c->entered ? "true" : "false");
	put_id(r, c->id, "null");
	buf_printf(r, ",\"timestamp\":%s}}", c->ts);
	emit(ctx, r->p, r->len, 0, 0);
}

const char *audiences_message(struct audiences *a, const struct json_members *m,
                              warehouse_emit_fn emit, void *ctx, int *mapped, char *detail, size_t dn)
{
	struct segmsg f;
	struct change c;
	segmsg_fields(m, &f);
	*mapped = 0;
	int found = find(a, &f, &c, detail, dn);
	if (found == 0)
		return NULL;
	if (found < 0 || check(a, &f, &c, detail, dn) < 0)
		return "bad_audience";
	const char *reason = warehouse_timestamp(&f, &a->key, c.ts, detail, dn);
	if (reason)
		return reason;
	if (!a->created)
		emit_ddl(a, emit, ctx);
	emit_rows(a, &c, emit, ctx);
	*mapped = 1;
	return NULL;
}
