/* The e-mail that tells a help desk a problem is emerging: sent to the
 * support address of the contact "email" destination (its "to", from its
 * "from", over its SMTP settings: contact_send.c's srv_contact_smtp), with
 * a Message-ID made from the problem's key, so that a receiver drops a
 * copy sent again (after a crash between sending and recording it). The
 * examples in the report are redacted already. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contact.h"
#include "emerging.h"
#include "kb/base/buf.h"

static const char *str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* The text of the message (before quoted-printable). */
static void body_text(struct kb_buf *t, json_t *p, const char *panel, const char *what)
{
    json_t *words = json_object_get(p, "words"), *v;
    size_t i;
    kb_buf_adds(t, "A problem is emerging: ");
    json_array_foreach(words, i, v)
        kb_buf_printf(t, "%s%s", i ? ", " : "", json_string_value(v));
    long long count = (long long)json_integer_value(json_object_get(p, "count"));
    kb_buf_printf(t, "\n\n%lld %s in the last %zu hours, where its own baseline expects %.1f.\n",
                  count, what, json_array_size(json_object_get(p, "hourly")),
                  json_number_value(json_object_get(p, "baseline")));
    time_t since = (time_t)json_integer_value(json_object_get(p, "since"));
    struct tm tm;
    char when[64];
    gmtime_r(&since, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
    kb_buf_printf(t, "First seen: %s\n", when);
    json_t *art = json_object_get(p, "article");
    if (json_is_object(art))
        kb_buf_printf(t, "Best article: %s %s\n", str(art, "ref"), str(art, "title"));
    else
        kb_buf_adds(t, "Best article: no article answers this.\n");
    kb_buf_adds(t, "\nExamples (personal data redacted):\n");
    json_array_foreach(json_object_get(p, "examples"), i, v)
        kb_buf_printf(t, "  - %s\n", str(v, "text"));
    kb_buf_printf(t, "\nThe panel: %s\n", panel);
}

int srv_alert_email(struct kb_store *st, json_t *p, const char *panel, int *sent,
                    struct kb_err *err)
{
    *sent = 0;
    int enabled = 0;
    char *config = NULL;
    if (kb_contact_dest_get(st, "email", &enabled, &config, NULL) != 0 || !enabled) {
        free(config);
        return 0; /* no e-mail destination: nothing to send */
    }
    json_t *cfg = json_loads(config, 0, NULL);
    free(config);
    const char *from = str(cfg, "from"), *to = str(cfg, "to"), *key = str(p, "key");
    if (!*from || !*to || !*key || kb_contact_header_unsafe(key)) {
        json_decref(cfg);
        return kb_err_set(err, KB_EINVAL, "email alert: no from or to address configured");
    }
    int searches = !strcmp(str(p, "source"), "searches");
    const char *what = searches ? "customers searched for it" : "tickets";

    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)key, strlen(key));
    char hex[2 * 12 + 1];
    sodium_bin2hex(hex, sizeof hex, h, 12);
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    const char *dom = strrchr(from, '@');

    struct kb_buf m = KB_BUF_INIT, subj = KB_BUF_INIT, text = KB_BUF_INIT;
    kb_buf_printf(&m, "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: ", date, from, to);
    kb_buf_adds(&subj, "Emerging problem: ");
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(p, "words"), i, v) {
        if (i == 4)
            break;
        kb_buf_printf(&subj, "%s%s", i ? " " : "", json_string_value(v));
    }
    kb_buf_printf(&subj, " (%lld %s)", (long long)json_integer_value(json_object_get(p, "count")),
                  searches ? "customers searching" : "tickets");
    srv_mail_header_text(&m, kb_buf_str(&subj));
    kb_buf_printf(&m, "\r\nMessage-ID: <emerging-%s@%s>\r\nX-KB-Emerging-Key: ", hex,
                  dom ? dom + 1 : "kb-server");
    srv_mail_header_text(&m, key);
    kb_buf_adds(&m, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
    body_text(&text, p, panel, what);
    srv_mail_quoted_printable(&m, kb_buf_str(&text));
    int code = srv_contact_smtp(cfg, m.data, m.len, err);
    kb_buf_release(&text);
    kb_buf_release(&subj);
    kb_buf_release(&m);
    json_decref(cfg);
    if (code == 0)
        *sent = 1;
    return code;
}
