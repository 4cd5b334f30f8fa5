/*
 * import_dir.c - directory input for `afmt pack` (rules in import_dir.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "import_dir.h"
#include "safe_fs.h"

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Reads the names in directory fd (which stays open), sorted bytewise. */
static int read_names(char ***out, size_t *out_n, int fd)
{
    *out = NULL;
    *out_n = 0;
    int dfd = dup(fd);
    if (dfd < 0)
        return -1;
    DIR *d = fdopendir(dfd);
    if (d == NULL) {
        close(dfd);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (p == NULL) {
                free_names(names, n);
                closedir(d);
                errno = ENOMEM;
                return -1;
            }
            names = p;
        }
        names[n] = strdup(de->d_name);
        if (names[n] == NULL) {
            free_names(names, n);
            closedir(d);
            errno = ENOMEM;
            return -1;
        }
        n++;
        errno = 0;
    }
    int e = errno;
    closedir(d);
    if (e != 0) {
        free_names(names, n);
        errno = e;
        return -1;
    }
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    *out = names;
    *out_n = n;
    return 0;
}

struct scan {
    cli_dir_list *list;
    const char *top;
};

static int list_push(cli_dir_list *l, const char *path, size_t len, const struct stat *st)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        cli_dir_file *p = realloc(l->files, cap * sizeof *p);
        if (p == NULL)
            return -1;
        l->files = p;
        l->cap = cap;
    }
    cli_dir_file *f = &l->files[l->n];
    f->path = malloc(len + 1);
    if (f->path == NULL)
        return -1;
    memcpy(f->path, path, len);
    f->path[len] = '\0';
    f->len = len;
    f->size = (uint64_t)st->st_size;
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    l->n++;
    l->total_bytes += f->size;
    return 0;
}

/* Scans directory `fd`, whose relative path is prefix[0..plen). */
static int scan_dir(struct scan *s, int fd, char *prefix, size_t plen)
{
    char **names;
    size_t n;
    if (read_names(&names, &n, fd) != 0) {
        int e = errno;
        if (plen == 0)
            cli_err(s->top, "%s", strerror(e));
        else
            cli_err_n(prefix, plen, "%s", strerror(e));
        return CLI_EXIT_FAILURE;
    }
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++) {
        size_t nl = strlen(names[i]);
        size_t len = plen + (plen ? 1 : 0) + nl;
        if (len > AFMT_MAX_PATH_BYTES) {
            cli_err_n(prefix, plen, "%s: path longer than %d bytes", names[i],
                      AFMT_MAX_PATH_BYTES);
            rc = CLI_EXIT_FAILURE;
            break;
        }
        if (plen)
            prefix[plen] = '/';
        memcpy(prefix + plen + (plen ? 1 : 0), names[i], nl);
        prefix[len] = '\0';
        struct stat st;
        if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
            cli_err_n(prefix, len, "%s", strerror(errno));
            rc = CLI_EXIT_FAILURE;
        } else if (S_ISREG(st.st_mode)) {
            if (!afmt_path_safe((const uint8_t *)prefix, len)) {
                cli_err_n(prefix, len, "a bundle cannot hold this path (backslash in a name)");
                rc = CLI_EXIT_FAILURE;
            } else if ((uint64_t)st.st_size > AFMT_MAX_CONTENT_BYTES) {
                cli_err_n(prefix, len, "larger than 256 MiB, the limit of one post");
                rc = CLI_EXIT_FAILURE;
            } else if (list_push(s->list, prefix, len, &st) != 0) {
                cli_err(NULL, "out of memory");
                rc = CLI_EXIT_FAILURE;
            }
        } else if (S_ISDIR(st.st_mode)) {
            int cfd = openat(fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (cfd < 0) {
                cli_err_n(prefix, len, "%s", strerror(errno));
                rc = CLI_EXIT_FAILURE;
            } else {
                rc = scan_dir(s, cfd, prefix, len);
                close(cfd);
            }
        } else if (S_ISLNK(st.st_mode)) {
            cli_err_n(prefix, len, "warning: skipped symbolic link");
        } else {
            cli_err_n(prefix, len, "warning: skipped (not a regular file or directory)");
        }
        prefix[plen] = '\0';
    }
    free_names(names, n);
    return rc;
}

int cli_dir_scan(cli_dir_list *out, const char *dir)
{
    memset(out, 0, sizeof *out);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        cli_err(dir, "%s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    char *prefix = malloc(AFMT_MAX_PATH_BYTES + 256 + 2);
    if (prefix == NULL) {
        close(fd);
        cli_err(NULL, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    prefix[0] = '\0';
    struct scan s = {out, dir};
    int rc = scan_dir(&s, fd, prefix, 0);
    free(prefix);
    close(fd);
    if (rc != CLI_EXIT_OK)
        cli_dir_list_free(out);
    return rc;
}

void cli_dir_list_free(cli_dir_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->files[i].path);
    free(l->files);
    memset(l, 0, sizeof *l);
}

static int has_suffix(const char *name, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    if (len < n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[len - n + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return 0;
    }
    return 1;
}

const char *cli_guess_media_type(const char *name, size_t name_len, const void *data,
                                 size_t len)
{
    const unsigned char *p = data;
    size_t i = 0;
    while (i < len) {
        /* ASCII without NUL, eight bytes at a time: most posts are this. */
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & 0x8080808080808080ull) &&
                !((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        uint32_t cp;
        size_t n = afmt_utf8_decode(p + i, len - i, &cp);
        if (n == 0 || cp == 0)
            return "application/octet-stream";
        i += n;
    }
    if (has_suffix(name, name_len, ".json"))
        return "application/json";
    if (has_suffix(name, name_len, ".md") || has_suffix(name, name_len, ".markdown"))
        return "text/markdown; charset=utf-8";
    if (has_suffix(name, name_len, ".html") || has_suffix(name, name_len, ".htm"))
        return "text/html; charset=utf-8";
    if (has_suffix(name, name_len, ".csv"))
        return "text/csv; charset=utf-8";
    return "text/plain; charset=utf-8";
}

/* Reads the whole of fd, expected to be `size` bytes (it may have changed:
 * the limit still holds). */
static int read_file(void **out, size_t *out_len, int fd, uint64_t size)
{
    size_t cap = (size_t)size + 1;
    char *buf = malloc(cap);
    if (buf == NULL)
        return ENOMEM;
    size_t len = 0;
    for (;;) {
        if (len == cap) {
            if (cap > AFMT_MAX_CONTENT_BYTES) {
                free(buf);
                return EFBIG;
            }
            size_t ncap = cap * 2;
            char *p = realloc(buf, ncap);
            if (p == NULL) {
                free(buf);
                return ENOMEM;
            }
            buf = p;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            return e;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > AFMT_MAX_CONTENT_BYTES) {
        free(buf);
        return EFBIG;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

int cli_dir_import(afmt_writer *w, const char *dir, const cli_dir_list *list, uint64_t *posts)
{
    *posts = 0;
    int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) {
        cli_err(dir, "%s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    cli_dirchain chain;
    cli_dirchain_init(&chain, root);
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < list->n && rc == CLI_EXIT_OK; i++) {
        const cli_dir_file *f = &list->files[i];
        const char *slash = memrchr(f->path, '/', f->len);
        size_t dlen = slash ? (size_t)(slash - f->path) : 0;
        const char *base = slash ? slash + 1 : f->path;
        char err[512];
        int dfd = cli_dirchain_enter(&chain, f->path, dlen, 0, err, sizeof err);
        if (dfd < 0) {
            cli_err_n(f->path, f->len, "%s", err);
            rc = CLI_EXIT_FAILURE;
            break;
        }
        int fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            cli_err_n(f->path, f->len, "%s", strerror(errno));
            if (fd >= 0)
                close(fd);
            rc = CLI_EXIT_FAILURE;
            break;
        }
        if (!S_ISREG(st.st_mode) || st.st_dev != f->dev || st.st_ino != f->ino) {
            cli_err_n(f->path, f->len, "changed while being packed");
            close(fd);
            rc = CLI_EXIT_FAILURE;
            break;
        }
        void *data = NULL;
        size_t len = 0;
        int e = read_file(&data, &len, fd, (uint64_t)st.st_size);
        close(fd);
        if (e != 0) {
            cli_err_n(f->path, f->len, "%s",
                      e == EFBIG ? "larger than 256 MiB, the limit of one post" : strerror(e));
            rc = CLI_EXIT_FAILURE;
            break;
        }
        afmt_post post;
        memset(&post, 0, sizeof post);
        post.id = f->path;
        post.id_len = f->len;
        post.media_type = cli_guess_media_type(f->path, f->len, data, len);
        post.content = len ? data : "";
        post.content_len = len;
        uint64_t entry = 0;
        int lrc = afmt_writer_add_post(&entry, w, &post);
        free(data);
        if (lrc == AFMT_OK) {
            afmt_file_part part;
            memset(&part, 0, sizeof part);
            part.kind = AFMT_PART_ENTRY;
            part.entry = entry;
            lrc = afmt_writer_add_file(NULL, w, f->path, f->len, &part, 1);
        }
        if (lrc != AFMT_OK) {
            cli_err_n(f->path, f->len, "%s", cli_lib_msg(lrc));
            rc = CLI_EXIT_FAILURE;
            break;
        }
        (*posts)++;
    }
    cli_dirchain_free(&chain);
    close(root);
    return rc;
}
