/* idcheck.h: which of a stream of ids a table lacks, asked through the Data
 * API (lib/dapiquery.h) in chunks:
 *   SELECT HEX(`col`) AS h FROM `table` WHERE `col` IN (?, ..., ?)
 * with the ids as placeholders (never in the SQL text). HEX, not the column
 * itself: the Data API returns a binary column (messageId is VARBINARY in
 * the recommended DDL) base64-encoded and a text one as a string; HEX reads
 * both the same way and compares bytes exactly. A chunk holds at most
 * IDCHECK_CHUNK ids and no more than fits in the client's answer buffer
 * (DAPI_RESP_MAX): memory is one chunk, whatever the number of ids. Ids are
 * given once each (the caller removes repeats). Used by seg-backfill verify. */
#ifndef SEG_IDCHECK_H
#define SEG_IDCHECK_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dapiquery.h"

#define IDCHECK_CHUNK 500

struct idcheck {
	struct dapi_client *api;
	const struct retry_policy *rp;
	const char *table, *column;
	void (*missing)(void *ctx, const char *id, size_t n);   /* per id not in the table */
	void *ctx;
	struct buf ids;          /* the chunk's ids, back to back */
	size_t off[IDCHECK_CHUNK + 1];
	unsigned char found[IDCHECK_CHUNK];
	size_t n, answer;        /* ids in the chunk; answer bytes they may take */
	uint64_t present, absent, queries;
	struct dapi_req req;
	struct buf body, hex;
	char err[400];           /* why idcheck_add/idcheck_flush failed */
};

void idcheck_init(struct idcheck *k, struct dapi_client *api, const struct retry_policy *rp,
                  const char *table, const char *column,
                  void (*missing)(void *ctx, const char *id, size_t n), void *ctx);
/* idcheck_add: one id (1..1020 bytes); it may send the chunk. DAPI_OK, or
 * the outcome that stopped it with err filled. */
enum dapi_outcome idcheck_add(struct idcheck *k, const char *id, size_t n);
/* idcheck_flush: ask about the ids still held. */
enum dapi_outcome idcheck_flush(struct idcheck *k);
void idcheck_free(struct idcheck *k);
#endif
