/*
 * reader_internal.h - the reader's state, shared by reader.c (open, lookup,
 * reads) and verify.c (full verification).
 */
#ifndef AFMT_READER_INTERNAL_H
#define AFMT_READER_INTERNAL_H

#include "format/block.h"
#include "format/entry.h"
#include "common/internal.h"
#include "format/layout.h"
#include "common/set.h"

/* Where a blob is, worked out from the tiling rule, and its hash, taken
 * from the reference that introduces it. */
typedef struct afmt_blob_loc {
    const uint8_t *hash;
    uint32_t block;  /* a blob is 8 bytes of the body: fewer than 2^29 */
    uint32_t offset; /* within a block of at most 256 MiB */
    uint32_t size;
} afmt_blob_loc;

/* Buffers to read and decode one block: the reader has one set, each
 * verification thread its own. */
typedef struct afmt_block_bufs {
    afmt_block_codec *codec;
    uint8_t *frame;             /* compressed bytes */
    size_t frame_cap;
    uint8_t *data;              /* decoded bytes */
    size_t data_cap;
} afmt_block_bufs;

struct afmt_reader {
    int fd;
    uint64_t file_size;
    afmt_trailer trailer;
    uint8_t *checkpoint;        /* raw checkpoint bytes */
    uint8_t *sigsec_bytes;      /* raw signature section */
    afmt_sigsec sig;
    afmt_checkpoint_info info;

    uint8_t *head;              /* index header and page directory, as stored */
    afmt_index_header ih;
    afmt_page_row *pages;       /* the page directory, decoded */
    afmt_buf body;              /* every page, decoded, back to back */
    const uint8_t *block_table;
    const uint8_t *blob_table;
    const uint8_t *records;     /* the record pages */
    const uint8_t *id_table;    /* the id pages */
    uint32_t *rec_offsets;      /* per entry: offset of the record in records
                                   (the body is at most 4 GiB) */
    afmt_blob_loc *blobs;       /* per blob: where it is and its hash */
    uint32_t *post_blob;        /* per entry: a post's blob, or UINT32_MAX (while
                                   opening, for a file: its first part_off) */
    afmt_buf part_off;          /* while opening: u32 offset of every file part
                                   in its record, then one past the last */
    afmt_set blob_set;          /* content hash -> blob number */

    afmt_block_codec *codec;    /* for the index pages */
    afmt_block_bufs bufs;       /* the block last read, decoded */
    uint64_t cached_block;      /* block in bufs.data, or UINT64_MAX */
    uint8_t *bad_blocks;        /* bitmap of blocks that failed their hash, or NULL */

    char err[AFMT_ERRMSG_BYTES];
};

/* Block table accessors (records were checked at open). */
static inline uint64_t afmt_rd_block_offset(const afmt_reader *r, uint64_t b)
{
    return afmt_load64(r->block_table + b * AFMT_BLOCK_RECORD_BYTES);
}
static inline uint64_t afmt_rd_block_csize(const afmt_reader *r, uint64_t b)
{
    return afmt_load64(r->block_table + b * AFMT_BLOCK_RECORD_BYTES + 8);
}
static inline uint64_t afmt_rd_block_size(const afmt_reader *r, uint64_t b)
{
    return afmt_load64(r->block_table + b * AFMT_BLOCK_RECORD_BYTES + 16);
}
static inline const uint8_t *afmt_rd_block_hash(const afmt_reader *r, uint64_t b)
{
    return r->block_table + b * AFMT_BLOCK_RECORD_BYTES + 24;
}
static inline const uint8_t *afmt_rd_blob_hash(const afmt_reader *r, uint64_t i)
{
    return r->blobs[i].hash;
}
static inline uint64_t afmt_rd_blob_block(const afmt_reader *r, uint64_t i)
{
    return r->blobs[i].block;
}
static inline uint64_t afmt_rd_blob_offset(const afmt_reader *r, uint64_t i)
{
    return r->blobs[i].offset;
}
static inline uint64_t afmt_rd_blob_size(const afmt_reader *r, uint64_t i)
{
    return r->blobs[i].size;
}

/* Block b's row alone (spec 7.3): inside the blocks area, not empty,
 * within the size limit.  Opening also checks that the blocks tile. */
AFMT_INTERNAL int afmt_rd_block_check(afmt_reader *r, uint64_t b);

/* Record page p (from 0) holds entries pages[2 + p].first up to this one,
 * not included. */
static inline uint64_t afmt_rd_page_end(const afmt_reader *r, uint64_t p)
{
    return p + 1 < r->ih.record_pages ? r->pages[3 + p].first : r->ih.entry_count;
}

/* A reader with nothing open yet. */
AFMT_INTERNAL afmt_reader *afmt_rd_new(void);
/* Steps 1 to 5 of spec section 10: the file, both signatures (and the
 * trusted keys when nkeys > 0), the checkpoint, the index head and its
 * hash, the page directory.  No page is read. */
AFMT_INTERNAL int afmt_rd_open_head(afmt_reader *r, const char *path,
                                    const afmt_public_key *keys, size_t nkeys);

/* Reads index page `p` (into `frame`), checks its hash against its
 * directory row and appends its decoded bytes to `out`. */
AFMT_INTERNAL int afmt_rd_load_page(afmt_reader *r, uint64_t p, afmt_buf *frame, afmt_buf *out);

/* Decodes entry `n` (already checked at open). */
AFMT_INTERNAL void afmt_rd_entry_view(afmt_entry_view *e, const afmt_reader *r, uint64_t n);

/* Reads block `b` into `bufs`, checks its hash, then its frame, and decodes
 * it into bufs->data.  Touches nothing else of the reader: threads may call
 * it at once with their own bufs. */
AFMT_INTERNAL int afmt_rd_decode_block(const afmt_reader *r, uint64_t b, afmt_block_bufs *bufs,
                                       char *errbuf);
AFMT_INTERNAL void afmt_block_bufs_free(afmt_block_bufs *bufs);

/* Reads block `b`, checks its hash and frame, decodes it into the cache.
 * *out points into the cache until the next call. */
AFMT_INTERNAL int afmt_rd_load_block(afmt_reader *r, uint64_t b, const uint8_t **out);

/* Reads blob `i` and checks its hash; *out borrows from the cache. */
AFMT_INTERNAL int afmt_rd_load_blob(afmt_reader *r, uint64_t i, const uint8_t **out);

#endif
