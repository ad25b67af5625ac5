/* Snippet text from the store (see hit_text.h). */
#include "kb/sync/hit_text.h"

#include "kb/store/doc_text.h"

static char *store_text(void *ud, int dbs, const struct kb_hit *h, size_t *len)
{
    return kb_store_doc_text(ud, h->kind, h->number, h->updated, dbs == KB_DB_PUBLIC, len);
}

void kb_hit_text_from_store(struct kb_search_opts *o, struct kb_store *st)
{
    o->hit_text = st ? store_text : NULL;
    o->hit_text_ud = st;
}
