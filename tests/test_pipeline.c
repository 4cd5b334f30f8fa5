/* test_pipeline.c - write/pipeline.c: blocks compressed in worker threads
 * come back in submission order, each frame with its hash, the same bytes
 * whatever the number of threads; a refusing callback stops it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <zstd.h>

#include "write/pipeline.h"

#define NBLOCKS 40

typedef struct got {
    afmt_buf frames;          /* every frame, back to back */
    size_t raw[NBLOCKS + 1];  /* raw sizes, in the order seen */
    size_t n;
    int refuse_at;            /* return an error for this block (-1: never) */
} got;

static int done(void *ctx, const uint8_t *frame, size_t frame_len, size_t raw_len,
                const uint8_t hash[AFMT_HASH_BYTES])
{
    got *g = ctx;
    uint8_t h[32];
    crypto_hash_sha256(h, frame, frame_len);
    assert_memory_equal(h, hash, 32);
    assert_int_equal(ZSTD_getFrameContentSize(frame, frame_len), raw_len);
    if ((int)g->n == g->refuse_at)
        return AFMT_E_IO;
    g->raw[g->n++] = raw_len;
    afmt_buf_append(&g->frames, frame, frame_len);
    return 0;
}

/* Block i: i * 1000 + 1 bytes, a pattern of its own. */
static void block(afmt_buf *b, unsigned i)
{
    b->len = 0;
    for (size_t k = 0; k < (size_t)i * 1000 + 1; k++)
        afmt_buf_append_u8(b, (uint8_t)(i * 7 + k % 13));
}

static void run(got *g, unsigned threads)
{
    afmt_pipeline *p;
    char err[AFMT_ERRMSG_BYTES];
    memset(g, 0, sizeof *g);
    g->refuse_at = -1;
    assert_int_equal(afmt_pipeline_new(&p, 3, threads, done, g), AFMT_OK);
    afmt_buf raw = {0};
    for (unsigned i = 0; i < NBLOCKS; i++) {
        block(&raw, i);
        assert_int_equal(afmt_pipeline_submit(p, &raw, err), AFMT_OK);
        assert_int_equal(raw.len, 0); /* taken */
    }
    assert_int_equal(afmt_pipeline_drain(p, err), AFMT_OK);
    afmt_pipeline_free(p);
    afmt_buf_free(&raw);
}

static void test_order_and_content(void **state)
{
    (void)state;
    got g;
    run(&g, 4);
    assert_int_equal(g.n, NBLOCKS);
    /* in order: the frames decode to blocks 0, 1, 2, ... */
    size_t at = 0;
    afmt_buf want = {0};
    for (unsigned i = 0; i < NBLOCKS; i++) {
        assert_int_equal(g.raw[i], (size_t)i * 1000 + 1);
        size_t flen = ZSTD_findFrameCompressedSize(g.frames.data + at, g.frames.len - at);
        assert_false(ZSTD_isError(flen));
        uint8_t *out = malloc(g.raw[i]);
        assert_int_equal(ZSTD_decompress(out, g.raw[i], g.frames.data + at, flen), g.raw[i]);
        block(&want, i);
        assert_memory_equal(out, want.data, want.len);
        free(out);
        at += flen;
    }
    assert_int_equal(at, g.frames.len);
    afmt_buf_free(&want);
    afmt_buf_free(&g.frames);
}

static void test_same_bytes_any_threads(void **state)
{
    (void)state;
    got one, two, eight;
    run(&one, 1);
    run(&two, 2);
    run(&eight, 8);
    assert_int_equal(one.frames.len, two.frames.len);
    assert_memory_equal(one.frames.data, two.frames.data, one.frames.len);
    assert_int_equal(one.frames.len, eight.frames.len);
    assert_memory_equal(one.frames.data, eight.frames.data, one.frames.len);
    afmt_buf_free(&one.frames);
    afmt_buf_free(&two.frames);
    afmt_buf_free(&eight.frames);
}

static void test_callback_refuses(void **state)
{
    (void)state;
    for (unsigned threads = 1; threads <= 4; threads += 3) {
        got g;
        memset(&g, 0, sizeof g);
        g.refuse_at = 5;
        afmt_pipeline *p;
        char err[AFMT_ERRMSG_BYTES];
        assert_int_equal(afmt_pipeline_new(&p, 3, threads, done, &g), AFMT_OK);
        afmt_buf raw = {0};
        int rc = AFMT_OK;
        for (unsigned i = 0; i < NBLOCKS && rc == AFMT_OK; i++) {
            block(&raw, i);
            rc = afmt_pipeline_submit(p, &raw, err);
        }
        if (rc == AFMT_OK)
            rc = afmt_pipeline_drain(p, err);
        assert_int_equal(rc, AFMT_E_IO);
        assert_int_equal(g.n, 5); /* blocks 0..4 delivered, then it stopped */
        afmt_pipeline_free(p);
        afmt_buf_free(&raw);
        afmt_buf_free(&g.frames);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_content),
        cmocka_unit_test(test_same_bytes_any_threads),
        cmocka_unit_test(test_callback_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
