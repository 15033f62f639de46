/* test_jpath.c: a table of rules, input objects and the exact edited text;
 * path syntax errors; the nesting limit. */
#include <stdlib.h>

#include "sha256.h"
#include "jpath.h"
#include "unit.h"

/* rules: space-separated "op:path" with op d (drop), r (redact), h (hash).
 * want NULL: the text is unchanged (jpath_apply returns 0). */
static const struct { const char *rules, *in, *want; } cases[] = {
	{ "d:a", "{\"a\":1,\"b\":2}", "{\"b\":2}" },
	{ "d:b", "{\"a\":1,\"b\":2}", "{\"a\":1}" },
	{ "d:a d:b", "{\"a\":1,\"b\":2}", "{}" },
	{ "d:b", "{\"a\":1,\"b\":2,\"c\":3}", "{\"a\":1,\"c\":3}" },
	{ "d:a d:c", "{ \"a\" : 1 , \"b\" : 2 , \"c\" : 3 }", "{ \"b\" : 2 }" },
	{ "d:a d:b", "{ \"a\":1, \"b\":2, \"c\":3 }", "{ \"c\":3 }" },
	{ "d:b d:c", "{ \"a\":1, \"b\":2, \"c\":3 }", "{ \"a\":1 }" },
	{ "d:a", "{\"a\":1}", "{}" },
	{ "d:a", " {\"a\":1,\"b\":2} ", " {\"b\":2} " },
	{ "d:x", "{\"a\":1,\"b\":2}", NULL },
	{ "d:a.x", "{\"a\":1,\"b\":2}", NULL },
	{ "d:a.x", "{\"a\":\"s\"}", NULL },
	{ "d:a", "{}", NULL },
	{ "d:a", "{\"a\":1,\"b\":2,\"a\":3}", "{\"b\":2}" },
	{ "d:context.ip", "{\"context\":{\"ip\":\"8.8.8.8\",\"os\":{\"n\":1}},\"x\":325.29}",
	  "{\"context\":{\"os\":{\"n\":1}},\"x\":325.29}" },
	{ "d:context.ip d:context.os", "{\"context\":{\"ip\":\"8.8.8.8\",\"os\":{}},\"x\":1}",
	  "{\"context\":{},\"x\":1}" },
	{ "r:context.traits.email", "{\"context\":{\"traits\":{\"email\":\"a@b.c\",\"n\":1e5}}}",
	  "{\"context\":{\"traits\":{\"email\":null,\"n\":1e5}}}" },
	{ "r:a", "{\"a\":null}", NULL },
	{ "r:a", "{\"a\":{\"deep\":[1,2]},\"b\":\"\\u00e9\"}", "{\"a\":null,\"b\":\"\\u00e9\"}" },
	{ "r:p.user.phone", "{\"p\":{\"user\":[{\"phone\":\"1\"},{\"x\":2},{\"phone\":\"3\"},7]}}",
	  "{\"p\":{\"user\":[{\"phone\":null},{\"x\":2},{\"phone\":null},7]}}" },
	{ "d:p.phone", "{\"p\":[[{\"phone\":1,\"k\":2}],[]]}", "{\"p\":[[{\"k\":2}],[]]}" },
	{ "d:em\\.ail", "{\"em.ail\":1,\"email\":2}", "{\"email\":2}" },
	{ "d:email", "{\"em\\u0061il\":1,\"b\":2}", "{\"b\":2}" },
	{ "d:a\\\\b", "{\"a\\\\b\":1,\"b\":2}", "{\"b\":2}" },
	{ "r:a d:a.b", "{\"a\":{\"b\":1}}", "{\"a\":null}" },
	{ "d:a.b r:c", "{\"a\":{\"b\":1,\"k\":true},\"c\":false}", "{\"a\":{\"k\":true},\"c\":null}" },
	/* hashes: SHA-256 of "salt" followed by the value, see hash_of() */
	{ "h:e", "{\"e\":\"a@b.com\"}", "{\"e\":\"#a@b.com\"}" },
	{ "h:e", "{\"e\":\"a\\u0040b.com\"}", "{\"e\":\"#a@b.com\"}" },
	{ "h:e", "{\"e\":12.50}", "{\"e\":\"#12.50\"}" },
	{ "h:e", "{\"e\":null}", NULL },
	{ "h:e", "{\"e\":[\"a@b.com\",null,[\"x\"]]}", "{\"e\":[\"#a@b.com\",null,[\"#x\"]]}" },
	{ "h:e", "{\"e\":{\"k\":1}}", "{\"e\":\"#{\\\"k\\\":1}\"}" },
};

/* expand: replace each "#value" (up to the closing quote) in want by the hex
 * hash of "salt" + value, computed independently of jpath. */
static void expand(const char *want, struct buf *out)
{
	buf_reset(out);
	for (const char *s = want; *s; s++) {
		if (*s != '#') {
			buf_addc(out, *s);
			continue;
		}
		struct buf v = BUF_INIT;
		s++;
		while (*s && !(*s == '"' && s[-1] != '\\')) {
			if (*s == '\\' && s[1] == '"')
				s++;
			buf_addc(&v, *s++);
		}
		unsigned char md[32];
		char hex[65];
		sha256_2("salt", 4, v.p, v.len, md);
		hex_encode(md, 32, hex);
		buf_adds(out, hex);
		buf_addc(out, '"');
		buf_free(&v);
	}
}

/* same_index: does idx equal json_parse's index of the edited text? */
static int same_index(const struct buf *text, const struct json_members *idx)
{
	struct json_members m = { 0 };
	int same = json_parse(text->p, text->len, 0, &m, NULL) == 0 && m.n == idx->n;
	for (size_t i = 0; same && i < m.n; i++)
		same = m.m[i].key.p == idx->m[i].key.p && m.m[i].key.n == idx->m[i].key.n &&
		       m.m[i].val.p == idx->m[i].val.p && m.m[i].val.n == idx->m[i].val.n &&
		       m.m[i].val.type == idx->m[i].val.type && idx->m[i].key.type == JSON_STRING;
	json_members_free(&m);
	return same;
}

static void add_rules(struct jpath *jp, const char *rules)
{
	char *copy = xstrdup(rules);
	for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
		const char *why;
		enum jpath_op op = tok[0] == 'd' ? JPATH_DROP : tok[0] == 'r' ? JPATH_REDACT : JPATH_HASH;
		if (jpath_add(jp, tok + 2, op, &why) < 0)
			printf("# rule %s: %s\n", tok, why);
	}
	free(copy);
}

int main(void)
{
	struct buf out = BUF_INIT, want = BUF_INIT;
	struct json_members newtop = { 0 };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct jpath jp;
		jpath_init(&jp);
		jpath_set_salt(&jp, "salt", 4);
		add_rules(&jp, cases[i].rules);
		long n = jpath_apply(&jp, cases[i].in, strlen(cases[i].in), NULL, &out, &newtop);
		if (!cases[i].want) {
			is_int(n, 0, "%s on %s: unchanged", cases[i].rules, cases[i].in);
		} else {
			expand(cases[i].want, &want);
			ok(n > 0, "%s on %s: edited", cases[i].rules, cases[i].in);
			is_str(buf_cstr(&out), buf_cstr(&want), "%s on %s", cases[i].rules, cases[i].in);
			ok(same_index(&out, &newtop), "%s on %s: new index", cases[i].rules, cases[i].in);
		}
		jpath_free(&jp);
	}

	/* the top-level index of json_parse gives the same result */
	{
		const char *in = "{\"a\":1, \"context\":{\"ip\":\"x\",\"k\":2},\"b\":[1]}";
		struct json_members m = { 0 };
		struct jpath jp;
		jpath_init(&jp);
		add_rules(&jp, "d:a d:context.ip");
		ok(json_parse(in, strlen(in), 0, &m, NULL) == 0, "parse for index");
		is_int(jpath_apply(&jp, in, strlen(in), &m, &out, &newtop), 2, "two edits with an index");
		is_str(buf_cstr(&out), "{\"context\":{\"k\":2},\"b\":[1]}", "indexed edit");
		ok(same_index(&out, &newtop), "indexed edit: new index");
		json_members_free(&m);
		jpath_free(&jp);
	}

	/* path errors */
	static const char *const bad[] = { "", ".a", "a.", "a..b", "a\\b", "a\\" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct jpath jp;
		const char *why = NULL;
		jpath_init(&jp);
		ok(jpath_add(&jp, bad[i], JPATH_DROP, &why) < 0 && why, "path '%s' refused (%s)", bad[i],
		   why ? why : "");
		jpath_free(&jp);
	}
	{
		struct jpath jp;
		const char *why = NULL;
		jpath_init(&jp);
		ok(jpath_add(&jp, "a.b", JPATH_DROP, &why) == 0, "a.b accepted");
		ok(jpath_add(&jp, "a.b", JPATH_HASH, &why) < 0, "a.b twice refused");
		ok(jpath_has_op(&jp, JPATH_DROP) && !jpath_has_op(&jp, JPATH_HASH), "has_op");
		jpath_free(&jp);
	}

	/* arrays nested beyond the limit fail instead of recursing on */
	{
		struct buf in = BUF_INIT;
		struct jpath jp;
		jpath_init(&jp);
		add_rules(&jp, "d:a.b");
		buf_adds(&in, "{\"a\":");
		for (int i = 0; i < 100000; i++)
			buf_addc(&in, '[');
		for (int i = 0; i < 100000; i++)
			buf_addc(&in, ']');
		buf_addc(&in, '}');
		is_int(jpath_apply(&jp, in.p, in.len, NULL, &out, NULL), -1, "100000 nested arrays: -1");
		buf_reset(&in);
		buf_adds(&in, "{\"a\":");
		for (int i = 0; i < 200; i++)
			buf_addc(&in, '[');
		buf_adds(&in, "{\"b\":1}");
		for (int i = 0; i < 200; i++)
			buf_addc(&in, ']');
		buf_addc(&in, '}');
		is_int(jpath_apply(&jp, in.p, in.len, NULL, &out, NULL), 1, "200 nested arrays: edited");
		jpath_free(&jp);
		buf_free(&in);
	}
	buf_free(&out);
	buf_free(&want);
	json_members_free(&newtop);
	return done();
}
