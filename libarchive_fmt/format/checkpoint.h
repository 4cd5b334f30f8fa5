/*
 * checkpoint.h - the signed checkpoint text (spec section 6).
 */
#ifndef AFMT_CHECKPOINT_H
#define AFMT_CHECKPOINT_H

#include "common/internal.h"

typedef struct afmt_checkpoint {
    const char *title;   size_t title_len;  /* borrowed */
    int64_t created;
    uint64_t entries;
    uint8_t root[AFMT_HASH_BYTES];
    uint8_t index_hash[AFMT_HASH_BYTES];
} afmt_checkpoint;

/* Appends the checkpoint text to `out`. */
AFMT_INTERNAL int afmt_checkpoint_format(afmt_buf *out, const afmt_checkpoint *c, char *errbuf);
/* Parses and checks strictly; `title` then points into `text`. */
AFMT_INTERNAL int afmt_checkpoint_parse(afmt_checkpoint *c, const uint8_t *text, size_t len,
                                        char *errbuf);

#endif
