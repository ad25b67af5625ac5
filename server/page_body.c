/* An article's body as a page shows it: the stored sanitised HTML with an id
 * on every heading (kb/ingest/toc.h finds them) and, from TOC_MIN_HEADINGS
 * headings on, a table of contents before it. */
#include "page_body.h"

#include <string.h>

#include "kb/ingest/toc.h"

#define TOC_MIN_HEADINGS 3

/* Ids the article page uses itself, never given to a heading. */
static const char *const page_ids[] = {"main", "q-top", "toc-h", "related-h",
                                       "feedback", "feedback-h", "fb-comment", NULL};

static void toc_render(struct kb_buf *b, const struct kb_toc *t)
{
    kb_buf_adds(b, "<nav class=\"toc\" aria-labelledby=\"toc-h\">\n"
                   "<h2 id=\"toc-h\">On this page</h2>\n<ol>\n");
    int open_li = 0, open_sub = 0, under_h2 = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct kb_toc_heading *h = &t->v[i];
        if (h->level == 3 && under_h2) {
            if (!open_sub)
                kb_buf_adds(b, "<ol>\n");
            open_sub = 1;
            kb_buf_printf(b, "<li><a href=\"#%s\">%s</a></li>\n", h->id, h->text);
            continue;
        }
        if (open_sub)
            kb_buf_adds(b, "</ol>\n");
        if (open_li)
            kb_buf_adds(b, "</li>\n");
        open_sub = 0;
        kb_buf_printf(b, "<li><a href=\"#%s\">%s</a>", h->id, h->text);
        open_li = 1;
        under_h2 = h->level == 2;
    }
    if (open_sub)
        kb_buf_adds(b, "</ol>\n");
    if (open_li)
        kb_buf_adds(b, "</li>\n");
    kb_buf_adds(b, "</ol>\n</nav>\n");
}

/* Appends d's body: the stored sanitised HTML with heading ids, or the plain
 * text as escaped paragraphs when there is no HTML. */
void page_article_body(struct kb_buf *b, const struct kb_doc *d)
{
    struct kb_toc t;
    kb_toc_init(&t);
    struct kb_buf body = KB_BUF_INIT;
    if (d->html && *d->html) {
        /* The page shows the title: a first h1 saying it again is left out. */
        kb_toc_add_ids(&t, &body, d->html, d->title ? d->title : "", page_ids);
    } else if (d->text) {
        for (const char *p = d->text; *p;) {
            const char *e = strstr(p, "\n\n");
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (n) {
                kb_buf_adds(&body, "<p>");
                kb_buf_add_html(&body, p, n);
                kb_buf_adds(&body, "</p>\n");
            }
            p += n;
            while (*p == '\n')
                p++;
        }
    }
    if (t.n >= TOC_MIN_HEADINGS)
        toc_render(b, &t);
    kb_buf_adds(b, "<div class=\"article-body\">\n");
    kb_buf_add(b, kb_buf_str(&body), body.len);
    kb_buf_adds(b, "\n</div>\n");
    kb_buf_release(&body);
    kb_toc_release(&t);
}
