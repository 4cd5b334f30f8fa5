/*
 * forge.c - see forge.h.  Every layout here is transcribed from
 * spec/FORMAT.md; nothing is validated.
 */
#include "forge.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
#include <sodium.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

/* ---------------------------------------------------------------- buffers */

void forge_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("forge: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static void fb_reserve(fbuf *b, size_t extra)
{
    if (b->cap - b->n >= extra)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->n < extra)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (p == NULL)
        forge_die("out of memory");
    b->p = p;
    b->cap = cap;
}

void fb_put(fbuf *b, const void *data, size_t len)
{
    if (len == 0)
        return;
    fb_reserve(b, len);
    memcpy(b->p + b->n, data, len);
    b->n += len;
}

void st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
void st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
void st64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

void fb_u8(fbuf *b, uint8_t v)
{
    fb_put(b, &v, 1);
}
void fb_u16(fbuf *b, uint16_t v)
{
    uint8_t t[2];
    st16(t, v);
    fb_put(b, t, 2);
}
void fb_u32(fbuf *b, uint32_t v)
{
    uint8_t t[4];
    st32(t, v);
    fb_put(b, t, 4);
}
void fb_u64(fbuf *b, uint64_t v)
{
    uint8_t t[8];
    st64(t, v);
    fb_put(b, t, 8);
}
void fb_str16(fbuf *b, const void *s, size_t len)
{
    fb_u16(b, (uint16_t)len);
    fb_put(b, s, len);
}
void fb_copy(fbuf *dst, const fbuf *src)
{
    dst->n = 0;
    fb_put(dst, src->p, src->n);
}
void fb_free(fbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}
void fb_reset(fbuf *b)
{
    b->n = 0;
}

/* ---------------------------------------------------------------- hashing */

void fh_hash(uint8_t out[32], const void *data, size_t len)
{
    static const uint8_t none[1] = {0};
    SHA256(len ? data : none, len, out);
}

static void node(uint8_t out[32], const uint8_t l[32], const uint8_t r[32])
{
    uint8_t m[65];
    m[0] = 1;
    memcpy(m + 1, l, 32);
    memcpy(m + 33, r, 32);
    fh_hash(out, m, sizeof m);
}

void fh_root(uint8_t out[32], const uint8_t *leaves, uint64_t n)
{
    if (n == 0) {
        fh_hash(out, NULL, 0);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves, 32);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    uint8_t l[32], r[32];
    fh_root(l, leaves, k);
    fh_root(r, leaves + 32 * k, n - k);
    node(out, l, r);
}

/* ---------------------------------------------------------------- keys */

void fk_make(fkey *k, uint8_t seed, uint64_t id)
{
    if (sodium_init() < 0)
        forge_die("sodium_init");
    uint8_t s[32];
    memset(s, seed, sizeof s);
    crypto_sign_seed_keypair(k->pk, k->sk, s);
    st64(k->id, id);
}

void fk_pub_b64(char out[57], const fkey *k)
{
    uint8_t blob[42];
    memcpy(blob, "Ed", 2);
    memcpy(blob + 2, k->id, 8);
    memcpy(blob + 10, k->pk, 32);
    sodium_bin2base64(out, 57, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
}

void fk_pub_text(fbuf *out, const fkey *k)
{
    char b64[57], line[128];
    fk_pub_b64(b64, k);
    snprintf(line, sizeof line, "untrusted comment: minisign public key %016llX\n",
             (unsigned long long)ld64(k->id));
    fb_put(out, line, strlen(line));
    fb_put(out, b64, strlen(b64));
    fb_u8(out, '\n');
}

void fk_sec_blob(uint8_t blob[158], const fkey *k, const char *pass, uint64_t ops, uint64_t mem)
{
    memset(blob, 0, 158);
    memcpy(blob, "Ed", 2);
    memcpy(blob + 2, pass ? "Sc" : "\0\0", 2);
    memcpy(blob + 4, "B2", 2);
    memcpy(blob + 54, k->id, 8);
    memcpy(blob + 62, k->sk, 64);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)"Ed", 2);
    crypto_generichash_update(&st, k->id, 8);
    crypto_generichash_update(&st, k->sk, 64);
    crypto_generichash_final(&st, blob + 126, 32);
    if (pass != NULL) {
        memset(blob + 6, 0x5A, 32); /* salt */
        st64(blob + 38, ops);
        st64(blob + 46, mem);
        uint8_t stream[104];
        if (crypto_pwhash_scryptsalsa208sha256(stream, sizeof stream, pass, strlen(pass),
                                               blob + 6, ops, (size_t)mem) != 0)
            forge_die("scrypt");
        for (int i = 0; i < 104; i++)
            blob[54 + i] ^= stream[i];
    }
}

void fk_sec_text(fbuf *out, const fkey *k, const char *pass, uint64_t ops, uint64_t mem)
{
    uint8_t blob[158];
    fk_sec_blob(blob, k, pass, ops, mem);
    char b64[sodium_base64_ENCODED_LEN(158, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    const char *c = pass ? "untrusted comment: minisign encrypted secret key\n"
                         : "untrusted comment: minisign unencrypted secret key\n";
    fb_put(out, c, strlen(c));
    fb_put(out, b64, strlen(b64));
    fb_u8(out, '\n');
}

/* ---------------------------------------------------------------- zstd */

void fz_compress(fbuf *out, const void *src, size_t len, int level, int with_size,
                 int window_log, int checksum)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (c == NULL)
        forge_die("ZSTD_createCCtx");
    size_t r = ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, with_size);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0);
    if (!ZSTD_isError(r) && window_log)
        r = ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, window_log);
    if (ZSTD_isError(r))
        forge_die("zstd parameter: %s", ZSTD_getErrorName(r));
    size_t cap = ZSTD_compressBound(len);
    fb_reserve(out, cap);
    r = ZSTD_compress2(c, out->p + out->n, cap, src, len);
    if (ZSTD_isError(r))
        forge_die("zstd: %s", ZSTD_getErrorName(r));
    out->n += r;
    ZSTD_freeCCtx(c);
}

int fz_parse(fz_header *h, const uint8_t *f, size_t len)
{
    memset(h, 0, sizeof *h);
    if (len < 6 || ld32(f) != 0xFD2FB528u)
        return -1;
    uint8_t fhd = f[4];
    int fcs_flag = fhd >> 6;
    h->single_segment = (fhd >> 5) & 1;
    h->checksum = (fhd >> 2) & 1;
    static const int dict_lens[4] = {0, 1, 2, 4};
    h->dict_len = dict_lens[fhd & 3];
    static const int fcs_lens[4] = {0, 2, 4, 8};
    h->fcs_len = fcs_flag == 0 ? (h->single_segment ? 1 : 0) : fcs_lens[fcs_flag];
    size_t pos = 5;
    h->has_window = !h->single_segment;
    if (h->has_window)
        h->window_descriptor = f[pos++];
    if (pos + (size_t)h->dict_len + (size_t)h->fcs_len > len)
        return -1;
    for (int i = 0; i < h->dict_len; i++)
        h->dict_id |= (uint32_t)f[pos + (size_t)i] << (8 * i);
    pos += (size_t)h->dict_len;
    for (int i = 0; i < h->fcs_len; i++)
        h->fcs |= (uint64_t)f[pos + (size_t)i] << (8 * i);
    if (h->fcs_len == 2)
        h->fcs += 256;
    pos += (size_t)h->fcs_len;
    h->header_len = pos;
    return 0;
}

void fz_rebuild(fbuf *out, const uint8_t *f, size_t len, const fz_header *h)
{
    fz_header old;
    if (fz_parse(&old, f, len) != 0)
        forge_die("fz_rebuild: not a frame");
    int fcs_flag;
    switch (h->fcs_len) {
    case 0: fcs_flag = 0; break;
    case 1: fcs_flag = 0; break; /* only with single_segment */
    case 2: fcs_flag = 1; break;
    case 4: fcs_flag = 2; break;
    default: fcs_flag = 3; break;
    }
    int dict_flag = h->dict_len == 0 ? 0 : h->dict_len == 1 ? 1 : h->dict_len == 2 ? 2 : 3;
    fb_u32(out, 0xFD2FB528u);
    fb_u8(out, (uint8_t)(fcs_flag << 6 | h->single_segment << 5 | h->checksum << 2 | dict_flag));
    if (!h->single_segment)
        fb_u8(out, h->window_descriptor);
    for (int i = 0; i < h->dict_len; i++)
        fb_u8(out, (uint8_t)(h->dict_id >> (8 * i)));
    uint64_t v = h->fcs_len == 2 ? h->fcs - 256 : h->fcs;
    for (int i = 0; i < h->fcs_len; i++)
        fb_u8(out, (uint8_t)(v >> (8 * i)));
    fb_put(out, f + old.header_len, len - old.header_len);
}

/* ---------------------------------------------------------------- entries */

void fe_post(fbuf *out, const fpost *p)
{
    fb_u8(out, 0x01);
    fb_u8(out, p->flags);
    fb_put(out, p->salt, 16);
    fb_put(out, p->hash, 32);
    fb_u64(out, p->size);
    fb_u64(out, (uint64_t)p->created);
    fb_str16(out, p->id, p->id_len);
    fb_str16(out, p->media, p->media_len);
    if (p->flags & 0x01)
        fb_str16(out, p->parent, p->parent_len);
    if (p->flags & 0x02)
        fb_str16(out, p->author, p->author_len);
    if (p->flags & 0x08)
        fb_str16(out, p->title, p->title_len);
    if (p->flags & 0x20)
        fb_u64(out, p->missing);
}

void fe_post_simple(fbuf *out, const char *id, size_t id_len, const char *parent,
                    const void *content, size_t content_len)
{
    fpost p = {0};
    p.flags = (uint8_t)((parent ? 0x01 : 0) | 0x02 | 0x04);
    memset(p.salt, 0xA5, 16);
    fh_hash(p.hash, content, content_len);
    p.size = content_len;
    p.created = 1700000000;
    p.id = id;
    p.id_len = id_len;
    p.media = "text/plain";
    p.media_len = 10;
    p.parent = parent;
    p.parent_len = parent ? strlen(parent) : 0;
    p.author = "mallory";
    p.author_len = 7;
    fe_post(out, &p);
}

void fe_file(fbuf *out, uint8_t flags, uint64_t total, const void *path, size_t path_len,
             uint32_t nparts, const fbuf *parts)
{
    uint8_t salt[16];
    memset(salt, 0x3C, sizeof salt);
    fb_u8(out, 0x02);
    fb_u8(out, flags);
    fb_put(out, salt, 16);
    fb_u64(out, total);
    fb_str16(out, path, path_len);
    fb_u32(out, nparts);
    if (parts)
        fb_put(out, parts->p, parts->n);
}

void fp_entry(fbuf *parts, uint64_t entry)
{
    fb_u8(parts, 0x01);
    fb_u64(parts, entry);
}

void fp_inline(fbuf *parts, const void *data, size_t len)
{
    fb_u8(parts, 0x02);
    fb_str16(parts, data, len);
}

void fp_blob(fbuf *parts, const uint8_t hash[32], uint64_t size)
{
    fb_u8(parts, 0x03);
    fb_put(parts, hash, 32);
    fb_u64(parts, size);
}

/* ---------------------------------------------------------------- bundles */

static const uint8_t magic[8] = {0x8A, 'A', 'F', 'M', 'T', 0x0D, 0x0A, 0x1A};
static const uint8_t end_magic[8] = {0x1A, 0x0A, 0x0D, 'T', 'M', 'F', 'A', 0x8A};

void fb_init(fbundle *b)
{
    memset(b, 0, sizeof *b);
    memcpy(b->header, magic, 8);
    st32(b->header + 8, 2);
    st32(b->header + 12, 0);
    b->compression = 1;
    b->title = "hostile";
    b->created = 1700000000;
}

static void free_pages(fbundle *b)
{
    for (size_t p = 0; p < b->npages; p++) {
        fb_free(&b->pages[p].data);
        fb_free(&b->pages[p].frame);
    }
    free(b->pages);
    b->pages = NULL;
    b->npages = b->n_record_pages = b->n_id_pages = 0;
}

void fb_release(fbundle *b)
{
    fb_free(&b->blocks);
    fb_free(&b->block_table);
    fb_free(&b->blob_table);
    fb_free(&b->records);
    fb_free(&b->ids);
    free_pages(b);
    fb_free(&b->index);
    fb_free(&b->checkpoint);
    fb_free(&b->sig);
    fb_free(&b->tail);
}

uint64_t fb_add_frame(fbundle *b, const void *frame, size_t frame_len, uint64_t size)
{
    uint8_t rec[56];
    st64(rec, 16 + b->blocks.n);
    st64(rec + 8, frame_len);
    st64(rec + 16, size);
    fh_hash(rec + 24, frame, frame_len);
    fb_put(&b->block_table, rec, sizeof rec);
    fb_put(&b->blocks, frame, frame_len);
    return b->n_blocks++;
}

uint64_t fb_add_block(fbundle *b, const void *data, size_t len)
{
    fbuf f = {0};
    fz_compress(&f, data, len, 3, 1, 0, 0);
    uint64_t n = fb_add_frame(b, f.p, f.n, len);
    fb_free(&f);
    return n;
}

void fb_add_blob(fbundle *b, uint32_t entry, uint32_t part)
{
    fb_u32(&b->blob_table, entry);
    fb_u32(&b->blob_table, part);
    b->n_blobs++;
}

void fb_add_record(fbundle *b, const fbuf *enc)
{
    fb_u32(&b->records, 0);
    fb_u32(&b->records, 0);
    fb_u32(&b->records, (uint32_t)enc->n);
    fb_put(&b->records, enc->p, enc->n);
    b->n_entries++;
}

/* The record list (b->records, the forger's own form), leniently: the
 * offsets of the records that parse. */
typedef struct rec_list {
    size_t *at;
    size_t n;
} rec_list;

static void rec_walk(rec_list *l, const uint8_t *recs, size_t len)
{
    l->n = 0;
    l->at = malloc((len / 12 + 1) * sizeof *l->at);
    if (l->at == NULL)
        forge_die("out of memory");
    size_t pos = 0;
    while (len - pos >= 12) {
        uint32_t n = ld32(recs + pos + 8);
        if (len - pos - 12 < n)
            break;
        l->at[l->n++] = pos;
        pos += 12 + (size_t)n;
    }
}

/* One record of a record page: where its encoding and its place are. */
typedef struct prec {
    size_t enc;
    uint32_t len;
    size_t place; /* SIZE_MAX: the page has no place for it */
} prec;

/* The records of a record page's bytes (spec 7.5: the records, each
 * u32 L and the encoding, then a place for each), leniently: at most
 * `count` (UINT64_MAX: as many as parse before the places could start);
 * `out` has room for n / 4 + 1. */
static size_t page_parse(prec *out, const uint8_t *d, size_t n, uint64_t count)
{
    size_t k = 0, pos = 0;
    while (k < count && n - pos >= 4) {
        if (count == UINT64_MAX && n - pos == 8 * k)
            break; /* the places start here */
        uint32_t l = ld32(d + pos);
        if (n - pos - 4 < l)
            break;
        out[k].len = l;
        out[k].enc = pos + 4;
        k++;
        pos += 4 + (size_t)l;
    }
    for (size_t i = 0; i < k; i++)
        out[i].place = n - pos >= 8 * (i + 1) ? pos + 8 * i : SIZE_MAX;
    return k;
}

static prec *page_records(const fpage *pg, size_t *n)
{
    prec *v = malloc((pg->data.n / 4 + 1) * sizeof *v);
    if (v == NULL)
        forge_die("out of memory");
    *n = page_parse(v, pg->data.p, pg->data.n, pg->count);
    return v;
}

/* Every entry's encoding, through the record pages. */
typedef struct erec {
    const uint8_t *enc;
    uint32_t len;
} erec;

static size_t entries_of(const fbundle *b, erec **out)
{
    size_t cap = 1, n = 0;
    for (size_t k = 0; k < b->n_record_pages && 2 + k < b->npages; k++)
        cap += b->pages[2 + k].data.n / 4 + 1;
    erec *v = malloc(cap * sizeof *v);
    if (v == NULL)
        forge_die("out of memory");
    for (size_t k = 0; k < b->n_record_pages && 2 + k < b->npages; k++) {
        const fpage *pg = &b->pages[2 + k];
        size_t m;
        prec *r = page_records(pg, &m);
        for (size_t i = 0; i < m; i++) {
            v[n].enc = pg->data.p + r[i].enc;
            v[n++].len = r[i].len;
        }
        free(r);
    }
    *out = v;
    return n;
}

static uint8_t *page_field(fbundle *b, size_t page, uint64_t i, int place)
{
    if (page >= b->npages)
        forge_die("no page %zu", page);
    size_t n;
    prec *r = page_records(&b->pages[page], &n);
    if (i >= n || (place && r[i].place == SIZE_MAX))
        forge_die("page %zu has no record %llu", page, (unsigned long long)i);
    size_t at = place ? r[i].place : r[i].enc - 4;
    free(r);
    return b->pages[page].data.p + at;
}

uint8_t *fb_place(fbundle *b, size_t page, uint64_t i)
{
    return page_field(b, page, i, 1);
}

uint8_t *fb_reclen(fbundle *b, size_t page, uint64_t i)
{
    return page_field(b, page, i, 0);
}

uint64_t fi_key(const void *id, size_t len)
{
    uint8_t h[32];
    fh_hash(h, id, len);
    return ld64(h);
}

int fi_post_id(const uint8_t *enc, size_t len, const uint8_t **id, size_t *id_len)
{
    if (len < 68 || enc[0] != 0x01)
        return 0;
    size_t n = (size_t)enc[66] | (size_t)enc[67] << 8;
    if (len - 68 < n)
        return 0;
    *id = enc + 68;
    *id_len = n;
    return 1;
}

/* A content reference: the hash and size of a post's content, or of part
 * `part` of a file when it is a blob part (leniently: 0 when there is
 * none). */
static int content_of(const uint8_t *enc, size_t len, uint32_t part, const uint8_t **hash,
                      uint64_t *size)
{
    if (len >= 58 && enc[0] == 0x01) {
        *hash = enc + 18;
        *size = ld64(enc + 50);
        return 1;
    }
    if (len < 28 || enc[0] != 0x02)
        return 0;
    size_t pl = (size_t)enc[26] | (size_t)enc[27] << 8;
    if (len - 28 < pl + 4)
        return 0;
    uint32_t count = ld32(enc + 28 + pl);
    size_t pos = 32 + pl;
    for (uint32_t k = 0; k < count && pos < len; k++) {
        uint8_t kind = enc[pos];
        size_t n;
        if (kind == 0x01)
            n = 9;
        else if (kind == 0x02 && len - pos >= 3)
            n = 3 + ((size_t)enc[pos + 1] | (size_t)enc[pos + 2] << 8);
        else if (kind == 0x03)
            n = 41;
        else
            return 0;
        if (len - pos < n)
            return 0;
        if (k == part) {
            if (kind != 0x03)
                return 0;
            *hash = enc + pos + 1;
            *size = ld64(enc + pos + 33);
            return 1;
        }
        pos += n;
    }
    return 0;
}

void fb_places(fbundle *b)
{
    rec_list l;
    rec_walk(&l, b->records.p, b->records.n);
    size_t nblobs = b->blob_table.n / 8, nblocks = b->block_table.n / 56;
    const uint8_t **hashes = calloc(nblobs + 1, sizeof *hashes);
    uint64_t *blk = calloc(nblobs + 1, sizeof *blk), *off = calloc(nblobs + 1, sizeof *off);
    if (hashes == NULL || blk == NULL || off == NULL)
        forge_die("out of memory");
    /* the tiling of 7.4, as a reader works it out */
    uint64_t block = 0, pos = 0;
    for (size_t j = 0; j < nblobs; j++) {
        uint32_t e = ld32(b->blob_table.p + 8 * j), part = ld32(b->blob_table.p + 8 * j + 4);
        const uint8_t *h = NULL;
        uint64_t size = 0;
        if (e < l.n) {
            const uint8_t *r = b->records.p + l.at[e];
            if (!content_of(r + 12, ld32(r + 8), part, &h, &size))
                h = NULL;
        }
        if (block < nblocks && j > 0 && pos == ld64(b->block_table.p + 56 * block + 16)) {
            block++;
            pos = 0;
        }
        hashes[j] = h;
        blk[j] = block;
        off[j] = pos;
        pos += size;
    }
    for (size_t i = 0; i < l.n; i++) {
        uint8_t *r = b->records.p + l.at[i];
        uint32_t place[2] = {0, 0};
        const uint8_t *enc = r + 12;
        uint32_t len = ld32(r + 8);
        if (len >= 58 && enc[0] == 0x01 && ld64(enc + 50) > 0) {
            for (size_t j = 0; j < nblobs; j++) {
                if (hashes[j] != NULL && memcmp(hashes[j], enc + 18, 32) == 0) {
                    place[0] = (uint32_t)blk[j];
                    place[1] = (uint32_t)off[j];
                    break;
                }
            }
        }
        st32(r, place[0]);
        st32(r + 4, place[1]);
    }
    free(hashes);
    free(blk);
    free(off);
    free(l.at);
}

fpage *fb_new_page(fbundle *b)
{
    fpage *p = realloc(b->pages, (b->npages + 1) * sizeof *p);
    if (p == NULL)
        forge_die("out of memory");
    b->pages = p;
    memset(&b->pages[b->npages], 0, sizeof *b->pages);
    return &b->pages[b->npages++];
}

/* (id key, entry number) pairs, for the sort of 7.6 */
typedef struct idrow {
    uint64_t key;
    uint32_t entry;
} idrow;

static int idrow_cmp(const void *x, const void *y)
{
    const idrow *a = x, *c = y;
    if (a->key != c->key)
        return a->key < c->key ? -1 : 1;
    return (a->entry > c->entry) - (a->entry < c->entry);
}

void fi_id_row(fbuf *rows, uint64_t key, uint32_t entry)
{
    fb_u64(rows, key);
    fb_u32(rows, entry);
}

void fi_id_rows(fbuf *rows, const uint8_t *const *enc, const size_t *len, size_t n,
                int keep_cut)
{
    idrow *v = malloc((n + 1) * sizeof *v);
    if (v == NULL)
        forge_die("out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *id;
        size_t id_len;
        if (fi_post_id(enc[i], len[i], &id, &id_len)) {
            v[k].key = fi_key(id, id_len);
            v[k++].entry = (uint32_t)i;
        } else if (keep_cut && len[i] > 0 && enc[i][0] == 0x01) {
            v[k].key = 0;
            v[k++].entry = (uint32_t)i;
        }
    }
    qsort(v, k, sizeof *v, idrow_cmp);
    for (size_t i = 0; i < k; i++)
        fi_id_row(rows, v[i].key, v[i].entry);
    free(v);
}

/* Writes records [from, to) of the record list into a record page: the
 * records, then their places. */
static void put_records(fpage *pg, const fbuf *recs, const rec_list *l, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const uint8_t *r = recs->p + l->at[i];
        fb_put(&pg->data, r + 8, 4 + (size_t)ld32(r + 8));
    }
    for (size_t i = from; i < to; i++)
        fb_put(&pg->data, recs->p + l->at[i], 8);
    pg->count = to - from;
}

void fb_body(fbundle *b)
{
    if (!b->places_manual)
        fb_places(b);
    free_pages(b);
    fb_put(&fb_new_page(b)->data, b->block_table.p, b->block_table.n);
    fb_put(&fb_new_page(b)->data, b->blob_table.p, b->blob_table.n);
    /* record pages, cut at record boundaries */
    rec_list l;
    rec_walk(&l, b->records.p, b->records.n);
    size_t target = b->page_bytes ? b->page_bytes : 65536;
    size_t from = 0, bytes = 0, split = 0;
    fpage *last = NULL;
    for (size_t i = 0; i < l.n; i++) {
        size_t len = 4 + 8 + ld32(b->records.p + l.at[i] + 8);
        bytes += len;
        int close = i + 1 == l.n;
        if (b->n_split > 0)
            close |= split < b->n_split && i + 1 - from >= b->page_split[split];
        else
            close |= bytes >= target || (b->page_records && i + 1 - from >= b->page_records);
        if (close) {
            last = fb_new_page(b);
            b->n_record_pages++;
            put_records(last, &b->records, &l, from, i + 1);
            from = i + 1;
            bytes = 0;
            split++;
        }
    }
    size_t end = l.n ? l.at[l.n - 1] + 12 + ld32(b->records.p + l.at[l.n - 1] + 8) : 0;
    if (end < b->records.n) { /* what does not parse goes in the last page */
        if (last == NULL) {
            last = fb_new_page(b);
            b->n_record_pages++;
        }
        fb_put(&last->data, b->records.p + end, b->records.n - end);
    }
    /* the id table */
    fbuf rows = {0};
    if (b->ids_set) {
        fb_put(&rows, b->ids.p, b->ids.n);
    } else {
        const uint8_t **enc = malloc((l.n + 1) * sizeof *enc);
        size_t *len = malloc((l.n + 1) * sizeof *len);
        if (enc == NULL || len == NULL)
            forge_die("out of memory");
        for (size_t i = 0; i < l.n; i++) {
            enc[i] = b->records.p + l.at[i] + 12;
            len[i] = ld32(b->records.p + l.at[i] + 8);
        }
        fi_id_rows(&rows, enc, len, l.n, 0);
        free(enc);
        free(len);
    }
    for (size_t at = 0; at < rows.n; at += FI_ID_ROW * 4096) {
        size_t n = rows.n - at < FI_ID_ROW * 4096 ? rows.n - at : FI_ID_ROW * 4096;
        fb_put(&fb_new_page(b)->data, rows.p + at, n);
        b->n_id_pages++;
    }
    fb_free(&rows);
    free(l.at);
}

size_t fb_rec_page(const fbundle *b, size_t k)
{
    (void)b;
    return 2 + k;
}

size_t fb_id_page(const fbundle *b, size_t k)
{
    return 2 + b->n_record_pages + k;
}

uint8_t *fb_row(fbundle *b, size_t p)
{
    if (b->index.n < 56 + 48 * (p + 1))
        forge_die("fb_row: no row %zu", p);
    return b->index.p + 56 + 48 * p;
}

void fb_set_page_frame(fbundle *b, size_t p, const fbuf *frame)
{
    if (p >= b->npages)
        forge_die("fb_set_page_frame: no page %zu", p);
    fb_copy(&b->pages[p].frame, frame);
    b->pages[p].frame_set = 1;
}

void fb_counts_from_firsts(fbundle *b, uint64_t entries)
{
    for (size_t k = 0; k < b->n_record_pages; k++) {
        fpage *pg = &b->pages[fb_rec_page(b, k)];
        uint64_t next = k + 1 < b->n_record_pages ? b->pages[fb_rec_page(b, k + 1)].first
                                                  : entries;
        pg->count = next > pg->first ? next - pg->first : 0;
    }
}

/* The entry number of each record page's first record, and the key of
 * each id page's first row, as the pages hold them. */
static void derive_firsts(fbundle *b)
{
    uint64_t entry = 0;
    for (size_t k = 0; k < b->n_record_pages; k++) {
        fpage *pg = &b->pages[fb_rec_page(b, k)];
        if (!pg->first_set)
            pg->first = entry;
        entry += pg->count;
    }
    /* an id page's first row carries its key (7.6), as a writer's does */
    for (size_t k = 0; k < b->n_id_pages; k++) {
        fpage *pg = &b->pages[fb_id_page(b, k)];
        if (!pg->first_set)
            pg->first = pg->data.n >= 8 ? ld64(pg->data.p) : 0;
    }
}

void fb_pack(fbundle *b)
{
    if (b->npages < 2)
        forge_die("fb_pack before fb_body");
    derive_firsts(b);
    uint64_t posts = 0, records_size = 0;
    for (size_t k = 0; k < b->n_record_pages; k++)
        records_size += b->pages[fb_rec_page(b, k)].data.n;
    erec *v;
    size_t n = entries_of(b, &v);
    for (size_t i = 0; i < n; i++)
        posts += v[i].len > 0 && v[i].enc[0] == 0x01;
    free(v);
    fb_reset(&b->index);
    fb_u32(&b->index, b->compression);
    fb_u32(&b->index, b->index_flags);
    fb_u64(&b->index, b->n_entries);
    fb_u64(&b->index, b->posts_set ? b->posts : posts);
    fb_u64(&b->index, b->n_blocks);
    fb_u64(&b->index, b->n_blobs);
    fb_u64(&b->index, b->record_pages_set ? b->record_pages : b->n_record_pages);
    fb_u64(&b->index, b->records_size_set ? b->records_size : records_size);
    for (size_t p = 0; p < b->npages; p++) {
        fpage *pg = &b->pages[p];
        if (!pg->frame_set) {
            fb_reset(&pg->frame);
            fz_compress(&pg->frame, pg->data.p, pg->data.n, b->level ? b->level : 3, 1, 0, 0);
        }
        uint8_t row[48];
        st32(row, (uint32_t)pg->frame.n);
        st32(row + 4, (uint32_t)pg->data.n);
        st64(row + 8, pg->first);
        fh_hash(row + 16, pg->frame.p, pg->frame.n);
        fb_put(&b->index, row, sizeof row);
    }
    for (size_t p = 0; p < b->npages; p++)
        fb_put(&b->index, b->pages[p].frame.p, b->pages[p].frame.n);
}

void fb_index(fbundle *b)
{
    fb_body(b);
    fb_pack(b);
}

size_t fi_head_len(const uint8_t *index, size_t len)
{
    if (len < 56)
        return len;
    uint64_t posts = ld64(index + 16), rp = ld64(index + 40);
    if (posts > ((uint64_t)1 << 40) || rp > ((uint64_t)1 << 40))
        return len;
    uint64_t head = 56 + 48 * (2 + rp + (posts + 4095) / 4096);
    return head <= len ? (size_t)head : len;
}

int fi_pages(fbuf *out, const uint8_t *index, size_t len, size_t max)
{
    fb_reset(out);
    size_t head = fi_head_len(index, len);
    if (len < 56 || head < 56 + 2 * 48 || (head - 56) % 48 != 0)
        return -1;
    size_t np = (head - 56) / 48, at = head;
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (d == NULL)
        forge_die("ZSTD_createDCtx");
    int rc = 0;
    fbuf page = {0};
    uint8_t tmp[65536];
    for (size_t p = 0; p < np && rc == 0; p++) {
        const uint8_t *row = index + 56 + 48 * p;
        uint32_t cs = ld32(row);
        if (len - at < cs) {
            rc = -1;
            break;
        }
        ZSTD_DCtx_reset(d, ZSTD_reset_session_and_parameters);
        ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 31);
        ZSTD_inBuffer in = {index + at, cs, 0};
        fb_reset(&page);
        rc = -1;
        for (;;) {
            ZSTD_outBuffer o = {tmp, sizeof tmp, 0};
            size_t r = ZSTD_decompressStream(d, &o, &in);
            if (ZSTD_isError(r))
                break;
            fb_put(&page, tmp, o.pos);
            if (out->n + page.n > max)
                break;
            if (r == 0) {
                rc = 0;
                break;
            }
            if (in.pos == in.size && o.pos == 0)
                break;
        }
        if (rc == 0) {
            fb_u64(out, ld64(row + 8));
            fb_u32(out, (uint32_t)page.n);
            fb_put(out, page.p, page.n);
        }
        at += cs;
    }
    fb_free(&page);
    ZSTD_freeDCtx(d);
    return rc;
}

/* The key whose log the forged checkpoints name (spec 6.1). */
static const fkey *g_origin_key;

void fb_set_origin_key(const fkey *k)
{
    g_origin_key = k;
}

void fb_origin(char out[55], const fkey *k, int64_t created, uint64_t entries,
               const uint8_t root[32])
{
    static const fkey none;
    if (k == NULL)
        k = &none;
    uint8_t m[15 + 32 + 16 + 32], h[32];
    memcpy(m, "afmt origin v2", 15); /* with its NUL */
    memcpy(m + 15, k->pk, 32);
    for (int i = 0; i < 8; i++) {
        m[47 + i] = (uint8_t)((uint64_t)created >> (8 * i));
        m[55 + i] = (uint8_t)(entries >> (8 * i));
    }
    memcpy(m + 63, root, 32);
    SHA256(m, sizeof m, h);
    uint64_t id = 0;
    for (int i = 7; i >= 0; i--)
        id = (id << 8) | k->id[i];
    int n = snprintf(out, 55, "afmt/%016llX/", (unsigned long long)id);
    for (int i = 0; i < 16; i++)
        n += snprintf(out + n, 55 - (size_t)n, "%02x", h[i]);
}

void fb_checkpoint(fbundle *b)
{
    uint8_t root[32], ih[32];
    uint64_t entries = b->index.n >= 56 ? ld64(b->index.p + 8) : 0;
    erec *v;
    size_t n = entries_of(b, &v);
    if (n > entries)
        n = (size_t)entries;
    uint8_t *leaves = malloc((n ? n : 1) * 32);
    if (leaves == NULL)
        forge_die("out of memory");
    for (size_t i = 0; i < n; i++) {
        uint8_t *m = malloc(v[i].len + 1);
        if (m == NULL)
            forge_die("out of memory");
        m[0] = 0;
        memcpy(m + 1, v[i].enc, v[i].len);
        SHA256(m, v[i].len + 1, leaves + 32 * i);
        free(m);
    }
    fh_root(root, leaves, n);
    free(leaves);
    free(v);
    if (b->root_set)
        memcpy(root, b->root, 32);
    if (b->entries_set)
        entries = b->entries;
    fh_hash(ih, b->index.p, fi_head_len(b->index.p, b->index.n));
    char rb[45], hi[65];
    sodium_bin2base64(rb, sizeof rb, root, 32, sodium_base64_VARIANT_ORIGINAL);
    for (int i = 0; i < 32; i++)
        snprintf(hi + 2 * i, 3, "%02x", ih[i]);
    fb_origin(b->cp_origin, g_origin_key, (int64_t)b->created, entries, root);
    memcpy(b->cp_root, root, 32);
    memcpy(b->cp_index, ih, 32);
    char text[8192];
    int len = snprintf(text, sizeof text,
                       "%s\n%llu\n%s\nafmt-bundle 2\ntitle %s\ncreated %llu\nindex %s\n",
                       b->cp_origin, (unsigned long long)entries, rb, b->title,
                       (unsigned long long)b->created, hi);
    if (len < 0 || (size_t)len >= sizeof text)
        forge_die("checkpoint too long");
    fb_reset(&b->checkpoint);
    fb_put(&b->checkpoint, text, (size_t)len);
}

void fs_sigsec(fbuf *out, const fkey *k, const void *cp, size_t cp_len, const char *comment,
               size_t comment_len, const char sig_alg[2], const char pk_alg[2])
{
    fs_sigsec_ex(out, k, cp, cp_len, comment, comment_len, sig_alg, pk_alg, 0, k->id);
}

void fs_sigsec_ex(fbuf *out, const fkey *k, const void *cp, size_t cp_len, const char *comment,
                  size_t comment_len, const char sig_alg[2], const char pk_alg[2], int legacy,
                  const uint8_t pk_id[8])
{
    uint8_t ph[64], sig[64], gsig[64];
    static const uint8_t none[1] = {0};
    if (legacy) {
        crypto_sign_detached(sig, NULL, cp_len ? cp : none, cp_len, k->sk);
    } else {
        crypto_generichash(ph, 64, cp_len ? cp : none, cp_len, NULL, 0);
        crypto_sign_detached(sig, NULL, ph, 64, k->sk);
    }
    uint8_t *m = malloc(64 + comment_len);
    if (m == NULL)
        forge_die("out of memory");
    memcpy(m, sig, 64);
    memcpy(m + 64, comment, comment_len);
    crypto_sign_detached(gsig, NULL, m, 64 + comment_len, k->sk);
    free(m);
    fb_put(out, sig_alg, 2);
    fb_put(out, k->id, 8);
    fb_put(out, sig, 64);
    fb_u16(out, (uint16_t)comment_len);
    fb_put(out, comment, comment_len);
    fb_put(out, gsig, 64);
    fb_put(out, pk_alg, 2);
    fb_put(out, pk_id, 8);
    fb_put(out, k->pk, 32);
    uint8_t nsig[64]; /* the C2SP note's: plain Ed25519 of the checkpoint */
    crypto_sign_detached(nsig, NULL, cp_len ? cp : none, cp_len, k->sk);
    fb_put(out, nsig, 64);
}

void fb_sign(fbundle *b, const fkey *k)
{
    const char *c = b->comment ? b->comment : "afmt hostile test bundle";
    fb_reset(&b->sig);
    fs_sigsec(&b->sig, k, b->checkpoint.p, b->checkpoint.n, c, strlen(c), "ED", "Ed");
}

void fb_trailer(fbundle *b)
{
    st64(b->trailer, 16 + b->blocks.n);
    st64(b->trailer + 8, b->index.n);
    st32(b->trailer + 16, (uint32_t)b->checkpoint.n);
    st32(b->trailer + 20, (uint32_t)b->sig.n);
    memcpy(b->trailer + 24, end_magic, 8);
}

void fb_seal(fbundle *b, const fkey *k)
{
    fb_index(b);
    fb_checkpoint(b);
    fb_sign(b, k);
    fb_trailer(b);
}

void fb_bytes(fbuf *out, const fbundle *b)
{
    fb_put(out, b->header, 16);
    fb_put(out, b->blocks.p, b->blocks.n);
    fb_put(out, b->index.p, b->index.n);
    fb_put(out, b->checkpoint.p, b->checkpoint.n);
    fb_put(out, b->sig.p, b->sig.n);
    fb_put(out, b->trailer, 32);
    fb_put(out, b->tail.p, b->tail.n);
}

void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        forge_die("cannot create %s: %s", path, strerror(errno));
    if ((len && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
        forge_die("cannot write %s", path);
}

void fb_write(const fbundle *b, const char *path)
{
    fbuf out = {0};
    fb_bytes(&out, b);
    write_file(path, out.p, out.n);
    fb_free(&out);
}

uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fbuf b = {0};
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        fb_put(&b, tmp, n);
    fclose(f);
    *len = b.n;
    if (b.p == NULL)
        b.p = malloc(1);
    return b.p;
}

int fb_forge_fuzz_index(fbundle *b, const uint8_t *data, size_t size, const fkey *key)
{
    if (size < 4 + 56)
        return 0;
    size_t area = ld32(data);
    if (area > size - 4 - 56)
        area = size - 4 - 56;
    const uint8_t *blocks = data + 4, *ih = data + 4 + area, *p = ih + 56;
    size_t left = size - 4 - area - 56;

    fb_init(b);
    fb_put(&b->blocks, blocks, area);
    b->compression = ld32(ih);
    b->index_flags = ld32(ih + 4);
    b->n_entries = ld64(ih + 8);
    b->posts_set = 1;
    b->posts = ld64(ih + 16);
    b->n_blocks = ld64(ih + 24);
    b->n_blobs = ld64(ih + 32);
    b->record_pages_set = 1;
    b->record_pages = ld64(ih + 40);
    b->records_size_set = 1;
    b->records_size = ld64(ih + 48);
    b->level = 1;
    while (left >= 12 || b->npages < 2) {
        fpage *pg = fb_new_page(b);
        pg->first_set = 1;
        if (left < 12)
            continue; /* at least the two table pages */
        pg->first = ld64(p);
        size_t n = ld32(p + 8);
        if (n > left - 12)
            n = left - 12;
        fb_put(&pg->data, p + 12, n);
        p += 12 + n;
        left -= 12 + n;
    }
    uint64_t rp = b->record_pages < b->npages - 2 ? b->record_pages : b->npages - 2;
    b->n_record_pages = (size_t)rp;
    b->n_id_pages = b->npages - 2 - (size_t)rp;
    fb_counts_from_firsts(b, b->n_entries);
    fb_pack(b);
    b->entries_set = 1;
    b->entries = b->n_entries > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : b->n_entries;
    fb_checkpoint(b);
    fb_sign(b, key);
    fb_trailer(b);
    return 1;
}
