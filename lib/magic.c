/* magic.c: the table of binary formats told by their first bytes. */
#include <string.h>

#include "magic.h"

static const struct {
	size_t off, len;
	const char *bytes;
	struct magic m;
} table[] = {
	{ 0, 2, "\x1f\x8b", { "gzip", MAGIC_FILTER } },
	{ 0, 3, "BZh", { "bzip2", MAGIC_FILTER } },
	{ 0, 6, "\xFD" "7zXZ\0", { "xz", MAGIC_FILTER } },
	{ 0, 4, "\x28\xB5\x2F\xFD", { "zstd", MAGIC_FILTER } },
	{ 0, 4, "\x04\x22\x4D\x18", { "lz4", MAGIC_FILTER } },
	{ 0, 4, "\x02\x21\x4C\x18", { "lz4", MAGIC_FILTER } },      /* legacy lz4 */
	{ 0, 4, "PK\3\4", { "zip", MAGIC_ARCHIVE } },
	{ 0, 4, "PK\5\6", { "zip", MAGIC_ARCHIVE } },               /* empty zip */
	{ 0, 6, "7z\xBC\xAF\x27\x1C", { "7-zip", MAGIC_ARCHIVE } },
	{ 0, 6, "070701", { "cpio", MAGIC_ARCHIVE } },
	{ 0, 6, "070702", { "cpio", MAGIC_ARCHIVE } },
	{ 0, 6, "070707", { "cpio", MAGIC_ARCHIVE } },
	{ 257, 5, "ustar", { "tar", MAGIC_ARCHIVE } },             /* POSIX and GNU tar */
	{ 0, 4, "PAR1", { "Parquet", MAGIC_OTHER } },
};

const struct magic *magic_find(const void *p, size_t n)
{
	const char *s = p;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (n >= table[i].off + table[i].len &&
		    memcmp(s + table[i].off, table[i].bytes, table[i].len) == 0)
			return &table[i].m;
	return NULL;
}
