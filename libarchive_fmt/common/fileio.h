/*
 * fileio.h - the library's only way to touch files: small whole-file reads,
 * exact positional reads, and output through a temporary file that is
 * fsynced and renamed into place, so a crash never leaves a half-written
 * file under its final name.
 */
#ifndef AFMT_FILEIO_H
#define AFMT_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/internal.h"

/* Reads a whole regular file of at most `max` bytes into a malloc'd buffer
 * with one extra NUL byte after it.  AFMT_E_IO (missing, unreadable, not a
 * regular file), AFMT_E_LIMIT (larger than max), AFMT_E_NOMEM.  The message
 * goes to errbuf (AFMT_ERRMSG_BYTES). */
AFMT_INTERNAL int afmt_file_read_small(uint8_t **out, size_t *out_len, const char *path,
                                       size_t max, char *errbuf);

/* Reads exactly len bytes at offset; AFMT_E_TRUNCATED when the file ends
 * first, AFMT_E_IO on error. */
AFMT_INTERNAL int afmt_pread_exact(int fd, void *buf, size_t len, uint64_t offset);

/* An output file being written under a temporary name beside its target. */
typedef struct afmt_outfile {
    int fd;
    char *path;     /* final name */
    char *tmp_path; /* "<dir>/.<base>.afmt-tmp-XXXXXX" */
} afmt_outfile;

/* Creates the temporary file (O_EXCL, O_NOFOLLOW, O_CLOEXEC, `mode`).
 * When !overwrite and `path` exists already, fails at once with
 * AFMT_E_EXISTS. */
AFMT_INTERNAL int afmt_outfile_open(afmt_outfile *f, const char *path, mode_t mode,
                                    int overwrite, char *errbuf);
/* Writes all of `data` (retrying short writes and EINTR). */
/* Writes all `len` bytes to fd (retrying short writes); AFMT_E_IO. */
AFMT_INTERNAL int afmt_write_all(int fd, const void *data, size_t len, char *errbuf);
/* An unnamed file in the folder of `near` (O_TMPFILE): gone when closed,
 * even if the process is killed.  -1 when the system cannot make one. */
AFMT_INTERNAL int afmt_spill_open(const char *near);
AFMT_INTERNAL int afmt_outfile_write(afmt_outfile *f, const void *data, size_t len,
                                     char *errbuf);
/* The two halves of afmt_outfile_commit, for a caller that must have
 * several files complete before it puts any in place (a key pair):
 * seal fsyncs and closes the temporary file; place renames it onto the
 * final name (overwrite) or links it there, then fsyncs the directory.
 * Each removes the temporary file on failure. */
AFMT_INTERNAL int afmt_outfile_seal(afmt_outfile *f, char *errbuf);
AFMT_INTERNAL int afmt_outfile_place(afmt_outfile *f, int overwrite, char *errbuf);
/* fsyncs, then renames onto the final name (overwrite) or links it there
 * (no overwrite: fails with AFMT_E_EXISTS if the name appeared meanwhile),
 * then fsyncs the directory.  On failure the temporary file is removed. */
AFMT_INTERNAL int afmt_outfile_commit(afmt_outfile *f, int overwrite, char *errbuf);
/* Removes the temporary file and frees. Safe to call twice or after commit. */
AFMT_INTERNAL void afmt_outfile_abort(afmt_outfile *f);

#endif
