/*
 * view_page.h - the HTML page of `afmt view`: the template of tools/view/
 * filled with its Content-Security-Policy, style, script and the bundle's
 * data (JSON), written through a temporary file and renamed.
 */
#ifndef AFMT_VIEW_PAGE_H
#define AFMT_VIEW_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "afmt.h"

/* What the page holds: everything its script checks, and nothing else. */
typedef struct view_data {
    const char *note;            /* the C2SP note: checkpoint, signer and cosigner lines */
    size_t note_len;
    afmt_public_key signer;      /* the key the note signature is checked with */
    const afmt_public_key *trusted; /* the keys given with -p/-P (the signer is one) */
    size_t ntrusted;
    const afmt_cosignature_info *cosigs;
    size_t ncosigs;
    uint64_t entries;
    const uint8_t *const *enc;   /* entries[i]'s encoding (spec 8), enc_len[i] bytes */
    const size_t *enc_len;
    uint8_t *const *content;     /* a post's verified bytes, content_len[i]; NULL for
                                    other entries and empty posts */
    const size_t *content_len;
} view_data;

/* Writes the page to `path` (refused when it exists and !overwrite).
 * Returns a CLI_EXIT_* status after printing any failure. */
int view_page_write(const char *path, const view_data *d, int overwrite);

#endif
