/*
 * fuzz_attestations.c - the attestation records (spec 12.2) of a signed
 * bundle: the input replaces everything after note_sig in a valid vector
 * (FUZZ_BASE_BUNDLE, one-post.afmt) and the trailer is fixed to match, so
 * every input reaches the records past the signatures, which random bytes
 * in fuzz_bundle never do.  Seeds: the records of every vector that has
 * some (tests/fuzz/run cuts them out).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "afmt.h"
#include "common/internal.h"
#include "format/layout.h"
#include "fuzz_common.h"
#include "fuzz_reader.h"

#ifndef FUZZ_BASE_BUNDLE
#error "FUZZ_BASE_BUNDLE names the valid bundle the records are put into"
#endif

static uint8_t *base;
static size_t base_keep; /* bytes up to and including note_sig */
static uint8_t base_trailer[AFMT_TRAILER_BYTES];
static size_t base_note_lines; /* lines of the base's note: no cosignature */

static size_t note_lines(const afmt_reader *r)
{
    char *note;
    size_t len, lines = 0;
    FUZZ_CHECK(afmt_reader_checkpoint_note(&note, &len, r) == AFMT_OK);
    for (size_t i = 0; i < len; i++)
        lines += note[i] == '\n';
    free(note);
    return lines;
}

static void load_base(void)
{
    FILE *f = fopen(FUZZ_BASE_BUNDLE, "rb");
    FUZZ_CHECK(f != NULL);
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    FUZZ_CHECK(n >= AFMT_HEADER_BYTES + AFMT_TRAILER_BYTES && n < sizeof buf);
    const uint8_t *t = buf + n - AFMT_TRAILER_BYTES;
    uint64_t sig_off = afmt_load64(t) + afmt_load64(t + 8) + afmt_load32(t + 16);
    FUZZ_CHECK(sig_off + AFMT_SIGNATURE_FIXED_BYTES <= n);
    size_t comment = afmt_load16(buf + sig_off + 74);
    base_keep = sig_off + AFMT_SIGNATURE_FIXED_BYTES + comment;
    FUZZ_CHECK(base_keep + AFMT_TRAILER_BYTES <= n);
    memcpy(base_trailer, t, AFMT_TRAILER_BYTES);
    base = buf;
    afmt_reader *r;
    FUZZ_CHECK(afmt_reader_open(&r, FUZZ_BASE_BUNDLE, NULL, 0) == AFMT_OK);
    FUZZ_CHECK(afmt_reader_cosignature_count(r) == 0);
    base_note_lines = note_lines(r);
    afmt_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (base == NULL)
        load_base();
    if (size > AFMT_MAX_ATTESTATION_BYTES + 16)
        return 0;
    size_t total = base_keep + size + AFMT_TRAILER_BYTES;
    uint8_t *file = malloc(total);
    if (file == NULL)
        return 0;
    memcpy(file, base, base_keep);
    if (size > 0)
        memcpy(file + base_keep, data, size);
    /* the base's trailer, with the signature section's new size */
    uint8_t *t = file + base_keep + size;
    memcpy(t, base_trailer, AFMT_TRAILER_BYTES);
    afmt_store32(t + 20, afmt_load32(base_trailer + 20) + (uint32_t)size);
    char path[64];
    int fd = fuzz_memfd(file, total, path);
    free(file);
    if (fd < 0)
        return 0;
    fuzz_exercise_bundle(path);
    /* What opens must have verified every cosignature it reports, and
     * the note must carry one line each. */
    afmt_reader *r;
    char err[256];
    if (afmt_reader_open(&r, path, err, sizeof err) == AFMT_OK) {
        size_t n = afmt_reader_cosignature_count(r);
        FUZZ_CHECK(n <= 16);
        FUZZ_CHECK(note_lines(r) == base_note_lines + n);
        char *note;
        size_t note_len;
        FUZZ_CHECK(afmt_reader_checkpoint_note(&note, &note_len, r) == AFMT_OK);
        for (size_t i = 0; i < n; i++) {
            afmt_cosignature_info c;
            FUZZ_CHECK(afmt_reader_cosignature(&c, r, i) == AFMT_OK);
            FUZZ_CHECK(c.name_len >= 1 && c.name_len <= 255);
            FUZZ_CHECK(memmem(note, note_len, c.name, c.name_len) != NULL);
        }
        FUZZ_CHECK(afmt_reader_cosignature(&(afmt_cosignature_info){0}, r, n) != AFMT_OK);
        free(note);
        afmt_reader_free(r);
    }
    close(fd);
    return 0;
}
