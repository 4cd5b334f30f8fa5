/* test_entry.c - format/entry.c: the canonical entry encoding (spec 8),
 * posts and files to known bytes, their decoding, the checks of the
 * decoder, the parts iterator and the path conflict check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "format/entry.h"

static const uint8_t HASH[AFMT_HASH_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                              17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
                                              30, 31, 32};

static afmt_post full_post(void)
{
    afmt_post p;
    memset(&p, 0, sizeof p);
    p.id = "t1_b";
    p.id_len = 4;
    p.parent = "t3_a";
    p.parent_len = 4;
    p.author = "";
    p.author_len = 0; /* present and empty */
    p.title = "Tïtle";
    p.title_len = strlen("Tïtle");
    p.media_type = "text/plain";
    p.has_created = 1;
    p.created = -1; /* 1969-12-31T23:59:59Z */
    p.flags = AFMT_POST_DELETED | AFMT_POST_INCOMPLETE;
    p.missing_replies = 7;
    p.content = "body";
    p.content_len = 4;
    return p;
}

static void test_post_bytes(void **state)
{
    (void)state;
    afmt_post p = full_post();
    afmt_buf b = {0};
    char err[AFMT_ERRMSG_BYTES];
    assert_int_equal(afmt_entry_encode_post(&b, &p, HASH, err), AFMT_OK);
    /* type, flags (all six), zero salt, hash, size, created */
    assert_int_equal(b.data[0], AFMT_ENTRY_TYPE_POST);
    assert_int_equal(b.data[1], AFMT_PF_ALL);
    static const uint8_t zero[16] = {0};
    assert_memory_equal(b.data + 2, zero, 16);
    assert_memory_equal(b.data + 18, HASH, 32);
    assert_int_equal(afmt_load64(b.data + 50), 4);
    assert_int_equal((int64_t)afmt_load64(b.data + 58), -1);
    /* id, media type, parent, author, title, missing replies */
    size_t at = 66;
    static const char *const fields[] = {"t1_b", "text/plain", "t3_a", "", "Tïtle"};
    for (size_t i = 0; i < 5; i++) {
        size_t n = strlen(fields[i]);
        assert_int_equal(afmt_load16(b.data + at), n);
        assert_memory_equal(b.data + at + 2, fields[i], n);
        at += 2 + n;
    }
    assert_int_equal(afmt_load64(b.data + at), 7);
    assert_int_equal(b.len, at + 8);
    const uint8_t *key;
    size_t klen;
    afmt_entry_key(b.data, &key, &klen);
    assert_int_equal(klen, 4);
    assert_memory_equal(key, "t1_b", 4);
    afmt_buf_free(&b);
}

static void test_post_round_trip(void **state)
{
    (void)state;
    afmt_post p = full_post();
    afmt_buf b = {0};
    char err[AFMT_ERRMSG_BYTES];
    assert_int_equal(afmt_entry_encode_post(&b, &p, HASH, err), AFMT_OK);
    afmt_entry_view e;
    assert_int_equal(afmt_entry_decode(&e, b.data, b.len, err), AFMT_OK);
    assert_int_equal(e.type, AFMT_ENTRY_TYPE_POST);
    assert_memory_equal(e.hash, HASH, 32);
    assert_int_equal(e.size, 4);
    assert_int_equal(e.created, -1);
    assert_int_equal(e.id_len, 4);
    assert_memory_equal(e.id, "t1_b", 4);
    assert_memory_equal(e.parent, "t3_a", 4);
    assert_non_null(e.author);
    assert_int_equal(e.author_len, 0);
    assert_int_equal(e.title_len, p.title_len);
    assert_int_equal(e.missing_replies, 7);
    /* the smallest post: id and media type only */
    afmt_post m;
    memset(&m, 0, sizeof m);
    m.id = "x";
    m.id_len = 1;
    m.media_type = "a/b";
    b.len = 0;
    assert_int_equal(afmt_entry_encode_post(&b, &m, HASH, err), AFMT_OK);
    assert_int_equal(b.len, 66 + 3 + 5);
    assert_int_equal(b.data[1], 0);
    assert_int_equal(afmt_entry_decode(&e, b.data, b.len, err), AFMT_OK);
    assert_null(e.parent);
    assert_null(e.author);
    assert_null(e.title);
    afmt_buf_free(&b);
}

static void test_post_refused(void **state)
{
    (void)state;
    afmt_post p = full_post();
    afmt_buf b = {0};
    char err[AFMT_ERRMSG_BYTES];
    /* the encoder refuses what the format cannot hold */
    p.id_len = 0;
    assert_int_not_equal(afmt_entry_encode_post(&b, &p, HASH, err), AFMT_OK);
    p = full_post();
    p.created = AFMT_MAX_CREATED + 1;
    assert_int_equal(afmt_entry_encode_post(&b, &p, HASH, err), AFMT_E_INVALID_ARGUMENT);
    p = full_post();
    p.flags = 0x80;
    assert_int_equal(afmt_entry_encode_post(&b, &p, HASH, err), AFMT_E_INVALID_ARGUMENT);
    /* the decoder: a byte too many or too few, unknown type and flags, a
     * created time without its flag */
    p = full_post();
    b.len = 0;
    assert_int_equal(afmt_entry_encode_post(&b, &p, HASH, err), AFMT_OK);
    afmt_entry_view e;
    assert_int_equal(afmt_entry_decode(&e, b.data, b.len - 1, err), AFMT_E_FORMAT);
    afmt_buf_append_u8(&b, 0);
    assert_int_equal(afmt_entry_decode(&e, b.data, b.len, err), AFMT_E_FORMAT);
    b.len--;
    uint8_t flags1 = b.data[1];
    b.data[0] = 0x04;
    assert_int_equal(afmt_entry_decode(&e, b.data, b.len, err), AFMT_E_UNSUPPORTED);
    /* a withheld entry (spec 12.1): exactly type, old type (post or file), leaf */
    b.data[0] = 0x03;
    assert_int_equal(afmt_entry_decode(&e, b.data, b.len, err), AFMT_E_FORMAT);
    b.data[1] = AFMT_ENTRY_TYPE_POST;
    assert_int_equal(afmt_entry_decode(&e, b.data, 34, err), AFMT_OK);
    assert_int_equal(e.type, 0x03);
    assert_int_equal(e.withheld_type, AFMT_ENTRY_TYPE_POST);
    assert_ptr_equal(e.hash, b.data + 2);
    assert_int_equal(afmt_entry_decode(&e, b.data, 33, err), AFMT_E_FORMAT);
    b.data[1] = 0x03;
    assert_int_equal(afmt_entry_decode(&e, b.data, 34, err), AFMT_E_FORMAT);
    b.data[1] = 0x02;
    assert_int_equal(afmt_entry_decode(&e, b.data, 34, err), AFMT_OK);
    b.data[1] = flags1;
    b.data[0] = AFMT_ENTRY_TYPE_POST;
    b.data[1] |= 0x40;
    assert_int_equal(afmt_entry_decode(&e, b.data, b.len, err), AFMT_E_UNSUPPORTED);
    afmt_post m;
    memset(&m, 0, sizeof m);
    m.id = "x";
    m.id_len = 1;
    m.media_type = "a/b";
    b.len = 0;
    assert_int_equal(afmt_entry_encode_post(&b, &m, HASH, err), AFMT_OK);
    b.data[58] = 1; /* created 1, but no created flag */
    assert_int_equal(afmt_entry_decode(&e, b.data, b.len, err), AFMT_E_FORMAT);
    b.data[58] = 0;
    b.data[68 + 1 + 2] = 0x01; /* a control character in the media type */
    assert_int_equal(afmt_entry_decode(&e, b.data, b.len, err), AFMT_E_FORMAT);
    afmt_buf_free(&b);
}

static void test_file_and_parts(void **state)
{
    (void)state;
    afmt_buf parts = {0}, b = {0};
    char err[AFMT_ERRMSG_BYTES];
    afmt_buf_append_u8(&parts, AFMT_PART_KIND_ENTRY);
    afmt_buf_append_u64(&parts, 3);
    afmt_buf_append_u8(&parts, AFMT_PART_KIND_INLINE);
    afmt_buf_append_u16(&parts, 2);
    afmt_buf_append(&parts, "\r\n", 2);
    afmt_buf_append_u8(&parts, AFMT_PART_KIND_BLOB);
    afmt_buf_append(&parts, HASH, 32);
    afmt_buf_append_u64(&parts, 5000);
    assert_int_equal(afmt_entry_encode_file(&b, (const uint8_t *)"dir/f.txt", 9, 5010, 3,
                                            parts.data, parts.len, err),
                     AFMT_OK);
    assert_int_equal(b.data[0], AFMT_ENTRY_TYPE_FILE);
    assert_int_equal(b.data[1], 0);
    assert_int_equal(afmt_load64(b.data + 18), 5010);
    assert_int_equal(afmt_load16(b.data + 26), 9);
    assert_memory_equal(b.data + 28, "dir/f.txt", 9);
    assert_int_equal(afmt_load32(b.data + 37), 3);
    assert_int_equal(b.len, 41 + parts.len);
    const uint8_t *key;
    size_t klen;
    afmt_entry_key(b.data, &key, &klen);
    assert_memory_equal(key, "dir/f.txt", 9);

    afmt_entry_view e;
    assert_int_equal(afmt_entry_decode(&e, b.data, b.len, err), AFMT_OK);
    assert_int_equal(e.part_count, 3);
    assert_int_equal(e.size, 5010);
    afmt_part_view pv;
    size_t pos = 0;
    assert_int_equal(afmt_part_next(&pv, &e, &pos), 1);
    assert_int_equal(pv.kind, AFMT_PART_KIND_ENTRY);
    assert_int_equal(pv.entry, 3);
    assert_int_equal(afmt_part_next(&pv, &e, &pos), 1);
    assert_int_equal(pv.kind, AFMT_PART_KIND_INLINE);
    assert_int_equal(pv.size, 2);
    assert_memory_equal(pv.data, "\r\n", 2);
    assert_int_equal(afmt_part_next(&pv, &e, &pos), 1);
    assert_int_equal(pv.kind, AFMT_PART_KIND_BLOB);
    assert_int_equal(pv.size, 5000);
    assert_memory_equal(pv.data, HASH, 32);
    assert_int_equal(afmt_part_next(&pv, &e, &pos), 0);

    /* bad paths, an empty inline part, a blob of size 0, an unknown kind */
    assert_int_equal(afmt_entry_encode_file(&b, (const uint8_t *)"../x", 4, 0, 0, NULL, 0, err),
                     AFMT_E_INVALID_ARGUMENT);
    assert_int_equal(afmt_entry_encode_file(&b, (const uint8_t *)"a\\b", 3, 0, 0, NULL, 0, err),
                     AFMT_E_INVALID_ARGUMENT);
    static const uint8_t bad_parts[][12] = {
        {AFMT_PART_KIND_INLINE, 0, 0},
        {0x09},
    };
    for (size_t i = 0; i < 2; i++) {
        b.len = 0;
        assert_int_equal(afmt_entry_encode_file(&b, (const uint8_t *)"f", 1, 0, 1,
                                                bad_parts[i], i == 0 ? 3 : 1, err),
                         AFMT_OK);
        assert_int_equal(afmt_entry_decode(&e, b.data, b.len, err),
                         i == 0 ? AFMT_E_FORMAT : AFMT_E_UNSUPPORTED);
    }
    parts.len = 0;
    afmt_buf_append_u8(&parts, AFMT_PART_KIND_BLOB);
    afmt_buf_append(&parts, HASH, 32);
    afmt_buf_append_u64(&parts, 0);
    b.len = 0;
    assert_int_equal(afmt_entry_encode_file(&b, (const uint8_t *)"f", 1, 0, 1, parts.data,
                                            parts.len, err),
                     AFMT_OK);
    assert_int_equal(afmt_entry_decode(&e, b.data, b.len, err), AFMT_E_FORMAT);
    afmt_buf_free(&parts);
    afmt_buf_free(&b);
}

static afmt_path_ref ref(const char *p, uint64_t entry)
{
    afmt_path_ref r = {(const uint8_t *)p, strlen(p), entry};
    return r;
}

static void test_paths_conflict(void **state)
{
    (void)state;
    uint64_t bad = 99;
    afmt_path_ref ok[] = {ref("b", 0), ref("a", 1), ref("ab", 2), ref("a-b", 3), ref("a.b/c", 4),
                          ref("a0/b", 5)};
    assert_int_equal(afmt_paths_conflict(ok, 6, &bad), 0);
    afmt_path_ref same[] = {ref("x/y", 0), ref("z", 1), ref("x/y", 2)};
    assert_int_equal(afmt_paths_conflict(same, 3, &bad), AFMT_PATHS_SAME);
    assert_true(bad == 0 || bad == 2);
    afmt_path_ref folder[] = {ref("a/b/c", 7), ref("q", 8), ref("a/b", 9)};
    assert_int_equal(afmt_paths_conflict(folder, 3, &bad), AFMT_PATHS_FOLDER);
    assert_true(bad == 7 || bad == 9);
    assert_int_equal(afmt_paths_conflict(NULL, 0, &bad), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_bytes),
        cmocka_unit_test(test_post_round_trip),
        cmocka_unit_test(test_post_refused),
        cmocka_unit_test(test_file_and_parts),
        cmocka_unit_test(test_paths_conflict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
