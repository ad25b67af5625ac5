/* Content gaps (see analytics.h): customers' searches that found nothing,
 * or found something nobody clicked, grouped by their words so that
 * "Printer Offline" and "the printer is offline?" are one gap. SQL gives
 * the searches per query, locale and visitor (and the daily aggregates of
 * pruned ones, kb/store/log_retention.c); the grouping is done here. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/base/stopwords.h"
#include "kb/store/analytics.h"
#include "kb/store/events_int.h"

/* ---- words ------------------------------------------------------------------- */

static int in_words(const char *w, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(w, list[i]) == 0)
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_stop(const char *w, const struct kb_stopword_list *l, int english)
{
    if (english && in_words(w, kb_stopwords_en_extra, kb_stopwords_en_extra_count))
        return 1;
    if (!l || !bsearch(&w, l->words, l->count, sizeof *l->words, cmp_str))
        return 0;
    return !(english && in_words(w, kb_stopwords_en_kept, kb_stopwords_en_kept_count));
}

char *kb_analytics_gap_words(const char *query, const char *locale)
{
    char lang[3] = "en";
    if (locale && isalpha((unsigned char)locale[0]) && isalpha((unsigned char)locale[1])) {
        lang[0] = (char)tolower((unsigned char)locale[0]);
        lang[1] = (char)tolower((unsigned char)locale[1]);
    }
    const struct kb_stopword_list *l = kb_stopwords_of(lang);
    if (!l) {
        l = kb_stopwords_of("en");
        strcpy(lang, "en");
    }
    int english = strcmp(lang, "en") == 0;
    char *copy = kb_xstrdup(query ? query : "");
    char **words = NULL;
    size_t n = 0;
    for (char *p = copy; *p;) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x80 && !isalnum(c)) {
            p++;
            continue;
        }
        char *w = p;
        while (*p && ((unsigned char)*p >= 0x80 || isalnum((unsigned char)*p)))
            p++;
        if (*p)
            *p++ = '\0';
        for (char *q = w; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        if (!is_stop(w, l, english)) {
            words = kb_xrealloc(words, (n + 1) * sizeof *words);
            words[n++] = w;
        }
    }
    struct kb_buf b = KB_BUF_INIT;
    if (n) {
        qsort(words, n, sizeof *words, cmp_str);
        for (size_t i = 0; i < n; i++) {
            if (i && strcmp(words[i], words[i - 1]) == 0)
                continue;
            if (b.len)
                kb_buf_addc(&b, ' ');
            kb_buf_adds(&b, words[i]);
        }
    } else {
        kb_buf_adds(&b, query ? query : "");
    }
    free(words);
    free(copy);
    char *out = kb_buf_detach(&b);
    return out ? out : kb_xstrdup("");
}

/* ---- grouping ------------------------------------------------------------------ */

struct entry {
    const char *key; /* shared by the entries of one query and locale */
    char *query, *locale, *visitor;
    int64_t n, nr, nc, last;
};

static int cmp_query_locale(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = strcmp(x->query, y->query);
    return c ? c : strcmp(x->locale ? x->locale : "", y->locale ? y->locale : "");
}

static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->query, y->query);
}

static int cmp_visitor(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct qcount {
    const char *query;
    int64_t n;
};

static int cmp_qcount(const void *a, const void *b)
{
    const struct qcount *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->query, y->query);
}

static int cmp_gap(const void *a, const void *b)
{
    const struct kb_gap *x = a, *y = b;
    if (x->searches != y->searches)
        return x->searches > y->searches ? -1 : 1;
    if (x->visitors != y->visitors)
        return x->visitors > y->visitors ? -1 : 1;
    return strcmp(x->words, y->words);
}

static void gap_release(struct kb_gap *g);

/* One gap from entries e[0..m) of the same key (sorted by query). */
static void make_gap(struct kb_gap *g, struct entry *e, size_t m)
{
    memset(g, 0, sizeof *g);
    g->words = kb_xstrdup(e[0].key);
    char **vis = kb_xmalloc(m * sizeof *vis);
    struct qcount *qc = kb_xmalloc(m * sizeof *qc);
    size_t nv = 0, nq = 0;
    for (size_t i = 0; i < m; i++) {
        g->searches += e[i].n;
        g->no_results += e[i].nr;
        g->no_click += e[i].nc;
        if (e[i].last > g->last)
            g->last = e[i].last;
        if (e[i].visitor)
            vis[nv++] = e[i].visitor;
        if (nq && strcmp(qc[nq - 1].query, e[i].query) == 0)
            qc[nq - 1].n += e[i].n;
        else
            qc[nq++] = (struct qcount){e[i].query, e[i].n};
    }
    qsort(vis, nv, sizeof *vis, cmp_visitor);
    for (size_t i = 0; i < nv; i++)
        if (i == 0 || strcmp(vis[i], vis[i - 1]) != 0)
            g->visitors++;
    qsort(qc, nq, sizeof *qc, cmp_qcount);
    g->nqueries = nq < KB_GAP_QUERIES ? nq : KB_GAP_QUERIES;
    g->queries = kb_xmalloc((g->nqueries ? g->nqueries : 1) * sizeof *g->queries);
    g->counts = kb_xmalloc((g->nqueries ? g->nqueries : 1) * sizeof *g->counts);
    for (size_t i = 0; i < g->nqueries; i++) {
        g->queries[i] = kb_xstrdup(qc[i].query);
        g->counts[i] = qc[i].n;
    }
    g->example = kb_xstrdup(nq ? qc[0].query : e[0].query);
    free(qc);
    free(vis);
}

int kb_analytics_gaps(struct kb_store *st, const struct kb_range *r, size_t limit,
                      struct kb_gap **out, size_t *n, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    int code = prep(st,
                    /* One row a search: grouping by query, locale and visitor in
                     * SQL cost twice the time of grouping here. */
                    "SELECT s.query, s.locale, s.visitor, 1, s.results = 0, "
                    "s.results > 0, s.time FROM searches s "
                    "WHERE s.time >= ?1 AND s.time < ?2 AND s.role = 'customer' "
                    "AND s.endpoint <> 'suggest' AND (s.results = 0 OR NOT EXISTS "
                    "(SELECT 1 FROM events e WHERE e.search_id = s.id AND e.type = 'click')) "
                    "UNION ALL SELECT a.query, NULL, NULL, "
                    "sum(CASE WHEN a.found = 0 THEN a.searches ELSE a.searches - a.clicked END), "
                    "sum((a.found = 0) * a.searches), sum((a.found = 1) * (a.searches - a.clicked)), "
                    "max(a.last) FROM search_days a WHERE a.day >= ?1 AND a.day < ?2 "
                    "AND a.role = 'customer' AND a.endpoint <> 'suggest' GROUP BY a.query "
                    "HAVING sum(CASE WHEN a.found = 0 THEN a.searches "
                    "ELSE a.searches - a.clicked END) > 0",
                    &s, err), rc;
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, r->from);
    sqlite3_bind_int64(s, 2, r->to);
    struct entry *e = NULL;
    size_t ne = 0, cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *q = (const char *)sqlite3_column_text(s, 0);
        if (!q || !*q)
            continue;
        if (ne == cap) {
            cap = cap ? cap * 2 : 64;
            e = kb_xrealloc(e, cap * sizeof *e);
        }
        struct entry *x = &e[ne++];
        x->query = kb_xstrdup(q);
        x->key = NULL;
        x->locale = col_text(s, 1);
        x->visitor = col_text(s, 2);
        x->n = sqlite3_column_int64(s, 3);
        x->nr = sqlite3_column_int64(s, 4);
        x->nc = sqlite3_column_int64(s, 5);
        x->last = sqlite3_column_int64(s, 6);
    }
    if (rc != SQLITE_DONE)
        code = sql_fail(st, err, rc, "cannot read the search log");
    sqlite3_finalize(s);
    struct kb_gap *g = NULL;
    char **keys = NULL;
    size_t ng = 0, nk = 0;
    if (!code && ne) {
        /* One key per query and locale, then the entries by key. */
        qsort(e, ne, sizeof *e, cmp_query_locale);
        keys = kb_xmalloc(ne * sizeof *keys);
        for (size_t i = 0; i < ne; i++) {
            if (i == 0 || cmp_query_locale(&e[i], &e[i - 1]) != 0)
                keys[nk++] = kb_analytics_gap_words(e[i].query, e[i].locale);
            e[i].key = keys[nk - 1];
        }
        qsort(e, ne, sizeof *e, cmp_entry);
        g = kb_xmalloc(ne * sizeof *g);
        for (size_t i = 0; i < ne;) {
            size_t j = i + 1;
            while (j < ne && strcmp(e[j].key, e[i].key) == 0)
                j++;
            make_gap(&g[ng++], e + i, j - i);
            i = j;
        }
        qsort(g, ng, sizeof *g, cmp_gap);
        for (size_t i = limit; i < ng; i++)
            gap_release(&g[i]);
        if (ng > limit)
            ng = limit;
    }
    for (size_t i = 0; i < ne; i++) {
        free(e[i].query);
        free(e[i].locale);
        free(e[i].visitor);
    }
    for (size_t i = 0; i < nk; i++)
        free(keys[i]);
    free(keys);
    free(e);
    if (ng == 0) {
        free(g);
        g = NULL;
    }
    *out = g;
    *n = ng;
    return code;
}

static void gap_release(struct kb_gap *g)
{
    free(g->words);
    free(g->example);
    for (size_t i = 0; i < g->nqueries; i++)
        free(g->queries[i]);
    free(g->queries);
    free(g->counts);
}

void kb_gaps_free(struct kb_gap *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        gap_release(&v[i]);
    free(v);
}
