/* Tests for kb/sync/bulk.c and kb/index/merge.cc: an index built on several
 * shards and merged finds what the one built sequentially finds (both
 * databases, counts, spelling, synonyms, the outbox seq), and an interrupted
 * bulk build leaves the previous index serving and recoverable. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/buf.h"
#include "kb/search/search.h"
#include "kb/store/store.h"
#include "kb/sync/bulk.h"
#include "kb/sync/sync.h"

static const char *const WORDS[] = {
    "printer", "scanner", "network", "wireless", "password", "account", "driver",
    "firmware", "router", "backup", "restore", "monitor", "keyboard", "battery",
    "charger", "update", "install", "license", "invoice", "refund",
};
#define NWORDS (sizeof WORDS / sizeof WORDS[0])

static int64_t put_doc(struct kb_store *st, int kind, const char *src, const char *title,
                       const char *text, int audience, int status)
{
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = kind;
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.text, text);
    kb_doc_set(&d.locale, "en");
    if (kind == KB_KIND_TICKET)
        kb_doc_set(&d.customer, "acme");
    d.audience = kind == KB_KIND_TICKET ? KB_AUD_INTERNAL : audience;
    d.status = status;
    int result;
    int64_t number = 0;
    struct kb_err err;
    CHECK_INT(kb_store_put(st, &d, NULL, &result, &number, &err), 0);
    kb_doc_release(&d);
    return number;
}

/* Documents first..first+n-1: mostly public articles, some internal ones,
 * tickets and drafts, each with a few words of WORDS and a unique word. */
static void put_docs(struct kb_store *st, int first, int n)
{
    struct kb_err err;
    char src[32], title[96], text[256];
    for (int i = first; i < first + n; i++) {
        if ((i - first) % 400 == 0)
            CHECK_INT(kb_store_begin(st, &err), 0);
        const char *a = WORDS[i % NWORDS], *b = WORDS[(i / 3) % NWORDS],
                   *c = WORDS[(i * 7 + 3) % NWORDS];
        snprintf(src, sizeof src, "doc-%d", i);
        snprintf(title, sizeof title, "The %s and the %s", a, b);
        snprintf(text, sizeof text,
                 "How to fix the %s when the %s stops. Check the %s twice. Word%dx marks it. "
                 "The jabberwock%d is %s.",
                 a, b, c, i, i % 5, i % 2 ? "frumious" : "vorpal");
        int kind = i % 10 == 7 ? KB_KIND_TICKET : KB_KIND_ARTICLE;
        int aud = i % 4 == 1 ? KB_AUD_INTERNAL : KB_AUD_PUBLIC;
        int status = i % 23 == 5 ? KB_STATUS_DRAFT : KB_STATUS_PUBLISHED;
        put_doc(st, kind, src, title, text, aud, status);
        if ((i - first) % 400 == 399 || i == first + n - 1)
            CHECK_INT(kb_store_commit(st, &err), 0);
    }
}

static void hits(struct kb_buf *out, struct kb_index *ix, int role, const char *q)
{
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = q;
    o.limit = 1000;
    struct kb_result *r = NULL;
    struct kb_err err;
    if (kb_search(ix, role, &o, &r, &err) != 0) {
        kb_buf_printf(out, "%s: error %s\n", q, err.msg);
        return;
    }
    /* Equal scores may come in another order (document ids differ): the
     * scores in rank order, and the set of documents, sorted, when it is
     * all there (a cut among equal scores may differ too). */
    kb_buf_printf(out, "%d %s: %zu hits, total %llu, more %d, scores", role, q, r->nhits,
                  (unsigned long long)r->total, r->more);
    for (size_t i = 0; i < r->nhits; i++)
        kb_buf_printf(out, " %.4f", r->hits[i].score);
    int64_t *n = calloc(r->nhits + 1, sizeof *n);
    for (size_t i = 0; i < r->nhits; i++)
        n[i] = r->hits[i].number * 2 + r->hits[i].kind;
    for (size_t i = 1; i < r->nhits; i++)
        for (size_t j = i; j > 0 && n[j - 1] > n[j]; j--) {
            int64_t t = n[j];
            n[j] = n[j - 1];
            n[j - 1] = t;
        }
    kb_buf_printf(out, "\n  documents:");
    for (size_t i = 0; i < r->nhits && !r->more; i++)
        kb_buf_printf(out, " %lld", (long long)n[i]);
    kb_buf_printf(out, "\n");
    free(n);
    kb_result_free(r);
}

/* What a reader of the index in dir sees, as text to compare. */
static char *snapshot(const char *dir)
{
    struct kb_buf b = KB_BUF_INIT;
    struct kb_index *ix = NULL;
    struct kb_err err;
    if (kb_index_open(dir, KB_INDEX_READ, &ix, &err) != 0) {
        kb_buf_printf(&b, "no index: %s\n", err.msg);
        return b.data;
    }
    uint64_t npub = 0, nint = 0, nboth = 0;
    int64_t spub = -1, sint = -1;
    kb_index_count(ix, KB_DB_PUBLIC, &npub, &err);
    kb_index_count(ix, KB_DB_INTERNAL, &nint, &err);
    kb_index_count(ix, KB_DB_BOTH, &nboth, &err);
    kb_index_last_seq(ix, KB_DB_PUBLIC, &spub, &err);
    kb_index_last_seq(ix, KB_DB_INTERNAL, &sint, &err);
    kb_buf_printf(&b, "count %llu %llu %llu seq %lld %lld\n", (unsigned long long)npub,
                  (unsigned long long)nint, (unsigned long long)nboth, (long long)spub,
                  (long long)sint);
    static const char *const queries[] = {
        "printer",    "wireless router", "vorpal scanner", "word17x", "word2004x",
        "jabberwock3 frumious", "printr drivr", "tulgey", "bandersnatch", "word31x word3003x"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        hits(&b, ix, KB_ROLE_CUSTOMER, queries[i]);
        hits(&b, ix, KB_ROLE_AGENT, queries[i]);
    }
    static const char *const typos[] = {"printr", "scaner", "vorpl", "frumius", "routr"};
    for (size_t i = 0; i < sizeof typos / sizeof *typos; i++) {
        char *p = kb_index_spelling(ix, KB_DB_PUBLIC, typos[i], 2);
        char *s = kb_index_spelling(ix, KB_DB_BOTH, typos[i], 2);
        kb_buf_printf(&b, "spell %s: %s %s\n", typos[i], p ? p : "-", s ? s : "-");
        free(p);
        free(s);
    }
    kb_index_close(ix);
    return b.data;
}

static void same(const char *what, const char *a, const char *b)
{
    int eq = a && b && strcmp(a, b) == 0;
    CHECK(eq);
    if (!eq)
        fprintf(stderr, "%s differs:\n--- sequential\n%s--- bulk\n%s", what, a ? a : "(null)",
                b ? b : "(null)");
}

/* Two stores with the same documents, numbered alike: applying the outbox
 * trims it, so the sequential index and the bulk one read their own. */
struct fixture {
    char dir[64], db[128], db2[128], seq[128], bulk[128];
    struct kb_store *st, *st2;
};

static void fixture_open(struct fixture *f, const char *name)
{
    snprintf(f->dir, sizeof f->dir, "/tmp/kb-test-%s-XXXXXX", name);
    CHECK(mkdtemp(f->dir) != NULL);
    snprintf(f->db, sizeof f->db, "%s/kb.sqlite3", f->dir);
    snprintf(f->db2, sizeof f->db2, "%s/kb2.sqlite3", f->dir);
    snprintf(f->seq, sizeof f->seq, "%s/index-seq", f->dir);
    snprintf(f->bulk, sizeof f->bulk, "%s/index", f->dir);
    struct kb_err err;
    CHECK_INT(kb_store_open(f->db, &f->st, &err), 0);
    CHECK_INT(kb_store_open(f->db2, &f->st2, &err), 0);
    CHECK_INT(kb_store_synonym_add(f->st, "printer", "tulgey", &err), 0);
    CHECK_INT(kb_store_synonym_add(f->st2, "printer", "tulgey", &err), 0);
    /* Synonyms reach an index by kb_sync_synonyms alone (kb-indexer
     * synonym): a bulk add must keep them. */
    for (int k = 0; k < 2; k++) {
        struct kb_index *ix = NULL;
        CHECK_INT(kb_index_open(k ? f->seq : f->bulk, KB_INDEX_WRITE, &ix, &err), 0);
        CHECK_INT(kb_sync_synonyms(k ? f->st2 : f->st, ix, &err), 0);
        CHECK_INT(kb_index_commit(ix, -1, &err), 0);
        kb_index_close(ix);
    }
}

static void fixture_close(struct fixture *f)
{
    kb_store_close(f->st);
    kb_store_close(f->st2);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    CHECK_INT(system(cmd), 0);
}

static void both_docs(struct fixture *f, int first, int n)
{
    put_docs(f->st, first, n);
    put_docs(f->st2, first, n);
}

/* Brings the sequential index up to date with kb_sync_apply. */
static void apply_seq(struct fixture *f)
{
    struct kb_index *ix = NULL;
    struct kb_err err;
    CHECK_INT(kb_index_open(f->seq, KB_INDEX_WRITE, &ix, &err), 0);
    CHECK_INT(kb_sync_apply(f->st2, ix, 0, NULL, &err), 0);
    kb_index_close(ix);
}

/* Applies the outbox to the bulk index through kb_bulk_*, feeding twice. */
static int apply_bulk(struct fixture *f, unsigned jobs)
{
    struct kb_index *ix = NULL;
    struct kb_bulk *b = NULL;
    struct kb_err err;
    size_t fed = 0;
    int rc = kb_index_open(f->bulk, KB_INDEX_WRITE, &ix, &err);
    if (rc == 0)
        rc = kb_bulk_start(ix, f->bulk, jobs, &b, &err);
    if (rc == 0)
        rc = kb_bulk_feed(b, f->st, &fed, &err);
    if (rc == 0)
        rc = kb_bulk_feed(b, f->st, &fed, &err);
    if (b) {
        int frc = kb_bulk_finish(b, f->st, &ix, &err);
        rc = rc ? rc : frc;
    }
    if (rc)
        fprintf(stderr, "bulk apply: %s\n", err.msg);
    kb_index_close(ix);
    return rc;
}

/* rebuild on 3 shards == rebuild on one. */
static void test_rebuild_same(void)
{
    struct fixture f;
    struct kb_err err;
    fixture_open(&f, "bulk-rebuild");
    both_docs(&f, 0, 3000);
    size_t n1 = 0, n2 = 0;
    CHECK_INT(kb_sync_rebuild(f.st2, f.seq, NULL, &n1, &err), 0);
    CHECK_INT(kb_bulk_rebuild(f.st, f.bulk, NULL, 3, &n2, &err), 0);
    CHECK_INT(n2, n1);
    char *a = snapshot(f.seq), *b = snapshot(f.bulk);
    CHECK_CONTAINS(b, "spell printr: printer printer");
    CHECK(strstr(b, "count 0 ") == NULL);
    same("rebuild", a, b);
    free(a);
    free(b);
    /* Nothing left beside the index. */
    char p[160];
    struct stat sb;
    snprintf(p, sizeof p, "%s.bulk", f.bulk);
    CHECK(stat(p, &sb) != 0);
    snprintf(p, sizeof p, "%s.rebuild", f.bulk);
    CHECK(stat(p, &sb) != 0);
    fixture_close(&f);
}

/* add on 2 shards == add applied in order, into an empty index and then
 * into one that holds documents the add replaces and removes. */
static void test_add_same(void)
{
    struct fixture f;
    struct kb_err err;
    fixture_open(&f, "bulk-add");
    both_docs(&f, 0, 2000);
    apply_seq(&f);
    CHECK_INT(apply_bulk(&f, 2), 0);
    char *a = snapshot(f.seq), *b = snapshot(f.bulk);
    same("add into an empty index", a, b);
    free(a);
    free(b);

    /* Replaced, removed, unpublished and new documents. */
    both_docs(&f, 2000, 1500);
    for (int k = 0; k < 2; k++) {
        struct kb_store *st = k ? f.st2 : f.st;
        CHECK_INT(kb_store_begin(st, &err), 0);
        put_doc(st, KB_KIND_ARTICLE, "doc-4", "The bandersnatch printer",
                "Now about the bandersnatch.", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED);
        put_doc(st, KB_KIND_ARTICLE, "doc-8", "Unpublished", "The vorpal printer draft.",
                KB_AUD_PUBLIC, KB_STATUS_DRAFT);
        put_doc(st, KB_KIND_ARTICLE, "doc-2004", "The bandersnatch scanner",
                "A new one replaced at once.", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED);
        CHECK_INT(kb_store_commit(st, &err), 0);
        int kind;
        int64_t num;
        CHECK_INT(kb_store_find(st, "doc-12", &kind, &num, &err), 0);
        CHECK_INT(kb_store_remove(st, kind, num, &err), 0);
        CHECK_INT(kb_store_find(st, "doc-2012", &kind, &num, &err), 0);
        CHECK_INT(kb_store_remove(st, kind, num, &err), 0);
    }
    apply_seq(&f);
    CHECK_INT(apply_bulk(&f, 2), 0);
    a = snapshot(f.seq);
    b = snapshot(f.bulk);
    CHECK_CONTAINS(b, "bandersnatch");
    same("add into a full index", a, b);
    free(a);
    free(b);
    int64_t last = 0;
    CHECK_INT(kb_store_outbox_last(f.st, &last, &err), 0);
    char want[64];
    snprintf(want, sizeof want, "seq %lld %lld\n", (long long)last, (long long)last);
    b = snapshot(f.bulk);
    CHECK_CONTAINS(b, want);
    free(b);
    fixture_close(&f);
}

/* An add killed mid-way (its shards built, never merged) leaves the index
 * as it was, serving, and kb_sync_apply brings it up to date. */
static void test_add_interrupted(void)
{
    struct fixture f;
    struct kb_err err;
    fixture_open(&f, "bulk-kill");
    both_docs(&f, 0, 500);
    apply_seq(&f);
    CHECK_INT(apply_bulk(&f, 2), 0);
    char *before = snapshot(f.bulk);
    both_docs(&f, 500, 2500);
    pid_t pid = fork();
    if (pid == 0) {
        struct kb_store *st = NULL;
        struct kb_index *ix = NULL;
        struct kb_bulk *b = NULL;
        if (kb_store_open(f.db, &st, &err) || kb_index_open(f.bulk, KB_INDEX_WRITE, &ix, &err) ||
            kb_bulk_start(ix, f.bulk, 2, &b, &err) || kb_bulk_feed(b, st, NULL, &err))
            _exit(2);
        _exit(0); /* as kill -9: no finish, no close */
    }
    int status = 0;
    CHECK_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *after = snapshot(f.bulk);
    same("index after a killed add", before, after);
    free(after);
    free(before);
    /* Recovery: the sync any later run does, then a bulk add over the
     * leftovers. */
    struct kb_index *ix = NULL;
    CHECK_INT(kb_index_open(f.bulk, KB_INDEX_WRITE, &ix, &err), 0);
    CHECK_INT(kb_sync_apply(f.st, ix, 0, NULL, &err), 0);
    kb_index_close(ix);
    apply_seq(&f);
    char *a = snapshot(f.seq), *b = snapshot(f.bulk);
    same("index after recovery", a, b);
    free(a);
    free(b);
    both_docs(&f, 3000, 100);
    CHECK_INT(apply_bulk(&f, 2), 0);
    apply_seq(&f);
    a = snapshot(f.seq);
    b = snapshot(f.bulk);
    same("bulk add over an interrupted one's leftovers", a, b);
    free(a);
    free(b);
    fixture_close(&f);
}

/* A rebuild killed at some point leaves a whole index: the old one, or the
 * new one once swapped in; never none, never half of one. */
static void test_rebuild_killed(void)
{
    struct fixture f;
    struct kb_err err;
    fixture_open(&f, "bulk-rkill");
    both_docs(&f, 0, 300);
    size_t n = 0;
    CHECK_INT(kb_sync_rebuild(f.st, f.bulk, NULL, &n, &err), 0);
    char *old = snapshot(f.bulk);
    both_docs(&f, 300, 4000);
    CHECK_INT(kb_sync_rebuild(f.st2, f.seq, NULL, &n, &err), 0);
    char *full = snapshot(f.seq);
    for (int delay_ms = 50; delay_ms <= 450; delay_ms += 200) {
        pid_t pid = fork();
        if (pid == 0) {
            struct kb_store *st = NULL;
            size_t cnt = 0;
            if (kb_store_open(f.db, &st, &err) ||
                kb_bulk_rebuild(st, f.bulk, NULL, 2, &cnt, &err))
                _exit(2);
            _exit(0);
        }
        struct timespec ts = {0, delay_ms * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status = 0;
        CHECK_INT(waitpid(pid, &status, 0), pid);
        char *now = snapshot(f.bulk);
        int whole = strcmp(now, old) == 0 || strcmp(now, full) == 0;
        CHECK(whole);
        if (!whole)
            fprintf(stderr, "after a kill at %d ms:\n%s", delay_ms, now);
        free(now);
    }
    CHECK_INT(kb_bulk_rebuild(f.st, f.bulk, NULL, 2, &n, &err), 0);
    char *now = snapshot(f.bulk);
    same("rebuild after killed ones", full, now);
    free(now);
    free(old);
    free(full);
    fixture_close(&f);
}

int main(void)
{
    CHECK_INT(kb_bulk_jobs(100), 1);
    CHECK(kb_bulk_jobs(1000000) >= 1 && kb_bulk_jobs(1000000) <= 8);
    test_rebuild_same();
    test_add_same();
    test_add_interrupted();
    test_rebuild_killed();
    return check_report("test_bulk");
}
