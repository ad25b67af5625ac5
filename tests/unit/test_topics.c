/* Topics in the store (issue 19 part 1): admin puts checked (two levels, a
 * parent that exists, clear errors), imports that never undo an admin's
 * edit, Zendesk Help Center categories and sections, removal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/store/store.h"
#include "kb/ingest/ingest.h"
#include "kb/store/topic_store.h"
#include "kb/sync/load.h"

static struct kb_doc got_md;
static int keep_doc(void *ud, const struct kb_doc *d)
{
    (void)ud;
    kb_doc_copy(&got_md, d);
    return 0;
}

static struct kb_store *open_temp(char *dir)
{
    struct kb_store *st = NULL;
    struct kb_err err;
    char path[256];
    if (!mkdtemp(dir))
        return NULL;
    snprintf(path, sizeof path, "%s/kb.sqlite3", dir);
    if (kb_store_open(path, &st, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return NULL;
    }
    return st;
}

static const struct kb_topic *get(struct kb_store *st, const char *slug, struct kb_topic **list,
                                  size_t *n)
{
    struct kb_err err;
    kb_topic_list_free(*list, *n);
    *list = NULL;
    *n = 0;
    if (kb_topic_list(st, NULL, list, n, &err) != 0)
        return NULL;
    return kb_topic_find(*list, *n, slug);
}

/* Every document of a DocBook book, kept in order, and the reports. */
static struct kb_doc book_docs[4];
static size_t nbook;
static char book_bad[512];
static int keep_book_doc(void *ud, const struct kb_doc *d)
{
    (void)ud;
    if (nbook < sizeof book_docs / sizeof book_docs[0])
        kb_doc_copy(&book_docs[nbook++], d);
    return 0;
}
static void keep_book_bad(void *ud, const char *where, const char *why)
{
    (void)ud;
    snprintf(book_bad, sizeof book_bad, "%s: %s", where, why);
}

static const char book_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<book xmlns=\"http://docbook.org/ns/docbook\" version=\"5.0\" xml:id=\"router-guide\">\n"
    "<info><title>Router Admin Guide</title><productname>R9</productname></info>\n"
    "<chapter xml:id=\"wifi\"><title>Wireless &amp; Mesh</title><para>Intro.</para>\n"
    " <section><title>Channels</title><para>Pick channel six.</para></section>\n"
    " <section><title>Mesh nodes</title><para>Pair the nodes.</para></section></chapter>\n"
    "<chapter><title>Firmware updates</title>\n"
    " <section><title>Automatic</title><para>Updates run nightly.</para></section>\n"
    " <section><title>Manual</title><para>Upload the image.</para></section></chapter>\n"
    "</book>\n";

/* A DocBook book: one article per chapter, in the chapter's section under
 * the book's category, both named by their titles. */
static void test_docbook_chapters(struct kb_store *st)
{
    struct kb_ingest_sink sink = {keep_book_doc, keep_book_bad, NULL};
    struct kb_err err;
    nbook = 0;
    CHECK_INT(kb_ingest_buffer("guide.xml", book_xml, sizeof book_xml - 1, NULL, &sink), 0);
    CHECK_INT(nbook, 2);
    if (nbook != 2)
        return;
    CHECK_STR(book_docs[0].title, "Wireless & Mesh");
    CHECK_STR(book_docs[0].category, "router-guide-wifi");
    CHECK_STR(book_docs[0].category_parent, "router-guide");
    CHECK_STR(book_docs[0].category_name, "Wireless & Mesh");
    CHECK_STR(book_docs[0].category_parent_name, "Router Admin Guide");
    CHECK_STR(book_docs[0].product, "R9");
    CHECK_CONTAINS(book_docs[0].text, "Pick channel six.");
    CHECK(!strstr(book_docs[0].text, "Upload the image"));
    CHECK_CONTAINS(book_docs[0].html, "<h2>Channels</h2>");
    CHECK_STR(book_docs[1].title, "Firmware updates");
    CHECK_STR(book_docs[1].category, "router-guide-firmware-updates");
    CHECK_CONTAINS(book_docs[1].text, "Upload the image.");
    CHECK(strcmp(book_docs[0].source_id, book_docs[1].source_id) != 0);

    struct kb_load l;
    kb_load_init(&l, st, 100);
    for (size_t i = 0; i < nbook; i++)
        CHECK_INT(kb_load_doc(&l, &book_docs[i]), 0);
    CHECK_INT(kb_load_finish(&l), 0);
    struct kb_topic *list = NULL;
    size_t n = 0;
    const struct kb_topic *t = get(st, "router-guide", &list, &n);
    CHECK(t && !t->parent && strcmp(t->name, "Router Admin Guide") == 0);
    t = get(st, "router-guide-wifi", &list, &n);
    CHECK(t && t->parent && strcmp(t->parent, "router-guide") == 0 &&
          strcmp(t->name, "Wireless & Mesh") == 0);
    t = get(st, "router-guide-firmware-updates", &list, &n);
    CHECK(t && t->parent && strcmp(t->parent, "router-guide") == 0 &&
          strcmp(t->name, "Firmware updates") == 0);
    /* an admin's name stays through a re-import */
    struct kb_topic edit = {"router-guide", NULL, NULL, "Router handbook", NULL, NULL, 0, 0, 0};
    CHECK_INT(kb_topic_put(st, &edit, &err), 0);
    kb_load_init(&l, st, 100);
    for (size_t i = 0; i < nbook; i++)
        CHECK_INT(kb_load_doc(&l, &book_docs[i]), 0);
    CHECK_INT(kb_load_finish(&l), 0);
    t = get(st, "router-guide", &list, &n);
    CHECK(t && strcmp(t->name, "Router handbook") == 0);
    kb_topic_list_free(list, n);
    for (size_t i = 0; i < nbook; i++)
        kb_doc_release(&book_docs[i]);

    /* a chapter without a title is reported by number; the others import */
    static const char untitled[] =
        "<book xmlns=\"http://docbook.org/ns/docbook\"><title>B</title>"
        "<chapter><title>One</title><para>First.</para></chapter>"
        "<chapter><para>Second.</para></chapter>"
        "<chapter><title>One</title><para>Third.</para></chapter></book>";
    nbook = 0;
    book_bad[0] = '\0';
    CHECK_INT(kb_ingest_buffer("b.xml", untitled, sizeof untitled - 1, NULL, &sink), KB_EFORMAT);
    CHECK_INT(nbook, 2);
    CHECK_CONTAINS(book_bad, "book 'B': chapter 2 has no title");
    /* two chapters of one title are two articles of two sections */
    if (nbook == 2) {
        CHECK_STR(book_docs[0].category, "b-one");
        CHECK_STR(book_docs[1].category, "b-one-3");
        CHECK(strcmp(book_docs[0].source_id, book_docs[1].source_id) != 0);
    }
    for (size_t i = 0; i < nbook; i++)
        kb_doc_release(&book_docs[i]);
}

int main(void)
{
    char dir[] = "/tmp/kb-topics-XXXXXX";
    struct kb_store *st = open_temp(dir);
    CHECK(st != NULL);
    if (!st)
        return check_report("test_topics");
    struct kb_err err;
    struct kb_topic *list = NULL;
    size_t n = 0;

    /* Zendesk: categories and sections, sections named by their ids */
    static const char zd[] =
        "{\"categories\": [{\"id\": 200, \"name\": \"Connectivity\", \"description\": "
        "\"Getting online\", \"position\": 2, \"locale\": \"en\"}],"
        " \"sections\": [{\"id\": 360001, \"name\": \"Mesh Wi-Fi\", \"category_id\": 200,"
        " \"position\": 1, \"locale\": \"en\"}]}";
    size_t got = 0;
    CHECK_INT(kb_topic_import_json(st, zd, sizeof zd - 1, &got, &err), 0);
    CHECK_INT(got, 2);
    const struct kb_topic *t = get(st, "360001", &list, &n);
    CHECK(t && strcmp(t->name, "Mesh Wi-Fi") == 0 && t->parent &&
          strcmp(t->parent, "category-200") == 0);
    t = get(st, "category-200", &list, &n);
    CHECK(t && strcmp(t->name, "Connectivity") == 0 && !t->parent && t->position == 2);

    /* a topics file sets icon and position again; a source's page import keeps them */
    static const char file[] = "[{\"slug\": \"360001\", \"name\": \"Mesh\", \"icon\": \"M\","
                               " \"position\": 7, \"parent\": \"category-200\"}]";
    CHECK_INT(kb_topic_import_json(st, file, sizeof file - 1, &got, &err), 0);
    struct kb_topic page = {"360001", NULL, "category-200", "Mesh Wi-Fi", NULL, NULL, 0, 0, 0};
    CHECK_INT(kb_topic_import(st, &page, &err), 0);
    t = get(st, "360001", &list, &n);
    CHECK(t && t->icon && strcmp(t->icon, "M") == 0 && t->position == 7 &&
          strcmp(t->name, "Mesh Wi-Fi") == 0);

    /* an admin's edit stays through a re-import */
    struct kb_topic edit = {"category-200", NULL, NULL, "Internet & Wi-Fi", NULL, "W", -1, 0, 0};
    CHECK_INT(kb_topic_put(st, &edit, &err), 0);
    CHECK_INT(kb_topic_import_json(st, zd, sizeof zd - 1, &got, &err), 0);
    t = get(st, "category-200", &list, &n);
    CHECK(t && strcmp(t->name, "Internet & Wi-Fi") == 0 && t->edited && t->icon);

    /* checks, each naming what was wrong */
    struct kb_topic bad = {"zq", NULL, "no-such", "Zq", NULL, NULL, 0, 0, 0};
    CHECK_INT(kb_topic_put(st, &bad, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "parent 'no-such' does not exist");
    bad.parent = "360001";
    CHECK_INT(kb_topic_put(st, &bad, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "two levels");
    bad.parent = NULL;
    bad.name = " ";
    CHECK_INT(kb_topic_put(st, &bad, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "name is required");
    bad.slug = "Has Space";
    bad.name = "X";
    CHECK_INT(kb_topic_put(st, &bad, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "slug");
    struct kb_topic moving = {"category-200", NULL, "360001", "X", NULL, NULL, 0, 0, 0};
    CHECK_INT(kb_topic_put(st, &moving, &err), KB_EINVAL);
    static const char nameless[] = "[{\"slug\": \"a\"}]";
    CHECK_INT(kb_topic_import_json(st, nameless, sizeof nameless - 1, &got, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "topic 1: topic 'a': name is required");
    CHECK(kb_topic_import_json(st, "{", 1, &got, &err) == KB_EFORMAT);
    CHECK_CONTAINS(err.msg, "not JSON");

    /* Markdown front matter: category and section, in either order */
    static const char *const mds[] = {
        "---\ntitle: Mesh setup\ncategory: wifi\nsection: mesh\n---\nText.\n",
        "---\ntitle: Mesh setup\nsection: mesh\ncategory: wifi\n---\nText.\n",
    };
    for (int i = 0; i < 2; i++) {
        struct kb_ingest_sink sink = {keep_doc, NULL, NULL};
        kb_doc_init(&got_md);
        CHECK_INT(kb_ingest_buffer("m.md", mds[i], strlen(mds[i]), NULL, &sink), 0);
        CHECK_STR(got_md.category, "mesh");
        CHECK_STR(got_md.category_parent, "wifi");
        kb_doc_release(&got_md);
    }
    CHECK_INT(kb_topic_import_section(st, "wifi", "mesh", NULL, NULL, NULL, &err), 0);
    t = get(st, "mesh", &list, &n);
    CHECK(t && t->parent && strcmp(t->parent, "wifi") == 0 && strcmp(t->name, "Mesh") == 0);
    t = get(st, "wifi", &list, &n);
    CHECK(t && !t->parent && strcmp(t->name, "Wifi") == 0);
    /* a name given later stays through the next import of the section */
    static const char named[] = "[{\"slug\": \"mesh\", \"name\": \"Mesh satellites\","
                                " \"parent\": \"wifi\"}]";
    CHECK_INT(kb_topic_import_json(st, named, sizeof named - 1, &got, &err), 0);
    CHECK_INT(kb_topic_import_section(st, "wifi", "mesh", NULL, NULL, NULL, &err), 0);
    t = get(st, "mesh", &list, &n);
    CHECK(t && strcmp(t->name, "Mesh satellites") == 0);
    CHECK_INT(kb_topic_import_section(st, "wifi", "Bad Slug", NULL, NULL, NULL, &err), KB_EINVAL);

    test_docbook_chapters(st);

    /* removing a category makes its sections categories */
    CHECK_INT(kb_topic_remove(st, "category-200", NULL, &err), 0);
    t = get(st, "360001", &list, &n);
    CHECK(t && !t->parent);
    CHECK_INT(kb_topic_remove(st, "category-200", NULL, &err), KB_ENOTFOUND);

    kb_topic_list_free(list, n);
    kb_store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_report("test_topics");
}
