/*
 * withholding.h - withheld entries and the withholding statement (spec
 * 12.1, and kind 0x03 of 12.2): an entry replaced by its leaf, and the
 * C2SP signed note by the withholder that names the rewritten index head.
 */
#ifndef AFMT_WITHHOLDING_H
#define AFMT_WITHHOLDING_H

#include "common/internal.h"
#include "format/note.h"

#define AFMT_ENTRY_TYPE_WITHHELD 0x03
/* type, the type it had, its leaf */
#define AFMT_WITHHELD_OFF_TYPE 1
#define AFMT_WITHHELD_OFF_LEAF 2
#define AFMT_WITHHELD_BYTES (AFMT_WITHHELD_OFF_LEAF + AFMT_HASH_BYTES)

/* Appends a withheld entry for an entry of type `old_type` whose leaf is
 * `leaf` (spec 12.1). */
AFMT_INTERNAL int afmt_withheld_encode(afmt_buf *out, uint8_t old_type,
                                       const uint8_t leaf[AFMT_HASH_BYTES]);

/* Checks a withheld entry's layout: exactly AFMT_WITHHELD_BYTES, the old
 * type a post or a file (AFMT_E_FORMAT). */
AFMT_INTERNAL int afmt_withheld_check(const uint8_t *enc, size_t len, char *errbuf);

/* The leaf of an entry record (spec 9 and 12.1): H(0x00 || encoding), or
 * the stored leaf of a withheld entry (checked already). */
AFMT_INTERNAL void afmt_record_leaf(uint8_t out[AFMT_HASH_BYTES], const uint8_t *enc,
                                    size_t len);

/* A withholding statement (spec 12.2 kind 0x03), decoded. */
typedef struct afmt_withholding {
    uint8_t index_hash[AFMT_HASH_BYTES]; /* the new index head */
    uint8_t key_id[AFMT_KEYID_BYTES];    /* the withholder's, from its key name */
    uint8_t key[AFMT_PUBLICKEY_BYTES];
    uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES];
} afmt_withholding;

/* Appends the whole record (kind, length, body) stating that the index of
 * the bundle whose checkpoint is `checkpoint` is now `index_hash`, signed
 * by `sk`. */
AFMT_INTERNAL int afmt_withholding_encode(afmt_buf *out, const uint8_t *checkpoint,
                                          size_t cp_len,
                                          const uint8_t index_hash[AFMT_HASH_BYTES],
                                          const afmt_secret_key *sk, char *errbuf);

/* Decodes a statement's body against the checkpoint it is about and
 * verifies its signature: AFMT_E_FORMAT for a body that is not exactly the
 * note the spec gives (its origin, entry count and root those of the
 * checkpoint), AFMT_E_BAD_SIGNATURE when the signature does not verify. */
AFMT_INTERNAL int afmt_withholding_check(afmt_withholding *w, const uint8_t *body, size_t len,
                                         const uint8_t *checkpoint, size_t cp_len,
                                         char *errbuf);

#endif
