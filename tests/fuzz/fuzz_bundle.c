/*
 * fuzz_bundle.c - a whole file given to the reader (issue 5, item 2): open,
 * then everything a command does with an opened bundle.  Random bytes rarely
 * get past the signature; fuzz_index forges signed bundles around fuzzed
 * indexes for that.  Seeds: spec/vectors, the hostile cases.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "afmt.h"
#include "fuzz_common.h"
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfd(data, size, path);
    if (fd < 0)
        return 0;
    fuzz_exercise_bundle(path);
    close(fd);
    return 0;
}
