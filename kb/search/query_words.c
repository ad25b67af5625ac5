/* Word-level query help, done in C before the index ranks: spelling
 * correction, typo variants and joined words, each asking the index only
 * small questions (kb_index_has_term, kb_index_stem, kb_index_spelling),
 * memoised per search. kb_query_plan_make prepares a query this way; the
 * shim then parses and ranks the plan as given, asking nothing back. */
#include "kb/search/query_words.h"

#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/base/text.h"

static int query_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

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

/* 1 if the stem of a join (st) is the stem of one of its words, w[0..len):
 * Russian "мне" + "и" stems back to "мне" (a plural ending taken off), a
 * stop word the query had dropped. */
static int join_is_part(const struct kb_query_lookup *l, const char *st, const char *w, size_t len)
{
    char word[48];
    if (len >= sizeof word)
        return 0;
    memcpy(word, w, len);
    word[len] = '\0';
    char *ws = l->stem(l->ud, word);
    int same = ws && strcmp(ws, st) == 0;
    free(ws);
    return same;
}

/* Each pair of adjacent words, separated by a space or a hyphen, whose
 * joined form is an indexed word (and not just one of the two again). */
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
            if (st && !kb_index_stopword(joined, l->locale) && l->has(l->ud, st) &&
                !join_is_part(l, st, norm + pa, plen) && !join_is_part(l, st, norm + i, len))
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

/* ---- the plan: what the index is asked, memoised for one search ---------- */

struct memo_has {
    char *term;
    int has;
};
struct memo_spell {
    char *word;
    unsigned edits;
    char *fix; /* NULL: none */
};
struct asker {
    struct kb_index *ix;
    int dbs;
    const char *locale;
    struct memo_has *has;
    size_t nhas;
    struct memo_spell *spell;
    size_t nspell;
};

static int ask_has(void *ud, const char *term)
{
    struct asker *a = ud;
    for (size_t i = 0; i < a->nhas; i++)
        if (strcmp(a->has[i].term, term) == 0)
            return a->has[i].has;
    int has = kb_index_has_term(a->ix, a->dbs, term);
    a->has = kb_xrealloc(a->has, (a->nhas + 1) * sizeof *a->has);
    a->has[a->nhas++] = (struct memo_has){kb_xstrdup(term), has};
    return has;
}

static char *ask_stem(void *ud, const char *word)
{
    struct asker *a = ud;
    return kb_index_stem(a->locale, word);
}

static char *ask_spell(void *ud, const char *word, unsigned edits)
{
    struct asker *a = ud;
    for (size_t i = 0; i < a->nspell; i++)
        if (a->spell[i].edits == edits && strcmp(a->spell[i].word, word) == 0)
            return a->spell[i].fix ? kb_xstrdup(a->spell[i].fix) : NULL;
    char *fix = kb_index_spelling(a->ix, a->dbs, word, edits);
    /* The spelling table keeps the words of documents since removed or
     * moved to the other audience (their counts are not undone): a
     * suggestion counts only while the index holds its stem, so nothing
     * the searcher's databases no longer have is ever suggested. */
    if (fix) {
        char *st = kb_index_stem(a->locale, fix);
        if (!st || !ask_has(a, st)) {
            free(fix);
            fix = NULL;
        }
        free(st);
    }
    a->spell = kb_xrealloc(a->spell, (a->nspell + 1) * sizeof *a->spell);
    a->spell[a->nspell++] = (struct memo_spell){kb_xstrdup(word), edits,
                                                fix ? kb_xstrdup(fix) : NULL};
    return fix;
}

static void asker_release(struct asker *a)
{
    for (size_t i = 0; i < a->nhas; i++)
        free(a->has[i].term);
    for (size_t i = 0; i < a->nspell; i++) {
        free(a->spell[i].word);
        free(a->spell[i].fix);
    }
    free(a->has);
    free(a->spell);
}

/* The words of one query text: what the parser reads, joined words, and
 * (when typos is set) typo variants. */
static void words_make(const char *norm, const struct kb_query_lookup *l, int joins, int typos,
                       struct kb_query_words *w)
{
    memset(w, 0, sizeof *w);
    w->norm = kb_xstrdup(norm);
    w->text = kb_text_unphrase(norm);
    if (joins)
        w->njoins = kb_query_joins(norm, l, &w->joins);
    if (typos)
        w->ntypos = kb_query_typos(norm, l, &w->typos);
}

static void words_release(struct kb_query_words *w)
{
    free(w->norm);
    free(w->text);
    kb_query_words_free(w->joins, w->njoins);
    kb_query_words_free(w->typos, w->ntypos);
    memset(w, 0, sizeof *w);
}

void kb_query_plan_make(struct kb_index *ix, int dbs, const char *query, const char *locale,
                        int joins, int spelling, struct kb_query_plan *out)
{
    memset(out, 0, sizeof *out);
    struct kb_buf b = KB_BUF_INIT;
    const char *q = query ? query : "";
    int rc = kb_index_keeps_accents(locale) ? kb_text_normalize_accents(q, strlen(q), &b)
                                             : kb_text_normalize(q, strlen(q), &b);
    if (rc != 0) {
        kb_buf_release(&b);
        kb_buf_adds(&b, q); /* as the index would: the text as it is */
    }
    char *norm = kb_buf_detach(&b);
    struct asker a = {ix, dbs, locale, NULL, 0, NULL, 0};
    struct kb_query_lookup l = {&a, locale, ask_has, ask_stem, ask_spell};
    words_make(norm, &l, joins, spelling, &out->main);
    /* Words typed apart are not misspelt: no correction when any joined. */
    char *fixed = spelling && out->main.njoins == 0 ? kb_query_correct(norm, &l) : NULL;
    if (fixed && *fixed && strcmp(fixed, norm) != 0) {
        out->corrected = fixed;
        words_make(fixed, &l, joins, 0, &out->fixed);
    } else {
        free(fixed);
    }
    free(norm);
    asker_release(&a);
}

void kb_query_plan_release(struct kb_query_plan *p)
{
    words_release(&p->main);
    words_release(&p->fixed);
    free(p->corrected);
    p->corrected = NULL;
}
