/*
 * mbox.c - mbox archives: From_-separated RFC 5322 messages.
 *
 * How the file is cut (spec/IMPORTERS.md, "mbox"):
 *  - a message starts at a From_ line: a line beginning with "From " that
 *    is the first line of the file, or that follows a blank line ("\n" or
 *    "\r\n") and holds a time of day (digits ":" two digits), as every
 *    From_ line does ("From user@host Wed Dec  1 08:26:40 2010", pipermail's
 *    "From user at host  ...").  A body line "From here on..." after a blank
 *    line that an unquoting writer left has no time and does not split;
 *  - a post's content is the message's exact bytes: from the line after
 *    the From_ line up to the next From_ line or the end of the file,
 *    without the one blank line that separates it from the next From_ line
 *    (or ends the file).  That is the message as an .eml file holds it, and
 *    what Python's mailbox.mbox gives for it;
 *  - the From_ line, that blank line, and any bytes before the first From_
 *    line are the file entry's literal (inline) bytes, so the file is
 *    rebuilt byte for byte from: [preamble] From_ line, post, blank, From_
 *    line, post, [blank] ...
 *  - nothing in a message is unquoted or re-encoded: ">From " lines, raw
 *    8-bit bytes, CRs, MIME parts stay as they are.
 * Memory: one message (at most AFMT_MAX_CONTENT_BYTES) plus the reader's
 * line buffer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "import/import.h"
#include "import/line_reader.h"
#include "import/mail.h"
#include "import/mail_date.h"
#include "import/rfc2047.h"

#define MBOX_MEDIA_TYPE "message/rfc822"

/* Room kept for a "#k" suffix when a Message-ID is used as an id. */
#define MSGID_MAX (AFMT_MAX_ID_BYTES - 16)

#define RETRY_DUPLICATES 1000


enum {
    H_MESSAGE_ID = AFMT_MAIL_MESSAGE_ID,
    H_IN_REPLY_TO = AFMT_MAIL_IN_REPLY_TO,
    H_REFERENCES = AFMT_MAIL_REFERENCES,
    H_FROM = AFMT_MAIL_FROM,
    H_DATE = AFMT_MAIL_DATE,
    H_SUBJECT = AFMT_MAIL_SUBJECT,
    H_COUNT = AFMT_MAIL_HEADERS
};
static const char *const header_names[H_COUNT] = {"Message-ID", "In-Reply-To", "References",
                                                  "From", "Date", "Subject"};

typedef struct span {
    const uint8_t *p;
    size_t n;
} span;

typedef struct mbox_state {
    afmt_stream c; /* first: the state is an afmt_stream */
    afmt_buf msg;          /* the current message, after its From_ line */
    size_t last_line;      /* offset in msg of its last line */
    int in_msg;
    int prev_blank;
    int text_before;       /* a line that is not blank came before any message */
    uint64_t msg_no;       /* number of the current message, from 1 */
    uint64_t msg_line;     /* line number of its From_ line */
    afmt_mail_fields f;
} mbox_state;

static int mb_fail(mbox_state *s, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int mb_fail(mbox_state *s, int err, const char *fmt, ...)
{
    char msg[AFMT_ERRMSG_BYTES - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(s->c.err, sizeof s->c.err, "message %" PRIu64 " (From_ line %" PRIu64 "): %s",
             s->msg_no, s->msg_line, msg);
    return err;
}

static int is_wsp(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static int is_blank_line(const uint8_t *p, size_t n)
{
    return (n == 1 && p[0] == '\n') || (n == 2 && p[0] == '\r' && p[1] == '\n');
}

/* "From " and a time of day (d:dd) somewhere after it. */
static int looks_like_from_line(const uint8_t *p, size_t n)
{
    if (n < 5 || memcmp(p, "From ", 5) != 0)
        return 0;
    for (size_t k = 6; k + 2 < n; k++)
        if (p[k] == ':' && p[k - 1] >= '0' && p[k - 1] <= '9' && p[k + 1] >= '0' &&
            p[k + 1] <= '9' && p[k + 2] >= '0' && p[k + 2] <= '9')
            return 1;
    return 0;
}

/* ------------------------------------------------------------- headers */

/* Finds the first occurrence of each wanted header in the header section
 * (which ends at the first blank line, or at the first line that is
 * neither a field "name:" with a name of printable ASCII, nor a
 * continuation starting with a space or tab), and stores its value,
 * unfolded (line breaks removed, the whitespace after them kept) and with
 * leading and trailing whitespace trimmed. */
static int parse_headers(afmt_mail_fields *s, const uint8_t *m, size_t n)
{
    span raw[H_COUNT];
    memset(raw, 0, sizeof raw);
    for (int h = 0; h < H_COUNT; h++) {
        s->has[h] = 0;
        s->val[h].len = 0;
    }
    int cur = -1;
    size_t pos = 0;
    while (pos < n) {
        const uint8_t *nl = memchr(m + pos, '\n', n - pos);
        size_t end = nl != NULL ? (size_t)(nl - m) + 1 : n;
        const uint8_t *line = m + pos;
        size_t len = end - pos;
        if (is_blank_line(line, len))
            break;
        if (is_wsp(line[0])) {
            if (cur >= 0)
                raw[cur].n = end - (size_t)(raw[cur].p - m);
            pos = end;
            continue;
        }
        size_t k = 0;
        while (k < len && line[k] != ':' && line[k] > 0x20 && line[k] < 0x7F)
            k++;
        if (k == 0 || k == len || line[k] != ':')
            break; /* not a header field: the body starts here */
        cur = -1;
        for (int h = 0; h < H_COUNT; h++) {
            if (!s->has[h] && strlen(header_names[h]) == k &&
                strncasecmp((const char *)line, header_names[h], k) == 0) {
                cur = h;
                s->has[h] = 1;
                raw[h].p = line + k + 1;
                raw[h].n = len - k - 1;
                break;
            }
        }
        pos = end;
    }
    for (int h = 0; h < H_COUNT; h++) {
        if (!s->has[h])
            continue;
        afmt_buf *b = &s->val[h];
        const uint8_t *p = raw[h].p;
        size_t len = raw[h].n;
        for (size_t i = 0; i < len; i++) {
            if (p[i] == '\n')
                continue;
            if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
                continue;
            if (afmt_buf_append_u8(b, p[i]) != AFMT_OK)
                return AFMT_E_NOMEM;
        }
        size_t a = 0, z = b->len;
        while (a < z && (is_wsp(b->data[a]) || b->data[a] == '\r'))
            a++;
        while (z > a && (is_wsp(b->data[z - 1]) || b->data[z - 1] == '\r'))
            z--;
        if (a > 0)
            memmove(b->data, b->data + a, z - a);
        b->len = z - a;
    }
    return AFMT_OK;
}

/* The message ids in a Message-ID, In-Reply-To or References value: each
 * "<...>" (holding no '<' or '>'), without the brackets and trimmed, when
 * there is any; otherwise each token (split at spaces, tabs and commas)
 * that holds an '@'.  Returns the first (want_last 0) or the last one. */
static int msgid_pick(const afmt_buf *v, int want_last, span *out)
{
    const uint8_t *p = v->data;
    size_t n = v->len;
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '<')
            continue;
        size_t j = i + 1;
        while (j < n && p[j] != '>' && p[j] != '<')
            j++;
        if (j >= n)
            break;
        if (p[j] == '<') {
            i = j - 1;
            continue;
        }
        size_t a = i + 1, z = j;
        while (a < z && is_wsp(p[a]))
            a++;
        while (z > a && is_wsp(p[z - 1]))
            z--;
        if (z > a) {
            out->p = p + a;
            out->n = z - a;
            found = 1;
            if (!want_last)
                return 1;
        }
        i = j;
    }
    if (found)
        return 1;
    for (size_t i = 0; i < n;) {
        while (i < n && (is_wsp(p[i]) || p[i] == ','))
            i++;
        size_t j = i;
        while (j < n && !is_wsp(p[j]) && p[j] != ',')
            j++;
        if (j > i && memchr(p + i, '@', j - i) != NULL) {
            out->p = p + i;
            out->n = j - i;
            found = 1;
            if (!want_last)
                return 1;
        }
        i = j;
    }
    return found;
}

/* (mail.h) */
int afmt_mail_post_fields(afmt_mail_fields *s, afmt_post *p, const uint8_t *m, size_t n,
                          const char *fallback_id, size_t fallback_len)
{
    if (parse_headers(s, m, n) != AFMT_OK)
        return AFMT_E_NOMEM;

    span msgid = {NULL, 0};
    int has_msgid = s->has[H_MESSAGE_ID] && msgid_pick(&s->val[H_MESSAGE_ID], 0, &msgid) &&
                    msgid.n <= MSGID_MAX;
    s->base.len = 0;
    if (has_msgid) {
        if (afmt_buf_append(&s->base, msgid.p, msgid.n) != AFMT_OK)
            return AFMT_E_NOMEM;
    } else {
        if (afmt_buf_append(&s->base, fallback_id, fallback_len) != AFMT_OK)
            return AFMT_E_NOMEM;
    }

    span parent = {NULL, 0};
    int has_parent = (s->has[H_IN_REPLY_TO] && msgid_pick(&s->val[H_IN_REPLY_TO], 0, &parent)) ||
                     (s->has[H_REFERENCES] && msgid_pick(&s->val[H_REFERENCES], 1, &parent));
    if (has_parent && parent.n <= AFMT_MAX_ID_BYTES &&
        !(has_msgid && parent.n == msgid.n && memcmp(parent.p, msgid.p, msgid.n) == 0)) {
        p->parent = (const char *)parent.p;
        p->parent_len = parent.n;
    }

    if (s->has[H_FROM]) {
        s->author.len = 0;
        if (afmt_rfc2047_decode(&s->author, s->val[H_FROM].data, s->val[H_FROM].len) != AFMT_OK)
            return AFMT_E_NOMEM;
        p->author = s->author.len ? (const char *)s->author.data : "";
        p->author_len = afmt_utf8_trunc(s->author.data, s->author.len, AFMT_MAX_AUTHOR_BYTES);
    }
    if (s->has[H_SUBJECT]) {
        s->title.len = 0;
        if (afmt_rfc2047_decode(&s->title, s->val[H_SUBJECT].data, s->val[H_SUBJECT].len) !=
            AFMT_OK)
            return AFMT_E_NOMEM;
        p->title = s->title.len ? (const char *)s->title.data : "";
        p->title_len = afmt_utf8_trunc(s->title.data, s->title.len, AFMT_MAX_TITLE_BYTES);
    }
    if (s->has[H_DATE])
        p->has_created = afmt_rfc5322_date(s->val[H_DATE].data, s->val[H_DATE].len, &p->created);

    return AFMT_OK;
}

void afmt_mail_fields_free(afmt_mail_fields *f)
{
    for (int h = 0; h < AFMT_MAIL_HEADERS; h++)
        afmt_buf_free(&f->val[h]);
    afmt_buf_free(&f->author);
    afmt_buf_free(&f->title);
    afmt_buf_free(&f->base);
}

/* ------------------------------------------------------------ messages */

/* Keeps the current message for the end of the file; its bytes go in the
 * file entry as data now (its post comes later). */
static int defer_message(mbox_state *s)
{
    const uint64_t tags[2] = {s->msg_no, s->last_line};
    int rc = afmt_defer_push(&s->c.deferred, tags, 2, s->msg.data, s->msg.len);
    if (rc == AFMT_E_LIMIT)
        return mb_fail(s, AFMT_E_LIMIT, "more than %zu MiB of messages whose id an earlier "
                                        "message had", AFMT_DEFER_MAX_BYTES >> 20);
    if (rc != AFMT_OK)
        return mb_fail(s, AFMT_E_NOMEM, "out of memory");
    if (s->msg.len == 0)
        return AFMT_OK;
    return afmt_pending_add(&s->c.pending, s->msg.data, s->msg.len);
}

static int finish_message(mbox_state *s)
{
    size_t content_len = s->msg.len;
    if (content_len > 0 &&
        is_blank_line(s->msg.data + s->last_line, s->msg.len - s->last_line))
        content_len = s->last_line;
    if (content_len > AFMT_MAX_CONTENT_BYTES)
        return mb_fail(s, AFMT_E_LIMIT, "the message is larger than %u bytes",
                       AFMT_MAX_CONTENT_BYTES);
    const uint8_t *m = s->msg.data;

    afmt_post p;
    memset(&p, 0, sizeof p);
    p.media_type = MBOX_MEDIA_TYPE;
    p.content = m != NULL ? (const void *)m : (const void *)"";
    p.content_len = content_len;
    char num[40];
    int k = snprintf(num, sizeof num, "mbox:%" PRIu64, s->msg_no);
    if (afmt_mail_post_fields(&s->f, &p, m, content_len, num, (size_t)k) != AFMT_OK)
        return mb_fail(s, AFMT_E_NOMEM, "out of memory");

    uint64_t entry = 0;
    int rc;
    /* A repeated id (issue 12, item 8): the message waits until every id
     * of the file is known, so that its id#k is no id of the file. */
    if (!s->c.final_pass && afmt_idmaker_has(&s->c.ids, s->f.base.data, s->f.base.len))
        return defer_message(s);
    for (int attempt = 0;; attempt++) {
        rc = afmt_idmaker_take(&s->c.ids, s->f.base.data, s->f.base.len, &p.id, &p.id_len);
        if (rc != AFMT_OK)
            return mb_fail(s, rc, "cannot make a unique id");
        rc = afmt_writer_add_post(&entry, s->c.w, &p);
        if (rc == AFMT_E_DUPLICATE && !s->c.final_pass)
            return defer_message(s); /* another file's: named at the end */
        if (rc != AFMT_E_DUPLICATE || attempt >= RETRY_DUPLICATES)
            break;
    }
    if (rc != AFMT_OK)
        return mb_fail(s, rc, "adding post %.*s: %s", (int)(p.id_len > 200 ? 200 : p.id_len),
                       p.id, afmt_writer_errmsg(s->c.w));
    s->c.st.posts++;
    if (s->c.final_pass || s->c.pending.raw_only)
        return AFMT_OK; /* its bytes are in the file entry already */

    if ((rc = afmt_pending_flush(&s->c.pending)) != AFMT_OK)
        return rc;
    if (content_len > 0 && (rc = afmt_writer_file_add_entry(s->c.w, entry)) != AFMT_OK)
        return mb_fail(s, rc, "%s", afmt_writer_errmsg(s->c.w));
    if (s->msg.len == content_len)
        return AFMT_OK; /* nothing after the content (and msg.data may be NULL) */
    return afmt_pending_add(&s->c.pending, s->msg.data + content_len, s->msg.len - content_len);
}

static int run(afmt_stream *stream, int fd, const char *path, size_t path_len)
{
    mbox_state *s = (mbox_state *)stream;
    int rc = afmt_writer_file_begin(s->c.w, path, path_len);
    if (rc != AFMT_OK)
        return afmt_fail(s->c.err, rc, "%s", afmt_writer_errmsg(s->c.w));
    /* a compressed mbox (pipermail's .txt.gz): the file entry is the
     * compressed bytes as read, the messages are posts */
    int compressed = 0;
    rc = afmt_lines_open(&s->c.lines, fd, AFMT_MAX_CONTENT_BYTES, AFMT_LINES_DECOMPRESS,
                         afmt_pending_tap, &s->c.pending, &compressed, s->c.err);
    if (rc != AFMT_OK)
        return rc;
    s->c.pending.raw_only = compressed != 0;
    s->prev_blank = 1; /* the start of the file counts as after a blank line */
    for (;;) {
        const uint8_t *line;
        size_t len;
        rc = afmt_lines_next(&s->c.lines, &line, &len);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        int first = s->c.lines.line_no == 1;
        int sep = s->prev_blank && len >= 5 && memcmp(line, "From ", 5) == 0 &&
                  (first || looks_like_from_line(line, len));
        s->prev_blank = is_blank_line(line, len);
        if (sep) {
            if (s->in_msg && (rc = finish_message(s)) != AFMT_OK)
                return rc;
            if ((rc = afmt_pending_add(&s->c.pending, line, len)) != AFMT_OK)
                return rc;
            s->in_msg = 1;
            s->msg.len = 0;
            s->last_line = 0;
            s->msg_no++;
            s->msg_line = s->c.lines.line_no;
            continue;
        }
        if (!s->in_msg) {
            s->text_before |= !is_blank_line(line, len);
            if ((rc = afmt_pending_add(&s->c.pending, line, len)) != AFMT_OK)
                return rc;
            continue;
        }
        if (s->msg.len + len > (size_t)AFMT_MAX_CONTENT_BYTES + 2)
            return mb_fail(s, AFMT_E_LIMIT, "the message is larger than %u bytes",
                           AFMT_MAX_CONTENT_BYTES);
        s->last_line = s->msg.len;
        if (afmt_buf_append(&s->msg, line, len) != AFMT_OK)
            return mb_fail(s, AFMT_E_NOMEM, "out of memory");
    }
    if (s->in_msg && (rc = finish_message(s)) != AFMT_OK)
        return rc;
    /* Text and no message: not an mbox (a JSON file given --format mbox,
     * issue 19), refused rather than stored as a file without posts. */
    if (s->msg_no == 0 && s->text_before)
        return afmt_fail(s->c.err, AFMT_E_FORMAT,
                         "not an mbox: no message (no line starts with \"From \" at the "
                         "start of the file or after a blank line)%s",
                         s->c.lines.zkind ? ", after decompression" : "");
    /* The repeats, now that every id of the file is taken. */
    s->c.final_pass = 1;
    uint64_t tags[2];
    const uint8_t *d;
    size_t n;
    for (size_t at = 0; afmt_defer_next(&s->c.deferred, &at, tags, 2, &d, &n);) {
        s->msg_no = tags[0];
        s->last_line = (size_t)tags[1];
        s->msg.len = 0;
        if (n > 0 && afmt_buf_append(&s->msg, d, n) != AFMT_OK)
            return mb_fail(s, AFMT_E_NOMEM, "out of memory");
        if ((rc = finish_message(s)) != AFMT_OK)
            return rc;
    }
    return afmt_stream_end(&s->c);
}

static void mbox_free(afmt_stream *stream)
{
    mbox_state *s = (mbox_state *)stream;
    afmt_buf_free(&s->msg);
    afmt_mail_fields_free(&s->f);
}

int afmt_import_mbox(afmt_writer *w, int fd, const char *path, size_t path_len,
                     afmt_import_stats *stats, char *errbuf, size_t errbuf_size)
{
    return afmt_stream_import(sizeof(mbox_state), run, mbox_free, w, fd, path, path_len, stats,
                              errbuf, errbuf_size);
}
