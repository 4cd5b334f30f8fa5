/*
 * mail_date.h - the date-time of an RFC 5322 Date header (section
 * 3.3, with the obsolete forms of section 4.3), as Unix seconds UTC.
 *
 * Accepted: [day-of-week ","] day month year hour ":" minute [":" second]
 * [AM|PM] [zone [zone name]], with comments "( ... )" (nested, with
 * quoted-pairs) and folding whitespace anywhere between tokens.
 * day-of-week and month are the English three-letter names in any case; the
 * day of week is not checked against the date.  Hour, minute and second
 * take one or two digits; AM/PM makes a 12-hour time 24-hour.  A two-digit
 * year is 1950-2049 (00-49 -> 20xx), a three-digit year is 1900 + y, and a
 * year of 4 to 6 digits with leading zeros is read by its value the same
 * way ("0099" 1999, "0102" 2002, "02003" 2003).  The zone is +hhmm / -hhmm
 * (hh * 60 + mm minutes, so "-0060" is an hour west), hhmm without a sign
 * (east), a doubled sign ("+-0500": the one next to the digits counts), or
 * UT, UTC, GMT, Z, AST, ADT, EST, EDT, CST, CDT, MST, MDT, PST, PDT, or a
 * Windows long name ("Eastern Daylight Time", "Pacific Standard Time", ...);
 * a short or long name may follow a numeric zone, which then counts.  A
 * one-letter military zone other than Z, or no zone at all, counts as -0000
 * (UTC, offset unknown), as RFC 5322 section 4.3 says.  Anything else (a
 * stray word, a day 31 in a 30-day month, hour 24, minute 60, second over
 * 60, a year outside 1..9999 after the offset) makes the whole date
 * unparsable.  Second 60 (a leap second) is accepted and counts as the next
 * minute's 00.  The post's content keeps the raw header either way.
 */
#ifndef AFMT_IMPORT_MBOX_DATE_H
#define AFMT_IMPORT_MBOX_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/internal.h"

/* Returns 1 and *out when s[0..len) is a date as above, 0 otherwise. */
AFMT_INTERNAL int afmt_rfc5322_date(const uint8_t *s, size_t len, int64_t *out);

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar, any
 * year (also the RFC 3339 dates of ndjson.c). */
AFMT_INTERNAL int64_t afmt_days_from_civil(int64_t y, int m, int d);

/* An RFC 3339 date-time YYYY-MM-DD(T|t| )HH:MM:SS[.fraction][zone], zone
 * Z, z, +HH:MM or -HH:MM, as Unix seconds (the fraction dropped, second 60
 * the next minute's 00), within years 1 to 9999.  Without a zone (allowed
 * only when zone_required is 0: the Stack Exchange dumps' CreationDate) the
 * time is UTC.  0, or -1 when s[0..n) is not one. */
AFMT_INTERNAL int afmt_rfc3339_time(int64_t *out, const char *s, size_t n, int zone_required);

#endif
