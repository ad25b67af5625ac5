/* The result cache (see result_cache.h): a chained hash table of entries
 * on a least-recently-used list, under one mutex. The lock is held for a
 * lookup and a copy (microseconds), never while searching. */
#include "kb/search/result_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/base/err.h"

/* An index as one kind of request reads it (the first line of a state and
 * how many databases follow), and the newest state seen of it. */
struct scope {
    struct scope *next;
    char *name;
    char *version;
};

struct entry {
    struct entry *next_in_bucket;
    struct scope *scope;
    struct entry *newer, *older; /* LRU list */
    uint64_t hash;
    char *key;
    size_t keylen;
    struct kb_result *res;
    size_t bytes;
    double born;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry **buckets;
static size_t nbuckets; /* a power of two, or 0 */
static struct entry *newest, *oldest;
static uint64_t n_entries, n_bytes, hits, misses;
static size_t max_bytes;
static double ttl = 60;
static struct scope *scopes;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t hash_key(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t str_bytes(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

/* What an entry costs: its strings and arrays, and a fixed overhead for
 * the allocator's headers. */
static size_t result_bytes(const struct kb_result *r)
{
    size_t n = sizeof *r + sizeof(struct entry) + 64 + str_bytes(r->corrected);
    for (size_t i = 0; i < r->nhits; i++) {
        const struct kb_hit *h = &r->hits[i];
        n += sizeof *h + 6 * 16 + str_bytes(h->source_id) + str_bytes(h->title) +
             str_bytes(h->summary) + str_bytes(h->snippet) + str_bytes(h->category) +
             str_bytes(h->locale);
    }
    for (size_t i = 0; i < r->nfacets; i++)
        n += sizeof r->facets[i] + 16 + str_bytes(r->facets[i].value);
    return n;
}

struct kb_result *kb_result_dup(const struct kb_result *r)
{
    struct kb_result *c = kb_xcalloc(1, sizeof *c);
    c->total = r->total;
    c->total_exact = r->total_exact;
    c->more = r->more;
    c->facets_estimated = r->facets_estimated;
    c->corrected = kb_xstrdup(r->corrected);
    c->hits = kb_xcalloc(r->nhits ? r->nhits : 1, sizeof *c->hits);
    c->nhits = r->nhits;
    for (size_t i = 0; i < r->nhits; i++) {
        const struct kb_hit *h = &r->hits[i];
        struct kb_hit *d = &c->hits[i];
        *d = *h;
        d->source_id = kb_xstrdup(h->source_id);
        d->title = kb_xstrdup(h->title);
        d->summary = kb_xstrdup(h->summary);
        d->snippet = kb_xstrdup(h->snippet);
        d->category = kb_xstrdup(h->category);
        d->locale = kb_xstrdup(h->locale);
    }
    c->facets = kb_xcalloc(r->nfacets ? r->nfacets : 1, sizeof *c->facets);
    c->nfacets = r->nfacets;
    for (size_t i = 0; i < r->nfacets; i++) {
        c->facets[i].value = kb_xstrdup(r->facets[i].value);
        c->facets[i].count = r->facets[i].count;
    }
    return c;
}

static void lru_unlink(struct entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        oldest = e->newer;
    e->newer = e->older = NULL;
}

static void lru_push(struct entry *e)
{
    e->older = newest;
    e->newer = NULL;
    if (newest)
        newest->newer = e;
    newest = e;
    if (!oldest)
        oldest = e;
}

/* Unlinks e from its bucket and the list and frees it. */
static void drop(struct entry *e)
{
    struct entry **p = &buckets[e->hash & (nbuckets - 1)];
    while (*p != e)
        p = &(*p)->next_in_bucket;
    *p = e->next_in_bucket;
    lru_unlink(e);
    n_entries--;
    n_bytes -= e->bytes;
    kb_result_free(e->res);
    free(e->key);
    free(e);
}

static struct entry *find(const char *key, size_t keylen, uint64_t h)
{
    if (!nbuckets)
        return NULL;
    for (struct entry *e = buckets[h & (nbuckets - 1)]; e; e = e->next_in_bucket)
        if (e->hash == h && e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
            return e;
    return NULL;
}

static void grow(void)
{
    size_t nb = nbuckets ? nbuckets * 2 : 1024;
    struct entry **b = kb_xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < nbuckets; i++) {
        struct entry *e = buckets[i];
        while (e) {
            struct entry *next = e->next_in_bucket;
            e->next_in_bucket = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
            e = next;
        }
    }
    free(buckets);
    buckets = b;
    nbuckets = nb;
}

/* The scope a state belongs to ("NAME\nN"), and where its version (the
 * database lines) starts. */
static char *scope_name(const char *state, const char **version)
{
    const char *nl = strchr(state, '\n');
    size_t n = nl ? (size_t)(nl - state) : strlen(state);
    *version = nl ? nl + 1 : "";
    size_t dbs = 0;
    for (const char *p = *version; *p; p++)
        dbs += *p == '\n';
    char *name = kb_xmalloc(n + 24);
    memcpy(name, state, n);
    snprintf(name + n, 24, "\n%zu", dbs + (**version != '\0'));
    return name;
}

/* Compares two versions line by line ("UUID:REV"): 1 if a is newer (a
 * database was replaced, or one moved on and none went back), -1 if a is
 * older anywhere, 0 if equal. */
static int version_cmp(const char *a, const char *b)
{
    int newer = 0;
    while (*a || *b) {
        const char *ca = strchr(a, ':'), *cb = strchr(b, ':');
        if (!ca || !cb || ca - a != cb - b || memcmp(a, b, (size_t)(ca - a)) != 0)
            return 1; /* another database under the same name: a rebuild */
        char *ea, *eb;
        unsigned long long ra = strtoull(ca + 1, &ea, 10), rb = strtoull(cb + 1, &eb, 10);
        if (ra < rb)
            return -1;
        newer |= ra > rb;
        a = *ea ? ea + 1 : ea;
        b = *eb ? eb + 1 : eb;
    }
    return newer;
}

/* Drops every entry of s (a newer state of its index was seen). */
static void purge(struct scope *s)
{
    struct entry *e = oldest;
    while (e) {
        struct entry *next = e->newer;
        if (e->scope == s)
            drop(e);
        e = next;
    }
}

/* The scope of state, made current: 1 if state is its newest (entries of
 * older states dropped), 0 if state is older than one already seen. */
static int scope_at(const char *state, struct scope **out)
{
    const char *version;
    char *name = scope_name(state, &version);
    struct scope *s = scopes;
    while (s && strcmp(s->name, name) != 0)
        s = s->next;
    if (!s) {
        s = kb_xcalloc(1, sizeof *s);
        s->name = name;
        s->version = kb_xstrdup(version);
        s->next = scopes;
        scopes = s;
        *out = s;
        return 1;
    }
    free(name);
    *out = s;
    int c = version_cmp(version, s->version);
    if (c < 0)
        return 0;
    if (c > 0) {
        purge(s);
        free(s->version);
        s->version = kb_xstrdup(version);
    }
    return 1;
}

void kb_result_cache_configure(size_t bytes, unsigned ttl_s)
{
    pthread_mutex_lock(&mu);
    max_bytes = bytes;
    ttl = ttl_s ? ttl_s : 60;
    while (oldest && (n_bytes > max_bytes || max_bytes == 0))
        drop(oldest);
    if (max_bytes == 0) {
        free(buckets);
        buckets = NULL;
        nbuckets = 0;
        while (scopes) {
            struct scope *next = scopes->next;
            free(scopes->name);
            free(scopes->version);
            free(scopes);
            scopes = next;
        }
    }
    pthread_mutex_unlock(&mu);
}

int kb_result_cache_on(void)
{
    pthread_mutex_lock(&mu);
    int on = max_bytes > 0;
    pthread_mutex_unlock(&mu);
    return on;
}

void kb_result_cache_stats(struct kb_result_cache_stats *s)
{
    pthread_mutex_lock(&mu);
    s->hits = hits;
    s->misses = misses;
    s->entries = n_entries;
    s->bytes = n_bytes;
    s->max_bytes = max_bytes;
    pthread_mutex_unlock(&mu);
}

struct kb_result *kb_result_cache_get(const char *key, size_t keylen, const char *state)
{
    uint64_t h = hash_key(key, keylen);
    struct kb_result *out = NULL;
    struct scope *sc;
    pthread_mutex_lock(&mu);
    if (max_bytes) {
        struct entry *e = scope_at(state, &sc) ? find(key, keylen, h) : NULL;
        if (e && now_s() - e->born > ttl) {
            drop(e);
            e = NULL;
        }
        if (e) {
            lru_unlink(e);
            lru_push(e);
            out = kb_result_dup(e->res);
            hits++;
        } else {
            misses++;
        }
    }
    pthread_mutex_unlock(&mu);
    return out;
}

void kb_result_cache_put(const char *key, size_t keylen, const char *state,
                         const struct kb_result *res)
{
    /* Copied outside the lock: the copy is the slow part. */
    if (!kb_result_cache_on())
        return;
    struct entry *e = kb_xcalloc(1, sizeof *e);
    e->hash = hash_key(key, keylen);
    e->key = kb_xmalloc(keylen);
    memcpy(e->key, key, keylen);
    e->keylen = keylen;
    e->res = kb_result_dup(res);
    e->bytes = result_bytes(res) + keylen;
    e->born = now_s();
    pthread_mutex_lock(&mu);
    /* Off again, one entry too big, or read from an older state than one
     * already seen (no handle will ask for it once it reopens). */
    if (!max_bytes || e->bytes > max_bytes / 4 || !scope_at(state, &e->scope)) {
        pthread_mutex_unlock(&mu);
        kb_result_free(e->res);
        free(e->key);
        free(e);
        return;
    }
    struct entry *old = find(key, keylen, e->hash);
    if (old)
        drop(old);
    if (n_entries + 1 > nbuckets)
        grow();
    struct entry **b = &buckets[e->hash & (nbuckets - 1)];
    e->next_in_bucket = *b;
    *b = e;
    lru_push(e);
    n_entries++;
    n_bytes += e->bytes;
    while (n_bytes > max_bytes && oldest && oldest != e)
        drop(oldest);
    pthread_mutex_unlock(&mu);
}
