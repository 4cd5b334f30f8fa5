/* test_support.h - helpers shared by the unit tests. */
#ifndef AFMT_TEST_SUPPORT_H
#define AFMT_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/* Makes a fresh temporary directory (under $TMPDIR or /tmp); malloc'd path. */
char *afmt_test_tmpdir(void);
/* Joins dir and name into a malloc'd path. */
char *afmt_test_path(const char *dir, const char *name);
/* Removes a directory tree (rm -rf). */
void afmt_test_rmtree(const char *dir);
/* Reads a whole file; returns malloc'd bytes or NULL. */
uint8_t *afmt_test_read_file(const char *path, size_t *len);
/* Writes a whole file; returns 0 on success. */
int afmt_test_write_file(const char *path, const void *data, size_t len);

#endif
