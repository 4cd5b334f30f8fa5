/*
 * view_page.c - writes the page of `afmt view`: tools/view/view.html with
 * its markers replaced by the CSP (the SHA-256 of the script and of the
 * style, so the browser runs nothing else), the style, the script and the
 * data the script checks, as JSON inside <script type="application/json">.
 *
 * The data is written so that the HTML parser cannot end the element or
 * change a byte: every '<', '>' and '&' is a \u escape, and so is every
 * control character (the parser would turn CR into LF and NUL into
 * U+FFFD).  A post's bytes go as a JSON string when they are valid UTF-8
 * (the script gets them back with TextEncoder, exactly) and as base64
 * otherwise; entry encodings, keys and the like as base64.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "common/fileio.h"
#include "common/internal.h"
#include "view_assets.h"
#include "view_page.h"

#define FLUSH_AT (1u << 20)

typedef struct page_out {
    afmt_outfile f;
    afmt_buf buf;
    int failed;         /* an error was printed */
    char err[AFMT_ERRMSG_BYTES];
} page_out;

static void flush(page_out *o)
{
    if (o->failed || o->buf.len == 0)
        return;
    if (afmt_outfile_write(&o->f, o->buf.data, o->buf.len, o->err) != AFMT_OK) {
        cli_err(o->f.path, "%s", o->err);
        o->failed = 1;
    }
    o->buf.len = 0;
}

static void put(page_out *o, const void *data, size_t len)
{
    if (o->failed)
        return;
    if (afmt_buf_append(&o->buf, data, len) != AFMT_OK) {
        cli_err(NULL, "out of memory");
        o->failed = 1;
        return;
    }
    if (o->buf.len >= FLUSH_AT)
        flush(o);
}

static void puts_(page_out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* base64 (RFC 4648, padded) of len bytes, quoted as a JSON string */
static void put_b64(page_out *o, const uint8_t *data, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(cap);
    if (b64 == NULL) {
        cli_err(NULL, "out of memory");
        o->failed = 1;
        return;
    }
    sodium_bin2base64(b64, cap, data, len, sodium_base64_VARIANT_ORIGINAL);
    put(o, "\"", 1);
    put(o, b64, strlen(b64));
    put(o, "\"", 1);
    free(b64);
}

/* A JSON string of valid UTF-8 that an HTML script element keeps as it is
 * (see the top of this file). */
static void put_text(page_out *o, const uint8_t *s, size_t len)
{
    static const char hexd[] = "0123456789abcdef";
    put(o, "\"", 1);
    size_t run = 0; /* bytes copied as they are, pending */
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        const char *esc = NULL;
        char u[7];
        int cp = -1;
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c < 0x20 || c == 0x7F || c == '<' || c == '>' || c == '&')
            cp = c;
        else if (c == 0xC2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)
            cp = s[i + 1]; /* C1 controls */
        else if (c == 0xE2 && i + 2 < len && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9))
            cp = s[i + 2] == 0xA8 ? 0x2028 : 0x2029; /* line, paragraph separator */
        if (esc == NULL && cp < 0) {
            run++;
            continue;
        }
        put(o, s + i - run, run);
        run = 0;
        if (esc != NULL) {
            puts_(o, esc);
            continue;
        }
        if (c == 0xE2)
            i += 2;
        else if (c == 0xC2)
            i += 1;
        u[0] = '\\';
        u[1] = 'u';
        u[2] = hexd[(cp >> 12) & 15];
        u[3] = hexd[(cp >> 8) & 15];
        u[4] = hexd[(cp >> 4) & 15];
        u[5] = hexd[cp & 15];
        put(o, u, 6);
    }
    put(o, s + len - run, run);
    put(o, "\"", 1);
}

/* 'sha256-<base64>' of an inline element's text, for the CSP */
static void csp_hash(char out[64], const unsigned char *text, size_t len)
{
    uint8_t h[AFMT_HASH_BYTES];
    char b64[sodium_base64_ENCODED_LEN(AFMT_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    afmt_content_hash(h, text, len);
    sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, 64, "'sha256-%s'", b64);
}

static void put_data(page_out *o, const view_data *d)
{
    char keyid[17];
    puts_(o, "{\"v\":1,\"note\":");
    put_text(o, (const uint8_t *)d->note, d->note_len);
    puts_(o, ",\n\"key\":");
    put_b64(o, d->signer.key, sizeof d->signer.key);
    afmt_key_id_to_hex(keyid, d->signer.key_id);
    puts_(o, ",\"keyid\":\"");
    puts_(o, keyid);
    puts_(o, "\",\"trusted\":[");
    for (size_t i = 0; i < d->ntrusted; i++) {
        if (i)
            puts_(o, ",");
        put_b64(o, d->trusted[i].key, sizeof d->trusted[i].key);
    }
    puts_(o, "],\"cosigners\":[");
    for (size_t i = 0; i < d->ncosigs; i++) {
        puts_(o, i ? ",{\"name\":" : "{\"name\":");
        put_text(o, (const uint8_t *)d->cosigs[i].name, d->cosigs[i].name_len);
        puts_(o, ",\"key\":");
        put_b64(o, d->cosigs[i].key, sizeof d->cosigs[i].key);
        puts_(o, "}");
    }
    puts_(o, "],\n\"entries\":[");
    for (uint64_t i = 0; i < d->entries; i++) {
        if (i)
            puts_(o, i % 16 ? "," : ",\n");
        put_b64(o, d->enc[i], d->enc_len[i]);
    }
    puts_(o, "],\n\"content\":[");
    for (uint64_t i = 0; i < d->entries; i++) {
        if (i)
            puts_(o, ",\n");
        const uint8_t *c = d->content[i];
        size_t n = d->content_len[i];
        if (c == NULL) {
            puts_(o, "null");
        } else if (afmt_utf8_valid(c, n)) {
            put_text(o, c, n);
        } else {
            puts_(o, "{\"b64\":");
            put_b64(o, c, n);
            puts_(o, "}");
        }
    }
    puts_(o, "]}");
}

/* Copies the template up to `marker` (which must follow), and skips it. */
static void put_until(page_out *o, const char **at, const char *marker)
{
    const char *end = (const char *)afmt_view_html + afmt_view_html_len;
    const char *m = memmem(*at, (size_t)(end - *at), marker, strlen(marker));
    if (m == NULL) {
        cli_err(NULL, "internal error: the page template has no %s", marker);
        o->failed = 1;
        return;
    }
    put(o, *at, (size_t)(m - *at));
    *at = m + strlen(marker);
}

int view_page_write(const char *path, const view_data *d, int overwrite)
{
    page_out o;
    memset(&o, 0, sizeof o);
    if (afmt_outfile_open(&o.f, path, 0644, overwrite, o.err) != AFMT_OK) {
        cli_err(path, "%s", o.err);
        return CLI_EXIT_FAILURE;
    }
    char script_hash[64], style_hash[64];
    csp_hash(script_hash, afmt_view_js, afmt_view_js_len);
    csp_hash(style_hash, afmt_view_css, afmt_view_css_len);
    const char *at = (const char *)afmt_view_html;
    const char *end = at + afmt_view_html_len;

    put_until(&o, &at, "@CSP@");
    puts_(&o, "default-src 'none'; script-src ");
    puts_(&o, script_hash);
    puts_(&o, "; style-src ");
    puts_(&o, style_hash);
    puts_(&o, "; img-src 'none'; font-src 'none'; connect-src 'none'; media-src 'none'; "
              "object-src 'none'; frame-src 'none'; worker-src 'none'; manifest-src 'none'; "
              "base-uri 'none'; form-action 'none'");
    put_until(&o, &at, "@STYLE@");
    put(&o, afmt_view_css, afmt_view_css_len);
    put_until(&o, &at, "@DATA@");
    put_data(&o, d);
    put_until(&o, &at, "@SCRIPT@");
    put(&o, afmt_view_js, afmt_view_js_len);
    put(&o, at, (size_t)(end - at));
    flush(&o);
    afmt_buf_free(&o.buf);
    if (o.failed) {
        afmt_outfile_abort(&o.f);
        return CLI_EXIT_FAILURE;
    }
    if (afmt_outfile_commit(&o.f, overwrite, o.err) != AFMT_OK) {
        cli_err(path, "%s", o.err);
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}
