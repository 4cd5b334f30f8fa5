/*
 * fuzz_import.c - one source importer (issue 5, item 2), chosen at build
 * time with -DFUZZ_FORMAT=AFMT_SOURCE_NDJSON (REDDIT, PUSHSHIFT, HN, MBOX).
 * The input is a source file: it is imported into a bundle written to a
 * folder in memory, and when the import and the bundle succeed, the file
 * entry read back must be the input, byte for byte (the importers'
 * contract, afmt_import.h).  Seeds: ../shared/corpus (cut to 64 KiB) and
 * examples/.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "afmt.h"
#include "afmt_import.h"
#include "fuzz_common.h"

#ifndef FUZZ_FORMAT
#error "build with -DFUZZ_FORMAT=AFMT_SOURCE_..."
#endif

static afmt_secret_key *sk;
static char out_path[512];

static void setup(void)
{
    if (sk != NULL)
        return;
    afmt_public_key pk;
    if (afmt_key_generate(&sk, &pk) != AFMT_OK)
        abort();
    char dir[] = "/dev/shm/afmt-fuzz-XXXXXX";
    char dir2[] = "/tmp/afmt-fuzz-XXXXXX";
    const char *d = mkdtemp(dir);
    if (d == NULL)
        d = mkdtemp(dir2);
    if (d == NULL)
        abort();
    snprintf(out_path, sizeof out_path, "%s/out.afmt", d);
}

typedef struct cmp_sink {
    const uint8_t *want;
    size_t len, pos;
    int same;
} cmp_sink;

static int cmp_fn(void *ctx, const void *data, size_t len)
{
    cmp_sink *c = ctx;
    if (len > c->len - c->pos || memcmp(c->want + c->pos, data, len) != 0)
        c->same = 0;
    else
        c->pos += len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    (void)afmt_source_detect("input", data, size);
    char path[64];
    int fd = fuzz_memfd(data, size, path);
    if (fd < 0)
        return 0;
    lseek(fd, 0, SEEK_SET);
    afmt_writer_options o = AFMT_WRITER_OPTIONS_INIT;
    o.threads = 1;
    o.created = 0;
    o.overwrite = 1; /* every input is imported into the same bundle name */
    afmt_writer *w;
    if (afmt_writer_open(&w, out_path, sk, &o) != AFMT_OK) {
        close(fd);
        return 0;
    }
    char err[512];
    afmt_import_stats st = {0};
    int rc = afmt_import(&st, w, FUZZ_FORMAT, fd, "input", 5);
    close(fd);
    if (rc == AFMT_OK && afmt_writer_finish(w) == AFMT_OK) {
        afmt_reader *r;
        FUZZ_CHECK(afmt_reader_open(&r, out_path, err, sizeof err) == AFMT_OK);
        FUZZ_CHECK(afmt_reader_verify(r, NULL, NULL) == AFMT_OK);
        int found = 0;
        for (uint64_t i = 0; i < afmt_reader_entry_count(r); i++) {
            afmt_entry e;
            FUZZ_CHECK(afmt_reader_entry(&e, r, i) == AFMT_OK);
            if (e.type != AFMT_ENTRY_FILE)
                continue;
            found++;
            cmp_sink c = {data, size, 0, 1};
            FUZZ_CHECK(afmt_reader_read(r, i, cmp_fn, &c) == AFMT_OK);
            FUZZ_CHECK(c.same && c.pos == size);
        }
        FUZZ_CHECK(found == 1);
        FUZZ_CHECK(st.posts == afmt_reader_checkpoint(r)->posts);
        afmt_reader_free(r);
        unlink(out_path);
    }
    afmt_writer_free(w);
    return 0;
}
