/* GET and POST /contact: the contact form. A request is stored with its
 * delivery rows (kb/store/contact.c) before the customer gets an answer;
 * the delivery worker (contact_worker.c) then sends it on. The answer is
 * honest: the desk's ticket number when a destination gave one within
 * --contact-wait-ms, else "received, we will e-mail you at ...".
 *
 * Abuse: a rate limit per visitor and per network (on by default), a
 * honeypot field ("website", hidden from people) whose bots get the same
 * answer and nothing stored, and no CR/LF in any field that reaches a mail
 * header. The deflection trail records which articles the page showed
 * (the "shown" field help.js fills) and which this visitor opened (their
 * click and view events of the last day). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contact.h"
#include "brand.h"
#include "emerging.h"
#include "html_tpl.h"
#include "kb/base/log.h"
#include "kb/base/text.h"
#include "ratelimit.h"

#define TRAIL_MAX 20          /* articles per part of the trail */
#define OPENED_SINCE 86400    /* the visitor's events of the last day */
#define POLL_MS 5

struct form {
    struct kb_buf name, email, subject, description, website, key, shown;
};

static void form_release(struct form *f)
{
    kb_buf_release(&f->name);
    kb_buf_release(&f->email);
    kb_buf_release(&f->subject);
    kb_buf_release(&f->description);
    kb_buf_release(&f->website);
    kb_buf_release(&f->key);
    kb_buf_release(&f->shown);
}

static void input(struct kb_buf *b, const char *id, const char *label, const char *type,
                  int max, const char *value, const char *autocomplete)
{
    kb_buf_printf(b, "<p><label for=\"%s\">%s</label>\n<input id=\"%s\" name=\"%s\" type=\"%s\" "
                     "required maxlength=\"%d\" autocomplete=\"%s\"",
                  id, label, id, id, type, max, autocomplete);
    if (value && *value) {
        kb_buf_adds(b, " value=\"");
        tpl_esc(b, value);
        kb_buf_addc(b, '"');
    }
    kb_buf_adds(b, "></p>\n");
}

static void new_form_key(char key[KB_CONTACT_KEY_LEN + 1])
{
    unsigned char raw[KB_CONTACT_KEY_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(key, KB_CONTACT_KEY_LEN + 1, raw, sizeof raw);
}

static void contact_page(struct srv_resp *w, const struct srv_req *r, int status,
                         const char *error, const struct form *f, const char *subject)
{
    struct kb_buf b = KB_BUF_INIT;
    struct tpl_page p = {"Contact support",
                         "Still need help? Send a message to the support team.", NULL, NULL,
                         0, 0};
    tpl_begin(&b, r, &p);
    kb_buf_adds(&b, "<h1>Still need help?</h1>\n");
    const char *intro = srv_brand_now()->contact_text;
    if (*intro) { /* the admin's text, as paragraphs of plain text */
        kb_buf_adds(&b, "<div class=\"contact-intro\"><p>");
        for (const char *p = intro; *p; p++) {
            if (*p == '\n' && p[1] == '\n') {
                kb_buf_adds(&b, "</p><p>");
                while (p[1] == '\n')
                    p++;
            } else {
                char one[2] = {*p, 0};
                tpl_esc(&b, one);
            }
        }
        kb_buf_adds(&b, "</p></div>\n");
    } else {
        kb_buf_adds(&b, "<p>Tell us what's going on and our support team will get back to you "
                        "by e-mail. If you saw an article number such as KB-1042, include "
                        "it.</p>\n");
    }
    if (error) {
        kb_buf_adds(&b, "<p class=\"error\" role=\"alert\">");
        tpl_esc(&b, error);
        kb_buf_adds(&b, "</p>\n");
    }
    /* The key makes a form sent twice one request; a new one per page. */
    char key[KB_CONTACT_KEY_LEN + 1];
    if (f && f->key.len == KB_CONTACT_KEY_LEN)
        snprintf(key, sizeof key, "%s", kb_buf_str(&f->key));
    else
        new_form_key(key);
    kb_buf_printf(&b, "<form class=\"contact\" method=\"post\" action=\"/contact\">\n"
                      "<input type=\"hidden\" name=\"key\" value=\"%s\">\n"
                      "<input type=\"hidden\" name=\"shown\" id=\"shown\" value=\"\">\n", key);
    input(&b, "name", "Your name", "text", KB_CONTACT_NAME_MAX, f ? kb_buf_str(&f->name) : NULL,
          "name");
    input(&b, "email", "Email", "email", KB_CONTACT_EMAIL_MAX,
          f ? kb_buf_str(&f->email) : NULL, "email");
    /* The honeypot: people never see it; bots fill every field. */
    kb_buf_adds(&b, "<p class=\"hp\" aria-hidden=\"true\">"
                    "<label for=\"website\">Leave this empty</label>\n"
                    "<input id=\"website\" name=\"website\" type=\"text\" tabindex=\"-1\" "
                    "autocomplete=\"off\"></p>\n");
    input(&b, "subject", "Subject", "text", KB_CONTACT_SUBJECT_MAX,
          f ? kb_buf_str(&f->subject) : subject, "off");
    kb_buf_printf(&b,
                  "<p><label for=\"description\">Description</label>\n"
                  "<textarea id=\"description\" name=\"description\" rows=\"8\" required "
                  "maxlength=\"%d\" aria-describedby=\"description-hint\">",
                  KB_CONTACT_TEXT_MAX);
    if (f)
        tpl_esc(&b, kb_buf_str(&f->description));
    /* help.js lists matching articles in #deflect as the customer types. */
    kb_buf_adds(&b, "</textarea>\n<span class=\"hint\" id=\"description-hint\">What were you "
                    "trying to do, and what happened instead?</span></p>\n"
                    "<div class=\"deflect\" id=\"deflect\" hidden></div>\n"
                    "<p class=\"send\"><button type=\"submit\" id=\"contact-send\">Send message"
                    "</button></p>\n</form>\n");
    tpl_end(&b);
    tpl_send(w, r, status, &b);
}

static void h_contact(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)c;
    const char *subject = srv_arg(r, "subject");
    if (subject && strlen(subject) > KB_CONTACT_SUBJECT_MAX)
        subject = NULL;
    contact_page(w, r, 200, NULL, NULL, subject);
}

/* ---- the trail ---------------------------------------------------------------- */

/* Adds {number, title} for article n when a customer may see it. */
static void trail_add(struct srv_ctx *c, json_t *arr, int64_t n)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_integer_value(json_object_get(v, "number")) == n)
        return;
    struct kb_doc d;
    kb_doc_init(&d);
    struct kb_err err;
    if (kb_store_get(c->st, KB_KIND_ARTICLE, n, &d, &err) == 0 &&
        d.status == KB_STATUS_PUBLISHED && d.audience == KB_AUD_PUBLIC)
        json_array_append_new(arr, json_pack("{s:I, s:s}", "number", (json_int_t)n, "title",
                                             d.title ? d.title : ""));
    kb_doc_release(&d);
}

static char *trail_json(struct srv_ctx *c, const struct srv_req *r, const char *shown)
{
    json_t *s = json_array(), *o = json_array();
    for (const char *p = shown; p && *p && json_array_size(s) < TRAIL_MAX;) {
        char *end;
        long long n = strtoll(p, &end, 10);
        if (end == p)
            break;
        if (n > 0)
            trail_add(c, s, n);
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            break;
    }
    int64_t *nums = NULL;
    size_t nn = 0;
    struct kb_err err;
    if (kb_contact_opened(c->st, r->ident_hash, (int64_t)time(NULL) - OPENED_SINCE, TRAIL_MAX,
                          &nums, &nn, &err) != 0)
        kb_log(KB_LOG_WARN, "contact: no opened articles in the trail: %s", err.msg);
    for (size_t i = 0; i < nn; i++)
        trail_add(c, o, nums[i]);
    free(nums);
    json_t *t = json_pack("{s:o, s:o}", "shown", s, "opened", o);
    char *out = json_dumps(t, JSON_COMPACT);
    json_decref(t);
    return out;
}

/* ---- POST /contact ------------------------------------------------------------ */

static void thanks(struct srv_resp *w, const struct srv_req *r, const char *email,
                   const char *ticket)
{
    struct kb_buf b = KB_BUF_INIT;
    struct tpl_page p = {"Message sent", NULL, NULL, NULL, 0, 1};
    tpl_begin(&b, r, &p);
    kb_buf_adds(&b, "<div class=\"notice\">\n<h1>Thank you!</h1>\n<p role=\"status\">");
    if (ticket) {
        kb_buf_adds(&b, "We've received your message: your ticket number is <strong "
                        "class=\"ticket\">");
        tpl_esc(&b, ticket);
        kb_buf_adds(&b, "</strong>. We will e-mail you at <strong>");
    } else {
        kb_buf_adds(&b, "We've received your message and will e-mail you at <strong>");
    }
    tpl_esc(&b, email);
    kb_buf_adds(&b, "</strong>.</p>\n<p><a href=\"/\">Back to the ");
    tpl_product(&b);
    kb_buf_adds(&b, "</a></p>\n</div>\n");
    tpl_end(&b);
    tpl_send(w, r, 200, &b);
}

/* The page's wording of a store error "field 'x': problem". */
static void field_error(char *out, size_t n, const char *msg)
{
    static const struct {
        const char *field, *label;
    } labels[] = {{"'name'", "Name"}, {"'email'", "Email"}, {"'subject'", "Subject"},
                  {"'description'", "Description"}};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        const char *p = strstr(msg, labels[i].field);
        if (p) {
            const char *why = strstr(p, ": ");
            snprintf(out, n, "%s: %s.", labels[i].label, why ? why + 2 : "please check it");
            return;
        }
    }
    snprintf(out, n, "Your message could not be accepted: %s.", msg);
}

/* 1 when r may send one more request now; else a 429 page in w. */
static int rate_ok(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct srv *s = c->srv;
    const struct srv_opts *o = &s->opts;
    unsigned retry = 0;
    char vkey[64], nkey[64];
    /* A visitor id made for this very request says nothing: a client that
     * drops cookies gets a new one each time. Then the address counts. */
    if (r->visitor_issued || !r->visitor[0])
        snprintf(vkey, sizeof vkey, "a:%s", r->client);
    else
        snprintf(vkey, sizeof vkey, "v:%s", r->ident_hash);
    snprintf(nkey, sizeof nkey, "n:%s", r->net_hash);
    if ((!o->contact_rate || srv_rate_ok(s->contact_ratelimit, vkey, o->contact_rate, 3600,
                                         &retry)) &&
        (!o->contact_net_rate || srv_rate_ok(s->contact_ratelimit, nkey, o->contact_net_rate,
                                             3600, &retry)))
        return 1;
    char v[16];
    snprintf(v, sizeof v, "%u", retry);
    tpl_error(w, r, 429, "Too many messages",
              "You have sent several messages in a short time. Please wait a while before "
              "sending another one; the ones you sent have reached us.");
    srv_header_add(w, "Retry-After", v);
    return 0;
}

/* Waits up to --contact-wait-ms for the first attempt of each delivery;
 * the ticket number a destination gave, or NULL. */
static char *wait_ticket(struct srv_ctx *c, int64_t id)
{
    unsigned waited = 0, max = c->srv->opts.contact_wait_ms;
    for (;;) {
        char *ticket = NULL;
        int untried = 0;
        struct kb_err err;
        if (kb_contact_progress(c->st, id, &ticket, &untried, &err) != 0)
            return NULL;
        if (ticket || !untried || waited >= max)
            return ticket;
        struct timespec t = {0, POLL_MS * 1000000L};
        nanosleep(&t, NULL);
        waited += POLL_MS;
    }
}

static void h_contact_post(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct form f = {KB_BUF_INIT, KB_BUF_INIT, KB_BUF_INIT, KB_BUF_INIT,
                     KB_BUF_INIT, KB_BUF_INIT, KB_BUF_INIT};
    struct kb_buf *bufs[] = {&f.name, &f.email, &f.subject, &f.description, &f.website, &f.key,
                             &f.shown};
    const char *names[] = {"name", "email", "subject", "description", "website", "key", "shown"};
    char *trail = NULL;
    int bad = 0;
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        /* A NUL byte or invalid UTF-8: refused, and never shown back. */
        if (srv_form_get(r, names[i], bufs[i]) < 0 || !kb_utf8_valid(bufs[i]->data, bufs[i]->len))
            bad = 1;
        kb_buf_add(bufs[i], "", 0);
    }
    if (bad) {
        contact_page(w, r, 400, "Your message contains characters we can't accept.", NULL, NULL);
        goto out;
    }
    struct kb_contact_in in = {kb_buf_str(&f.key), kb_buf_str(&f.name), kb_buf_str(&f.email),
                               kb_buf_str(&f.subject), kb_buf_str(&f.description), NULL, NULL,
                               r->ident_hash, r->net_hash};
    if (f.key.len != KB_CONTACT_KEY_LEN ||
        strspn(kb_buf_str(&f.key), "0123456789abcdef") != KB_CONTACT_KEY_LEN)
        in.key = NULL; /* a missing or odd key: a new one */
    struct kb_err err = {0, ""};
    if (kb_contact_check(&in, &err) != 0) {
        char msg[300];
        field_error(msg, sizeof msg, err.msg);
        contact_page(w, r, 400, msg, &f, NULL);
        goto out;
    }
    if (!rate_ok(c, r, w))
        goto out;
    if (f.website.len) {
        /* A bot: the same answer, nothing stored or sent. */
        kb_log(KB_LOG_INFO, "contact: honeypot filled from %s: dropped", r->client);
        thanks(w, r, in.email, NULL);
        goto out;
    }
    trail = trail_json(c, r, kb_buf_str(&f.shown));
    in.trail = trail;
    int64_t id = 0;
    char key[KB_CONTACT_KEY_LEN + 1];
    int existing = 0, ndest = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (kb_contact_submit(c->st, &in, (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, &id,
                          key, &existing, &ndest, &err) != 0) {
        if (err.code == KB_EINVAL) {
            char msg[300];
            field_error(msg, sizeof msg, err.msg);
            contact_page(w, r, 400, msg, &f, NULL);
        } else {
            kb_log(KB_LOG_ERROR, "contact: cannot store a request: %s", err.msg);
            tpl_error(w, r, 503, "Sorry, we couldn't save your message",
                      "Nothing was sent. Please try again in a moment.");
        }
        goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    kb_log(KB_LOG_INFO, "contact: CR-%lld %s (%d destinations) in %.1f ms", (long long)id,
           existing ? "sent again" : "stored", ndest,
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    if (ndest && !existing)
        srv_contact_wake(c->srv);
    if (!existing) /* a contact request is a ticket to emerging problems (one cycle a second) */
        srv_emerging_wake(c->srv);
    char *ticket = wait_ticket(c, id);
    thanks(w, r, in.email, ticket);
    free(ticket);
out:
    free(trail);
    form_release(&f);
}

const struct srv_route srv_routes_contact[] = {
    {"GET", "/contact", h_contact, KB_ROLE_CUSTOMER, 0, "Contact support page (HTML)"},
    {"POST", "/contact", h_contact_post, KB_ROLE_CUSTOMER, SRV_RAW_BODY | SRV_RATED,
     "Contact form (form-encoded name, email, subject, description, key, shown); stored, "
     "then delivered to the configured destinations"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
