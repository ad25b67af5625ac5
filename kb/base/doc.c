/* The document struct: life cycle, copying, content hash. */
#include "kb/base/doc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <time.h>

#include "kb/base/err.h"

void kb_doc_init(struct kb_doc *d)
{
    memset(d, 0, sizeof *d);
}

#define STR_FIELDS(X) X(source_id) X(source_path) X(locale) X(title) X(summary) \
    X(text) X(html) X(source) X(category) X(product) X(description) X(resolution) \
    X(customer) X(unit) X(team) X(linked_article) X(asked_as) X(asked_public) X(topic) X(category_parent) \
    X(category_name) X(category_parent_name)

void kb_doc_release(struct kb_doc *d)
{
#define FREE_F(f) free(d->f);
    STR_FIELDS(FREE_F)
#undef FREE_F
    for (size_t i = 0; i < d->ntags; i++)
        free(d->tags[i]);
    free(d->tags);
    kb_doc_init(d);
}

void kb_doc_set(char **field, const char *s)
{
    char *copy = kb_xstrdup(s);
    free(*field);
    *field = copy;
}

void kb_doc_add_tag(struct kb_doc *d, const char *tag)
{
    if (!tag || !*tag)
        return;
    for (size_t i = 0; i < d->ntags; i++)
        if (strcmp(d->tags[i], tag) == 0)
            return;
    d->tags = kb_xrealloc(d->tags, (d->ntags + 1) * sizeof *d->tags);
    d->tags[d->ntags++] = kb_xstrdup(tag);
}

void kb_doc_copy(struct kb_doc *dst, const struct kb_doc *src)
{
    *dst = *src;
#define COPY_F(f) dst->f = kb_xstrdup(src->f);
    STR_FIELDS(COPY_F)
#undef COPY_F
    dst->tags = NULL;
    dst->ntags = 0;
    for (size_t i = 0; i < src->ntags; i++)
        kb_doc_add_tag(dst, src->tags[i]);
}

static void hash_str(crypto_generichash_state *st, const char *s)
{
    /* Length-prefixed so ("ab","c") and ("a","bc") differ. */
    size_t n = s ? strlen(s) : (size_t)-1;
    crypto_generichash_update(st, (const unsigned char *)&n, sizeof n);
    if (s)
        crypto_generichash_update(st, (const unsigned char *)s, strlen(s));
}

static void hash_int(crypto_generichash_state *st, int64_t v)
{
    crypto_generichash_update(st, (const unsigned char *)&v, sizeof v);
}

void kb_doc_hash(const struct kb_doc *d, char out[65])
{
    crypto_generichash_state st;
    unsigned char h[32];
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    hash_int(&st, d->kind);
    hash_int(&st, d->audience);
    hash_int(&st, d->status);
    hash_int(&st, d->format);
    hash_int(&st, d->created);
    hash_int(&st, d->updated);
    hash_int(&st, d->resolved);
#define HASH_F(f) hash_str(&st, d->f);
    STR_FIELDS(HASH_F)
#undef HASH_F
    hash_int(&st, (int64_t)d->ntags);
    for (size_t i = 0; i < d->ntags; i++)
        hash_str(&st, d->tags[i]);
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, 65, h, sizeof h);
}

const char *kb_kind_name(int kind)
{
    return kind == KB_KIND_TICKET ? "ticket" : "article";
}

const char *kb_audience_name(int audience)
{
    return audience == KB_AUD_INTERNAL ? "internal" : "public";
}

const char *kb_status_name(int status)
{
    switch (status) {
    case KB_STATUS_DRAFT: return "draft";
    case KB_STATUS_ARCHIVED: return "archived";
    default: return "published";
    }
}

int kb_audience_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "public") == 0)
        return KB_AUD_PUBLIC;
    if (strcmp(s, "internal") == 0)
        return KB_AUD_INTERNAL;
    return -1;
}

int kb_status_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "published") == 0)
        return KB_STATUS_PUBLISHED;
    if (strcmp(s, "draft") == 0)
        return KB_STATUS_DRAFT;
    if (strcmp(s, "archived") == 0)
        return KB_STATUS_ARCHIVED;
    return -1;
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int kb_time_parse(const char *s, int64_t *out)
{
    if (!s || !*s)
        return KB_EINVAL;
    const char *p = s;
    int all_digits = 1;
    for (const char *q = s; *q; q++)
        if (!isdigit((unsigned char)*q))
            all_digits = 0;
    if (all_digits && strlen(s) != 8) {
        /* Unix seconds up to the end of year 9999: callers step through
         * ranges a day at a time, and INT64_MAX would overflow them. */
        if (strlen(s) > 12)
            return KB_EINVAL;
        int64_t v = strtoll(s, NULL, 10);
        if (v > KB_TIME_MAX)
            return KB_EINVAL;
        *out = v;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d))
        return KB_EINVAL;
    int64_t off = 0;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            return KB_EINVAL;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec))
                return KB_EINVAL;
        }
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p); p++)
                ;
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1, oh, om = 0;
            p++;
            if (digits(&p, 2, &oh))
                return KB_EINVAL;
            if (*p == ':')
                p++;
            if (*p && digits(&p, 2, &om))
                return KB_EINVAL;
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return KB_EINVAL;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm) - off;
    return 0;
}
