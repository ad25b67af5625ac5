/* Role-based search pipeline on top of the index shim. */
#include "kb/search/search.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/search/query_words.h"
#include "kb/search/result_cache.h"
#include "kb/base/text.h"

int kb_role_dbs(int role)
{
    return role == KB_ROLE_AGENT || role == KB_ROLE_WRITER || role == KB_ROLE_ADMIN
               ? KB_DB_BOTH
               : KB_DB_PUBLIC;
}

/* ---- ranking knobs by name --------------------------------------------- */

enum { KNOB_DOUBLE, KNOB_BOOL, KNOB_INT };
static const struct knob {
    const char *name;
    int type;
    size_t off;
    double max; /* largest accepted value */
} knobs[] = {
    {"k1", KNOB_DOUBLE, offsetof(struct kb_rank_opts, k1), 100},
    {"b", KNOB_DOUBLE, offsetof(struct kb_rank_opts, b), 1},
    {"title-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, title_weight), 100},
    {"phrase-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, phrase_weight), 100},
    {"near-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, near_weight), 100},
    {"asked-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, asked_weight), 100},
    {"prior-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, prior_weight), 0.5},
    {"synonyms", KNOB_BOOL, offsetof(struct kb_rank_opts, synonyms), 1},
    {"stopwords", KNOB_BOOL, offsetof(struct kb_rank_opts, stopwords), 1},
    {"stop-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, stop_weight), 10},
    {"spelling", KNOB_BOOL, offsetof(struct kb_rank_opts, spelling), 1},
    {"group-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, group_weight), 1},
    {"joins", KNOB_BOOL, offsetof(struct kb_rank_opts, joins), 1},
    {"recency-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, recency_weight), 0.5},
    {"bridge-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, bridge_weight), 1},
    {"prf-docs", KNOB_INT, offsetof(struct kb_rank_opts, prf_docs), 50},
    {"prf-terms", KNOB_INT, offsetof(struct kb_rank_opts, prf_terms), 100},
    {"prf-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, prf_weight), 100},
};
#define NKNOBS (sizeof knobs / sizeof knobs[0])

const char *const kb_rank_opts_names[] = {
    "k1", "b", "title-weight", "phrase-weight", "near-weight", "asked-weight",
    "prior-weight", "synonyms", "stopwords", "stop-weight", "spelling", "group-weight", "joins", "recency-weight", "bridge-weight", "prf-docs", "prf-terms", "prf-weight", "prf",
    NULL};

int kb_rank_opts_set(struct kb_rank_opts *r, const char *name, const char *value,
                     struct kb_err *err)
{
    if (!name || !value)
        return kb_err_set(err, KB_EINVAL, "a ranking option needs a name and a value");
    if (name[0] == '-' && name[1] == '-')
        name += 2;
    if (strcmp(name, "prf") == 0) {
        int d, t;
        double w;
        char extra;
        if (sscanf(value, "%d:%d:%lf%c", &d, &t, &w, &extra) != 3 || d < 0 || d > 50 ||
            t < 0 || t > 100 || w < 0)
            return kb_err_set(err, KB_EINVAL, "prf is DOCS:TERMS:WEIGHT, e.g. 3:10:0.3, not '%.40s'",
                              value);
        r->prf_docs = d;
        r->prf_terms = t;
        r->prf_weight = w;
        return 0;
    }
    for (size_t i = 0; i < NKNOBS; i++) {
        if (strcmp(knobs[i].name, name) != 0)
            continue;
        char *end;
        double v = strtod(value, &end);
        if (!*value || *end || !(v >= 0 && v <= knobs[i].max) ||
            (knobs[i].type != KNOB_DOUBLE && v != floor(v)))
            return kb_err_set(err, KB_EINVAL, "%s must be %s from 0 to %g, not '%.40s'", name,
                              knobs[i].type == KNOB_DOUBLE ? "a number" : "a whole number",
                              knobs[i].max, value);
        char *field = (char *)r + knobs[i].off;
        if (knobs[i].type == KNOB_DOUBLE)
            memcpy(field, &v, sizeof v);
        else {
            int iv = (int)v;
            memcpy(field, &iv, sizeof iv);
        }
        return 0;
    }
    return kb_err_set(err, KB_EINVAL, "unknown ranking option '%.40s'", name);
}

void kb_rank_opts_format(const struct kb_rank_opts *r, char *buf, size_t size)
{
    size_t at = 0;
    if (!size)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < NKNOBS && at < size; i++) {
        const char *field = (const char *)r + knobs[i].off;
        int n;
        if (knobs[i].type == KNOB_DOUBLE) {
            double v;
            memcpy(&v, field, sizeof v);
            n = snprintf(buf + at, size - at, "%s%s=%g", at ? " " : "", knobs[i].name, v);
        } else {
            int v;
            memcpy(&v, field, sizeof v);
            n = snprintf(buf + at, size - at, "%s%s=%d", at ? " " : "", knobs[i].name, v);
        }
        if (n < 0)
            break;
        at += (size_t)n;
    }
}


struct word {
    char *w;
    size_t tf;    /* distinct lines it occurs in */
    double wtf;   /* the same, earlier words weighing more */
    double score; /* (1 + ln tf) * idf */
    size_t first; /* order of first appearance */
};

struct collect {
    struct word *v;
    size_t n, cap;
    size_t line; /* current line, to count each word once per line */
    size_t pos;  /* words seen so far */
    size_t *last_line;
    const char *locale;
};

static int add_word(void *ud, size_t start, size_t end, const char *folded, size_t flen)
{
    (void)start;
    (void)end;
    struct collect *c = ud;
    /* What the writer says first (subject, opening paragraph) matters more
     * than signatures, disclaimers and quoted history further down. */
    double weight = 1.0 / (1.0 + (double)c->pos++ / 150.0);
    if (flen < 2 || flen > 40)
        return 0;
    size_t digits = 0;
    for (size_t i = 0; i < flen; i++)
        digits += folded[i] >= '0' && folded[i] <= '9';
    if (digits == flen) /* phone numbers, times, counts */
        return 0;
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->v[i].w) == flen && memcmp(c->v[i].w, folded, flen) == 0) {
            if (c->last_line[i] != c->line) {
                c->v[i].tf++;
                c->v[i].wtf += weight;
                c->last_line[i] = c->line;
            }
            return 0;
        }
    char word[48];
    memcpy(word, folded, flen);
    word[flen] = '\0';
    if (kb_index_stopword(word, c->locale))
        return 0;
    if (c->n >= 4000)
        return 0; /* enough words to choose from */
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = kb_xrealloc(c->v, c->cap * sizeof *c->v);
        c->last_line = kb_xrealloc(c->last_line, c->cap * sizeof *c->last_line);
    }
    c->v[c->n].w = kb_xstrndup(folded, flen);
    c->v[c->n].tf = 1;
    c->v[c->n].wtf = weight;
    c->v[c->n].score = 0;
    c->v[c->n].first = c->n;
    c->last_line[c->n] = c->line;
    c->n++;
    return 0;
}

static int by_score(const void *a, const void *b)
{
    const struct word *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->first < y->first ? -1 : (x->first > y->first);
}

static int by_first(const void *a, const void *b)
{
    const struct word *x = a, *y = b;
    return x->first < y->first ? -1 : (x->first > y->first);
}

/* The distinct lines of text, quote markers ("> ") removed: pasted e-mails
 * repeat signatures, disclaimers and quoted history many times over, and a
 * repeated line should count once. */
static char **distinct_lines(const char *text, size_t *n_out)
{
    char **lines = NULL;
    size_t n = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *q = p;
        while (len && (*q == '>' || *q == ' ' || *q == '\t')) {
            q++;
            len--;
        }
        while (len && (q[len - 1] == '\r' || q[len - 1] == ' '))
            len--;
        int seen = len == 0;
        for (size_t i = 0; i < n && !seen; i++)
            seen = strlen(lines[i]) == len && memcmp(lines[i], q, len) == 0;
        if (!seen) {
            lines = kb_xrealloc(lines, (n + 1) * sizeof *lines);
            lines[n++] = kb_xstrndup(q, len);
        }
        p = nl ? nl + 1 : p + strlen(p);
        if (n >= 2000)
            break;
    }
    *n_out = n;
    return lines;
}

char *kb_search_reduce(struct kb_index *ix, int dbs, const char *text, const char *locale)
{
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
    struct collect c = {NULL, 0, 0, 0, 0, NULL, locale};
    size_t nlines = 0;
    char **lines = distinct_lines(text, &nlines);
    for (size_t i = 0; i < nlines; i++) {
        c.line = i;
        kb_text_words(lines[i], strlen(lines[i]), add_word, &c);
        free(lines[i]);
    }
    free(lines);
    for (size_t i = 0; i < c.n; i++) {
        uint64_t df = 0, total = 0;
        if (kb_index_term_freq(ix, dbs, c.v[i].w, locale, &df, &total, NULL) != 0 || df == 0 ||
            total == 0) {
            c.v[i].score = -1; /* unknown words cannot match anything */
            continue;
        }
        /* A word in most documents says little; a word the writer repeats
         * across distinct lines is what the message is about. */
        double idf = log(1.0 + (double)total / (double)df);
        c.v[i].score = c.v[i].wtf * idf;
    }
    /* Long input of nothing but stop words and numbers keeps no word (and
     * c.v stays NULL, which qsort must not be given). */
    if (c.n)
        qsort(c.v, c.n, sizeof *c.v, by_score);
    size_t keep = 0;
    while (keep < c.n && keep < KB_LONG_INPUT_KEEP && c.v[keep].score > 0)
        keep++;
    if (keep)
        qsort(c.v, keep, sizeof *c.v, by_first);
    struct kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < keep; i++) {
        /* Repetition in the query raises the word's weight (BM25's wqf). */
        size_t reps = c.v[i].tf >= 4 ? 3 : c.v[i].tf >= 2 ? 2 : 1;
        for (size_t r = 0; r < reps; r++) {
            if (b.len)
                kb_buf_addc(&b, ' ');
            kb_buf_adds(&b, c.v[i].w);
        }
    }
    for (size_t i = 0; i < c.n; i++)
        free(c.v[i].w);
    free(c.v);
    free(c.last_line);
    return kb_buf_detach(&b);
}

int kb_search_again(struct kb_index *ix, int role, const struct kb_search_opts *o,
                    char **reduced, struct kb_result **out, struct kb_err *err)
{
    struct kb_search_opts q = *o;
    q.dbs = kb_role_dbs(role);
    if (!*reduced) {
        char *r = q.query ? kb_search_reduce(ix, q.dbs, q.query, q.locale) : NULL;
        *reduced = r ? r : kb_xstrdup("");
    }
    if (**reduced) {
        q.query = *reduced;
        q.spelling = 0; /* the words came from the index itself */
    }
    struct kb_query_plan plan;
    kb_query_plan_make(ix, q.dbs, q.query, q.locale, q.rank.joins != 0,
                       q.spelling != 0 && q.rank.spelling != 0, &plan);
    q.plan = &plan;
    int rc = kb_index_search(ix, &q, out, err);
    kb_query_plan_release(&plan);
    return rc;
}

/* Result cache keys: every input of a search, strings length-prefixed
 * (so no two requests share a key), after the index state. */
static void key_str(struct kb_buf *k, const char *s)
{
    if (s)
        kb_buf_printf(k, "%zu:%s\n", strlen(s), s);
    else
        kb_buf_adds(k, "-\n");
}

/* Starts a key: the kind of request, the role and the state of the index
 * that role reads; 0 when the handle's results cannot be cached. */
#define STATE_MAX 4096

static int key_start(struct kb_buf *k, struct kb_index *ix, char what, int role,
                     char state[STATE_MAX])
{
    if (!kb_result_cache_on() || kb_index_state(ix, kb_role_dbs(role), state, STATE_MAX) != 0)
        return 0;
    kb_buf_printf(k, "%c%d\n", what, role);
    key_str(k, state);
    return 1;
}

static void search_key(struct kb_buf *k, const struct kb_search_opts *o)
{
    char rank[1024];
    kb_rank_opts_format(&o->rank, rank, sizeof rank);
    key_str(k, o->query);
    key_str(k, o->locale);
    key_str(k, o->category);
    key_str(k, o->tag);
    key_str(k, o->customer);
    key_str(k, o->unit);
    key_str(k, o->product);
    key_str(k, o->audience);
    key_str(k, rank);
    kb_buf_printf(k, "%d %zu %zu %d %zu %d %d %d\n", o->kind, o->offset, o->limit, o->snippets,
                  o->snippet_chars, o->facets, o->spelling, o->or_query);
}

/* The cached result of key, or the one fn computes (then stored). The
 * state is read again after the search: a search that met a commit
 * reopened the index and read the newer revision. */
static int cached(struct kb_buf *key, const char *state0, struct kb_index *ix, int role,
                  int (*fn)(void *arg, struct kb_result **out, struct kb_err *err), void *arg,
                  struct kb_result **out, struct kb_err *err)
{
    if (key->len && (*out = kb_result_cache_get(key->data, key->len, state0)) != NULL)
        return 0;
    int rc = fn(arg, out, err);
    char state[STATE_MAX];
    if (rc == 0 && key->len && kb_index_state(ix, kb_role_dbs(role), state, sizeof state) == 0 &&
        strcmp(state, state0) == 0) /* still the state the key names */
        kb_result_cache_put(key->data, key->len, state, *out);
    return rc;
}

struct search_call {
    struct kb_index *ix;
    int role;
    const struct kb_search_opts *o;
};

static int do_search(void *arg, struct kb_result **out, struct kb_err *err)
{
    struct search_call *c = arg;
    char *reduced = NULL;
    int rc = kb_search_again(c->ix, c->role, c->o, &reduced, out, err);
    free(reduced);
    return rc;
}

int kb_search(struct kb_index *ix, int role, const struct kb_search_opts *o,
              struct kb_result **out, struct kb_err *err)
{
    struct kb_buf key = KB_BUF_INIT;
    char state[STATE_MAX];
    if (key_start(&key, ix, 's', role, state))
        search_key(&key, o);
    struct search_call c = {ix, role, o};
    int rc = cached(&key, state, ix, role, do_search, &c, out, err);
    kb_buf_release(&key);
    return rc;
}

struct suggest_call {
    struct kb_index *ix;
    int role;
    const char *prefix, *locale;
    size_t limit;
};

static int do_suggest(void *arg, struct kb_result **out, struct kb_err *err)
{
    struct suggest_call *c = arg;
    struct kb_buf norm = KB_BUF_INIT;
    const char *p = c->prefix ? c->prefix : "";
    if (kb_text_normalize(p, strlen(p), &norm) != 0) {
        kb_buf_release(&norm);
        kb_buf_adds(&norm, p);
    }
    int rc = kb_index_suggest(c->ix, kb_role_dbs(c->role), kb_buf_str(&norm), c->locale,
                              c->limit, out, err);
    kb_buf_release(&norm);
    return rc;
}

int kb_suggest(struct kb_index *ix, int role, const char *prefix, const char *locale,
               size_t limit, struct kb_result **out, struct kb_err *err)
{
    struct kb_buf key = KB_BUF_INIT;
    char state[STATE_MAX];
    if (key_start(&key, ix, 't', role, state)) {
        key_str(&key, prefix);
        key_str(&key, locale);
        kb_buf_printf(&key, "%zu\n", limit);
    }
    struct suggest_call c = {ix, role, prefix, locale, limit};
    int rc = cached(&key, state, ix, role, do_suggest, &c, out, err);
    kb_buf_release(&key);
    return rc;
}
