/*
 * verify.c - full verification (spec section 10, last paragraph): every
 * block's hash and frame, every content's hash, every file's parts.  Keeps
 * going after a problem so that every altered post can be named.
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "common/fileio.h"
#include "read/reader_internal.h"

typedef struct vstate {
    afmt_reader *r;
    afmt_problem_fn problem;
    void *ctx;
    int first;      /* first error found */
    int stop;       /* the callback asked to stop */
    uint8_t *bad;   /* per blob: 1 when its content is altered or unreadable */
} vstate;

static void report(vstate *v, uint64_t entry, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(vstate *v, uint64_t entry, int err, const char *fmt, ...)
{
    char msg[AFMT_ERRMSG_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (v->first == AFMT_OK) {
        v->first = err;
        AFMT_FAIL(v->r->err, err, "%s", msg);
    }
    if (v->problem != NULL && v->problem(v->ctx, entry, err, msg) != 0)
        v->stop = 1;
}

static int is_bad(const vstate *v, uint64_t blob)
{
    return v->bad[blob];
}

/* Blocks are checked by worker threads, each with its own buffers; the
 * results go to per-block and per-blob slots that only one thread writes,
 * and are reported in block order afterwards. */
typedef struct vshared {
    const afmt_reader *r;
    const uint64_t *first_blob; /* per block, and one past the last */
    uint8_t *bad;               /* per blob */
    int *block_rc;              /* per block */
    afmt_buf failures;          /* (u64 block, message) records, under mu */
    uint64_t next;              /* the next block to take */
    pthread_mutex_t mu;
} vshared;

/* A failed block's message, kept only for the (few) blocks that fail. */
typedef struct vfailure {
    uint64_t block;
    char msg[AFMT_ERRMSG_BYTES];
} vfailure;

static int failure_cmp(const void *a, const void *b)
{
    const vfailure *x = a, *y = b;
    return (x->block > y->block) - (x->block < y->block);
}

static void *check_blocks(void *arg)
{
    vshared *sh = arg;
    const afmt_reader *r = sh->r;
    afmt_block_bufs bufs = {0};
    char msg[AFMT_ERRMSG_BYTES];
    for (;;) {
        pthread_mutex_lock(&sh->mu);
        uint64_t b = sh->next++;
        pthread_mutex_unlock(&sh->mu);
        if (b >= r->head.ih.block_count)
            break;
        int rc = afmt_rd_decode_block(r, b, &bufs, msg);
        sh->block_rc[b] = rc;
        if (rc != AFMT_OK) {
            /* Not what was signed, or not decodable: its bytes are not
             * looked at, and every content in it counts as altered. */
            vfailure f;
            f.block = b;
            memcpy(f.msg, msg, sizeof f.msg);
            pthread_mutex_lock(&sh->mu);
            if (afmt_buf_append(&sh->failures, &f, sizeof f) != AFMT_OK)
                rc = AFMT_E_NOMEM;
            pthread_mutex_unlock(&sh->mu);
            sh->block_rc[b] = rc;
            memset(sh->bad + sh->first_blob[b], 1,
                   (size_t)(sh->first_blob[b + 1] - sh->first_blob[b]));
            continue;
        }
        for (uint64_t i = sh->first_blob[b]; i < sh->first_blob[b + 1]; i++) {
            uint8_t h[AFMT_HASH_BYTES];
            afmt_content_hash(h, bufs.data + afmt_rd_blob_offset(r, i),
                              (size_t)afmt_rd_blob_size(r, i));
            sh->bad[i] = sodium_memcmp(h, afmt_rd_blob_hash(r, i), AFMT_HASH_BYTES) != 0;
        }
    }
    afmt_block_bufs_free(&bufs);
    return NULL;
}

static uint64_t blob_of(const afmt_reader *r, const uint8_t *hash)
{
    uint32_t blob;
    if (!afmt_set_find(&r->blob_set, hash, AFMT_HASH_BYTES, &blob))
        return UINT64_MAX; /* cannot happen: checked at open */
    return blob;
}

static void check_entries(vstate *v)
{
    afmt_reader *r = v->r;
    for (uint64_t i = 0; i < r->head.ih.entry_count && !v->stop; i++) {
        afmt_entry_view e;
        afmt_rd_entry_view(&e, r, i);
        if (e.type == AFMT_ENTRY_TYPE_POST) {
            if (e.size > 0 && is_bad(v, r->post_blob[i]))
                report(v, i, AFMT_E_HASH_MISMATCH,
                       "post content is in an altered block or does not match its hash");
            continue;
        }
        afmt_part_view part;
        size_t pos = 0;
        while (afmt_part_next(&part, &e, &pos)) {
            const uint8_t *hash = part.data;
            uint64_t size = part.size;
            if (part.kind == AFMT_PART_KIND_INLINE)
                continue;
            if (part.kind == AFMT_PART_KIND_ENTRY) {
                afmt_entry_view pe;
                afmt_rd_entry_view(&pe, r, part.entry);
                hash = pe.hash;
                size = pe.size;
            }
            if (size > 0 && is_bad(v, blob_of(r, hash))) {
                report(v, i, AFMT_E_HASH_MISMATCH,
                       "file bytes do not match their signed hashes");
                break;
            }
        }
    }
}

int afmt_reader_verify(afmt_reader *r, afmt_problem_fn problem, void *ctx)
{
    if (r == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_reader_verify: no reader");
    uint64_t nb = r->head.ih.block_count;
    vstate v = {r, problem, ctx, AFMT_OK, 0, NULL};
    vshared sh = {r, NULL, NULL, NULL, {NULL, 0, 0}, 0, PTHREAD_MUTEX_INITIALIZER};
    uint64_t *first = malloc((size_t)(nb + 1) * sizeof *first);
    v.bad = calloc((size_t)(r->head.ih.blob_count + 1), 1);
    sh.block_rc = calloc((size_t)(nb + 1), sizeof *sh.block_rc);
    int rc = AFMT_OK;
    if (first == NULL || v.bad == NULL || sh.block_rc == NULL) {
        rc = AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
        goto done;
    }
    /* Blobs are in storage order: block b holds [first[b], first[b+1]). */
    for (uint64_t b = 0, i = 0; b <= nb; b++) {
        while (b < nb && i < r->head.ih.blob_count && afmt_rd_blob_block(r, i) < b)
            i++;
        first[b] = b < nb ? i : r->head.ih.blob_count;
    }
    sh.first_blob = first;
    sh.bad = v.bad;
    unsigned nthreads = afmt_rd_threads(r);
    if (nthreads > 8)
        nthreads = 8;
    if (nthreads > nb)
        nthreads = nb > 0 ? (unsigned)nb : 1;
    pthread_t threads[8];
    unsigned started = 0;
    for (unsigned t = 1; t < nthreads; t++)
        if (pthread_create(&threads[started], NULL, check_blocks, &sh) == 0)
            started++;
    check_blocks(&sh); /* this thread works too */
    for (unsigned t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    /* Failures in block order, whatever thread found them first. */
    vfailure *fails = (vfailure *)sh.failures.data;
    size_t nfails = sh.failures.len / sizeof *fails, k = 0;
    if (nfails > 1)
        qsort(fails, nfails, sizeof *fails, failure_cmp);
    for (uint64_t b = 0; b < nb && !v.stop; b++) {
        int brc = sh.block_rc[b];
        if (brc == AFMT_OK)
            continue;
        while (k < nfails && fails[k].block < b)
            k++;
        const char *msg = k < nfails && fails[k].block == b ? fails[k].msg : "out of memory";
        if (brc == AFMT_E_NOMEM || brc == AFMT_E_IO) {
            rc = AFMT_FAIL(r->err, brc, "%s", msg);
            goto done;
        }
        report(&v, UINT64_MAX, brc, "%s", msg);
    }
    if (!v.stop)
        check_entries(&v);
    rc = v.first;
done:
    if (rc != AFMT_OK && r->err[0] != '\0')
        afmt_error_set(rc, "%s", r->err); /* the first problem, not a later one */
    free(first);
    free(v.bad);
    free(sh.block_rc);
    afmt_buf_free(&sh.failures);
    pthread_mutex_destroy(&sh.mu);
    return rc;
}
