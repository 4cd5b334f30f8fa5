/*
 * entry.h - the canonical entry encoding (spec section 8): posts and
 * files, encoded by the writer and decoded and checked by the reader.
 */
#ifndef AFMT_ENTRY_H
#define AFMT_ENTRY_H

#include "common/internal.h"

#define AFMT_ENTRY_TYPE_POST 0x01
#define AFMT_ENTRY_TYPE_FILE 0x02

/* The byte layout of an encoding (spec 8.1, 8.2), here and nowhere else.
 * Every entry: type, flags, salt.  A string is a u16 length, then bytes. */
#define AFMT_ENTRY_OFF_TYPE 0
#define AFMT_ENTRY_OFF_FLAGS 1
#define AFMT_ENTRY_OFF_SALT 2
#define AFMT_SALT_OFFSET AFMT_ENTRY_OFF_SALT
#define AFMT_STR_LEN_BYTES 2
/* A post: then content hash, content size, created, and from the id on
 * fields of varying length (id, media type, parent, author, title, missing
 * replies). */
#define AFMT_POST_OFF_HASH (AFMT_ENTRY_OFF_SALT + AFMT_SALT_BYTES)
#define AFMT_POST_OFF_SIZE (AFMT_POST_OFF_HASH + AFMT_HASH_BYTES)
#define AFMT_POST_OFF_CREATED (AFMT_POST_OFF_SIZE + 8)
#define AFMT_POST_OFF_ID (AFMT_POST_OFF_CREATED + 8)
#define AFMT_MISSING_REPLIES_BYTES 8
/* A file: then total size, the path, the part count, the parts. */
#define AFMT_FILE_OFF_SIZE (AFMT_ENTRY_OFF_SALT + AFMT_SALT_BYTES)
#define AFMT_FILE_OFF_PATH (AFMT_FILE_OFF_SIZE + 8)
#define AFMT_FILE_PART_COUNT_BYTES 4
/* The smallest encoding: a file with a 1-byte path and no parts. */
#define AFMT_ENTRY_MIN_BYTES (AFMT_FILE_OFF_PATH + AFMT_STR_LEN_BYTES + 1 + AFMT_FILE_PART_COUNT_BYTES)
/* Parts start with their kind.  Entry: u64 entry number.  Inline: a
 * string.  Blob: hash, u64 size. */
#define AFMT_PART_OFF_KIND 0
#define AFMT_PART_ENTRY_OFF_NUMBER 1
#define AFMT_PART_ENTRY_BYTES (AFMT_PART_ENTRY_OFF_NUMBER + 8)
#define AFMT_PART_INLINE_OFF_LEN 1
#define AFMT_PART_INLINE_OFF_DATA (AFMT_PART_INLINE_OFF_LEN + AFMT_STR_LEN_BYTES)
#define AFMT_PART_BLOB_OFF_HASH 1
#define AFMT_PART_BLOB_OFF_SIZE (AFMT_PART_BLOB_OFF_HASH + AFMT_HASH_BYTES)
#define AFMT_PART_BLOB_BYTES (AFMT_PART_BLOB_OFF_SIZE + 8)

/* Post flag bits as stored (spec 8.1). */
#define AFMT_PF_PARENT 0x01
#define AFMT_PF_AUTHOR 0x02
#define AFMT_PF_CREATED 0x04
#define AFMT_PF_TITLE 0x08
#define AFMT_PF_DELETED 0x10
#define AFMT_PF_INCOMPLETE 0x20
#define AFMT_PF_ALL 0x3F

#define AFMT_PART_KIND_ENTRY 0x01
#define AFMT_PART_KIND_INLINE 0x02
#define AFMT_PART_KIND_BLOB 0x03

#define AFMT_MIN_CREATED (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define AFMT_MAX_CREATED 253402300799LL   /* 9999-12-31T23:59:59Z */
#define AFMT_MAX_FILE_BYTES ((uint64_t)1 << 62)

/* A decoded entry; pointers borrow from the encoding. */
typedef struct afmt_entry_view {
    uint8_t type;
    uint8_t flags;                 /* stored flag bits */
    const uint8_t *salt;
    /* post */
    const uint8_t *hash;
    uint64_t size;                 /* post: content size; file: total size */
    int64_t created;
    const uint8_t *id;       size_t id_len;   /* post id or file path */
    const uint8_t *media;    size_t media_len;
    const uint8_t *parent;   size_t parent_len;
    const uint8_t *author;   size_t author_len;
    const uint8_t *title;    size_t title_len;
    uint64_t missing_replies;
    /* file */
    uint32_t part_count;
    const uint8_t *parts;    size_t parts_len;
    /* withheld (type 0x03, spec 12.1): the type it had; `hash` is its leaf */
    uint8_t withheld_type;
} afmt_entry_view;

/* One part of a file. */
typedef struct afmt_part_view {
    uint8_t kind;
    uint64_t entry;                /* kind entry */
    const uint8_t *data;           /* kind inline: the bytes; kind blob: the hash */
    uint64_t size;                 /* bytes the part stands for (entry: 0, caller fills) */
} afmt_part_view;

/* Encodes a post with a zero salt, appending to `out`.  Validates every
 * field against the limits (AFMT_E_INVALID_ARGUMENT / AFMT_E_LIMIT). */
AFMT_INTERNAL int afmt_entry_encode_post(afmt_buf *out, const afmt_post *p,
                                         const uint8_t hash[AFMT_HASH_BYTES], char *errbuf);
/* Encodes a file's fixed part with a zero salt, then `parts` (already
 * encoded parts, `count` of them). */
AFMT_INTERNAL int afmt_entry_encode_file(afmt_buf *out, const uint8_t *path, size_t path_len,
                                         uint64_t total, uint32_t count, const uint8_t *parts,
                                         size_t parts_len, char *errbuf);

/* Decodes and checks one encoding (every field's range, flags, no bytes
 * left over; parts are walked and checked for layout; a withheld entry's
 * layout, spec 12.1).  References to
 * other entries and blobs are checked by the reader.  AFMT_E_FORMAT,
 * AFMT_E_UNSUPPORTED (unknown type, flag or part kind) or AFMT_E_LIMIT. */
AFMT_INTERNAL int afmt_entry_decode(afmt_entry_view *e, const uint8_t *enc, size_t len,
                                    char *errbuf);

/* The id of a post or the path of a file, from an encoding that
 * afmt_entry_decode accepted (or that the writer made). */
static inline void afmt_entry_key(const uint8_t *enc, const uint8_t **key, size_t *len)
{
    size_t at = enc[AFMT_ENTRY_OFF_TYPE] == AFMT_ENTRY_TYPE_POST ? AFMT_POST_OFF_ID
                                                                 : AFMT_FILE_OFF_PATH;
    *len = afmt_load16(enc + at);
    *key = enc + at + AFMT_STR_LEN_BYTES;
}

/* The type of an encoding that afmt_entry_decode accepted. */
static inline uint8_t afmt_encoding_type(const uint8_t *enc)
{
    return enc[AFMT_ENTRY_OFF_TYPE];
}

/* The part count of a file's encoding that afmt_entry_decode accepted. */
static inline uint32_t afmt_file_part_count(const uint8_t *enc)
{
    return afmt_load32(enc + AFMT_FILE_OFF_PATH + AFMT_STR_LEN_BYTES +
                       afmt_load16(enc + AFMT_FILE_OFF_PATH));
}

/* A file path, for the folder check below. */
typedef struct afmt_path_ref {
    const uint8_t *path;
    size_t len;
    uint64_t entry;
} afmt_path_ref;

#define AFMT_PATHS_SAME 1   /* two files have the same path */
#define AFMT_PATHS_FOLDER 2 /* a file's path is the folder of another ("a", "a/b") */

/* 0 when the paths are distinct and none is a folder of another; else
 * AFMT_PATHS_SAME or AFMT_PATHS_FOLDER, with *bad the entry of one of the
 * two.  Sorts `paths`.  Paths are valid (no NUL).  O(n log n) comparisons,
 * whatever the paths' depth. */
AFMT_INTERNAL int afmt_paths_conflict(afmt_path_ref *paths, size_t n, uint64_t *bad);

/* Iterates the parts of a decoded file: *pos starts at 0.  Returns 1 and
 * fills `part` while parts remain, 0 at the end.  Only valid on an entry
 * that afmt_entry_decode accepted. */
AFMT_INTERNAL int afmt_part_next(afmt_part_view *part, const afmt_entry_view *e, size_t *pos);
/* Decodes the part at `p` (checked already, as above); returns its length. */
AFMT_INTERNAL size_t afmt_part_at(afmt_part_view *part, const uint8_t *p);

/* Append one encoded part to a file's parts (the writer's side). */
AFMT_INTERNAL int afmt_part_encode_entry(afmt_buf *out, uint64_t entry);
AFMT_INTERNAL int afmt_part_encode_inline(afmt_buf *out, const void *data, size_t len);
AFMT_INTERNAL int afmt_part_encode_blob(afmt_buf *out, const uint8_t hash[AFMT_HASH_BYTES],
                                        uint64_t size);

#endif
