/*
 * writer_internal.h - the writer's state, shared by writer.c (entries,
 * blocks, index, checkpoint) and files.c (file entries built from parts).
 */
#ifndef AFMT_WRITER_INTERNAL_H
#define AFMT_WRITER_INTERNAL_H

#include "common/fileio.h"
#include "common/set.h"
#include "format/layout.h"
#include "format/merkle.h"
#include "format/block.h"
#include "write/pipeline.h"

#define ZSTD_MAX_LEVEL_ALLOWED 19

struct afmt_writer {
    afmt_writer_options opts;
    char *title;
    char *trusted_comment;
    int64_t created;
    const afmt_secret_key *sk;
    uint8_t salt_key[32]; /* the log seed of spec 8.3 */

    afmt_outfile out;
    uint64_t offset;          /* bytes written so far */
    afmt_pipeline *pipeline;
    unsigned threads;
    uint64_t blocks_submitted;

    afmt_buf block;           /* the open block, decompressed */
    afmt_buf blocks;          /* block table records */
    afmt_buf blobs;           /* blob table records */
    afmt_buf blob_locs;       /* per blob: u32 block, u32 offset */
    afmt_merkle_stream tree;  /* the leaves so far */
    uint64_t entries;
    afmt_buf sizes;           /* per entry: u64 content size, UINT64_MAX for a file */

    afmt_block_codec *page_codec;
    afmt_record_page page;    /* the open record page, decompressed */
    uint64_t page_first;      /* entry number of the open page's first record */
    afmt_buf pages;           /* the closed record pages' frames, when not spilled */
    int spill_fd;             /* or they go to this unnamed file beside the output
                                 (the index of a million posts is 80 MB) */
    uint64_t pages_len;       /* bytes of closed record page frames */
    afmt_buf page_rows;       /* their directory rows */
    uint64_t records_size;    /* bytes of all record pages, decompressed */
    afmt_buf lookup;          /* a closed record page, decoded again (rare) */
    size_t lookup_page;       /* which: its number + 1, 0 for none */
    afmt_buf lookup_frame;    /* ...read back from the spill file */

    afmt_set blob_set;        /* content hash -> blob number */
    afmt_buf blob_hashes;     /* 32 bytes per blob, the keys of blob_set */
    afmt_set id_set;          /* id key -> post number */
    afmt_buf id_keys;         /* per post: u64 id key, u32 entry number */
    afmt_buf id_collisions;   /* u32 post numbers whose key was taken (rare) */
    afmt_set path_set;        /* file path -> file number */
    afmt_buf paths;           /* every file path, back to back */
    afmt_buf path_refs;       /* per file: u64 offset in `paths`, u32 length, u32 entry */

    /* the open streamed file */
    int file_open;
    afmt_buf file_path;
    afmt_buf file_parts;
    afmt_buf file_blobs;      /* u64 offsets in `blobs` of rows to patch */
    uint32_t file_part_count;
    uint64_t file_total;

    afmt_buf scratch;         /* an entry being encoded */
    int rewrite;              /* a bundle rewritten (withholding): entries come
                                 salted, the checkpoint is the archiver's */
    int state;                /* 0 open, 1 finished or failed */
    char err[AFMT_ERRMSG_BYTES];
};

/* Marks the writer failed (no further call succeeds) and returns rc. */
AFMT_INTERNAL int afmt_writer_failed(afmt_writer *w, int rc);
/* Stores a content of `len` bytes once: its blob (found by hash, or
 * appended to the open block); loc receives its block and offset. */
AFMT_INTERNAL int afmt_writer_store_blob(afmt_writer *w, const uint8_t hash[AFMT_HASH_BYTES],
                                         const void *data, size_t len, uint64_t entry,
                                         uint32_t part, uint32_t loc[2]);
/* Appends the encoded entry in w->scratch as the next record, with its place. */
AFMT_INTERNAL int afmt_writer_add_record(afmt_writer *w, const uint32_t loc[2], uint64_t size,
                                         uint64_t *out_entry);
/* ---- rewriting a bundle (edit/withhold.c): the same blocks, pages and
 * index as a new bundle, but entries that come salted (some withheld,
 * spec 12.1) and the archiver's checkpoint kept as it is. ---- */

/* A writer with no key: afmt_writer_add_record keeps each encoding's salt. */
AFMT_INTERNAL int afmt_writer_open_rewrite(afmt_writer **out, const char *path,
                                           const afmt_writer_options *opts);
/* A post whose encoding comes salted: its id taken, its content (e's
 * size bytes) stored once, its record added with the content's place. */
AFMT_INTERNAL int afmt_writer_add_salted_post(afmt_writer *w, const uint8_t *enc, size_t len,
                                              const void *content);
/* A file (whose blob parts the caller stored first, with
 * afmt_writer_store_blob, naming entry w->entries) or a withheld entry. */
AFMT_INTERNAL int afmt_writer_add_salted_entry(afmt_writer *w, const uint8_t *enc, size_t len);
/* Makes the signature section (into sigsec) once the index is written:
 * given the new index head, and the root and entry count of the leaves
 * written, which must be the checkpoint's. */
typedef int (*afmt_rewrite_sign_fn)(void *ctx, const uint8_t head[AFMT_HASH_BYTES],
                                    const uint8_t root[AFMT_HASH_BYTES], uint64_t entries,
                                    afmt_buf *sigsec, char *err);
/* Finishes a rewrite: the last blocks, the index, then `checkpoint` as it
 * is and the signature section `sign` makes. */
AFMT_INTERNAL int afmt_writer_finish_rewrite(afmt_writer *w, const uint8_t *checkpoint,
                                             size_t cp_len, afmt_rewrite_sign_fn sign,
                                             void *ctx);

/* At finish: no two files share a path and no file's path is another's folder. */
AFMT_INTERNAL int afmt_writer_check_paths(afmt_writer *w);

#endif
