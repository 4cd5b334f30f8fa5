/*
 * note.h - the checkpoint as a C2SP signed note (c2sp.org/signed-note):
 * the key name and key id of an afmt signer, the signature line, and the
 * verifier key ("vkey") that Go's golang.org/x/mod/sumdb/note reads.
 */
#ifndef AFMT_NOTE_H
#define AFMT_NOTE_H

#include "common/internal.h"

/* "afmt/" and the minisign key id as minisign prints it (16 upper-case hex). */
#define AFMT_NOTE_KEY_NAME_BYTES 21
#define AFMT_NOTE_KEY_HASH_BYTES 4
#define AFMT_NOTE_SIG_TYPE_ED25519 0x01
#define AFMT_NOTE_SIG_TYPE_COSIGNATURE 0x04 /* c2sp.org/tlog-cosignature, Ed25519 */
#define AFMT_NOTE_MAX_KEY_NAME_BYTES 255    /* a cosignature record's u8 length */

/* The signer's note key name, from its minisign key id. */
AFMT_INTERNAL void afmt_note_key_name(char out[AFMT_NOTE_KEY_NAME_BYTES + 1],
                                      const uint8_t key_id[AFMT_KEYID_BYTES]);
/* C2SP key id: SHA-256(name || 0x0A || sig_type || public key)[0..4), sig_type
 * 0x01 for a note signer, 0x04 for a cosigner.  name_len <= 255. */
AFMT_INTERNAL void afmt_note_key_hash(uint8_t out[AFMT_NOTE_KEY_HASH_BYTES], const char *name,
                                      size_t name_len, uint8_t sig_type,
                                      const uint8_t pk[AFMT_PUBLICKEY_BYTES]);
/* text, an empty line, "— " name " " base64(key hash || sig) "\n": the signed
 * note, malloc'd and NUL-terminated in *out, its length in *out_len. */
AFMT_INTERNAL int afmt_note_format(char **out, size_t *out_len, const uint8_t *text, size_t len,
                                   const uint8_t key_id[AFMT_KEYID_BYTES],
                                   const uint8_t pk[AFMT_PUBLICKEY_BYTES],
                                   const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES]);

/* Decodes standard base64 with padding (RFC 4648 section 4) into at most
 * `cap` bytes, refusing any other spelling of the same bytes (unused low
 * bits set, missing padding, whitespace), so that one set of bytes has one
 * text.  AFMT_OK or AFMT_E_FORMAT. */
AFMT_INTERNAL int afmt_b64_decode_canonical(uint8_t *out, size_t cap, size_t *out_len,
                                            const char *b64, size_t len);

/* Most signature lines a note may carry: the signer and 16 cosigners
 * (spec 12.2) with room to spare; C2SP asks verifiers to accept 16. */
#define AFMT_NOTE_MAX_SIGNATURES 32

/* Opens a signed note (c2sp.org/signed-note): UTF-8 without control
 * characters but LF, ending in LF; the text up to the last empty line,
 * then one or more lines "— <name> <base64(key hash || sig)>".  Each line
 * whose name and key hash are those of a trusted key (afmt/KEYID, type
 * 0x01) must verify as Ed25519 over the text (AFMT_E_BAD_SIGNATURE); other
 * lines are counted in *others and not checked.  No verified line from a
 * trusted key: AFMT_E_WRONG_KEY.  On success *text (borrowed from `note`)
 * and *text_len are the signed text and *signer the key that signed it. */
AFMT_INTERNAL int afmt_note_open(const uint8_t **text, size_t *text_len, afmt_public_key *signer,
                                 size_t *others, const uint8_t *note, size_t len,
                                 const afmt_public_key *keys, size_t nkeys, char *errbuf);

#endif
