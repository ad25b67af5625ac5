/* Tests for kb/store/views.c, site.c and locales.c: a view counted once per
 * visitor, article and day, staff apart, earlier days' viewers dropped; the
 * popular list ranked by use and holding public published articles only;
 * pins checked (missing, twice, too many) and filtered for customers; site
 * settings and files with their limits; the locales with public content and
 * an article's translations (one source id). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb/base/log.h"
#include "kb/store/locales.h"
#include "kb/store/site.h"
#include "kb/store/store.h"
#include "kb/store/views.h"

#define DAY 86400
static char dir[64], db[128];

static int64_t put(struct kb_store *st, const char *src, const char *locale, const char *title,
                   int audience, int status)
{
    struct kb_doc d;
    kb_doc_init(&d);
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.text, "Some text.");
    kb_doc_set(&d.locale, locale);
    kb_doc_set(&d.category, "wifi");
    d.audience = audience;
    d.status = status;
    int result;
    int64_t number = 0;
    struct kb_err err;
    CHECK_INT(kb_store_put(st, &d, NULL, &result, &number, &err), 0);
    kb_doc_release(&d);
    return number;
}

static int count_sql(const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    int n = -1;
    if (sqlite3_open(db, &h) == SQLITE_OK && sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return n;
}

static void test_views(struct kb_store *st, int64_t a, int64_t b, int64_t internal, int64_t t)
{
    struct kb_err err;
    int counted = -1;
    int64_t cust = -1, staff = -1;
    CHECK_INT(kb_views_count(st, a, "v1", 0, t, &counted, &err), 0);
    CHECK_INT(counted, 1);
    CHECK_INT(kb_views_count(st, a, "v1", 0, t + 60, &counted, &err), 0);
    CHECK_INT(counted, 0); /* the same visitor, the same day */
    CHECK_INT(kb_views_count(st, a, "v2", 0, t, &counted, &err), 0);
    CHECK_INT(kb_views_count(st, a, "staff1", 1, t, &counted, &err), 0);
    CHECK_INT(counted, 1);
    CHECK_INT(kb_views_total(st, a, KB_POPULAR_DAYS, t, &cust, &staff, &err), 0);
    CHECK_INT(cust, 2);
    CHECK_INT(staff, 1);
    /* The next day: v1 counts again, and yesterday's viewers are gone. */
    CHECK_INT(count_sql("SELECT count(*) FROM views_seen"), 3);
    CHECK_INT(kb_views_count(st, a, "v1", 0, t + DAY, &counted, &err), 0);
    CHECK_INT(counted, 1);
    CHECK_INT(count_sql("SELECT count(*) FROM views_seen"), 1);
    CHECK_INT(kb_views_total(st, a, KB_POPULAR_DAYS, t + DAY, &cust, NULL, &err), 0);
    CHECK_INT(cust, 3);
    /* Views older than the window do not count. */
    CHECK_INT(kb_views_total(st, a, KB_POPULAR_DAYS, t + 40 * DAY, &cust, NULL, &err), 0);
    CHECK_INT(cust, 0);
    CHECK_INT(kb_views_count(st, 0, "v1", 0, t, NULL, &err), KB_EINVAL);
    CHECK_INT(kb_views_count(st, a, "", 0, t, NULL, &err), KB_EINVAL);

    /* b: four customers; internal: many staff and customers' direct hits. */
    for (int i = 0; i < 4; i++) {
        char v[16];
        snprintf(v, sizeof v, "b%d", i);
        CHECK_INT(kb_views_count(st, b, v, 0, t + DAY, NULL, &err), 0);
        snprintf(v, sizeof v, "i%d", i);
        CHECK_INT(kb_views_count(st, internal, v, 0, t + DAY, NULL, &err), 0);
    }
    int64_t *nums = NULL;
    size_t n = 0;
    CHECK_INT(kb_popular(st, NULL, NULL, t + DAY, 10, &nums, &n, &err), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(nums[0], b);
        CHECK_INT(nums[1], a);
    }
    free(nums);
    CHECK_INT(kb_popular(st, "fr", NULL, t + DAY, 10, &nums, &n, &err), 0);
    CHECK_INT(n, 0);
    free(nums);
    CHECK_INT(kb_popular(st, "en", "billing", t + DAY, 10, &nums, &n, &err), 0);
    CHECK_INT(n, 0);
    free(nums);
}

static void test_pins(struct kb_store *st, int64_t a, int64_t b, int64_t internal)
{
    struct kb_err err;
    int64_t want[] = {internal, b, a};
    CHECK_INT(kb_pins_set(st, "", want, 3, &err), 0);
    int64_t *nums = NULL;
    size_t n = 0;
    CHECK_INT(kb_pins_get(st, "", 0, &nums, &n, &err), 0);
    CHECK_INT(n, 3);
    free(nums);
    CHECK_INT(kb_pins_get(st, "", 1, &nums, &n, &err), 0);
    CHECK_INT(n, 2); /* customers: public published only */
    if (n == 2) {
        CHECK_INT(nums[0], b);
        CHECK_INT(nums[1], a);
    }
    free(nums);
    int64_t missing[] = {a, 99999};
    CHECK_INT(kb_pins_set(st, "", missing, 2, &err), KB_ENOTFOUND);
    CHECK_CONTAINS(err.msg, "KB-99999");
    CHECK_INT(kb_pins_get(st, "", 0, &nums, &n, &err), 0);
    CHECK_INT(n, 3); /* a refused change leaves the pins as they were */
    free(nums);
    int64_t twice[] = {a, a};
    CHECK_INT(kb_pins_set(st, "wifi", twice, 2, &err), KB_EINVAL);
    int64_t many[KB_PINS_MAX + 1] = {0};
    CHECK_INT(kb_pins_set(st, "wifi", many, KB_PINS_MAX + 1, &err), KB_ETOOBIG);
    CHECK_INT(kb_pins_set(st, "", NULL, 0, &err), 0);
    CHECK_INT(kb_pins_get(st, "", 0, &nums, &n, &err), 0);
    CHECK_INT(n, 0);
    free(nums);
}

static void test_site(struct kb_store *st)
{
    struct kb_err err;
    char *v = NULL;
    int64_t up = -1;
    CHECK_INT(kb_site_get(st, "brand", &v, &up, &err), KB_ENOTFOUND);
    CHECK_INT(kb_site_set(st, "brand", "{\"name\":\"Acme\"}", &err), 0);
    CHECK_INT(kb_site_get(st, "brand", &v, &up, &err), 0);
    CHECK_STR(v, "{\"name\":\"Acme\"}");
    free(v);
    int64_t first = up;
    CHECK_INT(kb_site_set(st, "brand", "{}", &err), 0);
    CHECK_INT(kb_site_get(st, "brand", &v, &up, &err), 0);
    CHECK(up > first); /* every change is seen as one, even within a second */
    free(v);
    CHECK_INT(kb_site_set(st, "", "x", &err), KB_EINVAL);
    char *big = malloc(KB_SITE_VALUE_MAX + 2);
    memset(big, 'x', KB_SITE_VALUE_MAX + 1);
    big[KB_SITE_VALUE_MAX + 1] = '\0';
    CHECK_INT(kb_site_set(st, "brand", big, &err), KB_ETOOBIG);
    free(big);
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0, 1, 2};
    CHECK_INT(kb_site_file_set(st, "logo", "image/png", png, sizeof png, &err), 0);
    char *type = NULL;
    void *data = NULL;
    size_t len = 0;
    CHECK_INT(kb_site_file_get(st, "logo", &type, &data, &len, NULL, &err), 0);
    CHECK_STR(type, "image/png");
    CHECK(len == sizeof png && memcmp(data, png, len) == 0); /* NUL bytes kept */
    free(type);
    free(data);
    CHECK_INT(kb_site_file_set(st, "logo", "image/png", png, KB_SITE_FILE_MAX + 1, &err),
              KB_ETOOBIG);
    CHECK_INT(kb_site_file_delete(st, "logo", &err), 0);
    CHECK_INT(kb_site_file_get(st, "logo", &type, &data, &len, NULL, &err), KB_ENOTFOUND);
    CHECK_INT(kb_site_file_delete(st, "logo", &err), 0);
}

static void test_locales(struct kb_store *st, int64_t a)
{
    struct kb_err err;
    int64_t fr = put(st, "src-a", "fr", "Réinitialiser", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED);
    put(st, "src-a", "de", "Zurücksetzen (Entwurf)", KB_AUD_PUBLIC, KB_STATUS_DRAFT);
    put(st, "only-it", "it", "Interno", KB_AUD_INTERNAL, KB_STATUS_PUBLISHED);
    char **loc = NULL;
    size_t n = 0;
    CHECK_INT(kb_locales_public(st, &loc, &n, &err), 0);
    CHECK_INT(n, 2); /* en, fr: de is a draft, it internal */
    if (n == 2) {
        CHECK_STR(loc[0], "en");
        CHECK_STR(loc[1], "fr");
    }
    kb_locales_free(loc, n);
    struct kb_translation *t = NULL;
    CHECK_INT(kb_article_translations(st, a, 1, &t, &n, &err), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(t[0].number, fr);
        CHECK_STR(t[0].locale, "fr");
    }
    kb_translations_free(t, n);
    CHECK_INT(kb_article_translations(st, a, 0, &t, &n, &err), 0);
    CHECK_INT(n, 2); /* staff: the draft too */
    kb_translations_free(t, n);
    CHECK_INT(kb_article_translations(st, fr, 1, &t, &n, &err), 0);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(t[0].number, a);
    kb_translations_free(t, n);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/kb-test-views-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(db, sizeof db, "%s/kb.sqlite3", dir);
    struct kb_store *st = NULL;
    struct kb_err err;
    CHECK_INT(kb_store_open(db, &st, &err), 0);
    if (st) {
        int64_t a = put(st, "src-a", "en", "Reset", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED);
        int64_t b = put(st, "src-b", "en", "Rename", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED);
        int64_t in = put(st, "src-i", "en", "Runbook", KB_AUD_INTERNAL, KB_STATUS_PUBLISHED);
        test_views(st, a, b, in, 20000 * (int64_t)DAY + 3600);
        test_pins(st, a, b, in);
        test_site(st);
        test_locales(st, a);
        kb_store_close(st);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_views");
}
