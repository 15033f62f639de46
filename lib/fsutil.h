/* fsutil.h: small file-system helpers: mkdir -p, joining two path parts,
 * a temporary folder, and the first line of a file (a log's message for a diagnostic). */
#ifndef SEG_FSUTIL_H
#define SEG_FSUTIL_H
#include <stddef.h>

/* fs_mkdir_p: create path and its missing parents (mode 0755). 0, or -1
 * with errno set. */
int fs_mkdir_p(const char *path);
/* fs_join: "a/b", malloc'd. */
char *fs_join(const char *a, const char *b);
/* fs_mkdtemp: a new private folder $TMPDIR/prefix.XXXXXX (/tmp without
 * TMPDIR), malloc'd; NULL with errno set on failure. */
char *fs_mkdtemp(const char *prefix);
/* fs_first_line: the first line of path without its newline, truncated to
 * fit out; "" when the file is missing or empty. */
void fs_first_line(const char *path, char *out, size_t n);
#endif
