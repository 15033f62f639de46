/* segspec.h: the Segment message rules (reference/segment.md) as one check
 * over a parsed message. The verdict is a stable reason code plus a detail
 * precise enough to fix the data. Shared by seg-validate and anything else
 * that must tell a Segment message from something that only looks like one. */
#ifndef SEG_SEGSPEC_H
#define SEG_SEGSPEC_H
#include <stddef.h>

#include "json.h"

struct segspec_opts {
	int allow_numeric_ids;     /* ids may be JSON numbers (old senders) */
	int require_message_id;    /* default 1 */
	int require_timestamp;     /* default 1 */
	unsigned types;            /* bit set of SEG_T_*; 0 = all six */
};

enum { SEG_T_TRACK = 1, SEG_T_IDENTIFY = 2, SEG_T_PAGE = 4, SEG_T_SCREEN = 8,
       SEG_T_GROUP = 16, SEG_T_ALIAS = 32, SEG_T_ALL = 63 };

/* The fields the rules look at, found in one pass over the top-level members. */
struct segmsg {
	struct json_slice type, message_id, user_id, anonymous_id, event, name,
		group_id, previous_id, properties, traits, context, integrations,
		timestamp, original_timestamp, sent_at, received_at;
};

void segspec_defaults(struct segspec_opts *o);
/* segspec_type_bits: parse a comma list of type names; -1 on an unknown one. */
int segspec_type_bits(const char *list, unsigned *bits);
/* segmsg_fields: pick the known fields out of a member index. */
void segmsg_fields(const struct json_members *m, struct segmsg *f);
/* segspec_check: NULL if the message follows the rules, else a reason code
 * (a static string) with detail[0..n) filled. */
const char *segspec_check(const struct segmsg *f, const struct segspec_opts *o,
                          char *detail, size_t n);
#endif
