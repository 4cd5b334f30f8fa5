/*
 * attestation.h - the records after note_sig in the signature section
 * (spec 12.2): statements by others about the checkpoint.  Here: the
 * framing every reader checks (kinds, order, counts, duplicates) and the
 * cosignature (kind 0x01, c2sp.org/tlog-cosignature).  Each other kind is
 * decoded and verified in its own file.
 */
#ifndef AFMT_ATTESTATION_H
#define AFMT_ATTESTATION_H

#include "common/internal.h"
#include "format/note.h"

#define AFMT_ATTEST_COSIGNATURE 0x01
#define AFMT_ATTEST_TIMESTAMP 0x02
#define AFMT_ATTEST_WITHHOLDING 0x03
#define AFMT_ATTEST_HISTORY 0x04

#define AFMT_ATTEST_RECORD_HEAD 5 /* kind (1) and body length (u32) */
#define AFMT_MAX_COSIGNATURES 16
#define AFMT_MAX_TIMESTAMPS 4
/* Every record has a body of at least one byte, so 1 MiB of attestations
 * holds fewer records than this; the framing counts them all the same. */
#define AFMT_MAX_ATTESTATIONS (AFMT_MAX_COSIGNATURES + AFMT_MAX_TIMESTAMPS + 64)

typedef struct afmt_attest_record {
    uint8_t kind;
    const uint8_t *body;
    uint32_t len;
} afmt_attest_record;

/* Splits in[0..len) into records (*out, malloc'd, *count of them; *out NULL
 * when there is none) and checks the framing of spec 12.2: every record
 * whole, kinds known and in order, at most AFMT_MAX_COSIGNATURES
 * cosignatures, AFMT_MAX_TIMESTAMPS timestamps, one withholding statement,
 * no two records equal.  A kind this library does not know is
 * AFMT_E_UNSUPPORTED; bad framing AFMT_E_FORMAT. */
AFMT_INTERNAL int afmt_attest_split(afmt_attest_record **out, size_t *count, const uint8_t *in,
                                    size_t len, char *errbuf);

/* ---- kind 0x01: cosignature ---- */

typedef struct afmt_cosig {
    char name[AFMT_NOTE_MAX_KEY_NAME_BYTES + 1]; /* NUL-terminated */
    size_t name_len;
    uint8_t key[AFMT_PUBLICKEY_BYTES];
    uint64_t timestamp; /* POSIX seconds, at most 2^63 - 1 */
    uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES];
} afmt_cosig;

/* Nonzero when name is a C2SP key name: 1 to 255 bytes of UTF-8 without
 * spaces, control characters or '+'. */
AFMT_INTERNAL int afmt_note_key_name_valid(const uint8_t *name, size_t len);

/* Decodes a cosignature body (the layout alone: AFMT_E_FORMAT). */
AFMT_INTERNAL int afmt_cosig_decode(afmt_cosig *c, const uint8_t *body, size_t len,
                                    char *errbuf);
/* Appends the whole record (kind, length, body) to `out`. */
AFMT_INTERNAL int afmt_cosig_encode(afmt_buf *out, const afmt_cosig *c);
/* Ed25519 over "cosignature/v1\ntime <timestamp>\n" || checkpoint: AFMT_OK or
 * AFMT_E_BAD_SIGNATURE. */
AFMT_INTERNAL int afmt_cosig_verify(const afmt_cosig *c, const uint8_t *checkpoint,
                                    size_t cp_len);
/* Fills c->sig for c->timestamp and the checkpoint with sk (whose public key
 * must be c->key). */
AFMT_INTERNAL int afmt_cosig_sign(afmt_cosig *c, const afmt_secret_key *sk,
                                  const uint8_t *checkpoint, size_t cp_len);
/* The note signature line: "— <name> base64(key hash || timestamp || sig)\n",
 * appended to `out` (no NUL). */
AFMT_INTERNAL int afmt_cosig_note_line(afmt_buf *out, const afmt_cosig *c);

#endif
