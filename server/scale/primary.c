/* What a primary does for its replicas: publishes its index with a
 * xapian-replicate-server child (--replication-port), keeping changesets
 * for it, and answers the two replica routes (snapshot.c, ship.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/log.h"
#include "server/scale/scale_int.h"

void srv_scale_prepare(void)
{
    /* xapian-replicate-server sends changesets when the writer keeps them,
     * else a whole copy of the database on every change. */
    if (srv_scale.replication_on)
        setenv("XAPIAN_MAX_CHANGESETS", "100", 0);
}

/* Admins only (a replica's primary token): in the one route table, served
 * by a primary alone (SRV_REPLICATION). */
const struct srv_route srv_routes_scale[] = {
    {"GET", SRV_SNAPSHOT_PATH, srv_scale_h_snapshot, KB_ROLE_ADMIN, SRV_REPLICATION,
     "a copy of the store, for a replica"},
    {"GET", SRV_CHANGES_PATH, srv_scale_h_changes, KB_ROLE_ADMIN, SRV_REPLICATION,
     "the store's changesets after a replica's position"},
    {"POST", SRV_SEARCHES_PATH, srv_scale_h_searches, KB_ROLE_ADMIN, SRV_REPLICATION,
     "a replica's searches, logged here; answers their ids"},
    {NULL, NULL, NULL, 0, 0, NULL},
};

int scale_primary_start(struct srv *s, struct kb_err *err)
{
    char host[256], port[16];
    if (scale_split_hostport(srv_scale.replication_on, host, sizeof host, port, sizeof port) != 0)
        return kb_err_set(err, KB_EINVAL, "--replication-port needs HOST:PORT, not '%s'",
                          srv_scale.replication_on);
    const char *argv[] = {"xapian-replicate-server", "-I", host, "-p", port, s->index_dir, NULL};
    size_t c = scale_child_add("xapian-replicate-server", argv);
    if (scale_child_spawn(c) < 0)
        return kb_err_set(err, KB_EIO, "cannot start xapian-replicate-server: %s", strerror(errno));
    /* A port in use shows as the child dying at once: say so now. */
    scale_sleep_ms(300);
    if (scale_child_exited(c))
        return kb_err_set(err, KB_EIO, "xapian-replicate-server could not serve %s:%s (port in "
                          "use, or xapian-tools not installed)", host, port);
    int rc = scale_supervise_start(err);
    if (rc != 0)
        return rc;
    kb_log(KB_LOG_INFO, "replica: publishing %s with xapian-replicate-server on %s:%s",
           s->index_dir, host, port);
    return 0;
}
