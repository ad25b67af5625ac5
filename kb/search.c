/* Role-based search pipeline on top of the index shim. */
#include "search.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "result_cache.h"
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
    {"spelling", KNOB_BOOL, offsetof(struct kb_rank_opts, spelling), 1},
    {"group-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, group_weight), 1},
    {"joins", KNOB_BOOL, offsetof(struct kb_rank_opts, joins), 1},
    {"recency-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, recency_weight), 0.5},
    {"prf-docs", KNOB_INT, offsetof(struct kb_rank_opts, prf_docs), 50},
    {"prf-terms", KNOB_INT, offsetof(struct kb_rank_opts, prf_terms), 100},
    {"prf-weight", KNOB_DOUBLE, offsetof(struct kb_rank_opts, prf_weight), 100},
};
#define NKNOBS (sizeof knobs / sizeof knobs[0])

const char *const kb_rank_opts_names[] = {
    "k1", "b", "title-weight", "phrase-weight", "near-weight", "asked-weight",
    "prior-weight", "synonyms", "stopwords", "spelling", "group-weight", "joins", "recency-weight", "prf-docs", "prf-terms", "prf-weight", "prf",
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

/* ---- defaults, stop words, query text ------------------------------------ */

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

const char *const kb_stopwords_en[] = {
    "a", "about", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by",
    "can", "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have",
    "how", "i", "i'm", "if", "in", "into", "is", "it", "it's", "its", "me", "my",
    "of", "on", "or", "our", "should", "so", "some", "that", "the", "their", "them",
    "then", "there", "these", "this", "those", "to", "was", "we", "were", "what",
    "when", "where", "which", "while", "who", "why", "will", "with", "would", "you",
    "your", "am", "is", "get", "getting", "way", "there", "possible", "anyone",
    "know", "want", "need", "please", "thanks", "hi", "hello",
    /* Contractions are function words too ("I'd like to ..."). */
    "i'd", "i've", "i'll", "you're", "you've", "you'd", "we're", "we've", "they're",
    "he's", "she's", "that's", "there's", "what's", "here's", "who's", "let's",
    "don't", "doesn't", "didn't", "can't", "won't", "isn't", "aren't", "wasn't",
    "weren't", "haven't", "hasn't", "wouldn't", "shouldn't", "couldn't", "wanna",
    "gonna",
};
const size_t kb_stopwords_en_count = sizeof kb_stopwords_en / sizeof kb_stopwords_en[0];

static int query_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int query_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || query_digit(c) || c >= 0x80;
}

/* The query text with words joined by "-", ".", "/", ":", "\\" or "@" typed
 * apart ("command-line", "scriptforge.timer"): Xapian's parser makes each
 * such pair a phrase, and a phrase of common words means reading positions
 * of thousands of documents (30 ms on 100,000 documents against 2). As
 * separate words they still rank documents that have both first, and the
 * index holds them as separate words too. Numbers ("4.2") and phrases the
 * user quoted stay as typed. */
char *kb_search_unphrase(const char *norm)
{
    char *out = kb_xstrdup(norm ? norm : "");
    size_t n = strlen(out);
    int quoted = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c == '"') {
            quoted = !quoted;
            continue;
        }
        if (quoted || i == 0 || i + 1 >= n || !strchr("-./:\\@", c))
            continue;
        unsigned char a = (unsigned char)out[i - 1], z = (unsigned char)out[i + 1];
        if (query_word_byte(a) && query_word_byte(z) && !(query_digit(a) && query_digit(z)))
            out[i] = ' ';
    }
    return out;
}

/* ---- word-level query help: spelling, typos, joined words --------------- */

static int query_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || c >= 0x80;
}

/* 1 if the index holds the word as typed or stemmed. */
static int query_known(const struct kb_query_lookup *l, const char *w)
{
    if (l->has(l->ud, w))
        return 1;
    char *st = l->stem(l->ud, w);
    int known = st && l->has(l->ud, st);
    free(st);
    return known;
}

static void push_word(char ***v, size_t *n, char *w)
{
    *v = kb_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = w;
}

void kb_query_words_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Only a query that finds little is corrected: when its other words match,
 * an unknown word is more often a real word the knowledge base does not use
 * ("unreplied", "destiny") than a typo, and "correcting" it into a different
 * known word misleads the ranking. (Xapian's own FLAG_SPELLING_CORRECTION
 * looks the unstemmed word up in a stemmed index, so it even "corrects"
 * known words: "procedure" -> "procedures".) Words with digits, of fewer
 * than three letters, or in scripts without spelling data are never
 * corrected. */
char *kb_query_correct(const char *norm, const struct kb_query_lookup *l)
{
    struct fix {
        size_t at, len;
        char *to;
    } *fixes = NULL;
    size_t nfix = 0, content = 0, unknown = 0, n = strlen(norm);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)norm[i];
        if (!(query_letter(c) || query_digit(c) || c == '\'')) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && (query_letter((unsigned char)norm[j]) ||
                         query_digit((unsigned char)norm[j]) || norm[j] == '\''))
            j++;
        char *w = kb_xstrndup(norm + i, j - i);
        size_t at = i, len = j - i;
        i = j;
        if (kb_index_stopword(w, l->locale)) {
            free(w);
            continue;
        }
        content++;
        if (query_known(l, w)) {
            free(w);
            continue;
        }
        unknown++;
        int plain = len >= 3 && len <= 40 && !strpbrk(w, "0123456789'");
        for (size_t k = 0; k < len; k++)
            plain = plain && (unsigned char)w[k] < 0xE0; /* Latin, Greek, Cyrillic; not CJK or Thai */
        char *to = plain ? l->spell(l->ud, w, 2) : NULL;
        if (to && *to && strcmp(to, w) != 0) {
            fixes = kb_xrealloc(fixes, (nfix + 1) * sizeof *fixes);
            fixes[nfix++] = (struct fix){at, len, to};
        } else {
            free(to);
        }
        free(w);
    }
    char *out = NULL;
    if (nfix && unknown * 2 >= content) {
        struct kb_buf b = KB_BUF_INIT;
        size_t at = 0;
        for (size_t k = 0; k < nfix; k++) {
            kb_buf_add(&b, norm + at, fixes[k].at - at);
            kb_buf_adds(&b, fixes[k].to);
            at = fixes[k].at + fixes[k].len;
        }
        kb_buf_adds(&b, norm + at);
        out = kb_buf_detach(&b);
    }
    for (size_t k = 0; k < nfix; k++)
        free(fixes[k].to);
    free(fixes);
    return out;
}

/* A word of five or more letters that the index knows neither as typed nor
 * stemmed gets the most frequent indexed word one edit away (two from nine
 * letters on), if that is not a stop word. The index shim adds these beside
 * the query as typed, at a lower weight: a real word the knowledge base
 * happens not to use ("unreplied") costs little, a typo ("colaborator")
 * still finds its word. */
size_t kb_query_typos(const char *norm, const struct kb_query_lookup *l, char ***out)
{
    size_t n = strlen(norm), nout = 0;
    *out = NULL;
    for (size_t i = 0; i < n;) {
        if (!query_letter((unsigned char)norm[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && query_letter((unsigned char)norm[j]))
            j++;
        int whole = (i == 0 || norm[i - 1] == ' ' || norm[i - 1] == '"' || norm[i - 1] == '(') &&
                    (j == n || strchr(" .,?!;:)\"", norm[j]));
        size_t at = i, len = j - i;
        i = j;
        size_t letters = 0;
        for (size_t k = at; k < at + len; k++) {
            unsigned char c = (unsigned char)norm[k];
            if (c >= 0xE0) /* CJK, Thai: no spelling data */
                letters = 0;
            letters += (c & 0xC0) != 0x80;
            if (c >= 0xE0)
                break;
        }
        if (!whole || letters < 5 || len > 40)
            continue;
        char *w = kb_xstrndup(norm + at, len);
        if (!kb_index_stopword(w, l->locale) && !query_known(l, w)) {
            char *fix = l->spell(l->ud, w, letters >= 9 ? 2 : 1);
            if (fix && *fix && !kb_index_stopword(fix, l->locale)) {
                char *st = l->stem(l->ud, fix);
                if (st)
                    push_word(out, &nout, st);
            }
            free(fix);
        }
        free(w);
    }
    return nout;
}

/* Each pair of adjacent words, separated by a space or a hyphen, whose
 * joined form is an indexed word. */
size_t kb_query_joins(const char *norm, const struct kb_query_lookup *l, char ***out)
{
    size_t n = strlen(norm), nout = 0;
    size_t pa = 0, plen = 0; /* the previous word; plen 0: none */
    *out = NULL;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)norm[i];
        if (!query_letter(c)) {
            if (c != ' ' && c != '-')
                plen = 0; /* punctuation or digits end the pair */
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && query_letter((unsigned char)norm[j]))
            j++;
        size_t len = j - i;
        if (j < n && !strchr(" -.,?!", norm[j]))
            len = 0; /* part of a longer token ("it's", "x2"): not a word of its own */
        if (plen && len && plen + len <= 40) {
            char joined[96];
            memcpy(joined, norm + pa, plen);
            memcpy(joined + plen, norm + i, len);
            joined[plen + len] = '\0';
            char *st = l->stem(l->ud, joined);
            if (st && !kb_index_stopword(joined, l->locale) && l->has(l->ud, st))
                push_word(out, &nout, st);
            else
                free(st);
        }
        pa = i;
        plen = len;
        i = j;
    }
    return nout;
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
    return kb_index_search(ix, &q, out, err);
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
    return kb_index_suggest(c->ix, kb_role_dbs(c->role), c->prefix, c->locale, c->limit, out, err);
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
