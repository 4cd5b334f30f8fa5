/*
 * index_head.c - opening a bundle up to its index head (spec section 10,
 * steps 1 to 5), shared by a full open and a lookup by id; and the index
 * pages read through it, each against its row.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "format/checkpoint.h"
#include "common/fileio.h"
#include "format/hash.h"
#include "read/index_head.h"
#include "format/signature.h"

void afmt_head_close(afmt_index_head *h)
{
    if (h->fd >= 0)
        close(h->fd);
    h->fd = -1;
    free(h->checkpoint);
    free(h->sigsec_bytes);
    free(h->cosigs);
    h->cosigs = NULL;
    h->ncosigs = 0;
    free(h->tstamps);
    h->tstamps = NULL;
    h->ntstamps = 0;
    free(h->bytes);
    free(h->pages);
    afmt_codec_free(h->codec);
    h->checkpoint = h->sigsec_bytes = h->bytes = NULL;
    h->pages = NULL;
    h->codec = NULL;
}

/* Reads `len` bytes at `off` into a fresh buffer. */
static int read_section(const afmt_index_head *h, uint8_t **out, uint64_t off, uint64_t len,
                        const char *what, char *err)
{
    *out = NULL;
    if (len > SIZE_MAX - 1)
        return AFMT_FAIL(err, AFMT_E_LIMIT, "%s too large for this machine", what);
    uint8_t *buf = malloc(len ? (size_t)len : 1);
    if (buf == NULL)
        return AFMT_FAIL(err, AFMT_E_NOMEM, "out of memory reading the %s", what);
    int rc = afmt_pread_exact(h->fd, buf, (size_t)len, off);
    if (rc != AFMT_OK) {
        free(buf);
        return AFMT_FAIL(err, rc, "cannot read the %s: %s", what,
                         rc == AFMT_E_TRUNCATED ? "file is truncated" : strerror(errno));
    }
    *out = buf;
    return AFMT_OK;
}

int afmt_head_signer_is(const afmt_index_head *h, const afmt_public_key *keys, size_t nkeys,
                        char *err)
{
    int id_matched = 0;
    for (size_t i = 0; i < nkeys; i++) {
        if (memcmp(keys[i].key_id, h->sig.key_id, AFMT_KEYID_BYTES) != 0)
            continue;
        id_matched = 1;
        if (sodium_memcmp(keys[i].key, h->sig.public_key, AFMT_PUBLICKEY_BYTES) == 0)
            return AFMT_OK;
    }
    /* The key id is a claim, not bound to the key: name the key by what
     * its bytes give, and call the id what it is. */
    afmt_public_key signer;
    memcpy(signer.key_id, h->sig.key_id, AFMT_KEYID_BYTES);
    memcpy(signer.key, h->sig.public_key, AFMT_PUBLICKEY_BYTES);
    char hex[17], fp[AFMT_FINGERPRINT_CHARS];
    afmt_key_id_to_hex(hex, h->sig.key_id);
    afmt_public_key_fingerprint(fp, &signer);
    if (id_matched)
        return AFMT_FAIL(err, AFMT_E_WRONG_KEY,
                         "signed with key %s, which claims the key id %s of a trusted key, "
                         "but the key differs", fp, hex);
    return AFMT_FAIL(err, AFMT_E_WRONG_KEY,
                     "signed with another key, %s (claimed key id %s)", fp, hex);
}

/* Step 5, the head: the index header, then the page directory it sizes;
 * together they must have the hash the checkpoint names. */
static int load_index_head(afmt_index_head *h, const uint8_t want[AFMT_HASH_BYTES], char *err)
{
    uint8_t ihb[AFMT_INDEX_HEADER_BYTES];
    int rc = afmt_pread_exact(h->fd, ihb, sizeof ihb, h->trailer.index_offset);
    if (rc != AFMT_OK)
        return AFMT_FAIL(err, rc, "cannot read the index: %s",
                         rc == AFMT_E_TRUNCATED ? "file is truncated" : strerror(errno));
    if ((rc = afmt_index_header_decode(&h->ih, ihb, h->trailer.index_size, err)) != AFMT_OK)
        return rc;
    if ((rc = read_section(h, &h->bytes, h->trailer.index_offset, h->ih.head_size, "index",
                           err)) != AFMT_OK)
        return rc;
    uint8_t hash[AFMT_HASH_BYTES];
    afmt_content_hash(hash, h->bytes, (size_t)h->ih.head_size);
    if (sodium_memcmp(hash, want, AFMT_HASH_BYTES) != 0)
        return AFMT_FAIL(err, AFMT_E_INDEX_MISMATCH,
                         h->withheld ? "the index does not match the withholding statement"
                                     : "the index does not match the signed checkpoint");
    h->pages = malloc((size_t)h->ih.page_count * sizeof *h->pages);
    if (h->pages == NULL)
        return AFMT_FAIL(err, AFMT_E_NOMEM, "out of memory");
    return afmt_page_dir_decode(h->pages, &h->ih, h->bytes + AFMT_INDEX_HEADER_BYTES,
                                h->trailer.index_offset + h->ih.head_size,
                                h->trailer.index_size - h->ih.head_size, err);
}

/* Step 1: the header and the trailer. */
static int open_file(afmt_index_head *h, const char *path, char *err)
{
    h->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (h->fd < 0)
        return AFMT_FAIL(err, AFMT_E_IO, "%s", strerror(errno));
    struct stat st;
    if (fstat(h->fd, &st) != 0)
        return AFMT_FAIL(err, AFMT_E_IO, "%s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return AFMT_FAIL(err, AFMT_E_IO, "not a regular file");
    h->file_size = (uint64_t)st.st_size;
    uint8_t header[AFMT_HEADER_BYTES], trailer[AFMT_TRAILER_BYTES];
    int rc;
    if (h->file_size < AFMT_HEADER_BYTES) {
        if (h->file_size == 0)
            return AFMT_FAIL(err, AFMT_E_TRUNCATED, "empty file");
        if ((rc = afmt_pread_exact(h->fd, header, (size_t)h->file_size, 0)) != AFMT_OK)
            return AFMT_FAIL(err, rc, "cannot read the header");
        size_t have = h->file_size < sizeof afmt_magic ? (size_t)h->file_size : sizeof afmt_magic;
        if (memcmp(header, afmt_magic, have) != 0)
            return AFMT_FAIL(err, AFMT_E_FORMAT, "not an afmt bundle (bad magic)");
        return AFMT_FAIL(err, AFMT_E_TRUNCATED, "file is truncated");
    }
    if ((rc = afmt_pread_exact(h->fd, header, sizeof header, 0)) != AFMT_OK)
        return AFMT_FAIL(err, rc, "cannot read the header");
    if ((rc = afmt_header_check(header, err)) != AFMT_OK)
        return rc;
    if (h->file_size < AFMT_HEADER_BYTES + AFMT_TRAILER_BYTES)
        return AFMT_FAIL(err, AFMT_E_TRUNCATED, "file is truncated");
    if ((rc = afmt_pread_exact(h->fd, trailer, sizeof trailer,
                               h->file_size - AFMT_TRAILER_BYTES)) != AFMT_OK)
        return AFMT_FAIL(err, rc, "cannot read the trailer");
    return afmt_trailer_decode(&h->trailer, trailer, h->file_size, err);
}

int afmt_head_open(afmt_index_head *h, const char *path, const afmt_public_key *keys,
                   size_t nkeys, char *err)
{
    memset(h, 0, sizeof *h);
    h->fd = -1;
    int rc = open_file(h, path, err);
    if (rc != AFMT_OK)
        return rc;
    uint64_t cp_off = h->trailer.index_offset + h->trailer.index_size;
    uint64_t sig_off = cp_off + h->trailer.checkpoint_size;

    /* Step 2: the signature section's layout. */
    if ((rc = read_section(h, &h->sigsec_bytes, sig_off, h->trailer.signature_size,
                           "signature", err)) != AFMT_OK)
        return rc;
    if ((rc = afmt_sigsec_decode(&h->sig, h->sigsec_bytes, h->trailer.signature_size,
                                 err)) != AFMT_OK)
        return rc;
    /* Step 3: both signatures, with the embedded key. */
    if ((rc = read_section(h, &h->checkpoint, cp_off, h->trailer.checkpoint_size,
                           "checkpoint", err)) != AFMT_OK)
        return rc;
    rc = afmt_sig_verify_prehashed(h->sig.sig, h->sig.public_key, h->checkpoint,
                                   h->trailer.checkpoint_size);
    if (rc == AFMT_OK)
        rc = afmt_sig_verify_global(h->sig.global_sig, h->sig.public_key, h->sig.sig,
                                    h->sig.comment, h->sig.comment_len);
    /* The C2SP note's signature: plain Ed25519 over the same text. */
    if (rc == AFMT_OK)
        rc = afmt_sig_verify_plain(h->sig.note_sig, h->sig.public_key, h->checkpoint,
                                   h->trailer.checkpoint_size);
    /* Only a real signature failure means "not authentic"; running out of
     * memory while checking is not the bundle's fault. */
    if (rc == AFMT_E_BAD_SIGNATURE)
        return AFMT_FAIL(err, rc, "the checkpoint signature does not verify");
    if (rc != AFMT_OK)
        return AFMT_FAIL(err, rc, "cannot check the signature: %s", afmt_strerror(rc));
    /* Trust before work: a bundle from anyone else is refused before its
     * index is read. */
    if (nkeys > 0 && (rc = afmt_head_signer_is(h, keys, nkeys, err)) != AFMT_OK)
        return rc;
    /* Step 4: the checkpoint. */
    afmt_checkpoint cp;
    if ((rc = afmt_checkpoint_parse(&cp, h->checkpoint, h->trailer.checkpoint_size, err)) !=
        AFMT_OK)
        return rc;
    /* The origin names this signer's log, started by this capture: a bundle
     * that extends an earlier one (spec 12.3) is refused before this. */
    char origin[AFMT_ORIGIN_BYTES + 1];
    afmt_checkpoint_origin(origin, h->sig.key_id, h->sig.public_key, cp.created, cp.entries,
                           cp.root);
    if (memcmp(cp.origin, origin, AFMT_ORIGIN_BYTES) != 0)
        return AFMT_FAIL(err, AFMT_E_FORMAT,
                         "the checkpoint's origin is not the log this capture starts (%s)",
                         origin);
    h->info.origin = cp.origin;
    h->info.origin_len = cp.origin_len;
    h->info.entries = cp.entries;
    h->info.created = cp.created;
    h->info.title = cp.title;
    h->info.title_len = cp.title_len;
    h->info.trusted_comment = h->sig.comment;
    h->info.trusted_comment_len = h->sig.comment_len;
    memcpy(h->info.root, cp.root, AFMT_HASH_BYTES);
    memcpy(h->info.signer.key_id, h->sig.key_id, AFMT_KEYID_BYTES);
    memcpy(h->info.signer.key, h->sig.public_key, AFMT_PUBLICKEY_BYTES);
    /* The attestations (spec 12.2) before step 5: a withholding statement
     * names the index head in place of the checkpoint (spec 12.1).  They
     * are checked against the checkpoint, which withholding leaves as the
     * archiver signed it. */
    if ((rc = afmt_head_attestations(h, err)) != AFMT_OK)
        return rc;
    /* Step 5: the index head (header and page directory), against its
     * signed hash; each page, against its row, once it is read. */
    if ((rc = load_index_head(h, h->withheld ? h->withholding.index_hash : cp.index_hash,
                              err)) != AFMT_OK)
        return rc;
    if (h->ih.entry_count != cp.entries)
        return AFMT_FAIL(err, AFMT_E_FORMAT, "entry count differs from the checkpoint");
    if ((rc = afmt_codec_new(&h->codec, 3)) != AFMT_OK)
        return AFMT_FAIL(err, rc, "out of memory");
    return AFMT_OK;
}

int afmt_head_load_page(const afmt_index_head *h, uint64_t p, afmt_buf *frame,
                        afmt_block_codec *codec, uint8_t *dst, afmt_buf *out, char *err)
{
    const afmt_page_row *row = &h->pages[p];
    frame->len = 0;
    int rc = afmt_buf_reserve(frame, row->csize);
    if (rc != AFMT_OK)
        return AFMT_FAIL(err, rc, "out of memory");
    if ((rc = afmt_pread_exact(h->fd, frame->data, row->csize, row->offset)) != AFMT_OK)
        return AFMT_FAIL(err, rc, "cannot read index page %" PRIu64 ": %s", p,
                         rc == AFMT_E_TRUNCATED ? "file is truncated" : strerror(errno));
    uint8_t hash[AFMT_HASH_BYTES];
    afmt_content_hash(hash, frame->data, row->csize);
    if (sodium_memcmp(hash, row->hash, AFMT_HASH_BYTES) != 0)
        return AFMT_FAIL(err, AFMT_E_INDEX_MISMATCH,
                         "index page %" PRIu64 " does not match its signed hash", p);
    char msg[AFMT_ERRMSG_BYTES];
    if (dst != NULL)
        rc = afmt_block_decompress(codec, dst, row->size, frame->data, row->csize, msg);
    else
        rc = afmt_frame_decode_growing(codec, out, row->size, frame->data, row->csize, msg);
    if (rc != AFMT_OK)
        return AFMT_FAIL(err, rc, "index page %" PRIu64 ": %s", p, msg);
    return AFMT_OK;
}

int afmt_head_options(const afmt_reader_options **opts, const afmt_reader_options *defaults,
                      int args_ok, const char *what)
{
    afmt_error_clear();
    if (*opts == NULL)
        *opts = defaults;
    if ((*opts)->version != AFMT_READER_OPTIONS_VERSION)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "unknown reader options version");
    if (!args_ok)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "%s", what);
    if ((*opts)->trusted_keys == NULL && (*opts)->ntrusted_keys > 0)
        return AFMT_FAIL(NULL, AFMT_E_INVALID_ARGUMENT, "trusted key count without keys");
    if (afmt_init() != AFMT_OK)
        return AFMT_FAIL(NULL, AFMT_E_CRYPTO, "libsodium could not be initialised");
    return AFMT_OK;
}
