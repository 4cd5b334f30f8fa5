/* test_writer_reader.c - round trip through the writer and the reader,
 * determinism, and every reference the reader must check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "afmt.h"
#include "test_support.h"

static afmt_post post(const char *id, const char *parent, const void *body, size_t len)
{
    return afmt_test_text_post(id, parent, body, len);
}

/* Opens a writer for a sample thread at `path` (`threads` compression
 * threads, 4 KiB blocks) and adds its posts: a root created at
 * `root_created`, two replies with the same bytes (the first deleted), an
 * empty one and one of `big`; their entry numbers go to e[0..4]. */
static afmt_writer *sample_posts(afmt_test_fixture *f, const char *path, unsigned threads,
                                 int64_t root_created, const uint8_t *big, size_t big_len,
                                 uint64_t e[5])
{
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.threads = threads;
    o.created = 1700000000;
    o.title = "Sample thread";
    o.block_size = 4096;
    afmt_writer *w;
    assert_int_equal(afmt_writer_open(&w, path, f->sk, &o), AFMT_OK);
    afmt_post p = post("t3_root", NULL, "Hello,\r\nworld\xff\x00!", 16);
    p.author = "alice";
    p.author_len = 5;
    p.title = "A title";
    p.title_len = 7;
    p.has_created = 1;
    p.created = root_created;
    p.flags = AFMT_POST_INCOMPLETE;
    p.missing_replies = 42;
    assert_int_equal(afmt_writer_add_post(&e[0], w, &p), AFMT_OK);
    p = post("t1_a", "t3_root", "same bytes", 10);
    p.flags = AFMT_POST_DELETED;
    assert_int_equal(afmt_writer_add_post(&e[1], w, &p), AFMT_OK);
    p = post("t1_b", "t1_a", "same bytes", 10); /* stored once */
    assert_int_equal(afmt_writer_add_post(&e[2], w, &p), AFMT_OK);
    p = post("t1_empty", "t1_a", "", 0);
    assert_int_equal(afmt_writer_add_post(&e[3], w, &p), AFMT_OK);
    p = post("t1_big", "t3_root", big, big_len);
    assert_int_equal(afmt_writer_add_post(&e[4], w, &p), AFMT_OK);
    return w;
}

/* A bundle with every kind of entry and part, abandoned after two refused
 * additions; returns its path. */
static char *write_sample(afmt_test_fixture *f, const char *name, uint8_t *big, size_t big_len)
{
    const char *path = afmt_test_tmp(f, "%s", name);
    uint64_t e[5];
    afmt_writer *w = sample_posts(f, path, 0, 1600000000, big, big_len, e);
    /* a duplicate id is refused and changes nothing */
    afmt_post p = post("t1_a", NULL, "other", 5);
    assert_int_equal(afmt_writer_add_post(NULL, w, &p), AFMT_E_DUPLICATE);
    afmt_file_part parts[] = {
        {AFMT_PART_ENTRY, e[0], NULL, 0}, {AFMT_PART_DATA, 0, "\n", 1},
        {AFMT_PART_ENTRY, e[1], NULL, 0}, {AFMT_PART_DATA, 0, "\n", 1},
        {AFMT_PART_DATA, 0, big, big_len / 2 + 5000},
    };
    uint64_t fe;
    assert_int_equal(afmt_writer_add_file(&fe, w, "dir/page.json", 13, parts, 5), AFMT_OK);
    assert_int_equal(fe, 5);
    assert_int_equal(afmt_writer_add_file(NULL, w, "dir/page.json", 13, parts, 1),
                     AFMT_E_DUPLICATE);
    afmt_writer_free(w); /* failed writer: nothing at path */
    uint8_t *none = afmt_test_read_file(path, &big_len);
    assert_null(none);
    return NULL;
}

static void write_abandoned_leaves_nothing(void **state)
{
    afmt_test_fixture *f = *state;
    size_t n = 20000;
    uint8_t *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (uint8_t)(i * 7 + i / 100);
    assert_null(write_sample(f, "x.afmt", big, n));
    free(big);
}

static unsigned g_threads; /* compression threads for write_good */

static const char *write_good(afmt_test_fixture *f, const char *name, const uint8_t *big,
                              size_t n)
{
    const char *path = afmt_test_tmp(f, "%s", name);
    uint64_t e[5];
    afmt_writer *w = sample_posts(f, path, g_threads, -5, big, n, e);
    afmt_file_part parts[] = {
        {AFMT_PART_ENTRY, e[0], NULL, 0},
        {AFMT_PART_DATA, 0, "\n", 1},
        {AFMT_PART_ENTRY, e[1], NULL, 0},
        {AFMT_PART_DATA, 0, big + 1, n - 1}, /* a blob part */
    };
    assert_int_equal(afmt_writer_add_file(NULL, w, "dir/page.json", 13, parts, 4), AFMT_OK);
    assert_int_equal(afmt_writer_finish(w), AFMT_OK);
    afmt_writer_free(w);
    return path;
}

static uint8_t *make_big(size_t n)
{
    uint8_t *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (uint8_t)("lorem ipsum dolor sit amet "[i % 27] ^ (i % 251 == 0));
    return big;
}

static void round_trip(void **state)
{
    afmt_test_fixture *f = *state;
    size_t n = 20000;
    uint8_t *big = make_big(n);
    const char *path = write_good(f, "good.afmt", big, n);
    afmt_reader *r;
    char err[256];
    assert_int_equal(afmt_reader_open(&r, path, err, sizeof err), AFMT_OK);
    assert_int_equal(afmt_reader_verify(r, NULL, NULL), AFMT_OK);
    assert_int_equal(afmt_reader_check_signer(r, &f->pk, 1), AFMT_OK);
    const afmt_checkpoint_info *ci = afmt_reader_checkpoint(r);
    assert_int_equal(ci->entries, 6);
    assert_int_equal(ci->posts, 5);
    assert_int_equal(ci->files, 1);
    assert_int_equal(ci->created, 1700000000);
    assert_memory_equal(ci->title, "Sample thread", 13);
    assert_memory_equal(ci->signer.key, f->pk.key, 32);

    afmt_entry e;
    assert_int_equal(afmt_reader_entry(&e, r, 0), AFMT_OK);
    assert_int_equal(e.type, AFMT_ENTRY_POST);
    assert_memory_equal(e.id, "t3_root", 7);
    assert_null(e.parent);
    assert_memory_equal(e.author, "alice", 5);
    assert_memory_equal(e.title, "A title", 7);
    assert_true(e.has_created);
    assert_int_equal(e.created, -5);
    assert_int_equal(e.flags, AFMT_POST_INCOMPLETE);
    assert_int_equal(e.missing_replies, 42);
    assert_memory_equal(e.media_type, "text/plain", 10);
    uint8_t h[32];
    afmt_content_hash(h, "Hello,\r\nworld\xff\x00!", 16);
    assert_memory_equal(e.hash, h, 32);
    void *data;
    size_t len;
    assert_int_equal(afmt_reader_read_post(&data, &len, r, 0), AFMT_OK);
    assert_int_equal(len, 16);
    assert_memory_equal(data, "Hello,\r\nworld\xff\x00!", 16);
    free(data);

    uint64_t num;
    assert_int_equal(afmt_reader_find_post(&num, r, "t1_b", 4), AFMT_OK);
    assert_int_equal(num, 2);
    assert_int_equal(afmt_reader_find_post(&num, r, "t1_", 3), AFMT_E_NOT_FOUND);
    assert_int_equal(afmt_reader_entry(&e, r, 1), AFMT_OK);
    assert_int_equal(e.flags, AFMT_POST_DELETED);
    assert_memory_equal(e.parent, "t3_root", 7);
    assert_null(e.author);
    assert_false(e.has_created);
    assert_int_equal(afmt_reader_find_post(&num, r, "t1_empty", 8), AFMT_OK);
    assert_int_equal(afmt_reader_read_post(&data, &len, r, num), AFMT_OK);
    assert_int_equal(len, 0);
    free(data);
    assert_int_equal(afmt_reader_find_post(&num, r, "t1_big", 6), AFMT_OK);
    assert_int_equal(afmt_reader_read_post(&data, &len, r, num), AFMT_OK);
    assert_int_equal(len, n);
    assert_memory_equal(data, big, n);
    free(data);

    /* the file: its parts concatenated */
    assert_int_equal(afmt_reader_entry(&e, r, 5), AFMT_OK);
    assert_int_equal(e.type, AFMT_ENTRY_FILE);
    assert_memory_equal(e.id, "dir/page.json", 13);
    assert_int_equal(e.size, 16 + 1 + 10 + n - 1);
    afmt_test_buf s = {0};
    assert_int_equal(afmt_reader_read(r, 5, afmt_test_sink, &s), AFMT_OK);
    assert_int_equal(s.len, e.size);
    assert_memory_equal(s.data, "Hello,\r\nworld\xff\x00!\nsame bytes", 27);
    assert_memory_equal(s.data + 27, big + 1, n - 1);
    free(s.data);

    /* a trusted key that is not the signer */
    afmt_secret_key *other;
    afmt_public_key opk;
    assert_int_equal(afmt_key_generate(&other, &opk), AFMT_OK);
    assert_int_equal(afmt_reader_check_signer(r, &opk, 1), AFMT_E_WRONG_KEY);
    memcpy(opk.key_id, f->pk.key_id, 8); /* same id, other key */
    assert_int_equal(afmt_reader_check_signer(r, &opk, 1), AFMT_E_WRONG_KEY);
    afmt_public_key both[2] = {opk, f->pk};
    assert_int_equal(afmt_reader_check_signer(r, both, 2), AFMT_OK);
    afmt_secret_key_free(other);
    afmt_reader_free(r);
    free(big);
}

static void deterministic(void **state)
{
    afmt_test_fixture *f = *state;
    size_t n = 60000; /* several blocks, so threads have work to share */
    uint8_t *big = make_big(n);
    g_threads = 1;
    const char *a = write_good(f, "a.afmt", big, n);
    g_threads = 3;
    const char *b = write_good(f, "b.afmt", big, n);
    g_threads = 0;
    size_t la, lb;
    uint8_t *da = afmt_test_read_file(a, &la), *db = afmt_test_read_file(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
    free(da);
    free(db);
    free(big);
}

static void empty_bundle(void **state)
{
    afmt_test_fixture *f = *state;
    const char *path = afmt_test_tmp(f, "empty.afmt");
    afmt_writer *w;
    assert_int_equal(afmt_writer_open(&w, path, f->sk, NULL), AFMT_OK);
    assert_int_equal(afmt_writer_finish(w), AFMT_OK);
    afmt_writer_free(w);
    afmt_reader *r;
    assert_int_equal(afmt_reader_open(&r, path, NULL, 0), AFMT_OK);
    assert_int_equal(afmt_reader_entry_count(r), 0);
    assert_int_equal(afmt_reader_verify(r, NULL, NULL), AFMT_OK);
    uint8_t empty[32];
    afmt_content_hash(empty, NULL, 0);
    assert_memory_equal(afmt_reader_checkpoint(r)->root, empty, 32);
    afmt_reader_free(r);
}

static void rejects_bad_input(void **state)
{
    afmt_test_fixture *f = *state;
    const char *path = afmt_test_tmp(f, "bad.afmt");
    afmt_writer *w;
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.title = "bad\ntitle";
    assert_int_equal(afmt_writer_open(&w, path, f->sk, &o), AFMT_E_INVALID_ARGUMENT);
    o.title = NULL;
    o.level = 0;
    assert_int_equal(afmt_writer_open(&w, path, f->sk, &o), AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_writer_open(&w, path, f->sk, NULL), AFMT_OK);
    afmt_post p = post("", NULL, "x", 1);
    assert_int_equal(afmt_writer_add_post(NULL, w, &p), AFMT_E_INVALID_ARGUMENT);
    p = post("ok", NULL, "x", 1);
    p.media_type = "text/\x01";
    assert_int_equal(afmt_writer_add_post(NULL, w, &p), AFMT_E_INVALID_ARGUMENT);
    p.media_type = "text/plain";
    assert_int_equal(afmt_writer_add_post(NULL, w, &p), AFMT_OK);
    const char *bad_paths[] = {"../x", "/x", "a//b", "a/./b", "a\\b", "a/..", "."};
    afmt_file_part part = {AFMT_PART_ENTRY, 0, NULL, 0};
    for (size_t i = 0; i < sizeof bad_paths / sizeof *bad_paths; i++)
        assert_int_equal(afmt_writer_add_file(NULL, w, bad_paths[i], strlen(bad_paths[i]), &part, 1),
                         AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_writer_add_file(NULL, w, "a/b/c", 5, &part, 1), AFMT_OK);
    assert_int_equal(afmt_writer_add_file(NULL, w, "a-b", 3, &part, 1), AFMT_OK);
    assert_int_equal(afmt_writer_add_file(NULL, w, "a/b", 3, &part, 1), AFMT_OK);
    /* "a" is a file and the folder of "a/b": refused at finish */
    assert_int_equal(afmt_writer_finish(w), AFMT_E_DUPLICATE);
    afmt_writer_free(w);
    size_t len;
    assert_null(afmt_test_read_file(path, &len));
}

typedef struct membuf {
    uint8_t *data;
    size_t len;
} membuf;

static int sink_at(void *ctx, uint64_t offset, const void *data, size_t len)
{
    membuf *m = ctx;
    assert_true(offset + len <= m->len);
    memcpy(m->data + offset, data, len);
    return 0;
}

/* A file whose parts go back and forth between two blocks: read_at gives
 * the right bytes decoding each block once; the in-order read refuses. */
static void parts_jumping_between_blocks(void **state)
{
    afmt_test_fixture *f = *state;
    const char *path = afmt_test_tmp(f, "jump.afmt");
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.block_size = 1024;
    afmt_writer *w;
    assert_int_equal(afmt_writer_open(&w, path, f->sk, &o), AFMT_OK);
    uint8_t a[1024], b[1024];
    memset(a, 'a', sizeof a);
    memset(b, 'b', sizeof b);
    a[0] = 'A';
    b[0] = 'B';
    afmt_post p = post("a", NULL, a, sizeof a);
    uint64_t ea, eb;
    assert_int_equal(afmt_writer_add_post(&ea, w, &p), AFMT_OK);
    p = post("b", NULL, b, sizeof b);
    assert_int_equal(afmt_writer_add_post(&eb, w, &p), AFMT_OK);
    enum { N = 200 };
    afmt_file_part parts[N];
    for (int i = 0; i < N; i++)
        parts[i] = (afmt_file_part){AFMT_PART_ENTRY, i % 2 ? eb : ea, NULL, 0};
    assert_int_equal(afmt_writer_add_file(NULL, w, "jump", 4, parts, N), AFMT_OK);
    assert_int_equal(afmt_writer_finish(w), AFMT_OK);
    afmt_writer_free(w);

    afmt_reader *r;
    assert_int_equal(afmt_reader_open(&r, path, NULL, 0), AFMT_OK);
    afmt_entry e;
    assert_int_equal(afmt_reader_entry(&e, r, ea), AFMT_OK);
    assert_int_equal(e.block, 0);
    assert_int_equal(afmt_reader_entry(&e, r, eb), AFMT_OK);
    assert_int_equal(e.block, 1);
    assert_int_equal(afmt_reader_entry(&e, r, 2), AFMT_OK);
    assert_int_equal(e.block, 0); /* a file: the lowest block it uses */
    membuf m = {calloc(1, e.size), e.size};
    assert_int_equal(afmt_reader_read_at(r, 2, sink_at, &m), AFMT_OK);
    for (int i = 0; i < N; i++)
        assert_memory_equal(m.data + (size_t)i * 1024, i % 2 ? b : a, 1024);
    free(m.data);
    afmt_test_buf s = {0};
    assert_int_equal(afmt_reader_read(r, 2, afmt_test_sink, &s), AFMT_E_LIMIT);
    free(s.data);
    afmt_reader_free(r);
}

static void trusted_open_refuses_other_signers(void **state)
{
    afmt_test_fixture *f = *state;
    size_t n = 100;
    uint8_t *big = make_big(n);
    const char *path = write_good(f, "t.afmt", big, n);
    afmt_secret_key *other;
    afmt_public_key opk;
    assert_int_equal(afmt_key_generate(&other, &opk), AFMT_OK);
    afmt_reader *r;
    char err[256];
    assert_int_equal(afmt_reader_open_trusted(&r, path, &opk, 1, err, sizeof err),
                     AFMT_E_WRONG_KEY);
    assert_null(r);
    assert_non_null(strstr(err, "another key"));
    afmt_public_key both[2] = {opk, f->pk};
    assert_int_equal(afmt_reader_open_trusted(&r, path, both, 2, err, sizeof err), AFMT_OK);
    afmt_reader_free(r);
    afmt_secret_key_free(other);
    free(big);
}

static int refuse(void *ctx, const void *data, size_t len)
{
    (void)data;
    (void)len;
    ++*(int *)ctx;
    return -1; /* the value AFMT_E_NOMEM has: still AFMT_E_USER */
}

/* One error channel: the reason of a failure survives the handle, a
 * callback's refusal is AFMT_E_USER, misuse is an argument error. */
static void error_channel(void **state)
{
    afmt_test_fixture *f = *state;
    afmt_writer *w = NULL;
    afmt_error_clear();
    assert_int_equal(afmt_error_last_code(), AFMT_OK);
    assert_string_equal(afmt_error_last(), "");
    /* the writer is freed before open returns: its reason is not */
    assert_int_equal(afmt_writer_open(&w, "/no/such/dir/x.afmt", f->sk, NULL), AFMT_E_IO);
    assert_null(w);
    assert_int_equal(afmt_error_last_code(), AFMT_E_IO);
    assert_non_null(strstr(afmt_error_last(), "/no/such/dir"));
    assert_non_null(strstr(afmt_error_last(), "No such file or directory"));
    /* options: checked alone, in the library's words */
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    assert_int_equal(afmt_writer_options_check(&o), AFMT_OK);
    o.level = 0;
    assert_int_equal(afmt_writer_options_check(&o), AFMT_E_INVALID_ARGUMENT);
    assert_non_null(strstr(afmt_error_last(), "zstd level"));
    /* each thread has its own last failure: this one's is kept */
    size_t n = 100;
    uint8_t *big = make_big(n);
    const char *path = write_good(f, "chan.afmt", big, n);
    afmt_reader_options ro = AFMT_READER_OPTIONS_INIT;
    ro.version = 99;
    afmt_reader *r = NULL;
    assert_int_equal(afmt_reader_open_ext(&r, path, &ro), AFMT_E_INVALID_ARGUMENT);
    assert_non_null(strstr(afmt_error_last(), "options version"));
    ro = (afmt_reader_options)AFMT_READER_OPTIONS_INIT;
    ro.threads = 1;
    assert_int_equal(afmt_reader_open_ext(&r, path, &ro), AFMT_OK);
    /* a sink that says stop, with -1: AFMT_E_USER, not AFMT_E_NOMEM */
    int calls = 0;
    assert_int_equal(afmt_reader_read(r, 0, refuse, &calls), AFMT_E_USER);
    assert_int_equal(calls, 1);
    /* misuse: an argument error, never an integrity error */
    afmt_entry e;
    int rc = afmt_reader_entry(&e, r, afmt_reader_entry_count(r));
    assert_int_equal(rc, AFMT_E_INVALID_ARGUMENT);
    assert_false(afmt_error_is_integrity(rc));
    afmt_test_buf s = {0};
    assert_int_equal(afmt_reader_read(r, UINT64_MAX, afmt_test_sink, &s),
                     AFMT_E_INVALID_ARGUMENT);
    afmt_reader_free(r);
    calls = 0;
    assert_int_equal(afmt_lookup_post(NULL, path, "t1_a", 4, refuse, &calls, NULL), AFMT_E_USER);
    assert_int_equal(calls, 1);
    assert_int_equal(afmt_lookup_post(NULL, path, "nope", 4, refuse, &calls, NULL),
                     AFMT_E_NOT_FOUND);
    assert_int_equal(afmt_error_last_code(), AFMT_E_NOT_FOUND);
    assert_string_equal(afmt_error_last(), "no post with this id");
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AFMT_TEST_WITH_FIXTURE(round_trip),
        AFMT_TEST_WITH_FIXTURE(deterministic),
        AFMT_TEST_WITH_FIXTURE(empty_bundle),
        AFMT_TEST_WITH_FIXTURE(rejects_bad_input),
        AFMT_TEST_WITH_FIXTURE(write_abandoned_leaves_nothing),
        AFMT_TEST_WITH_FIXTURE(parts_jumping_between_blocks),
        AFMT_TEST_WITH_FIXTURE(trusted_open_refuses_other_signers),
        AFMT_TEST_WITH_FIXTURE(error_channel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
