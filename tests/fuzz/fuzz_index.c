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
    if (size < 4 + 56)
        return 0;
    size_t area = ld32(data);
    if (area > size - 4 - 56)
        area = size - 4 - 56;
    const uint8_t *blocks = data + 4, *ih = data + 4 + area, *p = ih + 56;
    size_t left = size - 4 - area - 56;

    fbundle b;
    fb_init(&b);
    fb_put(&b.blocks, blocks, area);
    b.compression = ld32(ih);
    b.index_flags = ld32(ih + 4);
    b.n_entries = ld64(ih + 8);
    b.posts_set = 1;
    b.posts = ld64(ih + 16);
    b.n_blocks = ld64(ih + 24);
    b.n_blobs = ld64(ih + 32);
    b.record_pages_set = 1;
    b.record_pages = ld64(ih + 40);
    b.records_size_set = 1;
    b.records_size = ld64(ih + 48);
    b.level = 1;
    while (left >= 12 || b.npages < 2) {
        fpage *pg = fb_new_page(&b);
        pg->first_set = 1;
        if (left < 12)
            continue; /* at least the two table pages */
        pg->first = ld64(p);
        size_t n = ld32(p + 8);
        if (n > left - 12)
            n = left - 12;
        fb_put(&pg->data, p + 12, n);
        p += 12 + n;
        left -= 12 + n;
    }
    uint64_t rp = b.record_pages < b.npages - 2 ? b.record_pages : b.npages - 2;
    b.n_record_pages = (size_t)rp;
    b.n_id_pages = b.npages - 2 - (size_t)rp;
    fb_counts_from_firsts(&b, b.n_entries);
    fb_pack(&b);
    b.entries_set = 1;
    b.entries = b.n_entries > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : b.n_entries;
    fb_checkpoint(&b);
    fb_sign(&b, &key);
    fb_trailer(&b);
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
