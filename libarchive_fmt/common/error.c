/*
 * error.c - error names, library initialisation and the growable buffer
 * (the validators are in text.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "common/internal.h"

const char *afmt_strerror(int err)
{
    switch (err) {
    case AFMT_OK: return "success";
    case AFMT_E_NOMEM: return "out of memory";
    case AFMT_E_IO: return "input/output error";
    case AFMT_E_INVALID_ARGUMENT: return "invalid argument";
    case AFMT_E_STATE: return "call out of order";
    case AFMT_E_TRUNCATED: return "bundle is truncated";
    case AFMT_E_FORMAT: return "malformed bundle";
    case AFMT_E_UNSUPPORTED: return "unsupported version, flag or algorithm";
    case AFMT_E_LIMIT: return "size or count exceeds a limit";
    case AFMT_E_BAD_SIGNATURE: return "signature verification failed";
    case AFMT_E_WRONG_KEY: return "signed with another key";
    case AFMT_E_INDEX_MISMATCH: return "index does not match the checkpoint";
    case AFMT_E_ROOT_MISMATCH: return "Merkle root does not match the checkpoint";
    case AFMT_E_HASH_MISMATCH: return "content does not match its hash";
    case AFMT_E_COMPRESSION: return "compressed block is invalid";
    case AFMT_E_DUPLICATE: return "duplicate entry";
    case AFMT_E_NOT_FOUND: return "no such entry";
    case AFMT_E_KEY_FORMAT: return "malformed key or signature file";
    case AFMT_E_PASSPHRASE: return "wrong passphrase";
    case AFMT_E_CRYPTO: return "cryptography library unavailable";
    case AFMT_E_EXISTS: return "file exists";
    case AFMT_E_USER: return "stopped by a callback";
    case AFMT_E_WITHHELD: return "not in this bundle: the archiver withheld entries from it";
    default: return "unknown error";
    }
}

int afmt_error_is_integrity(int err)
{
    switch (err) {
    case AFMT_E_TRUNCATED:
    case AFMT_E_FORMAT:
    case AFMT_E_UNSUPPORTED:
    case AFMT_E_LIMIT:
    case AFMT_E_BAD_SIGNATURE:
    case AFMT_E_WRONG_KEY:
    case AFMT_E_INDEX_MISMATCH:
    case AFMT_E_ROOT_MISMATCH:
    case AFMT_E_HASH_MISMATCH:
    case AFMT_E_COMPRESSION:
    case AFMT_E_DUPLICATE:
        return 1;
    default:
        return 0;
    }
}

int afmt_init(void)
{
    return sodium_init() < 0 ? AFMT_E_CRYPTO : AFMT_OK;
}

/* ---- the one error channel ----
 * Its storage is in the core library (format/channel.c), never here:
 * common/ is copied into the importers' library, and a second copy of the
 * channel there would keep the importers' messages from the caller. */

int afmt_error_vset(int err, const char *fmt, va_list ap)
{
    char msg[AFMT_ERRMSG_BYTES]; /* an argument may be the last message itself */
    vsnprintf(msg, sizeof msg, fmt, ap);
    afmt_error_set_str(err, msg);
    return err;
}

int afmt_error_set(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    afmt_error_vset(err, fmt, ap);
    va_end(ap);
    return err;
}

int afmt_fail(char *buf, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    afmt_error_vset(err, fmt, ap);
    va_end(ap);
    if (buf != NULL)
        snprintf(buf, AFMT_ERRMSG_BYTES, "%s", afmt_error_last());
    return err;
}

/* ---- growable buffer ---- */

int afmt_buf_reserve(afmt_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return AFMT_OK;
    size_t need;
    if (__builtin_add_overflow(b->len, extra, &need))
        return AFMT_E_NOMEM;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return AFMT_E_NOMEM;
        cap *= 2;
    }
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL)
        return AFMT_E_NOMEM;
    b->data = p;
    b->cap = cap;
    return AFMT_OK;
}

int afmt_buf_append(afmt_buf *b, const void *data, size_t len)
{
    if (len == 0)
        return AFMT_OK;
    int rc = afmt_buf_reserve(b, len);
    if (rc != AFMT_OK)
        return rc;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return AFMT_OK;
}

int afmt_buf_append_u8(afmt_buf *b, uint8_t v)
{
    return afmt_buf_append(b, &v, 1);
}

int afmt_buf_append_u16(afmt_buf *b, uint16_t v)
{
    uint8_t t[2];
    afmt_store16(t, v);
    return afmt_buf_append(b, t, 2);
}

int afmt_buf_append_u32(afmt_buf *b, uint32_t v)
{
    uint8_t t[4];
    afmt_store32(t, v);
    return afmt_buf_append(b, t, 4);
}

int afmt_buf_append_u64(afmt_buf *b, uint64_t v)
{
    uint8_t t[8];
    afmt_store64(t, v);
    return afmt_buf_append(b, t, 8);
}

void afmt_buf_free(afmt_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
