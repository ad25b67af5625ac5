/* Tests for kb/base/text.c: folding, normalisation, segmentation, UTF-8. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb/base/buf.h"
#include "kb/base/text.h"

static char *norm(const char *s)
{
    struct kb_buf b = KB_BUF_INIT;
    CHECK_INT(kb_text_normalize(s, strlen(s), &b), 0);
    return kb_buf_detach(&b);
}

struct word_list {
    char out[512];
    char spans[512];
};

static int collect(void *ud, size_t start, size_t end, const char *folded, size_t flen)
{
    struct word_list *w = ud;
    size_t n = strlen(w->out);
    snprintf(w->out + n, sizeof w->out - n, "%s%.*s", n ? "|" : "", (int)flen, folded);
    n = strlen(w->spans);
    snprintf(w->spans + n, sizeof w->spans - n, "%s%zu-%zu", n ? "," : "", start, end);
    return 0;
}

/* The compounds the index adds for a text (kb_text_compounds). */
static void check_compounds(const char *text, const char *want)
{
    struct kb_buf b = KB_BUF_INIT;
    kb_text_compounds(text, strlen(text), &b);
    CHECK_STR(kb_buf_str(&b), want);
    kb_buf_release(&b);
}

int main(void)
{
    static const struct { const char *in, *want; } cases[] = {
        {"Change My Desktop", "change my desktop"},
        {"Réseau sans fil", "reseau sans fil"},
        {"PARAMÈTRES du réseau", "parametres du reseau"},
        {"Straße", "strasse"},
        {"ﬁle ｆｕｌｌｗｉｄｔｈ", "file fullwidth"},         /* NFKC */
        {"Ångström café naïve", "angstrom cafe naive"},
        {"Łódź Ørsted", "lodz orsted"},
        {"Ελληνικά", "ελληνικα"},                         /* Greek accents dropped, casefolded */
        {"ПРИВЕТ мир", "привет мир"},
        {"\"exact phrase\" here", "\"exact phrase\" here"}, /* query syntax survives */
        {"重置路由器", "重置路由器"},                        /* Chinese: bigrams in the index */
        {"如何重置路由器的密码", NULL},                      /* checked below */
        {"हिन्दी", "हिन्दी"},                              /* Devanagari marks kept */
        {"ภาษาไทย", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = norm(cases[i].in);
        if (cases[i].want)
            CHECK_STR(got, cases[i].want);
        free(got);
    }
    check_compounds("open the wi-fi menu", "wifi");
    check_compounds("your e-mail. next", "email");
    check_compounds("node.js and set-up", "nodejs setup");
    check_compounds("wi-fi-netzwerk", "wifi wifinetzwerk finetzwerk");
    check_compounds("version 1.4 or 2-3, v1.2", "");        /* numbers stay numbers */
    check_compounds("www.a.b.c.example.org", "");           /* a host name is no compound */
    check_compounds("see mail.google.com or x.org/a", ""); /* nor an address */
    check_compounds("no compounds here", "");
    char *zh = norm("如何重置路由器的密码？");
    CHECK_CONTAINS(zh, "路由器");
    free(zh);
    char *th = norm("ภาษาไทยง่ายนิดเดียว");
    CHECK_CONTAINS(th, " ");
    free(th);

    /* fold */
    struct kb_buf b = KB_BUF_INIT;
    CHECK_INT(kb_text_fold("ÉCOLE", strlen("ÉCOLE"), &b), 0);
    CHECK_STR(kb_buf_str(&b), "ecole");
    kb_buf_release(&b);

    /* words with byte spans in the original */
    struct word_list w = {{0}, {0}};
    kb_text_words("Hello, Wi-Fi world's", strlen("Hello, Wi-Fi world's"), collect, &w);
    CHECK_STR(w.out, "hello|wi|fi|world's");
    CHECK_STR(w.spans, "0-5,7-9,10-12,13-20");
    struct word_list w2 = {{0}, {0}};
    const char *fr = "Le réseau, déjà";
    kb_text_words(fr, strlen(fr), collect, &w2);
    CHECK_STR(w2.out, "le|reseau|deja");
    CHECK_STR(w2.spans, "0-2,3-10,12-18");
    struct word_list w3 = {{0}, {0}};
    const char *zw = "重置路由器";
    kb_text_words(zw, strlen(zw), collect, &w3);
    CHECK_CONTAINS(w3.out, "重");

    /* UTF-8 */
    CHECK(kb_utf8_valid("abc", 3));
    CHECK(kb_utf8_valid("é", 2));
    CHECK(!kb_utf8_valid("\xC3", 1));
    CHECK(!kb_utf8_valid("\xC0\xAF", 2));          /* overlong '/' */
    CHECK(!kb_utf8_valid("\xED\xA0\x80", 3));      /* surrogate */
    CHECK(!kb_utf8_valid("\xF4\x90\x80\x80", 4));  /* > U+10FFFF */
    char *fixed = kb_utf8_fix("a\xFF" "b", 3);
    CHECK_STR(fixed, "a\xEF\xBF\xBD" "b");
    free(fixed);
    char *bad = norm("caf\xC3");
    CHECK_CONTAINS(bad, "caf");
    free(bad);
    return check_report("test_text");
}
