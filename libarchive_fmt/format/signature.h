/*
 * signature.h - minisign-compatible Ed25519 signatures ("ED": prehashed with
 * BLAKE2b-512) as raw bytes, used by the writer and reader for the
 * checkpoint, and the text form of a .minisig file.
 */
#ifndef AFMT_SIGNATURE_H
#define AFMT_SIGNATURE_H

#include "common/internal.h"

/* sig = Ed25519(sk, BLAKE2b-512(msg)).  Returns AFMT_OK or AFMT_E_CRYPTO. */
AFMT_INTERNAL int afmt_sig_sign_prehashed(uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES],
                                          const afmt_secret_key *sk,
                                          const void *msg, size_t len);
/* gsig = Ed25519(sk, sig || trusted_comment). */
AFMT_INTERNAL int afmt_sig_sign_global(uint8_t gsig[AFMT_ED25519_SIGNATURE_BYTES],
                                       const afmt_secret_key *sk,
                                       const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES],
                                       const char *tc, size_t tc_len);
/* sig = Ed25519(sk, msg): plain RFC 8032, the C2SP note signature. */
AFMT_INTERNAL int afmt_sig_sign_plain(uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES],
                                      const afmt_secret_key *sk, const void *msg, size_t len);
AFMT_INTERNAL int afmt_sig_verify_plain(const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES],
                                        const uint8_t pk[AFMT_PUBLICKEY_BYTES],
                                        const void *msg, size_t len);
/* Return AFMT_OK or AFMT_E_BAD_SIGNATURE. */
AFMT_INTERNAL int afmt_sig_verify_prehashed(const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES],
                                            const uint8_t pk[AFMT_PUBLICKEY_BYTES],
                                            const void *msg, size_t len);
AFMT_INTERNAL int afmt_sig_verify_global(const uint8_t gsig[AFMT_ED25519_SIGNATURE_BYTES],
                                         const uint8_t pk[AFMT_PUBLICKEY_BYTES],
                                         const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES],
                                         const char *tc, size_t tc_len);
/* The text of a .minisig file:
 *   "untrusted comment: signature from afmt secret key\n"
 *   base64("ED" || key_id || sig) "\n"
 *   "trusted comment: " tc "\n"
 *   base64(gsig) "\n"
 * into a malloc'd NUL-terminated *out. */
AFMT_INTERNAL int afmt_sig_format_minisig(char **out,
                                          const uint8_t key_id[AFMT_KEYID_BYTES],
                                          const uint8_t sig[AFMT_ED25519_SIGNATURE_BYTES],
                                          const char *tc, size_t tc_len,
                                          const uint8_t gsig[AFMT_ED25519_SIGNATURE_BYTES]);
/* Nonzero when a trusted comment is acceptable: at most
 * AFMT_MAX_TRUSTED_COMMENT_BYTES of valid UTF-8 without C0/DEL/C1 controls. */
AFMT_INTERNAL int afmt_sig_comment_valid(const char *tc, size_t tc_len);

#endif
