/*
 * checkpoint.h - the signed checkpoint text (spec section 6): a C2SP
 * tlog-checkpoint note text (origin, entry count, base64 root) with afmt's
 * extension lines (format, title, created, index head hash).
 */
#ifndef AFMT_CHECKPOINT_H
#define AFMT_CHECKPOINT_H

#include "common/internal.h"

/* "afmt/" KEYID (16 upper-case hex, as minisign prints it) "/" 32 hex */
#define AFMT_ORIGIN_BYTES 54

typedef struct afmt_checkpoint {
    const char *origin;  size_t origin_len; /* borrowed */
    const char *title;   size_t title_len;  /* borrowed */
    int64_t created;
    uint64_t entries;
    uint8_t root[AFMT_HASH_BYTES];
    uint8_t index_hash[AFMT_HASH_BYTES];
} afmt_checkpoint;

/* Appends the checkpoint text to `out`. */
AFMT_INTERNAL int afmt_checkpoint_format(afmt_buf *out, const afmt_checkpoint *c, char *errbuf);
/* Parses and checks strictly; `origin` and `title` then point into `text`. */
AFMT_INTERNAL int afmt_checkpoint_parse(afmt_checkpoint *c, const uint8_t *text, size_t len,
                                        char *errbuf);
/* The origin of the log whose first capture was signed by (key_id, pk)
 * with this creation time, entry count and root (spec 6.1):
 *   "afmt/" KEYID "/" hex(H("afmt origin v2" 0x00 || pk || i64(created) ||
 *                           u64(entries) || root)[0..16))
 * into out (AFMT_ORIGIN_BYTES and a NUL). */
AFMT_INTERNAL void afmt_checkpoint_origin(char out[AFMT_ORIGIN_BYTES + 1],
                                          const uint8_t key_id[AFMT_KEYID_BYTES],
                                          const uint8_t pk[AFMT_PUBLICKEY_BYTES], int64_t created,
                                          uint64_t entries, const uint8_t root[AFMT_HASH_BYTES]);

#endif
