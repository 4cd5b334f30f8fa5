/*
 * core_only.c - a program that reads and verifies a bundle with the core
 * library alone (archive_fmt, no importers): it must build and run without
 * jansson (test core_without_jansson).  Prints the entry count and exits 0
 * when BUNDLE verifies.
 */
#include <stdio.h>

#include "afmt.h"

int main(int argc, char **argv)
{
    char err[256];
    afmt_reader *r = NULL;
    if (argc != 2 || afmt_init() != AFMT_OK)
        return 2;
    if (afmt_reader_open(&r, argv[1], err, sizeof err) != AFMT_OK) {
        fprintf(stderr, "core_only: %s: %s\n", argv[1], err);
        return 1;
    }
    int rc = afmt_reader_verify(r, NULL, NULL);
    printf("%llu entries, %s\n", (unsigned long long)afmt_reader_entry_count(r),
           rc == AFMT_OK ? "verified" : afmt_strerror(rc));
    afmt_reader_free(r);
    return rc == AFMT_OK ? 0 : 1;
}
