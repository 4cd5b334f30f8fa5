/*
 * test_vectors.c - the test vectors of spec/FORMAT.md section 15, read by the
 * library.
 *
 * valid/<name>.afmt: opened and fully verified; every value of
 * valid/<name>.json (written by spec/vectors/check_vectors.py, an independent
 * Python reading of the spec) is compared with what the library reads, and
 * every entry's content, as the library extracts it, is hashed by
 * `sha256sum` and compared with the JSON's content hash.  Every post is
 * also read by its id alone (afmt_lookup_post, spec 10.1), which must give
 * the same bytes.  A key of the JSON this test does not know fails the test:
 * nothing is left unchecked.
 *
 * invalid/<case>.<error>.afmt: afmt_reader_open and then afmt_reader_verify
 * must fail with exactly <error>.
 *
 * One cmocka test per vector, found by listing the folders.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>
#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>

#include "afmt.h"
#include "format/hash.h"
#include "read/reader_internal.h"
#include "test_support.h"

#define VECTORS AFMT_SOURCE_ROOT "/spec/vectors"

/* The errors of spec section 15, named as the vectors' file names spell them. */
static const struct {
    int rc;
    const char *name;
} k_errors[] = {
    {AFMT_E_TRUNCATED, "truncated"},         {AFMT_E_FORMAT, "format"},
    {AFMT_E_UNSUPPORTED, "unsupported"},     {AFMT_E_LIMIT, "limit"},
    {AFMT_E_BAD_SIGNATURE, "bad-signature"}, {AFMT_E_INDEX_MISMATCH, "index-mismatch"},
    {AFMT_E_ROOT_MISMATCH, "root-mismatch"}, {AFMT_E_HASH_MISMATCH, "hash-mismatch"},
    {AFMT_E_COMPRESSION, "compression"},     {AFMT_E_DUPLICATE, "duplicate"},
};
#define N_ERRORS (sizeof k_errors / sizeof k_errors[0])

static const char *error_name(int rc)
{
    if (rc == AFMT_OK)
        return "ok";
    for (size_t i = 0; i < N_ERRORS; i++)
        if (k_errors[i].rc == rc)
            return k_errors[i].name;
    return afmt_strerror(rc);
}

static char *vec_path(const char *sub, const char *name)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/%s/%s", VECTORS, sub, name) > 0);
    return p;
}

/* ------------------------------------------------------------ comparisons */

/* A JSON hex string equals n bytes. */
static void expect_hex(const json_t *v, const uint8_t *p, size_t n)
{
    assert_true(json_is_string(v));
    char *hex = malloc(2 * n + 1);
    assert_non_null(hex);
    afmt_test_hex(hex, p, n);
    assert_string_equal(json_string_value(v), hex);
    free(hex);
}

static void expect_int(const json_t *v, int64_t want)
{
    assert_true(json_is_integer(v));
    assert_true(json_integer_value(v) == want);
}

static void expect_u64(const json_t *v, uint64_t want)
{
    assert_true(json_is_integer(v));
    assert_true(json_integer_value(v) >= 0);
    assert_true((uint64_t)json_integer_value(v) == want);
}

/* A JSON string equals bytes exactly (NUL allowed). */
static void expect_str(const json_t *v, const void *p, size_t n)
{
    assert_true(json_is_string(v));
    assert_int_equal(json_string_length(v), n);
    assert_memory_equal(json_string_value(v), p, n);
}

/* <name>_hex and <name>: the bytes as hex, and as text when they are UTF-8;
 * both null when the field is absent. */
static int expect_byte_field(const char *key, const json_t *v, const char *name, const char *p,
                             size_t n)
{
    size_t kl = strlen(name);
    if (strncmp(key, name, kl) != 0)
        return 0;
    if (strcmp(key + kl, "_hex") == 0) {
        if (p == NULL)
            assert_true(json_is_null(v));
        else
            expect_hex(v, (const uint8_t *)p, n);
        return 1;
    }
    if (key[kl] != 0)
        return 0;
    if (p == NULL || !afmt_utf8_valid((const uint8_t *)p, n))
        assert_true(json_is_null(v));
    else
        expect_str(v, p, n);
    return 1;
}

/* ------------------------------------------------------------ sha256sum */

/* `sha256sum` of the files e0 .. e<n-1> in `dir`, in one run: sums[i]
 * gets 64 hex digits and a NUL. */
static void sha256sum_files(char (*sums)[65], const char *dir, uint64_t n)
{
    if (n == 0)
        return; /* sha256sum with no file would read stdin */
    char *cmd = NULL;
    assert_true(asprintf(&cmd, "cd '%s' && sha256sum --", dir) > 0);
    for (uint64_t i = 0; i < n; i++) {
        char *more = NULL;
        assert_true(asprintf(&more, "%s e%" PRIu64, cmd, i) > 0);
        free(cmd);
        cmd = more;
    }
    for (uint64_t i = 0; i < n; i++)
        sums[i][0] = 0;
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[256];
    while (fgets(line, sizeof line, p) != NULL) {
        uint64_t i;
        assert_true(strlen(line) > 67 && line[64] == ' ' && line[65] == ' ' && line[66] == 'e');
        assert_int_equal(sscanf(line + 67, "%" SCNu64, &i), 1);
        assert_true(i < n && sums[i][0] == 0);
        memcpy(sums[i], line, 64);
        sums[i][64] = 0;
    }
    assert_int_equal(pclose(p), 0);
    for (uint64_t i = 0; i < n; i++)
        assert_int_equal(strlen(sums[i]), 64);
    free(cmd);
}

/* ------------------------------------------------------------ valid vectors */

typedef struct vcase {
    afmt_reader *r;
    const char *path;       /* the bundle */
    char *dir;              /* scratch folder for sha256sum */
    uint8_t *file;          /* the bundle's bytes */
    size_t file_len;
    char (*sums)[65];       /* per entry: sha256sum of its content as extracted */
    uint8_t *lookup;        /* per entry: 1 to read it by its id alone too */
} vcase;

/* Entry n's place (spec 7.5): in its record page, after the page's records,
 * in entry order. */
static void entry_place(const afmt_reader *r, uint64_t n, uint32_t *block, uint32_t *offset)
{
    uint64_t at = 0; /* where the record page starts in r->records */
    for (uint64_t p = 0; p < r->head.ih.record_pages; p++) {
        const afmt_page_row *row = &r->head.pages[2 + p];
        uint64_t next = p + 1 < r->head.ih.record_pages ? row[1].first : r->head.ih.entry_count;
        if (n < next) {
            const uint8_t *place = r->records + at + row->size -
                                   (next - row->first) * 8 + (n - row->first) * 8;
            *block = afmt_load32(place);
            *offset = afmt_load32(place + 4);
            return;
        }
        at += row->size;
    }
    fail_msg("entry %llu is in no record page", (unsigned long long)n);
}

/* The RFC 3161 timestamps (spec 12.2) as the checker read them with the
 * openssl command: each token's bytes (by their SHA-256), its imprint
 * (SHA-256 of the checkpoint) and its time as `openssl ts -reply -text`
 * prints it ("Mon DD HH:MM:SS YYYY GMT"); and each chains to the vectors'
 * test CA (tsa/ca.pem). */
static void check_timestamps(vcase *c, const json_t *v, const uint8_t *cp, size_t cp_len)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    assert_true(json_is_array(v));
    assert_int_equal(json_array_size(v), afmt_reader_timestamp_count(c->r));
    uint8_t want[32];
    afmt_content_hash(want, cp, cp_len);
    char want_hex[65], hex[65];
    afmt_hash_to_hex(want_hex, want);
    char *ca;
    assert_true(asprintf(&ca, "%s/tsa/ca.pem", VECTORS) > 0);
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *t = json_array_get(v, i);
        afmt_timestamp_info ti;
        assert_int_equal(afmt_reader_timestamp(&ti, c->r, i), AFMT_OK);
        uint8_t h[32];
        afmt_content_hash(h, ti.token, ti.token_len);
        afmt_hash_to_hex(hex, h);
        assert_string_equal(hex, json_string_value(json_object_get(t, "token_sha256")));
        assert_string_equal(want_hex, json_string_value(json_object_get(t, "sha256_imprint")));
        char mon[4];
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        assert_int_equal(sscanf(json_string_value(json_object_get(t, "time")),
                                "%3s %d %d:%d:%d %d GMT", mon, &tm.tm_mday, &tm.tm_hour,
                                &tm.tm_min, &tm.tm_sec, &tm.tm_year),
                         6);
        const char *m = strstr(months, mon);
        assert_non_null(m);
        tm.tm_mon = (int)(m - months) / 3;
        tm.tm_year -= 1900;
        assert_int_equal(ti.time, (int64_t)timegm(&tm));
        assert_int_equal(afmt_reader_timestamp_trusted(c->r, i, ca), AFMT_OK);
    }
    free(ca);
}

/* The cosignatures (spec 12.2) as the checker read them: each one the
 * library reports, and its line in the note, whose signature verifies over
 * "cosignature/v1\ntime T\n" and the checkpoint (c2sp.org/tlog-cosignature). */
static void check_cosignatures(vcase *c, const json_t *v, const uint8_t *cp, size_t cp_len)
{
    assert_true(json_is_array(v));
    assert_int_equal(json_array_size(v), afmt_reader_cosignature_count(c->r));
    char *note;
    size_t note_len;
    assert_int_equal(afmt_reader_checkpoint_note(&note, &note_len, c->r), AFMT_OK);
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *jc = json_array_get(v, i);
        afmt_cosignature_info ci;
        assert_int_equal(afmt_reader_cosignature(&ci, c->r, i), AFMT_OK);
        expect_str(json_object_get(jc, "name"), ci.name, ci.name_len);
        expect_hex(json_object_get(jc, "public_key"), ci.key, AFMT_PUBLICKEY_BYTES);
        expect_hex(json_object_get(jc, "key_hash"), ci.key_hash, 4);
        expect_u64(json_object_get(jc, "timestamp"), ci.timestamp);
        assert_int_equal(json_object_size(jc), 4);
        /* its note line: "— <name> base64(key hash || u64 BE time || sig)" */
        char head[300];
        snprintf(head, sizeof head, "\n\xE2\x80\x94 %.*s ", (int)ci.name_len, ci.name);
        const char *line = strstr(note + cp_len, head);
        assert_non_null(line);
        const char *b64 = line + strlen(head);
        const char *eol = strchr(b64, '\n');
        assert_non_null(eol);
        uint8_t raw[76];
        size_t got;
        assert_int_equal(sodium_base642bin(raw, sizeof raw, b64, (size_t)(eol - b64), NULL, &got,
                                           NULL, sodium_base64_VARIANT_ORIGINAL),
                         0);
        assert_int_equal(got, 76);
        assert_memory_equal(raw, ci.key_hash, 4);
        uint64_t ts = 0;
        for (int k = 0; k < 8; k++)
            ts = (ts << 8) | raw[4 + k];
        assert_true(ts == ci.timestamp);
        char msg_head[64];
        int h = snprintf(msg_head, sizeof msg_head, "cosignature/v1\ntime %" PRIu64 "\n", ts);
        uint8_t *msg = malloc((size_t)h + cp_len);
        assert_non_null(msg);
        memcpy(msg, msg_head, (size_t)h);
        memcpy(msg + h, cp, cp_len);
        assert_int_equal(crypto_sign_verify_detached(raw + 12, msg, (size_t)h + cp_len, ci.key),
                         0);
        free(msg);
    }
    free(note);
}

/* Writes every entry's content, as the library extracts it, to dir/e<n>,
 * and sha256sums them all. */
static void extract_all(vcase *c)
{
    uint64_t n = afmt_reader_entry_count(c->r);
    c->sums = calloc(n ? n : 1, sizeof *c->sums);
    assert_non_null(c->sums);
    for (uint64_t i = 0; i < n; i++) {
        afmt_test_buf content = {malloc(1), 0, 1}; /* never NULL, even when nothing arrives */
        assert_non_null(content.data);
        int rc = afmt_reader_read(c->r, i, afmt_test_sink, &content);
        if (afmt_rd_entry_type(c->r, i) == AFMT_ENTRY_TYPE_WITHHELD)
            assert_int_equal(rc, AFMT_E_WITHHELD); /* written empty: nothing is there */
        else
            assert_int_equal(rc, AFMT_OK);
        char name[32];
        snprintf(name, sizeof name, "e%" PRIu64, i);
        char *path = afmt_test_path(c->dir, name);
        assert_int_equal(afmt_test_write_file(path, content.data, content.len), 0);
        free(path);
        free(content.data);
    }
    sha256sum_files(c->sums, c->dir, n);
    /* afmt_lookup_post opens the file each time: every post of a small
     * bundle, and of a large one every 16th and those at the edges of the
     * id pages (the first and last row of each). */
    c->lookup = calloc(n ? n : 1, 1);
    assert_non_null(c->lookup);
    for (uint64_t i = 0; i < n; i++)
        c->lookup[i] = n <= 256 || i % 16 == 0;
    for (uint64_t k = 0; k < c->r->head.ih.post_count; k++)
        if (k % AFMT_ID_PAGE_ROWS == 0 || k % AFMT_ID_PAGE_ROWS == AFMT_ID_PAGE_ROWS - 1 ||
            k + 1 == c->r->head.ih.post_count)
            c->lookup[afmt_id_row_entry(c->r->id_table, k)] = 1;
}
static void check_part(vcase *c, const json_t *jp, const afmt_part_view *part)
{
    const char *kind = part->kind == AFMT_PART_KIND_ENTRY    ? "entry"
                       : part->kind == AFMT_PART_KIND_INLINE ? "inline"
                                                             : "blob";
    uint8_t hash[AFMT_HASH_BYTES];
    uint64_t size = part->size;
    if (part->kind == AFMT_PART_KIND_ENTRY) {
        afmt_entry_view pe;
        afmt_rd_entry_view(&pe, c->r, part->entry);
        memcpy(hash, pe.hash, AFMT_HASH_BYTES);
        size = pe.size;
    } else if (part->kind == AFMT_PART_KIND_INLINE) {
        afmt_content_hash(hash, part->data, (size_t)part->size);
    } else {
        memcpy(hash, part->data, AFMT_HASH_BYTES);
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)jp, key, v) {
        if (strcmp(key, "kind") == 0)
            assert_string_equal(json_string_value(v), kind);
        else if (strcmp(key, "entry") == 0)
            expect_u64(v, part->entry);
        else if (strcmp(key, "size") == 0)
            expect_u64(v, size);
        else if (strcmp(key, "hash") == 0)
            expect_hex(v, hash, AFMT_HASH_BYTES);
        else
            fail_msg("unknown part key %s", key);
    }
}

static void check_entry(vcase *c, const json_t *je, uint64_t n)
{
    afmt_entry e;
    assert_int_equal(afmt_reader_entry(&e, c->r, n), AFMT_OK);
    afmt_entry_view ev;
    afmt_rd_entry_view(&ev, c->r, n);
    if (e.type == AFMT_ENTRY_WITHHELD) { /* spec 12.1: its leaf, nothing to read */
        const char *key;
        json_t *v;
        afmt_test_buf none = {malloc(1), 0, 1};
        assert_non_null(none.data);
        assert_int_equal(afmt_reader_read(c->r, n, afmt_test_sink, &none), AFMT_E_WITHHELD);
        assert_int_equal(none.len, 0);
        free(none.data);
        json_object_foreach((json_t *)je, key, v) {
            if (strcmp(key, "number") == 0)
                expect_u64(v, n);
            else if (strcmp(key, "type") == 0)
                assert_string_equal(json_string_value(v), "withheld");
            else if (strcmp(key, "former_type") == 0)
                assert_string_equal(json_string_value(v),
                                    e.withheld_type == AFMT_ENTRY_POST ? "post" : "file");
            else if (strcmp(key, "leaf") == 0)
                expect_hex(v, e.hash, AFMT_HASH_BYTES);
            else if (strcmp(key, "place") == 0)
                assert_int_equal(json_integer_value(json_object_get(v, "block")) +
                                     json_integer_value(json_object_get(v, "offset")), 0);
            else
                fail_msg("entry %llu: unknown key %s", (unsigned long long)n, key);
        }
        return;
    }
    afmt_test_buf content = {malloc(1), 0, 1}; /* never NULL, even when nothing arrives */
    assert_non_null(content.data);
    assert_int_equal(afmt_reader_read(c->r, n, afmt_test_sink, &content), AFMT_OK);
    assert_true(content.len == e.size);
    const char *sum = c->sums[n];
    int post = e.type == AFMT_ENTRY_POST;
    uint32_t place_block = 0, place_offset = 0;
    entry_place(c->r, n, &place_block, &place_offset);
    if (post) {
        /* Found by its id through the index (spec 7.6), and read by the
         * id alone (spec 10.1): the same post, the same bytes. */
        uint64_t found = UINT64_MAX;
        assert_int_equal(afmt_reader_find_post(&found, c->r, e.id, e.id_len), AFMT_OK);
        assert_true(found == n);
        /* the place is where the library finds its content */
        if (e.size > 0)
            assert_true(e.block == place_block);
    }
    if (post && c->lookup[n]) {
        afmt_test_buf looked = {malloc(1), 0, 1};
        assert_non_null(looked.data);
        int rc = afmt_lookup_post(NULL, c->path, e.id, e.id_len, afmt_test_sink, &looked, NULL);
        if (rc != AFMT_OK)
            fail_msg("entry %llu: afmt_lookup_post: %s", (unsigned long long)n,
                     afmt_error_last());
        assert_true(looked.len == content.len);
        if (content.len > 0)
            assert_memory_equal(looked.data, content.data, content.len);
        free(looked.data);
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)je, key, v) {
        if (strcmp(key, "number") == 0) {
            expect_u64(v, n);
        } else if (strcmp(key, "type") == 0) {
            assert_string_equal(json_string_value(v), post ? "post" : "file");
        } else if (expect_byte_field(key, v, "id", e.id, e.id_len)) {
        } else if (strcmp(key, "salt") == 0) {
            expect_hex(v, ev.salt, AFMT_SALT_BYTES);
        } else if (strcmp(key, "size") == 0) {
            expect_u64(v, e.size);
        } else if (strcmp(key, "content_hash") == 0) {
            /* sha256sum of what the library extracts, and the signed hash */
            assert_string_equal(json_string_value(v), sum);
            if (post)
                expect_hex(v, e.hash, AFMT_HASH_BYTES);
        } else if (strcmp(key, "place") == 0) {
            const char *k2;
            json_t *x;
            json_object_foreach(v, k2, x) {
                if (strcmp(k2, "block") == 0)
                    expect_u64(x, place_block);
                else if (strcmp(k2, "offset") == 0)
                    expect_u64(x, place_offset);
                else
                    fail_msg("entry %llu: unknown place key %s", (unsigned long long)n, k2);
            }
        } else if (post && strcmp(key, "id_key") == 0) {
            char hex[17];
            snprintf(hex, sizeof hex, "%016" PRIx64, afmt_id_key((const uint8_t *)e.id, e.id_len));
            assert_string_equal(json_string_value(v), hex);
        } else if (strcmp(key, "leaf") == 0) {
            uint8_t leaf[AFMT_HASH_BYTES];
            assert_int_equal(afmt_reader_entry_leaf(leaf, c->r, n), AFMT_OK);
            expect_hex(v, leaf, AFMT_HASH_BYTES);
            /* the encoding handed out (afmt view's) hashes to the same leaf */
            const uint8_t *enc;
            size_t enc_len;
            assert_int_equal(afmt_reader_entry_encoding(&enc, &enc_len, c->r, n), AFMT_OK);
            uint8_t *pre = malloc(enc_len + 1);
            assert_non_null(pre);
            pre[0] = 0x00;
            memcpy(pre + 1, enc, enc_len);
            afmt_content_hash(leaf, pre, enc_len + 1);
            free(pre);
            expect_hex(v, leaf, AFMT_HASH_BYTES);
        } else if (post && expect_byte_field(key, v, "parent", e.parent, e.parent_len)) {
        } else if (post && expect_byte_field(key, v, "author", e.author, e.author_len)) {
        } else if (post && expect_byte_field(key, v, "title", e.title, e.title_len)) {
        } else if (post && strcmp(key, "media_type") == 0) {
            expect_str(v, e.media_type, e.media_type_len);
        } else if (post && strcmp(key, "created") == 0) {
            if (json_is_null(v)) {
                assert_false(e.has_created);
            } else {
                assert_true(e.has_created);
                expect_int(v, e.created);
            }
        } else if (post && strcmp(key, "deleted") == 0) {
            assert_true(json_is_boolean(v));
            assert_int_equal(json_is_true(v), (e.flags & AFMT_POST_DELETED) != 0);
        } else if (post && strcmp(key, "incomplete") == 0) {
            assert_true(json_is_boolean(v));
            assert_int_equal(json_is_true(v), (e.flags & AFMT_POST_INCOMPLETE) != 0);
        } else if (post && strcmp(key, "missing_replies") == 0) {
            if (json_is_null(v)) {
                assert_false(e.flags & AFMT_POST_INCOMPLETE);
                assert_true(e.missing_replies == 0);
            } else {
                assert_true(e.flags & AFMT_POST_INCOMPLETE);
                expect_u64(v, e.missing_replies);
            }
        } else if (!post && strcmp(key, "parts") == 0) {
            assert_true(json_is_array(v));
            afmt_part_view part;
            size_t pos = 0, k = 0;
            while (afmt_part_next(&part, &ev, &pos)) {
                assert_true(k < json_array_size(v));
                check_part(c, json_array_get(v, k++), &part);
            }
            assert_int_equal(k, json_array_size(v));
        } else {
            fail_msg("entry %llu: unknown key %s", (unsigned long long)n, key);
        }
    }
    free(content.data);
}

static void check_layout(vcase *c, const json_t *jl)
{
    afmt_reader *r = c->r;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)jl, key, v) {
        if (strcmp(key, "index_offset") == 0) {
            expect_u64(v, r->head.trailer.index_offset);
        } else if (strcmp(key, "index_size") == 0) {
            expect_u64(v, r->head.trailer.index_size);
        } else if (strcmp(key, "checkpoint_size") == 0) {
            expect_u64(v, r->head.trailer.checkpoint_size);
        } else if (strcmp(key, "signature_size") == 0) {
            expect_u64(v, r->head.trailer.signature_size);
        } else if (strcmp(key, "head_size") == 0) {
            expect_u64(v, r->head.ih.head_size);
        } else if (strcmp(key, "body_size") == 0) {
            expect_u64(v, r->head.ih.body_size);
        } else if (strcmp(key, "records_size") == 0) {
            expect_u64(v, r->head.ih.records_size);
        } else if (strcmp(key, "record_pages") == 0) {
            expect_u64(v, r->head.ih.record_pages);
        } else if (strcmp(key, "id_pages") == 0) {
            expect_u64(v, r->head.ih.id_pages);
        } else if (strcmp(key, "pages") == 0) {
            assert_int_equal(json_array_size(v), r->head.ih.page_count);
            for (uint64_t p = 0; p < r->head.ih.page_count; p++) {
                const afmt_page_row *row = &r->head.pages[p];
                const char *kind = p == 0                        ? "blocks"
                                   : p == 1                      ? "blobs"
                                   : p < 2 + r->head.ih.record_pages ? "records"
                                                                 : "ids";
                json_t *jp = json_array_get(v, p), *x;
                const char *k2;
                json_object_foreach(jp, k2, x) {
                    if (strcmp(k2, "kind") == 0) {
                        assert_string_equal(json_string_value(x), kind);
                    } else if (strcmp(k2, "offset") == 0) {
                        expect_u64(x, row->offset);
                    } else if (strcmp(k2, "csize") == 0) {
                        expect_u64(x, row->csize);
                    } else if (strcmp(k2, "size") == 0) {
                        expect_u64(x, row->size);
                    } else if (strcmp(k2, "first") == 0) {
                        assert_true(strcmp(kind, "ids") != 0);
                        expect_u64(x, row->first);
                    } else if (strcmp(k2, "first_key") == 0) {
                        assert_string_equal(kind, "ids");
                        char hex[17];
                        snprintf(hex, sizeof hex, "%016" PRIx64, row->first);
                        assert_string_equal(json_string_value(x), hex);
                    } else if (strcmp(k2, "hash") == 0) {
                        expect_hex(x, row->hash, AFMT_HASH_BYTES);
                        /* and it is the hash of the frame where the row says */
                        assert_true(row->offset + row->csize <= c->file_len);
                        uint8_t h[AFMT_HASH_BYTES];
                        afmt_content_hash(h, c->file + row->offset, row->csize);
                        expect_hex(x, h, AFMT_HASH_BYTES);
                    } else {
                        fail_msg("unknown page key %s", k2);
                    }
                }
            }
        } else if (strcmp(key, "id_table") == 0) {
            assert_int_equal(json_array_size(v), r->head.ih.post_count);
            for (uint64_t k = 0; k < r->head.ih.post_count; k++)
                expect_u64(json_array_get(v, k), afmt_id_row_entry(r->id_table, k));
        } else if (strcmp(key, "blocks") == 0) {
            assert_int_equal(json_array_size(v), r->head.ih.block_count);
            for (uint64_t b = 0; b < r->head.ih.block_count; b++) {
                json_t *jb = json_array_get(v, b), *x;
                const char *k2;
                json_object_foreach(jb, k2, x) {
                    if (strcmp(k2, "offset") == 0)
                        expect_u64(x, afmt_rd_block_offset(r, b));
                    else if (strcmp(k2, "compressed_size") == 0)
                        expect_u64(x, afmt_rd_block_csize(r, b));
                    else if (strcmp(k2, "size") == 0)
                        expect_u64(x, afmt_rd_block_size(r, b));
                    else if (strcmp(k2, "hash") == 0)
                        expect_hex(x, afmt_rd_block_hash(r, b), AFMT_HASH_BYTES);
                    else
                        fail_msg("unknown block key %s", k2);
                }
            }
        } else if (strcmp(key, "blobs") == 0) {
            assert_int_equal(json_array_size(v), r->head.ih.blob_count);
            for (uint64_t i = 0; i < r->head.ih.blob_count; i++) {
                json_t *jb = json_array_get(v, i), *x;
                const uint8_t *row = r->blob_table + i * AFMT_BLOB_RECORD_BYTES;
                const char *k2;
                json_object_foreach(jb, k2, x) {
                    if (strcmp(k2, "entry") == 0)
                        expect_u64(x, afmt_load32(row));
                    else if (strcmp(k2, "part") == 0)
                        expect_u64(x, afmt_load32(row + 4));
                    else if (strcmp(k2, "block") == 0)
                        expect_u64(x, afmt_rd_blob_block(r, i));
                    else if (strcmp(k2, "offset") == 0)
                        expect_u64(x, afmt_rd_blob_offset(r, i));
                    else if (strcmp(k2, "size") == 0)
                        expect_u64(x, afmt_rd_blob_size(r, i));
                    else if (strcmp(k2, "hash") == 0)
                        expect_hex(x, afmt_rd_blob_hash(r, i), AFMT_HASH_BYTES);
                    else
                        fail_msg("unknown blob key %s", k2);
                }
            }
        } else {
            fail_msg("unknown layout key %s", key);
        }
    }
}

static void test_valid(void **state)
{
    const char *name = *state;
    char *path = vec_path("valid", name);
    char *jname = strdup(name);
    assert_non_null(jname);
    strcpy(jname + strlen(jname) - 5, ".json");
    char *jpath = vec_path("valid", jname);
    json_error_t jerr;
    json_t *j = json_load_file(jpath, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL)
        fail_msg("%s: %s (line %d)", jpath, jerr.text, jerr.line);
    assert_true(json_is_object(j));

    char err[512] = "";
    vcase c = {NULL, path, NULL, NULL, 0, NULL, NULL};
    int rc = afmt_reader_open(&c.r, path, err, sizeof err);
    if (rc != AFMT_OK)
        fail_msg("%s: %s: %s", name, error_name(rc), err);
    rc = afmt_reader_verify(c.r, NULL, NULL);
    if (rc != AFMT_OK)
        fail_msg("%s: verify: %s: %s", name, error_name(rc), afmt_reader_errmsg(c.r));
    afmt_public_key pub;
    assert_int_equal(afmt_public_key_load(&pub, VECTORS "/test.pub"), AFMT_OK);
    assert_int_equal(afmt_reader_check_signer(c.r, &pub, 1), AFMT_OK);
    c.dir = afmt_test_tmpdir();
    assert_non_null(c.dir);
    c.file = afmt_test_read_file(path, &c.file_len);
    assert_non_null(c.file);
    extract_all(&c);

    const afmt_checkpoint_info *info = afmt_reader_checkpoint(c.r);
    const uint8_t *cp;
    size_t cp_len;
    char *minisig;
    assert_int_equal(afmt_reader_checkpoint_export(&cp, &cp_len, &minisig, c.r), AFMT_OK);
    free(minisig);
    const char *key;
    json_t *v;
    int seen_entries = 0;
    json_object_foreach(j, key, v) {
        if (strcmp(key, "file") == 0) {
            assert_string_equal(json_string_value(v), name);
        } else if (strcmp(key, "file_size") == 0) {
            expect_u64(v, c.file_len);
            expect_u64(v, c.r->head.file_size);
        } else if (strcmp(key, "title") == 0) {
            expect_str(v, info->title, info->title_len);
        } else if (strcmp(key, "created") == 0) {
            expect_int(v, info->created);
        } else if (strcmp(key, "entries") == 0) {
            expect_u64(v, info->entries);
            expect_u64(v, afmt_reader_entry_count(c.r));
        } else if (strcmp(key, "posts") == 0) {
            expect_u64(v, info->posts);
        } else if (strcmp(key, "files") == 0) {
            expect_u64(v, info->files);
        } else if (strcmp(key, "withheld") == 0) {
            expect_u64(v, info->withheld_posts + info->withheld_files);
        } else if (strcmp(key, "withholding_index") == 0) {
            /* the index head a withholding statement names (spec 12.1) */
            if (json_is_null(v))
                assert_false(info->withheld);
            else
                expect_hex(v, c.r->head.withholding.index_hash, AFMT_HASH_BYTES);
        } else if (strcmp(key, "root") == 0) {
            expect_hex(v, info->root, AFMT_HASH_BYTES);
        } else if (strcmp(key, "index_hash") == 0) {
            /* the signed value (the checkpoint's, or a withholding
             * statement's: spec 12.1), and the hash of the index head: the
             * index header and the page directory (spec 6, 7) */
            const uint8_t *line = memmem(cp, cp_len, "\nindex ", 7);
            assert_non_null(line);
            assert_true(json_string_length(v) == 64);
            if (info->withheld)
                expect_hex(v, c.r->head.withholding.index_hash, AFMT_HASH_BYTES);
            else
                assert_memory_equal(line + 7, json_string_value(v), 64);
            uint8_t h[AFMT_HASH_BYTES];
            assert_true(c.r->head.ih.head_size <= c.r->head.trailer.index_size);
            afmt_content_hash(h, c.file + c.r->head.trailer.index_offset, (size_t)c.r->head.ih.head_size);
            expect_hex(v, h, AFMT_HASH_BYTES);
        } else if (strcmp(key, "trusted_comment") == 0) {
            expect_str(v, info->trusted_comment, info->trusted_comment_len);
        } else if (strcmp(key, "signer_key_id") == 0) {
            char hex[17];
            afmt_key_id_to_hex(hex, info->signer.key_id);
            assert_string_equal(json_string_value(v), hex);
        } else if (strcmp(key, "signer_public_key") == 0) {
            expect_hex(v, info->signer.key, AFMT_PUBLICKEY_BYTES);
        } else if (strcmp(key, "origin") == 0) {
            /* the checkpoint's first line (spec 6.1) */
            expect_str(v, info->origin, info->origin_len);
            assert_memory_equal(cp, info->origin, info->origin_len);
            assert_int_equal(cp[info->origin_len], '\n');
        } else if (strcmp(key, "root_base64") == 0) {
            /* the checkpoint's third line */
            char b64[45];
            sodium_bin2base64(b64, sizeof b64, info->root, AFMT_HASH_BYTES,
                              sodium_base64_VARIANT_ORIGINAL);
            assert_string_equal(json_string_value(v), b64);
            assert_non_null(memmem(cp, cp_len, b64, 44));
        } else if (strcmp(key, "signer_vkey") == 0) {
            /* the library's verifier key, as the Python checker computes it */
            char *vkey;
            assert_int_equal(afmt_public_key_vkey(&vkey, &info->signer), AFMT_OK);
            assert_string_equal(json_string_value(v), vkey);
            free(vkey);
        } else if (strcmp(key, "note_signature") == 0) {
            /* the note's signature line ends with base64(key hash || it) */
            char *note;
            size_t note_len;
            assert_int_equal(afmt_reader_checkpoint_note(&note, &note_len, c.r), AFMT_OK);
            assert_true(note_len > cp_len + 1);
            assert_memory_equal(note, cp, cp_len);
            /* the signer's line comes first: "— afmt/KEYID base64\n" */
            const char *line = strstr(note + cp_len, "\n\xE2\x80\x94 afmt/");
            assert_non_null(line);
            const char *b64 = line + 5 + 21 + 1; /* "\n— " (5 bytes), the name, " " */
            assert_int_equal(b64[-1], ' ');
            const char *eol = strchr(b64, '\n');
            assert_non_null(eol);
            uint8_t raw[68];
            size_t got;
            assert_int_equal(sodium_base642bin(raw, sizeof raw, b64, (size_t)(eol - b64), NULL,
                                               &got, NULL, sodium_base64_VARIANT_ORIGINAL),
                             0);
            assert_int_equal(got, 68);
            uint8_t sig[64];
            assert_int_equal(sodium_base642bin(sig, sizeof sig, json_string_value(v),
                                               json_string_length(v), NULL, &got, NULL,
                                               sodium_base64_VARIANT_ORIGINAL),
                             0);
            assert_memory_equal(raw + 4, sig, 64);
            assert_int_equal(crypto_sign_verify_detached(sig, cp, cp_len, info->signer.key), 0);
            free(note);
        } else if (strcmp(key, "cosignatures") == 0) {
            check_cosignatures(&c, v, cp, cp_len);
        } else if (strcmp(key, "timestamps") == 0) {
            check_timestamps(&c, v, cp, cp_len);
        } else if (strcmp(key, "layout") == 0) {
            check_layout(&c, v);
        } else if (strcmp(key, "entry_list") == 0) {
            assert_true(json_is_array(v));
            assert_int_equal(json_array_size(v), afmt_reader_entry_count(c.r));
            for (size_t i = 0; i < json_array_size(v); i++)
                check_entry(&c, json_array_get(v, i), i);
            seen_entries = 1;
        } else {
            fail_msg("%s: unknown key %s", jname, key);
        }
    }
    assert_true(seen_entries);
    afmt_reader_free(c.r);
    afmt_test_rmtree(c.dir);
    free(c.dir);
    free(c.file);
    free(c.sums);
    free(c.lookup);
    json_decref(j);
    free(jpath);
    free(jname);
    free(path);
}

/* ------------------------------------------------------------ invalid vectors */

static void test_invalid(void **state)
{
    const char *name = *state;
    /* <case>.<error>.afmt */
    const char *end = name + strlen(name) - 5;
    const char *dot = end;
    while (dot > name && dot[-1] != '.')
        dot--;
    assert_true(dot > name && strcmp(end, ".afmt") == 0);
    char want[32];
    assert_true((size_t)(end - dot) < sizeof want);
    memcpy(want, dot, (size_t)(end - dot));
    want[end - dot] = 0;
    int known = 0;
    for (size_t i = 0; i < N_ERRORS; i++)
        known |= strcmp(want, k_errors[i].name) == 0;
    if (!known)
        fail_msg("%s: '%s' is not an error name of spec section 15", name, want);

    char *path = vec_path("invalid", name);
    char err[512] = "";
    afmt_reader *r = NULL;
    int rc = afmt_reader_open(&r, path, err, sizeof err);
    int opened = rc == AFMT_OK;
    if (opened) {
        assert_non_null(r);
        rc = afmt_reader_verify(r, NULL, NULL);
        snprintf(err, sizeof err, "%s", afmt_reader_errmsg(r));
        afmt_reader_free(r);
    } else {
        assert_null(r);
    }
    if (strcmp(error_name(rc), want) != 0)
        fail_msg("%s: the reader says %s (%s)", name, error_name(rc), err);
    assert_true(afmt_error_is_integrity(rc));
    /* Blocks are read only by full verification (spec 2, 10). */
    if (strcmp(want, "hash-mismatch") == 0)
        assert_true(opened);
    free(path);
}

/* ------------------------------------------------------------ the set */

static int has_file(const char *sub, const char *name)
{
    char *p = vec_path(sub, name);
    FILE *f = fopen(p, "rb");
    free(p);
    if (f != NULL)
        fclose(f);
    return f != NULL;
}

/* Section 14 and the cases every implementation should meet are all there,
 * with their JSON and the key. */
static void test_vector_set(void **state)
{
    (void)state;
    static const char *const valid[] = {"empty", "one-post", "thread", "files", "fields",
                                        "pages", "timestamped"};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "%s.afmt", valid[i]);
        snprintf(b, sizeof b, "%s.json", valid[i]);
        if (!has_file("valid", a) || !has_file("valid", b))
            fail_msg("valid/%s or its .json is missing", a);
    }
    static const char *const invalid[] = {
        "empty-file.truncated.afmt",
        "truncated-half.truncated.afmt",
        "bad-magic-7bit.format.afmt",
        "version-3.unsupported.afmt", "version-1-earlier-draft.unsupported.afmt",
        "header-flags-1.unsupported.afmt",
        "compression-id-2.unsupported.afmt",
        /* withholding (spec 12.1, 12.2 kind 0x03) */
        "withheld-without-statement.format.afmt",
        "withholding-statement-bad-signature.bad-signature.afmt",
        "withholding-statement-other-root.format.afmt",
        "withholding-statement-old-index.index-mismatch.afmt",
        "withholding-statement-key-name.format.afmt",
        "withholding-statement-twice.limit.afmt",
        "withholding-statement-nothing-withheld.format.afmt",
        "withheld-entry-35-bytes.format.afmt",
        "withheld-entry-former-type-3.format.afmt",
        "withheld-entry-wrong-leaf.root-mismatch.afmt",
        "withheld-entry-with-place.format.afmt",
        "withheld-entry-names-blob.format.afmt",
        "post-flag-bit-6.unsupported.afmt",
        "legacy-Ed-signature.unsupported.afmt",
        "checkpoint-byte-flipped.bad-signature.afmt",
        "index-byte-flipped.index-mismatch.afmt",
        "wrong-root.root-mismatch.afmt",
        "block-byte-flipped.hash-mismatch.afmt",
        "skippable-frame.compression.afmt",
        "no-content-size.compression.afmt",
        "duplicate-post-id.duplicate.afmt",
        "entry-count-2e32.limit.afmt",
        "trailing-byte.truncated.afmt",
        /* spec 11: a value over a limit is `limit`, one under a minimum
         * `format` */
        "post-id-4097-bytes.limit.afmt",
        "parent-id-4097-bytes.limit.afmt",
        "author-4097-bytes.limit.afmt",
        "media-type-256-bytes.limit.afmt",
        "file-path-4097-bytes.limit.afmt",
        "inline-part-4097-bytes.limit.afmt",
        "blob-part-over-256MiB.limit.afmt",
        "content-size-over-256MiB.limit.afmt",
        "block-size-over-256MiB.limit.afmt",
        "bundle-title-1025-bytes.limit.afmt",
        "trusted-comment-1025-bytes.limit.afmt",
        "checkpoint-over-4096-bytes.limit.afmt",
        "window-2e29.limit.afmt",
        "index-page-window-2e29.limit.afmt",
        "index-page-bomb.limit.afmt",
        "block-count-over-2e26.limit.afmt",
        "blob-count-over-2e28.limit.afmt",
        "records-size-over-4GiB.limit.afmt",
        "index-body-over-4GiB.limit.afmt",
        "post-id-empty.format.afmt",
        "block-size-0.format.afmt",
        "blob-part-size-0.format.afmt",
        /* draft 1.2: the paged index (spec 7.1, 7.2, 7.5, 7.6) */
        "index-head-byte-flipped.index-mismatch.afmt",
        "index-page-hash-resigned.index-mismatch.afmt",
        "index-too-short-for-directory.format.afmt",
        "index-byte-after-pages.format.afmt",
        "block-table-page-size-57.format.afmt",
        "record-page-first-1.format.afmt",
        "record-pages-first-not-increasing.format.afmt",
        "id-pages-first-go-down.format.afmt",
        "record-runs-past-page.format.afmt",
        "record-page-bytes-left.format.afmt",
        "record-page-smaller-than-its-places.format.afmt",
        "post-count-differs.format.afmt",
        "id-row-names-file.format.afmt",
        "id-row-out-of-range.format.afmt",
        "id-row-post-twice.format.afmt",
        "id-table-out-of-order.format.afmt",
        "id-page-first-not-its-key.format.afmt",
        "post-place-wrong-offset.format.afmt",
        "file-place-nonzero.format.afmt",
        "empty-post-place-nonzero.format.afmt",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        if (!has_file("invalid", invalid[i]))
            fail_msg("invalid/%s is missing", invalid[i]);
    assert_true(has_file(".", "test.pub"));
    assert_true(has_file(".", "test.key"));
    assert_true(has_file(".", "check_vectors.py"));
}

/* The test key is the one the vectors name, and stays unencrypted. */
static void test_key(void **state)
{
    (void)state;
    afmt_public_key pub, pub2;
    afmt_secret_key *sk = NULL;
    assert_int_equal(afmt_public_key_load(&pub, VECTORS "/test.pub"), AFMT_OK);
    assert_int_equal(afmt_secret_key_file_is_encrypted(VECTORS "/test.key"), 0);
    assert_int_equal(afmt_secret_key_load(&sk, VECTORS "/test.key", NULL, 0), AFMT_OK);
    afmt_secret_key_public(&pub2, sk);
    assert_memory_equal(pub.key_id, pub2.key_id, AFMT_KEYID_BYTES);
    assert_memory_equal(pub.key, pub2.key, AFMT_PUBLICKEY_BYTES);
    afmt_secret_key_free(sk);
}

static int list_dir(const char *sub, char ***out)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", VECTORS, sub) < 0)
        return -1;
    DIR *d = opendir(p);
    free(p);
    if (d == NULL)
        return -1;
    int n = 0;
    char **names = NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l <= 5 || strcmp(de->d_name + l - 5, ".afmt") != 0)
            continue;
        char **nn = realloc(names, (size_t)(n + 1) * sizeof *names);
        if (nn == NULL)
            break;
        names = nn;
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    /* a stable order: by name */
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            char *t = names[k];
            names[k] = names[k - 1];
            names[k - 1] = t;
        }
    *out = names;
    return n;
}

int main(void)
{
    char **valid = NULL, **invalid = NULL;
    int nv = list_dir("valid", &valid), ni = list_dir("invalid", &invalid);
    if (nv < 0 || ni < 0) {
        fprintf(stderr, "test_vectors: cannot list %s/valid and invalid\n", VECTORS);
        return 1;
    }
    size_t n = 2 + (size_t)nv + (size_t)ni;
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    char **names = calloc(n, sizeof *names);
    if (tests == NULL || names == NULL)
        return 1;
    tests[0] = (struct CMUnitTest)cmocka_unit_test(test_vector_set);
    tests[1] = (struct CMUnitTest)cmocka_unit_test(test_key);
    size_t k = 2;
    for (int i = 0; i < nv; i++, k++) {
        if (asprintf(&names[k], "valid/%s", valid[i]) < 0)
            return 1;
        tests[k] = (struct CMUnitTest){names[k], test_valid, NULL, NULL, valid[i]};
    }
    for (int i = 0; i < ni; i++, k++) {
        if (asprintf(&names[k], "invalid/%s", invalid[i]) < 0)
            return 1;
        tests[k] = (struct CMUnitTest){names[k], test_invalid, NULL, NULL, invalid[i]};
    }
    int failed = _cmocka_run_group_tests("vectors", tests, n, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    for (int i = 0; i < nv; i++)
        free(valid[i]);
    for (int i = 0; i < ni; i++)
        free(invalid[i]);
    free(valid);
    free(invalid);
    free(names);
    free(tests);
    return failed;
}
