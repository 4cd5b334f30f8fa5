/*
 * reader.c - the reader handle: a full open (spec section 10: steps 1 to 5
 * in index_head.c, step 6 in pages.c and index_check.c), the checkpoint
 * and signer, and freeing.  Entries are served by entries.c, contents by
 * content.c, full verification by verify.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "format/note.h"
#include "format/signature.h"
#include "read/reader_internal.h"

const char *afmt_reader_errmsg(const afmt_reader *r)
{
    return r != NULL ? r->err : "";
}

void afmt_reader_free(afmt_reader *r)
{
    if (r == NULL)
        return;
    afmt_head_close(&r->head);
    free(r->rec_offsets);
    free(r->blobs);
    free(r->post_blob);
    free(r->bad_blocks);
    afmt_rd_prove_free(r);
    afmt_buf_free(&r->part_off);
    afmt_buf_free(&r->body);
    afmt_set_free(&r->blob_set);
    afmt_block_bufs_free(&r->bufs);
    free(r);
}

int afmt_reader_open_ext(afmt_reader **out, const char *path, const afmt_reader_options *opts)
{
    if (out == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_reader_open: out is NULL");
    *out = NULL;
    afmt_reader_options defaults = AFMT_READER_OPTIONS_INIT;
    int rc0 = afmt_head_options(&opts, &defaults, path != NULL, "afmt_reader_open: no path");
    if (rc0 != AFMT_OK)
        return rc0;
    const afmt_public_key *keys = opts->trusted_keys;
    size_t nkeys = opts->ntrusted_keys;
    afmt_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return AFMT_FAIL(NULL, AFMT_E_NOMEM, "out of memory");
    r->head.fd = -1;
    r->cached_block = UINT64_MAX;
    r->threads = opts->threads;
    r->hashed_blob = UINT64_MAX;
    /* Steps 1 to 5, then step 6: every page, the index's structure and the
     * root. */
    int rc = afmt_head_open(&r->head, path, keys, nkeys, r->err);
    if (rc == AFMT_OK)
        rc = afmt_rd_load_pages(r);
    if (rc == AFMT_OK)
        rc = afmt_rd_check_index(r);
    if (rc != AFMT_OK) {
        if (r->err[0] != '\0')
            afmt_error_set(rc, "%s", r->err);
        afmt_reader_free(r);
        return rc; /* the message stays in the error channel (afmt_error_last) */
    }
    *out = r;
    return AFMT_OK;
}

/* The older entry points: errbuf gets afmt_error_last()'s message. */
int afmt_reader_open_trusted(afmt_reader **out, const char *path, const afmt_public_key *keys,
                             size_t nkeys, char *errbuf, size_t errbuf_size)
{
    afmt_reader_options opts = AFMT_READER_OPTIONS_INIT;
    opts.trusted_keys = keys;
    opts.ntrusted_keys = nkeys;
    int rc = afmt_reader_open_ext(out, path, &opts);
    if (rc != AFMT_OK && errbuf != NULL && errbuf_size > 0)
        snprintf(errbuf, errbuf_size, "%s",
                 afmt_error_last_code() == rc ? afmt_error_last() : afmt_strerror(rc));
    return rc;
}

int afmt_reader_open(afmt_reader **out, const char *path, char *errbuf, size_t errbuf_size)
{
    return afmt_reader_open_trusted(out, path, NULL, 0, errbuf, errbuf_size);
}

int afmt_reader_check_signer(afmt_reader *r, const afmt_public_key *keys, size_t nkeys)
{
    if (r == NULL || (keys == NULL && nkeys > 0))
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT,
                         "afmt_reader_check_signer: no reader or keys");
    return afmt_head_signer_is(&r->head, keys, nkeys, r->err);
}

const afmt_checkpoint_info *afmt_reader_checkpoint(const afmt_reader *r)
{
    return &r->head.info;
}

int afmt_reader_checkpoint_note(char **out_note, size_t *out_len, const afmt_reader *r)
{
    if (out_note == NULL || out_len == NULL || r == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    *out_note = NULL;
    *out_len = 0;
    const afmt_index_head *h = &r->head;
    char *note;
    size_t len;
    int rc = afmt_note_format(&note, &len, h->checkpoint, h->trailer.checkpoint_size,
                              h->sig.key_id, h->sig.public_key, h->sig.note_sig);
    if (rc != AFMT_OK || h->ncosigs == 0) {
        *out_note = note;
        *out_len = rc == AFMT_OK ? len : 0;
        return rc;
    }
    /* Every cosignature, one more signature line each, in stored order. */
    afmt_buf b = {0};
    rc = afmt_buf_append(&b, note, len);
    free(note);
    for (size_t i = 0; i < h->ncosigs && rc == AFMT_OK; i++)
        rc = afmt_cosig_note_line(&b, &h->cosigs[i]);
    if (rc == AFMT_OK)
        rc = afmt_buf_append_u8(&b, '\0');
    if (rc != AFMT_OK) {
        afmt_buf_free(&b);
        return rc;
    }
    *out_note = (char *)b.data;
    *out_len = b.len - 1;
    return AFMT_OK;
}

size_t afmt_reader_cosignature_count(const afmt_reader *r)
{
    return r == NULL ? 0 : r->head.ncosigs;
}

int afmt_reader_cosignature(afmt_cosignature_info *out, const afmt_reader *r, size_t i)
{
    if (out == NULL || r == NULL || i >= r->head.ncosigs)
        return AFMT_E_INVALID_ARGUMENT;
    const afmt_cosig *c = &r->head.cosigs[i];
    memset(out, 0, sizeof *out);
    out->name = c->name;
    out->name_len = c->name_len;
    memcpy(out->key, c->key, AFMT_PUBLICKEY_BYTES);
    afmt_note_key_hash(out->key_hash, c->name, c->name_len, AFMT_NOTE_SIG_TYPE_COSIGNATURE,
                       c->key);
    out->timestamp = c->timestamp;
    return AFMT_OK;
}

int afmt_reader_checkpoint_export(const uint8_t **out_bytes, size_t *out_len,
                                  char **out_minisig, const afmt_reader *r)
{
    const afmt_index_head *h = &r->head;
    *out_bytes = h->checkpoint;
    *out_len = h->trailer.checkpoint_size;
    return afmt_sig_format_minisig(out_minisig, h->sig.key_id, h->sig.sig, h->sig.comment,
                                   h->sig.comment_len, h->sig.global_sig);
}
