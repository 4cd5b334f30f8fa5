/*
 * fileio.c - small reads, exact positional reads, and atomic output files.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/fileio.h"

int afmt_file_read_small(uint8_t **out, size_t *out_len, const char *path, size_t max,
                         char *errbuf)
{
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return AFMT_FAIL(errbuf, AFMT_E_IO, "%s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return AFMT_FAIL(errbuf, AFMT_E_IO, "not a regular file");
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "file is larger than %zu bytes", max);
    }
    /* Read up to max+1 so a file that grew after fstat is still caught. */
    uint8_t *buf = malloc(max + 2);
    if (buf == NULL) {
        close(fd);
        return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
    }
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, max + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            sodium_memzero(buf, max + 2);
            free(buf);
            close(fd);
            return AFMT_FAIL(errbuf, AFMT_E_IO, "%s", strerror(e));
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max) {
            sodium_memzero(buf, max + 2);
            free(buf);
            close(fd);
            return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "file is larger than %zu bytes", max);
        }
    }
    close(fd);
    buf[len] = 0;
    *out = buf;
    *out_len = len;
    return AFMT_OK;
}

int afmt_pread_exact(int fd, void *buf, size_t len, uint64_t offset)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return AFMT_E_IO;
        if (n == 0)
            return AFMT_E_TRUNCATED;
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return AFMT_OK;
}

static char *dir_of(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return NULL;
    char *d = strdup(dirname(copy));
    free(copy);
    return d;
}

int afmt_outfile_open(afmt_outfile *f, const char *path, mode_t mode, int overwrite,
                      char *errbuf)
{
    int rc;
    f->fd = -1;
    f->path = NULL;
    f->tmp_path = NULL;
    struct stat st;
    if (!overwrite && lstat(path, &st) == 0)
        return AFMT_FAIL(errbuf, AFMT_E_EXISTS, "file exists (use -f to overwrite)");
    char *copy = strdup(path);
    char *dir = dir_of(path);
    if (copy == NULL || dir == NULL) {
        free(copy);
        free(dir);
        return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
    }
    const char *base = basename(copy);
    size_t n = strlen(dir) + strlen(base) + 32;
    f->tmp_path = malloc(n);
    f->path = strdup(path);
    if (f->tmp_path == NULL || f->path == NULL) {
        free(copy);
        free(dir);
        afmt_outfile_abort(f);
        return AFMT_FAIL(errbuf, AFMT_E_NOMEM, "out of memory");
    }
    /* Random suffix, created with O_EXCL: no race with another writer and
     * no following of a planted symlink. */
    for (int attempt = 0; attempt < 16; attempt++) {
        snprintf(f->tmp_path, n, "%s/.%s.afmt-tmp-%08x", dir, base, randombytes_random());
        f->fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     mode);
        if (f->fd >= 0 || errno != EEXIST)
            break;
    }
    free(copy);
    if (f->fd < 0) {
        int e = errno;
        free(f->tmp_path);
        f->tmp_path = NULL;
        afmt_outfile_abort(f);
        rc = AFMT_FAIL(errbuf, AFMT_E_IO, "cannot create a file in %s: %s", dir, strerror(e));
        free(dir);
        return rc;
    }
    free(dir);
    /* open() applies the umask; a secret key must be 0600 whatever it is. */
    if (fchmod(f->fd, mode) != 0) {
        int e = errno;
        afmt_outfile_abort(f);
        return AFMT_FAIL(errbuf, AFMT_E_IO, "cannot set mode: %s", strerror(e));
    }
    return AFMT_OK;
}

int afmt_outfile_write(afmt_outfile *f, const void *data, size_t len, char *errbuf)
{
    return afmt_write_all(f->fd, data, len, errbuf);
}

int afmt_write_all(int fd, const void *data, size_t len, char *errbuf)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return AFMT_FAIL(errbuf, AFMT_E_IO, "write failed: %s", strerror(errno));
        if (n == 0)
            return AFMT_FAIL(errbuf, AFMT_E_IO, "write failed: no progress");
        p += n;
        len -= (size_t)n;
    }
    return AFMT_OK;
}

static void fsync_dir_of(const char *path)
{
    char *dir = dir_of(path);
    if (dir == NULL)
        return;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
}

int afmt_outfile_seal(afmt_outfile *f, char *errbuf)
{
    int rc = AFMT_OK;
    if (fsync(f->fd) != 0) {
        rc = AFMT_FAIL(errbuf, AFMT_E_IO, "fsync failed: %s", strerror(errno));
        goto fail;
    }
    if (close(f->fd) != 0) {
        f->fd = -1;
        rc = AFMT_FAIL(errbuf, AFMT_E_IO, "close failed: %s", strerror(errno));
        goto fail;
    }
    f->fd = -1;
    return AFMT_OK;
fail:
    afmt_outfile_abort(f);
    return rc;
}

int afmt_outfile_place(afmt_outfile *f, int overwrite, char *errbuf)
{
    int rc = AFMT_OK;
    if (overwrite) {
        if (rename(f->tmp_path, f->path) != 0) {
            rc = AFMT_FAIL(errbuf, AFMT_E_IO, "rename failed: %s", strerror(errno));
            goto fail;
        }
    } else {
        /* link() fails if the name exists: no window where we clobber. */
        if (link(f->tmp_path, f->path) != 0) {
            int e = errno;
            rc = AFMT_FAIL(errbuf, e == EEXIST ? AFMT_E_EXISTS : AFMT_E_IO,
                           e == EEXIST ? "file exists (use -f to overwrite)"
                                       : "cannot create file: %s",
                           strerror(e));
            goto fail;
        }
        (void)unlink(f->tmp_path);
    }
    fsync_dir_of(f->path);
    free(f->tmp_path);
    f->tmp_path = NULL;
    free(f->path);
    f->path = NULL;
    return AFMT_OK;
fail:
    afmt_outfile_abort(f);
    return rc;
}

int afmt_outfile_commit(afmt_outfile *f, int overwrite, char *errbuf)
{
    int rc = afmt_outfile_seal(f, errbuf);
    return rc == AFMT_OK ? afmt_outfile_place(f, overwrite, errbuf) : rc;
}

void afmt_outfile_abort(afmt_outfile *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
    }
    if (f->tmp_path != NULL) {
        (void)unlink(f->tmp_path);
        free(f->tmp_path);
        f->tmp_path = NULL;
    }
    free(f->path);
    f->path = NULL;
}

int afmt_spill_open(const char *near)
{
#ifdef O_TMPFILE
    char *dir = dir_of(near);
    if (dir == NULL)
        return -1;
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    free(dir);
    return fd;
#else
    (void)near;
    return -1;
#endif
}
