/* Ticket CSV: RFC 4180 (quoted fields with "" escapes and embedded
 * newlines; CRLF or LF rows) with a header row naming the ticket fields.
 * Each bad row is reported with the line it starts on and skipped. Also the
 * ticket field mapping that ticket JSONL shares. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/base/err.h"
#include "kb/ingest/ingest.h"
#include "kb/ingest/ingest_int.h"

/* ---- ticket fields, shared with jsonin.c ---- */

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static const struct { const char *name, *key; } ticket_keys[] = {
    {"id", "id"}, {"ticket_id", "id"}, {"subject", "subject"},
    {"description", "description"}, {"resolution", "resolution"},
    {"customer", "customer"}, {"unit", "unit"}, {"asset", "unit"},
    {"serial", "unit"}, {"product", "product"}, {"category", "category"},
    {"team", "team"}, {"created", "created"}, {"created_at", "created"},
    {"resolved", "resolved"}, {"resolved_at", "resolved"},
    {"linked_article", "linked_article"}, {"locale", "locale"}, {"tags", "tags"},
};

const char *kb_in_ticket_key(const char *name)
{
    char low[32];
    size_t n = 0;
    while (is_space((unsigned char)*name))
        name++;
    for (; *name && n < sizeof low - 1; name++) {
        int ch = (unsigned char)*name;
        low[n++] = (char)(ch == ' ' || ch == '-' ? '_' : tolower(ch));
    }
    while (n && low[n - 1] == '_')
        n--;
    low[n] = '\0';
    for (size_t i = 0; i < sizeof ticket_keys / sizeof ticket_keys[0]; i++)
        if (strcmp(low, ticket_keys[i].name) == 0)
            return ticket_keys[i].key;
    return NULL;
}

void kb_in_ticket_init(struct kb_in_ctx *c, struct kb_doc *d)
{
    (void)c;
    kb_doc_init(d);
    d->kind = KB_KIND_TICKET;
    d->audience = KB_AUD_INTERNAL;
    d->status = KB_STATUS_PUBLISHED;
    d->format = KB_FMT_TEXT;
}

/* value for a message: at most 40 bytes, cut at a character boundary. */
static int shown_len(const char *v)
{
    size_t n = strlen(v);
    if (n <= 40)
        return (int)n;
    n = 40;
    while (n && ((unsigned char)v[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

int kb_in_ticket_field(struct kb_doc *d, const char *key, const char *value,
                       char *why, size_t whysz)
{
    if (!key || !value)
        return 0;
    while (is_space((unsigned char)*value))
        value++;
    if (!*value)
        return 0;
    if (strcmp(key, "id") == 0) {
        kb_doc_set(&d->source_id, value);
    } else if (strcmp(key, "subject") == 0) {
        char *t = kb_in_collapse(value, strlen(value));
        free(d->title);
        d->title = t;
    } else if (strcmp(key, "description") == 0) {
        kb_doc_set(&d->description, value);
    } else if (strcmp(key, "resolution") == 0) {
        kb_doc_set(&d->resolution, value);
    } else if (strcmp(key, "customer") == 0) {
        kb_doc_set(&d->customer, value);
    } else if (strcmp(key, "unit") == 0) {
        kb_doc_set(&d->unit, value);
    } else if (strcmp(key, "product") == 0) {
        kb_doc_set(&d->product, value);
    } else if (strcmp(key, "category") == 0) {
        kb_doc_set(&d->category, value);
    } else if (strcmp(key, "team") == 0) {
        kb_doc_set(&d->team, value);
    } else if (strcmp(key, "linked_article") == 0) {
        kb_doc_set(&d->linked_article, value);
    } else if (strcmp(key, "locale") == 0) {
        char *loc = kb_in_locale(value);
        if (!loc) {
            snprintf(why, whysz, "'locale' is not a locale: '%.*s'", shown_len(value), value);
            return -1;
        }
        free(d->locale);
        d->locale = loc;
    } else if (strcmp(key, "tags") == 0) {
        const char *p = value;
        while (*p) {
            size_t n = strcspn(p, ",;");
            char *tag = kb_in_collapse(p, n);
            kb_doc_add_tag(d, tag);
            free(tag);
            p += n;
            if (*p)
                p++;
        }
    } else if (strcmp(key, "created") == 0 || strcmp(key, "resolved") == 0) {
        int64_t t;
        if (kb_time_parse(value, &t) != 0) {
            snprintf(why, whysz, "'%s' is not a date: '%.*s'", key, shown_len(value), value);
            return -1;
        }
        if (key[0] == 'c')
            d->created = t;
        else
            d->resolved = t;
    }
    return 0;
}

int kb_in_ticket_finish(struct kb_doc *d, char *why, size_t whysz)
{
    if (!d->source_id) {
        snprintf(why, whysz, "missing 'id'");
        return -1;
    }
    if (!d->title || !*d->title) {
        snprintf(why, whysz, "missing 'subject'");
        return -1;
    }
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_add(&b, "", 0);
    if (d->description)
        kb_buf_adds(&b, d->description);
    if (d->resolution) {
        if (b.len)
            kb_buf_adds(&b, "\n\n");
        kb_buf_adds(&b, d->resolution);
    }
    free(d->text);
    d->text = kb_buf_detach(&b);
    if (!d->updated)
        d->updated = d->resolved ? d->resolved : d->created;
    return 0;
}

/* ---- CSV ---- */

struct row {
    struct kb_buf buf; /* the fields, each NUL-terminated */
    size_t *off;       /* start of each field in buf */
    size_t n, cap;
    int unterminated;  /* a quoted field ran to the end of the file */
    int blank;         /* the row held only white space */
};

static void row_field(struct row *r)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->off = kb_xrealloc(r->off, r->cap * sizeof *r->off);
    }
    r->off[r->n++] = r->buf.len;
}

/* Reads the row at s[pos]; returns the position after it and adds the
 * newlines it spans to *lines. */
static size_t read_row(const char *s, size_t len, size_t pos, struct row *r, size_t *lines)
{
    size_t i = pos;
    int quoted = 0, at_start = 1, blank = 1;
    kb_buf_reset(&r->buf);
    kb_buf_add(&r->buf, "", 0);
    r->n = 0;
    r->unterminated = 0;
    row_field(r);
    while (i < len) {
        char ch = s[i];
        if (quoted) {
            size_t j = i;
            while (j < len && s[j] != '"' && s[j] != '\r' && s[j] != '\n')
                j++;
            kb_buf_add(&r->buf, s + i, j - i);
            i = j;
            if (i >= len)
                break;
            ch = s[i];
            if (ch == '"') {
                if (i + 1 < len && s[i + 1] == '"') {
                    kb_buf_addc(&r->buf, '"');
                    i += 2;
                } else {
                    quoted = 0;
                    i++;
                }
            } else { /* a newline inside quotes, kept as LF */
                (*lines)++;
                kb_buf_addc(&r->buf, '\n');
                i += ch == '\r' && i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
            }
            continue;
        }
        if (ch == ',') {
            kb_buf_addc(&r->buf, '\0');
            row_field(r);
            at_start = 1;
            blank = 0;
            i++;
        } else if (ch == '\n' || ch == '\r') {
            i += ch == '\r' && i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
            (*lines)++;
            break;
        } else if (ch == '"' && at_start) {
            quoted = 1;
            at_start = 0;
            blank = 0;
            i++;
        } else {
            size_t j = i;
            while (j < len && s[j] != ',' && s[j] != '\n' && s[j] != '\r')
                j++;
            for (size_t k = i; k < j && blank; k++)
                if (s[k] != ' ' && s[k] != '\t')
                    blank = 0;
            kb_buf_add(&r->buf, s + i, j - i);
            at_start = 0;
            i = j;
        }
    }
    r->unterminated = quoted;
    r->blank = blank;
    return i;
}

static const char *field(const struct row *r, size_t k)
{
    return r->buf.data + r->off[k];
}

int kb_in_csv(struct kb_in_ctx *c, const char *data, size_t len)
{
    struct row r;
    const char **keys = NULL;
    size_t lines = 1, pos = 0, ncols = 0;
    int rc = 0, has_id = 0, has_subject = 0;
    char why[256];
    memset(&r, 0, sizeof r);

    /* the header */
    size_t end = read_row(data, len, pos, &r, &lines);
    const void *nul = memchr(data, '\0', end);
    if (nul) {
        kb_in_bad(c, 1, "nul byte at byte offset %zu in the header",
                  (size_t)((const char *)nul - data));
        rc = KB_EINVAL;
        goto out;
    }
    size_t off = kb_utf8_check(data, end, 1);
    if (off != (size_t)-1) {
        kb_in_bad(c, 1, "invalid utf-8 at byte offset %zu in the header", off);
        rc = KB_EINVAL;
        goto out;
    }
    ncols = r.n;
    keys = kb_xcalloc(ncols, sizeof *keys);
    for (size_t k = 0; k < ncols; k++) {
        keys[k] = kb_in_ticket_key(field(&r, k));
        has_id |= keys[k] && strcmp(keys[k], "id") == 0;
        has_subject |= keys[k] && strcmp(keys[k], "subject") == 0;
    }
    if (!has_id || !has_subject) {
        kb_in_bad(c, 1, "the header has no '%s' column", has_id ? "subject" : "id");
        rc = KB_EFORMAT;
        goto out;
    }
    pos = end;

    while (pos < len && !c->stop) {
        size_t line = lines, start = pos;
        pos = read_row(data, len, pos, &r, &lines);
        if (r.n == 1 && r.blank)
            continue;
        size_t raw = pos - start;
        if (raw > KB_INGEST_MAX_RECORD) {
            kb_in_bad(c, line, "row is too large (%zu bytes, the limit is %u)", raw,
                      KB_INGEST_MAX_RECORD);
            continue;
        }
        nul = memchr(data + start, '\0', raw);
        if (nul) {
            kb_in_bad(c, line, "nul byte at byte offset %zu", (size_t)((const char *)nul - data));
            continue;
        }
        off = kb_utf8_check(data + start, raw, 1);
        if (off != (size_t)-1) {
            kb_in_bad(c, line, "invalid utf-8 at byte offset %zu", start + off);
            continue;
        }
        if (r.unterminated) {
            kb_in_bad(c, line, "quoted field is not closed before the end of the file");
            continue;
        }
        if (r.n != ncols) {
            kb_in_bad(c, line, "row has %zu field%s, the header has %zu", r.n,
                      r.n == 1 ? "" : "s", ncols);
            continue;
        }
        struct kb_doc d;
        int bad = 0;
        kb_in_ticket_init(c, &d);
        for (size_t k = 0; k < ncols && !bad; k++)
            if (keys[k] && kb_in_ticket_field(&d, keys[k], field(&r, k), why, sizeof why))
                bad = 1;
        if (!bad && kb_in_ticket_finish(&d, why, sizeof why))
            bad = 1;
        if (bad) {
            kb_in_bad(c, line, "%s", why);
            kb_doc_release(&d);
            continue;
        }
        kb_in_emit(c, &d);
    }
out:
    free(keys);
    free(r.off);
    kb_buf_release(&r.buf);
    return c->stop ? c->stop : rc;
}
