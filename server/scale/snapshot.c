/* Store snapshots: the primary serves its whole store as one SQLite file
 * (GET SRV_SNAPSHOT_PATH, admin role), without password hashes or its
 * changeset log; a replica fetches one when it is new or further behind
 * than the primary keeps changesets, and its workers reopen on the newest
 * copy. Between snapshots the copy follows changesets (changes.c): the
 * thread here decides which. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kb/base/log.h"
#include "kb/store/auth.h"
#include "kb/store/changes.h"
#include "kb/store/events.h"
#include "server/scale/scale_int.h"

/* ---- the primary's side ---- */

void srv_scale_h_snapshot(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s/.replica-snapshot-%ld-%llx.sqlite3", c->srv->opts.data,
             (long)getpid(),
             (unsigned long long)scale_mono_ms() ^ (unsigned long long)(uintptr_t)c);
    struct kb_err err;
    /* Password hashes, contact requests and destinations' secrets never
     * leave the primary (kb_store_changes_scrub_copy): sign-in and the
     * contact form are forwarded here. */
    if (kb_store_snapshot(c->st, tmp, &err) != 0 || kb_store_changes_scrub_copy(tmp, &err) != 0) {
        kb_log(KB_LOG_ERROR, "replica: %s", err.msg);
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

/* ---- the replica's side ---- */

uint64_t srv_scale_store(char *path, size_t n)
{
    if (!srv_scale.replica_of)
        return 0;
    pthread_mutex_lock(&scale.mu);
    snprintf(path, n, "%s", scale.store_path);
    uint64_t g = atomic_load(&scale.store_gen);
    pthread_mutex_unlock(&scale.mu);
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
int scale_store_fetch(struct kb_err *err)
{
    struct kb_http_resp resp;
    kb_http_resp_init(&resp);
    int rc = scale_call("GET", SRV_SNAPSHOT_PATH, NULL, 1, NULL, 0, 60000, SNAPSHOT_MAX, &resp,
                        err);
    if (rc == 0 && resp.status != 200) {
        rc = kb_err_set(err, KB_EIO, "the primary %s refused the store snapshot (HTTP %ld)%s",
                        srv_scale.replica_of, resp.status,
                        resp.status == 401 || resp.status == 403
                            ? ": is the --primary-token an admin token of the primary?" : "");
    }
    if (rc) {
        kb_http_resp_release(&resp);
        return rc;
    }
    uint64_t gen = atomic_load(&scale.store_gen) + 1;
    char path[4000], tmp[4100];
    snprintf(path, sizeof path, "%s/kb-%llu.sqlite3", scale.store_dir, (unsigned long long)gen);
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
        kb_http_resp_release(&resp);
        return rc;
    }
    atomic_fetch_add(&scale.store_snapshots, 1);
    atomic_fetch_add(&scale.store_bytes, resp.body.len);
    kb_log(KB_LOG_INFO, "replica: store snapshot of %zu bytes", resp.body.len);
    kb_http_resp_release(&resp);
    struct kb_store *st = NULL;
    int64_t seq = 0;
    if (kb_store_open(path, &st, err) != 0)
        return err ? err->code : KB_EIO;
    kb_store_outbox_last(st, &seq, NULL);
    /* This copy numbers its own searches above the primary's (ship.c). */
    struct kb_err nerr;
    if (kb_events_search_base(st, scale_local_base(gen), &nerr) != 0)
        kb_log(KB_LOG_WARN, "replica: cannot number the copy's searches: %s", nerr.msg);
    kb_store_close(st);
    pthread_mutex_lock(&scale.mu);
    snprintf(scale.store_path, sizeof scale.store_path, "%s", path);
    atomic_store(&scale.store_gen, gen);
    pthread_mutex_unlock(&scale.mu);
    atomic_store(&scale.store_seq, seq);
    /* Workers still on older copies keep their open files (Linux); two
     * generations back nobody should be left. */
    if (gen > 2) {
        char old[4000];
        snprintf(old, sizeof old, "%s/kb-%llu.sqlite3", scale.store_dir,
                 (unsigned long long)(gen - 2));
        remove_store_files(old);
    }
    return 0;
}

/* The newest store copy left by an earlier run, so that a replica restarted
 * while its primary is down still serves. */
int scale_store_find_local(void)
{
    DIR *d = opendir(scale.store_dir);
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
    snprintf(scale.store_path, sizeof scale.store_path, "%s/kb-%llu.sqlite3", scale.store_dir,
             best);
    atomic_store(&scale.store_gen, best);
    return 0;
}

/* Keeps the store copy current: the changesets after its position
 * whenever the primary logged more (its /healthz, probed every 250 ms), a
 * write went through this replica, or CHANGES_POLL_MS passed; a snapshot
 * when the primary no longer keeps them (a replica stopped longer than
 * --replica-window), no closer together than STORE_MIN_GAP_MS or ten times
 * what the last took: each is a whole-store VACUUM INTO on the primary.
 * Searches do not wait for it (the index copy is separate), and a page the
 * copy lacks yet is fetched from the primary (srv_scale_fallback). */
static void *snapshot_main(void *arg)
{
    (void)arg;
    long long last = 0, last_snap = scale_mono_ms(), gap = STORE_MIN_GAP_MS, next_try = 0;
    int need_snapshot = 0, failures = 0;
    while (!atomic_load(&scale.stop)) {
        scale_sleep_ms(20);
        long long now = scale_mono_ms();
        if (!atomic_load(&scale.primary_up))
            continue;
        struct kb_err err;
        if (need_snapshot) {
            if (now - last_snap < gap)
                continue;
            if (scale_store_fetch(&err) != 0)
                kb_log(KB_LOG_WARN, "replica: store copy not refreshed: %s", err.msg);
            else
                need_snapshot = 0;
            last_snap = scale_mono_ms();
            gap = 10 * (last_snap - now) > STORE_MIN_GAP_MS ? 10 * (last_snap - now)
                                                            : STORE_MIN_GAP_MS;
            continue;
        }
        int64_t pos = 0;
        if (scale_store_position(&pos) != 0)
            pos = -1;
        int want = atomic_load(&scale.store_dirty) || pos < 0 ||
                   atomic_load(&scale.primary_changes) > pos || now - last >= CHANGES_POLL_MS;
        if (!want || now < next_try)
            continue;
        atomic_store(&scale.store_dirty, 0);
        last = now;
        int rc = scale_store_follow(&err);
        if (rc == KB_ENOTFOUND) {
            kb_log(KB_LOG_INFO, "replica: %s: taking a snapshot", err.msg);
            need_snapshot = 1;
            last_snap = 0;
        } else if (rc == KB_EINVAL) {
            /* Changesets that do not fit the copy (another schema version,
             * a gap): snapshots, no closer together than the gap, for as
             * long as that lasts (an upgrade of one side). */
            kb_log(KB_LOG_WARN, "replica: %s: taking a snapshot", err.msg);
            need_snapshot = 1;
        } else if (rc != 0) {
            /* Asked again with the backoff every call to the primary shares. */
            next_try = now + scale_retry_ms(250, failures++);
            kb_log(failures == 1 ? KB_LOG_WARN : KB_LOG_DEBUG,
                   "replica: store copy not brought up to date: %s", err.msg);
        }
        if (rc == 0)
            failures = 0;
    }
    scale_store_follow_close();
    return NULL;
}

int scale_snapshot_start(struct kb_err *err)
{
    if (pthread_create(&scale.snapshot, NULL, snapshot_main, NULL) != 0)
        return kb_err_set(err, KB_EIO, "cannot start the store copier");
    scale.threads |= SCALE_T_SNAPSHOT;
    return 0;
}
