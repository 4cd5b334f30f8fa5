/* test_import_ndjson.c - import/ndjson.c: one JSON object per line, each
 * line a post (spec/IMPORTERS.md, "NDJSON"), through afmt_import, with the
 * answers worked out by hand: ids, parents, times (RFC 3339 with offsets
 * and fractions, down to the first second of year 1), deleted markers, CRLF, blank lines, the file entry
 * byte for byte, and the errors that name their line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "afmt.h"
#include "afmt_import.h"
#include "test_support.h"

static const char INPUT[] =
    "{\"id\":\"a\",\"author\":\"alice\",\"created\":\"2020-02-29T12:00:00+02:00\","
    "\"title\":\"T\",\"body\":\"x\"}\n"
    " \t\r\n"
    "{\"id\":5,\"parent\":\"a\",\"created\":1700000000,\"deleted\":true}\r\n"
    "\n"
    "{\"id\":\"c\",\"parent\":5,\"body\":\"[removed]\","
    "\"created\":\"0001-01-01T01:59:59.5+01:00\",\"author\":null}";

/* The bytes of entry n, a post or a file (malloc'd). */
static char *read_entry(afmt_reader *r, uint64_t n, size_t *len)
{
    afmt_test_buf c = {0};
    assert_int_equal(afmt_reader_read(r, n, afmt_test_sink, &c), AFMT_OK);
    *len = c.len;
    return c.data != NULL ? (char *)c.data : calloc(1, 1);
}

/* Packs `text` (as <stem>.ndjson) into <stem>.afmt; the import's result. */
static int pack(afmt_test_fixture *f, const char *stem, const char *text, size_t len,
                afmt_import_stats *st, char *err, size_t errsize)
{
    char name[64];
    snprintf(name, sizeof name, "%s.ndjson", stem);
    const char *in = afmt_test_tmp_file(f, name, text, len);
    const char *bundle = afmt_test_tmp(f, "%s.afmt", stem);
    memset(st, 0, sizeof *st);
    return afmt_test_import(f->sk, bundle, AFMT_SOURCE_NDJSON, 1, &in, NULL, st, err, errsize);
}

static void test_fields(void **state)
{
    afmt_test_fixture *f = *state;
    afmt_import_stats st;
    char err[512];
    int rc = pack(f, "t", INPUT, sizeof INPUT - 1, &st, err, sizeof err);
    if (rc != AFMT_OK)
        fail_msg("%d: %s", rc, err);
    assert_int_equal(st.posts, 3);
    assert_int_equal(st.deleted, 2);
    assert_int_equal(st.bytes_in, sizeof INPUT - 1);
    afmt_reader *r = afmt_test_open_verified(afmt_test_tmp(f, "t.afmt"));
    assert_int_equal(afmt_reader_entry_count(r), 4); /* three posts and the file */

    afmt_entry a = afmt_test_find(r, "a");
    assert_null(a.parent);
    assert_int_equal(a.author_len, 5);
    assert_memory_equal(a.author, "alice", 5);
    assert_memory_equal(a.title, "T", 1);
    assert_true(a.has_created);
    assert_int_equal(a.created, 1582970400); /* 2020-02-29T10:00:00Z */
    assert_int_equal(a.flags, 0);
    assert_memory_equal(a.media_type, "application/json", 16);

    afmt_entry five = afmt_test_find(r, "5"); /* an integer id is its decimal text */
    assert_int_equal(five.parent_len, 1);
    assert_memory_equal(five.parent, "a", 1);
    assert_int_equal(five.created, 1700000000);
    assert_int_equal(five.flags, AFMT_POST_DELETED);
    size_t len;
    char *body = afmt_test_content(r, five.number, &len);
    static const char line3[] = "{\"id\":5,\"parent\":\"a\",\"created\":1700000000,"
                                "\"deleted\":true}\r"; /* the CR stays */
    assert_int_equal(len, sizeof line3 - 1);
    assert_memory_equal(body, line3, len);
    free(body);

    afmt_entry c = afmt_test_find(r, "c");
    assert_memory_equal(c.parent, "5", 1);
    assert_int_equal(c.flags, AFMT_POST_DELETED); /* "[removed]" */
    assert_null(c.author);                        /* null: absent */
    /* 0001-01-01T00:59:59Z: the offset applied, the fraction dropped */
    assert_int_equal(c.created, INT64_C(-62135596800) + 3599);

    /* the file entry rebuilds the input, blank lines and all */
    body = read_entry(r, 3, &len);
    assert_int_equal(len, sizeof INPUT - 1);
    assert_memory_equal(body, INPUT, len);
    free(body);
    afmt_reader_free(r);
}

static void test_empty_and_blank(void **state)
{
    afmt_test_fixture *f = *state;
    afmt_import_stats st;
    char err[512];
    assert_int_equal(pack(f, "empty", "", 0, &st, err, sizeof err), AFMT_OK);
    assert_int_equal(st.posts, 0);
    static const char blank[] = "\n \n\r\n\t";
    assert_int_equal(pack(f, "blank", blank, sizeof blank - 1, &st, err, sizeof err), AFMT_OK);
    assert_int_equal(st.posts, 0);
    afmt_reader *r = afmt_test_open_verified(afmt_test_tmp(f, "blank.afmt"));
    size_t len;
    char *body = read_entry(r, 0, &len);
    assert_int_equal(len, sizeof blank - 1);
    assert_memory_equal(body, blank, len);
    free(body);
    afmt_reader_free(r);
}

/* Each bad input and the words its message must hold. */
static void test_errors_name_the_line(void **state)
{
    afmt_test_fixture *f = *state;
    static const struct {
        const char *text;
        int rc;
        const char *words;
    } cases[] = {
        {"{\"id\":\"a\"}\n{\"id\":\"b\",\"x\":\"\xff\"}\n", AFMT_E_FORMAT, "line 2: not valid UTF-8"},
        {"{\"id\":\"a\"}\n\n[1,2]\n", AFMT_E_FORMAT, "line 3: not a JSON object"},
        {"{\"id\":\"a\"}\n{\"id\":\"a\"}\n", AFMT_E_DUPLICATE, "line 2: duplicate id \"a\""},
        {"{\"id\":true}\n", AFMT_E_FORMAT, "line 1: \"id\" must be a string"},
        {"{\"id\":\"\"}\n", AFMT_E_LIMIT, "line 1: \"id\" must be 1 to"},
        {"{\"id\":\"a\",\"id\":\"b\"}\n", AFMT_E_FORMAT, "line 1, column"},
        {"{\"id\":\"a\",\"created\":\"2021-02-29T00:00:00Z\"}\n", AFMT_E_FORMAT, "line 1"},
        {"{\"id\":\"a\",\"created\":\"0001-01-01T00:00:00+00:01\"}\n", AFMT_E_FORMAT, "line 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        afmt_import_stats st;
        char err[512] = "";
        char stem[16];
        snprintf(stem, sizeof stem, "bad%zu", i);
        int rc = pack(f, stem, cases[i].text, strlen(cases[i].text), &st, err, sizeof err);
        if (rc != cases[i].rc || strstr(err, cases[i].words) == NULL)
            fail_msg("case %zu: %d \"%s\", expected %d with \"%s\"", i, rc, err, cases[i].rc,
                     cases[i].words);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        AFMT_TEST_WITH_FIXTURE(test_fields),
        AFMT_TEST_WITH_FIXTURE(test_empty_and_blank),
        AFMT_TEST_WITH_FIXTURE(test_errors_name_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
