/* Role-based search pipeline on top of the index shim. */
#include "search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

int kb_role_dbs(int role)
{
    return role == KB_ROLE_AGENT || role == KB_ROLE_WRITER || role == KB_ROLE_ADMIN
               ? KB_DB_BOTH
               : KB_DB_PUBLIC;
}

static const char *const role_names[] = {"customer", "agent", "writer", "admin"};

int kb_role_parse(const char *s)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, role_names[i]) == 0)
            return i;
    return -1;
}

const char *kb_role_name(int role)
{
    return role >= 0 && role < 4 ? role_names[role] : "customer";
}

struct word {
    char *w;
    double idf;
    size_t first; /* order of first appearance */
};

struct collect {
    struct word *v;
    size_t n, cap;
};

static int add_word(void *ud, size_t start, size_t end, const char *folded, size_t flen)
{
    (void)start;
    (void)end;
    struct collect *c = ud;
    if (flen < 2 || flen > 40)
        return 0;
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->v[i].w) == flen && memcmp(c->v[i].w, folded, flen) == 0)
            return 0;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = kb_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    c->v[c->n].w = kb_xstrndup(folded, flen);
    c->v[c->n].idf = 0;
    c->v[c->n].first = c->n;
    c->n++;
    return c->n >= 4000; /* enough words to choose from */
}

static int by_idf(const void *a, const void *b)
{
    const struct word *x = a, *y = b;
    if (x->idf != y->idf)
        return x->idf < y->idf ? 1 : -1;
    return x->first < y->first ? -1 : (x->first > y->first);
}

static int by_first(const void *a, const void *b)
{
    const struct word *x = a, *y = b;
    return x->first < y->first ? -1 : (x->first > y->first);
}

char *kb_search_reduce(struct kb_index *ix, int dbs, const char *text, const char *locale)
{
    struct collect c = {NULL, 0, 0};
    size_t words = 0;
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
            p++;
        if (!*p)
            break;
        words++;
        while (*p && *p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
            p++;
    }
    if (words <= KB_LONG_INPUT_WORDS)
        return NULL;
    kb_text_words(text, strlen(text), add_word, &c);
    size_t keep = 0;
    for (size_t i = 0; i < c.n; i++) {
        uint64_t df = 0, total = 0;
        if (kb_index_term_freq(ix, dbs, c.v[i].w, locale, &df, &total, NULL) != 0 || df == 0 ||
            total == 0) {
            c.v[i].idf = -1; /* unknown words cannot match anything */
            continue;
        }
        /* Words in most documents say little; very rare ones say most. */
        c.v[i].idf = log((double)total / (double)df);
    }
    qsort(c.v, c.n, sizeof *c.v, by_idf);
    for (keep = 0; keep < c.n && keep < KB_LONG_INPUT_KEEP && c.v[keep].idf > 0; keep++)
        ;
    qsort(c.v, keep, sizeof *c.v, by_first);
    struct kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < keep; i++) {
        if (i)
            kb_buf_addc(&b, ' ');
        kb_buf_adds(&b, c.v[i].w);
    }
    for (size_t i = 0; i < c.n; i++)
        free(c.v[i].w);
    free(c.v);
    return kb_buf_detach(&b);
}

int kb_search(struct kb_index *ix, int role, const struct kb_search_opts *o,
              struct kb_result **out, struct kb_err *err)
{
    struct kb_search_opts q = *o;
    q.dbs = kb_role_dbs(role);
    char *reduced = q.query ? kb_search_reduce(ix, q.dbs, q.query, q.locale) : NULL;
    if (reduced) {
        q.query = reduced;
        q.spelling = 0; /* the words came from the index itself */
    }
    int rc = kb_index_search(ix, &q, out, err);
    free(reduced);
    return rc;
}

int kb_suggest(struct kb_index *ix, int role, const char *prefix, const char *locale,
               size_t limit, struct kb_result **out, struct kb_err *err)
{
    return kb_index_suggest(ix, kb_role_dbs(role), prefix, locale, limit, out, err);
}
