/* The query path: kb_search (normalisation, long-input reduction, Xapian's
 * query parser, ranking, snippets, facets, spelling), kb_suggest and
 * kb_search_reduce, on an index of the sample knowledge base built once.
 * Input: an option byte, a paging byte, then the query text. Checks: a
 * customer sees public articles only; snippets are escaped text with <mark>
 * as the only markup; every string is valid UTF-8; a page is no longer
 * than asked. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "kb/search/search.h"
#include "kb/base/text.h"

static struct kb_index *ix;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static struct fuzz_kb kb;
    struct kb_err err;
    fuzz_kb_build(&kb);
    if (kb_index_open(kb.index_dir, KB_INDEX_READ, &ix, &err) != 0)
        fuzz_fail("index: %s", err.msg);
    return 0;
}

static void check_str(const char *what, const char *s)
{
    if (s && !kb_utf8_valid(s, strlen(s)))
        fuzz_fail("%s is not valid utf-8: %s", what, s);
}

static void check_snippet(const char *s)
{
    check_str("snippet", s);
    for (const char *p = s; *p; p++) {
        if (*p == '<') {
            if (strncmp(p, "<mark>", 6) == 0)
                p += 5;
            else if (strncmp(p, "</mark>", 7) == 0)
                p += 6;
            else
                fuzz_fail("markup other than <mark> in a snippet: %.200s", s);
        } else if (*p == '>' || *p == '"') {
            fuzz_fail("unescaped '%c' in a snippet: %.200s", *p, s);
        }
    }
}

static void check_result(const struct kb_result *res, int role, size_t limit)
{
    if (res->nhits > limit)
        fuzz_fail("%zu hits for a page of %zu", res->nhits, limit);
    check_str("corrected query", res->corrected);
    for (size_t i = 0; i < res->nhits; i++) {
        const struct kb_hit *h = &res->hits[i];
        if (role == KB_ROLE_CUSTOMER &&
            (h->audience != KB_AUD_PUBLIC || h->kind != KB_KIND_ARTICLE))
            fuzz_fail("a customer was shown %s %s '%s'", kb_audience_name(h->audience),
                      kb_kind_name(h->kind), h->title ? h->title : "");
        check_str("title", h->title);
        check_str("summary", h->summary);
        check_str("category", h->category);
        check_str("source id", h->source_id);
        if (h->snippet)
            check_snippet(h->snippet);
    }
    for (size_t i = 0; i < res->nfacets; i++)
        check_str("facet", res->facets[i].value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const locales[] = {NULL, "en", "fr", "zh"};
    if (size > 4096)
        return 0;
    unsigned opt = fuzz_take_byte(&data, &size);
    unsigned page = fuzz_take_byte(&data, &size);
    char *q = kb_utf8_fix((const char *)data, size); /* the server refuses invalid UTF-8 */
    int role = (int)(opt & 3);
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = q;
    o.locale = locales[(opt >> 2) & 3];
    o.spelling = (opt >> 4) & 1;
    o.snippets = 1;
    o.facets = (opt >> 5) & 1;
    if (opt & 0x40)
        o.kind = (opt & 0x80) ? KB_KIND_TICKET : KB_KIND_ARTICLE;
    else if (opt & 0x80)
        o.category = "wifi";
    o.offset = (page >> 4) * 5;
    o.limit = 1 + (page & 15) * 3;
    if (page & 0x80) {
        o.rank.prf_docs = 3;
        o.rank.prf_terms = 5;
        o.rank.prf_weight = 0.3;
    }
    o.rank.stopwords = (page >> 6) & 1;

    struct kb_result *res = NULL;
    struct kb_err err;
    int rc = kb_search(ix, role, &o, &res, &err);
    if (rc == 0) {
        check_result(res, role, o.limit);
        kb_result_free(res);
    } else if (rc != KB_EQUERY && rc != KB_EINVAL) {
        fuzz_fail("kb_search: %s", err.msg);
    }
    res = NULL;
    if (kb_suggest(ix, role, q, o.locale, 8, &res, &err) == 0) {
        check_result(res, role, 8);
        kb_result_free(res);
    }
    char *reduced = kb_search_reduce(ix, kb_role_dbs(role), q, o.locale);
    check_str("reduced query", reduced);
    free(reduced);
    free(q);
    return 0;
}
