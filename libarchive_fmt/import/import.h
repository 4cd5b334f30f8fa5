/*
 * import.h - the importers behind afmt_import(), one file per source
 * format (import_<format>.c).  Each has the signature of afmt_import
 * without the format, and the same contract (afmt_import.h).
 */
#ifndef AFMT_IMPORT_INTERNAL_H
#define AFMT_IMPORT_INTERNAL_H

#include "afmt_import.h"
#include "common/internal.h"

typedef int (*afmt_import_fn)(afmt_writer *w, int fd, const char *path, size_t path_len,
                              afmt_import_stats *stats, char *errbuf, size_t errbuf_size);

AFMT_INTERNAL int afmt_import_ndjson(afmt_writer *w, int fd, const char *path, size_t path_len,
                                     afmt_import_stats *stats, char *errbuf, size_t errbuf_size);
AFMT_INTERNAL int afmt_import_reddit(afmt_writer *w, int fd, const char *path, size_t path_len,
                                     afmt_import_stats *stats, char *errbuf, size_t errbuf_size);
AFMT_INTERNAL int afmt_import_pushshift(afmt_writer *w, int fd, const char *path,
                                        size_t path_len, afmt_import_stats *stats,
                                        char *errbuf, size_t errbuf_size);
AFMT_INTERNAL int afmt_import_hn(afmt_writer *w, int fd, const char *path, size_t path_len,
                                 afmt_import_stats *stats, char *errbuf, size_t errbuf_size);
AFMT_INTERNAL int afmt_import_mbox(afmt_writer *w, int fd, const char *path, size_t path_len,
                                   afmt_import_stats *stats, char *errbuf, size_t errbuf_size);

AFMT_INTERNAL int afmt_import_mastodon(afmt_writer *w, int fd, const char *path,
                                       size_t path_len, afmt_import_stats *stats,
                                       char *errbuf, size_t errbuf_size);
AFMT_INTERNAL int afmt_import_discourse(afmt_writer *w, int fd, const char *path,
                                        size_t path_len, afmt_import_stats *stats,
                                        char *errbuf, size_t errbuf_size);
AFMT_INTERNAL int afmt_import_nntp(afmt_writer *w, int fd, const char *path, size_t path_len,
                                   afmt_import_stats *stats, char *errbuf, size_t errbuf_size);
AFMT_INTERNAL int afmt_import_stackexchange(afmt_writer *w, int fd, const char *path,
                                            size_t path_len, afmt_import_stats *stats,
                                            char *errbuf, size_t errbuf_size);

/* Adds `from` to *to (NULL: nothing): how every importer reports, once it
 * has succeeded. */
AFMT_INTERNAL void afmt_import_stats_add(afmt_import_stats *to, const afmt_import_stats *from);

#endif
