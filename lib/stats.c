/* stats.c: end-of-run counters, printed as a summary line and as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "json.h"
#include "stats.h"

void stats_init(struct stats *s)
{
	memset(s, 0, sizeof *s);
	s->start_ms = now_ms();
}

/* slot: find or create key among the main counters or the reasons. */
static uint64_t *slot(struct stats *s, int reason, const char *key)
{
	int *n = reason ? &s->nreason : &s->nmain;
	for (int i = 0; i < *n; i++) {
		char *k = reason ? s->reason[i].key : s->main[i].key;
		if (k[0] == key[0] && strcmp(k, key) == 0)   /* (once per line per stage: hot) */
			return reason ? &s->reason[i].v : &s->main[i].v;
	}
	if (*n == STATS_MAX)
		return NULL;
	int i = (*n)++;
	if (reason) {
		s->reason[i].key = xstrdup(key);
		s->reason[i].v = 0;
		return &s->reason[i].v;
	}
	s->main[i].key = xstrdup(key);
	s->main[i].v = 0;
	return &s->main[i].v;
}

void stats_add(struct stats *s, const char *key, uint64_t d)
{
	uint64_t *v = slot(s, 0, key);
	if (v)
		*v += d;
}

void stats_reason(struct stats *s, const char *reason, uint64_t d)
{
	uint64_t *v = slot(s, 1, reason);
	if (v)
		*v += d;
}

uint64_t stats_get(const struct stats *s, const char *key)
{
	for (int i = 0; i < s->nmain; i++)
		if (strcmp(s->main[i].key, key) == 0)
			return s->main[i].v;
	return 0;
}

void stats_summary(const struct stats *s, int quiet)
{
	if (quiet)
		return;
	struct buf b = BUF_INIT;
	for (int i = 0; i < s->nmain; i++)
		buf_printf(&b, "%s%llu %s", i ? ", " : "", (unsigned long long)s->main[i].v, s->main[i].key);
	for (int i = 0; i < s->nreason; i++)
		buf_printf(&b, "%s%s %llu", i ? ", " : " (", s->reason[i].key, (unsigned long long)s->reason[i].v);
	if (s->nreason)
		buf_addc(&b, ')');
	fprintf(cli_err(), "%s: %s\n", progname, buf_cstr(&b));
	buf_free(&b);
}

int stats_write(const struct stats *s, const char *path)
{
	return stats_write_with(s, path, NULL, 0);
}

int stats_write_with(const struct stats *s, const char *path, const char *extra, size_t n)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"program\":");
	json_write_str(&b, progname, strlen(progname));
	for (int i = 0; i < s->nmain; i++) {
		buf_addc(&b, ',');
		json_write_str(&b, s->main[i].key, strlen(s->main[i].key));
		buf_printf(&b, ":%llu", (unsigned long long)s->main[i].v);
	}
	buf_adds(&b, ",\"reasons\":{");
	for (int i = 0; i < s->nreason; i++) {
		if (i)
			buf_addc(&b, ',');
		json_write_str(&b, s->reason[i].key, strlen(s->reason[i].key));
		buf_printf(&b, ":%llu", (unsigned long long)s->reason[i].v);
	}
	buf_addc(&b, '}');
	if (n)
		buf_add(&b, extra, n);
	buf_printf(&b, ",\"seconds\":%.3f}\n", (double)(now_ms() - s->start_ms) / 1000.0);
	int to_stdout = strcmp(path, "-") == 0;
	FILE *f = to_stdout ? stdout : fopen(path, "w");
	int rc = -1;
	if (f) {
		size_t w = fwrite(b.p, 1, b.len, f);
		int end = to_stdout ? fflush(f) : fclose(f);
		rc = (end == 0 && w == b.len) ? 0 : -1;
	}
	buf_free(&b);
	return rc;
}

void stats_free(struct stats *s)
{
	for (int i = 0; i < s->nmain; i++)
		free(s->main[i].key);
	for (int i = 0; i < s->nreason; i++)
		free(s->reason[i].key);
	s->nmain = s->nreason = 0;
}

/* load_members: the numbers of obj into main (reasons 0) or reason (1). */
static void load_members(struct stats *s, struct json_slice obj, int reasons)
{
	struct json_iter it;
	struct json_slice k, v;
	struct buf key = BUF_INIT;
	json_iter_init(&it, obj);
	while (json_iter_next(&it, &k, &v)) {
		buf_reset(&key);
		json_str_decode(k, &key);
		if (v.type == JSON_OBJECT && !reasons && strcmp(buf_cstr(&key), "reasons") == 0) {
			load_members(s, v, 1);
			continue;
		}
		if (v.type != JSON_NUMBER)
			continue;
		uint64_t n = strtoull(v.p, NULL, 10);
		if (reasons)
			stats_reason(s, buf_cstr(&key), n);
		else
			stats_add(s, buf_cstr(&key), n);
	}
	buf_free(&key);
}

int stats_load(struct stats *s, const char *path)
{
	stats_init(s);
	struct buf b = BUF_INIT;
	if (buf_read_file(&b, path) < 0) {
		buf_free(&b);
		return -1;
	}
	while (b.len && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == ' '))
		b.len--;
	struct json_error e;
	int rc = -1;
	if (b.len && json_parse(b.p, b.len, 0, NULL, &e) == 0 && json_type_at(b.p, b.p + b.len) == JSON_OBJECT) {
		load_members(s, json_value(b.p, b.p + b.len), 0);
		rc = 0;
	}
	buf_free(&b);
	return rc;
}
