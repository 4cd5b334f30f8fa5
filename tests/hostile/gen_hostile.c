/*
 * gen_hostile.c - writes the hostile bundles and key files of the
 * robustness suite (issue 5), and a manifest saying what `afmt` must do
 * with each.  The shell scripts tests/cli/hostile_*.sh run the command on
 * them; see tests/ROBUSTNESS.md.
 *
 *   gen_hostile OUTDIR            cases/, keys/, inputs/, manifest.tsv, keys.tsv
 *   gen_hostile --groups G,G OUTDIR   only those groups (valid, empty, header,
 *                                 numbers, overflow, counts, tables, refs,
 *                                 duplicates, append, second, checkpoint,
 *                                 signature, zstd, pageframe, directory,
 *                                 idtable, places, hash, ids, paths, bomb, keys)
 *   gen_hostile --check OUTDIR    (built with -DGEN_HOSTILE_CHECK and the library)
 *                                 the same, then opens and verifies every case
 *                                 with the library and prints where the
 *                                 library and the manifest disagree
 *   gen_hostile --seeds OUTDIR BUNDLE...
 *                                 fuzz seeds cut from bundles: index/, entry/,
 *                                 checkpoint/, sigsec/ (tests/fuzz/run)
 *
 * Bundles are forged with forge.c (an independent writer of format draft
 * 1.2), signed by a test key made from a fixed seed.  The manifest has one
 * line per case:
 *
 *   group  name  file  expect  cat_id_hex  posts  plant  cat_hashes
 *
 * `expect` has one character per command, in this order:
 *   verify -p K | list | list -p K | cat -p K ID | extract -p K | extract --posts -p K
 * each '0' (must succeed), '1' (must exit 1: not authentic or not intact),
 * '3' (must exit 3), 'E' (must fail cleanly: exit 1 or 3), 'A' (any clean
 * exit: 0, 1 or 3).  `posts` is the number of posts of a bundle that must
 * extract with --posts, or '-'.  `plant` names symbolic links the script
 * plants in the extraction folder first ("x:canary,d:outside"), or '-'.
 * `cat_hashes`: the content hashes (hex, comma-separated) of the forged
 * posts with the id `cat` asks for, or '-': whenever `cat` succeeds, what
 * it printed must hash to one of them.  `cat` reads only the index pages
 * and the block on its way to the post (spec 10.1), so on a bundle damaged
 * elsewhere it may succeed: such cases expect 'A' of it (profile IBAD).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#ifdef GEN_HOSTILE_CHECK
#include "afmt.h" /* --check only: the generator itself does not use the library */
#endif
#include "forge.h"

/* Expectation profiles (see above). */
#define OK "000000"
#define BAD "111111"       /* rejected when opened */
#define CONTENT "100111"   /* index sound, content not: list succeeds */
#define UNTRUSTED "101111" /* sound, but signed by a key that is not K */
/* Refused when opened; `cat` reads only the index pages and the block on
 * its way to the post (spec 10.1), so damage elsewhere may let it print
 * the post (whose bytes must then hash to its signed content hash: the
 * manifest's last column) or find no such post: any clean exit. */
#define IBAD "111A11"

/* The page-slack bomb of group pageframe: this many record pages of 1 MiB
 * (see tests/ROBUSTNESS.md) */
#ifndef PAGE_SLACK_PAGES
#define PAGE_SLACK_PAGES 1000
#endif
#ifndef PAGE_SLACK_EXPECT
#define PAGE_SLACK_EXPECT IBAD
#endif

static const char *outdir;
static FILE *manifest, *keys_manifest;
static fkey K, O, S; /* test key, another key, another key with K's id */
static unsigned ncases;

/* ------------------------------------------------------------ output */

static void mkdir_p(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        forge_die("mkdir %s: %s", path, strerror(errno));
}

static void hex_id(char *out, size_t cap, const void *id, size_t len)
{
    const uint8_t *p = id;
    if (len == 0 || 2 * len + 1 > cap) {
        snprintf(out, cap, "-");
        return;
    }
    for (size_t i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* The content hashes (hex, comma-separated) of the posts of `b` whose id
 * is `id`: what `cat` may print when it succeeds, or "-". */
static void cat_hashes(char *out, size_t cap, const fbundle *b, const void *id, size_t len)
{
    size_t n = 0, pos = 0;
    out[0] = 0;
    while (b != NULL && b->records.n - pos >= 12) {
        const uint8_t *r = b->records.p + pos, *pid;
        uint32_t l = ld32(r + 8);
        size_t pid_len;
        if (b->records.n - pos - 12 < l)
            break;
        if (l >= 58 && fi_post_id(r + 12, l, &pid, &pid_len) && pid_len == len &&
            memcmp(pid, id, len) == 0 && n + 66 < cap) {
            if (n > 0)
                out[n++] = ',';
            for (int i = 0; i < 32; i++)
                snprintf(out + n + 2 * (size_t)i, 3, "%02x", r[12 + 18 + i]);
            n += 64;
        }
        pos += 12 + (size_t)l;
    }
    if (n == 0)
        snprintf(out, cap, "-");
}

/* Writes a case and its manifest line; `src`, when not NULL, is the bundle
 * it was forged from (for the hashes `cat` may print). */
static void emit_raw(const char *group, const char *name, const fbuf *bytes, const char *expect,
                     const void *cat_id, size_t cat_len, int posts, const char *plant,
                     const fbundle *src)
{
    char path[4096], file[512], hex[2 * 4096 + 1], hashes[1024];
    snprintf(file, sizeof file, "%s.%s.afmt", group, name);
    snprintf(path, sizeof path, "%s/cases/%s", outdir, file);
    write_file(path, bytes->p, bytes->n);
    hex_id(hex, sizeof hex, cat_id, cat_len);
    cat_hashes(hashes, sizeof hashes, src, cat_id, cat_len);
    char pn[16];
    if (posts < 0)
        snprintf(pn, sizeof pn, "-");
    else
        snprintf(pn, sizeof pn, "%d", posts);
    fprintf(manifest, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", group, name, file, expect, hex, pn,
            plant ? plant : "-", hashes);
    ncases++;
}

static void emit(const char *group, const char *name, const fbundle *b, const char *expect,
                 const char *cat_id, int posts, const char *plant)
{
    fbuf out = {0};
    fb_bytes(&out, b);
    emit_raw(group, name, &out, expect, cat_id, cat_id ? strlen(cat_id) : 0, posts, plant, b);
    fb_free(&out);
}

/* ------------------------------------------------------------ the base thread */

static const char C1[] = "Has anyone kept a sourdough starter alive over a two-week holiday?";
static const char C2[] = "Feed it, put it in the fridge, and it will be fine when you are back.";
static const char C4[] = "I dry a spoonful on baking paper as a backup. Works every time.";

#define NENC 5

typedef struct base {
    fbundle b;
    fbuf e[NENC]; /* posts 1, 2, 3 (empty), 4, then the file thread.txt */
} base;

/* Encodes the base thread: one block (or two) holding the three non-empty
 * contents, four posts and a file made of them.  Records are not added
 * yet, so a case may change the encodings first. */
static void base_init(base *t, int two_blocks)
{
    memset(t, 0, sizeof *t);
    fb_init(&t->b);
    size_t l1 = strlen(C1), l2 = strlen(C2), l4 = strlen(C4);
    fbuf data = {0};
    if (!two_blocks) {
        fb_put(&data, C1, l1);
        fb_put(&data, C2, l2);
        fb_put(&data, C4, l4);
        fb_add_block(&t->b, data.p, data.n);
        fb_add_blob(&t->b, 0, 0);
        fb_add_blob(&t->b, 1, 0);
        fb_add_blob(&t->b, 3, 0);
    } else {
        fb_put(&data, C1, l1);
        fb_put(&data, C2, l2);
        fb_add_block(&t->b, data.p, data.n);
        fb_add_block(&t->b, C4, l4);
        fb_add_blob(&t->b, 0, 0);
        fb_add_blob(&t->b, 1, 0);
        fb_add_blob(&t->b, 3, 0);
    }
    fb_free(&data);
    fe_post_simple(&t->e[0], "1", 1, NULL, C1, l1);
    fe_post_simple(&t->e[1], "2", 1, "1", C2, l2);
    fe_post_simple(&t->e[2], "3", 1, "1", "", 0);
    fe_post_simple(&t->e[3], "4", 1, "2", C4, l4);
    fbuf parts = {0};
    fp_entry(&parts, 0);
    fp_inline(&parts, "\n", 1);
    fp_entry(&parts, 1);
    fp_inline(&parts, "\n", 1);
    fp_entry(&parts, 2);
    fp_inline(&parts, "\n", 1);
    fp_entry(&parts, 3);
    fp_inline(&parts, "\n", 1);
    fe_file(&t->e[4], 0, l1 + l2 + l4 + 4, "thread.txt", 10, 8, &parts);
    fb_free(&parts);
}

static void base_records(base *t)
{
    for (int i = 0; i < NENC; i++)
        if (t->e[i].n > 0)
            fb_add_record(&t->b, &t->e[i]);
}

static void base_free(base *t)
{
    fb_release(&t->b);
    for (int i = 0; i < NENC; i++)
        fb_free(&t->e[i]);
}

/* A sealed, valid base bundle. */
static void base_sealed(base *t, int two_blocks)
{
    base_init(t, two_blocks);
    base_records(t);
    fb_seal(&t->b, &K);
}

/* Re-derives checkpoint, signature and trailer after the index changed. */
static void reseal(fbundle *b)
{
    fb_checkpoint(b);
    fb_sign(b, &K);
    fb_trailer(b);
}

/* Offsets into the encodings (spec 8.1, 8.2). */
#define POST_FLAGS 1
#define POST_HASH 18
#define POST_SIZE 50
#define POST_CREATED 58
#define POST_ID_LEN 66
#define FILE_TOTAL 18
#define FILE_PATH_LEN 26

/* Rows of the pages (fb_body must have run; fb_pack after a change):
 * the block table, the blob table, the record of entry i (the base's
 * records all sit in one record page): its place. */
static uint8_t *ix_block(fbundle *b, uint64_t i)
{
    return b->pages[0].data.p + 56 * i;
}

static uint8_t *ix_blob(fbundle *b, uint64_t j)
{
    return b->pages[1].data.p + 8 * j;
}

static uint8_t *ix_record(base *t, int i)
{
    return fb_place(&t->b, fb_rec_page(&t->b, 0), (uint64_t)i);
}

/* After a change to the pages: compress them again, then reseal. */
static void repack(fbundle *b)
{
    fb_pack(b);
    reseal(b);
}

/* ------------------------------------------------------------ groups */

static void group_valid(void)
{
    base t;
    base_sealed(&t, 0);
    emit("valid", "base", &t.b, OK, "1", 4, NULL);
    base_free(&t);
    base_sealed(&t, 1);
    emit("valid", "two_blocks", &t.b, OK, "4", 4, NULL);
    base_free(&t);
    /* The empty bundle: no block, no entry. */
    fbundle e;
    fb_init(&e);
    fb_seal(&e, &K);
    emit("valid", "empty_bundle", &e, "000300", NULL, 0, NULL); /* cat 1: no such post */
    fb_release(&e);
}

static void group_empty(void)
{
    static const uint8_t magic[8] = {0x8A, 'A', 'F', 'M', 'T', 0x0D, 0x0A, 0x1A};
    fbuf f = {0};
    emit_raw("empty", "zero_bytes", &f, BAD, "1", 1, -1, NULL, NULL);
    fb_u8(&f, 0x8A);
    emit_raw("empty", "one_byte", &f, BAD, "1", 1, -1, NULL, NULL);
    fb_reset(&f);
    fb_put(&f, magic, 8);
    emit_raw("empty", "magic_only", &f, BAD, "1", 1, -1, NULL, NULL);
    /* the magic then 1 to 7 more bytes: shorter than a header (the
     * fuzzer found the reader comparing these with the 8-byte magic) */
    for (int extra = 1; extra < 8; extra++) {
        fb_reset(&f);
        fb_put(&f, magic, 8);
        fb_put(&f, "\1\0\0\0\0\0\0", (size_t)extra);
        char name[32];
        snprintf(name, sizeof name, "magic_plus_%d_bytes", extra);
        emit_raw("empty", name, &f, BAD, "1", 1, -1, NULL, NULL);
    }
    fb_reset(&f);
    fb_put(&f, magic, 8);
    fb_u32(&f, 1);
    fb_u32(&f, 0);
    emit_raw("empty", "header_only", &f, BAD, "1", 1, -1, NULL, NULL);
    uint8_t z[47] = {0};
    fb_put(&f, z, 31);
    emit_raw("empty", "47_bytes", &f, BAD, "1", 1, -1, NULL, NULL);
    fb_reset(&f);
    fb_put(&f, "This is not a bundle at all, just text.\n", 40);
    emit_raw("empty", "text_file", &f, BAD, "1", 1, -1, NULL, NULL);
    fb_free(&f);
}

/* Header: magic, version, flags.  The header is not signed (it is a
 * constant), so no re-signing is needed. */
static void group_header(void)
{
    char name[64];
    for (int i = 0; i < 8; i++) {
        base t;
        base_sealed(&t, 0);
        t.b.header[i] ^= 0x20;
        snprintf(name, sizeof name, "magic_byte%d", i);
        emit("header", name, &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
    static const uint32_t versions[] = {0, 1, 3, 0x7FFFFFFF, 0xFFFFFFFF};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        base t;
        base_sealed(&t, 0);
        st32(t.b.header + 8, versions[i]);
        snprintf(name, sizeof name, "version_%u", versions[i]);
        emit("header", name, &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
    static const uint32_t flags[] = {1, 2, 0x80000000u, 0xFFFFFFFF};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        base t;
        base_sealed(&t, 0);
        st32(t.b.header + 12, flags[i]);
        snprintf(name, sizeof name, "flags_0x%x", flags[i]);
        emit("header", name, &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
    /* The end magic. */
    for (int i = 0; i < 8; i += 7) {
        base t;
        base_sealed(&t, 0);
        t.b.trailer[24 + i] ^= 0x01;
        snprintf(name, sizeof name, "end_magic_byte%d", i);
        emit("header", name, &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
    /* Algorithm ids inside the signed part (re-signed). */
    static const uint32_t comps[] = {0, 2, 0xFFFFFFFF};
    for (size_t i = 0; i < sizeof comps / sizeof comps[0]; i++) {
        base t;
        base_init(&t, 0);
        base_records(&t);
        t.b.compression = comps[i];
        fb_seal(&t.b, &K);
        snprintf(name, sizeof name, "compression_%u", comps[i]);
        emit("header", name, &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
    static const uint32_t iflags[] = {1, 0x80000000u};
    for (size_t i = 0; i < sizeof iflags / sizeof iflags[0]; i++) {
        base t;
        base_init(&t, 0);
        base_records(&t);
        t.b.index_flags = iflags[i];
        fb_seal(&t.b, &K);
        snprintf(name, sizeof name, "index_flags_0x%x", iflags[i]);
        emit("header", name, &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
    /* Entry types, post and file flag bits, part kinds (re-signed). */
    static const uint8_t types[] = {0x00, 0x03, 0x04, 0x7F, 0xFF};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        base t;
        base_init(&t, 0);
        t.e[3].p[0] = types[i];
        base_records(&t);
        fb_seal(&t.b, &K);
        snprintf(name, sizeof name, "entry_type_0x%02x", types[i]);
        emit("header", name, &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
    }
    static const uint8_t pflags[] = {0x40, 0x80};
    for (size_t i = 0; i < sizeof pflags / sizeof pflags[0]; i++) {
        base t;
        base_init(&t, 0);
        t.e[0].p[POST_FLAGS] |= pflags[i];
        base_records(&t);
        fb_seal(&t.b, &K);
        snprintf(name, sizeof name, "post_flag_0x%02x", pflags[i]);
        emit("header", name, &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
    }
    static const uint8_t fflags[] = {0x01, 0x80};
    for (size_t i = 0; i < sizeof fflags / sizeof fflags[0]; i++) {
        base t;
        base_init(&t, 0);
        t.e[4].p[1] = fflags[i];
        base_records(&t);
        fb_seal(&t.b, &K);
        snprintf(name, sizeof name, "file_flag_0x%02x", fflags[i]);
        emit("header", name, &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
    }
    static const uint8_t kinds[] = {0x00, 0x04, 0xFF};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        base t;
        base_init(&t, 0);
        /* first part's kind byte: after the fixed part, path and count */
        size_t at = FILE_PATH_LEN + 2 + 10 + 4;
        t.e[4].p[at] = kinds[i];
        base_records(&t);
        fb_seal(&t.b, &K);
        snprintf(name, sizeof name, "part_kind_0x%02x", kinds[i]);
        emit("header", name, &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
    }
}

/* ------------------------------------------------------------ numbers */

enum field {
    F_TR_INDEX_OFFSET, F_TR_INDEX_SIZE, F_TR_CP_SIZE, F_TR_SIG_SIZE,
    F_IX_ENTRIES, F_IX_POSTS, F_IX_BLOCKS, F_IX_BLOBS, F_IX_RECORD_PAGES, F_IX_RECORDS,
    F_PAGE_CSIZE, F_PAGE_SIZE, F_PAGE_FIRST, F_IDPAGE_SIZE, F_IDPAGE_FIRST,
    F_BLOCK_OFFSET, F_BLOCK_CSIZE, F_BLOCK_SIZE,
    F_BLOB_ENTRY, F_BLOB_PART,
    F_REC_BLOCK, F_REC_OFFSET, F_ID_ROW, F_ID_KEY,
    F_POST_SIZE, F_POST_CREATED, F_POST_MISSING,
    F_FILE_TOTAL, F_FILE_NPARTS, F_PART_ENTRY, F_PART_INLINE_LEN,
    F_RECORD_LEN, F_POST_ID_LEN, F_POST_MEDIA_LEN,
    F_CP_ENTRIES, F_CP_CREATED,
    F_COUNT
};

static const char *const field_names[F_COUNT] = {
    "trailer_index_offset", "trailer_index_size", "trailer_checkpoint_size",
    "trailer_signature_size", "index_entry_count", "index_post_count", "index_block_count",
    "index_blob_count", "index_record_pages", "index_records_size", "record_page_csize",
    "record_page_size", "record_page_first", "id_page_size", "id_page_first", "block_offset",
    "block_compressed_size", "block_size", "blob_entry", "blob_part", "record_block",
    "record_offset", "id_row", "id_row_key", "post_content_size", "post_created",
    "post_missing_replies", "file_total_size", "file_part_count", "part_entry_number", "part_inline_length",
    "record_length", "post_id_length", "post_media_type_length", "checkpoint_entries",
    "checkpoint_created"};

/* Width in bits of each field (what a value is truncated to). */
static int field_bits(enum field f)
{
    switch (f) {
    case F_TR_CP_SIZE: case F_TR_SIG_SIZE: case F_FILE_NPARTS: case F_RECORD_LEN:
    case F_BLOB_ENTRY: case F_BLOB_PART: case F_PAGE_CSIZE: case F_PAGE_SIZE:
    case F_IDPAGE_SIZE: case F_REC_BLOCK: case F_REC_OFFSET: case F_ID_ROW:
        return 32;
    case F_PART_INLINE_LEN: case F_POST_ID_LEN: case F_POST_MEDIA_LEN:
        return 16;
    default:
        return 64;
    }
}

/* Whether a field is in the part of the bundle every reader checks first
 * (trailer, index head, checkpoint), or in the pages and entries (IBAD). */
static int field_in_head(enum field f)
{
    /* an id page's `first` is a key that only guides the binary search of
     * a lookup: a wrong one is found by full checks, not by `cat` */
    return (f <= F_IDPAGE_SIZE || f == F_CP_ENTRIES || f == F_CP_CREATED);
}

/* Builds the base bundle with field f set to v; returns 1 when the value
 * is the one already there or one the format allows (the bundle is then
 * valid), 0 when it must be rejected. */
static int numeric_bundle(base *t, enum field f, uint64_t v)
{
    base_init(t, 0);
    uint64_t old = 0;
    int allowed = 0;
    size_t inline_at = FILE_PATH_LEN + 2 + 10 + 4 + 9 + 1; /* first inline part's u16 */
    switch (f) {
    case F_POST_SIZE:
        old = ld64(t->e[0].p + POST_SIZE);
        st64(t->e[0].p + POST_SIZE, v);
        break;
    case F_POST_CREATED:
        old = ld64(t->e[0].p + POST_CREATED);
        st64(t->e[0].p + POST_CREATED, v);
        allowed = (int64_t)v >= -62135596800LL && (int64_t)v <= 253402300799LL;
        break;
    case F_POST_MISSING: {
        /* set "incomplete" and append the count */
        t->e[0].p[POST_FLAGS] |= 0x20;
        fb_u64(&t->e[0], v);
        allowed = 1;
        break;
    }
    case F_FILE_TOTAL:
        old = ld64(t->e[4].p + FILE_TOTAL);
        st64(t->e[4].p + FILE_TOTAL, v);
        break;
    case F_FILE_NPARTS:
        old = ld32(t->e[4].p + FILE_PATH_LEN + 2 + 10);
        st32(t->e[4].p + FILE_PATH_LEN + 2 + 10, (uint32_t)v);
        break;
    case F_PART_ENTRY:
        old = ld64(t->e[4].p + FILE_PATH_LEN + 2 + 10 + 4 + 1);
        st64(t->e[4].p + FILE_PATH_LEN + 2 + 10 + 4 + 1, v);
        break;
    case F_PART_INLINE_LEN:
        old = t->e[4].p[inline_at] | (uint64_t)t->e[4].p[inline_at + 1] << 8;
        st16(t->e[4].p + inline_at, (uint16_t)v);
        break;
    case F_POST_ID_LEN:
        old = 1;
        st16(t->e[0].p + POST_ID_LEN, (uint16_t)v);
        break;
    case F_POST_MEDIA_LEN:
        old = 10;
        st16(t->e[0].p + POST_ID_LEN + 2 + 1, (uint16_t)v);
        break;
    default:
        break;
    }
    base_records(t);
    /* fields of the pages (places computed first), then of the index
     * header and directory */
    fb_body(&t->b);
    uint8_t *p = NULL;
    switch (f) {
    case F_BLOCK_OFFSET: p = ix_block(&t->b, 0); break;
    case F_BLOCK_CSIZE: p = ix_block(&t->b, 0) + 8; break;
    case F_BLOCK_SIZE: p = ix_block(&t->b, 0) + 16; break;
    case F_ID_KEY: p = t->b.pages[fb_id_page(&t->b, 0)].data.p + FI_ID_ROW; break; /* row 1 */
    default: break;
    }
    if (p != NULL) {
        old = ld64(p);
        st64(p, v);
    }
    p = NULL;
    switch (f) {
    case F_BLOB_ENTRY: p = ix_blob(&t->b, 0); break;
    case F_BLOB_PART: p = ix_blob(&t->b, 0) + 4; break;
    case F_RECORD_LEN: p = fb_reclen(&t->b, fb_rec_page(&t->b, 0), 0); break;
    case F_REC_BLOCK: p = ix_record(t, 1); break;     /* post 2: block 0 */
    case F_REC_OFFSET: p = ix_record(t, 1) + 4; break; /* post 2: offset 66 */
    /* row 1 of the id table: its entry number (7.6) */
    case F_ID_ROW: p = t->b.pages[fb_id_page(&t->b, 0)].data.p + FI_ID_ROW + 8; break;
    default: break;
    }
    if (p != NULL) {
        old = ld32(p);
        st32(p, (uint32_t)v);
    }
    fb_pack(&t->b);
    p = NULL;
    switch (f) {
    case F_IX_ENTRIES: p = t->b.index.p + 8; break;
    case F_IX_POSTS: p = t->b.index.p + 16; break;
    case F_IX_BLOCKS: p = t->b.index.p + 24; break;
    case F_IX_BLOBS: p = t->b.index.p + 32; break;
    case F_IX_RECORD_PAGES: p = t->b.index.p + 40; break;
    case F_IX_RECORDS: p = t->b.index.p + 48; break;
    case F_PAGE_FIRST: p = fb_row(&t->b, fb_rec_page(&t->b, 0)) + 8; break;
    case F_IDPAGE_FIRST: p = fb_row(&t->b, fb_id_page(&t->b, 0)) + 8; break;
    default: break;
    }
    if (p != NULL) {
        old = ld64(p);
        st64(p, v);
    }
    p = NULL;
    switch (f) {
    case F_PAGE_CSIZE: p = fb_row(&t->b, fb_rec_page(&t->b, 0)); break;
    case F_PAGE_SIZE: p = fb_row(&t->b, fb_rec_page(&t->b, 0)) + 4; break;
    case F_IDPAGE_SIZE: p = fb_row(&t->b, fb_id_page(&t->b, 0)) + 4; break;
    default: break;
    }
    if (p != NULL) {
        old = ld32(p);
        st32(p, (uint32_t)v);
    }
    if (f == F_CP_ENTRIES) {
        old = 4 + 1;
        t->b.entries_set = 1;
        t->b.entries = v;
    }
    if (f == F_CP_CREATED) {
        old = t->b.created;
        t->b.created = v;
        allowed = v <= (uint64_t)INT64_MAX;
    }
    fb_checkpoint(&t->b);
    fb_sign(&t->b, &K);
    fb_trailer(&t->b);
    switch (f) {
    case F_TR_INDEX_OFFSET: old = ld64(t->b.trailer); st64(t->b.trailer, v); break;
    case F_TR_INDEX_SIZE: old = ld64(t->b.trailer + 8); st64(t->b.trailer + 8, v); break;
    case F_TR_CP_SIZE:
        old = ld32(t->b.trailer + 16);
        st32(t->b.trailer + 16, (uint32_t)v);
        break;
    case F_TR_SIG_SIZE:
        old = ld32(t->b.trailer + 20);
        st32(t->b.trailer + 20, (uint32_t)v);
        break;
    default: break;
    }
    return allowed || old == v;
}

static void group_numbers(void)
{
    static const uint64_t values[] = {0, 1, 0xFFFFFFFFu, (uint64_t)1 << 32, (uint64_t)1 << 63,
                                      UINT64_MAX};
    static const char *const value_names[] = {"0", "1", "2p32m1", "2p32", "2p63", "2p64m1"};
    for (int f = 0; f < F_COUNT; f++) {
        for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
            uint64_t v = values[i];
            int bits = field_bits((enum field)f);
            if (bits < 64 && v > ((uint64_t)1 << bits) - 1)
                continue; /* does not fit: covered by the max value */
            base t;
            int ok = numeric_bundle(&t, (enum field)f, v);
            char name[128];
            snprintf(name, sizeof name, "%s_%s", field_names[f], value_names[i]);
            emit("numbers", name, &t.b, ok ? OK : field_in_head((enum field)f) ? BAD : IBAD, "1",
                 ok ? 4 : -1, NULL);
            base_free(&t);
        }
        /* u16 fields: their maximum */
        if (field_bits((enum field)f) == 16) {
            base t;
            numeric_bundle(&t, (enum field)f, 0xFFFF);
            char name[128];
            snprintf(name, sizeof name, "%s_65535", field_names[f]);
            emit("numbers", name, &t.b, field_in_head((enum field)f) ? BAD : IBAD, "1", -1,
                 NULL);
            base_free(&t);
        }
    }
}

/* Sums that wrap around 2^64 to the value a careless reader expects. */
static void group_overflow(void)
{
    base t;
    /* trailer: index_offset + index_size wraps to the real end */
    base_sealed(&t, 0);
    {
        uint64_t off = ld64(t.b.trailer), size = ld64(t.b.trailer + 8);
        uint64_t woff = UINT64_MAX - 7;            /* 2^64 - 8 */
        uint64_t wsize = off + size + 8;           /* woff + wsize == off + size (mod 2^64) */
        st64(t.b.trailer, woff);
        st64(t.b.trailer + 8, wsize);
        emit("overflow", "trailer_offset_plus_size", &t.b, BAD, "1", -1, NULL);
    }
    base_free(&t);
    base_sealed(&t, 0);
    {
        /* both halves moved by 2^63: their sum is unchanged modulo 2^64 */
        uint64_t off = ld64(t.b.trailer), size = ld64(t.b.trailer + 8);
        st64(t.b.trailer, off + ((uint64_t)1 << 63));
        st64(t.b.trailer + 8, size + ((uint64_t)1 << 63));
        emit("overflow", "trailer_two_halves", &t.b, BAD, "1", -1, NULL);
    }
    base_free(&t);
    /* block_count * 56 wraps to 56: block_count = 1 + 2^61 */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    st64(t.b.index.p + 24, 1 + ((uint64_t)1 << 61));
    reseal(&t.b);
    emit("overflow", "block_count_times_56", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* blob_count * 8 wraps: blob_count = 3 + 2^61 */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    st64(t.b.index.p + 32, 3 + ((uint64_t)1 << 61));
    reseal(&t.b);
    emit("overflow", "blob_count_times_8", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* blob_count = 2^64-1 with records_size making the sum of the pages'
     * sizes (56 blocks + 8 blobs + records + 4 posts) come out */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    {
        uint64_t body = 0;
        for (size_t p = 0; p < t.b.npages; p++)
            body += t.b.pages[p].data.n;
        uint64_t rs = body - 56 * 1 - 8 * UINT64_MAX - 4 * 4;
        st64(t.b.index.p + 32, UINT64_MAX);
        st64(t.b.index.p + 48, rs);
    }
    reseal(&t.b);
    emit("overflow", "blob_count_max_records_compensate", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* records_size near 2^64: the body size wraps to the real one */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    {
        uint64_t body = 0;
        for (size_t p = 0; p < t.b.npages; p++)
            body += t.b.pages[p].data.n;
        /* 56 + 8 * 3 + records_size + 4 * 4 comes out as 80, the tables'
     * size, as if there were no records */
    (void)body;
    st64(t.b.index.p + 48, UINT64_MAX - 56 - 8 * 3 - 4 * 4 + 1 + 80);
    }
    reseal(&t.b);
    emit("overflow", "records_size_wraps_body", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* post_count * 12 (the id rows' bytes) wraps to the real 48:
     * post_count = 4 + 2^62 */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    st64(t.b.index.p + 16, 4 + ((uint64_t)1 << 62));
    reseal(&t.b);
    emit("overflow", "post_count_times_12", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* post_count 2^64-1: (post_count + 4095) / 4096 id pages wraps to 0 */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    st64(t.b.index.p + 16, UINT64_MAX);
    reseal(&t.b);
    emit("overflow", "post_count_id_pages_wrap", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* record_pages = 1 + 2^60: 48 * page_count wraps, the head size is the
     * real one */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    st64(t.b.index.p + 40, 1 + ((uint64_t)1 << 60));
    reseal(&t.b);
    emit("overflow", "record_pages_times_48", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* a directory whose page sizes (u32) add up past 2^32: record page
     * size 2^32 - 1 with the header's records_size to match */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    st32(fb_row(&t.b, 2) + 4, UINT32_MAX);
    st64(t.b.index.p + 48, UINT32_MAX);
    reseal(&t.b);
    emit("overflow", "record_page_size_2p32m1", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* block: offset + compressed size wraps below the offset */
    base_init(&t, 1);
    base_records(&t);
    fb_body(&t.b);
    st64(ix_block(&t.b, 1) + 8, UINT64_MAX);
    repack(&t.b);
    emit("overflow", "block_offset_plus_size", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* the sizes of blocks add up past 2^64 to the index offset */
    base_init(&t, 1);
    base_records(&t);
    fb_body(&t.b);
    {
        uint64_t cs0 = ld64(ix_block(&t.b, 0) + 8);
        st64(ix_block(&t.b, 0) + 8, cs0 + ((uint64_t)1 << 63));
        st64(ix_block(&t.b, 1), 16 + cs0 + ((uint64_t)1 << 63));
        st64(ix_block(&t.b, 1) + 8, ld64(ix_block(&t.b, 1) + 8) + ((uint64_t)1 << 63));
    }
    repack(&t.b);
    emit("overflow", "block_sizes_wrap_to_index", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* file parts whose sizes add up to the total only modulo 2^64 */
    base_init(&t, 0);
    {
        fbuf parts = {0};
        uint8_t h[32];
        fh_hash(h, C1, strlen(C1));
        fp_entry(&parts, 0);
        for (int i = 0; i < 3; i++)
            fp_blob(&parts, h, ((uint64_t)1 << 62) + strlen(C1));
        fb_reset(&t.e[4]);
        fe_file(&t.e[4], 0, strlen(C1) * 4 + 3 * ((uint64_t)1 << 62) + ((uint64_t)1 << 62),
                "thread.txt", 10, 4, &parts);
        fb_free(&parts);
    }
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("overflow", "file_parts_sum", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
}

/* Index header counts that would make a reader allocate a lot, against an
 * index of a few hundred bytes (spec 7.1: all checked before anything is
 * allocated).  Each sets header fields, then re-signs; `pad` bytes of
 * zeros are put between the directory and the frames, so that a
 * directory the counts make long still fits the index section. */
typedef struct hdr_case {
    const char *name;
    uint64_t entries, posts, blocks, blobs, record_pages, records_size; /* UINT64_MAX: keep */
    size_t pad;
    int row0_size, row1_size; /* 1: the table page rows declare the size too */
} hdr_case;

static void counts_header_case(const hdr_case *c)
{
    base t;
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    const uint64_t v[6] = {c->entries, c->posts, c->blocks, c->blobs, c->record_pages,
                           c->records_size};
    for (int i = 0; i < 6; i++)
        if (v[i] != UINT64_MAX)
            st64(t.b.index.p + 8 + 8 * i, v[i]);
    if (c->row0_size)
        st32(fb_row(&t.b, 0) + 4, (uint32_t)(56 * ld64(t.b.index.p + 24)));
    if (c->row1_size)
        st32(fb_row(&t.b, 1) + 4, (uint32_t)(8 * ld64(t.b.index.p + 32)));
    if (c->pad > 0) {
        size_t dir = 56 + 48 * t.b.npages;
        fbuf x = {0};
        fb_put(&x, t.b.index.p, dir);
        uint8_t *z = calloc(1, c->pad);
        if (z == NULL)
            forge_die("out of memory");
        fb_put(&x, z, c->pad);
        free(z);
        fb_put(&x, t.b.index.p + dir, t.b.index.n - dir);
        fb_copy(&t.b.index, &x);
        fb_free(&x);
    }
    reseal(&t.b);
    emit("counts", c->name, &t.b, BAD, "1", -1, NULL);
    base_free(&t);
}

static void counts_directory(void)
{
    const uint64_t KEEP = UINT64_MAX, E26 = (uint64_t)1 << 26;
    const hdr_case cases[] = {
        /* 2^26 posts: 16384 id pages, a 786 KB directory in a tiny index */
        {"posts_2p26", E26, E26, KEEP, KEEP, KEEP, 45 * E26, 0, 0, 0},
        /* ...and the same with the index padded so that the directory fits:
         * read (786 KB), hashed, then refused at its first wrong row */
        {"posts_2p26_directory_fits", E26, E26, KEEP, KEEP, KEEP, 45 * E26, 48 * 16384, 0, 0},
        {"posts_over_entries", KEEP, 6, KEEP, KEEP, KEEP, KEEP, 0, 0, 0},
        {"posts_0", KEEP, 0, KEEP, KEEP, KEEP, KEEP, 0, 0, 0},
        /* 2^26 record pages */
        {"record_pages_2p26", E26, KEEP, KEEP, KEEP, E26, 45 * E26, 0, 0, 0},
        {"record_pages_over_entries", KEEP, KEEP, KEEP, KEEP, 6, KEEP, 0, 0, 0},
        {"record_pages_0", KEEP, KEEP, KEEP, KEEP, 0, KEEP, 0, 0, 0},
        {"record_pages_2", KEEP, KEEP, KEEP, KEEP, 2, KEEP, 0, 0, 0},
        {"no_entries_one_record_page", 0, 0, KEEP, KEEP, 1, KEEP, 0, 0, 0},
        /* the most blocks and blobs, the directory agreeing or not: a
         * block table of 3.5 GiB from a frame of 30 bytes is over the
         * ratio, refused before decoding */
        {"blocks_2p26", KEEP, KEEP, E26, KEEP, KEEP, KEEP, 0, 0, 0},
        {"blocks_2p26_row_agrees", KEEP, KEEP, E26, KEEP, KEEP, KEEP, 0, 1, 0},
        {"blocks_2p26_plus_1", KEEP, KEEP, E26 + 1, KEEP, KEEP, KEEP, 0, 0, 0},
        {"blobs_2p28", KEEP, KEEP, KEEP, E26 * 4, KEEP, KEEP, 0, 0, 0},
        {"blobs_2p28_row_agrees", KEEP, KEEP, KEEP, E26 * 4, KEEP, KEEP, 0, 0, 1},
        {"blobs_2p28_plus_1", KEEP, KEEP, KEEP, E26 * 4 + 1, KEEP, KEEP, 0, 0, 0},
        /* all at their limits at once: the pages would be 4 GiB */
        {"everything_at_its_limit", E26, E26, E26, E26 * 4, E26, (uint64_t)4 << 30, 0, 1, 1},
        /* records_size at 4 GiB with 45-byte records */
        {"records_size_4GiB", E26, KEEP, KEEP, KEEP, KEEP, (uint64_t)4 << 30, 0, 0, 0},
        {"records_size_4GiB_plus_1", KEEP, KEEP, KEEP, KEEP, KEEP, ((uint64_t)4 << 30) + 1, 0, 0, 0},
        {"records_size_44_per_entry", KEEP, KEEP, KEEP, KEEP, KEEP, 44 * 5, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        counts_header_case(&cases[i]);
}

/* Ten million entries, and other counts a tiny file cannot hold. */
static void group_counts(void)
{
    static const uint64_t counts[] = {10000000, ((uint64_t)1 << 26), ((uint64_t)1 << 26) + 1,
                                      UINT64_MAX / 37};
    static const char *const names[] = {"ten_million_entries", "entries_2p26",
                                        "entries_2p26p1", "entries_max_over_37"};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        base t;
        base_init(&t, 0);
        base_records(&t);
        fb_index(&t.b);
        st64(t.b.index.p + 8, counts[i]);
        reseal(&t.b); /* checkpoint entries follow the index header */
        emit("counts", names[i], &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
    /* ten million entries whose records would fill the declared index */
    base t;
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    st64(t.b.index.p + 8, 10000000);
    st64(t.b.index.p + 48, 450000000);
    reseal(&t.b);
    st64(t.b.trailer + 8, 56 + 48 * 4 + 450000000ull);
    emit("counts", "ten_million_entries_big_index", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* ten million empty posts claimed by the checkpoint only */
    base_init(&t, 0);
    base_records(&t);
    t.b.entries_set = 1;
    t.b.entries = 10000000;
    fb_seal(&t.b, &K);
    emit("counts", "checkpoint_ten_million", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* twenty thousand tiny records really present: accepted, and fast */
    fbundle b;
    fb_init(&b);
    {
        fbuf e = {0}, parts = {0};
        uint8_t empty[32];
        fh_hash(empty, NULL, 0);
        for (int i = 0; i < 20000; i++) {
            char id[16];
            int n = snprintf(id, sizeof id, "%d", i);
            fpost p = {0};
            memcpy(p.hash, empty, 32);
            p.id = id;
            p.id_len = (size_t)n;
            p.media = "text/plain";
            p.media_len = 10;
            fb_reset(&e);
            fe_post(&e, &p);
            fb_add_record(&b, &e);
        }
        fb_free(&e);
        fb_free(&parts);
    }
    fb_seal(&b, &K);
    emit("counts", "twenty_thousand_empty_posts", &b, OK, "19999", 20000, NULL);
    fb_release(&b);
    counts_directory();
}

/* ------------------------------------------------------------ tables */

static void group_tables(void)
{
    base t;
    /* a block that starts at offset 0 (over the header) */
    base_init(&t, 0);
    base_records(&t);
    fb_body(&t.b);
    st64(ix_block(&t.b, 0), 0);
    repack(&t.b);
    emit("tables", "block_over_header", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* two blocks at the same offset */
    base_init(&t, 1);
    base_records(&t);
    fb_body(&t.b);
    st64(ix_block(&t.b, 1), ld64(ix_block(&t.b, 0)));
    repack(&t.b);
    emit("tables", "blocks_overlap", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* block 1 starts inside block 0 */
    base_init(&t, 1);
    base_records(&t);
    fb_body(&t.b);
    st64(ix_block(&t.b, 1), ld64(ix_block(&t.b, 1)) - 1);
    st64(ix_block(&t.b, 1) + 8, ld64(ix_block(&t.b, 1) + 8) + 1);
    repack(&t.b);
    emit("tables", "block_starts_inside_previous", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a block running into the index */
    base_init(&t, 0);
    base_records(&t);
    fb_body(&t.b);
    st64(ix_block(&t.b, 0) + 8, ld64(ix_block(&t.b, 0) + 8) + 40);
    repack(&t.b);
    emit("tables", "block_into_index", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a block past the end of the file */
    base_init(&t, 0);
    base_records(&t);
    fb_body(&t.b);
    st64(ix_block(&t.b, 0) + 8, 1 << 20);
    repack(&t.b);
    emit("tables", "block_past_end", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a block missing from the table: the frame is there, unlisted */
    base_init(&t, 1);
    t.b.block_table.n = 56; /* only block 0 listed */
    t.b.n_blocks = 1;
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("tables", "block_not_in_table", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* bytes between the last block and the index */
    base_init(&t, 0);
    fb_put(&t.b.blocks, "JUNK", 4);
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("tables", "gap_before_index", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* blob rows in the wrong order: the sizes still tile the block, the
     * bytes at each place are another post's, and the posts' places in
     * their records follow the rows: caught when read */
    base_init(&t, 0);
    {
        uint8_t *r0 = t.b.blob_table.p, tmp[8];
        memcpy(tmp, r0, 8);
        memcpy(r0, r0 + 8, 8);
        memcpy(r0 + 8, tmp, 8);
    }
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("tables", "blob_rows_swapped", &t.b, CONTENT, "1", -1, NULL);
    base_free(&t);
    /* the same with the places of the rows as they were: refused at open */
    base_init(&t, 0);
    base_records(&t);
    fb_body(&t.b);
    {
        uint8_t *r0 = ix_blob(&t.b, 0), tmp[8];
        memcpy(tmp, r0, 8);
        memcpy(r0, r0 + 8, 8);
        memcpy(r0 + 8, tmp, 8);
    }
    repack(&t.b);
    emit("tables", "blob_rows_swapped_places_not", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a block declaring one byte less than its blobs */
    base_init(&t, 0);
    base_records(&t);
    fb_body(&t.b);
    st64(ix_block(&t.b, 0) + 16, ld64(ix_block(&t.b, 0) + 16) - 1);
    repack(&t.b);
    emit("tables", "blob_past_block", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* blob rows naming no entry, an empty post, a post with part 1, a
     * file's inline part, a file's entry part, a part that does not exist,
     * the same reference twice */
    static const struct { uint32_t entry, part; const char *name; } rows[] = {
        {99, 0, "blob_row_names_no_entry"},
        {UINT32_MAX, 0, "blob_row_entry_2p32m1"},
        {2, 0, "blob_row_names_empty_post"},
        {0, 1, "blob_row_post_part_1"},
        {4, 1, "blob_row_names_inline_part"},
        {4, 0, "blob_row_names_entry_part"},
        {4, 99, "blob_row_part_out_of_range"},
        {0, 0, "blob_row_same_reference_twice"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        base_init(&t, 0);
        base_records(&t);
        fb_body(&t.b);
        uint8_t *r1 = ix_blob(&t.b, 1);
        st32(r1, rows[i].entry);
        st32(r1 + 4, rows[i].part);
        repack(&t.b);
        emit("tables", rows[i].name, &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
    }
    /* a block holding bytes that no blob covers (the reverse of content
     * that no block holds) */
    base_init(&t, 0);
    {
        fbundle *b = &t.b;
        fb_reset(&b->blocks);
        fb_reset(&b->block_table);
        b->n_blocks = 0;
        fbuf d = {0};
        fb_put(&d, C1, strlen(C1));
        fb_put(&d, C2, strlen(C2));
        fb_put(&d, C4, strlen(C4));
        fb_put(&d, "orphan", 6);
        fb_add_block(b, d.p, d.n);
        fb_free(&d);
    }
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("tables", "block_longer_than_blobs", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a whole block that no blob row names */
    base_init(&t, 0);
    fb_add_block(&t.b, "orphan block", 12);
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("tables", "block_without_blob_rows", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* blocks but no blob */
    base_init(&t, 0);
    t.b.blob_table.n = 0;
    t.b.n_blobs = 0;
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("tables", "blocks_without_blobs", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* the same content stored twice: post 4 has post 1's bytes, and its
     * own row and copy */
    base_init(&t, 0);
    {
        fbundle *b = &t.b;
        fb_reset(&b->blocks);
        fb_reset(&b->block_table);
        b->n_blocks = 0;
        fbuf d = {0};
        fb_put(&d, C1, strlen(C1));
        fb_put(&d, C2, strlen(C2));
        fb_put(&d, C1, strlen(C1));
        fb_add_block(b, d.p, d.n);
        fb_free(&d);
        fb_reset(&t.e[3]);
        fe_post_simple(&t.e[3], "4", 1, "2", C1, strlen(C1));
        fb_reset(&t.e[4]);
        fbuf parts = {0};
        fp_entry(&parts, 3);
        fe_file(&t.e[4], 0, strlen(C1), "thread.txt", 10, 1, &parts);
        fb_free(&parts);
    }
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("tables", "duplicate_blob", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* records_size larger than the records */
    base_init(&t, 0);
    base_records(&t);
    fb_put(&t.b.records, "\0\0\0\0", 4);
    fb_seal(&t.b, &K);
    emit("tables", "records_left_over", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* one more record than the entry count */
    base_init(&t, 0);
    base_records(&t);
    {
        fbuf e = {0};
        fe_post_simple(&e, "5", 1, NULL, "", 0);
        fb_add_record(&t.b, &e);
        fb_free(&e);
        t.b.n_entries--;
    }
    fb_seal(&t.b, &K);
    emit("tables", "extra_record", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a record one byte longer than its encoding */
    base_init(&t, 0);
    fb_u8(&t.e[1], 0);
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("tables", "entry_trailing_byte", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a record cut short */
    base_init(&t, 0);
    t.e[1].n -= 1;
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("tables", "entry_cut_short", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* parts naming a later entry, itself, a file, a missing blob */
    static const uint64_t refs[] = {4, 5, 6, UINT64_MAX};
    static const char *const ref_names[] = {"part_names_itself", "part_names_later_entry",
                                            "part_names_missing_entry", "part_names_2p64m1"};
    for (int i = 0; i < 4; i++) {
        base_init(&t, 0);
        st64(t.e[4].p + FILE_PATH_LEN + 2 + 10 + 4 + 1, refs[i]);
        base_records(&t);
        fb_seal(&t.b, &K);
        emit("tables", ref_names[i], &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
    }
    /* a part naming a file entry: two files, the second made of the first */
    base_init(&t, 0);
    {
        fbuf parts = {0}, e = {0};
        fp_entry(&parts, 4);
        fe_file(&e, 0, ld64(t.e[4].p + FILE_TOTAL), "copy.txt", 8, 1, &parts);
        base_records(&t);
        fb_add_record(&t.b, &e);
        fb_free(&parts);
        fb_free(&e);
    }
    fb_seal(&t.b, &K);
    emit("tables", "part_names_a_file", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a blob part naming content the bundle does not hold */
    base_init(&t, 0);
    {
        fbuf parts = {0};
        uint8_t h[32];
        fh_hash(h, "not stored", 10);
        fp_blob(&parts, h, 10);
        fb_reset(&t.e[4]);
        fe_file(&t.e[4], 0, 10, "thread.txt", 10, 1, &parts);
        fb_free(&parts);
    }
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("tables", "blob_part_missing", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a blob part with the right hash and the wrong size */
    base_init(&t, 0);
    {
        fbuf parts = {0};
        uint8_t h[32];
        fh_hash(h, C1, strlen(C1));
        fp_blob(&parts, h, strlen(C1) + 1);
        fb_reset(&t.e[4]);
        fe_file(&t.e[4], 0, strlen(C1) + 1, "thread.txt", 10, 1, &parts);
        fb_free(&parts);
    }
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("tables", "blob_part_wrong_size", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
}

/* ------------------------------------------------------------ references */

static void group_refs(void)
{
    base t;
    /* a post whose content no blob holds: the index names it, the blocks
     * do not */
    base_init(&t, 0);
    base_records(&t);
    {
        fbuf e = {0};
        fe_post_simple(&e, "5", 1, "1", "never stored", 12);
        fb_add_record(&t.b, &e);
        fb_free(&e);
    }
    fb_seal(&t.b, &K);
    emit("refs", "post_content_not_stored", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a post whose hash was changed: its row now names content the block
     * does not hold at that place (signed: caught when read) */
    base_init(&t, 0);
    fh_hash(t.e[0].p + POST_HASH, "something else", 14);
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("refs", "post_hash_changed", &t.b, CONTENT, "1", -1, NULL);
    base_free(&t);
    /* a file whose blob part introduces a blob (valid), then one whose
     * blob part names a blob that is not stored */
    base_init(&t, 0);
    {
        static char big[5000];
        memset(big, 'b', sizeof big);
        fbundle *b = &t.b;
        fb_reset(&b->blocks);
        fb_reset(&b->block_table);
        b->n_blocks = 0;
        fbuf d = {0};
        fb_put(&d, C1, strlen(C1));
        fb_put(&d, C2, strlen(C2));
        fb_put(&d, C4, strlen(C4));
        fb_put(&d, big, sizeof big);
        fb_add_block(b, d.p, d.n);
        fb_free(&d);
        fb_add_blob(b, 4, 1);
        uint8_t h[32];
        fh_hash(h, big, sizeof big);
        fbuf parts = {0};
        fp_entry(&parts, 0);
        fp_blob(&parts, h, sizeof big);
        fb_reset(&t.e[4]);
        fe_file(&t.e[4], 0, strlen(C1) + sizeof big, "thread.txt", 10, 2, &parts);
        fb_free(&parts);
    }
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("refs", "file_blob_part_valid", &t.b, OK, "1", 4, NULL);
    base_free(&t);
    /* a post whose size differs from its blob's */
    base_init(&t, 0);
    st64(t.e[0].p + POST_SIZE, strlen(C1) - 1);
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("refs", "post_size_differs_from_blob", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* an empty post with a hash other than H("") */
    base_init(&t, 0);
    fh_hash(t.e[2].p + POST_HASH, "x", 1);
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("refs", "empty_post_wrong_hash", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a parent id that names no post: allowed (a thread saved in part) */
    base_init(&t, 0);
    fb_reset(&t.e[1]);
    fe_post_simple(&t.e[1], "2", 1, "no-such-post", C2, strlen(C2));
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("refs", "parent_not_in_bundle", &t.b, OK, "2", 4, NULL);
    base_free(&t);
    /* a post that is its own parent, and two posts parent of each other */
    base_init(&t, 0);
    fb_reset(&t.e[0]);
    fe_post_simple(&t.e[0], "1", 1, "1", C1, strlen(C1));
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("refs", "own_parent", &t.b, OK, "1", 4, NULL);
    base_free(&t);
    base_init(&t, 0);
    fb_reset(&t.e[0]);
    fe_post_simple(&t.e[0], "1", 1, "4", C1, strlen(C1));
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("refs", "parent_cycle", &t.b, OK, "1", 4, NULL);
    base_free(&t);
}

/* ------------------------------------------------------------ duplicates */

static void group_duplicates(void)
{
    base t;
    base_init(&t, 0);
    fb_reset(&t.e[1]);
    fe_post_simple(&t.e[1], "1", 1, "1", C2, strlen(C2));
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("duplicates", "post_id", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* two files with the same path */
    base_init(&t, 0);
    base_records(&t);
    fb_add_record(&t.b, &t.e[4]);
    fb_seal(&t.b, &K);
    emit("duplicates", "file_path", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a file path that is a folder of another file */
    static const char *const pairs[][2] = {{"a", "a/b"}, {"a/b", "a"}, {"x/y", "x/y/z/w"}};
    for (int i = 0; i < 3; i++) {
        base_init(&t, 0);
        fbuf parts = {0}, e1 = {0}, e2 = {0};
        fp_inline(&parts, "x", 1);
        fe_file(&e1, 0, 1, pairs[i][0], strlen(pairs[i][0]), 1, &parts);
        fe_file(&e2, 0, 1, pairs[i][1], strlen(pairs[i][1]), 1, &parts);
        base_records(&t);
        fb_add_record(&t.b, &e1);
        fb_add_record(&t.b, &e2);
        fb_seal(&t.b, &K);
        char name[64];
        snprintf(name, sizeof name, "file_is_folder_of_file_%d", i);
        emit("duplicates", name, &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
        fb_free(&parts);
        fb_free(&e1);
        fb_free(&e2);
    }
    /* a post id equal to a file path: different namespaces, allowed */
    base_init(&t, 0);
    fb_reset(&t.e[3]);
    fe_post_simple(&t.e[3], "thread.txt", 10, "2", C4, strlen(C4));
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("duplicates", "post_id_equals_path", &t.b, OK, "thread.txt", 4, NULL);
    base_free(&t);
}

/* ------------------------------------------------------------ append */

static void group_append(void)
{
    base t;
    fbuf f = {0}, g = {0};
    base_sealed(&t, 0);
    fb_u8(&t.b.tail, 0);
    emit("append", "one_zero_byte", &t.b, BAD, "1", -1, NULL);
    fb_reset(&t.b.tail);
    fb_put(&t.b.tail, t.b.trailer, 32);
    emit("append", "second_trailer", &t.b, BAD, "1", -1, NULL);
    fb_reset(&t.b.tail);
    fb_bytes(&f, &t.b);
    fb_put(&t.b.tail, f.p, f.n);
    emit("append", "whole_bundle_twice", &t.b, BAD, "1", -1, NULL);
    fb_reset(&t.b.tail);
    fb_put(&t.b.tail, "<script>alert(1)</script>\n", 26);
    emit("append", "text", &t.b, BAD, "1", -1, NULL);
    /* bytes before the header */
    fb_reset(&g);
    fb_put(&g, "MZ", 2);
    fb_put(&g, f.p, f.n);
    emit_raw("append", "prepended", &g, BAD, "1", 1, -1, NULL, NULL);
    base_free(&t);
    /* a second trailer that makes the sizes add up over appended bytes:
     * bundle || junk || trailer' with index_offset' the same and sizes
     * covering the junk as signature bytes */
    base_sealed(&t, 0);
    {
        fbuf x = {0};
        fb_put(&x, t.b.sig.p, t.b.sig.n);
        fb_put(&x, t.b.trailer, 32); /* the old trailer, now inside */
        uint32_t sig_size = (uint32_t)x.n;
        fb_copy(&t.b.sig, &x);
        st32(t.b.trailer + 20, sig_size);
        fb_free(&x);
    }
    emit("append", "trailer_swallows_old_trailer", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    fb_free(&f);
    fb_free(&g);
}

/* A second index or checkpoint. */
static void group_second(void)
{
    base t;
    /* two checkpoints back to back, signed as one */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    fb_checkpoint(&t.b);
    {
        fbuf two = {0};
        fb_copy(&two, &t.b.checkpoint);
        fb_put(&two, t.b.checkpoint.p, t.b.checkpoint.n);
        fb_copy(&t.b.checkpoint, &two);
        fb_free(&two);
    }
    fb_sign(&t.b, &K);
    fb_trailer(&t.b);
    emit("second", "two_checkpoints", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* two indexes back to back, the checkpoint over both */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    {
        fbuf two = {0};
        fb_copy(&two, &t.b.index);
        fb_put(&two, t.b.index.p, t.b.index.n);
        fb_copy(&t.b.index, &two);
        fb_free(&two);
    }
    fb_checkpoint(&t.b);
    fb_sign(&t.b, &K);
    fb_trailer(&t.b);
    emit("second", "two_indexes", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* an old index left in the block area, the trailer naming a new one */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    fb_put(&t.b.blocks, t.b.index.p, t.b.index.n);
    reseal(&t.b);
    emit("second", "old_index_before_new", &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
    /* a checkpoint inside the title line of another */
    base_init(&t, 0);
    base_records(&t);
    t.b.title = "x\nafmt checkpoint v1";
    fb_seal(&t.b, &K);
    emit("second", "checkpoint_in_title", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
}

/* ------------------------------------------------------------ checkpoint text */

/* Appends `text` with "%O" replaced by the origin, "%R" by the root's
 * base64 and "%I" by the index hash's hex (no printf: the texts are
 * hostile on purpose). */
static void subst(fbuf *out, const char *text, size_t len, const fbundle *b)
{
    char rb[45], ih[65];
    sodium_bin2base64(rb, sizeof rb, b->cp_root, 32, sodium_base64_VARIANT_ORIGINAL);
    for (int i = 0; i < 32; i++)
        snprintf(ih + 2 * i, 3, "%02x", b->cp_index[i]);
    for (size_t i = 0; i < len; i++) {
        char c = i + 1 < len && text[i] == '%' ? text[i + 1] : 0;
        if (c == 'R' || c == 'I' || c == 'O') {
            if (c == 'R')
                fb_put(out, rb, 44);
            else if (c == 'I')
                fb_put(out, ih, 64);
            else
                fb_put(out, b->cp_origin, 54);
            i++;
        } else {
            fb_u8(out, (uint8_t)text[i]);
        }
    }
}

static void cp_case_n(const char *name, const char *text, size_t len, const char *expect)
{
    base t;
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    fb_checkpoint(&t.b);
    fb_reset(&t.b.checkpoint);
    subst(&t.b.checkpoint, text, len, &t.b);
    fb_sign(&t.b, &K);
    fb_trailer(&t.b);
    emit("checkpoint", name, &t.b, expect, "1", expect[0] == '0' ? 4 : -1, NULL);
    base_free(&t);
}

static void cp_case(const char *name, const char *text, const char *expect)
{
    cp_case_n(name, text, strlen(text), expect);
}

#define CP_HEAD "%O\n5\n%R\nafmt-bundle 2\n"
static void group_checkpoint(void)
{
    cp_case("canonical", CP_HEAD "title hostile\ncreated 1700000000\nindex %I\n", OK);
    cp_case("version_3", "%O\n5\n%R\nafmt-bundle 3\ntitle hostile\ncreated 1700000000\n"
                         "index %I\n", BAD);
    cp_case("draft_1_text", "afmt checkpoint v1\ntitle hostile\ncreated 1700000000\n"
                            "entries 5\nroot %R\nindex %I\n", BAD);
    cp_case("crlf", "%O\r\n5\r\n%R\r\nafmt-bundle 2\r\ntitle hostile\r\ncreated 1700000000\r\n"
                    "index %I\r\n", BAD);
    cp_case("no_final_lf", CP_HEAD "title hostile\ncreated 1700000000\nindex %I", BAD);
    cp_case("extra_line", CP_HEAD "title hostile\ncreated 1700000000\nindex %I\nextra 1\n", BAD);
    cp_case("empty_extra_line", CP_HEAD "title hostile\ncreated 1700000000\nindex %I\n\n", BAD);
    cp_case("missing_title", CP_HEAD "created 1700000000\nindex %I\n", BAD);
    cp_case("lines_swapped", CP_HEAD "created 1700000000\ntitle hostile\nindex %I\n", BAD);
    cp_case("size_root_swapped", "%O\n%R\n5\nafmt-bundle 2\ntitle hostile\ncreated 1700000000\n"
                                 "index %I\n", BAD);
    cp_case("other_origin", "afmt/1122334455667788/00000000000000000000000000000000\n5\n%R\n"
                            "afmt-bundle 2\ntitle hostile\ncreated 1700000000\nindex %I\n", BAD);
    cp_case("leading_zero", CP_HEAD "title hostile\ncreated 01700000000\nindex %I\n", BAD);
    cp_case("size_leading_zero", "%O\n05\n%R\nafmt-bundle 2\ntitle hostile\ncreated 1700000000\n"
                                 "index %I\n", BAD);
    cp_case("plus_sign", "%O\n+5\n%R\nafmt-bundle 2\ntitle hostile\ncreated 1700000000\n"
                         "index %I\n", BAD);
    cp_case("negative_created", CP_HEAD "title hostile\ncreated -1\nindex %I\n", BAD);
    cp_case("created_2p63", CP_HEAD "title hostile\ncreated 9223372036854775808\nindex %I\n",
            BAD);
    cp_case("created_2p64", CP_HEAD "title hostile\ncreated 18446744073709551616\nindex %I\n",
            BAD);
    cp_case("entries_2p64p5", "%O\n18446744073709551621\n%R\nafmt-bundle 2\ntitle hostile\n"
                              "created 1700000000\nindex %I\n", BAD);
    cp_case("double_space", CP_HEAD "title hostile\ncreated  1700000000\nindex %I\n", BAD);
    cp_case("title_escape", CP_HEAD "title \x1b[2J\x1b]0;owned\x07\ncreated 1700000000\n"
                            "index %I\n", BAD);
    cp_case("title_c1", CP_HEAD "title \xc2\x9b" "31m\ncreated 1700000000\nindex %I\n", BAD);
    cp_case("title_bad_utf8", CP_HEAD "title \xff\xfe\ncreated 1700000000\nindex %I\n", BAD);
    cp_case_n("title_nul", CP_HEAD "title a\0b\ncreated 1700000000\nindex %I\n",
              sizeof(CP_HEAD "title a\0b\ncreated 1700000000\nindex %I\n") - 1, BAD);
    cp_case("title_bidi", CP_HEAD "title \xe2\x80\xae" "txt.exe\ncreated 1700000000\n"
                          "index %I\n", OK);
    {
        char fmt[4096];
        char title[1026];
        memset(title, 'T', 1025);
        title[1025] = 0;
        snprintf(fmt, sizeof fmt, "%%O\n5\n%%R\nafmt-bundle 2\ntitle %s\ncreated 1700000000\n"
                                  "index %%I\n", title);
        cp_case("title_1025_bytes", fmt, BAD);
        title[1024] = 0;
        snprintf(fmt, sizeof fmt, "%%O\n5\n%%R\nafmt-bundle 2\ntitle %s\ncreated 1700000000\n"
                                  "index %%I\n", title);
        cp_case("title_1024_bytes", fmt, OK);
    }
    /* the index hash in upper case hex */
    {
        base t;
        base_init(&t, 0);
        base_records(&t);
        fb_index(&t.b);
        fb_checkpoint(&t.b);
        for (size_t i = t.b.checkpoint.n - 65; i < t.b.checkpoint.n - 1; i++)
            if (t.b.checkpoint.p[i] >= 'a' && t.b.checkpoint.p[i] <= 'f')
                t.b.checkpoint.p[i] = (uint8_t)(t.b.checkpoint.p[i] - 32);
        fb_sign(&t.b, &K);
        fb_trailer(&t.b);
        emit("checkpoint", "index_upper_case", &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
    /* a checkpoint over the 4096-byte limit (trailer says so) */
    {
        base t;
        base_init(&t, 0);
        base_records(&t);
        fb_index(&t.b);
        fb_checkpoint(&t.b);
        for (int i = 0; i < 4100; i++)
            fb_u8(&t.b.checkpoint, '\n');
        fb_sign(&t.b, &K);
        fb_trailer(&t.b);
        emit("checkpoint", "over_4096_bytes", &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
    /* root and index lines that do not match (re-signed) */
    {
        base t;
        base_init(&t, 0);
        base_records(&t);
        t.b.root_set = 1;
        memset(t.b.root, 0xAB, 32);
        fb_seal(&t.b, &K);
        emit("checkpoint", "root_mismatch", &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
    }
    {
        base t;
        /* the index head altered after signing: a byte of the header, of
         * a directory row's hash, of its size */
        static const struct { size_t at; const char *name; } where[] = {
            {48, "index_mismatch"}, {56 + 48 * 2 + 20, "index_mismatch_page_hash"},
            {56 + 48 * 2 + 4, "index_mismatch_page_size"}};
        for (int i = 0; i < 3; i++) {
            base_sealed(&t, 0);
            t.b.index.p[where[i].at] ^= 1;
            emit("checkpoint", where[i].name, &t.b, BAD, "1", -1, NULL);
            base_free(&t);
        }
        /* a page altered after signing: its hash in the directory catches it */
        base_sealed(&t, 0);
        t.b.index.p[t.b.index.n - 1] ^= 1;
        emit("checkpoint", "page_altered_after_signing", &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
        base_sealed(&t, 0);
        t.b.index.p[56 + 48 * 4] ^= 1; /* the block table page's first byte */
        emit("checkpoint", "first_page_altered_after_signing", &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
    }
    {
        base t;
        base_init(&t, 0);
        base_records(&t);
        t.b.entries_set = 1;
        t.b.entries = 4;
        fb_seal(&t.b, &K);
        emit("checkpoint", "entries_differ_from_index", &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
}

/* ------------------------------------------------------------ signatures */

static void group_signature(void)
{
    base t;
    /* stripped: no signature section at all */
    base_sealed(&t, 0);
    fb_reset(&t.b.sig);
    fb_trailer(&t.b);
    emit("signature", "stripped", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* zeroed signatures, layout intact */
    base_sealed(&t, 0);
    memset(t.b.sig.p + 10, 0, 64);
    emit("signature", "sig_zeroed", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    base_sealed(&t, 0);
    {
        size_t tl = t.b.sig.p[74] | (size_t)t.b.sig.p[75] << 8;
        memset(t.b.sig.p + 76 + tl, 0, 64);
    }
    emit("signature", "global_sig_zeroed", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* a bit of the checkpoint flipped after signing */
    base_sealed(&t, 0);
    t.b.checkpoint.p[7] ^= 0x01;
    emit("signature", "checkpoint_altered", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* the trusted comment altered after signing */
    base_sealed(&t, 0);
    t.b.sig.p[77] ^= 0x01;
    emit("signature", "comment_altered", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* signed by another key: self-consistent, but not K */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    fb_set_origin_key(&O); /* its own log */
    fb_checkpoint(&t.b);
    fb_set_origin_key(&K);
    fb_sign(&t.b, &O);
    fb_trailer(&t.b);
    emit("signature", "other_key", &t.b, UNTRUSTED, "1", 4, NULL);
    base_free(&t);
    /* signed by a key whose id is K's id, with other key bytes */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    fb_set_origin_key(&S);
    fb_checkpoint(&t.b);
    fb_set_origin_key(&K);
    fb_sign(&t.b, &S);
    fb_trailer(&t.b);
    emit("signature", "same_key_id_other_key", &t.b, UNTRUSTED, "1", 4, NULL);
    base_free(&t);
    /* signed by O, claiming to be K (K's id and public key embedded) */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    fb_checkpoint(&t.b);
    {
        fkey forged = O;
        memcpy(forged.id, K.id, 8);
        fb_reset(&t.b.sig);
        fs_sigsec(&t.b.sig, &forged, t.b.checkpoint.p, t.b.checkpoint.n, "x", 1, "ED", "Ed");
        memcpy(t.b.sig.p + t.b.sig.n - 32, K.pk, 32);
    }
    fb_trailer(&t.b);
    emit("signature", "claims_trusted_key", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* a valid signature by K over a different checkpoint (another bundle
     * of the same signer), grafted onto this one */
    {
        base a, b2;
        base_sealed(&a, 0);
        base_init(&b2, 0);
        b2.e[0].p[2] ^= 1; /* another salt: another index */
        base_records(&b2);
        b2.b.title = "another bundle by the same signer";
        fb_seal(&b2.b, &K);
        fbuf save = {0};
        fb_copy(&save, &a.b.sig);
        fb_copy(&a.b.sig, &b2.b.sig);
        fb_trailer(&a.b);
        emit("signature", "signature_of_other_checkpoint", &a.b, BAD, "1", -1, NULL);
        /* and the other bundle's checkpoint with its own signature, over
         * this index */
        fb_copy(&a.b.checkpoint, &b2.b.checkpoint);
        fb_trailer(&a.b);
        emit("signature", "other_checkpoint_and_signature", &a.b, BAD, "1", -1, NULL);
        /* an older bundle's index with a newer bundle's checkpoint: entries
         * differ (one post fewer) */
        fb_free(&save);
        base_free(&a);
        base_free(&b2);
    }
    {
        base a, b2;
        base_sealed(&a, 0);
        base_init(&b2, 0);
        b2.e[3].n = 0; /* drop post 4 and the file: a smaller thread */
        b2.e[4].n = 0;
        b2.b.blob_table.n = 8 * 2;
        b2.b.n_blobs = 2;
        base_records(&b2);
        fb_seal(&b2.b, &K);
        fb_copy(&a.b.checkpoint, &b2.b.checkpoint);
        fb_copy(&a.b.sig, &b2.b.sig);
        fb_trailer(&a.b);
        emit("signature", "checkpoint_of_smaller_bundle", &a.b, BAD, "1", -1, NULL);
        base_free(&a);
        base_free(&b2);
    }
    /* legacy "Ed" signature: Ed25519 over the checkpoint itself, as
     * minisign's legacy mode does */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    fb_checkpoint(&t.b);
    {
        fb_reset(&t.b.sig);
        uint8_t sig[64], gsig[64];
        crypto_sign_detached(sig, NULL, t.b.checkpoint.p, t.b.checkpoint.n, K.sk);
        uint8_t m[64 + 1];
        memcpy(m, sig, 64);
        m[64] = 'x';
        crypto_sign_detached(gsig, NULL, m, sizeof m, K.sk);
        fb_put(&t.b.sig, "Ed", 2);
        fb_put(&t.b.sig, K.id, 8);
        fb_put(&t.b.sig, sig, 64);
        fb_u16(&t.b.sig, 1);
        fb_u8(&t.b.sig, 'x');
        fb_put(&t.b.sig, gsig, 64);
        fb_put(&t.b.sig, "Ed", 2);
        fb_put(&t.b.sig, K.id, 8);
        fb_put(&t.b.sig, K.pk, 32);
    }
    fb_trailer(&t.b);
    emit("signature", "legacy_Ed", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* other algorithm tags, correctly signed otherwise */
    static const char *const tags[][2] = {{"Ed", "Ed"}, {"ed", "Ed"}, {"XX", "Ed"},
                                          {"ED", "ED"}, {"ED", "ed"}, {"\0\0", "Ed"}};
    static const char *const tag_names[] = {"sig_alg_Ed_prehashed", "sig_alg_ed",
                                            "sig_alg_XX", "pk_alg_ED", "pk_alg_ed",
                                            "sig_alg_nul"};
    for (int i = 0; i < 6; i++) {
        base_init(&t, 0);
        base_records(&t);
        fb_index(&t.b);
        fb_checkpoint(&t.b);
        fb_reset(&t.b.sig);
        fs_sigsec(&t.b.sig, &K, t.b.checkpoint.p, t.b.checkpoint.n, "c", 1, tags[i][0],
                  tags[i][1]);
        fb_trailer(&t.b);
        emit("signature", tag_names[i], &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
    /* the two key ids differ */
    base_sealed(&t, 0);
    t.b.sig.p[t.b.sig.n - 40] ^= 1;
    emit("signature", "key_ids_differ", &t.b, BAD, "1", -1, NULL);
    base_free(&t);
    /* trusted comments: control characters, bad UTF-8, too long, a length
     * field that lies */
    static const char *const comments[] = {"a\x1b[31mred", "line\nbreak", "bad \xff utf8",
                                           "c1 \xc2\x85 next line", "nul"};
    static const char *const comment_names[] = {"comment_escape", "comment_newline",
                                                "comment_bad_utf8", "comment_c1",
                                                "comment_nul"};
    for (int i = 0; i < 5; i++) {
        base_init(&t, 0);
        base_records(&t);
        fb_index(&t.b);
        fb_checkpoint(&t.b);
        fb_reset(&t.b.sig);
        size_t cl = strlen(comments[i]) + (i == 4 ? 1 : 0); /* include a NUL */
        fs_sigsec(&t.b.sig, &K, t.b.checkpoint.p, t.b.checkpoint.n, comments[i], cl, "ED",
                  "Ed");
        fb_trailer(&t.b);
        emit("signature", comment_names[i], &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
    {
        char c[1026];
        memset(c, 'c', sizeof c);
        for (int len = 1024; len <= 1025; len++) {
            base_init(&t, 0);
            base_records(&t);
            fb_index(&t.b);
            fb_checkpoint(&t.b);
            fb_reset(&t.b.sig);
            fs_sigsec(&t.b.sig, &K, t.b.checkpoint.p, t.b.checkpoint.n, c, (size_t)len, "ED",
                      "Ed");
            fb_trailer(&t.b);
            emit("signature", len == 1024 ? "comment_1024_bytes" : "comment_1025_bytes", &t.b,
                 len == 1024 ? OK : BAD, "1", len == 1024 ? 4 : -1, NULL);
            base_free(&t);
        }
    }
    static const uint16_t tlens[] = {0, 2, 0xFFFF};
    for (int i = 0; i < 3; i++) {
        base_sealed(&t, 0);
        st16(t.b.sig.p + 74, tlens[i]);
        char name[64];
        snprintf(name, sizeof name, "comment_length_field_%u", tlens[i]);
        emit("signature", name, &t.b, BAD, "1", -1, NULL);
        base_free(&t);
    }
}

/* ------------------------------------------------------------ zstd */

/* 5000 bytes of text that compresses, but not to nothing. */
static void zdata(fbuf *out, size_t len)
{
    uint32_t x = 12345;
    static const char *const words[] = {"starter ", "flour ", "water ", "feed ", "jar ",
                                        "fridge ", "holiday ", "levain ", "crumb ", "oven\n"};
    while (out->n < len) {
        x = x * 1103515245u + 12345u;
        const char *w = words[(x >> 16) % 10];
        size_t n = strlen(w);
        if (out->n + n > len)
            n = len - out->n;
        fb_put(out, w, n);
    }
}

/* A bundle with one block made of `frame`, declared to hold `content`:
 * one post "z" with that content and one file "z.txt" made of it. */
static void zbundle(fbundle *b, const fbuf *frame, const void *content, size_t len, int sign)
{
    fb_init(b);
    fb_add_frame(b, frame->p, frame->n, len);
    fb_add_blob(b, 0, 0);
    fbuf e = {0}, parts = {0};
    fe_post_simple(&e, "z", 1, NULL, content, len);
    fb_add_record(b, &e);
    fb_reset(&e);
    fp_entry(&parts, 0);
    fe_file(&e, 0, len, "z.txt", 5, 1, &parts);
    fb_add_record(b, &e);
    fb_free(&e);
    fb_free(&parts);
    if (sign)
        fb_seal(b, &K);
}

static void zcase(const char *name, const fbuf *frame, const fbuf *content, const char *expect)
{
    fbundle b;
    zbundle(&b, frame, content->p, content->n, 1);
    emit("zstd", name, &b, expect, "z", expect[5] == '0' ? 1 : -1, NULL);
    fb_release(&b);
}

static void group_zstd(void)
{
    fbuf c = {0}, f = {0}, g = {0};
    zdata(&c, 5000);
    /* the plain frame and its variants that are allowed */
    fz_compress(&f, c.p, c.n, 3, 1, 0, 0);
    zcase("plain", &f, &c, OK);
    fb_reset(&f);
    fz_compress(&f, c.p, c.n, 3, 1, 0, 1);
    zcase("with_checksum", &f, &c, OK);
    /* a wrong checksum */
    f.p[f.n - 1] ^= 0x80;
    zcase("wrong_checksum", &f, &c, CONTENT);
    /* bit flips, re-signed so the block hash matches */
    fb_reset(&f);
    fz_compress(&f, c.p, c.n, 3, 1, 0, 0);
    static const double where[] = {0.5, 0.75, 0.99};
    for (int i = 0; i < 3; i++) {
        fb_copy(&g, &f);
        size_t at = (size_t)((double)g.n * where[i]);
        g.p[at] ^= 0x10;
        char name[64];
        snprintf(name, sizeof name, "bit_flip_at_%d_percent", (int)(where[i] * 100));
        zcase(name, &g, &c, CONTENT);
    }
    fb_copy(&g, &f);
    g.p[0] ^= 0x01;
    zcase("bad_frame_magic", &g, &c, CONTENT);
    fb_copy(&g, &f);
    g.p[4] ^= 0x08; /* reserved bit of the frame header descriptor */
    zcase("reserved_header_bit", &g, &c, CONTENT);
    /* a flip not re-signed: the block hash catches it */
    {
        fbundle b;
        zbundle(&b, &f, c.p, c.n, 1);
        b.blocks.p[b.blocks.n / 2] ^= 0x01;
        emit("zstd", "bit_flip_unsigned", &b, CONTENT, "z", -1, NULL);
        fb_release(&b);
    }
    /* missing or lying content size */
    fb_reset(&g);
    fz_compress(&g, c.p, c.n, 3, 0, 0, 0);
    zcase("no_content_size", &g, &c, CONTENT);
    fz_header h;
    if (fz_parse(&h, f.p, f.n) != 0)
        forge_die("own frame does not parse");
    static const int64_t deltas[] = {1, -1};
    for (int i = 0; i < 2; i++) {
        fz_header h2 = h;
        h2.fcs = c.n + (uint64_t)deltas[i];
        h2.fcs_len = 8;
        fb_reset(&g);
        fz_rebuild(&g, f.p, f.n, &h2);
        zcase(i == 0 ? "content_size_plus_1" : "content_size_minus_1", &g, &c, CONTENT);
    }
    {
        fz_header h2 = h;
        h2.fcs = UINT64_MAX;
        h2.fcs_len = 8;
        fb_reset(&g);
        fz_rebuild(&g, f.p, f.n, &h2);
        zcase("content_size_2p64m1", &g, &c, CONTENT);
        h2.fcs = UINT64_MAX - 1;
        fb_reset(&g);
        fz_rebuild(&g, f.p, f.n, &h2);
        zcase("content_size_2p64m2", &g, &c, CONTENT);
    }
    /* the frame's real content longer / shorter than it declares */
    for (int i = 0; i < 2; i++) {
        fbuf other = {0}, fr = {0};
        zdata(&other, i == 0 ? c.n + 100 : c.n - 100);
        fz_compress(&fr, other.p, other.n, 3, 1, 0, 0);
        fz_header h2;
        fz_parse(&h2, fr.p, fr.n);
        h2.fcs = c.n;
        h2.fcs_len = 8;
        h2.single_segment = 0;
        h2.has_window = 1;
        h2.window_descriptor = (uint8_t)((13 - 10) << 3); /* 8 KiB */
        fb_reset(&g);
        fz_rebuild(&g, fr.p, fr.n, &h2);
        zcase(i == 0 ? "real_content_longer" : "real_content_shorter", &g, &c, CONTENT);
        fb_free(&other);
        fb_free(&fr);
    }
    /* window sizes: a frame with a window descriptor (window 1 KiB,
     * content 5000 bytes), then its descriptor raised */
    fb_reset(&f);
    fz_compress(&f, c.p, c.n, 3, 1, 10, 0);
    if (fz_parse(&h, f.p, f.n) != 0 || h.single_segment)
        forge_die("expected a frame with a window descriptor");
    zcase("window_1KiB", &f, &c, OK);
    static const struct { uint8_t wd; const char *name; const char *expect; } windows[] = {
        {18 << 3, "window_2p28", OK},
        {(18 << 3) | 1, "window_2p28_plus_2p25", CONTENT},
        {19 << 3, "window_2p29", CONTENT},
        {21 << 3, "window_2p31", CONTENT},
        {(31 << 3) | 7, "window_max_descriptor", CONTENT},
    };
    for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
        fz_header h2 = h;
        h2.window_descriptor = windows[i].wd;
        fb_reset(&g);
        fz_rebuild(&g, f.p, f.n, &h2);
        zcase(windows[i].name, &g, &c, windows[i].expect);
    }
    /* dictionary ids */
    fb_reset(&f);
    fz_compress(&f, c.p, c.n, 3, 1, 0, 0);
    fz_parse(&h, f.p, f.n);
    static const struct { int len; uint32_t id; const char *name; const char *expect; } dicts[] = {
        {1, 0, "dictionary_id_0", OK},
        {1, 7, "dictionary_id_7", CONTENT},
        {2, 0x8000, "dictionary_id_32768", CONTENT},
        {4, 0xFFFFFFFFu, "dictionary_id_2p32m1", CONTENT},
    };
    for (size_t i = 0; i < sizeof dicts / sizeof dicts[0]; i++) {
        fz_header h2 = h;
        h2.dict_len = dicts[i].len;
        h2.dict_id = dicts[i].id;
        fb_reset(&g);
        fz_rebuild(&g, f.p, f.n, &h2);
        zcase(dicts[i].name, &g, &c, dicts[i].expect);
    }
    /* skippable and concatenated frames */
    {
        fbuf skip = {0};
        fb_u32(&skip, 0x184D2A50u);
        fb_u32(&skip, (uint32_t)c.n);
        fb_put(&skip, c.p, c.n);
        zcase("skippable_frame_only", &skip, &c, CONTENT);
        fb_reset(&g);
        fb_u32(&g, 0x184D2A5Fu);
        fb_u32(&g, 4);
        fb_put(&g, "skip", 4);
        fb_put(&g, f.p, f.n);
        zcase("skippable_then_frame", &g, &c, CONTENT);
        fb_reset(&g);
        fb_put(&g, f.p, f.n);
        fb_u32(&g, 0x184D2A50u);
        fb_u32(&g, 4);
        fb_put(&g, "skip", 4);
        zcase("frame_then_skippable", &g, &c, CONTENT);
        fb_reset(&g);
        fz_compress(&g, c.p, c.n / 2, 3, 1, 0, 0);
        fz_compress(&g, c.p + c.n / 2, c.n - c.n / 2, 3, 1, 0, 0);
        zcase("two_frames", &g, &c, CONTENT);
        fb_reset(&g);
        fb_put(&g, f.p, f.n);
        fb_put(&g, f.p, f.n);
        zcase("same_frame_twice", &g, &c, CONTENT);
        fb_free(&skip);
    }
    /* not a frame; a frame cut short; a legacy (v0.7) magic */
    zcase("raw_bytes_not_a_frame", &c, &c, CONTENT);
    fb_copy(&g, &f);
    g.n -= 1;
    zcase("frame_cut_short", &g, &c, CONTENT);
    fb_copy(&g, &f);
    st32(g.p, 0xFD2FB527u);
    zcase("legacy_v07_magic", &g, &c, CONTENT);
    fb_reset(&g);
    fb_put(&g, f.p, 5);
    zcase("frame_header_only", &g, &c, CONTENT);
    fb_free(&c);
    fb_free(&f);
    fb_free(&g);
}

/* Each index page is one zstd frame that follows the rules of 7.3 with the
 * page's `size` (7.2), and a page may not be a bomb.  The frame of page
 * `page` of the base bundle is replaced, the directory row takes its
 * length and hash, the page keeps its declared size, and all is re-signed. */
static void page_frame_case(const char *name, size_t page, const fbuf *frame, const char *expect)
{
    base t;
    base_init(&t, 0);
    base_records(&t);
    fb_body(&t.b);
    fb_set_page_frame(&t.b, page, frame);
    fb_pack(&t.b);
    reseal(&t.b);
    emit("pageframe", name, &t.b, expect, "1", expect[0] == '0' ? 4 : -1, NULL);
    base_free(&t);
}

/* The decompressed bytes of page `page` of the base bundle. */
static void base_page(fbuf *out, size_t page)
{
    base t;
    base_init(&t, 0);
    base_records(&t);
    fb_body(&t.b);
    fb_copy(out, &t.b.pages[page].data);
    base_free(&t);
}

/* The frame variants of one page, named "<what>_<variant>". */
static void page_frame_variants(const char *what, size_t page, int all)
{
    fbuf body = {0}, f = {0}, g = {0};
    char name[128];
    base_page(&body, page);
#define PCASE(n, fr, ex)                                             \
    do {                                                             \
        snprintf(name, sizeof name, "%s_%s", what, n);               \
        page_frame_case(name, page, fr, ex);                         \
    } while (0)
    fz_compress(&f, body.p, body.n, 3, 1, 0, 0);
    PCASE("plain", &f, OK);
    fb_reset(&g);
    fz_compress(&g, body.p, body.n, 19, 1, 0, 1);
    PCASE("level_19_with_checksum", &g, OK);
    g.p[g.n - 1] ^= 1;
    PCASE("wrong_checksum", &g, IBAD);
    fb_reset(&g);
    fz_compress(&g, body.p, body.n, 3, 0, 0, 0);
    PCASE("no_content_size", &g, IBAD);
    fz_header h;
    if (fz_parse(&h, f.p, f.n) != 0)
        forge_die("page frame does not parse");
    static const struct { int single; uint8_t wd; int dict_len; uint32_t dict; int64_t delta;
                          const char *name; const char *expect; int always; } v[] = {
        {1, 0, 0, 0, 1, "content_size_plus_1", IBAD, 1},
        {1, 0, 0, 0, -1, "content_size_minus_1", IBAD, 1},
        {0, 18 << 3, 0, 0, 0, "window_2p28", OK, 0},
        {0, (18 << 3) | 1, 0, 0, 0, "window_2p28_plus_2p25", IBAD, 0},
        {0, 19 << 3, 0, 0, 0, "window_2p29", IBAD, 1},
        {0, (31 << 3) | 7, 0, 0, 0, "window_max_descriptor", IBAD, 0},
        {1, 0, 1, 0, 0, "dictionary_id_0", OK, 0},
        {1, 0, 1, 7, 0, "dictionary_id_7", IBAD, 1},
        {1, 0, 4, 0xFFFFFFFFu, 0, "dictionary_id_2p32m1", IBAD, 0},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (!all && !v[i].always)
            continue;
        if (body.n == 0 && v[i].delta < 0)
            continue;
        fz_header h2 = h;
        h2.single_segment = v[i].single;
        h2.has_window = !v[i].single;
        h2.window_descriptor = v[i].wd;
        h2.dict_len = v[i].dict_len;
        h2.dict_id = v[i].dict;
        h2.fcs = body.n + (uint64_t)v[i].delta;
        h2.fcs_len = 8;
        fb_reset(&g);
        fz_rebuild(&g, f.p, f.n, &h2);
        PCASE(v[i].name, &g, v[i].expect);
    }
    fb_reset(&g);
    fb_u32(&g, 0x184D2A50u);
    fb_u32(&g, 4);
    fb_put(&g, "skip", 4);
    fb_put(&g, f.p, f.n);
    PCASE("skippable_then_frame", &g, IBAD);
    if (all) {
        fb_reset(&g);
        fb_u32(&g, 0x184D2A50u);
        fb_u32(&g, (uint32_t)body.n);
        fb_put(&g, body.p, body.n);
        PCASE("skippable_frame_only", &g, IBAD);
        fb_reset(&g);
        fz_compress(&g, body.p, body.n / 2, 3, 1, 0, 0);
        fz_compress(&g, body.p + body.n / 2, body.n - body.n / 2, 3, 1, 0, 0);
        PCASE("two_frames", &g, IBAD);
        fb_copy(&g, &f);
        fb_put(&g, f.p, f.n);
        PCASE("same_frame_twice", &g, IBAD);
    }
    fb_copy(&g, &f);
    fb_put(&g, "junk", 4);
    PCASE("frame_then_junk", &g, IBAD);
    if (body.n > 0)
        PCASE("raw_bytes_not_a_frame", &body, IBAD);
    fb_copy(&g, &f);
    g.n -= 1;
    PCASE("frame_cut_short", &g, IBAD);
    if (all) {
        fb_copy(&g, &f);
        g.p[g.n / 2] ^= 0x10;
        PCASE("bit_flip", &g, IBAD);
        fb_reset(&g);
        fb_put(&g, f.p, 5);
        PCASE("frame_header_only", &g, IBAD);
    }
    fb_reset(&g);
    PCASE("no_frame_at_all", &g, IBAD);
    fb_copy(&g, &f);
    st32(g.p, 0xFD2FB527u);
    PCASE("legacy_v07_magic", &g, IBAD);
#undef PCASE
    fb_free(&body);
    fb_free(&f);
    fb_free(&g);
}

/* A bundle whose index has `n` record pages, each the frame `frame`
 * declared (row, header) as `size` bytes, `n` entries and no post. */
static void record_pages_of(fbundle *b, uint64_t n, const fbuf *frame, uint32_t size)
{
    fb_init(b);
    b->n_entries = n;
    b->posts_set = 1;
    b->posts = 0;
    fb_body(b); /* the two (empty) table pages */
    for (uint64_t k = 0; k < n; k++) {
        fpage *pg = fb_new_page(b);
        fb_copy(&pg->frame, frame);
        pg->frame_set = 1;
        pg->first_set = 1;
        pg->first = k;
        b->n_record_pages++;
    }
    /* the rows must say `size`: fb_pack takes it from the (empty) bytes,
     * so write it over */
    b->record_pages_set = 1;
    b->record_pages = n;
    b->records_size_set = 1;
    b->records_size = n * size;
    fb_pack(b);
    for (uint64_t k = 0; k < n; k++)
        st32(fb_row(b, 2 + (size_t)k) + 4, size);
    b->root_set = 1;
    fh_hash(b->root, NULL, 0);
    fb_checkpoint(b);
    fb_sign(b, &K);
    fb_trailer(b);
}

/* Record pages of 1 MiB of zeros, each one frame of a few dozen bytes:
 * within the per-page bound of 7.2 (1024 x frame + 1 MiB), the whole
 * index then decodes to `n` MiB from a file of about 90 bytes a page. */
static void page_slack_bomb(fbundle *b, uint64_t n)
{
    const size_t mib = (size_t)1 << 20;
    uint8_t *zeros = calloc(1, mib);
    if (zeros == NULL)
        forge_die("out of memory");
    fbuf frame = {0};
    fz_compress(&frame, zeros, mib, 19, 1, 0, 0);
    record_pages_of(b, n, &frame, (uint32_t)mib);
    fb_free(&frame);
    free(zeros);
}

/* 16 record pages, each a frame of 64 KiB of random bytes whose header and
 * row say 4 MiB: 64 MiB claimed by an index of 1 MiB (64:1, what a reader
 * may take for a real index and reserve at once); each frame ends long
 * before its declared size. */
static void pages_claim_64_to_1(fbundle *b)
{
    const size_t len = (size_t)64 << 10;
    uint8_t *rnd = malloc(len);
    if (rnd == NULL)
        forge_die("out of memory");
    uint32_t x = 7;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        rnd[i] = (uint8_t)(x >> 24);
    }
    fbuf f = {0}, l = {0};
    fz_compress(&f, rnd, len, 1, 1, 17, 0);
    fz_header h;
    fz_parse(&h, f.p, f.n);
    h.fcs = (uint64_t)4 << 20;
    h.fcs_len = 8;
    h.single_segment = 0;
    h.has_window = 1;
    h.window_descriptor = (uint8_t)((17 - 10) << 3);
    fz_rebuild(&l, f.p, f.n, &h);
    record_pages_of(b, 16, &l, 4u << 20);
    fb_free(&f);
    fb_free(&l);
    free(rnd);
}

static void group_pageframe(void)
{
    /* every variant on a record page; the main ones on the block table,
     * the blob table and the id page */
    page_frame_variants("record_page", 2, 1);
    page_frame_variants("block_table", 0, 0);
    page_frame_variants("blob_table", 1, 0);
    page_frame_variants("id_page", 3, 0);
    /* bombs: the record page decodes to far more than it declares */
    fbuf body = {0}, g = {0};
    base_page(&body, 2);
    base t;
    {
        size_t pad = (size_t)64 << 20;
        uint8_t *big = calloc(1, body.n + pad);
        if (big == NULL)
            forge_die("out of memory");
        memcpy(big, body.p, body.n);
        /* the frame says its real size: refused before decoding */
        fb_reset(&g);
        fz_compress(&g, big, body.n + pad, 1, 1, 0, 0);
        page_frame_case("page_64MiB_more_than_declared", 2, &g, IBAD);
        /* the frame's header lies (says the declared size): the decoder
         * must stop one byte past it */
        fz_header h;
        fz_parse(&h, g.p, g.n);
        h.fcs = body.n;
        h.fcs_len = 8;
        h.single_segment = 0;
        h.has_window = 1;
        h.window_descriptor = (uint8_t)((20 - 10) << 3);
        fbuf l = {0};
        fz_rebuild(&l, g.p, g.n, &h);
        page_frame_case("page_64MiB_frame_header_lies", 2, &l, IBAD);
        fb_free(&l);
        fb_reset(&g);
        fz_compress(&g, big, body.n + pad, 1, 0, 0, 0);
        page_frame_case("page_64MiB_no_content_size", 2, &g, IBAD);
        /* the row and the header declaring the padding as records: over
         * 1024 x the frame */
        fb_reset(&g);
        fz_compress(&g, big, body.n + pad, 1, 1, 0, 0);
        base_init(&t, 0);
        base_records(&t);
        fb_body(&t.b);
        fb_set_page_frame(&t.b, 2, &g);
        fb_pack(&t.b);
        st32(fb_row(&t.b, 2) + 4, (uint32_t)(body.n + pad));
        st64(t.b.index.p + 48, body.n + pad);
        reseal(&t.b);
        emit("pageframe", "page_over_1024_times_frame", &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
        free(big);
    }
    /* a 1 MiB frame (random bytes) whose header and row say 1 GiB: within
     * the ratio, so the reader starts decoding; it must grow its buffer
     * only as output comes, and find the frame cut short at 1 MiB */
    {
        const size_t mib = (size_t)1 << 20;
        uint8_t *rnd = malloc(mib);
        if (rnd == NULL)
            forge_die("out of memory");
        uint32_t x = 99;
        for (size_t i = 0; i < mib; i++) {
            x = x * 1103515245u + 12345u;
            rnd[i] = (uint8_t)(x >> 24);
        }
        memcpy(rnd, body.p, body.n);
        fb_reset(&g);
        fz_compress(&g, rnd, mib, 1, 1, 20, 0);
        fz_header h;
        fz_parse(&h, g.p, g.n);
        h.fcs = (uint64_t)1 << 30;
        h.fcs_len = 8;
        h.single_segment = 0;
        h.has_window = 1;
        h.window_descriptor = (uint8_t)((20 - 10) << 3);
        fbuf l = {0};
        fz_rebuild(&l, g.p, g.n, &h);
        base_init(&t, 0);
        base_records(&t);
        fb_body(&t.b);
        fb_set_page_frame(&t.b, 2, &l);
        fb_pack(&t.b);
        st32(fb_row(&t.b, 2) + 4, 1u << 30);
        st64(t.b.index.p + 48, (uint64_t)1 << 30);
        reseal(&t.b);
        emit("pageframe", "1MiB_frame_declares_1GiB", &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
        fb_free(&l);
        free(rnd);
    }
    /* declared sizes over the limits, or 1 GiB behind a tiny frame */
    static const struct { uint64_t rs; int row; const char *name; } d[] = {
        {(uint64_t)1 << 30, 1, "declares_1GiB"},
        {((uint64_t)4 << 30) - 1, 1, "declares_4GiB_minus_1"},
        {((uint64_t)4 << 30) + 1, 0, "declares_4GiB_plus_1"},
        {(uint64_t)1 << 40, 0, "declares_1TiB"},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        base_init(&t, 0);
        base_records(&t);
        fb_index(&t.b);
        st64(t.b.index.p + 48, d[i].rs);
        if (d[i].row)
            st32(fb_row(&t.b, 2) + 4, (uint32_t)d[i].rs);
        reseal(&t.b);
        emit("pageframe", d[i].name, &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
    }
    {
        fbundle b;
        pages_claim_64_to_1(&b);
        emit("pageframe", "16_pages_claim_64_to_1", &b, IBAD, "1", -1, NULL);
        fb_release(&b);
    }
    /* many small record pages of 1 MiB each */
    {
        fbundle b;
        page_slack_bomb(&b, PAGE_SLACK_PAGES);
        char name[64];
        snprintf(name, sizeof name, "%d_record_pages_of_1MiB_zeros", PAGE_SLACK_PAGES);
        emit("pageframe", name, &b, PAGE_SLACK_EXPECT, "1", -1, NULL);
        fb_release(&b);
    }
    fb_free(&body);
    fb_free(&g);
}

static void sparse_fill(uint8_t *buf, size_t len, size_t every, uint64_t seed);

/* Decompression bombs: tiny frames, huge outputs. */
static void group_bomb(void)
{
    const size_t max = (size_t)256 << 20;
    uint8_t *zeros = calloc(1, max + 1);
    if (zeros == NULL)
        forge_die("out of memory");
    fbuf f = {0};
    fbuf content = {0};
    /* 256 MiB of zeros: the largest block and content the format allows,
     * but a frame of a few kilobytes: over the ratio bound (spec 7.3,
     * issue 12 item 4), refused before anything is decoded */
    fz_compress(&f, zeros, max, 1, 1, 0, 0);
    {
        fbundle b;
        zbundle(&b, &f, zeros, max, 1);
        emit("bomb", "zeros_256MiB_over_ratio", &b, BAD, "z", -1, NULL);
        fb_release(&b);
    }
    /* the largest block within the bound: 256 MiB from a frame over
     * 255 KiB; must be accepted, within the memory and time limits */
    {
        uint8_t *c = calloc(1, max);
        if (c == NULL)
            forge_die("out of memory");
        sparse_fill(c, max, 4096, 1);
        fb_reset(&f);
        fz_compress(&f, c, max, 1, 1, 0, 0);
        if ((uint64_t)max > (uint64_t)f.n * 1024 + (1u << 20))
            forge_die("bomb.largest_block_at_ratio: frame of %zu bytes too small", f.n);
        fbundle b;
        zbundle(&b, &f, c, max, 1);
        emit("bomb", "largest_block_within_ratio", &b, OK, "z", 1, NULL);
        fb_release(&b);
        free(c);
    }
    /* one byte more: refused before anything is allocated */
    fb_reset(&f);
    fz_compress(&f, zeros, max + 1, 1, 1, 0, 0);
    {
        fbundle b;
        zbundle(&b, &f, zeros, max + 1, 1);
        emit("bomb", "zeros_256MiB_plus_1", &b, BAD, "z", -1, NULL);
        fb_release(&b);
    }
    /* 64 MiB of zeros declared (frame and index) as 1000 bytes */
    fb_reset(&f);
    fz_compress(&f, zeros, (size_t)64 << 20, 1, 1, 0, 0);
    {
        fz_header h;
        fz_parse(&h, f.p, f.n);
        h.fcs = 1000;
        h.fcs_len = 8;
        h.single_segment = 0;
        h.has_window = 1;
        h.window_descriptor = (uint8_t)((20 - 10) << 3);
        fbuf g = {0};
        fz_rebuild(&g, f.p, f.n, &h);
        fbundle b;
        zbundle(&b, &g, zeros, 1000, 1);
        emit("bomb", "64MiB_declared_1000", &b, CONTENT, "z", -1, NULL);
        fb_release(&b);
        fb_free(&g);
    }
    /* the same without a content size */
    fb_reset(&f);
    fz_compress(&f, zeros, (size_t)64 << 20, 1, 0, 0, 0);
    {
        fbundle b;
        zbundle(&b, &f, zeros, 1000, 1);
        emit("bomb", "64MiB_no_content_size", &b, CONTENT, "z", -1, NULL);
        fb_release(&b);
    }
    /* a block declaring 4 GiB: over the limit */
    fb_reset(&f);
    fz_compress(&f, zeros, 4096, 1, 1, 0, 0);
    {
        fz_header h;
        fz_parse(&h, f.p, f.n);
        h.fcs = (uint64_t)4 << 30;
        h.fcs_len = 8;
        fbuf g = {0};
        fz_rebuild(&g, f.p, f.n, &h);
        fbundle b;
        fb_init(&b);
        fb_add_frame(&b, g.p, g.n, (uint64_t)4 << 30);
        uint8_t hz[32];
        fh_hash(hz, zeros, 4096);
        fb_add_blob(&b, 0, 0);
        fbuf e = {0};
        fpost p = {0};
        memcpy(p.hash, hz, 32);
        p.size = (uint64_t)4 << 30;
        p.id = "z";
        p.id_len = 1;
        p.media = "text/plain";
        p.media_len = 10;
        fe_post(&e, &p);
        fb_add_record(&b, &e);
        fb_seal(&b, &K);
        emit("bomb", "declared_4GiB", &b, BAD, "z", -1, NULL);
        fb_release(&b);
        fb_free(&e);
        fb_free(&g);
    }
    /* many blocks of 8 MiB zeros: 256 MiB in 32 blocks, one blob each,
     * one post each (all the same content: stored once would be the
     * writer's way; here each block holds a different length) */
    {
        fbundle b;
        fb_init(&b);
        fbuf e = {0};
        const int nb = 32;
        for (int i = 0; i < nb; i++) {
            size_t len = ((size_t)8 << 20) - (size_t)i;
            fbuf fr = {0};
            fz_compress(&fr, zeros, len, 1, 1, 0, 0);
            fb_add_frame(&b, fr.p, fr.n, len);
            fb_add_blob(&b, (uint32_t)i, 0);
            fb_free(&fr);
            char id[16];
            snprintf(id, sizeof id, "z%d", i);
            fb_reset(&e);
            fe_post_simple(&e, id, strlen(id), NULL, zeros, len);
            fb_add_record(&b, &e);
        }
        fb_free(&e);
        fb_seal(&b, &K);
        /* each block over 1024:1 + 1 MiB (issue 12, item 4) */
        emit("bomb", "32_blocks_of_8MiB", &b, BAD, "z31", -1, NULL);
        fb_release(&b);
    }
    fb_free(&f);
    fb_free(&content);
    free(zeros);
}

/* Fills buf (zeroed) with 8 pseudo-random bytes every `every` bytes, from
 * `seed`: zstd compresses it about 500:1, within the blocks' bound of
 * 1024:1 (spec 7.3) where zeros alone go far past it. */
static void sparse_fill(uint8_t *buf, size_t len, size_t every, uint64_t seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t at = 0; at + 8 <= len; at += every) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        st64(buf + at, x);
    }
}

/* Amplification (issue 12, items 3 and 4): valid, signed bundles of a few
 * hundred kilobytes whose naive reading costs hours or terabytes. */
#ifndef AMP_FILES
#define AMP_FILES 4000 /* files made of one tiny post of every block */
#endif
static void group_amplify(void)
{
    const size_t big = (size_t)16 << 20;
    uint8_t *fill = calloc(1, big);
    if (fill == NULL)
        forge_die("out of memory");
    /* Item 3: 16 blocks of 16 MiB, each a tiny post and a 16 MiB filler
     * post, and AMP_FILES files each made of the 16 tiny posts, last block
     * first.  Read file by file, each file decodes the blocks again:
     * 4000 x 15 x 16 MiB = 938 GiB decompressed (about 3 minutes on the
     * machines of tests/ROBUSTNESS.md).  Planned by block: 256 MiB. */
    {
        enum { NB = 16 };
        fbundle b;
        fb_init(&b);
        fbuf e = {0}, parts = {0}, blk = {0};
        for (int i = 0; i < NB; i++) {
            char tiny[32], id[16];
            int tl = snprintf(tiny, sizeof tiny, "tiny post %d\n", i);
            size_t flen = big - (size_t)tl;
            memset(fill, 0, big);
            sparse_fill(fill, flen, 4096, (uint64_t)i + 7);
            fb_reset(&blk);
            fb_put(&blk, tiny, (size_t)tl);
            fb_put(&blk, fill, flen);
            fbuf fr = {0};
            fz_compress(&fr, blk.p, blk.n, 1, 1, 0, 0);
            if ((uint64_t)blk.n > (uint64_t)fr.n * 1024)
                forge_die("amplify: block %d over 1024:1 (%zu bytes)", i, fr.n);
            fb_add_frame(&b, fr.p, fr.n, blk.n);
            fb_free(&fr);
            fb_add_blob(&b, (uint32_t)(2 * i), 0);
            fb_add_blob(&b, (uint32_t)(2 * i + 1), 0);
            snprintf(id, sizeof id, "t%d", i);
            fb_reset(&e);
            fe_post_simple(&e, id, strlen(id), NULL, tiny, (size_t)tl);
            fb_add_record(&b, &e);
            snprintf(id, sizeof id, "fill%d", i);
            fb_reset(&e);
            fe_post_simple(&e, id, strlen(id), NULL, fill, flen);
            fb_add_record(&b, &e);
        }
        for (int k = 0; k < AMP_FILES; k++) {
            char path[32];
            snprintf(path, sizeof path, "f/%04d.txt", k);
            fb_reset(&parts);
            uint64_t total = 0;
            for (int i = NB - 1; i >= 0; i--) {
                fp_entry(&parts, (uint64_t)(2 * i));
                char tiny[32];
                total += (uint64_t)snprintf(tiny, sizeof tiny, "tiny post %d\n", i);
            }
            fb_reset(&e);
            fe_file(&e, 0, total, path, strlen(path), NB, &parts);
            fb_add_record(&b, &e);
        }
        fb_seal(&b, &K);
        emit("amplify", "files_x_blocks", &b, OK, "t3", 2 * NB, NULL);
        fb_release(&b);
        fb_free(&e);
        fb_free(&parts);
        fb_free(&blk);
    }
    /* Item 4: one 16 MiB post and a file of 65,536 parts naming it: 1 TiB
     * listed; extract refuses before writing (over --max-size). */
    {
        memset(fill, 0, big);
        sparse_fill(fill, big, 4096, 99);
        fbundle b;
        fb_init(&b);
        fb_add_block(&b, fill, big);
        fb_add_blob(&b, 0, 0);
        fbuf e = {0}, parts = {0};
        fe_post_simple(&e, "big", 3, NULL, fill, big);
        fb_add_record(&b, &e);
        const uint32_t np = 65536;
        for (uint32_t k = 0; k < np; k++)
            fp_entry(&parts, 0);
        fb_reset(&e);
        fe_file(&e, 0, (uint64_t)big * np, "huge.bin", 8, np, &parts);
        fb_add_record(&b, &e);
        fb_seal(&b, &K);
        emit("amplify", "file_of_one_content_65536_times", &b, "000030", "big", 1, NULL);
        fb_release(&b);
        /* 20,000 posts sharing that content: extract --posts would write
         * 312 GiB; refused before writing. */
        fb_init(&b);
        fb_add_block(&b, fill, big);
        fb_add_blob(&b, 0, 0);
        fpost p = {0};
        p.flags = 0x02 | 0x04;
        memset(p.salt, 0xA5, 16);
        fh_hash(p.hash, fill, big); /* once, not 20,000 times */
        p.size = big;
        p.created = 1700000000;
        p.media = "text/plain";
        p.media_len = 10;
        p.author = "mallory";
        p.author_len = 7;
        for (int k = 0; k < 20000; k++) {
            char id[16];
            snprintf(id, sizeof id, "s%05d", k);
            p.id = id;
            p.id_len = strlen(id);
            fb_reset(&e);
            fe_post(&e, &p);
            fb_add_record(&b, &e);
        }
        fb_seal(&b, &K);
        emit("amplify", "posts_share_one_content_20000", &b, "000003", "s00000", 20000, NULL);
        fb_release(&b);
        fb_free(&e);
        fb_free(&parts);
    }
    /* Item 4: 2048 blocks of 1 MiB of zeros, each within 1 MiB of slack,
     * 2 GiB in all from a bundle of about 100 KB: over the bound for all
     * blocks together, refused at open (cat reads one block: may print). */
    {
        fbundle b;
        fb_init(&b);
        fbuf e = {0};
        memset(fill, 0, big);
        for (int i = 0; i < 2048; i++) {
            size_t len = ((size_t)1 << 20) - (size_t)i;
            fbuf fr = {0};
            fz_compress(&fr, fill, len, 1, 1, 0, 0);
            fb_add_frame(&b, fr.p, fr.n, len);
            fb_free(&fr);
            fb_add_blob(&b, (uint32_t)i, 0);
            char id[16];
            snprintf(id, sizeof id, "z%d", i);
            fb_reset(&e);
            fe_post_simple(&e, id, strlen(id), NULL, fill, len);
            fb_add_record(&b, &e);
        }
        fb_seal(&b, &K);
        emit("amplify", "blocks_2048_of_1MiB_zeros", &b, IBAD, "z0", -1, NULL);
        fb_release(&b);
        fb_free(&e);
    }
    free(fill);
}

/* ------------------------------------------------------------ content hashes */

static void group_hash(void)
{
    base t;
    /* a blob whose bytes do not match its hash (the post that introduces
     * it names another hash, and the index is signed) */
    base_init(&t, 0);
    {
        uint8_t h[32];
        fh_hash(h, "forged", 6);
        memcpy(t.e[0].p + POST_HASH, h, 32);
    }
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("hash", "content_hash_mismatch", &t.b, CONTENT, "1", -1, NULL);
    base_free(&t);
    /* the same in the second block: post 1 (first block) still reads */
    base_init(&t, 1);
    {
        uint8_t h[32];
        fh_hash(h, "forged", 6);
        memcpy(t.e[3].p + POST_HASH, h, 32); /* blob 2 = post 4, in block 1 */
    }
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("hash", "mismatch_in_other_block_cat_intact", &t.b, "100011", "1", -1, NULL);
    base_free(&t);
    /* a block hash in the table that does not match (signed) */
    base_init(&t, 0);
    t.b.block_table.p[24] ^= 1;
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("hash", "block_hash_mismatch", &t.b, CONTENT, "1", -1, NULL);
    base_free(&t);
    /* content altered in the block, re-compressed, block hash updated,
     * index signed: the content hash catches it */
    base_init(&t, 0);
    {
        fbuf d = {0};
        fb_put(&d, C1, strlen(C1));
        fb_put(&d, C2, strlen(C2));
        fb_put(&d, C4, strlen(C4));
        d.p[3] ^= 0x20; /* "Has" -> "HaS" */
        fb_reset(&t.b.blocks);
        fb_reset(&t.b.block_table);
        t.b.n_blocks = 0;
        fb_add_block(&t.b, d.p, d.n);
        fb_free(&d);
    }
    base_records(&t);
    fb_seal(&t.b, &K);
    emit("hash", "content_altered_block_resigned", &t.b, CONTENT, "1", -1, NULL);
    base_free(&t);
}

/* ------------------------------------------------------------ ids and paths */

/* A valid bundle whose posts have hostile ids: post k has id ids[k],
 * content "post k\n"; a file thread.txt made of all of them. */
static void ids_bundle(fbundle *b, const char *const *ids, const size_t *lens, int n)
{
    fb_init(b);
    fbuf data = {0}, e = {0}, parts = {0};
    char content[64][32];
    for (int k = 0; k < n; k++) {
        snprintf(content[k], sizeof content[k], "post %d\n", k);
        fb_put(&data, content[k], strlen(content[k]));
    }
    fb_add_block(b, data.p, data.n);
    uint64_t total = 0;
    for (int k = 0; k < n; k++) {
        size_t l = strlen(content[k]);
        fb_add_blob(b, (uint32_t)k, 0);
        fb_reset(&e);
        fe_post_simple(&e, ids[k], lens[k], NULL, content[k], l);
        fb_add_record(b, &e);
        fp_entry(&parts, (uint64_t)k);
        total += l;
    }
    fb_reset(&e);
    fe_file(&e, 0, total, "thread.txt", 10, (uint32_t)n, &parts);
    fb_add_record(b, &e);
    fb_seal(b, &K);
    fb_free(&data);
    fb_free(&e);
    fb_free(&parts);
}

static void group_ids(void)
{
    static char long_dots[4097];
    for (int i = 0; i < 4096; i++)
        long_dots[i] = "../"[i % 3];
    static const struct { const char *id; size_t len; const char *name; } ids[] = {
        {"../x", 4, "dotdot_x"},
        {"a/../../x", 9, "a_dotdot_dotdot_x"},
        {"/x", 2, "absolute"},
        {"/etc/passwd", 11, "etc_passwd"},
        {"..\\x", 4, "backslash"},
        {"..\\..\\windows\\win.ini", 21, "backslash_deep"},
        {".", 1, "dot"},
        {"..", 2, "dotdot"},
        {"...", 3, "three_dots"},
        {"x\0y", 3, "nul_inside"},
        {"\0", 1, "nul_only"},
        {"\x1b[31mred\x1b[0m", 12, "ansi_color"},
        {"\x1b]0;owned\x07", 10, "ansi_title"},
        {"\x1b[2J\x1b[H", 7, "ansi_clear"},
        {"\xe2\x80\xae" "fdp.exe", 10, "bidi_override"},
        {"\xff\xfe", 2, "bad_utf8"},
        {"-rf", 3, "option_like"},
        {"$(touch pwned)", 14, "shell_subst"},
        {"`touch pwned`", 13, "backticks"},
        {"a\nb", 3, "newline"},
        {"a\rb", 3, "carriage_return"},
        {" ", 1, "space"},
        {"%2e%2e%2fx", 10, "percent_encoded"},
        {"~", 1, "tilde"},
        {"CON", 3, "windows_device"},
        {"x/", 2, "trailing_slash"},
        {"//", 2, "slashes"},
        {long_dots, 4096, "dotdot_4096_bytes"},
    };
    const int n = (int)(sizeof ids / sizeof ids[0]);
    /* one bundle per id, with an ordinary post beside it */
    for (int i = 0; i < n; i++) {
        const char *v[2] = {"ordinary", ids[i].id};
        size_t l[2] = {8, ids[i].len};
        fbundle b;
        ids_bundle(&b, v, l, 2);
        /* cat the hostile id unless it cannot be an argument */
        int arg_ok = memchr(ids[i].id, 0, ids[i].len) == NULL;
        fbuf out = {0};
        fb_bytes(&out, &b);
        char name[64];
        snprintf(name, sizeof name, "id_%s", ids[i].name);
        emit_raw("ids", name, &out, OK, arg_ok ? ids[i].id : "ordinary",
                 arg_ok ? ids[i].len : 8, 2, NULL, &b);
        fb_free(&out);
        fb_release(&b);
    }
    /* all of them in one bundle */
    {
        const char *v[64];
        size_t l[64];
        for (int i = 0; i < n; i++) {
            v[i] = ids[i].id;
            l[i] = ids[i].len;
        }
        fbundle b;
        ids_bundle(&b, v, l, n);
        emit("ids", "all_in_one", &b, OK, "../x", n, NULL);
        fb_release(&b);
    }
    /* names that collide after case folding or Unicode normalisation */
    {
        const char *v[] = {"Readme", "README", "readme", "caf\xc3\xa9", "cafe\xcc\x81",
                           "\xef\xbc\xa1", "A"};
        size_t l[] = {6, 6, 6, 5, 6, 3, 1};
        fbundle b;
        ids_bundle(&b, v, l, 7);
        emit("ids", "case_and_unicode_folding", &b, OK, "README", 7, NULL);
        fb_release(&b);
    }
    /* invalid ids: empty, over 4096 bytes (re-signed: the reader refuses) */
    {
        const char *v[] = {"ordinary", ""};
        size_t l[] = {8, 0};
        fbundle b;
        ids_bundle(&b, v, l, 2);
        emit("ids", "id_empty", &b, IBAD, "ordinary", -1, NULL);
        fb_release(&b);
        static char big[4097];
        memset(big, 'i', sizeof big);
        v[1] = big;
        l[1] = 4097;
        ids_bundle(&b, v, l, 2);
        emit("ids", "id_4097_bytes", &b, IBAD, "ordinary", -1, NULL);
        fb_release(&b);
    }
}

/* A bundle with one post and files at `paths` (each made of the post). */
static void paths_bundle(fbundle *b, const char *const *paths, const size_t *lens, int n)
{
    fb_init(b);
    static const char body[] = "file body\n";
    fb_add_block(b, body, sizeof body - 1);
    fb_add_blob(b, 0, 0);
    fbuf e = {0}, parts = {0};
    fe_post_simple(&e, "1", 1, NULL, body, sizeof body - 1);
    fb_add_record(b, &e);
    fp_entry(&parts, 0);
    for (int i = 0; i < n; i++) {
        fb_reset(&e);
        fe_file(&e, 0, sizeof body - 1, paths[i], lens[i], 1, &parts);
        fb_add_record(b, &e);
    }
    fb_seal(b, &K);
    fb_free(&e);
    fb_free(&parts);
}

static void group_paths(void)
{
    static char long_path[4097], long_comp[301], deep[4096];
    memset(long_path, 'p', sizeof long_path);
    memset(long_comp, 'c', sizeof long_comp);
    for (int i = 0; i < 4095; i++)
        deep[i] = i % 2 ? '/' : 'd';
    /* invalid paths: the reader refuses them at open */
    static const struct { const char *p; size_t len; const char *name; } bad[] = {
        {"../x", 4, "dotdot_x"},
        {"a/../../x", 9, "a_dotdot_dotdot_x"},
        {"/x", 2, "absolute"},
        {"/etc/cron.d/x", 13, "absolute_etc"},
        {"..\\x", 4, "backslash"},
        {"a\\..\\..\\x", 9, "backslash_deep"},
        {".", 1, "dot"},
        {"..", 2, "dotdot"},
        {"", 0, "empty"},
        {"x\0y", 3, "nul"},
        {"a//b", 4, "empty_component"},
        {"a/", 2, "trailing_slash"},
        {"./a", 3, "dot_component"},
        {"a/./b", 5, "inner_dot"},
        {"a/..", 4, "ends_dotdot"},
        {long_path, 4097, "4097_bytes"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *v[1] = {bad[i].p};
        size_t l[1] = {bad[i].len};
        fbundle b;
        paths_bundle(&b, v, l, 1);
        char name[64];
        snprintf(name, sizeof name, "path_%s", bad[i].name);
        emit("paths", name, &b, IBAD, "1", -1, NULL);
        fb_release(&b);
    }
    /* valid but awkward paths: extraction must stay inside the folder and
     * fail cleanly where the file system cannot follow */
    static const struct { const char *p; size_t len; const char *name; const char *expect; }
        odd[] = {
            {"\x1b[31mred", 8, "escape_in_name", OK},
            {"-rf", 3, "option_like", OK},
            {"...", 3, "three_dots", OK},
            {" ", 1, "space", OK},
            {"a\nb", 3, "newline", OK},
            {long_comp, 300, "component_300_bytes", "0000E0"},
            {deep, 4095, "2048_levels", "0000A0"},
        };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        const char *v[1] = {odd[i].p};
        size_t l[1] = {odd[i].len};
        fbundle b;
        paths_bundle(&b, v, l, 1);
        char name[64];
        snprintf(name, sizeof name, "odd_%s", odd[i].name);
        emit("paths", name, &b, odd[i].expect, "1", 1, NULL);
        fb_release(&b);
    }
    /* paths that differ only by case: both must be written */
    {
        const char *v[] = {"A/x", "a/x", "README", "readme"};
        size_t l[] = {3, 3, 6, 6};
        fbundle b;
        paths_bundle(&b, v, l, 4);
        emit("paths", "case_collision", &b, OK, "1", 1, NULL);
        fb_release(&b);
    }
    /* symbolic links planted in the extraction folder where the bundle has
     * a file and a folder: never followed, the canary stays as it is */
    {
        const char *v[] = {"x", "d/y", "e/f/g"};
        size_t l[] = {1, 3, 5};
        fbundle b;
        paths_bundle(&b, v, l, 3);
        emit("paths", "symlink_planted_file", &b, "0000E0", "1", 1, "x:canary");
        emit("paths", "symlink_planted_folder", &b, "0000E0", "1", 1, "d:outside");
        emit("paths", "symlink_planted_deep", &b, "0000E0", "1", 1, "e:outside");
        emit("paths", "symlink_planted_dangling", &b, "0000E0", "1", 1, "x:missing");
        emit("paths", "symlink_planted_all", &b, "0000E0", "1", 1,
             "x:canary,d:outside,e:outside");
        fb_release(&b);
    }
    /* a post whose --posts name would be a planted symlink: "1" */
    {
        const char *v[] = {"t.txt"};
        size_t l[] = {5};
        fbundle b;
        paths_bundle(&b, v, l, 1);
        emit("paths", "symlink_planted_post_name", &b, "00000E", "1", 1, "1:canary");
        fb_release(&b);
    }
}

/* ------------------------------------------------------------ the page directory */

/* The base bundle with its records in record pages of two records each:
 * pages [e0 e1] [e2 e3] [e4], firsts 0, 2, 4; page 5 the id page. */
static void multi_init(base *t)
{
    base_init(t, 0);
    t->b.page_records = 2;
    base_records(t);
    fb_body(&t->b);
}

/* Keeps the directory's `first` values and the post count as they are
 * now, whatever a case then does to the pages' bytes. */
static void freeze(fbundle *b)
{
    fb_pack(b);
    for (size_t p = 0; p < b->npages; p++)
        b->pages[p].first_set = 1;
    b->posts_set = 1;
    b->posts = ld64(b->index.p + 16);
}

/* Emits a case of the directory group. */
static void dir_emit(base *t, const char *name, const char *expect)
{
    emit("directory", name, &t->b, expect, "1", expect[0] == '0' ? 4 : -1, NULL);
    base_free(t);
}

/* Moves the boundary between pages p and p+1 of a packed index by `d`
 * bytes (page p grows by d): both rows' csize and hash follow the bytes. */
static void move_boundary(fbundle *b, size_t p, int d)
{
    size_t np = b->npages, at = 56 + 48 * np;
    for (size_t q = 0; q < p; q++)
        at += ld32(fb_row(b, q));
    uint32_t c0 = ld32(fb_row(b, p)), c1 = ld32(fb_row(b, p + 1));
    st32(fb_row(b, p), (uint32_t)((int64_t)c0 + d));
    st32(fb_row(b, p + 1), (uint32_t)((int64_t)c1 - d));
    fh_hash(fb_row(b, p) + 16, b->index.p + at, (size_t)((int64_t)c0 + d));
    fh_hash(fb_row(b, p + 1) + 16, b->index.p + at + (size_t)((int64_t)c0 + d),
            (size_t)((int64_t)c1 - d));
}

/* A bundle of posts with empty contents (no block) and the ids `ids`. */
static void posts_with_ids(fbundle *b, const char *const *ids, int n)
{
    fb_init(b);
    fbuf e = {0};
    uint8_t empty[32];
    fh_hash(empty, NULL, 0);
    for (int i = 0; i < n; i++) {
        fpost p = {0};
        memcpy(p.hash, empty, 32);
        p.id = ids[i];
        p.id_len = strlen(ids[i]);
        p.media = "text/plain";
        p.media_len = 10;
        fb_reset(&e);
        fe_post(&e, &p);
        fb_add_record(b, &e);
    }
    fb_free(&e);
}

/* `n` posts with ids "p<k>", and the ids listed in `extra` after them. */
static void many_posts(fbundle *b, int n, const char *const *extra, int nextra)
{
    char (*ids)[16] = malloc(16 * (size_t)(n + 1));
    const char **v = malloc(sizeof *v * (size_t)(n + nextra + 1));
    if (ids == NULL || v == NULL)
        forge_die("out of memory");
    for (int i = 0; i < n; i++) {
        snprintf(ids[i], 16, "p%d", i);
        v[i] = ids[i];
    }
    for (int i = 0; i < nextra; i++)
        v[n + i] = extra[i];
    posts_with_ids(b, v, n + nextra);
    free(ids);
    free(v);
}

static void group_directory(void)
{
    base t;
    /* the base in three record pages: valid */
    multi_init(&t);
    repack(&t.b);
    dir_emit(&t, "three_record_pages", OK);
    /* one record a page, and every record a page of its own with a
     * directory of 9 rows: valid */
    base_init(&t, 0);
    t.b.page_records = 1;
    base_records(&t);
    fb_seal(&t.b, &K);
    dir_emit(&t, "one_record_a_page", OK);
    /* record pages' `first` lying */
    static const struct { size_t page; uint64_t first; const char *name; } firsts[] = {
        {0, 1, "record_first_nonzero"},
        {1, 3, "record_first_lies_up"},
        {2, 3, "record_first_lies_down"},
        {2, 2, "record_first_repeats"},
        {1, 0, "record_first_goes_back"},
        {2, 5, "record_first_past_entries"},
        {2, UINT64_MAX, "record_first_2p64m1"},
    };
    for (size_t i = 0; i < sizeof firsts / sizeof firsts[0]; i++) {
        multi_init(&t);
        t.b.pages[2 + firsts[i].page].first_set = 1;
        t.b.pages[2 + firsts[i].page].first = firsts[i].first;
        repack(&t.b);
        dir_emit(&t, firsts[i].name, IBAD);
    }
    /* a record cut between two pages (the directory's firsts and the post
     * count as they were) */
    multi_init(&t);
    freeze(&t.b);
    {
        /* page 0: records 0, 1 and the first 20 bytes of record 2, the
         * places of 0 and 1; page 1: the rest of record 2, record 3, their
         * places */
        uint8_t pl[4][8];
        for (int k = 0; k < 4; k++)
            memcpy(pl[k], fb_place(&t.b, 2 + (size_t)k / 2, (uint64_t)k % 2), 8);
        fbuf r2 = {0}, *p0 = &t.b.pages[2].data, *p1 = &t.b.pages[3].data;
        fb_u32(&r2, (uint32_t)t.e[2].n);
        fb_put(&r2, t.e[2].p, t.e[2].n);
        for (int k = 0; k < 2; k++) {
            fb_reset(k ? p1 : p0);
            fb_u32(k ? p1 : p0, (uint32_t)t.e[k ? 3 : 0].n);
            fb_put(k ? p1 : p0, t.e[k ? 3 : 0].p, t.e[k ? 3 : 0].n);
        }
        fbuf x = {0};
        fb_u32(&x, (uint32_t)t.e[1].n);
        fb_put(&x, t.e[1].p, t.e[1].n);
        fb_put(&x, r2.p, 20);
        fb_put(p0, x.p, x.n);
        fb_put(p0, pl[0], 8);
        fb_put(p0, pl[1], 8);
        fb_reset(&x);
        fb_put(&x, r2.p + 20, r2.n - 20);
        fb_put(&x, p1->p, p1->n);
        fb_copy(p1, &x);
        fb_put(p1, pl[2], 8);
        fb_put(p1, pl[3], 8);
        fb_free(&x);
        fb_free(&r2);
    }
    repack(&t.b);
    dir_emit(&t, "record_split_across_pages", IBAD);
    /* a whole record moved to the previous page (the firsts as they were:
     * 0, 2, 4) */
    {
        static const uint64_t split[] = {3, 1, 1};
        base_init(&t, 0);
        t.b.page_split = split;
        t.b.n_split = 3;
        base_records(&t);
        fb_body(&t.b);
    }
    for (int k = 0; k < 3; k++)
        t.b.pages[2 + k].first_set = 1, t.b.pages[2 + k].first = (uint64_t)(2 * k);
    repack(&t.b);
    dir_emit(&t, "record_moved_to_previous_page", IBAD);
    /* the record pages in the wrong order (firsts derived: 0, 2, 4) */
    multi_init(&t);
    {
        fbuf tmp = t.b.pages[2].data;
        t.b.pages[2].data = t.b.pages[3].data;
        t.b.pages[3].data = tmp;
    }
    repack(&t.b);
    dir_emit(&t, "record_pages_swapped", IBAD);
    /* an empty record page between two others */
    multi_init(&t);
    {
        fpage *pg = realloc(t.b.pages, (t.b.npages + 1) * sizeof *pg);
        if (pg == NULL)
            forge_die("out of memory");
        t.b.pages = pg;
        memmove(&pg[4], &pg[3], (t.b.npages - 3) * sizeof *pg);
        memset(&pg[3], 0, sizeof *pg);
        pg[3].first_set = 1;
        pg[3].first = 1;
        t.b.npages++;
        t.b.n_record_pages++;
    }
    repack(&t.b);
    dir_emit(&t, "empty_record_page", IBAD);
    /* the directory's rows in another order than the frames */
    multi_init(&t);
    fb_pack(&t.b);
    {
        uint8_t tmp[48];
        memcpy(tmp, fb_row(&t.b, 2), 48);
        memcpy(fb_row(&t.b, 2), fb_row(&t.b, 3), 48);
        memcpy(fb_row(&t.b, 3), tmp, 48);
    }
    reseal(&t.b);
    dir_emit(&t, "rows_swapped_frames_not", IBAD);
    /* an id page listed before the record pages (rows and frames) */
    base_init(&t, 0);
    base_records(&t);
    fb_body(&t.b);
    {
        fpage tmp = t.b.pages[2];
        t.b.pages[2] = t.b.pages[3];
        t.b.pages[3] = tmp;
        t.b.pages[2].first_set = 1;
        t.b.pages[2].first = 0;
        t.b.records_size_set = 1;
        t.b.records_size = t.b.pages[3].data.n;
        t.b.posts_set = 1;
        t.b.posts = 4;
    }
    repack(&t.b);
    dir_emit(&t, "id_page_before_record_page", IBAD);
    /* pages that do not tile the index */
    static const struct { int d; const char *name; } moves[] = {
        {-1, "page_boundary_one_byte_early"}, {1, "page_boundary_one_byte_late"},
        {-7, "page_boundary_inside_header"}};
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        multi_init(&t);
        fb_pack(&t.b);
        move_boundary(&t.b, 2, moves[i].d);
        reseal(&t.b);
        dir_emit(&t, moves[i].name, IBAD);
    }
    static const struct { size_t page; int64_t d; const char *name; } csizes[] = {
        {2, 1, "page_csize_plus_1"}, {2, -1, "page_csize_minus_1"},
        {5, 1, "last_page_past_index"}, {5, -1, "last_page_short_of_index"},
        {0, 0x7FFFFFFF, "page_csize_2p31"}, {3, -(int64_t)0x10000, "page_csize_wraps"},
    };
    for (size_t i = 0; i < sizeof csizes / sizeof csizes[0]; i++) {
        multi_init(&t);
        fb_pack(&t.b);
        uint8_t *r = fb_row(&t.b, csizes[i].page);
        st32(r, (uint32_t)((int64_t)ld32(r) + csizes[i].d));
        reseal(&t.b);
        dir_emit(&t, csizes[i].name, IBAD);
    }
    static const struct { int where; const char *name; } gaps[] = {
        {0, "byte_between_directory_and_pages"}, {1, "byte_between_pages"},
        {2, "byte_after_last_page"}, {3, "frame_after_last_page"},
        {4, "index_ends_inside_last_page"}};
    for (size_t i = 0; i < sizeof gaps / sizeof gaps[0]; i++) {
        multi_init(&t);
        fb_pack(&t.b);
        size_t at = 56 + 48 * t.b.npages;
        fbuf x = {0};
        if (gaps[i].where == 1)
            at += ld32(fb_row(&t.b, 0)) + ld32(fb_row(&t.b, 1)) + ld32(fb_row(&t.b, 2));
        if (gaps[i].where >= 2)
            at = t.b.index.n;
        fb_put(&x, t.b.index.p, at);
        if (gaps[i].where == 3)
            fb_put(&x, t.b.pages[2].frame.p, t.b.pages[2].frame.n);
        else if (gaps[i].where < 3)
            fb_u8(&x, 0);
        else
            x.n -= 3;
        fb_put(&x, t.b.index.p + at, t.b.index.n - at);
        fb_copy(&t.b.index, &x);
        fb_free(&x);
        reseal(&t.b);
        dir_emit(&t, gaps[i].name, IBAD);
    }
    /* one page's frame given twice (two rows, same frame) */
    multi_init(&t);
    fb_set_page_frame(&t.b, 3, &(fbuf){0});
    fb_pack(&t.b); /* makes page 2's frame */
    fb_set_page_frame(&t.b, 3, &t.b.pages[2].frame);
    t.b.pages[3].first_set = 1;
    t.b.pages[3].first = 2;
    repack(&t.b);
    dir_emit(&t, "same_frame_in_two_rows", IBAD);
    /* a row's hash of another page: the frame does not match it */
    multi_init(&t);
    fb_pack(&t.b);
    memcpy(fb_row(&t.b, 3) + 16, fb_row(&t.b, 2) + 16, 32);
    reseal(&t.b);
    dir_emit(&t, "row_hash_of_other_page", IBAD);
    /* table pages' `first` not 0 */
    for (int p = 0; p < 2; p++) {
        base_init(&t, 0);
        base_records(&t);
        fb_index(&t.b);
        st64(fb_row(&t.b, (size_t)p) + 8, 1);
        reseal(&t.b);
        dir_emit(&t, p == 0 ? "block_table_first_1" : "blob_table_first_1", IBAD);
    }
    /* the tables' sizes lying (the header agreeing) */
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    st32(fb_row(&t.b, 0) + 4, 56 * 2);
    st64(t.b.index.p + 24, 2);
    reseal(&t.b);
    dir_emit(&t, "block_table_size_lies", IBAD);
    base_init(&t, 0);
    base_records(&t);
    fb_index(&t.b);
    st32(fb_row(&t.b, 1) + 4, 8 * 2);
    st64(t.b.index.p + 32, 2);
    reseal(&t.b);
    dir_emit(&t, "blob_table_size_lies", IBAD);
    /* a record page whose size lies by one, records_size agreeing */
    for (int d = -1; d <= 1; d += 2) {
        multi_init(&t);
        fb_pack(&t.b);
        uint8_t *r = fb_row(&t.b, 3);
        st32(r + 4, (uint32_t)((int64_t)ld32(r + 4) + d));
        st64(t.b.index.p + 48, (uint64_t)((int64_t)ld64(t.b.index.p + 48) + d));
        reseal(&t.b);
        dir_emit(&t, d < 0 ? "record_page_size_minus_1" : "record_page_size_plus_1", IBAD);
    }
    /* the frame and the row agree, the record inside is cut */
    multi_init(&t);
    freeze(&t.b);
    t.b.pages[3].data.n -= 1;
    repack(&t.b);
    dir_emit(&t, "record_page_cut_short", IBAD);
    /* two id pages: 4100 posts (valid), then their directory lying */
    {
        fbundle b;
        many_posts(&b, 4100, NULL, 0);
        fb_seal(&b, &K);
        emit("directory", "two_id_pages", &b, OK, "p4099", 4100, NULL);
        fb_release(&b);
        static const char *const what[] = {"id_first_lies", "id_first_goes_down",
                                           "id_pages_swapped", "id_pages_split_4_4096",
                                           "id_row_moved_across_pages", "id_page_3_rows_short"};
        for (int i = 0; i < 6; i++) {
            many_posts(&b, 4100, NULL, 0);
            fb_body(&b);
            size_t p0 = fb_id_page(&b, 0), p1 = fb_id_page(&b, 1);
            fb_pack(&b);
            uint64_t f0 = b.pages[p0].first, f1 = b.pages[p1].first;
            switch (i) {
            case 0:
                b.pages[p1].first_set = 1;
                b.pages[p1].first = f1 + 1;
                break;
            case 1:
                b.pages[p1].first_set = 1;
                b.pages[p1].first = f0 - 1;
                break;
            case 2: {
                fpage tmp = b.pages[p0];
                b.pages[p0] = b.pages[p1];
                b.pages[p1] = tmp;
                break;
            }
            case 3: {
                fbuf all = {0};
                fb_put(&all, b.pages[p0].data.p, b.pages[p0].data.n);
                fb_put(&all, b.pages[p1].data.p, b.pages[p1].data.n);
                fb_reset(&b.pages[p0].data);
                fb_reset(&b.pages[p1].data);
                fb_put(&b.pages[p0].data, all.p, 4 * FI_ID_ROW);
                fb_put(&b.pages[p1].data, all.p + 4 * FI_ID_ROW, all.n - 4 * FI_ID_ROW);
                fb_free(&all);
                break;
            }
            case 4: {
                uint8_t tmp[FI_ID_ROW];
                memcpy(tmp, b.pages[p0].data.p + FI_ID_ROW * 4095, FI_ID_ROW);
                memcpy(b.pages[p0].data.p + FI_ID_ROW * 4095, b.pages[p1].data.p, FI_ID_ROW);
                memcpy(b.pages[p1].data.p, tmp, FI_ID_ROW);
                break;
            }
            default:
                b.pages[p1].data.n -= 3 * FI_ID_ROW;
                b.posts_set = 1;
                b.posts = 4097;
                break;
            }
            fb_pack(&b);
            fb_checkpoint(&b);
            fb_sign(&b, &K);
            fb_trailer(&b);
            emit("directory", what[i], &b, IBAD, "p0", -1, NULL);
            fb_release(&b);
        }
    }
}

/* ------------------------------------------------------------ the id table */

/* The base's id table rows, in (key, entry) order: posts 1 to 4. */
typedef struct idrow {
    uint64_t key;
    uint32_t entry;
} idrow;

/* The base with the id table `rows`; `posts` (when not -1) in the index
 * header.  `expect` is IBAD unless the lookup of post "1" must fail too. */
static void id_case_ex(const char *name, const idrow *rows, size_t n, int posts,
                       const char *expect)
{
    base t;
    base_init(&t, 0);
    base_records(&t);
    t.b.ids_set = 1;
    for (size_t i = 0; i < n; i++)
        fi_id_row(&t.b.ids, rows[i].key, rows[i].entry);
    if (posts >= 0) {
        t.b.posts_set = 1;
        t.b.posts = (uint64_t)posts;
    }
    fb_seal(&t.b, &K);
    emit("idtable", name, &t.b, expect, "1", -1, NULL);
    base_free(&t);
}

static void id_case(const char *name, const idrow *rows, size_t n, int posts)
{
    id_case_ex(name, rows, n, posts, IBAD);
}

static void group_idtable(void)
{
    /* the base's id table, in (key, entry) order */
    idrow r[4];
    {
        base t;
        base_init(&t, 0);
        base_records(&t);
        fb_body(&t.b);
        for (int i = 0; i < 4; i++) {
            r[i].key = ld64(t.b.pages[3].data.p + FI_ID_ROW * i);
            r[i].entry = ld32(t.b.pages[3].data.p + FI_ID_ROW * i + 8);
        }
        base_free(&t);
    }
    idrow v[8];
    /* a row naming entry e in the place (and with the key) of row i */
#define AT(i, e) ((idrow){r[i].key, (uint32_t)(e)})
#define ROWS(...)                                       \
    do {                                                \
        const idrow x_[] = {__VA_ARGS__};               \
        memcpy(v, x_, sizeof x_);                       \
    } while (0)
    ROWS(r[0], r[1], r[2], AT(3, 5));
    id_case("row_is_entry_count", v, 4, -1);
    ROWS(r[0], r[1], r[2], AT(3, UINT32_MAX));
    id_case("row_2p32m1", v, 4, -1);
    ROWS(r[0], r[1], r[2], AT(3, 4));
    id_case("row_names_the_file", v, 4, -1);
    ROWS(AT(0, 4), r[1], r[2], r[3]);
    id_case("first_row_names_the_file", v, 4, -1);
    ROWS(r[0], r[0], r[2], r[3]);
    id_case("row_repeated", v, 4, -1);
    ROWS(r[0], r[1], r[2], r[2]);
    id_case("last_row_repeated", v, 4, -1);
    ROWS(r[3], r[2], r[1], r[0]);
    id_case("rows_reversed", v, 4, -1);
    ROWS(r[1], r[0], r[2], r[3]);
    id_case("first_two_rows_swapped", v, 4, -1);
    ROWS(r[0], r[1], r[3], r[2]);
    id_case("last_two_rows_swapped", v, 4, -1);
    ROWS(r[0], r[1], r[2]);
    id_case("row_missing", v, 3, 3);
    ROWS(r[0], r[1], r[2], r[3], AT(3, 4));
    id_case("row_extra_names_file", v, 5, 5);
    ROWS(r[0], r[1], r[2], r[3], r[3]);
    id_case("row_extra_repeated", v, 5, 5);
    id_case("no_id_table", v, 0, 0);
    /* Rows whose keys are not their posts' (7.6): the lookup goes by the
     * rows' keys, so it must check the record it lands on.  Post "1" is
     * entry 0; its row is made to lead to another post, in order and
     * signed: `cat 1` must refuse, not print that post. */
    int one = 0, other = 0;
    for (int i = 0; i < 4; i++) {
        if (r[i].entry == 0)
            one = i;
        else if (r[i].entry == 1)
            other = i; /* post "2" */
    }
    memcpy(v, r, sizeof r);
    v[one].entry = r[other].entry;
    v[other].entry = r[one].entry;
    id_case_ex("rows_of_1_and_2_swap_entries", v, 4, -1, BAD);
    memcpy(v, r, sizeof r);
    v[one].entry = r[other].entry; /* post "2" twice, "1" not at all */
    id_case_ex("row_of_1_leads_to_2", v, 4, -1, BAD);
    memcpy(v, r, sizeof r);
    v[one].key += 1; /* still in order, unless a key follows it by 1 */
    id_case("row_key_plus_1", v, 4, -1);
#undef ROWS
#undef AT
    /* many posts with one id (one key): refused at the second row */
    {
        const int n = 20000;
        const char **ex = malloc(sizeof *ex * (size_t)n);
        if (ex == NULL)
            forge_die("out of memory");
        for (int i = 0; i < n; i++)
            ex[i] = "same";
        fbundle b;
        many_posts(&b, 0, ex, n);
        fb_seal(&b, &K);
        emit("idtable", "twenty_thousand_posts_one_id", &b, IBAD, "same", -1, NULL);
        fb_release(&b);
        /* one duplicate pair, first and last of 20000 posts */
        char (*ids)[16] = malloc(16 * (size_t)n);
        if (ids == NULL)
            forge_die("out of memory");
        for (int i = 0; i < n; i++) {
            snprintf(ids[i], 16, "p%d", i);
            ex[i] = ids[i];
        }
        ex[0] = ex[n - 1] = "dup";
        posts_with_ids(&b, ex, n);
        free(ids);
        fb_seal(&b, &K);
        emit("idtable", "duplicate_first_and_last_of_20000", &b, IBAD, "dup", -1, NULL);
        fb_release(&b);
        free(ex);
    }
    /* a duplicate pair whose rows straddle the two id pages: of the ids
     * q0..q4096 the one ranked 4095 by key is given twice */
    {
        const int n = 4097;
        struct { uint64_t key; int i; } *k = malloc(sizeof *k * (size_t)n);
        char (*ids)[16] = malloc(16 * (size_t)n);
        const char **ex = malloc(sizeof *ex * (size_t)(n + 1));
        if (k == NULL || ids == NULL || ex == NULL)
            forge_die("out of memory");
        for (int i = 0; i < n; i++) {
            snprintf(ids[i], 16, "q%d", i);
            k[i].key = fi_key(ids[i], strlen(ids[i]));
            k[i].i = i;
            ex[i] = ids[i];
        }
        /* the id ranked 4095: 4095 keys below it */
        int pick = -1;
        for (int i = 0; i < n && pick < 0; i++) {
            int below = 0;
            for (int j = 0; j < n; j++)
                below += k[j].key < k[i].key;
            if (below == 4095)
                pick = i;
        }
        ex[n] = ids[pick];
        fbundle b;
        many_posts(&b, 0, ex, n + 1);
        fb_seal(&b, &K);
        emit("idtable", "duplicate_straddles_id_pages", &b, IBAD, "q0", -1, NULL);
        fb_release(&b);
        free(k);
        free(ids);
        free(ex);
    }
}

/* ------------------------------------------------------------ places */

/* The base (or two-block base) with the place of entry `e` set. */
static void place_case(const char *name, int two_blocks, int e, uint32_t block, uint32_t offset)
{
    base t;
    base_init(&t, two_blocks);
    base_records(&t);
    fb_body(&t.b);
    uint8_t *r = ix_record(&t, e);
    st32(r, block);
    st32(r + 4, offset);
    repack(&t.b);
    emit("places", name, &t.b, IBAD, "1", -1, NULL);
    base_free(&t);
}

/* Post 3 gets post 1's content (stored once) and the file its size. */
static void share_c1(base *t)
{
    fb_reset(&t->e[2]);
    fe_post_simple(&t->e[2], "3", 1, "1", C1, strlen(C1));
    st64(t->e[4].p + FILE_TOTAL, ld64(t->e[4].p + FILE_TOTAL) + strlen(C1));
}

static void group_places(void)
{
    uint32_t l1 = (uint32_t)strlen(C1), l2 = (uint32_t)strlen(C2);
    place_case("post_offset_plus_1", 0, 1, 0, l1 + 1);
    place_case("post_offset_minus_1", 0, 1, 0, l1 - 1);
    place_case("post_offset_0", 0, 1, 0, 0);
    place_case("post_place_of_another_post", 0, 0, 0, l1);
    place_case("post_offset_at_block_end", 0, 3, 0, l1 + l2 + (uint32_t)strlen(C4));
    place_case("post_offset_2p32m1", 0, 3, 0, UINT32_MAX);
    place_case("post_wrong_block", 1, 3, 0, 0);
    place_case("post_block_out_of_range", 1, 3, 2, 0);
    place_case("post_block_2p32m1", 0, 0, UINT32_MAX, 0);
    place_case("empty_post_offset_nonzero", 0, 2, 0, 5);
    place_case("empty_post_block_nonzero", 1, 2, 1, 0);
    place_case("file_place_nonzero", 0, 4, 0, 1);
    place_case("file_block_nonzero", 1, 4, 1, 0);
    /* all places zero (what a reader ignoring them would write) */
    {
        base t;
        base_init(&t, 1);
        t.b.places_manual = 1;
        base_records(&t);
        fb_seal(&t.b, &K);
        emit("places", "all_places_zero", &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
    }
    /* a post sharing another's content: same place as the first (valid) */
    {
        base t;
        base_init(&t, 0);
        share_c1(&t);
        base_records(&t);
        fb_seal(&t.b, &K);
        emit("places", "shared_content_same_place", &t.b, OK, "3", 4, NULL);
        base_free(&t);
        /* and its place pointing at the copy's bytes somewhere else */
        base_init(&t, 0);
        share_c1(&t);
        base_records(&t);
        fb_body(&t.b);
        st32(ix_record(&t, 2) + 4, l1);
        repack(&t.b);
        emit("places", "shared_content_other_place", &t.b, IBAD, "1", -1, NULL);
        base_free(&t);
    }
}

/* ------------------------------------------------------------ keys */

static void key_file(const char *name, const void *text, size_t len, const char *kind,
                     const char *expect, const char *note)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/keys/%s", outdir, name);
    write_file(path, text, len);
    fprintf(keys_manifest, "%s\t%s\t%s\t%s\n", name, kind, expect, note);
    ncases++;
}

static void b64_line(fbuf *out, const uint8_t *bin, size_t len)
{
    char *b = malloc(sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL));
    sodium_bin2base64(b, sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL), bin,
                      len, sodium_base64_VARIANT_ORIGINAL);
    fb_put(out, b, strlen(b));
    free(b);
}

/*
 * keys.tsv: name  kind  expect  note
 *   kind pub: `verify -p FILE` of the base bundle
 *   kind pubarg: `verify -P "$(cat FILE)"` of the base bundle
 *   kind sec: `pack -s FILE` (no passphrase file)
 *   kind pass: `pack -s enc.key --passphrase-file FILE`
 * expect: the exit status.
 */
static void group_keys(void)
{
    char path[4096];
    fbuf t = {0};
    /* the good ones (test.pub and test.key: see inputs()) */
    fk_pub_text(&t, &O);
    key_file("other.pub", t.p, t.n, "pub", "1", "a valid key that did not sign");
    fb_reset(&t);
    fk_pub_text(&t, &S);
    key_file("same_id_other_key.pub", t.p, t.n, "pub", "1", "K's key id, other key bytes");
    const uint64_t ops = 32768, mem = 16u << 20; /* scrypt's minimum: fast */
    fb_reset(&t);
    fk_sec_text(&t, &K, "correct horse", ops, mem);
    snprintf(path, sizeof path, "%s/keys/enc.key", outdir);
    write_file(path, t.p, t.n);
    key_file("right.pass", "correct horse\n", 14, "pass", "0", "the right passphrase");
    key_file("wrong.pass", "battery staple\n", 15, "pass", "3", "a wrong passphrase");
    key_file("empty.pass", "", 0, "pass", "3", "an empty passphrase");
    key_file("prefix.pass", "correct\n", 8, "pass", "3", "a prefix of the passphrase");
    key_file("longer.pass", "correct horse battery\n", 22, "pass", "3", "longer");

    /* malformed public keys: -p FILE must fail with 3; the same text as
     * -P KEY (pubarg: the argument is the file's content, one line) with 2 */
    uint8_t pk[43];
    memcpy(pk, "Ed", 2);
    memcpy(pk + 2, K.id, 8);
    memcpy(pk + 10, K.pk, 32);
    pk[42] = 0;
    const char *uc = "untrusted comment: hostile key\n";
    struct { const char *name; int cut; int extra; const char *tag; const char *suffix;
             const char *note; } pubs[] = {
        {"pub_short", 41, 0, NULL, "\n", "41 bytes"},
        {"pub_long", 43, 0, NULL, "\n", "43 bytes"},
        {"pub_tag_ED", 42, 0, "ED", "\n", "tag ED"},
        {"pub_tag_ed", 42, 0, "ed", "\n", "tag ed"},
        {"pub_tag_nul", 42, 0, "\0\0", "\n", "tag 00 00"},
        {"pub_trailing_text", 42, 0, NULL, " trailing\n", "text after the key"},
        {"pub_trailing_line", 42, 0, NULL, "\nsecond line\n", "a further line"},
        {"pub_two_keys", 42, 1, NULL, "\n", "the key line twice"},
        {"pub_crlf", 42, 0, NULL, "\r\n", "CR LF: accepted, as minisign reads it"},
    };
    for (size_t i = 0; i < sizeof pubs / sizeof pubs[0]; i++) {
        uint8_t blob[43];
        memcpy(blob, pk, 43);
        if (pubs[i].tag)
            memcpy(blob, pubs[i].tag, 2);
        fbuf line = {0};
        b64_line(&line, blob, (size_t)pubs[i].cut);
        if (pubs[i].extra) {
            fb_u8(&line, '\n');
            b64_line(&line, blob, (size_t)pubs[i].cut);
        }
        fb_reset(&t);
        fb_put(&t, uc, strlen(uc));
        fb_put(&t, line.p, line.n);
        fb_put(&t, pubs[i].suffix, strlen(pubs[i].suffix));
        char name[128];
        snprintf(name, sizeof name, "%s.pub", pubs[i].name);
        key_file(name, t.p, t.n, "pub", strcmp(pubs[i].name, "pub_crlf") == 0 ? "0" : "3",
                 pubs[i].note);
        if (!pubs[i].extra && strchr(pubs[i].suffix + 1, '\n') == NULL) {
            snprintf(name, sizeof name, "%s.arg", pubs[i].name);
            fb_put(&line, pubs[i].suffix, strlen(pubs[i].suffix) - 1);
            if (memchr(line.p, 0, line.n) == NULL && memchr(line.p, '\r', line.n) == NULL)
                key_file(name, line.p, line.n, "pubarg", "2", pubs[i].note);
        }
        fb_free(&line);
    }
    {
        fbuf l = {0};
        b64_line(&l, pk, 42);
        key_file("pub_valid.arg", l.p, l.n, "pubarg", "0", "the right key as -P");
        fb_reset(&t);
        char ob64[57];
        fk_pub_b64(ob64, &O);
        key_file("pub_other.arg", ob64, 56, "pubarg", "1", "another key as -P");
        l.p[10] = '!';
        fb_put(&t, uc, strlen(uc));
        fb_put(&t, l.p, l.n);
        fb_u8(&t, '\n');
        key_file("pub_bad_base64.pub", t.p, t.n, "pub", "3", "a '!' in the base64");
        key_file("pub_bad_base64.arg", l.p, l.n, "pubarg", "2", "a '!' in the base64");
        fb_reset(&l);
        b64_line(&l, pk, 42);
        fb_reset(&t);
        fb_put(&t, uc, strlen(uc));
        fb_put(&t, l.p, l.n - 1); /* drop the padding '=' */
        fb_u8(&t, '\n');
        key_file("pub_no_padding.pub", t.p, t.n, "pub", "3", "padding removed");
        key_file("pub_no_padding.arg", l.p, l.n - 1, "pubarg", "2", "padding removed");
        fb_reset(&t);
        fb_put(&t, uc, strlen(uc));
        fb_put(&t, l.p, l.n);
        fb_put(&t, "==\n", 3);
        key_file("pub_extra_padding.pub", t.p, t.n, "pub", "3", "extra padding");
        fb_reset(&t);
        fb_put(&t, "untrusted comment: a\0b\n", 23);
        fb_put(&t, l.p, l.n);
        fb_u8(&t, '\n');
        key_file("pub_nul_in_comment.pub", t.p, t.n, "pub", "3", "NUL in the comment");
        fb_reset(&t);
        fb_put(&t, "untrusted comment: ", 19);
        for (int i = 0; i < 2000; i++)
            fb_u8(&t, 'c');
        fb_u8(&t, '\n');
        fb_put(&t, l.p, l.n);
        fb_u8(&t, '\n');
        key_file("pub_comment_2000_bytes.pub", t.p, t.n, "pub", "3", "comment line too long");
        fb_reset(&t);
        for (int i = 0; i < 5000; i++)
            fb_u8(&t, '\n');
        fb_put(&t, l.p, l.n);
        key_file("pub_over_4KiB.pub", t.p, t.n, "pub", "3", "file over 4 KiB");
        fb_free(&l);
    }
    key_file("pub_empty.pub", "", 0, "pub", "3", "empty file");
    key_file("pub_empty.arg", "", 0, "pubarg", "2", "empty argument");
    key_file("pub_comment_only.pub", uc, strlen(uc), "pub", "3", "comment, no key");
    key_file("pub_binary.pub", "\x8a\x41\x46\x4d\x54\r\n\x1a", 8, "pub", "3", "binary");

    /* malformed secret keys */
    struct { const char *name; int mutate; const char *note; } secs[] = {
        {"sec_short.key", 1, "157 bytes"},
        {"sec_long.key", 2, "159 bytes"},
        {"sec_tag_ED.key", 3, "signature tag ED"},
        {"sec_kdf_XX.key", 4, "kdf XX"},
        {"sec_chk_XX.key", 5, "checksum algorithm XX"},
        {"sec_bad_checksum.key", 6, "checksum altered"},
        {"sec_public_half_wrong.key", 7, "public half of another key"},
        {"sec_opslimit_2p63.key", 8, "scrypt opslimit 2^63"},
        {"sec_memlimit_2p64m1.key", 9, "scrypt memlimit 2^64-1"},
        {"sec_trailing_line.key", 10, "a further line"},
        {"sec_bad_base64.key", 11, "a '!' in the base64"},
        {"sec_no_comment.key", 12, "base64 line alone"},
        {"sec_zero_checksum_plain.key", 13, "all-zero checksum (minisign -W): accepted"},
    };
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
        uint8_t blob[160];
        fk_sec_blob(blob, &K, NULL, 0, 0);
        blob[158] = blob[159] = 'x';
        size_t len = 158;
        const char *expect = "3";
        switch (secs[i].mutate) {
        case 1: len = 157; break;
        case 2: len = 159; break;
        case 3: memcpy(blob, "ED", 2); break;
        case 4: memcpy(blob + 2, "XX", 2); break;
        case 5: memcpy(blob + 4, "XX", 2); break;
        case 6: blob[130] ^= 1; break;
        case 7: {
            fkey k2 = K;
            memcpy(k2.sk + 32, O.pk, 32);
            fk_sec_blob(blob, &k2, NULL, 0, 0);
            break;
        }
        case 8:
            fk_sec_blob(blob, &K, "x", 32768, 16u << 20);
            st64(blob + 38, (uint64_t)1 << 63);
            break;
        case 9:
            fk_sec_blob(blob, &K, "x", 32768, 16u << 20);
            st64(blob + 46, UINT64_MAX);
            break;
        case 13:
            memset(blob + 126, 0, 32);
            expect = "0";
            break;
        default: break;
        }
        fb_reset(&t);
        if (secs[i].mutate != 12)
            fb_put(&t, "untrusted comment: hostile secret key\n", 38);
        fbuf l = {0};
        b64_line(&l, blob, len);
        if (secs[i].mutate == 11)
            l.p[20] = '!';
        fb_put(&t, l.p, l.n);
        fb_u8(&t, '\n');
        if (secs[i].mutate == 10)
            fb_put(&t, "more\n", 5);
        fb_free(&l);
        key_file(secs[i].name, t.p, t.n, "sec", expect, secs[i].note);
    }
    /* a detached signature of "msg" by K (a seed for fuzz_keys) */
    {
        fbuf sec = {0}, ms = {0};
        static const char tc[] = "fuzz seed";
        fs_sigsec(&sec, &K, "msg", 3, tc, sizeof tc - 1, "ED", "Ed");
        uint8_t blob[74];
        memcpy(blob, sec.p, 74); /* "ED" || key id || sig */
        const char *uc2 = "untrusted comment: signature from the test key\n";
        fb_put(&ms, uc2, strlen(uc2));
        b64_line(&ms, blob, 74);
        fb_put(&ms, "\ntrusted comment: ", 18);
        fb_put(&ms, tc, sizeof tc - 1);
        fb_u8(&ms, '\n');
        b64_line(&ms, sec.p + 76 + sizeof tc - 1, 64);
        fb_u8(&ms, '\n');
        snprintf(path, sizeof path, "%s/keys/msg.minisig", outdir);
        write_file(path, ms.p, ms.n);
        fb_free(&sec);
        fb_free(&ms);
    }
    key_file("sec_empty.key", "", 0, "sec", "3", "empty file");
    fb_reset(&t);
    fk_pub_text(&t, &K);
    key_file("sec_is_public_key.key", t.p, t.n, "sec", "3", "a public key given as -s");
    fb_free(&t);
}

/* ------------------------------------------------------------ inputs */

/* What every script needs: the test key pair, the base bundle (for the
 * truncation sweep) and a small NDJSON input (for pack). */
static void inputs(void)
{
    char path[4096];
    fbuf t = {0};
    fk_pub_text(&t, &K);
    snprintf(path, sizeof path, "%s/keys/test.pub", outdir);
    write_file(path, t.p, t.n);
    fb_reset(&t);
    fk_sec_text(&t, &K, NULL, 0, 0);
    snprintf(path, sizeof path, "%s/keys/test.key", outdir);
    write_file(path, t.p, t.n);
    fb_free(&t);
    base b;
    base_sealed(&b, 0);
    snprintf(path, sizeof path, "%s/base.afmt", outdir);
    fb_write(&b.b, path);
    base_free(&b);
    snprintf(path, sizeof path, "%s/inputs/thread.ndjson", outdir);
    const char *nd =
        "{\"id\":\"1\",\"parent\":null,\"author\":\"ann\",\"created\":1700000000,"
        "\"title\":\"Starter\",\"body\":\"How do you keep a starter alive?\"}\n"
        "{\"id\":\"2\",\"parent\":\"1\",\"author\":\"bob\",\"created\":1700000100,"
        "\"title\":null,\"body\":\"Fridge.\"}\n"
        "{\"id\":\"3\",\"parent\":\"2\",\"author\":\"cy\",\"created\":1700000200,"
        "\"title\":null,\"body\":\"Dry some as a backup.\"}\n";
    write_file(path, nd, strlen(nd));
}

/* ------------------------------------------------------------ --check */

#ifdef GEN_HOSTILE_CHECK

/* What the library says about a case, as the command would map it: open
 * (with K trusted) and full verification. */
static int library_status(const char *path, int *list_status, char *msg, size_t msg_len)
{
    afmt_reader *r;
    int rc = afmt_reader_open(&r, path, msg, msg_len);
    if (rc != AFMT_OK) {
        *list_status = afmt_error_is_integrity(rc) ? 1 : 3;
        return *list_status;
    }
    *list_status = 0;
    afmt_public_key pk;
    memcpy(pk.key_id, K.id, 8);
    memcpy(pk.key, K.pk, 32);
    rc = afmt_reader_check_signer(r, &pk, 1);
    if (rc == AFMT_OK)
        rc = afmt_reader_verify(r, NULL, NULL);
    snprintf(msg, msg_len, "%s", rc == AFMT_OK ? "" : afmt_reader_errmsg(r));
    afmt_reader_free(r);
    return rc == AFMT_OK ? 0 : afmt_error_is_integrity(rc) ? 1 : 3;
}

static int check_all(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.tsv", outdir);
    FILE *m = fopen(path, "r");
    if (m == NULL)
        forge_die("cannot read the manifest");
    char line[16384];
    int bad = 0, n = 0;
    while (fgets(line, sizeof line, m)) {
        char group[64], name[256], file[512], expect[16];
        if (sscanf(line, "%63s %255s %511s %15s", group, name, file, expect) != 4)
            continue;
        snprintf(path, sizeof path, "%s/cases/%s", outdir, file);
        int ls;
        char msg[512] = "";
        int vs = library_status(path, &ls, msg, sizeof msg);
        n++;
        int ve = expect[0], le = expect[1];
        int vok = ve == 'A' || (ve == 'E' && vs != 0) || ve - '0' == vs;
        int lok = le == 'A' || (le == 'E' && ls != 0) || le - '0' == ls;
        if (!vok || !lok) {
            printf("DISAGREE %s.%s: expect verify %c list %c, library verify %d open %d: %s\n",
                   group, name, ve, le, vs, ls, msg);
            bad++;
        }
    }
    fclose(m);
    printf("checked %d cases with the library: %d disagreements\n", n, bad);
    return bad == 0 ? 0 : 1;
}
#else
static int check_all(void)
{
    fprintf(stderr, "gen_hostile: built without the library (GEN_HOSTILE_CHECK): no --check\n");
    return 2;
}
#endif

/* ------------------------------------------------------------ --seeds */

/* Cuts fuzz seeds out of bundles: for fuzz_index the block area and the
 * index (u32 length of the block area first), for the others the raw
 * sections. */
static int seeds(int argc, char **argv)
{
    const char *dir = argv[0];
    char path[4096];
    static const char *const sub[] = {"index", "entry", "checkpoint", "sigsec", "bundle"};
    mkdir_p(dir);
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, sub[i]);
        mkdir_p(path);
    }
    unsigned n = 0;
    for (int a = 1; a < argc; a++) {
        size_t len;
        uint8_t *f = read_file(argv[a], &len);
        if (f == NULL || len < 48 || len > (64u << 20)) {
            free(f);
            continue;
        }
        snprintf(path, sizeof path, "%s/bundle/s%u", dir, n);
        if (len <= 65536)
            write_file(path, f, len);
        const uint8_t *tr = f + len - 32;
        uint64_t io = ld64(tr), is = ld64(tr + 8);
        uint32_t cs = ld32(tr + 16), ss = ld32(tr + 20);
        if (io < 16 || io > len || is > len - io || cs > len - io - is ||
            ss > len - io - is - cs) {
            free(f);
            n++;
            continue;
        }
        fbuf body = {0};
        if (is >= 56 && fi_pages(&body, f + io, is, 1u << 20) == 0 && io - 16 <= 65536 &&
            body.n <= 65536) {
            /* fuzz_index: u32 length of the block area, the block area, the
             * index header, the pages decoded back to back */
            fbuf sd = {0};
            fb_u32(&sd, (uint32_t)(io - 16));
            fb_put(&sd, f + 16, io - 16);
            fb_put(&sd, f + io, 56);
            fb_put(&sd, body.p, body.n);
            snprintf(path, sizeof path, "%s/index/s%u", dir, n);
            write_file(path, sd.p, sd.n);
            fb_free(&sd);
            /* entry records, for fuzz_entry */
            const uint8_t *ix = f + io;
            uint64_t nb = ld64(ix + 24), nbl = ld64(ix + 32), ne = ld64(ix + 8);
            if (nb < body.n / 56 + 1 && nbl < body.n / 8 + 1 && 56 * nb + 8 * nbl <= body.n) {
                uint64_t pos = 56 * nb + 8 * nbl;
                for (uint64_t e = 0; e < ne && e < 16 && body.n - pos >= 12; e++) {
                    uint32_t l = ld32(body.p + pos + 8);
                    if (body.n - pos - 12 < l)
                        break;
                    snprintf(path, sizeof path, "%s/entry/s%u_%llu", dir, n,
                             (unsigned long long)e);
                    write_file(path, body.p + pos + 12, l);
                    pos += 12 + (uint64_t)l;
                }
            }
        }
        fb_free(&body);
        snprintf(path, sizeof path, "%s/checkpoint/s%u", dir, n);
        write_file(path, f + io + is, cs);
        snprintf(path, sizeof path, "%s/sigsec/s%u", dir, n);
        write_file(path, f + io + is + cs, ss);
        free(f);
        n++;
    }
    printf("seeds from %u bundles in %s\n", n, dir);
    return 0;
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    int check = 0;
    const char *only = NULL;
    if (argc >= 3 && strcmp(argv[1], "--seeds") == 0)
        return seeds(argc - 2, argv + 2);
    for (;;) {
        if (argc >= 2 && strcmp(argv[1], "--check") == 0) {
            check = 1;
            argv++;
            argc--;
        } else if (argc >= 3 && strcmp(argv[1], "--groups") == 0) {
            only = argv[2];
            argv += 2;
            argc -= 2;
        } else {
            break;
        }
    }
    if (argc != 2) {
        fprintf(stderr, "usage: gen_hostile [--check] [--groups G,G...] OUTDIR | "
                        "--seeds OUTDIR BUNDLE...\n");
        return 2;
    }
    if (sodium_init() < 0)
        forge_die("sodium_init");
    outdir = argv[1];
    char path[4096];
    mkdir_p(outdir);
    static const char *const subs[] = {"cases", "keys", "inputs"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", outdir, subs[i]);
        mkdir_p(path);
    }
    fk_make(&K, 1, 0x1122334455667788ull);
    fb_set_origin_key(&K);
    fk_make(&O, 2, 0x99AABBCCDDEEFF00ull);
    fk_make(&S, 3, 0x1122334455667788ull);
    snprintf(path, sizeof path, "%s/manifest.tsv", outdir);
    manifest = fopen(path, "w");
    snprintf(path, sizeof path, "%s/keys.tsv", outdir);
    keys_manifest = fopen(path, "w");
    if (manifest == NULL || keys_manifest == NULL)
        forge_die("cannot write the manifests");
    static const struct { const char *name; void (*fn)(void); } groups[] = {
        {"valid", group_valid},         {"empty", group_empty},
        {"header", group_header},       {"numbers", group_numbers},
        {"overflow", group_overflow},   {"counts", group_counts},
        {"tables", group_tables},       {"refs", group_refs},
        {"duplicates", group_duplicates}, {"append", group_append},
        {"second", group_second},       {"checkpoint", group_checkpoint},
        {"signature", group_signature}, {"zstd", group_zstd},
        {"hash", group_hash},           {"ids", group_ids},
        {"pageframe", group_pageframe},
        {"directory", group_directory}, {"idtable", group_idtable},
        {"places", group_places},
        {"paths", group_paths},         {"bomb", group_bomb},
        {"amplify", group_amplify},
        {"keys", group_keys},
    };
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        if (only != NULL) {
            /* a comma-separated list: match whole names */
            size_t n = strlen(groups[i].name);
            const char *p = only;
            int found = 0;
            while ((p = strstr(p, groups[i].name)) != NULL) {
                if ((p == only || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
                    found = 1;
                p += n;
            }
            if (!found)
                continue;
        }
        groups[i].fn();
    }
    inputs();
    fclose(manifest);
    fclose(keys_manifest);
    printf("gen_hostile: %u cases in %s\n", ncases, outdir);
    return check ? check_all() : 0;
}
