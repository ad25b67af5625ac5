/* The body of an article page (page_body.c): sanitised HTML with heading
 * ids and a table of contents. */
#ifndef KB_PAGE_BODY_H
#define KB_PAGE_BODY_H

#include "kb/base/buf.h"
#include "kb/base/doc.h"

/* Appends d's body to b: the stored sanitised HTML with heading ids (and a
 * table of contents when it has enough headings), or the plain text as
 * escaped paragraphs when there is no HTML. */
void page_article_body(struct kb_buf *b, const struct kb_doc *d);

#endif
