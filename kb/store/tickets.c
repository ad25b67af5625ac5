/* Previous cases and redaction. */
#include "kb/store/tickets.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb/base/buf.h"

int kb_tickets_list(struct kb_store *st, const char *customer, const char *unit, size_t limit,
                    struct kb_doc **docs, size_t *n, struct kb_err *err)
{
    *docs = NULL;
    *n = 0;
    if ((!customer || !*customer) && (!unit || !*unit))
        return kb_err_set(err, KB_EINVAL, "give a customer or a unit");
    sqlite3_stmt *s = NULL;
    const char *sql = "SELECT id FROM tickets WHERE (?1 IS NULL OR customer = ?1 COLLATE NOCASE)"
                      " AND (?2 IS NULL OR unit = ?2 COLLATE NOCASE)"
                      " ORDER BY created DESC, id DESC LIMIT ?3";
    int rc = sqlite3_prepare_v2(kb_store_db(st), sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return kb_err_set(err, KB_EIO, "cannot list tickets: %s", sqlite3_errmsg(kb_store_db(st)));
    if (customer && *customer)
        sqlite3_bind_text(s, 1, customer, -1, SQLITE_TRANSIENT);
    if (unit && *unit)
        sqlite3_bind_text(s, 2, unit, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)limit);
    int64_t *ids = NULL;
    size_t nids = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ids = kb_xrealloc(ids, (nids + 1) * sizeof *ids);
        ids[nids++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        free(ids);
        return kb_err_set(err, KB_EIO, "cannot list tickets: %s", sqlite3_errmsg(kb_store_db(st)));
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
    if (isalpha((unsigned char)s[last_digit]) || s[last_digit] == '.')
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

size_t kb_redact_span(const char *text, size_t i)
{
    int start_ok = i == 0 || !isalnum((unsigned char)text[i - 1]);
    size_t n = email_at(text + i, start_ok && text[i] != '.');
    return n ? n : phone_at(text + i, start_ok);
}

char *kb_redact(const char *text, const char *const *names, size_t nnames)
{
    struct kb_buf b = KB_BUF_INIT;
    if (!text)
        return kb_xstrdup("");
    /* Name parts to look for. */
    char *parts[64];
    size_t nparts = 0;
    for (size_t i = 0; i < nnames && nparts < 60; i++) {
        if (!names[i] || strlen(names[i]) < 3)
            continue;
        parts[nparts++] = kb_xstrdup(names[i]);
        char *copy = kb_xstrdup(names[i]), *save = NULL;
        for (char *t = strtok_r(copy, " ,", &save); t && nparts < 60; t = strtok_r(NULL, " ,", &save))
            if (strlen(t) >= 3 && strcasecmp(t, names[i]) != 0)
                parts[nparts++] = kb_xstrdup(t);
        free(copy);
    }
    for (size_t i = 0; text[i];) {
        int start_ok = i == 0 || !isalnum((unsigned char)text[i - 1]);
        size_t n;
        if ((n = email_at(text + i, start_ok && text[i] != '.')) > 0) {
            kb_buf_adds(&b, "[email]");
            i += n;
            continue;
        }
        if ((n = phone_at(text + i, start_ok)) > 0) {
            kb_buf_adds(&b, "[phone]");
            i += n;
            continue;
        }
        size_t hit = 0;
        for (size_t p = 0; p < nparts && start_ok; p++) {
            size_t len = strlen(parts[p]);
            if (strncasecmp(text + i, parts[p], len) == 0 && word_boundary(text, i, len) && len > hit)
                hit = len;
        }
        if (hit) {
            kb_buf_adds(&b, "[name]");
            i += hit;
            continue;
        }
        kb_buf_addc(&b, text[i]);
        i++;
    }
    for (size_t p = 0; p < nparts; p++)
        free(parts[p]);
    return kb_buf_detach(&b);
}
