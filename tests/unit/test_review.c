/* Tests for review before customers see a change: the setting and which
 * articles it covers, pending revisions (create, replace, approve, reject),
 * own approval refused, and owners with verify-by dates. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/base/log.h"
#include "kb/store/articles.h"
#include "kb/store/review.h"
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

static int64_t last_seq(struct kb_store *st)
{
    int64_t seq = -1;
    kb_store_outbox_last(st, &seq, NULL);
    return seq;
}

static void draft(struct kb_doc *d, const char *title, const char *md, const char *category)
{
    kb_doc_init(d);
    d->kind = KB_KIND_ARTICLE;
    d->audience = KB_AUD_PUBLIC;
    d->format = KB_FMT_MARKDOWN;
    kb_doc_set(&d->title, title);
    kb_doc_set(&d->locale, "en");
    if (category)
        kb_doc_set(&d->category, category);
    kb_article_render(KB_FMT_MARKDOWN, md, strlen(md), &d->source, &d->html, &d->text);
}

static int64_t published(struct kb_store *st, const char *title, const char *md,
                         const char *category)
{
    struct kb_doc d;
    struct kb_err err = {0, ""};
    int64_t n = 0;
    draft(&d, title, md, category);
    CHECK_INT(kb_article_create(st, &d, "writer1", &n, &err), 0);
    CHECK_INT(kb_store_set_status(st, n, KB_STATUS_PUBLISHED, &err), 0);
    kb_doc_release(&d);
    return n;
}

static void live(struct kb_store *st, int64_t n, struct kb_doc *d)
{
    struct kb_err err = {0, ""};
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, d, &err), 0);
}

/* ---- the setting ---- */

static void test_settings(void)
{
    struct kb_store *st = open_store("settings.db");
    struct kb_err err = {0, ""};
    int mode = -1, covered = -1;
    char **topics = NULL;
    size_t nt = 9;
    CHECK_INT(kb_review_settings(st, &mode, &topics, &nt, &err), 0);
    CHECK_INT(mode, KB_REVIEW_OFF); /* off by default */
    CHECK_INT(nt, 0);

    int64_t a = published(st, "Billing cycles", "Billed monthly.", "billing");
    int64_t b = published(st, "Router reset", "Hold the button.", "network");
    struct kb_doc da, db;
    live(st, a, &da);
    live(st, b, &db);
    CHECK_INT(kb_review_covers(st, &da, &covered, &err), 0);
    CHECK_INT(covered, 0);

    CHECK_INT(kb_review_set(st, KB_REVIEW_ALL, NULL, 0, &err), 0);
    CHECK_INT(kb_review_covers(st, &da, &covered, &err), 0);
    CHECK_INT(covered, 1);
    /* Internal and unpublished articles are not customers' business. */
    da.audience = KB_AUD_INTERNAL;
    CHECK_INT(kb_review_covers(st, &da, &covered, &err), 0);
    CHECK_INT(covered, 0);
    da.audience = KB_AUD_PUBLIC;
    da.status = KB_STATUS_DRAFT;
    CHECK_INT(kb_review_covers(st, &da, &covered, &err), 0);
    CHECK_INT(covered, 0);
    da.status = KB_STATUS_PUBLISHED;

    const char *flag[] = {"billing"};
    CHECK_INT(kb_review_set(st, KB_REVIEW_TOPICS, flag, 1, &err), 0);
    CHECK_INT(kb_review_settings(st, &mode, &topics, &nt, &err), 0);
    CHECK_INT(mode, KB_REVIEW_TOPICS);
    CHECK_INT(nt, 1);
    if (nt == 1)
        CHECK_STR(topics[0], "billing");
    kb_review_strings_free(topics, nt);
    CHECK_INT(kb_review_covers(st, &da, &covered, &err), 0);
    CHECK_INT(covered, 1);
    CHECK_INT(kb_review_covers(st, &db, &covered, &err), 0);
    CHECK_INT(covered, 0);

    const char *bad[] = {""};
    CHECK_INT(kb_review_set(st, KB_REVIEW_TOPICS, bad, 1, &err), KB_EINVAL);
    CHECK_INT(kb_review_mode_parse("sometimes"), -1);
    CHECK_INT(kb_review_mode_parse("topics"), KB_REVIEW_TOPICS);
    kb_doc_release(&da);
    kb_doc_release(&db);
    kb_store_close(st);
}

/* ---- pending revisions ---- */

static void edited(struct kb_store *st, int64_t n, const char *md, struct kb_doc *d)
{
    live(st, n, d);
    free(d->source);
    free(d->html);
    free(d->text);
    kb_article_render(KB_FMT_MARKDOWN, md, strlen(md), &d->source, &d->html, &d->text);
}

static void test_pending(void)
{
    struct kb_store *st = open_store("pending.db");
    struct kb_err err = {0, ""};
    int64_t n = published(st, "Password reset", "Use the old link.", NULL);
    int64_t rev0 = 0, seq0 = last_seq(st);
    kb_article_current_rev(st, n, &rev0, &err);

    struct kb_doc d;
    int replaced = -1, pending = -1;
    edited(st, n, "Use the zanzibarlink page.", &d);
    CHECK_INT(kb_review_submit(st, n, &d, "alice", &replaced, &err), 0);
    CHECK_INT(replaced, 0);
    kb_doc_release(&d);
    /* Nothing reached the article or the outbox. */
    CHECK_INT(last_seq(st), seq0);
    struct kb_doc cur;
    live(st, n, &cur);
    CHECK_CONTAINS(cur.text, "old link");
    kb_doc_release(&cur);
    CHECK_INT(kb_review_pending(st, n, &pending, &err), 0);
    CHECK_INT(pending, 1);

    /* A second save replaces it; its editor becomes the author. */
    edited(st, n, "Use the zanzibarlink page, then sign in.", &d);
    CHECK_INT(kb_review_submit(st, n, &d, "bob", &replaced, &err), 0);
    CHECK_INT(replaced, 1);
    kb_doc_release(&d);
    struct kb_pending p;
    CHECK_INT(kb_review_get(st, n, &p, &err), 0);
    CHECK_STR(p.author, "bob");
    CHECK_INT(p.nedit, 2);
    CHECK_INT(p.base_rev, rev0);
    CHECK_CONTAINS(p.doc.text, "then sign in");
    CHECK_STR(p.doc.title, "Password reset");
    kb_pending_release(&p);

    struct kb_pending *list = NULL;
    size_t ln = 0;
    int64_t total = 0;
    CHECK_INT(kb_review_list(st, 0, 50, &list, &ln, &total, &err), 0);
    CHECK_INT(ln, 1);
    CHECK_INT(total, 1);
    if (ln == 1)
        CHECK_INT(list[0].number, n);
    kb_pendings_free(list, ln);

    /* Nobody approves their own change: neither editor, nor nobody. */
    int own = 0, changed = 0;
    CHECK_INT(kb_review_approve(st, n, "bob", &own, &changed, &err), KB_EINVAL);
    CHECK_INT(own, 1);
    own = 0;
    CHECK_INT(kb_review_approve(st, n, "alice", &own, &changed, &err), KB_EINVAL);
    CHECK_INT(own, 1);
    CHECK_INT(kb_review_approve(st, n, NULL, &own, &changed, &err), KB_EINVAL);
    CHECK_INT(last_seq(st), seq0);

    own = 0;
    CHECK_INT(kb_review_approve(st, n, "carol", &own, &changed, &err), 0);
    CHECK_INT(own, 0);
    CHECK_INT(changed, 1);
    CHECK(last_seq(st) > seq0);
    live(st, n, &cur);
    CHECK_CONTAINS(cur.text, "zanzibarlink");
    CHECK_INT(cur.status, KB_STATUS_PUBLISHED);
    kb_doc_release(&cur);
    int64_t rev1 = 0;
    kb_article_current_rev(st, n, &rev1, &err);
    CHECK_INT(rev1, rev0 + 1);
    struct kb_revision r;
    CHECK_INT(kb_article_revision(st, n, rev1, &r, &err), 0);
    CHECK_STR(r.author, "bob");
    kb_revision_release(&r);
    CHECK_INT(kb_review_pending(st, n, &pending, &err), 0);
    CHECK_INT(pending, 0);
    char *action = NULL, *actor = NULL, *note = NULL;
    int64_t at = 0;
    CHECK_INT(kb_review_last(st, n, &action, &actor, &note, &at, &err), 0);
    CHECK_STR(action, "approved");
    CHECK_STR(actor, "carol");
    free(action);
    free(actor);
    free(note);
    CHECK_INT(kb_review_approve(st, n, "carol", &own, &changed, &err), KB_ENOTFOUND);

    /* Reject drops it; the article is unchanged. */
    int64_t seq1 = last_seq(st);
    edited(st, n, "A quokkaword change nobody wants.", &d);
    CHECK_INT(kb_review_submit(st, n, &d, "alice", &replaced, &err), 0);
    kb_doc_release(&d);
    CHECK_INT(kb_review_reject(st, n, "carol", "Not accurate", &err), 0);
    CHECK_INT(kb_review_pending(st, n, &pending, &err), 0);
    CHECK_INT(pending, 0);
    CHECK_INT(last_seq(st), seq1);
    live(st, n, &cur);
    CHECK(!strstr(cur.text, "quokkaword"));
    kb_doc_release(&cur);
    CHECK_INT(kb_review_last(st, n, &action, &actor, &note, &at, &err), 0);
    CHECK_STR(action, "rejected");
    CHECK_STR(note, "Not accurate");
    free(action);
    free(actor);
    free(note);
    CHECK_INT(kb_review_reject(st, n, "carol", NULL, &err), KB_ENOTFOUND);
    CHECK_INT(kb_review_submit(st, 999999, &cur, "alice", NULL, &err), KB_ENOTFOUND);
    kb_store_close(st);
}

/* ---- publish requests ---- */

static void test_publish_request(void)
{
    struct kb_store *st = open_store("publish.db");
    struct kb_err err = {0, ""};
    struct kb_doc d;
    struct kb_pending p;
    int64_t n = 0;
    int replaced = -1, own = 0, changed = 0;
    draft(&d, "New router", "Plug it in.", NULL);
    CHECK_INT(kb_article_create(st, &d, "writer1", &n, &err), 0);
    kb_doc_release(&d);
    draft(&d, "New router", "Plug it in firmly.", NULL);
    CHECK_INT(kb_article_update(st, n, &d, "writer2", &changed, &err), 0);
    kb_doc_release(&d);
    CHECK_INT(kb_review_request_publish(st, n, "writer3", &replaced, &err), 0);
    CHECK_INT(replaced, 0);
    CHECK_INT(kb_review_get(st, n, &p, &err), 0);
    CHECK_INT(p.publish, 1);
    CHECK_STR(p.author, "writer3");
    CHECK_INT(p.nedit, 3); /* everyone who wrote the draft, and the requester */
    kb_pending_release(&p);
    live(st, n, &d);
    CHECK_INT(d.status, KB_STATUS_DRAFT); /* nothing goes live */
    kb_doc_release(&d);
    CHECK(kb_review_approve(st, n, "writer2", &own, &changed, &err) == KB_EINVAL);
    CHECK_INT(own, 1);
    CHECK_INT(kb_review_approve(st, n, "writer4", &own, &changed, &err), 0);
    CHECK_INT(changed, 1);
    live(st, n, &d);
    CHECK_INT(d.status, KB_STATUS_PUBLISHED);
    CHECK(strstr(d.text, "firmly") != NULL);
    kb_doc_release(&d);
    /* A published article cannot be asked for again. */
    CHECK(kb_review_request_publish(st, n, "writer3", NULL, &err) == KB_EINVAL);
    /* Unpublished again: asking to publish is a request once more. */
    CHECK_INT(kb_store_set_status(st, n, KB_STATUS_DRAFT, &err), 0);
    CHECK_INT(kb_review_request_publish(st, n, "writer5", &replaced, &err), 0);
    CHECK_INT(kb_review_get(st, n, &p, &err), 0);
    CHECK_INT(p.publish, 1);
    kb_pending_release(&p);
    CHECK_INT(kb_review_reject(st, n, "writer1", "not yet", &err), 0);
    live(st, n, &d);
    CHECK_INT(d.status, KB_STATUS_DRAFT); /* rejected: stays a draft */
    kb_doc_release(&d);
    kb_store_close(st);
}

/* ---- owners and verify-by dates ---- */

static void test_owner(void)
{
    struct kb_store *st = open_store("owner.db");
    struct kb_err err = {0, ""};
    int64_t a = published(st, "Old article", "Text.", NULL);
    int64_t b = published(st, "Fresh article", "Text.", NULL);
    published(st, "Unowned article", "Text.", NULL);
    char *owner = NULL, vb[11] = "x";
    CHECK_INT(kb_article_owner_get(st, a, &owner, vb, &err), 0);
    CHECK(owner == NULL);
    CHECK_STR(vb, "");
    CHECK_INT(kb_article_owner_set(st, a, 1, "dana", 1, "2001-02-03", &err), 0);
    CHECK_INT(kb_article_owner_set(st, b, 0, NULL, 1, "2999-12-31", &err), 0);
    CHECK_INT(kb_article_owner_get(st, a, &owner, vb, &err), 0);
    CHECK_STR(owner, "dana");
    CHECK_STR(vb, "2001-02-03");
    free(owner);
    CHECK_INT(kb_article_owner_set(st, a, 1, "dana", 1, "2001-02-30", &err), KB_EINVAL);
    CHECK_INT(kb_article_owner_set(st, a, 1, "dana", 1, "tomorrow", &err), KB_EINVAL);
    CHECK_INT(kb_article_owner_set(st, 999999, 1, "dana", 0, NULL, &err), KB_ENOTFOUND);

    /* The writers' list filtered to articles past their date. */
    char today[11];
    kb_review_today(today);
    struct kb_article_filter f = {-1, -1, NULL, NULL, NULL, 0, 50};
    struct kb_doc *docs = NULL;
    size_t n = 0;
    int64_t total = 0;
    CHECK_INT(kb_article_list_review(st, &f, today, 0, &docs, &n, &total, &err), 0);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(docs[0].number, a);
    kb_article_list_free(docs, n);

    /* Only articles in review. */
    struct kb_doc d;
    edited(st, b, "New text.", &d);
    CHECK_INT(kb_review_submit(st, b, &d, "alice", NULL, &err), 0);
    kb_doc_release(&d);
    CHECK_INT(kb_article_list_review(st, &f, NULL, 1, &docs, &n, &total, &err), 0);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(docs[0].number, b);
    kb_article_list_free(docs, n);

    /* Clearing. */
    CHECK_INT(kb_article_owner_set(st, a, 1, "", 1, "", &err), 0);
    CHECK_INT(kb_article_owner_get(st, a, &owner, vb, &err), 0);
    CHECK(owner == NULL);
    CHECK_STR(vb, "");
    CHECK(kb_review_date_ok("2024-02-29"));
    CHECK(!kb_review_date_ok("2023-02-29"));
    CHECK(!kb_review_date_ok("2023-2-01"));
    kb_store_close(st);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_review: could not remove %s\n", dir);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/test_review.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_settings();
    test_pending();
    test_publish_request();
    test_owner();
    cleanup();
    return check_report("test_review");
}
