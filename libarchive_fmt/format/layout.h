/*
 * layout.h - the framing of a bundle (spec sections 3, 4, 5, 7.1, 7.2 and
 * 7.5): header, trailer, signature section, index header, page directory
 * and record pages, encoded and checked here and nowhere else.
 */
#ifndef AFMT_LAYOUT_H
#define AFMT_LAYOUT_H

#include "common/internal.h"
#include "format/entry.h"

#define AFMT_HEADER_BYTES 16
#define AFMT_TRAILER_BYTES 32
#define AFMT_INDEX_HEADER_BYTES 56
#define AFMT_BLOCK_RECORD_BYTES 56
#define AFMT_BLOB_RECORD_BYTES 8
#define AFMT_SIGNATURE_FIXED_BYTES 246 /* signature section without the comment */
#define AFMT_MAX_ATTESTATION_BYTES (1u << 20) /* spec 12.2: after note_sig */
#define AFMT_MAX_CHECKPOINT_BYTES 4096
#define AFMT_COMPRESSION_ZSTD 1u
#define AFMT_PAGE_ROW_BYTES 48
#define AFMT_ID_PAGE_ROWS 4096      /* rows in a full id page */
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
    uint8_t note_sig[64]; /* plain Ed25519 of the checkpoint: the C2SP note's */
    const uint8_t *attest; /* the attestation records after note_sig (spec 12.2) */
    size_t attest_len;     /* at most AFMT_MAX_ATTESTATION_BYTES; 0: none */
} afmt_sigsec;

/* Appends the encoded signature section to `out`. */
AFMT_INTERNAL int afmt_sigsec_encode(afmt_buf *out, const afmt_sigsec *s);
/* Checks the layout (not the signatures, nor the attestations' framing:
 * see format/attestation.h). */
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

/* ---- record pages (spec 7.5) ----
 * A page of c records is the c records back to back, each a u32 length L
 * then the L bytes of an entry's encoding, then the c places, each a u32
 * block and a u32 offset, in entry order.  This is the only code that
 * knows it: the writer builds pages with afmt_record_page, every reader
 * walks them with afmt_record_iter. */
#define AFMT_RECORD_OFF_LEN 0
#define AFMT_RECORD_OFF_ENCODING 4
#define AFMT_PLACE_OFF_BLOCK 0
#define AFMT_PLACE_OFF_OFFSET 4
#define AFMT_PLACE_BYTES 8
/* A record and its place, at the least: length, smallest encoding, place. */
#define AFMT_MIN_RECORD_BYTES (AFMT_RECORD_OFF_ENCODING + AFMT_ENTRY_MIN_BYTES + AFMT_PLACE_BYTES)

/* The encoding of the record that starts at `record` (in a page that an
 * afmt_record_iter walked without error), and its length. */
static inline const uint8_t *afmt_record_at(const uint8_t *record, uint32_t *len)
{
    *len = afmt_load32(record + AFMT_RECORD_OFF_LEN);
    return record + AFMT_RECORD_OFF_ENCODING;
}

/* A walk over the records of one page, checking that each lies within the
 * records' part of the page. */
typedef struct afmt_record_iter {
    const uint8_t *page;
    uint64_t records_end;   /* where the places start */
    uint64_t count;         /* records in the page */
    uint64_t done;          /* records given so far */
    uint64_t pos;           /* where the next record starts */
    uint64_t at;            /* where the record given last starts */
} afmt_record_iter;

/* What afmt_record_iter_next found. */
#define AFMT_RECORD_NEXT 1  /* a record: *enc, *len */
#define AFMT_RECORD_END 0   /* all `count` records were given */
#define AFMT_RECORD_CUT (-1)  /* fewer bytes left than a record's length field */
#define AFMT_RECORD_PAST (-2) /* the record runs past the records' part */

/* Starts a walk over a page of `size` bytes at `page` that holds `count`
 * records.  Returns 0 when the page is too small for their places. */
AFMT_INTERNAL int afmt_record_iter_init(afmt_record_iter *it, const uint8_t *page, uint64_t size,
                                        uint64_t count);
/* The next record, or one of the outcomes above.  After a record, it->at is
 * where it starts in the page (for afmt_record_at). */
AFMT_INTERNAL int afmt_record_iter_next(afmt_record_iter *it, const uint8_t **enc,
                                        uint32_t *len);
/* After the last record: nonzero when the records fill their part of the
 * page exactly (no byte left before the places). */
static inline int afmt_record_iter_exact(const afmt_record_iter *it)
{
    return it->pos == it->records_end;
}
/* The place of the page's record `i` (from 0, below count). */
AFMT_INTERNAL void afmt_record_iter_place(const afmt_record_iter *it, uint64_t i, uint32_t *block,
                                          uint32_t *offset);

/* A record page being built.  Records and places are kept apart until the
 * page is sealed. */
typedef struct afmt_record_page {
    afmt_buf records;       /* the records; once sealed, the places follow */
    afmt_buf places;
    afmt_buf starts;        /* u32 per record: where it starts in `records` */
} afmt_record_page;

/* Records in the page. */
static inline uint64_t afmt_record_page_count(const afmt_record_page *pg)
{
    return pg->starts.len / 4;
}
/* The page's size as stored (before it is sealed). */
static inline uint64_t afmt_record_page_size(const afmt_record_page *pg)
{
    return (uint64_t)pg->records.len + pg->places.len;
}
/* ...and once a record of `len` bytes more is added. */
static inline uint64_t afmt_record_page_size_with(const afmt_record_page *pg, size_t len)
{
    return afmt_record_page_size(pg) + AFMT_RECORD_OFF_ENCODING + (uint64_t)len +
           AFMT_PLACE_BYTES;
}
/* Adds a record (an encoding of `len` bytes) and its place. */
AFMT_INTERNAL int afmt_record_page_add(afmt_record_page *pg, const uint8_t *enc, size_t len,
                                       uint32_t block, uint32_t offset);
/* The encoding of the page's record `i`, and its length. */
AFMT_INTERNAL const uint8_t *afmt_record_page_get(const afmt_record_page *pg, uint64_t i,
                                                  size_t *len);
/* Puts the places after the records: the page as stored is then
 * pg->records.  Nothing may be added after; afmt_record_page_clear starts
 * the next page. */
AFMT_INTERNAL int afmt_record_page_seal(afmt_record_page *pg);
AFMT_INTERNAL void afmt_record_page_clear(afmt_record_page *pg);
AFMT_INTERNAL void afmt_record_page_free(afmt_record_page *pg);

/* ---- id pages (spec 7.6) ----
 * An id page is up to 4096 rows, each the post's id key (u64) then its
 * entry number (u32), ordered by (key, entry): what a binary search by id
 * compares, and where it leads, without reading any record page. */
#define AFMT_ID_ROW_OFF_KEY 0
#define AFMT_ID_ROW_OFF_ENTRY 8
#define AFMT_ID_ROW_BYTES 12

/* Row k of an id table (or id page) at `rows`. */
static inline uint64_t afmt_id_row_key(const uint8_t *rows, uint64_t k)
{
    return afmt_load64(rows + k * AFMT_ID_ROW_BYTES + AFMT_ID_ROW_OFF_KEY);
}
static inline uint32_t afmt_id_row_entry(const uint8_t *rows, uint64_t k)
{
    return afmt_load32(rows + k * AFMT_ID_ROW_BYTES + AFMT_ID_ROW_OFF_ENTRY);
}

#endif
