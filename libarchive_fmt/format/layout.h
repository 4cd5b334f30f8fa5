/*
 * layout.h - the fixed-size framing of a bundle (spec sections 3, 4, 5 and
 * 7.1): header, trailer, signature section and index header, encoded and
 * checked here and nowhere else.
 */
#ifndef AFMT_LAYOUT_H
#define AFMT_LAYOUT_H

#include "common/internal.h"

#define AFMT_HEADER_BYTES 16
#define AFMT_TRAILER_BYTES 32
#define AFMT_INDEX_HEADER_BYTES 56
#define AFMT_BLOCK_RECORD_BYTES 56
#define AFMT_BLOB_RECORD_BYTES 8
#define AFMT_SIGNATURE_FIXED_BYTES 182 /* signature section without the comment */
#define AFMT_MAX_CHECKPOINT_BYTES 4096
#define AFMT_COMPRESSION_ZSTD 1u
#define AFMT_PLACE_BYTES 8     /* a record's place: u32 block, u32 offset */
#define AFMT_MIN_RECORD_BYTES 45 /* length, smallest (file) encoding, place */
#define AFMT_PAGE_ROW_BYTES 48
#define AFMT_ID_PAGE_ROWS 4096      /* u32 entry numbers in a full id page */
#define AFMT_RECORD_PAGE_TARGET (64u * 1024) /* writers close a record page here */
#define AFMT_MAX_BLOCKS (1u << 26)
#define AFMT_MAX_BLOBS (1u << 28)

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
    uint64_t post_count;
    uint64_t block_count;
    uint64_t blob_count;
    uint64_t record_pages;
    uint64_t records_size;
    /* derived */
    uint64_t id_pages;      /* ceil(post_count / AFMT_ID_PAGE_ROWS) */
    uint64_t page_count;    /* 2 + record_pages + id_pages */
    uint64_t head_size;     /* index header and page directory: what is signed */
    uint64_t body_size;     /* every page, decompressed */
} afmt_index_header;

AFMT_INTERNAL void afmt_index_header_encode(uint8_t out[AFMT_INDEX_HEADER_BYTES],
                                            const afmt_index_header *h);
/* Decodes and checks the counts (spec 7.1) against index_size, without
 * overflow, and derives the rest. */
AFMT_INTERNAL int afmt_index_header_decode(afmt_index_header *h, const uint8_t *in,
                                           uint64_t index_size, char *errbuf);

/* One row of the page directory (spec 7.2). */
typedef struct afmt_page_row {
    uint32_t csize;          /* the page's zstd frame */
    uint32_t size;           /* decompressed */
    uint64_t first;          /* record page: first entry; id page: first key */
    const uint8_t *hash;     /* H(frame), borrowed from the directory */
    uint64_t offset;         /* derived: file offset of the frame */
} afmt_page_row;

AFMT_INTERNAL void afmt_page_row_encode(uint8_t out[AFMT_PAGE_ROW_BYTES], uint32_t csize,
                                        uint32_t size, uint64_t first,
                                        const uint8_t hash[AFMT_HASH_BYTES]);
/* Decodes the directory (h->page_count rows at `dir`) into `rows` and
 * checks what it can alone: pages tile the rest of the index, which starts
 * at file offset `pages_offset` and is `pages_size` bytes; each page's
 * size is the one its kind requires and within the bomb bound; record
 * pages start at entry 0 and go up; id page keys do not go down. */
AFMT_INTERNAL int afmt_page_dir_decode(afmt_page_row *rows, const afmt_index_header *h,
                                       const uint8_t *dir, uint64_t pages_offset,
                                       uint64_t pages_size, char *errbuf);

#endif
