/*
 * withheld.c - a reader's withholding statement (spec 12.1, 12.2 kind
 * 0x03): the withholder's note, verified against the archiver's
 * checkpoint; its index replaces the checkpoint's in step 5.  What it
 * moves is trust for the index only: a bundle with a statement is read
 * only by a full open, whose step 6 checks every record against the
 * archiver's root before anything is released (lookup.c refuses the
 * one-post path for it).
 */
#include "read/index_head.h"

int afmt_head_withholding(afmt_index_head *h, const afmt_attest_record *rec, size_t number,
                          char *err)
{
    char msg[AFMT_ERRMSG_BYTES];
    int rc = afmt_withholding_check(&h->withholding, rec->body, rec->len, h->checkpoint,
                                    h->trailer.checkpoint_size, msg);
    if (rc != AFMT_OK)
        return AFMT_FAIL(err, rc, "attestation %zu: %s", number, msg);
    h->withheld = 1;
    h->info.withheld = 1;
    memcpy(h->info.withholder.key_id, h->withholding.key_id, AFMT_KEYID_BYTES);
    memcpy(h->info.withholder.key, h->withholding.key, AFMT_PUBLICKEY_BYTES);
    return AFMT_OK;
}
