/*
 * index_head.h - an opened bundle up to its index head (spec section 10,
 * steps 1 to 5): the file, both signatures, the checkpoint, the index
 * header and the page directory, all checked.  A full open (reader.c) and
 * a lookup by id (lookup.c) both start here; through the head each reads
 * the pages and blocks it needs, each checked against its signed hash.
 */
#ifndef AFMT_INDEX_HEAD_H
#define AFMT_INDEX_HEAD_H

#include "format/attestation.h"
#include "format/block.h"
#include "common/internal.h"
#include "format/layout.h"
#include "format/withholding.h"
#include "format/timestamp.h"

typedef struct afmt_index_head {
    int fd;
    uint64_t file_size;
    afmt_trailer trailer;
    uint8_t *checkpoint;        /* raw checkpoint bytes */
    uint8_t *sigsec_bytes;      /* raw signature section */
    afmt_sigsec sig;
    afmt_checkpoint_info info;  /* the checkpoint and signer; a full open adds the counts */
    afmt_cosig *cosigs;         /* the cosignatures (spec 12.2), each verified */
    size_t ncosigs;
    int withheld;               /* a withholding statement (spec 12.1), verified: */
    afmt_withholding withholding; /* its index replaces the checkpoint's in step 5 */
    afmt_tstamp *tstamps;       /* the RFC 3161 timestamps, each verified (no trust) */
    size_t ntstamps;

    uint8_t *bytes;             /* index header and page directory, as stored */
    afmt_index_header ih;
    afmt_page_row *pages;       /* the page directory, decoded */
    afmt_block_codec *codec;    /* for the index pages */
} afmt_index_head;

/* Opens `path` and runs steps 1 to 5: the file, both signatures (and the
 * trusted keys when nkeys > 0), the checkpoint, the index head and its
 * hash, the page directory.  No page is read.  On failure the head holds
 * what was read so far: afmt_head_close it all the same. */
AFMT_INTERNAL int afmt_head_open(afmt_index_head *h, const char *path,
                                 const afmt_public_key *keys, size_t nkeys, char *err);
AFMT_INTERNAL void afmt_head_close(afmt_index_head *h);

/* Checks the attestations (spec 12.2, after steps 1 to 4, before the index
 * head of step 5): their framing, then each record; keeps the cosignatures
 * in h->cosigs, the timestamps in h->tstamps and the withholding statement
 * in h->withholding.  A kind this version does not verify yet refuses the
 * bundle (AFMT_E_UNSUPPORTED). */
AFMT_INTERNAL int afmt_head_attestations(afmt_index_head *h, char *err);
/* Verifies timestamp record `number` (read/timestamps.c) and keeps it in
 * h->tstamps. */
AFMT_INTERNAL int afmt_head_timestamp(afmt_index_head *h, const afmt_attest_record *rec,
                                      size_t number, char *err);

/* withheld.c: a withholding statement (kind 0x03, record `number`), checked
 * against the checkpoint and kept in h->withholding. */
AFMT_INTERNAL int afmt_head_withholding(afmt_index_head *h, const afmt_attest_record *rec,
                                        size_t number, char *err);

/* AFMT_OK when one of the keys is the signer's, else AFMT_E_WRONG_KEY. */
AFMT_INTERNAL int afmt_head_signer_is(const afmt_index_head *h, const afmt_public_key *keys,
                                      size_t nkeys, char *err);

/* Directory rows: the two tables, then the record pages, then the id pages. */
#define AFMT_PAGE_BLOCK_TABLE 0
#define AFMT_PAGE_BLOB_TABLE 1
#define AFMT_PAGE_FIRST_RECORDS 2

/* The row of record page p (from 0), and of id page k (from 0). */
static inline const afmt_page_row *afmt_head_record_row(const afmt_index_head *h, uint64_t p)
{
    return &h->pages[AFMT_PAGE_FIRST_RECORDS + p];
}
static inline uint64_t afmt_head_id_page(const afmt_index_head *h, uint64_t k)
{
    return AFMT_PAGE_FIRST_RECORDS + h->ih.record_pages + k;
}

/* Record page p holds entries afmt_head_record_row(h, p)->first up to this
 * one, not included. */
static inline uint64_t afmt_head_record_end(const afmt_index_head *h, uint64_t p)
{
    return p + 1 < h->ih.record_pages ? afmt_head_record_row(h, p + 1)->first
                                      : h->ih.entry_count;
}

/* Reads index page `p` (into `frame`), checks its hash against its row and
 * decodes it with `codec`: into dst (the row's size) when dst is not NULL,
 * else appended to `out`, which grows only as output arrives.  Touches
 * nothing of the head: threads may call it at once with their own codec. */
AFMT_INTERNAL int afmt_head_load_page(const afmt_index_head *h, uint64_t p, afmt_buf *frame,
                                      afmt_block_codec *codec, uint8_t *dst, afmt_buf *out,
                                      char *err);

/* ---- blocks, through a block table (page 0, decoded) ---- */

/* Block table rows (spec 7.3). */
static inline uint64_t afmt_block_row_offset(const uint8_t *table, uint64_t b)
{
    return afmt_load64(table + b * AFMT_BLOCK_RECORD_BYTES);
}
static inline uint64_t afmt_block_row_csize(const uint8_t *table, uint64_t b)
{
    return afmt_load64(table + b * AFMT_BLOCK_RECORD_BYTES + 8);
}
static inline uint64_t afmt_block_row_size(const uint8_t *table, uint64_t b)
{
    return afmt_load64(table + b * AFMT_BLOCK_RECORD_BYTES + 16);
}
static inline const uint8_t *afmt_block_row_hash(const uint8_t *table, uint64_t b)
{
    return table + b * AFMT_BLOCK_RECORD_BYTES + 24;
}

/* Buffers to read and decode one block: the reader has one set, a lookup
 * one, each verification thread its own. */
typedef struct afmt_block_bufs {
    afmt_block_codec *codec;
    uint8_t *frame;             /* compressed bytes */
    size_t frame_cap;
    uint8_t *data;              /* decoded bytes */
    size_t data_cap;
} afmt_block_bufs;

AFMT_INTERNAL void afmt_block_bufs_free(afmt_block_bufs *bufs);

/* Block b's row alone (spec 7.3): inside the blocks area, not empty,
 * within the size limit.  A full open also checks that the blocks tile. */
AFMT_INTERNAL int afmt_head_block_check(const afmt_index_head *h, const uint8_t *table,
                                        uint64_t b, char *err);

/* Reads block `b` (its row checked already) into `bufs`, checks its hash,
 * then its frame, and decodes it into bufs->data.  Touches nothing else:
 * threads may call it at once with their own bufs. */
AFMT_INTERNAL int afmt_head_block_decode(const afmt_index_head *h, const uint8_t *table,
                                         uint64_t b, afmt_block_bufs *bufs, char *err);

/* The start of every reading entry point: clears the last error, takes
 * `*defaults` when *opts is NULL, checks the options' version and keys and
 * that the caller's own arguments are there (`args_ok`, else `what`), and
 * initialises the crypto libraries. */
AFMT_INTERNAL int afmt_head_options(const afmt_reader_options **opts,
                                    const afmt_reader_options *defaults, int args_ok,
                                    const char *what);

#endif
