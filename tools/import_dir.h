/*
 * import_dir.h - packing a directory: every regular file below it becomes
 * a post whose id is its path relative to the directory, and a file entry
 * at the same path that refers to that post, so extraction rebuilds the
 * tree byte for byte while storing each file's bytes once.
 *
 * Rules (also in `afmt pack --help`):
 *  - the walk never follows a symbolic link (openat with O_NOFOLLOW);
 *    symbolic links, and anything that is neither a regular file nor a
 *    directory (FIFOs, sockets, devices), are skipped with a warning on
 *    stderr; empty directories are not recorded;
 *  - names are visited in byte order within each directory, depth first,
 *    so the same tree always packs to the same bundle;
 *  - a file whose relative path a bundle cannot hold (a backslash in a
 *    name, more than 4096 bytes) or that is larger than 256 MiB is an
 *    error;
 *  - media type: "text/plain; charset=utf-8" (or text/markdown, text/html,
 *    text/csv, application/json by the name's extension) when the bytes
 *    are valid UTF-8 without NUL, else "application/octet-stream";
 *  - no author, title, parent or creation time is recorded.
 */
#ifndef AFMT_IMPORT_DIR_H
#define AFMT_IMPORT_DIR_H

#include <stdint.h>
#include <sys/types.h>

#include "afmt.h"

typedef struct cli_dir_file {
    char *path;   /* relative path, NUL-terminated */
    size_t len;
    uint64_t size;
    dev_t dev;
    ino_t ino;
} cli_dir_file;

typedef struct cli_dir_list {
    cli_dir_file *files;
    size_t n;
    size_t cap;
    uint64_t total_bytes;
} cli_dir_list;

/* Walks `dir` and lists its regular files in packing order.  Prints its
 * own messages; returns an exit status. */
int cli_dir_scan(cli_dir_list *out, const char *dir);

/* Adds the posts and file entries of a scanned directory to `w`.  Prints
 * its own messages; returns an exit status.  *posts receives the number
 * of posts added. */
int cli_dir_import(afmt_writer *w, const char *dir, const cli_dir_list *list, uint64_t *posts);

void cli_dir_list_free(cli_dir_list *l);

/* The media type the rules above give for a file's name and bytes. */
const char *cli_guess_media_type(const char *name, size_t name_len, const void *data,
                                 size_t len);

#endif
