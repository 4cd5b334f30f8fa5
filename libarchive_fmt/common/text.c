/*
 * text.c - the rules for strings that reach names or displays: UTF-8,
 * clean text, relative paths, media types.  One copy, for the library and
 * for the command (tools/ includes common/text.h).
 */
#include "common/internal.h"

size_t afmt_utf8_decode(const uint8_t *s, size_t len, uint32_t *cp)
{
    if (len == 0)
        return 0;
    uint8_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        v = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07u;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[k] & 0x3Fu);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}


int afmt_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = afmt_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

int afmt_text_clean(const uint8_t *s, size_t len)
{
    if (!afmt_utf8_valid(s, len))
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] == 0x7F)
            return 0;
        /* C1 controls U+0080..U+009F are encoded as C2 80..C2 9F */
        if (s[i] == 0xC2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)
            return 0;
    }
    return 1;
}

int afmt_path_valid(const uint8_t *s, size_t len)
{
    return len <= AFMT_MAX_PATH_BYTES && afmt_path_safe(s, len);
}

int afmt_path_safe(const uint8_t *s, size_t len)
{
    if (len == 0 || s[0] == '/')
        return 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && (s[i] == 0 || s[i] == '\\'))
            return 0;
        if (i == len || s[i] == '/') {
            size_t n = i - start;
            if (n == 0)
                return 0;
            if (n == 1 && s[start] == '.')
                return 0;
            if (n == 2 && s[start] == '.' && s[start + 1] == '.')
                return 0;
            start = i + 1;
        }
    }
    return 1;
}

int afmt_media_type_valid(const uint8_t *s, size_t len)
{
    if (len == 0 || len > AFMT_MAX_MEDIA_TYPE_BYTES)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x20 || s[i] > 0x7E)
            return 0;
    return 1;
}

int afmt_take_line(const uint8_t **p, const uint8_t *end, const uint8_t **line, size_t *len)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (nl == NULL)
        return 0;
    *line = *p;
    *len = (size_t)(nl - *p);
    *p = nl + 1;
    return 1;
}
