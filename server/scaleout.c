/* Read replicas and shards (see scaleout.h).
 *
 * A replica's index is a copy kept by xapian-replicate (one child per
 * database, run here so that one unit starts everything and the copies stop
 * with the server); its store is a SQLite snapshot fetched from the primary
 * (GET SRV_SNAPSHOT_PATH, an admin token) whenever the primary's outbox
 * moves, after each write forwarded, and every 30 s. The store copy is
 * what article pages, GET /api/v1/articles and sign-ins read; the handlers
 * check roles exactly as on the primary, and a customer's search opens only
 * the public index copy, so a replica shows customers what the primary
 * would. Writes are forwarded; analytics events are spooled on disk when the
 * primary cannot take them and sent again in order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fwd_http.h"
#include "kb/store/capability.h"
#include "kb/store/events.h"
#include "kb/base/log.h"
#include "kb/search/search.h"
#include "kb/sync/sync.h"
#include "scaleout.h"
#include "search_log.h"
#include "sync_thread.h"

struct srv_scale_opts srv_scale;

#define SNAPSHOT_MAX ((size_t)1 << 31) /* a store copy is held in memory once */
#define FORWARD_TIMEOUT_MS 30000       /* ticket imports may take a while */
#define PROBE_TIMEOUT_MS 2000
#define STORE_REFRESH_S 60   /* a copy at least this fresh, changes or not */
#define STORE_MIN_GAP_MS 5000 /* and copies no closer than this (or 10x a copy's time) */

/* ---- state ---- */

static struct {
    struct srv *srv;
    char host[256];
    unsigned port;
    char token[256];
    char store_dir[3800], spool_dir[3800];
    pthread_mutex_t mu; /* guards store_path */
    char store_path[4096];
    atomic_uint_fast64_t store_gen;
    atomic_int_fast64_t store_seq;      /* outbox seq the store copy holds */
    atomic_int store_dirty;             /* a write was forwarded: fetch soon */
    atomic_int primary_up;
    atomic_int_fast64_t primary_indexed, primary_written, local_seq;
    atomic_llong matched_at;            /* monotonic ms: the primary answered, nothing missing */
    atomic_llong oldest_missing;        /* monotonic ms the oldest revision not here was seen; 0 */
    atomic_uint spooled;
    atomic_int stop;
    pthread_t monitor, snapshot, supervisor, forwarder, lexicon;
    char lexicon_dir[3800], lexicon_db[4000];
    uint64_t lexicon_sig;
    int threads;
} R = {.mu = PTHREAD_MUTEX_INITIALIZER};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the replica's own search log ----------------------------------------
 * Searches answered by a replica are logged in its store copy, which the
 * next copy replaces: so they are shipped to the primary (POST
 * SRV_SEARCHES_PATH), and the search_id a client got from the replica is
 * translated into the primary's before an event naming it is forwarded.
 * Each copy numbers its own searches from local_base(gen) + 1, far above
 * the primary's ids, so an id tells whose it is and which copy made it. */

#define LOCAL_ID_MIN ((int64_t)1 << 32)

static int64_t local_base(uint64_t gen)
{
    return (int64_t)((gen % ((uint64_t)1 << 20)) + 1) << 32;
}

#define ID_MAP_SIZE 65536 /* the last this many shipped searches can be named */
static struct {
    int64_t local, primary;
} id_map[ID_MAP_SIZE];
static pthread_mutex_t id_map_mu = PTHREAD_MUTEX_INITIALIZER;

static void id_map_put(int64_t local, int64_t primary)
{
    pthread_mutex_lock(&id_map_mu);
    id_map[(uint64_t)local % ID_MAP_SIZE].local = local;
    id_map[(uint64_t)local % ID_MAP_SIZE].primary = primary;
    pthread_mutex_unlock(&id_map_mu);
}

static int64_t id_map_get(int64_t local)
{
    pthread_mutex_lock(&id_map_mu);
    int64_t p = id_map[(uint64_t)local % ID_MAP_SIZE].local == local
                    ? id_map[(uint64_t)local % ID_MAP_SIZE].primary
                    : 0;
    pthread_mutex_unlock(&id_map_mu);
    return p;
}

/* ---- options ---- */

int srv_scale_add_shard(const char *v)
{
    const char *colon = strrchr(v, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || colon == v || colon[1] == '\0' || *end || port < 1 || port > 65534) {
        fprintf(stderr, "kb-server: --shard needs HOST:PORT with PORT 1-65534 (public database "
                        "on PORT, internal on PORT+1), not '%s'\n", v);
        return -1;
    }
    if (srv_scale.nshards == SRV_MAX_SHARDS) {
        fprintf(stderr, "kb-server: at most %d --shard options\n", SRV_MAX_SHARDS);
        return -1;
    }
    size_t n = (size_t)(colon - v);
    if (v[0] == '[' && n > 2 && v[n - 1] == ']') {
        v++;
        n -= 2;
    }
    srv_scale.shard_host[srv_scale.nshards] = strndup(v, n);
    srv_scale.shard_port[srv_scale.nshards++] = (unsigned)port;
    return 0;
}

static int read_token(const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "kb-server: cannot read --primary-token file '%s': %s\n", file,
                strerror(errno));
        return -1;
    }
    size_t n = fread(R.token, 1, sizeof R.token - 1, f);
    fclose(f);
    R.token[n] = '\0';
    R.token[strcspn(R.token, " \t\r\n")] = '\0';
    if (strncmp(R.token, "kbt_", 4) != 0) {
        fprintf(stderr, "kb-server: --primary-token file '%s' must hold an API token (kbt_...) of "
                        "an admin of the primary: 'kb-server user token --role admin NAME'\n",
                file);
        return -1;
    }
    return 0;
}

int srv_scale_check(void)
{
    struct kb_err err;
    if (srv_scale.replication_on && (srv_scale.replica_of || srv_scale.nshards)) {
        fprintf(stderr, "kb-server: --replication-port is for the primary; a replica "
                        "(--replica-of) or shard reader (--shard) does not publish an index\n");
        return -1;
    }
    if (srv_scale.replicate_from && !srv_scale.replica_of) {
        fprintf(stderr, "kb-server: --replicate-from needs --replica-of URL (the primary that "
                        "takes this replica's writes)\n");
        return -1;
    }
    if (srv_scale.replicate_from && srv_scale.nshards) {
        fprintf(stderr, "kb-server: --replicate-from and --shard exclude each other: the index "
                        "is either a local copy or remote shards\n");
        return -1;
    }
    if (srv_scale.replica_of) {
        if (fwd_parse_url(srv_scale.replica_of, R.host, sizeof R.host, &R.port, &err) != 0) {
            fprintf(stderr, "kb-server: --replica-of: %s\n", err.msg);
            return -1;
        }
        if (!srv_scale.primary_token) {
            fprintf(stderr, "kb-server: --replica-of needs --primary-token FILE (an admin API "
                            "token of the primary, to copy its store)\n");
            return -1;
        }
        if (read_token(srv_scale.primary_token) != 0)
            return -1;
    }
    return 0;
}

int srv_scale_readonly(void)
{
    return srv_scale.replica_of != NULL || srv_scale.nshards > 0;
}

void srv_scale_prepare(void)
{
    /* xapian-replicate-server sends changesets when the writer keeps them,
     * else a whole copy of the database on every change. */
    if (srv_scale.replication_on)
        setenv("XAPIAN_MAX_CHANGESETS", "100", 0);
}

/* ---- child processes: xapian-replicate(-server) ---- */

struct child {
    const char *what;
    char *argv[16];
    pid_t pid;
    long long started;
};
static struct child children[3];
static size_t nchildren;

static pid_t spawn(struct child *c)
{
    pid_t pid = fork();
    if (pid == 0) {
        /* Dies with the supervisor thread (the server), never outlives it. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        /* Its own process group: xapian-replicate-server and xapian-tcpsrv
         * signal their whole group (kill(0, ...)) when told to stop. */
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        execvp(c->argv[0], c->argv);
        /* Only async-signal-safe calls between fork and exec. */
        static const char msg[] = "kb-server: cannot run a replication program (is xapian-tools "
                                  "installed?)\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
        _exit(127);
    }
    c->pid = pid;
    c->started = mono_ms();
    return pid;
}

/* Restarts children that exit, waiting 1 s, then longer (up to 30 s) while
 * they keep dying young, so a wrong address does not flood the log. The
 * first start is from the main thread (see srv_scale_start). */
static void *supervise(void *arg)
{
    (void)arg;
    long long delay[3] = {1000, 1000, 1000};
    while (!atomic_load(&R.stop)) {
        sleep_ms(200);
        for (size_t i = 0; i < nchildren; i++) {
            struct child *c = &children[i];
            int st;
            if (c->pid > 0 && waitpid(c->pid, &st, WNOHANG) == c->pid) {
                kb_log(KB_LOG_WARN, "replica: %s exited (%s %d); restarting it", c->what,
                       WIFEXITED(st) ? "status" : "signal",
                       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
                delay[i] = mono_ms() - c->started < 5000 ? delay[i] * 2 : 1000;
                if (delay[i] > 30000)
                    delay[i] = 30000;
                c->pid = 0;
                c->started = mono_ms();
            }
            if (c->pid <= 0 && mono_ms() - c->started >= delay[i] && !atomic_load(&R.stop))
                spawn(c);
        }
    }
    for (size_t i = 0; i < nchildren; i++)
        if (children[i].pid > 0)
            kill(children[i].pid, SIGTERM);
    for (size_t i = 0; i < nchildren; i++)
        if (children[i].pid > 0)
            waitpid(children[i].pid, NULL, 0);
    return NULL;
}

static void add_child(const char *what, const char *const *argv)
{
    struct child *c = &children[nchildren++];
    c->what = what;
    for (size_t i = 0; argv[i] && i < 15; i++)
        c->argv[i] = strdup(argv[i]);
}

static int split_hostport(const char *v, char *host, size_t n, char *port, size_t pn)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v || (size_t)(colon - v) >= n || strlen(colon + 1) >= pn ||
        atoi(colon + 1) < 1 || atoi(colon + 1) > 65535 ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return -1;
    memcpy(host, v, (size_t)(colon - v));
    host[colon - v] = '\0';
    strcpy(port, colon + 1);
    return 0;
}

/* ---- store snapshots (primary side) ---- */

void srv_scale_h_snapshot(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s/.replica-snapshot-%ld-%llx.sqlite3", c->srv->opts.data,
             (long)getpid(), (unsigned long long)mono_ms() ^ (unsigned long long)(uintptr_t)c);
    /* VACUUM INTO writes one consistent, compact copy from a read
     * transaction: writers go on meanwhile (WAL). */
    char *sql = sqlite3_mprintf("VACUUM INTO %Q", tmp);
    char *msg = NULL;
    int rc = sqlite3_exec(kb_store_db(c->st), sql, NULL, NULL, &msg);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        kb_log(KB_LOG_ERROR, "replica: store snapshot into '%s': %s", tmp, msg ? msg : "?");
        sqlite3_free(msg);
        unlink(tmp);
        srv_error(w, 503, "unavailable", "the store snapshot failed");
        return;
    }
    FILE *f = fopen(tmp, "rb");
    char chunk[65536];
    size_t k;
    while (f && (k = fread(chunk, 1, sizeof chunk, f)) > 0)
        kb_buf_add(&w->body, chunk, k);
    if (f)
        fclose(f);
    unlink(tmp);
    w->status = 200;
    w->type = "application/vnd.sqlite3";
    kb_log(KB_LOG_INFO, "replica: sent a store snapshot (%zu bytes) to %s", w->body.len, r->client);
}

const struct srv_route *srv_scale_route(const char *method, const char *url)
{
    static const struct srv_route routes[] = {
        {"GET", SRV_SNAPSHOT_PATH, srv_scale_h_snapshot, KB_ROLE_ADMIN, 0, NULL},
        {"POST", SRV_SEARCHES_PATH, srv_scale_h_searches, KB_ROLE_ADMIN, 0, NULL},
    };
    if (srv_scale_readonly())
        return NULL;
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
        if (strcmp(url, routes[i].pattern) == 0 && strcmp(method, routes[i].method) == 0)
            return &routes[i];
    return NULL;
}

/* ---- store snapshots (replica side) ---- */

uint64_t srv_scale_store(char *path, size_t n)
{
    if (!srv_scale.replica_of)
        return 0;
    pthread_mutex_lock(&R.mu);
    snprintf(path, n, "%s", R.store_path);
    uint64_t g = atomic_load(&R.store_gen);
    pthread_mutex_unlock(&R.mu);
    return g;
}

static void remove_store_files(const char *path)
{
    char p[4200];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* Fetches a snapshot into store_dir/kb-GEN.sqlite3 and makes it current;
 * workers reopen at their next request. Each copy gets its own name: a
 * rename over an open WAL database would pair it with the old one's WAL. */
static int fetch_store(struct kb_err *err)
{
    char hdr[400];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n", R.token);
    struct fwd_resp resp;
    fwd_resp_init(&resp);
    int rc = fwd_request(R.host, R.port, "GET", SRV_SNAPSHOT_PATH, hdr, NULL, 0, 60000,
                         SNAPSHOT_MAX, &resp, err);
    if (rc == 0 && resp.status != 200) {
        rc = kb_err_set(err, KB_EIO, "the primary %s refused the store snapshot (HTTP %d)%s",
                        srv_scale.replica_of, resp.status,
                        resp.status == 401 || resp.status == 403
                            ? ": is the --primary-token an admin token of the primary?" : "");
    }
    if (rc) {
        fwd_resp_release(&resp);
        return rc;
    }
    uint64_t gen = atomic_load(&R.store_gen) + 1;
    char path[4000], tmp[4100];
    snprintf(path, sizeof path, "%s/kb-%llu.sqlite3", R.store_dir, (unsigned long long)gen);
    snprintf(tmp, sizeof tmp, "%s.part", path);
    remove_store_files(path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t done = 0;
    while (fd >= 0 && done < resp.body.len) {
        ssize_t k = write(fd, resp.body.data + done, resp.body.len - done);
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    if (fd < 0 || done != resp.body.len || fsync(fd) != 0 || close(fd) != 0 ||
        rename(tmp, path) != 0) {
        rc = kb_err_set(err, KB_EIO, "cannot write the store copy '%s': %s", tmp, strerror(errno));
        unlink(tmp);
        fwd_resp_release(&resp);
        return rc;
    }
    fwd_resp_release(&resp);
    struct kb_store *st = NULL;
    int64_t seq = 0;
    if (kb_store_open(path, &st, err) != 0)
        return err ? err->code : KB_EIO;
    kb_store_outbox_last(st, &seq, NULL);
    char *sql = sqlite3_mprintf(
        "UPDATE sqlite_sequence SET seq = %lld WHERE name = 'searches';"
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'searches', %lld "
        "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'searches')",
        (long long)local_base(gen), (long long)local_base(gen));
    char *msg = NULL;
    if (sqlite3_exec(kb_store_db(st), sql, NULL, NULL, &msg) != SQLITE_OK) {
        kb_log(KB_LOG_WARN, "replica: cannot number the copy's searches: %s", msg ? msg : "?");
        sqlite3_free(msg);
    }
    sqlite3_free(sql);
    kb_store_close(st);
    pthread_mutex_lock(&R.mu);
    snprintf(R.store_path, sizeof R.store_path, "%s", path);
    atomic_store(&R.store_gen, gen);
    pthread_mutex_unlock(&R.mu);
    atomic_store(&R.store_seq, seq);
    /* Workers still on older copies keep their open files (Linux); two
     * generations back nobody should be left. */
    if (gen > 2) {
        char old[4000];
        snprintf(old, sizeof old, "%s/kb-%llu.sqlite3", R.store_dir,
                 (unsigned long long)(gen - 2));
        remove_store_files(old);
    }
    return 0;
}

/* The newest store copy left by an earlier run, so that a replica restarted
 * while its primary is down still serves. */
static int find_local_store(void)
{
    DIR *d = opendir(R.store_dir);
    unsigned long long best = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        unsigned long long g;
        char rest[16];
        if (sscanf(e->d_name, "kb-%llu.sqlite%15s", &g, rest) == 2 && strcmp(rest, "3") == 0 &&
            g > best)
            best = g;
    }
    if (d)
        closedir(d);
    if (!best)
        return -1;
    snprintf(R.store_path, sizeof R.store_path, "%s/kb-%llu.sqlite3", R.store_dir, best);
    atomic_store(&R.store_gen, best);
    return 0;
}

/* Copies the store when the primary's outbox moved or a write went through
 * this replica, but no closer together than STORE_MIN_GAP_MS or ten times
 * what the last copy took: each is a whole-store VACUUM INTO on the
 * primary. Searches do not wait for it (the index copy is separate), and a
 * page the copy lacks yet is fetched from the primary (srv_scale_fallback). */
static void *snapshot_main(void *arg)
{
    (void)arg;
    long long last = mono_ms(), gap = STORE_MIN_GAP_MS;
    while (!atomic_load(&R.stop)) {
        sleep_ms(100);
        long long now = mono_ms();
        if (now - last < gap || !atomic_load(&R.primary_up))
            continue;
        int want = atomic_load(&R.store_dirty) ||
                   atomic_load(&R.primary_written) > atomic_load(&R.store_seq) ||
                   now - last >= STORE_REFRESH_S * 1000;
        if (!want)
            continue;
        atomic_store(&R.store_dirty, 0);
        struct kb_err err;
        if (fetch_store(&err) != 0)
            kb_log(KB_LOG_WARN, "replica: store copy not refreshed: %s", err.msg);
        last = mono_ms();
        gap = 10 * (last - now) > STORE_MIN_GAP_MS ? 10 * (last - now) : STORE_MIN_GAP_MS;
    }
    return NULL;
}

/* ---- the primary's revision, the copy's, and the lag ---- */

/* The primary's counters are for staff: asked with the primary token. */
static int probe_primary(int64_t *indexed, int64_t *written)
{
    struct fwd_resp resp;
    struct kb_err err;
    char hdr[400];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n", R.token);
    fwd_resp_init(&resp);
    int ok = fwd_request(R.host, R.port, "GET", "/healthz", hdr, NULL, 0, PROBE_TIMEOUT_MS,
                         65536, &resp, &err) == 0 && resp.status == 200;
    if (ok) {
        json_t *j = json_loadb(resp.body.data, resp.body.len, 0, NULL);
        json_int_t a = 0, b = 0;
        ok = j && json_unpack(j, "{s:I, s:I}", "changes_indexed", &a, "changes_written", &b) == 0;
        *indexed = a;
        *written = b;
        json_decref(j);
    }
    fwd_resp_release(&resp);
    return ok;
}

static void *monitor_main(void *arg)
{
    struct srv *s = arg;
    struct kb_index *ix = NULL;
    int64_t seen_pub = -1, seen_int = -1;
    long long next_probe = 0;
#define PEND_MAX 64
    struct pending {
        int64_t seq;
        long long t;
    } pend[PEND_MAX];
    size_t npend = 0;
    int was_up = 1;
    while (!atomic_load(&R.stop)) {
        /* The copy: a new revision makes every worker reopen at once, so
         * a publish is searchable here as soon as xapian-replicate has it. */
        struct kb_err err;
        if (!srv_scale.nshards) {
            if (!ix && kb_index_open(s->index_dir, KB_INDEX_READ, &ix, &err) != 0)
                ix = NULL;
            /* The two copies arrive separately: the revision both have. */
            int64_t pub = 0, internal = 0;
            if (ix && (kb_index_reopen(ix, &err) != 0 ||
                       kb_index_last_seq(ix, KB_DB_PUBLIC, &pub, &err) != 0 ||
                       kb_index_last_seq(ix, KB_DB_INTERNAL, &internal, &err) != 0)) {
                kb_index_close(ix);
                ix = NULL;
            }
            if (ix && (pub != seen_pub || internal != seen_int)) {
                seen_pub = pub;
                seen_int = internal;
                int64_t both = pub < internal ? pub : internal;
                atomic_store(&R.local_seq, both);
                atomic_store(&s->indexed_seq, both);
                atomic_fetch_add(&s->index_gen, 1);
            }
        }
        long long now = mono_ms();
        if (now >= next_probe) {
            next_probe = now + 250;
            int64_t indexed = 0, written = 0;
            int up = probe_primary(&indexed, &written);
            atomic_store(&R.primary_up, up);
            if (up != was_up)
                kb_log(up ? KB_LOG_INFO : KB_LOG_WARN, "replica: primary %s is %s",
                       srv_scale.replica_of,
                       up ? "reachable again" : "unreachable; serving the last copy");
            was_up = up;
            if (up) {
                atomic_store(&R.primary_indexed, indexed);
                atomic_store(&R.primary_written, written);
                /* Each revision the copy lacks, with when it was first
                 * seen; when full, the newest entry stands for the rest. */
                if (!srv_scale.nshards && indexed > atomic_load(&R.local_seq) &&
                    (npend == 0 || indexed > pend[npend - 1].seq)) {
                    if (npend == PEND_MAX)
                        pend[npend - 1].seq = indexed;
                    else
                        pend[npend++] = (struct pending){indexed, now};
                }
            }
        }
        /* Revisions that have arrived leave the queue; the lag is the age of
         * the oldest one still missing. */
        size_t done = 0;
        while (done < npend && pend[done].seq <= atomic_load(&R.local_seq))
            done++;
        if (done) {
            memmove(pend, pend + done, (npend - done) * sizeof *pend);
            npend -= done;
        }
        atomic_store(&R.oldest_missing, npend ? pend[0].t : 0);
        /* While the primary answers, the copy is current up to the oldest
         * revision still missing (or now). */
        if (atomic_load(&R.primary_up))
            atomic_store(&R.matched_at, npend ? pend[0].t : mono_ms());
        sleep_ms(50);
    }
    kb_index_close(ix);
    return NULL;
}

/* Seconds the copy is behind: since the oldest primary revision it lacks
 * was first seen (0 when it has them all); with the primary unreachable, at
 * least the time since the primary last said it had nothing newer. */
static double lag_seconds(void)
{
    long long now = mono_ms();
    long long miss = atomic_load(&R.oldest_missing);
    long long since = miss ? miss : now;
    if (!atomic_load(&R.primary_up) && atomic_load(&R.matched_at) < since)
        since = atomic_load(&R.matched_at);
    return (double)(now - since) / 1000.0;
}

/* ---- forwarding and the event spool ---- */

static char *translate_search_id(const char *body, size_t len, const char *ident,
                                 int *unshipped);

static int is_event_route(const struct srv_route *route)
{
    return strcmp(route->pattern, "/api/v1/events") == 0 ||
           strcmp(route->pattern, "/api/v1/articles/{ref}/feedback") == 0 ||
           strcmp(route->pattern, "/kb/{ref}/feedback") == 0;
}

int srv_scale_forwards(const struct srv_route *route, const char *method)
{
    if (!srv_scale_readonly() || strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        return 0;
    /* POSTs that only read: answered from the local copy. */
    static const char *const reads[] = {"/api/v1/deflect", "/api/v1/assist", "/api/v1/preview",
                                        "/api/v1/search", "/api/v1/suggest", NULL};
    for (size_t i = 0; reads[i]; i++)
        if (strcmp(route->pattern, reads[i]) == 0)
            return 0;
    return 1;
}

static void add_fwd_header(struct kb_buf *h, const struct srv_req *r, const char *name)
{
    const char *v = srv_header(r, name);
    if (v && !strpbrk(v, "\r\n"))
        kb_buf_printf(h, "%s: %s\r\n", name, v);
}

static void request_headers(const struct srv_req *r, struct kb_buf *h)
{
    static const char *const names[] = {"Host", "Authorization", "Cookie", "Content-Type",
                                        "Origin", "Referer", "User-Agent", "Accept",
                                        "Accept-Language", NULL};
    for (size_t i = 0; names[i]; i++)
        add_fwd_header(h, r, names[i]);
    /* The visitor this replica verified or just issued: the primary counts
     * the same visitor (it believes only ids its own secret signed). */
    if (r->visitor[0])
        kb_buf_printf(h, SRV_VISITOR_HEADER ": %s\r\n", r->visitor);
    /* The primary (with --trust-proxy) sees the customer, not the replica. */
    kb_buf_printf(h, "X-Forwarded-For: %s\r\n", r->client);
}

static unsigned spool_counter;

/* One file per event, written whole then renamed: a crash leaves either
 * the event or nothing, never half of one. */
static int spool_event(const struct srv_req *r, const char *target, const char *headers)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s%, s:s}", "method", r->method, "target", target,
                          "headers", headers, "body", r->body, r->body_len, "ident", r->ident);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return -1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char name[4300], tmp[4400];
    snprintf(name, sizeof name, "%s/%020lld-%06u.json", R.spool_dir,
             (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec,
             __atomic_fetch_add(&spool_counter, 1, __ATOMIC_RELAXED) % 1000000u);
    snprintf(tmp, sizeof tmp, "%s.part", name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    size_t len = strlen(text);
    int ok = fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    free(text);
    if (!ok || rename(tmp, name) != 0) {
        kb_log(KB_LOG_ERROR, "replica: cannot spool an event in '%s': %s", R.spool_dir,
               strerror(errno));
        unlink(tmp);
        return -1;
    }
    atomic_fetch_add(&R.spooled, 1);
    return 0;
}

static int spool_filter(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

/* Sends spooled events in the order they came; stops at the first the
 * primary cannot take yet. Returns how many are left. */
static unsigned drain_spool(void)
{
    struct dirent **list = NULL;
    int n = scandir(R.spool_dir, &list, spool_filter, alphasort);
    int i = 0;
    for (; i < n && !atomic_load(&R.stop); i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", R.spool_dir, list[i]->d_name);
        json_t *j = json_load_file(path, 0, NULL);
        const char *method = NULL, *target = NULL, *headers = NULL, *body = NULL, *ident = "";
        size_t body_len = 0;
        if (!j || json_unpack(j, "{s:s, s:s, s:s, s:s%, s?s}", "method", &method, "target",
                              &target, "headers", &headers, "body", &body, &body_len, "ident",
                              &ident) != 0) {
            kb_log(KB_LOG_ERROR, "replica: dropping unreadable spooled event '%s'", path);
            json_decref(j);
            unlink(path);
            continue;
        }
        int unshipped;
        char *tbody = translate_search_id(body, body_len, ident, &unshipped);
        if (tbody) {
            body = tbody;
            body_len = strlen(tbody);
        }
        struct fwd_resp resp;
        struct kb_err err;
        fwd_resp_init(&resp);
        int rc = fwd_request(R.host, R.port, method, target, headers, body, body_len,
                             PROBE_TIMEOUT_MS * 2, 1 << 20, &resp, &err);
        free(tbody);
        int status = resp.status;
        fwd_resp_release(&resp);
        json_decref(j);
        if (rc != 0 || status >= 500)
            break; /* later: order is kept */
        if (status >= 400)
            kb_log(KB_LOG_WARN, "replica: the primary refused spooled event %s %s (HTTP %d); "
                                "dropped", method, target, status);
        unlink(path);
    }
    for (int k = 0; k < n; k++)
        free(list[k]);
    free(list);
    unsigned left = n > i ? (unsigned)(n - i) : 0;
    atomic_store(&R.spooled, left);
    return left;
}

/* Copies the primary's answer into w: status, type, body, and the headers
 * the client needs (each Set-Cookie line as sent). */
/* Copies the primary's answer into w: status, type, body, and the headers
 * the client needs (each Set-Cookie line as sent). */
static void copy_answer(const struct fwd_resp *resp_in, struct srv_resp *w)
{
    static _Thread_local char type[128];
    if (!fwd_header(resp_in, "Content-Type", type, sizeof type))
        snprintf(type, sizeof type, "application/json");
    w->type = type;
    w->status = resp_in->status;
    kb_buf_add(&w->body, resp_in->body.data ? resp_in->body.data : "", resp_in->body.len);
    /* Answer headers the client needs; each Set-Cookie line as sent. */
    const char *p = kb_buf_str(&resp_in->headers);
    while (*p) {
        size_t len = strcspn(p, "\n");
        static const char *const keep[] = {"Set-Cookie:", "Location:", "Retry-After:",
                                           "Allow:", NULL};
        for (size_t k = 0; keep[k]; k++)
            if (strncasecmp(p, keep[k], strlen(keep[k])) == 0) {
                char line[4096];
                if (len < sizeof line) {
                    memcpy(line, p, len);
                    line[len] = '\0';
                    char *v = line + strlen(keep[k]);
                    while (*v == ' ')
                        v++;
                    line[strlen(keep[k]) - 1] = '\0';
                    srv_header_add(w, line, v);
                }
            }
        p += len + (p[len] ? 1 : 0);
    }
}

void srv_scale_forward(struct srv_ctx *c, const struct srv_req *r, const struct srv_route *route,
                       struct srv_resp *w)
{
    (void)c;
    if (!srv_scale.replica_of) {
        srv_error(w, 503, "read_only",
                  "this server searches shards read-only and has no --replica-of primary to "
                  "take writes; send them to the primary");
        return;
    }
    struct kb_buf target = KB_BUF_INIT, headers = KB_BUF_INIT;
    srv_req_target(r, &target);
    request_headers(r, &headers);
    int event = is_event_route(route);
    /* A search_id from this replica names a row of its own search log: the
     * primary's id for it once shipped. A click on a search not shipped yet
     * waits in the spool for its search (shipped first, within a second). */
    struct srv_req translated;
    int unshipped = 0;
    char *body_copy =
        event ? translate_search_id(r->body, r->body_len, r->ident, &unshipped) : NULL;
    int must_wait = unshipped && strcmp(route->pattern, "/api/v1/events") == 0;
    if (body_copy && !must_wait) {
        translated = *r;
        translated.body = body_copy;
        translated.body_len = strlen(body_copy);
        r = &translated;
    }
    /* While events wait in the spool, new ones join the queue behind them
     * (the forwarder thread alone sends it, in order, never twice). */
    struct fwd_resp resp;
    struct kb_err err;
    fwd_resp_init(&resp);
    int rc = event && (atomic_load(&R.spooled) || must_wait)
                 ? KB_EIO
                 : fwd_request(R.host, R.port, r->method, kb_buf_str(&target),
                               kb_buf_str(&headers), r->body, r->body_len, FORWARD_TIMEOUT_MS,
                               64u << 20, &resp, &err);
    if (event && (rc != 0 || resp.status >= 500)) {
        if (spool_event(r, kb_buf_str(&target), kb_buf_str(&headers)) != 0) {
            srv_error(w, 503, "unavailable", "the event could not be recorded; try again");
        } else if (strncmp(route->pattern, "/kb/", 4) == 0) {
            /* The page form: back to the article, thanked. */
            const char *ref = r->nparams ? r->param[0] : "";
            char loc[600];
            /* Only a plain reference goes into the header (it is the path's). */
            static const char plain[] = "0123456789abcdefghijklmnopqrstuvwxyz"
                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ-";
            if (*ref && strspn(ref, plain) == strlen(ref) && strlen(ref) < 200)
                snprintf(loc, sizeof loc, "/kb/%s?thanks=1#feedback", ref);
            else
                snprintf(loc, sizeof loc, "/");
            srv_header_add(w, "Location", loc);
            w->status = 303;
        } else {
            srv_json(w, 202, json_pack("{s:b, s:b}", "ok", 1, "queued", 1));
        }
    } else if (rc != 0) {
        kb_log(KB_LOG_WARN, "replica: %s %s not forwarded: %s", r->method, r->path, err.msg);
        srv_header_add(w, "Retry-After", "5");
        srv_error(w, 503, "primary_unavailable",
                  "this replica cannot reach the primary to make this change; try again shortly");
    } else {
        copy_answer(&resp, w);
        if (resp.status < 400)
            atomic_store(&R.store_dirty, 1); /* a new session, user or token */
    }
    fwd_resp_release(&resp);
    kb_buf_release(&target);
    kb_buf_release(&headers);
    free(body_copy);
}

int srv_scale_fallback(const struct srv_req *r, const struct srv_route *route, struct srv_resp *w)
{
    if (!srv_scale.replica_of || w->status != 404 || strcmp(r->method, "GET") != 0 ||
        !atomic_load(&R.primary_up) ||
        (strcmp(route->pattern, "/kb/{ref}") != 0 &&
         strncmp(route->pattern, "/api/v1/articles/", 17) != 0))
        return 0;
    struct kb_buf target = KB_BUF_INIT, headers = KB_BUF_INIT;
    srv_req_target(r, &target);
    request_headers(r, &headers);
    struct fwd_resp resp;
    struct kb_err err;
    fwd_resp_init(&resp);
    int done = fwd_request(R.host, R.port, "GET", kb_buf_str(&target), kb_buf_str(&headers), NULL,
                           0, PROBE_TIMEOUT_MS, 64u << 20, &resp, &err) == 0 &&
               resp.status < 500;
    if (done) {
        kb_buf_reset(&w->body);
        kb_buf_reset(&w->headers);
        copy_answer(&resp, w);
    }
    fwd_resp_release(&resp);
    kb_buf_release(&target);
    kb_buf_release(&headers);
    return done;
}

/* ---- search log shipping ---- */

#define SHIP_BATCH 500

void srv_scale_h_searches(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    json_t *list = json_object_get(o, "searches");
    if (!json_is_array(list) || json_array_size(list) > SHIP_BATCH) {
        srv_error(w, 400, "bad_field", "field 'searches' must be an array of at most %d",
                  SHIP_BATCH);
        json_decref(o);
        return;
    }
    struct kb_err err;
    json_t *ids = json_array();
    size_t n = json_array_size(list);
    /* All checked first: a bad record logs none of the batch. */
    for (size_t i = 0; i < n; i++) {
        json_int_t t = 0, nres = 0;
        const char *q = NULL, *role = NULL, *endpoint = NULL, *locale = NULL;
        struct kb_search_row row;
        if (json_unpack(json_array_get(list, i), "{s:I, s:s, s:s, s:s, s:I, s?s}", "time", &t,
                        "query", &q, "role", &role, "endpoint", &endpoint, "results", &nres,
                        "locale", &locale) != 0 ||
            kb_role_parse(role) < 0 || nres < 0) {
            srv_error(w, 400, "bad_field", "searches[%zu] needs time, query, role, endpoint and "
                      "results", i);
            goto out;
        }
        if (kb_search_row_make((int64_t)t, q, kb_role_parse(role), endpoint, (uint64_t)nres,
                               locale, &row, &err) != 0) {
            srv_error(w, 400, "bad_field", "searches[%zu]: %s", i, err.msg);
            goto out;
        }
        kb_search_row_release(&row);
    }
    /* Numbered by the batched log like the primary's own searches, so that
     * no id is handed out twice. */
    for (size_t i = 0; i < n; i++) {
        json_int_t t = 0, nres = 0;
        const char *q = NULL, *role = NULL, *endpoint = NULL, *locale = NULL;
        json_unpack(json_array_get(list, i), "{s:I, s:s, s:s, s:s, s:I, s?s}", "time", &t,
                    "query", &q, "role", &role, "endpoint", &endpoint, "results", &nres,
                    "locale", &locale);
        int64_t id = srv_search_log(c, (int64_t)t, q, kb_role_parse(role), endpoint,
                                    (uint64_t)nres, locale, NULL);
        json_array_append_new(ids, json_integer(id));
    }
    srv_json(w, 200, json_pack("{s:O}", "ids", ids));
out:
    json_decref(ids);
    json_decref(o);
}

/* One store copy whose searches are being shipped. */
struct ship_src {
    struct kb_store *st;
    uint64_t gen;
    int64_t shipped; /* the last local id the primary has */
    long long retired; /* monotonic ms it stopped being current; 0 while current */
};

/* Kept in the copy itself, so that a replica restarted on it does not ship
 * the same searches twice. */
#define META_SHIPPED "replica:searches_shipped"

static void record_shipped(struct ship_src *src)
{
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)src->shipped);
    kb_store_meta_set(src->st, META_SHIPPED, v, NULL);
}

/* Sends the next batch of src's own searches. Returns how many were
 * shipped, or -1 when the primary did not take them. */
static int ship_batch(struct ship_src *src)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(kb_store_db(src->st),
                           "SELECT id, time, query, role, endpoint, results, locale FROM searches "
                           "WHERE id > ? ORDER BY id LIMIT " "500", -1, &q, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(q, 1, src->shipped);
    json_t *list = json_array();
    int64_t local[SHIP_BATCH];
    size_t n = 0;
    while (n < SHIP_BATCH && sqlite3_step(q) == SQLITE_ROW) {
        local[n++] = sqlite3_column_int64(q, 0);
        const char *loc = (const char *)sqlite3_column_text(q, 6);
        json_t *e = json_pack("{s:I, s:s, s:s, s:s, s:I}", "time",
                              (json_int_t)sqlite3_column_int64(q, 1), "query",
                              (const char *)sqlite3_column_text(q, 2), "role",
                              (const char *)sqlite3_column_text(q, 3), "endpoint",
                              (const char *)sqlite3_column_text(q, 4), "results",
                              (json_int_t)sqlite3_column_int64(q, 5));
        if (e && loc)
            json_object_set_new(e, "locale", json_string(loc));
        json_array_append_new(list, e ? e : json_null());
    }
    sqlite3_finalize(q);
    if (n == 0) {
        json_decref(list);
        return 0;
    }
    json_t *body = json_pack("{s:o}", "searches", list);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    char hdr[400];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\nContent-Type: application/json\r\n",
             R.token);
    struct fwd_resp resp;
    struct kb_err err;
    fwd_resp_init(&resp);
    int rc = text ? fwd_request(R.host, R.port, "POST", SRV_SEARCHES_PATH, hdr, text,
                                strlen(text), PROBE_TIMEOUT_MS * 5, 1 << 20, &resp, &err)
                  : KB_EIO;
    free(text);
    int shipped = -1;
    json_t *j = rc == 0 && resp.status == 200 ? json_loadb(resp.body.data, resp.body.len, 0, NULL)
                                               : NULL;
    json_t *ids = json_object_get(j, "ids");
    if (json_array_size(ids) == n) {
        for (size_t i = 0; i < n; i++)
            id_map_put(local[i], json_integer_value(json_array_get(ids, i)));
        src->shipped = local[n - 1];
        shipped = (int)n;
        record_shipped(src);
    } else if (rc == 0 && resp.status >= 400 && resp.status < 500) {
        /* Refused for good (a bad row, or a token without the admin role):
         * skip the batch rather than retry it for ever. */
        kb_log(KB_LOG_WARN, "replica: the primary refused %zu logged searches (HTTP %d); "
               "skipped", n, resp.status);
        src->shipped = local[n - 1];
        shipped = (int)n;
        record_shipped(src);
    }
    json_decref(j);
    fwd_resp_release(&resp);
    return shipped;
}

static void ship_all(struct ship_src *src)
{
    int n;
    while (src->st && !atomic_load(&R.stop) && (n = ship_batch(src)) == SHIP_BATCH)
        ;
}

/* Ships the current copy's searches, and those of the copy before it until
 * every worker has moved on (a few seconds after the switch). */
static void ship_searches(struct ship_src *cur, struct ship_src *old)
{
    char path[4096];
    uint64_t gen = srv_scale_store(path, sizeof path);
    if (gen != cur->gen) {
        if (old->st) {
            ship_all(old);
            kb_store_close(old->st);
        }
        *old = *cur;
        old->retired = mono_ms();
        memset(cur, 0, sizeof *cur);
        struct kb_err err;
        if (kb_store_open(path, &cur->st, &err) != 0) {
            kb_log(KB_LOG_WARN, "replica: search log: %s", err.msg);
            cur->st = NULL;
        }
        cur->gen = gen;
        cur->shipped = local_base(gen);
        char *v = cur->st ? kb_store_meta_get(cur->st, META_SHIPPED) : NULL;
        if (v && atoll(v) > cur->shipped)
            cur->shipped = atoll(v);
        free(v);
    }
    ship_all(old);
    if (old->st && mono_ms() - old->retired > 5000) {
        kb_store_close(old->st);
        old->st = NULL;
    }
    ship_all(cur);
}

/* The search_id in an event's JSON body, made the primary's: kept when it is
 * the primary's already (or no search id of this install: the primary
 * records the event without a search), translated when shipped, else
 * dropped (the event still counts, under its query). A search id of this
 * replica is decoded with the poster's identity (ident) and made again as
 * the primary's, bound to the same role and ident when it was bound to
 * them, to nobody otherwise; the primary checks the role itself. Returns
 * the new body (caller frees) or NULL to send the body as it is.
 * *unshipped tells that the search was this replica's but not yet shipped. */
static char *translate_search_id(const char *body, size_t len, const char *ident,
                                 int *unshipped)
{
    *unshipped = 0;
    json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *v = json_object_get(j, "search_id");
    char *out = NULL;
    const struct kb_cap_keys *caps = &R.srv->caps;
    int64_t id = 0;
    uint32_t node = 0;
    int bound = 0, role = KB_ROLE_CUSTOMER;
    if (json_is_string(v) &&
        kb_sid_decode(caps, json_string_value(v), role, ident, &id, &node, &bound) == 0 &&
        node == R.srv->node && id > LOCAL_ID_MIN) {
        /* The role it was issued to, if to this ident at all. */
        for (int k = KB_ROLE_CUSTOMER; k <= KB_ROLE_ADMIN && !bound; k++) {
            kb_sid_decode(caps, json_string_value(v), k, ident, &id, &node, &bound);
            role = k;
        }
        int64_t p = id_map_get(id);
        if (p > 0) {
            char sid[KB_SID_LEN + 1];
            kb_sid_encode(caps, p, 0, role, bound ? ident : NULL, sid);
            json_object_set_new(j, "search_id", json_string(sid));
        } else {
            json_object_del(j, "search_id");
            *unshipped = 1;
        }
        out = json_dumps(j, JSON_COMPACT);
    }
    json_decref(j);
    return out;
}

static void *forwarder_main(void *arg)
{
    (void)arg;
    struct ship_src cur = {0}, old = {0};
    while (!atomic_load(&R.stop)) {
        sleep_ms(500);
        if (!atomic_load(&R.primary_up))
            continue;
        /* Searches first: a spooled click then finds its search's id. */
        ship_searches(&cur, &old);
        if (atomic_load(&R.spooled))
            drain_spool();
    }
    kb_store_close(cur.st);
    kb_store_close(old.st);
    return NULL;
}

/* ---- /healthz and /metrics ---- */

void srv_scale_decorate(const char *route, int staff, struct srv_resp *w)
{
    if (!route || w->status != 200 || !srv_scale_readonly())
        return;
    if (!staff && strcmp(route, "/healthz") == 0)
        return; /* anonymous callers learn only that the service is up */
    int up = srv_scale.replica_of ? atomic_load(&R.primary_up) : 0;
    double lag = srv_scale.replica_of ? lag_seconds() : 0;
    if (strcmp(route, "/healthz") == 0) {
        json_t *j = json_loadb(w->body.data, w->body.len, 0, NULL);
        if (!j)
            return;
        if (srv_scale.replica_of)
            json_object_set_new(
                j, "replica",
                json_pack("{s:s, s:b, s:f, s:I, s:I, s:I, s:i}", "primary", srv_scale.replica_of,
                          "primary_reachable", up, "lag_seconds", lag, "index_seq",
                          (json_int_t)atomic_load(&R.local_seq), "primary_index_seq",
                          (json_int_t)atomic_load(&R.primary_indexed), "store_seq",
                          (json_int_t)atomic_load(&R.store_seq), "events_spooled",
                          (int)atomic_load(&R.spooled)));
        if (srv_scale.nshards)
            json_object_set_new(j, "shards", json_integer((json_int_t)srv_scale.nshards));
        kb_buf_reset(&w->body);
        srv_json(w, 200, j);
    } else if (strcmp(route, "/metrics") == 0 && srv_scale.replica_of) {
        kb_buf_printf(&w->body,
                      "# HELP kb_replica_lag_seconds How far this replica's index copy is behind "
                      "the primary's.\n# TYPE kb_replica_lag_seconds gauge\n"
                      "kb_replica_lag_seconds %.3f\n"
                      "# HELP kb_replica_primary_up 1 when the primary answered the last probe.\n"
                      "# TYPE kb_replica_primary_up gauge\nkb_replica_primary_up %d\n"
                      "# HELP kb_replica_events_spooled Events waiting for the primary.\n"
                      "# TYPE kb_replica_events_spooled gauge\nkb_replica_events_spooled %u\n",
                      lag, up, atomic_load(&R.spooled));
    }
}

/* ---- start and stop ---- */

int srv_scale_open_index(struct srv *s, struct kb_index **out, struct kb_err *err)
{
    if (!srv_scale.nshards)
        return kb_index_open(s->index_dir, KB_INDEX_READ, out, err);
    return kb_index_open_remote((const char *const *)srv_scale.shard_host, srv_scale.shard_port,
                                srv_scale.nshards, R.lexicon_db[0] ? R.lexicon_db : NULL, 10000,
                                out, err);
}

/* ---- a shard reader's synonyms ----
 * Xapian's remote backend does not serve synonyms, so a shard reader keeps
 * them in a local index with no documents (DATA/lexicon), written from its
 * store (the primary's copy on a replica) whenever the table changes, and
 * searched together with the shards. */

static int refresh_lexicon(struct srv *s, struct kb_err *err)
{
    char path[4096];
    if (!srv_scale_store(path, sizeof path))
        snprintf(path, sizeof path, "%s", s->store_path);
    struct kb_store *st = NULL;
    struct kb_index *ix = NULL;
    int rc = kb_store_open(path, &st, err);
    uint64_t sig = rc ? 0 : srv_synonyms_signature(st);
    if (rc == 0 && sig != R.lexicon_sig &&
        (rc = kb_index_open(R.lexicon_dir, KB_INDEX_WRITE, &ix, err)) == 0 &&
        (rc = kb_sync_synonyms(st, ix, err)) == 0 && (rc = kb_index_commit(ix, -1, err)) == 0) {
        R.lexicon_sig = sig;
        atomic_fetch_add(&s->index_gen, 1); /* workers reopen: new synonyms */
    }
    kb_index_close(ix);
    kb_store_close(st);
    return rc;
}

static void *lexicon_main(void *arg)
{
    struct srv *s = arg;
    while (!atomic_load(&R.stop)) {
        sleep_ms(1000);
        struct kb_err err;
        if (refresh_lexicon(s, &err) != 0)
            kb_log(KB_LOG_WARN, "shards: synonyms not refreshed: %s", err.msg);
    }
    return NULL;
}

/* Builds the lexicon from the store (copy) and keeps it current. */
static int start_lexicon(struct srv *s, struct kb_err *err)
{
    if (!srv_scale.nshards)
        return 0;
    snprintf(R.lexicon_dir, sizeof R.lexicon_dir, "%s/lexicon", s->opts.data);
    if (refresh_lexicon(s, err) != 0)
        return err ? err->code : KB_EIO;
    /* Only now do workers join it to the shards: it exists. */
    snprintf(R.lexicon_db, sizeof R.lexicon_db, "%s/public", R.lexicon_dir);
    if (pthread_create(&R.lexicon, NULL, lexicon_main, s) != 0)
        return kb_err_set(err, KB_EIO, "cannot start the synonym copier");
    R.threads |= 16;
    return 0;
}

static int start_primary(struct srv *s, struct kb_err *err)
{
    char host[256], port[16];
    if (split_hostport(srv_scale.replication_on, host, sizeof host, port, sizeof port) != 0)
        return kb_err_set(err, KB_EINVAL, "--replication-port needs HOST:PORT, not '%s'",
                          srv_scale.replication_on);
    const char *argv[] = {"xapian-replicate-server", "-I", host, "-p", port, s->index_dir, NULL};
    add_child("xapian-replicate-server", argv);
    struct child *c = &children[0];
    if (spawn(c) < 0)
        return kb_err_set(err, KB_EIO, "cannot start xapian-replicate-server: %s", strerror(errno));
    /* A port in use shows as the child dying at once: say so now. */
    sleep_ms(300);
    int st;
    if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
        c->pid = 0;
        return kb_err_set(err, KB_EIO, "xapian-replicate-server could not serve %s:%s (port in "
                          "use, or xapian-tools not installed)", host, port);
    }
    if (pthread_create(&R.supervisor, NULL, supervise, NULL) != 0)
        return kb_err_set(err, KB_EIO, "cannot start the replication supervisor");
    R.threads |= 4;
    kb_log(KB_LOG_INFO, "replica: publishing %s with xapian-replicate-server on %s:%s",
           s->index_dir, host, port);
    return 0;
}

int srv_scale_start(struct srv *s, struct kb_err *err)
{
    R.srv = s;
    atomic_store(&R.matched_at, mono_ms());
    if (srv_scale.replication_on)
        return start_primary(s, err);
    if (srv_scale.nshards) {
        struct kb_index *ix = NULL;
        if (srv_scale_open_index(s, &ix, err) != 0)
            return err ? err->code : KB_EIO;
        /* What the shards hold (they were split at one outbox row), for
         * /healthz: they do not change while this server runs. */
        int64_t seq = 0;
        if (kb_index_last_seq(ix, KB_DB_PUBLIC, &seq, NULL) == 0)
            atomic_store(&s->indexed_seq, seq);
        kb_index_close(ix);
    }
    if (!srv_scale.replica_of)
        return start_lexicon(s, err);
    snprintf(R.store_dir, sizeof R.store_dir, "%s/store", s->opts.data);
    snprintf(R.spool_dir, sizeof R.spool_dir, "%s/spool", s->opts.data);
    mkdir(s->index_dir, 0755);
    mkdir(R.store_dir, 0755);
    mkdir(R.spool_dir, 0700);
    int have_copy = find_local_store() == 0;
    int64_t indexed = 0, written = 0;
    int up = probe_primary(&indexed, &written);
    atomic_store(&R.primary_up, up);
    if (!up && !have_copy)
        return kb_err_set(err, KB_EIO, "cannot reach the primary %s (GET /healthz): a new replica "
                          "copies its store and index from it", srv_scale.replica_of);
    if (up) {
        atomic_store(&R.primary_indexed, indexed);
        atomic_store(&R.primary_written, written);
        struct kb_err ferr;
        if (fetch_store(&ferr) != 0) {
            if (!have_copy)
                return kb_err_set(err, ferr.code, "%s", ferr.msg);
            kb_log(KB_LOG_WARN, "replica: %s; serving the copy from an earlier run", ferr.msg);
        }
    } else {
        kb_log(KB_LOG_WARN, "replica: the primary %s is unreachable; serving the copy from an "
               "earlier run", srv_scale.replica_of);
    }
    if (srv_scale.replicate_from) {
        char host[256], port[16];
        if (split_hostport(srv_scale.replicate_from, host, sizeof host, port, sizeof port) != 0)
            return kb_err_set(err, KB_EINVAL, "--replicate-from needs HOST:PORT, not '%s'",
                              srv_scale.replicate_from);
        /* -i 1: ask every second; -r 1: readers get a second before the
         * copy is changed again in place (they reopen sooner anyway). */
        static const char *const dbs[] = {"public", "internal"};
        for (size_t i = 0; i < 2; i++) {
            char dir[4200];
            snprintf(dir, sizeof dir, "%s/%s", s->index_dir, dbs[i]);
            const char *argv[] = {"xapian-replicate", "-h", host, "-p", port, "-m", dbs[i],
                                  "-i", "1", "-r", "0", "-q", dir, NULL};
            add_child("xapian-replicate", argv);
        }
        for (size_t i = 0; i < nchildren; i++)
            if (spawn(&children[i]) < 0)
                return kb_err_set(err, KB_EIO, "cannot start xapian-replicate: %s",
                                  strerror(errno));
        if (pthread_create(&R.supervisor, NULL, supervise, NULL) != 0)
            return kb_err_set(err, KB_EIO, "cannot start the replication supervisor");
        R.threads |= 4;
        /* Serve once a first copy is here; a new replica with none after
         * 15 s is misconfigured, and says where it looked. */
        struct kb_index *ix = NULL;
        int have_index = 0;
        for (int waited = 0; waited < 15000 && !have_index; waited += 100) {
            /* A read handle opens public and internal: both copies exist. */
            if (kb_index_open(s->index_dir, KB_INDEX_READ, &ix, NULL) == 0) {
                kb_index_close(ix);
                have_index = 1;
            } else if (!up && have_copy) {
                break;
            } else {
                sleep_ms(100);
            }
        }
        if (!have_index && !have_copy)
            return kb_err_set(err, KB_EIO, "no index copy came from xapian-replicate-server at %s "
                              "within 15 s (is the primary run with --replication-port %s?)",
                              srv_scale.replicate_from, srv_scale.replicate_from);
    }
    /* The keys of search ids and visitor ids: the primary's secret, in its
     * store copy. */
    struct kb_store *st = NULL;
    int rc = kb_store_open(R.store_path, &st, err);
    if (rc == 0)
        rc = kb_cap_keys_load(st, &s->caps, err);
    kb_store_close(st);
    if (rc != 0)
        return rc;
    if (pthread_create(&R.monitor, NULL, monitor_main, s) != 0)
        return kb_err_set(err, KB_EIO, "cannot start the replica monitor");
    R.threads |= 1;
    if (pthread_create(&R.snapshot, NULL, snapshot_main, NULL) != 0)
        return kb_err_set(err, KB_EIO, "cannot start the store copier");
    R.threads |= 2;
    atomic_store(&R.spooled, 1); /* events left by an earlier run: the first drain counts */
    if (pthread_create(&R.forwarder, NULL, forwarder_main, NULL) != 0)
        return kb_err_set(err, KB_EIO, "cannot start the event forwarder");
    R.threads |= 8;
    kb_log(KB_LOG_INFO, "replica: of %s, store copy %s", srv_scale.replica_of, R.store_path);
    return start_lexicon(s, err);
}

void srv_scale_stop(void)
{
    atomic_store(&R.stop, 1);
    if (R.threads & 1)
        pthread_join(R.monitor, NULL);
    if (R.threads & 2)
        pthread_join(R.snapshot, NULL);
    if (R.threads & 4)
        pthread_join(R.supervisor, NULL);
    if (R.threads & 8)
        pthread_join(R.forwarder, NULL);
    if (R.threads & 16)
        pthread_join(R.lexicon, NULL);
    R.threads = 0;
}
