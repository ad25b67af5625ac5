/* Where a search's snippets read their text: the store (the index keeps
 * no bodies). Set by every program that searches with snippets. */
#ifndef KB_HIT_TEXT_H
#define KB_HIT_TEXT_H

#include "kb/index/index.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Makes o's snippets read hit texts from st (kb_store_doc_text: only the
 * version the index holds, and only public text for a public search). st
 * must outlive the search; NULL leaves snippets to summaries. */
void kb_hit_text_from_store(struct kb_search_opts *o, struct kb_store *st);

#ifdef __cplusplus
}
#endif
#endif
