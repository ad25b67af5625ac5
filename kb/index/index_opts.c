/* The plain-C side of the index's types (index.h): default options and
 * freeing results. */
#include <stdlib.h>
#include <string.h>

#include "kb/index/index.h"

void kb_rank_opts_baseline(struct kb_rank_opts *r)
{
    memset(r, 0, sizeof *r);
    r->k1 = 1.2;
    r->b = 0.75;
}

void kb_rank_opts_default(struct kb_rank_opts *r)
{
    kb_rank_opts_baseline(r);
    r->b = 0.2;
    r->title_weight = 2.0;
    r->phrase_weight = 0.0;
    r->near_weight = 0.0;
    r->synonyms = 1;
    r->stopwords = 1;
    r->stop_weight = 0.3;
    r->spelling = 1;
    r->joins = 1;
    r->asked_weight = 1.0;
    r->group_weight = 0.5;
    r->prior_weight = 0.1;
    r->recency_weight = 0.1;
}

void kb_search_opts_init(struct kb_search_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dbs = KB_DB_PUBLIC;
    o->kind = -1;
    o->limit = 10;
    o->snippets = 1;
    o->spelling = 1;
    kb_rank_opts_default(&o->rank);
}

void kb_result_free(struct kb_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nhits; i++) {
        struct kb_hit *h = &r->hits[i];
        free(h->source_id);
        free(h->title);
        free(h->summary);
        free(h->snippet);
        free(h->category);
        free(h->locale);
    }
    free(r->hits);
    for (size_t i = 0; i < r->nfacets; i++)
        free(r->facets[i].value);
    free(r->facets);
    free(r->corrected);
    free(r);
}
