/* DocBook and Mallard with libxml2 into kb_doc: the walk over the visible
 * body into simple HTML and plain text (metadata and the entry point are
 * xml_doc.c). xmlChar strings never leave these two files. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "kb/base/buf.h"
#include "kb/base/err.h"
#include "kb/ingest/ingest.h"
#include "kb/ingest/xml_int.h"

enum {
    X_PASS = 1, X_SKIP, X_P, X_SECTION, X_TITLE, X_UL, X_OL, X_LIST, X_LI,
    X_TERMS, X_VARLIST, X_PRE, X_CODE_ANY, X_DIV, X_QUOTE, X_TABLE, X_THEAD,
    X_TBODY, X_TR, X_TD, X_EM, X_STRONG, X_CODE, X_KBD, X_SUP, X_SUB, X_KEYSEQ,
    X_GUISEQ, X_LINK, X_XREF, X_QUOTE_INLINE, X_MEDIA, X_IF_CHOOSE, X_IF_IF,
    X_EMPHASIS, X_EMAIL
};

struct xtag {
    const char *name;
    int act;
};

/* Sorted by name. */
static const struct xtag mallard_tags[] = {
    {"app", X_PASS}, {"cite", X_P}, {"cmd", X_CODE}, {"code", X_CODE_ANY},
    {"col", X_SKIP}, {"colgroup", X_SKIP}, {"comment", X_SKIP}, {"desc", X_P},
    {"em", X_EMPHASIS}, {"example", X_DIV}, {"figure", X_DIV}, {"file", X_CODE},
    {"gui", X_STRONG}, {"guiseq", X_GUISEQ}, {"hi", X_PASS}, {"info", X_SKIP},
    {"input", X_CODE}, {"item", X_LI}, {"key", X_KBD}, {"keyseq", X_KEYSEQ},
    {"link", X_LINK}, {"links", X_SKIP}, {"list", X_LIST}, {"listing", X_DIV},
    {"media", X_MEDIA}, {"note", X_DIV}, {"output", X_CODE}, {"p", X_P},
    {"page", X_PASS}, {"quote", X_QUOTE}, {"screen", X_PRE}, {"section", X_SECTION},
    {"span", X_PASS}, {"steps", X_OL}, {"subtitle", X_P}, {"synopsis", X_DIV},
    {"sys", X_CODE}, {"table", X_TABLE}, {"tbody", X_TBODY}, {"td", X_TD},
    {"terms", X_TERMS}, {"tfoot", X_TBODY}, {"thead", X_THEAD}, {"title", X_TITLE},
    {"tr", X_TR}, {"tree", X_UL}, {"var", X_EM},
};

static const struct xtag docbook_tags[] = {
    {"abstract", X_DIV}, {"address", X_PRE}, {"anchor", X_SKIP}, {"appendix", X_SECTION},
    {"article", X_SECTION}, {"attribution", X_P}, {"audioobject", X_SKIP},
    {"bibliography", X_SECTION}, {"blockquote", X_QUOTE}, {"calloutlist", X_OL},
    {"callout", X_LI}, {"caution", X_DIV}, {"chapter", X_SECTION}, {"classname", X_CODE},
    {"cmdsynopsis", X_PRE}, {"co", X_SKIP}, {"code", X_CODE}, {"colophon", X_SECTION},
    {"colspec", X_SKIP}, {"command", X_CODE}, {"comment", X_SKIP},
    {"computeroutput", X_CODE}, {"constant", X_CODE}, {"dedication", X_SECTION},
    {"email", X_EMAIL}, {"emphasis", X_EMPHASIS}, {"entry", X_TD}, {"envar", X_CODE},
    {"equation", X_DIV}, {"example", X_DIV}, {"figure", X_DIV}, {"filename", X_CODE},
    {"firstterm", X_EM}, {"footnote", X_SKIP}, {"formalpara", X_DIV},
    {"funcsynopsis", X_PRE}, {"function", X_CODE}, {"glossary", X_SECTION},
    {"glossterm", X_EM}, {"graphic", X_SKIP}, {"guibutton", X_STRONG},
    {"guiicon", X_STRONG}, {"guilabel", X_STRONG}, {"guimenu", X_STRONG},
    {"guimenuitem", X_STRONG}, {"guisubmenu", X_STRONG}, {"imagedata", X_SKIP},
    {"imageobject", X_SKIP}, {"important", X_DIV}, {"indexterm", X_SKIP},
    {"informalexample", X_DIV}, {"informalfigure", X_DIV}, {"informaltable", X_TABLE},
    {"inlinemediaobject", X_SKIP}, {"interface", X_STRONG}, {"itemizedlist", X_UL},
    {"keycap", X_KBD}, {"keycombo", X_KEYSEQ}, {"keysym", X_KBD}, {"link", X_LINK},
    {"listitem", X_LI}, {"literal", X_CODE}, {"literallayout", X_PRE},
    {"markup", X_CODE}, {"mediaobject", X_SKIP}, {"member", X_LI},
    {"menuchoice", X_GUISEQ}, {"methodname", X_CODE}, {"note", X_DIV},
    {"option", X_CODE}, {"orderedlist", X_OL}, {"para", X_P}, {"parameter", X_CODE},
    {"part", X_SECTION}, {"partintro", X_DIV}, {"preface", X_SECTION},
    {"procedure", X_OL}, {"programlisting", X_PRE}, {"prompt", X_CODE},
    {"property", X_CODE}, {"qandaset", X_DIV}, {"quote", X_QUOTE_INLINE},
    {"refentry", X_SECTION}, {"refmeta", X_SKIP}, {"refnamediv", X_SKIP},
    {"refsect1", X_SECTION}, {"refsect2", X_SECTION}, {"refsect3", X_SECTION},
    {"refsection", X_SECTION}, {"refsynopsisdiv", X_SECTION}, {"remark", X_SKIP},
    {"replaceable", X_EM}, {"row", X_TR}, {"screen", X_PRE}, {"sect1", X_SECTION},
    {"sect2", X_SECTION}, {"sect3", X_SECTION}, {"sect4", X_SECTION},
    {"sect5", X_SECTION}, {"section", X_SECTION}, {"shortcut", X_SKIP},
    {"sidebar", X_DIV}, {"simpara", X_P}, {"simplelist", X_UL},
    {"simplesect", X_SECTION}, {"spanspec", X_SKIP}, {"step", X_LI},
    {"stepalternatives", X_UL}, {"subscript", X_SUB}, {"substeps", X_OL},
    {"subtitle", X_SKIP}, {"superscript", X_SUP}, {"synopsis", X_PRE},
    {"systemitem", X_CODE}, {"table", X_TABLE}, {"tag", X_CODE}, {"tbody", X_TBODY},
    {"td", X_TD}, {"term", X_PASS}, {"textobject", X_SKIP}, {"tfoot", X_TBODY},
    {"tgroup", X_PASS}, {"th", X_TD}, {"thead", X_THEAD}, {"tip", X_DIV},
    {"title", X_TITLE}, {"titleabbrev", X_SKIP}, {"tr", X_TR}, {"type", X_CODE},
    {"ulink", X_LINK}, {"uri", X_CODE}, {"userinput", X_CODE}, {"variablelist", X_VARLIST},
    {"varname", X_CODE}, {"videoobject", X_SKIP}, {"warning", X_DIV}, {"xref", X_XREF},
};

/* A few entities DocBook files use without their DTD loaded. */
static const struct { const char *name, *utf8; } entities[] = {
    {"amp", "&"}, {"apos", "'"}, {"bull", "\xE2\x80\xA2"}, {"copy", "\xC2\xA9"},
    {"gt", ">"}, {"hellip", "\xE2\x80\xA6"}, {"laquo", "\xC2\xAB"},
    {"ldquo", "\xE2\x80\x9C"}, {"lsquo", "\xE2\x80\x98"}, {"lt", "<"},
    {"mdash", "\xE2\x80\x94"}, {"nbsp", "\xC2\xA0"}, {"ndash", "\xE2\x80\x93"},
    {"quot", "\""}, {"raquo", "\xC2\xBB"}, {"rdquo", "\xE2\x80\x9D"},
    {"reg", "\xC2\xAE"}, {"rsquo", "\xE2\x80\x99"}, {"trade", "\xE2\x84\xA2"},
};


static int cmp_xtag(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const struct xtag *)elem)->name);
}

static int ns_is(const xmlNode *n, const char *uri)
{
    if (!n->ns || !n->ns->href)
        return uri == NULL;
    return uri && strcmp((const char *)n->ns->href, uri) == 0;
}

int xml_is_elem(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* What to do with element n. */
static int act_of(const struct xw *w, const xmlNode *n)
{
    const char *name = (const char *)n->name;
    if (w->mallard) {
        if (ns_is(n, NS_IF)) {
            if (strcmp(name, "choose") == 0)
                return X_IF_CHOOSE;
            if (strcmp(name, "if") == 0)
                return X_IF_IF;
            return X_SKIP;
        }
        if (!ns_is(n, NS_MALLARD))
            return X_SKIP;
    } else if (!ns_is(n, NULL) && !ns_is(n, NS_DOCBOOK)) {
        return X_SKIP;
    }
    const struct xtag *t = w->mallard
        ? bsearch(name, mallard_tags, sizeof mallard_tags / sizeof mallard_tags[0],
                  sizeof mallard_tags[0], cmp_xtag)
        : bsearch(name, docbook_tags, sizeof docbook_tags / sizeof docbook_tags[0],
                  sizeof docbook_tags[0], cmp_xtag);
    if (t)
        return t->act;
    size_t len = strlen(name);
    if (!w->mallard && len >= 4 && strcmp(name + len - 4, "info") == 0)
        return X_SKIP; /* articleinfo, sectioninfo, ... */
    return X_PASS;
}

/* A copy of an attribute (namespace uri or NULL), or NULL. */
char *xml_attr(xmlNode *n, const char *name, const char *uri)
{
    xmlChar *v = uri ? xmlGetNsProp(n, BAD_CAST name, BAD_CAST uri)
                     : xmlGetNoNsProp(n, BAD_CAST name);
    if (!v)
        return NULL;
    char *s = kb_xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

/* ---- Mallard conditionals ---- */

static int token_true(const char *platform, const char *t, size_t n)
{
    static const char *const yes[] = {
        "platform:gnome", "platform:gnome-shell", "platform:linux", "platform:unix",
        "target:desktop", "target:yelp", "target:html",
    };
    int neg = n && t[0] == '!';
    if (neg) {
        t++;
        n--;
    }
    int v = 0;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strlen(yes[i]) == n && strncmp(yes[i], t, n) == 0)
            v = 1;
    if (platform && n > 9 && strncmp(t, "platform:", 9) == 0 && strlen(platform) == n - 9 &&
        strncmp(t + 9, platform, n - 9) == 0)
        v = 1;
    return neg ? !v : v;
}

/* Mallard if:test: comma-separated alternatives of space-separated tokens
 * that must all pass. Unknown tokens are false. */
static int test_passes(const char *platform, const char *test)
{
    if (!test)
        return 1;
    const char *p = test;
    int any = 0;
    while (*p) {
        size_t alt = strcspn(p, ",");
        int all = 1, tokens = 0;
        for (size_t i = 0; i < alt;) {
            while (i < alt && isspace((unsigned char)p[i]))
                i++;
            size_t j = i;
            while (j < alt && !isspace((unsigned char)p[j]))
                j++;
            if (j > i) {
                tokens++;
                if (!token_true(platform, p + i, j - i))
                    all = 0;
            }
            i = j;
        }
        if (tokens) {
            any = 1;
            if (all)
                return 1;
        }
        p += alt;
        if (*p)
            p++;
    }
    return !any;
}

int xml_if_ok(const struct xw *w, xmlNode *n)
{
    if (!w->mallard)
        return 1;
    char *t = xml_attr(n, "test", NS_IF);
    int ok = test_passes(xml_platform(w), t);
    free(t);
    return ok;
}

/* ---- output ---- */

static void trim_space(struct xw *w)
{
    while (w->html.len && (w->html.data[w->html.len - 1] == ' ' ||
                           (w->pre && w->html.data[w->html.len - 1] == '\n')))
        w->html.data[--w->html.len] = '\0';
}

static void open_block(struct xw *w, const char *tag, int brk)
{
    trim_space(w);
    kb_buf_printf(&w->html, "<%s>", tag);
    w->bol = 1;
    if (brk)
        kb_in_tb_break(&w->tb, brk);
}

static void close_block(struct xw *w, const char *tag, int brk)
{
    trim_space(w);
    kb_buf_printf(&w->html, "</%s>", tag);
    w->bol = 1;
    if (brk)
        kb_in_tb_break(&w->tb, brk);
}

static void out_text(struct xw *w, const char *s, size_t n)
{
    if (w->overflow || w->html.len + w->tb.b.len + n > MAX_OUTPUT) {
        w->overflow = 1;
        return;
    }
    if (w->pre) {
        if (w->pre_start && n && s[0] == '\n') {
            s++;
            n--;
        }
        if (n)
            w->pre_start = 0;
        kb_buf_add_html(&w->html, s, n);
        kb_in_tb_text(&w->tb, s, n);
        return;
    }
    size_t i = 0;
    if (w->bol || (w->html.len && w->html.data[w->html.len - 1] == ' '))
        while (i < n && isspace((unsigned char)s[i]))
            i++;
    if (i < n) {
        kb_in_html_text(&w->html, s + i, n - i, 0);
        w->bol = 0;
    }
    kb_in_tb_text(&w->tb, s, n);
}

static void out_str(struct xw *w, const char *s)
{
    out_text(w, s, strlen(s));
}

/* ---- the walk ---- */

static void walk(struct xw *w, xmlNode *n, int depth);

void xml_walk_children(struct xw *w, xmlNode *n, int depth)
{
    for (xmlNode *k = n->children; k; k = k->next)
        walk(w, k, depth + 1);
}

/* Walks the children that are not titles (skip_titles) or only the titles. */
static void walk_titles(struct xw *w, xmlNode *n, int depth, int titles)
{
    for (xmlNode *k = n->children; k; k = k->next) {
        int is_title = k->type == XML_ELEMENT_NODE && act_of(w, k) == X_TITLE;
        if (is_title == titles)
            walk(w, k, depth + 1);
    }
}

static void inline_el(struct xw *w, xmlNode *n, int depth, const char *tag)
{
    kb_buf_printf(&w->html, "<%s>", tag);
    w->inl++;
    xml_walk_children(w, n, depth);
    w->inl--;
    kb_buf_printf(&w->html, "</%s>", tag);
}

/* Text of a subtree with white space collapsed (caller frees). */
char *xml_flat_text(struct xw *w, xmlNode *n)
{
    struct xw sub;
    memset(&sub, 0, sizeof sub);
    sub.c = w->c;
    sub.mallard = w->mallard;
    sub.doc = w->doc;
    sub.root = w->root;
    sub.inl = 1;
    sub.lookups = MAX_LOOKUPS; /* no page reads while flattening */
    kb_buf_add(&sub.html, "", 0);
    xml_walk_children(&sub, n, 0);
    char *t = kb_in_tb_detach(&sub.tb);
    char *c = kb_in_collapse(t, strlen(t));
    free(t);
    kb_buf_release(&sub.html);
    return c;
}

/* The link title of a sibling Mallard page (Yelp shows it for an empty
 * <link xref>), or NULL. */
static char *page_link_title(struct xw *w, const char *xref)
{
    if (!w->c->dir || w->lookups >= MAX_LOOKUPS || !*xref)
        return NULL;
    size_t n = strcspn(xref, "#");
    if (n == 0 || memchr(xref, '/', n) || (n == 2 && strncmp(xref, "..", 2) == 0))
        return NULL;
    w->lookups++;
    struct kb_buf path = KB_BUF_INIT;
    kb_buf_printf(&path, "%s/%.*s.page", w->c->dir, (int)n, xref);
    struct stat st;
    char *title = NULL;
    if (stat(path.data, &st) == 0 && S_ISREG(st.st_mode) &&
        (size_t)st.st_size <= KB_INGEST_MAX_DOC) {
        xmlDoc *doc = xmlReadFile(path.data, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                   XML_PARSE_NOWARNING);
        xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
        struct xw sub;
        memset(&sub, 0, sizeof sub);
        sub.mallard = 1;
        sub.c = w->c;
        sub.lookups = MAX_LOOKUPS;
        for (xmlNode *k = root ? root->children : NULL; k && !title; k = k->next) {
            if (xml_is_elem(k, "info")) {
                for (xmlNode *i = k->children; i && !title; i = i->next) {
                    char *type = xml_is_elem(i, "title") ? xml_attr(i, "type", NULL) : NULL;
                    char *role = type ? xml_attr(i, "role", NULL) : NULL;
                    if (type && strcmp(type, "link") == 0 && !role)
                        title = xml_flat_text(&sub, i);
                    free(type);
                    free(role);
                }
            } else if (xml_is_elem(k, "title")) {
                title = xml_flat_text(&sub, k);
            }
        }
        if (doc)
            xmlFreeDoc(doc);
    }
    kb_buf_release(&path);
    if (title && !*title) {
        free(title);
        title = NULL;
    }
    return title;
}

int xml_page_is_guide(struct xw *w, const char *xref)
{
    size_t n = strcspn(xref, "#");
    if (!w->c->dir || w->lookups >= MAX_LOOKUPS || n == 0 || memchr(xref, '/', n) ||
        xref[0] == '.')
        return -1;
    w->lookups++;
    struct kb_buf path = KB_BUF_INIT;
    kb_buf_printf(&path, "%s/%.*s.page", w->c->dir, (int)n, xref);
    struct stat st;
    int guide = -1;
    if (stat(path.data, &st) == 0 && S_ISREG(st.st_mode) &&
        (size_t)st.st_size <= KB_INGEST_MAX_DOC) {
        xmlDoc *doc = xmlReadFile(path.data, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                   XML_PARSE_NOWARNING);
        xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
        if (root) {
            char *type = xml_attr(root, "type", NULL);
            guide = type && strcmp(type, "guide") == 0;
            free(type);
        }
        if (doc)
            xmlFreeDoc(doc);
    }
    kb_buf_release(&path);
    return guide;
}

static int has_content(xmlNode *n)
{
    for (xmlNode *k = n->children; k; k = k->next) {
        if (k->type == XML_ELEMENT_NODE || k->type == XML_ENTITY_REF_NODE)
            return 1;
        if (k->type == XML_TEXT_NODE && k->content)
            for (const xmlChar *p = k->content; *p; p++)
                if (!isspace(*p))
                    return 1;
    }
    return 0;
}

/* A Mallard xref as a help-center link: "/kb/page/<source id>" of the page it
 * names (this page's folder prefix, the fragment dropped), which the server
 * resolves to the article or topic; NULL for an xref of another document
 * ("help:...", a path). */
static char *xref_href(const struct xw *w, const char *xref)
{
    size_t n = strcspn(xref, "#");
    if (n == 0 || n > 200 || xref[0] == '.' || strncmp(xref, "help:", 5) == 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)xref[i]) && !strchr("-_.", xref[i]))
            return NULL;
    const char *sid = w->c ? w->c->source_id : NULL;
    const char *slash = sid ? strrchr(sid, '/') : NULL;
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_printf(&b, "/kb/page/%.*s%.*s", slash ? (int)(slash - sid + 1) : 0, sid ? sid : "",
                  (int)n, xref);
    return kb_buf_detach(&b);
}

static void link_el(struct xw *w, xmlNode *n, int depth)
{
    char *href = w->mallard ? xml_attr(n, "href", NULL) : xml_attr(n, "href", NS_XLINK);
    char *xref = w->mallard ? xml_attr(n, "xref", NULL) : NULL;
    char *label = NULL;
    if (!href && !w->mallard)
        href = xml_attr(n, "url", NULL); /* DocBook 4 ulink */
    if (!href && xref)
        href = xref_href(w, xref);
    int a = href && kb_in_url_ok(href, 1) && !w->pre;
    if (a) {
        kb_buf_adds(&w->html, "<a href=\"");
        kb_buf_add_html(&w->html, href, strlen(href));
        kb_buf_adds(&w->html, "\">");
    }
    if (has_content(n)) {
        w->inl++;
        xml_walk_children(w, n, depth);
        w->inl--;
    } else {
        if (xref)
            label = page_link_title(w, xref);
        out_str(w, label ? label : href ? href : xref ? xref : "");
    }
    if (a)
        kb_buf_adds(&w->html, "</a>");
    free(label);
    free(href);
    free(xref);
}

/* DocBook <xref linkend>: the title of the element it points to. */
static xmlNode *find_id(xmlNode *n, const char *id, int depth)
{
    for (xmlNode *k = n->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        char *v = xml_attr(k, "id", NS_XML);
        if (!v)
            v = xml_attr(k, "id", NULL);
        int hit = v && strcmp(v, id) == 0;
        free(v);
        if (hit)
            return k;
        if (depth < MAX_DEPTH) {
            xmlNode *f = find_id(k, id, depth + 1);
            if (f)
                return f;
        }
    }
    return NULL;
}

static void xref_el(struct xw *w, xmlNode *n)
{
    char *id = xml_attr(n, "linkend", NULL);
    char *label = NULL;
    if (id && w->lookups < MAX_LOOKUPS) {
        w->lookups++;
        xmlNode *t = find_id(w->root, id, 0);
        for (xmlNode *k = t ? t->children : NULL; k && !label; k = k->next)
            if (k->type == XML_ELEMENT_NODE && act_of(w, k) == X_TITLE)
                label = xml_flat_text(w, k);
    }
    if (label && *label)
        out_str(w, label);
    free(label);
    free(id);
}

static void seq_el(struct xw *w, xmlNode *n, int depth, const char *joiner)
{
    int first = 1;
    w->inl++;
    for (xmlNode *k = n->children; k; k = k->next) {
        if (k->type == XML_TEXT_NODE) {
            const xmlChar *p = k->content;
            while (p && *p && isspace(*p))
                p++;
            if (p && *p)
                out_text(w, (const char *)k->content, strlen((const char *)k->content));
            continue;
        }
        if (k->type != XML_ELEMENT_NODE || act_of(w, k) == X_SKIP || !xml_if_ok(w, k))
            continue;
        if (!first)
            out_str(w, joiner);
        walk(w, k, depth + 1);
        first = 0;
    }
    w->inl--;
}

/* Mallard <terms> and DocBook <variablelist> as a definition list. */
static void dl_el(struct xw *w, xmlNode *n, int depth)
{
    walk_titles(w, n, depth, 1);
    open_block(w, "dl", KB_TB_PARA);
    const char *item = w->mallard ? "item" : "varlistentry";
    for (xmlNode *k = n->children; k; k = k->next) {
        if (!xml_is_elem(k, item) || !xml_if_ok(w, k))
            continue;
        for (xmlNode *t = k->children; t; t = t->next) {
            int term = w->mallard ? xml_is_elem(t, "title") : xml_is_elem(t, "term");
            if (!term || !xml_if_ok(w, t))
                continue;
            open_block(w, "dt", KB_TB_LINE);
            w->inl++;
            xml_walk_children(w, t, depth + 2);
            w->inl--;
            close_block(w, "dt", KB_TB_LINE);
        }
        open_block(w, "dd", KB_TB_LINE);
        for (xmlNode *t = k->children; t; t = t->next) {
            int term = w->mallard ? xml_is_elem(t, "title") : xml_is_elem(t, "term");
            if (term)
                continue;
            if (!w->mallard && xml_is_elem(t, "listitem"))
                xml_walk_children(w, t, depth + 2);
            else
                walk(w, t, depth + 2);
        }
        close_block(w, "dd", KB_TB_LINE);
    }
    close_block(w, "dl", KB_TB_PARA);
}

static void block_el(struct xw *w, xmlNode *n, int depth, const char *tag, int brk)
{
    open_block(w, tag, brk);
    int inl = w->inl;
    w->inl = 0;
    xml_walk_children(w, n, depth);
    w->inl = inl;
    close_block(w, tag, brk);
}

static void para_el(struct xw *w, xmlNode *n, int depth, const char *tag)
{
    open_block(w, tag, KB_TB_PARA);
    w->inl++;
    xml_walk_children(w, n, depth);
    w->inl--;
    close_block(w, tag, KB_TB_PARA);
}

static void pre_el(struct xw *w, xmlNode *n, int depth)
{
    open_block(w, "pre", KB_TB_PARA);
    int pre = w->pre;
    w->pre = w->pre_start = 1;
    w->tb.pre = 1;
    w->inl++;
    xml_walk_children(w, n, depth);
    w->inl--;
    trim_space(w);
    w->pre = pre;
    w->tb.pre = pre;
    close_block(w, "pre", KB_TB_PARA);
}

static void title_el(struct xw *w, xmlNode *n, int depth)
{
    xmlNode *parent = n->parent;
    if (parent == w->top)
        return; /* the document's own title */
    if (parent && parent->type == XML_ELEMENT_NODE && act_of(w, parent) == X_SECTION) {
        char tag[4];
        int level = w->sect + 1;
        snprintf(tag, sizeof tag, "h%d", level > 6 ? 6 : level < 2 ? 2 : level);
        para_el(w, n, depth, tag);
        return;
    }
    open_block(w, "p", KB_TB_PARA);
    kb_buf_adds(&w->html, "<strong>");
    w->inl++;
    xml_walk_children(w, n, depth);
    w->inl--;
    trim_space(w);
    kb_buf_adds(&w->html, "</strong>");
    close_block(w, "p", KB_TB_PARA);
}

static void list_el(struct xw *w, xmlNode *n, int depth, const char *tag)
{
    walk_titles(w, n, depth, 1);
    open_block(w, tag, KB_TB_PARA);
    walk_titles(w, n, depth, 0);
    close_block(w, tag, KB_TB_PARA);
}

static void entity_ref(struct xw *w, xmlNode *n)
{
    const char *name = (const char *)n->name;
    for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++)
        if (strcmp(entities[i].name, name) == 0) {
            out_str(w, entities[i].utf8);
            return;
        }
    xmlEntity *e = xmlGetDocEntity(w->doc, n->name);
    if (e && e->etype == XML_INTERNAL_GENERAL_ENTITY && e->content) {
        /* the replacement text as text: markup in it is not expanded */
        out_str(w, (const char *)e->content);
    }
}

/* A Mallard image as <img src="/kb/media/<folder><src>">: the loader stores
 * the file (kb_ingest_media_each) and the server serves it. Returns 0 for
 * anything else (video, remote or unsafe sources). */
static int media_el(struct xw *w, xmlNode *n)
{
    if (!w->mallard)
        return 0;
    char *type = xml_attr(n, "type", NULL), *src = xml_attr(n, "src", NULL);
    int ok = src && (!type || strcmp(type, "image") == 0) && kb_media_type(src) != NULL &&
             kb_media_src_ok(src);
    if (ok) {
        const char *sid = w->c ? w->c->source_id : NULL;
        const char *slash = sid ? strrchr(sid, '/') : NULL;
        char *alt = xml_flat_text(w, n);
        if (!w->inl)
            open_block(w, "p", KB_TB_PARA);
        kb_buf_printf(&w->html, "<img src=\"/kb/media/%.*s", slash ? (int)(slash - sid + 1) : 0,
                      sid ? sid : "");
        kb_buf_add_html(&w->html, src, strlen(src));
        kb_buf_adds(&w->html, "\" alt=\"");
        kb_buf_add_html(&w->html, alt, strlen(alt));
        kb_buf_addc(&w->html, '"');
        static const char *const dims[] = {"width", "height"};
        for (int i = 0; i < 2; i++) {
            char *v = xml_attr(n, dims[i], NULL);
            if (v && *v && strlen(v) < 6 && strspn(v, "0123456789") == strlen(v))
                kb_buf_printf(&w->html, " %s=\"%s\"", dims[i], v);
            free(v);
        }
        kb_buf_adds(&w->html, ">");
        if (!w->inl)
            close_block(w, "p", KB_TB_PARA);
        free(alt);
    }
    free(type);
    free(src);
    return ok;
}

/* Mallard <if:choose>: with a platform set, the first <if:when> whose test
 * passes, else <if:else>, else the choice's other children (GNOME help writes
 * its default branch without <if:else>); with none set, the first branch. */
static void choose_el(struct xw *w, xmlNode *n, int depth)
{
    const char *platform = xml_platform(w);
    xmlNode *els = NULL;
    int others = 0;
    for (xmlNode *k = n->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        if (!ns_is(k, NS_IF)) {
            others = 1;
            continue;
        }
        if (xml_is_elem(k, "else")) {
            if (!els)
                els = k;
            continue;
        }
        if (!xml_is_elem(k, "when"))
            continue;
        char *test = xml_attr(k, "test", NULL);
        int pick = !platform || test_passes(platform, test);
        free(test);
        if (pick) {
            xml_walk_children(w, k, depth + 1);
            return;
        }
    }
    if (els) {
        xml_walk_children(w, els, depth + 1);
        return;
    }
    if (!others)
        return;
    for (xmlNode *k = n->children; k; k = k->next)
        if (k->type != XML_ELEMENT_NODE || !ns_is(k, NS_IF))
            walk(w, k, depth + 1);
}

static void walk(struct xw *w, xmlNode *n, int depth)
{
    if (depth > MAX_DEPTH || w->overflow)
        return;
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content)
            out_text(w, (const char *)n->content, strlen((const char *)n->content));
        return;
    }
    if (n->type == XML_ENTITY_REF_NODE) {
        entity_ref(w, n);
        return;
    }
    if (n->type != XML_ELEMENT_NODE || !xml_if_ok(w, n))
        return;
    int act = act_of(w, n);
    switch (act) {
    case X_SKIP:
        return;
    case X_PASS:
        xml_walk_children(w, n, depth);
        return;
    case X_P:
        para_el(w, n, depth, "p");
        return;
    case X_SECTION:
        w->sect++;
        kb_in_tb_break(&w->tb, KB_TB_PARA);
        xml_walk_children(w, n, depth);
        kb_in_tb_break(&w->tb, KB_TB_PARA);
        w->sect--;
        return;
    case X_TITLE:
        title_el(w, n, depth);
        return;
    case X_UL:
        list_el(w, n, depth, "ul");
        return;
    case X_OL:
        list_el(w, n, depth, "ol");
        return;
    case X_LIST: {
        char *type = xml_attr(n, "type", NULL);
        list_el(w, n, depth, type && strcmp(type, "numbered") == 0 ? "ol" : "ul");
        free(type);
        return;
    }
    case X_LI:
        block_el(w, n, depth, "li", KB_TB_LINE);
        return;
    case X_TERMS:
    case X_VARLIST:
        dl_el(w, n, depth);
        return;
    case X_CODE_ANY:
        if (w->inl)
            inline_el(w, n, depth, "code");
        else
            pre_el(w, n, depth);
        return;
    case X_PRE:
        pre_el(w, n, depth);
        return;
    case X_DIV:
        block_el(w, n, depth, "div", KB_TB_PARA);
        return;
    case X_QUOTE:
        block_el(w, n, depth, "blockquote", KB_TB_PARA);
        return;
    case X_TABLE:
        list_el(w, n, depth, "table");
        return;
    case X_THEAD:
        block_el(w, n, depth, "thead", 0);
        return;
    case X_TBODY:
        block_el(w, n, depth, "tbody", 0);
        return;
    case X_TR:
        block_el(w, n, depth, "tr", KB_TB_LINE);
        return;
    case X_TD:
        block_el(w, n, depth, "td", KB_TB_SPACE);
        return;
    case X_EM:
        inline_el(w, n, depth, "em");
        return;
    case X_EMPHASIS: {
        char *s = xml_attr(n, w->mallard ? "style" : "role", NULL);
        int strong = s && (strstr(s, "strong") || strstr(s, "bold"));
        free(s);
        inline_el(w, n, depth, strong ? "strong" : "em");
        return;
    }
    case X_STRONG:
        inline_el(w, n, depth, "strong");
        return;
    case X_CODE:
        if (w->pre)
            xml_walk_children(w, n, depth);
        else
            inline_el(w, n, depth, "code");
        return;
    case X_KBD:
        inline_el(w, n, depth, "kbd");
        return;
    case X_SUP:
        inline_el(w, n, depth, "sup");
        return;
    case X_SUB:
        inline_el(w, n, depth, "sub");
        return;
    case X_KEYSEQ: {
        char *type = xml_attr(n, w->mallard ? "type" : "action", NULL);
        seq_el(w, n, depth, type && strcmp(type, "sequence") == 0 ? " " : "+");
        free(type);
        return;
    }
    case X_GUISEQ:
        seq_el(w, n, depth, " \xE2\x96\xB8 ");
        return;
    case X_LINK:
    case X_EMAIL:
        if (act == X_EMAIL) {
            char *addr = xml_flat_text(w, n);
            kb_buf_adds(&w->html, "<a href=\"mailto:");
            kb_buf_add_html(&w->html, addr, strlen(addr));
            kb_buf_adds(&w->html, "\">");
            out_str(w, addr);
            kb_buf_adds(&w->html, "</a>");
            free(addr);
        } else {
            link_el(w, n, depth);
        }
        return;
    case X_XREF:
        xref_el(w, n);
        return;
    case X_QUOTE_INLINE:
        out_str(w, "\xE2\x80\x9C");
        w->inl++;
        xml_walk_children(w, n, depth);
        w->inl--;
        out_str(w, "\xE2\x80\x9D");
        return;
    case X_MEDIA:
        if (media_el(w, n))
            return;
        /* an icon in running text shows its fallback text; figures do not */
        if (w->inl)
            xml_walk_children(w, n, depth);
        return;
    case X_IF_CHOOSE:
        choose_el(w, n, depth);
        return;
    case X_IF_IF: {
        char *test = xml_attr(n, "test", NULL);
        if (test_passes(xml_platform(w), test))
            xml_walk_children(w, n, depth);
        free(test);
        return;
    }
    default:
        xml_walk_children(w, n, depth);
    }
}
