/* Tests for the index's stored record of a document (kb/index/index_doc.c): a
 * hit reads back what was indexed, a field cannot break the record, long
 * bodies are cut on a character boundary, and an unborn database folder is
 * cleared only when it holds nothing else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "kb/index/index_doc.h"

static void touch(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
}

static int exists(const char *dir, const char *name)
{
    char p[512];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0;
}

int main(void)
{
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.number = 4471;
    d.updated = 1700000123;
    kb_doc_set(&d.source_id, "kb/router\treset");
    kb_doc_set(&d.title, "Reset the router\nnow");
    kb_doc_set(&d.category, "Network");
    kb_doc_set(&d.locale, "en-GB");
    kb_doc_set(&d.text, "Hold the button.\nWait\tten seconds.");

    size_t len = 0;
    char *rec = kb_rec_make(&d, KB_AUD_INTERNAL, &len);
    CHECK_INT(len, strlen(rec));
    struct kb_rec r;
    kb_rec_parse(rec, len, &r);
    struct kb_hit h;
    memset(&h, 0, sizeof h);
    kb_rec_hit(&r, 2.5, &h);
    CHECK_STR(h.source_id, "kb/router reset"); /* a tab would have split the record */
    CHECK_STR(h.title, "Reset the router now");
    CHECK_STR(h.category, "Network");
    CHECK_STR(h.locale, "en-GB");
    CHECK(h.summary == NULL);
    CHECK_INT(h.kind, KB_KIND_ARTICLE);
    CHECK_INT(h.audience, KB_AUD_INTERNAL);
    CHECK_INT(h.number, 4471);
    CHECK_INT(h.updated, 1700000123);
    CHECK(h.score == 2.5);
    /* No body in the record: the store holds it, once. */
    CHECK_INT(r.body_len, 0);
    CHECK(strstr(rec, "Hold the button") == NULL);
    free(h.source_id);
    free(h.title);
    free(h.category);
    free(h.locale);
    free(rec);

    /* However long the body, the record is the header alone. */
    size_t n = 100000;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    free(d.text);
    d.text = big;
    rec = kb_rec_make(&d, KB_AUD_PUBLIC, &len);
    CHECK(len < 200);
    free(rec);

    /* A record of an index built before: its body after a line break. */
    const char *old = "id\tTitle\t0\t0\t\ten\t7\t1\tsum\nold body";
    kb_rec_parse(old, strlen(old), &r);
    CHECK_INT(r.n[KB_REC_SUMMARY], 3);
    CHECK_INT(r.body_len, 8);
    kb_doc_release(&d);

    /* A record with nothing after the header, and a header cut short. */
    kb_rec_parse("only-an-id", 10, &r);
    CHECK_INT(r.n[KB_REC_SOURCE], 10);
    CHECK_INT(r.n[KB_REC_TITLE], 0);
    CHECK_INT(r.body_len, 0);

    /* The prior: no votes and no use is neutral; bounded either way. */
    kb_doc_init(&d);
    CHECK(kb_rec_usage_prior(&d) == 0.0);
    d.helpful = 1000000;
    d.clicks = 1000000;
    CHECK(kb_rec_usage_prior(&d) > 0.9 && kb_rec_usage_prior(&d) <= 1.0);
    d.helpful = 0;
    d.unhelpful = 1000000;
    d.clicks = 0;
    CHECK(kb_rec_usage_prior(&d) < -0.6 && kb_rec_usage_prior(&d) >= -1.0);
    kb_doc_release(&d);

    /* Unborn databases: cleared when only Xapian's first files are there. */
    char dir[] = "/tmp/kb-test-unborn-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    touch(dir, "flintlock");
    touch(dir, "postlist.glass");
    kb_rec_clear_unborn(dir);
    CHECK(!exists(dir, "flintlock") && !exists(dir, "postlist.glass"));
    touch(dir, "postlist.glass");
    touch(dir, "notes.txt"); /* not Xapian's: left alone */
    kb_rec_clear_unborn(dir);
    CHECK(exists(dir, "postlist.glass") && exists(dir, "notes.txt"));
    char notes[512];
    snprintf(notes, sizeof notes, "%s/notes.txt", dir);
    unlink(notes);
    touch(dir, "iamglass"); /* a real database */
    kb_rec_clear_unborn(dir);
    CHECK(exists(dir, "postlist.glass") && exists(dir, "iamglass"));
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return check_report("test_index_doc");
}
