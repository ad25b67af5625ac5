/* Headings and their ids from sanitised article HTML (see toc.h); moved
 * from the server's article page. */
#include "kb/ingest/toc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/err.h"

void kb_toc_init(struct kb_toc *t)
{
    t->v = NULL;
    t->n = t->cap = 0;
}

void kb_toc_release(struct kb_toc *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].id);
        free(t->v[i].text);
    }
    free(t->v);
    kb_toc_init(t);
}

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

static int has_id(const struct kb_toc *t, const char *const *reserved, const char *id)
{
    for (const char *const *r = reserved; r && *r; r++)
        if (strcmp(*r, id) == 0)
            return 1;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].id, id) == 0)
            return 1;
    return 0;
}

/* A unique id from escaped heading text: ASCII letters and digits, dashes
 * between words; "section-N" when nothing is left. */
static char *heading_id(const struct kb_toc *t, const char *const *reserved, const char *text)
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
    for (int k = 2; has_id(t, reserved, kb_buf_str(&id)); k++) {
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

/* html past a leading h1 whose text is title (escaped), else html. */
static const char *skip_title(const char *html, const char *title)
{
    const char *p = html + strspn(html, " \t\r\n");
    if (!title || p[0] != '<' || (p[1] != 'h' && p[1] != 'H') || p[2] != '1' ||
        (p[3] != '>' && p[3] != ' '))
        return html;
    const char *gt = strchr(p, '>'), *close = gt ? find_close(gt, 1) : NULL;
    const char *after = close ? strchr(close, '>') : NULL;
    if (!after)
        return html;
    struct kb_buf h = KB_BUF_INIT, esc = KB_BUF_INIT;
    strip_tags(&h, gt + 1, (size_t)(close - gt - 1));
    kb_buf_add_html(&esc, title, strlen(title));
    if (strcmp(kb_buf_str(&h), kb_buf_str(&esc)) == 0)
        html = after + 1;
    kb_buf_release(&h);
    kb_buf_release(&esc);
    return html;
}

static void add_heading(struct kb_toc *t, int level, char *id, char *text)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->v = kb_xrealloc(t->v, t->cap * sizeof *t->v);
    }
    t->v[t->n].level = level;
    t->v[t->n].id = id;
    t->v[t->n].text = text;
    t->n++;
}

void kb_toc_add_ids(struct kb_toc *t, struct kb_buf *out, const char *html, const char *title,
                    const char *const *reserved)
{
    const char *p = skip_title(html, title);
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
            id = heading_id(t, reserved, kb_buf_str(&text));
            kb_buf_printf(out, "<h%d id=\"%s\"", level, id);
            kb_buf_add(out, lt + 3, (size_t)(gt + 1 - (lt + 3)));
        }
        add_heading(t, level, id, kb_buf_detach(&text));
        p = gt + 1;
    }
    kb_buf_adds(out, p);
}
