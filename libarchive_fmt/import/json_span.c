/*
 * json_span.c - where a JSON value's bytes are in a text that jansson has
 * parsed (see json_doc.h, "span scanner"): it knows strings, escapes and
 * brackets, nothing else, so the importers can keep a value's exact bytes.
 */
#include "import/json_doc.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ span scanner */

static int js_is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t afmt_js_ws(const uint8_t *b, size_t len, size_t p)
{
    while (p < len && js_is_ws(b[p]))
        p++;
    return p;
}

/* End of the string starting at p (b[p] == '"'): one past the closing quote. */
static int js_string_end(const uint8_t *b, size_t len, size_t p, size_t *end)
{
    if (p >= len || b[p] != '"')
        return -1;
    for (size_t i = p + 1; i < len; i++) {
        if (b[i] == '\\') {
            i++; /* the escaped byte; \uXXXX's hex digits need no care */
        } else if (b[i] == '"') {
            *end = i + 1;
            return 0;
        }
    }
    return -1;
}

int afmt_jt_index(afmt_jtext *t, size_t start, size_t end)
{
    t->n = 0;
    t->base = start;
    t->limit = start; /* nothing indexed until done */
    if (end - start > UINT32_MAX)
        return AFMT_E_LIMIT;
    uint32_t *stack = NULL;
    size_t depth = 0, stack_cap = 0;
    int rc = AFMT_OK;
    const uint8_t *b = t->b;
    for (size_t i = start; i < end; i++) {
        uint8_t c = b[i];
        if (c == '"') {
            size_t e;
            if (js_string_end(b, end, i, &e) != 0) {
                rc = AFMT_E_FORMAT;
                break;
            }
            i = e - 1;
        } else if (c == '{' || c == '[') {
            if (t->n == t->cap) {
                size_t ncap = t->cap ? t->cap * 2 : 1024;
                uint32_t *no = realloc(t->open, ncap * sizeof *no);
                if (no == NULL) {
                    rc = AFMT_E_NOMEM;
                    break;
                }
                t->open = no;
                uint32_t *nc = realloc(t->close, ncap * sizeof *nc);
                if (nc == NULL) {
                    rc = AFMT_E_NOMEM;
                    break;
                }
                t->close = nc;
                t->cap = ncap;
            }
            if (depth == stack_cap) {
                size_t ncap = stack_cap ? stack_cap * 2 : 64;
                uint32_t *ns = realloc(stack, ncap * sizeof *ns);
                if (ns == NULL) {
                    rc = AFMT_E_NOMEM;
                    break;
                }
                stack = ns;
                stack_cap = ncap;
            }
            t->open[t->n] = (uint32_t)(i - start);
            t->close[t->n] = 0;
            stack[depth++] = (uint32_t)t->n++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                rc = AFMT_E_FORMAT;
                break;
            }
            t->close[stack[--depth]] = (uint32_t)(i - start);
        }
    }
    if (rc == AFMT_OK && depth != 0)
        rc = AFMT_E_FORMAT;
    free(stack);
    if (rc != AFMT_OK) {
        t->n = 0;
        return rc;
    }
    t->limit = end;
    return AFMT_OK;
}

void afmt_jt_free(afmt_jtext *t)
{
    free(t->open);
    free(t->close);
    t->open = t->close = NULL;
    t->n = t->cap = 0;
    t->limit = t->base;
}

int afmt_js_value_end(const afmt_jtext *t, size_t p, size_t *end)
{
    const uint8_t *b = t->b;
    size_t len = t->len;
    if (p >= len)
        return -1;
    uint8_t c = b[p];
    if (c == '"')
        return js_string_end(b, len, p, end);
    if (c == '{' || c == '[') {
        if (p >= t->base && p < t->limit && t->n > 0) {
            /* binary search of the bracket index */
            uint32_t rel = (uint32_t)(p - t->base);
            size_t lo = 0, hi = t->n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (t->open[mid] < rel)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < t->n && t->open[lo] == rel) {
                *end = t->base + t->close[lo] + 1;
                return 0;
            }
            return -1;
        }
        /* Brackets are counted, strings skipped; whether they pair up is
         * jansson's business, not this function's. */
        size_t depth = 0;
        for (size_t i = p; i < len; i++) {
            uint8_t d = b[i];
            if (d == '"') {
                size_t e;
                if (js_string_end(b, len, i, &e) != 0)
                    return -1;
                i = e - 1;
            } else if (d == '{' || d == '[') {
                depth++;
            } else if (d == '}' || d == ']') {
                if (--depth == 0) {
                    *end = i + 1;
                    return 0;
                }
            }
        }
        return -1;
    }
    /* a number or a literal: up to the next delimiter */
    size_t i = p;
    while (i < len && !js_is_ws(b[i]) && b[i] != ',' && b[i] != ']' && b[i] != '}' &&
           b[i] != ':' && b[i] != '"' && b[i] != '[' && b[i] != '{')
        i++;
    if (i == p)
        return -1;
    *end = i;
    return 0;
}

int afmt_js_object_next(const afmt_jtext *t, size_t obj, size_t *it, afmt_jmember *m)
{
    const uint8_t *b = t->b;
    size_t len = t->len;
    size_t q;
    size_t prev_end;
    if (*it == 0) {
        if (obj >= len || b[obj] != '{')
            return -1;
        prev_end = obj + 1;
        q = afmt_js_ws(b, len, obj + 1);
        if (q < len && b[q] == '}') {
            *it = SIZE_MAX;
            return 0;
        }
    } else if (*it == SIZE_MAX) {
        return 0;
    } else {
        /* *it is the previous member's value end */
        prev_end = *it;
        q = afmt_js_ws(b, len, prev_end);
        if (q >= len)
            return -1;
        if (b[q] == '}') {
            *it = SIZE_MAX;
            return 0;
        }
        if (b[q] != ',')
            return -1;
        q = afmt_js_ws(b, len, q + 1);
    }
    m->prev_end = prev_end;
    m->key_start = q;
    if (js_string_end(b, len, q, &m->key_end) != 0)
        return -1;
    q = afmt_js_ws(b, len, m->key_end);
    if (q >= len || b[q] != ':')
        return -1;
    m->value_start = afmt_js_ws(b, len, q + 1);
    if (afmt_js_value_end(t, m->value_start, &m->value_end) != 0)
        return -1;
    q = afmt_js_ws(b, len, m->value_end);
    if (q >= len)
        return -1;
    if (b[q] == ',')
        m->next_key = afmt_js_ws(b, len, q + 1);
    else if (b[q] == '}')
        m->next_key = 0;
    else
        return -1;
    *it = m->value_end;
    return 1;
}

/* Nonzero when the key at [ks, ke) (quotes included) decodes to key. */
static int js_key_equals(const uint8_t *b, size_t ks, size_t ke, const char *key,
                         size_t keylen)
{
    const uint8_t *raw = b + ks + 1;
    size_t rawlen = ke - ks - 2;
    if (memchr(raw, '\\', rawlen) == NULL)
        return rawlen == keylen && memcmp(raw, key, keylen) == 0;
    json_error_t err;
    json_t *s = json_loadb((const char *)b + ks, ke - ks, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                           &err);
    int eq = s != NULL && json_is_string(s) && json_string_length(s) == keylen &&
             memcmp(json_string_value(s), key, keylen) == 0;
    json_decref(s);
    return eq;
}

int afmt_js_object_find(const afmt_jtext *t, size_t obj, const char *key, size_t keylen,
                        afmt_jmember *m)
{
    size_t it = 0;
    int r;
    while ((r = afmt_js_object_next(t, obj, &it, m)) == 1) {
        if (js_key_equals(t->b, m->key_start, m->key_end, key, keylen))
            return 1;
    }
    return r;
}

int afmt_js_array_next(const afmt_jtext *t, size_t arr, size_t *it, size_t *start,
                       size_t *end)
{
    const uint8_t *b = t->b;
    size_t len = t->len;
    size_t q;
    if (*it == 0) {
        if (arr >= len || b[arr] != '[')
            return -1;
        q = afmt_js_ws(b, len, arr + 1);
        if (q < len && b[q] == ']') {
            *it = SIZE_MAX;
            return 0;
        }
    } else if (*it == SIZE_MAX) {
        return 0;
    } else {
        q = afmt_js_ws(b, len, *it);
        if (q >= len)
            return -1;
        if (b[q] == ']') {
            *it = SIZE_MAX;
            return 0;
        }
        if (b[q] != ',')
            return -1;
        q = afmt_js_ws(b, len, q + 1);
    }
    *start = q;
    if (afmt_js_value_end(t, q, end) != 0)
        return -1;
    *it = *end;
    return 1;
}

json_t *afmt_js_member_value(json_t *obj, const uint8_t *b, size_t key_start, size_t key_end)
{
    const uint8_t *raw = b + key_start + 1;
    size_t rawlen = key_end - key_start - 2;
    if (memchr(raw, '\\', rawlen) == NULL)
        return json_object_getn(obj, (const char *)raw, rawlen);
    json_error_t err;
    json_t *s = json_loadb((const char *)b + key_start, key_end - key_start,
                           JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    json_t *v = NULL;
    if (s != NULL && json_is_string(s))
        v = json_object_getn(obj, json_string_value(s), json_string_length(s));
    json_decref(s);
    return v;
}

