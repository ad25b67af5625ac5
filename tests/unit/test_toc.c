/* Table of contents (kb/ingest/toc.h): heading ids from text, kept ids,
 * unique and reserved ids, entities as word breaks, the h1 that repeats the
 * title, h1 and h4 left alone, unclosed headings and upper-case tags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb/base/buf.h"
#include "kb/ingest/toc.h"

static const char *const reserved[] = {"main", "toc-h", NULL};

static const struct {
    const char *name;
    const char *html;
    const char *title;
    const char *out;      /* the HTML with ids */
    const char *headings; /* "level id text" per heading, '|' between */
} rows[] = {
    {"ids from text", "<h2>Before you start</h2><p>x</p><h3>Check the cable</h3>", "T",
     "<h2 id=\"before-you-start\">Before you start</h2><p>x</p>"
     "<h3 id=\"check-the-cable\">Check the cable</h3>",
     "2 before-you-start Before you start|3 check-the-cable Check the cable"},
    {"a kept id and attributes after the id", "<h2 id=\"own\">Own</h2><h3 class=\"c\">Sub</h3>",
     "T", "<h2 id=\"own\">Own</h2><h3 id=\"sub\" class=\"c\">Sub</h3>", "2 own Own|3 sub Sub"},
    {"the same text twice", "<h2>Steps</h2><h2>Steps</h2><h2>Steps</h2>", "T",
     "<h2 id=\"steps\">Steps</h2><h2 id=\"steps-2\">Steps</h2><h2 id=\"steps-3\">Steps</h2>",
     "2 steps Steps|2 steps-2 Steps|2 steps-3 Steps"},
    {"reserved ids are never given", "<h2>Main</h2><h2>TOC h</h2>", "T",
     "<h2 id=\"main-2\">Main</h2><h2 id=\"toc-h-2\">TOC h</h2>",
     "2 main-2 Main|2 toc-h-2 TOC h"},
    {"tags and entities inside", "<h2>Wi-Fi &amp; <code>eth0</code></h2>", "T",
     "<h2 id=\"wi-fi-eth0\">Wi-Fi &amp; <code>eth0</code></h2>", "2 wi-fi-eth0 Wi-Fi &amp; eth0"},
    {"no letters: section-N", "<h2>éé</h2><h3>!!</h3>", "T",
     "<h2 id=\"section-1\">éé</h2><h3 id=\"section-2\">!!</h3>",
     "2 section-1 éé|3 section-2 !!"},
    {"an h1 repeating the title is dropped", "  <h1>Reset &amp; go</h1><h2>A</h2>", "Reset & go",
     "<h2 id=\"a\">A</h2>", "2 a A"},
    {"another h1 stays; h1 and h4 get no id", "<h1>Other</h1><h4>Deep</h4>", "Reset",
     "<h1>Other</h1><h4>Deep</h4>", ""},
    {"no title given keeps the h1", "<h1>T</h1>", NULL, "<h1>T</h1>", ""},
    {"upper case tags (the opening tag is written anew)", "<H2>Big</H2>", "T",
     "<h2 id=\"big\">Big</H2>", "2 big Big"},
    {"an unclosed heading is copied as is", "<h2>Open<p>text</p>", "T", "<h2>Open<p>text</p>", ""},
    {"not a heading tag", "<h2x>no</h2x><hr>", "T", "<h2x>no</h2x><hr>", ""},
};

static void test_rows(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int failed_before = check_failed;
        struct kb_toc t;
        struct kb_buf out = KB_BUF_INIT, got = KB_BUF_INIT;
        kb_toc_init(&t);
        kb_toc_add_ids(&t, &out, rows[i].html, rows[i].title, reserved);
        CHECK_STR(kb_buf_str(&out), rows[i].out);
        for (size_t k = 0; k < t.n; k++)
            kb_buf_printf(&got, "%s%d %s %s", k ? "|" : "", t.v[k].level, t.v[k].id,
                          t.v[k].text);
        CHECK_STR(kb_buf_str(&got), rows[i].headings);
        kb_toc_release(&t);
        CHECK_INT(t.n, 0);
        kb_buf_release(&out);
        kb_buf_release(&got);
        if (check_failed > failed_before)
            fprintf(stderr, "  in row '%s'\n", rows[i].name);
    }
}

/* Ids stay short: about 60 characters of the text (a word may end past it). */
static void test_long(void)
{
    struct kb_buf html = KB_BUF_INIT, out = KB_BUF_INIT;
    kb_buf_adds(&html, "<h2>");
    for (int i = 0; i < 40; i++)
        kb_buf_adds(&html, "word ");
    kb_buf_adds(&html, "</h2>");
    struct kb_toc t;
    kb_toc_init(&t);
    kb_toc_add_ids(&t, &out, kb_buf_str(&html), NULL, NULL);
    CHECK_INT(t.n, 1);
    if (t.n)
        CHECK(strlen(t.v[0].id) <= 61);
    kb_toc_release(&t);
    kb_buf_release(&html);
    kb_buf_release(&out);
}

int main(void)
{
    test_rows();
    test_long();
    return check_report("test_toc");
}
