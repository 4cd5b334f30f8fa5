/*
 * entry.c - encode and decode entries exactly as spec section 8 says.
 */
#include <stdlib.h>

#include "format/entry.h"
#include "format/withholding.h"

/* The fixed offsets of spec 8.1 and 8.2, pinned. */
_Static_assert(AFMT_POST_OFF_HASH == 18, "a post's content hash follows type, flags and salt");
_Static_assert(AFMT_POST_OFF_SIZE == 50, "then the content size");
_Static_assert(AFMT_POST_OFF_CREATED == 58, "then created");
_Static_assert(AFMT_POST_OFF_ID == 66, "then the id");
_Static_assert(AFMT_FILE_OFF_SIZE == 18, "a file's total size follows type, flags and salt");
_Static_assert(AFMT_FILE_OFF_PATH == 26, "then the path");
_Static_assert(AFMT_ENTRY_MIN_BYTES == 33, "the smallest encoding is 33 bytes (spec 7.1)");
_Static_assert(AFMT_PART_ENTRY_BYTES == 9, "an entry part is kind, u64");
_Static_assert(AFMT_PART_INLINE_OFF_DATA == 3, "an inline part is kind, u16, bytes");
_Static_assert(AFMT_PART_BLOB_BYTES == 41, "a blob part is kind, hash, u64");

int afmt_entry_encode_post(afmt_buf *out, const afmt_post *p, const uint8_t hash[AFMT_HASH_BYTES],
                           char *errbuf)
{
    if (p->id == NULL || p->id_len == 0 || p->id_len > AFMT_MAX_ID_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "post id must be 1 to %d bytes",
                         AFMT_MAX_ID_BYTES);
    if (p->media_type == NULL ||
        !afmt_media_type_valid((const uint8_t *)p->media_type, strlen(p->media_type)))
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT,
                         "media type must be 1 to 255 printable ASCII bytes");
    if (p->parent != NULL && (p->parent_len == 0 || p->parent_len > AFMT_MAX_ID_BYTES))
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "parent id must be 1 to %d bytes",
                         AFMT_MAX_ID_BYTES);
    if (p->author != NULL && p->author_len > AFMT_MAX_AUTHOR_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "author over %d bytes", AFMT_MAX_AUTHOR_BYTES);
    if (p->title != NULL && p->title_len > AFMT_MAX_TITLE_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "title over %d bytes", AFMT_MAX_TITLE_BYTES);
    if (p->content_len > AFMT_MAX_CONTENT_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "post over %u bytes", AFMT_MAX_CONTENT_BYTES);
    if (p->has_created && (p->created < AFMT_MIN_CREATED || p->created > AFMT_MAX_CREATED))
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "created time out of range");
    if (p->flags & ~(unsigned)(AFMT_POST_DELETED | AFMT_POST_INCOMPLETE))
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT, "unknown post flags");

    uint8_t flags = 0;
    if (p->parent != NULL)
        flags |= AFMT_PF_PARENT;
    if (p->author != NULL)
        flags |= AFMT_PF_AUTHOR;
    if (p->has_created)
        flags |= AFMT_PF_CREATED;
    if (p->title != NULL)
        flags |= AFMT_PF_TITLE;
    if (p->flags & AFMT_POST_DELETED)
        flags |= AFMT_PF_DELETED;
    if (p->flags & AFMT_POST_INCOMPLETE)
        flags |= AFMT_PF_INCOMPLETE;

    size_t media_len = strlen(p->media_type);
    uint8_t zero_salt[AFMT_SALT_BYTES] = {0};
    int rc = afmt_buf_reserve(out, AFMT_POST_OFF_ID + AFMT_STR_LEN_BYTES + p->id_len +
                                       AFMT_STR_LEN_BYTES + media_len +
                                       (p->parent ? AFMT_STR_LEN_BYTES + p->parent_len : 0) +
                                       (p->author ? AFMT_STR_LEN_BYTES + p->author_len : 0) +
                                       (p->title ? AFMT_STR_LEN_BYTES + p->title_len : 0) +
                                       AFMT_MISSING_REPLIES_BYTES);
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "out of memory");
    afmt_buf_append_u8(out, AFMT_ENTRY_TYPE_POST);
    afmt_buf_append_u8(out, flags);
    afmt_buf_append(out, zero_salt, sizeof zero_salt);
    afmt_buf_append(out, hash, AFMT_HASH_BYTES);
    afmt_buf_append_u64(out, p->content_len);
    afmt_buf_append_u64(out, p->has_created ? (uint64_t)p->created : 0);
    afmt_buf_append_u16(out, (uint16_t)p->id_len);
    afmt_buf_append(out, p->id, p->id_len);
    afmt_buf_append_u16(out, (uint16_t)media_len);
    afmt_buf_append(out, p->media_type, media_len);
    if (p->parent != NULL) {
        afmt_buf_append_u16(out, (uint16_t)p->parent_len);
        afmt_buf_append(out, p->parent, p->parent_len);
    }
    if (p->author != NULL) {
        afmt_buf_append_u16(out, (uint16_t)p->author_len);
        afmt_buf_append(out, p->author, p->author_len);
    }
    if (p->title != NULL) {
        afmt_buf_append_u16(out, (uint16_t)p->title_len);
        afmt_buf_append(out, p->title, p->title_len);
    }
    if (p->flags & AFMT_POST_INCOMPLETE)
        afmt_buf_append_u64(out, p->missing_replies);
    return AFMT_OK;
}

int afmt_entry_encode_file(afmt_buf *out, const uint8_t *path, size_t path_len, uint64_t total,
                           uint32_t count, const uint8_t *parts, size_t parts_len, char *errbuf)
{
    if (!afmt_path_valid(path, path_len))
        return AFMT_FAIL(errbuf, AFMT_E_INVALID_ARGUMENT,
                         "invalid path: must be relative, '/'-separated, without empty, "
                         "'.' or '..' components, NUL or backslash, at most %d bytes",
                         AFMT_MAX_PATH_BYTES);
    if (total > AFMT_MAX_FILE_BYTES || count > AFMT_MAX_FILE_PARTS)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "file too large");
    uint8_t zero_salt[AFMT_SALT_BYTES] = {0};
    int rc = afmt_buf_reserve(out, AFMT_FILE_OFF_PATH + AFMT_STR_LEN_BYTES + path_len +
                                       AFMT_FILE_PART_COUNT_BYTES + parts_len);
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "out of memory");
    afmt_buf_append_u8(out, AFMT_ENTRY_TYPE_FILE);
    afmt_buf_append_u8(out, 0);
    afmt_buf_append(out, zero_salt, sizeof zero_salt);
    afmt_buf_append_u64(out, total);
    afmt_buf_append_u16(out, (uint16_t)path_len);
    afmt_buf_append(out, path, path_len);
    afmt_buf_append_u32(out, count);
    afmt_buf_append(out, parts, parts_len);
    return AFMT_OK;
}

/* A cursor over an encoding: every read checks the remaining length. */
typedef struct cursor {
    const uint8_t *p;
    size_t left;
} cursor;

static const uint8_t *take(cursor *c, size_t n)
{
    if (c->left < n)
        return NULL;
    const uint8_t *r = c->p;
    c->p += n;
    c->left -= n;
    return r;
}

/* A u16-length-prefixed string of min..max bytes: AFMT_E_FORMAT when it is
 * cut short or under `min`, AFMT_E_LIMIT when over `max` (spec section 11). */
static int take_str(cursor *c, const uint8_t **s, size_t *len, size_t min, size_t max)
{
    const uint8_t *l = take(c, AFMT_STR_LEN_BYTES);
    if (l == NULL)
        return AFMT_E_FORMAT;
    size_t n = afmt_load16(l);
    if (n < min)
        return AFMT_E_FORMAT;
    if (n > max)
        return AFMT_E_LIMIT;
    *s = take(c, n);
    *len = n;
    return *s != NULL ? AFMT_OK : AFMT_E_FORMAT;
}

/* The cursor starts at the salt of `enc`. */
static int decode_post(afmt_entry_view *e, const uint8_t *enc, cursor *c, char *errbuf)
{
    if (e->flags & 0x40) /* spec 12.3 */
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED,
                         "a later version of an earlier post (history): not supported by this "
                         "version");
    if (e->flags & ~AFMT_PF_ALL)
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED, "unknown post flag bits 0x%02x", e->flags);
    if (take(c, AFMT_POST_OFF_ID - AFMT_ENTRY_OFF_SALT) == NULL)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "post record too short");
    e->salt = enc + AFMT_ENTRY_OFF_SALT;
    e->hash = enc + AFMT_POST_OFF_HASH;
    e->size = afmt_load64(enc + AFMT_POST_OFF_SIZE);
    e->created = (int64_t)afmt_load64(enc + AFMT_POST_OFF_CREATED);
    if (e->size > AFMT_MAX_CONTENT_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "post content over the size limit");
    if (e->flags & AFMT_PF_CREATED) {
        if (e->created < AFMT_MIN_CREATED || e->created > AFMT_MAX_CREATED)
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "created time out of range");
    } else if (e->created != 0) {
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "created time set without its flag");
    }
    int rc;
    if ((rc = take_str(c, &e->id, &e->id_len, 1, AFMT_MAX_ID_BYTES)) != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "bad post id field");
    if ((rc = take_str(c, &e->media, &e->media_len, 1, AFMT_MAX_MEDIA_TYPE_BYTES)) != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "bad media type field");
    if (!afmt_media_type_valid(e->media, e->media_len))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "media type is not printable ASCII");
    if ((e->flags & AFMT_PF_PARENT) &&
        (rc = take_str(c, &e->parent, &e->parent_len, 1, AFMT_MAX_ID_BYTES)) != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "bad parent id field");
    if ((e->flags & AFMT_PF_AUTHOR) &&
        (rc = take_str(c, &e->author, &e->author_len, 0, AFMT_MAX_AUTHOR_BYTES)) != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "bad author field");
    if ((e->flags & AFMT_PF_TITLE) &&
        (rc = take_str(c, &e->title, &e->title_len, 0, AFMT_MAX_TITLE_BYTES)) != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "bad title field");
    if (e->flags & AFMT_PF_INCOMPLETE) {
        const uint8_t *m = take(c, AFMT_MISSING_REPLIES_BYTES);
        if (m == NULL)
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "missing replies field cut short");
        e->missing_replies = afmt_load64(m);
    }
    return AFMT_OK;
}

size_t afmt_part_at(afmt_part_view *part, const uint8_t *p)
{
    part->kind = p[AFMT_PART_OFF_KIND];
    switch (part->kind) {
    case AFMT_PART_KIND_ENTRY:
        part->entry = afmt_load64(p + AFMT_PART_ENTRY_OFF_NUMBER);
        part->data = NULL;
        part->size = 0;
        return AFMT_PART_ENTRY_BYTES;
    case AFMT_PART_KIND_INLINE:
        part->size = afmt_load16(p + AFMT_PART_INLINE_OFF_LEN);
        part->data = p + AFMT_PART_INLINE_OFF_DATA;
        return AFMT_PART_INLINE_OFF_DATA + (size_t)part->size;
    default: /* AFMT_PART_KIND_BLOB */
        part->data = p + AFMT_PART_BLOB_OFF_HASH;
        part->size = afmt_load64(p + AFMT_PART_BLOB_OFF_SIZE);
        return AFMT_PART_BLOB_BYTES;
    }
}

int afmt_part_next(afmt_part_view *part, const afmt_entry_view *e, size_t *pos)
{
    if (*pos >= e->parts_len)
        return 0;
    *pos += afmt_part_at(part, e->parts + *pos);
    return 1;
}

int afmt_part_encode_entry(afmt_buf *out, uint64_t entry)
{
    uint8_t part[AFMT_PART_ENTRY_BYTES];
    part[AFMT_PART_OFF_KIND] = AFMT_PART_KIND_ENTRY;
    afmt_store64(part + AFMT_PART_ENTRY_OFF_NUMBER, entry);
    return afmt_buf_append(out, part, sizeof part);
}

int afmt_part_encode_inline(afmt_buf *out, const void *data, size_t len)
{
    int rc;
    if ((rc = afmt_buf_append_u8(out, AFMT_PART_KIND_INLINE)) != AFMT_OK ||
        (rc = afmt_buf_append_u16(out, (uint16_t)len)) != AFMT_OK)
        return rc;
    return afmt_buf_append(out, data, len);
}

int afmt_part_encode_blob(afmt_buf *out, const uint8_t hash[AFMT_HASH_BYTES], uint64_t size)
{
    int rc;
    if ((rc = afmt_buf_append_u8(out, AFMT_PART_KIND_BLOB)) != AFMT_OK ||
        (rc = afmt_buf_append(out, hash, AFMT_HASH_BYTES)) != AFMT_OK)
        return rc;
    return afmt_buf_append_u64(out, size);
}

/* The cursor starts at the salt of `enc`. */
static int decode_file(afmt_entry_view *e, const uint8_t *enc, cursor *c, char *errbuf)
{
    if (e->flags != 0)
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED, "unknown file flag bits 0x%02x", e->flags);
    if (take(c, AFMT_FILE_OFF_PATH - AFMT_ENTRY_OFF_SALT) == NULL)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "file record too short");
    e->salt = enc + AFMT_ENTRY_OFF_SALT;
    e->size = afmt_load64(enc + AFMT_FILE_OFF_SIZE);
    if (e->size > AFMT_MAX_FILE_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "file size over the limit");
    int rc = take_str(c, &e->id, &e->id_len, 1, AFMT_MAX_PATH_BYTES);
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "bad file path field");
    if (!afmt_path_valid(e->id, e->id_len))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "invalid file path");
    const uint8_t *n = take(c, AFMT_FILE_PART_COUNT_BYTES);
    if (n == NULL)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "file record too short");
    e->part_count = afmt_load32(n);
    if (e->part_count > AFMT_MAX_FILE_PARTS)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "too many parts");
    e->parts = c->p;
    for (uint32_t i = 0; i < e->part_count; i++) {
        const uint8_t *k = take(c, 1);
        if (k == NULL)
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "file parts cut short");
        if (*k == AFMT_PART_KIND_ENTRY) {
            if (take(c, AFMT_PART_ENTRY_BYTES - 1) == NULL)
                return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "file parts cut short");
        } else if (*k == AFMT_PART_KIND_INLINE) {
            const uint8_t *s;
            size_t len;
            if ((rc = take_str(c, &s, &len, 1, AFMT_MAX_INLINE_BYTES)) != AFMT_OK)
                return AFMT_FAIL(errbuf, rc, "bad inline part");
        } else if (*k == AFMT_PART_KIND_BLOB) {
            if (take(c, AFMT_PART_BLOB_BYTES - 1) == NULL)
                return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "file parts cut short");
            uint64_t size = afmt_load64(k + AFMT_PART_BLOB_OFF_SIZE);
            if (size == 0)
                return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "blob part of size 0");
            if (size > AFMT_MAX_CONTENT_BYTES)
                return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "blob part over the size limit");
        } else {
            return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED, "unknown part kind 0x%02x", *k);
        }
    }
    e->parts_len = (size_t)(c->p - e->parts);
    return AFMT_OK;
}

int afmt_entry_decode(afmt_entry_view *e, const uint8_t *enc, size_t len, char *errbuf)
{
    memset(e, 0, sizeof *e);
    if (len < AFMT_ENTRY_OFF_SALT)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "entry record too short");
    cursor c = {enc + AFMT_ENTRY_OFF_SALT, len - AFMT_ENTRY_OFF_SALT};
    e->type = enc[AFMT_ENTRY_OFF_TYPE];
    e->flags = enc[AFMT_ENTRY_OFF_FLAGS];
    int rc;
    if (e->type == AFMT_ENTRY_TYPE_POST)
        rc = decode_post(e, enc, &c, errbuf);
    else if (e->type == AFMT_ENTRY_TYPE_FILE)
        rc = decode_file(e, enc, &c, errbuf);
    else if (e->type == AFMT_ENTRY_TYPE_WITHHELD) { /* spec 12.1: no salt, no fields */
        if ((rc = afmt_withheld_check(enc, len, errbuf)) != AFMT_OK)
            return rc;
        e->flags = 0;
        e->withheld_type = enc[AFMT_WITHHELD_OFF_TYPE];
        e->hash = enc + AFMT_WITHHELD_OFF_LEAF;
        return AFMT_OK;
    }
    else
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED, "unknown entry type 0x%02x", e->type);
    if (rc != AFMT_OK)
        return rc;
    if (c.left != 0)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "bytes left over after the entry's last field");
    return AFMT_OK;
}

/* Byte order, except that '/' sorts before every other byte: then every
 * path "P/..." comes right after "P", so one look at the next path finds a
 * file that is also a folder. */
static int path_cmp(const void *a, const void *b)
{
    const afmt_path_ref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    for (size_t i = 0; i < n; i++) {
        int cx = x->path[i] == '/' ? 0 : x->path[i] + 1;
        int cy = y->path[i] == '/' ? 0 : y->path[i] + 1;
        if (cx != cy)
            return cx - cy;
    }
    return (x->len > y->len) - (x->len < y->len);
}

int afmt_paths_conflict(afmt_path_ref *paths, size_t n, uint64_t *bad)
{
    if (n < 2)
        return 0; /* nothing to compare (and qsort must not get NULL) */
    qsort(paths, n, sizeof *paths, path_cmp);
    for (size_t i = 0; i + 1 < n; i++) {
        const afmt_path_ref *p = &paths[i], *q = &paths[i + 1];
        if (q->len < p->len || memcmp(q->path, p->path, p->len) != 0)
            continue;
        *bad = p->entry;
        if (q->len == p->len)
            return AFMT_PATHS_SAME;
        if (q->path[p->len] == '/')
            return AFMT_PATHS_FOLDER;
    }
    return 0;
}
