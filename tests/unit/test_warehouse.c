/* test_warehouse.c: warehouse_merge, the union of two schema state files
 * (seg-backfill's promotion): a column known to either is known; a column
 * typed twice keeps the first type and is reported. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "warehouse.h"

static int conflicts;
static char said[200];

static void conflict(void *ctx, const char *table, const char *column, const char *kept, const char *dropped)
{
	(void)ctx;
	conflicts++;
	snprintf(said, sizeof said, "%s.%s %s %s", table, column, kept, dropped);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	static char b[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(b, 1, sizeof b - 1, f) : 0;
	b[n] = '\0';
	if (f)
		fclose(f);
	return b;
}

int main(void)
{
	char dir[] = "/tmp/test_warehouse.XXXXXX", a[64], b[64], out[64], why[300];
	if (!mkdtemp(dir))
		return 1;
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	put(a, "{\"table\":\"e\",\"kind\":\"event\",\"columns\":[[\"p\",\"bigint\"],[\"q\",\"text\"]]}\n");
	put(b, "{\"table\":\"e\",\"kind\":\"event\",\"columns\":[[\"p\",\"text\"],[\"r\",\"boolean\"]]}\n"
	       "{\"table\":\"f\",\"kind\":\"event\",\"columns\":[[\"x\",\"double\"]]}\n");
	struct warehouse *w = warehouse_new("", 256);
	is_int(warehouse_load(w, a, why, sizeof why), 0, "load a");
	is_int(warehouse_merge(w, b, conflict, NULL, why, sizeof why), 0, "merge b");
	is_int(conflicts, 1, "one column typed twice");
	is_str(said, "e.p bigint text", "told table, column, the type kept, the type dropped");
	is_int(warehouse_save(w, out), 0, "save");
	is_str(slurp(out),
	       "{\"table\":\"e\",\"kind\":\"event\",\"columns\":[[\"p\",\"bigint\"],[\"q\",\"text\"],[\"r\",\"boolean\"]]}\n"
	       "{\"table\":\"f\",\"kind\":\"event\",\"columns\":[[\"x\",\"double\"]]}\n",
	       "the union, the first type kept");
	put(b, "not json\n");
	ok(warehouse_merge(w, b, conflict, NULL, why, sizeof why) < 0, "a bad file is an error: %s", why);
	warehouse_free(w);
	unlink(a);
	unlink(b);
	unlink(out);
	rmdir(dir);
	return done();
}
