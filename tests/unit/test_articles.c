/* Tests for the writers' article functions: rendering, drafts and their
 * numbers, updates and revisions, locale moves, revert, lists with filters,
 * and the line diff. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/store/articles.h"
#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/ingest/ingest.h"
#include "kb/base/log.h"
#include "kb/store/store.h"

static char dir[64];

static struct kb_store *open_store(const char *name)
{
    char path[160];
    struct kb_store *st = NULL;
    struct kb_err err = {0, ""};
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (kb_store_open(path, &st, &err) != 0) {
        fprintf(stderr, "open %s: %s\n", path, err.msg);
        exit(1);
    }
    return st;
}

static int64_t count_sql(struct kb_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(kb_store_db(st), sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    return n;
}

static int64_t last_seq(struct kb_store *st)
{
    int64_t seq = -1;
    kb_store_outbox_last(st, &seq, NULL);
    return seq;
}

/* A draft as the API builds it: Markdown body rendered. */
static void draft(struct kb_doc *d, const char *title, const char *md)
{
    kb_doc_init(d);
    d->kind = KB_KIND_ARTICLE;
    d->audience = KB_AUD_PUBLIC;
    d->format = KB_FMT_MARKDOWN;
    kb_doc_set(&d->title, title);
    kb_doc_set(&d->locale, "en");
    kb_article_render(KB_FMT_MARKDOWN, md, strlen(md), &d->source, &d->html, &d->text);
}

static int64_t create_ok(struct kb_store *st, const char *title, const char *md)
{
    struct kb_doc d;
    struct kb_err err = {0, ""};
    int64_t n = 0;
    draft(&d, title, md);
    int rc = kb_article_create(st, &d, "writer1", &n, &err);
    if (rc)
        fprintf(stderr, "create '%s': %s\n", title, err.msg);
    CHECK_INT(rc, 0);
    kb_doc_release(&d);
    return n;
}

/* ---- rendering ---- */

static void test_render(void)
{
    static const struct {
        int format;
        const char *body;
        const char *html_has; /* NULL: skip */
        const char *html_not; /* NULL: skip */
        const char *text_has;
    } cases[] = {
        {KB_FMT_MARKDOWN, "| a | b |\n|---|---|\n| 1 | 2 |\n", "<table>", NULL, "1"},
        {KB_FMT_MARKDOWN, "```\nping 10.0.0.1\n```\n", "<pre><code", NULL, "ping 10.0.0.1"},
        {KB_FMT_MARKDOWN, "# Title\n\nSome *text*.", "<em>text</em>", NULL, "Some text."},
        {KB_FMT_MARKDOWN, "hi <script>alert(1)</script>", NULL, "<script", "hi"},
        {KB_FMT_MARKDOWN, "[x](javascript:alert(1))", NULL, "javascript:", "x"},
        {KB_FMT_MARKDOWN, "<img src=x onerror=alert(1)>", NULL, "onerror", ""},
        {KB_FMT_HTML, "<p onclick=\"x()\">Hello</p><script>bad()</script>", "<p>Hello</p>",
         "script", "Hello"},
        {KB_FMT_HTML, "<a href=\"javascript:alert(1)\">go</a>", NULL, "javascript", "go"},
        {KB_FMT_HTML, "<a href=\"https://example.com/\">ok</a>", "href=\"https://example.com/\"",
         NULL, "ok"},
        {KB_FMT_TEXT, "line one\nline <two>\n\npara", "&lt;two&gt;", "<two>", "para"},
        {KB_FMT_MARKDOWN, "", NULL, NULL, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *src = NULL, *html = NULL, *text = NULL;
        kb_article_render(cases[i].format, cases[i].body, strlen(cases[i].body), &src, &html,
                          &text);
        CHECK(src && html && text);
        if (cases[i].html_has)
            CHECK_CONTAINS(html, cases[i].html_has);
        if (cases[i].html_not && html && strstr(html, cases[i].html_not)) {
            fprintf(stderr, "render case %zu: html has '%s': %s\n", i, cases[i].html_not, html);
            CHECK(0);
        }
        CHECK_CONTAINS(text, cases[i].text_has);
        /* The stored HTML survives sanitising again unchanged (reads re-sanitise). */
        char *again = kb_html_sanitize(html, strlen(html));
        CHECK_STR(again, html);
        free(again);
        if (cases[i].format == KB_FMT_HTML) /* the editor gets the sanitised HTML back */
            CHECK_STR(src, html);
        else
            CHECK_STR(src, cases[i].body);
        free(src);
        free(html);
        free(text);
    }
    /* Every out pointer is optional. */
    kb_article_render(KB_FMT_MARKDOWN, "x", 1, NULL, NULL, NULL);
    char *html = NULL;
    kb_article_render(KB_FMT_MARKDOWN, NULL, 0, NULL, &html, NULL);
    CHECK_STR(html, "");
    free(html);
}

/* ---- create ---- */

static void test_create(void)
{
    struct kb_store *st = open_store("create.sqlite3");
    struct kb_err err = {0, ""};
    int64_t n1 = create_ok(st, "Reset your router", "Hold **reset** for 10 s.");
    CHECK_INT(n1, KB_ARTICLE_FIRST_NUMBER);
    struct kb_doc g;
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n1, &g, NULL), 0);
    CHECK_STR(g.source_id, "KB-1000");
    CHECK_INT(g.status, KB_STATUS_DRAFT);
    CHECK_INT(g.format, KB_FMT_MARKDOWN);
    CHECK_STR(g.source, "Hold **reset** for 10 s.");
    CHECK_CONTAINS(g.html, "<strong>reset</strong>");
    CHECK_CONTAINS(g.text, "Hold reset for 10 s.");
    CHECK(g.created > 0);
    kb_doc_release(&g);
    int64_t rev = -1;
    CHECK_INT(kb_article_current_rev(st, n1, &rev, NULL), 0);
    CHECK_INT(rev, 1);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM article_revisions WHERE number = 1000"), 1);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM outbox WHERE number = 1000"), 1);
    int kind = -1;
    int64_t found = 0;
    CHECK_INT(kb_store_find(st, "KB-1000", &kind, &found, NULL), 0);
    CHECK_INT(found, n1);

    /* An imported article already uses the id the next draft would get. */
    struct kb_doc imp;
    kb_doc_init(&imp);
    imp.kind = KB_KIND_ARTICLE;
    kb_doc_set(&imp.source_id, "KB-1002");
    kb_doc_set(&imp.title, "Imported");
    kb_doc_set(&imp.text, "imported text");
    kb_doc_set(&imp.locale, "fr");
    int64_t ni = 0;
    CHECK_INT(kb_store_put(st, &imp, NULL, NULL, &ni, NULL), 0);
    CHECK_INT(ni, 1001);
    kb_doc_release(&imp);
    int64_t n2 = create_ok(st, "Second", "two");
    CHECK_INT(n2, 1002);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n2, &g, NULL), 0);
    CHECK_STR(g.source_id, "KB-1002-2");
    kb_doc_release(&g);
    /* The imported one is untouched. */
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, ni, &g, NULL), 0);
    CHECK_STR(g.title, "Imported");
    kb_doc_release(&g);

    /* Inside a caller's transaction, and the status in d is ignored. */
    CHECK_INT(kb_store_begin(st, NULL), 0);
    struct kb_doc d;
    draft(&d, "In a batch", "batch");
    d.status = KB_STATUS_PUBLISHED;
    int64_t n3 = 0;
    CHECK_INT(kb_article_create(st, &d, NULL, &n3, &err), 0);
    CHECK_INT(kb_store_commit(st, NULL), 0);
    CHECK_INT(n3, 1003);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n3, &g, NULL), 0);
    CHECK_INT(g.status, KB_STATUS_DRAFT);
    CHECK_STR(g.source_id, "KB-1003");
    kb_doc_release(&g);

    /* A missing title is refused and nothing is written. */
    int64_t seq = last_seq(st);
    kb_doc_set(&d.title, "  ");
    CHECK_INT(kb_article_create(st, &d, NULL, &n3, &err), KB_EINVAL);
    CHECK_INT(last_seq(st), seq);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM articles"), 4);
    kb_doc_release(&d);
    kb_store_close(st);
}

/* ---- update, revisions, revert ---- */

static void test_update_revert(void)
{
    struct kb_store *st = open_store("update.sqlite3");
    struct kb_err err = {0, ""};
    int64_t n = create_ok(st, "Wi-Fi drops", "Move the router.\nRestart it.\n");
    CHECK_INT(kb_store_set_status(st, n, KB_STATUS_PUBLISHED, NULL), 0);
    CHECK_INT(kb_store_add_asked_as(st, n, "wifi keeps dropping", NULL), 0);

    struct kb_doc d;
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &d, NULL), 0);
    kb_doc_set(&d.title, "Wi-Fi keeps dropping");
    const char *md = "Move the router.\nUpdate the firmware.\nRestart it.\n";
    free(d.source);
    free(d.html);
    free(d.text);
    kb_article_render(KB_FMT_MARKDOWN, md, strlen(md), &d.source, &d.html, &d.text);
    kb_doc_add_tag(&d, "wifi");
    int changed = -1;
    int64_t seq = last_seq(st);
    CHECK_INT(kb_article_update(st, n, &d, "writer2", &changed, &err), 0);
    CHECK_INT(changed, 1);
    CHECK(last_seq(st) > seq);
    int64_t rev = 0;
    kb_article_current_rev(st, n, &rev, NULL);
    CHECK_INT(rev, 2);

    struct kb_doc g;
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &g, NULL), 0);
    CHECK_INT(g.status, KB_STATUS_PUBLISHED); /* stays published */
    CHECK_STR(g.title, "Wi-Fi keeps dropping");
    CHECK_STR(g.source_id, "KB-1000");
    CHECK_STR(g.asked_as, "wifi keeps dropping"); /* kept */
    CHECK_INT(g.ntags, 1);
    CHECK_CONTAINS(g.text, "Update the firmware.");
    kb_doc_release(&g);

    /* The same content again: nothing written. */
    seq = last_seq(st);
    CHECK_INT(kb_article_update(st, n, &d, "writer2", &changed, &err), 0);
    CHECK_INT(changed, 0);
    CHECK_INT(last_seq(st), seq);

    /* Revisions, newest first. */
    struct kb_revision *revs = NULL;
    size_t nr = 0;
    int64_t total = 0;
    CHECK_INT(kb_article_revisions(st, n, 0, 10, &revs, &nr, &total, &err), 0);
    CHECK_INT(nr, 2);
    CHECK_INT(total, 2);
    if (nr == 2) {
        CHECK_INT(revs[0].rev, 2);
        CHECK_STR(revs[0].author, "writer2");
        CHECK_STR(revs[0].doc.title, "Wi-Fi keeps dropping");
        CHECK_INT(revs[0].source_len, strlen(md));
        CHECK_INT(revs[1].rev, 1);
        CHECK_STR(revs[1].author, "writer1");
        CHECK_INT(revs[1].doc.status, KB_STATUS_DRAFT);
    }
    kb_revisions_free(revs, nr);
    CHECK_INT(kb_article_revisions(st, n, 1, 10, &revs, &nr, &total, &err), 0);
    CHECK_INT(nr, 1);
    kb_revisions_free(revs, nr);
    CHECK_INT(kb_article_revisions(st, 4242, 0, 10, &revs, &nr, &total, &err), KB_ENOTFOUND);

    struct kb_revision r1;
    CHECK_INT(kb_article_revision(st, n, 1, &r1, &err), 0);
    CHECK_STR(r1.doc.title, "Wi-Fi drops");
    CHECK_STR(r1.doc.source, "Move the router.\nRestart it.\n");
    CHECK_INT(r1.doc.format, KB_FMT_MARKDOWN);
    kb_revision_release(&r1);
    CHECK_INT(kb_article_revision(st, n, 9, &r1, &err), KB_ENOTFOUND);
    kb_revision_release(&r1);

    /* Revert to 1: a new revision 3 with 1's content, still published. */
    CHECK_INT(kb_article_revert(st, n, 1, "writer3", &changed, &err), 0);
    CHECK_INT(changed, 1);
    kb_article_current_rev(st, n, &rev, NULL);
    CHECK_INT(rev, 3);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &g, NULL), 0);
    CHECK_STR(g.title, "Wi-Fi drops");
    CHECK_STR(g.source, "Move the router.\nRestart it.\n");
    CHECK_INT(g.ntags, 0);
    CHECK_INT(g.status, KB_STATUS_PUBLISHED);
    kb_doc_release(&g);
    CHECK_INT(kb_article_revert(st, n, 77, "writer3", &changed, &err), KB_ENOTFOUND);
    CHECK_INT(kb_article_revert(st, 4242, 1, "writer3", &changed, &err), KB_ENOTFOUND);
    CHECK_INT(kb_article_update(st, 4242, &d, NULL, &changed, &err), KB_ENOTFOUND);

    /* A status change forces the next update even with the same content. */
    CHECK_INT(kb_store_set_status(st, n, KB_STATUS_DRAFT, NULL), 0);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &g, NULL), 0);
    CHECK_INT(kb_article_update(st, n, &g, NULL, &changed, &err), 0);
    CHECK_INT(g.status, KB_STATUS_DRAFT);
    kb_doc_release(&g);
    kb_doc_release(&d);
    kb_store_close(st);
}

static void test_locale_move(void)
{
    struct kb_store *st = open_store("locale.sqlite3");
    struct kb_err err = {0, ""};
    int64_t n = create_ok(st, "Bonjour", "texte");
    struct kb_doc d;
    int changed = 0;
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &d, NULL), 0);
    kb_doc_set(&d.locale, "fr");
    CHECK_INT(kb_article_update(st, n, &d, NULL, &changed, &err), 0);
    CHECK_INT(changed, 1);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM articles"), 1);
    struct kb_doc g;
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &g, NULL), 0);
    CHECK_STR(g.locale, "fr");
    kb_doc_release(&g);

    /* Another article with the same source id in "de" blocks a move there. */
    struct kb_doc o;
    kb_doc_init(&o);
    o.kind = KB_KIND_ARTICLE;
    kb_doc_set(&o.source_id, "KB-1000");
    kb_doc_set(&o.title, "Hallo");
    kb_doc_set(&o.locale, "de");
    CHECK_INT(kb_store_put(st, &o, NULL, NULL, NULL, NULL), 0);
    kb_doc_release(&o);
    kb_doc_set(&d.locale, "de");
    kb_doc_set(&d.title, "Changed");
    CHECK_INT(kb_article_update(st, n, &d, NULL, &changed, &err), KB_EEXIST);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &g, NULL), 0);
    CHECK_STR(g.locale, "fr"); /* rolled back */
    CHECK_STR(g.title, "Bonjour");
    kb_doc_release(&g);
    kb_doc_set(&d.locale, "no locale!");
    CHECK_INT(kb_article_update(st, n, &d, NULL, &changed, &err), KB_EINVAL);
    kb_doc_release(&d);
    kb_store_close(st);
}

/* ---- list ---- */

static size_t list_count(struct kb_store *st, const struct kb_article_filter *f, int64_t *total,
                         int64_t *first)
{
    struct kb_doc *docs = NULL;
    size_t n = 0;
    struct kb_err err = {0, ""};
    int rc = kb_article_list(st, f, &docs, &n, total, &err);
    if (rc)
        fprintf(stderr, "list: %s\n", err.msg);
    CHECK_INT(rc, 0);
    if (first)
        *first = n ? docs[0].number : 0;
    kb_article_list_free(docs, n);
    return n;
}

static void test_list(void)
{
    struct kb_store *st = open_store("list.sqlite3");
    static const struct {
        const char *title, *category, *locale;
        int audience, status;
    } arts[] = {
        {"Reset the router", "setup", "en", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED},
        {"Router 100% CPU", "perf", "en", KB_AUD_INTERNAL, KB_STATUS_PUBLISHED},
        {"Réinitialiser le routeur", "setup", "fr", KB_AUD_PUBLIC, KB_STATUS_DRAFT},
        {"Billing_codes", "billing", "en", KB_AUD_INTERNAL, KB_STATUS_ARCHIVED},
        {"Mesh setup", "setup", "en", KB_AUD_PUBLIC, KB_STATUS_DRAFT},
    };
    for (size_t i = 0; i < sizeof arts / sizeof arts[0]; i++) {
        struct kb_doc d;
        int64_t n = 0;
        draft(&d, arts[i].title, "body");
        kb_doc_set(&d.category, arts[i].category);
        kb_doc_set(&d.locale, arts[i].locale);
        d.audience = arts[i].audience;
        CHECK_INT(kb_article_create(st, &d, NULL, &n, NULL), 0);
        if (arts[i].status != KB_STATUS_DRAFT)
            CHECK_INT(kb_store_set_status(st, n, arts[i].status, NULL), 0);
        kb_doc_release(&d);
    }
    static const struct {
        int status, audience;
        const char *category, *locale, *q;
        int64_t want;
    } cases[] = {
        {-1, -1, NULL, NULL, NULL, 5},
        {KB_STATUS_PUBLISHED, -1, NULL, NULL, NULL, 2},
        {KB_STATUS_DRAFT, -1, NULL, NULL, NULL, 2},
        {KB_STATUS_ARCHIVED, -1, NULL, NULL, NULL, 1},
        {-1, KB_AUD_INTERNAL, NULL, NULL, NULL, 2},
        {-1, -1, "setup", NULL, NULL, 3},
        {-1, -1, NULL, "fr", NULL, 1},
        {-1, -1, NULL, NULL, "router", 2},       /* ASCII case ignored */
        {-1, -1, NULL, NULL, "ROUTEUR", 1},
        {-1, -1, NULL, NULL, "100%", 1},         /* % is literal */
        {-1, -1, NULL, NULL, "g_c", 1},          /* _ is literal */
        {-1, -1, NULL, NULL, "%", 1},
        {-1, -1, NULL, NULL, "KB-1003", 1},      /* source id, and number */
        {-1, -1, NULL, NULL, "1004", 1},
        {KB_STATUS_DRAFT, KB_AUD_PUBLIC, "setup", "en", "mesh", 1},
        {KB_STATUS_PUBLISHED, -1, NULL, NULL, "mesh", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct kb_article_filter f = {cases[i].status, cases[i].audience, cases[i].category,
                                      cases[i].locale, cases[i].q, 0, 50};
        int64_t total = -1;
        size_t n = list_count(st, &f, &total, NULL);
        if ((int64_t)n != cases[i].want)
            fprintf(stderr, "list case %zu: %zu rows, want %lld\n", i, n,
                    (long long)cases[i].want);
        CHECK_INT(n, cases[i].want);
        CHECK_INT(total, cases[i].want);
    }
    /* Paging: newest first, total over all pages. */
    struct kb_article_filter f = {-1, -1, NULL, NULL, NULL, 0, 2};
    int64_t total = 0, first = 0;
    CHECK_INT(list_count(st, &f, &total, &first), 2);
    CHECK_INT(total, 5);
    CHECK_INT(first, 1004);
    f.offset = 4;
    CHECK_INT(list_count(st, &f, &total, &first), 1);
    CHECK_INT(first, 1000);
    f.offset = 10;
    CHECK_INT(list_count(st, &f, &total, NULL), 0);
    CHECK_INT(total, 5);
    /* Limits are checked. */
    struct kb_doc *docs = NULL;
    size_t n = 0;
    f.limit = 0;
    CHECK_INT(kb_article_list(st, &f, &docs, &n, NULL, NULL), KB_EINVAL);
    f.limit = KB_ARTICLE_LIST_MAX + 1;
    CHECK_INT(kb_article_list(st, &f, &docs, &n, NULL, NULL), KB_EINVAL);
    /* List rows carry no bodies but do carry tags and status. */
    f.limit = 1;
    f.offset = 0;
    CHECK_INT(kb_article_list(st, &f, &docs, &n, NULL, NULL), 0);
    CHECK_INT(n, 1);
    if (n) {
        CHECK(docs[0].text == NULL && docs[0].html == NULL);
        CHECK_STR(docs[0].title, "Mesh setup");
        CHECK_INT(docs[0].status, KB_STATUS_DRAFT);
    }
    kb_article_list_free(docs, n);
    kb_store_close(st);
}

/* ---- line diff ---- */

/* The diff as one string: each line "<op><text>\n". */
static char *diff_str(const char *a, const char *b, size_t cells, int *approx)
{
    struct kb_diff_line *d = NULL;
    size_t n = 0;
    kb_line_diff(a, b, cells, &d, &n, approx);
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += d[i].len + 2;
    char *s = malloc(len), *p = s;
    for (size_t i = 0; i < n; i++) {
        *p++ = d[i].op;
        memcpy(p, d[i].text, d[i].len);
        p += d[i].len;
        *p++ = '\n';
    }
    *p = '\0';
    free(d);
    return s;
}

static void test_diff(void)
{
    static const struct {
        const char *a, *b, *want;
    } cases[] = {
        {"", "", ""},
        {"a\nb\n", "a\nb\n", " a\n b\n"},
        {"", "x\ny", "+x\n+y\n"},
        {"x\ny\n", "", "-x\n-y\n"},
        {"a\nb\nc\n", "a\nc\n", " a\n-b\n c\n"},
        {"a\nc\n", "a\nb\nc\n", " a\n+b\n c\n"},
        {"a\nb\nc\n", "a\nB\nc\n", " a\n-b\n+B\n c\n"},
        {"a\r\nb\r\n", "a\nb", " a\n b\n"},                 /* CRLF and last newline */
        {"x\na\nb\nc\ny\n", "a\nz\nb\nc\n", "-x\n a\n+z\n b\n c\n-y\n"},
        {"1\n2\n3\n4\n", "4\n1\n2\n3\n", "+4\n 1\n 2\n 3\n-4\n"},
        {"a\n\nb\n", "a\nb\n", " a\n-\n b\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int approx = -1;
        char *s = diff_str(cases[i].a, cases[i].b, 0, &approx);
        if (strcmp(s, cases[i].want) != 0)
            fprintf(stderr, "diff case %zu:\n%s---- want:\n%s", i, s, cases[i].want);
        CHECK_STR(s, cases[i].want);
        CHECK_INT(approx, 0);
        free(s);
    }
    /* Over the cell cap: the common head and tail stay, the middle is
     * replaced wholesale. */
    int approx = 0;
    char *s = diff_str("h\na\nb\nt\n", "h\nc\nd\nt\n", 3, &approx);
    CHECK_STR(s, " h\n-a\n-b\n+c\n+d\n t\n");
    CHECK_INT(approx, 1);
    free(s);
    /* A big body with one change in the middle is exact despite the cap. */
    size_t nlines = 50000;
    char *big = malloc(nlines * 8 + 1), *big2;
    char *p = big;
    for (size_t i = 0; i < nlines; i++)
        p += sprintf(p, "l%05zu\n", i);
    big2 = strdup(big);
    big2[25000 * 7 + 1] = 'X';
    struct kb_diff_line *d = NULL;
    size_t n = 0;
    kb_line_diff(big, big2, 0, &d, &n, &approx);
    CHECK_INT(n, nlines + 1);
    CHECK_INT(approx, 0);
    size_t plus = 0, minus = 0;
    for (size_t i = 0; i < n; i++) {
        plus += d[i].op == '+';
        minus += d[i].op == '-';
    }
    CHECK_INT(plus, 1);
    CHECK_INT(minus, 1);
    free(d);
    /* Completely different big bodies fall back instead of a huge table. */
    for (char *q = big2; *q; q++)
        if (*q == 'l')
            *q = 'm';
    kb_line_diff(big, big2, 0, &d, &n, &approx);
    CHECK_INT(n, 2 * nlines);
    CHECK_INT(approx, 1);
    free(d);
    free(big);
    free(big2);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_articles: could not remove %s\n", dir);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/test_articles.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_render();
    test_create();
    test_update_revert();
    test_locale_move();
    test_list();
    test_diff();
    cleanup();
    return check_report("test_articles");
}
