/* test_withhold.c - afmt_withhold (spec 12.1): the withheld bundle keeps
 * the archiver's root and leaves and verifies; kept posts read back the
 * same, withheld ones say so; withholding again replaces the statement;
 * and a withheld one-word post cannot be confirmed by guessing it with any
 * value the bundle still shows, while the archiver's salt confirms it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "afmt.h"
#include "format/entry.h"
#include "format/hash.h"
#include "read/reader_internal.h"
#include "test_support.h"

#define CREATED 1750000000

/* The thread: a question, the answer "yes" (entry 1), another reply. */
static const char *write_thread(afmt_test_fixture *f, const char *name)
{
    const char *path = afmt_test_tmp(f, "%s", name);
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.created = 1700000000;
    o.title = "Poll";
    afmt_writer *w;
    assert_int_equal(afmt_writer_open(&w, path, f->sk, &o), AFMT_OK);
    afmt_post p = afmt_test_text_post("t3_q", NULL, "Do you agree?", 13);
    p.author = "alice";
    p.author_len = 5;
    assert_int_equal(afmt_writer_add_post(NULL, w, &p), AFMT_OK);
    p = afmt_test_text_post("t1_yes", "t3_q", "yes", 3);
    p.author = "bob";
    p.author_len = 3;
    p.has_created = 1;
    p.created = CREATED;
    assert_int_equal(afmt_writer_add_post(NULL, w, &p), AFMT_OK);
    p = afmt_test_text_post("t1_no", "t3_q", "I do not agree at all", 21);
    p.author = "carol";
    p.author_len = 5;
    assert_int_equal(afmt_writer_add_post(NULL, w, &p), AFMT_OK);
    assert_int_equal(afmt_writer_finish(w), AFMT_OK);
    afmt_writer_free(w);
    return path;
}

typedef struct pick {
    const char *id;
    int fail_at_end;
} pick;

static int choose_id(void *ctx, const afmt_entry *post)
{
    pick *k = ctx;
    if (post == NULL)
        return k->fail_at_end;
    return post->id_len == strlen(k->id) && memcmp(post->id, k->id, post->id_len) == 0;
}

static int collect(void *ctx, const void *data, size_t len)
{
    afmt_buf *b = ctx;
    return afmt_buf_append(b, data, len) == AFMT_OK ? 0 : 1;
}

static void test_withhold_keeps_root(void **state)
{
    afmt_test_fixture *f = *state;
    const char *orig = write_thread(f, "t.afmt"), *out = afmt_test_tmp(f, "w.afmt");
    afmt_secret_key *wsk;
    afmt_public_key wpk;
    assert_int_equal(afmt_key_generate(&wsk, &wpk), AFMT_OK);
    pick k = {"t1_yes", 0};
    afmt_withhold_stats st;
    assert_int_equal(afmt_withhold(&st, orig, out, choose_id, &k, wsk, NULL, NULL), AFMT_OK);
    assert_int_equal(st.posts, 1);
    assert_int_equal(st.files, 0);
    assert_int_equal(st.blobs_dropped, 1);

    afmt_reader *a, *b;
    assert_int_equal(afmt_reader_open_trusted(&a, orig, &f->pk, 1, NULL, 0), AFMT_OK);
    assert_int_equal(afmt_reader_open_trusted(&b, out, &f->pk, 1, NULL, 0), AFMT_OK);
    assert_int_equal(afmt_reader_verify(b, NULL, NULL), AFMT_OK);
    const afmt_checkpoint_info *ca = afmt_reader_checkpoint(a), *cb = afmt_reader_checkpoint(b);
    assert_memory_equal(ca->root, cb->root, AFMT_HASH_BYTES);
    assert_int_equal(cb->posts, 2);
    assert_int_equal(cb->withheld_posts, 1);
    assert_int_equal(cb->withheld, 1);
    assert_memory_equal(cb->withholder.key, wpk.key, AFMT_PUBLICKEY_BYTES);
    for (uint64_t i = 0; i < 3; i++) {
        uint8_t la[AFMT_HASH_BYTES], lb[AFMT_HASH_BYTES];
        assert_int_equal(afmt_reader_entry_leaf(la, a, i), AFMT_OK);
        assert_int_equal(afmt_reader_entry_leaf(lb, b, i), AFMT_OK);
        assert_memory_equal(la, lb, AFMT_HASH_BYTES);
    }
    afmt_entry e;
    assert_int_equal(afmt_reader_entry(&e, b, 1), AFMT_OK);
    assert_int_equal(e.type, AFMT_ENTRY_WITHHELD);
    assert_int_equal(e.withheld_type, AFMT_ENTRY_POST);
    assert_null(e.id);
    afmt_buf got = {0};
    assert_int_equal(afmt_reader_read(b, 1, collect, &got), AFMT_E_WITHHELD);
    assert_int_equal(afmt_reader_read(b, 2, collect, &got), AFMT_OK);
    assert_int_equal(got.len, 21);
    assert_memory_equal(got.data, "I do not agree at all", 21);
    uint64_t n;
    assert_int_equal(afmt_reader_find_post(&n, b, "t1_yes", 6), AFMT_E_NOT_FOUND);
    /* by id: a full open, never the one-post lookup (spec 12.1) */
    got.len = 0;
    assert_int_equal(afmt_lookup_post(NULL, out, "t1_yes", 6, collect, &got, NULL),
                     AFMT_E_WITHHELD);
    assert_int_equal(afmt_lookup_post(NULL, out, "t3_q", 4, collect, &got, NULL), AFMT_OK);
    assert_int_equal(got.len, 13);
    afmt_reader_free(a);
    afmt_reader_free(b);

    /* Again, from the withheld bundle: one statement, the new one. */
    const char *out2 = afmt_test_tmp(f, "w2.afmt");
    k.id = "t1_no";
    assert_int_equal(afmt_withhold(&st, out, out2, choose_id, &k, f->sk, NULL, NULL), AFMT_OK);
    assert_int_equal(st.posts, 1);
    assert_int_equal(st.earlier, 1);
    assert_int_equal(afmt_reader_open_trusted(&b, out2, &f->pk, 1, NULL, 0), AFMT_OK);
    assert_int_equal(afmt_reader_verify(b, NULL, NULL), AFMT_OK);
    cb = afmt_reader_checkpoint(b);
    assert_int_equal(cb->entries, 3);
    assert_int_equal(cb->posts, 1);
    assert_int_equal(cb->withheld_posts, 2);
    assert_memory_equal(cb->withholder.key, f->pk.key, AFMT_PUBLICKEY_BYTES);
    afmt_reader_free(b);

    /* A chooser that refuses at the end: nothing is written. */
    const char *out3 = afmt_test_tmp(f, "w3.afmt");
    k.fail_at_end = 1;
    assert_int_equal(afmt_withhold(NULL, orig, out3, choose_id, &k, wsk, NULL, NULL),
                     AFMT_E_USER);
    k.fail_at_end = 0;
    k.id = "absent";
    assert_int_equal(afmt_withhold(NULL, orig, out3, choose_id, &k, wsk, NULL, NULL),
                     AFMT_E_INVALID_ARGUMENT);
    FILE *fp = fopen(out3, "rb");
    assert_null(fp);
    afmt_buf_free(&got);
    afmt_secret_key_free(wsk);
}

/* Candidate texts: common one-word answers, "yes" among them. */
static const char *const words[] = {
    "yes", "Yes", "YES", "yes.", "Yes.", "yes!", "no", "No", "NO", "no.", "maybe", "Maybe",
    "ok", "OK", "okay", "sure", "Sure", "yep", "yeah", "nope", "nah", "agreed", "Agreed",
    "true", "false", "y", "n", "+1", "-1", "same", "this", "This", "^", "lol", "thanks",
    "definitely", "absolutely", "never", "always", "perhaps", "indeed", "correct", "wrong",
    "yes\n", "no\n", "I agree", "I do not agree", "I disagree", "I do not agree at all", ""};

/* How many (word, salt) pairs give `leaf`; salts are taken from `salts`,
 * every 16-byte window of it (or the one salt when stride is 0). */
static size_t confirm(const uint8_t leaf[AFMT_HASH_BYTES], const uint8_t *salts, size_t len,
                      int windows, size_t *tried)
{
    size_t hits = 0;
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        afmt_post p = afmt_test_text_post("t1_yes", "t3_q", words[w], strlen(words[w]));
        p.author = "bob";
        p.author_len = 3;
        p.has_created = 1;
        p.created = CREATED;
        uint8_t hash[AFMT_HASH_BYTES], got[AFMT_HASH_BYTES];
        afmt_content_hash(hash, words[w], strlen(words[w]));
        afmt_buf enc = {0};
        assert_int_equal(afmt_entry_encode_post(&enc, &p, hash, NULL), AFMT_OK);
        size_t last = windows ? len - AFMT_SALT_BYTES : 0;
        for (size_t at = 0; at <= last; at++) {
            memcpy(enc.data + AFMT_SALT_OFFSET, salts + at, AFMT_SALT_BYTES);
            afmt_hash_leaf(got, enc.data, enc.len);
            hits += memcmp(got, leaf, AFMT_HASH_BYTES) == 0;
            (*tried)++;
        }
        afmt_buf_free(&enc);
    }
    return hits;
}

static void test_guessing_resistance(void **state)
{
    afmt_test_fixture *f = *state;
    const char *orig = write_thread(f, "t.afmt"), *out = afmt_test_tmp(f, "w.afmt");
    pick k = {"t1_yes", 0};
    assert_int_equal(afmt_withhold(NULL, orig, out, choose_id, &k, f->sk, NULL, NULL), AFMT_OK);
    afmt_reader *r;
    assert_int_equal(afmt_reader_open_trusted(&r, out, &f->pk, 1, NULL, 0), AFMT_OK);
    uint8_t leaf[AFMT_HASH_BYTES];
    assert_int_equal(afmt_reader_entry_leaf(leaf, r, 1), AFMT_OK);

    /* Everything the withheld bundle shows: its bytes, and its index
     * decoded (every kept record, salts included), each 16-byte window a
     * candidate salt; and the all-zero salt. */
    size_t file_len, tried = 0;
    uint8_t *file = afmt_test_read_file(out, &file_len);
    assert_non_null(file);
    static const uint8_t zero[AFMT_SALT_BYTES];
    assert_int_equal(confirm(leaf, file, file_len, 1, &tried), 0);
    assert_int_equal(confirm(leaf, r->body.data, r->body.len, 1, &tried), 0);
    assert_int_equal(confirm(leaf, zero, sizeof zero, 0, &tried), 0);
    assert_true(tried > 50 * 1000); /* every window of every part, for every word */
    free(file);
    afmt_reader_free(r);

    /* The archiver's salt (what its secret key gives) does confirm it:
     * the guesses above were built right. */
    assert_int_equal(afmt_reader_open_trusted(&r, orig, &f->pk, 1, NULL, 0), AFMT_OK);
    uint32_t len;
    const uint8_t *enc = afmt_rd_record(r, 1, &len);
    assert_int_equal(confirm(leaf, enc + AFMT_SALT_OFFSET, AFMT_SALT_BYTES, 0, &tried), 1);
    afmt_reader_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AFMT_TEST_WITH_FIXTURE(test_withhold_keeps_root),
        AFMT_TEST_WITH_FIXTURE(test_guessing_resistance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
