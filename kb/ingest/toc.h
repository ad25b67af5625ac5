/* An article's table of contents, read from its sanitised HTML: the h2 and
 * h3 headings with stable unique ids, and the HTML with those ids added.
 * Rendering the contents is the page's business (server/page_body.c). */
#ifndef KB_INGEST_TOC_H
#define KB_INGEST_TOC_H

#include <stddef.h>

#include "kb/base/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kb_toc_heading {
    int level;  /* 2 or 3 */
    char *id;   /* safe in an attribute: ASCII letters, digits, dashes (or the heading's own) */
    char *text; /* the heading's text, tags removed, still HTML-escaped */
};

/* Caller storage: kb_toc_init, then kb_toc_release frees the headings. */
struct kb_toc {
    struct kb_toc_heading *v; /* in document order */
    size_t n, cap;
};

void kb_toc_init(struct kb_toc *t);
void kb_toc_release(struct kb_toc *t);

/* Appends html (sanitiser output: a '<' always starts a tag) to out with an
 * id on every h2 and h3 (kept when it has one), and adds those headings to
 * t, which owns them. An id is made from the heading's text ("section-N"
 * when that has no letters or digits), never one in reserved (NULL-ended
 * ids the page uses already; may be NULL) or one given before, "-2", "-3"...
 * added to make it unique. When title is not NULL and html starts with an
 * h1 whose text is title, that h1 is left out (the page shows the title). */
void kb_toc_add_ids(struct kb_toc *t, struct kb_buf *out, const char *html, const char *title,
                    const char *const *reserved);

#ifdef __cplusplus
}
#endif
#endif
