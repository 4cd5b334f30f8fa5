/*
 * view_assets.h - the page template, script and style of `afmt view`,
 * kept as files in tools/view/ and embedded at build time
 * (tools/view/embed.cmake writes view_assets.c).  Each array ends with a
 * NUL that its length does not count.
 */
#ifndef AFMT_VIEW_ASSETS_H
#define AFMT_VIEW_ASSETS_H

#include <stddef.h>

extern const unsigned char afmt_view_html[];
extern const size_t afmt_view_html_len;
extern const unsigned char afmt_view_js[];
extern const size_t afmt_view_js_len;
extern const unsigned char afmt_view_css[];
extern const size_t afmt_view_css_len;

#endif
