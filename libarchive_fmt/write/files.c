/*
 * files.c - file entries (spec 8.2): a source file streamed in as parts
 * (earlier posts, inline bytes, blobs), so its bytes are stored once and
 * extraction rebuilds it exactly.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format/entry.h"
#include "format/hash.h"
#include "write/writer_internal.h"


int afmt_writer_file_begin(afmt_writer *w, const char *path, size_t path_len)
{
    if (w == NULL || path == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_writer_file_begin: no writer or path");
    if (w->state != 0 || w->file_open)
        return AFMT_FAIL(w->err, AFMT_E_STATE, "writer finished, or a file is open already");
    if (!afmt_path_valid((const uint8_t *)path, path_len))
        return AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT,
                         "invalid path: must be relative, '/'-separated, without empty, '.' "
                         "or '..' components, NUL or backslash, at most %d bytes",
                         AFMT_MAX_PATH_BYTES);
    if (afmt_set_find(&w->path_set, path, path_len, NULL))
        return AFMT_FAIL(w->err, AFMT_E_DUPLICATE, "duplicate file path");
    w->file_path.len = 0;
    w->file_parts.len = 0;
    w->file_blobs.len = 0;
    w->file_part_count = 0;
    w->file_total = 0;
    int rc = afmt_buf_append(&w->file_path, path, path_len);
    if (rc != AFMT_OK)
        return AFMT_FAIL(w->err, rc, "out of memory");
    w->file_open = 1;
    return AFMT_OK;
}

static int file_account(afmt_writer *w, uint64_t size)
{
    if (w->file_part_count >= AFMT_MAX_FILE_PARTS)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "file has more than %u parts",
                         AFMT_MAX_FILE_PARTS);
    if (!afmt_add_ok(&w->file_total, w->file_total, size) || w->file_total > AFMT_MAX_FILE_BYTES)
        return AFMT_FAIL(w->err, AFMT_E_LIMIT, "file too large");
    w->file_part_count++;
    return AFMT_OK;
}

int afmt_writer_file_add_entry(afmt_writer *w, uint64_t entry)
{
    if (w == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "no writer");
    if (w->state != 0 || !w->file_open)
        return AFMT_FAIL(w->err, AFMT_E_STATE, "no file is open");
    if (entry >= w->entries)
        return AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT, "no entry %" PRIu64, entry);
    uint64_t size = afmt_load64(w->sizes.data + 8 * entry);
    if (size == UINT64_MAX)
        return AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT, "entry %" PRIu64 " is not a post",
                         entry);
    int rc = file_account(w, size);
    if (rc != AFMT_OK)
        return rc;
    if ((rc = afmt_part_encode_entry(&w->file_parts, entry)) != AFMT_OK)
        return afmt_writer_failed(w, AFMT_FAIL(w->err, rc, "out of memory"));
    return AFMT_OK;
}

int afmt_writer_file_add_data(afmt_writer *w, const void *data, size_t len)
{
    if (w == NULL || (data == NULL && len > 0))
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_writer_file_add_data: no writer or data");
    if (w->state != 0 || !w->file_open)
        return AFMT_FAIL(w->err, AFMT_E_STATE, "no file is open");
    if (len == 0)
        return AFMT_OK;
    if (len > AFMT_MAX_CONTENT_BYTES)
        return AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT, "data piece over %u bytes",
                         AFMT_MAX_CONTENT_BYTES);
    int rc = file_account(w, len);
    if (rc != AFMT_OK)
        return rc;
    if (len <= AFMT_MAX_INLINE_BYTES) {
        if ((rc = afmt_part_encode_inline(&w->file_parts, data, len)) != AFMT_OK)
            return afmt_writer_failed(w, AFMT_FAIL(w->err, rc, "out of memory"));
        return AFMT_OK;
    }
    uint8_t hash[AFMT_HASH_BYTES];
    afmt_content_hash(hash, data, len);
    /* file_account counted this part already: its index is count - 1 */
    uint32_t loc[2];
    if ((rc = afmt_writer_store_blob(w, hash, data, len, UINT64_MAX, w->file_part_count - 1,
                                     loc)) != AFMT_OK)
        return afmt_writer_failed(w, rc);
    if ((rc = afmt_part_encode_blob(&w->file_parts, hash, len)) != AFMT_OK)
        return afmt_writer_failed(w, AFMT_FAIL(w->err, rc, "out of memory"));
    return AFMT_OK;
}

int afmt_writer_file_end(uint64_t *out_entry, afmt_writer *w)
{
    if (w == NULL)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "no writer");
    if (w->state != 0 || !w->file_open)
        return AFMT_FAIL(w->err, AFMT_E_STATE, "no file is open");
    w->scratch.len = 0;
    int rc = afmt_entry_encode_file(&w->scratch, w->file_path.data, w->file_path.len,
                                    w->file_total, w->file_part_count, w->file_parts.data,
                                    w->file_parts.len, w->err);
    if (rc != AFMT_OK)
        return afmt_writer_failed(w, rc);
    uint64_t number = w->entries;
    static const uint32_t no_loc[2] = {0, 0};
    if ((rc = afmt_writer_add_record(w, no_loc, UINT64_MAX, out_entry)) != AFMT_OK)
        return afmt_writer_failed(w, rc);
    for (size_t i = 0; i < w->file_blobs.len; i += 8)
        afmt_store32(w->blobs.data + afmt_load64(w->file_blobs.data + i), (uint32_t)number);
    uint32_t f = (uint32_t)(w->path_refs.len / 16);
    if ((rc = afmt_buf_append_u64(&w->path_refs, w->paths.len)) != AFMT_OK ||
        (rc = afmt_buf_append_u32(&w->path_refs, (uint32_t)w->file_path.len)) != AFMT_OK ||
        (rc = afmt_buf_append_u32(&w->path_refs, (uint32_t)number)) != AFMT_OK ||
        (rc = afmt_buf_append(&w->paths, w->file_path.data, w->file_path.len)) != AFMT_OK)
        return afmt_writer_failed(w, AFMT_FAIL(w->err, rc, "out of memory"));
    int ins = afmt_set_insert(&w->path_set, w->file_path.data, w->file_path.len, f, NULL);
    if (ins < 0)
        return afmt_writer_failed(w, AFMT_FAIL(w->err, ins, "out of memory"));
    w->file_open = 0;
    return AFMT_OK;
}

int afmt_writer_add_file(uint64_t *out_entry, afmt_writer *w, const char *path,
                         size_t path_len, const afmt_file_part *parts, size_t nparts)
{
    if (w == NULL || (parts == NULL && nparts > 0))
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "afmt_writer_add_file: no writer or parts");
    int rc = afmt_writer_file_begin(w, path, path_len);
    if (rc != AFMT_OK)
        return rc;
    for (size_t i = 0; i < nparts && rc == AFMT_OK; i++) {
        if (parts[i].kind == AFMT_PART_ENTRY)
            rc = afmt_writer_file_add_entry(w, parts[i].entry);
        else if (parts[i].kind == AFMT_PART_DATA)
            rc = afmt_writer_file_add_data(w, parts[i].data, parts[i].len);
        else
            rc = AFMT_FAIL(w->err, AFMT_E_INVALID_ARGUMENT, "unknown part kind");
    }
    if (rc != AFMT_OK) {
        w->file_open = 0;
        return afmt_writer_failed(w, rc);
    }
    return afmt_writer_file_end(out_entry, w);
}

/* A path "a/b/c" conflicts with files "a" and "a/b": a file cannot also be
 * a folder on extraction. */
int afmt_writer_check_paths(afmt_writer *w)
{
    size_t nf = w->path_refs.len / 16;
    if (nf == 0)
        return AFMT_OK;
    afmt_path_ref *refs = malloc(nf * sizeof *refs);
    if (refs == NULL)
        return AFMT_FAIL(w->err, AFMT_E_NOMEM, "out of memory");
    for (size_t k = 0; k < nf; k++) {
        const uint8_t *ref = w->path_refs.data + 16 * k;
        refs[k].path = w->paths.data + afmt_load64(ref);
        refs[k].len = afmt_load32(ref + 8);
        refs[k].entry = k; /* the file number, for the message below */
    }
    uint64_t bad;
    /* Same paths were refused at file_begin: only folders are left. */
    int conflict = afmt_paths_conflict(refs, nf, &bad);
    int rc = AFMT_OK;
    if (conflict) {
        const uint8_t *ref = w->path_refs.data + 16 * bad;
        rc = AFMT_FAIL(w->err, AFMT_E_DUPLICATE, "path '%.*s' is both a file and a folder",
                       (int)afmt_load32(ref + 8), (const char *)w->paths.data + afmt_load64(ref));
    }
    free(refs);
    return rc;
}

/* Writes a piece of the index section. */
