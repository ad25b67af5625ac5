/* Markdown: the "---" front matter (a YAML subset) and GFM rendering with
 * cmark-gfm (tables, strikethrough, autolinks), sanitised like any HTML. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "kb/base/buf.h"
#include "kb/base/err.h"
#include "kb/ingest/ingest.h"
#include "kb/ingest/ingest_int.h"

/* ---- rendering ---- */

static pthread_once_t ext_once = PTHREAD_ONCE_INIT;

static void ext_init(void)
{
    cmark_gfm_core_extensions_ensure_registered();
}

char *kb_in_markdown_render(const char *md, size_t len)
{
    static const char *const exts[] = {"table", "strikethrough", "autolink", "tasklist"};
    int opts = CMARK_OPT_UNSAFE | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_FOOTNOTES;
    pthread_once(&ext_once, ext_init);
    cmark_parser *p = cmark_parser_new(opts);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);
        if (e)
            cmark_parser_attach_syntax_extension(p, e);
    }
    cmark_parser_feed(p, md, len);
    cmark_node *doc = cmark_parser_finish(p);
    char *html = cmark_render_html(doc, opts, cmark_parser_get_syntax_extensions(p));
    char *copy = kb_xstrdup(html ? html : "");
    if (html)
        cmark_get_default_mem_allocator()->free(html);
    cmark_node_free(doc);
    cmark_parser_free(p);
    return copy;
}

char *kb_markdown_html_report(const char *md, size_t len, struct kb_san_report *rep)
{
    char *raw = kb_in_markdown_render(md ? md : "", md ? len : 0);
    char *clean = kb_html_sanitize_report(raw, strlen(raw), rep);
    free(raw);
    return clean;
}

char *kb_markdown_html(const char *md, size_t len)
{
    return kb_markdown_html_report(md, len, NULL);
}

/* ---- front matter ---- */

static int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The value without quotes (YAML "..." with \ escapes, '...' with ''). */
static char *unquote(const char *s, size_t n)
{
    while (n && is_blank((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && is_blank((unsigned char)s[n - 1]))
        n--;
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_add(&b, "", 0);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        for (size_t i = 1; i + 1 < n; i++) {
            char ch = s[i];
            if (ch == '\\' && i + 2 < n) {
                ch = s[++i];
                if (ch == 'n')
                    ch = '\n';
                else if (ch == 't')
                    ch = '\t';
            }
            kb_buf_addc(&b, ch);
        }
    } else if (n >= 2 && s[0] == '\'' && s[n - 1] == '\'') {
        for (size_t i = 1; i + 1 < n; i++) {
            kb_buf_addc(&b, s[i]);
            if (s[i] == '\'' && i + 2 < n && s[i + 1] == '\'')
                i++;
        }
    } else {
        kb_buf_add(&b, s, n);
    }
    return kb_buf_detach(&b);
}

/* Adds the tags of "[a, b]" or "a, b". */
static void add_tags(struct kb_doc *d, const char *v)
{
    size_t n = strlen(v);
    while (n && is_blank((unsigned char)*v)) {
        v++;
        n--;
    }
    while (n && is_blank((unsigned char)v[n - 1]))
        n--;
    if (n >= 2 && v[0] == '[' && v[n - 1] == ']') {
        v++;
        n -= 2;
    }
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        char q = 0;
        while (j < n && (q || v[j] != ',')) {
            if (q && v[j] == q)
                q = 0;
            else if (!q && (v[j] == '"' || v[j] == '\'') && (j == i || is_blank((unsigned char)v[j - 1])))
                q = v[j];
            j++;
        }
        char *t = unquote(v + i, j - i);
        char *c = kb_in_collapse(t, strlen(t));
        kb_doc_add_tag(d, c);
        free(c);
        free(t);
        i = j + 1;
    }
}

static int is_key(const char *k, const char *list)
{
    size_t n = strlen(k);
    for (const char *p = list; *p;) {
        size_t m = strcspn(p, "|");
        if (m == n && strncmp(p, k, n) == 0)
            return 1;
        p += m;
        if (*p)
            p++;
    }
    return 0;
}

/* Applies key = raw value (already unquoted unless a list). Returns 0 or -1
 * with why filled. */
static int apply(struct kb_doc *d, const char *key, const char *raw, char *why, size_t whysz)
{
    char *v = kb_in_collapse(raw, strlen(raw));
    int rc = 0;
    if (is_key(key, "tags|keywords|labels")) {
        add_tags(d, raw);
    } else if (!*v) {
        /* an empty value sets nothing */
    } else if (strcmp(key, "title") == 0) {
        kb_doc_set(&d->title, v);
    } else if (strcmp(key, "category") == 0) {
        if (d->category_parent && !*d->category_parent)
            kb_doc_set(&d->category_parent, v); /* the section came first */
        else
            kb_doc_set(&d->category, v);
    } else if (strcmp(key, "section") == 0) {
        /* two levels as Zendesk has: the article's topic is the section,
         * under the category ("" until a later category key names it) */
        kb_doc_set(&d->category_parent, d->category ? d->category : "");
        kb_doc_set(&d->category, v);
    } else if (strcmp(key, "product") == 0) {
        kb_doc_set(&d->product, v);
    } else if (is_key(key, "summary|description")) {
        if (!d->summary || strcmp(key, "summary") == 0)
            kb_doc_set(&d->summary, v);
    } else if (strcmp(key, "audience") == 0) {
        for (char *p = v; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        int a = kb_audience_parse(v);
        if (a < 0) {
            snprintf(why, whysz, "'audience' must be public or internal, not '%.40s'", v);
            rc = -1;
        } else {
            d->audience = a;
        }
    } else if (strcmp(key, "status") == 0) {
        for (char *p = v; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        int s = kb_status_parse(v);
        if (s < 0) {
            snprintf(why, whysz, "'status' must be published or draft, not '%.40s'", v);
            rc = -1;
        } else {
            d->status = s;
        }
    } else if (strcmp(key, "draft") == 0) {
        if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0)
            d->status = KB_STATUS_DRAFT;
    } else if (is_key(key, "locale|lang|language")) {
        char *loc = kb_in_locale(v);
        if (!loc) {
            snprintf(why, whysz, "'%s' is not a locale: '%.40s'", key, v);
            rc = -1;
        } else {
            free(d->locale);
            d->locale = loc;
        }
    } else if (is_key(key, "date|created|updated|modified|lastmod")) {
        int64_t t;
        if (kb_time_parse(v, &t) != 0) {
            snprintf(why, whysz, "'%s' is not a date: '%.40s'", key, v);
            rc = -1;
        } else if (is_key(key, "date|created")) {
            d->created = t;
            if (!d->updated)
                d->updated = t;
        } else {
            d->updated = t;
        }
    }
    free(v);
    return rc;
}

enum { M_NONE, M_PLAIN, M_LITERAL, M_FOLDED };

int kb_in_front_matter(struct kb_in_ctx *c, const char *data, size_t len,
                       struct kb_doc *d, size_t *body)
{
    char why[256], key[32] = "";
    struct kb_buf val = KB_BUF_INIT;
    int mode = M_NONE, rc = 0;
    size_t key_line = 0;
    *body = 0;
    if (len < 4 || memcmp(data, "---", 3) != 0)
        return 0;
    size_t i = 3;
    while (i < len && is_blank((unsigned char)data[i]))
        i++;
    if (i >= len || data[i] != '\n')
        return 0;
    i++;
    /* find the closing line first: without one there is no front matter */
    size_t end = 0, after = 0;
    for (size_t p = i; p < len;) {
        size_t e = p;
        while (e < len && data[e] != '\n')
            e++;
        size_t t = e;
        while (t > p && is_blank((unsigned char)data[t - 1]))
            t--;
        if (t - p == 3 && (memcmp(data + p, "---", 3) == 0 || memcmp(data + p, "...", 3) == 0)) {
            end = p;
            after = e < len ? e + 1 : e;
            break;
        }
        p = e + 1;
    }
    if (!end)
        return 0;
    kb_buf_add(&val, "", 0);
    size_t line = 2;
    for (size_t p = i; p <= end; line++) {
        size_t e = p;
        while (e < end && data[e] != '\n')
            e++;
        int at_end = p >= end;
        const char *l = data + p;
        size_t ll = at_end ? 0 : e - p;
        while (ll && is_blank((unsigned char)l[ll - 1]))
            ll--;
        size_t ind = 0;
        while (ind < ll && (l[ind] == ' ' || l[ind] == '\t'))
            ind++;
        p = e + 1;
        if (!at_end && ind == ll) { /* blank */
            if (mode == M_LITERAL || mode == M_FOLDED)
                kb_buf_addc(&val, '\n');
            continue;
        }
        if (!at_end && l[ind] == '#' && mode != M_LITERAL && mode != M_FOLDED)
            continue;
        if (!at_end && *key && mode == M_NONE && l[ind] == '-' && (ind + 1 == ll || l[ind + 1] == ' ')) {
            /* a list item of the current key */
            if (is_key(key, "tags|keywords|labels")) {
                char *t = unquote(l + ind + 1, ll - ind - 1);
                char *cl = kb_in_collapse(t, strlen(t));
                kb_doc_add_tag(d, cl);
                free(cl);
                free(t);
            }
            continue;
        }
        if (!at_end && ind > 0 && *key) {
            if (mode == M_NONE)
                mode = M_PLAIN;
            if (val.len)
                kb_buf_addc(&val, mode == M_LITERAL ? '\n' : ' ');
            kb_buf_add(&val, l + ind, ll - ind);
            continue;
        }
        /* a new key (or the end): finish the current one */
        if (*key) {
            char *v = mode == M_PLAIN ? unquote(val.data, val.len) : kb_xstrdup(val.data);
            int bad = apply(d, key, v, why, sizeof why);
            free(v);
            if (bad) {
                kb_in_bad(c, key_line, "front matter: %s", why);
                rc = KB_EINVAL;
                goto out;
            }
        }
        key[0] = '\0';
        kb_buf_reset(&val);
        mode = M_NONE;
        if (at_end)
            break;
        const char *colon = memchr(l, ':', ll);
        size_t kn = colon ? (size_t)(colon - l) : 0;
        int ok = colon && ind == 0 && kn > 0 && kn < sizeof key;
        for (size_t k = 0; ok && k < kn; k++)
            if (!isalnum((unsigned char)l[k]) && l[k] != '_' && l[k] != '-')
                ok = 0;
        if (!ok) {
            kb_in_bad(c, line, "front matter line is not 'key: value'");
            rc = KB_EINVAL;
            goto out;
        }
        for (size_t k = 0; k < kn; k++)
            key[k] = (char)tolower((unsigned char)l[k]);
        key[kn] = '\0';
        key_line = line;
        const char *v = colon + 1;
        size_t vn = (size_t)(l + ll - v);
        while (vn && is_blank((unsigned char)*v)) {
            v++;
            vn--;
        }
        if (vn && (*v == '|' || *v == '>') && (vn == 1 || v[1] == '-' || v[1] == '+')) {
            mode = *v == '|' ? M_LITERAL : M_FOLDED;
        } else if (vn) {
            mode = M_PLAIN;
            /* a trailing " # comment" on an unquoted value */
            if (*v != '"' && *v != '\'') {
                for (size_t k = 1; k < vn; k++)
                    if (v[k] == '#' && is_blank((unsigned char)v[k - 1])) {
                        vn = k;
                        break;
                    }
            }
            kb_buf_add(&val, v, vn);
        }
    }
    *body = after;
out:
    kb_buf_release(&val);
    return rc;
}

/* ---- Markdown files ---- */

int kb_in_markdown(struct kb_in_ctx *c, const char *data, size_t len)
{
    struct kb_doc d;
    struct kb_in_frag f;
    size_t body = 0;
    int rc = 0;
    char *raw = NULL;
    memset(&f, 0, sizeof f);
    kb_in_article_init(c, &d);
    if (kb_in_front_matter(c, data, len, &d, &body) != 0) {
        rc = KB_EINVAL;
        goto out;
    }
    raw = kb_in_markdown_render(data + body, len - body);
    kb_in_html_fragment(raw, strlen(raw), &f);
    if (!*f.text) {
        kb_in_bad(c, 0, "no text");
        rc = KB_EFORMAT;
        goto out;
    }
    if (!d.title && f.h1 && *f.h1)
        d.title = kb_xstrdup(f.h1);
    if (!d.title && f.heading && *f.heading)
        d.title = kb_xstrdup(f.heading);
    if (!d.title)
        d.title = kb_in_first_line(f.text, 120);
    d.html = f.html;
    d.text = f.text;
    f.html = f.text = NULL;
    d.source = kb_xstrndup(data + body, len - body);
    d.format = KB_FMT_MARKDOWN;
    rc = kb_in_emit(c, &d);
out:
    free(raw);
    kb_in_frag_release(&f);
    kb_doc_release(&d);
    return rc;
}
