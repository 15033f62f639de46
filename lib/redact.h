/* redact.h: credentials out of text that a program writes (error text a
 * server sent back, copied into results, the failed file and diagnostics).
 * Two passes over the text: the caller's known secrets (a password, a token,
 * the base64 of "user:password") are replaced wherever they occur, and so is
 * whatever follows a credential marker ("Authorization:", "Basic ",
 * "Bearer ", "password=", "token:", ...) up to the next space, quote, comma,
 * semicolon or ampersand. Each replaced span becomes "[redacted]". */
#ifndef SEG_REDACT_H
#define SEG_REDACT_H
#include <stddef.h>

#include "buf.h"

#define REDACTED "[redacted]"
/* Secrets shorter than this are not searched for as literals (a one-letter
 * password would blank every such letter); the markers still apply. */
#define REDACT_MIN_SECRET 4

/* redact_text: append p[0..n) to out, redacted. secrets is a NULL-terminated
 * list (NULL for none; NULL or empty entries are skipped). */
void redact_text(struct buf *out, const char *p, size_t n, const char *const *secrets);
#endif
