/* seglimits.h: the limits every stage of the pipe must agree on, in one place,
 * so that what an earlier stage passes later stages carry and the target
 * stores, or the earliest stage rejects it with its own reason.
 *
 * Depth is the nesting of objects and arrays as json_parse counts it
 * ({} and [] are 1, {"a":{}} is 2). */
#ifndef SEG_SEGLIMITS_H
#define SEG_SEGLIMITS_H

#include "json.h"

/* SEG_JSON_DEPTH: the deepest message the toolkit loads by default
 * (seg-validate's and seg-flatten's --max-depth, reason too_deep). A
 * message's JSON columns nest at most this deep in every layout (raw stores
 * the message itself), and the targets store that: MariaDB's JSON check
 * (json_valid, MariaDB before 12.2, behind s2-gateway) refuses 32;
 * SingleStore documents no depth limit for JSON (a value is bounded by
 * max_allowed_packet only), so a user whose target is SingleStore alone may
 * raise --max-depth up to SEG_DEPTH_MAX. */
#define SEG_JSON_DEPTH 31

/* SEG_DEPTH_MAX: the largest --max-depth a message stage accepts; the later
 * stages carry that plus the levels their records wrap a message in. */
#define SEG_DEPTH_MAX JSON_DEPTH_DEFAULT
/* a row record, {"_table":..,"_row":{"message":MSG}}, adds 2 */
#define SEG_ROW_DEPTH (SEG_DEPTH_MAX + 2)
/* a batch body, {"sql":..,"args":[..,MSG]}, adds 2; its batch record 3 */
#define SEG_BODY_DEPTH (SEG_DEPTH_MAX + 2)
#define SEG_BATCH_DEPTH (SEG_DEPTH_MAX + 3)

/* SEG_MESSAGE_ID_CHARS: the one limit on messageId, in characters
 * (seg-validate, reason message_id_too_long): what every table layout holds,
 * so that an id seg-validate passes is never refused later. The recommended
 * column is VARBINARY(1020), 255 characters of up to 4 bytes (tablelayout,
 * checked in bytes by seg-flatten with the same reason); --ddl compat's raw
 * column is VARCHAR(255). Segment's Tracking API takes at most 100 characters
 * (its support's word; segment-docs issue 5924), but archives hold the ids
 * of older and non-conforming senders, and refusing an id the table stores
 * would lose the event for nothing. */
#define SEG_MESSAGE_ID_CHARS 255

/* Segment's Tracking API (reference/tracking-api.md): a message (a single
 * call or a batch item) at most 32 KB, a batch request at most 500 KB, both
 * answered 400 above; at most 2,500 messages per batch, the rest dropped
 * with a 200. analytics-node keeps its batches under 480 KB; seg-send does
 * too by default. */
#define SEG_TRACK_MESSAGE_MAX 32768
#define SEG_TRACK_REQUEST_MAX (500 * 1024)
#define SEG_TRACK_BATCH_SAFE (480 * 1024)
#define SEG_TRACK_BATCH_COUNT 2500
#endif
