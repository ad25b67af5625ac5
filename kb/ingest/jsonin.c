/* JSON input with jansson: a Zendesk Help Center export ({"articles":[...]}),
 * article JSONL and ticket JSONL. Each bad record is reported with its place
 * (record number in a JSON file, line in JSONL) and skipped. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "kb/base/buf.h"
#include "kb/base/err.h"
#include "kb/ingest/ingest.h"
#include "kb/ingest/ingest_int.h"

/* A field as an owned string: strings as they are, integers printed. Returns
 * 0 (*out NULL when absent or null) or -1 with why filled. */
static int get_str(json_t *o, const char *key, int numbers_ok, char **out,
                   char *why, size_t whysz)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        *out = kb_xstrndup(json_string_value(v), json_string_length(v));
        return 0;
    }
    if (numbers_ok && json_is_integer(v)) {
        char num[32];
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *out = kb_xstrdup(num);
        return 0;
    }
    snprintf(why, whysz, "'%s' must be a string%s", key, numbers_ok ? " or a number" : "");
    return -1;
}

/* A required string field, white space collapsed. */
static int get_required(json_t *o, const char *key, int numbers_ok, char **out,
                        char *why, size_t whysz)
{
    if (get_str(o, key, numbers_ok, out, why, whysz))
        return -1;
    if (*out) {
        char *c = kb_in_collapse(*out, strlen(*out));
        free(*out);
        *out = c;
    }
    if (!*out || !**out) {
        free(*out);
        *out = NULL;
        snprintf(why, whysz, "missing '%s'", key);
        return -1;
    }
    return 0;
}

static int get_date(json_t *o, const char *key, int64_t *out, char *why, size_t whysz)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v)) {
        snprintf(why, whysz, "'%s' must be a date string", key);
        return -1;
    }
    const char *s = json_string_value(v);
    if (!*s)
        return 0;
    if (kb_time_parse(s, out) != 0) {
        snprintf(why, whysz, "'%s' is not a date: '%.40s'", key, s);
        return -1;
    }
    return 0;
}

static int get_tags(json_t *o, const char *key, struct kb_doc *d, char *why, size_t whysz)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        const char *p = json_string_value(v);
        while (*p) {
            size_t n = strcspn(p, ",");
            char *t = kb_in_collapse(p, n);
            kb_doc_add_tag(d, t);
            free(t);
            p += n;
            if (*p)
                p++;
        }
        return 0;
    }
    if (!json_is_array(v)) {
        snprintf(why, whysz, "'%s' must be an array of strings", key);
        return -1;
    }
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e)) {
            snprintf(why, whysz, "'%s' must be an array of strings", key);
            return -1;
        }
        char *t = kb_in_collapse(json_string_value(e), json_string_length(e));
        kb_doc_add_tag(d, t);
        free(t);
    }
    return 0;
}

/* Fills the body fields of d from body in the given format. */
static void set_body(struct kb_doc *d, const char *body, size_t len, int format)
{
    char *raw = NULL;
    struct kb_in_frag f;
    if (format == KB_FMT_TEXT)
        raw = kb_in_text_html(body, len);
    else if (format == KB_FMT_MARKDOWN)
        raw = kb_in_markdown_render(body, len);
    kb_in_html_fragment(raw ? raw : body, raw ? strlen(raw) : len, &f);
    d->html = f.html;
    d->text = f.text;
    f.html = f.text = NULL;
    kb_in_frag_release(&f);
    free(raw);
    d->source = kb_xstrndup(body, len);
    d->format = format;
}

/* One article object (zendesk: the Help Center export's field names).
 * Returns the doc() callback's return, or 0. */
static int article_record(struct kb_in_ctx *c, json_t *o, size_t where, int zendesk)
{
    struct kb_doc d;
    char why[256];
    char *s = NULL, *body = NULL;
    int rc = 0, bad = 1;
    kb_in_article_init(c, &d);
    free(d.source_id);
    d.source_id = NULL;
    if (get_required(o, "id", 1, &d.source_id, why, sizeof why) ||
        get_required(o, "title", 0, &d.title, why, sizeof why))
        goto out;
    json_t *bv = json_object_get(o, "body");
    if (!bv || json_is_null(bv)) {
        snprintf(why, sizeof why, "missing 'body'");
        goto out;
    }
    if (get_str(o, "body", 0, &body, why, sizeof why))
        goto out;
    int format = -1;
    if (get_str(o, "format", 0, &s, why, sizeof why))
        goto out;
    if (s) {
        if (strcasecmp(s, "html") == 0)
            format = KB_FMT_HTML;
        else if (strcasecmp(s, "markdown") == 0 || strcasecmp(s, "md") == 0)
            format = KB_FMT_MARKDOWN;
        else if (strcasecmp(s, "text") == 0 || strcasecmp(s, "plain") == 0)
            format = KB_FMT_TEXT;
        else {
            snprintf(why, sizeof why, "'format' must be html, markdown or text, not '%.40s'", s);
            goto out;
        }
        free(s);
        s = NULL;
    }
    if (format < 0)
        format = zendesk || kb_in_looks_html(body, strlen(body)) ? KB_FMT_HTML : KB_FMT_TEXT;

    if (get_str(o, "locale", 0, &s, why, sizeof why))
        goto out;
    if (s && *s) {
        d.locale = kb_in_locale(s);
        if (!d.locale) {
            snprintf(why, sizeof why, "'locale' is not a locale: '%.40s'", s);
            goto out;
        }
    }
    free(s);
    s = NULL;
    if (get_str(o, "audience", 0, &s, why, sizeof why))
        goto out;
    if (s) {
        int a = kb_audience_parse(s);
        if (a < 0) {
            snprintf(why, sizeof why, "'audience' must be public or internal, not '%.40s'", s);
            goto out;
        }
        d.audience = a;
    } else if (zendesk) {
        json_t *seg = json_object_get(o, "user_segment_id");
        if (seg && !json_is_null(seg))
            d.audience = KB_AUD_INTERNAL; /* restricted to a user segment */
    }
    free(s);
    s = NULL;
    if (get_str(o, "status", 0, &s, why, sizeof why))
        goto out;
    if (s) {
        int st = kb_status_parse(s);
        if (st < 0) {
            snprintf(why, sizeof why, "'status' must be published, draft or archived, not '%.40s'", s);
            goto out;
        }
        d.status = st;
    }
    free(s);
    s = NULL;
    json_t *draft = json_object_get(o, "draft");
    if (draft && !json_is_null(draft)) {
        if (!json_is_boolean(draft)) {
            snprintf(why, sizeof why, "'draft' must be true or false");
            goto out;
        }
        if (json_is_true(draft))
            d.status = KB_STATUS_DRAFT;
    }
    if (get_str(o, "category", 1, &d.category, why, sizeof why) ||
        (!d.category && zendesk && get_str(o, "section_id", 1, &d.category, why, sizeof why)) ||
        get_str(o, "summary", 0, &d.summary, why, sizeof why) ||
        get_str(o, "product", 0, &d.product, why, sizeof why) ||
        get_tags(o, "tags", &d, why, sizeof why) ||
        get_tags(o, "label_names", &d, why, sizeof why) ||
        get_date(o, "created", &d.created, why, sizeof why) ||
        get_date(o, "created_at", &d.created, why, sizeof why) ||
        get_date(o, "updated", &d.updated, why, sizeof why) ||
        get_date(o, "updated_at", &d.updated, why, sizeof why))
        goto out;
    if (d.summary) {
        char *cs = kb_in_collapse(d.summary, strlen(d.summary));
        free(d.summary);
        d.summary = *cs ? cs : NULL;
        if (!d.summary)
            free(cs);
    }
    if (strlen(body) > KB_INGEST_MAX_RECORD) {
        snprintf(why, sizeof why, "'body' is too large (%zu bytes, the limit is %u)",
                 strlen(body), KB_INGEST_MAX_RECORD);
        goto out;
    }
    if (kb_utf8_check(body, strlen(body), 1) != (size_t)-1) {
        snprintf(why, sizeof why, "'body' holds a nul character");
        goto out;
    }
    set_body(&d, body, strlen(body), format);
    if (!*d.text) {
        snprintf(why, sizeof why, "no text");
        goto out;
    }
    bad = 0;
    rc = kb_in_emit(c, &d);
out:
    if (bad)
        kb_in_bad(c, where, "%s", why);
    free(s);
    free(body);
    kb_doc_release(&d);
    return rc;
}

static int ticket_record(struct kb_in_ctx *c, json_t *o, size_t where)
{
    struct kb_doc d;
    char why[256];
    const char *key;
    json_t *v;
    int rc = 0, bad = 1;
    kb_in_ticket_init(c, &d);
    json_object_foreach(o, key, v) {
        const char *k = kb_in_ticket_key(key);
        if (!k || json_is_null(v))
            continue;
        if (strcmp(k, "tags") == 0) {
            if (get_tags(o, key, &d, why, sizeof why))
                goto out;
            continue;
        }
        char num[64];
        const char *s;
        if (json_is_string(v)) {
            s = json_string_value(v);
            if (strlen(s) != json_string_length(v)) {
                snprintf(why, sizeof why, "'%s' holds a nul character", key);
                goto out;
            }
        } else if (json_is_integer(v)) {
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            s = num;
        } else {
            snprintf(why, sizeof why, "'%s' must be a string", key);
            goto out;
        }
        if (kb_in_ticket_field(&d, k, s, why, sizeof why))
            goto out;
    }
    if (kb_in_ticket_finish(&d, why, sizeof why))
        goto out;
    bad = 0;
    rc = kb_in_emit(c, &d);
out:
    if (bad)
        kb_in_bad(c, where, "%s", why);
    kb_doc_release(&d);
    return rc;
}

static size_t line_of(const char *s, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += s[i] == '\n';
    return line;
}

int kb_in_articles_json(struct kb_in_ctx *c, const char *data, size_t len)
{
    json_error_t err;
    size_t off = kb_utf8_check(data, len, 1);
    if (off != (size_t)-1) {
        kb_in_bad(c, line_of(data, off), "%s at byte offset %zu",
                  data[off] ? "invalid utf-8" : "nul byte", off);
        return KB_EINVAL;
    }
    json_t *root = json_loadb(data, len, 0, &err);
    if (!root) {
        kb_in_bad(c, err.line > 0 ? (size_t)err.line : 0, "invalid json: %s", err.text);
        return KB_EFORMAT;
    }
    json_t *arr = root;
    int rc = 0;
    if (json_is_object(root)) {
        arr = json_object_get(root, "articles");
        if (arr && !json_is_array(arr)) {
            kb_in_bad(c, 0, "'articles' must be an array");
            rc = KB_EFORMAT;
            goto out;
        }
        if (!arr) {
            if (json_object_get(root, "id") || json_object_get(root, "title")) {
                article_record(c, root, 1, 0);
                goto out;
            }
            kb_in_bad(c, 0, "no 'articles' array");
            rc = KB_EFORMAT;
            goto out;
        }
    } else if (!json_is_array(root)) {
        kb_in_bad(c, 0, "not an object with an 'articles' array");
        rc = KB_EFORMAT;
        goto out;
    }
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        if (!json_is_object(e))
            kb_in_bad(c, i + 1, "article is not a json object");
        else if (article_record(c, e, i + 1, arr != root))
            break;
    }
out:
    json_decref(root);
    return c->stop ? c->stop : rc;
}

int kb_in_jsonl(struct kb_in_ctx *c, const char *data, size_t len, int format)
{
    size_t line = 0;
    for (size_t i = 0; i < len && !c->stop;) {
        size_t e = i;
        const char *nl = memchr(data + i, '\n', len - i);
        e = nl ? (size_t)(nl - data) : len;
        size_t a = i, b = e;
        line++;
        i = e + 1;
        while (a < b && isspace((unsigned char)data[a]))
            a++;
        while (b > a && isspace((unsigned char)data[b - 1]))
            b--;
        if (a == b)
            continue;
        if (b - a > KB_INGEST_MAX_RECORD) {
            kb_in_bad(c, line, "record is too large (%zu bytes, the limit is %u)", b - a,
                      KB_INGEST_MAX_RECORD);
            continue;
        }
        size_t off = kb_utf8_check(data + a, b - a, 1);
        if (off != (size_t)-1) {
            kb_in_bad(c, line, "%s at byte offset %zu", data[a + off] ? "invalid utf-8" : "nul byte",
                      a + off);
            continue;
        }
        json_error_t err;
        json_t *o = json_loadb(data + a, b - a, 0, &err);
        if (!o) {
            kb_in_bad(c, line, "invalid json: %s (column %d)", err.text, err.column);
            continue;
        }
        if (!json_is_object(o))
            kb_in_bad(c, line, "record is not a json object");
        else if (format == KB_IN_TICKETS_JSONL)
            ticket_record(c, o, line);
        else
            article_record(c, o, line, 0);
        json_decref(o);
    }
    return c->stop;
}
