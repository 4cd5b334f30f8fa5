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

void fh_hash(uint8_t out[32], const void *data, size_t len); /* SHA-256 */
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

/* One index page (spec 7.2): its decompressed bytes and its frame. */
typedef struct fpage {
    fbuf data;          /* decompressed: what the directory's `size` says */
    fbuf frame;         /* the zstd frame: made by fb_pack unless frame_set */
    int frame_set;      /* the case gave the frame: fb_pack keeps it */
    int first_set;      /* the case gave `first`: fb_pack keeps it */
    uint64_t first;
    uint64_t count;     /* a record page: how many records it holds */
} fpage;

/* A bundle being forged, kept as its sections so that a case can alter any
 * of them and then re-derive (or not) what follows.  Draft 1.2: the index
 * is a 56-byte header, a page directory and the pages (block table, blob
 * table, record pages, id pages). */
typedef struct fbundle {
    uint8_t header[16];
    fbuf blocks;        /* the frames, back to back */
    /* index header fields: as written, or derived by fb_pack unless *_set */
    uint32_t compression, index_flags;
    uint64_t n_entries, n_blocks, n_blobs;
    int posts_set;      uint64_t posts;        /* default: the post records */
    int record_pages_set; uint64_t record_pages; /* default: the record pages made */
    int records_size_set; uint64_t records_size; /* default: their bytes */
    /* what the pages are cut from */
    fbuf block_table, blob_table;
    fbuf records;       /* the forger's own list: u32 block, u32 offset (the
                           place), u32 L, encoding; fb_body lays them out in
                           record pages as 7.5 says: records, then places */
    int places_manual;  /* 0: fb_body writes every post's place (7.5) */
    int ids_set;        /* 1: `ids` is the id table, as given */
    fbuf ids;           /* rows of FI_ID_ROW bytes: u64 id key, u32 entry */
    size_t page_bytes;  /* a record page closes at this many bytes (0: 64 KiB) */
    uint64_t page_records; /* ...or at this many records (0: no such limit) */
    const uint64_t *page_split; /* or: the record pages hold these many records */
    size_t n_split;
    int level;          /* zstd level of the pages (0: 3) */
    /* built by fb_body: pages[0] block table, [1] blob table, then
     * n_record_pages record pages, then n_id_pages id pages */
    fpage *pages;
    size_t npages, n_record_pages, n_id_pages;
    fbuf index;         /* built by fb_pack: header, directory, frames */
    fbuf checkpoint;    /* built by fb_checkpoint() */
    char cp_origin[55];  /* ...with this origin, root and index hash */
    uint8_t cp_root[32], cp_index[32];
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
/* Blob row (spec 7.4): the reference that introduces the blob. */
void fb_add_blob(fbundle *b, uint32_t entry, uint32_t part);
/* Entry record (spec 7.5) in the forger's list: place 0, 0 (fb_body fills
 * it in), u32 length, the encoding. */
void fb_add_record(fbundle *b, const fbuf *enc);

/* The steps of sealing a bundle, each from the sections before it:
 *   fb_body        the places of the posts (unless places_manual), then the
 *                  pages' bytes: block table, blob table, records cut into
 *                  record pages, the id table (computed unless ids_set) cut
 *                  into pages of 4096 rows
 *   fb_pack        the index section: each page compressed (level 3, with
 *                  its content size) unless its frame was given, the header
 *                  fields, the directory rows (csize and size from the frame
 *                  and the bytes, `first` derived unless given, the hash)
 *   fb_checkpoint  the six lines: entries (the index header's), root over
 *                  the records of the record pages (unless set), H(index
 *                  head), the head sized from the header's counts as a
 *                  reader sizes it
 *   fb_sign        the signature section over the checkpoint with `k`
 *   fb_trailer     the trailer from the sections' sizes
 * fb_index runs the first two, fb_seal all five. */
void fb_places(fbundle *b);
void fb_body(fbundle *b);
void fb_pack(fbundle *b);
void fb_index(fbundle *b);
void fb_checkpoint(fbundle *b);
void fb_sign(fbundle *b, const fkey *k);
/* The fuzzers' index input (tests/fuzz/fuzz_index.c), made into a signed
 * bundle in b up to its trailer (fb_bytes gives the file):
 *     u32 A | A bytes: the blocks | 56 bytes: index header |
 *     pages, each: u64 first | u32 n | n bytes (the page decompressed)
 * Returns 0, with b untouched, when the input is too short for a header. */
int fb_forge_fuzz_index(fbundle *b, const uint8_t *data, size_t size, const fkey *key);
void fb_trailer(fbundle *b);
void fb_seal(fbundle *b, const fkey *k);
/* A new, empty page at the end of b->pages. */
fpage *fb_new_page(fbundle *b);
/* Each record page's count from the pages' `first` values and `entries`. */
void fb_counts_from_firsts(fbundle *b, uint64_t entries);
/* The place (8 bytes) and the length field (4 bytes) of the i-th record
 * of page `page`, in the page's bytes (fb_body must have run). */
uint8_t *fb_place(fbundle *b, size_t page, uint64_t i);
uint8_t *fb_reclen(fbundle *b, size_t page, uint64_t i);
/* Gives page p the frame `frame` (fb_pack then keeps it). */
void fb_set_page_frame(fbundle *b, size_t p, const fbuf *frame);
/* Row p of the directory in the packed index (fb_pack must have run). */
uint8_t *fb_row(fbundle *b, size_t p);
/* The page number of record page k and of id page k. */
size_t fb_rec_page(const fbundle *b, size_t k);
size_t fb_id_page(const fbundle *b, size_t k);
/* The whole file. */
void fb_bytes(fbuf *out, const fbundle *b);
void fb_write(const fbundle *b, const char *path);

/* The id key of an id (spec 7.6). */
uint64_t fi_key(const void *id, size_t len);
/* The id of a post encoding, leniently: 0 when it has none. */
int fi_post_id(const uint8_t *enc, size_t len, const uint8_t **id, size_t *id_len);
/* How many bytes of an index section of `len` bytes its header says the
 * head (header and directory) takes, as a reader works it out (all of it
 * when the counts are absurd). */
size_t fi_head_len(const uint8_t *index, size_t len);

/* Signature section over `cp` (any bytes) with key `k`, written with the
 * algorithm tags given ("ED" and "Ed" for a valid one). */
/* The key whose log fb_checkpoint's origin names (spec 6.1); set once. */
void fb_set_origin_key(const fkey *k);
/* The origin of the log a capture by k with these values starts. */
void fb_origin(char out[55], const fkey *k, int64_t created, uint64_t entries,
               const uint8_t root[32]);
void fs_sigsec(fbuf *out, const fkey *k, const void *cp, size_t cp_len, const char *comment,
               size_t comment_len, const char sig_alg[2], const char pk_alg[2]);

/* The same with minisign's legacy signature (over the bytes, no prehash)
 * when `legacy`, and `pk_id` as the public key's id. */
void fs_sigsec_ex(fbuf *out, const fkey *k, const void *cp, size_t cp_len, const char *comment,
                  size_t comment_len, const char sig_alg[2], const char pk_alg[2], int legacy,
                  const uint8_t pk_id[8]);

/* An id table row (spec 7.6): u64 id key, u32 entry number. */
#define FI_ID_ROW 12
void fi_id_row(fbuf *rows, uint64_t key, uint32_t entry);
/* The id table (spec 7.6) of entries enc[0..n) (their encodings): every
 * post by (id key, entry number), as rows appended to `rows`.  A post
 * too short to hold its id counts with key 0 when keep_cut, else not. */
void fi_id_rows(fbuf *rows, const uint8_t *const *enc, const size_t *len, size_t n,
                int keep_cut);

/* Decodes every page of an index section into `out`, each as u64 first
 * (its directory row's), u32 size, the bytes (at most `max` bytes in all);
 * returns 0 on success. */
int fi_pages(fbuf *out, const uint8_t *index, size_t len, size_t max);

/* File helpers. */
void write_file(const char *path, const void *data, size_t len);
uint8_t *read_file(const char *path, size_t *len);

#endif
