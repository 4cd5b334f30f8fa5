/*
 * nntp.c - one Usenet article (RFC 5536), as a news server serves it to
 * ARTICLE or a spool keeps it: header fields, a blank line, the body.
 * spec/IMPORTERS.md, "Usenet (NNTP)", gives the rules.
 *
 * The whole input is one post, byte for byte (nothing unstuffed or
 * re-encoded), and the file entry is one reference to it.  Its fields are
 * taken as the mbox importer takes a message's (mail.h: the first
 * Message-ID of the header section, In-Reply-To / References, From,
 * Subject, Date), so articles thread through References as mail does.  An
 * article without a usable Message-ID is "nntp:" and its path.
 */
#include <stdio.h>
#include <stdlib.h>

#include "import/json_doc.h"
#include "import/line_reader.h"
#include "import/mail.h"

#define NNTP_MEDIA_TYPE "message/rfc822"
#define RETRY_DUPLICATES 1000

/* The first line is a header field: a name of printable ASCII and ":". */
static int starts_with_field(const uint8_t *b, size_t len)
{
    size_t k = 0;
    while (k < len && b[k] != ':' && b[k] > 0x20 && b[k] < 0x7F)
        k++;
    return k > 0 && k < len && b[k] == ':';
}

int afmt_import_nntp(afmt_writer *w, int fd, const char *path, size_t path_len,
                     afmt_import_stats *stats, char *errbuf, size_t errbuf_size)
{
    if (errbuf != NULL && errbuf_size > 0)
        errbuf[0] = 0;
    uint8_t *b = NULL;
    size_t len = 0;
    int rc = afmt_imp_read_all(&b, &len, fd, AFMT_MAX_CONTENT_BYTES, errbuf, errbuf_size);
    if (rc != AFMT_OK)
        return rc;
    afmt_mail_fields f;
    memset(&f, 0, sizeof f);
    afmt_idmaker ids;
    int ids_ok = 0;
    afmt_buf fallback = {0};
    if (!starts_with_field(b, len)) {
        rc = afmt_imp_fail(errbuf, errbuf_size, AFMT_E_FORMAT,
                           "line 1: not a header field: not a Usenet article");
        goto out;
    }
    if (afmt_buf_append(&fallback, "nntp:", 5) != AFMT_OK ||
        afmt_buf_append(&fallback, path, path_len) != AFMT_OK) {
        rc = afmt_imp_fail(errbuf, errbuf_size, AFMT_E_NOMEM, "out of memory");
        goto out;
    }
    afmt_post p;
    memset(&p, 0, sizeof p);
    p.media_type = NNTP_MEDIA_TYPE;
    p.content = b;
    p.content_len = len;
    if (afmt_mail_post_fields(&f, &p, b, len, (const char *)fallback.data,
                              fallback.len > AFMT_MAX_ID_BYTES - 16 ? AFMT_MAX_ID_BYTES - 16
                                                                     : fallback.len) !=
        AFMT_OK) {
        rc = afmt_imp_fail(errbuf, errbuf_size, AFMT_E_NOMEM, "out of memory");
        goto out;
    }
    if (!f.has[AFMT_MAIL_MESSAGE_ID] && !f.has[AFMT_MAIL_FROM]) {
        rc = afmt_imp_fail(errbuf, errbuf_size, AFMT_E_FORMAT,
                           "no Message-ID and no From header: not a Usenet article");
        goto out;
    }
    if ((rc = afmt_idmaker_init(&ids)) != AFMT_OK) {
        rc = afmt_imp_fail(errbuf, errbuf_size, rc, "cannot set up the id table");
        goto out;
    }
    ids_ok = 1;
    uint64_t entry = 0;
    /* an id an earlier input of the bundle took (the same article saved
     * twice, a cross-post) becomes id#2, id#3, ... as in mbox */
    for (int attempt = 0;; attempt++) {
        rc = afmt_idmaker_take(&ids, f.base.data, f.base.len, &p.id, &p.id_len);
        if (rc != AFMT_OK) {
            rc = afmt_imp_fail(errbuf, errbuf_size, rc, "cannot make a unique id");
            goto out;
        }
        rc = afmt_writer_add_post(&entry, w, &p);
        if (rc != AFMT_E_DUPLICATE || attempt >= RETRY_DUPLICATES)
            break;
    }
    if (rc != AFMT_OK) {
        rc = afmt_imp_fail(errbuf, errbuf_size, rc, "adding post %.*s: %s",
                           (int)(p.id_len > 200 ? 200 : p.id_len), p.id,
                           afmt_writer_errmsg(w));
        goto out;
    }
    if ((rc = afmt_writer_file_begin(w, path, path_len)) != AFMT_OK ||
        (rc = afmt_writer_file_add_entry(w, entry)) != AFMT_OK ||
        (rc = afmt_writer_file_end(NULL, w)) != AFMT_OK) {
        rc = afmt_imp_fail(errbuf, errbuf_size, rc, "%s", afmt_writer_errmsg(w));
        goto out;
    }
    afmt_import_stats st = {0};
    st.posts = 1;
    st.bytes_in = len;
    afmt_import_stats_add(stats, &st);
out:
    if (ids_ok)
        afmt_idmaker_free(&ids);
    afmt_mail_fields_free(&f);
    afmt_buf_free(&fallback);
    free(b);
    return rc;
}
