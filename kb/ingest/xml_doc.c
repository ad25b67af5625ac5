/* DocBook and Mallard with libxml2 into kb_doc: title, description,
 * locale, category, dates (metadata), and the entry point that parses the
 * file and walks it (xml.c). xmlChar strings never leave these two files. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "kb/base/err.h"
#include "kb/ingest/ingest.h"
#include "kb/ingest/xml_int.h"

/* ---- metadata ---- */

static xmlNode *first_child(const struct xw *w, xmlNode *n, const char *name)
{
    for (xmlNode *k = n ? n->children : NULL; k; k = k->next)
        if (xml_is_elem(k, name) && xml_if_ok(w, k))
            return k;
    return NULL;
}

/* DocBook: info, articleinfo, bookinfo, ... of root. */
static xmlNode *docbook_info(xmlNode *root)
{
    for (xmlNode *k = root->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        size_t len = strlen((const char *)k->name);
        if (len >= 4 && strcmp((const char *)k->name + len - 4, "info") == 0)
            return k;
    }
    return NULL;
}

static void set_text(struct xw *w, char **field, xmlNode *n)
{
    if (!n || *field)
        return;
    char *t = xml_flat_text(w, n);
    if (*t)
        *field = t;
    else
        free(t);
}

static void mallard_meta(struct xw *w, struct kb_doc *d)
{
    xmlNode *info = first_child(w, w->root, "info");
    set_text(w, &d->title, first_child(w, w->root, "title"));
    set_text(w, &d->summary, first_child(w, info, "desc"));
    int cat_guide = -1;
    for (xmlNode *k = info ? info->children : NULL; k; k = k->next) {
        if (!xml_if_ok(w, k))
            continue;
        if (xml_is_elem(k, "link") && cat_guide != 1) {
            /* the first guide link to a guide page; else the first guide link */
            char *type = xml_attr(k, "type", NULL), *xref = xml_attr(k, "xref", NULL);
            if (type && xref && strcmp(type, "guide") == 0) {
                xref[strcspn(xref, "#")] = '\0';
                int g = *xref ? xml_page_is_guide(w, xref) : 0;
                if (*xref && (!d->category || g == 1)) {
                    kb_doc_set(&d->category, xref);
                    cat_guide = g;
                }
            }
            free(type);
            free(xref);
        } else if (xml_is_elem(k, "revision")) {
            char *date = xml_attr(k, "date", NULL);
            int64_t t;
            if (date && kb_time_parse(date, &t) == 0 && t > d->updated)
                d->updated = t;
            free(date);
        } else if (xml_is_elem(k, "keywords")) {
            char *kw = xml_flat_text(w, k);
            for (char *p = kw; *p;) {
                size_t n = strcspn(p, ",");
                char *tag = kb_in_collapse(p, n);
                kb_doc_add_tag(d, tag);
                free(tag);
                p += n;
                if (*p)
                    p++;
            }
            free(kw);
        } else if (xml_is_elem(k, "title") && !d->title) {
            char *type = xml_attr(k, "type", NULL), *role = xml_attr(k, "role", NULL);
            if (type && strcmp(type, "link") == 0 && !role)
                set_text(w, &d->title, k);
            free(type);
            free(role);
        }
    }
}

/* A guide page names a topic: its page id, under the guide it links to
 * (none for the document's root, "index", whose topic is the help center). */
static void mallard_topic(struct xw *w, struct kb_doc *d)
{
    char *type = xml_attr(w->root, "type", NULL);
    char *id = xml_attr(w->root, "id", NULL);
    if (type && strcmp(type, "guide") == 0 && id && *id && strlen(id) <= 100) {
        kb_doc_set(&d->topic, id);
        if (d->category && strcmp(d->category, "index") == 0)
            kb_doc_set(&d->category, NULL);
    }
    free(type);
    free(id);
}

static void docbook_meta(struct xw *w, struct kb_doc *d)
{
    xmlNode *info = docbook_info(w->root);
    set_text(w, &d->title, first_child(w, w->root, "title"));
    set_text(w, &d->title, first_child(w, info, "title"));
    xmlNode *meta = first_child(w, w->root, "refmeta");
    set_text(w, &d->title, first_child(w, meta, "refentrytitle"));
    xmlNode *namediv = first_child(w, w->root, "refnamediv");
    set_text(w, &d->title, first_child(w, namediv, "refname"));
    set_text(w, &d->summary, first_child(w, info, "abstract"));
    set_text(w, &d->summary, first_child(w, namediv, "refpurpose"));
    set_text(w, &d->product, first_child(w, info, "productname"));
    xmlNode *kws = first_child(w, info, "keywordset");
    for (xmlNode *k = kws ? kws->children : NULL; k; k = k->next) {
        if (xml_is_elem(k, "keyword")) {
            char *t = xml_flat_text(w, k);
            kb_doc_add_tag(d, t);
            free(t);
        }
    }
    xmlNode *subj = first_child(w, first_child(w, info, "subjectset"), "subject");
    set_text(w, &d->category, first_child(w, subj, "subjectterm"));
    char *date = NULL;
    xmlNode *dn = first_child(w, info, "pubdate");
    if (!dn)
        dn = first_child(w, info, "date");
    if (dn) {
        int64_t t;
        date = xml_flat_text(w, dn);
        if (kb_time_parse(date, &t) == 0)
            d->updated = t;
    }
    free(date);
}

/* ---- body ---- */

/* Walks top (the root, or a chapter) into d's text and HTML and emits d:
 * 0, or the error it reported. */
static int body(struct xw *w, struct kb_doc *d, xmlNode *top)
{
    struct kb_in_ctx *c = w->c;
    w->top = top;
    w->bol = 1;
    w->sect = 0;
    kb_buf_reset(&w->html);
    kb_buf_add(&w->html, "", 0);
    xml_walk_children(w, top, 0);
    if (w->overflow) {
        kb_in_bad(c, 0, "document expands to more than %u bytes", MAX_OUTPUT);
        return KB_ETOOBIG;
    }
    free(d->text);
    d->text = kb_in_tb_detach(&w->tb);
    if (!*d->text && d->summary) {
        /* a guide page: Yelp shows its title, description and links */
        free(d->text);
        d->text = kb_xstrdup(d->summary);
        kb_buf_reset(&w->html);
        kb_buf_adds(&w->html, "<p>");
        kb_buf_add_html(&w->html, d->summary, strlen(d->summary));
        kb_buf_adds(&w->html, "</p>");
    }
    if (!*d->text) {
        kb_in_bad(c, 0, "no text");
        return KB_EFORMAT;
    }
    if (!d->title) {
        char *id = xml_attr(top, "id", NULL);
        if (!id)
            id = xml_attr(top, "id", NS_XML);
        d->title = id && *id ? id : kb_in_first_line(d->text, 120);
        if (d->title != id)
            free(id);
    }
    free(d->html);
    d->html = kb_buf_detach(&w->html);
    kb_doc_set(&d->source, d->html);
    d->format = KB_FMT_HTML;
    return kb_in_emit(c, d);
}

/* ---- DocBook books: one article per chapter ---- */

#define SLUG_MAX 100 /* a topic slug's longest (KB_TOPIC_SLUG_MAX) */

/* The chapters of a book: chapter, appendix, preface, glossary,
 * bibliography and article elements, also inside parts. */
static int is_chapter(const xmlNode *n)
{
    return xml_is_elem(n, "chapter") || xml_is_elem(n, "appendix") ||
           xml_is_elem(n, "preface") || xml_is_elem(n, "glossary") ||
           xml_is_elem(n, "bibliography") || xml_is_elem(n, "article");
}

static int book_has_chapters(struct xw *w, xmlNode *book)
{
    for (xmlNode *k = book->children; k; k = k->next) {
        if (!xml_if_ok(w, k))
            continue;
        if (is_chapter(k) || (xml_is_elem(k, "part") && book_has_chapters(w, k)))
            return 1;
    }
    return 0;
}

/* s as a topic slug appended to b: lower-case ASCII letters and digits,
 * every other run one '-'. */
static void add_slug(struct kb_buf *b, const char *s)
{
    int dash = b->len > 0;
    for (const char *p = s; p && *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (isalnum(ch) && ch < 0x80) {
            if (dash && b->len > 0)
                kb_buf_add(b, "-", 1);
            dash = 0;
            char lower = (char)tolower(ch);
            kb_buf_add(b, &lower, 1);
        } else {
            dash = 1;
        }
    }
}

/* An element's id (xml:id or id) as a slug, else its title's. Caller frees. */
static char *slug_of(xmlNode *n, const char *title, const char *prefix)
{
    struct kb_buf b;
    memset(&b, 0, sizeof b);
    add_slug(&b, prefix);
    char *id = xml_attr(n, "id", NS_XML);
    if (!id)
        id = xml_attr(n, "id", NULL);
    size_t before = b.len;
    add_slug(&b, id);
    if (b.len == before)
        add_slug(&b, title);
    free(id);
    kb_buf_add(&b, "", 0);
    char *s = kb_buf_detach(&b);
    s[SLUG_MAX < strlen(s) ? SLUG_MAX : strlen(s)] = '\0';
    size_t len = strlen(s);
    while (len && s[len - 1] == '-')
        s[--len] = '\0';
    return s;
}

/* The title of a chapter: its title, or its info's. Caller frees; NULL
 * when it has none. */
static char *chapter_title(struct xw *w, xmlNode *ch)
{
    char *t = NULL;
    set_text(w, &t, first_child(w, ch, "title"));
    set_text(w, &t, first_child(w, docbook_info(ch), "title"));
    return t;
}

struct book {
    const struct kb_doc *meta; /* the book's metadata */
    char *slug;
    int nth; /* chapters seen */
    int rc;
    struct kb_buf seen; /* the chapters' slugs so far, each NUL-terminated */
};

/* Two chapters of one title (and no ids) get distinct slugs: the second
 * its number appended. Takes slug; returns the one to use. */
static char *unique_slug(struct book *b, char *slug)
{
    for (size_t i = 0; i < b->seen.len; i += strlen(b->seen.data + i) + 1) {
        if (strcmp(b->seen.data + i, slug) == 0) {
            char *u = kb_xmalloc(strlen(slug) + 24);
            snprintf(u, strlen(slug) + 24, "%.*s-%d", SLUG_MAX - 12, slug, b->nth);
            free(slug);
            slug = u;
            break;
        }
    }
    kb_buf_add(&b->seen, slug, strlen(slug) + 1);
    return slug;
}

static void book_chapters(struct xw *w, struct book *b, xmlNode *parent)
{
    for (xmlNode *k = parent->children; k && !w->c->stop; k = k->next) {
        if (!xml_if_ok(w, k))
            continue;
        if (xml_is_elem(k, "part")) {
            book_chapters(w, b, k);
            continue;
        }
        if (!is_chapter(k))
            continue;
        b->nth++;
        char *title = chapter_title(w, k);
        if (!title) {
            kb_in_bad(w->c, (size_t)xmlGetLineNo(k) > 0 ? (size_t)xmlGetLineNo(k) : 0,
                      "book '%s': chapter %d has no title", b->meta->title, b->nth);
            if (!b->rc)
                b->rc = KB_EFORMAT;
            continue;
        }
        struct kb_doc d;
        kb_doc_copy(&d, b->meta);
        kb_doc_set(&d.title, title);
        kb_doc_set(&d.summary, NULL);
        set_text(w, &d.summary, first_child(w, docbook_info(k), "abstract"));
        char *slug = unique_slug(b, slug_of(k, title, b->slug));
        struct kb_buf sid;
        memset(&sid, 0, sizeof sid);
        kb_buf_adds(&sid, b->meta->source_id ? b->meta->source_id : b->slug);
        kb_buf_adds(&sid, "#");
        kb_buf_adds(&sid, slug);
        kb_buf_add(&sid, "", 0);
        free(d.source_id);
        d.source_id = kb_buf_detach(&sid);
        kb_doc_set(&d.category, slug);
        kb_doc_set(&d.category_name, title);
        kb_doc_set(&d.category_parent, b->slug);
        kb_doc_set(&d.category_parent_name, b->meta->title);
        int rc = body(w, &d, k);
        kb_doc_release(&d);
        if (rc && !b->rc)
            b->rc = rc;
        free(slug);
        free(title);
    }
}

/* A book with chapters: each chapter an article of its own section (named
 * by the chapter's title) under the book's category (named by the book's
 * title), as Mallard guides and Markdown front matter make topics. Text
 * outside the chapters (a dedication, the book's info) is not imported. */
static int docbook_book(struct xw *w, struct kb_doc *book)
{
    if (!book->title) {
        kb_in_bad(w->c, 0, "book has no title: its chapters' category needs a name");
        return KB_EFORMAT;
    }
    struct book b = {book, slug_of(w->root, book->title, NULL), 0, 0, {0}};
    if (!*b.slug) {
        free(b.slug);
        b.slug = kb_xstrdup("book");
    }
    book_chapters(w, &b, w->root);
    kb_buf_release(&b.seen);
    free(b.slug);
    return b.rc;
}

/* ---- entry ---- */

/* The first error libxml2 raises: the place a writer should look. */
struct first_error {
    int set;
    int line;
    char msg[256];
};

static void on_xml_error(void *ud, xmlError *e)
{
    xmlParserCtxt *ctx = ud;
    struct first_error *fe = ctx ? ctx->_private : NULL;
    if (!fe || fe->set || !e || e->level < XML_ERR_ERROR)
        return;
    fe->set = 1;
    fe->line = e->line;
    snprintf(fe->msg, sizeof fe->msg, "%s", e->message ? e->message : "cannot parse");
}

int kb_in_xml(struct kb_in_ctx *c, const char *data, size_t len, int format)
{
    struct kb_doc d;
    struct xw w;
    int rc = 0;
    xmlParserCtxt *ctx = NULL;
    xmlDoc *doc = NULL;
    memset(&w, 0, sizeof w);
    kb_in_article_init(c, &d);
    kb_in_xml_init();
    if (len > INT_MAX) {
        kb_in_bad(c, 0, "file is too large");
        rc = KB_ETOOBIG;
        goto out;
    }
    ctx = xmlNewParserCtxt();
    if (!ctx) {
        kb_in_bad(c, 0, "cannot create an xml parser");
        rc = KB_EINTERNAL;
        goto out;
    }
    struct first_error fe;
    memset(&fe, 0, sizeof fe);
    ctx->_private = &fe;
    ctx->sax->serror = on_xml_error;
    doc = xmlCtxtReadMemory(ctx, data, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc || !ctx->wellFormed) {
        if (!fe.set) {
            xmlError *e = xmlCtxtGetLastError(ctx);
            on_xml_error(ctx, e);
        }
        size_t n = strlen(fe.msg);
        while (n && isspace((unsigned char)fe.msg[n - 1]))
            fe.msg[--n] = '\0';
        fe.msg[0] = (char)tolower((unsigned char)fe.msg[0]);
        kb_in_bad(c, fe.line > 0 ? (size_t)fe.line : 0, "xml is not well-formed: %s",
                  fe.set ? fe.msg : "cannot parse");
        rc = KB_EFORMAT;
        goto out;
    }
    w.c = c;
    w.mallard = format == KB_IN_MALLARD;
    w.doc = doc;
    w.root = xmlDocGetRootElement(doc);
    if (!w.root) {
        kb_in_bad(c, 0, "xml has no root element");
        rc = KB_EFORMAT;
        goto out;
    }
    kb_buf_add(&w.html, "", 0);
    w.bol = 1;
    if (w.mallard) {
        mallard_meta(&w, &d);
        mallard_topic(&w, &d);
    }
    else
        docbook_meta(&w, &d);
    char *lang = xml_attr(w.root, "lang", NS_XML);
    if (!lang)
        lang = xml_attr(w.root, "lang", NULL);
    if (lang && *lang)
        d.locale = kb_in_locale(lang);
    free(lang);

    if (!w.mallard && xml_is_elem(w.root, "book") && book_has_chapters(&w, w.root))
        rc = docbook_book(&w, &d);
    else
        rc = body(&w, &d, w.root);
out:
    kb_buf_release(&w.html);
    kb_buf_release(&w.tb.b);
    kb_doc_release(&d);
    if (doc)
        xmlFreeDoc(doc);
    if (ctx)
        xmlFreeParserCtxt(ctx);
    return rc;
}
