/*
 * timestamp.h - the RFC 3161 timestamp record (spec 12.2, kind 0x02): a
 * DER TimeStampToken whose messageImprint is SHA-256 of the checkpoint.
 * Everything RFC 3161 goes through OpenSSL's TS API here: the request a
 * user sends to an authority, the check that a reply answers it, the
 * verification of a stored token (its CMS signature with the certificate
 * it carries, and its imprint) and the trust decision against CA
 * certificates the user names.
 */
#ifndef AFMT_TIMESTAMP_H
#define AFMT_TIMESTAMP_H

#include "common/internal.h"

/* A token is a few kilobytes (a certificate chain or two); a reply or a
 * request file larger than this is refused before it is parsed. */
#define AFMT_MAX_TIMESTAMP_BYTES (64u * 1024)
#define AFMT_TSA_NAME_BYTES 256

/* What a verified token says. */
typedef struct afmt_tstamp {
    const uint8_t *der;   /* the record's body (borrowed) */
    size_t der_len;
    int64_t time;         /* genTime, POSIX seconds (fractions dropped) */
    char authority[AFMT_TSA_NAME_BYTES]; /* the signing certificate's subject,
                                            RFC 2253, escaped as OpenSSL prints */
    char serial[68];      /* the token's serial number, hex (at most 160 bits) */
} afmt_tstamp;

/* Decodes the DER token body[0..len) (which must be its whole, canonical
 * encoding), checks that its messageImprint is SHA-256 of the checkpoint
 * and that its CMS signature verifies with the signing certificate it
 * carries (which must be a time-stamping certificate), without any trust
 * decision and whatever that certificate's validity dates.  Fills *t.
 * AFMT_E_FORMAT (not a token), AFMT_E_BAD_SIGNATURE (imprint or
 * signature), AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_tstamp_verify(afmt_tstamp *t, const uint8_t *body, size_t len,
                                     const uint8_t *checkpoint, size_t cp_len, char *errbuf);

/* The trust decision: the token (verified already) chains, with the
 * certificates it carries as intermediates, to a CA certificate in the PEM
 * file `ca_file`, at the current time, as `openssl ts -verify -CAfile`
 * decides (an expired TSA certificate does not chain).  AFMT_OK,
 * AFMT_E_WRONG_KEY with the reason, or AFMT_E_IO (the file). */
AFMT_INTERNAL int afmt_tstamp_trusted(const afmt_tstamp *t, const uint8_t *checkpoint,
                                      size_t cp_len, const char *ca_file, char *errbuf);

/* An RFC 3161 request (DER, malloc'd into *out) for the checkpoint: SHA-256
 * imprint, a random 64-bit nonce, certReq true, as `openssl ts -query -data
 * CP -sha256 -cert` makes. */
AFMT_INTERNAL int afmt_tstamp_request(uint8_t **out, size_t *out_len, const uint8_t *checkpoint,
                                      size_t cp_len, char *errbuf);

/* Checks that the reply reply[0..len) answers a request for this checkpoint:
 * status granted, SHA-256 imprint of the checkpoint, the token verified as
 * afmt_tstamp_verify does; and when `request` is not NULL, that the reply
 * answers it (same imprint, same nonce, same policy when one was asked).
 * Gives the token's DER (malloc'd) in *token.  AFMT_E_FORMAT (not a reply
 * or request), AFMT_E_BAD_SIGNATURE (another request, a bad signature),
 * AFMT_E_INVALID_ARGUMENT (the authority refused: its status text). */
AFMT_INTERNAL int afmt_tstamp_from_reply(uint8_t **token, size_t *token_len, const uint8_t *reply,
                                         size_t len, const uint8_t *request, size_t request_len,
                                         const uint8_t *checkpoint, size_t cp_len, char *errbuf);

#endif
