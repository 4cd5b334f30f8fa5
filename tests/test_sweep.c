/* test_sweep.c - every single-bit flip and every truncation of a small
 * bundle must be rejected by open + full verification (issue: "100%"). */
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

static const char *mutant; /* where check() writes the bytes it tries */
static uint8_t *bundle;
static size_t bundle_len;

static int setup(void **state)
{
    afmt_test_setup(state);
    afmt_test_fixture *fx = *state;
    const char *path = afmt_test_tmp(fx, "small.afmt");
    mutant = afmt_test_tmp(fx, "mutant.afmt");
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.created = 1700000000;
    o.title = "sweep";
    o.block_size = 1024;
    afmt_writer *w;
    if (afmt_writer_open(&w, path, fx->sk, &o) != AFMT_OK)
        return -1;
    static const char *bodies[] = {"first post", "a reply", "", "another reply\r\n"};
    static const char *ids[] = {"1", "2", "3", "4"};
    static const char *parents[] = {NULL, "1", "1", "2"};
    for (int i = 0; i < 4; i++) {
        afmt_post p = afmt_test_text_post(ids[i], parents[i], bodies[i], strlen(bodies[i]));
        p.author = "bob";
        p.author_len = 3;
        p.has_created = 1;
        p.created = 1600000000 + i;
        if (afmt_writer_add_post(NULL, w, &p) != AFMT_OK)
            return -1;
    }
    uint8_t blob[5000];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i % 13 + 'a');
    afmt_file_part parts[] = {{AFMT_PART_ENTRY, 0, NULL, 0},
                              {AFMT_PART_DATA, 0, "\n", 1},
                              {AFMT_PART_DATA, 0, blob, sizeof blob}};
    if (afmt_writer_add_file(NULL, w, "t.txt", 5, parts, 3) != AFMT_OK ||
        afmt_writer_finish(w) != AFMT_OK)
        return -1;
    afmt_writer_free(w);
    bundle = afmt_test_read_file(path, &bundle_len);
    return bundle == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    free(bundle);
    return afmt_test_teardown(state);
}

/* Returns the error of open + verify on these bytes (AFMT_OK if accepted). */
static int check(const uint8_t *data, size_t len)
{
    assert_int_equal(afmt_test_write_file(mutant, data, len), 0);
    afmt_reader *r;
    int rc = afmt_reader_open(&r, mutant, NULL, 0);
    if (rc == AFMT_OK) {
        rc = afmt_reader_verify(r, NULL, NULL);
        afmt_reader_free(r);
    }
    return rc;
}

static void original_is_accepted(void **state)
{
    (void)state;
    assert_int_equal(check(bundle, bundle_len), AFMT_OK);
}

static void every_bit_flip_is_rejected(void **state)
{
    (void)state;
    uint8_t *copy = malloc(bundle_len);
    size_t rejected = 0, tried = 0;
    for (size_t i = 0; i < bundle_len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, bundle, bundle_len);
            copy[i] ^= (uint8_t)(1u << bit);
            int rc = check(copy, bundle_len);
            tried++;
            if (rc != AFMT_OK && afmt_error_is_integrity(rc))
                rejected++;
            else
                fail_msg("flip of bit %d at offset %zu accepted (rc %d)", bit, i, rc);
        }
    }
    printf("bit flips: %zu of %zu rejected (bundle of %zu bytes)\n", rejected, tried,
           bundle_len);
    assert_int_equal(rejected, tried);
    free(copy);
}

static void every_truncation_is_rejected(void **state)
{
    (void)state;
    size_t rejected = 0;
    for (size_t len = 0; len < bundle_len; len++) {
        int rc = check(bundle, len);
        if (rc == AFMT_OK || !afmt_error_is_integrity(rc))
            fail_msg("truncation at %zu accepted (rc %d)", len, rc);
        rejected++;
    }
    printf("truncations: %zu of %zu rejected\n", rejected, bundle_len);
}

static void appended_bytes_are_rejected(void **state)
{
    (void)state;
    uint8_t *copy = malloc(bundle_len + 64);
    memcpy(copy, bundle, bundle_len);
    memset(copy + bundle_len, 0, 64);
    for (size_t extra = 1; extra <= 64; extra++)
        assert_true(afmt_error_is_integrity(check(copy, bundle_len + extra)));
    /* a second copy of the trailer after the first */
    memcpy(copy + bundle_len, bundle + bundle_len - 32, 32);
    assert_true(afmt_error_is_integrity(check(copy, bundle_len + 32)));
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(original_is_accepted),
        cmocka_unit_test(every_bit_flip_is_rejected),
        cmocka_unit_test(every_truncation_is_rejected),
        cmocka_unit_test(appended_bytes_are_rejected),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
