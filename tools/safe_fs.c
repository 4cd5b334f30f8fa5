/*
 * safe_fs.c - directory chains opened with O_NOFOLLOW, path checks, and the
 * post-id-to-file-name mapping of `afmt extract --posts`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_fs.h"

void cli_dirchain_init(cli_dirchain *c, int root)
{
    memset(c, 0, sizeof *c);
    c->root = root;
}

static void chain_pop(cli_dirchain *c)
{
    c->depth--;
    close(c->fds[c->depth]);
    free(c->names[c->depth]);
}

void cli_dirchain_free(cli_dirchain *c)
{
    while (c->depth > 0)
        chain_pop(c);
    free(c->fds);
    free(c->names);
    c->fds = NULL;
    c->names = NULL;
    c->cap = 0;
}

static int chain_fd(const cli_dirchain *c)
{
    return c->depth ? c->fds[c->depth - 1] : c->root;
}

/* Opens (and with create, makes) directory `name` below `parent`. */
static int open_dir_below(int parent, const char *name, int create, char *err, size_t err_size)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
            return fd;
        int e = errno;
        if (e == ENOENT && create && attempt == 0) {
            if (mkdirat(parent, name, 0777) != 0 && errno != EEXIST) {
                snprintf(err, err_size, "cannot create directory: %s", strerror(errno));
                return -1;
            }
            continue;
        }
        struct stat st;
        if ((e == ELOOP || e == ENOTDIR) && fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            if (S_ISLNK(st.st_mode))
                snprintf(err, err_size, "is a symbolic link; refusing to follow it");
            else
                snprintf(err, err_size, "exists and is not a directory");
            return -1;
        }
        snprintf(err, err_size, "%s", strerror(e));
        return -1;
    }
    snprintf(err, err_size, "cannot create directory");
    return -1;
}

int cli_dirchain_enter(cli_dirchain *c, const char *dir, size_t dir_len, int create,
                       char *err, size_t err_size)
{
    /* Split into components and keep the common prefix already open. */
    size_t level = 0;
    size_t pos = 0;
    char comp_err[256];
    while (pos < dir_len) {
        const char *slash = memchr(dir + pos, '/', dir_len - pos);
        size_t end = slash ? (size_t)(slash - dir) : dir_len;
        size_t n = end - pos;
        if (n > 255) {
            snprintf(err, err_size, "a directory name is longer than 255 bytes");
            return -1;
        }
        if (n == 0 || memchr(dir + pos, '\0', n) != NULL ||
            (n == 1 && dir[pos] == '.') || (n == 2 && dir[pos] == '.' && dir[pos + 1] == '.')) {
            snprintf(err, err_size, "unsafe directory name");
            return -1;
        }
        if (level < c->depth) {
            if (strlen(c->names[level]) == n && memcmp(c->names[level], dir + pos, n) == 0) {
                level++;
                pos = end + 1;
                continue;
            }
            while (c->depth > level)
                chain_pop(c);
        }
        char name[256];
        memcpy(name, dir + pos, n);
        name[n] = '\0';
        int fd = open_dir_below(chain_fd(c), name, create, comp_err, sizeof comp_err);
        if (fd < 0) {
            snprintf(err, err_size, "%.*s: %s", (int)(end > 3000 ? 3000 : end), dir, comp_err);
            return -1;
        }
        if (c->depth == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 16;
            int *fds = realloc(c->fds, cap * sizeof *fds);
            if (fds != NULL)
                c->fds = fds;
            char **names = realloc(c->names, cap * sizeof *names);
            if (names != NULL)
                c->names = names;
            if (fds == NULL || names == NULL) {
                close(fd);
                snprintf(err, err_size, "out of memory");
                return -1;
            }
            c->cap = cap;
        }
        c->names[c->depth] = strdup(name);
        if (c->names[c->depth] == NULL) {
            close(fd);
            snprintf(err, err_size, "out of memory");
            return -1;
        }
        c->fds[c->depth++] = fd;
        level++;
        pos = end + 1;
    }
    while (c->depth > level)
        chain_pop(c);
    return chain_fd(c);
}

static int name_byte_plain(unsigned char b)
{
    return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
           b == '.' || b == '_' || b == '-';
}

char *cli_post_file_name(const char *id, size_t len)
{
    /* A folder component holds at most MAX - 1 escaped bytes and its '%'
     * marker, and at least MAX - 3: worst case 3 bytes per byte, 2 per
     * folder (the '%' and the '/'), NUL. */
    size_t cap = len * 3 + 2 * (len * 3 / (CLI_NAME_COMPONENT_MAX - 3) + 1) + 1;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    static const char hex[] = "0123456789ABCDEF";
    /* remaining: escaped length of id[i..len) if it went on in the current
     * component (so a '.' costs 1 here; the 2 more of a '.' that begins a
     * component are added where that happens). */
    size_t remaining = 0;
    for (size_t i = 0; i < len; i++)
        remaining += name_byte_plain((unsigned char)id[i]) ? 1 : 3;
    size_t o = 0;
    size_t comp = 0; /* bytes in the current component */
    int last = 0;    /* the rest fits in the current component: no more cuts */
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)id[i];
        if (!last && comp + remaining + (comp == 0 && b == '.' ? 2 : 0) <=
                         CLI_NAME_COMPONENT_MAX)
            last = 1;
        int plain = name_byte_plain(b) && !(b == '.' && comp == 0);
        size_t need = plain ? 1 : 3;
        if (!last && comp + need > CLI_NAME_COMPONENT_MAX - 1) {
            /* Close this folder with a bare '%', which the escaping never
             * leaves at the end of a component: a folder's name can never
             * be a file's name, whatever the ids. */
            out[o++] = '%';
            out[o++] = '/';
            comp = 0;
            if (remaining + (b == '.' ? 2 : 0) <= CLI_NAME_COMPONENT_MAX)
                last = 1;
            plain = name_byte_plain(b) && b != '.';
            need = plain ? 1 : 3;
        }
        if (plain) {
            out[o++] = (char)b;
        } else {
            out[o++] = '%';
            out[o++] = hex[b >> 4];
            out[o++] = hex[b & 15];
        }
        comp += need;
        remaining -= name_byte_plain(b) ? 1 : 3;
    }
    out[o] = '\0';
    return out;
}
