/* test_layout.c - format/layout.c: header, trailer, signature section,
 * index header and page directory (spec sections 3, 4, 6, 7.1, 7.2),
 * encoded to known bytes and every check of the decoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "format/layout.h"

static void test_header(void **state)
{
    (void)state;
    uint8_t h[AFMT_HEADER_BYTES];
    char err[AFMT_ERRMSG_BYTES];
    afmt_header_encode(h);
    static const uint8_t magic[8] = {0x8A, 'A', 'F', 'M', 'T', 0x0D, 0x0A, 0x1A};
    assert_memory_equal(h, magic, 8);
    assert_int_equal(afmt_load32(h + 8), AFMT_FORMAT_VERSION);
    assert_int_equal(afmt_load32(h + 12), 0);
    assert_int_equal(afmt_header_check(h, err), AFMT_OK);
    h[0] = 0x0A; /* 7-bit transport */
    assert_int_equal(afmt_header_check(h, err), AFMT_E_FORMAT);
    afmt_header_encode(h);
    afmt_store32(h + 8, AFMT_FORMAT_VERSION + 1);
    assert_int_equal(afmt_header_check(h, err), AFMT_E_UNSUPPORTED);
    afmt_header_encode(h);
    h[12] = 1;
    assert_int_equal(afmt_header_check(h, err), AFMT_E_UNSUPPORTED);
    assert_non_null(strstr(err, "flags"));
}

static void test_trailer(void **state)
{
    (void)state;
    uint8_t b[AFMT_TRAILER_BYTES];
    char err[AFMT_ERRMSG_BYTES];
    afmt_trailer t = {.index_offset = 100, .index_size = 200, .checkpoint_size = 300,
                      .signature_size = AFMT_SIGNATURE_FIXED_BYTES + 10};
    afmt_trailer_encode(b, &t);
    assert_int_equal(afmt_load64(b), 100);
    assert_int_equal(afmt_load64(b + 8), 200);
    assert_int_equal(afmt_load32(b + 16), 300);
    assert_int_equal(afmt_load32(b + 20), AFMT_SIGNATURE_FIXED_BYTES + 10);
    static const uint8_t end[8] = {0x1A, 0x0A, 0x0D, 'T', 'M', 'F', 'A', 0x8A};
    assert_memory_equal(b + 24, end, 8);
    uint64_t size = 100 + 200 + 300 + AFMT_SIGNATURE_FIXED_BYTES + 10 + AFMT_TRAILER_BYTES;
    afmt_trailer d;
    assert_int_equal(afmt_trailer_decode(&d, b, size, err), AFMT_OK);
    assert_int_equal(d.index_offset, 100);
    assert_int_equal(d.index_size, 200);
    assert_int_equal(d.checkpoint_size, 300);
    assert_int_equal(d.signature_size, AFMT_SIGNATURE_FIXED_BYTES + 10);
    /* sizes that do not add up to the file, a missing end marker, limits */
    assert_int_equal(afmt_trailer_decode(&d, b, size + 1, err), AFMT_E_FORMAT);
    assert_int_equal(afmt_trailer_decode(&d, b, size - 1, err), AFMT_E_FORMAT);
    b[31] ^= 1;
    assert_int_equal(afmt_trailer_decode(&d, b, size, err), AFMT_E_TRUNCATED);
    t.checkpoint_size = AFMT_MAX_CHECKPOINT_BYTES + 1;
    afmt_trailer_encode(b, &t);
    assert_int_equal(afmt_trailer_decode(&d, b, size, err), AFMT_E_LIMIT);
    t.checkpoint_size = 300;
    t.signature_size = AFMT_SIGNATURE_FIXED_BYTES - 1;
    afmt_trailer_encode(b, &t);
    assert_int_equal(afmt_trailer_decode(&d, b, size, err), AFMT_E_FORMAT);
    /* an index offset inside the header */
    t.signature_size = AFMT_SIGNATURE_FIXED_BYTES + 10;
    t.index_offset = 8;
    t.index_size = 292;
    afmt_trailer_encode(b, &t);
    assert_int_equal(afmt_trailer_decode(&d, b, size, err), AFMT_E_FORMAT);
    /* an index too short for its header */
    t.index_offset = 300 + 200 - AFMT_INDEX_HEADER_BYTES + 1;
    t.index_size = AFMT_INDEX_HEADER_BYTES - 1;
    afmt_trailer_encode(b, &t);
    assert_int_equal(afmt_trailer_decode(&d, b, size, err), AFMT_E_FORMAT);
}

static void test_sigsec(void **state)
{
    (void)state;
    afmt_sigsec s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 8; i++)
        s.key_id[i] = (uint8_t)(0x10 + i);
    memset(s.sig, 0xAB, 64);
    memset(s.global_sig, 0xCD, 64);
    memset(s.public_key, 0xEF, 32);
    s.comment = "hello";
    s.comment_len = 5;
    afmt_buf b = {0};
    char err[AFMT_ERRMSG_BYTES];
    assert_int_equal(afmt_sigsec_encode(&b, &s), AFMT_OK);
    assert_int_equal(b.len, AFMT_SIGNATURE_FIXED_BYTES + 5);
    assert_memory_equal(b.data, "ED", 2);
    assert_memory_equal(b.data + 2, s.key_id, 8);
    assert_int_equal(afmt_load16(b.data + 74), 5);
    assert_memory_equal(b.data + 76, "hello", 5);
    assert_memory_equal(b.data + 145, "Ed", 2);
    assert_memory_equal(b.data + 147, s.key_id, 8);
    afmt_sigsec d;
    assert_int_equal(afmt_sigsec_decode(&d, b.data, b.len, err), AFMT_OK);
    assert_memory_equal(d.sig, s.sig, 64);
    assert_memory_equal(d.global_sig, s.global_sig, 64);
    assert_memory_equal(d.public_key, s.public_key, 32);
    assert_int_equal(d.comment_len, 5);
    assert_memory_equal(d.comment, "hello", 5);
    /* one byte more or less, a legacy signature, key ids that differ, a
     * comment with a control character */
    assert_int_equal(afmt_sigsec_decode(&d, b.data, b.len - 1, err), AFMT_E_FORMAT);
    b.data[1] = 'd';
    assert_int_equal(afmt_sigsec_decode(&d, b.data, b.len, err), AFMT_E_UNSUPPORTED);
    b.data[1] = 'D';
    b.data[147] ^= 1;
    assert_int_equal(afmt_sigsec_decode(&d, b.data, b.len, err), AFMT_E_FORMAT);
    b.data[147] ^= 1;
    b.data[78] = '\n';
    assert_int_equal(afmt_sigsec_decode(&d, b.data, b.len, err), AFMT_E_FORMAT);
    afmt_buf_free(&b);
}

static void test_index_header(void **state)
{
    (void)state;
    afmt_index_header h = {.entry_count = 5000, .post_count = 4100, .block_count = 3,
                           .blob_count = 2, .record_pages = 2, .records_size = 5000 * 100};
    uint8_t b[AFMT_INDEX_HEADER_BYTES];
    char err[AFMT_ERRMSG_BYTES];
    afmt_index_header_encode(b, &h);
    assert_int_equal(afmt_load32(b), AFMT_COMPRESSION_ZSTD);
    assert_int_equal(afmt_load32(b + 4), 0);
    assert_int_equal(afmt_load64(b + 8), 5000);
    assert_int_equal(afmt_load64(b + 16), 4100);
    assert_int_equal(afmt_load64(b + 48), 500000);
    afmt_index_header d;
    assert_int_equal(afmt_index_header_decode(&d, b, 1 << 20, err), AFMT_OK);
    assert_int_equal(d.id_pages, 2);          /* 4100 posts: 4096 + 4 rows */
    assert_int_equal(d.page_count, 2 + 2 + 2);
    assert_int_equal(d.head_size, AFMT_INDEX_HEADER_BYTES + 6 * AFMT_PAGE_ROW_BYTES);
    assert_int_equal(d.body_size, 3 * 56 + 2 * 8 + 500000 + 12 * 4100); /* id rows: 12 bytes */
    /* the directory must fit in the index */
    assert_int_equal(afmt_index_header_decode(&d, b, d.head_size - 1, err), AFMT_E_FORMAT);
    /* more posts than entries, record pages without entries, a count over the limit */
    afmt_index_header bad = h;
    bad.post_count = 5001;
    afmt_index_header_encode(b, &bad);
    assert_int_equal(afmt_index_header_decode(&d, b, 1 << 20, err), AFMT_E_FORMAT);
    bad = h;
    bad.entry_count = bad.post_count = bad.records_size = 0;
    afmt_index_header_encode(b, &bad);
    assert_int_equal(afmt_index_header_decode(&d, b, 1 << 20, err), AFMT_E_FORMAT);
    bad = h;
    bad.block_count = (uint64_t)AFMT_MAX_BLOCKS + 1;
    afmt_index_header_encode(b, &bad);
    assert_int_equal(afmt_index_header_decode(&d, b, 1 << 20, err), AFMT_E_LIMIT);
    bad = h;
    bad.entry_count = bad.records_size / AFMT_MIN_RECORD_BYTES + 1;
    afmt_index_header_encode(b, &bad);
    assert_int_equal(afmt_index_header_decode(&d, b, 1 << 20, err), AFMT_E_FORMAT);
    afmt_index_header_encode(b, &h);
    b[4] = 1; /* index flags */
    assert_int_equal(afmt_index_header_decode(&d, b, 1 << 20, err), AFMT_E_UNSUPPORTED);
}

/* A directory for 3 entries (2 posts) in one record page: block table,
 * blob table, record page, id page. */
static void test_page_directory(void **state)
{
    (void)state;
    afmt_index_header h = {.entry_count = 3, .post_count = 2, .block_count = 1,
                           .blob_count = 0, .record_pages = 1, .records_size = 300};
    uint8_t ib[AFMT_INDEX_HEADER_BYTES], hash[AFMT_HASH_BYTES];
    char err[AFMT_ERRMSG_BYTES];
    afmt_index_header_encode(ib, &h);
    assert_int_equal(afmt_index_header_decode(&h, ib, 1 << 20, err), AFMT_OK);
    memset(hash, 0x77, sizeof hash);
    uint8_t dir[4 * AFMT_PAGE_ROW_BYTES];
    afmt_page_row_encode(dir, 20, 56, 0, hash);
    afmt_page_row_encode(dir + 48, 9, 0, 0, hash);
    afmt_page_row_encode(dir + 96, 100, 300, 0, hash);
    afmt_page_row_encode(dir + 144, 15, 2 * AFMT_ID_ROW_BYTES, 12345, hash);
    assert_int_equal(afmt_load32(dir + 96), 100);
    assert_int_equal(afmt_load32(dir + 100), 300);
    assert_memory_equal(dir + 16, hash, 32);
    afmt_page_row rows[4];
    assert_int_equal(afmt_page_dir_decode(rows, &h, dir, 1000, 144, err), AFMT_OK);
    assert_int_equal(rows[0].offset, 1000);
    assert_int_equal(rows[1].offset, 1020);
    assert_int_equal(rows[2].offset, 1029);
    assert_int_equal(rows[3].offset, 1129);
    assert_int_equal(rows[3].first, 12345);
    assert_ptr_equal(rows[2].hash, dir + 96 + 16);
    /* the pages must tile the index exactly */
    assert_int_equal(afmt_page_dir_decode(rows, &h, dir, 1000, 145, err), AFMT_E_FORMAT);
    assert_int_equal(afmt_page_dir_decode(rows, &h, dir, 1000, 143, err), AFMT_E_FORMAT);
    /* the block table's size is the one its count requires */
    afmt_page_row_encode(dir, 20, 57, 0, hash);
    assert_int_equal(afmt_page_dir_decode(rows, &h, dir, 1000, 144, err), AFMT_E_FORMAT);
    afmt_page_row_encode(dir, 20, 56, 0, hash);
    /* an id page of two rows is 24 bytes (u64 key, u32 entry), not 8 */
    afmt_page_row_encode(dir + 144, 15, 8, 12345, hash);
    assert_int_equal(afmt_page_dir_decode(rows, &h, dir, 1000, 144, err), AFMT_E_FORMAT);
    afmt_page_row_encode(dir + 144, 15, 2 * AFMT_ID_ROW_BYTES, 12345, hash);
    /* the first record page starts at entry 0 */
    afmt_page_row_encode(dir + 96, 100, 300, 1, hash);
    assert_int_equal(afmt_page_dir_decode(rows, &h, dir, 1000, 144, err), AFMT_E_FORMAT);
    /* a page that declares more than its frame may hold: a bomb */
    afmt_page_row_encode(dir + 96, 1, 300 + AFMT_INDEX_RATIO_SLACK + AFMT_INDEX_RATIO_MAX, 0,
                         hash);
    afmt_page_row_encode(dir + 144, 114, 2 * AFMT_ID_ROW_BYTES, 12345, hash);
    assert_int_equal(afmt_page_dir_decode(rows, &h, dir, 1000, 144, err), AFMT_E_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_trailer),
        cmocka_unit_test(test_sigsec),
        cmocka_unit_test(test_index_header),
        cmocka_unit_test(test_page_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
