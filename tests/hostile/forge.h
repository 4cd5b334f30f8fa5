/*
 * forge.h - an independent, deliberately permissive writer of afmt bundles
 * for the robustness suite (issue 5).  It encodes whatever it is told,
 * valid or not, and signs it with a test key, so that a hostile bundle can
 * get past the signature and reach the parsers behind it.  Written from
 * spec/FORMAT.md alone, on libsodium and zstd only: it does not use the
 * library it tests (the bundles it forges as valid are checked by the
 * library's reader, which cross-checks both).
 */
#ifndef AFMT_FORGE_H
#define AFMT_FORGE_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- buffers */

typedef struct fbuf {
    uint8_t *p;
    size_t n, cap;
} fbuf;

void fb_put(fbuf *b, const void *data, size_t len);
void fb_u8(fbuf *b, uint8_t v);
void fb_u16(fbuf *b, uint16_t v);
void fb_u32(fbuf *b, uint32_t v);
void fb_u64(fbuf *b, uint64_t v);
void fb_str16(fbuf *b, const void *s, size_t len); /* u16 length, bytes */
void fb_copy(fbuf *dst, const fbuf *src);
void fb_free(fbuf *b);
void fb_reset(fbuf *b);

void st16(uint8_t *p, uint16_t v);
void st32(uint8_t *p, uint32_t v);
void st64(uint8_t *p, uint64_t v);
uint32_t ld32(const uint8_t *p);
uint64_t ld64(const uint8_t *p);

/* Aborts with a message: the forger has no error paths worth keeping. */
void forge_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---------------------------------------------------------------- hashing */

void fh_hash(uint8_t out[32], const void *data, size_t len); /* BLAKE2b-256 */
/* RFC 9162 tree head over n leaves of H(0x00 || record). */
void fh_root(uint8_t out[32], const uint8_t *leaves, uint64_t n);

/* ---------------------------------------------------------------- keys */

typedef struct fkey {
    uint8_t id[8];
    uint8_t pk[32];
    uint8_t sk[64]; /* libsodium's: seed || public key */
} fkey;

/* A deterministic key from a one-byte seed and a key id. */
void fk_make(fkey *k, uint8_t seed, uint64_t id);
/* Text of a minisign public key file / of the base64 line alone. */
void fk_pub_text(fbuf *out, const fkey *k);
void fk_pub_b64(char out[57], const fkey *k);
/* Text of a minisign secret key file: unencrypted (pass NULL) or
 * scrypt-encrypted with the given (small) cost. */
void fk_sec_text(fbuf *out, const fkey *k, const char *pass, uint64_t ops, uint64_t mem);
/* The raw 158-byte secret key blob, before base64 (for malformed files). */
void fk_sec_blob(uint8_t blob[158], const fkey *k, const char *pass, uint64_t ops,
                 uint64_t mem);

/* ---------------------------------------------------------------- zstd */

/* One zstd frame of src: level, with/without Frame_Content_Size, window
 * log (0 = zstd's choice), content checksum. */
void fz_compress(fbuf *out, const void *src, size_t len, int level, int with_size,
                 int window_log, int checksum);

/* The fields of a frame header (RFC 8878 3.1.1.1). */
typedef struct fz_header {
    int single_segment;
    int checksum;
    int has_window;
    uint8_t window_descriptor;
    int dict_len;        /* 0, 1, 2 or 4 bytes */
    uint32_t dict_id;
    int fcs_len;         /* 0, 1, 2, 4 or 8 bytes */
    uint64_t fcs;
    size_t header_len;   /* magic included */
} fz_header;

int fz_parse(fz_header *h, const uint8_t *f, size_t len);
/* Rebuilds frame `f` with header `h` (its lengths and values as given)
 * and the original frame's blocks. */
void fz_rebuild(fbuf *out, const uint8_t *f, size_t len, const fz_header *h);

/* ---------------------------------------------------------------- entries */

/* Post encoding (spec 8.1), every field as given, nothing checked.
 * NULL parent/author/title omit the field unless flags say otherwise:
 * the flag byte is written as `flags` exactly. */
typedef struct fpost {
    uint8_t flags;
    uint8_t salt[16];
    uint8_t hash[32];
    uint64_t size;
    int64_t created;
    const void *id;     size_t id_len;
    const void *media;  size_t media_len;
    const void *parent; size_t parent_len;
    const void *author; size_t author_len;
    const void *title;  size_t title_len;
    uint64_t missing;
} fpost;

void fe_post(fbuf *out, const fpost *p);
/* A well-formed post: flags from which fields are set, hash and size of
 * `content`. */
void fe_post_simple(fbuf *out, const char *id, size_t id_len, const char *parent,
                    const void *content, size_t content_len);
/* File encoding (spec 8.2): fixed part then `parts` (already encoded). */
void fe_file(fbuf *out, uint8_t flags, uint64_t total, const void *path, size_t path_len,
             uint32_t nparts, const fbuf *parts);
void fp_entry(fbuf *parts, uint64_t entry);
void fp_inline(fbuf *parts, const void *data, size_t len);
void fp_blob(fbuf *parts, const uint8_t hash[32], uint64_t size);

/* ---------------------------------------------------------------- bundles */

/* A bundle being forged, kept as its sections so that a case can alter any
 * of them and then re-derive (or not) what follows. */
typedef struct fbundle {
    uint8_t header[16];
    fbuf blocks;        /* the frames, back to back */
    /* the index: header fields, then the body (tables and records) that
     * fb_pack compresses into the index frame */
    uint32_t compression, index_flags;
    uint64_t n_entries, n_blocks, n_blobs; /* as written in the index header */
    int records_size_set;                  /* records_size given explicitly */
    uint64_t records_size;
    fbuf block_table, blob_table, records;
    fbuf body;          /* built by fb_body() */
    fbuf index;         /* built by fb_pack(): header and frame */
    fbuf checkpoint;    /* built by fb_checkpoint() */
    fbuf sig;           /* built by fb_sign() */
    uint8_t trailer[32];
    fbuf tail;          /* bytes after the trailer */
    /* checkpoint fields */
    const char *title;
    uint64_t created;
    int entries_set;    /* checkpoint entry count given explicitly */
    uint64_t entries;
    int root_set;
    uint8_t root[32];
    const char *comment; /* trusted comment; NULL = default */
} fbundle;

void fb_init(fbundle *b);
void fb_release(fbundle *b);

/* Appends a block holding `data` (one frame, level 3, with content size)
 * and its table record; returns the block number. */
uint64_t fb_add_block(fbundle *b, const void *data, size_t len);
/* The same with a frame the caller made; `size` is the decompressed size
 * the table declares. */
uint64_t fb_add_frame(fbundle *b, const void *frame, size_t frame_len, uint64_t size);
/* Blob row (spec 7.3): the reference that introduces the blob. */
void fb_add_blob(fbundle *b, uint32_t entry, uint32_t part);
/* Entry record: u32 length then the encoding. */
void fb_add_record(fbundle *b, const fbuf *enc);

/* The steps of sealing a bundle, each from the sections before it:
 *   fb_body        index body: block table, blob table, records
 *   fb_pack        index section: the header fields, then the body as one
 *                  zstd frame (level 3, with its content size)
 *   fb_checkpoint  the six lines: entries, root computed over the records
 *                  of the body (unless set), H(index)
 *   fb_sign        the signature section over the checkpoint with `k`
 *   fb_trailer     the trailer from the sections' sizes
 * fb_index runs the first two, fb_seal all five. */
void fb_body(fbundle *b);
void fb_pack(fbundle *b);
void fb_index(fbundle *b);
void fb_checkpoint(fbundle *b);
void fb_sign(fbundle *b, const fkey *k);
void fb_trailer(fbundle *b);
void fb_seal(fbundle *b, const fkey *k);
/* Replaces the index frame (after the 40-byte header) with `frame`. */
void fb_set_index_frame(fbundle *b, const fbuf *frame);
/* The whole file. */
void fb_bytes(fbuf *out, const fbundle *b);
void fb_write(const fbundle *b, const char *path);

/* Signature section over `cp` (any bytes) with key `k`, written with the
 * algorithm tags given ("ED" and "Ed" for a valid one). */
void fs_sigsec(fbuf *out, const fkey *k, const void *cp, size_t cp_len, const char *comment,
               size_t comment_len, const char sig_alg[2], const char pk_alg[2]);

/* The root of the records in an index body whose tables take `tables`
 * bytes (lenient: walks as many records as parse, at most `entries`). */
void fi_root(uint8_t out[32], const uint8_t *body, size_t len, size_t tables,
             uint64_t entries);
/* Decompresses the frame of an index section into `body` (at most `max`
 * bytes); returns 0 on success. */
int fi_body(fbuf *body, const uint8_t *index, size_t len, size_t max);

/* File helpers. */
void write_file(const char *path, const void *data, size_t len);
uint8_t *read_file(const char *path, size_t *len);

#endif
