/* proofs.c - prints the RFC 9162 proofs that afmt's own code makes
 * (format/merkle.c), for tests/go/afmtcheck.go to check with Go's
 * golang.org/x/mod/sumdb/tlog:
 *
 *   proofs inclusion INDEX LEAF-HEX...   the audit path of leaf INDEX
 *   proofs consistency M LEAF-HEX...     the proof from the first M leaves
 *
 * One hash per line, 64 lowercase hex digits.  Built by tests/cli/go_note.sh
 * against the static library and its internal headers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/hash.h"
#include "format/merkle.h"

int main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    uint64_t n = (uint64_t)(argc - 3), at = strtoull(argv[2], NULL, 10);
    uint8_t *leaves = malloc(n * AFMT_HASH_BYTES);
    if (leaves == NULL)
        return 2;
    for (uint64_t i = 0; i < n; i++)
        if (strlen(argv[3 + i]) != 64 || afmt_hex_to_hash(leaves + i * AFMT_HASH_BYTES,
                                                          argv[3 + i]) != 0)
            return 2;
    uint8_t path[AFMT_MERKLE_MAX_PROOF * AFMT_HASH_BYTES];
    size_t len = 0;
    int rc;
    if (strcmp(argv[1], "inclusion") == 0)
        rc = afmt_merkle_inclusion_proof(path, &len, leaves, n, at);
    else if (strcmp(argv[1], "consistency") == 0)
        rc = afmt_merkle_consistency_proof(path, &len, leaves, at, n);
    else
        return 2;
    if (rc != AFMT_OK)
        return 1;
    for (size_t i = 0; i < len; i++) {
        char hex[65];
        afmt_hash_to_hex(hex, path + i * AFMT_HASH_BYTES);
        puts(hex);
    }
    free(leaves);
    return 0;
}
