/*
 * afmt_import.h - importers: turn a saved discussion, as the platform served
 * it, into posts in an afmt_writer, keeping every byte of the input.
 *
 * Every importer adds one post entry per post it finds (id, parent, author,
 * created, title, media type, the post's own bytes) and then one file entry
 * whose bytes are the input file's, byte for byte, built from references to
 * those posts where the post's bytes are a verbatim slice of the file, and
 * from stored data elsewhere.  Conventions are those of afmt.h.
 */
#ifndef AFMT_IMPORT_H
#define AFMT_IMPORT_H

#include "afmt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum afmt_source_format {
    AFMT_SOURCE_UNKNOWN = 0,
    AFMT_SOURCE_NDJSON = 1,    /* one JSON object per line: id, parent, author, created, title, body */
    AFMT_SOURCE_REDDIT = 2,    /* Reddit .json comments page, or morechildren answers */
    AFMT_SOURCE_PUSHSHIFT = 3, /* Pushshift NDJSON dump, plain or zstd-compressed */
    AFMT_SOURCE_HN = 4,        /* Hacker News API items */
    AFMT_SOURCE_MBOX = 5,      /* mbox of RFC 5322 messages */
    AFMT_SOURCE_MASTODON = 6,  /* ActivityPub outbox, or Mastodon API statuses / context */
    AFMT_SOURCE_DISCOURSE = 7, /* Discourse topic, posts page or post (JSON API) */
    AFMT_SOURCE_STACKEXCHANGE = 8, /* Stack Exchange data dump Posts.xml / Comments.xml */
    AFMT_SOURCE_NNTP = 9       /* one Usenet (NNTP) article */
} afmt_source_format;

/* "ndjson", "reddit", "pushshift", "hn", "mbox", "mastodon", "discourse",
 * "stackexchange", "nntp"; "unknown" otherwise.  (The last four: changed
 * after 0.1.0.) */
AFMT_API const char *afmt_source_format_name(afmt_source_format f);

/* Parses a name as above; AFMT_E_INVALID_ARGUMENT for any other. */
AFMT_API int afmt_source_format_from_name(afmt_source_format *out, const char *name);

/* Guesses the format of a file from its first bytes (`head`, up to `len`
 * bytes, at least the first 64 KiB when the file is that long) and its
 * name (may be NULL).  AFMT_SOURCE_UNKNOWN when nothing matches. */
AFMT_API afmt_source_format afmt_source_detect(const char *name, const uint8_t *head,
                                               size_t len);

typedef struct afmt_import_stats {
    uint64_t posts;           /* post entries added */
    uint64_t deleted;         /* of which marked deleted at the source */
    uint64_t incomplete;      /* of which marked incomplete */
    uint64_t missing_replies; /* sum of their missing_replies */
    uint64_t bytes_in;        /* bytes of the input file */
} afmt_import_stats;

/* Imports one source file read from `fd` (to its end; a pipe is fine) in
 * format `fmt`, adding its posts and then a file entry named `path`
 * (path_len bytes, a valid bundle path) that rebuilds the input byte for
 * byte.  Adds to *stats (may be NULL).  On error returns a negative
 * afmt_error, and afmt_error_last() gives a message naming the line or
 * record; the writer is then in an unspecified state and should be freed.
 * (Changed in 0.2.0: stats first, no errbuf.) */
AFMT_API int afmt_import(afmt_import_stats *stats, afmt_writer *w, afmt_source_format fmt,
                         int fd, const char *path, size_t path_len);

#ifdef __cplusplus
}
#endif
#endif /* AFMT_IMPORT_H */
