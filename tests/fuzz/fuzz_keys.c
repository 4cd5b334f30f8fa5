/*
 * fuzz_keys.c - the key-file and signature-file parsers (issue 5, item 2).
 * The first byte chooses what the rest is:
 *   0  a public key file or -P argument   (afmt_public_key_parse)
 *   1  a secret key file                  (afmt_secret_key_load, unencrypted;
 *                                          an encrypted one is only detected,
 *                                          its scrypt cost is what it is)
 *   2  a .minisig file over "msg"         (afmt_verify_detached)
 * A public key that parses must print back and parse to the same key; a
 * secret key that loads must sign what its public half verifies.
 * Seeds: the hostile key files (tests/hostile, keys group), the test keys.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "afmt.h"
#include "fuzz_common.h"

static const uint8_t msg[3] = {'m', 's', 'g'};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (afmt_init() != AFMT_OK)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    switch (data[0] % 3) {
    case 0: {
        afmt_public_key pk, again;
        if (afmt_public_key_parse(&pk, text, len) == AFMT_OK) {
            char b64[57];
            afmt_public_key_to_base64(b64, &pk);
            FUZZ_CHECK(afmt_public_key_parse(&again, b64, strlen(b64)) == AFMT_OK);
            FUZZ_CHECK(memcmp(&pk, &again, sizeof pk) == 0);
        }
        break;
    }
    case 1: {
        char path[64];
        int fd = fuzz_memfd(data + 1, len, path);
        if (fd < 0)
            break;
        int enc = afmt_secret_key_file_is_encrypted(path);
        if (enc == 0) {
            afmt_secret_key *sk = NULL;
            if (afmt_secret_key_load(&sk, path, NULL, 0) == AFMT_OK) {
                afmt_public_key pk;
                afmt_secret_key_public(&pk, sk);
                char *sig = NULL;
                FUZZ_CHECK(afmt_sign_detached(&sig, sk, msg, sizeof msg, "fuzz") == AFMT_OK);
                FUZZ_CHECK(afmt_verify_detached(NULL, &pk, msg, sizeof msg, sig,
                                                strlen(sig)) == AFMT_OK);
                free(sig);
                afmt_secret_key_free(sk);
            }
        }
        close(fd);
        break;
    }
    default: {
        /* the signer of the seeds: the test key of the hostile suite */
        static afmt_public_key pk;
        static int ready;
        if (!ready) {
            uint8_t seed[32], sk[64];
            memset(seed, 1, sizeof seed);
            crypto_sign_seed_keypair(pk.key, sk, seed);
            static const uint8_t id[8] = {0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
            memcpy(pk.key_id, id, 8);
            ready = 1;
        }
        char *comment = NULL;
        int rc = afmt_verify_detached(&comment, &pk, msg, sizeof msg, text, len);
        FUZZ_CHECK(rc == AFMT_OK || comment == NULL);
        free(comment);
        break;
    }
    }
    return 0;
}
