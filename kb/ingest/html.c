/* HTML with libxml2: the allowlist sanitiser, plain text of HTML, HTML
 * files into kb_doc (title, description, main content), and the text and
 * HTML builders the other parsers share. xmlChar strings never leave this
 * file. */
#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "kb/base/buf.h"
#include "kb/base/err.h"
#include "kb/base/text.h"
#include "kb/ingest/ingest.h"
#include "kb/ingest/ingest_int.h"

#define MAX_DEPTH 400

enum { T_DROP = 1, T_KEEP, T_MAP, T_DIV, T_UNWRAP };
enum { F_VOID = 1, F_DOCDROP = 2, F_PRE = 4, F_HEADING = 8 };

struct tag {
    const char *name;
    unsigned char act;
    unsigned char brk;   /* text break before and after */
    unsigned char flags;
    const char *out;     /* output name for T_MAP */
};

/* Sorted by name for bsearch. */
static const struct tag tags[] = {
    {"a", T_KEEP, 0, 0, NULL},
    {"abbr", T_UNWRAP, 0, 0, NULL},
    {"address", T_DIV, KB_TB_PARA, 0, NULL},
    {"applet", T_DROP, 0, 0, NULL},
    {"area", T_DROP, 0, 0, NULL},
    {"article", T_DIV, KB_TB_PARA, 0, NULL},
    {"aside", T_DIV, KB_TB_PARA, F_DOCDROP, NULL},
    {"audio", T_DROP, 0, 0, NULL},
    {"b", T_KEEP, 0, 0, NULL},
    {"base", T_DROP, 0, 0, NULL},
    {"big", T_UNWRAP, 0, 0, NULL},
    {"blockquote", T_KEEP, KB_TB_PARA, 0, NULL},
    {"body", T_UNWRAP, KB_TB_PARA, 0, NULL},
    {"br", T_KEEP, KB_TB_LINE, F_VOID, NULL},
    {"button", T_DROP, 0, 0, NULL},
    {"canvas", T_DROP, 0, 0, NULL},
    {"caption", T_UNWRAP, KB_TB_LINE, 0, NULL},
    {"center", T_DIV, KB_TB_PARA, 0, NULL},
    {"cite", T_MAP, 0, 0, "em"},
    {"code", T_KEEP, 0, 0, NULL},
    {"col", T_DROP, 0, 0, NULL},
    {"colgroup", T_DROP, 0, 0, NULL},
    {"dd", T_KEEP, KB_TB_LINE, 0, NULL},
    {"del", T_KEEP, 0, 0, NULL},
    {"details", T_DIV, KB_TB_PARA, 0, NULL},
    {"dfn", T_MAP, 0, 0, "em"},
    {"dialog", T_DROP, 0, 0, NULL},
    {"dir", T_MAP, KB_TB_PARA, 0, "ul"},
    {"div", T_KEEP, KB_TB_PARA, 0, NULL},
    {"dl", T_KEEP, KB_TB_PARA, 0, NULL},
    {"dt", T_KEEP, KB_TB_LINE, 0, NULL},
    {"em", T_KEEP, 0, 0, NULL},
    {"embed", T_DROP, 0, 0, NULL},
    {"fieldset", T_DIV, KB_TB_PARA, 0, NULL},
    {"figcaption", T_DIV, KB_TB_LINE, 0, NULL},
    {"figure", T_DIV, KB_TB_PARA, 0, NULL},
    {"font", T_UNWRAP, 0, 0, NULL},
    {"footer", T_DIV, KB_TB_PARA, F_DOCDROP, NULL},
    {"form", T_DROP, 0, 0, NULL},
    {"frame", T_DROP, 0, 0, NULL},
    {"frameset", T_DROP, 0, 0, NULL},
    {"h1", T_KEEP, KB_TB_PARA, F_HEADING, NULL},
    {"h2", T_KEEP, KB_TB_PARA, F_HEADING, NULL},
    {"h3", T_KEEP, KB_TB_PARA, F_HEADING, NULL},
    {"h4", T_KEEP, KB_TB_PARA, F_HEADING, NULL},
    {"h5", T_KEEP, KB_TB_PARA, F_HEADING, NULL},
    {"h6", T_KEEP, KB_TB_PARA, F_HEADING, NULL},
    {"head", T_DROP, 0, 0, NULL},
    {"header", T_DIV, KB_TB_PARA, F_DOCDROP, NULL},
    {"hr", T_KEEP, KB_TB_PARA, F_VOID, NULL},
    {"html", T_UNWRAP, 0, 0, NULL},
    {"i", T_KEEP, 0, 0, NULL},
    {"iframe", T_DROP, 0, 0, NULL},
    {"img", T_KEEP, 0, F_VOID, NULL},
    {"input", T_DROP, 0, 0, NULL},
    {"ins", T_UNWRAP, 0, 0, NULL},
    {"kbd", T_KEEP, 0, 0, NULL},
    {"keygen", T_DROP, 0, 0, NULL},
    {"label", T_UNWRAP, 0, 0, NULL},
    {"legend", T_UNWRAP, KB_TB_LINE, 0, NULL},
    {"li", T_KEEP, KB_TB_LINE, 0, NULL},
    {"link", T_DROP, 0, 0, NULL},
    {"listing", T_MAP, KB_TB_PARA, F_PRE, "pre"},
    {"main", T_DIV, KB_TB_PARA, 0, NULL},
    {"map", T_DROP, 0, 0, NULL},
    {"mark", T_UNWRAP, 0, 0, NULL},
    {"math", T_DROP, 0, 0, NULL},
    {"menu", T_MAP, KB_TB_PARA, 0, "ul"},
    {"meta", T_DROP, 0, 0, NULL},
    {"nav", T_DIV, KB_TB_PARA, F_DOCDROP, NULL},
    {"noembed", T_DROP, 0, 0, NULL},
    {"noframes", T_DROP, 0, 0, NULL},
    {"noscript", T_DROP, 0, 0, NULL},
    {"object", T_DROP, 0, 0, NULL},
    {"ol", T_KEEP, KB_TB_PARA, 0, NULL},
    {"optgroup", T_DROP, 0, 0, NULL},
    {"option", T_DROP, 0, 0, NULL},
    {"p", T_KEEP, KB_TB_PARA, 0, NULL},
    {"param", T_DROP, 0, 0, NULL},
    {"plaintext", T_MAP, KB_TB_PARA, F_PRE, "pre"},
    {"pre", T_KEEP, KB_TB_PARA, F_PRE, NULL},
    {"q", T_UNWRAP, 0, 0, NULL},
    {"rp", T_DROP, 0, 0, NULL},
    {"s", T_KEEP, 0, 0, NULL},
    {"samp", T_MAP, 0, 0, "code"},
    {"script", T_DROP, 0, 0, NULL},
    {"section", T_DIV, KB_TB_PARA, 0, NULL},
    {"select", T_DROP, 0, 0, NULL},
    {"source", T_DROP, 0, 0, NULL},
    {"span", T_KEEP, 0, 0, NULL},
    {"strike", T_MAP, 0, 0, "s"},
    {"strong", T_KEEP, 0, 0, NULL},
    {"style", T_DROP, 0, 0, NULL},
    {"sub", T_KEEP, 0, 0, NULL},
    {"summary", T_DIV, KB_TB_LINE, 0, NULL},
    {"sup", T_KEEP, 0, 0, NULL},
    {"svg", T_DROP, 0, 0, NULL},
    {"table", T_KEEP, KB_TB_PARA, 0, NULL},
    {"tbody", T_KEEP, 0, 0, NULL},
    {"td", T_KEEP, KB_TB_SPACE, 0, NULL},
    {"template", T_DROP, 0, 0, NULL},
    {"textarea", T_DROP, 0, 0, NULL},
    {"tfoot", T_MAP, 0, 0, "tbody"},
    {"th", T_KEEP, KB_TB_SPACE, 0, NULL},
    {"thead", T_KEEP, 0, 0, NULL},
    {"title", T_DROP, 0, 0, NULL},
    {"tr", T_KEEP, KB_TB_LINE, 0, NULL},
    {"track", T_DROP, 0, 0, NULL},
    {"tt", T_MAP, 0, 0, "code"},
    {"u", T_KEEP, 0, 0, NULL},
    {"ul", T_KEEP, KB_TB_PARA, 0, NULL},
    {"var", T_MAP, 0, 0, "em"},
    {"video", T_DROP, 0, 0, NULL},
    {"wbr", T_DROP, 0, 0, NULL},
    {"xmp", T_MAP, KB_TB_PARA, F_PRE, "pre"},
};

static int cmp_tag(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const struct tag *)elem)->name);
}

static const struct tag *find_tag(const xmlChar *name)
{
    char low[16];
    size_t n = 0;
    if (!name)
        return NULL;
    for (; name[n]; n++) {
        if (n == sizeof low - 1)
            return NULL;
        low[n] = (char)tolower(name[n]);
    }
    low[n] = '\0';
    return bsearch(low, tags, sizeof tags / sizeof tags[0], sizeof tags[0], cmp_tag);
}

static int name_is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->name &&
           strcasecmp((const char *)n->name, name) == 0;
}

/* A copy of attribute name of n, or NULL. */
static char *attr(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    if (!v)
        return NULL;
    char *s = kb_xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

static int all_digits(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int kb_in_url_ok(const char *url, int allow_mailto)
{
    char scheme[12];
    size_t k = 0;
    int overflow = 0;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (*p <= 0x20 || *p == 0x7F)
            continue;
        if (*p == '/' || *p == '?' || *p == '#')
            return 1; /* relative or fragment */
        if (*p == '&')
            return 0; /* an entity left undecoded before any path: refuse */
        if (*p == ':') {
            if (overflow)
                return 0;
            scheme[k] = '\0';
            if (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)
                return 1;
            return allow_mailto && strcmp(scheme, "mailto") == 0;
        }
        if (k < sizeof scheme - 1)
            scheme[k++] = (char)tolower(*p);
        else
            overflow = 1;
    }
    return 1; /* no scheme: relative */
}

static void add_attr(struct kb_buf *b, const char *name, const char *v)
{
    kb_buf_printf(b, " %s=\"", name);
    kb_buf_add_html(b, v, strlen(v));
    kb_buf_addc(b, '"');
}

/* Copies v trimmed of surrounding white space; NULL stays NULL. */
static char *trimmed(char *v)
{
    if (!v)
        return NULL;
    char *s = v;
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    memmove(v, s, n);
    v[n] = '\0';
    return v;
}

/* Writes the allowed attributes of n; returns 0 if the element must go
 * (an image without an acceptable src). */
static int open_attrs(struct kb_buf *b, xmlNode *n, const char *out)
{
    char *v = NULL;
    int keep = 1;
    if (strcmp(out, "a") == 0) {
        v = trimmed(attr(n, "href"));
        if (v && kb_in_url_ok(v, 1))
            add_attr(b, "href", v);
        free(v);
        v = attr(n, "title");
        if (v)
            add_attr(b, "title", v);
    } else if (strcmp(out, "img") == 0) {
        v = trimmed(attr(n, "src"));
        if (!v || !*v || !kb_in_url_ok(v, 0)) {
            keep = 0;
            goto out;
        }
        add_attr(b, "src", v);
        static const char *const img_attrs[] = {"alt", "title", "width", "height"};
        for (size_t i = 0; i < 4; i++) {
            free(v);
            v = attr(n, img_attrs[i]);
            if (v && (i < 2 || all_digits(v, 5)))
                add_attr(b, img_attrs[i], v);
        }
    } else if (strcmp(out, "td") == 0 || strcmp(out, "th") == 0) {
        v = attr(n, "colspan");
        if (v && all_digits(v, 3))
            add_attr(b, "colspan", v);
        free(v);
        v = attr(n, "rowspan");
        if (v && all_digits(v, 3))
            add_attr(b, "rowspan", v);
    } else if (strcmp(out, "ol") == 0) {
        v = attr(n, "start");
        if (v && all_digits(v, 6))
            add_attr(b, "start", v);
    } else if (strcmp(out, "code") == 0) {
        v = attr(n, "class");
        if (v && strncmp(v, "language-", 9) == 0 && v[9]) {
            int ok = 1;
            for (const char *p = v + 9; *p; p++)
                if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '+')
                    ok = 0;
            if (ok)
                add_attr(b, "class", v);
        }
    }
out:
    free(v);
    return keep;
}

struct hw {
    struct kb_buf *html;   /* NULL: text only */
    struct kb_in_tb *tb;   /* NULL: HTML only */
    int doc_mode;          /* drop nav, header, footer, aside */
    int pre;
    char **h1, **heading;  /* filled with the first ones when not NULL */
    struct kb_san_report *rep; /* what was removed, or NULL */
};

/* ---- the report of what sanitising removed ---- */

static void rep_add(struct kb_san_report *r, const char *what)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->item[i].what, what) == 0) {
            r->item[i].count++;
            return;
        }
    if (r->n == KB_SAN_KINDS) {
        r->other++;
        return;
    }
    /* A name cut to fit may end inside a character: keep the valid bytes
     * only, so the entry is still text the editor can list. */
    char *dst = r->item[r->n].what;
    size_t k = 0, len = strlen(what);
    while (len > 0 && k < sizeof r->item[r->n].what - 1) {
        size_t bad = kb_utf8_check(what, len, 1);
        size_t good = bad == (size_t)-1 ? len : bad;
        if (good > sizeof r->item[r->n].what - 1 - k)
            good = sizeof r->item[r->n].what - 1 - k;
        memcpy(dst + k, what, good);
        k += good;
        if (bad == (size_t)-1 || good < bad)
            break;
        what += bad + 1;
        len -= bad + 1;
    }
    dst[k] = '\0';
    r->item[r->n++].count = 1;
}

/* Attributes whose loss changes nothing a reader sees (Markdown's own
 * alignment, ids and classes among them): not reported. */
static int harmless_attr(const char *name)
{
    static const char *const names[] = {
        "abbr", "align", "border", "cellpadding", "cellspacing", "checked", "class", "colspan",
        "dir", "disabled", "headers", "height", "id", "lang", "name", "rel", "role", "rowspan",
        "scope", "start", "summary", "target", "type", "valign", "width", NULL,
    };
    if (strncasecmp(name, "data-", 5) == 0 || strncasecmp(name, "aria-", 5) == 0)
        return 1;
    for (size_t i = 0; names[i]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* Reports the attributes of n that the element written at tag (NULL: not
 * written) lost. */
static void rep_attrs(struct kb_san_report *r, xmlNode *n, const char *tag)
{
    for (xmlAttr *a = n->properties; a; a = a->next) {
        const char *name = (const char *)a->name;
        if (!name || harmless_attr(name))
            continue;
        char low[32], key[40];
        size_t k = 0;
        for (; name[k] && k < sizeof low - 1; k++)
            low[k] = (char)tolower((unsigned char)name[k]);
        low[k] = '\0';
        snprintf(key, sizeof key, " %s=\"", low);
        if (tag && strstr(tag, key))
            continue; /* kept */
        char what[48];
        char *v = (strcmp(low, "href") == 0 || strcmp(low, "src") == 0) ? attr(n, low) : NULL;
        if (v && !kb_in_url_ok(v, 1)) {
            char scheme[16];
            size_t m = 0;
            for (const char *p = v; *p && *p != ':' && m < sizeof scheme - 1; p++)
                if ((unsigned char)*p > 0x20)
                    scheme[m++] = (char)tolower((unsigned char)*p);
            scheme[m] = '\0';
            snprintf(what, sizeof what, "%s: URL", scheme);
        } else {
            snprintf(what, sizeof what, "%s attribute", low);
        }
        free(v);
        rep_add(r, what);
    }
}

/* Reports dropped element n (an implied <head> stands for what the parser
 * moved into it). */
static void rep_drop(struct kb_san_report *r, xmlNode *n)
{
    char what[48];
    if (name_is(n, "head")) {
        for (xmlNode *k = n->children; k; k = k->next)
            if (k->type == XML_ELEMENT_NODE)
                rep_drop(r, k);
        return;
    }
    snprintf(what, sizeof what, "<%.30s> element", (const char *)n->name);
    for (char *p = what; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    rep_add(r, what);
}

void kb_san_report_text(const struct kb_san_report *rep, struct kb_buf *out)
{
    kb_buf_add(out, "", 0);
    for (size_t i = 0; rep && i < rep->n; i++)
        kb_buf_printf(out, "%s%s (%u)", i ? ", " : "", rep->item[i].what, rep->item[i].count);
    if (rep && rep->other)
        kb_buf_printf(out, ", and %u more", rep->other);
}

static void walk(struct hw *w, xmlNode *n, int depth);

static void walk_children(struct hw *w, xmlNode *n, int depth)
{
    for (xmlNode *k = n->children; k; k = k->next)
        walk(w, k, depth + 1);
}

/* The collapsed plain text of a subtree (caller frees). */
static char *node_text(xmlNode *n)
{
    struct kb_in_tb tb = {KB_BUF_INIT, 0, 0};
    struct hw w = {NULL, &tb, 0, 0, NULL, NULL, NULL};
    walk_children(&w, n, 0);
    char *t = kb_in_tb_detach(&tb);
    char *c = kb_in_collapse(t, strlen(t));
    free(t);
    return c;
}

static void walk(struct hw *w, xmlNode *n, int depth)
{
    if (depth > MAX_DEPTH)
        return;
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        const char *s = (const char *)n->content;
        size_t len = s ? strlen(s) : 0;
        if (w->tb)
            kb_in_tb_text(w->tb, s, len);
        if (w->html)
            kb_buf_add_html(w->html, s, len);
        return;
    }
    if (n->type != XML_ELEMENT_NODE)
        return;
    const struct tag *t = find_tag(n->name);
    int act = t ? t->act : T_UNWRAP;
    if (act == T_DROP || (w->doc_mode && t && (t->flags & F_DOCDROP))) {
        if (w->rep && act == T_DROP)
            rep_drop(w->rep, n);
        return;
    }
    if (t && (t->flags & F_HEADING)) {
        if (w->h1 && !*w->h1 && t->name[1] == '1')
            *w->h1 = node_text(n);
        if (w->heading && !*w->heading)
            *w->heading = node_text(n);
    }
    const char *out = NULL;
    if (act == T_KEEP)
        out = t->name;
    else if (act == T_MAP)
        out = t->out;
    else if (act == T_DIV)
        out = "div";
    if (w->tb && t && t->brk)
        kb_in_tb_break(w->tb, t->brk);
    if (out && w->html) {
        size_t mark = w->html->len;
        kb_buf_printf(w->html, "<%s", out);
        if (act == T_KEEP && !open_attrs(w->html, n, out)) {
            w->html->len = mark;
            w->html->data[mark] = '\0';
            if (w->rep)
                rep_drop(w->rep, n);
            return;
        }
        if (w->rep)
            rep_attrs(w->rep, n, w->html->data + mark);
        kb_buf_adds(w->html, t->flags & F_VOID ? "/>" : ">");
    } else if (w->rep) {
        rep_attrs(w->rep, n, NULL);
    }
    if (!(t && (t->flags & F_VOID))) {
        int pre = w->pre;
        if (t && (t->flags & F_PRE)) {
            w->pre = 1;
            if (w->tb)
                w->tb->pre = 1;
        }
        walk_children(w, n, depth);
        w->pre = pre;
        if (w->tb)
            w->tb->pre = pre;
        if (out && w->html)
            kb_buf_printf(w->html, "</%s>", out);
    }
    if (w->tb && t && t->brk)
        kb_in_tb_break(w->tb, t->brk);
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

void kb_in_xml_init(void)
{
    pthread_once(&xml_once, xml_init);
}

#define HTML_OPTS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | \
                   HTML_PARSE_NONET | HTML_PARSE_COMPACT)

static htmlDocPtr parse_html(const char *s, size_t len, const char *encoding)
{
    kb_in_xml_init();
    if (len == 0 || len > INT_MAX)
        return NULL;
    return htmlReadMemory(s, (int)len, NULL, encoding, HTML_OPTS);
}

/* Parses a fragment (invalid UTF-8 replaced) and walks it into w. */
static void fragment(const char *html, size_t len, struct hw *w)
{
    char *fixed = NULL;
    if (kb_utf8_check(html, len, 1) != (size_t)-1) {
        fixed = kb_utf8_fix(html, len);
        html = fixed;
        len = strlen(fixed);
    }
    htmlDocPtr doc = parse_html(html, len, "UTF-8");
    if (doc) {
        for (xmlNode *k = doc->children; k; k = k->next)
            walk(w, k, 0);
        xmlFreeDoc(doc);
    }
    free(fixed);
}

char *kb_html_sanitize_report(const char *html, size_t len, struct kb_san_report *rep)
{
    struct kb_buf b = KB_BUF_INIT;
    struct hw w = {&b, NULL, 0, 0, NULL, NULL, rep};
    if (rep)
        memset(rep, 0, sizeof *rep);
    kb_buf_add(&b, "", 0);
    if (html)
        fragment(html, len, &w);
    return kb_buf_detach(&b);
}

char *kb_html_sanitize(const char *html, size_t len)
{
    return kb_html_sanitize_report(html, len, NULL);
}

char *kb_html_text(const char *html, size_t len)
{
    struct kb_in_tb tb = {KB_BUF_INIT, 0, 0};
    struct hw w = {NULL, &tb, 0, 0, NULL, NULL, NULL};
    if (html)
        fragment(html, len, &w);
    return kb_in_tb_detach(&tb);
}

void kb_in_html_fragment(const char *html, size_t len, struct kb_in_frag *out)
{
    struct kb_buf b = KB_BUF_INIT;
    struct kb_in_tb tb = {KB_BUF_INIT, 0, 0};
    memset(out, 0, sizeof *out);
    struct hw w = {&b, &tb, 0, 0, &out->h1, &out->heading, NULL};
    kb_buf_add(&b, "", 0);
    if (html)
        fragment(html, len, &w);
    out->html = kb_buf_detach(&b);
    out->text = kb_in_tb_detach(&tb);
}

void kb_in_frag_release(struct kb_in_frag *f)
{
    free(f->html);
    free(f->text);
    free(f->h1);
    free(f->heading);
    memset(f, 0, sizeof *f);
}

int kb_in_looks_html(const char *s, size_t len)
{
    static const char *const known[] = {
        "p", "div", "span", "a", "br", "hr", "img", "ul", "ol", "li", "h1", "h2",
        "h3", "h4", "h5", "h6", "table", "tr", "td", "th", "strong", "em", "b", "i",
        "u", "code", "pre", "blockquote", "html", "body", "head", "section",
        "article", "dl", "dt", "dd", "iframe", "script", "style", "sup", "sub",
        "kbd", "main", "nav", "header", "footer", "figure", "thead", "tbody", "del",
        "font", "center", "small", "title", "meta", "link", "form", "input", "s",
    };
    for (const char *p = s; (p = memchr(p, '<', (size_t)(s + len - p))) != NULL; p++) {
        const char *q = p + 1;
        if (q < s + len && *q == '/')
            q++;
        const char *e = q;
        while (e < s + len && isalnum((unsigned char)*e))
            e++;
        size_t n = (size_t)(e - q);
        if (n == 0 || e >= s + len)
            continue;
        int closing = q > p + 1;
        char c = *e;
        if (!(c == '>' || c == '/' || isspace((unsigned char)c)))
            continue;
        /* single letters only when the tag clearly closes: <b>, </i>, <a href */
        if (n == 1 && !closing && c != '>' && !(tolower((unsigned char)*q) == 'a' &&
                                               isspace((unsigned char)c)))
            continue;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            if (strlen(known[k]) == n && strncasecmp(known[k], q, n) == 0)
                return 1;
    }
    return 0;
}

/* ---- text helpers shared by the parsers ---- */

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char *kb_in_collapse(const char *s, size_t len)
{
    struct kb_buf b = KB_BUF_INIT;
    int space = 0;
    kb_buf_add(&b, "", 0);
    for (size_t i = 0; i < len; i++) {
        if (is_space((unsigned char)s[i])) {
            space = b.len > 0;
            continue;
        }
        if (space)
            kb_buf_addc(&b, ' ');
        space = 0;
        size_t j = i;
        while (j < len && !is_space((unsigned char)s[j]))
            j++;
        kb_buf_add(&b, s + i, j - i);
        i = j - 1;
    }
    return kb_buf_detach(&b);
}

char *kb_in_first_line(const char *text, size_t max)
{
    while (*text && is_space((unsigned char)*text))
        text++;
    size_t n = strcspn(text, "\n");
    if (n > max) {
        size_t cut = max;
        while (cut > 0 && text[cut] != ' ')
            cut--;
        n = cut ? cut : max;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    return kb_in_collapse(text, n);
}

/* ---- the plain-text builder ---- */

static void tb_flush(struct kb_in_tb *t)
{
    if (t->pending && t->b.len) {
        if (t->pending >= KB_TB_LINE) {
            while (t->b.len && (t->b.data[t->b.len - 1] == ' ' ||
                                t->b.data[t->b.len - 1] == '\n' ||
                                t->b.data[t->b.len - 1] == '\t'))
                t->b.len--;
            t->b.data[t->b.len] = '\0';
            if (t->b.len)
                kb_buf_adds(&t->b, t->pending == KB_TB_LINE ? "\n" : "\n\n");
        } else if (t->b.data[t->b.len - 1] != ' ' && t->b.data[t->b.len - 1] != '\n') {
            kb_buf_addc(&t->b, ' ');
        }
    }
    t->pending = KB_TB_NONE;
}

void kb_in_tb_text(struct kb_in_tb *t, const char *s, size_t n)
{
    if (t->pre) {
        if (n) {
            tb_flush(t);
            kb_buf_add(&t->b, s, n);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (is_space((unsigned char)s[i])) {
            if (t->pending < KB_TB_SPACE)
                t->pending = KB_TB_SPACE;
            continue;
        }
        size_t j = i;
        while (j < n && !is_space((unsigned char)s[j]))
            j++;
        tb_flush(t);
        kb_buf_add(&t->b, s + i, j - i);
        i = j - 1;
    }
}

void kb_in_tb_break(struct kb_in_tb *t, int level)
{
    if (level > t->pending)
        t->pending = level;
}

char *kb_in_tb_detach(struct kb_in_tb *t)
{
    while (t->b.len && is_space((unsigned char)t->b.data[t->b.len - 1]))
        t->b.data[--t->b.len] = '\0';
    t->pending = KB_TB_NONE;
    t->pre = 0;
    return kb_buf_detach(&t->b);
}

void kb_in_html_text(struct kb_buf *b, const char *s, size_t n, int pre)
{
    if (!b)
        return;
    if (pre) {
        kb_buf_add_html(b, s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (is_space((unsigned char)s[i])) {
            while (i + 1 < n && is_space((unsigned char)s[i + 1]))
                i++;
            kb_buf_addc(b, ' ');
            continue;
        }
        size_t j = i;
        while (j < n && !is_space((unsigned char)s[j]))
            j++;
        kb_buf_add_html(b, s + i, j - i);
        i = j - 1;
    }
}

char *kb_in_text_html(const char *s, size_t len)
{
    struct kb_buf b = KB_BUF_INIT;
    size_t i = 0;
    kb_buf_add(&b, "", 0);
    while (i < len) {
        /* skip blank lines */
        size_t ls = i;
        while (i < len) {
            size_t e = i;
            while (e < len && s[e] != '\n' && is_space((unsigned char)s[e]))
                e++;
            if (e < len && s[e] == '\n') {
                i = e + 1;
                ls = i;
            } else {
                break;
            }
        }
        i = ls;
        if (i >= len)
            break;
        kb_buf_adds(&b, "<p>");
        int first = 1;
        while (i < len) {
            size_t e = i;
            while (e < len && s[e] != '\n')
                e++;
            size_t k = i;
            while (k < e && is_space((unsigned char)s[k]))
                k++;
            if (k == e)
                break; /* blank line ends the paragraph */
            size_t end = e;
            while (end > i && is_space((unsigned char)s[end - 1]))
                end--;
            if (!first)
                kb_buf_adds(&b, "<br/>");
            kb_buf_add_html(&b, s + i, end - i);
            first = 0;
            i = e < len ? e + 1 : e;
        }
        kb_buf_adds(&b, "</p>");
    }
    return kb_buf_detach(&b);
}

/* ---- HTML files ---- */

static xmlNode *find_elem(xmlNode *n, const char *name, int depth)
{
    for (xmlNode *k = n ? n->children : NULL; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        if (name_is(k, name))
            return k;
        if (depth < MAX_DEPTH) {
            const struct tag *t = find_tag(k->name);
            if (t && t->act == T_DROP)
                continue;
            xmlNode *f = find_elem(k, name, depth + 1);
            if (f)
                return f;
        }
    }
    return NULL;
}

static xmlNode *child(xmlNode *n, const char *name)
{
    for (xmlNode *k = n ? n->children : NULL; k; k = k->next)
        if (name_is(k, name))
            return k;
    return NULL;
}

/* The meta description (or og:description) of head, collapsed. */
static char *meta_description(xmlNode *head)
{
    char *best = NULL;
    for (xmlNode *k = head ? head->children : NULL; k; k = k->next) {
        if (!name_is(k, "meta"))
            continue;
        char *nm = attr(k, "name");
        if (!nm)
            nm = attr(k, "property");
        int desc = nm && strcasecmp(nm, "description") == 0;
        int og = nm && strcasecmp(nm, "og:description") == 0;
        free(nm);
        if (!desc && !(og && !best))
            continue;
        char *v = attr(k, "content");
        if (v) {
            char *c = kb_in_collapse(v, strlen(v));
            free(v);
            if (*c) {
                free(best);
                best = c;
                if (desc)
                    break;
            } else {
                free(c);
            }
        }
    }
    return best;
}

/* Replaces *s by a copy with invalid UTF-8 replaced (U+FFFD), if it has any. */
static void utf8_fixed(char **s)
{
    if (*s && kb_utf8_check(*s, strlen(*s), 0) != (size_t)-1) {
        char *f = kb_utf8_fix(*s, strlen(*s));
        free(*s);
        *s = f;
    }
}

int kb_in_html(struct kb_in_ctx *c, const char *data, size_t len, int utf8)
{
    struct kb_doc d;
    struct kb_buf b = KB_BUF_INIT;
    struct kb_in_tb tb = {KB_BUF_INIT, 0, 0};
    char *h1 = NULL, *heading = NULL;
    int rc = 0;
    kb_in_article_init(c, &d);
    htmlDocPtr doc = parse_html(data, len, utf8 ? "UTF-8" : NULL);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        kb_in_bad(c, 0, "cannot parse html");
        rc = KB_EFORMAT;
        goto out;
    }
    xmlNode *head = name_is(root, "html") ? child(root, "head") : NULL;
    xmlNode *body = name_is(root, "html") ? child(root, "body") : NULL;
    xmlNode *title = head ? child(head, "title") : NULL;
    if (title) {
        char *t = node_text(title);
        if (*t)
            d.title = t;
        else
            free(t);
    }
    d.summary = meta_description(head);
    char *lang = attr(root, "lang");
    if (lang && *lang)
        d.locale = kb_in_locale(lang);
    free(lang);

    xmlNode *content = body ? body : root;
    xmlNode *m = find_elem(content, "main", 0);
    if (!m)
        m = find_elem(content, "article", 0);
    if (m)
        content = m;
    struct hw w = {&b, &tb, 1, 0, &h1, &heading, NULL};
    kb_buf_add(&b, "", 0);
    if (content == root) {
        for (xmlNode *k = root->children; k; k = k->next)
            walk(&w, k, 0);
    } else {
        walk_children(&w, content, 0);
    }
    d.text = kb_in_tb_detach(&tb);
    if (!*d.text) {
        kb_in_bad(c, 0, "no text");
        rc = KB_EFORMAT;
        goto out;
    }
    if (!d.title && h1 && *h1) {
        d.title = h1;
        h1 = NULL;
    }
    if (!d.title && heading && *heading) {
        d.title = heading;
        heading = NULL;
    }
    if (!d.title)
        d.title = kb_in_first_line(d.text, 120);
    d.html = kb_buf_detach(&b);
    kb_doc_set(&d.source, d.html);
    d.format = KB_FMT_HTML;
    if (!utf8) {
        /* Without a charset it can use, libxml2 lets some bytes through
         * undecoded (a 0x95 after "&&&&"): keep the doc valid UTF-8. */
        char **fields[] = {&d.title, &d.summary, &d.text, &d.html, &d.source};
        for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
            utf8_fixed(fields[i]);
    }
    rc = kb_in_emit(c, &d);
out:
    free(h1);
    free(heading);
    kb_buf_release(&b);
    kb_buf_release(&tb.b);
    kb_doc_release(&d);
    if (doc)
        xmlFreeDoc(doc);
    return rc;
}
