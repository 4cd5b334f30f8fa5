/*
 * vectors_gen.c - writes the test vectors of spec/FORMAT.md section 15.
 *
 * Not part of the CMake build: spec/vectors/regenerate.sh compiles it
 * against the static library and the library's internal headers and runs
 * it.  Two modes:
 *
 *   vectors_gen --new-key DIR
 *       makes DIR/test.key (unencrypted) and DIR/test.pub, once.  Refuses to
 *       overwrite them: every vector is signed with that one key.
 *   vectors_gen --key KEYFILE --out DIR
 *       writes DIR/valid/<name>.afmt with the library's writer, then crafts
 *       DIR/invalid/<case>.<error>.afmt, most of them re-signed with the test
 *       key so that they reach the check they are about.  Every vector is
 *       then read back with the library: a valid one must open, verify and
 *       give back exactly what was written; an invalid one must fail with the
 *       error its name says.  Any surprise stops the program (exit 1).
 *   vectors_gen --read FILE...
 *       prints the reference reader's verdict on each file (open, then full
 *       verification) as "<error name> TAB file TAB message", for comparing
 *       another reader with it.
 *
 * Everything is deterministic: a fixed creation time, fixed contents, the
 * entry salts derived from the key (spec 8.3), Ed25519 signatures (RFC 8032,
 * deterministic) and zstd at a fixed level.  The compressed bytes depend on
 * the libzstd version; the README says so.
 *
 * The .json files beside the valid vectors are written by check_vectors.py,
 * an independent Python reading of the spec, not by this program.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>
#include <zstd.h>

#include "afmt.h"
#include "format/checkpoint.h"
#include "format/entry.h"
#include "format/hash.h"
#include "common/internal.h"
#include "format/layout.h"
#include "format/merkle.h"
#include "format/signature.h"
#include "format/withholding.h"
#include "forge.h" /* tests/hostile: the tests' one bundle forger */

/* 2026-11-25T00:00:00Z, the date of the spec's first draft. */
#define VEC_CREATED 1795564800LL
#define KEY_COMMENT "afmt TEST-ONLY key for spec/vectors: public, never use it for anything else"

static const char *g_out;
static afmt_secret_key *g_sk;
static afmt_public_key g_pk;
static uint8_t g_salt_key[32];
static int g_count_valid, g_count_invalid;

/* ------------------------------------------------------------- helpers */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vectors_gen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void check(int rc, const char *what)
{
    if (rc != AFMT_OK)
        die("%s: %s", what, afmt_strerror(rc));
}

static void buf_add(afmt_buf *b, const void *p, size_t n)
{
    check(afmt_buf_append(b, p, n), "append");
}
static void buf_u8(afmt_buf *b, uint8_t v) { buf_add(b, &v, 1); }
static void buf_u16(afmt_buf *b, uint16_t v)
{
    uint8_t t[2];
    afmt_store16(t, v);
    buf_add(b, t, 2);
}
static void buf_u32(afmt_buf *b, uint32_t v)
{
    uint8_t t[4];
    afmt_store32(t, v);
    buf_add(b, t, 4);
}
static void buf_u64(afmt_buf *b, uint64_t v)
{
    uint8_t t[8];
    afmt_store64(t, v);
    buf_add(b, t, 8);
}
static void buf_str(afmt_buf *b, const void *s, size_t n) /* u16 n || bytes */
{
    buf_u16(b, (uint16_t)n);
    buf_add(b, s, n);
}
static void buf_copy(afmt_buf *dst, const afmt_buf *src)
{
    dst->len = 0;
    buf_add(dst, src->data, src->len);
}

static char *path_join(const char *dir, const char *sub, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s/%s", dir, sub, name) < 0)
        die("out of memory");
    return p;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        die("%s: %s", path, strerror(errno));
    if ((len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
        die("%s: write failed", path);
}

static void read_bytes(afmt_buf *out, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("%s: %s", path, strerror(errno));
    out->len = 0;
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(out, tmp, n);
    fclose(f);
}

/* Deterministic filler text: numbered lines, so that blocks compress a bit
 * and every byte is printable. */
static uint8_t *filler(size_t len, unsigned seed)
{
    uint8_t *p = malloc(len ? len : 1);
    if (p == NULL)
        die("out of memory");
    size_t pos = 0;
    unsigned line = 0;
    while (pos < len) {
        char l[96];
        int n = snprintf(l, sizeof l, "%u.%05u the quick brown fox jumps over the lazy dog %08x\n",
                         seed, line, (seed * 2654435761u) ^ (line * 40503u));
        for (int i = 0; i < n && pos < len; i++)
            p[pos++] = (uint8_t)l[i];
        line++;
    }
    return p;
}

/* ------------------------------------------------------------ the key */

static void new_key(const char *dir)
{
    char *skp = NULL, *pkp = NULL;
    if (asprintf(&skp, "%s/test.key", dir) < 0 || asprintf(&pkp, "%s/test.pub", dir) < 0)
        die("out of memory");
    afmt_secret_key *sk;
    afmt_public_key pk;
    check(afmt_key_generate(&sk, &pk), "key generation");
    check(afmt_secret_key_save(skp, sk, NULL, 0, KEY_COMMENT, 0), skp);
    check(afmt_public_key_save(pkp, &pk, KEY_COMMENT, 0), pkp);
    char hex[17];
    afmt_key_id_to_hex(hex, pk.key_id);
    printf("new test key %s: %s, %s\n", hex, skp, pkp);
    afmt_secret_key_free(sk);
    free(skp);
    free(pkp);
}

/* ============================================================ valid vectors */

/* What was written, to compare with what the reader gives back. */
typedef struct expect {
    int is_file;
    afmt_post post;               /* posts */
    const char *path;             /* files */
    afmt_buf content;             /* the bytes the entry stands for */
} expect;

#define MAX_EXPECT 5000

typedef struct vwriter {
    afmt_writer *w;
    char *path;
    expect *ex; /* MAX_EXPECT of them */
    size_t n;
} vwriter;

static void vw_open(vwriter *v, const char *name, const char *title, const char *comment,
                    size_t block_size)
{
    memset(v, 0, sizeof *v);
    v->path = path_join(g_out, "valid", name);
    v->ex = calloc(MAX_EXPECT, sizeof *v->ex);
    if (v->ex == NULL)
        die("out of memory");
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.title = title;
    o.created = VEC_CREATED;
    o.trusted_comment = comment;
    o.block_size = block_size;
    o.level = 3;
    check(afmt_writer_open(&v->w, v->path, g_sk, &o), v->path);
}

static void vw_post(vwriter *v, const afmt_post *p)
{
    if (v->n == MAX_EXPECT)
        die("too many entries");
    uint64_t number;
    int rc = afmt_writer_add_post(&number, v->w, p);
    if (rc != AFMT_OK)
        die("%s: add post: %s", v->path, afmt_writer_errmsg(v->w));
    if (number != v->n)
        die("%s: entry number %" PRIu64 ", expected %zu", v->path, number, v->n);
    expect *e = &v->ex[v->n++];
    e->post = *p;
    buf_add(&e->content, p->content, p->content_len);
}

static void vw_file(vwriter *v, const char *path, const afmt_file_part *parts, size_t n)
{
    if (v->n == MAX_EXPECT)
        die("too many entries");
    uint64_t number;
    int rc = afmt_writer_add_file(&number, v->w, path, strlen(path), parts, n);
    if (rc != AFMT_OK)
        die("%s: add file: %s", v->path, afmt_writer_errmsg(v->w));
    if (number != v->n)
        die("%s: entry number %" PRIu64 ", expected %zu", v->path, number, v->n);
    expect *e = &v->ex[v->n++];
    e->is_file = 1;
    e->path = path;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].kind == AFMT_PART_ENTRY)
            buf_add(&e->content, v->ex[parts[i].entry].content.data,
                    v->ex[parts[i].entry].content.len);
        else
            buf_add(&e->content, parts[i].data, parts[i].len);
    }
}

static int bytes_eq(const void *a, size_t al, const void *b, size_t bl)
{
    return al == bl && (al == 0 || memcmp(a, b, al) == 0);
}

static int opt_eq(const char *a, size_t al, const char *b, size_t bl)
{
    if ((a == NULL) != (b == NULL))
        return 0;
    return a == NULL || bytes_eq(a, al, b, bl);
}

static int collect(void *ctx, const void *data, size_t len)
{
    buf_add(ctx, data, len);
    return 0;
}

/* Finishes the bundle and reads it back: everything written must come back. */
static void vw_finish(vwriter *v)
{
    if (afmt_writer_finish(v->w) != AFMT_OK)
        die("%s: finish: %s", v->path, afmt_writer_errmsg(v->w));
    afmt_writer_free(v->w);
    char err[512];
    afmt_reader *r;
    int rc = afmt_reader_open(&r, v->path, err, sizeof err);
    if (rc != AFMT_OK)
        die("%s: reader: %s", v->path, err);
    if ((rc = afmt_reader_verify(r, NULL, NULL)) != AFMT_OK)
        die("%s: verify: %s", v->path, afmt_reader_errmsg(r));
    if (afmt_reader_check_signer(r, &g_pk, 1) != AFMT_OK)
        die("%s: not signed by the test key", v->path);
    if (afmt_reader_entry_count(r) != v->n)
        die("%s: entry count", v->path);
    for (size_t i = 0; i < v->n; i++) {
        expect *x = &v->ex[i];
        afmt_entry e;
        check(afmt_reader_entry(&e, r, i), "entry");
        afmt_buf got = {0};
        check(afmt_reader_read(r, i, collect, &got), "read");
        if (!bytes_eq(got.data, got.len, x->content.data, x->content.len) || e.size != got.len)
            die("%s: entry %zu: content differs", v->path, i);
        afmt_buf_free(&got);
        if (x->is_file) {
            if (e.type != AFMT_ENTRY_FILE || !bytes_eq(e.id, e.id_len, x->path, strlen(x->path)))
                die("%s: entry %zu: file differs", v->path, i);
            continue;
        }
        const afmt_post *p = &x->post;
        if (e.type != AFMT_ENTRY_POST || !bytes_eq(e.id, e.id_len, p->id, p->id_len) ||
            !opt_eq(e.parent, e.parent_len, p->parent, p->parent_len) ||
            !opt_eq(e.author, e.author_len, p->author, p->author_len) ||
            !opt_eq(e.title, e.title_len, p->title, p->title_len) ||
            !bytes_eq(e.media_type, e.media_type_len, p->media_type, strlen(p->media_type)) ||
            e.has_created != (p->has_created != 0) || (p->has_created && e.created != p->created) ||
            e.flags != p->flags ||
            e.missing_replies != ((p->flags & AFMT_POST_INCOMPLETE) ? p->missing_replies : 0))
            die("%s: entry %zu: post fields differ", v->path, i);
        /* found by its id, through the id table (spec 7.6) */
        uint64_t found = UINT64_MAX;
        if (afmt_reader_find_post(&found, r, p->id, p->id_len) != AFMT_OK || found != i)
            die("%s: entry %zu: not found by its id", v->path, i);
    }
    afmt_reader_free(r);
    for (size_t i = 0; i < v->n; i++)
        afmt_buf_free(&v->ex[i].content);
    free(v->ex);
    printf("valid   %s (%zu entries)\n", v->path, v->n);
    free(v->path);
    g_count_valid++;
}

static afmt_post mkpost(const char *id, size_t id_len, const char *parent, const char *body,
                        size_t body_len)
{
    afmt_post p = {0};
    p.id = id;
    p.id_len = id_len;
    p.parent = parent;
    p.parent_len = parent ? strlen(parent) : 0;
    p.media_type = "text/plain";
    p.content = body;
    p.content_len = body_len;
    return p;
}
#define POST(id, parent, body) mkpost((id), sizeof(id) - 1, (parent), (body), sizeof(body) - 1)

static void valid_empty(void)
{
    vwriter v;
    vw_open(&v, "empty.afmt", "", "afmt test vector: empty bundle", AFMT_DEFAULT_BLOCK_SIZE);
    vw_finish(&v);
}

static void valid_one_post(void)
{
    vwriter v;
    vw_open(&v, "one-post.afmt", "One post", "afmt test vector: one post",
            AFMT_DEFAULT_BLOCK_SIZE);
    afmt_post p = POST("post-1", NULL, "Hello, afmt.\n");
    p.author = "alice";
    p.author_len = 5;
    p.has_created = 1;
    p.created = 1764547200; /* 2025-12-01T00:00:00Z */
    vw_post(&v, &p);
    vw_finish(&v);
}

/* A thread: replies, deleted and incomplete posts, non-UTF-8 and CRLF
 * content, binary and non-ASCII ids, an empty post, shared contents. */
static void valid_thread(void)
{
    vwriter v;
    vw_open(&v, "thread.afmt", "Fil de discussion \xe2\x80\x94 test vector",
            "afmt test vector: thread", AFMT_DEFAULT_BLOCK_SIZE);
    static const char crlf[] = "First post.\r\nWith CRLF line endings.\r\n";
    afmt_post p;

    p = POST("t3_abc", NULL, crlf);
    p.title = "Line endings";
    p.title_len = 12;
    p.author = "alice";
    p.author_len = 5;
    p.has_created = 1;
    p.created = 1700000000;
    p.media_type = "text/markdown";
    vw_post(&v, &p); /* 0 */

    p = POST("t1_c1", "t3_abc", "I agree.\n");
    p.author = "bob";
    p.author_len = 3;
    p.has_created = 1;
    p.created = 1700000060;
    vw_post(&v, &p); /* 1 */

    p = POST("t1_c2", "t3_abc", "[removed]");
    p.author = "[deleted]";
    p.author_len = 9;
    p.has_created = 1;
    p.created = 1700000120;
    p.flags = AFMT_POST_DELETED;
    vw_post(&v, &p); /* 2 */

    p = POST("t1_c3", "t1_c1", "Latin-1: caf\xe9 na\xefve\n"); /* not UTF-8 */
    p.author = "carol";
    p.author_len = 5;
    p.has_created = 1;
    p.created = 1700000180;
    p.media_type = "text/plain; charset=iso-8859-1";
    p.flags = AFMT_POST_INCOMPLETE;
    p.missing_replies = 7;
    vw_post(&v, &p); /* 3 */

    p = POST("t1_c4", "t1_c1", "I agree.\n"); /* same content as 1: stored once */
    p.flags = AFMT_POST_INCOMPLETE;
    p.missing_replies = 0; /* the source did not say how many */
    vw_post(&v, &p); /* 4 */

    p = POST("t1_c5", "t1_c2", ""); /* empty post, empty author, no time */
    p.author = "";
    p.author_len = 0;
    vw_post(&v, &p); /* 5 */

    static const char binid[] = "id\0with-nul\xff\xfe";
    p = mkpost(binid, sizeof binid - 1, "t3_abc", "reply with a binary id\n", 23);
    vw_post(&v, &p); /* 6 */

    p = POST("t1_c7", "t1_gone", crlf); /* parent not in the bundle; content as 0 */
    p.title = "";
    p.title_len = 0;
    vw_post(&v, &p); /* 7 */

    static const char bin[] = "\x00\x01\x02 binary \xc3\x28 \xed\xa0\x80\r\n";
    p = mkpost("t1_c8", 5, "t3_abc", bin, sizeof bin - 1);
    p.media_type = "application/octet-stream";
    p.flags = AFMT_POST_DELETED | AFMT_POST_INCOMPLETE;
    p.missing_replies = 2;
    vw_post(&v, &p); /* 8 */

    p = POST("t1_\xc3\xbcn\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9", "t1_c3",
             "Unicode: \xc3\xbcn\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80\n");
    p.author = "Jos\xc3\xa9 \xf0\x9f\x98\x80";
    p.author_len = strlen(p.author);
    p.has_created = 1;
    p.created = 1700000300;
    vw_post(&v, &p); /* 9 */
    vw_finish(&v);
}

/* Edge values of every post field. */
static void valid_fields(void)
{
    char title[1025];
    /* 1024 bytes of UTF-8: "é" (2 bytes) x 511 then "ok" */
    for (int i = 0; i < 511; i++) {
        title[2 * i] = (char)0xc3;
        title[2 * i + 1] = (char)0xa9;
    }
    memcpy(title + 1022, "ok", 3);
    vwriter v;
    vw_open(&v, "fields.afmt", title, "afmt test vector: edge values", AFMT_DEFAULT_BLOCK_SIZE);

    static char id[4096], parent[4096], author[4096], media[256], ptitle[300];
    for (size_t i = 0; i < sizeof id; i++) {
        id[i] = (char)('a' + i % 26);
        parent[i] = (char)('A' + i % 26);
        author[i] = (char)('0' + i % 10);
    }
    for (size_t i = 0; i < 255; i++)
        media[i] = (char)(0x20 + i % 95); /* every printable ASCII byte */
    media[0] = 'x'; /* a media type that starts with a space would be silly */
    media[255] = 0;
    for (size_t i = 0; i < sizeof ptitle; i++)
        ptitle[i] = (char)(i % 256); /* any byte: titles are byte strings */

    afmt_post p = mkpost(id, sizeof id, parent, "longest id, parent and author\n", 30);
    p.parent_len = sizeof parent;
    p.author = author;
    p.author_len = sizeof author;
    p.title = ptitle;
    p.title_len = sizeof ptitle;
    p.media_type = media;
    p.has_created = 1;
    p.created = -62135596800LL; /* 0001-01-01T00:00:00Z */
    vw_post(&v, &p);

    p = POST("max-created", NULL, "9999-12-31T23:59:59Z\n");
    p.has_created = 1;
    p.created = 253402300799LL;
    vw_post(&v, &p);

    p = POST("epoch", NULL, "created 0, present\n");
    p.has_created = 1;
    p.created = 0;
    p.flags = AFMT_POST_INCOMPLETE;
    p.missing_replies = 9007199254740993ULL; /* 2^53 + 1: not a double */
    vw_post(&v, &p);

    p = POST("minus-one", NULL, "1969-12-31T23:59:59Z\n");
    p.has_created = 1;
    p.created = -1;
    vw_post(&v, &p);

    p = POST("x", "x", "a post that is its own parent\n");
    vw_post(&v, &p);
    vw_finish(&v);
}

/* File entries with entry, inline and blob parts over several blocks. */
static void valid_files(void)
{
    vwriter v;
    vw_open(&v, "files.afmt", "Files", "afmt test vector: file entries", 1024);
    uint8_t *l0 = filler(300, 1), *l1 = filler(350, 2), *big = filler(5000, 3),
            *b6000 = filler(6000, 4), *b4097 = filler(4097, 5), *b4096 = filler(4096, 6);
    afmt_post p;
    p = mkpost("p0", 2, NULL, (const char *)l0, 300);
    p.media_type = "application/x-ndjson";
    vw_post(&v, &p); /* 0 */
    p = mkpost("p1", 2, "p0", (const char *)l1, 350);
    p.media_type = "application/x-ndjson";
    vw_post(&v, &p); /* 1 */
    p = mkpost("p2", 2, "p0", (const char *)big, 5000);
    vw_post(&v, &p); /* 2: a post over the block size */

    afmt_file_part a[] = {
        {AFMT_PART_ENTRY, 0, NULL, 0},
        {AFMT_PART_ENTRY, 1, NULL, 0},
        {AFMT_PART_DATA, 0, b6000, 6000},        /* blob, its own block */
        {AFMT_PART_DATA, 0, "tail\n", 5},        /* inline */
        {AFMT_PART_ENTRY, 2, NULL, 0},
        {AFMT_PART_ENTRY, 0, NULL, 0},           /* the same post twice */
    };
    vw_file(&v, "data/thread.ndjson", a, sizeof a / sizeof a[0]); /* 3 */
    afmt_file_part b[] = {
        {AFMT_PART_DATA, 0, big, 5000},          /* same bytes as post 2: same blob */
        {AFMT_PART_DATA, 0, "\x00\xff\r\n", 4},  /* inline binary */
        {AFMT_PART_DATA, 0, b4097, 4097},        /* just over the inline limit: blob */
        {AFMT_PART_DATA, 0, b4096, 4096},        /* at the inline limit: inline */
    };
    vw_file(&v, "data/raw.bin", b, sizeof b / sizeof b[0]); /* 4 */
    vw_file(&v, "empty.txt", NULL, 0);          /* 5: no parts */
    p = POST("p3", "p1", "a post after the files\n");
    vw_post(&v, &p); /* 6 */

    /* A streamed file with a post added while it is open: the file's data
     * is stored first, so the blob's row names the file's part (entry 8),
     * not the post (entry 7) that has the same content and a smaller
     * number. */
    uint8_t *s7000 = filler(7000, 7);
    check(afmt_writer_file_begin(v.w, "streamed.txt", 12), "file_begin");
    check(afmt_writer_file_add_data(v.w, s7000, 7000), "file_add_data");
    p = mkpost("p4", 2, "p3", (const char *)s7000, 7000);
    vw_post(&v, &p); /* 7 */
    check(afmt_writer_file_add_entry(v.w, 7), "file_add_entry");
    check(afmt_writer_file_add_data(v.w, "end\n", 4), "file_add_data");
    uint64_t number;
    check(afmt_writer_file_end(&number, v.w), "file_end");
    if (number != v.n)
        die("streamed file: entry %" PRIu64, number);
    expect *x = &v.ex[v.n++];
    x->is_file = 1;
    x->path = "streamed.txt";
    buf_add(&x->content, s7000, 7000);
    buf_add(&x->content, s7000, 7000);
    buf_add(&x->content, "end\n", 4); /* 8 */
    /* Paths and ids are bytes (8.1, 8.2): equal up to case or Unicode
     * normalisation, they are still two files or two posts. */
    vw_file(&v, "case/README.txt", NULL, 0);              /* 9 */
    vw_file(&v, "case/Readme.txt", NULL, 0);              /* 10 */
    vw_file(&v, "case/caf\xc3\xa9.txt", NULL, 0);         /* 11: NFC e-acute */
    vw_file(&v, "case/cafe\xcc\x81.txt", NULL, 0);        /* 12: NFD, e and U+0301 */
    p = POST("Case-ID", NULL, "upper\n");
    vw_post(&v, &p); /* 13 */
    p = POST("case-id", NULL, "lower\n");
    vw_post(&v, &p); /* 14 */
    vw_finish(&v);
    free(s7000);
    free(l0);
    free(l1);
    free(big);
    free(b6000);
    free(b4097);
    free(b4096);
}

/* Enough posts for a paged index (spec 7): 4097 posts, so two id pages
 * (4096 rows and 1), record pages closed at 64 KiB, 1 KiB blocks.  Every
 * 64th post has content (one of them the same as an earlier one's), the
 * others none. */
#define PAGES_POSTS 4097

static void valid_pages(void)
{
    vwriter v;
    vw_open(&v, "pages.afmt", "Paged index", "afmt test vector: paged index", 1024);
    static char ids[PAGES_POSTS][8], parents[PAGES_POSTS][8];
    static uint8_t *bodies[PAGES_POSTS];
    for (unsigned i = 0; i < PAGES_POSTS; i++) {
        snprintf(ids[i], sizeof ids[i], "m%05u", i);
        snprintf(parents[i], sizeof parents[i], "m%05u", i / 8);
        afmt_post p = mkpost(ids[i], strlen(ids[i]), i > 0 ? parents[i] : NULL, "", 0);
        if (i % 64 == 0) {
            unsigned like = i == 64 * 40 ? 64 : i; /* post 2560: post 64's content */
            bodies[i] = filler(100 + like % 97, 100 + like);
            p.content = (const char *)bodies[i];
            p.content_len = 100 + like % 97;
        }
        vw_post(&v, &p);
    }
    vw_finish(&v);
    for (unsigned i = 0; i < PAGES_POSTS; i++)
        free(bodies[i]);
}

/* ========================================================= invalid vectors */

static void zframe(afmt_buf *out, const void *data, size_t len, int content_size);

/* A bundle taken apart into the pieces that are hashed and signed, so that
 * one piece can be altered and the rest made consistent again (re-signed):
 * the blocks, the block and blob tables, the entries (each encoding and the
 * place in its record) and where record pages start.  model_seal rebuilds
 * the rest from them as a writer would (the id table, the pages, the index
 * header and directory, the checkpoint, the signature), with hooks to alter
 * each on the way. */
#define MAX_ENC 8192

/* One index page (spec 7.2): its bytes, its frame and its directory row. */
typedef struct mpage {
    afmt_buf body;            /* a table page's rows; a record page's records */
    afmt_buf places;          /* a record page's places, after its records */
    afmt_buf data;            /* decompressed bytes: body || places */
    afmt_buf frame;           /* the zstd frame stored */
    uint32_t csize, size;     /* the directory row */
    uint64_t first;
    uint8_t hash[AFMT_HASH_BYTES];
} mpage;

typedef struct model model;
struct model {
    uint8_t header[AFMT_HEADER_BYTES];
    afmt_buf frames;          /* the block region, from offset 16 */
    afmt_buf block_tab;       /* 56-byte rows */
    afmt_buf blob_tab;        /* 8-byte rows: (entry u32, part u32) */
    afmt_buf *enc;            /* MAX_ENC entry encodings, nenc used */
    uint32_t (*place)[2];     /* the (block, offset) of each entry's record */
    size_t nenc;
    afmt_buf rec_firsts;      /* u64: the first entry of each record page;
                                 empty: one page for all entries */
    uint32_t compression, iflags;
    int set_entry_count;
    uint64_t entry_count;     /* index header and checkpoint, when set */
    /* Hooks, in the order model_seal calls them; `arg` is theirs. */
    void (*id_edit)(model *m, afmt_buf *rows);           /* rows of the id table */
    void (*page_edit)(model *m, mpage *pages, size_t n); /* pages and directory rows */
    void (*ih_edit)(model *m, uint8_t ih[AFMT_INDEX_HEADER_BYTES]);
    void (*index_edit)(model *m, afmt_buf *index);       /* the laid out index section */
    uint64_t arg, arg2;
    afmt_buf title;
    int64_t created;
    int set_cp_entries;
    uint64_t cp_entries;      /* checkpoint "entries", when set */
    int set_root;
    uint8_t root[AFMT_HASH_BYTES];
    afmt_buf comment;
    void (*cp_edit)(afmt_buf *cp);   /* alters the checkpoint text before signing */
    int legacy;               /* sign with minisign's legacy "Ed" (no prehash) */
    char sig_alg[2], pk_alg[2];
    int pk_key_id_differs;
    void (*origin_edit)(char *origin); /* alters the origin before formatting */
    /* appends attestation records (spec 12.2) after note_sig */
    void (*attest)(model *m, const afmt_buf *cp, const uint8_t note_sig[64], afmt_buf *out);
    int note_sig_flip;        /* a wrong C2SP note signature, the rest right */
    /* withholding (spec 12.1): the checkpoint names cp_index (the index
     * the archiver signed), not this index, whose hash seal leaves in
     * index_hash for the statement */
    int set_cp_index;
    uint8_t cp_index[AFMT_HASH_BYTES];
    uint8_t index_hash[AFMT_HASH_BYTES];
};

static void model_init(model *m)
{
    memset(m, 0, sizeof *m);
    afmt_header_encode(m->header);
    m->enc = calloc(MAX_ENC, sizeof *m->enc);
    m->place = calloc(MAX_ENC, sizeof *m->place);
    if (m->enc == NULL || m->place == NULL)
        die("out of memory");
    m->compression = AFMT_COMPRESSION_ZSTD;
    m->created = VEC_CREATED;
    memcpy(m->sig_alg, "ED", 2);
    memcpy(m->pk_alg, "Ed", 2);
    buf_add(&m->comment, "afmt test vector (invalid)", 26);
}

static void model_free(model *m)
{
    afmt_buf_free(&m->frames);
    afmt_buf_free(&m->block_tab);
    afmt_buf_free(&m->blob_tab);
    for (size_t i = 0; i < MAX_ENC; i++)
        afmt_buf_free(&m->enc[i]);
    free(m->enc);
    free(m->place);
    afmt_buf_free(&m->rec_firsts);
    afmt_buf_free(&m->title);
    afmt_buf_free(&m->comment);
}

/* A new entry at the end, place (0, 0). */
static afmt_buf *model_add_enc(model *m)
{
    if (m->nenc == MAX_ENC)
        die("too many encodings");
    m->place[m->nenc][0] = m->place[m->nenc][1] = 0;
    afmt_buf *b = &m->enc[m->nenc++];
    b->len = 0;
    return b;
}

static int enc_is_post(const afmt_buf *e)
{
    return e->len > 0 && e->data[0] == AFMT_ENTRY_TYPE_POST;
}

/* The id table as a writer makes it: every post once, by (id key, entry)
 * (forge.c's, keeping a post too short for its id under key 0). */
static void model_id_rows(const model *m, afmt_buf *rows)
{
    const uint8_t **enc = malloc((m->nenc + 1) * sizeof *enc);
    size_t *len = malloc((m->nenc + 1) * sizeof *len);
    if (enc == NULL || len == NULL)
        die("out of memory");
    for (size_t e = 0; e < m->nenc; e++) {
        enc[e] = m->enc[e].data;
        len[e] = m->enc[e].len;
    }
    fbuf t = {0};
    fi_id_rows(&t, enc, len, m->nenc, 1);
    rows->len = 0;
    buf_add(rows, t.p, t.n);
    fb_free(&t);
    free(enc);
    free(len);
}

/* A page's directory row from its frame (csize, hash). */
static void page_set_frame(mpage *pg)
{
    pg->csize = (uint32_t)pg->frame.len;
    afmt_content_hash(pg->hash, pg->frame.data, pg->frame.len);
}

/* A page's bytes, frame and row from its body and places, as a writer
 * makes them. */
static void page_refresh(mpage *pg)
{
    buf_copy(&pg->data, &pg->body);
    buf_add(&pg->data, pg->places.data, pg->places.len);
    zframe(&pg->frame, pg->data.data, pg->data.len, 1);
    pg->size = (uint32_t)pg->data.len;
    page_set_frame(pg);
}

/* Takes a bundle written by the library apart. */
static void model_load(model *m, const char *valid_name)
{
    model_init(m);
    char *path = path_join(g_out, "valid", valid_name);
    afmt_buf f = {0}, rows = {0}, page = {0};
    read_bytes(&f, path);
    afmt_trailer t;
    afmt_index_header ih;
    char err[AFMT_ERRMSG_BYTES];
    if (f.len < 48 || afmt_trailer_decode(&t, f.data + f.len - 32, f.len, err) != AFMT_OK ||
        afmt_index_header_decode(&ih, f.data + t.index_offset, t.index_size, err) != AFMT_OK)
        die("%s: cannot take apart", path);
    memcpy(m->header, f.data, 16);
    buf_add(&m->frames, f.data + 16, (size_t)t.index_offset - 16);
    const uint8_t *ix = f.data + t.index_offset;
    m->compression = afmt_load32(ix);
    m->iflags = afmt_load32(ix + 4);
    const uint8_t *frame = ix + ih.head_size;
    for (uint64_t p = 0; p < ih.page_count; p++) {
        const uint8_t *row = ix + AFMT_INDEX_HEADER_BYTES + p * AFMT_PAGE_ROW_BYTES;
        uint32_t csize = afmt_load32(row), size = afmt_load32(row + 4);
        uint64_t first = afmt_load64(row + 8);
        page.len = 0;
        check(afmt_buf_reserve(&page, size + 1), "reserve");
        size_t dr = ZSTD_decompress(page.data, size, frame, csize);
        if (ZSTD_isError(dr) || dr != size)
            die("%s: cannot decode index page %" PRIu64, path, p);
        page.len = size;
        frame += csize;
        if (p == 0) {
            buf_add(&m->block_tab, page.data, page.len);
        } else if (p == 1) {
            buf_add(&m->blob_tab, page.data, page.len);
        } else if (p < 2 + ih.record_pages) {
            /* c records, then c places (spec 7.5) */
            uint64_t next = p + 1 < 2 + ih.record_pages ? afmt_load64(row + 48 + 8)
                                                        : ih.entry_count;
            if (first != m->nenc || next <= first)
                die("%s: record page %" PRIu64 " does not start where it should", path, p);
            buf_u64(&m->rec_firsts, first);
            size_t at = 0, places = page.len - 8 * (size_t)(next - first);
            for (uint64_t e = first; e < next; e++) {
                uint32_t l = afmt_load32(page.data + at);
                buf_add(model_add_enc(m), page.data + at + 4, l);
                m->place[e][0] = afmt_load32(page.data + places + 8 * (e - first));
                m->place[e][1] = afmt_load32(page.data + places + 8 * (e - first) + 4);
                at += 4 + (size_t)l;
            }
            if (at != places)
                die("%s: record page %" PRIu64 " is not records then places", path, p);
        } else {
            buf_add(&rows, page.data, page.len);
        }
    }
    /* the id table is the one model_seal makes */
    model_id_rows(m, &page);
    if (!bytes_eq(page.data, page.len, rows.data, rows.len))
        die("%s: the id table is not the one expected", path);
    const uint8_t *cp = ix + t.index_size;
    const uint8_t *ts = (const uint8_t *)memmem(cp, t.checkpoint_size, "\ntitle ", 7) + 7;
    const uint8_t *tl = memchr(ts, '\n', t.checkpoint_size - (size_t)(ts - cp));
    buf_add(&m->title, ts, (size_t)(tl - ts));
    const uint8_t *sig = cp + t.checkpoint_size;
    m->comment.len = 0;
    buf_add(&m->comment, sig + 76, afmt_load16(sig + 74));
    afmt_buf_free(&f);
    afmt_buf_free(&rows);
    afmt_buf_free(&page);
    free(path);
}

/* Replaces the blocks: n frames, each decoding to sizes[i] bytes. */
static void model_set_blocks(model *m, size_t n, afmt_buf *frames, const uint64_t *sizes)
{
    m->frames.len = 0;
    m->block_tab.len = 0;
    for (size_t i = 0; i < n; i++) {
        buf_u64(&m->block_tab, 16 + m->frames.len);
        buf_u64(&m->block_tab, frames[i].len);
        buf_u64(&m->block_tab, sizes[i]);
        uint8_t h[32];
        afmt_content_hash(h, frames[i].data, frames[i].len);
        buf_add(&m->block_tab, h, 32);
        buf_add(&m->frames, frames[i].data, frames[i].len);
    }
}

/* Appends a blob row naming reference (entry, part). */
static void model_add_blob(model *m, uint32_t entry, uint32_t part)
{
    buf_u32(&m->blob_tab, entry);
    buf_u32(&m->blob_tab, part);
}

/* Record pages start at these entries (n of them; the first must be 0 for
 * a valid index). */
static void model_cut(model *m, const uint64_t *firsts, size_t n)
{
    m->rec_firsts.len = 0;
    for (size_t i = 0; i < n; i++)
        buf_u64(&m->rec_firsts, firsts[i]);
}

/* Sets every salt as a writer would (spec 8.3): readers do not check them,
 * but crafted entries look like written ones. */
static void model_salt(model *m)
{
    uint8_t seed[32];
    afmt_hash_log_seed(seed, g_salt_key, m->created, (const char *)m->title.data, m->title.len);
    for (size_t i = 0; i < m->nenc; i++) {
        afmt_buf *e = &m->enc[i];
        if (e->len < 18)
            continue;
        memset(e->data + 2, 0, 16);
        afmt_hash_salt(e->data + 2, seed, i, e->data, e->len);
    }
}

static void hex32(char out[65], const uint8_t h[32])
{
    afmt_hash_to_hex(out, h);
}

/* Builds the index (pages, directory, header), the checkpoint, signs it and
 * lays the file out. */
static void model_seal(model *m, afmt_buf *out)
{
    afmt_buf index = {0}, ids = {0}, cp = {0}, sig = {0};
    size_t nrec = m->nenc == 0 ? 0 : m->rec_firsts.len > 0 ? m->rec_firsts.len / 8 : 1;
    model_id_rows(m, &ids);
    if (m->id_edit != NULL)
        m->id_edit(m, &ids);
    size_t nrows = ids.len / AFMT_ID_ROW_BYTES;
    size_t nid = (nrows + AFMT_ID_PAGE_ROWS - 1) / AFMT_ID_PAGE_ROWS;
    size_t np = 2 + nrec + nid;
    mpage *pg = calloc(np, sizeof *pg);
    if (pg == NULL)
        die("out of memory");
    buf_add(&pg[0].body, m->block_tab.data, m->block_tab.len);
    buf_add(&pg[1].body, m->blob_tab.data, m->blob_tab.len);
    for (size_t j = 0; j < nrec; j++) {
        mpage *p = &pg[2 + j];
        uint64_t first = m->rec_firsts.len > 0 ? afmt_load64(m->rec_firsts.data + 8 * j) : 0;
        uint64_t end = j + 1 < nrec ? afmt_load64(m->rec_firsts.data + 8 * (j + 1)) : m->nenc;
        for (uint64_t e = first; e < end && e < m->nenc; e++) {
            buf_u32(&p->body, (uint32_t)m->enc[e].len);
            buf_add(&p->body, m->enc[e].data, m->enc[e].len);
            buf_u32(&p->places, m->place[e][0]);
            buf_u32(&p->places, m->place[e][1]);
        }
        p->first = first;
    }
    for (size_t k = 0; k < nid; k++) {
        mpage *p = &pg[2 + nrec + k];
        size_t at = k * AFMT_ID_PAGE_ROWS, n = nrows - at;
        if (n > AFMT_ID_PAGE_ROWS)
            n = AFMT_ID_PAGE_ROWS;
        buf_add(&p->body, ids.data + AFMT_ID_ROW_BYTES * at, AFMT_ID_ROW_BYTES * n);
        p->first = afmt_id_row_key(ids.data, at); /* its first row's, as a writer's */
    }
    for (size_t p = 0; p < np; p++)
        page_refresh(&pg[p]);
    if (m->page_edit != NULL)
        m->page_edit(m, pg, np);

    uint64_t posts = 0, records_size = 0;
    for (size_t e = 0; e < m->nenc; e++)
        posts += enc_is_post(&m->enc[e]);
    for (size_t j = 0; j < nrec; j++)
        records_size += pg[2 + j].size;
    uint8_t ihb[AFMT_INDEX_HEADER_BYTES];
    afmt_store32(ihb, m->compression);
    afmt_store32(ihb + 4, m->iflags);
    afmt_store64(ihb + 8, m->set_entry_count ? m->entry_count : m->nenc);
    afmt_store64(ihb + 16, posts);
    afmt_store64(ihb + 24, m->block_tab.len / AFMT_BLOCK_RECORD_BYTES);
    afmt_store64(ihb + 32, m->blob_tab.len / AFMT_BLOB_RECORD_BYTES);
    afmt_store64(ihb + 40, nrec);
    afmt_store64(ihb + 48, records_size);
    if (m->ih_edit != NULL)
        m->ih_edit(m, ihb);
    buf_add(&index, ihb, sizeof ihb);
    for (size_t p = 0; p < np; p++) {
        uint8_t row[AFMT_PAGE_ROW_BYTES];
        afmt_page_row_encode(row, pg[p].csize, pg[p].size, pg[p].first, pg[p].hash);
        buf_add(&index, row, sizeof row);
    }
    size_t head_size = index.len;
    for (size_t p = 0; p < np; p++)
        buf_add(&index, pg[p].frame.data, pg[p].frame.len);
    if (m->index_edit != NULL)
        m->index_edit(m, &index);
    if (head_size > index.len)
        head_size = index.len;

    uint8_t ih[32], root[32];
    afmt_content_hash(ih, index.data, head_size);
    if (m->set_root) {
        memcpy(root, m->root, 32);
    } else {
        /* over the entries the index says it has */
        size_t n = m->nenc;
        if (m->set_entry_count && m->entry_count < n)
            n = (size_t)m->entry_count;
        uint8_t *leaves = malloc(32 * (n + 1));
        if (leaves == NULL)
            die("out of memory");
        for (size_t i = 0; i < n; i++) {
            if (m->enc[i].len == 34 && m->enc[i].data[0] == 0x03) /* withheld: its leaf */
                memcpy(leaves + 32 * i, m->enc[i].data + 2, 32);
            else
                afmt_hash_leaf(leaves + 32 * i, m->enc[i].data, m->enc[i].len);
        }
        check(afmt_merkle_root(root, leaves, n), "root");
        free(leaves);
    }
    /* The checkpoint (spec 6): a C2SP tlog-checkpoint and afmt's lines. */
    char rb[45], xh[65], line[160];
    sodium_bin2base64(rb, sizeof rb, root, 32, sodium_base64_VARIANT_ORIGINAL);
    memcpy(m->index_hash, ih, 32);
    hex32(xh, m->set_cp_index ? m->cp_index : ih);
    uint64_t cp_entries = m->set_cp_entries    ? m->cp_entries
                          : m->set_entry_count ? m->entry_count
                                               : (uint64_t)m->nenc;
    char origin[AFMT_ORIGIN_BYTES + 1];
    afmt_checkpoint_origin(origin, g_sk->key_id, g_pk.key, m->created, cp_entries, root);
    if (m->origin_edit != NULL)
        m->origin_edit(origin);
    int n = snprintf(line, sizeof line, "%s\n%" PRIu64 "\n%s\nafmt-bundle 2\ntitle ", origin,
                     cp_entries, rb);
    buf_add(&cp, line, (size_t)n);
    buf_add(&cp, m->title.data, m->title.len);
    n = snprintf(line, sizeof line, "\ncreated %" PRId64 "\nindex %s\n", m->created, xh);
    buf_add(&cp, line, (size_t)n);
    if (m->cp_edit != NULL)
        m->cp_edit(&cp);

    fkey k;
    memcpy(k.id, g_sk->key_id, 8);
    memcpy(k.sk, g_sk->sk, 64);
    memcpy(k.pk, g_pk.key, 32);
    uint8_t kid[8];
    memcpy(kid, g_sk->key_id, 8);
    if (m->pk_key_id_differs)
        kid[0] ^= 1;
    fbuf fs = {0};
    fs_sigsec_ex(&fs, &k, cp.data, cp.len, (const char *)m->comment.data, m->comment.len,
                 m->sig_alg, m->pk_alg, m->legacy, kid);
    uint8_t ns[64]; /* note_sig, the section's last 64 bytes */
    if (m->note_sig_flip)
        fs.p[fs.n - 64 + 10] ^= 0x01;
    memcpy(ns, fs.p + fs.n - 64, 64);
    buf_add(&sig, fs.p, fs.n);
    fb_free(&fs);
    sodium_memzero(&k, sizeof k);
    if (m->attest != NULL)
        m->attest(m, &cp, ns, &sig);

    out->len = 0;
    buf_add(out, m->header, 16);
    buf_add(out, m->frames.data, m->frames.len);
    buf_add(out, index.data, index.len);
    buf_add(out, cp.data, cp.len);
    buf_add(out, sig.data, sig.len);
    buf_u64(out, 16 + m->frames.len);
    buf_u64(out, index.len);
    buf_u32(out, (uint32_t)cp.len);
    buf_u32(out, (uint32_t)sig.len);
    buf_add(out, afmt_end_magic, 8);
    for (size_t p = 0; p < np; p++) {
        afmt_buf_free(&pg[p].body);
        afmt_buf_free(&pg[p].places);
        afmt_buf_free(&pg[p].data);
        afmt_buf_free(&pg[p].frame);
    }
    free(pg);
    afmt_buf_free(&index);
    afmt_buf_free(&ids);
    afmt_buf_free(&cp);
    afmt_buf_free(&sig);
}

/* ---- the error a vector is named after, and the check of it ---- */

static const char *error_name(int rc)
{
    switch (rc) {
    case AFMT_OK: return "ok";
    case AFMT_E_TRUNCATED: return "truncated";
    case AFMT_E_FORMAT: return "format";
    case AFMT_E_UNSUPPORTED: return "unsupported";
    case AFMT_E_LIMIT: return "limit";
    case AFMT_E_BAD_SIGNATURE: return "bad-signature";
    case AFMT_E_INDEX_MISMATCH: return "index-mismatch";
    case AFMT_E_ROOT_MISMATCH: return "root-mismatch";
    case AFMT_E_HASH_MISMATCH: return "hash-mismatch";
    case AFMT_E_COMPRESSION: return "compression";
    case AFMT_E_DUPLICATE: return "duplicate";
    default: return afmt_strerror(rc);
    }
}

/* Writes invalid/<name>.<error>.afmt and checks that the reference reader
 * rejects it with exactly that error (open, then full verification). */
static void emit(const char *name, const char *error, const void *data, size_t len)
{
    char *file = NULL;
    if (asprintf(&file, "%s.%s.afmt", name, error) < 0)
        die("out of memory");
    char *path = path_join(g_out, "invalid", file);
    write_bytes(path, data, len);
    char err[512] = "";
    afmt_reader *r;
    int rc = afmt_reader_open(&r, path, err, sizeof err);
    if (rc == AFMT_OK) {
        rc = afmt_reader_verify(r, NULL, NULL);
        snprintf(err, sizeof err, "%s", afmt_reader_errmsg(r));
        afmt_reader_free(r);
    }
    if (strcmp(error_name(rc), error) != 0)
        die("%s: the reader says %s (%s), the name says %s", path, error_name(rc), err, error);
    printf("invalid %-58s %s\n", file, err);
    free(file);
    free(path);
    g_count_invalid++;
}

static void emit_model(const char *name, const char *error, model *m)
{
    afmt_buf out = {0};
    model_seal(m, &out);
    emit(name, error, out.data, out.len);
    afmt_buf_free(&out);
    model_free(m);
}

/* A valid vector's bytes with one change (not re-signed). */
static void emit_patched(const char *name, const char *error, const char *valid,
                         void (*patch)(afmt_buf *f))
{
    char *path = path_join(g_out, "valid", valid);
    afmt_buf f = {0};
    read_bytes(&f, path);
    patch(&f);
    emit(name, error, f.data, f.len);
    afmt_buf_free(&f);
    free(path);
}

/* A valid vector taken apart and sealed again must give its own bytes: the
 * model builds pages, directory and checkpoint exactly as the writer does,
 * so an invalid vector differs from its valid one only where its case says. */
static void check_roundtrip(const char *valid)
{
    model m;
    model_load(&m, valid);
    afmt_buf out = {0}, f = {0};
    model_seal(&m, &out);
    char *path = path_join(g_out, "valid", valid);
    read_bytes(&f, path);
    if (!bytes_eq(out.data, out.len, f.data, f.len))
        die("%s: taken apart and sealed again, it is not the same", path);
    afmt_buf_free(&out);
    afmt_buf_free(&f);
    model_free(&m);
    free(path);
}

/* ---- section offsets of a loaded file ---- */

static afmt_trailer trailer_of(const afmt_buf *f)
{
    afmt_trailer t;
    t.index_offset = afmt_load64(f->data + f->len - 32);
    t.index_size = afmt_load64(f->data + f->len - 24);
    t.checkpoint_size = afmt_load32(f->data + f->len - 16);
    t.signature_size = afmt_load32(f->data + f->len - 12);
    return t;
}

static void p_truncate_half(afmt_buf *f) { f->len /= 2; }
static void p_magic_7bit(afmt_buf *f) { f->data[0] &= 0x7f; }
static void p_version3(afmt_buf *f) { afmt_store32(f->data + 8, 3); }
/* Drafts 1.0 to 1.2 wrote version 1: named as an earlier draft. */
static void p_version1(afmt_buf *f) { afmt_store32(f->data + 8, 1); }
static void p_header_flag(afmt_buf *f) { afmt_store32(f->data + 12, 1); }
static void p_trailing(afmt_buf *f) { buf_u8(f, 0x0a); }
static void p_checkpoint_flip(afmt_buf *f)
{
    afmt_trailer t = trailer_of(f);
    /* the last digit of "created 1795564800" */
    uint8_t *cp = f->data + t.index_offset + t.index_size;
    uint8_t *c = memmem(cp, t.checkpoint_size, "created ", 8);
    c[8 + 9] ^= 0x01; /* '0' -> '1': still a well-formed checkpoint line */
}
static void p_index_flip(afmt_buf *f)
{
    afmt_trailer t = trailer_of(f);
    /* the last byte of the index: of its last page's frame */
    f->data[t.index_offset + t.index_size - 1] ^= 0x01;
}
static void p_index_head_flip(afmt_buf *f)
{
    afmt_trailer t = trailer_of(f);
    /* a byte of the first page's hash in the directory */
    f->data[t.index_offset + AFMT_INDEX_HEADER_BYTES + 16] ^= 0x01;
}
static void p_block_flip(afmt_buf *f)
{
    afmt_trailer t = trailer_of(f);
    /* the last byte of the last block (one-post.afmt has one block, a raw
     * zstd block: the frame still decodes, to other bytes) */
    f->data[t.index_offset - 1] ^= 0x20;
}

/* ---- zstd frames ---- */

static void zframe(afmt_buf *out, const void *data, size_t len, int content_size)
{
    fbuf f = {0};
    fz_compress(&f, data, len, 3, content_size, 0, 0); /* forge.c's */
    out->len = 0;
    buf_add(out, f.p, f.n);
    fb_free(&f);
}

/* A frame written by hand (RFC 8878): frame header descriptor `fhd`, an
 * optional window descriptor and dictionary id, an 8-byte content size when
 * FCS_Field_Size is 3, then the data as one raw block. */
static void hand_frame(afmt_buf *out, uint8_t fhd, int window_desc, uint8_t dict_id,
                       const void *data, size_t len)
{
    static const uint8_t magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    out->len = 0;
    buf_add(out, magic, 4);
    buf_u8(out, fhd);
    if (window_desc >= 0)
        buf_u8(out, (uint8_t)window_desc);
    if ((fhd & 3) == 1)
        buf_u8(out, dict_id);
    if ((fhd >> 6) == 3)
        buf_u64(out, len);
    uint32_t bh = (uint32_t)(len << 3) | 1; /* last block, raw */
    buf_u8(out, (uint8_t)bh);
    buf_u8(out, (uint8_t)(bh >> 8));
    buf_u8(out, (uint8_t)(bh >> 16));
    buf_add(out, data, len);
}

/* A frame written by hand with one RLE block (RFC 8878 3.1.1.2, Block_Type
 * 1): `n` times `byte`; the header as hand_frame's. */
static void hand_rle_frame(afmt_buf *out, uint8_t fhd, int window_desc, uint8_t byte, size_t n)
{
    static const uint8_t magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    out->len = 0;
    buf_add(out, magic, 4);
    buf_u8(out, fhd);
    if (window_desc >= 0)
        buf_u8(out, (uint8_t)window_desc);
    if ((fhd >> 6) == 3)
        buf_u64(out, n);
    uint32_t bh = (uint32_t)(n << 3) | 2 | 1; /* RLE, last block */
    buf_u8(out, (uint8_t)bh);
    buf_u8(out, (uint8_t)(bh >> 8));
    buf_u8(out, (uint8_t)(bh >> 16));
    buf_u8(out, byte);
}

/* Post 0 of a loaded one-post model made to hold `data` (its content hash
 * and size), stored as the bundle's one block in `frame`. */
static void model_post0_content(model *m, const void *data, size_t len, afmt_buf *frame)
{
    enum { POST_HASH = 18, POST_SIZE = 50 }; /* spec 8.1 */
    afmt_content_hash(m->enc[0].data + POST_HASH, data, len);
    afmt_store64(m->enc[0].data + POST_SIZE, len);
    uint64_t size = len;
    model_set_blocks(m, 1, frame, &size);
}

/* The decompressed bytes of block 0 of a loaded model (its only block). */
static void model_block0(const model *m, afmt_buf *out)
{
    uint64_t cs = afmt_load64(m->block_tab.data + 8), size = afmt_load64(m->block_tab.data + 16);
    out->len = 0;
    check(afmt_buf_reserve(out, (size_t)size), "reserve");
    size_t r = ZSTD_decompress(out->data, (size_t)size, m->frames.data, (size_t)cs);
    if (ZSTD_isError(r) || r != size)
        die("zstd: cannot decode block 0");
    out->len = (size_t)size;
}

/* ---- raw entry encodings, with no checks (spec 8) ---- */

typedef struct rawpost {
    uint8_t flags;
    uint8_t hash[32];
    uint64_t size;
    int64_t created;
    const void *id;      size_t id_len;
    const char *media;
    const void *parent;  size_t parent_len;
    const void *author;  size_t author_len;
    uint64_t missing;
} rawpost;

static void enc_post(afmt_buf *b, const rawpost *p)
{
    uint8_t salt[16] = {0};
    buf_u8(b, AFMT_ENTRY_TYPE_POST);
    buf_u8(b, p->flags);
    buf_add(b, salt, 16);
    buf_add(b, p->hash, 32);
    buf_u64(b, p->size);
    buf_u64(b, (uint64_t)p->created);
    buf_str(b, p->id, p->id_len);
    buf_str(b, p->media, strlen(p->media));
    if (p->flags & AFMT_PF_PARENT)
        buf_str(b, p->parent, p->parent_len);
    if (p->flags & AFMT_PF_AUTHOR)
        buf_str(b, p->author, p->author_len);
    if (p->flags & AFMT_PF_INCOMPLETE)
        buf_u64(b, p->missing);
}

/* A post with empty content: needs no block. */
static rawpost empty_post(const char *id)
{
    rawpost p = {0};
    afmt_content_hash(p.hash, NULL, 0);
    p.id = id;
    p.id_len = strlen(id);
    p.media = "text/plain";
    return p;
}

static void enc_file(afmt_buf *b, uint8_t flags, uint64_t total, const char *path,
                     uint32_t count, const afmt_buf *parts)
{
    uint8_t salt[16] = {0};
    buf_u8(b, AFMT_ENTRY_TYPE_FILE);
    buf_u8(b, flags);
    buf_add(b, salt, 16);
    buf_u64(b, total);
    buf_str(b, path, strlen(path));
    buf_u32(b, count);
    if (parts != NULL)
        buf_add(b, parts->data, parts->len);
}

/* ---- checkpoint edits ---- */

static void cp_upper_index(afmt_buf *cp)
{
    uint8_t *r = (uint8_t *)memmem(cp->data, cp->len, "\nindex ", 7) + 7;
    for (int i = 0; i < 64; i++)
        if (r[i] >= 'a' && r[i] <= 'f') {
            r[i] = (uint8_t)(r[i] - 'a' + 'A');
            return; /* one digit is enough */
        }
    die("index hash has no letter digit");
}

/* Inserts `what` at byte `at` of the checkpoint. */
static void cp_insert(afmt_buf *cp, size_t at, const char *what)
{
    afmt_buf t = {0};
    buf_add(&t, cp->data, at);
    buf_add(&t, what, strlen(what));
    buf_add(&t, cp->data + at, cp->len - at);
    buf_copy(cp, &t);
    afmt_buf_free(&t);
}

static void cp_crlf(afmt_buf *cp)
{
    cp_insert(cp, AFMT_ORIGIN_BYTES, "\r"); /* "afmt/.../...\r\n" */
}

/* The root line in hex, as draft 1 wrote it, instead of base64. */
static void cp_root_hex(afmt_buf *cp)
{
    uint8_t *r = (uint8_t *)memchr(cp->data, '\n', cp->len) + 1;
    r = (uint8_t *)memchr(r, '\n', cp->len - (size_t)(r - cp->data)) + 1;
    uint8_t root[32];
    size_t got;
    if (sodium_base642bin(root, 32, (const char *)r, 44, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        die("root line");
    char hex[65];
    afmt_hash_to_hex(hex, root);
    size_t at = (size_t)(r - cp->data);
    afmt_buf t = {0};
    buf_add(&t, cp->data, at);
    buf_add(&t, hex, 64);
    buf_add(&t, cp->data + at + 44, cp->len - at - 44);
    buf_copy(cp, &t);
    afmt_buf_free(&t);
}

/* The root's base64 with a nonzero padding bit: decodes the same bytes in
 * lax decoders, is not the one canonical spelling. */
static void cp_root_b64_loose(afmt_buf *cp)
{
    uint8_t *r = (uint8_t *)memchr(cp->data, '\n', cp->len) + 1;
    r = (uint8_t *)memchr(r, '\n', cp->len - (size_t)(r - cp->data)) + 1;
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *c = strchr(b64, r[42]);
    r[42] = (uint8_t)b64[(c - b64) | 1]; /* the 43rd character holds 2 zero bits */
}

static void cp_format_line_3(afmt_buf *cp)
{
    uint8_t *f = (uint8_t *)memmem(cp->data, cp->len, "\nafmt-bundle 2\n", 15);
    f[13] = '3';
}

static void cp_extension_line(afmt_buf *cp)
{
    buf_add(cp, "history 1 AAAA\n", 15);
}

static void origin_other_log(char *origin)
{
    origin[AFMT_ORIGIN_BYTES - 1] = origin[AFMT_ORIGIN_BYTES - 1] == '0' ? '1' : '0';
}

static void origin_other_key(char *origin)
{
    origin[5] = origin[5] == 'A' ? 'B' : 'A';
}

static void origin_lower_key_id(char *origin)
{
    for (int i = 5; i < 21; i++)
        if (origin[i] >= 'A' && origin[i] <= 'F') {
            origin[i] = (char)(origin[i] - 'A' + 'a');
            return;
        }
    die("key id has no letter digit");
}

static void cp_created_leading_zero(afmt_buf *cp)
{
    afmt_buf t = {0};
    uint8_t *c = (uint8_t *)memmem(cp->data, cp->len, "created ", 8) + 8;
    size_t at = (size_t)(c - cp->data);
    buf_add(&t, cp->data, at);
    buf_add(&t, "0", 1);
    buf_add(&t, cp->data + at, cp->len - at);
    buf_copy(cp, &t);
    afmt_buf_free(&t);
}

/* ---- index edits: model_seal's hooks (m->arg, m->arg2 are theirs) ---- */

/* Page m->arg's frame replaced by a skippable frame holding its bytes. */
static void pe_skippable(model *m, mpage *pg, size_t n)
{
    (void)n;
    mpage *p = &pg[m->arg];
    p->frame.len = 0;
    buf_u32(&p->frame, 0x184D2A5Fu);
    buf_u32(&p->frame, (uint32_t)p->data.len);
    buf_add(&p->frame, p->data.data, p->data.len);
    page_set_frame(p);
}
/* ...by a frame without Frame_Content_Size */
static void pe_no_content_size(model *m, mpage *pg, size_t n)
{
    (void)n;
    mpage *p = &pg[m->arg];
    zframe(&p->frame, p->data.data, p->data.len, 0);
    page_set_frame(p);
}
/* ...by a hand-made frame that declares the page's size but holds one byte
 * less */
static void pe_short(model *m, mpage *pg, size_t n)
{
    (void)n;
    mpage *p = &pg[m->arg];
    hand_frame(&p->frame, 0xE0, -1, 0, p->data.data, p->data.len);
    uint32_t bh = (uint32_t)((p->data.len - 1) << 3) | 1; /* the raw block's header */
    p->frame.data[13] = (uint8_t)bh;
    p->frame.data[14] = (uint8_t)(bh >> 8);
    p->frame.data[15] = (uint8_t)(bh >> 16);
    p->frame.len--;
    page_set_frame(p);
}
/* ...by a hand-made frame (one raw block) with a 2^29-byte window */
static void pe_window_2e29(model *m, mpage *pg, size_t n)
{
    (void)n;
    mpage *p = &pg[m->arg];
    hand_frame(&p->frame, 0xC0, (29 - 10) << 3, 0, p->data.data, p->data.len);
    page_set_frame(p);
}
/* ...by a hand-made single-segment frame naming dictionary 7 */
static void pe_dictionary(model *m, mpage *pg, size_t n)
{
    (void)n;
    mpage *p = &pg[m->arg];
    hand_frame(&p->frame, 0xE1, -1, 7, p->data.data, p->data.len);
    page_set_frame(p);
}
/* ...by its frame and a byte after it */
static void pe_trailing(model *m, mpage *pg, size_t n)
{
    (void)n;
    buf_u8(&pg[m->arg].frame, 0);
    page_set_frame(&pg[m->arg]);
}
/* Page m->arg declares more than 1024 x its frame + 1 MiB. */
static void pe_bomb(model *m, mpage *pg, size_t n)
{
    (void)n;
    mpage *p = &pg[m->arg];
    p->size = p->csize * 1024u + (1u << 20) + 1;
}
/* The directory row of page m->arg names another hash. */
static void pe_hash(model *m, mpage *pg, size_t n)
{
    (void)n;
    pg[m->arg].hash[0] ^= 1;
}
/* The directory row of page m->arg says its frame is a byte longer. */
static void pe_csize_plus_1(model *m, mpage *pg, size_t n)
{
    (void)n;
    pg[m->arg].csize++;
}
/* Page m->arg's `first` is m->arg2. */
static void pe_first(model *m, mpage *pg, size_t n)
{
    (void)n;
    pg[m->arg].first = m->arg2;
}
/* m->arg2 zero bytes added to the body of page m->arg: after a table's
 * rows, or after a record page's records (before its places). */
static void pe_pad(model *m, mpage *pg, size_t n)
{
    (void)n;
    for (uint64_t i = 0; i < m->arg2; i++)
        buf_u8(&pg[m->arg].body, 0);
    page_refresh(&pg[m->arg]);
}
/* Record pages m->arg and m->arg + 1: the first m->arg2 bytes of the
 * second's first record moved to the end of the first's records, and that
 * record's place with them; the second's `first` one more.  The record
 * begins in one page and ends in the next. */
static void pe_move(model *m, mpage *pg, size_t n)
{
    (void)n;
    mpage *a = &pg[m->arg], *b = &pg[m->arg + 1];
    size_t k = (size_t)m->arg2;
    buf_add(&a->body, b->body.data, k);
    memmove(b->body.data, b->body.data + k, b->body.len - k);
    b->body.len -= k;
    buf_add(&a->places, b->places.data, 8);
    memmove(b->places.data, b->places.data + 8, b->places.len - 8);
    b->places.len -= 8;
    b->first++;
    page_refresh(a);
    page_refresh(b);
}
/* All of record page m->arg + 1 moved to page m->arg: the next page is
 * empty. */
static void pe_empty_next(model *m, mpage *pg, size_t n)
{
    (void)n;
    mpage *a = &pg[m->arg], *b = &pg[m->arg + 1];
    buf_add(&a->body, b->body.data, b->body.len);
    buf_add(&a->places, b->places.data, b->places.len);
    b->body.len = b->places.len = 0;
    page_refresh(a);
    page_refresh(b);
}
/* Record pages m->arg and m->arg + 1: all of the first moved to the second
 * but 4 bytes, too few for the places of its entries. */
static void pe_shrink(model *m, mpage *pg, size_t n)
{
    (void)n;
    mpage *a = &pg[m->arg], *b = &pg[m->arg + 1];
    afmt_buf t = {0};
    buf_add(&t, a->data.data, a->data.len);
    buf_add(&t, b->data.data, b->data.len);
    a->body.len = a->places.len = 0;
    buf_u32(&a->body, 0);
    buf_copy(&b->body, &t);
    b->places.len = 0;
    page_refresh(a);
    page_refresh(b);
    afmt_buf_free(&t);
}
/* Record page m->arg's first record says it is 8 bytes longer: it runs
 * into the places. */
static void pe_len_plus_8(model *m, mpage *pg, size_t n)
{
    (void)n;
    mpage *a = &pg[m->arg];
    afmt_store32(a->body.data, afmt_load32(a->body.data) + 8);
    page_refresh(a);
}
/* The last (id) page's `first` below the one before it. */
static void pe_ids_go_down(model *m, mpage *pg, size_t n)
{
    (void)m;
    pg[n - 1].first = pg[n - 2].first - 1;
}
/* The last (id) page's `first` one above the key of its first row. */
static void pe_last_first_plus_1(model *m, mpage *pg, size_t n)
{
    (void)m;
    pg[n - 1].first++;
}

/* Id table rows (u64 key, u32 entry): row m->arg's entry set to m->arg2,
 * its key kept */
static void ie_set(model *m, afmt_buf *rows)
{
    afmt_store32(rows->data + AFMT_ID_ROW_BYTES * m->arg + AFMT_ID_ROW_OFF_ENTRY,
                 (uint32_t)m->arg2);
}
/* ...row m->arg's key plus m->arg2, its entry kept */
static void ie_key_add(model *m, afmt_buf *rows)
{
    uint8_t *key = rows->data + AFMT_ID_ROW_BYTES * m->arg + AFMT_ID_ROW_OFF_KEY;
    afmt_store64(key, afmt_load64(key) + m->arg2);
}
/* ...row m->arg a copy of the row before it */
static void ie_copy_prev(model *m, afmt_buf *rows)
{
    memcpy(rows->data + AFMT_ID_ROW_BYTES * m->arg,
           rows->data + AFMT_ID_ROW_BYTES * (m->arg - 1), AFMT_ID_ROW_BYTES);
}
/* ...rows m->arg and m->arg + 1 swapped */
static void ie_swap(model *m, afmt_buf *rows)
{
    uint8_t a[AFMT_ID_ROW_BYTES], *r = rows->data + AFMT_ID_ROW_BYTES * m->arg;
    memcpy(a, r, AFMT_ID_ROW_BYTES);
    memcpy(r, r + AFMT_ID_ROW_BYTES, AFMT_ID_ROW_BYTES);
    memcpy(r + AFMT_ID_ROW_BYTES, a, AFMT_ID_ROW_BYTES);
}
/* ...the entries of rows m->arg and m->arg + 1 swapped, the keys kept: each
 * row leads to the other's post */
static void ie_swap_entries(model *m, afmt_buf *rows)
{
    uint8_t *r = rows->data + AFMT_ID_ROW_BYTES * m->arg + AFMT_ID_ROW_OFF_ENTRY;
    uint32_t a = afmt_load32(r);
    afmt_store32(r, afmt_load32(r + AFMT_ID_ROW_BYTES));
    afmt_store32(r + AFMT_ID_ROW_BYTES, a);
}
/* ...the last row left out */
static void ie_drop_last(model *m, afmt_buf *rows)
{
    (void)m;
    rows->len -= AFMT_ID_ROW_BYTES;
}
/* ...row 0 once more at the end */
static void ie_repeat_first(model *m, afmt_buf *rows)
{
    (void)m;
    buf_add(rows, rows->data, AFMT_ID_ROW_BYTES);
}

/* Index header: the u64 at offset m->arg set to m->arg2 */
#define IH_ENTRIES 8
#define IH_POSTS 16
#define IH_BLOCKS 24
#define IH_BLOBS 32
#define IH_RECORD_PAGES 40
#define IH_RECORDS_SIZE 48
static void ihe_set(model *m, uint8_t ih[AFMT_INDEX_HEADER_BYTES])
{
    afmt_store64(ih + m->arg, m->arg2);
}
/* ...m->arg2 added to it */
static void ihe_add(model *m, uint8_t ih[AFMT_INDEX_HEADER_BYTES])
{
    afmt_store64(ih + m->arg, afmt_load64(ih + m->arg) + m->arg2);
}

/* The index section: a byte after the last page */
static void xe_append(model *m, afmt_buf *index)
{
    (void)m;
    buf_u8(index, 0);
}
/* ...cut to m->arg bytes */
static void xe_truncate(model *m, afmt_buf *index)
{
    index->len = (size_t)m->arg;
}

/* ---- the invalid vectors ---- */

static void invalid_unsigned(void)
{
    emit("empty-file", "truncated", "", 0);
    /* spec 10 step 1: the header first, then the size */
    emit("not-a-bundle-5-bytes", "format", "hello", 5);
    emit("magic-only-8-bytes", "truncated", afmt_magic, 8);
    {
        uint8_t h[48];
        afmt_header_encode(h);
        emit("header-only-16-bytes", "truncated", h, 16);
        memset(h + 16, 0, 32);
        emit("header-and-zeros-47-bytes", "truncated", h, 47);
    }
    emit_patched("truncated-half", "truncated", "thread.afmt", p_truncate_half);
    emit_patched("bad-magic-7bit", "format", "one-post.afmt", p_magic_7bit);
    emit_patched("version-3", "unsupported", "one-post.afmt", p_version3);
    emit_patched("version-1-earlier-draft", "unsupported", "one-post.afmt", p_version1);
    emit_patched("header-flags-1", "unsupported", "one-post.afmt", p_header_flag);
    emit_patched("trailing-byte", "truncated", "one-post.afmt", p_trailing);
    emit_patched("checkpoint-byte-flipped", "bad-signature", "one-post.afmt", p_checkpoint_flip);
    emit_patched("index-byte-flipped", "index-mismatch", "one-post.afmt", p_index_flip);
    emit_patched("index-head-byte-flipped", "index-mismatch", "one-post.afmt",
                 p_index_head_flip);
    emit_patched("block-byte-flipped", "hash-mismatch", "one-post.afmt", p_block_flip);
}

static void invalid_signature(void)
{
    model m;
    model_load(&m, "one-post.afmt");
    m.legacy = 1;
    memcpy(m.sig_alg, "Ed", 2);
    emit_model("legacy-Ed-signature", "unsupported", &m);

    model_load(&m, "one-post.afmt");
    memcpy(m.sig_alg, "EE", 2);
    emit_model("unknown-signature-algorithm", "unsupported", &m);

    model_load(&m, "one-post.afmt");
    memcpy(m.pk_alg, "ED", 2);
    emit_model("public-key-algorithm-ED", "unsupported", &m);

    model_load(&m, "one-post.afmt");
    m.pk_key_id_differs = 1;
    emit_model("key-ids-differ", "format", &m);

    /* 1025 bytes of trusted comment, validly signed */
    model_load(&m, "one-post.afmt");
    m.comment.len = 0;
    for (int i = 0; i < 1025; i++)
        buf_add(&m.comment, "c", 1);
    emit_model("trusted-comment-1025-bytes", "limit", &m);

    model_load(&m, "one-post.afmt");
    m.comment.len = 0;
    buf_add(&m.comment, "bell\x07", 5);
    emit_model("trusted-comment-control-char", "format", &m);

    /* minisign's own comments use TAB; a bundle's may not (spec 5) */
    model_load(&m, "one-post.afmt");
    m.comment.len = 0;
    buf_add(&m.comment, "timestamp:1795564800\tfile:x", 28);
    emit_model("trusted-comment-tab", "format", &m);
}

/* ---- attestations (spec 12.2): cosignatures read; the other kinds laid
 * out now and refused by version 2 ---- */

static void att_record(afmt_buf *out, uint8_t kind, const afmt_buf *body)
{
    buf_u8(out, kind);
    buf_u32(out, (uint32_t)body->len);
    buf_add(out, body->data, body->len);
}

/* A C2SP tlog-cosignature/v1 (Ed25519) body by a witness key made from the
 * seed byte: name, key, big-endian time, signature over "cosignature/v1\ntime
 * T\n" and the checkpoint; `flip` changes one bit of the signature. */
static void cosig_body(afmt_buf *body, uint8_t seed_byte, const char *name, uint64_t ts,
                       const afmt_buf *cp, int flip)
{
    uint8_t seed[32], pk[32], sk[64], sig[64];
    memset(seed, seed_byte, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    afmt_buf msg = {0};
    char line[64];
    int n = snprintf(line, sizeof line, "cosignature/v1\ntime %" PRIu64 "\n", ts);
    buf_add(&msg, line, (size_t)n);
    buf_add(&msg, cp->data, cp->len);
    crypto_sign_detached(sig, NULL, msg.data, msg.len, sk);
    if (flip)
        sig[17] ^= 0x20;
    buf_u8(body, (uint8_t)strlen(name));
    buf_add(body, name, strlen(name));
    buf_add(body, pk, 32);
    for (int i = 7; i >= 0; i--)
        buf_u8(body, (uint8_t)(ts >> (8 * i)));
    buf_add(body, sig, 64);
    afmt_buf_free(&msg);
    sodium_memzero(sk, sizeof sk);
}

static const uint64_t cosig_time = 1795568400; /* an hour after the bundles' time */

static void att_cosig(afmt_buf *out, uint8_t seed_byte, const char *name, uint64_t ts,
                      const afmt_buf *cp, int flip)
{
    afmt_buf body = {0};
    cosig_body(&body, seed_byte, name, ts, cp, flip);
    att_record(out, 0x01, &body);
    afmt_buf_free(&body);
}

/* Which case the next att_cases call writes (the model's callback has no
 * room for it). */
static enum {
    ATT_TWO_COSIGNERS,
    ATT_BAD_SIGNATURE,
    ATT_SAME_COSIGNER_TWICE,
    ATT_SAME_RECORD_TWICE,
    ATT_NAME_WITH_SPACE,
    ATT_NAME_WITH_PLUS,
    ATT_TIME_OVER_2E63,
    ATT_BODY_LONGER,
    ATT_LENGTH_0,
    ATT_CUT_SHORT,
    ATT_17_COSIGNERS,
    ATT_OUT_OF_ORDER,
} g_att_case;

static void att_history(model *m, const afmt_buf *cp, const uint8_t note_sig[64],
                        afmt_buf *out);

static void att_cases(model *m, const afmt_buf *cp, const uint8_t note_sig[64], afmt_buf *out)
{
    afmt_buf body = {0};
    switch (g_att_case) {
    case ATT_TWO_COSIGNERS:
        att_cosig(out, 0x77, "witness.example/w1", cosig_time, cp, 0);
        att_cosig(out, 0x78, "archive.example/newsroom", cosig_time + 60, cp, 0);
        break;
    case ATT_BAD_SIGNATURE:
        att_cosig(out, 0x77, "witness.example/w1", cosig_time, cp, 0);
        att_cosig(out, 0x78, "archive.example/newsroom", cosig_time, cp, 1);
        break;
    case ATT_SAME_COSIGNER_TWICE:
        att_cosig(out, 0x77, "witness.example/w1", cosig_time, cp, 0);
        att_cosig(out, 0x77, "witness.example/w1", cosig_time + 1, cp, 0);
        break;
    case ATT_SAME_RECORD_TWICE:
        att_cosig(out, 0x77, "witness.example/w1", cosig_time, cp, 0);
        att_cosig(out, 0x77, "witness.example/w1", cosig_time, cp, 0);
        break;
    case ATT_NAME_WITH_SPACE:
        att_cosig(out, 0x77, "witness example", cosig_time, cp, 0);
        break;
    case ATT_NAME_WITH_PLUS:
        att_cosig(out, 0x77, "witness+example", cosig_time, cp, 0);
        break;
    case ATT_TIME_OVER_2E63:
        att_cosig(out, 0x77, "witness.example/w1", (uint64_t)1 << 63, cp, 0);
        break;
    case ATT_BODY_LONGER:
        cosig_body(&body, 0x77, "witness.example/w1", cosig_time, cp, 0);
        buf_u8(&body, 0);
        att_record(out, 0x01, &body);
        break;
    case ATT_LENGTH_0:
        att_record(out, 0x01, &body);
        break;
    case ATT_CUT_SHORT:
        att_cosig(out, 0x77, "witness.example/w1", cosig_time, cp, 0);
        buf_add(out, "\x01\x00\x00", 3);
        break;
    case ATT_17_COSIGNERS:
        for (uint8_t k = 0; k < 17; k++) {
            char name[32];
            snprintf(name, sizeof name, "witness.example/w%u", (unsigned)k);
            att_cosig(out, (uint8_t)(0x40 + k), name, cosig_time, cp, 0);
        }
        break;
    case ATT_OUT_OF_ORDER:
        att_history(m, cp, note_sig, out);
        att_cosig(out, 0x77, "witness.example/w1", cosig_time, cp, 0);
        break;
    }
    afmt_buf_free(&body);
}

/* valid/cosigned.afmt: one-post.afmt with two cosignatures.  Written through
 * the model (the writer makes no attestation), then read back. */
static void valid_cosigned(void)
{
    model m;
    model_load(&m, "one-post.afmt");
    g_att_case = ATT_TWO_COSIGNERS;
    m.attest = att_cases;
    afmt_buf out = {0};
    model_seal(&m, &out);
    model_free(&m);
    char *path = path_join(g_out, "valid", "cosigned.afmt");
    write_bytes(path, out.data, out.len);
    afmt_buf_free(&out);
    char err[512];
    afmt_reader *r;
    if (afmt_reader_open(&r, path, err, sizeof err) != AFMT_OK)
        die("%s: reader: %s", path, err);
    if (afmt_reader_verify(r, NULL, NULL) != AFMT_OK)
        die("%s: verify: %s", path, afmt_reader_errmsg(r));
    afmt_cosignature_info ci;
    if (afmt_reader_cosignature_count(r) != 2 || afmt_reader_cosignature(&ci, r, 1) != AFMT_OK ||
        ci.timestamp != cosig_time + 60 || ci.name_len != strlen("archive.example/newsroom"))
        die("%s: the cosignatures do not read back", path);
    afmt_reader_free(r);
    free(path);
    g_count_valid++;
}

/* A history record: an earlier checkpoint of the same log with its note
 * signature and the consistency proof to this one (here the same tree:
 * the empty proof of RFC 9162 for equal sizes). */
static void att_history(model *m, const afmt_buf *cp, const uint8_t note_sig[64],
                        afmt_buf *out)
{
    (void)m;
    afmt_buf body = {0};
    buf_u32(&body, (uint32_t)cp->len);
    buf_add(&body, cp->data, cp->len);
    buf_add(&body, note_sig, 64);
    buf_u8(&body, 0); /* proof hashes */
    att_record(out, 0x04, &body);
    afmt_buf_free(&body);
}

static void att_unknown(model *m, const afmt_buf *cp, const uint8_t note_sig[64], afmt_buf *out)
{
    (void)m;
    (void)cp;
    (void)note_sig;
    afmt_buf body = {0};
    buf_add(&body, "later", 5);
    att_record(out, 0x09, &body);
    afmt_buf_free(&body);
}

static void emit_att_case(const char *name, const char *error, int which)
{
    model m;
    model_load(&m, "one-post.afmt");
    g_att_case = which;
    m.attest = att_cases;
    emit_model(name, error, &m);
}

static void invalid_attestations(void)
{
    model m;
    emit_att_case("cosignature-bad-signature", "bad-signature", ATT_BAD_SIGNATURE);
    emit_att_case("cosignature-same-cosigner-twice", "format", ATT_SAME_COSIGNER_TWICE);
    emit_att_case("attestation-twice", "format", ATT_SAME_RECORD_TWICE);
    emit_att_case("cosigner-name-with-space", "format", ATT_NAME_WITH_SPACE);
    emit_att_case("cosigner-name-with-plus", "format", ATT_NAME_WITH_PLUS);
    emit_att_case("cosignature-time-2e63", "format", ATT_TIME_OVER_2E63);
    emit_att_case("cosignature-body-longer", "format", ATT_BODY_LONGER);
    emit_att_case("attestation-length-0", "format", ATT_LENGTH_0);
    emit_att_case("attestation-cut-short", "format", ATT_CUT_SHORT);
    emit_att_case("cosignatures-17", "limit", ATT_17_COSIGNERS);
    emit_att_case("attestations-out-of-kind-order", "format", ATT_OUT_OF_ORDER);

    model_load(&m, "one-post.afmt");
    m.attest = att_history;
    emit_model("attestation-history", "unsupported", &m);

    model_load(&m, "one-post.afmt");
    m.attest = att_unknown;
    emit_model("attestation-unknown-kind", "unsupported", &m);
}

/* ---- timestamps (spec 12.2, kind 0x02): RFC 3161 tokens made once by
 * spec/vectors/tsa/make_tokens.sh (a token holds the authority's time and a
 * fresh signature, so it is an input here, read from <out>/tsa/) ---- */

static enum {
    TS_TWO,
    TS_ANOTHER_CHECKPOINT,
    TS_SIGNATURE_FLIPPED,
    TS_NO_CERTIFICATE,
    TS_SHA512,
    TS_TRAILING_BYTE,
    TS_NOT_A_TOKEN,
    TS_FIVE,
    TS_TWICE,
    TS_AFTER_COSIGNATURE,
} g_ts_case;

static void ts_token(afmt_buf *out, const char *name)
{
    char *path = path_join(g_out, "tsa", name);
    read_bytes(out, path);
    free(path);
}

static void att_ts(afmt_buf *out, const char *name, int flip_last, int trailing)
{
    afmt_buf body = {0};
    ts_token(&body, name);
    if (flip_last)
        body.data[body.len - 1] ^= 0x01; /* inside the signature value */
    if (trailing)
        buf_u8(&body, 0);
    att_record(out, 0x02, &body);
    afmt_buf_free(&body);
}

static void att_ts_cases(model *m, const afmt_buf *cp, const uint8_t note_sig[64],
                         afmt_buf *out)
{
    (void)m;
    (void)note_sig;
    afmt_buf body = {0};
    switch (g_ts_case) {
    case TS_TWO:
        att_cosig(out, 0x77, "witness.example/w1", cosig_time, cp, 0);
        att_ts(out, "one-post-1.tst", 0, 0);
        att_ts(out, "one-post-2.tst", 0, 0);
        break;
    case TS_ANOTHER_CHECKPOINT: att_ts(out, "thread.tst", 0, 0); break;
    case TS_SIGNATURE_FLIPPED: att_ts(out, "one-post-1.tst", 1, 0); break;
    case TS_NO_CERTIFICATE: att_ts(out, "one-post-nocert.tst", 0, 0); break;
    case TS_SHA512: att_ts(out, "one-post-sha512.tst", 0, 0); break;
    case TS_TRAILING_BYTE: att_ts(out, "one-post-1.tst", 0, 1); break;
    case TS_NOT_A_TOKEN:
        buf_add(&body, "\x30\x03\x02\x01\x01", 5); /* a DER SEQUENCE { INTEGER 1 } */
        att_record(out, 0x02, &body);
        break;
    case TS_FIVE:
        for (int i = 1; i <= 5; i++) {
            char name[32];
            snprintf(name, sizeof name, "one-post-%d.tst", i);
            att_ts(out, name, 0, 0);
        }
        break;
    case TS_TWICE:
        att_ts(out, "one-post-1.tst", 0, 0);
        att_ts(out, "one-post-1.tst", 0, 0);
        break;
    case TS_AFTER_COSIGNATURE:
        att_ts(out, "one-post-1.tst", 0, 0);
        att_cosig(out, 0x77, "witness.example/w1", cosig_time, cp, 0);
        break;
    }
    afmt_buf_free(&body);
}

/* valid/timestamped.afmt: one-post.afmt with a cosignature and two RFC 3161
 * timestamps, read back. */
static void valid_timestamped(void)
{
    model m;
    model_load(&m, "one-post.afmt");
    g_ts_case = TS_TWO;
    m.attest = att_ts_cases;
    afmt_buf out = {0};
    model_seal(&m, &out);
    model_free(&m);
    char *path = path_join(g_out, "valid", "timestamped.afmt");
    write_bytes(path, out.data, out.len);
    afmt_buf_free(&out);
    char err[512];
    afmt_reader *r;
    if (afmt_reader_open(&r, path, err, sizeof err) != AFMT_OK)
        die("%s: reader: %s", path, err);
    if (afmt_reader_verify(r, NULL, NULL) != AFMT_OK)
        die("%s: verify: %s", path, afmt_reader_errmsg(r));
    afmt_timestamp_info ti;
    if (afmt_reader_timestamp_count(r) != 2 || afmt_reader_timestamp(&ti, r, 1) != AFMT_OK ||
        afmt_reader_cosignature_count(r) != 1)
        die("%s: the timestamps do not read back", path);
    char *ca = path_join(g_out, "tsa", "ca.pem");
    if (afmt_reader_timestamp_trusted(r, 0, ca) != AFMT_OK)
        die("%s: the timestamp does not chain to %s", path, ca);
    free(ca);
    afmt_reader_free(r);
    free(path);
    g_count_valid++;
}

static void emit_ts_case(const char *name, const char *error, int which)
{
    model m;
    model_load(&m, "one-post.afmt");
    g_ts_case = which;
    m.attest = att_ts_cases;
    emit_model(name, error, &m);
}

static void invalid_timestamps(void)
{
    emit_ts_case("timestamp-of-another-checkpoint", "bad-signature", TS_ANOTHER_CHECKPOINT);
    emit_ts_case("timestamp-signature-flipped", "bad-signature", TS_SIGNATURE_FLIPPED);
    emit_ts_case("timestamp-without-certificate", "format", TS_NO_CERTIFICATE);
    emit_ts_case("timestamp-sha512-imprint", "format", TS_SHA512);
    emit_ts_case("timestamp-trailing-byte", "format", TS_TRAILING_BYTE);
    emit_ts_case("timestamp-not-a-token", "format", TS_NOT_A_TOKEN);
    emit_ts_case("timestamps-5", "limit", TS_FIVE);
    emit_ts_case("timestamp-twice", "format", TS_TWICE);
    emit_ts_case("timestamp-before-cosignature", "format", TS_AFTER_COSIGNATURE);
}

static void invalid_checkpoint(void)
{
    model m;
    model_load(&m, "one-post.afmt");
    m.set_root = 1;
    memset(m.root, 0x5a, 32); /* the index is right; the signed root is not */
    emit_model("wrong-root", "root-mismatch", &m);

    model_load(&m, "one-post.afmt");
    m.cp_edit = cp_upper_index;
    emit_model("checkpoint-uppercase-hex", "format", &m);

    model_load(&m, "one-post.afmt");
    m.cp_edit = cp_root_hex;
    emit_model("checkpoint-root-hex", "format", &m);

    model_load(&m, "one-post.afmt");
    m.cp_edit = cp_root_b64_loose;
    emit_model("checkpoint-root-base64-not-canonical", "format", &m);

    model_load(&m, "one-post.afmt");
    m.cp_edit = cp_format_line_3;
    emit_model("checkpoint-afmt-bundle-3", "format", &m);

    model_load(&m, "one-post.afmt");
    m.cp_edit = cp_extension_line;
    emit_model("checkpoint-unknown-extension-line", "unsupported", &m);

    model_load(&m, "one-post.afmt");
    m.origin_edit = origin_other_log;
    emit_model("origin-other-log", "format", &m);

    model_load(&m, "one-post.afmt");
    m.origin_edit = origin_other_key;
    emit_model("origin-other-key", "format", &m);

    model_load(&m, "one-post.afmt");
    m.origin_edit = origin_lower_key_id;
    emit_model("origin-lowercase-key-id", "format", &m);

    model_load(&m, "one-post.afmt");
    m.note_sig_flip = 1;
    emit_model("note-signature-wrong", "bad-signature", &m);

    model_load(&m, "one-post.afmt");
    m.cp_edit = cp_crlf;
    emit_model("checkpoint-crlf", "format", &m);

    model_load(&m, "one-post.afmt");
    m.cp_edit = cp_created_leading_zero;
    emit_model("checkpoint-created-leading-zero", "format", &m);

    model_load(&m, "one-post.afmt");
    m.set_cp_entries = 1;
    m.cp_entries = 2;
    emit_model("checkpoint-entries-differ", "format", &m);

    model_load(&m, "one-post.afmt");
    m.title.len = 0;
    for (int i = 0; i < 1025; i++)
        buf_add(&m.title, "t", 1);
    emit_model("bundle-title-1025-bytes", "limit", &m);

    model_load(&m, "one-post.afmt");
    m.title.len = 0;
    for (int i = 0; i < 4000; i++)
        buf_add(&m.title, "t", 1);
    emit_model("checkpoint-over-4096-bytes", "limit", &m);
}

/* Spec 7.1: the index header. */
static void invalid_index(void)
{
    model m;
    model_load(&m, "one-post.afmt");
    m.compression = 2;
    emit_model("compression-id-2", "unsupported", &m);

    model_load(&m, "one-post.afmt");
    m.iflags = 1;
    emit_model("index-flags-1", "unsupported", &m);

    /* A tiny file whose index claims 2^32 entries and holds none. */
    model_init(&m);
    m.set_entry_count = 1;
    m.entry_count = (uint64_t)1 << 32;
    m.set_cp_entries = 1;
    m.cp_entries = m.entry_count;
    emit_model("entry-count-2e32", "limit", &m);

    /* counts over their limits, checked before anything is read or
     * allocated (the index holds one block and one blob) */
    model_load(&m, "one-post.afmt");
    m.ih_edit = ihe_set;
    m.arg = IH_BLOCKS;
    m.arg2 = AFMT_MAX_BLOCKS + 1;
    emit_model("block-count-over-2e26", "limit", &m);

    model_load(&m, "one-post.afmt");
    m.ih_edit = ihe_set;
    m.arg = IH_BLOBS;
    m.arg2 = AFMT_MAX_BLOBS + 1;
    emit_model("blob-count-over-2e28", "limit", &m);

    /* records_size near 2^64: a sum of the page sizes in 64 bits would wrap */
    model_load(&m, "one-post.afmt");
    m.ih_edit = ihe_set;
    m.arg = IH_RECORDS_SIZE;
    m.arg2 = UINT64_MAX - 8;
    emit_model("records-size-over-4GiB", "limit", &m);

    /* every count within its limit, all pages together over 4 GiB */
    model_load(&m, "one-post.afmt");
    m.ih_edit = ihe_set;
    m.arg = IH_RECORDS_SIZE;
    m.arg2 = (uint64_t)1 << 32;
    emit_model("index-body-over-4GiB", "limit", &m);

    /* records_size / 45 < entry_count, under the 2^26 limit */
    model_init(&m);
    rawpost p = empty_post("a");
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    m.set_entry_count = 1;
    m.entry_count = 3; /* 1 record of 93 bytes: at most 2 by the size rule */
    m.set_cp_entries = 1;
    m.cp_entries = 3;
    emit_model("entry-count-over-records", "format", &m);

    model_load(&m, "one-post.afmt");
    m.ih_edit = ihe_set;
    m.arg = IH_POSTS;
    m.arg2 = 2;
    emit_model("post-count-over-entries", "format", &m);

    model_load(&m, "one-post.afmt");
    m.ih_edit = ihe_set;
    m.arg = IH_RECORD_PAGES;
    m.arg2 = 2;
    emit_model("record-pages-over-entries", "format", &m);

    /* no record page for one entry */
    model_load(&m, "one-post.afmt");
    m.ih_edit = ihe_set;
    m.arg = IH_RECORD_PAGES;
    m.arg2 = 0;
    emit_model("record-pages-0", "format", &m);

    /* the index ends inside its page directory (4 rows, 1 there) */
    model_load(&m, "one-post.afmt");
    m.index_edit = xe_truncate;
    m.arg = AFMT_INDEX_HEADER_BYTES + AFMT_PAGE_ROW_BYTES;
    emit_model("index-too-short-for-directory", "format", &m);
}

/* 4097 empty posts, so two id pages (4096 rows and 1), in one record page.
 * Their salts are left zero (readers cannot check salts), so that the
 * vector compresses to little. */
static void model_many_posts(model *m)
{
    model_init(m);
    for (unsigned i = 0; i < PAGES_POSTS; i++) {
        char id[8];
        snprintf(id, sizeof id, "m%05u", i);
        rawpost p = empty_post(id);
        enc_post(model_add_enc(m), &p);
    }
}

/* Spec 7.2: the page directory.  one-post.afmt has pages 0 (blocks), 1
 * (blobs), 2 (records), 3 (ids); thread.afmt has 10 entries, here cut into
 * record pages 2 (entries 0-4) and 3 (5-9), then id page 4. */
static const uint64_t k_cut5[2] = {0, 5};

static void invalid_directory(void)
{
    model m;
    /* the pages do not tile the rest of the index */
    model_load(&m, "one-post.afmt");
    m.index_edit = xe_append;
    emit_model("index-byte-after-pages", "format", &m);

    model_load(&m, "one-post.afmt");
    m.page_edit = pe_csize_plus_1;
    m.arg = 3;
    emit_model("index-page-past-index-end", "format", &m);

    /* sizes and `first` values that do not fit the page's kind */
    model_load(&m, "one-post.afmt");
    m.page_edit = pe_pad;
    m.arg = 0;
    m.arg2 = 1;
    emit_model("block-table-page-size-57", "format", &m);

    model_load(&m, "one-post.afmt");
    m.id_edit = ie_repeat_first;
    emit_model("id-page-size-24-for-1-post", "format", &m);

    model_load(&m, "one-post.afmt");
    m.page_edit = pe_first;
    m.arg = 1;
    m.arg2 = 1;
    emit_model("table-page-first-1", "format", &m);

    model_load(&m, "thread.afmt");
    model_cut(&m, (const uint64_t[]){0, 9}, 2);
    m.page_edit = pe_empty_next;
    m.arg = 2;
    emit_model("record-page-empty", "format", &m);

    model_load(&m, "thread.afmt");
    m.page_edit = pe_first;
    m.arg = 2;
    m.arg2 = 1;
    emit_model("record-page-first-1", "format", &m);

    model_load(&m, "thread.afmt");
    model_cut(&m, k_cut5, 2);
    m.page_edit = pe_first;
    m.arg = 3;
    m.arg2 = 0;
    emit_model("record-pages-first-not-increasing", "format", &m);

    model_load(&m, "thread.afmt");
    model_cut(&m, k_cut5, 2);
    m.page_edit = pe_first;
    m.arg = 3;
    m.arg2 = 10;
    emit_model("record-page-first-past-entries", "format", &m);

    /* two id pages: the second's key below the first's */
    model_many_posts(&m);
    m.page_edit = pe_ids_go_down;
    emit_model("id-pages-first-go-down", "format", &m);

    /* the record pages' sizes add up to less than records_size */
    model_load(&m, "one-post.afmt");
    m.ih_edit = ihe_add;
    m.arg = IH_RECORDS_SIZE;
    m.arg2 = 45;
    emit_model("records-size-differs", "format", &m);

    /* a page that declares more than 1024 x its frame + 1 MiB: a
     * decompression bomb (records_size declares as much) */
    model_load(&m, "one-post.afmt");
    m.page_edit = pe_bomb;
    m.arg = 2;
    emit_model("index-page-bomb", "limit", &m);
}

/* Spec 7.2: each page against its hash, then the frame rules of 7.3. */
static void invalid_pages(void)
{
    model m;
    /* the directory (signed) names another hash than the page's */
    model_load(&m, "one-post.afmt");
    m.page_edit = pe_hash;
    m.arg = 2;
    emit_model("index-page-hash-resigned", "index-mismatch", &m);

    static const struct {
        const char *name, *error;
        void (*edit)(model *m, mpage *pg, size_t n);
    } frames[] = {
        {"index-page-skippable", "compression", pe_skippable},
        {"index-page-no-content-size", "compression", pe_no_content_size},
        {"index-page-one-byte-short", "compression", pe_short},
        {"index-page-trailing-byte", "compression", pe_trailing},
        {"index-page-dictionary-id-7", "compression", pe_dictionary},
        {"index-page-window-2e29", "limit", pe_window_2e29},
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        model_load(&m, "one-post.afmt");
        m.page_edit = frames[i].edit;
        m.arg = 2; /* the record page */
        emit_model(frames[i].name, frames[i].error, &m);
    }
}

/* Spec 7.5: record pages hold whole records, from their `first` entry. */
static void invalid_records(void)
{
    model m;
    model_load(&m, "thread.afmt");
    model_cut(&m, k_cut5, 2);
    m.page_edit = pe_first;
    m.arg = 3;
    m.arg2 = 6; /* it starts with entry 5: page 2 has 5 records and 5
                   places, its row says 6 of each */
    emit_model("record-page-first-not-its-entry", "format", &m);

    /* entry 5 begins in page 2 and ends in page 3 (whose first is 6) */
    model_load(&m, "thread.afmt");
    model_cut(&m, k_cut5, 2);
    m.page_edit = pe_move;
    m.arg = 2;
    m.arg2 = 20;
    emit_model("record-runs-past-page", "format", &m);

    /* entry 0's length 8 more: it runs into the places */
    model_load(&m, "one-post.afmt");
    m.page_edit = pe_len_plus_8;
    m.arg = 2;
    emit_model("record-runs-into-places", "format", &m);

    /* page 2 (entries 0-4) of 4 bytes: no room for 5 places; page 3 holds
     * the rest */
    model_load(&m, "thread.afmt");
    model_cut(&m, k_cut5, 2);
    m.page_edit = pe_shrink;
    m.arg = 2;
    emit_model("record-page-smaller-than-its-places", "format", &m);

    /* 3 bytes after entry 4 in page 2, before its places; page 3 starts
     * with entry 5 */
    model_load(&m, "thread.afmt");
    model_cut(&m, k_cut5, 2);
    m.page_edit = pe_pad;
    m.arg = 2;
    m.arg2 = 3;
    emit_model("record-page-bytes-left", "format", &m);

    /* 4 bytes after the last record of the last page, before its place */
    model_load(&m, "one-post.afmt");
    m.page_edit = pe_pad;
    m.arg = 2;
    m.arg2 = 4;
    emit_model("records-bytes-left-over", "format", &m);

    /* 10 posts; the header and the id table say 9 */
    model_load(&m, "thread.afmt");
    m.id_edit = ie_drop_last;
    m.ih_edit = ihe_set;
    m.arg = IH_POSTS;
    m.arg2 = 9;
    emit_model("post-count-differs", "format", &m);
}

/* Spec 7.6: the id table. */
static void invalid_ids(void)
{
    model m;
    /* files.afmt: entry 3 is a file */
    model_load(&m, "files.afmt");
    m.id_edit = ie_set;
    m.arg = 1;
    m.arg2 = 3;
    emit_model("id-row-names-file", "format", &m);

    model_load(&m, "one-post.afmt");
    m.id_edit = ie_set;
    m.arg = 0;
    m.arg2 = 1;
    emit_model("id-row-out-of-range", "format", &m);

    model_load(&m, "thread.afmt");
    m.id_edit = ie_copy_prev;
    m.arg = 2;
    emit_model("id-row-post-twice", "format", &m);

    model_load(&m, "thread.afmt");
    m.id_edit = ie_swap;
    m.arg = 1;
    emit_model("id-table-out-of-order", "format", &m);

    model_load(&m, "one-post.afmt");
    m.page_edit = pe_last_first_plus_1;
    emit_model("id-page-first-not-its-key", "format", &m);

    /* the second of two id pages (still not below the first's) */
    model_many_posts(&m);
    m.page_edit = pe_last_first_plus_1;
    emit_model("id-page-2-first-not-its-key", "format", &m);

    /* rows whose keys are not their posts' id keys (a lookup goes by the
     * rows' keys, 10.1): row 1's key one more (the order kept), and rows 1
     * and 2 leading to each other's posts (the keys in order) */
    model_load(&m, "thread.afmt");
    m.id_edit = ie_key_add;
    m.arg = 1;
    m.arg2 = 1;
    emit_model("id-row-key-not-its-posts", "format", &m);

    model_load(&m, "thread.afmt");
    m.id_edit = ie_swap_entries;
    m.arg = 1;
    emit_model("id-rows-lead-to-each-others-posts", "format", &m);
}

/* Spec 7.5: a post's place is its content's blob's; any other entry's is
 * (0, 0).  files.afmt: posts 0, 1, 2 (5000 bytes), 6, 7 (7000 bytes, whose
 * blob's row names file 8); files 3, 4, 5, 8.  thread.afmt: post 5 is
 * empty. */
static void invalid_places(void)
{
    model m;
    model_load(&m, "one-post.afmt");
    m.place[0][1] = 1;
    emit_model("post-place-wrong-offset", "format", &m);

    model_load(&m, "files.afmt");
    m.place[2][0]++;
    emit_model("post-place-wrong-block", "format", &m);

    model_load(&m, "files.afmt");
    if (m.place[7][0] == 0 && m.place[7][1] == 0)
        die("files.afmt: post 7 has no place");
    m.place[7][1]++;
    emit_model("post-place-of-shared-blob-wrong", "format", &m);

    model_load(&m, "files.afmt");
    m.place[4][0] = 1;
    emit_model("file-place-nonzero", "format", &m);

    model_load(&m, "thread.afmt");
    m.place[5][1] = 1;
    emit_model("empty-post-place-nonzero", "format", &m);
}

static void invalid_blocks(void)
{
    model m;
    afmt_buf block = {0}, fr[2] = {{0}, {0}};
    uint64_t size;

    /* block sizes out of range (1 to 256 MiB): under the minimum is
     * malformed, over the maximum a limit (spec 11) */
    model_load(&m, "one-post.afmt");
    afmt_store64(m.block_tab.data + 16, 0);
    emit_model("block-size-0", "format", &m);

    model_load(&m, "one-post.afmt");
    afmt_store64(m.block_tab.data + 16, (256u << 20) + 1);
    emit_model("block-size-over-256MiB", "limit", &m);

    /* block 0 not at offset 16 */
    model_load(&m, "one-post.afmt");
    afmt_store64(m.block_tab.data, 17);
    emit_model("block-offset-17", "format", &m);

    /* block 0 replaced by a skippable frame holding its bytes */
    model_load(&m, "one-post.afmt");
    model_block0(&m, &block);
    size = block.len;
    buf_u32(&fr[0], 0x184D2A50u);
    buf_u32(&fr[0], (uint32_t)block.len);
    buf_add(&fr[0], block.data, block.len);
    model_set_blocks(&m, 1, fr, &size);
    emit_model("skippable-frame", "compression", &m);

    /* a frame without Frame_Content_Size */
    model_load(&m, "one-post.afmt");
    model_block0(&m, &block);
    size = block.len;
    zframe(&fr[0], block.data, block.len, 0);
    model_set_blocks(&m, 1, fr, &size);
    emit_model("no-content-size", "compression", &m);

    /* the right frame followed by a second (empty) frame */
    model_load(&m, "one-post.afmt");
    model_block0(&m, &block);
    size = block.len;
    zframe(&fr[0], block.data, block.len, 1);
    zframe(&fr[1], "", 0, 1);
    buf_add(&fr[0], fr[1].data, fr[1].len);
    model_set_blocks(&m, 1, fr, &size);
    emit_model("two-frames", "compression", &m);

    /* a hand-made frame with a 2^29-byte window (no single segment) */
    model_load(&m, "one-post.afmt");
    model_block0(&m, &block);
    size = block.len;
    hand_frame(&fr[0], 0xC0, (29 - 10) << 3, 0, block.data, block.len);
    model_set_blocks(&m, 1, fr, &size);
    emit_model("window-2e29", "limit", &m);

    /* RFC 8878's Block_Maximum_Size, min(window, 128 KiB), which libzstd
     * does not hold raw and RLE blocks to (spec 7.3): a raw block of 2000
     * bytes and an RLE block of 2000 under a 1 KiB window (Window_Descriptor
     * 0, no single segment), and a single-segment frame (window = content
     * size) of one RLE block of 128 KiB + 1 */
    {
        static uint8_t text[2000], run[128 * 1024 + 1];
        for (size_t i = 0; i < sizeof text; i++)
            text[i] = (uint8_t)"A post a little longer than one KiB. "[i % 37];
        memset(run, 'a', sizeof run);
        model_load(&m, "one-post.afmt");
        hand_frame(&fr[0], 0xC0, 0, 0, text, sizeof text);
        model_post0_content(&m, text, sizeof text, &fr[0]);
        emit_model("raw-block-over-window", "compression", &m);

        model_load(&m, "one-post.afmt");
        hand_rle_frame(&fr[0], 0xC0, 0, 'a', 2000);
        model_post0_content(&m, run, 2000, &fr[0]);
        emit_model("rle-block-over-window", "compression", &m);

        model_load(&m, "one-post.afmt");
        hand_rle_frame(&fr[0], 0xE0, -1, 'a', sizeof run);
        model_post0_content(&m, run, sizeof run, &fr[0]);
        emit_model("rle-block-over-128KiB", "compression", &m);

    }

    /* the frame header's Unused_bit set (RFC 8878: encoders write 0) */
    model_load(&m, "one-post.afmt");
    model_block0(&m, &block);
    size = block.len;
    hand_frame(&fr[0], 0xE0 | 0x10, -1, 0, block.data, block.len);
    model_set_blocks(&m, 1, fr, &size);
    emit_model("frame-unused-bit", "compression", &m);

    /* a hand-made single-segment frame naming dictionary 7 */
    model_load(&m, "one-post.afmt");
    model_block0(&m, &block);
    size = block.len;
    hand_frame(&fr[0], 0xE1, -1, 7, block.data, block.len);
    model_set_blocks(&m, 1, fr, &size);
    emit_model("dictionary-id-7", "compression", &m);

    /* the frame's content size is one more than the block's size in the index
     * (and the frame really decodes to one more byte) */
    model_load(&m, "one-post.afmt");
    model_block0(&m, &block);
    size = block.len;
    buf_add(&block, "\n", 1);
    zframe(&fr[0], block.data, block.len, 1);
    model_set_blocks(&m, 1, fr, &size);
    emit_model("content-size-differs", "compression", &m);

    /* the same content stored twice: two blobs with one hash */
    model_load(&m, "one-post.afmt");
    model_block0(&m, &block);
    uint64_t n = block.len;
    buf_add(&block, block.data, (size_t)n);
    size = block.len;
    zframe(&fr[0], block.data, block.len, 1);
    model_set_blocks(&m, 1, fr, &size);
    model_add_blob(&m, 0, 0);
    emit_model("blob-stored-twice", "duplicate", &m);

    /* a byte in the block after the last blob */
    model_load(&m, "one-post.afmt");
    model_block0(&m, &block);
    buf_add(&block, "\n", 1);
    size = block.len;
    zframe(&fr[0], block.data, block.len, 1);
    model_set_blocks(&m, 1, fr, &size);
    emit_model("block-longer-than-blobs", "format", &m);

    /* the block one byte shorter than its blob */
    model_load(&m, "one-post.afmt");
    model_block0(&m, &block);
    size = --block.len;
    zframe(&fr[0], block.data, block.len, 1);
    model_set_blocks(&m, 1, fr, &size);
    emit_model("blob-runs-past-block", "format", &m);

    /* blob rows naming references that do not exist */
    model_load(&m, "one-post.afmt");
    afmt_store32(m.blob_tab.data, 1);
    emit_model("blob-row-entry-1-of-1", "format", &m);

    model_load(&m, "one-post.afmt");
    afmt_store32(m.blob_tab.data + 4, 1);
    emit_model("blob-row-post-part-1", "format", &m);

    /* files.afmt, entry 3: parts entry, entry, blob, inline, ...: the row of
     * its blob (part 2) made to name the inline part 3 */
    model_load(&m, "files.afmt");
    for (size_t i = 0; i < m.blob_tab.len; i += 8)
        if (afmt_load32(m.blob_tab.data + i) == 3 && afmt_load32(m.blob_tab.data + i + 4) == 2)
            afmt_store32(m.blob_tab.data + i + 4, 3);
    emit_model("blob-row-names-inline-part", "format", &m);

    afmt_buf_free(&block);
    afmt_buf_free(&fr[0]);
    afmt_buf_free(&fr[1]);
}

/* ---- withholding (spec 12.1, and 12.2 kind 0x03) ---- */

/* The withholder: a key of its own, made from a seed, with a key id whose
 * hex has letters (a key name spelled in lower case differs). */
static afmt_secret_key g_wh;

static void withholder_init(void)
{
    uint8_t seed[32], pk[32];
    memset(seed, 0x57, sizeof seed);
    crypto_sign_seed_keypair(pk, g_wh.sk, seed);
    static const uint8_t kid[8] = {0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0xA1};
    memcpy(g_wh.key_id, kid, 8);
}

enum { WH_OK, WH_BAD_SIGNATURE, WH_OTHER_ROOT, WH_OLD_INDEX, WH_KEY_NAME, WH_TWICE };
static int g_wh_case;

/* Replaces the first `find` (n bytes) in b by `with` (n bytes). */
static void buf_patch(afmt_buf *b, size_t from, const void *find, const void *with, size_t n)
{
    for (size_t i = from; i + n <= b->len; i++)
        if (memcmp(b->data + i, find, n) == 0) {
            memcpy(b->data + i, with, n);
            return;
        }
    die("buf_patch: not found");
}

/* The withholding statement of the case g_wh_case, by g_wh, about `cp`. */
static void att_withhold(model *m, const afmt_buf *cp, const uint8_t note_sig[64], afmt_buf *out)
{
    (void)note_sig;
    char err[AFMT_ERRMSG_BYTES];
    size_t at = out->len;
    uint8_t idx[32];
    memcpy(idx, g_wh_case == WH_OLD_INDEX ? m->cp_index : m->index_hash, 32);
    if (g_wh_case == WH_BAD_SIGNATURE)
        idx[0] ^= 1; /* signed over another index; the right one put in below */
    afmt_buf c = {0};
    buf_add(&c, cp->data, cp->len);
    if (g_wh_case == WH_OTHER_ROOT) { /* the root line of another tree */
        char rb[45];
        uint8_t other[32] = {1};
        sodium_bin2base64(rb, sizeof rb, other, 32, sodium_base64_VARIANT_ORIGINAL);
        size_t nl = 0, k = 0;
        while (nl < 2)
            nl += c.data[k++] == '\n';
        memcpy(c.data + k, rb, 44);
    }
    check(afmt_withholding_encode(out, c.data, c.len, idx, &g_wh, err), "statement");
    afmt_buf_free(&c);
    char good[65], bad[65];
    if (g_wh_case == WH_BAD_SIGNATURE) {
        hex32(bad, idx);
        hex32(good, m->index_hash);
        buf_patch(out, at, bad, good, 64);
    }
    if (g_wh_case == WH_KEY_NAME) /* afmt/A1234567... as afmt/a1234567... */
        buf_patch(out, at, "afmt/A1", "afmt/a1", 7);
    if (g_wh_case == WH_TWICE) {
        idx[0] ^= 1;
        check(afmt_withholding_encode(out, cp->data, cp->len, idx, &g_wh, err), "statement");
    }
}

/* thread.afmt with entry `e` withheld: 0x03, its type, its leaf, at place
 * (0, 0); the checkpoint stays thread's own (it names thread's index). */
static void model_withheld(model *m, size_t e)
{
    model_load(m, "thread.afmt");
    model tmp;
    model_load(&tmp, "thread.afmt");
    afmt_buf out = {0};
    model_seal(&tmp, &out);
    memcpy(m->cp_index, tmp.index_hash, 32);
    model_free(&tmp);
    afmt_buf_free(&out);
    m->set_cp_index = 1;
    uint8_t leaf[32];
    afmt_hash_leaf(leaf, m->enc[e].data, m->enc[e].len);
    uint8_t old = m->enc[e].data[0];
    m->enc[e].len = 0;
    buf_u8(&m->enc[e], 0x03);
    buf_u8(&m->enc[e], old);
    buf_add(&m->enc[e], leaf, 32);
    m->place[e][0] = m->place[e][1] = 0;
    m->attest = att_withhold;
    g_wh_case = WH_OK;
}

/* valid/withheld.afmt: thread.afmt with post 4 (whose content post 1
 * shares) withheld, and the withholding statement; read back. */
static void valid_withheld(void)
{
    model m;
    model_withheld(&m, 4);
    afmt_buf out = {0};
    model_seal(&m, &out);
    model_free(&m);
    char *path = path_join(g_out, "valid", "withheld.afmt");
    write_bytes(path, out.data, out.len);
    afmt_buf_free(&out);
    char err[512];
    afmt_reader *r;
    if (afmt_reader_open(&r, path, err, sizeof err) != AFMT_OK)
        die("%s: reader: %s", path, err);
    if (afmt_reader_verify(r, NULL, NULL) != AFMT_OK)
        die("%s: verify: %s", path, afmt_reader_errmsg(r));
    const afmt_checkpoint_info *ci = afmt_reader_checkpoint(r);
    if (ci->withheld_posts != 1 || !ci->withheld || ci->withholder.key_id[7] != 0xA1)
        die("%s: the withholding does not read back", path);
    afmt_reader_free(r);
    free(path);
    g_count_valid++;
}

static void wh_no_statement(model *m, const afmt_buf *cp, const uint8_t ns[64], afmt_buf *out)
{
    (void)m;
    (void)cp;
    (void)ns;
    (void)out;
}

static void invalid_withholding(void)
{
    model m;
    static const int cases[] = {WH_BAD_SIGNATURE, WH_OTHER_ROOT, WH_OLD_INDEX, WH_KEY_NAME,
                                WH_TWICE};
    static const char *const names[][2] = {
        {"withholding-statement-bad-signature", "bad-signature"},
        {"withholding-statement-other-root", "format"},
        {"withholding-statement-old-index", "index-mismatch"},
        {"withholding-statement-key-name", "format"},
        {"withholding-statement-twice", "limit"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        model_withheld(&m, 4);
        g_wh_case = cases[i];
        emit_model(names[i][0], names[i][1], &m);
    }
    /* the withheld entry, but the checkpoint names the new index and no
     * statement is there: only a statement's index may hold one */
    model_withheld(&m, 4);
    m.set_cp_index = 0;
    m.attest = wh_no_statement;
    emit_model("withheld-without-statement", "format", &m);
    /* a statement, but nothing withheld */
    model_load(&m, "thread.afmt");
    m.attest = att_withhold;
    g_wh_case = WH_OK;
    emit_model("withholding-statement-nothing-withheld", "format", &m);
    /* the withheld entry one byte long too many; its former type 0x03 */
    model_withheld(&m, 4);
    buf_u8(&m.enc[4], 0);
    emit_model("withheld-entry-35-bytes", "format", &m);
    model_withheld(&m, 4);
    m.enc[4].data[1] = 0x03;
    emit_model("withheld-entry-former-type-3", "format", &m);
    /* its leaf changed: the root no longer holds */
    model_withheld(&m, 4);
    uint8_t leaves[32 * 16];
    for (size_t i = 0; i < m.nenc && i < 16; i++)
        afmt_record_leaf(leaves + 32 * i, m.enc[i].data, m.enc[i].len);
    check(afmt_merkle_root(m.root, leaves, m.nenc), "root");
    m.set_root = 1; /* the archiver's root, over the right leaf */
    m.enc[4].data[10] ^= 1;
    emit_model("withheld-entry-wrong-leaf", "root-mismatch", &m);
    /* a place that is not (0, 0) */
    model_withheld(&m, 4);
    m.place[4][1] = 1;
    emit_model("withheld-entry-with-place", "format", &m);
    /* a blob row naming the withheld entry (the row of post 1's content) */
    model_withheld(&m, 4);
    for (size_t i = 0; i < m.blob_tab.len; i += 8)
        if (afmt_load32(m.blob_tab.data + i) == 1)
            afmt_store32(m.blob_tab.data + i, 4);
    emit_model("withheld-entry-names-blob", "format", &m);
}

static void invalid_entries(void)
{
    model m;
    rawpost p;
    afmt_buf parts = {0};

    model_load(&m, "one-post.afmt");
    m.enc[0].data[1] |= 0x40;
    emit_model("post-flag-bit-6", "unsupported", &m);

    /* the same post twice (another salt): two posts with one id */
    model_load(&m, "one-post.afmt");
    buf_copy(model_add_enc(&m), &m.enc[0]);
    m.enc[1].data[2] ^= 0xff;
    memcpy(m.place[1], m.place[0], sizeof m.place[0]); /* the same content */
    emit_model("duplicate-post-id", "duplicate", &m);

    /* two posts with empty content and one id, built from scratch */
    model_init(&m);
    p = empty_post("same");
    enc_post(model_add_enc(&m), &p);
    p.flags = AFMT_PF_PARENT;
    p.parent = "same";
    p.parent_len = 4;
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("duplicate-post-id-empty", "duplicate", &m);

    model_init(&m);
    p = empty_post("a");
    afmt_content_hash(p.hash, "x", 1);
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("empty-content-wrong-hash", "format", &m);

    model_init(&m);
    p = empty_post("a");
    p.created = 1; /* with "has created" clear */
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("created-without-flag", "format", &m);

    model_init(&m);
    p = empty_post("a");
    p.flags = AFMT_PF_CREATED;
    p.created = 253402300800LL; /* 10000-01-01 */
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("created-year-10000", "format", &m);

    static char longid[4097];
    memset(longid, 'i', sizeof longid);
    model_init(&m);
    p = empty_post("a");
    p.id = longid;
    p.id_len = sizeof longid;
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("post-id-4097-bytes", "limit", &m);

    /* an empty id: under the minimum, so malformed, not a limit (spec 11) */
    model_init(&m);
    p = empty_post("a");
    p.id_len = 0;
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("post-id-empty", "format", &m);

    model_init(&m);
    p = empty_post("a");
    p.flags = AFMT_PF_PARENT;
    p.parent = longid;
    p.parent_len = sizeof longid;
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("parent-id-4097-bytes", "limit", &m);

    model_init(&m);
    p = empty_post("a");
    p.flags = AFMT_PF_AUTHOR;
    p.author = longid;
    p.author_len = sizeof longid;
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("author-4097-bytes", "limit", &m);

    static char longmedia[257]; /* 256 printable bytes and a NUL */
    memset(longmedia, 'm', sizeof longmedia - 1);
    model_init(&m);
    p = empty_post("a");
    p.media = longmedia;
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("media-type-256-bytes", "limit", &m);

    model_init(&m);
    p = empty_post("a");
    p.media = "text/plain\x7f";
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("media-type-DEL", "format", &m);

    /* a content size over 256 MiB (the hash names nothing: size is checked
     * first as a limit) */
    model_init(&m);
    p = empty_post("a");
    p.size = (256u << 20) + 1;
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("content-size-over-256MiB", "limit", &m);

    /* one byte after the last field */
    model_init(&m);
    p = empty_post("a");
    enc_post(model_add_enc(&m), &p);
    buf_u8(&m.enc[0], 0);
    model_salt(&m);
    emit_model("post-byte-left-over", "format", &m);

    /* files */
    model_init(&m);
    enc_file(model_add_enc(&m), 0, 0, "a", 0, NULL);
    enc_file(model_add_enc(&m), 0, 0, "a/b", 0, NULL);
    model_salt(&m);
    emit_model("file-is-also-folder", "duplicate", &m);

    model_init(&m);
    enc_file(model_add_enc(&m), 0, 0, "a", 0, NULL);
    enc_file(model_add_enc(&m), 0, 0, "a", 0, NULL);
    model_salt(&m);
    emit_model("duplicate-file-path", "duplicate", &m);

    model_init(&m);
    enc_file(model_add_enc(&m), 0, 0, "a/../b", 0, NULL);
    model_salt(&m);
    emit_model("file-path-dotdot", "format", &m);

    /* a path of 4097 bytes, one component: valid but for its length */
    static char longpath[4098];
    memset(longpath, 'p', sizeof longpath - 1);
    model_init(&m);
    enc_file(model_add_enc(&m), 0, 0, longpath, 0, NULL);
    model_salt(&m);
    emit_model("file-path-4097-bytes", "limit", &m);

    /* a total size over 2^62.  No file can be that large and consistent (at
     * most 2^26 parts of at most 256 MiB); the size field is checked against
     * its limit as it is read, before the parts are summed. */
    model_init(&m);
    enc_file(model_add_enc(&m), 0, ((uint64_t)1 << 62) + 1, "a", 0, NULL);
    model_salt(&m);
    emit_model("file-size-over-2e62", "limit", &m);

    /* a part count over 2^26, checked as it is read, before the parts (which
     * are not there) */
    model_init(&m);
    enc_file(model_add_enc(&m), 0, 0, "a", (1u << 26) + 1, NULL);
    model_salt(&m);
    emit_model("file-part-count-over-2e26", "limit", &m);

    model_init(&m);
    enc_file(model_add_enc(&m), 1, 0, "a", 0, NULL);
    model_salt(&m);
    emit_model("file-flags-1", "unsupported", &m);

    model_init(&m);
    parts.len = 0;
    buf_u8(&parts, 0x04);
    buf_u64(&parts, 0);
    enc_file(model_add_enc(&m), 0, 0, "a", 1, &parts);
    model_salt(&m);
    emit_model("part-kind-4", "unsupported", &m);

    /* a file whose entry part names the post after it */
    model_init(&m);
    parts.len = 0;
    buf_u8(&parts, AFMT_PART_KIND_ENTRY);
    buf_u64(&parts, 1);
    enc_file(model_add_enc(&m), 0, 0, "a", 1, &parts);
    p = empty_post("later");
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("part-names-later-entry", "format", &m);

    /* total size differs from the parts */
    model_init(&m);
    parts.len = 0;
    buf_u8(&parts, AFMT_PART_KIND_INLINE);
    buf_str(&parts, "abc", 3);
    enc_file(model_add_enc(&m), 0, 4, "a", 1, &parts);
    model_salt(&m);
    emit_model("file-size-differs", "format", &m);

    /* an inline part of 4097 bytes */
    static char inl[4097];
    memset(inl, 'z', sizeof inl);
    model_init(&m);
    parts.len = 0;
    buf_u8(&parts, AFMT_PART_KIND_INLINE);
    buf_str(&parts, inl, sizeof inl);
    enc_file(model_add_enc(&m), 0, sizeof inl, "a", 1, &parts);
    model_salt(&m);
    emit_model("inline-part-4097-bytes", "limit", &m);

    /* a post whose content is not stored */
    model_init(&m);
    p = empty_post("a");
    afmt_content_hash(p.hash, "stored nowhere\n", 15);
    p.size = 15;
    enc_post(model_add_enc(&m), &p);
    model_salt(&m);
    emit_model("post-content-not-stored", "format", &m);

    /* a blob part naming a blob that does not exist */
    model_init(&m);
    parts.len = 0;
    buf_u8(&parts, AFMT_PART_KIND_BLOB);
    uint8_t h[32];
    afmt_content_hash(h, "missing", 7);
    buf_add(&parts, h, 32);
    buf_u64(&parts, 7);
    enc_file(model_add_enc(&m), 0, 7, "a", 1, &parts);
    model_salt(&m);
    emit_model("blob-part-missing", "format", &m);

    /* a blob part over 256 MiB (its blob is not stored either: the size is
     * checked first, as it is read) */
    model_init(&m);
    parts.len = 0;
    buf_u8(&parts, AFMT_PART_KIND_BLOB);
    afmt_content_hash(h, "missing", 7);
    buf_add(&parts, h, 32);
    buf_u64(&parts, (256u << 20) + 1);
    enc_file(model_add_enc(&m), 0, (256u << 20) + 1, "a", 1, &parts);
    model_salt(&m);
    emit_model("blob-part-over-256MiB", "limit", &m);

    /* a blob part of size 0 (with the hash of nothing): under the minimum,
     * malformed (spec 11) */
    model_init(&m);
    parts.len = 0;
    buf_u8(&parts, AFMT_PART_KIND_BLOB);
    afmt_content_hash(h, NULL, 0);
    buf_add(&parts, h, 32);
    buf_u64(&parts, 0);
    enc_file(model_add_enc(&m), 0, 0, "a", 1, &parts);
    model_salt(&m);
    emit_model("blob-part-size-0", "format", &m);

    afmt_buf_free(&parts);
}

static int usage(void)
{
    fprintf(stderr, "usage: vectors_gen --new-key DIR\n"
                    "       vectors_gen --key KEYFILE --out DIR\n"
                    "       vectors_gen --read FILE...\n");
    return 2;
}

/* Prints what the reference reader says of each file (open, then full
 * verification): "<error name>\t<file>\t<message>", for comparing readers. */
static int read_files(int n, char **files)
{
    for (int i = 0; i < n; i++) {
        char err[512] = "";
        afmt_reader *r;
        int rc = afmt_reader_open(&r, files[i], err, sizeof err);
        if (rc == AFMT_OK) {
            rc = afmt_reader_verify(r, NULL, NULL);
            snprintf(err, sizeof err, "%s", afmt_reader_errmsg(r));
            afmt_reader_free(r);
        }
        printf("%s\t%s\t%s\n", error_name(rc), files[i], rc == AFMT_OK ? "" : err);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--read") == 0)
        return read_files(argc - 2, argv + 2);
    if (argc == 3 && strcmp(argv[1], "--new-key") == 0) {
        new_key(argv[2]);
        return 0;
    }
    if (argc != 5 || strcmp(argv[1], "--key") != 0 || strcmp(argv[3], "--out") != 0)
        return usage();
    g_out = argv[4];
    if (getenv("SOURCE_DATE_EPOCH") != NULL)
        die("unset SOURCE_DATE_EPOCH: the vectors set their own creation time");
    check(afmt_init(), "init");
    check(afmt_secret_key_load(&g_sk, argv[2], NULL, 0), argv[2]);
    afmt_secret_key_public(&g_pk, g_sk);
    afmt_hash_salt_key(g_salt_key, g_sk->sk);
    char *v = NULL, *iv = NULL;
    if (asprintf(&v, "%s/valid", g_out) < 0 || asprintf(&iv, "%s/invalid", g_out) < 0)
        die("out of memory");
    if ((mkdir(v, 0755) != 0 && errno != EEXIST) || (mkdir(iv, 0755) != 0 && errno != EEXIST))
        die("cannot make %s and %s", v, iv);
    free(v);
    free(iv);

    valid_empty();
    valid_one_post();
    valid_thread();
    valid_fields();
    valid_files();
    valid_pages();
    valid_cosigned();
    withholder_init();
    valid_withheld();
    valid_timestamped();
    static const char *const valid_names[] = {"empty.afmt", "one-post.afmt", "thread.afmt",
                                              "fields.afmt", "files.afmt", "pages.afmt"};
    for (size_t i = 0; i < sizeof valid_names / sizeof valid_names[0]; i++)
        check_roundtrip(valid_names[i]);

    invalid_unsigned();
    invalid_signature();
    invalid_checkpoint();
    invalid_attestations();
    invalid_timestamps();
    invalid_index();
    invalid_directory();
    invalid_pages();
    invalid_records();
    invalid_ids();
    invalid_places();
    invalid_blocks();
    invalid_entries();
    invalid_withholding();

    printf("%d valid and %d invalid vectors in %s\n", g_count_valid, g_count_invalid, g_out);
    afmt_secret_key_free(g_sk);
    sodium_memzero(g_salt_key, sizeof g_salt_key);
    return 0;
}
