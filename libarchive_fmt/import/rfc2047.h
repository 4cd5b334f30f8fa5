/*
 * rfc2047.h - decoding of RFC 2047 encoded words ("=?charset?Q?...?="
 * and "=?charset?B?...?=") in an unfolded header value, into UTF-8 for
 * display fields (a post's author and title).  Charsets are converted with
 * iconv(3) from the C library.
 *
 * Rules (spec/IMPORTERS.md, "mbox"):
 *  - an encoded word is "=?" charset ["*" language] "?" (Q|q|B|b) "?" text
 *    "?=", where charset and text hold no "?", space or tab; it is
 *    recognised wherever it appears (also inside a word or a comment, as
 *    many mailers write it);
 *  - whitespace between two encoded words is dropped;
 *  - consecutive encoded words in the same charset are joined before the
 *    conversion, so a character split across two words survives;
 *  - a charset label glibc's iconv does not know but the IANA registry or
 *    common mailers use (ks_c_5601-1987, x-mac-roman, iso-8859-8-i...) is
 *    mapped to the name iconv knows (afmt_charset_iconv_name);
 *  - a word whose charset iconv does not know, whose Q or B text is
 *    malformed, or whose bytes are not valid in its charset stays exactly as
 *    it was written (raw);
 *  - every other byte is copied unchanged: raw 8-bit bytes stay raw.
 */
#ifndef AFMT_IMPORT_RFC2047_H
#define AFMT_IMPORT_RFC2047_H

#include <stddef.h>
#include <stdint.h>

#include "common/internal.h"

/* Appends the decoded form of in[0..len) to out.  Returns AFMT_OK or
 * AFMT_E_NOMEM. */
AFMT_INTERNAL int afmt_rfc2047_decode(afmt_buf *out, const uint8_t *in, size_t len);

/* The name to give iconv for a charset label iconv does not know
 * (ks_c_5601-1987 -> CP949...), compared in any case; label itself when it
 * is none of the aliases. */
AFMT_INTERNAL const char *afmt_charset_iconv_name(const char *label);

#endif
