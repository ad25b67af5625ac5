/* The sanitiser's report of what it removed (issue 20): the editor shows
 * writers that a <script>, an event handler, a javascript: URL, an
 * <iframe> or a style attribute was dropped instead of letting it vanish
 * silently. Table-driven: input, the report's text. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb/base/buf.h"
#include "kb/base/text.h"
#include "kb/ingest/ingest.h"
#include "kb/store/articles.h"

struct rep_case {
    const char *in;
    const char *report; /* the whole report text ("" when nothing was removed) */
};

static const struct rep_case html_cases[] = {
    {"<p>plain</p>", ""},
    {"<p>a</p><script>alert(1)</script><p>b</p>", "<script> element (1)"},
    {"<script>a()</script><p>x</p><script>b()</script>", "<script> element (2)"},
    {"<p onclick=\"x()\">a</p><p onclick=\"y()\" style=\"color:red\">b</p>",
     "onclick attribute (2), style attribute (1)"},
    {"<a href=\"javascript:alert(1)\">x</a>", "javascript: URL (1)"},
    {"<iframe src=\"https://evil.example/\"></iframe><p>t</p>", "<iframe> element (1)"},
    {"<img src=\"x.png\" onerror=\"alert(1)\">", "onerror attribute (1)"},
    {"<div style=\"position:fixed\">d</div>", "style attribute (1)"},
    {"<span onmouseover=\"x()\">s</span>", "onmouseover attribute (1)"},
    {"<style>p{color:red}</style><p>x</p>", "<style> element (1)"},
    /* harmless attributes a writer would not miss are not listed */
    {"<p class=\"note\" id=\"a\">x</p>", ""},
    /* kept attributes are not listed */
    {"<a href=\"https://ok.example/\" title=\"t\">ok</a><img src=\"/kb/media/a.png\" alt=\"a\">", ""},
};

static void test_html_report(void)
{
    for (size_t i = 0; i < sizeof html_cases / sizeof html_cases[0]; i++) {
        struct kb_san_report rep;
        char *out = kb_html_sanitize_report(html_cases[i].in, strlen(html_cases[i].in), &rep);
        struct kb_buf t = KB_BUF_INIT;
        kb_san_report_text(&rep, &t);
        CHECK_STR(kb_buf_str(&t), html_cases[i].report);
        /* the report changes nothing in what is kept */
        char *plain = kb_html_sanitize(html_cases[i].in, strlen(html_cases[i].in));
        CHECK_STR(out, plain);
        free(plain);
        free(out);
        kb_buf_release(&t);
    }
}

static void test_markdown_report(void)
{
    static const char md[] = "# Title\n\nText <b onclick=\"x()\">bold</b>\n\n"
                             "<script>alert(1)</script>\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n";
    struct kb_san_report rep;
    char *out = kb_markdown_html_report(md, strlen(md), &rep);
    struct kb_buf t = KB_BUF_INIT;
    kb_san_report_text(&rep, &t);
    /* the table's alignment is Markdown's own markup, not the writer's loss */
    CHECK_STR(kb_buf_str(&t), "onclick attribute (1), <script> element (1)");
    CHECK(!strstr(out, "alert"));
    free(out);
    kb_buf_release(&t);
}

static void test_article_render_report(void)
{
    static const char html[] = "<p>x</p><script>steal()</script><a href=\"javascript:x()\">l</a>";
    struct kb_san_report rep;
    char *h = NULL;
    kb_article_render_report(KB_FMT_HTML, html, strlen(html), NULL, &h, NULL, &rep);
    struct kb_buf t = KB_BUF_INIT;
    kb_san_report_text(&rep, &t);
    CHECK_STR(kb_buf_str(&t), "<script> element (1), javascript: URL (1)");
    CHECK(h && !strstr(h, "steal"));
    free(h);
    kb_buf_release(&t);
    /* plain text removes nothing even when it looks like markup */
    static const char text[] = "type <script> in the box";
    kb_article_render_report(KB_FMT_TEXT, text, strlen(text), NULL, NULL, NULL, &rep);
    CHECK_INT(rep.n, 0);
}

static void test_report_is_bounded(void)
{
    struct kb_buf in = KB_BUF_INIT;
    for (int i = 0; i < 40; i++)
        kb_buf_printf(&in, "<p data-x=\"1\" on%c%c=\"x()\">p</p>", 'a' + i % 26, 'a' + i / 26);
    struct kb_san_report rep;
    char *out = kb_html_sanitize_report(kb_buf_str(&in), in.len, &rep);
    CHECK_INT(rep.n, KB_SAN_KINDS);
    CHECK_INT(rep.other, 40 - KB_SAN_KINDS);
    struct kb_buf t = KB_BUF_INIT;
    kb_san_report_text(&rep, &t);
    CHECK_CONTAINS(kb_buf_str(&t), "and 24 more");
    free(out);
    kb_buf_release(&t);
    kb_buf_release(&in);
}

/* A long non-ASCII name is cut to fit the report: at a character's edge,
 * so the entry stays valid UTF-8 and is listed (JSON drops invalid text). */
static void test_long_names_stay_utf8(void)
{
    static const char *const in[] = {
        "<p xy\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
        "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9=\"1\">a</p>",
    };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        struct kb_san_report rep;
        free(kb_html_sanitize_report(in[i], strlen(in[i]), &rep));
        CHECK(rep.n >= 1);
        for (size_t k = 0; k < rep.n; k++)
            CHECK(kb_utf8_valid(rep.item[k].what, strlen(rep.item[k].what)));
    }
}

int main(void)
{
    test_html_report();
    test_markdown_report();
    test_long_names_stay_utf8();
    test_article_render_report();
    test_report_is_bounded();
    return check_report("test_sanitize_report");
}
