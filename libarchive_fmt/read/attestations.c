/*
 * attestations.c - a reader's check of the attestation records (spec
 * 12.2): the framing, then each record verified against this bundle's
 * checkpoint.  None can make a failing bundle pass; one that does not
 * verify, or that this version cannot verify, refuses the bundle, so no
 * byte of the signature section is left unchecked.
 */
#include "read/index_head.h"

#include <stdlib.h>
#include <string.h>

static int check_cosignature(afmt_index_head *h, const afmt_attest_record *rec, size_t number,
                             char *err)
{
    afmt_cosig *c = &h->cosigs[h->ncosigs];
    char msg[AFMT_ERRMSG_BYTES];
    int rc = afmt_cosig_decode(c, rec->body, rec->len, msg);
    if (rc != AFMT_OK)
        return AFMT_FAIL(err, rc, "attestation %zu: %s", number, msg);
    /* One cosignature per cosigner: a note verifier would see two lines
     * with one key id and could take either. */
    for (size_t i = 0; i < h->ncosigs; i++)
        if (memcmp(h->cosigs[i].key, c->key, AFMT_PUBLICKEY_BYTES) == 0)
            return AFMT_FAIL(err, AFMT_E_FORMAT,
                             "attestation %zu: a second cosignature by %s", number, c->name);
    rc = afmt_cosig_verify(c, h->checkpoint, h->trailer.checkpoint_size);
    if (rc == AFMT_E_BAD_SIGNATURE)
        return AFMT_FAIL(err, rc, "attestation %zu: the cosignature by %s does not verify",
                         number, c->name);
    if (rc != AFMT_OK)
        return AFMT_FAIL(err, rc, "attestation %zu: cannot check the cosignature by %s: %s",
                         number, c->name, afmt_strerror(rc));
    h->ncosigs++;
    return AFMT_OK;
}

int afmt_head_attestations(afmt_index_head *h, char *err)
{
    afmt_attest_record *recs;
    size_t n;
    int rc = afmt_attest_split(&recs, &n, h->sig.attest, h->sig.attest_len, err);
    if (rc != AFMT_OK || n == 0)
        return rc;
    h->cosigs = calloc(AFMT_MAX_COSIGNATURES, sizeof *h->cosigs);
    if (h->cosigs == NULL) {
        free(recs);
        return AFMT_FAIL(err, AFMT_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n && rc == AFMT_OK; i++) {
        switch (recs[i].kind) {
        case AFMT_ATTEST_COSIGNATURE:
            rc = check_cosignature(h, &recs[i], i + 1, err);
            break;
        case AFMT_ATTEST_TIMESTAMP:
            rc = afmt_head_timestamp(h, &recs[i], i + 1, err);
            break;
        case AFMT_ATTEST_WITHHOLDING:
            rc = afmt_head_withholding(h, &recs[i], i + 1, err);
            break;
        default:
            rc = AFMT_FAIL(err, AFMT_E_UNSUPPORTED,
                           "attestation %zu is a history record: not supported by this "
                           "version", i + 1);
            break;
        }
    }
    free(recs);
    return rc;
}
