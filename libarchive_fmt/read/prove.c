/*
 * prove.c - afmt_reader_prove: one post's proof (spec 16), from the
 * reader's checked index: its encoding, its audit path and the checkpoint
 * note with every signature line.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <sodium.h>

#include "format/hash.h"
#include "format/merkle.h"
#include "format/withholding.h"
#include "format/tlog_proof.h"
#include "read/reader_internal.h"

void afmt_rd_prove_free(afmt_reader *r)
{
    if (r->proof_tree != NULL) {
        afmt_merkle_tree_free(r->proof_tree);
        free(r->proof_tree);
        r->proof_tree = NULL;
    }
}

/* Hashes every leaf once and keeps every level: each proof then costs its
 * path, not a pass over the tree. */
static int build_tree(afmt_reader *r)
{
    uint64_t n = r->head.ih.entry_count;
    afmt_merkle_tree *t = calloc(1, sizeof *t);
    if (t == NULL)
        return AFMT_FAIL(r->err, AFMT_E_NOMEM, "out of memory");
    int rc = afmt_merkle_tree_init(t, n);
    if (rc != AFMT_OK) {
        free(t);
        return AFMT_FAIL(r->err, rc, "cannot hold the tree of %" PRIu64 " entries", n);
    }
    uint8_t *leaves = afmt_merkle_tree_leaves(t);
    for (uint64_t i = 0; i < n; i++) {
        uint32_t len;
        const uint8_t *enc = afmt_rd_record(r, i, &len);
        afmt_record_leaf(leaves + i * AFMT_HASH_BYTES, enc, len); /* a withheld entry: its leaf */
    }
    afmt_merkle_tree_hash(t);
    uint8_t root[AFMT_HASH_BYTES];
    afmt_merkle_tree_root(t, root);
    /* Checked at open already; a proof that could not check is never made. */
    if (sodium_memcmp(root, r->head.info.root, AFMT_HASH_BYTES) != 0) {
        afmt_merkle_tree_free(t);
        free(t);
        return AFMT_FAIL(r->err, AFMT_E_ROOT_MISMATCH, "the tree does not have the signed root");
    }
    r->proof_tree = t;
    return AFMT_OK;
}

int afmt_reader_prove(char **out_proof, size_t *out_len, afmt_reader *r, uint64_t number)
{
    if (out_proof == NULL || out_len == NULL || r == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_reader_prove: no output or reader");
    *out_proof = NULL;
    *out_len = 0;
    if (number >= r->head.ih.entry_count || afmt_rd_entry_type(r, number) != AFMT_ENTRY_TYPE_POST)
        return AFMT_FAIL(r->err, AFMT_E_INVALID_ARGUMENT, "entry %" PRIu64 " is not a post",
                         number);
    int rc;
    if (r->proof_tree == NULL && (rc = build_tree(r)) != AFMT_OK)
        return rc;
    uint8_t path[AFMT_MERKLE_MAX_PROOF * AFMT_HASH_BYTES];
    size_t path_len;
    if ((rc = afmt_merkle_tree_path(path, &path_len, r->proof_tree, number)) != AFMT_OK)
        return AFMT_FAIL(r->err, rc, "no audit path for entry %" PRIu64, number);
    char *note;
    size_t note_len;
    if ((rc = afmt_reader_checkpoint_note(&note, &note_len, r)) != AFMT_OK)
        return AFMT_FAIL(r->err, rc, "cannot write the checkpoint note");
    uint32_t enc_len;
    const uint8_t *enc = afmt_rd_record(r, number, &enc_len);
    afmt_buf b = {0};
    rc = afmt_tlog_proof_format(&b, enc, enc_len, number, path, path_len, (const uint8_t *)note,
                                note_len);
    free(note);
    if (rc == AFMT_OK)
        rc = afmt_buf_append_u8(&b, '\0');
    if (rc != AFMT_OK) {
        afmt_buf_free(&b);
        return AFMT_FAIL(r->err, rc, "cannot write the proof");
    }
    if (b.len - 1 > AFMT_PROOF_MAX_BYTES) { /* cannot happen within spec 11's limits */
        afmt_buf_free(&b);
        return AFMT_FAIL(r->err, AFMT_E_LIMIT, "the proof would be over %u bytes",
                         AFMT_PROOF_MAX_BYTES);
    }
    *out_proof = (char *)b.data;
    *out_len = b.len - 1;
    return AFMT_OK;
}
