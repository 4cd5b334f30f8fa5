/*
 * fuzz_proof.c - a proof of one post (spec 16), hostile: the proof text
 * parser and afmt_proof_check with the test vectors' key.  Whatever the
 * parser accepts must format back to exactly its bytes (one spelling);
 * whatever the check accepts must have a path that verifies and a post
 * entry.  Seeds: spec/vectors/proofs.
 */
#include <string.h>

#include "format/merkle.h"
#include "format/tlog_proof.h"
#include "fuzz_common.h"

/* spec/vectors/test.pub: key id D5B23C7FB4702DD2 */
static const char test_pub[] = "RWTSLXC0fzyy1RZ87bFTrCu7v8b2/h75zKN152Ja1dMwT+ukHJB92KsI";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[AFMT_ERRMSG_BYTES];
    afmt_tlog_proof tp;
    if (afmt_tlog_proof_parse(&tp, data, size, err) == AFMT_OK) {
        FUZZ_CHECK(tp.path_len <= AFMT_TLOG_PROOF_MAX_PATH);
        if (tp.extra != NULL) {
            afmt_buf out = {0};
            FUZZ_CHECK(afmt_tlog_proof_format(&out, tp.extra, tp.extra_len, tp.index, tp.path,
                                              tp.path_len, tp.note, tp.note_len) == AFMT_OK);
            FUZZ_CHECK(out.len == size && memcmp(out.data, data, size) == 0);
            afmt_buf_free(&out);
        }
        afmt_tlog_proof_free(&tp);
    }
    static afmt_public_key pk;
    static int have;
    if (!have)
        have = afmt_public_key_parse(&pk, test_pub, strlen(test_pub)) == AFMT_OK ? 1 : -1;
    FUZZ_CHECK(have == 1);
    afmt_proof *p;
    if (afmt_proof_check(&p, data, size, NULL, 0, &pk, 1) == AFMT_OK) {
        const afmt_proof_info *in = afmt_proof_get_info(p);
        FUZZ_CHECK(in->kind == AFMT_PROOF_POST && in->index < in->entries);
        FUZZ_CHECK(!in->content_checked);
        afmt_proof_free(p);
    }
    return 0;
}
