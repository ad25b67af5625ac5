/* Ingest, the HTML side: the allowlist sanitiser (tables of hostile and
 * allowed markup), plain text of HTML, Markdown rendering, and format
 * detection. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb/ingest/ingest.h"

struct san_case {
    const char *in;
    const char *must;     /* substring the output must contain, or NULL */
    const char *must_not; /* substring it must not contain, or NULL */
};

static const struct san_case san_cases[] = {
    /* scripts, styles and embedded content go with their content */
    {"<p>a</p><script>alert(1)</script><p>b</p>", "<p>a</p><p>b</p>", "alert"},
    {"<SCRIPT SRC=//evil/x.js></SCRIPT>ok", "ok", "evil"},
    {"<style>p{color:red}</style><p>x</p>", "<p>x</p>", "color"},
    {"<iframe src=\"https://evil\">inside</iframe>t", "t", "inside"},
    {"<object data=x>obj</object><embed src=x>", NULL, "obj"},
    {"<form action=/x><input name=q><button>Go</button></form>after", "after", "Go"},
    {"<svg><script>alert(1)</script></svg>s", "s", "alert"},
    {"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>n", "n", "onerror"},
    {"<textarea><script>alert(1)</script></textarea>", NULL, "script"},
    {"<!-- <script>alert(1)</script> -->c", "c", "alert"},
    /* event handlers and style attributes */
    {"<img src=x.png onerror=alert(1)>", "<img src=\"x.png\"/>", "onerror"},
    {"<p onclick=\"steal()\" style=\"color:red\" class=\"x\">p</p>", "<p>p</p>", "steal"},
    {"<div onmouseover='x()'>d</div>", "<div>d</div>", "onmouseover"},
    {"<a href=\"https://ok.example/\" onclick=\"x()\">ok</a>", "<a href=\"https://ok.example/\">ok</a>", "onclick"},
    /* javascript: in every spelling */
    {"<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>", "javascript"},
    {"<a href=\"JaVaScRiPt:alert(1)\">x</a>", "<a>x</a>", "alert"},
    {"<a href=\"  javascript:alert(1)\">x</a>", "<a>x</a>", "alert"},
    {"<a href=\"jav&#x09;ascript:alert(1)\">x</a>", "<a>x</a>", "alert"},
    {"<a href=\"jav&#9;ascript:alert(1)\">x</a>", "<a>x</a>", "alert"},
    {"<a href=\"jav&#x0A;ascript:alert(1)\">x</a>", "<a>x</a>", "alert"},
    {"<a href=\"&#106;avascript:alert(1)\">x</a>", "<a>x</a>", "alert"},
    {"<a href=\"&#x6A;&#x61;vascript&#x3A;alert(1)\">x</a>", "<a>x</a>", "alert"},
    {"<a href=\"javascript&colon;alert(1)\">x</a>", "<a>x</a>", "alert"},
    {"<a href=\"java\nscript:alert(1)\">x</a>", "<a>x</a>", "alert"},
    {"<a href=\"vbscript:msgbox(1)\">x</a>", "<a>x</a>", "vbscript"},
    {"<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>", "<a>x</a>", "data:"},
    {"<IMG SRC=\"javascript:alert('XSS')\">i", "i", "img"},
    {"<img src=\"data:image/png;base64,iVBOR\">", NULL, "img"},
    {"<img src=\"mailto:a@b\">", NULL, "img"},
    /* allowed links and images */
    {"<a href=\"http://example.com/a?b=1&amp;c=2\">h</a>", "href=\"http://example.com/a?b=1&amp;c=2\"", NULL},
    {"<a href=\"mailto:help@example.com\">m</a>", "href=\"mailto:help@example.com\"", NULL},
    {"<a href=\"../other/page.html\">r</a>", "href=\"../other/page.html\"", NULL},
    {"<a href=\"#install\">f</a>", "href=\"#install\"", NULL},
    {"<a href=\"/kb/42\" title=\"Article 42\">t</a>", "<a href=\"/kb/42\" title=\"Article 42\">t</a>", NULL},
    {"<img src=\"https://cdn.example.com/a.png\" alt=\"A &quot;pic&quot;\" width=\"10\" height=\"x\">",
     "<img src=\"https://cdn.example.com/a.png\" alt=\"A &quot;pic&quot;\" width=\"10\"/>", "height"},
    /* allowed markup kept */
    {"<h2>T</h2><ul><li><em>e</em> <strong>s</strong></li></ul>", "<h2>T</h2><ul><li><em>e</em> <strong>s</strong></li></ul>", NULL},
    {"<table><thead><tr><th colspan=\"2\">h</th></tr></thead><tbody><tr><td>a</td><td>b</td></tr></tbody></table>",
     "<th colspan=\"2\">h</th>", NULL},
    {"<pre><code class=\"language-sh\">ls -l\n  x</code></pre>", "<pre><code class=\"language-sh\">ls -l\n  x</code></pre>", NULL},
    {"<code class=\"x\" onclick=\"y\">c</code>", "<code>c</code>", "onclick"},
    {"<blockquote>q</blockquote><hr><p>a<br>b</p>", "<blockquote>q</blockquote><hr/><p>a<br/>b</p>", NULL},
    {"<dl><dt>t</dt><dd>d</dd></dl><kbd>K</kbd><sup>2</sup><sub>1</sub><del>x</del><s>y</s><u>z</u>",
     "<dl><dt>t</dt><dd>d</dd></dl><kbd>K</kbd><sup>2</sup><sub>1</sub><del>x</del><s>y</s><u>z</u>", NULL},
    {"<ol start=\"3\"><li>c</li></ol>", "<ol start=\"3\">", NULL},
    /* unknown tags keep their text; output is escaped and balanced */
    {"<custom-widget>inner <b>bold</b></custom-widget>", "inner <b>bold</b>", "custom"},
    {"<font color=red>f</font><center>c</center>", "f<div>c</div>", "font"},
    {"<b>unclosed <i>tags", "<b>unclosed <i>tags</i></b>", NULL},
    {"a &lt;script&gt; b", "a &lt;script&gt; b", "<script"},
    {"<a title='\"><script>x</script>' href=\"/\">q</a>", "title=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\"", "<script"},
    {"<p>caf\xc3\xa9 \xe2\x82\xac</p>", "<p>caf\xc3\xa9 \xe2\x82\xac</p>", NULL},
    {"<p>bad \xff byte</p>", "<p>bad \xef\xbf\xbd byte</p>", NULL},
    {"<meta http-equiv=refresh content=0;url=x><base href=//evil/><link rel=stylesheet href=x>m", "m", "evil"},
};

static void test_sanitize(void)
{
    for (size_t i = 0; i < sizeof san_cases / sizeof san_cases[0]; i++) {
        const struct san_case *c = &san_cases[i];
        char *out = kb_html_sanitize(c->in, strlen(c->in));
        if (c->must)
            CHECK_CONTAINS(out, c->must);
        if (c->must_not && strstr(out, c->must_not)) {
            CHECK(!"sanitised output contains what it must not");
            fprintf(stderr, "  case %zu: %s\n  -> %s\n", i, c->in, out);
        } else {
            CHECK(1);
        }
        free(out);
    }
    char *out = kb_html_sanitize("", 0);
    CHECK_STR(out, "");
    free(out);
    out = kb_html_sanitize(NULL, 0);
    CHECK_STR(out, "");
    free(out);
}

static void test_html_text(void)
{
    static const struct { const char *in, *want; } cases[] = {
        {"<p>one</p><p>two</p>", "one\n\ntwo"},
        {"<h1>Title</h1>\n\n  <p>Body   text\n here</p>", "Title\n\nBody text here"},
        {"<ul><li>a</li><li>b</li></ul><p>after</p>", "a\nb\n\nafter"},
        {"<p>line<br>break</p>", "line\nbreak"},
        {"<pre>  keep\n    indent</pre>", "keep\n    indent"},
        {"x<script>hidden()</script>y", "xy"},
        {"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a b\nc d"},
        {"&amp; &lt;b&gt;", "& <b>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = kb_html_text(cases[i].in, strlen(cases[i].in));
        if (strcmp(cases[i].in, "<pre>  keep\n    indent</pre>") == 0)
            CHECK_CONTAINS(t, cases[i].want);
        else
            CHECK_STR(t, cases[i].want);
        free(t);
    }
}

static void test_markdown_html(void)
{
    const char *md = "# Title\n\n**bold** and ~~gone~~ and https://example.com\n\n"
                     "| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>\n\n"
                     "[x](javascript:alert(1)) <img src=x onerror=alert(2)>\n";
    char *h = kb_markdown_html(md, strlen(md));
    CHECK_CONTAINS(h, "<h1>Title</h1>");
    CHECK_CONTAINS(h, "<strong>bold</strong>");
    CHECK_CONTAINS(h, "<del>gone</del>");
    CHECK_CONTAINS(h, "<a href=\"https://example.com\">https://example.com</a>");
    CHECK_CONTAINS(h, "<td>1</td>");
    CHECK(strstr(h, "alert") == NULL);
    CHECK(strstr(h, "<script") == NULL);
    CHECK(strstr(h, "onerror") == NULL);
    free(h);
}

struct det_case {
    const char *name;
    const char *data;
    int want;
};

static const struct det_case det_cases[] = {
    {"a.html", "<!DOCTYPE html><html><body><p>x</p></body></html>", KB_IN_HTML},
    {NULL, "\xEF\xBB\xBF  <html><p>x</p></html>", KB_IN_HTML},
    {"page.txt", "<!-- c --><div><p>hello</p></div>", KB_IN_HTML},
    {"x.htm", "Hello <b>world</b>", KB_IN_HTML},
    {"frag", "<p>fragment</p>", KB_IN_HTML},
    {"a.xhtml", "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>", KB_IN_HTML},
    {"a.html", "<article><h1>HTML5 article</h1><p>x</p></article>", KB_IN_HTML},
    {"a.md", "---\ntitle: x\n---\nbody", KB_IN_MARKDOWN},
    {"a.txt", "---\r\ntitle: x\r\n---\r\nbody", KB_IN_MARKDOWN},
    {"README.md", "Just a paragraph.", KB_IN_MARKDOWN},
    {"README.md", "<div align=\"center\"><img src=\"x.png\"></div>\n\n# Title\n", KB_IN_MARKDOWN},
    {"README", "# Heading\n\nSome text with a [link](http://x).\n", KB_IN_MARKDOWN},
    {"notes", "Line one\nLine two\n", KB_IN_TEXT},
    {"notes.txt", "# not markdown, a .txt file\n", KB_IN_TEXT},
    {NULL, "<3 cats", KB_IN_TEXT},
    {"a.xml", "<?xml version=\"1.0\"?><article xmlns=\"http://docbook.org/ns/docbook\"><title>t</title></article>", KB_IN_DOCBOOK},
    {"a.xml", "<book><bookinfo><title>t</title></bookinfo></book>", KB_IN_DOCBOOK},
    {"a.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE article PUBLIC \"-//OASIS//DTD DocBook XML V4.5//EN\" \"x.dtd\">\n<article><para>x</para></article>", KB_IN_DOCBOOK},
    {"a.xml", "<?xml version=\"1.0\"?><section><title>t</title><para>p</para></section>", KB_IN_DOCBOOK},
    {"r.xml", "<refentry><refnamediv><refname>ls</refname></refnamediv></refentry>", KB_IN_DOCBOOK},
    {"a.page", "<page xmlns=\"http://projectmallard.org/1.0/\" id=\"a\"><title>t</title></page>", KB_IN_MALLARD},
    {"a", "<?xml version=\"1.0\"?>\n<!-- c -->\n<m:page xmlns:m=\"http://projectmallard.org/1.0/\"/>", KB_IN_MALLARD},
    {"legal.xml", "<license xmlns=\"http://projectmallard.org/1.0/\"><p>x</p></license>", KB_IN_UNKNOWN},
    {"a.svg", "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><title>x</title></svg>", KB_IN_UNKNOWN},
    {"c.xml", "<config><item>1</item></config>", KB_IN_UNKNOWN},
    {"z.json", "{\"articles\":[{\"id\":1,\"title\":\"t\",\"body\":\"b\"}],\"count\":1}", KB_IN_ARTICLES_JSON},
    {"z.json", "{\n  \"articles\": [\n    {\"id\": 1}\n  ]\n}\n", KB_IN_ARTICLES_JSON},
    {"z.json", "[{\"id\":1,\"title\":\"t\",\"body\":\"b\"}]", KB_IN_ARTICLES_JSON},
    {"a.jsonl", "{\"id\":1,\"title\":\"t\",\"body\":\"b\"}\n{\"id\":2,\"title\":\"u\",\"body\":\"c\"}\n", KB_IN_ARTICLES_JSONL},
    {"t.jsonl", "{\"id\":1,\"subject\":\"s\"}\n", KB_IN_TICKETS_JSONL},
    {"t.jsonl", "{\"id\":1,\"resolution\":\"r\"}\n", KB_IN_TICKETS_JSONL},
    {"t.jsonl", "{\"id\":1,\"subject\":\"trunc\n{\"id\":2,\"subject\":\"ok\"}\n", KB_IN_TICKETS_JSONL},
    {"t.csv", "id,subject,description\n1,s,d\n", KB_IN_TICKETS_CSV},
    {"export", "\"ID\",\"Subject\",\"Resolution\"\r\n\"1\",\"s\",\"r\"\r\n", KB_IN_TICKETS_CSV},
    {"t.csv", "id,title,body\n1,t,b\n", KB_IN_UNKNOWN},
    {"essay.md", "Subject, verb and object\n\nare the parts.\n", KB_IN_MARKDOWN},
    {"config.yml", "---\nkey: value\n", KB_IN_UNKNOWN},
    {"notes.md", "[link](http://x) first\n", KB_IN_MARKDOWN},
    {"logo.png", "\x89PNG\r\n\x1a\n", KB_IN_UNKNOWN},
    {"x.pdf", "%PDF-1.4\n", KB_IN_UNKNOWN},
    {"a.zip", "PK\x03\x04", KB_IN_UNKNOWN},
    {"style.css", "body { color: red }", KB_IN_UNKNOWN},
    {"empty.md", "", KB_IN_UNKNOWN},
    {NULL, "   \n\t", KB_IN_UNKNOWN},
};

static void test_detect(void)
{
    for (size_t i = 0; i < sizeof det_cases / sizeof det_cases[0]; i++) {
        const struct det_case *c = &det_cases[i];
        int got = kb_ingest_detect(c->name, c->data, strlen(c->data));
        if (got != c->want)
            fprintf(stderr, "  detect case %zu (%s): got %s, want %s\n", i,
                    c->name ? c->name : "(no name)", kb_ingest_format_name(got),
                    kb_ingest_format_name(c->want));
        CHECK_INT(got, c->want);
    }
    /* a binary file with NUL bytes */
    static const char bin[] = "\x01\x02\x00\x00\x03\x04\x00\x05\x06\x00\x00\x00";
    CHECK_INT(kb_ingest_detect("blob", bin, sizeof bin), KB_IN_UNKNOWN);
    CHECK_STR(kb_ingest_format_name(KB_IN_MALLARD), "mallard");
    CHECK_STR(kb_ingest_format_name(KB_IN_TICKETS_CSV), "tickets-csv");
    CHECK_STR(kb_ingest_format_name(999), "unknown");
}

int main(void)
{
    test_sanitize();
    test_html_text();
    test_markdown_html();
    test_detect();
    return check_report("test_ingest_html");
}
