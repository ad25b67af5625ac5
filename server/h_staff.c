/* The staff pages: /login, /agent, /write and /admin are static HTML shells
 * from the web folder (their scripts do the rest through the JSON API),
 * served with a strict Content-Security-Policy. A staff page asked for by
 * someone not logged in redirects to /login?next=...; a logged-in user
 * without the page's role gets a short 403 page and never the shell. Also
 * POST /api/v1/tickets/{id}/draft: a resolved ticket becomes a draft article
 * for the writers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kb/store/articles.h"
#include "kb/base/log.h"
#include "kb/store/tickets.h"
#include "srv.h"

#define STAFF_CSP "default-src 'self'; img-src 'self' data:; style-src 'self'; " \
                  "script-src 'self'; frame-ancestors 'none'"
#define SHELL_MAX_BYTES (1024 * 1024)

/* ---- headers and small pages ------------------------------------------------ */

/* Every staff answer: the CSP, no framing, no caching (pages differ by who
 * asks). The core adds X-Content-Type-Options: nosniff to every response. */
static void staff_headers(struct srv_resp *w)
{
    srv_header_add(w, "Content-Security-Policy", STAFF_CSP);
    srv_header_add(w, "X-Frame-Options", "DENY");
    srv_header_add(w, "Referrer-Policy", "same-origin");
    srv_header_add(w, "Cache-Control", "private, no-store");
}

/* Appends s with &, <, >, " and ' escaped. */
static void esc(struct kb_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': kb_buf_adds(b, "&amp;"); break;
        case '<': kb_buf_adds(b, "&lt;"); break;
        case '>': kb_buf_adds(b, "&gt;"); break;
        case '"': kb_buf_adds(b, "&quot;"); break;
        case '\'': kb_buf_adds(b, "&#39;"); break;
        default: kb_buf_addc(b, *s);
        }
    }
}

/* A short complete page: title, a paragraph (plain text, escaped) and links
 * (pairs of href and text, NULL-terminated; trusted constants). */
static void small_page(struct srv_resp *w, int status, const char *title, const char *msg,
                       const char *const *links)
{
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta name=\"robots\" content=\"noindex\">\n<title>");
    esc(&b, title);
    kb_buf_adds(&b, " - Help Center staff</title>\n"
                    "<link rel=\"stylesheet\" href=\"/static/staff.css\">\n"
                    "<script src=\"/static/staff.js\" defer></script>\n</head>\n"
                    "<body class=\"staff narrow\">\n<main id=\"main\" class=\"notice panel\">\n<h1>");
    esc(&b, title);
    kb_buf_adds(&b, "</h1>\n<p role=\"alert\">");
    esc(&b, msg);
    kb_buf_adds(&b, "</p>\n<ul class=\"links\">\n");
    for (size_t i = 0; links && links[i] && links[i + 1]; i += 2) {
        kb_buf_adds(&b, "<li><a href=\"");
        esc(&b, links[i]);
        kb_buf_adds(&b, "\">");
        esc(&b, links[i + 1]);
        kb_buf_adds(&b, "</a></li>\n");
    }
    kb_buf_adds(&b, "<li><button type=\"button\" class=\"link\" data-logout>Log out</button></li>\n"
                    "</ul>\n</main>\n</body>\n</html>\n");
    staff_headers(w);
    srv_html(w, status, &b);
}

static void redirect(struct srv_resp *w, const char *location)
{
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<title>Log in</title></head><body><p><a href=\"");
    esc(&b, location);
    kb_buf_adds(&b, "\">Log in</a></p></body></html>\n");
    staff_headers(w);
    srv_html(w, 303, &b);
    srv_header_add(w, "Location", location);
}

/* Sends web/<name> as an HTML page; a missing file is a logged 500. */
static void send_shell(struct srv_ctx *c, struct srv_resp *w, const char *name)
{
    const char *dir = c->srv->opts.web_dir && *c->srv->opts.web_dir ? c->srv->opts.web_dir
                                                                    : "web";
    char path[4096];
    struct stat sb;
    char *data = NULL;
    size_t got = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > SHELL_MAX_BYTES) {
        kb_log(KB_LOG_ERROR, "staff: cannot serve '%s': %s", path,
               fd < 0 ? strerror(errno) : "not a regular file of at most 1 MiB");
        if (fd >= 0)
            close(fd);
        small_page(w, 500, "Page unavailable",
                   "This page cannot be shown right now. The server log says why.", NULL);
        return;
    }
    size_t size = (size_t)sb.st_size;
    data = kb_xmalloc(size + 1);
    while (got < size) {
        ssize_t k = read(fd, data + got, size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    data[got] = '\0';
    struct kb_buf b = KB_BUF_INIT;
    b.data = data;
    b.len = got;
    b.cap = size + 1;
    staff_headers(w);
    srv_html(w, 200, &b);
}

/* Serves a staff page to callers with at least role min; others are sent
 * to the login page or refused. */
static void staff_page(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w, int min,
                       const char *name, const char *self)
{
    if (r->who.role >= min) {
        send_shell(c, w, name);
        return;
    }
    if (r->who.user_id == 0) {
        char loc[128];
        snprintf(loc, sizeof loc, "/login?next=%s", self);
        redirect(w, loc);
        return;
    }
    char msg[256], relogin[128];
    snprintf(msg, sizeof msg, "This page needs the %s role. You are logged in as %s (%s).",
             kb_role_name(min), r->who.username, kb_role_name(r->who.role));
    snprintf(relogin, sizeof relogin, "/login?next=%s", self);
    /* Everyone logged in is staff (agent or more): point them home. */
    const char *home = r->who.role >= KB_ROLE_WRITER ? "/write" : "/agent";
    const char *links[] = {home, "Go to your staff page", relogin, "Log in as someone else", NULL};
    small_page(w, 403, "Not allowed", msg, links);
}

static void h_login_page(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    send_shell(c, w, "login.html");
}

static void h_agent(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    staff_page(c, r, w, KB_ROLE_AGENT, "agent.html", "/agent");
}

static void h_write(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    staff_page(c, r, w, KB_ROLE_WRITER, "write.html", "/write");
}

static void h_admin(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    staff_page(c, r, w, KB_ROLE_ADMIN, "admin.html", "/admin");
}

/* ---- POST /api/v1/tickets/{id}/draft ---------------------------------------- */

/* Appends plain text as Markdown that renders as the same text: characters
 * Markdown would read as markup are backslash-escaped, and line breaks
 * within a paragraph are kept. */
static void md_text(struct kb_buf *b, const char *s)
{
    int bol = 1, any = 0;
    for (; s && *s; s++) {
        char ch = *s;
        if (ch == '\r' || ch == '\n') {
            /* A run of line ends (blank lines, white space between them):
             * two or more make a paragraph break, one a hard line break. */
            int lines = 0;
            const char *p = s;
            for (; *p == '\r' || *p == '\n' || *p == ' ' || *p == '\t'; p++)
                lines += *p == '\n' || (*p == '\r' && p[1] != '\n');
            if (*p && any) /* none at the start or the end */
                kb_buf_adds(b, lines >= 2 ? "\n\n" : lines == 1 ? "\\\n" : "");
            s = p - 1;
            bol = 1;
            continue;
        }
        if (bol && (ch == ' ' || ch == '\t')) /* indentation would make a code block */
            continue;
        if (strchr("\\`*_[]<>&~|", ch) || (bol && strchr("#+-=", ch)))
            kb_buf_addc(b, '\\');
        else if (bol && ch >= '0' && ch <= '9') {
            /* "1. " or "1) " at a line start would begin a list. */
            const char *p = s;
            while (*p >= '0' && *p <= '9')
                p++;
            if ((*p == '.' || *p == ')') && strchr(" \t\r\n", p[1])) { /* also p[1] == 0 */
                kb_buf_add(b, s, (size_t)(p - s));
                kb_buf_addc(b, '\\');
                s = p - 1;
                bol = 0;
                any = 1;
                continue;
            }
        }
        kb_buf_addc(b, ch);
        bol = 0;
        any = 1;
    }
}

static void h_ticket_draft(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"audience", NULL};
    struct kb_err err = {0, ""};
    struct kb_doc t, d;
    json_t *o = NULL;
    const char *aud = NULL;
    char *subject = NULL, *desc = NULL, *res = NULL;
    int audience = KB_AUD_INTERNAL, kind = -1;
    int64_t number = 0, created = 0;
    kb_doc_init(&t);
    kb_doc_init(&d);

    if (r->body_len) { /* the body is optional */
        if (!(o = srv_body_object(r, w)) || srv_check_keys(o, keys, w) ||
            srv_get_str(o, "audience", 0, 16, &aud, w))
            goto out;
        if (aud && (audience = kb_audience_parse(aud)) < 0) {
            srv_error(w, 400, "bad_field", "field 'audience' must be \"public\" or \"internal\"");
            goto out;
        }
    }
    const char *ref = r->nparams > 0 ? r->param[0] : "";
    int rc = kb_store_find(c->st, ref, &kind, &number, &err);
    if (rc == 0 && kind != KB_KIND_TICKET)
        rc = KB_ENOTFOUND;
    if (rc == 0)
        rc = kb_store_get(c->st, KB_KIND_TICKET, number, &t, &err);
    if (rc == KB_ENOTFOUND || rc == KB_EINVAL) {
        srv_error(w, 404, "not_found", "no ticket '%s'", ref);
        goto out;
    }
    if (rc) {
        srv_kb_error(w, &err);
        goto out;
    }

    /* An article is no place for a customer's name, address or number. */
    const char *names[1] = {t.customer};
    size_t nn = t.customer && *t.customer ? 1 : 0;
    subject = kb_redact(t.title && *t.title ? t.title : t.source_id, names, nn);
    desc = kb_redact(t.description ? t.description : "", names, nn);
    res = kb_redact(t.resolution ? t.resolution : "", names, nn);

    struct kb_buf md = KB_BUF_INIT;
    kb_buf_adds(&md, "## Problem\n\n");
    md_text(&md, *desc ? desc : "(no description)");
    kb_buf_adds(&md, "\n\n## Resolution\n\n");
    md_text(&md, *res ? res : "(no resolution recorded)");
    kb_buf_adds(&md, "\n\n---\n\n*Drafted from resolved ticket ");
    md_text(&md, t.source_id);
    kb_buf_adds(&md, ".*\n");

    d.kind = KB_KIND_ARTICLE;
    d.audience = audience;
    d.status = KB_STATUS_DRAFT;
    d.title = subject;
    subject = NULL;
    kb_doc_set(&d.category, t.category);
    kb_doc_set(&d.product, t.product);
    kb_doc_set(&d.locale, t.locale && *t.locale ? t.locale : "en");
    kb_article_render(KB_FMT_MARKDOWN, kb_buf_str(&md), md.len, &d.source, &d.html, &d.text);
    d.format = KB_FMT_MARKDOWN;
    kb_buf_release(&md);

    if (kb_article_create(c->st, &d, r->who.username[0] ? r->who.username : NULL, &created,
                          &err) != 0) {
        srv_kb_error(w, &err);
        goto out;
    }
    srv_changed(c->srv);
    kb_log(KB_LOG_INFO, "staff: %s drafted KB-%lld from ticket %s", r->who.username,
           (long long)created, t.source_id);
    char loc[64], ref_out[32];
    snprintf(loc, sizeof loc, "/api/v1/articles/KB-%lld", (long long)created);
    snprintf(ref_out, sizeof ref_out, "KB-%lld", (long long)created);
    srv_header_add(w, "Location", loc);
    char edit[48];
    snprintf(edit, sizeof edit, "/write#%s", ref_out);
    srv_json(w, 201, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s, s:s}", "number",
                               (json_int_t)created, "ref", ref_out, "title", d.title, "status",
                               "draft", "audience", kb_audience_name(audience), "category",
                               d.category, "ticket", t.source_id, "edit", edit));
out:
    free(subject);
    free(desc);
    free(res);
    kb_doc_release(&d);
    kb_doc_release(&t);
    json_decref(o);
}

const struct srv_route srv_routes_staff[] = {
    {"GET", "/login", h_login_page, KB_ROLE_CUSTOMER, 0, "Staff login page (HTML)"},
    {"GET", "/agent", h_agent, KB_ROLE_CUSTOMER, 0,
     "Agent console (HTML; agents and up, else a redirect to /login)"},
    {"GET", "/write", h_write, KB_ROLE_CUSTOMER, 0,
     "Article editor (HTML; writers and up, else a redirect to /login)"},
    {"GET", "/admin", h_admin, KB_ROLE_CUSTOMER, 0,
     "Admin dashboard (HTML; admins, else a redirect to /login)"},
    {"POST", "/api/v1/tickets/{id}/draft", h_ticket_draft, KB_ROLE_AGENT, 0,
     "turn a resolved ticket into a draft article {audience?} (internal by default)"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
