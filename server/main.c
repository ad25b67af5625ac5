/* kb-server: the HTTP service for customers, agents, writers and admins. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "ratelimit.h"
#include "kb/store/capability.h"
#include "kb/base/datadir.h"
#include "kb/store/learn.h"
#include "kb/store/retention.h"
#include "kb/base/log.h"
#include "kb/net/http.h"
#include "kb/search/result_cache.h"
#include "scale/scaleout.h"
#include "search_log.h"
#include "srv.h"
#include "contact.h"
#include "brand.h"
#include "locales.h"
#include "rt_sync.h"
#include "emerging.h"
#include "sync_thread.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kb-server [--data DIR] [OPTIONS]\n"
            "       kb-server [--data DIR] user add --role ROLE NAME   (see 'kb-server user --help')\n"
            "       kb-server [--data DIR] backup OUTDIR    online backup of the store\n"
            "       kb-server restore BACKUPDIR --data NEWDIR   a data directory from a backup\n"
            "       kb-server [--data DIR] customer export|erase ID_OR_EMAIL   a customer's data\n\n"
            "  --data DIR          data directory (default ./data)\n"
            "  --listen HOST:PORT  address to listen on (default 127.0.0.1:8080; port 0 picks one)\n"
            "  --threads N         worker threads (default: the number of cores)\n"
            "  --max-body BYTES    largest request body (default 1048576; 413 past it)\n"
            "  --rate-limit N      search requests per client address per second (0 = off)\n"
            "  --event-rate N      events and votes per visitor per minute (default 60; 0 = off)\n"
            "  --learn-k N         distinct customers (and networks) who must use a word before\n"
            "                      it teaches a public article (1-1000; default 3; kept in the\n"
            "                      store, so it stays until changed)\n"
            "  --trust-proxy       take the client address from X-Forwarded-For\n"
            "  --secure-cookies    mark session cookies Secure (serving over HTTPS)\n"
            "  --tls-cert FILE     serve HTTPS with this PEM certificate (chain); needs\n"
            "  --tls-key FILE      its PEM private key (unencrypted)\n"
            "  --public-url URL    public base URL for canonical links, sitemap and OpenSearch\n"
            "                      (needed behind a proxy; the Host header is never used)\n"
            "  --web DIR           static files (default ./web)\n"
            "  --idle-timeout S    close idle or slow connections after S seconds (default 30)\n"
            "  --search-cache-mb N memory for cached search and typeahead results, kept\n"
            "                      until the index changes (default 64; 0 = off)\n"
            "  --ticket-retention-days N  erase tickets resolved more than N days ago, daily\n"
            "                      (0 = keep, the default; kept in the store until set again)\n"
            "  --contact-retention-days N  erase contact requests made more than N days ago\n"
            "                      (once delivered or failed), daily (0 = keep, the default;\n"
            "                      kept in the store until set again)\n"
            "  --search-retention-days N  fold logged searches older than N days into daily\n"
            "                      aggregates, daily (default 90; 0 = keep; kept in the store)\n"
            "  --backup-dir DIR    where POST /api/v1/admin/backup writes (default DATA/backups)\n"
            "  --emerging-interval S  seconds between emerging-problem checks when nothing is\n"
            "                      imported (default 300; every import also runs one)\n"
            "  --emerging-networks N  networks a wave of customers' searches needs (default 3;\n"
            "                      each counts 2 visitors at most); 0 = count visitors only,\n"
            "                      for a desk whose customers share one network\n"
            "  --contact-rate N    contact requests per visitor per hour (default 5; 0 = off)\n"
            "  --contact-net-rate N  contact requests per network per hour (default 30; 0 = off)\n"
            "  --contact-retry-ms MS  first retry of a failed delivery, doubling (default 2000)\n"
            "  --contact-attempts N  tries before a delivery is marked failed (default 15)\n"
            "  --contact-wait-ms MS  how long the form waits for a desk's ticket number\n"
            "                      (default 2000)\n"
            "  --rt-sync-interval S  seconds between Request Tracker sync runs once an admin\n"
            "                      set them up (default 60; 0 = only when an admin asks)\n"
            "  --rt-token-file F   the RT auth token for the sync and the agent console\n"
            "                      (default: the one stored with the settings)\n"
            "  --repeat-unit-tickets N  the agent console flags a unit with N tickets or more\n"
            "                      (1-1000; default 3) ...\n"
            "  --repeat-unit-days D  ... created in the last D days (1-3650; default 90)\n"
            "  --alert-webhook URL POST each new emerging problem once to URL, signed\n"
            "  --alert-secret-file F  the webhook's HMAC-SHA256 secret (16 bytes or more)\n"
            "  -v, --verbose       debug logging\n\n"
            "Scaling out (see README, \"Scaling out\"):\n"
            "  --replication-port HOST:PORT  primary: publish the index to replicas with\n"
            "                      xapian-replicate-server on HOST:PORT\n"
            "  --replica-window S  primary: keep the store's changesets S seconds for replicas\n"
            "                      (default 3600); a replica further behind takes a snapshot\n"
            "  --replica-of URL    run as a read replica of the primary at http(s)://HOST:PORT:\n"
            "                      serve reads from local copies, send writes to the primary\n"
            "  --replica-ca FILE   PEM file of the CA that signed an https primary's certificate\n"
            "                      (default: the system's trusted CAs)\n"
            "  --primary-token FILE  an admin API token of the primary (to copy its store)\n"
            "  --replicate-from HOST:PORT  keep the index copy with xapian-replicate from the\n"
            "                      primary's --replication-port\n"
            "  --shard HOST:PORT   search a xapian-tcpsrv shard (public on PORT, internal on\n"
            "                      PORT+1); repeat for each shard\n");
}

static int parse_listen(const char *v, struct srv_opts *o)
{
    static char host[256];
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v) {
        fprintf(stderr, "kb-server: --listen needs HOST:PORT, not '%s'\n", v);
        return -1;
    }
    size_t n = (size_t)(colon - v);
    if (v[0] == '[' && n > 2 && v[n - 1] == ']') {
        v++;
        n -= 2;
    }
    if (n >= sizeof host) {
        fprintf(stderr, "kb-server: --listen host is too long\n");
        return -1;
    }
    memcpy(host, v, n);
    host[n] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || colon[1] == '\0') {
        fprintf(stderr, "kb-server: --listen port must be 0-65535, not '%s'\n", colon + 1);
        return -1;
    }
    o->listen_host = host;
    o->port = (unsigned)port;
    return 0;
}

static int parse_num(const char *opt, const char *v, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long n = v ? strtoul(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || n > max || v[0] == '-') {
        fprintf(stderr, "kb-server: %s needs a whole number from 0 to %lu, not '%s'\n", opt, max,
                v ? v : "");
        return -1;
    }
    *out = n;
    return 0;
}

int main(int argc, char **argv)
{
    static struct srv s;
    struct srv_opts *o = &s.opts;
    /* Everything the service writes (store, index, spool, copies) is for
     * its own user only, whatever umask it was started with. */
    umask(077);
    o->data = "data";
    o->listen_host = "127.0.0.1";
    o->port = 8080;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cores > 0 ? (unsigned)cores : 2;
    o->max_body = SRV_MAX_BODY_DEFAULT;
    o->web_dir = "web";
    o->idle_timeout = 30;
    o->search_cache_mb = 64;
    o->event_rate = 60;
    o->retention_days = -1;
    o->search_retention_days = -1;
    o->contact_retention_days = -1;
    o->contact_rate = 5;
    o->emerging_networks = -1;
    o->contact_net_rate = 30;
    o->contact_retry_ms = 2000;
    o->contact_attempts = 15;
    o->contact_wait_ms = 2000;
    o->rt_sync_interval = SRV_RT_SYNC_INTERVAL;
    o->repeat_unit_tickets = 3;
    o->repeat_unit_days = 90;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long n;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "user") == 0) {
            return srv_cli_user(o->data, argc - i, argv + i);
        } else if (strcmp(a, "backup") == 0) {
            return srv_cli_backup(o->data, argc - i, argv + i);
        } else if (strcmp(a, "customer") == 0) {
            return srv_cli_customer(o->data, argc - i, argv + i);
        } else if (strcmp(a, "restore") == 0) {
            return srv_cli_restore(o->data, argc - i, argv + i);
        } else if (strcmp(a, "--trust-proxy") == 0) {
            o->trust_proxy = 1;
        } else if (strcmp(a, "--secure-cookies") == 0) {
            o->secure_cookies = 1;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            kb_log_level = KB_LOG_DEBUG;
        } else if (!v) {
            fprintf(stderr, "kb-server: unknown option or missing value: '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (strcmp(a, "--data") == 0) {
            o->data = argv[++i];
        } else if (strcmp(a, "--listen") == 0) {
            if (parse_listen(argv[++i], o))
                return 2;
        } else if (strcmp(a, "--threads") == 0) {
            if (parse_num(a, argv[++i], 256, &n) || n == 0) {
                if (n == 0)
                    fprintf(stderr, "kb-server: --threads must be at least 1\n");
                return 2;
            }
            o->threads = (unsigned)n;
        } else if (strcmp(a, "--max-body") == 0) {
            if (parse_num(a, argv[++i], 1ul << 30, &n) || n < 1024) {
                if (n < 1024)
                    fprintf(stderr, "kb-server: --max-body must be at least 1024\n");
                return 2;
            }
            o->max_body = n;
        } else if (strcmp(a, "--rate-limit") == 0) {
            if (parse_num(a, argv[++i], 1000000, &n))
                return 2;
            o->rate_limit = (unsigned)n;
        } else if (strcmp(a, "--event-rate") == 0) {
            if (parse_num(a, argv[++i], 1000000, &n))
                return 2;
            o->event_rate = (unsigned)n;
        } else if (strcmp(a, "--learn-k") == 0) {
            if (parse_num(a, argv[++i], KB_LEARN_K_MAX, &n))
                return 2;
            if (n < 1) {
                fprintf(stderr, "kb-server: --learn-k must be from 1 to %d\n", KB_LEARN_K_MAX);
                return 2;
            }
            o->learn_k = (int)n;
        } else if (strcmp(a, "--repeat-unit-tickets") == 0 ||
                   strcmp(a, "--repeat-unit-days") == 0) {
            int days = strcmp(a, "--repeat-unit-days") == 0;
            unsigned long max = days ? 3650 : 1000;
            if (parse_num(a, argv[++i], max, &n))
                return 2;
            if (n < 1) {
                fprintf(stderr, "kb-server: %s must be from 1 to %lu\n", a, max);
                return 2;
            }
            if (days)
                o->repeat_unit_days = (unsigned)n;
            else
                o->repeat_unit_tickets = (unsigned)n;
        } else if (strcmp(a, "--idle-timeout") == 0) {
            if (parse_num(a, argv[++i], 86400, &n) || n == 0) {
                if (n == 0)
                    fprintf(stderr, "kb-server: --idle-timeout must be at least 1\n");
                return 2;
            }
            o->idle_timeout = (unsigned)n;
        } else if (strcmp(a, "--search-cache-mb") == 0) {
            if (parse_num(a, argv[++i], 1u << 20, &n))
                return 2;
            o->search_cache_mb = (unsigned)n;
        } else if (strcmp(a, "--emerging-networks") == 0) {
            if (parse_num(a, argv[++i], 1000, &n))
                return 2;
            o->emerging_networks = (int)n;
        } else if (strcmp(a, "--emerging-interval") == 0) {
            if (parse_num(a, argv[++i], 86400, &n) || n < 5) {
                if (n < 5)
                    fprintf(stderr, "kb-server: --emerging-interval must be at least 5\n");
                return 2;
            }
            o->emerging_interval = (unsigned)n;
        } else if (strcmp(a, "--rt-sync-interval") == 0) {
            if (parse_num(a, argv[++i], 86400 * 7, &n))
                return 2;
            o->rt_sync_interval = (unsigned)n;
        } else if (strcmp(a, "--rt-token-file") == 0) {
            o->rt_token_file = argv[++i];
        } else if (strcmp(a, "--alert-webhook") == 0) {
            o->alert_webhook = argv[++i];
        } else if (strcmp(a, "--alert-secret-file") == 0) {
            o->alert_secret_file = argv[++i];
        } else if (strcmp(a, "--contact-rate") == 0 || strcmp(a, "--contact-net-rate") == 0 ||
                   strcmp(a, "--contact-retry-ms") == 0 ||
                   strcmp(a, "--contact-attempts") == 0 ||
                   strcmp(a, "--contact-wait-ms") == 0) {
            if (parse_num(a, argv[++i], 86400000, &n))
                return 2;
            unsigned *to = !strcmp(a, "--contact-rate")       ? &o->contact_rate
                           : !strcmp(a, "--contact-net-rate") ? &o->contact_net_rate
                           : !strcmp(a, "--contact-retry-ms") ? &o->contact_retry_ms
                           : !strcmp(a, "--contact-attempts") ? &o->contact_attempts
                                                              : &o->contact_wait_ms;
            *to = (unsigned)n;
        } else if (strcmp(a, "--public-url") == 0) {
            o->public_url = argv[++i];
        } else if (strcmp(a, "--ticket-retention-days") == 0) {
            if (parse_num(a, argv[++i], KB_RETENTION_DAYS_MAX, &n))
                return 2;
            o->retention_days = (int)n;
        } else if (strcmp(a, "--contact-retention-days") == 0) {
            if (parse_num(a, argv[++i], KB_RETENTION_DAYS_MAX, &n))
                return 2;
            o->contact_retention_days = (int)n;
        } else if (strcmp(a, "--search-retention-days") == 0) {
            if (parse_num(a, argv[++i], KB_RETENTION_DAYS_MAX, &n))
                return 2;
            o->search_retention_days = (int)n;
        } else if (strcmp(a, "--backup-dir") == 0) {
            o->backup_dir = argv[++i];
        } else if (strcmp(a, "--tls-cert") == 0) {
            o->tls_cert = argv[++i];
        } else if (strcmp(a, "--tls-key") == 0) {
            o->tls_key = argv[++i];
        } else if (strcmp(a, "--web") == 0) {
            o->web_dir = argv[++i];
        } else if (strcmp(a, "--replica-of") == 0) {
            srv_scale.replica_of = argv[++i];
        } else if (strcmp(a, "--replica-ca") == 0) {
            srv_scale.replica_ca = argv[++i];
        } else if (strcmp(a, "--primary-token") == 0) {
            srv_scale.primary_token = argv[++i];
        } else if (strcmp(a, "--replicate-from") == 0) {
            srv_scale.replicate_from = argv[++i];
        } else if (strcmp(a, "--replica-window") == 0) {
            if (parse_num(a, argv[++i], 365L * 86400, &n) || n == 0) {
                if (n == 0)
                    fprintf(stderr, "kb-server: --replica-window must be at least 1\n");
                return 2;
            }
            srv_scale.replica_window = (long)n;
        } else if (strcmp(a, "--replication-port") == 0) {
            srv_scale.replication_on = argv[++i];
        } else if (strcmp(a, "--shard") == 0) {
            if (srv_scale_add_shard(argv[++i]) != 0)
                return 2;
        } else {
            fprintf(stderr, "kb-server: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!o->tls_cert != !o->tls_key) {
        fprintf(stderr, "kb-server: --tls-cert and --tls-key go together (HTTPS needs the "
                        "certificate and its private key)\n");
        return 2;
    }
    if (srv_scale_check() != 0)
        return 2;
    /* Before any thread: replicas, alerts and deliveries all call out. */
    kb_http_global_init();
    srv_scale_prepare();
    struct kb_err derr;
    if (kb_datadir_prepare(o->data, 1, &derr) != 0) {
        fprintf(stderr, "kb-server: %s\n", derr.msg);
        return 1;
    }
    kb_result_cache_configure((size_t)o->search_cache_mb << 20, 0);
    snprintf(s.store_path, sizeof s.store_path, "%s/kb.sqlite3", o->data);
    snprintf(s.index_dir, sizeof s.index_dir, "%s/index", o->data);
    s.started = time(NULL);
    s.metrics = srv_metrics_new();
    s.ratelimit = srv_ratelimit_new();
    s.contact_ratelimit = srv_ratelimit_new();
    s.event_ratelimit = srv_ratelimit_new();
    pthread_mutex_init(&s.ctx_mu, NULL);
    pthread_mutex_init(&s.sync_mu, NULL);
    pthread_cond_init(&s.sync_cv, NULL);

    /* Create the store (schema) and the index before serving; a replica's
     * come from its primary, and a shard reader's index from the shards. */
    struct kb_err err;
    struct kb_store *st = NULL;
    int readonly = srv_scale_readonly();
    if (srv_scale.replica_of) {
        /* nothing local to create */
    } else if (kb_store_open(s.store_path, &st, &err) != 0) {
        fprintf(stderr, "kb-server: %s\n", err.msg);
        return 1;
    } else if (kb_cap_keys_load(st, &s.caps, &err) != 0 ||
               (o->learn_k && !readonly && kb_learn_set_k(st, o->learn_k, &err) != 0) ||
               (o->retention_days >= 0 && !readonly &&
                kb_retention_set_days(st, o->retention_days, &err) != 0) ||
               (o->search_retention_days >= 0 && !readonly &&
                kb_search_retention_set_days(st, o->search_retention_days, &err) != 0) ||
               (o->contact_retention_days >= 0 && !readonly &&
                kb_contact_retention_set_days(st, o->contact_retention_days, &err) != 0)) {
        fprintf(stderr, "kb-server: %s\n", err.msg);
        kb_store_close(st);
        return 1;
    }
    kb_store_close(st);
    if (o->learn_k && readonly)
        kb_log(KB_LOG_WARN, "server: --learn-k is kept in the primary's store: set it there; "
               "ignored here");
    s.node = srv_scale.replica_of ? 1 : 0;
    struct kb_index *ix = NULL;
    int rc = readonly ? 0 : kb_index_open(s.index_dir, KB_INDEX_WRITE, &ix, &err);
    if (rc && rc != KB_EBUSY) {
        fprintf(stderr, "kb-server: %s\n", err.msg);
        return 1;
    }
    /* What the index already holds, so that /healthz reports the real
     * backlog (not every change ever made) until the first sync pass ends. */
    int64_t pub_seq = 0, int_seq = 0;
    if (ix && kb_index_last_seq(ix, KB_DB_PUBLIC, &pub_seq, NULL) == 0 &&
        kb_index_last_seq(ix, KB_DB_INTERNAL, &int_seq, NULL) == 0)
        atomic_store(&s.indexed_seq, pub_seq < int_seq ? pub_seq : int_seq);
    kb_index_close(ix);

    /* Signals are taken by sigwait in this thread only. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (srv_scale_start(&s, &err) != 0) {
        fprintf(stderr, "kb-server: %s\n", err.msg);
        srv_scale_stop();
        return 1;
    }
    /* Replicas and shard readers never write the index: no writer thread. */
    if (!readonly && srv_sync_start(&s) != 0) {
        fprintf(stderr, "kb-server: cannot start the index thread\n");
        srv_scale_stop();
        return 1;
    }
    if (!readonly && srv_search_log_start(&s, &err) != 0) {
        fprintf(stderr, "kb-server: %s\n", err.msg);
        srv_sync_stop(&s);
        srv_scale_stop();
        return 1;
    }
    struct srv_http *http = srv_http_start(&s, &err);
    if (!http) {
        fprintf(stderr, "kb-server: %s\n", err.msg);
        srv_search_log_stop();
        if (!readonly)
            srv_sync_stop(&s);
        srv_scale_stop();
        return 1;
    }
    const char *shown = strchr(o->listen_host, ':') ? "[%s]" : "%s";
    char hostbuf[300];
    snprintf(hostbuf, sizeof hostbuf, shown, o->listen_host);
    const char *scheme = o->tls_cert ? "https" : "http";
    printf("kb-server: listening on %s://%s:%u (%u threads, data %s)\n", scheme, hostbuf,
           srv_http_port(http), o->threads, o->data);
    fflush(stdout);
    kb_log(KB_LOG_INFO, "server: started on %s:%u", hostbuf, srv_http_port(http));
    if (o->public_url)
        snprintf(s.base_url, sizeof s.base_url, "%s", o->public_url);
    else
        snprintf(s.base_url, sizeof s.base_url, "%s://%s:%u", scheme, hostbuf,
                 srv_http_port(http));
    /* Emerging problems are judged where the index is written. */
    if (!readonly && srv_emerging_start(&s) != 0) {
        fprintf(stderr, "kb-server: cannot start the emerging-problems thread\n");
        srv_http_stop(http, 1000);
        srv_search_log_stop();
        srv_sync_stop(&s);
        srv_scale_stop();
        return 1;
    }
    /* Contact requests are delivered from the primary, which writes them. */
    if (!readonly && srv_contact_start(&s) != 0)
        fprintf(stderr, "kb-server: cannot start the contact delivery worker; contact requests "
                        "are stored and wait for the next start\n");
    /* Resolved tickets come in from RT where the store is written. */
    if (!readonly && srv_rt_sync_start(&s) != 0)
        fprintf(stderr, "kb-server: cannot start the Request Tracker sync; the log says why\n");

    int sig = 0;
    sigwait(&set, &sig);
    kb_log(KB_LOG_INFO, "server: %s: finishing in-flight requests", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    srv_http_stop(http, 10000);
    srv_emerging_stop(&s);
    srv_contact_stop(&s);
    srv_rt_sync_stop(&s);
    srv_search_log_stop();
    if (!readonly)
        srv_sync_stop(&s);
    srv_scale_stop();
    srv_ctx_free_all(&s);
    srv_brand_shutdown();
    srv_locales_shutdown();
    kb_log(KB_LOG_INFO, "server: stopped");
    return 0;
}
