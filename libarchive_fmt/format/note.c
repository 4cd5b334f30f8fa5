/*
 * note.c - C2SP signed notes: an afmt signer's key name, key id and
 * verifier key, and the note form of a bundle's checkpoint (spec 6.2).
 */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "format/hash.h"
#include "format/attestation.h"
#include "format/note.h"

#define SIGLINE_B64_LEN 92 /* base64 of 4 + 64 bytes */
#define VKEY_B64_LEN 44    /* base64 of 1 + 32 bytes */
static const char em_dash[] = "\xE2\x80\x94"; /* U+2014 */

_Static_assert(sodium_base64_ENCODED_LEN(AFMT_NOTE_KEY_HASH_BYTES + AFMT_ED25519_SIGNATURE_BYTES,
                                         sodium_base64_VARIANT_ORIGINAL) == SIGLINE_B64_LEN + 1,
               "a signature is 92 base64 characters");
_Static_assert(sodium_base64_ENCODED_LEN(1 + AFMT_PUBLICKEY_BYTES,
                                         sodium_base64_VARIANT_ORIGINAL) == VKEY_B64_LEN + 1,
               "a vkey's key is 44 base64 characters");

void afmt_note_key_name(char out[AFMT_NOTE_KEY_NAME_BYTES + 1],
                        const uint8_t key_id[AFMT_KEYID_BYTES])
{
    char kid[17];
    afmt_key_id_to_hex(kid, key_id);
    snprintf(out, AFMT_NOTE_KEY_NAME_BYTES + 1, "afmt/%s", kid);
}

void afmt_note_key_hash(uint8_t out[AFMT_NOTE_KEY_HASH_BYTES], const char *name,
                        size_t name_len, uint8_t sig_type,
                        const uint8_t pk[AFMT_PUBLICKEY_BYTES])
{
    uint8_t m[AFMT_NOTE_MAX_KEY_NAME_BYTES + 2 + AFMT_PUBLICKEY_BYTES], h[AFMT_HASH_BYTES];
    if (name_len > AFMT_NOTE_MAX_KEY_NAME_BYTES)
        name_len = AFMT_NOTE_MAX_KEY_NAME_BYTES; /* callers check names first */
    memcpy(m, name, name_len);
    m[name_len] = 0x0A;
    m[name_len + 1] = sig_type;
    memcpy(m + name_len + 2, pk, AFMT_PUBLICKEY_BYTES);
    afmt_content_hash(h, m, name_len + 2 + AFMT_PUBLICKEY_BYTES);
    memcpy(out, h, AFMT_NOTE_KEY_HASH_BYTES);
}

int afmt_note_format(char **out, size_t *out_len, const uint8_t *text, size_t len,
                     const uint8_t key_id[AFMT_KEYID_BYTES],
                     const uint8_t pk[AFMT_PUBLICKEY_BYTES],
                     const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES])
{
    *out = NULL;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    char name[AFMT_NOTE_KEY_NAME_BYTES + 1];
    afmt_note_key_name(name, key_id);
    uint8_t blob[AFMT_NOTE_KEY_HASH_BYTES + AFMT_ED25519_SIGNATURE_BYTES];
    afmt_note_key_hash(blob, name, AFMT_NOTE_KEY_NAME_BYTES, AFMT_NOTE_SIG_TYPE_ED25519, pk);
    memcpy(blob + AFMT_NOTE_KEY_HASH_BYTES, sig, AFMT_ED25519_SIGNATURE_BYTES);
    /* text, "\n", "— ", name, " ", base64, "\n" */
    size_t total = len + 1 + 3 + 1 + AFMT_NOTE_KEY_NAME_BYTES + 1 + SIGLINE_B64_LEN + 1;
    char *s = malloc(total + 1);
    if (s == NULL)
        return AFMT_E_NOMEM;
    char *p = s;
    memcpy(p, text, len);
    p += len;
    *p++ = '\n';
    memcpy(p, em_dash, 3);
    p += 3;
    *p++ = ' ';
    memcpy(p, name, AFMT_NOTE_KEY_NAME_BYTES);
    p += AFMT_NOTE_KEY_NAME_BYTES;
    *p++ = ' ';
    sodium_bin2base64(p, SIGLINE_B64_LEN + 1, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    p += SIGLINE_B64_LEN;
    *p++ = '\n';
    *p = '\0';
    *out = s;
    *out_len = total;
    return AFMT_OK;
}

int afmt_public_key_vkey(char **out, const afmt_public_key *pk)
{
    if (out == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    *out = NULL;
    if (pk == NULL)
        return AFMT_E_INVALID_ARGUMENT;
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    char name[AFMT_NOTE_KEY_NAME_BYTES + 1];
    afmt_note_key_name(name, pk->key_id);
    uint8_t kh[AFMT_NOTE_KEY_HASH_BYTES], key[1 + AFMT_PUBLICKEY_BYTES];
    afmt_note_key_hash(kh, name, AFMT_NOTE_KEY_NAME_BYTES, AFMT_NOTE_SIG_TYPE_ED25519,
                       pk->key);
    key[0] = AFMT_NOTE_SIG_TYPE_ED25519;
    memcpy(key + 1, pk->key, AFMT_PUBLICKEY_BYTES);
    char b64[VKEY_B64_LEN + 1];
    sodium_bin2base64(b64, sizeof b64, key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(AFMT_NOTE_KEY_NAME_BYTES + 1 + 8 + 1 + VKEY_B64_LEN + 1);
    if (s == NULL)
        return AFMT_E_NOMEM;
    snprintf(s, AFMT_NOTE_KEY_NAME_BYTES + 1 + 8 + 1 + VKEY_B64_LEN + 1,
             "%s+%02x%02x%02x%02x+%s", name, kh[0], kh[1], kh[2], kh[3], b64);
    *out = s;
    return AFMT_OK;
}

int afmt_b64_decode_canonical(uint8_t *out, size_t cap, size_t *out_len, const char *b64,
                              size_t len)
{
    size_t got = 0;
    if (len == 0 || len % 4 != 0 || len / 4 * 3 > cap + 2 ||
        sodium_base642bin(out, cap, b64, len, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return AFMT_E_FORMAT;
    /* Encode again and compare: the one spelling of these bytes. */
    char again[4];
    for (size_t i = 0; i < got; i += 3) {
        size_t n = got - i < 3 ? got - i : 3;
        char buf[5];
        sodium_bin2base64(buf, sizeof buf, out + i, n, sodium_base64_VARIANT_ORIGINAL);
        memcpy(again, buf, 4);
        if (memcmp(again, b64 + i / 3 * 4, 4) != 0)
            return AFMT_E_FORMAT;
    }
    if ((got + 2) / 3 * 4 != len)
        return AFMT_E_FORMAT;
    *out_len = got;
    return AFMT_OK;
}

/* Nonzero when the note is UTF-8 with no control character but LF. */
static int note_chars_ok(const uint8_t *s, size_t len)
{
    if (!afmt_utf8_valid(s, len))
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7F)
            return 0;
    return 1;
}

int afmt_note_open(const uint8_t **text, size_t *text_len, afmt_public_key *signer,
                   size_t *others, const uint8_t *note, size_t len, const afmt_public_key *keys,
                   size_t nkeys, char *errbuf)
{
    if (afmt_init() != AFMT_OK)
        return AFMT_E_CRYPTO;
    if (len < 2 || note[len - 1] != '\n' || !note_chars_ok(note, len))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "the checkpoint note is not a signed note "
                         "(UTF-8 without control characters, ending with a newline)");
    /* The text ends at the last empty line. */
    size_t cut = len - 1;
    while (cut > 0 && !(note[cut - 1] == '\n' && note[cut] == '\n'))
        cut--;
    if (cut == 0)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "the checkpoint note has no signature lines");
    *text = note;
    *text_len = cut; /* the text keeps its final newline, not the empty line */
    const uint8_t *at = note + cut + 1, *end = note + len;
    size_t lines = 0, other = 0, found = 0;
    char names[160] = "";
    afmt_public_key ok;
    while (at < end) {
        const uint8_t *nl = memchr(at, '\n', (size_t)(end - at));
        size_t ll = (size_t)(nl - at);
        if (++lines > AFMT_NOTE_MAX_SIGNATURES)
            return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "the checkpoint note has over %d signatures",
                             AFMT_NOTE_MAX_SIGNATURES);
        const uint8_t *sp = ll > 4 ? memchr(at + 4, ' ', ll - 4) : NULL;
        if (ll < 5 || memcmp(at, em_dash, 3) != 0 || at[3] != ' ' || sp == NULL)
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "signature line %zu of the checkpoint note "
                             "is not '— NAME SIGNATURE'", lines);
        const char *name = (const char *)at + 4;
        size_t name_len = (size_t)(sp - (at + 4));
        uint8_t sig[AFMT_NOTE_KEY_HASH_BYTES + 4096];
        size_t sig_len;
        if (!afmt_note_key_name_valid((const uint8_t *)name, name_len) ||
            afmt_b64_decode_canonical(sig, sizeof sig, &sig_len, (const char *)sp + 1,
                                      (size_t)(nl - sp - 1)) != AFMT_OK ||
            sig_len < AFMT_NOTE_KEY_HASH_BYTES)
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT,
                             "signature line %zu of the checkpoint note is malformed", lines);
        int known = 0;
        for (size_t k = 0; k < nkeys && !known; k++) {
            char kname[AFMT_NOTE_KEY_NAME_BYTES + 1];
            uint8_t kh[AFMT_NOTE_KEY_HASH_BYTES];
            afmt_note_key_name(kname, keys[k].key_id);
            if (name_len != AFMT_NOTE_KEY_NAME_BYTES || memcmp(name, kname, name_len) != 0)
                continue;
            afmt_note_key_hash(kh, kname, AFMT_NOTE_KEY_NAME_BYTES, AFMT_NOTE_SIG_TYPE_ED25519,
                               keys[k].key);
            if (memcmp(kh, sig, AFMT_NOTE_KEY_HASH_BYTES) != 0)
                continue;
            /* A trusted key's line: it must verify (C2SP: reject the note
             * when a known key's signature fails). */
            known = 1;
            if (sig_len != AFMT_NOTE_KEY_HASH_BYTES + AFMT_ED25519_SIGNATURE_BYTES ||
                crypto_sign_verify_detached(sig + AFMT_NOTE_KEY_HASH_BYTES, note, cut,
                                            keys[k].key) != 0)
                return AFMT_FAIL(errbuf, AFMT_E_BAD_SIGNATURE,
                                 "the checkpoint's signature by %s does not verify", kname);
            if (!found)
                ok = keys[k];
            found++;
        }
        if (!known) {
            other++;
            size_t have = strlen(names);
            if (have + name_len + 3 < sizeof names)
                snprintf(names + have, sizeof names - have, "%s%.*s", have ? ", " : "",
                         (int)name_len, name);
        }
        at = nl + 1;
    }
    if (found == 0)
        return AFMT_FAIL(errbuf, AFMT_E_WRONG_KEY,
                         "the checkpoint is signed by none of the trusted keys (it names: %s)",
                         names);
    *signer = ok;
    *others = other;
    return AFMT_OK;
}
