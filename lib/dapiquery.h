/* dapiquery.h: one read query through the Data API's query endpoint (POST
 * /api/v2/query/rows), sent and waited for, transient failures retried: for
 * programs that read a few answers (seg-backfill verify), not for loading.
 * The client (lib/dataapi.h) must be set up with the query/rows URL. */
#ifndef SEG_DAPIQUERY_H
#define SEG_DAPIQUERY_H
#include <stddef.h>

#include "dataapi.h"
#include "json.h"
#include "retry.h"

/* dapi_query: send body (a JSON object {"sql":..,"args":[..]}; the
 * client's database is added) and wait for the answer, retrying
 * DAPI_TRANSIENT and DAPI_BAD_ANSWER under rp. r is the caller's (zeroed
 * before the first call; buf_free its body and resp after). DAPI_OK means
 * r->resp holds a whole query answer without an "error" member (see
 * dapi_query_rows); an answer cut at DAPI_RESP_MAX bytes is DAPI_TOO_LARGE,
 * one whose "error" came after its rows is DAPI_FAILED. */
enum dapi_outcome dapi_query(struct dapi_client *c, const struct retry_policy *rp, const char *body, size_t n,
                             struct dapi_req *r);

/* dapi_query_rows: the "rows" array of the first result of a query answer
 * {"results":[{"rows":[{..},..]}]}. 1 with *rows set; 0 when the answer
 * carries an "error" member; -1 when p is not a query answer. */
int dapi_query_rows(const char *p, size_t n, struct json_slice *rows);
#endif
