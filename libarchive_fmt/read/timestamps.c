/*
 * timestamps.c - a reader's check of an RFC 3161 timestamp record (spec
 * 12.2, kind 0x02) and what the reader tells of it: the token verified
 * over this bundle's checkpoint when the bundle is opened; trust in its
 * authority only on request, against CA certificates the caller names.
 */
#include "read/index_head.h"
#include "read/reader_internal.h"

#include <stdlib.h>

int afmt_head_timestamp(afmt_index_head *h, const afmt_attest_record *rec, size_t number,
                        char *err)
{
    if (h->tstamps == NULL) {
        h->tstamps = calloc(AFMT_MAX_TIMESTAMPS, sizeof *h->tstamps);
        if (h->tstamps == NULL)
            return AFMT_FAIL(err, AFMT_E_NOMEM, "out of memory");
    }
    if (h->ntstamps == AFMT_MAX_TIMESTAMPS) /* the framing counted them already */
        return AFMT_FAIL(err, AFMT_E_LIMIT, "too many timestamps");
    char msg[AFMT_ERRMSG_BYTES];
    int rc = afmt_tstamp_verify(&h->tstamps[h->ntstamps], rec->body, rec->len, h->checkpoint,
                                h->trailer.checkpoint_size, msg);
    if (rc != AFMT_OK)
        return AFMT_FAIL(err, rc, "attestation %zu: %s", number, msg);
    h->ntstamps++;
    return AFMT_OK;
}

size_t afmt_reader_timestamp_count(const afmt_reader *r)
{
    return r == NULL ? 0 : r->head.ntstamps;
}

int afmt_reader_timestamp(afmt_timestamp_info *out, const afmt_reader *r, size_t i)
{
    if (out == NULL || r == NULL || i >= r->head.ntstamps)
        return AFMT_E_INVALID_ARGUMENT;
    const afmt_tstamp *t = &r->head.tstamps[i];
    memset(out, 0, sizeof *out);
    out->time = t->time;
    out->authority = t->authority;
    out->serial = t->serial;
    out->token = t->der;
    out->token_len = t->der_len;
    return AFMT_OK;
}

int afmt_reader_timestamp_trusted(const afmt_reader *r, size_t i, const char *ca_file)
{
    afmt_error_clear();
    if (r == NULL || ca_file == NULL || i >= r->head.ntstamps)
        return afmt_error_set(AFMT_E_INVALID_ARGUMENT,
                              "afmt_reader_timestamp_trusted: no such timestamp");
    return afmt_tstamp_trusted(&r->head.tstamps[i], r->head.checkpoint,
                               r->head.trailer.checkpoint_size, ca_file, NULL);
}

int afmt_reader_timestamp_request(uint8_t **out, size_t *out_len, const afmt_reader *r)
{
    if (out == NULL || out_len == NULL || r == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    return afmt_tstamp_request(out, out_len, r->head.checkpoint, r->head.trailer.checkpoint_size,
                               NULL);
}
