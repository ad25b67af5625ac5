/* A tiny check macro set for the C unit tests (after redis src/testhelp.h).
 * Each test binary ends with check_report(), which prints
 * "test_name: N passed, N failed" and returns the exit status. */
#ifndef KB_CHECK_H
#define KB_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
    if (cond) { check_passed++; } \
    else { check_failed++; fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_STR(a, b) do { \
    const char *check_a_ = (a), *check_b_ = (b); \
    if (check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0) { check_passed++; } \
    else { check_failed++; fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" vs \"%s\")\n", \
        __FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)"); } \
} while (0)

#define CHECK_INT(a, b) do { \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
    if (check_a_ == check_b_) { check_passed++; } \
    else { check_failed++; fprintf(stderr, "%s:%d: check failed: %s == %s (%lld vs %lld)\n", \
        __FILE__, __LINE__, #a, #b, check_a_, check_b_); } \
} while (0)

#define CHECK_CONTAINS(hay, needle) do { \
    const char *check_h_ = (hay), *check_n_ = (needle); \
    if (check_h_ && strstr(check_h_, check_n_)) { check_passed++; } \
    else { check_failed++; fprintf(stderr, "%s:%d: check failed: \"%s\" contains \"%s\"\n", \
        __FILE__, __LINE__, check_h_ ? check_h_ : "(null)", check_n_); } \
} while (0)

static int check_report(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}


/* SQL that drops what store migrations 9 and later create (each
 * self-contained): tests that take a store back to an older schema append
 * it, so a new migration is added here once, not in every such test. */
#define STORE_DROP_SINCE_9                                                                \
    "DROP TABLE replica_changes;"                                                         \
    "DROP TABLE contact_deliveries; DROP TABLE contact_requests;"                        \
    "DROP TABLE contact_destinations;"                                                    \
    "DROP TABLE site_settings; DROP TABLE site_files;"                                    \
    "DROP TABLE article_views; DROP TABLE views_seen; DROP TABLE article_pins;"           \
    "DROP TABLE rt_sync; DROP TABLE topics; DROP TABLE media; DROP TABLE media_refs;"     \
    "ALTER TABLE searches DROP COLUMN visitor; ALTER TABLE searches DROP COLUMN network;" \
    "DROP TABLE article_pending; DROP TABLE article_owners; DROP TABLE review_topics;"    \
    "DROP TABLE review_log;"                                                              \
    "DROP INDEX tickets_unit_created; DROP INDEX tickets_customer_created;"

#endif
