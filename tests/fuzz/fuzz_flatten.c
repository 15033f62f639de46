/* fuzz_flatten.c: libFuzzer harness for seg-flatten's core. Any text that
 * json_parse accepts as an object goes through the PII edits (lib/jpath) and
 * both layouts (lib/tablelayout) without a crash; an edited text is valid JSON
 * again (its top-level index equal to json_parse's), and every row record
 * made is valid JSON; so is every record of the warehouse and audiences
 * layouts (lib/warehouse, lib/audiences), whose schema grows across inputs
 * (bounded: a fresh one every 1000 inputs). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpath.h"
#include "json.h"
#include "rowrecord.h"
#include "tablelayout.h"
#include "audiences.h"
#include "warehouse.h"

static void check_valid(const struct buf *b)
{
	if (json_parse(b->p, b->len, 0, NULL, NULL) < 0)
		abort();
}

static void check_record(void *ctx, const char *rec, size_t n, int is_ddl, int is_discard)
{
	(void)ctx, (void)is_ddl, (void)is_discard;
	if (json_parse(rec, n, 0, NULL, NULL) < 0)
		abort();
}

static void other_layouts(const char *p, size_t size, const struct json_members *m)
{
	static struct warehouse *w;
	static struct audiences *a;
	static unsigned runs;
	char detail[256];
	int mapped;
	if (runs++ % 1000 == 0) {
		warehouse_free(w);
		audiences_free(a);
		w = warehouse_new(runs % 2 ? "" : "pre", runs % 3 ? 256 : 16);
		a = audiences_new("");
	}
	warehouse_message(w, p, size, m, check_record, NULL, detail, sizeof detail);
	audiences_message(a, m, check_record, NULL, &mapped, detail, sizeof detail);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_members m, m2, check;
	static struct jpath jp;
	static struct buf edited, row, scratch;
	static int init;
	const char *p = (const char *)data;
	char detail[256];
	if (!init) {
		static const char *const drops[] = { "a", "context.ip", "b.c", "p.x.y" };
		static const char *const hashes[] = { "e", "context.traits.email", "h.k" };
		const char *why;
		jpath_init(&jp);
		jpath_set_salt(&jp, "s", 1);
		for (size_t i = 0; i < sizeof drops / sizeof *drops; i++)
			jpath_add(&jp, drops[i], JPATH_DROP, &why);
		for (size_t i = 0; i < sizeof hashes / sizeof *hashes; i++)
			jpath_add(&jp, hashes[i], JPATH_HASH, &why);
		jpath_add(&jp, "r", JPATH_REDACT, &why);
		jpath_add(&jp, "b.r", JPATH_REDACT, &why);
		init = 1;
	}
	if (json_parse(p, size, 64, &m, NULL) < 0 || json_type_at(p + strspn(p, " \t\r\n"), p + size) != JSON_OBJECT)
		return 0;
	long e = jpath_apply(&jp, p, size, &m, &edited, &m2);
	if (e > 0) {
		check_valid(&edited);
		p = edited.p;
		size = edited.len;
		if (json_parse(p, size, 64, &check, NULL) < 0 || check.n != m2.n)
			abort();
		for (size_t i = 0; i < check.n; i++)
			if (check.m[i].key.p != m2.m[i].key.p || check.m[i].key.n != m2.m[i].key.n ||
			    check.m[i].val.p != m2.m[i].val.p || check.m[i].val.n != m2.m[i].val.n ||
			    check.m[i].val.type != m2.m[i].val.type)
				abort();
		struct json_members t = m;
		m = m2;
		m2 = t;
	}
	for (int layout = 0; layout < 2; layout++)
		for (int ddl = 0; ddl < 2; ddl++) {
			struct tablelayout l;
			struct rowfmt rf;
			size_t n;
			tablelayout_get(layout ? "raw" : "segment_data", ddl ? SEG_DDL_COMPAT : SEG_DDL_RECOMMENDED, &l);
			const char *const *names = tablelayout_column_names(&l, &n);
			rowfmt_init(&rf, l.table, names, n);
			buf_reset(&row);
			if (!tablelayout_row(&l, &rf, p, size, &m, &row, &scratch, detail, sizeof detail))
				check_valid(&row);
			else if (row.len)
				abort();
			rowfmt_free(&rf);
		}
	other_layouts(p, size, &m);
	return 0;
}
