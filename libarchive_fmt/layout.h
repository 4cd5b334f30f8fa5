/*
 * layout.h - the fixed-size framing of a bundle (spec sections 3, 4, 5 and
 * 7.1): header, trailer, signature section and index header, encoded and
 * checked here and nowhere else.
 */
#ifndef AFMT_LAYOUT_H
#define AFMT_LAYOUT_H

#include "internal.h"

#define AFMT_HEADER_BYTES 16
#define AFMT_TRAILER_BYTES 32
#define AFMT_INDEX_HEADER_BYTES 40
#define AFMT_BLOCK_RECORD_BYTES 56
#define AFMT_BLOB_RECORD_BYTES 8
#define AFMT_SIGNATURE_FIXED_BYTES 182 /* signature section without the comment */
#define AFMT_MAX_CHECKPOINT_BYTES 4096
#define AFMT_COMPRESSION_ZSTD 1u
#define AFMT_MIN_RECORD_BYTES 37 /* u32 length + smallest (file) encoding */

extern const uint8_t afmt_magic[8];
extern const uint8_t afmt_end_magic[8];

typedef struct afmt_trailer {
    uint64_t index_offset;
    uint64_t index_size;
    uint32_t checkpoint_size;
    uint32_t signature_size;
} afmt_trailer;

AFMT_INTERNAL void afmt_header_encode(uint8_t out[AFMT_HEADER_BYTES]);
/* AFMT_E_FORMAT (not a bundle) or AFMT_E_UNSUPPORTED (version, flags). */
AFMT_INTERNAL int afmt_header_check(const uint8_t in[AFMT_HEADER_BYTES], char *errbuf);

AFMT_INTERNAL void afmt_trailer_encode(uint8_t out[AFMT_TRAILER_BYTES], const afmt_trailer *t);
/* Decodes and checks the trailer against the file size (spec section 4). */
AFMT_INTERNAL int afmt_trailer_decode(afmt_trailer *t, const uint8_t in[AFMT_TRAILER_BYTES],
                                      uint64_t file_size, char *errbuf);

/* The signature section, decoded.  Pointers borrow from the section. */
typedef struct afmt_sigsec {
    uint8_t key_id[AFMT_KEYID_BYTES];
    uint8_t sig[64];
    const char *comment;
    size_t comment_len;
    uint8_t global_sig[64];
    uint8_t public_key[AFMT_PUBLICKEY_BYTES];
} afmt_sigsec;

/* Appends the encoded signature section to `out`. */
AFMT_INTERNAL int afmt_sigsec_encode(afmt_buf *out, const afmt_sigsec *s);
/* Checks the layout (not the signatures). */
AFMT_INTERNAL int afmt_sigsec_decode(afmt_sigsec *s, const uint8_t *in, size_t len,
                                     char *errbuf);

#define AFMT_INDEX_RATIO_MAX 1024           /* body size per frame byte, at most */
#define AFMT_INDEX_RATIO_SLACK (1u << 20)   /* ...plus this much */

typedef struct afmt_index_header {
    uint64_t entry_count;
    uint64_t block_count;
    uint64_t blob_count;
    uint64_t records_size;
    uint64_t body_size;     /* derived: tables and records, decompressed */
} afmt_index_header;

AFMT_INTERNAL void afmt_index_header_encode(uint8_t out[AFMT_INDEX_HEADER_BYTES],
                                            const afmt_index_header *h);
/* Decodes and checks the sizes against index_size (header + frame),
 * without overflow, and derives body_size. */
AFMT_INTERNAL int afmt_index_header_decode(afmt_index_header *h, const uint8_t *in,
                                           uint64_t index_size, char *errbuf);

#endif
