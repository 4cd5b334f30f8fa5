/*
 * rfc2047.c - RFC 2047 encoded words to UTF-8 (rules in the header).
 * Base64 is decoded by libsodium, charsets are converted by iconv(3).
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <strings.h>

#include <sodium.h>

#include "import/rfc2047.h"

#define MAX_CHARSET_NAME 64

typedef struct word {
    const uint8_t *charset;
    size_t charset_len; /* without any "*language" */
    uint8_t enc;        /* 'Q' or 'B' */
    const uint8_t *text;
    size_t text_len;
    size_t len;         /* of the whole word */
} word;

static int is_wsp(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* Recognises an encoded word at p (n bytes available). */
static int parse_word(word *w, const uint8_t *p, size_t n)
{
    if (n < 8 || p[0] != '=' || p[1] != '?')
        return 0;
    size_t i = 2;
    while (i < n && p[i] != '?' && !is_wsp(p[i]))
        i++;
    if (i == 2 || i + 2 >= n || p[i] != '?')
        return 0;
    w->charset = p + 2;
    w->charset_len = i - 2;
    const uint8_t *star = memchr(w->charset, '*', w->charset_len);
    if (star != NULL)
        w->charset_len = (size_t)(star - w->charset);
    if (w->charset_len == 0)
        return 0;
    uint8_t e = p[i + 1];
    if (e == 'q' || e == 'Q')
        w->enc = 'Q';
    else if (e == 'b' || e == 'B')
        w->enc = 'B';
    else
        return 0;
    if (p[i + 2] != '?')
        return 0;
    size_t t = i + 3;
    size_t j = t;
    while (j < n && p[j] != '?' && !is_wsp(p[j]))
        j++;
    if (j + 1 >= n || p[j] != '?' || p[j + 1] != '=')
        return 0;
    w->text = p + t;
    w->text_len = j - t;
    w->len = j + 2;
    return 1;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Appends the bytes a word stands for.  Returns 1, 0 when its text is
 * malformed, or AFMT_E_NOMEM. */
static int word_bytes(afmt_buf *out, const word *w)
{
    if (w->enc == 'Q') {
        for (size_t i = 0; i < w->text_len; i++) {
            uint8_t c = w->text[i];
            if (c == '_') {
                c = ' ';
            } else if (c == '=') {
                if (i + 2 >= w->text_len)
                    return 0;
                int hi = hexval(w->text[i + 1]), lo = hexval(w->text[i + 2]);
                if (hi < 0 || lo < 0)
                    return 0;
                c = (uint8_t)(hi * 16 + lo);
                i += 2;
            }
            if (afmt_buf_append_u8(out, c) != AFMT_OK)
                return AFMT_E_NOMEM;
        }
        return 1;
    }
    /* B: base64, with or without its padding. */
    size_t n = w->text_len;
    while (n > 0 && w->text[n - 1] == '=')
        n--;
    if (w->text_len - n > 2 || n % 4 == 1)
        return 0;
    size_t max = n / 4 * 3 + 3;
    if (afmt_buf_reserve(out, max) != AFMT_OK)
        return AFMT_E_NOMEM;
    size_t got = 0;
    if (n > 0 && sodium_base642bin(out->data + out->len, max, (const char *)w->text, n, NULL,
                                   &got, NULL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0)
        return 0;
    out->len += got;
    return 1;
}

/* Charset names mail uses that glibc's iconv does not know, and the name it
 * knows for the same bytes (issue 19).  IANA registry aliases first, then
 * the "x-" names of mailers that predate the registered ones.  A KS C 5601
 * label in mail is Windows code page 949 (Outlook's label for it), a
 * superset of EUC-KR; a GB 2312 label without a registered name is read as
 * GBK, its superset, as mailers that wrote it did. */
static const struct {
    const char *label, *iconv_name;
} charset_aliases[] = {
    {"ks_c_5601-1987", "CP949"},   {"ks_c_5601-1989", "CP949"},   {"ksc_5601", "CP949"},
    {"ks_c_5601", "CP949"},        {"ksc5601", "CP949"},          {"iso-ir-149", "CP949"},
    {"korean", "CP949"},           {"csksc56011987", "CP949"},    {"windows-949", "CP949"},
    {"x-euc-kr", "CP949"},         {"gb_2312-80", "GBK"},         {"iso-ir-58", "GBK"},
    {"chinese", "GBK"},            {"csiso58gb231280", "GBK"},    {"x-gbk", "GBK"},
    {"x-euc-cn", "GBK"},           {"x-gb18030", "GB18030"},      {"csbig5", "BIG5"},
    {"x-big5", "BIG5"},            {"x-x-big5", "BIG5"},          {"x-sjis", "SHIFT_JIS"},
    {"x-euc-jp", "EUC-JP"},        {"iso-8859-6-i", "ISO-8859-6"}, {"iso-8859-6-e", "ISO-8859-6"},
    {"iso-8859-8-i", "ISO-8859-8"}, {"iso-8859-8-e", "ISO-8859-8"},
    {"unicode-1-1-utf-7", "UTF-7"}, {"csunicode11utf7", "UTF-7"},  {"x-unicode20utf8", "UTF-8"},
    {"x-utf8", "UTF-8"},           {"x-mac-roman", "MACINTOSH"},  {"x-mac-cyrillic", "MAC-CYRILLIC"},
    {"x-mac-ce", "MAC-CENTRALEUROPE"}, {"x-mac-centraleurope", "MAC-CENTRALEUROPE"},
    {"x-mac-ukrainian", "MACUKRAINIAN"}, {"x-mac-icelandic", "MAC-IS"},
    {"x-windows-874", "CP874"},    {"x-cp1250", "CP1250"},        {"x-cp1251", "CP1251"},
    {"x-cp1252", "CP1252"},        {"x-cp1253", "CP1253"},        {"x-cp1254", "CP1254"},
    {"x-cp1255", "CP1255"},        {"x-cp1256", "CP1256"},        {"x-cp1257", "CP1257"},
    {"x-koi8-r", "KOI8-R"},        {"646", "ASCII"},
};

const char *afmt_charset_iconv_name(const char *label)
{
    for (size_t k = 0; k < sizeof charset_aliases / sizeof charset_aliases[0]; k++)
        if (strcasecmp(label, charset_aliases[k].label) == 0)
            return charset_aliases[k].iconv_name;
    return label;
}

/* Converts in[0..len) from `charset` to UTF-8, appending to out.  Returns
 * 1, 0 when iconv does not know the charset or the bytes are not valid in
 * it (out is then unchanged), or AFMT_E_NOMEM. */
static int convert(afmt_buf *out, const uint8_t *charset, size_t charset_len,
                   const uint8_t *in, size_t len)
{
    char name[MAX_CHARSET_NAME + 1];
    if (charset_len > MAX_CHARSET_NAME)
        return 0;
    memcpy(name, charset, charset_len);
    name[charset_len] = 0;
    /* the label as written when iconv knows it, else its alias */
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1 && afmt_charset_iconv_name(name) != name)
        cd = iconv_open("UTF-8", afmt_charset_iconv_name(name));
    if (cd == (iconv_t)-1)
        return 0;
    size_t start = out->len;
    char *ip = (char *)(uintptr_t)in;
    size_t ileft = len;
    int ok = 1;
    size_t chunk = len * 2 + 16;
    for (;;) {
        if (afmt_buf_reserve(out, chunk) != AFMT_OK) {
            ok = AFMT_E_NOMEM;
            break;
        }
        char *op = (char *)out->data + out->len;
        size_t oleft = out->cap - out->len;
        size_t r = ileft > 0 ? iconv(cd, &ip, &ileft, &op, &oleft)
                             : iconv(cd, NULL, NULL, &op, &oleft);
        out->len = (size_t)((uint8_t *)op - out->data);
        if (r != (size_t)-1) {
            if (ileft == 0) {
                /* flush any shift state, then done */
                op = (char *)out->data + out->len;
                oleft = out->cap - out->len;
                if (iconv(cd, NULL, NULL, &op, &oleft) == (size_t)-1) {
                    if (errno == E2BIG) {
                        chunk *= 2;
                        continue;
                    }
                    ok = 0;
                    break;
                }
                out->len = (size_t)((uint8_t *)op - out->data);
                break;
            }
            continue;
        }
        if (errno == E2BIG) {
            chunk *= 2;
            continue;
        }
        ok = 0; /* EILSEQ or EINVAL: not valid in this charset */
        break;
    }
    iconv_close(cd);
    if (ok != 1)
        out->len = start;
    return ok;
}

static int same_charset(const word *a, const word *b)
{
    return a->charset_len == b->charset_len &&
           strncasecmp((const char *)a->charset, (const char *)b->charset, a->charset_len) == 0;
}

typedef struct run {
    int active;
    word first;          /* the charset of the run */
    const uint8_t *raw;  /* where the run starts in the input */
    size_t raw_len;      /* through the end of its last word */
    afmt_buf bytes;      /* the decoded bytes of its words */
} run;

static int flush_run(afmt_buf *out, run *r)
{
    if (!r->active)
        return AFMT_OK;
    r->active = 0;
    int rc = convert(out, r->first.charset, r->first.charset_len, r->bytes.data, r->bytes.len);
    r->bytes.len = 0;
    if (rc < 0)
        return rc;
    if (rc == 0 && afmt_buf_append(out, r->raw, r->raw_len) != AFMT_OK)
        return AFMT_E_NOMEM;
    return AFMT_OK;
}

int afmt_rfc2047_decode(afmt_buf *out, const uint8_t *in, size_t len)
{
    run r;
    memset(&r, 0, sizeof r);
    int rc = AFMT_OK;
    int last_was_word = 0;
    size_t i = 0;
    while (i < len) {
        word w;
        if (in[i] == '=' && parse_word(&w, in + i, len - i)) {
            size_t mark;
            int same = r.active && same_charset(&r.first, &w);
            if (!same && (rc = flush_run(out, &r)) != AFMT_OK)
                break;
            mark = r.bytes.len;
            int ok = word_bytes(&r.bytes, &w);
            if (ok < 0) {
                rc = ok;
                break;
            }
            if (ok == 1) {
                if (!r.active) {
                    r.active = 1;
                    r.first = w;
                    r.raw = in + i;
                }
                r.raw_len = (size_t)(in + i + w.len - r.raw);
                i += w.len;
                last_was_word = 1;
                continue;
            }
            /* Malformed text: the word is plain text. */
            r.bytes.len = mark;
        } else if (last_was_word && is_wsp(in[i])) {
            size_t j = i;
            while (j < len && is_wsp(in[j]))
                j++;
            word next;
            if (j < len && in[j] == '=' && parse_word(&next, in + j, len - j)) {
                /* Whitespace between two encoded words is dropped (when the
                 * next one turns out malformed it is kept: see below). */
                afmt_buf probe = {0};
                int ok = word_bytes(&probe, &next);
                afmt_buf_free(&probe);
                if (ok < 0) {
                    rc = ok;
                    break;
                }
                if (ok == 1) {
                    i = j;
                    continue;
                }
            }
        }
        if ((rc = flush_run(out, &r)) != AFMT_OK)
            break;
        if (afmt_buf_append_u8(out, in[i]) != AFMT_OK) {
            rc = AFMT_E_NOMEM;
            break;
        }
        last_was_word = 0;
        i++;
    }
    if (rc == AFMT_OK)
        rc = flush_run(out, &r);
    afmt_buf_free(&r.bytes);
    return rc;
}
