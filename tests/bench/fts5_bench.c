/* The SQLite FTS5 peer of the benchmark: a table with title and body (the
 * default unicode61 tokenizer), filled in one transaction; searched with the
 * query's words ORed (ranked, like the other engines) ORDER BY bm25() LIMIT 10.
 *
 *   fts5_bench index DB CORPUS.jsonl           -> one JSON line of figures
 *   fts5_bench search DB QUERIES THREADS SECS  -> one JSON line of figures
 * The threads read QUERIES in order through one shared position (as the
 * other engines' programs do), so no query is asked twice until the file is
 * used up: "repeats" counts the searches after that.
 */
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "fts5_bench: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    return 1;
}

static int do_index(const char *path, const char *corpus)
{
    FILE *f = fopen(corpus, "r");
    if (!f) {
        perror(corpus);
        return 1;
    }
    double t0 = now();
    unlink(path);
    sqlite3 *db;
    sqlite3_stmt *ins;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return die(db, "open");
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE VIRTUAL TABLE docs USING fts5(title, body);"
                     "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return die(db, "create");
    if (sqlite3_prepare_v2(db, "INSERT INTO docs(title, body) VALUES (?, ?)", -1, &ins, NULL))
        return die(db, "prepare");
    char *line = NULL;
    size_t cap = 0, docs = 0, bytes = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        bytes += (size_t)n;
        json_error_t e;
        json_t *o = json_loadb(line, (size_t)n, 0, &e);
        if (!o)
            continue;
        json_t *t = json_object_get(o, "title"), *b = json_object_get(o, "body");
        if (json_is_string(t) && json_is_string(b)) {
            sqlite3_bind_text(ins, 1, json_string_value(t), (int)json_string_length(t), SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, json_string_value(b), (int)json_string_length(b), SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE)
                return die(db, "insert");
            sqlite3_reset(ins);
            docs++;
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
    sqlite3_finalize(ins);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return die(db, "commit");
    /* Back to a rollback journal: read-only searchers need no -shm file. */
    sqlite3_exec(db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    sqlite3_close(db);
    double secs = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"docs\": %zu, \"bytes\": %zu, \"seconds\": %.3f, \"docs_per_s\": %.1f, "
           "\"mb_per_s\": %.2f, \"cpu_s\": %.2f, \"peak_rss_kb\": %ld}\n",
           docs, bytes, secs, (double)docs / secs, (double)bytes / 1e6 / secs,
           (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
           ru.ru_maxrss);
    return 0;
}

/* "how do I" -> "how" OR "do" OR "i": each word quoted, so no word is FTS5 syntax. */
static char *fts_query(const char *q)
{
    size_t n = strlen(q);
    char *out = malloc(n * 8 + 16), *o = out;
    const char *p = q;
    int first = 1;
    while (*p) {
        while (*p && !(((unsigned char)*p >= 0x80) || (*p >= '0' && *p <= '9') ||
                       ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
            p++;
        if (!*p)
            break;
        if (!first)
            o += sprintf(o, " OR ");
        first = 0;
        *o++ = '"';
        while (*p && (((unsigned char)*p >= 0x80) || (*p >= '0' && *p <= '9') ||
                      ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
            *o++ = *p++;
        *o++ = '"';
    }
    *o = '\0';
    return out;
}

struct worker {
    const char *path;
    char **qs;
    size_t nq;
    double *lat;
    size_t nlat, cap;
    long errors;
    pthread_t th;
};

static atomic_int stop;
static atomic_size_t next_q; /* the next line of the stream, for every thread */

static void *run(void *arg)
{
    struct worker *w = arg;
    sqlite3 *db;
    sqlite3_stmt *s;
    if (sqlite3_open_v2(w->path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT rowid, title FROM docs WHERE docs MATCH ? "
                           "ORDER BY bm25(docs) LIMIT 10",
                           -1, &s, NULL) != SQLITE_OK) {
        die(db, "open for search");
        exit(1);
    }
    while (!atomic_load(&stop)) {
        double a = now();
        size_t i = atomic_fetch_add(&next_q, 1);
        sqlite3_bind_text(s, 1, w->qs[i % w->nq], -1, SQLITE_STATIC);
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            ;
        if (rc != SQLITE_DONE)
            w->errors++;
        sqlite3_reset(s);
        if (w->nlat == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 4096;
            w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
        }
        w->lat[w->nlat++] = (now() - a) * 1000.0;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static int do_search(const char *path, const char *qfile, int threads, double secs)
{
    FILE *f = fopen(qfile, "r");
    if (!f) {
        perror(qfile);
        return 1;
    }
    char **qs = NULL, *line = NULL;
    size_t nq = 0, cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char *q = fts_query(line);
        if (!*q) {
            free(q);
            continue;
        }
        qs = realloc(qs, (nq + 1) * sizeof *qs);
        qs[nq++] = q;
    }
    free(line);
    fclose(f);
    if (!nq)
        return 1;
    struct worker *ws = calloc((size_t)threads, sizeof *ws);
    double t0 = now();
    for (int t = 0; t < threads; t++) {
        ws[t].path = path;
        ws[t].qs = qs;
        ws[t].nq = nq;
        pthread_create(&ws[t].th, NULL, run, &ws[t]);
    }
    struct timespec d = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
    nanosleep(&d, NULL);
    atomic_store(&stop, 1);
    size_t total = 0;
    long errors = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(ws[t].th, NULL);
        total += ws[t].nlat;
        errors += ws[t].errors;
    }
    double el = now() - t0;
    double *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int t = 0; t < threads; t++) {
        memcpy(all + k, ws[t].lat, ws[t].nlat * sizeof *all);
        k += ws[t].nlat;
        free(ws[t].lat);
    }
    qsort(all, total, sizeof *all, cmp);
    printf("{\"threads\": %d, \"requests\": %zu, \"rps\": %.1f, \"p50_ms\": %.3f, "
           "\"p99_ms\": %.3f, \"p999_ms\": %.3f, \"errors\": %ld, \"queries\": %zu, "
           "\"repeats\": %zu}\n",
           threads, total, (double)total / el, pct(all, total, 50), pct(all, total, 99),
           pct(all, total, 99.9), errors, nq, total > nq ? total - nq : 0);
    free(all);
    free(ws);
    for (size_t i = 0; i < nq; i++)
        free(qs[i]);
    free(qs);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "index") == 0)
        return do_index(argv[2], argv[3]);
    if (argc == 6 && strcmp(argv[1], "search") == 0)
        return do_search(argv[2], argv[3], atoi(argv[4]), atof(argv[5]));
    fprintf(stderr, "usage: fts5_bench index DB CORPUS | search DB QUERIES THREADS SECS\n");
    return 2;
}
