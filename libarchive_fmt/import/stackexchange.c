/*
 * stackexchange.c - Stack Exchange data dumps: Posts.xml and Comments.xml.
 * spec/IMPORTERS.md, "Stack Exchange", gives the rules.
 *
 * The XML is parsed by libxml2's streaming reader (xmlTextReader), on the
 * input in memory, with the network off (XML_PARSE_NONET), no DTD loaded,
 * no entity substituted (XML_PARSE_NOENT is not set) and libxml2's default
 * limits (no XML_PARSE_HUGE: a text node, an attribute value at most 10 MB,
 * nesting at most 256 deep); a document type declaration is refused, so
 * no entity can be declared at all.  Only the reader says what a row holds.
 *
 * To know which bytes are a row's, a small scanner walks the same input
 * (which the reader has accepted) and finds each <row> element of the root
 * from its "<" to its ">" (or its end tag), skipping comments, processing
 * instructions and CDATA sections, and reading quoted attribute values
 * whole, so a ">" in a value is not an end.  The two must find the same
 * number of rows in the same order, or the import fails.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <libxml/xmlreader.h>

#include "import/json_doc.h"
#include "import/mail_date.h"

#define SE_MEDIA_TYPE "application/xml"

typedef struct se_span {
    size_t start, end;
} se_span;

typedef struct se_ctx {
    afmt_imp_doc d; /* first: the run's afmt_imp_doc is this context (its text unused) */
    se_span *rows;
    size_t nrows, cap;
    int64_t *answers; /* per record: a question's AnswerCount, or -1 */
    size_t ans_cap;
    char xml_err[256];
} se_ctx;

static int se_nomem(se_ctx *c)
{
    return afmt_imp_doc_nomem(&c->d);
}

/* ---------------------------------------------------------- the scanner */

static size_t find(const uint8_t *b, size_t len, size_t from, const char *lit)
{
    size_t n = strlen(lit);
    for (size_t i = from; i + n <= len; i++)
        if (b[i] == (uint8_t)lit[0] && memcmp(b + i, lit, n) == 0)
            return i;
    return SIZE_MAX;
}

static int name_char(uint8_t ch)
{
    return ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n' && ch != '/' && ch != '>' &&
           ch != '=';
}

/* Finds the row elements that are children of the root element: 0, 1 when
 * the bytes are malformed, AFMT_E_NOMEM. */
static int scan_rows(se_ctx *c)
{
    const uint8_t *b = c->d.b;
    size_t len = c->d.len, i = 0;
    int depth = 0;
    size_t open_row = SIZE_MAX;
    while (i < len) {
        if (b[i] != '<') {
            i++;
            continue;
        }
        size_t e;
        if (i + 4 <= len && memcmp(b + i, "<!--", 4) == 0) {
            e = find(b, len, i + 4, "-->");
            if (e == SIZE_MAX)
                return 1;
            i = e + 3;
            continue;
        }
        if (i + 2 <= len && b[i + 1] == '?') {
            e = find(b, len, i + 2, "?>");
            if (e == SIZE_MAX)
                return 1;
            i = e + 2;
            continue;
        }
        if (i + 9 <= len && memcmp(b + i, "<![CDATA[", 9) == 0) {
            e = find(b, len, i + 9, "]]>");
            if (e == SIZE_MAX)
                return 1;
            i = e + 3;
            continue;
        }
        if (i + 2 <= len && b[i + 1] == '!')
            return 1; /* a DOCTYPE: refused by the reader already */
        int end_tag = i + 1 < len && b[i + 1] == '/';
        size_t ns = i + 1 + (size_t)end_tag, ne = ns;
        while (ne < len && name_char(b[ne]))
            ne++;
        /* the rest of the tag: attributes, quoted values read whole */
        size_t j = ne;
        uint8_t q = 0;
        while (j < len) {
            if (q) {
                if (b[j] == q)
                    q = 0;
            } else if (b[j] == '"' || b[j] == '\'') {
                q = b[j];
            } else if (b[j] == '>') {
                break;
            }
            j++;
        }
        if (j >= len)
            return 1;
        int empty = !end_tag && j > i && b[j - 1] == '/';
        int is_row = ne - ns == 3 && memcmp(b + ns, "row", 3) == 0;
        if (end_tag) {
            depth--;
            if (depth == 1 && is_row && open_row != SIZE_MAX) {
                c->rows[c->nrows - 1].end = j + 1;
                open_row = SIZE_MAX;
            }
        } else {
            if (depth == 1 && is_row) {
                if (c->nrows == c->cap) {
                    size_t ncap = c->cap ? c->cap * 2 : 1024;
                    se_span *nr = realloc(c->rows, ncap * sizeof *nr);
                    if (nr == NULL)
                        return AFMT_E_NOMEM;
                    c->rows = nr;
                    c->cap = ncap;
                }
                c->rows[c->nrows].start = i;
                c->rows[c->nrows].end = j + 1;
                c->nrows++;
                if (!empty)
                    open_row = i;
            }
            if (!empty)
                depth++;
        }
        i = j + 1;
    }
    return 0;
}

/* ------------------------------------------------------------ the reader */

static void se_xml_error(void *arg, const char *msg, xmlParserSeverities severity,
                         xmlTextReaderLocatorPtr loc)
{
    se_ctx *c = arg;
    if (severity != XML_PARSER_SEVERITY_ERROR && severity != XML_PARSER_SEVERITY_VALIDITY_ERROR)
        return;
    if (c->xml_err[0] != 0)
        return; /* the first error is the one to report */
    snprintf(c->xml_err, sizeof c->xml_err, "line %d: %s", xmlTextReaderLocatorLineNumber(loc),
             msg);
    size_t n = strlen(c->xml_err);
    while (n > 0 && (c->xml_err[n - 1] == '\n' || c->xml_err[n - 1] == ' '))
        c->xml_err[--n] = 0;
}

/* An attribute as a string in the arena: 1 set, 0 absent, < 0 error. */
static int se_attr(se_ctx *c, xmlTextReaderPtr r, const char *name, const char *prefix,
                   size_t max, afmt_imp_str *out)
{
    xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
    if (v == NULL)
        return 0;
    size_t pl = prefix != NULL ? strlen(prefix) : 0, n = strlen((const char *)v);
    int rc = 1;
    if (n == 0) {
        rc = 0;
    } else if (pl + n > max) {
        rc = afmt_imp_fail(c->d.errbuf, c->d.errbuf_size, AFMT_E_LIMIT,
                           "row %zu: %s longer than the format allows", c->d.recs.n, name);
    } else if (afmt_imp_str_add(&c->d.arena, out, prefix != NULL ? prefix : "", pl) != AFMT_OK ||
               afmt_buf_append(&c->d.arena, v, n) != AFMT_OK) {
        rc = se_nomem(c);
    } else {
        out->len += n;
    }
    xmlFree(v);
    return rc;
}

static int64_t se_int_attr(xmlTextReaderPtr r, const char *name)
{
    xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
    if (v == NULL)
        return -1;
    int64_t x = 0;
    const char *p = (const char *)v;
    int ok = *p != 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || x > INT64_MAX / 10 - 10) {
            ok = 0;
            break;
        }
        x = x * 10 + (*p - '0');
    }
    xmlFree(v);
    return ok ? x : -1;
}

/* One row (the k-th): a post when it is a question, an answer or a comment. */
static int se_row(se_ctx *c, xmlTextReaderPtr r, int comments, size_t k)
{
    int64_t type = comments ? 0 : se_int_attr(r, "PostTypeId");
    if (!comments && type != 1 && type != 2)
        return AFMT_OK; /* tag wikis (4, 5), nominations, wiki placeholders: bytes only */
    afmt_imp_rec *rec = afmt_imp_recs_push(&c->d.recs);
    if (rec == NULL)
        return se_nomem(c);
    size_t ri = c->d.recs.n - 1;
    if (c->d.recs.n > c->ans_cap) {
        size_t ncap = c->ans_cap ? c->ans_cap * 2 : 1024;
        int64_t *na = realloc(c->answers, ncap * sizeof *na);
        if (na == NULL)
            return se_nomem(c);
        c->answers = na;
        c->ans_cap = ncap;
    }
    c->answers[ri] = -1;
    rec->start = c->rows[k].start;
    rec->end = c->rows[k].end;
    afmt_imp_str s;
    int rc = se_attr(c, r, "Id", comments ? "c" : NULL, AFMT_MAX_ID_BYTES, &s);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return afmt_imp_fail(c->d.errbuf, c->d.errbuf_size, AFMT_E_FORMAT,
                             "line %llu: a row without an Id",
                             (unsigned long long)afmt_imp_line_of(c->d.b, c->d.len, rec->start));
    c->d.recs.v[ri].id = s;
    const char *parent = comments ? "PostId" : type == 2 ? "ParentId" : NULL;
    if (parent != NULL) {
        if ((rc = se_attr(c, r, parent, NULL, AFMT_MAX_ID_BYTES, &s)) < 0)
            return rc;
        if (rc == 1) {
            c->d.recs.v[ri].parent = s;
            c->d.recs.v[ri].has_parent = 1;
        }
    }
    /* the author: the display name a deleted user's post keeps, else the user id */
    rc = se_attr(c, r, comments ? "UserDisplayName" : "OwnerDisplayName", NULL,
                 AFMT_MAX_AUTHOR_BYTES, &s);
    if (rc == 0)
        rc = se_attr(c, r, comments ? "UserId" : "OwnerUserId", "user:", AFMT_MAX_AUTHOR_BYTES,
                     &s);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        c->d.recs.v[ri].author = s;
        c->d.recs.v[ri].has_author = 1;
    }
    if (!comments) {
        if ((rc = se_attr(c, r, "Title", NULL, AFMT_MAX_TITLE_BYTES, &s)) < 0)
            return rc;
        if (rc == 1) {
            c->d.recs.v[ri].title = s;
            c->d.recs.v[ri].has_title = 1;
        }
    }
    xmlChar *d = xmlTextReaderGetAttribute(r, (const xmlChar *)"CreationDate");
    int64_t t;
    if (d != NULL && afmt_rfc3339_time(&t, (const char *)d, strlen((const char *)d), 0) == 0) {
        c->d.recs.v[ri].created = t;
        c->d.recs.v[ri].has_created = 1;
    }
    xmlFree(d);
    if (type == 1)
        c->answers[ri] = se_int_attr(r, "AnswerCount");
    return AFMT_OK;
}

static int se_read(se_ctx *c)
{
    if (c->d.len > INT32_MAX)
        return afmt_imp_fail(c->d.errbuf, c->d.errbuf_size, AFMT_E_LIMIT,
                             "an XML input larger than 2 GiB");
    xmlTextReaderPtr r = xmlReaderForMemory((const char *)c->d.b, (int)c->d.len, NULL, NULL,
                                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                XML_PARSE_NOWARNING);
    if (r == NULL)
        return se_nomem(c);
    xmlTextReaderSetErrorHandler(r, se_xml_error, c);
    int rc = AFMT_OK, ret, comments = -1;
    size_t k = 0;
    while ((ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
            rc = afmt_imp_fail(c->d.errbuf, c->d.errbuf_size, AFMT_E_FORMAT,
                               "a document type declaration (refused: a dump has none)");
            break;
        }
        if (type != XML_READER_TYPE_ELEMENT)
            continue;
        int depth = xmlTextReaderDepth(r);
        /* the qualified name, as the scanner sees it */
        const char *name = (const char *)xmlTextReaderConstName(r);
        if (depth == 0) {
            if (strcmp(name, "posts") == 0) {
                comments = 0;
            } else if (strcmp(name, "comments") == 0) {
                comments = 1;
            } else {
                rc = afmt_imp_fail(c->d.errbuf, c->d.errbuf_size, AFMT_E_FORMAT,
                                   "root element <%.64s>: not a Stack Exchange Posts.xml "
                                   "(<posts>) or Comments.xml (<comments>)", name);
                break;
            }
            continue;
        }
        if (depth != 1 || strcmp(name, "row") != 0)
            continue;
        if (k >= c->nrows) {
            rc = afmt_imp_fail(c->d.errbuf, c->d.errbuf_size, AFMT_E_STATE,
                               "internal error: the reader found more rows than the scanner");
            break;
        }
        if ((rc = se_row(c, r, comments, k)) != AFMT_OK)
            break;
        k++;
    }
    if (rc == AFMT_OK && ret < 0)
        rc = afmt_imp_fail(c->d.errbuf, c->d.errbuf_size, AFMT_E_FORMAT, "invalid XML: %s",
                           c->xml_err[0] ? c->xml_err : "libxml2 gave up");
    if (rc == AFMT_OK && comments < 0)
        rc = afmt_imp_fail(c->d.errbuf, c->d.errbuf_size, AFMT_E_FORMAT, "no root element");
    if (rc == AFMT_OK && k != c->nrows)
        rc = afmt_imp_fail(c->d.errbuf, c->d.errbuf_size, AFMT_E_STATE,
                           "internal error: the reader and the scanner disagree on the rows");
    xmlFreeTextReader(r);
    return rc;
}

/* The rows: the scanner finds their bytes, the reader what they hold. */
static int se_parse(afmt_imp_doc *d)
{
    se_ctx *c = (se_ctx *)d;
    d->recs.media_type = SE_MEDIA_TYPE;
    int rc = scan_rows(c);
    if (rc == AFMT_E_NOMEM)
        return se_nomem(c);
    if (rc == 1)
        c->nrows = 0; /* malformed: the reader says where */
    return se_read(c);
}

/* An answer (not a comment) counts as a reply of its question. */
static int se_is_answer(void *ctx, size_t i)
{
    const se_ctx *c = ctx;
    return c->answers[i] < 0 && c->d.arena.data[c->d.recs.v[i].id.off] != 'c';
}

/* a question whose AnswerCount is larger than the answers present */
static int se_mark_answers(afmt_imp_doc *d, afmt_imp_map *ids)
{
    se_ctx *c = (se_ctx *)d;
    return afmt_imp_mark_missing_replies(d, ids, c->answers, se_is_answer, c);
}

static void se_free(afmt_imp_doc *d)
{
    se_ctx *c = (se_ctx *)d;
    free(c->answers);
    free(c->rows);
}

static const afmt_imp_doc_ops se_ops = {
    .parse = se_parse,
    .before_emit = se_mark_answers,
    .free = se_free,
};

int afmt_import_stackexchange(afmt_writer *w, int fd, const char *path, size_t path_len,
                              afmt_import_stats *stats, char *errbuf, size_t errbuf_size)
{
    se_ctx c = {0};
    return afmt_imp_run(&c.d, &se_ops, w, fd, path, path_len, stats, errbuf, errbuf_size);
}
