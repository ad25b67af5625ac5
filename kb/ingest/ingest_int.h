/* Internals shared by the ingest parsers (ingest.c, html.c, markdown.c,
 * xml.c, jsonin.c, csv.c): the per-file context, bad-record reporting, the
 * plain-text builder and the helpers more than one format needs. Not part of
 * libkb's interface. */
#ifndef KB_INGEST_INT_H
#define KB_INGEST_INT_H

#include <stddef.h>

#include "kb/base/buf.h"
#include "kb/base/doc.h"
#include "kb/ingest/ingest.h"
#include "kb/base/text.h"

/* One file being parsed. */
struct kb_in_ctx {
    const char *name;        /* for error places; never NULL */
    const char *path;        /* source_path of its documents, or NULL */
    const char *dir;         /* the file's directory when read from disk (Mallard
                                link lookups), else NULL */
    char *source_id;         /* file-derived source id, or NULL (owned) */
    const struct kb_ingest_opts *opts;
    const struct kb_ingest_sink *sink;
    size_t nbad;
    int stop;                /* the doc() callback's nonzero return, once seen */
};

/* ---- ingest.c ---- */

/* Reports a bad file (line 0) or record (line > 0) through the sink. */
void kb_in_bad(struct kb_in_ctx *c, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Starts an article from a file: kind, default audience, status published,
 * the file-derived source id and source_path. */
void kb_in_article_init(struct kb_in_ctx *c, struct kb_doc *d);

/* Fills what every doc must have (locale, source_path), hands d to the sink
 * and releases it. Returns the doc() callback's return. */
int kb_in_emit(struct kb_in_ctx *c, struct kb_doc *d);

/* ---- ingest_detect.c: format detection helpers ---- */

/* The extension of name's last path component without the dot ("" if none);
 * points into name. */
const char *kb_in_name_ext(const char *name);
/* 1 if ext is one of list ("a|b|c"), compared without case. */
int kb_in_ext_in(const char *ext, const char *list);
/* 1 if s (len bytes) starts with pre, compared without case. */
int kb_in_has_prefix_ci(const char *s, size_t len, const char *pre);
/* The first occurrence of needle in s (len bytes) without case, or NULL. */
const char *kb_in_find_ci(const char *s, size_t len, const char *needle);
/* 3 when s starts with a UTF-8 byte order mark, else 0. */
size_t kb_in_bom_len(const char *s, size_t len);
/* 1 if s starts with a UTF-16 byte order mark followed by UTF-16 text (a NUL
 * in its first code unit), not by bytes that merely begin like one. */
int kb_in_utf16(const char *s, size_t len);

/* A locale normalised to BCP 47 case ("en-us" -> "en-US", "pt_BR" ->
 * "pt-BR"), or NULL if s is empty or not locale-like. Caller frees. */
char *kb_in_locale(const char *s);

/* ---- html.c: text and HTML builders ---- */

/* s with runs of white space collapsed to one space and both ends trimmed
 * (caller frees). */
char *kb_in_collapse(const char *s, size_t len);

/* The first line of text cut to at most max bytes at a word boundary, as a
 * fallback title (caller frees). */
char *kb_in_first_line(const char *text, size_t max);

/* Plain-text builder: collapses white space (except inside pre) and turns
 * the breaks requested between blocks into "\n" or "\n\n". */
enum { KB_TB_NONE = 0, KB_TB_SPACE = 1, KB_TB_LINE = 2, KB_TB_PARA = 3 };
struct kb_in_tb {
    struct kb_buf b;
    int pending;
    int pre;
};
void kb_in_tb_text(struct kb_in_tb *t, const char *s, size_t n);
void kb_in_tb_break(struct kb_in_tb *t, int level);
/* Returns the text (caller frees) and resets t. */
char *kb_in_tb_detach(struct kb_in_tb *t);

/* Appends s to an HTML buffer escaped, white space runs collapsed to one
 * space unless pre. */
void kb_in_html_text(struct kb_buf *b, const char *s, size_t n, int pre);

/* Plain text to simple HTML: paragraphs at blank lines, <br/> at single
 * newlines (caller frees). */
char *kb_in_text_html(const char *s, size_t len);

/* 1 if the URL may be kept: http, https, relative or #fragment, and mailto
 * when allow_mailto. Control characters and white space are ignored when
 * looking for the scheme, so "jav\tascript:" is still refused, and so is an
 * entity left undecoded before the path ("javascript&colon;..."). */
int kb_in_url_ok(const char *url, int allow_mailto);

/* ---- html.c: HTML ---- */

/* Initialises libxml2 once per process (thread-safe). */
void kb_in_xml_init(void);

/* An HTML fragment sanitised and as text, plus its first h1 and
 * first heading of any level (each NULL when absent; caller frees all). */
struct kb_in_frag {
    char *html;
    char *text;
    char *h1;
    char *heading;
};
void kb_in_html_fragment(const char *html, size_t len, struct kb_in_frag *out);
void kb_in_frag_release(struct kb_in_frag *f);
/* 1 if s looks like HTML markup rather than text (a known tag appears). */
int kb_in_looks_html(const char *s, size_t len);

/* ---- the parsers (html.c, markdown.c, xml.c, jsonin.c, csv.c) ---- */

/* The one-document parsers. Each returns 0, a KB_E* code after reporting
 * the file bad, or the doc() callback's nonzero return. */
int kb_in_html(struct kb_in_ctx *c, const char *data, size_t len, int utf8);
int kb_in_markdown(struct kb_in_ctx *c, const char *data, size_t len);
int kb_in_xml(struct kb_in_ctx *c, const char *data, size_t len, int format);
/* The record parsers. */
int kb_in_articles_json(struct kb_in_ctx *c, const char *data, size_t len);
int kb_in_jsonl(struct kb_in_ctx *c, const char *data, size_t len, int format);
int kb_in_csv(struct kb_in_ctx *c, const char *data, size_t len);

/* ---- markdown.c ---- */

/* Markdown to HTML as written, raw HTML included, not yet sanitised
 * (caller frees). */
char *kb_in_markdown_render(const char *md, size_t len);

/* Markdown front matter: parses the "---" block at the start
 * of data into d; *body gets the offset of the Markdown after it (0 when
 * there is none). Returns 0, or KB_EINVAL after reporting the file bad. */
int kb_in_front_matter(struct kb_in_ctx *c, const char *data, size_t len,
                       struct kb_doc *d, size_t *body);

/* ---- csv.c: ticket fields, shared with jsonin.c ---- */

/* kb_in_ticket_field sets one named field of a ticket (unknown names ignored, empty values skipped);
 * returns 0 or -1 with why filled. kb_in_ticket_finish checks the required
 * fields and builds title and text; returns 0 or -1 with why filled. */
void kb_in_ticket_init(struct kb_in_ctx *c, struct kb_doc *d);
int kb_in_ticket_field(struct kb_doc *d, const char *key, const char *value,
                       char *why, size_t whysz);
int kb_in_ticket_finish(struct kb_doc *d, char *why, size_t whysz);
/* The canonical ticket field for a column or key name ("asset" -> "unit"),
 * or NULL when it is not a ticket field. */
const char *kb_in_ticket_key(const char *name);

#endif
