/*
 * withhold.c - afmt_withhold: a bundle rewritten with posts withheld (spec
 * 12.1).  The reader (read/) gives every record and every content checked;
 * the writer (write/) lays out the blocks, the pages and the index exactly
 * as for a new bundle, from encodings that keep their salts, with withheld
 * entries in place of the chosen ones; the archiver's checkpoint and
 * signature section are kept, and a withholding statement (spec 12.2 kind
 * 0x03) by the withholder names the new index head.  Blocks are rebuilt,
 * not copied: a block that held a withheld content must not keep its bytes,
 * and rebuilding all of them is one simple rule for every case.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "format/attestation.h"
#include "format/withholding.h"
#include "read/reader_internal.h"
#include "write/writer_internal.h"

enum { KEEP = 0, WITHHOLD_NOW = 1, WITHHELD_BEFORE = 2 };

typedef struct withhold_job {
    afmt_reader *r;
    uint8_t *mark;               /* per entry: KEEP, WITHHOLD_NOW, WITHHELD_BEFORE */
    const afmt_secret_key *sk;
} withhold_job;

/* The posts `choose` picks, then every file that holds one of them: a file
 * kept would name the post by number and keep the bytes around it (its
 * author, id and neighbours, as in a Reddit JSON file). */
static int choose_entries(withhold_job *j, afmt_withhold_fn choose, void *ctx,
                          afmt_withhold_stats *st)
{
    afmt_reader *r = j->r;
    uint64_t n = afmt_reader_entry_count(r);
    for (uint64_t i = 0; i < n; i++) {
        afmt_entry e;
        if (afmt_reader_entry(&e, r, i) != AFMT_OK)
            return AFMT_FAIL(NULL, AFMT_E_STATE, "entry %" PRIu64 " cannot be read", i);
        if (e.type == AFMT_ENTRY_WITHHELD) {
            j->mark[i] = WITHHELD_BEFORE;
            st->earlier++;
        } else if (e.type == AFMT_ENTRY_POST) {
            int c = choose(ctx, &e);
            if (c < 0)
                return AFMT_FAIL(NULL, AFMT_E_USER, "stopped by the chooser");
            if (c > 0) {
                j->mark[i] = WITHHOLD_NOW;
                st->posts++;
            }
        }
    }
    for (uint64_t i = 0; i < n; i++) {
        if (afmt_rd_entry_type(r, i) != AFMT_ENTRY_TYPE_FILE)
            continue;
        afmt_entry_view e;
        afmt_part_view part;
        size_t pos = 0;
        afmt_rd_entry_view(&e, r, i);
        while (afmt_part_next(&part, &e, &pos))
            if (part.kind == AFMT_PART_KIND_ENTRY && j->mark[part.entry] != KEEP) {
                j->mark[i] = WITHHOLD_NOW;
                st->files++;
                break;
            }
    }
    if (choose(ctx, NULL) != 0)
        return AFMT_FAIL(NULL, AFMT_E_USER, "stopped by the chooser");
    if (st->posts == 0)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "no post to withhold");
    return AFMT_OK;
}

/* A file's blob parts, stored for the entry the writer adds next. */
static int store_file_blobs(afmt_writer *w, afmt_reader *r, uint64_t i)
{
    afmt_entry_view e;
    afmt_part_view part;
    size_t pos = 0;
    uint32_t k = 0, loc[2];
    afmt_rd_entry_view(&e, r, i);
    for (; afmt_part_next(&part, &e, &pos); k++) {
        if (part.kind != AFMT_PART_KIND_BLOB)
            continue;
        uint64_t size;
        const uint8_t *data;
        uint32_t blob = afmt_rd_part_blob(r, &part, &size);
        int rc = afmt_rd_load_blob(r, blob, &data);
        if (rc != AFMT_OK)
            return AFMT_FAIL(NULL, rc, "%s", r->err);
        if ((rc = afmt_writer_store_blob(w, part.data, data, (size_t)size, i, k, loc)) != AFMT_OK)
            return rc;
    }
    return AFMT_OK;
}

/* Every entry, in order: kept as it is (its content copied, checked on the
 * way), or replaced by its leaf. */
static int rewrite_entries(afmt_writer *w, withhold_job *j)
{
    static const uint8_t nothing = 0;
    afmt_reader *r = j->r;
    afmt_buf held = {0};
    int rc = AFMT_OK;
    for (uint64_t i = 0; i < afmt_reader_entry_count(r) && rc == AFMT_OK; i++) {
        uint32_t len;
        const uint8_t *enc = afmt_rd_record(r, i, &len);
        if (j->mark[i] == WITHHOLD_NOW) {
            uint8_t leaf[AFMT_HASH_BYTES];
            afmt_record_leaf(leaf, enc, len);
            held.len = 0;
            if ((rc = afmt_withheld_encode(&held, afmt_encoding_type(enc), leaf)) == AFMT_OK)
                rc = afmt_writer_add_salted_entry(w, held.data, held.len);
        } else if (j->mark[i] == WITHHELD_BEFORE) {
            rc = afmt_writer_add_salted_entry(w, enc, len);
        } else if (afmt_encoding_type(enc) == AFMT_ENTRY_TYPE_POST) {
            const uint8_t *data = &nothing;
            if (r->post_blob[i] != UINT32_MAX &&
                (rc = afmt_rd_load_blob(r, r->post_blob[i], &data)) != AFMT_OK)
                rc = AFMT_FAIL(NULL, rc, "%s", r->err);
            if (rc == AFMT_OK)
                rc = afmt_writer_add_salted_post(w, enc, len, data);
        } else {
            if ((rc = store_file_blobs(w, r, i)) == AFMT_OK)
                rc = afmt_writer_add_salted_entry(w, enc, len);
        }
    }
    afmt_buf_free(&held);
    return rc;
}

/* The archiver's signature section with its attestations in order, the
 * withholding statement (a new one, in place of any earlier) among them. */
static int sign_statement(void *ctx, const uint8_t head[AFMT_HASH_BYTES],
                          const uint8_t root[AFMT_HASH_BYTES], uint64_t entries,
                          afmt_buf *sig, char *err)
{
    withhold_job *j = ctx;
    const afmt_index_head *h = &j->r->head;
    if (entries != h->info.entries || memcmp(root, h->info.root, AFMT_HASH_BYTES) != 0)
        return AFMT_FAIL(err, AFMT_E_ROOT_MISMATCH,
                         "the rewritten entries do not give the signed root");
    size_t fixed = h->trailer.signature_size - h->sig.attest_len;
    afmt_attest_record *recs = NULL;
    size_t n = 0;
    int rc = afmt_attest_split(&recs, &n, h->sig.attest, h->sig.attest_len, err);
    if (rc == AFMT_OK && (rc = afmt_buf_append(sig, h->sigsec_bytes, fixed)) != AFMT_OK)
        rc = AFMT_FAIL(err, rc, "out of memory");
    int placed = 0;
    for (size_t i = 0; i <= n && rc == AFMT_OK; i++) {
        uint8_t kind = i < n ? recs[i].kind : UINT8_MAX;
        if (!placed && kind >= AFMT_ATTEST_WITHHOLDING) {
            rc = afmt_withholding_encode(sig, h->checkpoint, h->trailer.checkpoint_size, head,
                                         j->sk, err);
            placed = 1;
        }
        if (rc == AFMT_OK && i < n && kind != AFMT_ATTEST_WITHHOLDING &&
            (rc = afmt_buf_append(sig, recs[i].body - AFMT_ATTEST_RECORD_HEAD,
                                  AFMT_ATTEST_RECORD_HEAD + (size_t)recs[i].len)) != AFMT_OK)
            rc = AFMT_FAIL(err, rc, "out of memory");
    }
    free(recs);
    if (rc == AFMT_OK && sig->len - fixed > AFMT_MAX_ATTESTATION_BYTES)
        rc = AFMT_FAIL(err, AFMT_E_LIMIT, "attestations over %u bytes",
                       AFMT_MAX_ATTESTATION_BYTES);
    return rc;
}

int afmt_withhold(afmt_withhold_stats *stats, const char *in_path, const char *out_path,
                  afmt_withhold_fn choose, void *ctx, const afmt_secret_key *withholder,
                  const afmt_reader_options *ropts, const afmt_writer_options *wopts)
{
    afmt_withhold_stats st = {0, 0, 0, 0};
    if (stats != NULL)
        *stats = st;
    if (in_path == NULL || out_path == NULL || choose == NULL || withholder == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT,
                         "afmt_withhold: no input, output, chooser or key");
    withhold_job j = {NULL, NULL, withholder};
    afmt_writer *w = NULL;
    int rc = afmt_reader_open_ext(&j.r, in_path, ropts);
    if (rc != AFMT_OK)
        return rc;
    uint64_t n = afmt_reader_entry_count(j.r);
    j.mark = calloc((size_t)(n ? n : 1), 1);
    if (j.mark == NULL)
        rc = AFMT_FAIL(NULL, AFMT_E_NOMEM, "out of memory");
    if (rc == AFMT_OK)
        rc = choose_entries(&j, choose, ctx, &st);
    if (rc == AFMT_OK)
        rc = afmt_writer_open_rewrite(&w, out_path, wopts);
    if (rc == AFMT_OK && (rc = rewrite_entries(w, &j)) == AFMT_OK)
        rc = afmt_writer_finish_rewrite(w, j.r->head.checkpoint,
                                        j.r->head.trailer.checkpoint_size, sign_statement, &j);
    if (w != NULL && rc != AFMT_OK && w->err[0] != '\0' && afmt_error_last_code() != rc)
        afmt_error_set(rc, "%s", w->err);
    if (w != NULL)
        st.blobs_dropped = j.r->head.ih.blob_count - w->blob_hashes.len / AFMT_HASH_BYTES;
    afmt_writer_free(w);
    afmt_reader_free(j.r);
    free(j.mark);
    if (stats != NULL && rc == AFMT_OK)
        *stats = st;
    return rc;
}
