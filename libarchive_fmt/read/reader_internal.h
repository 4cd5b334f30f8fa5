/*
 * reader_internal.h - the reader's state, shared by the files of read/
 * that open, check and serve a bundle: reader.c (the handle), pages.c
 * (every index page), index_check.c (step 6), entries.c (accessors),
 * content.c (verified reads) and verify.c (full verification).
 */
#ifndef AFMT_READER_INTERNAL_H
#define AFMT_READER_INTERNAL_H

#include "format/block.h"
#include "format/entry.h"
#include "common/internal.h"
#include "format/layout.h"
#include "read/index_head.h"
#include "common/set.h"

#include <unistd.h>

/* Where a blob is, worked out from the tiling rule, and its hash, taken
 * from the reference that introduces it. */
typedef struct afmt_blob_loc {
    const uint8_t *hash;
    uint32_t block;  /* a blob is 8 bytes of the body: fewer than 2^29 */
    uint32_t offset; /* within a block of at most 256 MiB */
    uint32_t size;
} afmt_blob_loc;

struct afmt_reader {
    afmt_index_head head;       /* steps 1 to 5: file, signatures, checkpoint, directory */

    afmt_buf body;              /* every page, decoded, back to back */
    const uint8_t *block_table;
    const uint8_t *blob_table;
    const uint8_t *records;     /* the record pages */
    const uint8_t *id_table;    /* the id pages: rows of u64 key, u32 entry (7.6) */
    uint32_t *rec_offsets;      /* per entry: offset of the record in records
                                   (the body is at most 4 GiB) */
    afmt_blob_loc *blobs;       /* per blob: where it is and its hash */
    uint32_t *post_blob;        /* per entry: a post's blob, or UINT32_MAX (while
                                   opening, for a file: its first part_off) */
    afmt_buf part_off;          /* while opening: u32 offset of every file part
                                   in its record, then one past the last */
    afmt_set blob_set;          /* content hash -> blob number */

    afmt_block_bufs bufs;       /* the block last read, decoded */
    uint64_t cached_block;      /* block in bufs.data, or UINT64_MAX */
    uint64_t hashed_blob;       /* a blob of that block whose hash matched, or
                                   UINT64_MAX: posts sharing one content are
                                   hashed once, not once each */
    uint8_t *bad_blocks;        /* bitmap of blocks that failed their hash, or NULL */
    struct afmt_merkle_tree *proof_tree; /* every level of the tree, built by the
                                   first afmt_reader_prove (prove.c), or NULL */
    unsigned threads;           /* afmt_reader_options.threads (0: the default) */

    char err[AFMT_ERRMSG_BYTES];
};

/* Threads the reader may use: the caller's count, or by default one per
 * online CPU, at most 8. */
static inline unsigned afmt_rd_threads(const afmt_reader *r)
{
    if (r->threads != 0)
        return r->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

/* Block table accessors (records were checked at open). */
static inline uint64_t afmt_rd_block_offset(const afmt_reader *r, uint64_t b)
{
    return afmt_block_row_offset(r->block_table, b);
}
static inline uint64_t afmt_rd_block_csize(const afmt_reader *r, uint64_t b)
{
    return afmt_block_row_csize(r->block_table, b);
}
static inline uint64_t afmt_rd_block_size(const afmt_reader *r, uint64_t b)
{
    return afmt_block_row_size(r->block_table, b);
}
static inline const uint8_t *afmt_rd_block_hash(const afmt_reader *r, uint64_t b)
{
    return afmt_block_row_hash(r->block_table, b);
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

/* The encoding of entry `n`'s record (checked at open), and its length. */
static inline const uint8_t *afmt_rd_record(const afmt_reader *r, uint64_t n, uint32_t *len)
{
    return afmt_record_at(r->records + r->rec_offsets[n], len);
}

/* The type of entry `n` (checked at open). */
static inline uint8_t afmt_rd_entry_type(const afmt_reader *r, uint64_t n)
{
    uint32_t len;
    return afmt_encoding_type(afmt_rd_record(r, n, &len));
}

/* prove.c: frees proof_tree. */
AFMT_INTERNAL void afmt_rd_prove_free(afmt_reader *r);

/* pages.c: every index page, decoded into r->body (step 6, its reads). */
AFMT_INTERNAL int afmt_rd_load_pages(afmt_reader *r);

/* index_check.c: the rest of step 6 on a loaded body: the blocks' tiling,
 * every record, the blobs, references, places, the id table, the root. */
AFMT_INTERNAL int afmt_rd_check_index(afmt_reader *r);

/* entries.c: decodes entry `n` (already checked at open). */
AFMT_INTERNAL void afmt_rd_entry_view(afmt_entry_view *e, const afmt_reader *r, uint64_t n);
/* The blob behind a part of a file, or UINT32_MAX for an empty content,
 * and the part's size.  Only for entry and blob parts (checked at open). */
AFMT_INTERNAL uint32_t afmt_rd_part_blob(const afmt_reader *r, const afmt_part_view *part,
                                         uint64_t *size);

/* Reads block `b` into `bufs`, checks its hash, then its frame, and decodes
 * it into bufs->data.  Touches nothing else of the reader: threads may call
 * it at once with their own bufs. */
static inline int afmt_rd_decode_block(const afmt_reader *r, uint64_t b, afmt_block_bufs *bufs,
                                       char *errbuf)
{
    return afmt_head_block_decode(&r->head, r->block_table, b, bufs, errbuf);
}

/* content.c: reads block `b`, checks its hash and frame, decodes it into
 * the cache.  *out points into the cache until the next call. */
AFMT_INTERNAL int afmt_rd_load_block(afmt_reader *r, uint64_t b, const uint8_t **out);

/* Reads blob `i` and checks its hash; *out borrows from the cache. */
AFMT_INTERNAL int afmt_rd_load_blob(afmt_reader *r, uint64_t i, const uint8_t **out);

#endif
