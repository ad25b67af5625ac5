/* Previous cases (a customer looked up by part of a name or e-mail, a
 * unit's count in a window, a ticket's solving article) and redaction. */
#include "kb/store/tickets.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb/base/buf.h"
#include "kb/store/store_int.h"

#define LOOKUP_MIN 2 /* characters a partial customer lookup needs */

/* s without leading and trailing white space: *len bytes from the result. */
static const char *trimmed(const char *s, size_t *len)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return s;
}

int kb_customer_match(const char *query, const char *customer)
{
    if (!query || !customer)
        return 0;
    size_t qn, cn;
    const char *q = trimmed(query, &qn), *c = trimmed(customer, &cn);
    if (qn == 0)
        return 0;
    if (qn == cn && strncasecmp(q, c, qn) == 0)
        return 1;
    if (qn < LOOKUP_MIN)
        return 0;
    const char *at = memchr(c, '@', cn);
    size_t name_len = at ? (size_t)(at - c) : cn; /* an e-mail's local part only */
    for (size_t i = 0; i < name_len; i++) {
        int word_start = isalnum((unsigned char)c[i]) &&
                         (i == 0 || !isalnum((unsigned char)c[i - 1]));
        if (word_start && i + qn <= name_len && strncasecmp(c + i, q, qn) == 0)
            return 1;
    }
    return 0;
}

/* q with LIKE's wildcards and the escape character escaped, inside %...%. */
static char *like_pattern(const char *q)
{
    struct kb_buf b = KB_BUF_INIT;
    size_t n;
    q = trimmed(q, &n);
    kb_buf_addc(&b, '%');
    for (size_t i = 0; i < n; i++) {
        if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
            kb_buf_addc(&b, '\\');
        kb_buf_addc(&b, q[i]);
    }
    kb_buf_addc(&b, '%');
    return kb_buf_detach(&b);
}

int kb_tickets_list(struct kb_store *st, const char *customer, const char *unit, size_t limit,
                    struct kb_doc **docs, size_t *n, struct kb_err *err)
{
    *docs = NULL;
    *n = 0;
    if ((!customer || !*customer) && (!unit || !*unit))
        return kb_err_set(err, KB_EINVAL, "give a customer or a unit");
    int by_customer = customer && *customer, by_unit = unit && *unit;
    int id = by_customer ? (by_unit ? Q_TIC_BY_BOTH : Q_TIC_BY_CUSTOMER) : Q_TIC_BY_UNIT;
    sqlite3_stmt *s;
    int code = store_prep(st, id, &s, err);
    if (code)
        return code;
    char *pattern = by_customer ? like_pattern(customer) : NULL;
    if (pattern)
        store_bind(s, 1, pattern);
    if (by_unit)
        store_bind(s, 2, unit);
    int64_t *ids = NULL;
    size_t nids = 0;
    int rc = SQLITE_DONE;
    while (nids < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (by_customer &&
            !kb_customer_match(customer, (const char *)sqlite3_column_text(s, 1)))
            continue;
        ids = kb_xrealloc(ids, (nids + 1) * sizeof *ids);
        ids[nids++] = sqlite3_column_int64(s, 0);
    }
    if (nids >= limit) /* stopped at the limit, or asked for none */
        rc = SQLITE_DONE;
    code = rc == SQLITE_DONE ? 0 : store_fail(st, err, rc, "cannot list tickets");
    store_done(s);
    free(pattern);
    if (code) {
        free(ids);
        return code;
    }
    struct kb_doc *out = kb_xcalloc(nids ? nids : 1, sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < nids; i++)
        if (kb_store_get(st, KB_KIND_TICKET, ids[i], &out[k], NULL) == 0)
            k++;
    free(ids);
    *docs = out;
    *n = k;
    return 0;
}

int kb_tickets_unit_count(struct kb_store *st, const char *unit, int64_t since, int64_t *n,
                          struct kb_err *err)
{
    *n = 0;
    if (!unit || !*unit)
        return kb_err_set(err, KB_EINVAL, "give a unit");
    sqlite3_stmt *s;
    int code = store_prep(st, Q_TIC_UNIT_COUNT, &s, err);
    if (code)
        return code;
    store_bind(s, 1, unit);
    sqlite3_bind_int64(s, 2, since);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(s, 0);
    else
        code = store_fail(st, err, rc, "cannot count a unit's tickets");
    store_done(s);
    return code;
}

int kb_tickets_linked_article(struct kb_store *st, const struct kb_doc *ticket,
                              struct kb_linked_article *out, struct kb_err *err)
{
    memset(out, 0, sizeof *out);
    if (!ticket->linked_article || store_blank(ticket->linked_article))
        return 0;
    size_t len;
    const char *ref = trimmed(ticket->linked_article, &len);
    char *copy = kb_xstrndup(ref, len);
    int found = 0;
    int64_t number = 0;
    int code = store_resolve_article(st, copy, ticket->locale, &found, &number, err);
    free(copy);
    if (code != 0 || !found)
        return code;
    /* Its title and audience only (a whole article is its body too), by a
     * cached statement: assist asks this for every ticket it lists. Agents
     * read no drafts or archive. */
    sqlite3_stmt *s;
    if ((code = store_prep(st, Q_LINKED_TITLE, &s, err)) != 0)
        return code;
    sqlite3_bind_int64(s, 1, number);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->number = number;
        out->title = store_col(s, 0);
        if (!out->title)
            out->title = kb_xstrdup("");
        out->audience = sqlite3_column_int(s, 1) ? KB_AUD_INTERNAL : KB_AUD_PUBLIC;
    }
    store_done(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(st, err, rc, "cannot read the article that solved ticket %s",
                          ticket->source_id ? ticket->source_id : "?");
    return 0;
}

void kb_linked_article_release(struct kb_linked_article *a)
{
    free(a->title);
    a->title = NULL;
}

void kb_docs_free(struct kb_doc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_doc_release(&docs[i]);
    free(docs);
}

static int email_char(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* Length of an e-mail address starting at s (s[0] begins the local part), or 0. */
static size_t email_at(const char *s, size_t start_ok)
{
    if (!start_ok)
        return 0;
    size_t i = 0;
    while (email_char((unsigned char)s[i]))
        i++;
    if (i == 0 || s[i] != '@')
        return 0;
    size_t j = i + 1, dots = 0, last_dot = 0;
    while (isalnum((unsigned char)s[j]) || s[j] == '-' || s[j] == '.') {
        if (s[j] == '.') {
            dots++;
            last_dot = j;
        }
        j++;
    }
    while (j > i + 1 && s[j - 1] == '.') /* a full stop after the address */
        j--;
    dots = 0;
    for (size_t k = i + 1; k < j; k++)
        if (s[k] == '.') {
            dots++;
            last_dot = k;
        }
    if (!dots || last_dot + 2 > j)
        return 0;
    return j;
}

/* Length of a phone number at s: 8+ digits with +, spaces, dashes or
 * parentheses between; not a date or a dotted number. */
static size_t phone_at(const char *s, int start_ok)
{
    if (!start_ok || !(s[0] == '+' || s[0] == '(' || isdigit((unsigned char)s[0])))
        return 0;
    size_t i = 0, digits = 0, seps = 0, last_digit = 0;
    while (s[i] && i < 24) {
        unsigned char c = (unsigned char)s[i];
        if (isdigit(c)) {
            digits++;
            last_digit = i + 1;
        } else if (c == ' ' || c == '-' || c == '(' || c == ')' || (c == '+' && i == 0)) {
            seps++;
        } else {
            break;
        }
        i++;
    }
    /* 1.2.3.4 is a version or an address, but a number may end a sentence */
    if (isalpha((unsigned char)s[last_digit]) ||
        (s[last_digit] == '.' && isdigit((unsigned char)s[last_digit + 1])))
        return 0;
    if (digits < 8 || digits > 15)
        return 0;
    /* 2025-03-04 or 20250304: a date, not a phone. */
    if (last_digit == 10 && s[4] == '-' && s[7] == '-')
        return 0;
    if (s[0] != '+' && seps == 0 && digits == 8)
        return 0;
    return last_digit;
}

static int word_boundary(const char *text, size_t at, size_t len)
{
    int before = at == 0 || !isalnum((unsigned char)text[at - 1]);
    int after = !isalnum((unsigned char)text[at + len]);
    return before && after;
}

/* What kb_redact looks for besides addresses and numbers: each name, and
 * each of its words of three letters or more; for a customer known by an
 * e-mail address alone, the words of its local part ("mika.rautio@..."
 * signs as "Mika Rautio"). */
struct name_parts {
    char *v[64];
    size_t n;
};

static void parts_words(struct name_parts *p, const char *name, size_t len, const char *seps)
{
    char *copy = kb_xstrdup(name), *save = NULL;
    copy[len] = '\0';
    for (char *t = strtok_r(copy, seps, &save); t && p->n < 60; t = strtok_r(NULL, seps, &save))
        if (strlen(t) >= 3 && strcasecmp(t, name) != 0)
            p->v[p->n++] = kb_xstrdup(t);
    free(copy);
}

static void parts_init(struct name_parts *p, const char *const *names, size_t nnames)
{
    p->n = 0;
    for (size_t i = 0; i < nnames && p->n < 60; i++) {
        if (!names[i] || strlen(names[i]) < 3)
            continue;
        p->v[p->n++] = kb_xstrdup(names[i]);
        parts_words(p, names[i], strlen(names[i]), " ,");
        const char *at = strchr(names[i], '@');
        if (at && !strchr(names[i], ' '))
            parts_words(p, names[i], (size_t)(at - names[i]), "._-+");
    }
}

static void parts_release(struct name_parts *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    p->n = 0;
}

/* Length of the personal data (e-mail, phone, name) starting at text[i],
 * with its placeholder in *token; 0 when there is none. */
static size_t redact_at(const char *text, size_t i, const struct name_parts *p,
                        const char **token)
{
    int start_ok = i == 0 || !isalnum((unsigned char)text[i - 1]);
    size_t n;
    if ((n = email_at(text + i, start_ok && text[i] != '.')) > 0) {
        *token = "[email]";
        return n;
    }
    if ((n = phone_at(text + i, start_ok)) > 0) {
        *token = "[phone]";
        return n;
    }
    size_t hit = 0;
    for (size_t k = 0; k < p->n && start_ok; k++) {
        size_t len = strlen(p->v[k]);
        if (strncasecmp(text + i, p->v[k], len) == 0 && word_boundary(text, i, len) && len > hit)
            hit = len;
    }
    *token = "[name]";
    return hit;
}

size_t kb_redact_span(const char *text, size_t i)
{
    struct name_parts none = {{NULL}, 0};
    const char *token;
    return redact_at(text, i, &none, &token);
}

char *kb_redact(const char *text, const char *const *names, size_t nnames)
{
    if (!text)
        return kb_xstrdup("");
    struct kb_buf b = KB_BUF_INIT;
    struct name_parts p;
    parts_init(&p, names, nnames);
    for (size_t i = 0; text[i];) {
        const char *token;
        size_t n = redact_at(text, i, &p, &token);
        if (n) {
            kb_buf_adds(&b, token);
            i += n;
        } else {
            kb_buf_addc(&b, text[i++]);
        }
    }
    parts_release(&p);
    return kb_buf_detach(&b);
}

#define MARK_OPEN "<mark>"
#define MARK_CLOSE "</mark>"

char *kb_redact_marked(const char *html, const char *const *names, size_t nnames)
{
    if (!html)
        return kb_xstrdup("");
    /* The text without its highlight tags (which would split an address
     * where a query word matched part of it), and where each tag was. */
    size_t len = strlen(html), ntags = 0;
    char *plain = kb_xmalloc(len + 1);
    size_t *tag_at = kb_xmalloc((len / 6 + 1) * sizeof *tag_at);
    int *tag_open = kb_xmalloc((len / 6 + 1) * sizeof *tag_open);
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        int open = strncmp(html + i, MARK_OPEN, 6) == 0;
        if (open || strncmp(html + i, MARK_CLOSE, 7) == 0) {
            tag_at[ntags] = n;
            tag_open[ntags++] = open;
            i += open ? 6 : 7;
        } else {
            plain[n++] = html[i++];
        }
    }
    plain[n] = '\0';

    struct kb_buf b = KB_BUF_INIT;
    struct name_parts p;
    parts_init(&p, names, nnames);
    size_t t = 0;
    int shown = 0, actual = 0; /* a highlight open in the output / in the input */
    for (size_t i = 0; i <= n;) {
        const char *token;
        size_t span = i < n ? redact_at(plain, i, &p, &token) : 0;
        if (span) {
            /* Tags inside the span go with it; close a highlight before the
             * placeholder and reopen it after if the input still has one open. */
            for (; t < ntags && tag_at[t] <= i + span; t++)
                actual = tag_open[t];
            if (shown)
                kb_buf_adds(&b, MARK_CLOSE);
            kb_buf_adds(&b, token);
            if (actual)
                kb_buf_adds(&b, MARK_OPEN);
            shown = actual;
            i += span;
            continue;
        }
        for (; t < ntags && tag_at[t] == i; t++) {
            if (tag_open[t] != shown)
                kb_buf_adds(&b, tag_open[t] ? MARK_OPEN : MARK_CLOSE);
            shown = actual = tag_open[t];
        }
        if (i == n)
            break;
        kb_buf_addc(&b, plain[i++]);
    }
    if (shown)
        kb_buf_adds(&b, MARK_CLOSE);
    parts_release(&p);
    free(plain);
    free(tag_at);
    free(tag_open);
    return kb_buf_detach(&b);
}
