/*
 * mail_date.c - RFC 5322 date-time parsing (rules in the header).
 */
#include <string.h>
#include <strings.h>

#include "import/mail_date.h"

#define CREATED_MIN INT64_C(-62135596800)
#define CREATED_MAX INT64_C(253402300799)

int64_t afmt_days_from_civil(int64_t y, int m, int d)
{
    /* Count in 400-year eras from 0000-03-01, so that the leap day ends a
     * year; any year, year 0 and before included (H. Hinnant's algorithm). */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468; /* 719468: 0000-03-01 .. 1970-01-01 */
}

static int leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : dm[m - 1];
}

typedef struct cur {
    const uint8_t *s;
    size_t n, i;
} cur;

/* Skips folding whitespace and comments.  Returns 0 on an unterminated
 * comment. */
static int skip_cfws(cur *c)
{
    while (c->i < c->n) {
        uint8_t ch = c->s[c->i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            c->i++;
        } else if (ch == '(') {
            int depth = 0;
            do {
                if (c->i >= c->n)
                    return 0;
                ch = c->s[c->i++];
                if (ch == '\\') {
                    if (c->i >= c->n)
                        return 0;
                    c->i++;
                } else if (ch == '(') {
                    depth++;
                } else if (ch == ')') {
                    depth--;
                }
            } while (depth > 0);
        } else {
            break;
        }
    }
    return 1;
}

static int is_alpha(uint8_t ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static int is_digit(uint8_t ch)
{
    return ch >= '0' && ch <= '9';
}

/* Reads 1..maxd digits; returns the count (0 when none or too many). */
static size_t digits(cur *c, size_t maxd, int64_t *val)
{
    size_t k = 0;
    int64_t v = 0;
    while (c->i < c->n && is_digit(c->s[c->i])) {
        if (k == maxd)
            return 0;
        v = v * 10 + (c->s[c->i] - '0');
        c->i++;
        k++;
    }
    *val = v;
    return k;
}

/* Reads a run of letters; returns its length. */
static size_t word(cur *c, const uint8_t **w)
{
    *w = c->s + c->i;
    size_t k = 0;
    while (c->i < c->n && is_alpha(c->s[c->i])) {
        c->i++;
        k++;
    }
    return k;
}

static int name_index(const uint8_t *w, size_t len, const char *const *names, int count)
{
    for (int k = 0; k < count; k++)
        if (strlen(names[k]) == len && strncasecmp((const char *)w, names[k], len) == 0)
            return k;
    return -1;
}

static const char *const day_names[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Named zones of RFC 5322 section 4.3 (and UTC, AST, ADT, which Python's
 * email.utils knows too), in minutes east of UTC. */
static int zone_name(const uint8_t *w, size_t len, int *minutes)
{
    static const struct {
        const char *name;
        int minutes;
    } zones[] = {{"UT", 0},          {"UTC", 0},         {"GMT", 0},         {"Z", 0},
                 {"AST", -4 * 60},   {"ADT", -3 * 60},   {"EST", -5 * 60},   {"EDT", -4 * 60},
                 {"CST", -6 * 60},   {"CDT", -5 * 60},   {"MST", -7 * 60},   {"MDT", -6 * 60},
                 {"PST", -8 * 60},   {"PDT", -7 * 60}};
    for (size_t k = 0; k < sizeof zones / sizeof zones[0]; k++)
        if (strlen(zones[k].name) == len &&
            strncasecmp((const char *)w, zones[k].name, len) == 0) {
            *minutes = zones[k].minutes;
            return 1;
        }
    /* Military zones: their sign was defined backwards in RFC 822, so RFC
     * 5322 says to read them as -0000.  J is not a zone. */
    if (len == 1 && is_alpha(w[0]) && w[0] != 'J' && w[0] != 'j') {
        *minutes = 0;
        return 1;
    }
    return 0;
}

/* The long zone names Windows mailers write ("Eastern Daylight Time"),
 * three words, in any case, with any whitespace between them. */
static int long_zone_name(cur *c, int *minutes)
{
    static const struct {
        const char *region;
        int standard; /* minutes east of UTC; daylight time is an hour more */
    } regions[] = {{"Atlantic", -4 * 60}, {"Eastern", -5 * 60}, {"Central", -6 * 60},
                   {"Mountain", -7 * 60}, {"Pacific", -8 * 60}, {"Alaskan", -9 * 60},
                   {"GMT", 0},            {"Greenwich Mean", 0}};
    cur t = *c;
    const uint8_t *w[3];
    size_t wl[3];
    for (int k = 0; k < 3; k++) {
        if (k > 0 && (t.i >= t.n || (t.s[t.i] != ' ' && t.s[t.i] != '\t')))
            return 0;
        while (t.i < t.n && (t.s[t.i] == ' ' || t.s[t.i] == '\t'))
            t.i++;
        wl[k] = word(&t, &w[k]);
        if (wl[k] == 0)
            return 0;
    }
    /* region [Standard|Daylight] Time, or "Greenwich Mean Time" */
    if (wl[2] != 4 || strncasecmp((const char *)w[2], "Time", 4) != 0)
        return 0;
    for (size_t k = 0; k < sizeof regions / sizeof regions[0]; k++) {
        const char *r = regions[k].region;
        if (strchr(r, ' ') != NULL) { /* two words: region and no kind */
            size_t a = (size_t)(strchr(r, ' ') - r);
            if (wl[0] == a && strncasecmp((const char *)w[0], r, a) == 0 &&
                wl[1] == strlen(r + a + 1) &&
                strncasecmp((const char *)w[1], r + a + 1, wl[1]) == 0) {
                *minutes = regions[k].standard;
                c->i = t.i;
                return 1;
            }
            continue;
        }
        if (wl[0] != strlen(r) || strncasecmp((const char *)w[0], r, wl[0]) != 0)
            continue;
        if (wl[1] == 8 && strncasecmp((const char *)w[1], "Standard", 8) == 0)
            *minutes = regions[k].standard;
        else if (wl[1] == 8 && strncasecmp((const char *)w[1], "Daylight", 8) == 0)
            *minutes = regions[k].standard + 60;
        else
            return 0;
        c->i = t.i;
        return 1;
    }
    return 0;
}

/* A year as mail writes it: 2 digits (50-99 -> 19xx, 00-49 -> 20xx), 3
 * digits (1900 + y), or 4.  Leading zeros do not count ("0099" is 99, "0102"
 * is 102, as a program that printed year - 1900 padded them), up to 6 digits
 * in all. */
static int year_of(cur *c, int64_t *year)
{
    int64_t y;
    size_t start = c->i, n = digits(c, 6, &y);
    if (n < 2 || (c->i < c->n && is_digit(c->s[c->i])))
        return 0;
    int padded = c->s[start] == '0' && n >= 4;
    if (n == 2 || (padded && y < 100))
        y += y < 50 ? 2000 : 1900;
    else if (n == 3 || (padded && y < 1000))
        y += 1900;
    else if (n > 4 && !padded)
        return 0;
    *year = y;
    return 1;
}

int afmt_rfc5322_date(const uint8_t *s, size_t len, int64_t *out)
{
    cur c = {s, len, 0};
    const uint8_t *w;
    size_t wl;
    int64_t day, year, hour, minute, second = 0;

    if (!skip_cfws(&c))
        return 0;
    if (c.i < c.n && is_alpha(c.s[c.i])) {
        wl = word(&c, &w);
        if (name_index(w, wl, day_names, 7) < 0)
            return 0;
        if (!skip_cfws(&c) || c.i >= c.n || c.s[c.i] != ',')
            return 0;
        c.i++;
        if (!skip_cfws(&c))
            return 0;
    }
    if (digits(&c, 2, &day) == 0 || !skip_cfws(&c))
        return 0;
    wl = word(&c, &w);
    int month = name_index(w, wl, month_names, 12) + 1;
    if (month == 0 || !skip_cfws(&c))
        return 0;
    if (!year_of(&c, &year))
        return 0;
    /* hour, minute and second take one or two digits ("16:54:6") */
    if (!skip_cfws(&c) || digits(&c, 2, &hour) == 0 || !skip_cfws(&c))
        return 0;
    if (c.i >= c.n || c.s[c.i] != ':')
        return 0;
    c.i++;
    if (!skip_cfws(&c) || digits(&c, 2, &minute) == 0 || !skip_cfws(&c))
        return 0;
    if (c.i < c.n && c.s[c.i] == ':') {
        c.i++;
        if (!skip_cfws(&c) || digits(&c, 2, &second) == 0)
            return 0;
    }
    if (!skip_cfws(&c))
        return 0;
    /* a 12-hour clock: "4:54:06 PM" (12 AM is midnight, 12 PM noon) */
    if (c.i + 2 <= c.n && is_alpha(c.s[c.i])) {
        cur t = c;
        wl = word(&t, &w);
        if (wl == 2 && (w[0] == 'A' || w[0] == 'a' || w[0] == 'P' || w[0] == 'p') &&
            (w[1] == 'M' || w[1] == 'm')) {
            if (hour < 1 || hour > 12)
                return 0;
            hour = hour % 12 + (w[0] == 'P' || w[0] == 'p' ? 12 : 0);
            c = t;
            if (!skip_cfws(&c))
                return 0;
        }
    }
    int zone_minutes = 0;
    if (c.i < c.n) {
        uint8_t ch = c.s[c.i];
        if (ch == '+' || ch == '-' || is_digit(ch)) {
            /* +hhmm / -hhmm; "+-0500" (a sign too many: the one next to the
             * digits counts); "0530" (the sign left out: east) */
            int neg = 0;
            if (!is_digit(ch)) {
                c.i++;
                if (c.i < c.n && (c.s[c.i] == '+' || c.s[c.i] == '-'))
                    ch = c.s[c.i++];
                neg = ch == '-';
            }
            int64_t z;
            size_t start = c.i;
            if (digits(&c, 4, &z) != 4 || c.i - start != 4)
                return 0;
            /* hh * 60 + mm, as Python's email.utils reads it: "-0060" is
             * an hour west, whatever the sender meant */
            zone_minutes = (int)(z / 100 * 60 + z % 100);
            if (neg)
                zone_minutes = -zone_minutes;
            if (!skip_cfws(&c))
                return 0;
            /* a zone's name after its offset: "-0400 EDT",
             * "-0400 Eastern Daylight Time" (the offset counts) */
            if (c.i < c.n && is_alpha(c.s[c.i])) {
                int ignored;
                cur t = c;
                wl = word(&t, &w);
                if (zone_name(w, wl, &ignored))
                    c = t;
                else if (!long_zone_name(&c, &ignored))
                    return 0;
            }
        } else if (is_alpha(ch)) {
            if (!long_zone_name(&c, &zone_minutes)) {
                wl = word(&c, &w);
                if (!zone_name(w, wl, &zone_minutes))
                    return 0;
            }
        } else {
            return 0;
        }
        if (!skip_cfws(&c))
            return 0;
    }
    if (c.i != c.n)
        return 0;
    if (year < 1 || year > 9999 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        minute > 59 || second > 60)
        return 0;
    int64_t t = afmt_days_from_civil(year, month, (int)day) * 86400 + hour * 3600 +
                minute * 60 + second - (int64_t)zone_minutes * 60;
    if (t < CREATED_MIN || t > CREATED_MAX)
        return 0;
    *out = t;
    return 1;
}

static int iso_digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* (mail_date.h) RFC 3339 date-time: YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|+HH:MM|-HH:MM).
 * A fraction is dropped (posts keep whole seconds); a leap second 60 is
 * the next second. */
int afmt_rfc3339_time(int64_t *out, const char *s, size_t n, int zone_required)
{
    int y, mo, d, h, mi, sec;
    if (n < 19 || iso_digits(s, 4, &y) || s[4] != '-' || iso_digits(s + 5, 2, &mo) || s[7] != '-' ||
        iso_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        iso_digits(s + 11, 2, &h) || s[13] != ':' || iso_digits(s + 14, 2, &mi) || s[16] != ':' ||
        iso_digits(s + 17, 2, &sec))
        return -1;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        i++;
        size_t f = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f)
            return -1;
    }
    int64_t offset = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (n - i < 6 || iso_digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
            iso_digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = (int64_t)oh * 3600 + om * 60;
        if (s[i] == '-')
            offset = -offset;
        i += 6;
    } else if (zone_required || i != n) {
        return -1;
    }
    if (i != n)
        return -1;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 60)
        return -1;
    int64_t t = afmt_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 + sec - offset;
    if (t < CREATED_MIN || t > CREATED_MAX)
        return -1;
    *out = t;
    return 0;
}

