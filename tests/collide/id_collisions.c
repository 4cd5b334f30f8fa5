/* id_collisions.c - ids whose id keys collide.  Built against a copy of the
 * library whose id key is the same for every id (AFMT_TEST_CONSTANT_ID_KEY),
 * so that what real 64-bit keys reach only by coincidence happens on every
 * post: the writer tells ids apart by their bytes (reading back pages it has
 * compressed and spilled), the reader checks a run of equal keys for
 * duplicates, and finding a post walks the run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "afmt.h"
#include "test_support.h"

#define NPOSTS 1500 /* over one 64 KiB record page: early ones are spilled */

static int count(void *ctx, const void *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return 0;
}

static void colliding_ids(void **state)
{
    afmt_test_fixture *f = *state;
    const char *path = afmt_test_tmp(f, "collide.afmt");
    afmt_writer *w = NULL;
    assert_int_equal(afmt_writer_open(&w, path, f->sk, NULL), AFMT_OK);
    char id[64], body[200];
    for (unsigned i = 0; i < NPOSTS; i++) {
        snprintf(id, sizeof id, "c%04u", i);
        int n = snprintf(body, sizeof body, "%u: %0150u", i, i);
        afmt_post p = afmt_test_text_post(id, NULL, body, (size_t)n);
        assert_int_equal(afmt_writer_add_post(NULL, w, &p), AFMT_OK);
    }
    /* The first post's record is in a closed page by now. */
    const char *again[] = {"c0000", "c0700", "c1499"};
    for (size_t i = 0; i < sizeof again / sizeof again[0]; i++) {
        afmt_post p = afmt_test_text_post(again[i], NULL, "x", 1);
        assert_int_equal(afmt_writer_add_post(NULL, w, &p), AFMT_E_DUPLICATE);
    }
    assert_int_equal(afmt_writer_finish(w), AFMT_OK);
    afmt_writer_free(w);

    afmt_reader *r = afmt_test_open_verified(path);
    for (unsigned i = 0; i < NPOSTS; i += 149) {
        snprintf(id, sizeof id, "c%04u", i);
        afmt_entry e = afmt_test_find(r, id);
        assert_int_equal(e.number, i);
        size_t got = 0;
        int rc = afmt_lookup_post(NULL, path, id, strlen(id), count, &got, &(afmt_reader_options){AFMT_READER_OPTIONS_VERSION, 0, &f->pk, 1});
        if (rc != AFMT_OK)
            fail_msg("lookup %s: %s", id, afmt_error_last());
        assert_int_equal(got, e.size);
    }
    uint64_t n;
    assert_int_equal(afmt_reader_find_post(&n, r, "c1500", 5), AFMT_E_NOT_FOUND);
    afmt_reader_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {AFMT_TEST_WITH_FIXTURE(colliding_ids)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
