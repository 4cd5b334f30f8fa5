/*
 * withholding.c - withheld entries (spec 12.1) and the withholding
 * statement (spec 12.2, kind 0x03): a C2SP signed note by the withholder,
 * "<origin>\n<entries>\n<root>\nafmt-withheld 2\nindex <hex>\n", its
 * signature line, then the withholder's public key.  The note is built by
 * note.c, as the checkpoint's is; a statement is read by building the note
 * it should be and comparing, so there is one spelling of it.
 */
#include "format/withholding.h"

#include "format/attestation.h"
#include "format/hash.h"
#include "format/signature.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(AFMT_WITHHELD_BYTES == 34, "a withheld entry is type, old type, leaf");

static const char withheld_line[] = "afmt-withheld 2\nindex ";
/* "\n— afmt/KEYID " base64(key hash || sig) "\n": after the index line */
#define SIGLINE_B64 92
#define NOTE_TAIL (1 + 3 + 1 + AFMT_NOTE_KEY_NAME_BYTES + 1 + SIGLINE_B64 + 1)

int afmt_withheld_encode(afmt_buf *out, uint8_t old_type, const uint8_t leaf[AFMT_HASH_BYTES])
{
    int rc = afmt_buf_append_u8(out, AFMT_ENTRY_TYPE_WITHHELD);
    if (rc == AFMT_OK)
        rc = afmt_buf_append_u8(out, old_type);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, leaf, AFMT_HASH_BYTES);
    return rc;
}

int afmt_withheld_check(const uint8_t *enc, size_t len, char *errbuf)
{
    if (len != AFMT_WITHHELD_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "a withheld entry is not %d bytes",
                         AFMT_WITHHELD_BYTES);
    if (enc[AFMT_WITHHELD_OFF_TYPE] != 0x01 && enc[AFMT_WITHHELD_OFF_TYPE] != 0x02)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "a withheld entry's former type 0x%02x is neither post nor file",
                         enc[AFMT_WITHHELD_OFF_TYPE]);
    return AFMT_OK;
}

void afmt_record_leaf(uint8_t out[AFMT_HASH_BYTES], const uint8_t *enc, size_t len)
{
    if (len == AFMT_WITHHELD_BYTES && enc[0] == AFMT_ENTRY_TYPE_WITHHELD)
        memcpy(out, enc + AFMT_WITHHELD_OFF_LEAF, AFMT_HASH_BYTES);
    else
        afmt_hash_leaf(out, enc, len);
}

/* The first three lines of a checkpoint (origin, entries, root), which a
 * parsed checkpoint has: their length with the last LF, or 0. */
static size_t three_lines(const uint8_t *cp, size_t len)
{
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        if (cp[i] == '\n' && ++lines == 3)
            return i + 1;
    return 0;
}

/* The statement's note text, malloc'd in *out. */
static int statement_text(afmt_buf *out, const uint8_t *checkpoint, size_t cp_len,
                          const uint8_t index_hash[AFMT_HASH_BYTES])
{
    size_t head = three_lines(checkpoint, cp_len);
    if (head == 0)
        return AFMT_E_FORMAT;
    char hex[2 * AFMT_HASH_BYTES + 1];
    afmt_hash_to_hex(hex, index_hash);
    int rc = afmt_buf_append(out, checkpoint, head);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, withheld_line, sizeof withheld_line - 1);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, hex, 2 * AFMT_HASH_BYTES);
    if (rc == AFMT_OK)
        rc = afmt_buf_append_u8(out, '\n');
    return rc;
}

int afmt_withholding_encode(afmt_buf *out, const uint8_t *checkpoint, size_t cp_len,
                            const uint8_t index_hash[AFMT_HASH_BYTES],
                            const afmt_secret_key *sk, char *errbuf)
{
    afmt_buf text = {0};
    uint8_t pk[AFMT_PUBLICKEY_BYTES], sig[AFMT_ED25519_SIGNATURE_BYTES];
    char *note = NULL;
    size_t note_len = 0;
    crypto_sign_ed25519_sk_to_pk(pk, sk->sk);
    int rc = statement_text(&text, checkpoint, cp_len, index_hash);
    if (rc == AFMT_OK)
        rc = afmt_sig_sign_plain(sig, sk, text.data, text.len);
    if (rc == AFMT_OK)
        rc = afmt_note_format(&note, &note_len, text.data, text.len, sk->key_id, pk, sig);
    if (rc == AFMT_OK && note_len + AFMT_PUBLICKEY_BYTES > UINT32_MAX)
        rc = AFMT_E_LIMIT;
    if (rc == AFMT_OK)
        rc = afmt_buf_append_u8(out, AFMT_ATTEST_WITHHOLDING);
    if (rc == AFMT_OK)
        rc = afmt_buf_append_u32(out, (uint32_t)(note_len + AFMT_PUBLICKEY_BYTES));
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, note, note_len);
    if (rc == AFMT_OK)
        rc = afmt_buf_append(out, pk, AFMT_PUBLICKEY_BYTES);
    free(note);
    afmt_buf_free(&text);
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "cannot make the withholding statement: %s",
                         afmt_strerror(rc));
    return AFMT_OK;
}

static int hex_digit_upper(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int afmt_withholding_check(afmt_withholding *w, const uint8_t *body, size_t len,
                           const uint8_t *checkpoint, size_t cp_len, char *errbuf)
{
    memset(w, 0, sizeof *w);
    size_t head = three_lines(checkpoint, cp_len);
    size_t text_len = head + sizeof withheld_line - 1 + 2 * AFMT_HASH_BYTES + 1;
    if (head == 0 || len != text_len + NOTE_TAIL + AFMT_PUBLICKEY_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "a withholding statement's length does not "
                                                "match the note the spec gives");
    if (memcmp(body, checkpoint, head) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "a withholding statement's origin, entry count or root is not the "
                         "checkpoint's");
    if (memcmp(body + head, withheld_line, sizeof withheld_line - 1) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "a withholding statement lacks its 'afmt-withheld 2' and index lines");
    char hex[2 * AFMT_HASH_BYTES];
    memcpy(hex, body + head + sizeof withheld_line - 1, sizeof hex);
    if (afmt_hex_to_hash(w->index_hash, hex) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "a withholding statement's index is not 64 lowercase hex digits");
    /* The key id, from the key name "afmt/KEYID" of the signature line. */
    const uint8_t *name = body + text_len + 1 + 3 + 1;
    if (memcmp(name, "afmt/", 5) != 0)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "a withholding statement's key name is not afmt/KEYID");
    for (size_t i = 0; i < AFMT_KEYID_BYTES; i++) {
        int hi = hex_digit_upper((char)name[5 + 2 * i]), lo = hex_digit_upper((char)name[6 + 2 * i]);
        if (hi < 0 || lo < 0)
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                             "a withholding statement's key name is not afmt/KEYID");
        /* minisign prints the key id as a little-endian number */
        w->key_id[AFMT_KEYID_BYTES - 1 - i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(w->key, body + len - AFMT_PUBLICKEY_BYTES, AFMT_PUBLICKEY_BYTES);
    uint8_t blob[AFMT_NOTE_KEY_HASH_BYTES + AFMT_ED25519_SIGNATURE_BYTES];
    size_t blob_len = 0;
    const char *b64 = (const char *)name + AFMT_NOTE_KEY_NAME_BYTES + 1;
    if (sodium_base642bin(blob, sizeof blob, b64, SIGLINE_B64, NULL, &blob_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        blob_len != sizeof blob)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "a withholding statement's signature line is not base64");
    memcpy(w->sig, blob + AFMT_NOTE_KEY_HASH_BYTES, AFMT_ED25519_SIGNATURE_BYTES);
    /* The one spelling: the note rebuilt from what was read must be the
     * bytes stored (key hash, em dash, base64 and the key id's digits). */
    char *note = NULL;
    size_t note_len = 0;
    int rc = afmt_note_format(&note, &note_len, body, text_len, w->key_id, w->key, w->sig);
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "cannot check a withholding statement: %s",
                         afmt_strerror(rc));
    int same = note_len == len - AFMT_PUBLICKEY_BYTES && memcmp(note, body, note_len) == 0;
    free(note);
    if (!same)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                         "a withholding statement's signature line is not the one its key "
                         "and name give");
    rc = afmt_sig_verify_plain(w->sig, w->key, body, text_len);
    if (rc == AFMT_E_BAD_SIGNATURE)
        return AFMT_FAIL(errbuf, rc, "the withholding statement's signature does not verify");
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "cannot check the withholding statement: %s",
                         afmt_strerror(rc));
    return AFMT_OK;
}
