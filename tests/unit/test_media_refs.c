/* Uploaded images and who may get them (media_refs.c): an upload is keyed
 * by the hash of its bytes, and public_only reads (customers) find it only
 * while a public, published article's HTML shows it: each article write
 * (create, update, publish, unpublish, audience change, remove) keeps that
 * true in its own transaction. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "kb/base/doc.h"
#include "kb/base/log.h"
#include "kb/store/articles.h"
#include "kb/store/media_store.h"
#include "kb/store/store.h"

static const char png[] = "\x89PNG\r\n\x1a\n-not-really-the-rest-of-a-png";

/* 1 when a customer's read finds key. */
static int customer_sees(struct kb_store *st, const char *key)
{
    char *type = NULL, *data = NULL;
    size_t len = 0;
    int rc = kb_media_get(st, key, 1, &type, &data, &len, NULL);
    free(type);
    free(data);
    return rc == 0;
}

static int64_t article(struct kb_store *st, const char *key, int audience)
{
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.audience = audience;
    d.format = KB_FMT_MARKDOWN;
    kb_doc_set(&d.title, "Where the button is");
    kb_doc_set(&d.locale, "en");
    char md[400];
    snprintf(md, sizeof md, "Press it:\n\n![button](/kb/media/%s)\n", key);
    kb_article_render(KB_FMT_MARKDOWN, md, strlen(md), &d.source, &d.html, &d.text);
    int64_t n = 0;
    CHECK_INT(kb_article_create(st, &d, "w", &n, NULL), 0);
    kb_doc_release(&d);
    return n;
}

static void set_body(struct kb_store *st, int64_t n, const char *md, int audience)
{
    struct kb_doc d;
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &d, NULL), 0);
    free(d.source);
    free(d.html);
    free(d.text);
    kb_article_render(KB_FMT_MARKDOWN, md, strlen(md), &d.source, &d.html, &d.text);
    d.audience = audience;
    CHECK_INT(kb_article_update(st, n, &d, "w", NULL, NULL), 0);
    kb_doc_release(&d);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    char dir[64], path[128];
    snprintf(dir, sizeof dir, "/tmp/test_media_refs.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/kb.sqlite3", dir);
    struct kb_store *st = NULL;
    if (kb_store_open(path, &st, NULL) != 0)
        return 1;

    char *key = NULL, *again = NULL;
    CHECK_INT(kb_media_upload(st, "image/png", png, sizeof png - 1, &key, NULL), 0);
    CHECK(key && strncmp(key, KB_MEDIA_UPLOAD_DIR, strlen(KB_MEDIA_UPLOAD_DIR)) == 0);
    CHECK(key && strlen(key) == strlen(KB_MEDIA_UPLOAD_DIR) + 64 + 4);
    CHECK_INT(kb_media_upload(st, "image/png", png, sizeof png - 1, &again, NULL), 0);
    CHECK_STR(again, key); /* the same bytes, the same key */
    free(again);
    CHECK(kb_media_upload(st, "text/html", "<p>", 3, &again, NULL) == KB_EINVAL);
    CHECK(!customer_sees(st, key));

    int64_t n = article(st, key, KB_AUD_PUBLIC);
    CHECK(!customer_sees(st, key)); /* a draft */
    CHECK_INT(kb_store_set_status(st, n, KB_STATUS_PUBLISHED, NULL), 0);
    CHECK(customer_sees(st, key));
    CHECK_INT(kb_store_set_status(st, n, KB_STATUS_DRAFT, NULL), 0);
    CHECK(!customer_sees(st, key));
    CHECK_INT(kb_store_set_status(st, n, KB_STATUS_PUBLISHED, NULL), 0);
    CHECK(customer_sees(st, key));
    set_body(st, n, "No picture any more.", KB_AUD_PUBLIC);
    CHECK(!customer_sees(st, key));
    char md[400];
    snprintf(md, sizeof md, "![b](/kb/media/%s)", key);
    set_body(st, n, md, KB_AUD_PUBLIC);
    CHECK(customer_sees(st, key));
    set_body(st, n, md, KB_AUD_INTERNAL);
    CHECK(!customer_sees(st, key));

    /* two articles show it: it stays while either does */
    set_body(st, n, md, KB_AUD_PUBLIC);
    int64_t m = article(st, key, KB_AUD_PUBLIC);
    CHECK_INT(kb_store_set_status(st, m, KB_STATUS_PUBLISHED, NULL), 0);
    CHECK_INT(kb_store_set_status(st, n, KB_STATUS_ARCHIVED, NULL), 0);
    CHECK(customer_sees(st, key));
    CHECK_INT(kb_store_remove(st, KB_KIND_ARTICLE, m, NULL), 0);
    CHECK(!customer_sees(st, key));

    /* an image once imported with a public article (marked public) leaves
     * customers with it like an upload does */
    const char *imported = "zqhelp/figures/a.png";
    CHECK_INT(kb_media_put(st, imported, "image/png", png, sizeof png - 1, 1, NULL), 0);
    int64_t k = article(st, imported, KB_AUD_PUBLIC);
    CHECK_INT(kb_store_set_status(st, k, KB_STATUS_PUBLISHED, NULL), 0);
    CHECK(customer_sees(st, imported));
    snprintf(md, sizeof md, "![a](/kb/media/%s?x) ![b](/kb/media/%s)", imported, key);
    set_body(st, k, md, KB_AUD_INTERNAL);
    CHECK(!customer_sees(st, imported));

    /* step 20 records what articles showed before media_refs existed:
     * the store is taken back to just before it (later steps run again) */
    set_body(st, k, md, KB_AUD_PUBLIC);
    CHECK(customer_sees(st, imported) && customer_sees(st, key));
    int latest = kb_store_schema_version(st);
    kb_store_close(st);
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    char sql[200];
    snprintf(sql, sizeof sql, "DELETE FROM media_refs; PRAGMA user_version = %d", 19);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK_INT(kb_store_open(path, &st, NULL), 0);
    CHECK_INT(kb_store_schema_version(st), latest);
    CHECK(customer_sees(st, imported) && customer_sees(st, key));
    set_body(st, k, "gone", KB_AUD_PUBLIC);
    CHECK(!customer_sees(st, imported) && !customer_sees(st, key));

    /* staff read everything */
    char *type = NULL, *data = NULL;
    size_t len = 0;
    CHECK_INT(kb_media_get(st, key, 0, &type, &data, &len, NULL), 0);
    CHECK_INT(len, sizeof png - 1);
    free(type);
    free(data);
    free(key);
    free(again);
    kb_store_close(st);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_report("test_media_refs");
}
