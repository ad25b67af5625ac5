/* Change-based store copies: the primary serves the changesets its store
 * logged after a replica's position (GET SRV_CHANGES_PATH?after=N, admin
 * role; 410 when they are no longer kept), and a replica applies them to
 * its current copy in place. A new replica, or one behind the window,
 * takes one snapshot (snapshot.c) and follows changesets from there. The
 * bytes are the store's (kb/store/changes.h): this file only moves them.
 * A changeset names tables and columns of the schema it was made on, so
 * the primary says its store's schema version with them (SCHEMA_HEADER)
 * and a replica whose copy is at another version (one of the two was
 * upgraded) refuses them and takes a snapshot, which it migrates. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/log.h"
#include "kb/store/changes.h"
#include "server/scale/scale_int.h"

#define SCHEMA_HEADER "X-KB-Store-Schema"

/* ---- the primary's side ---- */

void srv_scale_h_changes(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *a = srv_arg(r, "after");
    char *end = NULL;
    long long after = a ? strtoll(a, &end, 10) : -1;
    if (!a || !*a || *end || after < 0) {
        srv_error(w, 400, "bad_request", "'after' must be a change id (0 or more)");
        return;
    }
    struct kb_err err;
    int64_t last = 0;
    int rc = kb_store_changes_after(c->st, after, CHANGES_BATCH_BYTES, &w->body, &last, &err);
    if (rc == KB_ENOTFOUND) {
        kb_buf_release(&w->body);
        srv_error(w, 410, "gone", "%s", err.msg);
        return;
    }
    if (rc != 0) {
        kb_log(KB_LOG_ERROR, "replica: %s", err.msg);
        kb_buf_release(&w->body);
        srv_error(w, 503, "unavailable", "the store's changes cannot be read");
        return;
    }
    char version[16];
    snprintf(version, sizeof version, "%d", kb_store_schema_version(c->st));
    srv_header_add(w, SCHEMA_HEADER, version);
    w->status = 200;
    w->type = "application/octet-stream";
}

/* 0 when the primary's changesets in resp fit st's schema; KB_EINVAL
 * naming both versions when not. An answer without the header (a primary
 * from before it) is taken as fitting. */
static int same_schema(struct kb_store *st, const struct kb_http_resp *resp, struct kb_err *err)
{
    char v[16];
    if (!kb_http_header(resp, SCHEMA_HEADER, v, sizeof v))
        return 0;
    char *end;
    long theirs = strtol(v, &end, 10);
    int ours = kb_store_schema_version(st);
    if (*end || end == v || theirs != ours)
        return kb_err_set(err, KB_EINVAL, "the primary %s has store schema version %s, this "
                          "replica's copy %d: its changesets are refused", srv_scale.replica_of,
                          v, ours);
    return 0;
}

/* ---- the replica's side ---- */

/* The handle on the current copy, reopened when a snapshot replaced it. */
static struct kb_store *copy_st;
static uint64_t copy_gen;

static struct kb_store *current_copy(struct kb_err *err)
{
    char path[4096];
    uint64_t gen = srv_scale_store(path, sizeof path);
    if (copy_st && gen == copy_gen)
        return copy_st;
    kb_store_close(copy_st);
    copy_st = NULL;
    if (!gen || kb_store_open(path, &copy_st, err) != 0)
        return NULL;
    copy_gen = gen;
    return copy_st;
}

void scale_store_follow_close(void)
{
    kb_store_close(copy_st);
    copy_st = NULL;
}

int scale_store_position(int64_t *pos)
{
    struct kb_err err;
    struct kb_store *st = current_copy(&err);
    if (!st || kb_store_changes_position(st, pos, &err) != 0)
        return -1;
    atomic_store(&scale.store_pos, *pos);
    return 0;
}

int scale_store_follow(struct kb_err *err)
{
    struct kb_store *st = current_copy(err);
    if (!st)
        return err ? err->code : KB_EIO;
    for (int round = 0; round < 64; round++) {
        int64_t pos = 0;
        int rc = kb_store_changes_position(st, &pos, err);
        if (rc)
            return rc;
        char path[128];
        snprintf(path, sizeof path, "%s?after=%" PRId64, SRV_CHANGES_PATH, pos);
        struct kb_http_resp resp;
        kb_http_resp_init(&resp);
        rc = scale_call("GET", path, NULL, 1, NULL, 0, 30000, SNAPSHOT_MAX, &resp, err);
        if (rc == 0 && resp.status == 410)
            rc = kb_err_set(err, KB_ENOTFOUND, "the primary no longer keeps the changes after "
                            "%" PRId64, pos);
        else if (rc == 0 && resp.status != 200)
            rc = kb_err_set(err, KB_EIO, "the primary %s refused its changes (HTTP %ld)",
                            srv_scale.replica_of, resp.status);
        size_t n = 0;
        int64_t seq = -1;
        if (rc == 0)
            rc = same_schema(st, &resp, err);
        if (rc == 0) {
            atomic_fetch_add(&scale.store_bytes, resp.body.len);
            rc = kb_store_changes_apply(st, resp.body.data, resp.body.len, &n, &seq, err);
            atomic_fetch_add(&scale.store_changesets, n);
            if (seq >= 0)
                atomic_store(&scale.store_seq, seq);
            int64_t now_at = 0;
            if (kb_store_changes_position(st, &now_at, NULL) == 0)
                atomic_store(&scale.store_pos, now_at);
        }
        size_t got = resp.body.len;
        kb_http_resp_release(&resp);
        if (rc || got < CHANGES_BATCH_BYTES)
            return rc; /* a short answer: all there was */
    }
    return 0;
}
