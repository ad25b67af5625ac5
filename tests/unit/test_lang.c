/* Tests for per-language analysis (issue 16): stop words of every language
 * Debian has a list for, accents folded after stemming, and Chinese,
 * Japanese and Korean queries matching any of their character bigrams. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/buf.h"
#include "kb/base/stopwords.h"
#include "kb/base/text.h"
#include "kb/index/index.h"
#include "kb/search/search.h"

static void put(struct kb_index *ix, int64_t n, const char *src, const char *title,
                const char *text, const char *locale)
{
    struct kb_doc d;
    struct kb_err err;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.number = n;
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.text, text);
    kb_doc_set(&d.locale, locale);
    d.audience = KB_AUD_PUBLIC;
    d.updated = 1700000000 + n;
    int rc = kb_index_put(ix, KB_DB_PUBLIC, &d, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "put: %s\n", err.msg);
    kb_doc_release(&d);
}

static struct kb_result *search(struct kb_index *ix, const char *q, const char *locale)
{
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = q;
    o.locale = locale;
    struct kb_result *r = NULL;
    struct kb_err err;
    int rc = kb_search(ix, KB_ROLE_CUSTOMER, &o, &r, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "search '%s': %s\n", q, err.msg);
    return r;
}

static const char *first_id(const struct kb_result *r)
{
    return r && r->nhits ? r->hits[0].source_id : "(none)";
}

static const char *nth_id(const struct kb_result *r, size_t i)
{
    return r && r->nhits > i ? r->hits[i].source_id : "(none)";
}

/* The generated lists: folded as kb_text_fold folds, sorted, no repeats. */
static void test_lists(void)
{
    CHECK(kb_stopword_nlists >= 15);
    for (size_t i = 0; i < kb_stopword_nlists; i++) {
        const struct kb_stopword_list *l = &kb_stopword_lists[i];
        CHECK(l->count > 0);
        for (size_t k = 0; k < l->count; k++) {
            struct kb_buf b = KB_BUF_INIT;
            CHECK_INT(kb_text_fold(l->words[k], strlen(l->words[k]), &b), 0);
            CHECK_STR(kb_buf_str(&b), l->words[k]);
            kb_buf_release(&b);
            if (k)
                CHECK(strcmp(l->words[k - 1], l->words[k]) < 0);
        }
    }
    CHECK(kb_stopwords_of("de") != NULL);
    CHECK(kb_stopwords_of("tr") == NULL);
}

static void test_stopword_lookup(void)
{
    static const struct {
        const char *word, *locale;
        int stop;
    } cases[] = {
        {"the", "en", 1},     {"i'd", "en", 1},     {"not", "en", 0},    {"out", "en", 0},      {"how", NULL, 1},    {"wifi", "en", 0},
        {"der", "de", 1},     {"und", "de-AT", 1},   {"uber", "de", 1},   {"über", "de", 1},
        {"passwort", "de", 0}, {"des", "fr", 1},     {"nous", "fr", 1},   {"reseau", "fr", 0},
        {"и", "ru", 1},       {"её", "ru", 1},       {"ее", "ru", 1},     {"мой", "ru", 1},
        {"пароль", "ru", 0},  {"og", "nb", 1},       {"og", "da", 1},     {"ve", "tr", 0},
        {"el", "es", 1},      {"der", "en", 0},      {"the", "de", 0},    {"の", "ja", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = kb_index_stopword(cases[i].word, cases[i].locale);
        if (got != cases[i].stop)
            fprintf(stderr, "stopword '%s' (%s): %d\n", cases[i].word,
                    cases[i].locale ? cases[i].locale : "-", got);
        CHECK_INT(got, cases[i].stop);
    }
}

/* A German, French and Russian question's function words no longer rank
 * the page that has many of them above the one about the question. */
static void test_stopword_search(struct kb_index *rd)
{
    struct kb_result *r = search(rd, "Wie kann ich das Passwort ändern", "de");
    CHECK_STR(first_id(r), "de-pw");
    kb_result_free(r);
    r = search(rd, "comment est-ce que je peux changer le mot de passe", "fr");
    CHECK_STR(first_id(r), "fr-pw");
    kb_result_free(r);
    r = search(rd, "как мне и что изменить пароль", "ru");
    CHECK_STR(first_id(r), "ru-pw");
    kb_result_free(r);
    /* A query of stop words alone keeps them. */
    r = search(rd, "und oder", "de");
    CHECK(r && r->nhits > 0);
    kb_result_free(r);
}

/* Russian stems the word as written (й, ё), then folds the stem: "сетевые"
 * meets "сетевой" (folded first it was "сетевои", another stem), and an
 * unaccented "емкость" still meets "ёмкость". */
static void test_accents(struct kb_index *rd)
{
    struct kb_result *r = search(rd, "сетевые интерфейсы", "ru");
    CHECK_STR(first_id(r), "ru-net");
    kb_result_free(r);
    r = search(rd, "емкость", "ru");
    CHECK_STR(first_id(r), "ru-bat");
    kb_result_free(r);
    r = search(rd, "ёмкость", "ru");
    CHECK_STR(first_id(r), "ru-bat");
    kb_result_free(r);
    CHECK_INT(kb_index_keeps_accents("ru"), 1);
    CHECK_INT(kb_index_keeps_accents("tr"), 1);
    CHECK_INT(kb_index_keeps_accents("en"), 0);
}

/* Chinese, Japanese and Korean queries: any character bigram matches, so
 * a query typed without the page's punctuation finds it; pages with every
 * bigram rank first. */
static void test_cjk(struct kb_index *rd)
{
    struct kb_result *r = search(rd, "ログアウトユーザーの切り替え", "ja");
    CHECK_STR(first_id(r), "ja-exit");
    kb_result_free(r);
    r = search(rd, "切り替え", "ja");
    CHECK_STR(first_id(r), "ja-exit");
    CHECK_STR(nth_id(r, 1), "ja-part"); /* 切り only: found, below */
    kb_result_free(r);
    r = search(rd, "退出您的帐号像注销", "zh");
    CHECK_STR(first_id(r), "zh-exit");
    kb_result_free(r);
    r = search(rd, "切换用户", "zh");
    CHECK_STR(first_id(r), "zh-exit");
    CHECK_STR(nth_id(r, 1), "zh-part");
    kb_result_free(r);
    r = search(rd, "사용자계정나가기", "ko");
    CHECK_STR(first_id(r), "ko-exit");
    kb_result_free(r);
}

int main(void)
{
    test_lists();
    test_stopword_lookup();

    char dir[] = "/tmp/kb-test-lang-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/index", dir);
    struct kb_index *ix = NULL, *rd = NULL;
    struct kb_err err;
    CHECK_INT(kb_index_open(path, KB_INDEX_WRITE, &ix, &err), 0);
    put(ix, 1, "de-pw", "Passwort ändern", "Öffnen Sie die Einstellungen und geben Sie ein neues Passwort ein.", "de");
    put(ix, 2, "de-chat", "Wie kann ich das melden?",
        "Wie kann ich das tun, wenn ich das nicht kann? Das ist, wie ich es sehe, die Frage und oder.", "de");
    put(ix, 3, "fr-pw", "Changer le mot de passe", "Ouvrez les paramètres et saisissez un nouveau mot de passe.", "fr");
    put(ix, 4, "fr-chat", "Comment est-ce que je peux le faire ?",
        "Est-ce que je peux le faire comme ce que je fais ? Que je le peux, est-ce le cas ?", "fr");
    put(ix, 5, "ru-pw", "Смена пароля", "Откройте настройки и введите новый пароль.", "ru");
    put(ix, 6, "ru-chat", "Как мне это сделать?",
        "Как мне и что сделать, и как мне что понять? Что и как, и что.", "ru");
    put(ix, 7, "ja-exit", "終了",
        "ログアウト、ユーザーの切り替えなどによる、アカウントの抜け方を学びます。", "ja");
    put(ix, 8, "ja-part", "編集", "テキストを切り取り、切り取った文字を貼り付けます。切り取り。", "ja");
    put(ix, 9, "zh-exit", "结束", "了解如何退出您的帐号，像注销、切换用户等等。", "zh");
    put(ix, 10, "zh-part", "设置", "添加新的用户帐号。用户可以更改自己的用户设置。", "zh");
    put(ix, 11, "ko-exit", "끝",
        "사용자 계정 나가기, 로그아웃, 사용자 전환 등을 진행하는 방법을 알아봅니다.", "ko");
    put(ix, 12, "ru-net", "Настройка", "Выберите сетевой интерфейс в списке.", "ru");
    put(ix, 13, "ru-bat", "Батарея", "Ёмкость батареи со временем уменьшается.", "ru");
    CHECK_INT(kb_index_commit(ix, 1, &err), 0);
    CHECK_INT(kb_index_open(path, KB_INDEX_READ, &rd, &err), 0);

    test_stopword_search(rd);
    test_cjk(rd);
    test_accents(rd);

    kb_index_close(rd);
    kb_index_close(ix);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
    return check_report("test_lang");
}
