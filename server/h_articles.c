/* Articles over HTTP: reading one (anyone, by audience and status) and the
 * writers' API: create, update, publish, unpublish, archive, list,
 * revisions, diff, revert and preview. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/store/articles.h"
#include "kb/ingest/ingest.h"
#include "review.h"
#include "srv.h"

#define TITLE_MAX 300     /* characters */
#define CATEGORY_MAX 100
#define SUMMARY_MAX 1000
#define TAGS_MAX 50
#define TAG_MAX 100
#define LOCALE_MAX 35
#define Q_MAX 200
#define PER_PAGE_DEFAULT 20
#define REVS_PER_PAGE_DEFAULT 50
#define DIFF_MAX_LINES 20000 /* lines of a diff answer; more is cut and marked */

/* ---- small helpers ---------------------------------------------------------- */

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* s without leading and trailing white space (caller frees). */
static char *trimmed(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return kb_xstrndup(s, n);
}

static const char *format_name(int format)
{
    return format == KB_FMT_HTML ? "html" : format == KB_FMT_MARKDOWN ? "markdown" : "text";
}

static const char *author_of(const struct srv_req *r)
{
    return r->who.username[0] ? r->who.username : NULL;
}

static size_t body_cap(const struct srv_ctx *c)
{
    return c->srv->opts.max_body ? c->srv->opts.max_body : SRV_MAX_BODY_DEFAULT;
}

/* The one answer for "no such article", also given for articles the caller
 * may not see, so the two cannot be told apart. */
static void not_found(struct srv_resp *w)
{
    srv_error(w, 404, "not_found", "not found");
}

static json_t *json_tags(const struct kb_doc *d)
{
    json_t *a = json_array();
    for (size_t i = 0; i < d->ntags; i++) {
        json_t *s = json_string(d->tags[i]);
        if (s)
            json_array_append_new(a, s);
    }
    return a;
}

/* The editable body of d and its format: articles imported without a
 * source (DocBook, Mallard) are edited as their HTML. */
static const char *edit_source(const struct kb_doc *d, int *format)
{
    if (d->source) {
        *format = d->format == KB_FMT_HTML || d->format == KB_FMT_MARKDOWN ? d->format
                                                                            : KB_FMT_MARKDOWN;
        return d->source;
    }
    *format = KB_FMT_HTML;
    return d->html ? d->html : "";
}

/* Fields every article answer shares. */
static void put_common(json_t *o, const struct kb_doc *d)
{
    char ref[32];
    snprintf(ref, sizeof ref, "KB-%lld", (long long)d->number);
    struct kb_buf url = KB_BUF_INIT;
    srv_article_path(&url, d->number, d->title);
    json_object_set_new(o, "id", srv_json_str(d->source_id));
    json_object_set_new(o, "number", json_integer(d->number));
    json_object_set_new(o, "ref", json_string(ref));
    json_object_set_new(o, "title", srv_json_str(d->title));
    json_object_set_new(o, "summary", srv_json_str(d->summary));
    json_object_set_new(o, "category", srv_json_str(d->category));
    json_object_set_new(o, "tags", json_tags(d));
    json_object_set_new(o, "locale", json_string(d->locale ? d->locale : "en"));
    json_object_set_new(o, "audience", json_string(kb_audience_name(d->audience)));
    json_object_set_new(o, "status", json_string(kb_status_name(d->status)));
    json_object_set_new(o, "updated", srv_json_time(d->updated));
    json_object_set_new(o, "url", json_string(kb_buf_str(&url)));
    kb_buf_release(&url);
}

/* The article as a reader sees it; writers also get the source, format,
 * current revision and creation time. */
static json_t *article_json(const struct kb_doc *d, int role, int64_t rev)
{
    json_t *o = json_object();
    put_common(o, d);
    /* Stored HTML was sanitised on the way in; sanitising again on the way
     * out keeps a damaged or hand-edited row from reaching a browser. */
    char *html = kb_html_sanitize(d->html ? d->html : "", d->html ? strlen(d->html) : 0);
    json_object_set_new(o, "html", srv_json_str(html));
    free(html);
    if (role >= KB_ROLE_WRITER) {
        int fmt;
        const char *src = edit_source(d, &fmt);
        json_object_set_new(o, "source", srv_json_str(src));
        json_object_set_new(o, "format", json_string(format_name(fmt)));
        json_object_set_new(o, "rev", json_integer(rev));
        json_object_set_new(o, "created", srv_json_time(d->created));
        json_object_set_new(o, "product", srv_json_str(d->product));
    }
    return o;
}

/* Whether role may read d at all. */
static int visible(int role, const struct kb_doc *d)
{
    if (role >= KB_ROLE_WRITER)
        return 1;
    if (d->status != KB_STATUS_PUBLISHED)
        return 0;
    return role >= KB_ROLE_AGENT || d->audience == KB_AUD_PUBLIC;
}

/* Loads the article r->param[0] names into d. Returns 0, or -1 with w
 * filled (404 for anything that is not an article). */
static int load(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w,
                struct kb_doc *d)
{
    struct kb_err err = {0, ""};
    const char *ref = r->nparams > 0 ? r->param[0] : NULL;
    int kind = -1;
    int64_t number = 0;
    kb_doc_init(d);
    if (!ref || !*ref) {
        not_found(w);
        return -1;
    }
    int rc = kb_store_find(c->st, ref, &kind, &number, &err);
    if (rc == 0 && kind != KB_KIND_ARTICLE)
        rc = KB_ENOTFOUND;
    if (rc == 0)
        rc = kb_store_get(c->st, KB_KIND_ARTICLE, number, d, &err);
    if (rc == KB_ENOTFOUND || rc == KB_EINVAL) {
        not_found(w);
        return -1;
    }
    if (rc) {
        srv_kb_error(w, &err);
        return -1;
    }
    return 0;
}

static int64_t current_rev(struct srv_ctx *c, int64_t number)
{
    int64_t rev = 0;
    kb_article_current_rev(c->st, number, &rev, NULL);
    return rev;
}

/* Answers with the stored article as a writer sees it, plus extra (taken). */
static void reply_article(struct srv_ctx *c, struct srv_resp *w, int status, int64_t number,
                          json_t *extra)
{
    struct kb_doc d;
    struct kb_err err = {0, ""};
    if (kb_store_get(c->st, KB_KIND_ARTICLE, number, &d, &err) != 0) {
        json_decref(extra);
        srv_kb_error(w, &err);
        return;
    }
    json_t *o = article_json(&d, KB_ROLE_WRITER, current_rev(c, number));
    srv_review_annotate(c, o, number, KB_ROLE_WRITER);
    if (extra)
        json_object_update(o, extra);
    json_decref(extra);
    kb_doc_release(&d);
    srv_json(w, status, o);
}

/* ---- reading ------------------------------------------------------------------ */

static void h_get(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct kb_doc d;
    if (load(c, r, w, &d))
        return;
    if (!visible(r->who.role, &d)) {
        kb_doc_release(&d);
        not_found(w);
        return;
    }
    int64_t rev = r->who.role >= KB_ROLE_WRITER ? current_rev(c, d.number) : 0;
    json_t *o = article_json(&d, r->who.role, rev);
    srv_review_annotate(c, o, d.number, r->who.role);
    srv_json(w, 200, o);
    kb_doc_release(&d);
}

/* ---- the edit body -------------------------------------------------------------- */

static const char *const edit_keys[] = {"title", "body", "format", "audience", "category",
                                        "tags", "locale", "summary", "owner", "verify_by",
                                        NULL};

static int bad_field(struct srv_resp *w, const char *key, const char *why)
{
    srv_error(w, 400, "bad_field", "field '%s' %s", key, why);
    return -1;
}

/* "en", "fr", "pt-BR", "zh-Hant-TW": 2-3 letters, then 2-8 letter or digit
 * subtags after hyphens. */
static int locale_ok(const char *s)
{
    size_t n = strlen(s), i = 0;
    if (n == 0 || n > LOCALE_MAX)
        return 0;
    while (i < n && isalpha((unsigned char)s[i]))
        i++;
    if (i < 2 || i > 3)
        return 0;
    while (i < n) {
        if (s[i] != '-')
            return 0;
        size_t j = ++i;
        while (i < n && isalnum((unsigned char)s[i]))
            i++;
        if (i - j < 2 || i - j > 8)
            return 0;
    }
    return 1;
}

static int parse_format(json_t *o, const char *key, int *out, struct srv_resp *w)
{
    const char *v = NULL;
    if (srv_get_str(o, key, 0, 16, &v, w))
        return -1;
    if (!v)
        return 0;
    if (strcmp(v, "markdown") == 0)
        *out = KB_FMT_MARKDOWN;
    else if (strcmp(v, "html") == 0)
        *out = KB_FMT_HTML;
    else
        return bad_field(w, key, "must be \"markdown\" or \"html\"");
    return 0;
}

/* A one-line text field of at most max characters; "" clears it (*out gets
 * NULL) unless required. *set tells whether the field was given. */
static int parse_line(json_t *o, const char *key, int required, size_t max, char **out,
                      int *set, struct srv_resp *w)
{
    const char *v = NULL;
    *set = 0;
    if (srv_get_str(o, key, required, max * 4, &v, w))
        return -1;
    if (!v)
        return 0;
    char *t = trimmed(v);
    char msg[64];
    if (has_control(t)) {
        free(t);
        return bad_field(w, key, "must be one line without control characters");
    }
    if (utf8_chars(t) > max) {
        free(t);
        snprintf(msg, sizeof msg, "is longer than %zu characters", max);
        return bad_field(w, key, msg);
    }
    if (!*t && required) {
        free(t);
        return bad_field(w, key, "must not be empty");
    }
    if (!*t) {
        free(t);
        t = NULL;
    }
    *out = t;
    *set = 1;
    return 0;
}

static int parse_tags(json_t *o, struct kb_doc *d, struct srv_resp *w)
{
    json_t *a = json_object_get(o, "tags");
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return bad_field(w, "tags", "must be an array of strings");
    if (json_array_size(a) > TAGS_MAX) {
        char msg[64];
        snprintf(msg, sizeof msg, "has more than %d tags", TAGS_MAX);
        return bad_field(w, "tags", msg);
    }
    struct kb_doc tmp;
    kb_doc_init(&tmp);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        const char *why = NULL;
        char *t = NULL;
        if (!json_is_string(v))
            why = "is not a string";
        else if (memchr(json_string_value(v), 0, json_string_length(v)))
            why = "contains a NUL character";
        else {
            t = trimmed(json_string_value(v));
            if (!*t)
                why = "is empty";
            else if (has_control(t))
                why = "contains control characters";
            else if (utf8_chars(t) > TAG_MAX)
                why = "is longer than 100 characters";
        }
        if (why) {
            free(t);
            kb_doc_release(&tmp);
            srv_error(w, 400, "bad_field", "field 'tags' item %zu %s", i + 1, why);
            return -1;
        }
        kb_doc_add_tag(&tmp, t);
        free(t);
    }
    for (size_t k = 0; k < d->ntags; k++)
        free(d->tags[k]);
    free(d->tags);
    d->tags = tmp.tags;
    d->ntags = tmp.ntags;
    return 0;
}

/* Applies the fields of o to d after checking every one (400 naming the
 * first bad one). The body is re-rendered when body or format is given. */
static int parse_edit(struct srv_ctx *c, json_t *o, int create, struct kb_doc *d,
                      struct kb_san_report *rep, struct srv_resp *w)
{
    const char *body = NULL, *aud = NULL, *loc = NULL;
    char *title = NULL, *category = NULL, *summary = NULL;
    int format = -1, set_title = 0, set_cat = 0, set_sum = 0, rc = -1;

    if (srv_check_keys(o, edit_keys, w) ||
        parse_line(o, "title", create, TITLE_MAX, &title, &set_title, w) ||
        srv_get_str(o, "body", 0, body_cap(c), &body, w) ||
        parse_format(o, "format", &format, w) ||
        srv_get_str(o, "audience", 0, 16, &aud, w) ||
        parse_line(o, "category", 0, CATEGORY_MAX, &category, &set_cat, w) ||
        parse_line(o, "summary", 0, SUMMARY_MAX, &summary, &set_sum, w) ||
        srv_get_str(o, "locale", 0, LOCALE_MAX, &loc, w))
        goto out;
    if (set_title && !title) {
        bad_field(w, "title", "must not be empty");
        goto out;
    }
    int audience = d->audience;
    if (aud) {
        audience = kb_audience_parse(aud);
        if (audience < 0) {
            bad_field(w, "audience", "must be \"public\" or \"internal\"");
            goto out;
        }
    }
    if (loc && !locale_ok(loc)) {
        bad_field(w, "locale", "must be a language tag like \"en\", \"fr\" or \"pt-BR\"");
        goto out;
    }
    if (parse_tags(o, d, w))
        goto out;

    d->audience = audience;
    if (loc)
        kb_doc_set(&d->locale, loc);
    if (set_title) {
        free(d->title);
        d->title = title;
        title = NULL;
    }
    if (set_cat) {
        free(d->category);
        d->category = category;
        category = NULL;
    }
    if (set_sum) {
        free(d->summary);
        d->summary = summary;
        summary = NULL;
    }
    if (body || format >= 0 || create) {
        int cur_fmt = KB_FMT_MARKDOWN;
        const char *src = create ? "" : edit_source(d, &cur_fmt);
        if (body)
            src = body;
        if (format < 0)
            format = cur_fmt;
        char *s = NULL, *h = NULL, *t = NULL;
        kb_article_render_report(format, src, strlen(src), &s, &h, &t, rep);
        free(d->source);
        free(d->html);
        free(d->text);
        d->source = s;
        d->html = h;
        d->text = t;
        d->format = format;
    }
    rc = 0;
out:
    free(title);
    free(category);
    free(summary);
    return rc;
}

/* ---- writes ---------------------------------------------------------------------- */

static void h_create(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    struct kb_doc d;
    struct kb_err err = {0, ""};
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.audience = KB_AUD_PUBLIC;
    d.status = KB_STATUS_DRAFT;
    d.format = KB_FMT_MARKDOWN;
    kb_doc_set(&d.locale, "en");
    int64_t number = 0;
    struct srv_review_meta meta;
    struct kb_san_report rep = {.n = 0};
    if (parse_edit(c, o, 1, &d, &rep, w) == 0 && srv_review_meta_parse(c, o, 0, &meta, w) == 0) {
        if (!meta.owner || !*meta.owner) { /* the creator owns it unless told otherwise */
            meta.set_owner = 1;
            meta.owner = author_of(r);
        }
        if (kb_article_create(c->st, &d, author_of(r), &number, &err) != 0) {
            srv_kb_error(w, &err);
        } else if (srv_review_meta_apply(c, number, &meta, w) == 0) {
            srv_changed(c->srv);
            char loc[64];
            snprintf(loc, sizeof loc, "/api/v1/articles/KB-%lld", (long long)number);
            srv_header_add(w, "Location", loc);
            reply_article(c, w, 201, number,
                          json_pack("{s:o}", "removed", srv_removed_json(&rep)));
        }
    }
    kb_doc_release(&d);
    json_decref(o);
}

static void h_update(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    struct kb_doc d;
    struct kb_err err = {0, ""};
    struct srv_review_meta meta;
    struct kb_san_report rep = {.n = 0};
    json_t *review = NULL;
    int dv = 0;
    if (load(c, r, w, &d) == 0 && parse_edit(c, o, 0, &d, &rep, w) == 0 &&
        srv_review_meta_parse(c, o, d.number, &meta, w) == 0 &&
        srv_review_meta_apply(c, d.number, &meta, w) == 0) {
        int changed = 0;
        /* Review (h_review.c): a published public article's change waits. */
        if ((dv = srv_review_divert(c, r, d.number, &d, &review, &err)) > 0) {
            json_t *a = article_json(&d, KB_ROLE_WRITER, current_rev(c, d.number));
            srv_review_annotate(c, a, d.number, KB_ROLE_WRITER);
            json_object_update(a, review);
            json_decref(review);
            json_object_set_new(a, "removed", srv_removed_json(&rep));
            srv_json(w, 202, a);
        } else if (dv < 0 ||
                   kb_article_update(c->st, d.number, &d, author_of(r), &changed, &err) != 0 ||
                   (changed && srv_review_follow(c, r, d.number, &err) != 0)) {
            srv_kb_error(w, &err);
        } else {
            if (changed)
                srv_changed(c->srv);
            reply_article(c, w, 200, d.number, json_pack("{s:b, s:o}", "changed", changed,
                                                         "removed", srv_removed_json(&rep)));
        }
    }
    kb_doc_release(&d);
    json_decref(o);
}

static void set_status(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w,
                       int status)
{
    struct kb_doc d;
    struct kb_err err = {0, ""};
    if (load(c, r, w, &d))
        return;
    int was = d.status, dv = 0;
    json_t *review = NULL;
    /* Review (h_review.c): publishing a reviewed article is a request;
     * unpublishing or archiving withdraws what waits. */
    if (status == KB_STATUS_PUBLISHED)
        dv = srv_review_publish(c, r, &d, &review, &err);
    else
        dv = srv_review_withdraw(c, r, d.number, status, &err);
    if (dv > 0) {
        reply_article(c, w, 202, d.number, review);
    } else if (dv < 0 || kb_store_set_status(c->st, d.number, status, &err) != 0) {
        srv_kb_error(w, &err);
    } else {
        if (was != status)
            srv_changed(c->srv);
        reply_article(c, w, 200, d.number, json_pack("{s:b}", "changed", was != status));
    }
    kb_doc_release(&d);
}

static void h_publish(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    set_status(c, r, w, KB_STATUS_PUBLISHED);
}

static void h_unpublish(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    set_status(c, r, w, KB_STATUS_DRAFT);
}

static void h_archive(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    set_status(c, r, w, KB_STATUS_ARCHIVED);
}

static void h_revert(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"rev", NULL};
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    struct kb_doc d;
    struct kb_err err = {0, ""};
    int64_t rev = 0;
    kb_doc_init(&d);
    if (srv_check_keys(o, keys, w) == 0 && srv_get_int(o, "rev", 1, 1, INT64_MAX, &rev, w) == 0 &&
        load(c, r, w, &d) == 0) {
        int changed = 0, dv = 0;
        json_t *review = NULL;
        struct kb_revision v;
        /* Review (h_review.c): reverting a reviewed article waits as well. */
        int rc = kb_article_revision(c->st, d.number, rev, &v, &err);
        if (rc == 0) {
            v.doc.status = d.status;
            dv = srv_review_divert(c, r, d.number, &v.doc, &review, &err);
            rc = dv < 0 ? -1 : 0;
            if (dv > 0) {
                json_t *a = article_json(&v.doc, KB_ROLE_WRITER, current_rev(c, d.number));
                srv_review_annotate(c, a, d.number, KB_ROLE_WRITER);
                json_object_update(a, review);
                json_decref(review);
                srv_json(w, 202, a);
            }
        }
        kb_revision_release(&v);
        if (rc == 0 && dv == 0)
            rc = kb_article_revert(c->st, d.number, rev, author_of(r), &changed, &err);
        if (rc == 0 && dv == 0 && changed && srv_review_follow(c, r, d.number, &err) != 0)
            rc = -1;
        if (dv > 0) {
            /* answered: in review */
        } else if (rc == KB_ENOTFOUND) {
            srv_error(w, 404, "not_found", "KB-%lld has no revision %lld", (long long)d.number,
                      (long long)rev);
        } else if (rc) {
            srv_kb_error(w, &err);
        } else {
            if (changed)
                srv_changed(c->srv);
            reply_article(c, w, 200, d.number,
                          json_pack("{s:b, s:I}", "changed", changed, "reverted_to",
                                    (json_int_t)rev));
        }
    }
    kb_doc_release(&d);
    json_decref(o);
}

static void h_preview(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"body", "format", NULL};
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    const char *body = "";
    int format = KB_FMT_MARKDOWN;
    if (srv_check_keys(o, keys, w) == 0 && srv_get_str(o, "body", 0, body_cap(c), &body, w) == 0 &&
        parse_format(o, "format", &format, w) == 0) {
        char *html = NULL;
        struct kb_san_report rep;
        kb_article_render_report(format, body, strlen(body), NULL, &html, NULL, &rep);
        srv_json(w, 200, json_pack("{s:s, s:s, s:o}", "html", html ? html : "", "format",
                                   format_name(format), "removed", srv_removed_json(&rep)));
        free(html);
    }
    json_decref(o);
}

/* ---- lists, revisions, diff -------------------------------------------------------- */

/* An enumerated query parameter: -1 when absent or "any"/"all". */
static int arg_enum(const struct srv_req *r, const char *name, int (*parse)(const char *),
                    const char *allowed, int *out, struct srv_resp *w)
{
    const char *v = srv_arg(r, name);
    *out = -1;
    if (!v || !*v || strcmp(v, "any") == 0 || strcmp(v, "all") == 0)
        return 0;
    *out = parse(v);
    if (*out < 0) {
        srv_error(w, 400, "bad_parameter", "parameter '%s' must be one of %s", name, allowed);
        return -1;
    }
    return 0;
}

/* An optional short text parameter; "" counts as absent. */
static int arg_text(const struct srv_req *r, const char *name, size_t max, const char **out,
                    struct srv_resp *w)
{
    const char *v = srv_arg(r, name);
    *out = v && *v ? v : NULL;
    if (*out && utf8_chars(*out) > max) {
        srv_error(w, 400, "bad_parameter", "parameter '%s' is longer than %zu characters", name,
                  max);
        return -1;
    }
    return 0;
}

static void h_list(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct kb_article_filter f;
    long page = 1, per = PER_PAGE_DEFAULT;
    char today[11];
    const char *verify_before = NULL;
    int in_review = 0;
    memset(&f, 0, sizeof f);
    if (arg_enum(r, "status", kb_status_parse, "published, draft, archived, any", &f.status, w) ||
        arg_enum(r, "audience", kb_audience_parse, "public, internal, any", &f.audience, w) ||
        arg_text(r, "category", CATEGORY_MAX, &f.category, w) ||
        arg_text(r, "locale", LOCALE_MAX, &f.locale, w) ||
        arg_text(r, "q", Q_MAX, &f.q, w) ||
        srv_arg_int(r, "page", 1, 1, 1000000, &page, w) ||
        srv_arg_int(r, "per_page", PER_PAGE_DEFAULT, 1, KB_ARTICLE_LIST_MAX, &per, w) ||
        srv_review_list_args(r, today, &verify_before, &in_review, w))
        return;
    f.offset = (int64_t)(page - 1) * per;
    f.limit = per;
    struct kb_doc *docs = NULL;
    size_t n = 0;
    int64_t total = 0;
    struct kb_err err = {0, ""};
    if (kb_article_list_review(c->st, &f, verify_before, in_review, &docs, &n, &total,
                               &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        put_common(o, &docs[i]);
        json_object_set_new(o, "created", srv_json_time(docs[i].created));
        srv_review_list_fields(c, o, docs[i].number);
        json_array_append_new(a, o);
    }
    kb_article_list_free(docs, n);
    srv_json(w, 200, json_pack("{s:I, s:i, s:i, s:b, s:o}", "total", (json_int_t)total,
                               "page", (int)page, "per_page", (int)per, "more",
                               (int64_t)(page * per) < total, "articles", a));
}

static void h_revisions(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    long page = 1, per = REVS_PER_PAGE_DEFAULT;
    if (srv_arg_int(r, "page", 1, 1, 1000000, &page, w) ||
        srv_arg_int(r, "per_page", REVS_PER_PAGE_DEFAULT, 1, KB_ARTICLE_LIST_MAX, &per, w))
        return;
    struct kb_doc d;
    if (load(c, r, w, &d))
        return;
    struct kb_revision *revs = NULL;
    size_t n = 0;
    int64_t total = 0;
    struct kb_err err = {0, ""};
    if (kb_article_revisions(c->st, d.number, (int64_t)(page - 1) * per, per, &revs, &n, &total,
                             &err) != 0) {
        srv_kb_error(w, &err);
        kb_doc_release(&d);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct kb_revision *v = &revs[i];
        json_t *o = json_object();
        json_object_set_new(o, "rev", json_integer(v->rev));
        json_object_set_new(o, "title", srv_json_str(v->doc.title));
        json_object_set_new(o, "author", srv_json_str(v->author));
        json_object_set_new(o, "created", srv_json_time(v->created));
        json_object_set_new(o, "status", json_string(kb_status_name(v->doc.status)));
        json_object_set_new(o, "audience", json_string(kb_audience_name(v->doc.audience)));
        json_object_set_new(o, "locale", srv_json_str(v->doc.locale));
        json_object_set_new(o, "format", json_string(format_name(v->doc.format)));
        json_object_set_new(o, "size", json_integer((json_int_t)v->source_len));
        json_array_append_new(a, o);
    }
    kb_revisions_free(revs, n);
    char ref[32];
    snprintf(ref, sizeof ref, "KB-%lld", (long long)d.number);
    srv_json(w, 200, json_pack("{s:s, s:I, s:s, s:I, s:I, s:i, s:i, s:o}", "id", d.source_id,
                               "number", (json_int_t)d.number, "ref", ref, "current_rev",
                               (json_int_t)current_rev(c, d.number), "total", (json_int_t)total,
                               "page", (int)page, "per_page", (int)per, "revisions", a));
    kb_doc_release(&d);
}

/* A revision number from text: 1.., or -1. */
static int64_t parse_rev(const char *s)
{
    if (!s || !*s || strlen(s) > 18)
        return -1;
    int64_t n = 0;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        n = n * 10 + (*s - '0');
    }
    return n;
}

static void h_revision(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    int64_t rev = parse_rev(r->nparams > 1 ? r->param[1] : NULL);
    if (rev < 1) {
        srv_error(w, 400, "bad_parameter", "revision must be a whole number from 1");
        return;
    }
    struct kb_doc d;
    if (load(c, r, w, &d))
        return;
    struct kb_revision v;
    struct kb_err err = {0, ""};
    int rc = kb_article_revision(c->st, d.number, rev, &v, &err);
    if (rc == KB_ENOTFOUND) {
        srv_error(w, 404, "not_found", "KB-%lld has no revision %lld", (long long)d.number,
                  (long long)rev);
    } else if (rc) {
        srv_kb_error(w, &err);
    } else {
        /* The revision's content under the article's identity. */
        kb_doc_set(&v.doc.source_id, d.source_id);
        v.doc.created = d.created;
        json_t *o = article_json(&v.doc, KB_ROLE_WRITER, v.rev);
        json_object_set_new(o, "author", srv_json_str(v.author));
        json_object_set_new(o, "current_rev", json_integer(current_rev(c, d.number)));
        srv_json(w, 200, o);
    }
    kb_revision_release(&v);
    kb_doc_release(&d);
}

/* The body source of revision rev (0: the empty text before the first). */
static int rev_source(struct srv_ctx *c, int64_t number, int64_t rev, char **out,
                      struct srv_resp *w)
{
    *out = NULL;
    if (rev == 0) {
        *out = kb_xstrdup("");
        return 0;
    }
    struct kb_revision v;
    struct kb_err err = {0, ""};
    int rc = kb_article_revision(c->st, number, rev, &v, &err);
    if (rc == KB_ENOTFOUND)
        srv_error(w, 404, "not_found", "KB-%lld has no revision %lld", (long long)number,
                  (long long)rev);
    else if (rc)
        srv_kb_error(w, &err);
    else {
        int fmt;
        *out = kb_xstrdup(edit_source(&v.doc, &fmt));
    }
    kb_revision_release(&v);
    return rc ? -1 : 0;
}

static void h_diff(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct kb_doc d;
    if (load(c, r, w, &d))
        return;
    int64_t cur = current_rev(c, d.number);
    long to = 0, from = 0;
    char *a = NULL, *b = NULL;
    if (srv_arg_int(r, "to", cur, 1, INT32_MAX, &to, w) ||
        srv_arg_int(r, "from", to > 1 ? to - 1 : 0, 0, INT32_MAX, &from, w) ||
        rev_source(c, d.number, from, &a, w) || rev_source(c, d.number, to, &b, w))
        goto out;
    struct kb_diff_line *lines = NULL;
    size_t n = 0;
    int approx = 0;
    kb_line_diff(a, b, 0, &lines, &n, &approx);
    json_t *arr = json_array();
    size_t added = 0, removed = 0;
    for (size_t i = 0; i < n; i++) {
        added += lines[i].op == '+';
        removed += lines[i].op == '-';
        if (i >= DIFF_MAX_LINES)
            continue;
        char op[2] = {lines[i].op, '\0'};
        json_t *t = json_stringn(lines[i].text, lines[i].len);
        json_array_append_new(arr, json_pack("{s:s, s:o}", "op", op, "text",
                                             t ? t : json_string("")));
    }
    free(lines);
    srv_json(w, 200, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:o}", "id",
                               d.source_id, "number", (json_int_t)d.number, "from",
                               (json_int_t)from, "to", (json_int_t)to, "added",
                               (json_int_t)added, "removed", (json_int_t)removed,
                               "approximate", approx, "truncated", n > DIFF_MAX_LINES,
                               "diff", arr));
out:
    free(a);
    free(b);
    kb_doc_release(&d);
}

const struct srv_route srv_routes_articles[] = {
    {"GET", "/api/v1/articles", h_list, KB_ROLE_WRITER, 0,
     "list articles (status, audience, category, locale, q, needs_check, in_review, page, "
     "per_page)"},
    {"POST", "/api/v1/articles", h_create, KB_ROLE_WRITER, 0, "create a draft article"},
    {"POST", "/api/v1/preview", h_preview, KB_ROLE_WRITER, 0,
     "render a Markdown or HTML body as a published article would be"},
    {"GET", "/api/v1/articles/{ref}", h_get, KB_ROLE_CUSTOMER, SRV_PUBLIC_CORS,
     "one article by number (1042, KB-1042) or source id"},
    {"PUT", "/api/v1/articles/{ref}", h_update, KB_ROLE_WRITER, 0,
     "update an article (a new revision)"},
    {"POST", "/api/v1/articles/{ref}/publish", h_publish, KB_ROLE_WRITER, 0,
     "publish an article (202 and a publish request another writer approves when review "
     "covers it)"},
    {"POST", "/api/v1/articles/{ref}/unpublish", h_unpublish, KB_ROLE_WRITER, 0,
     "take an article back to draft"},
    {"POST", "/api/v1/articles/{ref}/archive", h_archive, KB_ROLE_WRITER, 0,
     "archive an article"},
    {"POST", "/api/v1/articles/{ref}/revert", h_revert, KB_ROLE_WRITER, 0,
     "make an earlier revision current again"},
    {"GET", "/api/v1/articles/{ref}/revisions", h_revisions, KB_ROLE_WRITER, 0,
     "an article's revisions, newest first"},
    {"GET", "/api/v1/articles/{ref}/revisions/{rev}", h_revision, KB_ROLE_WRITER, 0,
     "one revision of an article"},
    {"GET", "/api/v1/articles/{ref}/diff", h_diff, KB_ROLE_WRITER, 0,
     "line diff of the body between two revisions (from, to)"},
    /* Source ids with slashes ("articles/router/reset"): read only. */
    {"GET", "/api/v1/articles/*", h_get, KB_ROLE_CUSTOMER, SRV_PUBLIC_CORS,
     "one article by a source id containing slashes"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
