/* The ranking evaluation's driver (make eval; tests/eval/run.sh calls it and
 * scores its run files with ../shared/eval/evaluate.py).
 *
 *   kb_eval ingest DATA CORPUS.jsonl
 *       the corpus through the real ingestion path: kb_ingest_file ->
 *       kb_store_put -> kb_sync_apply, as `kb-indexer add` does
 *   kb_eval ingest-help DATA DUMP.jsonl DIR...
 *       each DIR (a translated GNOME help, /usr/share/help/LANG/gnome-help)
 *       through the same path into one data directory, the locale as
 *       `kb-indexer add DIR` sets it (xml:lang, else "en"); every document
 *       as ingested goes to DUMP.jsonl ({locale, id, title, summary, text})
 *       so that the plain-Xapian peer indexes the very same text
 *   kb_eval show [RANK]
 *       prints the ranking options RANK makes
 *   kb_eval run [--no-time] [RANK] DATA QUERIES.tsv RUN TAG
 *       every query through kb_search as a customer (the code a customer's
 *       request runs), top 100 as a TREC run file of source ids; then a
 *       timing pass as the web page asks (10 hits with snippets).
 *       --locales: QUERIES has three columns (qid, locale, text); each query
 *       is searched in its locale (as the help center does for a customer
 *       browsing in that language) and documents are named LOCALE/SOURCE_ID
 *   kb_eval learn [RANK] DATA QUERIES.tsv QRELS.tsv TEST.tsv
 *       splits the queries of each question (queries sharing one set of
 *       relevant documents) in two halves by file order; each query of the
 *       first half is searched as a customer, who marks the best-ranked
 *       relevant answer on the first page "solved" through kb_events_add
 *       (the live feedback path), and the outbox is synced into the index
 *       before the next one; the second half is written to TEST.tsv
 *
 * RANK: --baseline (plain BM25, one field), --config FILE ("name value"
 * lines, # comments), or --NAME VALUE for any knob kb_rank_opts_set knows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "kb/base/buf.h"
#include "kb/store/events.h"
#include "kb/ingest/ingest.h"
#include "kb/search/search.h"
#include "kb/store/store.h"
#include "kb/sync/sync.h"

#define RUN_DEPTH 100 /* hits per query in the run file */

static int timing = 1;  /* run: time the customer's page too (--no-time: skip) */
static int locales = 0; /* run: queries carry a locale column (--locales) */

static void die(const char *what, const struct kb_err *err)
{
    fprintf(stderr, "kb_eval: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: steadier than the wall clock on a busy machine. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *path_join(const char *dir, const char *leaf)
{
    size_t n = strlen(dir) + strlen(leaf) + 2;
    char *p = kb_xmalloc(n);
    snprintf(p, n, "%s/%s", dir, leaf);
    return p;
}

/* ---- input files ---------------------------------------------------------- */

struct query {
    char *qid, *text;
    char *locale; /* NULL: any locale */
    char *key; /* the query's relevant documents, sorted and joined */
};

static char *chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static struct query *read_queries(const char *path, size_t *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "kb_eval: cannot read '%s'\n", path);
        exit(1);
    }
    struct query *v = NULL;
    size_t n = 0;
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(chomp(line), '\t');
        if (!tab)
            continue;
        *tab = '\0';
        char *text = tab + 1, *loc = NULL;
        if (locales) {
            loc = text;
            if (!(tab = strchr(text, '\t')))
                continue;
            *tab = '\0';
            text = tab + 1;
        }
        v = kb_xrealloc(v, (n + 1) * sizeof *v);
        v[n].qid = kb_xstrdup(line);
        v[n].text = kb_xstrdup(text);
        v[n].locale = loc ? kb_xstrdup(loc) : NULL;
        v[n].key = NULL;
        n++;
    }
    fclose(f);
    *n_out = n;
    return v;
}

struct qrel {
    char *qid, *doc;
};

static struct qrel *read_qrels(const char *path, size_t *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "kb_eval: cannot read '%s'\n", path);
        exit(1);
    }
    struct qrel *v = NULL;
    size_t n = 0;
    char line[1024], q[512], d[512];
    int rel;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%511s %511s %d", q, d, &rel) != 3 || rel <= 0)
            continue;
        v = kb_xrealloc(v, (n + 1) * sizeof *v);
        v[n].qid = kb_xstrdup(q);
        v[n].doc = kb_xstrdup(d);
        n++;
    }
    fclose(f);
    *n_out = n;
    return v;
}

static int is_relevant(const struct qrel *r, size_t n, const char *qid, const char *doc)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].qid, qid) == 0 && strcmp(r[i].doc, doc) == 0)
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- ranking options ------------------------------------------------------ */

static void set_knob(struct kb_rank_opts *r, const char *name, const char *value)
{
    struct kb_err err;
    if (kb_rank_opts_set(r, name, value, &err) != 0)
        die("ranking option", &err);
}

static void read_config(struct kb_rank_opts *r, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "kb_eval: cannot read config '%s'\n", path);
        exit(1);
    }
    char line[512], name[128], value[128];
    while (fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        for (char *p = line; *p; p++)
            if (*p == '=')
                *p = ' ';
        if (sscanf(line, "%127s %127s", name, value) == 2)
            set_knob(r, name, value);
    }
    fclose(f);
}

/* Parses RANK options from argv[*i]; returns when the next one is not one. */
static void parse_rank(int argc, char **argv, int *i, struct kb_rank_opts *r)
{
    while (*i < argc && strncmp(argv[*i], "--", 2) == 0) {
        const char *a = argv[*i];
        if (strcmp(a, "--baseline") == 0) {
            kb_rank_opts_baseline(r);
            (*i)++;
            continue;
        }
        if (*i + 1 >= argc) {
            fprintf(stderr, "kb_eval: %s needs a value\n", a);
            exit(2);
        }
        if (strcmp(a, "--config") == 0)
            read_config(r, argv[*i + 1]);
        else
            set_knob(r, a, argv[*i + 1]);
        *i += 2;
    }
}

/* ---- ingest --------------------------------------------------------------- */

struct ingest_ctx {
    struct kb_store *st;
    size_t added, bad;
    FILE *dump; /* ingest-help: every document as ingested, or NULL */
};

static int on_doc(void *ud, const struct kb_doc *d)
{
    struct ingest_ctx *c = ud;
    struct kb_err err;
    int result;
    int64_t number;
    if (kb_store_put(c->st, d, NULL, &result, &number, &err) != 0)
        die("store", &err);
    c->added++;
    if (c->dump) {
        json_t *o = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}", "locale", d->locale, "id",
                              d->source_id, "title", d->title, "summary", d->summary, "text",
                              d->text);
        if (!o || json_dumpf(o, c->dump, JSON_COMPACT | JSON_ENSURE_ASCII) != 0)
            die("dump", NULL);
        fputc('\n', c->dump);
        json_decref(o);
    }
    return 0;
}

static void on_bad(void *ud, const char *where, const char *why)
{
    struct ingest_ctx *c = ud;
    c->bad++;
    fprintf(stderr, "%s: %s\n", where, why);
}

static struct kb_store *open_store(const char *data)
{
    mkdir(data, 0755); /* an existing one is fine; kb_store_open reports the rest */
    char *p = path_join(data, "kb.sqlite3");
    struct kb_store *st = NULL;
    struct kb_err err;
    if (kb_store_open(p, &st, &err) != 0)
        die(p, &err);
    free(p);
    return st;
}

static void sync_index(struct kb_store *st, const char *data)
{
    char *dir = path_join(data, "index");
    struct kb_index *ix = NULL;
    struct kb_err err;
    if (kb_index_open(dir, KB_INDEX_WRITE, &ix, &err) != 0)
        die(dir, &err);
    if (kb_sync_apply(st, ix, 0, NULL, &err) != 0)
        die("sync", &err);
    kb_index_close(ix);
    free(dir);
}

static int cmd_ingest(const char *data, const char *corpus)
{
    struct kb_store *st = open_store(data);
    struct ingest_ctx c = {st, 0, 0, NULL};
    struct kb_ingest_opts opts = {KB_AUD_PUBLIC, NULL, NULL, NULL};
    struct kb_ingest_sink sink = {on_doc, on_bad, &c};
    struct kb_err err;
    double t0 = now();
    if (kb_store_begin(st, &err) != 0)
        die("store", &err);
    kb_ingest_path(corpus, &opts, &sink, NULL);
    if (kb_store_commit(st, &err) != 0)
        die("store", &err);
    sync_index(st, data);
    kb_store_close(st);
    fprintf(stderr, "ingested %zu documents (%zu bad) in %.2f s\n", c.added, c.bad, now() - t0);
    return c.bad || !c.added ? 1 : 0;
}

/* Every DIR into one data directory, as `kb-indexer add DIR...` does. */
static int cmd_ingest_help(const char *data, const char *dump, int ndirs, char **dirs)
{
    struct kb_store *st = open_store(data);
    struct ingest_ctx c = {st, 0, 0, fopen(dump, "w")};
    if (!c.dump) {
        fprintf(stderr, "kb_eval: cannot write '%s'\n", dump);
        return 1;
    }
    struct kb_ingest_opts opts = {KB_AUD_PUBLIC, NULL, NULL, NULL};
    struct kb_ingest_sink sink = {on_doc, on_bad, &c};
    struct kb_err err;
    double t0 = now();
    if (kb_store_begin(st, &err) != 0)
        die("store", &err);
    for (int i = 0; i < ndirs; i++)
        kb_ingest_path(dirs[i], &opts, &sink, NULL);
    if (kb_store_commit(st, &err) != 0)
        die("store", &err);
    sync_index(st, data);
    kb_store_close(st);
    if (fclose(c.dump) != 0)
        die("dump", NULL);
    fprintf(stderr, "ingested %zu documents from %d folders (%zu bad) in %.2f s\n", c.added,
            ndirs, c.bad, now() - t0);
    return !c.added ? 1 : 0;
}

/* ---- run ------------------------------------------------------------------ */

static struct kb_index *open_reader(const char *data)
{
    char *dir = path_join(data, "index");
    struct kb_index *ix = NULL;
    struct kb_err err;
    if (kb_index_open(dir, KB_INDEX_READ, &ix, &err) != 0)
        die(dir, &err);
    free(dir);
    return ix;
}

static struct kb_result *customer_search(struct kb_index *ix, const struct kb_rank_opts *r,
                                         const char *text, const char *locale, size_t limit,
                                         int snippets)
{
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = text;
    o.locale = locale;
    o.limit = limit;
    o.snippets = snippets;
    o.rank = *r;
    struct kb_result *res = NULL;
    struct kb_err err;
    if (kb_search(ix, KB_ROLE_CUSTOMER, &o, &res, &err) != 0)
        die(text, &err);
    return res;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* What a customer's page costs: 10 hits with snippets, best of 3 passes per
 * query so that one scheduling hiccup does not count; the wall clock and
 * this thread's CPU time (steadier on a busy machine). */
static void time_searches(struct kb_index *ix, const struct kb_rank_opts *r,
                          const struct query *q, size_t nq, const char *tag)
{
    double *ms = kb_xcalloc(nq ? nq : 1, sizeof *ms);
    double *cpu = kb_xcalloc(nq ? nq : 1, sizeof *cpu);
    for (size_t i = 0; i < nq; i++) {
        ms[i] = cpu[i] = 1e9;
        for (int pass = 0; pass < 3; pass++) {
            double t0 = now(), c0 = cpu_now();
            kb_result_free(customer_search(ix, r, q[i].text, q[i].locale, 10, 1));
            double t = (now() - t0) * 1000.0, c = (cpu_now() - c0) * 1000.0;
            if (t < ms[i])
                ms[i] = t;
            if (c < cpu[i])
                cpu[i] = c;
        }
    }
    qsort(ms, nq, sizeof *ms, cmp_double);
    qsort(cpu, nq, sizeof *cpu, cmp_double);
    printf("time %s: p50 %.3f ms, p95 %.3f ms, cpu p50 %.3f ms per search "
           "(10 hits with snippets, %zu queries)\n",
           tag, nq ? ms[nq / 2] : 0.0, nq ? ms[nq * 95 / 100] : 0.0, nq ? cpu[nq / 2] : 0.0, nq);
    free(ms);
    free(cpu);
}

static int cmd_run(const struct kb_rank_opts *r, const char *data, const char *qpath,
                   const char *runpath, const char *tag)
{
    size_t nq = 0;
    struct query *q = read_queries(qpath, &nq);
    struct kb_index *ix = open_reader(data);
    FILE *out = fopen(runpath, "w");
    if (!out) {
        fprintf(stderr, "kb_eval: cannot write '%s'\n", runpath);
        return 1;
    }
    for (size_t i = 0; i < nq; i++) {
        struct kb_result *res = customer_search(ix, r, q[i].text, q[i].locale, RUN_DEPTH, 0);
        for (size_t k = 0; k < res->nhits; k++) {
            const struct kb_hit *h = &res->hits[k];
            fprintf(out, "%s Q0 %s%s%s %zu %.6f %s\n", q[i].qid, locales ? h->locale : "",
                    locales ? "/" : "", h->source_id, k + 1, (double)(res->nhits - k), tag);
        }
        kb_result_free(res);
    }
    fclose(out);
    if (timing)
        time_searches(ix, r, q, nq, tag);
    kb_index_close(ix);
    for (size_t i = 0; i < nq; i++) {
        free(q[i].qid);
        free(q[i].text);
        free(q[i].locale);
    }
    free(q);
    return 0;
}

/* ---- learn ---------------------------------------------------------------- */

static int cmd_learn(const struct kb_rank_opts *r, const char *data, const char *qpath,
                     const char *qrels_path, const char *test_path)
{
    size_t nq = 0, nr = 0;
    struct query *q = read_queries(qpath, &nq);
    struct qrel *rel = read_qrels(qrels_path, &nr);
    /* A question is the set of answers its queries are judged against: the
     * harness knows that from the qrels; the ranking never sees it. */
    for (size_t i = 0; i < nq; i++) {
        char **docs = NULL;
        size_t nd = 0;
        for (size_t k = 0; k < nr; k++)
            if (strcmp(rel[k].qid, q[i].qid) == 0) {
                docs = kb_xrealloc(docs, (nd + 1) * sizeof *docs);
                docs[nd++] = rel[k].doc;
            }
        qsort(docs, nd, sizeof *docs, cmp_str);
        struct kb_buf b = KB_BUF_INIT;
        for (size_t k = 0; k < nd; k++) {
            kb_buf_adds(&b, docs[k]);
            kb_buf_addc(&b, ' ');
        }
        q[i].key = kb_buf_detach(&b);
        free(docs);
    }
    int *train = kb_xcalloc(nq ? nq : 1, sizeof *train);
    for (size_t i = 0; i < nq; i++) {
        size_t total = 0, before = 0;
        for (size_t k = 0; k < nq; k++)
            if (strcmp(q[k].key, q[i].key) == 0) {
                total++;
                before += k < i;
            }
        train[i] = before < total / 2;
    }

    struct kb_store *st = open_store(data);
    struct kb_index *ix = open_reader(data);
    FILE *out = fopen(test_path, "w");
    if (!out) {
        fprintf(stderr, "kb_eval: cannot write '%s'\n", test_path);
        return 1;
    }
    size_t ntrain = 0, solved = 0, learned = 0;
    double t0 = now();
    for (size_t i = 0; i < nq; i++) {
        if (!train[i]) {
            fprintf(out, "%s\t%s\n", q[i].qid, q[i].text);
            continue;
        }
        ntrain++;
        /* The customer reads the first page and marks the first answer that
         * is relevant as the one that solved it. */
        struct kb_result *res = customer_search(ix, r, q[i].text, q[i].locale, 10, 0);
        int64_t article = 0;
        for (size_t k = 0; k < res->nhits && !article; k++)
            if (is_relevant(rel, nr, q[i].qid, res->hits[k].source_id))
                article = res->hits[k].number;
        kb_result_free(res);
        if (!article)
            continue;
        solved++;
        /* As the help center posts them: the click that opened the
         * article, then "this solved it". */
        /* Every simulated query is a distinct customer on a network of its
         * own, so a word new to public content is taught once k of them
         * used it for the same article (the k gate, kb/store/learn.h). */
        char visitor[40], network[40];
        snprintf(visitor, sizeof visitor, "eval-visitor-%zu", i);
        snprintf(network, sizeof network, "eval-network-%zu", i);
        struct kb_event click = {"click", 0, article, q[i].text, visitor, KB_ROLE_CUSTOMER, 0,
                                 0, network};
        struct kb_event ev = {"solved", 0, article, q[i].text, visitor, KB_ROLE_CUSTOMER, 0,
                              0, network};
        struct kb_err err;
        int did = 0;
        if (kb_events_add(st, &click, NULL, NULL, &err) != 0 ||
            kb_events_add(st, &ev, NULL, &did, &err) != 0)
            die("event", &err);
        learned += did != 0;
        sync_index(st, data);
        if (kb_index_reopen(ix, &err) != 0)
            die("reopen", &err);
    }
    fclose(out);
    printf("learn: %zu training queries, %zu solved on the first page, %zu taught an article "
           "(%.2f s)\n", ntrain, solved, learned, now() - t0);
    kb_index_close(ix);
    kb_store_close(st);
    for (size_t i = 0; i < nq; i++) {
        free(q[i].qid);
        free(q[i].text);
        free(q[i].locale);
        free(q[i].key);
    }
    free(q);
    for (size_t i = 0; i < nr; i++) {
        free(rel[i].qid);
        free(rel[i].doc);
    }
    free(rel);
    free(train);
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: kb_eval ingest DATA CORPUS\n"
            "       kb_eval ingest-help DATA DUMP.jsonl DIR...\n"
            "       kb_eval show [RANK]\n"
            "       kb_eval run [--no-time] [--locales] [RANK] DATA QUERIES RUN TAG\n"
            "       kb_eval learn [RANK] DATA QUERIES QRELS TEST_QUERIES_OUT\n"
            "RANK: --baseline | --config FILE | --NAME VALUE (NAME: k1 b title-weight ...)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage();
        return 2;
    }
    const char *cmd = argv[1];
    int i = 2;
    struct kb_rank_opts r;
    kb_rank_opts_default(&r);
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--no-time") == 0)
            timing = 0;
        else if (strcmp(argv[i], "--locales") == 0)
            locales = 1;
        else
            break;
    }
    if (strcmp(cmd, "ingest") == 0 && argc == 4)
        return cmd_ingest(argv[2], argv[3]);
    if (strcmp(cmd, "ingest-help") == 0 && argc >= 5)
        return cmd_ingest_help(argv[2], argv[3], argc - 4, argv + 4);
    parse_rank(argc, argv, &i, &r);
    if (strcmp(cmd, "show") == 0 && argc == i) {
        char buf[1024];
        kb_rank_opts_format(&r, buf, sizeof buf);
        printf("ranking: %s\n", buf);
        return 0;
    }
    if (strcmp(cmd, "run") == 0 && argc - i == 4)
        return cmd_run(&r, argv[i], argv[i + 1], argv[i + 2], argv[i + 3]);
    if (strcmp(cmd, "learn") == 0 && argc - i == 4)
        return cmd_learn(&r, argv[i], argv[i + 1], argv[i + 2], argv[i + 3]);
    usage();
    return 2;
}
