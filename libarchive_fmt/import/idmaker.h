/*
 * idmaker.h - the importers' one maker of unique post ids: an id already
 * taken becomes the first of id#2, id#3, ... not taken yet.  Used for the
 * ids within one input (pushshift.c, mbox.c, json_doc.c for Reddit and
 * Hacker News) and for an id the writer refuses as taken by an earlier
 * input of the bundle.
 */
#ifndef AFMT_IMPORT_IDMAKER_H
#define AFMT_IMPORT_IDMAKER_H

#include <stddef.h>
#include <stdint.h>

#include "common/internal.h"
#include "common/set.h"

typedef struct afmt_idmaker {
    afmt_set set;      /* id -> its number; keys are read back from `keys` */
    afmt_buf keys;     /* every id taken, back to back */
    afmt_buf spans;    /* per id: u64 offset in keys, u64 length, u64 next k */
    uint32_t count;
    afmt_buf tmp;
} afmt_idmaker;

AFMT_INTERNAL int afmt_idmaker_init(afmt_idmaker *m);
AFMT_INTERNAL void afmt_idmaker_free(afmt_idmaker *m);
/* Picks the first of base, base "#2", base "#3", ... that no earlier call
 * returned (and, but for base itself, that is not reserved) and records it; many copies of one base cost linear time (each
 * base remembers the next k to try).  The maker must not move after init
 * (the set reads keys back through a pointer to it).  *out points into the
 * maker (valid until the next call).  AFMT_E_LIMIT when the id would exceed
 * AFMT_MAX_ID_BYTES; base_len must be at least 1.
 * A candidate the writer refused as a duplicate (an id taken by another
 * file of the same bundle) stays recorded, so calling afmt_idmaker_take
 * again with the same base gives the next one. */
AFMT_INTERNAL int afmt_idmaker_take(afmt_idmaker *m, const void *base, size_t base_len,
                                    const char **out, size_t *out_len);

/* Records that `id` is present in the input (issue 12, item 8): no rename
 * will ever be `id`, and the first afmt_idmaker_take of `id` itself still
 * gets it bare.  An importer that sees its whole input before naming
 * anything reserves every id first, so that a repeated id's id#k can never
 * be an id that comes later in the input (a reply's parent, say).  An
 * empty or over-long id is ignored (the writer refuses it). */
AFMT_INTERNAL int afmt_idmaker_reserve(afmt_idmaker *m, const void *id, size_t len);

/* Nonzero when `id` was taken or reserved. */
AFMT_INTERNAL int afmt_idmaker_has(const afmt_idmaker *m, const void *id, size_t len);

/* Sets *out to base "#k" (k >= 2).  AFMT_E_LIMIT when that exceeds
 * AFMT_MAX_ID_BYTES, AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_id_suffixed(afmt_buf *out, const void *base, size_t base_len, uint64_t k);

/* ---- records whose id was taken, kept for the end of the input ----
 *
 * A record whose id was taken when it was read (issue 12, item 8) waits
 * until every id of the input is known, so that its id#k is no id of the
 * input.  The queue is a buffer of records: ntags u64 tags (what the
 * importer needs to replay it), a u64 length, the bytes. */

/* At most this many bytes in the queue (tags and lengths included). */
#define AFMT_DEFER_MAX_BYTES ((size_t)256 << 20)

/* Appends a record.  AFMT_E_LIMIT (nothing appended) when the queue would
 * pass AFMT_DEFER_MAX_BYTES, AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_defer_push(afmt_buf *q, const uint64_t *tags, size_t ntags,
                                  const void *data, size_t len);

/* The record at *at (start with *at = 0), pushed with the same ntags: 1 with
 * tags, *data (pointing into q) and *len set and *at moved past it, 0 after
 * the last. */
AFMT_INTERNAL int afmt_defer_next(const afmt_buf *q, size_t *at, uint64_t *tags, size_t ntags,
                                  const uint8_t **data, size_t *len);

#endif
