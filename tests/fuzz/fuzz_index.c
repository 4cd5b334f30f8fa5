/*
 * fuzz_index.c - the index parser behind the signature (issue 5, item 2).
 * The input is a block area and an index (draft 1.2: header, then each
 * page before compression):
 *     u32 A | A bytes: the blocks | 56 bytes: index header |
 *     pages, each: u64 first | u32 n | n bytes (the page decompressed)
 * The harness compresses each page into its frame, writes the page
 * directory (each row's csize, size and hash from the frame and the bytes,
 * `first` as given), the checkpoint (entry count from the header, Merkle
 * root over the records it finds in the record pages, the hash of the
 * index head), signs it with a fixed test key and hands the file to the
 * reader, so that every input reaches the directory and page checks, the
 * table, record, id table and reference checks, block decompression and
 * full verification.
 * Seeds: `gen_hostile --seeds` cut from spec/vectors and the hostile cases.
 */
#include <stdlib.h>
#include <string.h>

#include "forge.h"
#include "fuzz_common.h"
#include "fuzz_reader.h"

static fkey key;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        fk_make(&key, 1, 0x1122334455667788ull);
        ready = 1;
    }
    fbundle b;
    if (!fb_forge_fuzz_index(&b, data, size, &key))
        return 0;
    fbuf file = {0};
    fb_bytes(&file, &b);
    fb_release(&b);
    char path[64];
    int fd = fuzz_memfd(file.p, file.n, path);
    fb_free(&file);
    if (fd < 0)
        return 0;
    fuzz_exercise_bundle(path);
    close(fd);
    return 0;
}
