/* test_set.c - common/set.c: the compact hash map from byte strings (kept
 * by the caller) to 32-bit values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/set.h"

/* The caller's keys: "k0", "k1", ... as value i names key i. */
#define NKEYS 5000
static char keys[NKEYS][8];

static void key_of(const void *ctx, uint32_t value, const uint8_t **key, size_t *len)
{
    (void)ctx;
    *key = (const uint8_t *)keys[value];
    *len = strlen(keys[value]);
}

static int setup(void **state)
{
    (void)state;
    for (unsigned i = 0; i < NKEYS; i++)
        snprintf(keys[i], sizeof keys[i], "k%u", i);
    return 0;
}

static void test_insert_find(void **state)
{
    (void)state;
    afmt_set s;
    assert_int_equal(afmt_set_init(&s, 4, key_of, NULL), AFMT_OK);
    /* far more than `expected`: the set grows */
    for (uint32_t i = 0; i < NKEYS; i++)
        assert_int_equal(afmt_set_insert(&s, keys[i], strlen(keys[i]), i, NULL), 1);
    for (uint32_t i = 0; i < NKEYS; i++) {
        uint32_t v = UINT32_MAX;
        assert_int_equal(afmt_set_find(&s, keys[i], strlen(keys[i]), &v), 1);
        assert_int_equal(v, i);
    }
    uint32_t v = 7;
    assert_int_equal(afmt_set_find(&s, "k", 1, &v), 0);
    assert_int_equal(afmt_set_find(&s, "k50000", 6, &v), 0);
    assert_int_equal(afmt_set_find(&s, "", 0, &v), 0);
    assert_int_equal(v, 7); /* untouched when absent */
    assert_int_equal(afmt_set_find(&s, "k1", 2, NULL), 1);
    afmt_set_free(&s);
}

static void test_duplicate(void **state)
{
    (void)state;
    afmt_set s;
    assert_int_equal(afmt_set_init(&s, 16, key_of, NULL), AFMT_OK);
    assert_int_equal(afmt_set_insert(&s, "k3", 2, 3, NULL), 1);
    /* a second insert of an equal key (the set compares bytes, not values) */
    uint32_t existing = 0;
    assert_int_equal(afmt_set_insert(&s, "k3", 2, 9, &existing), 0);
    assert_int_equal(existing, 3);
    uint32_t v;
    assert_int_equal(afmt_set_find(&s, "k3", 2, &v), 1);
    assert_int_equal(v, 3);
    afmt_set_free(&s);
}

static void test_hashed_same_as_plain(void **state)
{
    (void)state;
    afmt_set s;
    assert_int_equal(afmt_set_init(&s, 100, key_of, NULL), AFMT_OK);
    for (uint32_t i = 0; i < 100; i++) {
        uint32_t h = afmt_set_hash(&s, keys[i], strlen(keys[i]));
        assert_int_equal(h, afmt_set_hash(&s, keys[i], strlen(keys[i])));
        afmt_set_prefetch(&s, h);
        assert_int_equal(afmt_set_insert_hashed(&s, h, keys[i], strlen(keys[i]), i, NULL), 1);
    }
    for (uint32_t i = 0; i < 100; i++) {
        uint32_t existing = UINT32_MAX;
        assert_int_equal(afmt_set_insert(&s, keys[i], strlen(keys[i]), 0, &existing), 0);
        assert_int_equal(existing, i);
    }
    assert_int_equal(afmt_set_find(&s, keys[100], strlen(keys[100]), NULL), 0);
    afmt_set_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_find),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_hashed_same_as_plain),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
