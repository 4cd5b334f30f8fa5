/*
 * internal.h - shared by the library's files, never installed.
 * Little-endian loads and stores, checked arithmetic, the error macro and
 * the layout of a secret key.
 */
#ifndef AFMT_INTERNAL_H
#define AFMT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "afmt.h"

#define AFMT_INTERNAL __attribute__((visibility("hidden")))

/* Ed25519 sizes, as libsodium names them, without pulling sodium.h here. */
#define AFMT_ED25519_SECRETKEY_BYTES 64 /* seed || public key */
#define AFMT_ED25519_SIGNATURE_BYTES 64
#define AFMT_PREHASH_BYTES 64           /* BLAKE2b-512 for minisign "ED" */

/* A secret key lives in sodium_malloc'd memory (guard pages, mlock) and is
 * wiped by sodium_free. */
struct afmt_secret_key {
    uint8_t key_id[AFMT_KEYID_BYTES];
    uint8_t sk[AFMT_ED25519_SECRETKEY_BYTES];
};

/* ---- little-endian integers: the format is little-endian throughout ---- */

static inline uint16_t afmt_load16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t afmt_load32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static inline uint64_t afmt_load64(const uint8_t *p)
{
    return (uint64_t)afmt_load32(p) | ((uint64_t)afmt_load32(p + 4) << 32);
}
static inline void afmt_store16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void afmt_store32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void afmt_store64(uint8_t *p, uint64_t v)
{
    afmt_store32(p, (uint32_t)v);
    afmt_store32(p + 4, (uint32_t)(v >> 32));
}

/* ---- checked arithmetic: every length read from a file goes through these */

/* *out = a + b; returns 0 on overflow. */
static inline int afmt_add_ok(uint64_t *out, uint64_t a, uint64_t b)
{
    return !__builtin_add_overflow(a, b, out);
}
static inline int afmt_mul_ok(uint64_t *out, uint64_t a, uint64_t b)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* ---- a growable byte buffer ---- */

typedef struct afmt_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} afmt_buf;

AFMT_INTERNAL int afmt_buf_reserve(afmt_buf *b, size_t extra);
AFMT_INTERNAL int afmt_buf_append(afmt_buf *b, const void *data, size_t len);
AFMT_INTERNAL int afmt_buf_append_u8(afmt_buf *b, uint8_t v);
AFMT_INTERNAL int afmt_buf_append_u16(afmt_buf *b, uint16_t v);
AFMT_INTERNAL int afmt_buf_append_u32(afmt_buf *b, uint32_t v);
AFMT_INTERNAL int afmt_buf_append_u64(afmt_buf *b, uint64_t v);
AFMT_INTERNAL void afmt_buf_free(afmt_buf *b);

/* ---- the error channel ---- */

#define AFMT_ERRMSG_BYTES 512

/* Records `err` and a message as this thread's last failure (what
 * afmt_error_last returns), also copies the message into `buf`
 * (AFMT_ERRMSG_BYTES, the handle's own copy; may be NULL), and returns
 * `err`, so a failure is one line:
 * return AFMT_FAIL(w->err, AFMT_E_FORMAT, "...", ...).  Every failure that
 * has something to say goes through it: nothing else writes messages. */
AFMT_INTERNAL int afmt_fail(char *buf, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define AFMT_FAIL(buf, err, ...) afmt_fail((buf), (err), __VA_ARGS__)
/* The same without a handle's copy (importers, threads handing a message
 * back to the calling thread). */
AFMT_INTERNAL int afmt_error_set(int err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
AFMT_INTERNAL int afmt_error_vset(int err, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* ---- validation of strings that reach names or displays ---- */

#include "common/text.h"

#endif /* AFMT_INTERNAL_H */
