/* kb-server internals shared by the HTTP core and the handlers. A handler
 * fills a struct srv_resp from a const struct srv_req and never sees
 * libmicrohttpd: only http_mhd.c does. */
#ifndef KB_SRV_H
#define KB_SRV_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kb/base/buf.h"
#include "kb/store/capability.h"
#include "kb/index/index.h"
#include "kb/search/search.h"
#include "kb/store/store.h"

#define SRV_MAX_BODY_DEFAULT (1024 * 1024) /* 413 past it */
#define SRV_UPLOAD_MAX ((size_t)2 * 1024 * 1024) /* an SRV_UPLOAD route's body (KB_MEDIA_MAX) */
#define SRV_MAX_PARAMS 4

/* Who is asking. Anonymous requests are customers with user_id 0. */
struct srv_who {
    int role;           /* enum kb_role */
    int64_t user_id;    /* 0 for anonymous customers */
    char username[65];
    int via_cookie;     /* authenticated by session cookie (CSRF checks apply) */
    int via_token;      /* authenticated by bearer API token */
};

struct srv_opts {
    const char *data;
    const char *listen_host;
    unsigned port;
    unsigned threads;
    size_t max_body;
    unsigned rate_limit;   /* search requests per client address per second; 0 = off */
    int trust_proxy;       /* client address from X-Forwarded-For */
    int secure_cookies;    /* add Secure to cookies (behind HTTPS) */
    const char *web_dir;   /* static files, default ./web */
    const char *public_url;/* absolute base for canonical links and sitemap, or NULL */
    unsigned idle_timeout; /* seconds before an idle or slow connection is closed */
    unsigned search_cache_mb; /* result cache for search and typeahead; 0 = off */
    unsigned event_rate;   /* events and votes per visitor per minute; 0 = off */
    int learn_k;           /* --learn-k: set the store's k at start; 0 = leave it */
    const char *backup_dir; /* --backup-dir: where the admin API writes backups; NULL = DATA/backups */
    int retention_days;     /* --ticket-retention-days: set the store's at start; -1 = leave it */
    int search_retention_days; /* --search-retention-days: likewise */
    int contact_retention_days; /* --contact-retention-days: likewise */
    unsigned emerging_interval; /* seconds between emerging-problem cycles (0 = 300) */
    int emerging_networks;      /* networks a wave of searches needs (-1 = the default 3;
                                   0 = visitors only, no network rule) */
    const char *alert_webhook;  /* URL new emerging problems are POSTed to, or NULL */
    const char *alert_secret_file; /* the webhook's HMAC secret */
    unsigned contact_rate;      /* contact requests per visitor per hour; 0 = off */
    unsigned contact_net_rate;  /* contact requests per network per hour; 0 = off */
    unsigned contact_retry_ms;  /* first retry of a failed delivery; doubles each time */
    unsigned contact_attempts;  /* tries before a delivery is marked failed; 0 = forever */
    unsigned contact_wait_ms;   /* how long the form waits for a ticket number */
    unsigned rt_sync_interval;  /* seconds between RT sync runs; 0 = on demand only */
    const char *rt_token_file;  /* --rt-token-file: the RT token, over the stored one */
    const char *tls_cert;       /* --tls-cert: PEM certificate (chain) to serve HTTPS, or NULL */
    const char *tls_key;        /* --tls-key: its PEM private key */
    unsigned repeat_unit_tickets; /* a unit with this many tickets ... */
    unsigned repeat_unit_days;    /* ... in this many days is flagged in the agent console */
};

/* Process-wide state. */
struct srv {
    struct srv_opts opts;
    char store_path[4096];
    char index_dir[4096];
    /* The index writer lives in the sync thread; readers reopen when gen moves. */
    atomic_uint_fast64_t index_gen;
    atomic_uint_fast64_t topics_gen; /* bumped by the topics API: threads reload their copy */
    atomic_int_fast64_t indexed_seq; /* last outbox seq applied to the index */
    pthread_mutex_t sync_mu;
    pthread_cond_t sync_cv;
    int sync_wake;
    atomic_int stopping;
    pthread_t sync_thread;
    struct srv_metrics *metrics;
    struct srv_ratelimit *ratelimit;
    time_t started;
    /* Every worker thread's handles (ctx.c), closed at exit. */
    pthread_mutex_t ctx_mu;
    struct srv_ctx *ctxs[256];
    size_t nctxs;
    struct srv_ratelimit *event_ratelimit; /* --event-rate, per visitor */
    struct kb_cap_keys caps; /* from the store's install secret (a replica's copy has it too) */
    uint32_t node;           /* in search ids: 0 on a primary, 1 on a replica */
    _Atomic(struct srv_emerging *) emerging; /* the detection thread (emerging.h), or NULL */
    char base_url[512];      /* --public-url, or the listening address: links in alerts */
    _Atomic(struct srv_contact *) contact; /* the delivery worker (contact.h), or NULL */
    struct srv_ratelimit *contact_ratelimit; /* --contact-rate, --contact-net-rate */
};

/* Per-thread handles, created on a thread's first request. */
struct srv_ctx {
    struct srv *srv;
    struct kb_store *st;
    struct kb_index *ix;    /* read-only; NULL until the index exists */
    uint64_t ix_gen;
    time_t ix_checked;      /* last reopen */
    struct kb_topic *topics; /* srv_topics' copy (h_topics.c), at most a second old */
    size_t ntopics;
    int64_t topics_ms;       /* when it was read (monotonic ms); 0 = never */
    uint64_t topics_gen;
};

/* One name and value of a request: a header, a cookie or a query argument
 * (decoded). Borrowed for the request. */
struct srv_kv {
    const char *name, *value;
};

struct srv_req {
    const char *method;
    const char *path;       /* decoded, without the query string */
    const char *body;       /* NUL-terminated; "" when none */
    size_t body_len;
    const char *client;     /* client address as text */
    const char *param[SRV_MAX_PARAMS]; /* {captures} from the route pattern, in order */
    int nparams;
    struct srv_who who;
    const struct srv_kv *args;    /* query arguments in order (srv_arg) */
    size_t nargs;
    const struct srv_kv *headers; /* request headers (srv_header) */
    size_t nheaders;
    const struct srv_kv *cookies; /* cookies (srv_cookie) */
    size_t ncookies;
    int fd;                 /* the connection's socket (srv_local_base); -1 for none */
    /* Who this is, for the learning rules and rate limits (visitor.c). */
    char visitor[KB_VISITOR_LEN + 1]; /* a signed visitor id this install issued, or "" */
    char ident[KB_VISITOR_LEN + 72];  /* visitor, or "addr:" + client when there is none */
    char ident_hash[33];              /* kb_cap_hash of ident */
    char net_hash[33];                /* kb_cap_hash of the client's network */
    int visitor_issued;               /* visitor was made for this request: send it back */
};

#define SRV_RESP_HEADERS_MAX 24

/* An answer as data: status, type, body, and extra headers kept as pairs
 * until the HTTP adapter hands them to libmicrohttpd. */
struct srv_resp {
    int status;
    const char *type;       /* content type; default application/json */
    struct kb_buf body;
    struct {
        char *name, *value; /* owned */
    } hdr[SRV_RESP_HEADERS_MAX];
    size_t nhdr;
    const char *route;      /* pattern that matched, for metrics */
};

typedef void (*srv_handler)(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w);

/* Route flags. */
enum {
    SRV_PUBLIC_CORS = 1, /* callable from other origins (the widget): ACAO * */
    SRV_NO_CSRF = 2,     /* state-changing but exempt from the Origin check (login) */
    SRV_RATED = 4,       /* counted by --rate-limit */
    SRV_RAW_BODY = 8,    /* body is not JSON (JSONL imports): skip the JSON check */
    SRV_EVENT = 16,      /* an event or vote: counted by --event-rate per visitor */
    SRV_REPLICATION = 32, /* what a primary serves its replicas: not on a replica or shard
                            reader (404 there), not in the OpenAPI description */
    SRV_UPLOAD = 64      /* an image upload: its body may be up to SRV_UPLOAD_MAX whatever
                            --max-body says */
};

struct srv_route {
    const char *method;   /* "GET", "POST", "PUT", "DELETE" */
    const char *pattern;  /* "/api/v1/articles/{id}/publish"; a final "*" matches the rest */
    srv_handler fn;
    int min_role;         /* KB_ROLE_CUSTOMER = anyone; else at least this role */
    int flags;
    const char *summary;  /* optional one line for the OpenAPI description */
};

/* Each handler file defines its table, ended by a {NULL} entry. */
extern const struct srv_route srv_routes_search[];   /* h_search.c: search, suggest, deflect, assist */
extern const struct srv_route srv_routes_articles[]; /* h_articles.c: read + writer API */
extern const struct srv_route srv_routes_auth[];     /* h_auth.c: login, logout, users, tokens */
extern const struct srv_route srv_routes_tickets[];  /* h_tickets.c: import, previous cases */
extern const struct srv_route srv_routes_events[];   /* h_events.c: events, feedback, synonyms */
extern const struct srv_route srv_routes_analytics[]; /* h_analytics.c: the admins' reports, CSV */
extern const struct srv_route srv_routes_pages[];    /* h_pages.c: HTML pages, sitemap, opensearch, static */
extern const struct srv_route srv_routes_meta[];     /* h_meta.c: healthz, metrics, openapi */
extern const struct srv_route srv_routes_staff[];    /* h_staff.c: staff pages, ticket -> draft */
extern const struct srv_route srv_routes_emerging[]; /* h_emerging.c: emerging problems */
extern const struct srv_route srv_routes_scale[];    /* scale/primary.c: store copies, replicas' searches */
extern const struct srv_route srv_routes_backup[];   /* h_backup.c: the admin API's online backup */
extern const struct srv_route srv_routes_customers[]; /* h_customers.c: a customer's data: export, erase */
extern const struct srv_route srv_routes_contact[];  /* h_contact.c: the contact form */
extern const struct srv_route srv_routes_brand[];   /* h_brand.c: brand, logo, brand.css (before pages: /static/brand.css) */
extern const struct srv_route srv_routes_popular[]; /* h_popular.c: popular articles, views, pins */
extern const struct srv_route srv_routes_contact_admin[]; /* h_contact_admin.c: destinations, requests */
extern const struct srv_route srv_routes_rt[];       /* h_rt.c: RT sync settings, a run, RT tickets */
extern const struct srv_route srv_routes_topics[]; /* h_topics.c: categories and sections */
extern const struct srv_route srv_routes_media[];  /* h_media.c: imported images */
extern const struct srv_route srv_routes_review[]; /* h_review.c: changes in review (before articles) */
extern const struct srv_route srv_routes_upload[]; /* h_upload.c: the editor's image upload */
struct kb_san_report;
/* What sanitising removed as a JSON array of {"what", "count"} (h_upload.c). */
json_t *srv_removed_json(const struct kb_san_report *rep);

/* ---- request helpers (request.c) ---- */
/* A query-string argument, decoded; NULL when absent. Borrowed for the request. */
const char *srv_arg(const struct srv_req *r, const char *name);
/* A request header (case-insensitive name); NULL when absent. */
const char *srv_header(const struct srv_req *r, const char *name);
/* A cookie's value; NULL when absent. */
const char *srv_cookie(const struct srv_req *r, const char *name);
/* Appends the value of field name of r's form-encoded body to out
 * (decoded); returns 1 when present, 0 when absent, -1 when it decodes to
 * something with a NUL. */
int srv_form_get(const struct srv_req *r, const char *name, struct kb_buf *out);

/* ---- response helpers (srv_util.c) ---- */
/* Sets status and a JSON body; takes ownership of j. */
void srv_json(struct srv_resp *w, int status, json_t *j);
/* Sets an error: {"error":{"code":code,"message":...}}. code is a short
 * machine word ("bad_request", "not_found", "forbidden", ...). */
void srv_error(struct srv_resp *w, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps a KB_E* error to a status and error body; 5xx detail is logged, not sent. */
void srv_kb_error(struct srv_resp *w, const struct kb_err *err);
/* Adds a header to the answer (dropped when it could inject a line, or
 * past SRV_RESP_HEADERS_MAX). */
void srv_header_add(struct srv_resp *w, const char *name, const char *value);
/* An empty answer: 200, no type, no body, no headers. */
void srv_resp_init(struct srv_resp *w);
/* Frees the body and headers. */
void srv_resp_release(struct srv_resp *w);
/* Drops the extra headers only. */
void srv_resp_clear_headers(struct srv_resp *w);
/* Sets an HTML body (takes the buffer's contents). */
void srv_html(struct srv_resp *w, int status, struct kb_buf *html);
/* Unix seconds as "2024-03-01T10:20:30Z" (UTC); null for 0 or less. */
json_t *srv_json_time(int64_t t);
/* s as a JSON string; null for NULL (or text jansson refuses). */
json_t *srv_json_str(const char *s);

/* Parses the body as a JSON object. On failure fills w with a 400 naming the
 * problem and returns NULL. Caller decrefs the result. */
json_t *srv_body_object(const struct srv_req *r, struct srv_resp *w);
/* Field getters that check types. Each returns 0, or fills w with a 400
 * naming the field and returns -1. Absent optional fields leave *out alone. */
int srv_get_str(json_t *obj, const char *key, int required, size_t max_len, const char **out,
                struct srv_resp *w);
int srv_get_bool(json_t *obj, const char *key, int required, int *out, struct srv_resp *w);
int srv_get_int(json_t *obj, const char *key, int required, int64_t min, int64_t max,
                int64_t *out, struct srv_resp *w);
/* Rejects keys not in the NULL-terminated allowed list (400 naming the key). */
int srv_check_keys(json_t *obj, const char *const *allowed, struct srv_resp *w);
/* Parses a query-string integer in [min,max] with a default; 400 on junk. */
int srv_arg_int(const struct srv_req *r, const char *name, long def, long min, long max,
                long *out, struct srv_resp *w);

/* ---- per-thread handles (ctx.c) ---- */
/* The calling worker thread's handles, made on its first request: its
 * store (a replica moves to the newest store copy between requests).
 * NULL, with a 503 in w, when the store cannot be opened. */
struct srv_ctx *srv_thread_ctx(struct srv *s, struct srv_resp *w);
/* Closes every thread's store and index handles (after the last request). */
void srv_ctx_free_all(struct srv *s);
/* The per-thread read index, reopened if the sync thread committed since.
 * NULL (and a 503 in w) when there is no index. */
struct kb_index *srv_index(struct srv_ctx *c, struct srv_resp *w);
/* Tells the sync thread the store has new outbox rows. */
void srv_changed(struct srv *s);
/* Waits up to ms for the index to include everything this thread's store
 * handle has written so far; returns 1 when it does. */
int srv_wait_indexed(struct srv_ctx *c, int ms);

/* The article's public URL path "/kb/1042-reset-your-router" into b. */
void srv_article_path(struct kb_buf *b, int64_t number, const char *title);
/* Hit -> JSON object (id, number, title, url, snippet, category, kind,
 * audience, score, locale). */
json_t *srv_hit_json(const struct kb_hit *h);

/* ---- visitors and search ids (visitor.c, search_id.c) ---- */
#define SRV_VISITOR_COOKIE "kb_visitor"
#define SRV_VISITOR_HEADER "X-KB-Visitor"
/* Fills r's visitor, ident, ident_hash and net_hash from the X-KB-Visitor
 * header or the kb_visitor cookie (believed only when signed here). With
 * issue set and no valid id, makes a new visitor id for r (visitor_issued). */
void srv_visitor_resolve(struct srv *s, struct srv_req *r, int issue);
/* When r's visitor was issued for it and w is no error: the Set-Cookie and
 * X-KB-Visitor headers that hand it to the client. */
void srv_visitor_headers(const struct srv *s, const struct srv_req *r, struct srv_resp *w);
/* The search_id a search answer carries: the capability string for search
 * number id, issued to r's role and ident; JSON null when id is 0. New
 * reference for the caller. */
json_t *srv_sid_json(struct srv_ctx *c, const struct srv_req *r, int64_t id);
/* The same into out ("" when id is 0). */
void srv_sid_text(struct srv_ctx *c, const struct srv_req *r, int64_t id,
                  char out[KB_SID_LEN + 1]);
/* Reads the optional "search_id" of obj. A string is decoded against r's
 * role and ident: *id gets the search number when this server issued it
 * (0 when forged, altered or another node's), *bound whether it was issued
 * to r. Returns 0, or fills w with a 400 naming the field (an integer, or
 * another type) and returns -1. */
int srv_sid_get(struct srv_ctx *c, const struct srv_req *r, json_t *obj, int64_t *id,
                int *bound, struct srv_resp *w);
/* Decodes text as above (NULL or "" = none). */
void srv_sid_decode(struct srv_ctx *c, const struct srv_req *r, const char *text, int64_t *id,
                    int *bound);

/* ---- auth (auth_resolve.c; the routes are h_auth.c) ---- */
/* Resolves the session cookie or bearer token of r into who (anonymous:
 * customer, user_id 0). Returns 0, or -1 when a credential was presented but
 * is invalid or expired (the core answers 401). */
int srv_auth_resolve(struct srv_ctx *c, const struct srv_req *r, struct srv_who *who);
/* `kb-server --data DIR user ...` (cli_user.c). Returns the exit status. */
int srv_cli_user(const char *data, int argc, char **argv);
/* `kb-server --data DIR backup OUTDIR` (cli_store.c): an online backup of
 * DIR's store. Returns the exit status. */
int srv_cli_backup(const char *data, int argc, char **argv);
/* `kb-server restore BACKUPDIR --data NEWDIR` (cli_store.c): the store back
 * from a backup, the index rebuilt from it. Returns the exit status. */
int srv_cli_restore(const char *data, int argc, char **argv);
/* `kb-server --data DIR customer export|erase ID`, `customer retention
 * [DAYS]` and `customer search-retention [DAYS]` (cli_customer.c). Returns
 * the exit status. */
int srv_cli_customer(const char *data, int argc, char **argv);

/* ---- metrics (srv_metrics.c) ---- */
/* Request counters and latency histograms per route (struct srv's). */
struct srv_metrics *srv_metrics_new(void);
void srv_metrics_free(struct srv_metrics *m);
void srv_metrics_observe(struct srv *s, const char *route, const char *method, int status,
                         double seconds);
void srv_metrics_render(struct srv *s, struct kb_buf *out);

/* Percent-encodes s into b, keeping unreserved characters and those in keep. */
void srv_url_encode(struct kb_buf *b, const char *s, const char *keep);
/* The request target (path and query, encoded) as received; for forwarding. */
void srv_req_target(const struct srv_req *r, struct kb_buf *out);
/* Appends "http://ADDR:PORT", the local address and port the request's
 * connection reached (the server's own, never from a request header). */
void srv_local_base(const struct srv_req *r, struct kb_buf *out);
/* A hash of the store's synonym table (0 when it cannot be read): changes
 * when an admin adds or removes a synonym. */
uint64_t srv_synonyms_signature(struct kb_store *st);

#endif
