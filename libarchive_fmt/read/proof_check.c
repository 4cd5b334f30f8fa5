/*
 * proof_check.c - afmt_proof_check: one post's proof (spec 16) checked
 * with nothing but the proof, the post's bytes and the trusted keys, in
 * the order c2sp.org/tlog-proof gives: the note's signature, then the
 * leaf from the extra data, through the audit path to the signed root,
 * then the post's bytes against the entry's content hash.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <sodium.h>

#include "format/checkpoint.h"
#include "format/entry.h"
#include "format/hash.h"
#include "format/merkle.h"
#include "format/note.h"
#include "format/tlog_proof.h"

struct afmt_proof {
    uint8_t *text; /* a copy of the proof: what info's strings borrow */
    afmt_tlog_proof parsed;
    afmt_proof_info info;
};

void afmt_proof_free(afmt_proof *p)
{
    if (p == NULL)
        return;
    afmt_tlog_proof_free(&p->parsed);
    free(p->text);
    free(p);
}

const afmt_proof_info *afmt_proof_get_info(const afmt_proof *p)
{
    return p == NULL ? NULL : &p->info;
}

/* The post's fields as the reader's afmt_entry gives them (entries.c). */
static void fill_post(afmt_entry *out, const afmt_entry_view *e, uint64_t number)
{
    memset(out, 0, sizeof *out);
    out->type = AFMT_ENTRY_POST;
    out->number = number;
    out->id = (const char *)e->id;
    out->id_len = e->id_len;
    out->parent = (const char *)e->parent;
    out->parent_len = e->parent_len;
    out->author = (const char *)e->author;
    out->author_len = e->author_len;
    out->title = (const char *)e->title;
    out->title_len = e->title_len;
    out->media_type = (const char *)e->media;
    out->media_type_len = e->media_len;
    out->has_created = (e->flags & AFMT_PF_CREATED) != 0;
    out->created = e->created;
    out->flags = ((e->flags & AFMT_PF_DELETED) ? AFMT_POST_DELETED : 0) |
                 ((e->flags & AFMT_PF_INCOMPLETE) ? AFMT_POST_INCOMPLETE : 0);
    out->missing_replies = e->missing_replies;
    out->size = e->size;
    memcpy(out->hash, e->hash, AFMT_HASH_BYTES);
    out->block = UINT64_MAX;
}

/* Everything but the allocation of the handle. */
static int check(afmt_proof *p, size_t proof_len, const void *post, size_t post_len,
                 const afmt_public_key *keys, size_t nkeys)
{
    afmt_proof_info *info = &p->info;
    char err[AFMT_ERRMSG_BYTES], msg[AFMT_ERRMSG_BYTES];
    int rc = afmt_tlog_proof_parse(&p->parsed, p->text, proof_len, err);
    if (rc != AFMT_OK)
        return rc;
    const afmt_tlog_proof *tp = &p->parsed;
    /* The note first: nothing in the proof is read as a claim before a
     * trusted key has signed the checkpoint (C2SP: ignore the text unless
     * signed). */
    const uint8_t *text;
    size_t text_len;
    if ((rc = afmt_note_open(&text, &text_len, &info->signer, &info->other_signatures, tp->note,
                             tp->note_len, keys, nkeys, err)) != AFMT_OK)
        return rc;
    afmt_checkpoint cp;
    if ((rc = afmt_checkpoint_parse(&cp, text, text_len, msg)) != AFMT_OK)
        return AFMT_FAIL(err, rc, "checkpoint: %s", msg);
    char origin[AFMT_ORIGIN_BYTES + 1];
    afmt_checkpoint_origin(origin, info->signer.key_id, info->signer.key, cp.created, cp.entries,
                           cp.root);
    if (cp.origin_len != AFMT_ORIGIN_BYTES || memcmp(cp.origin, origin, AFMT_ORIGIN_BYTES) != 0)
        return AFMT_FAIL(err, AFMT_E_FORMAT,
                         "the checkpoint's origin is not the log of this signer, time and root");
    info->origin = cp.origin;
    info->origin_len = cp.origin_len;
    info->title = cp.title;
    info->title_len = cp.title_len;
    info->created = cp.created;
    info->entries = cp.entries;
    info->index = tp->index;
    memcpy(info->root, cp.root, AFMT_HASH_BYTES);
    /* The leaf, from the extra data (spec 16). */
    if (tp->extra == NULL)
        return AFMT_FAIL(err, AFMT_E_FORMAT, "the proof has no extra line (the entry encoding)");
    if (tp->extra[0] == 0x03)
        return AFMT_FAIL(err, AFMT_E_UNSUPPORTED,
                         "the proof is of a withheld entry (spec 12.1), which this version "
                         "does not read");
    afmt_entry_view view;
    if ((rc = afmt_entry_decode(&view, tp->extra, tp->extra_len, msg)) != AFMT_OK)
        return AFMT_FAIL(err, rc, "the proof's entry: %s", msg);
    if (view.type != AFMT_ENTRY_TYPE_POST)
        return AFMT_FAIL(err, AFMT_E_UNSUPPORTED, "the proof's entry is a file, not a post");
    afmt_hash_leaf(info->leaf, tp->extra, tp->extra_len);
    if (tp->index >= cp.entries)
        return AFMT_FAIL(err, AFMT_E_FORMAT, "entry %" PRIu64 " of a bundle of %" PRIu64
                         " entries", tp->index, cp.entries);
    if (afmt_merkle_verify_inclusion(tp->index, cp.entries, info->leaf, tp->path, tp->path_len,
                                     cp.root) != AFMT_OK)
        return AFMT_FAIL(err, AFMT_E_ROOT_MISMATCH,
                         "the audit path does not lead from entry %" PRIu64
                         "'s leaf to the signed root", tp->index);
    info->kind = AFMT_PROOF_POST;
    fill_post(&info->post, &view, tp->index);
    if (post != NULL) {
        uint8_t h[AFMT_HASH_BYTES];
        if (post_len != view.size)
            return AFMT_FAIL(err, AFMT_E_HASH_MISMATCH,
                             "the post is %zu bytes, the proven entry says %" PRIu64, post_len,
                             view.size);
        afmt_content_hash(h, post, post_len);
        if (sodium_memcmp(h, view.hash, AFMT_HASH_BYTES) != 0)
            return AFMT_FAIL(err, AFMT_E_HASH_MISMATCH,
                             "the post's bytes do not match the proven content hash");
        info->content_checked = 1;
    }
    return AFMT_OK;
}

int afmt_proof_check(afmt_proof **out, const void *proof, size_t proof_len, const void *post,
                     size_t post_len, const afmt_public_key *keys, size_t nkeys)
{
    if (out == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_proof_check: out is NULL");
    *out = NULL;
    if (proof == NULL || keys == NULL || nkeys == 0)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT,
                         "afmt_proof_check: no proof, or no trusted key");
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    if (proof_len > AFMT_PROOF_MAX_BYTES)
        return AFMT_FAIL(NULL, AFMT_E_LIMIT, "proof over %u bytes", AFMT_PROOF_MAX_BYTES);
    afmt_proof *p = calloc(1, sizeof *p);
    if (p == NULL || (p->text = malloc(proof_len + 1)) == NULL) {
        free(p);
        return AFMT_FAIL(NULL, AFMT_E_NOMEM, "out of memory");
    }
    memcpy(p->text, proof, proof_len);
    p->text[proof_len] = 0;
    int rc = check(p, proof_len, post, post_len, keys, nkeys);
    if (rc != AFMT_OK) {
        afmt_proof_free(p);
        return rc;
    }
    *out = p;
    return AFMT_OK;
}
