/* Review before customers see a change (issue 20 part 3): the list of
 * changes in review, one pending change with its diff against the live
 * article, approve (never by one of its editors) and reject, the admin's
 * setting, and the hooks the article handlers call (review.h). Customers
 * never reach any of it: the pending content is read here, for writers only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/ingest/ingest.h"
#include "kb/store/articles.h"
#include "kb/store/auth.h"
#include "kb/store/review.h"
#include "review.h"
#include "srv.h"

#define OWNER_MAX 64
#define DIFF_MAX_LINES 20000
#define LIST_PER_PAGE 50

static json_t *editors_json(const struct kb_pending *p)
{
    json_t *a = json_array();
    for (size_t i = 0; i < p->nedit; i++)
        json_array_append_new(a, json_string(p->editors[i]));
    return a;
}

static const char *username(const struct srv_req *r)
{
    return r->who.username[0] ? r->who.username : NULL;
}

/* The body a writer edits (as h_articles.c's edit_source). */
static const char *edit_body(const struct kb_doc *d)
{
    return d->source ? d->source : d->html ? d->html : "";
}

static const char *format_name(int format)
{
    return format == KB_FMT_HTML ? "html" : format == KB_FMT_MARKDOWN ? "markdown" : "text";
}

/* ---- hooks for the article handlers --------------------------------------------- */

int srv_review_meta_parse(struct srv_ctx *c, json_t *o, int64_t number,
                          struct srv_review_meta *m, struct srv_resp *w)
{
    memset(m, 0, sizeof *m);
    if (json_object_get(o, "owner") && !json_is_null(json_object_get(o, "owner"))) {
        if (srv_get_str(o, "owner", 0, OWNER_MAX, &m->owner, w))
            return -1;
        m->set_owner = 1;
        char *was = NULL, vb[11];
        if (number > 0)
            kb_article_owner_get(c->st, number, &was, vb, NULL);
        int same = was && strcmp(was, m->owner) == 0; /* kept as it is: no check */
        free(was);
        if (*m->owner && !same) {
            struct kb_auth_user u;
            struct kb_err err = {0, ""};
            if (kb_auth_user_get(c->st, m->owner, &u, &err) != 0 || u.role < KB_ROLE_WRITER) {
                srv_error(w, 400, "bad_field", "field 'owner' must be the username of a writer "
                          "or admin ('%.64s' is not one)", m->owner);
                return -1;
            }
        }
    } else if (json_is_null(json_object_get(o, "owner"))) {
        m->set_owner = 1;
    }
    if (json_object_get(o, "verify_by") && !json_is_null(json_object_get(o, "verify_by"))) {
        if (srv_get_str(o, "verify_by", 0, 10, &m->verify_by, w))
            return -1;
        if (*m->verify_by && !kb_review_date_ok(m->verify_by)) {
            srv_error(w, 400, "bad_field", "field 'verify_by' must be a date written "
                      "YYYY-MM-DD, e.g. \"2027-06-30\"");
            return -1;
        }
        m->set_verify = 1;
    } else if (json_is_null(json_object_get(o, "verify_by"))) {
        m->set_verify = 1;
    }
    return 0;
}

int srv_review_meta_apply(struct srv_ctx *c, int64_t number, const struct srv_review_meta *m,
                          struct srv_resp *w)
{
    struct kb_err err = {0, ""};
    if (!m->set_owner && !m->set_verify)
        return 0;
    if (kb_article_owner_set(c->st, number, m->set_owner, m->owner, m->set_verify, m->verify_by,
                             &err) != 0) {
        srv_kb_error(w, &err);
        return -1;
    }
    return 0;
}

static json_t *review_json(const struct kb_pending *p, int64_t current_rev)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:b}", "state", "in_review", "kind",
                     p->publish ? "publish" : "edit", "author", srv_json_str(p->author),
                     "editors", editors_json(p), "created", srv_json_time(p->created), "updated",
                     srv_json_time(p->updated), "base_rev", (json_int_t)p->base_rev, "stale",
                     !p->publish && p->base_rev != current_rev);
}

static int same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Whether d changes nothing a reader of old sees (an owner or verify-by
 * change alone is not reviewed). */
static int same_content(const struct kb_doc *old, const struct kb_doc *d)
{
    if (!same_str(old->title, d->title) || !same_str(old->summary, d->summary) ||
        !same_str(old->text, d->text) || !same_str(old->html, d->html) ||
        !same_str(old->source, d->source) || !same_str(old->category, d->category) ||
        !same_str(old->product, d->product) ||
        !same_str(old->locale ? old->locale : "en", d->locale ? d->locale : "en") ||
        old->format != d->format || old->audience != d->audience || old->ntags != d->ntags)
        return 0;
    for (size_t i = 0; i < d->ntags; i++)
        if (!same_str(old->tags[i], d->tags[i]))
            return 0;
    return 1;
}

int srv_review_divert(struct srv_ctx *c, const struct srv_req *r, int64_t number,
                      const struct kb_doc *d, json_t **extra, struct kb_err *err)
{
    struct kb_doc old;
    int covered = 0, code, replaced = 0;
    *extra = NULL;
    if ((code = kb_store_get(c->st, KB_KIND_ARTICLE, number, &old, err)) != 0)
        return -1;
    /* Covered as it is (customers see it) or as the change would make it
     * (turning an internal article public, moving it into a flagged topic). */
    struct kb_doc as_new = *d; /* shallow, read only */
    as_new.status = old.status;
    code = kb_review_covers(c->st, &old, &covered, err);
    if (code == 0 && !covered)
        code = kb_review_covers(c->st, &as_new, &covered, err);
    int pending = 0;
    if (code == 0 && covered && same_content(&old, d))
        code = kb_review_pending(c->st, number, &pending, err);
    int unchanged = covered && same_content(&old, d) && !pending;
    kb_doc_release(&old);
    if (code)
        return -1;
    if (!covered || unchanged) /* nothing to review: the update finds no change */
        return 0;
    if (kb_review_submit(c->st, number, d, username(r), &replaced, err) != 0)
        return -1;
    struct kb_pending p;
    int64_t rev = 0;
    kb_article_current_rev(c->st, number, &rev, NULL);
    if (kb_review_get(c->st, number, &p, err) != 0)
        return -1;
    *extra = json_pack("{s:b, s:b, s:b, s:o}", "changed", 0, "in_review", 1, "replaced",
                       replaced, "review", review_json(&p, rev));
    kb_pending_release(&p);
    return 1;
}

int srv_review_publish(struct srv_ctx *c, const struct srv_req *r, const struct kb_doc *d,
                       json_t **extra, struct kb_err *err)
{
    *extra = NULL;
    if (d->status == KB_STATUS_PUBLISHED)
        return 0;
    struct kb_doc as_live = *d; /* shallow, read only */
    as_live.status = KB_STATUS_PUBLISHED;
    int covered = 0, replaced = 0;
    if (kb_review_covers(c->st, &as_live, &covered, err) != 0)
        return -1;
    if (!covered)
        return 0;
    if (kb_review_request_publish(c->st, d->number, username(r), &replaced, err) != 0)
        return -1;
    struct kb_pending p;
    int64_t rev = 0;
    kb_article_current_rev(c->st, d->number, &rev, NULL);
    if (kb_review_get(c->st, d->number, &p, err) != 0)
        return -1;
    *extra = json_pack("{s:b, s:b, s:b, s:o}", "changed", 0, "in_review", 1, "replaced",
                       replaced, "review", review_json(&p, rev));
    kb_pending_release(&p);
    return 1;
}

int srv_review_follow(struct srv_ctx *c, const struct srv_req *r, int64_t number,
                      struct kb_err *err)
{
    struct kb_pending p;
    int rc = kb_review_get(c->st, number, &p, err);
    if (rc == KB_ENOTFOUND)
        return 0;
    if (rc)
        return -1;
    int publish = p.publish;
    kb_pending_release(&p);
    if (!publish)
        return 0;
    return kb_review_request_publish(c->st, number, username(r), NULL, err) != 0 ? -1 : 0;
}

int srv_review_withdraw(struct srv_ctx *c, const struct srv_req *r, int64_t number, int status,
                        struct kb_err *err)
{
    int pending = 0;
    if (status == KB_STATUS_PUBLISHED)
        return 0;
    if (kb_review_pending(c->st, number, &pending, err) != 0)
        return -1;
    if (!pending)
        return 0;
    return kb_review_reject(c->st, number, username(r), status == KB_STATUS_ARCHIVED
                            ? "withdrawn: the article was archived"
                            : "withdrawn: the article was unpublished", err) != 0 ? -1 : 0;
}

static void owner_fields(struct srv_ctx *c, json_t *o, int64_t number)
{
    char vb[11] = "", today[11], *owner = NULL;
    kb_article_owner_get(c->st, number, &owner, vb, NULL);
    kb_review_today(today);
    json_object_set_new(o, "owner", srv_json_str(owner));
    json_object_set_new(o, "verify_by", vb[0] ? json_string(vb) : json_null());
    json_object_set_new(o, "needs_check", json_boolean(vb[0] && strcmp(vb, today) < 0));
    free(owner);
}

void srv_review_list_fields(struct srv_ctx *c, json_t *o, int64_t number)
{
    int pending = 0;
    kb_review_pending(c->st, number, &pending, NULL);
    json_object_set_new(o, "in_review", json_boolean(pending));
    owner_fields(c, o, number);
}

/* A 0/1 flag parameter ("true"/"false" too); absent is 0. */
static int arg_flag(const struct srv_req *r, const char *name, int *out, struct srv_resp *w)
{
    const char *v = srv_arg(r, name);
    *out = 0;
    if (!v || !*v || strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
        return 0;
    if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0) {
        *out = 1;
        return 0;
    }
    srv_error(w, 400, "bad_parameter", "parameter '%s' must be 1 or 0", name);
    return -1;
}

int srv_review_list_args(const struct srv_req *r, char today[11], const char **verify_before,
                         int *in_review, struct srv_resp *w)
{
    int check = 0;
    *verify_before = NULL;
    if (arg_flag(r, "needs_check", &check, w) || arg_flag(r, "in_review", in_review, w))
        return -1;
    if (check) {
        kb_review_today(today);
        *verify_before = today;
    }
    return 0;
}

void srv_review_annotate(struct srv_ctx *c, json_t *o, int64_t number, int role)
{
    if (role < KB_ROLE_AGENT)
        return;
    struct kb_pending p;
    int pending = kb_review_get(c->st, number, &p, NULL) == 0;
    json_object_set_new(o, "in_review", json_boolean(pending));
    if (role < KB_ROLE_WRITER) {
        if (pending)
            kb_pending_release(&p);
        return;
    }
    int64_t rev = 0;
    kb_article_current_rev(c->st, number, &rev, NULL);
    if (pending) {
        json_object_set_new(o, "review", review_json(&p, rev));
        kb_pending_release(&p);
    } else {
        json_object_set_new(o, "review", json_null());
    }
    char *action = NULL, *actor = NULL, *note = NULL;
    int64_t at = 0;
    if (kb_review_last(c->st, number, &action, &actor, &note, &at, NULL) == 0 && action)
        json_object_set_new(o, "last_review",
                            json_pack("{s:s, s:o, s:o, s:o}", "action", action, "by",
                                      srv_json_str(actor), "note", srv_json_str(note), "at",
                                      srv_json_time(at)));
    else
        json_object_set_new(o, "last_review", json_null());
    free(action);
    free(actor);
    free(note);
    owner_fields(c, o, number);
}

/* ---- handlers --------------------------------------------------------------------- */

/* The article r->param[0] names: its number, or 0 with a 404 in w. */
static int64_t article_number(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct kb_err err = {0, ""};
    int kind = -1;
    int64_t number = 0;
    const char *ref = r->nparams > 0 ? r->param[0] : NULL;
    if (!ref || !*ref || kb_store_find(c->st, ref, &kind, &number, &err) != 0 ||
        kind != KB_KIND_ARTICLE) {
        srv_error(w, 404, "not_found", "not found");
        return 0;
    }
    return number;
}

static void no_change(struct srv_resp *w, int64_t number)
{
    srv_error(w, 404, "not_in_review", "KB-%lld has no change in review", (long long)number);
}

static void h_pending(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    int64_t number = article_number(c, r, w);
    if (!number)
        return;
    struct kb_pending p;
    struct kb_doc live;
    struct kb_err err = {0, ""};
    int rc = kb_review_get(c->st, number, &p, &err);
    if (rc == KB_ENOTFOUND) {
        no_change(w, number);
        return;
    }
    if (rc) {
        srv_kb_error(w, &err);
        return;
    }
    if (kb_store_get(c->st, KB_KIND_ARTICLE, number, &live, &err) != 0) {
        kb_pending_release(&p);
        srv_kb_error(w, &err);
        return;
    }
    int64_t rev = 0;
    kb_article_current_rev(c->st, number, &rev, NULL);
    struct kb_diff_line *lines = NULL;
    size_t n = 0, added = 0, removed = 0;
    int approx = 0;
    /* A publish request is all new to customers: its whole text is added. */
    kb_line_diff(p.publish ? "" : edit_body(&live), edit_body(&p.doc), 0, &lines, &n, &approx);
    json_t *arr = json_array();
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
    json_t *tags = json_array();
    for (size_t i = 0; i < p.doc.ntags; i++)
        json_array_append_new(tags, json_string(p.doc.tags[i]));
    char ref[32];
    snprintf(ref, sizeof ref, "KB-%lld", (long long)number);
    char *html = kb_html_sanitize(p.doc.html ? p.doc.html : "",
                                  p.doc.html ? strlen(p.doc.html) : 0);
    json_t *o = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:I, s:o}",
                          "ref", ref, "number", (json_int_t)number, "title",
                          srv_json_str(p.doc.title), "live_title", srv_json_str(live.title),
                          "summary", srv_json_str(p.doc.summary), "category",
                          srv_json_str(p.doc.category), "locale",
                          p.doc.locale ? p.doc.locale : "en", "audience",
                          kb_audience_name(p.doc.audience), "tags", tags, "source",
                          json_string(edit_body(&p.doc)), "html", srv_json_str(html),
                          "current_rev", (json_int_t)rev, "review", review_json(&p, rev));
    free(html);
    json_object_set_new(o, "format", json_string(format_name(p.doc.format)));
    json_object_set_new(o, "diff", arr);
    json_object_set_new(o, "added", json_integer((json_int_t)added));
    json_object_set_new(o, "removed", json_integer((json_int_t)removed));
    json_object_set_new(o, "approximate", json_boolean(approx));
    json_object_set_new(o, "truncated", json_boolean(n > DIFF_MAX_LINES));
    kb_doc_release(&live);
    kb_pending_release(&p);
    srv_json(w, 200, o);
}

static void h_approve(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    int64_t number = article_number(c, r, w);
    if (!number)
        return;
    struct kb_err err = {0, ""};
    int own = 0, changed = 0;
    int rc = kb_review_approve(c->st, number, username(r), &own, &changed, &err);
    if (rc == KB_ENOTFOUND) {
        no_change(w, number);
        return;
    }
    if (own) {
        srv_error(w, 403, "own_change", "%s", err.msg);
        return;
    }
    if (rc) {
        srv_kb_error(w, &err);
        return;
    }
    if (changed)
        srv_changed(c->srv);
    int64_t rev = 0;
    kb_article_current_rev(c->st, number, &rev, NULL);
    char ref[32];
    snprintf(ref, sizeof ref, "KB-%lld", (long long)number);
    srv_json(w, 200, json_pack("{s:s, s:I, s:b, s:b, s:I, s:s}", "ref", ref, "number",
                               (json_int_t)number, "approved", 1, "changed", changed, "rev",
                               (json_int_t)rev, "approved_by", username(r)));
}

static void h_reject(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"note", NULL};
    int64_t number = article_number(c, r, w);
    if (!number)
        return;
    json_t *o = NULL;
    const char *note = NULL;
    if (r->body_len > 0) {
        if (!(o = srv_body_object(r, w)))
            return;
        if (srv_check_keys(o, keys, w) ||
            srv_get_str(o, "note", 0, KB_REVIEW_NOTE_MAX, &note, w)) {
            json_decref(o);
            return;
        }
    }
    struct kb_err err = {0, ""};
    int rc = kb_review_reject(c->st, number, username(r), note, &err);
    if (rc == KB_ENOTFOUND)
        no_change(w, number);
    else if (rc)
        srv_kb_error(w, &err);
    else {
        char ref[32];
        snprintf(ref, sizeof ref, "KB-%lld", (long long)number);
        srv_json(w, 200, json_pack("{s:s, s:I, s:b}", "ref", ref, "number",
                                   (json_int_t)number, "rejected", 1));
    }
    json_decref(o);
}

static void h_list(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    long page = 1, per = LIST_PER_PAGE;
    if (srv_arg_int(r, "page", 1, 1, 1000000, &page, w) ||
        srv_arg_int(r, "per_page", LIST_PER_PAGE, 1, KB_REVIEW_LIST_MAX, &per, w))
        return;
    struct kb_pending *v = NULL;
    size_t n = 0;
    int64_t total = 0;
    int mode = 0;
    struct kb_err err = {0, ""};
    if (kb_review_settings(c->st, &mode, NULL, NULL, &err) != 0 ||
        kb_review_list(c->st, (int64_t)(page - 1) * per, per, &v, &n, &total, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        int64_t rev = 0;
        kb_article_current_rev(c->st, v[i].number, &rev, NULL);
        char ref[32];
        snprintf(ref, sizeof ref, "KB-%lld", (long long)v[i].number);
        json_t *o = json_pack("{s:s, s:I, s:o, s:o, s:o}", "ref", ref, "number",
                              (json_int_t)v[i].number, "title", srv_json_str(v[i].doc.title),
                              "category", srv_json_str(v[i].doc.category), "review",
                              review_json(&v[i], rev));
        /* Whether the caller may approve it (not one of its editors). */
        int mine = !username(r);
        for (size_t k = 0; !mine && k < v[i].nedit; k++)
            mine = strcmp(v[i].editors[k], username(r)) == 0;
        json_object_set_new(o, "can_approve", json_boolean(!mine));
        json_array_append_new(a, o);
    }
    kb_pendings_free(v, n);
    srv_json(w, 200, json_pack("{s:s, s:I, s:i, s:i, s:b, s:o}", "mode",
                               kb_review_mode_name(mode), "total", (json_int_t)total, "page",
                               (int)page, "per_page", (int)per, "more",
                               (int64_t)(page * per) < total, "articles", a));
}

static void settings_reply(struct srv_ctx *c, struct srv_resp *w)
{
    int mode = 0;
    char **topics = NULL;
    size_t n = 0;
    struct kb_err err = {0, ""};
    if (kb_review_settings(c->st, &mode, &topics, &n, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(topics[i]));
    kb_review_strings_free(topics, n);
    srv_json(w, 200, json_pack("{s:s, s:o}", "mode", kb_review_mode_name(mode), "topics", a));
}

static void h_settings_get(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    settings_reply(c, w);
}

static void h_settings_put(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"mode", "topics", NULL};
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    const char *mode_s = NULL;
    const char **topics = NULL;
    size_t n = 0;
    if (srv_check_keys(o, keys, w) || srv_get_str(o, "mode", 1, 16, &mode_s, w))
        goto out;
    int mode = kb_review_mode_parse(mode_s);
    if (mode < 0) {
        srv_error(w, 400, "bad_field", "field 'mode' must be \"off\", \"all\" or \"topics\"");
        goto out;
    }
    json_t *a = json_object_get(o, "topics");
    if (a && !json_is_null(a)) {
        if (!json_is_array(a) || json_array_size(a) > KB_REVIEW_TOPICS_MAX) {
            srv_error(w, 400, "bad_field", "field 'topics' must be an array of at most %d "
                      "topic slugs", KB_REVIEW_TOPICS_MAX);
            goto out;
        }
        topics = kb_xcalloc(json_array_size(a) + 1, sizeof *topics);
        size_t i;
        json_t *v;
        json_array_foreach(a, i, v) {
            const char *s = json_string_value(v);
            if (!s || !*s || json_string_length(v) > 100 || strlen(s) != json_string_length(v)) {
                srv_error(w, 400, "bad_field", "field 'topics' item %zu must be a topic slug",
                          i + 1);
                goto out;
            }
            topics[n++] = s;
        }
    }
    if (mode == KB_REVIEW_TOPICS && n == 0) {
        srv_error(w, 400, "bad_field", "field 'topics' must name at least one topic when "
                  "mode is \"topics\"");
        goto out;
    }
    struct kb_err err = {0, ""};
    if (kb_review_set(c->st, mode, topics, n, &err) != 0)
        srv_kb_error(w, &err);
    else
        settings_reply(c, w);
out:
    free(topics);
    json_decref(o);
}

/* Registered before the article routes: GET /api/v1/articles/{any} (source ids
 * with slashes) would take .../pending otherwise. */
const struct srv_route srv_routes_review[] = {
    {"GET", "/api/v1/review", h_list, KB_ROLE_WRITER, 0,
     "changes in review, oldest first (page, per_page)"},
    {"GET", "/api/v1/articles/{ref}/pending", h_pending, KB_ROLE_WRITER, 0,
     "an article's change in review, with its diff against the live article"},
    {"POST", "/api/v1/articles/{ref}/approve", h_approve, KB_ROLE_WRITER, 0,
     "approve an article's change in review (not one's own): it goes live"},
    {"POST", "/api/v1/articles/{ref}/reject", h_reject, KB_ROLE_WRITER, 0,
     "reject or withdraw an article's change in review (note)"},
    {"GET", "/api/v1/admin/review", h_settings_get, KB_ROLE_ADMIN, 0,
     "the review setting: mode (off, all, topics) and the flagged topics"},
    {"PUT", "/api/v1/admin/review", h_settings_put, KB_ROLE_ADMIN, 0,
     "require review for all public articles or per topic (mode, topics)"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
