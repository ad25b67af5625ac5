/* Tests for the snippet builder (kb/index/snippet.c), the query-text helpers of
 * kb/search/search.c (unphrase, spelling, typos, joined words) against a fake
 * index, and regressions of the query path they serve. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/index/index.h"
#include "kb/search/query_words.h"
#include "kb/search/search.h"
#include "kb/base/text.h"
#include "kb/index/snippet.h"

/* ---- snippets: the query's terms are the words listed in ud ---- */

static int match_list(void *ud, const char *folded, size_t flen)
{
    const char *const *terms = ud;
    for (int i = 0; terms[i]; i++)
        if (strlen(terms[i]) == flen && memcmp(terms[i], folded, flen) == 0)
            return i;
    return -1;
}

static void test_snippets(void)
{
    static const char *const wifi[] = {"wifi", "password", NULL};
    static const char *const none[] = {NULL};
    static const struct {
        const char *text, *fallback;
        size_t width;
        const char *const *terms;
        const char *want; /* exact, or NULL */
        const char *contains, *lacks;
    } cases[] = {
        /* Matches marked, whatever their case in the text. */
        {"Change the WiFi password here.", NULL, 200, wifi,
         "Change the <mark>WiFi</mark> <mark>password</mark> here.", NULL, NULL},
        /* Text is escaped; markup only around matches. */
        {"a <b> & wifi", NULL, 200, wifi, "a &lt;b&gt; &amp; <mark>wifi</mark>", NULL, NULL},
        /* Nothing matches: the start of the text, cut at a space. */
        {"one two three four five six seven", NULL, 12, wifi, "one two\xE2\x80\xA6", NULL, NULL},
        /* Empty text: the fallback (a summary). */
        {"", "A summary", 200, wifi, "A summary", NULL, NULL},
        /* No terms at all: the start of the text. */
        {"plain text", NULL, 200, none, "plain text", NULL, NULL},
        /* Paragraph breaks read as spaces. */
        {"wifi\n\nline", NULL, 200, wifi, "<mark>wifi</mark>  line", NULL, NULL},
        /* The window with both terms wins over an earlier one with one. */
        {"wifi is here. xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx "
         "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy and later the wifi password.",
         NULL, 40, wifi, NULL, "<mark>wifi</mark> <mark>password</mark>", "is here"},
        /* Lines with non-ASCII text (through ICU) and ASCII lines (the fast
         * path) in one text: matches found in both kinds. */
        {"Caf\xC3\xA9 wifi \xE2\x80\x9C" "free\xE2\x80\x9D\nask for the password", NULL, 200, wifi,
         NULL, "<mark>wifi</mark>", NULL},
        {"Caf\xC3\xA9 wifi \xE2\x80\x9C" "free\xE2\x80\x9D\nask for the password", NULL, 200, wifi,
         NULL, "<mark>password</mark>", NULL},
    };
    /* Each case twice: the whole text broken into words, and only the
     * words the terms' probes pick: the same snippet. */
    for (int probed = 0; probed < 2; probed++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            char *s = kb_snippet_make(cases[i].text, strlen(cases[i].text), cases[i].fallback,
                                      cases[i].width, cases[i].terms[0] ? 2 : 0,
                                      probed ? cases[i].terms : NULL, match_list,
                                      (void *)cases[i].terms);
            if (cases[i].want)
                CHECK_STR(s, cases[i].want);
            if (cases[i].contains)
                CHECK_CONTAINS(s, cases[i].contains);
            if (cases[i].lacks)
                CHECK(s && !strstr(s, cases[i].lacks));
            free(s);
        }
}

/* Matches a word whose first letters are a term's stem-like prefix, as a
 * stemmer would ("install" ~ "installation", "instal"). */
static int match_prefix(void *ud, const char *folded, size_t flen)
{
    const char *const *terms = ud;
    for (int i = 0; terms[i]; i++) {
        size_t n = strlen(terms[i]);
        if (flen >= n && flen <= n + 4 && memcmp(terms[i], folded, n) == 0)
            return i;
    }
    return -1;
}

/* The probed scan finds the snippet the whole-text scan finds, on texts of
 * real-looking words, punctuation, accents and curly quotes. */
static void test_snippet_probes_agree(void)
{
    static const char *const words[] = {
        "install", "installation", "Installing", "the", "printer", "PRINTERS", "driver",
        "drivers.", "wi-fi", "Wi-Fi", "network,", "caf\xC3\xA9", "r\xC3\xA9seau", "don't",
        "e.g.", "1.5", "1,000", "foo_bar", "\xE2\x80\x9Cquoted\xE2\x80\x9D", "(driver)",
        "\n\n", "x", "printing", "instance", "set-up", "setup", "reinstall",
        "\xC3\x89" "cole", "l'\xC3\xA9" "cole", "ecoles"};
    static const char *const terms[] = {"instal", "printer", "driver", "setup", "fi", "ecol",
                                        NULL};
    const size_t nw = sizeof words / sizeof words[0];
    unsigned seed = 7;
    for (int round = 0; round < 300; round++) {
        char text[4000];
        size_t at = 0;
        int n = 5 + (int)(seed % 300);
        for (int k = 0; k < n && at < sizeof text - 40; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *w = words[(seed >> 16) % nw];
            size_t l = strlen(w);
            memcpy(text + at, w, l);
            at += l;
            text[at++] = ' ';
        }
        text[at] = '\0';
        size_t width = 40 + (size_t)(seed >> 8) % 200;
        char *a = kb_snippet_make(text, at, NULL, width, 6, NULL, match_prefix, (void *)terms);
        char *b = kb_snippet_make(text, at, NULL, width, 6, terms, match_prefix, (void *)terms);
        CHECK_STR(b, a);
        free(a);
        free(b);
    }
}

static void test_unphrase(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"command-line options", "command line options"},
        {"scriptforge.timer service", "scriptforge timer service"},
        {"version 4.2 and 10-20", "version 4.2 and 10-20"}, /* numbers stay */
        {"\"e-mail address\" e-mail", "\"e-mail address\" e mail"}, /* quoted stays */
        {"-spam and c++", "-spam and c++"},                         /* not between words */
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = kb_text_unphrase(cases[i].in);
        CHECK_STR(s, cases[i].want);
        free(s);
    }
}

/* ---- word-level help against a fake index ---- */

static const char *const fake_terms[] = {"github", "wallpap", "wallpaper", "colour", "network",
                                         "email", NULL};
static int fake_has(void *ud, const char *t)
{
    (void)ud;
    for (int i = 0; fake_terms[i]; i++)
        if (strcmp(fake_terms[i], t) == 0)
            return 1;
    return 0;
}

static char *fake_stem(void *ud, const char *w)
{
    (void)ud;
    char *s = strdup(w);
    size_t n = strlen(s);
    if (n > 3 && s[n - 1] == 's')
        s[n - 1] = '\0';
    return s;
}

static char *fake_spell(void *ud, const char *w, unsigned edits)
{
    (void)ud;
    if (strcmp(w, "wallpapre") == 0 && edits >= 2)
        return strdup("wallpaper");
    if (strcmp(w, "netwrk") == 0)
        return strdup("network");
    return NULL;
}

static void test_query_words(void)
{
    struct kb_query_lookup l = {NULL, "en", fake_has, fake_stem, fake_spell};
    /* Most words unknown: corrected. */
    char *c = kb_query_correct("change wallpapre", &l);
    CHECK_STR(c, "change wallpaper");
    free(c);
    /* Known words and stop words left alone: nothing to correct. */
    c = kb_query_correct("the network", &l);
    CHECK(c == NULL);
    free(c);
    /* Most words known: an unknown one is more often a real word. */
    c = kb_query_correct("network wallpapre colour email", &l);
    CHECK(c == NULL);
    free(c);

    char **v = NULL;
    size_t n = kb_query_typos("fix netwrk, now", &l, &v);
    CHECK(n == 1 && strcmp(v[0], "network") == 0);
    kb_query_words_free(v, n);
    n = kb_query_typos("fix my netwrk2", &l, &v); /* part of a longer token */
    CHECK_INT(n, 0);
    kb_query_words_free(v, n);
    n = kb_query_typos("fix my netwrk", &l, &v);
    CHECK(n == 1 && strcmp(v[0], "network") == 0);
    kb_query_words_free(v, n);
    n = kb_query_typos("wallpapre", &l, &v); /* nine letters: two edits */
    CHECK(n == 1 && strcmp(v[0], "wallpaper") == 0);
    kb_query_words_free(v, n);

    n = kb_query_joins("git hub login and e-mail", &l, &v);
    CHECK(n == 2 && strcmp(v[0], "github") == 0 && strcmp(v[1], "email") == 0);
    kb_query_words_free(v, n);
    n = kb_query_joins("git, hub", &l, &v); /* punctuation ends the pair */
    CHECK_INT(n, 0);
    kb_query_words_free(v, n);
}

/* A lone CJK character between other words made Xapian 1.4's parser fail
 * ("parse error", a 400), which a pasted ticket reduced for agent assist
 * hit ("... half therefore 中 constitute ..."). */
static void test_cjk_between_words(void)
{
    char dir[] = "/tmp/kb-test-snippet-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    struct kb_index *ix = NULL;
    struct kb_err err;
    CHECK_INT(kb_index_open(dir, KB_INDEX_WRITE, &ix, &err), 0);
    if (!ix)
        return;
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.number = 1;
    d.audience = KB_AUD_PUBLIC;
    kb_doc_set(&d.source_id, "midb");
    kb_doc_set(&d.title, "Text functions: MIDB");
    kb_doc_set(&d.text, "MIDB(\"\xE4\xB8\xAD\xE5\x9B\xBD\";1;2) returns \xE4\xB8\xAD, one character.");
    CHECK_INT(kb_index_put(ix, KB_DB_PUBLIC, &d, &err), 0);
    kb_doc_release(&d);
    CHECK_INT(kb_index_commit(ix, -1, &err), 0);
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = "returns \xE4\xB8\xAD character";
    struct kb_result *r = NULL;
    int rc = kb_search(ix, KB_ROLE_CUSTOMER, &o, &r, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "cjk search: %s\n", err.msg);
    CHECK(r && r->nhits == 1);
    kb_result_free(r);
    kb_index_close(ix);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

int main(void)
{
    test_snippets();
    test_snippet_probes_agree();
    test_unphrase();
    test_query_words();
    test_cjk_between_words();
    return check_report("test_snippet");
}
