/*
 * mail.h - the fields of an RFC 5322 message as a post, shared by the
 * importers of mail (mbox.c, which implements them) and Usenet (nntp.c).
 * The rules are spec/IMPORTERS.md's, "mbox": the first Message-ID of the
 * header section is the id; In-Reply-To's first id, else References' last,
 * the parent; From and Subject RFC 2047-decoded; Date as RFC 5322 says.
 */
#ifndef AFMT_IMPORT_MAIL_H
#define AFMT_IMPORT_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "common/internal.h"

/* The headers read, in the order of afmt_mail_fields.val and .has. */
enum {
    AFMT_MAIL_MESSAGE_ID,
    AFMT_MAIL_IN_REPLY_TO,
    AFMT_MAIL_REFERENCES,
    AFMT_MAIL_FROM,
    AFMT_MAIL_DATE,
    AFMT_MAIL_SUBJECT,
    AFMT_MAIL_HEADERS
};

/* Buffers the fields are kept in between messages (zero-initialise). */
typedef struct afmt_mail_fields {
    afmt_buf val[AFMT_MAIL_HEADERS]; /* unfolded header values */
    int has[AFMT_MAIL_HEADERS];
    afmt_buf author, title, base;
} afmt_mail_fields;

/* Reads the header section of the message m[0..n) and sets p's parent,
 * author, title and created (pointing into f or m), and f->base, the id to
 * give it before it is made unique: its Message-ID, or fallback_id when it
 * has none usable.  p's id, content and media type are the caller's.
 * AFMT_OK or AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_mail_post_fields(afmt_mail_fields *f, afmt_post *p, const uint8_t *m,
                                        size_t n, const char *fallback_id, size_t fallback_len);
AFMT_INTERNAL void afmt_mail_fields_free(afmt_mail_fields *f);

#endif
