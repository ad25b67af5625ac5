/* POST /api/v1/admin/backup: an online backup of the store, taken while the
 * server keeps serving, into a new directory under --backup-dir (default
 * DATA/backups). The client names no path: the server picks it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kb/base/datadir.h"
#include "kb/store/backup.h"
#include "srv.h"

static void h_backup(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {NULL};
    if (r->body_len) {
        json_t *o = srv_body_object(r, w);
        if (!o)
            return;
        int bad = srv_check_keys(o, keys, w);
        json_decref(o);
        if (bad)
            return;
    }
    const struct srv_opts *o = &c->srv->opts;
    char root[4096], dir[4200];
    if (o->backup_dir)
        snprintf(root, sizeof root, "%s", o->backup_dir);
    else
        snprintf(root, sizeof root, "%s/backups", o->data);
    struct kb_err err = {0, ""};
    if (kb_datadir_prepare(root, 1, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    struct kb_backup_info info;
    int rc = KB_EEXIST;
    /* A name nobody has: the same second twice gets -2, -3, ... */
    for (int i = 1; i < 100 && rc == KB_EEXIST; i++) {
        if (i == 1)
            snprintf(dir, sizeof dir, "%s/backup-%s", root, stamp);
        else
            snprintf(dir, sizeof dir, "%s/backup-%s-%d", root, stamp, i);
        char probe[4300];
        snprintf(probe, sizeof probe, "%s/" KB_BACKUP_STORE_FILE, dir);
        FILE *f = fopen(probe, "r");
        if (f) {
            fclose(f);
            continue;
        }
        rc = kb_store_backup_dir(c->st, dir, &info, &err);
    }
    if (rc) {
        srv_kb_error(w, &err);
        return;
    }
    srv_json(w, 200, json_pack("{s:s, s:I, s:f, s:I, s:s}", "path", dir, "bytes",
                               (json_int_t)info.bytes, "seconds", info.seconds, "outbox_seq",
                               (json_int_t)info.outbox_seq, "index", "rebuilt on restore"));
}

const struct srv_route srv_routes_backup[] = {
    {"POST", "/api/v1/admin/backup", h_backup, KB_ROLE_ADMIN, 0,
     "online backup of the store into a new directory under --backup-dir"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
