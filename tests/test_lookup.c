/* test_lookup.c - afmt_lookup_post (spec 10.1): one post through the id
 * table, the same bytes as the full reader gives, and every page and block
 * on the way checked. */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "afmt.h"
#include "test_support.h"

/* Enough posts for several id pages (4096 rows each) and many record
 * pages; a few share one content, one is empty. */
#define NPOSTS 9000

typedef struct collected {
    uint8_t *data;
    size_t len;
} collected;

static int collect(void *ctx, const void *data, size_t len)
{
    collected *c = ctx;
    c->data = realloc(c->data, c->len + len + 1);
    assert_non_null(c->data);
    memcpy(c->data + c->len, data, len);
    c->len += len;
    return 0;
}

static void id_of(char *out, size_t cap, unsigned i)
{
    snprintf(out, cap, "t1_%06u%s", i, i % 7 == 0 ? "-with-a-longer-id" : "");
}

static const char *write_posts(afmt_test_fixture *f)
{
    const char *path = afmt_test_tmp(f, "many.afmt");
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.block_size = 4096; /* many blocks, so places name many blocks */
    o.created = 1700000000;
    afmt_writer *w = NULL;
    assert_int_equal(afmt_writer_open(&w, path, f->sk, &o), AFMT_OK);
    for (unsigned i = 0; i < NPOSTS; i++) {
        char id[64], parent[64], body[128];
        id_of(id, sizeof id, i);
        id_of(parent, sizeof parent, i / 3);
        int n = i % 100 == 5 ? snprintf(body, sizeof body, "the same words")
                : i == 17    ? 0
                             : snprintf(body, sizeof body, "post %u says %u things", i, i * 7);
        afmt_post p = afmt_test_text_post(id, i ? parent : NULL, body, (size_t)n);
        assert_int_equal(afmt_writer_add_post(NULL, w, &p), AFMT_OK);
    }
    assert_int_equal(afmt_writer_finish(w), AFMT_OK);
    afmt_writer_free(w);
    return path;
}

static void finds_every_post(void **state)
{
    afmt_test_fixture *f = *state;
    const char *path = write_posts(f);
    afmt_reader *r = afmt_test_open_verified(path);
    for (unsigned i = 0; i < NPOSTS; i++) {
        char id[64];
        id_of(id, sizeof id, i);
        afmt_entry e = afmt_test_find(r, id);
        size_t want_len;
        char *want = afmt_test_content(r, e.number, &want_len);
        collected c = {NULL, 0};
        afmt_public_key signer;
        int rc = afmt_lookup_post(&signer, path, id, strlen(id), collect, &c, &(afmt_reader_options){AFMT_READER_OPTIONS_VERSION, 0, &f->pk, 1});
        if (rc != AFMT_OK)
            fail_msg("post %s: %s", id, afmt_error_last());
        assert_int_equal(c.len, want_len);
        if (want_len > 0)
            assert_memory_equal(c.data, want, want_len);
        assert_memory_equal(signer.key, f->pk.key, sizeof f->pk.key);
        free(c.data);
        free(want);
    }
    afmt_reader_free(r);
}

static void missing_and_untrusted(void **state)
{
    afmt_test_fixture *f = *state;
    const char *path = write_posts(f);
    collected c = {NULL, 0};
    /* Ids that are not there, including one that differs in its last byte. */
    const char *absent[] = {"t1_999999", "t1_000001-with-a-longer-id", "t1_00000", "x"};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        assert_int_equal(afmt_lookup_post(NULL, path, absent[i], strlen(absent[i]), collect, &c, NULL),
                         AFMT_E_NOT_FOUND);
    assert_int_equal(c.len, 0);
    afmt_secret_key *other = NULL;
    afmt_public_key other_pk;
    assert_int_equal(afmt_key_generate(&other, &other_pk), AFMT_OK);
    assert_int_equal(afmt_lookup_post(NULL, path, "t1_000002", 9, collect, &c, &(afmt_reader_options){AFMT_READER_OPTIONS_VERSION, 0, &other_pk, 1}),
                     AFMT_E_WRONG_KEY);
    assert_int_equal(c.len, 0);
    afmt_secret_key_free(other);
}

/* Flips one byte at `at` in a copy of the bundle and looks up `id`. */
static int lookup_flipped(afmt_test_fixture *f, const char *path, uint64_t at, const char *id,
                          collected *c)
{
    size_t len;
    uint8_t *b = afmt_test_read_file(path, &len);
    assert_non_null(b);
    assert_true(at < len);
    b[at] ^= 0x40;
    const char *bad = afmt_test_tmp_file(f, "flipped.afmt", b, len);
    free(b);
    return afmt_lookup_post(NULL, bad, id, strlen(id), collect, c, &(afmt_reader_options){AFMT_READER_OPTIONS_VERSION, 0, &f->pk, 1});
}

static void damage_is_caught(void **state)
{
    afmt_test_fixture *f = *state;
    const char *path = write_posts(f);
    collected c = {NULL, 0};
    /* The first block holds post 0's content: a flipped byte there is a
     * hash mismatch, and nothing reaches the sink. */
    assert_int_equal(lookup_flipped(f, path, 16 + 20, "t1_000000-with-a-longer-id", &c),
                     AFMT_E_HASH_MISMATCH);
    assert_int_equal(c.len, 0);
    /* A byte of the last index page (an id page) and of the index head. */
    size_t len;
    uint8_t *b = afmt_test_read_file(path, &len);
    assert_non_null(b);
    uint64_t index_offset = (uint64_t)b[len - 32] | (uint64_t)b[len - 31] << 8 |
                            (uint64_t)b[len - 30] << 16 | (uint64_t)b[len - 29] << 24;
    uint64_t index_size = (uint64_t)b[len - 24] | (uint64_t)b[len - 23] << 8 |
                          (uint64_t)b[len - 22] << 16;
    free(b);
    /* Only lookups that read the damaged id page notice: the others still
     * find their post (every page they read is intact). */
    unsigned mismatches = 0;
    for (unsigned i = 0; i < 300; i++) {
        char id[64];
        id_of(id, sizeof id, i * 29);
        int rc = lookup_flipped(f, path, index_offset + index_size - 3, id, &c);
        assert_true(rc == AFMT_OK || rc == AFMT_E_INDEX_MISMATCH);
        mismatches += rc == AFMT_E_INDEX_MISMATCH;
    }
    assert_true(mismatches > 0 && mismatches < 300);
    free(c.data);
    c.data = NULL;
    c.len = 0;
    assert_int_equal(lookup_flipped(f, path, index_offset + 60, "t1_000004", &c),
                     AFMT_E_INDEX_MISMATCH);
    assert_int_equal(c.len, 0);
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The id rows carry the keys (spec 7.6), so a lookup reads one record page:
 * the post's.  With one record page damaged, exactly the posts in it fail;
 * a binary search that probed records would stumble on it for others. */
static void reads_one_record_page(void **state)
{
    afmt_test_fixture *f = *state;
    const char *path = write_posts(f);
    size_t len;
    uint8_t *b = afmt_test_read_file(path, &len);
    assert_non_null(b);
    uint64_t io = le(b + len - 32, 8);
    const uint8_t *ih = b + io, *dir = ih + 56;
    uint64_t entries = le(ih + 8, 8), posts = le(ih + 16, 8), record_pages = le(ih + 40, 8);
    uint64_t pages = 2 + record_pages + (posts + 4095) / 4096;
    assert_int_equal(entries, NPOSTS); /* post i is entry i */
    assert_true(record_pages >= 8);
    uint64_t j = record_pages / 2, at = io + 56 + 48 * pages;
    for (uint64_t p = 0; p < 2 + j; p++)
        at += le(dir + 48 * p, 4);
    uint64_t first = le(dir + 48 * (2 + j) + 8, 8), end = le(dir + 48 * (3 + j) + 8, 8);
    uint64_t flip = at + le(dir + 48 * (2 + j), 4) / 2; /* inside its frame */
    assert_true(first < end && end < entries);
    free(b);
    unsigned failed = 0;
    for (unsigned i = 0; i < NPOSTS; i += 7) {
        char id[64];
        id_of(id, sizeof id, i);
        collected c = {NULL, 0};
        int rc = lookup_flipped(f, path, flip, id, &c);
        if (i >= first && i < end) {
            assert_int_equal(rc, AFMT_E_INDEX_MISMATCH);
            assert_int_equal(c.len, 0);
            failed++;
        } else if (rc != AFMT_OK) {
            fail_msg("post %s (entry %u, not in record page %" PRIu64 "): %s", id, i, j,
                     afmt_error_last());
        }
        free(c.data);
    }
    assert_true(failed > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AFMT_TEST_WITH_FIXTURE(finds_every_post),
        AFMT_TEST_WITH_FIXTURE(missing_and_untrusted),
        AFMT_TEST_WITH_FIXTURE(damage_is_caught),
        AFMT_TEST_WITH_FIXTURE(reads_one_record_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
