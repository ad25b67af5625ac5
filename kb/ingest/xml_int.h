/* Internals of the DocBook and Mallard reader shared by its two files:
 * xml.c (the walk over the document into HTML and text) and xml_doc.c (its
 * metadata and the entry point). Included by nothing else. */
#ifndef KB_XML_INT_H
#define KB_XML_INT_H

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "kb/base/buf.h"
#include "kb/ingest/ingest_int.h"

#define NS_MALLARD "http://projectmallard.org/1.0/"
#define NS_IF "http://projectmallard.org/if/1.0/"
#define NS_DOCBOOK "http://docbook.org/ns/docbook"
#define NS_XLINK "http://www.w3.org/1999/xlink"
#define NS_XML "http://www.w3.org/XML/1998/namespace"
#define MAX_DEPTH 256
#define MAX_OUTPUT (4u * KB_INGEST_MAX_DOC) /* html + text, entity expansion included */
#define MAX_LOOKUPS 64                       /* link titles read from sibling pages */

/* One document being read. */
struct xw {
    struct kb_in_ctx *c;
    int mallard;
    xmlDoc *doc;
    xmlNode *root;
    xmlNode *top;        /* the element walked as the document (whose title is
                            its own): root, or a DocBook book's chapter */
    struct kb_buf html;
    struct kb_in_tb tb;
    int pre, pre_start;  /* inside a pre; its first text not yet seen */
    int inl;             /* inside a paragraph or inline element */
    int sect;            /* section depth */
    int bol;             /* HTML at a block boundary: leading space is dropped */
    int lookups;
    int overflow;
};

/* The attribute name (in namespace uri, or none) of n; caller frees. */
char *xml_attr(xmlNode *n, const char *name, const char *uri);
/* 1 if n is an element called name in the document's vocabulary. */
int xml_is_elem(const xmlNode *n, const char *name);
/* n's text flattened to one line; caller frees. */
char *xml_flat_text(struct xw *w, xmlNode *n);
/* Whether a Mallard if:test on n passes (1 for anything else). */
int xml_if_ok(const struct xw *w, xmlNode *n);
/* The help center's platform for Mallard conditionals (the ingest option), or NULL. */
static inline const char *xml_platform(const struct xw *w)
{
    return w->c && w->c->opts ? w->c->opts->platform : NULL;
}
/* Whether the sibling Mallard page xref names is a guide page: 1, 0, or -1
 * when it cannot be read (no folder, no such file, lookups used up). */
int xml_page_is_guide(struct xw *w, const char *xref);
/* Walks n's children into w's HTML and text. */
void xml_walk_children(struct xw *w, xmlNode *n, int depth);

#endif
