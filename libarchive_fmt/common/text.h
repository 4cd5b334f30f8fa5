/*
 * text.h - the rules for strings that reach names or displays (text.c):
 * UTF-8, clean text, relative paths (spec: "File paths"), media types.
 * Used by the library and by the command, which includes it directly.
 */
#ifndef AFMT_COMMON_TEXT_H
#define AFMT_COMMON_TEXT_H

#include <stddef.h>
#include <stdint.h>

#ifndef AFMT_INTERNAL
#define AFMT_INTERNAL __attribute__((visibility("hidden")))
#endif

/* Decodes the UTF-8 sequence at s[0..len): returns its length (1 to 4)
 * with the code point in *cp, or 0 when it is not valid UTF-8 (overlong,
 * surrogate, above U+10FFFF, cut short) or len is 0. */
AFMT_INTERNAL size_t afmt_utf8_decode(const uint8_t *s, size_t len, uint32_t *cp);
/* Nonzero when s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
AFMT_INTERNAL int afmt_utf8_valid(const uint8_t *s, size_t len);
/* Nonzero when s is valid UTF-8 free of C0, DEL and C1 control characters. */
AFMT_INTERNAL int afmt_text_clean(const uint8_t *s, size_t len);
/* Nonzero when s is a safe relative path (spec: "File paths"): 1 to
 * AFMT_MAX_PATH_BYTES bytes, no leading '/', no empty, "." or ".."
 * component, no NUL, no backslash. */
AFMT_INTERNAL int afmt_path_valid(const uint8_t *s, size_t len);
/* The same rules but for the length, which is not limited: for the names
 * the command makes below a folder (walked one component at a time). */
AFMT_INTERNAL int afmt_path_safe(const uint8_t *s, size_t len);
/* Nonzero when s is a valid media type (printable ASCII, 1..255 bytes). */
AFMT_INTERNAL int afmt_media_type_valid(const uint8_t *s, size_t len);

/* The next LF-ended line of [*p, end): its bytes without the LF in *line
 * and *len, *p moved past the LF; 0 (and nothing moved) when no LF ends it.
 * For the signed texts (checkpoint, proofs), where every line has its LF. */
AFMT_INTERNAL int afmt_take_line(const uint8_t **p, const uint8_t *end, const uint8_t **line,
                                 size_t *len);

#endif /* AFMT_COMMON_TEXT_H */
