/* Faithful Mallard import (issue 19 part 4) against the installed GNOME help:
 * <if:choose> picks one branch (the help center's platform, default the
 * first), cross-references become links the server resolves, and guide
 * pages keep their description as its own field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "kb/ingest/ingest.h"

#define GNOME_HELP "/usr/share/help/C/gnome-help"

struct one {
    struct kb_doc d;
    int ndocs, nbad;
    char why[256];
};

static int one_doc(void *ud, const struct kb_doc *d)
{
    struct one *o = ud;
    if (o->ndocs++ == 0)
        kb_doc_copy(&o->d, d);
    return 0;
}

static void one_bad(void *ud, const char *where, const char *why)
{
    struct one *o = ud;
    (void)where;
    snprintf(o->why, sizeof o->why, "%s", why);
    o->nbad++;
}

/* Ingests one GNOME help page (read from disk: its folder is the source id
 * prefix and link titles come from sibling pages). */
static int page(const char *name, const char *platform, struct one *o)
{
    memset(o, 0, sizeof *o);
    kb_doc_init(&o->d);
    char path[512];
    snprintf(path, sizeof path, GNOME_HELP "/%s.page", name);
    struct kb_ingest_sink s = {one_doc, one_bad, o};
    struct kb_ingest_opts opts = {KB_AUD_PUBLIC, NULL, GNOME_HELP, platform};
    int rc = kb_ingest_path(path, &opts, &s, NULL);
    return rc == 0 && o->ndocs == 1 && o->nbad == 0;
}

#define CHECK_NOT_CONTAINS(hay, needle) CHECK((hay) && strstr((hay), (needle)) == NULL)

/* Regression "an <if:choose> step becomes an empty 6.": the last step of
 * net-wireless-connect holds its paragraph whatever the platform. */
static void test_choose_step_not_empty(void)
{
    struct one o;
    const char *platforms[] = {NULL, "gnome", "gnome-classic"};
    for (size_t i = 0; i < 3; i++) {
        CHECK(page("net-wireless-connect", platforms[i], &o));
        CHECK_NOT_CONTAINS(o.d.html, "<li></li>");
        CHECK_CONTAINS(o.d.html, "<li><p>If the connection is successful");
        CHECK_CONTAINS(o.d.text, "If the connection is successful");
        kb_doc_release(&o.d);
    }
}

/* shell-introduction's app menu: two <if:when> branches. No platform: the
 * first; "gnome-classic": the classic one; never both. */
static void test_choose_platform(void)
{
    struct one o;
    CHECK(page("shell-introduction", NULL, &o));
    CHECK_CONTAINS(o.d.text, "located beside the Activities button");
    CHECK_NOT_CONTAINS(o.d.text, "located next to the Applications");
    kb_doc_release(&o.d);
    CHECK(page("shell-introduction", "gnome-classic", &o));
    CHECK_CONTAINS(o.d.text, "located next to the Applications");
    CHECK_NOT_CONTAINS(o.d.text, "located beside the Activities button");
    kb_doc_release(&o.d);
}

/* An inline fixture: else and the implicit default. */
static void test_choose_else(void)
{
    static const char xml[] =
        "<page xmlns='http://projectmallard.org/1.0/' "
        "xmlns:if='http://projectmallard.org/if/1.0/' id='t'><title>T</title>"
        "<if:choose><if:when test='platform:mac'><p>on a mac</p></if:when>"
        "<if:else><p>elsewhere</p></if:else></if:choose>"
        "<if:choose><if:when test='platform:mac'><p>mac two</p></if:when>"
        "<p>default two</p></if:choose></page>";
    const char *platforms[] = {NULL, "mac", "windows"};
    const char *want[][2] = {{"on a mac", "mac two"}, {"on a mac", "mac two"},
                             {"elsewhere", "default two"}};
    const char *not_want[][2] = {{"elsewhere", "default two"}, {"elsewhere", "default two"},
                                 {"on a mac", "mac two"}};
    for (size_t i = 0; i < 3; i++) {
        struct one o;
        memset(&o, 0, sizeof o);
        struct kb_ingest_sink s = {one_doc, one_bad, &o};
        struct kb_ingest_opts opts = {KB_AUD_PUBLIC, NULL, NULL, platforms[i]};
        CHECK_INT(kb_ingest_buffer("t.page", xml, sizeof xml - 1, &opts, &s), 0);
        CHECK_INT(o.ndocs, 1);
        if (o.ndocs) {
            CHECK_CONTAINS(o.d.text, want[i][0]);
            CHECK_CONTAINS(o.d.text, want[i][1]);
            CHECK_NOT_CONTAINS(o.d.text, not_want[i][0]);
            CHECK_NOT_CONTAINS(o.d.text, not_want[i][1]);
            kb_doc_release(&o.d);
        }
    }
}

/* Cross-references become links to the page they name, labelled with that
 * page's link title (a lone file's source id has no folder prefix). */
static void test_xref_links(void)
{
    struct one o;
    CHECK(page("net-wireless-connect", NULL, &o));
    CHECK_CONTAINS(o.d.html, "<a href=\"/kb/page/net-wireless-troubleshooting\">");
    kb_doc_release(&o.d);
    CHECK(page("shell-introduction", NULL, &o));
    CHECK_CONTAINS(o.d.html, "<a href=\"/kb/page/status-icons\">system properties</a>");
    kb_doc_release(&o.d);
    /* read with its folder, the prefix is the folder's source id prefix */
    static const char xml[] =
        "<page xmlns='http://projectmallard.org/1.0/' id='a'><title>A</title>"
        "<p>See <link xref='b#part'>B</link> and <link xref='../x'>X</link>.</p></page>";
    memset(&o, 0, sizeof o);
    struct kb_ingest_sink s = {one_doc, one_bad, &o};
    struct kb_ingest_opts opts = {KB_AUD_PUBLIC, NULL, "/srv/docs/help", NULL};
    CHECK_INT(kb_ingest_buffer("/srv/docs/help/a.page", xml, sizeof xml - 1, &opts, &s), 0);
    if (o.ndocs) {
        CHECK_STR(o.d.source_id, "help/a");
        CHECK_CONTAINS(o.d.html, "<a href=\"/kb/page/help/b\">B</a>");
        CHECK_CONTAINS(o.d.html, " and X.");
        kb_doc_release(&o.d);
    }
}

/* A subtitle (<desc>) is its own field: the title stays the page's title. */
static void test_desc_field(void)
{
    struct one o;
    CHECK(page("net-wireless-troubleshooting", NULL, &o));
    CHECK_STR(o.d.title, "Wireless network troubleshooter");
    CHECK(o.d.summary && *o.d.summary);
    CHECK(o.d.summary && !strstr(o.d.title, o.d.summary));
    kb_doc_release(&o.d);
}

struct seen {
    int n, nbad;
    char key[256], type[64], why[256];
    size_t len;
};

static int seen_media(void *ud, const char *key, const char *type, const char *data, size_t len)
{
    struct seen *s = ud;
    (void)data;
    if (s->n++ == 0) {
        snprintf(s->key, sizeof s->key, "%s", key);
        snprintf(s->type, sizeof s->type, "%s", type);
        s->len = len;
    }
    return 0;
}

static void seen_bad(void *ud, const char *where, const char *why)
{
    struct seen *s = ud;
    (void)where;
    snprintf(s->why, sizeof s->why, "%s", why);
    s->nbad++;
}

/* Images become <img> pointing at the media route, with their fallback as
 * alt text; the loader reads each file next to the page, checked. */
static void test_media_import(void)
{
    struct one o;
    CHECK(page("shell-introduction", NULL, &o));
    CHECK_CONTAINS(o.d.html, "<img src=\"/kb/media/figures/shell-top-bar.png\" "
                             "alt=\"GNOME Shell top bar\" width=\"600\">");
    struct seen s;
    memset(&s, 0, sizeof s);
    CHECK_INT(kb_ingest_media_each(&o.d, seen_media, seen_bad, &s), 0);
    CHECK(s.n >= 2);
    CHECK_INT(s.nbad, 0);
    CHECK_STR(s.key, "figures/shell-top-bar.png");
    CHECK_STR(s.type, "image/png");
    struct stat st;
    CHECK(stat(GNOME_HELP "/figures/shell-top-bar.png", &st) == 0 && (size_t)st.st_size == s.len);
    kb_doc_release(&o.d);
    /* an icon in running text: inline, sized */
    CHECK(page("net-wireless-connect", NULL, &o));
    CHECK_CONTAINS(o.d.html, "(<img src=\"/kb/media/figures/classic-topbar-network-wireless-"
                             "strength-excellent.svg\" alt=\"\" width=\"28\" height=\"28\">)");
    kb_doc_release(&o.d);
    /* unsafe or unknown sources stay out */
    CHECK(!kb_media_src_ok("../secret.png"));
    CHECK(!kb_media_src_ok("/etc/x.png"));
    CHECK(!kb_media_src_ok("a//b.png"));
    CHECK(!kb_media_src_ok("figures/a b.png"));
    CHECK(kb_media_src_ok("figures/a-b_c.png"));
    CHECK(kb_media_type("x.exe") == NULL);
    CHECK(kb_media_type("clip.webm") == NULL);
    CHECK_STR(kb_media_type("A.PNG"), "image/png");
    /* a mislabelled, a missing and an oversized file are reported, not stored */
    char dir[] = "/tmp/kb-media-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/fake.png", dir);
    FILE *f = fopen(path, "w");
    fputs("<script>alert(1)</script>", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/big.png", dir);
    f = fopen(path, "w");
    for (unsigned i = 0; i <= KB_MEDIA_MAX / 8 + 1; i++)
        fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
    fclose(f);
    struct kb_doc d;
    kb_doc_init(&d);
    snprintf(path, sizeof path, "%s/p.page", dir);
    kb_doc_set(&d.source_path, path);
    kb_doc_set(&d.source_id, "help/p");
    kb_doc_set(&d.html, "<img src=\"/kb/media/help/fake.png\" alt=\"\">"
                        "<img src=\"/kb/media/help/none.png\" alt=\"\">"
                        "<img src=\"/kb/media/help/big.png\" alt=\"\">"
                        "<img src=\"/kb/media/other/x.png\" alt=\"\">");
    memset(&s, 0, sizeof s);
    CHECK_INT(kb_ingest_media_each(&d, seen_media, seen_bad, &s), 0);
    CHECK_INT(s.n, 0);
    CHECK_INT(s.nbad, 3);
    CHECK_CONTAINS(s.why, "larger than");
    kb_doc_release(&d);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    CHECK(system(path) == 0);
}

int main(void)
{
    struct stat st;
    CHECK(stat(GNOME_HELP "/net-wireless-connect.page", &st) == 0); /* gnome-user-docs */
    test_choose_else();
    if (stat(GNOME_HELP "/net-wireless-connect.page", &st) == 0) {
        test_choose_step_not_empty();
        test_choose_platform();
        test_xref_links();
        test_desc_field();
        test_media_import();
    }
    return check_report("test_mallard");
}
