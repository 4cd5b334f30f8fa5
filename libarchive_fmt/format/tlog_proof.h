/*
 * tlog_proof.h - the text of a proof that one entry is in a bundle's tree
 * (c2sp.org/tlog-proof@v1, spec section 16): written and parsed here, with
 * every size a hostile proof file could inflate bounded.
 */
#ifndef AFMT_TLOG_PROOF_H
#define AFMT_TLOG_PROOF_H

#include "common/internal.h"

#define AFMT_TLOG_PROOF_HEADER "c2sp.org/tlog-proof@v1"
/* The longest audit path a proof may carry (a tree of 2^63 leaves); a
 * bundle's tree of at most 2^26 entries needs 26. */
#define AFMT_TLOG_PROOF_MAX_PATH 63

/* A parsed proof: `extra` (decoded) and `note` borrow nothing; `note`
 * points into the parsed text. */
typedef struct afmt_tlog_proof {
    uint8_t *extra;        /* malloc'd, or NULL when the proof has no extra line */
    size_t extra_len;
    uint64_t index;
    uint8_t path[AFMT_TLOG_PROOF_MAX_PATH * AFMT_HASH_BYTES];
    size_t path_len;       /* hashes */
    const uint8_t *note;   /* the checkpoint note, verbatim: the rest of the text */
    size_t note_len;
} afmt_tlog_proof;

/* Appends the proof text: header, "extra " base64(extra) (when extra_len >
 * 0), "index " index, the path's hashes one base64 line each, an empty line
 * and the note, byte for byte. */
AFMT_INTERNAL int afmt_tlog_proof_format(afmt_buf *out, const uint8_t *extra, size_t extra_len,
                                         uint64_t index, const uint8_t *path, size_t path_len,
                                         const uint8_t *note, size_t note_len);

/* Parses strictly: LF line ends, the header, an optional extra line, the
 * index in decimal without leading zeros (at most 2^63 - 1), at most
 * AFMT_TLOG_PROOF_MAX_PATH hashes, base64 in its one canonical spelling,
 * an empty line, then a note of at least one byte.  The whole text at most
 * AFMT_PROOF_MAX_BYTES (AFMT_E_LIMIT), otherwise AFMT_E_FORMAT.  The note
 * itself is checked by whoever verifies it. */
AFMT_INTERNAL int afmt_tlog_proof_parse(afmt_tlog_proof *p, const uint8_t *text, size_t len,
                                        char *errbuf);
AFMT_INTERNAL void afmt_tlog_proof_free(afmt_tlog_proof *p);

#endif
