/*
 * note.c - C2SP signed notes: an afmt signer's key name, key id and
 * verifier key, and the note form of a bundle's checkpoint (spec 6.2).
 */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "format/hash.h"
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
