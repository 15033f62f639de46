/* audiences.h: seg-flatten's audiences layout: Segment Engage audience
 * changes into two tables.
 *
 *   audience_membership_log   one row per change: the message id, user id,
 *                             anonymous id, email, audience key, computation
 *                             and space ids, entered or exited, timestamp
 *   audience_membership       the current state per audience and person
 *                             (user id and anonymous id), newest wins
 *
 * An audience change is an Identify whose context.personas.computation_class
 * is "audience" (the key is context.personas.computation_key, and the trait
 * of that name is true when the person entered, false when they exited), or
 * a Track "Audience Entered" / "Audience Exited" with
 * properties.audience_key. Other messages are not this layout's: the caller
 * passes them on (seg-flatten --rest). */
#ifndef SEG_AUDIENCES_H
#define SEG_AUDIENCES_H
#include <stddef.h>

#include "buf.h"
#include "json.h"
#include "warehouse.h"

struct audiences;

/* audiences_new: prefix ("" for none) goes before both table names. */
struct audiences *audiences_new(const char *prefix);
void audiences_free(struct audiences *a);

/* audiences_message: map one message (members indexed in m). NULL and
 * *mapped 1: its records went out through emit; NULL and *mapped 0: not an
 * audience change, nothing emitted; else a reject reason with detail filled
 * (an audience change that lacks its key or state, or has no time). */
const char *audiences_message(struct audiences *a, const struct json_members *m,
                              warehouse_emit_fn emit, void *ctx, int *mapped, char *detail, size_t dn);

/* audiences_print_ddl: both CREATE TABLE statements, each with ";\n". */
void audiences_print_ddl(struct audiences *a, struct buf *out);
#endif
