/*
 * entry.c - encode and decode entries exactly as spec section 8 says.
 */
#include <stdlib.h>

#include "format/entry.h"

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
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "author over %d bytes", AFMT_MAX_AUTHOR_BYTES);
    if (p->title != NULL && p->title_len > AFMT_MAX_TITLE_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "title over %d bytes", AFMT_MAX_TITLE_BYTES);
    if (p->content_len > AFMT_MAX_CONTENT_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "post over %u bytes", AFMT_MAX_CONTENT_BYTES);
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
    int rc = afmt_buf_reserve(out, 1 + 1 + 16 + 32 + 8 + 8 + 2 + p->id_len + 2 + media_len +
                                       (p->parent ? 2 + p->parent_len : 0) +
                                       (p->author ? 2 + p->author_len : 0) +
                                       (p->title ? 2 + p->title_len : 0) + 8);
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
    int rc = afmt_buf_reserve(out, 1 + 1 + 16 + 8 + 2 + path_len + 4 + parts_len);
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
    const uint8_t *l = take(c, 2);
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

static int decode_post(afmt_entry_view *e, cursor *c, char *errbuf)
{
    if (e->flags & ~AFMT_PF_ALL)
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED, "unknown post flag bits 0x%02x", e->flags);
    const uint8_t *p = take(c, 16 + 32 + 8 + 8);
    if (p == NULL)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "post record too short");
    e->salt = p;
    e->hash = p + 16;
    e->size = afmt_load64(p + 48);
    e->created = (int64_t)afmt_load64(p + 56);
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
        const uint8_t *m = take(c, 8);
        if (m == NULL)
            return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "missing replies field cut short");
        e->missing_replies = afmt_load64(m);
    }
    return AFMT_OK;
}

int afmt_part_next(afmt_part_view *part, const afmt_entry_view *e, size_t *pos)
{
    if (*pos >= e->parts_len)
        return 0;
    const uint8_t *p = e->parts + *pos;
    part->kind = p[0];
    switch (p[0]) {
    case AFMT_PART_KIND_ENTRY:
        part->entry = afmt_load64(p + 1);
        part->data = NULL;
        part->size = 0;
        *pos += 9;
        break;
    case AFMT_PART_KIND_INLINE:
        part->size = afmt_load16(p + 1);
        part->data = p + 3;
        *pos += 3 + part->size;
        break;
    default: /* AFMT_PART_KIND_BLOB */
        part->data = p + 1;
        part->size = afmt_load64(p + 33);
        *pos += 41;
        break;
    }
    return 1;
}

static int decode_file(afmt_entry_view *e, cursor *c, char *errbuf)
{
    if (e->flags != 0)
        return AFMT_FAIL(errbuf, AFMT_E_UNSUPPORTED, "unknown file flag bits 0x%02x", e->flags);
    const uint8_t *p = take(c, 16 + 8);
    if (p == NULL)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "file record too short");
    e->salt = p;
    e->size = afmt_load64(p + 16);
    if (e->size > AFMT_MAX_FILE_BYTES)
        return AFMT_FAIL(errbuf, AFMT_E_LIMIT, "file size over the limit");
    int rc = take_str(c, &e->id, &e->id_len, 1, AFMT_MAX_PATH_BYTES);
    if (rc != AFMT_OK)
        return AFMT_FAIL(errbuf, rc, "bad file path field");
    if (!afmt_path_valid(e->id, e->id_len))
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "invalid file path");
    const uint8_t *n = take(c, 4);
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
            if (take(c, 8) == NULL)
                return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "file parts cut short");
        } else if (*k == AFMT_PART_KIND_INLINE) {
            const uint8_t *s;
            size_t len;
            if ((rc = take_str(c, &s, &len, 1, AFMT_MAX_INLINE_BYTES)) != AFMT_OK)
                return AFMT_FAIL(errbuf, rc, "bad inline part");
        } else if (*k == AFMT_PART_KIND_BLOB) {
            const uint8_t *b = take(c, 40);
            if (b == NULL)
                return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "file parts cut short");
            uint64_t size = afmt_load64(b + 32);
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
    if (len < 2)
        return AFMT_FAIL(errbuf, AFMT_E_FORMAT, "entry record too short");
    cursor c = {enc + 2, len - 2};
    e->type = enc[0];
    e->flags = enc[1];
    int rc;
    if (e->type == AFMT_ENTRY_TYPE_POST)
        rc = decode_post(e, &c, errbuf);
    else if (e->type == AFMT_ENTRY_TYPE_FILE)
        rc = decode_file(e, &c, errbuf);
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
