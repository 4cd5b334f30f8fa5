/*
 * fuzz_reader.h - what the reader harnesses do with a bundle: open it, and
 * if it opens, use every reading function and check the library's promises.
 */
#ifndef AFMT_FUZZ_READER_H
#define AFMT_FUZZ_READER_H

#include <stdlib.h>
#include <string.h>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <sodium.h>

#include "afmt.h"
#include "fuzz_common.h"

typedef struct fuzz_sink {
    SHA256_CTX st;
    uint64_t bytes;
} fuzz_sink;

static int fuzz_sink_fn(void *ctx, const void *data, size_t len)
{
    fuzz_sink *s = ctx;
    SHA256_Update(&s->st, data, len);
    s->bytes += len;
    return 0;
}

static int fuzz_problem(void *ctx, uint64_t entry, int err, const char *msg)
{
    (void)ctx;
    (void)entry;
    FUZZ_CHECK(err < 0 && msg != NULL);
    return 0;
}

static void fuzz_exercise_bundle(const char *path)
{
    afmt_reader *r;
    char err[512];
    int rc = afmt_reader_open(&r, path, err, sizeof err);
    if (rc != AFMT_OK) {
        FUZZ_CHECK(r == NULL);
        FUZZ_CHECK(afmt_strerror(rc) != NULL);
        return;
    }
    const afmt_checkpoint_info *ci = afmt_reader_checkpoint(r);
    /* The key inside the bundle signed it: trusting it must succeed. */
    FUZZ_CHECK(afmt_reader_check_signer(r, &ci->signer, 1) == AFMT_OK);
    FUZZ_CHECK(ci->entries == afmt_reader_entry_count(r));
    /* withheld entries (spec 12.1) are neither posts nor files */
    FUZZ_CHECK(ci->posts + ci->files + ci->withheld_posts + ci->withheld_files == ci->entries);
    int vrc = afmt_reader_verify(r, fuzz_problem, NULL);
    uint64_t n = afmt_reader_entry_count(r);
    for (uint64_t i = 0; i < n && i < 2000; i++) {
        afmt_entry e;
        FUZZ_CHECK(afmt_reader_entry(&e, r, i) == AFMT_OK);
        FUZZ_CHECK(e.number == i);
        if (e.type == AFMT_ENTRY_POST) {
            uint64_t found;
            FUZZ_CHECK(afmt_reader_find_post(&found, r, e.id, e.id_len) == AFMT_OK);
            FUZZ_CHECK(found == i);
        }
        fuzz_sink s;
        SHA256_Init(&s.st);
        s.bytes = 0;
        rc = afmt_reader_read(r, i, fuzz_sink_fn, &s);
        uint8_t h[32];
        SHA256_Final(h, &s.st);
        if (rc == AFMT_OK) {
            /* content is released only once it matched its signed hash */
            FUZZ_CHECK(s.bytes == e.size);
            if (e.type == AFMT_ENTRY_POST)
                FUZZ_CHECK(memcmp(h, e.hash, 32) == 0);
        } else {
            /* a bundle that verified has no content that fails to read */
            FUZZ_CHECK(vrc != AFMT_OK || rc == AFMT_E_NOMEM ||
                       (e.type == AFMT_ENTRY_WITHHELD && rc == AFMT_E_WITHHELD));
        }
        if (e.type == AFMT_ENTRY_POST) {
            void *buf;
            size_t len;
            if (afmt_reader_read_post(&buf, &len, r, i) == AFMT_OK) {
                FUZZ_CHECK(len == e.size);
                free(buf);
            }
        }
    }
    const uint8_t *cp;
    size_t cp_len;
    char *minisig = NULL;
    if (afmt_reader_checkpoint_export(&cp, &cp_len, &minisig, r) == AFMT_OK) {
        /* the exported pair verifies as a detached minisign signature */
        char *comment = NULL;
        FUZZ_CHECK(afmt_verify_detached(&comment, &ci->signer, cp, cp_len, minisig,
                                        strlen(minisig)) == AFMT_OK);
        free(comment);
        free(minisig);
    }
    afmt_reader_free(r);
}

#endif
