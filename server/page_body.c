/* An article's body as a page shows it: the stored sanitised HTML with an id
 * on every heading and, from TOC_MIN_HEADINGS headings on, a table of
 * contents before it (split from h_pages.c). */
#include "page_body.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_tpl.h"
#include "kb/base/text.h"

#define TOC_MIN_HEADINGS 3

struct heading {
    int level;
    char *id;   /* escaped, safe in an attribute */
    char *text; /* escaped HTML text (tags removed) */
};

struct toc {
    struct heading *v;
    size_t n, cap;
};

/* Appends the text of an HTML fragment with its tags removed. The fragment
 * is sanitiser output, so what remains is already escaped text. */
static void strip_tags(struct kb_buf *out, const char *s, size_t n)
{
    int in_tag = 0, space = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (in_tag) {
            in_tag = ch != '>';
            continue;
        }
        if (ch == '<') {
            in_tag = 1;
            continue;
        }
        if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
            space = out->len > 0;
            continue;
        }
        if (space)
            kb_buf_addc(out, ' ');
        space = 0;
        kb_buf_addc(out, ch);
    }
}

static int toc_has_id(const struct toc *t, const char *id)
{
    static const char *const reserved[] = {"main", "q-top", "toc-h", "related-h",
                                           "feedback", "feedback-h", "fb-comment", NULL};
    for (const char *const *r = reserved; *r; r++)
        if (strcmp(*r, id) == 0)
            return 1;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].id, id) == 0)
            return 1;
    return 0;
}

/* A unique id from escaped heading text: ASCII letters and digits, dashes
 * between words; "section-N" when nothing is left. */
static char *heading_id(const struct toc *t, const char *text)
{
    struct kb_buf id = KB_BUF_INIT;
    int dash = 0;
    for (const char *p = text; *p && id.len < 60; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '&') { /* an entity: a word break */
            const char *semi = strchr(p, ';');
            if (semi && semi - p < 10)
                p = semi;
            dash = id.len > 0;
            continue;
        }
        if (isalnum(ch) && ch < 0x80) {
            if (dash)
                kb_buf_addc(&id, '-');
            kb_buf_addc(&id, (char)tolower(ch));
            dash = 0;
        } else {
            dash = id.len > 0;
        }
    }
    if (id.len == 0)
        kb_buf_printf(&id, "section-%zu", t->n + 1);
    size_t base = id.len;
    for (int k = 2; toc_has_id(t, kb_buf_str(&id)); k++) {
        id.len = base;
        id.data[base] = '\0';
        kb_buf_printf(&id, "-%d", k);
    }
    return kb_buf_detach(&id);
}

/* Finds "</hN" (any case) in s; NULL when absent. */
static const char *find_close(const char *s, int level)
{
    for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<'))
        if (p[1] == '/' && (p[2] == 'h' || p[2] == 'H') && p[3] == '0' + level)
            return p;
    return NULL;
}

/* Copies the article's sanitised HTML into out, giving every h2 and h3 an id
 * (kept when it has one) and collecting them into t. When the body starts
 * with an h1 equal to the title (shown by the page already) it is dropped.
 * The sanitiser escapes '<' and '>' in text and attribute values, so a '<'
 * always starts a tag. */
static void body_with_ids(struct kb_buf *out, const char *html, const char *title,
                          struct toc *t)
{
    const char *p = html + strspn(html, " \t\r\n");
    if ((p[0] == '<') && (p[1] == 'h' || p[1] == 'H') && p[2] == '1' &&
        (p[3] == '>' || p[3] == ' ')) {
        const char *gt = strchr(p, '>'), *close = gt ? find_close(gt, 1) : NULL;
        const char *after = close ? strchr(close, '>') : NULL;
        if (after) {
            struct kb_buf h = KB_BUF_INIT, esc = KB_BUF_INIT;
            strip_tags(&h, gt + 1, (size_t)(close - gt - 1));
            tpl_esc(&esc, title);
            if (strcmp(kb_buf_str(&h), kb_buf_str(&esc)) == 0)
                html = after + 1;
            kb_buf_release(&h);
            kb_buf_release(&esc);
        }
    }
    p = html;
    const char *lt;
    while ((lt = strchr(p, '<')) != NULL) {
        int level = (lt[1] == 'h' || lt[1] == 'H') && (lt[2] == '2' || lt[2] == '3') &&
                            (lt[3] == '>' || lt[3] == ' ' || lt[3] == '\t' || lt[3] == '\n')
                        ? lt[2] - '0'
                        : 0;
        const char *gt = level ? strchr(lt, '>') : NULL;
        const char *close = gt ? find_close(gt, level) : NULL;
        if (!close) {
            kb_buf_add(out, p, (size_t)(lt + 1 - p));
            p = lt + 1;
            continue;
        }
        struct kb_buf text = KB_BUF_INIT;
        strip_tags(&text, gt + 1, (size_t)(close - gt - 1));
        char *id = NULL;
        /* An id the heading already has (the sanitiser may keep one later). */
        for (const char *a = lt + 3; a + 4 < gt; a++) {
            if (strncmp(a, " id=\"", 5) == 0) {
                const char *q = strchr(a + 5, '"');
                if (q && q < gt)
                    id = kb_xstrndup(a + 5, (size_t)(q - a - 5));
                break;
            }
        }
        kb_buf_add(out, p, (size_t)(lt - p));
        if (id) {
            kb_buf_add(out, lt, (size_t)(gt + 1 - lt));
        } else {
            id = heading_id(t, kb_buf_str(&text));
            kb_buf_printf(out, "<h%d id=\"%s\"", level, id);
            kb_buf_add(out, lt + 3, (size_t)(gt + 1 - (lt + 3)));
        }
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 16;
            t->v = kb_xrealloc(t->v, t->cap * sizeof *t->v);
        }
        t->v[t->n].level = level;
        t->v[t->n].id = id;
        t->v[t->n].text = kb_buf_detach(&text);
        t->n++;
        p = gt + 1;
    }
    kb_buf_adds(out, p);
}

static void toc_render(struct kb_buf *b, const struct toc *t)
{
    kb_buf_adds(b, "<nav class=\"toc\" aria-labelledby=\"toc-h\">\n"
                   "<h2 id=\"toc-h\">On this page</h2>\n<ol>\n");
    int open_li = 0, open_sub = 0, under_h2 = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct heading *h = &t->v[i];
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

static void toc_release(struct toc *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].id);
        free(t->v[i].text);
    }
    free(t->v);
}

/* Appends d's body: the stored sanitised HTML with heading ids, or the plain
 * text as escaped paragraphs when there is no HTML. */
void page_article_body(struct kb_buf *b, const struct kb_doc *d)
{
    struct toc t = {NULL, 0, 0};
    struct kb_buf body = KB_BUF_INIT;
    if (d->html && *d->html) {
        body_with_ids(&body, d->html, d->title, &t);
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
    toc_release(&t);
}
