/* The scale-out options (see scaleout.h): --shard, --replica-of,
 * --replica-ca, --primary-token, --replicate-from and --replication-port,
 * parsed and checked against each other before the server starts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "kb/store/changes.h"
#include "server/scale/scale_int.h"

struct srv_scale_opts srv_scale;

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
    size_t n = fread(scale.token, 1, sizeof scale.token - 1, f);
    fclose(f);
    scale.token[n] = '\0';
    scale.token[strcspn(scale.token, " \t\r\n")] = '\0';
    if (strncmp(scale.token, "kbt_", 4) != 0) {
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
    if (srv_scale.replica_ca && !srv_scale.replica_of) {
        fprintf(stderr, "kb-server: --replica-ca is for a replica: it needs --replica-of "
                        "https://HOST:PORT\n");
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
        if (kb_http_check_base_url(srv_scale.replica_of, &err) != 0) {
            fprintf(stderr, "kb-server: --replica-of needs the primary's http(s)://HOST:PORT: "
                            "%s\n", err.msg);
            return -1;
        }
        if (strlen(srv_scale.replica_of) >= sizeof scale.base_url) {
            fprintf(stderr, "kb-server: --replica-of '%s' is too long\n", srv_scale.replica_of);
            return -1;
        }
        snprintf(scale.base_url, sizeof scale.base_url, "%s", srv_scale.replica_of);
        size_t n = strlen(scale.base_url);
        if (n && scale.base_url[n - 1] == '/')
            scale.base_url[n - 1] = '\0';
        if (srv_scale.replica_ca && access(srv_scale.replica_ca, R_OK) != 0) {
            fprintf(stderr, "kb-server: cannot read --replica-ca file '%s': %s\n",
                    srv_scale.replica_ca, strerror(errno));
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
    if (srv_scale.replica_window && srv_scale_readonly()) {
        fprintf(stderr, "kb-server: --replica-window is for the primary\n");
        return -1;
    }
    /* A replica's or shard reader's stores are copies: they log nothing. */
    kb_store_changes_configure(!srv_scale_readonly(), srv_scale.replica_window);
    return 0;
}

int srv_scale_readonly(void)
{
    return srv_scale.replica_of != NULL || srv_scale.nshards > 0;
}

int scale_split_hostport(const char *v, char *host, size_t n, char *port, size_t pn)
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
