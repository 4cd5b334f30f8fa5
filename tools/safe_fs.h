/*
 * safe_fs.h - walking relative paths below a directory without ever
 * following a symbolic link, and the mapping from post ids to file names.
 */
#ifndef AFMT_SAFE_FS_H
#define AFMT_SAFE_FS_H

#include <stddef.h>

/* A chain of open directories below a root directory: the directories of
 * the path last entered, one file descriptor per component, each opened
 * relative to the one before with O_NOFOLLOW, so a symbolic link planted
 * anywhere below the root is refused and never followed.  Consecutive
 * paths in the same directory reuse the open descriptors. */
typedef struct cli_dirchain {
    int root;      /* borrowed */
    size_t depth;  /* components open */
    size_t cap;
    int *fds;      /* fds[i]: the directory of component i */
    char **names;  /* names[i]: component i */
} cli_dirchain;

void cli_dirchain_init(cli_dirchain *c, int root);
void cli_dirchain_free(cli_dirchain *c);

/* Makes the chain the directory `dir` (dir_len bytes of '/'-separated
 * components; 0 bytes is the root) and returns its descriptor (borrowed,
 * valid until the next call) or -1 with a message in err.  With `create`,
 * missing directories are made (mode 0777 minus umask).  A component that
 * is a symbolic link, or not a directory, is refused. */
int cli_dirchain_enter(cli_dirchain *c, const char *dir, size_t dir_len, int create,
                       char *err, size_t err_size);

/* The file name of a post id for `extract --posts` (malloc'd, NUL-ended,
 * NULL when out of memory):
 *  - every byte outside [A-Za-z0-9._-] becomes %HH (uppercase hex), '%'
 *    and '/' included, and a '.' that would begin a path component becomes
 *    %2E;
 *  - when the result is longer than CLI_NAME_COMPONENT_MAX bytes, it is
 *    cut into folders: each folder holds at most CLI_NAME_COMPONENT_MAX - 1
 *    bytes of it (never cut inside a %HH) and ends with a bare '%', and the
 *    last component, the file, holds the rest (at most
 *    CLI_NAME_COMPONENT_MAX bytes).  The escaping never leaves a '%' at the
 *    end of a component, so a folder made here never has a file's name:
 *    the names are prefix-free (one post's file is never a folder on
 *    another post's path).
 * Decoding is: drop every "%/", then percent-decode.  So the mapping is
 * injective and reversible, and no component is empty, ".", ".." or
 * hidden: the name can never leave the extraction directory. */
#define CLI_NAME_COMPONENT_MAX 240
char *cli_post_file_name(const char *id, size_t len);

#endif
