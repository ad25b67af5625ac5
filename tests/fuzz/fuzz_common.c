/* Shared by the libFuzzer targets; see fuzz_common.h. */
#include "fuzz_common.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "kb/store/auth.h"
#include "kb/ingest/ingest_int.h"
#include "kb/base/log.h"
#include "kb/search/search.h"
#include "kb/store/store.h"
#include "kb/sync/sync.h"
#include "kb/base/text.h"

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz: broken promise: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

/* ---- scratch directories ---- */

static char tmpdirs[8][256];
static int ntmpdirs;
static pid_t tmp_owner;

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_tmpdirs(void)
{
    if (getpid() != tmp_owner)
        return;
    for (int i = 0; i < ntmpdirs; i++)
        nftw(tmpdirs[i], rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_tmpdir(const char *tag)
{
    if (ntmpdirs == (int)(sizeof tmpdirs / sizeof tmpdirs[0]))
        fuzz_fail("too many scratch directories");
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char *d = tmpdirs[ntmpdirs];
    snprintf(d, sizeof tmpdirs[0], "%s/kb-fuzz-%s-XXXXXX", base, tag);
    if (!mkdtemp(d))
        fuzz_fail("cannot create a scratch directory under %s", base);
    if (ntmpdirs++ == 0) {
        tmp_owner = getpid();
        atexit(rm_tmpdirs);
    }
    return d;
}

/* ---- documents ---- */

static void check_str(const char *what, const char *s)
{
    if (s && !kb_utf8_valid(s, strlen(s)))
        fuzz_fail("doc field %s is not valid utf-8", what);
}

void fuzz_check_doc(const struct kb_doc *d)
{
#define CHK(f) check_str(#f, d->f);
    CHK(source_id) CHK(source_path) CHK(locale) CHK(title) CHK(summary) CHK(text)
    CHK(html) CHK(source) CHK(category) CHK(product) CHK(description) CHK(resolution)
    CHK(customer) CHK(unit) CHK(team) CHK(linked_article)
#undef CHK
    for (size_t i = 0; i < d->ntags; i++) {
        if (!d->tags[i])
            fuzz_fail("tag %zu is NULL", i);
        check_str("tag", d->tags[i]);
    }
    if (!d->locale || !*d->locale)
        fuzz_fail("doc without a locale");
    if (d->kind != KB_KIND_ARTICLE && d->kind != KB_KIND_TICKET)
        fuzz_fail("doc kind %d", d->kind);
    if (d->kind == KB_KIND_TICKET && d->audience != KB_AUD_INTERNAL)
        fuzz_fail("a ticket that is not internal");
    if (d->audience != KB_AUD_PUBLIC && d->audience != KB_AUD_INTERNAL)
        fuzz_fail("doc audience %d", d->audience);
    if (d->html)
        fuzz_check_html(d->html);
    /* The content hash and a deep copy read every field. */
    char hash[65];
    kb_doc_hash(d, hash);
    struct kb_doc copy;
    kb_doc_copy(&copy, d);
    kb_doc_release(&copy);
}

/* ---- the HTML allowlist oracle ---- */

static const char *const ok_elems[] = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "img", "code", "pre",
    "em", "strong", "b", "i", "u", "s", "del", "blockquote", "table", "thead", "tbody",
    "tr", "th", "td", "br", "hr", "dl", "dt", "dd", "span", "div", "kbd", "sup", "sub",
    /* the parser's own wrappers around a fragment */
    "html", "body", NULL,
};

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcasecmp(*list, s) == 0)
            return 1;
    return 0;
}

static int attr_ok(const char *elem, const char *name)
{
    static const char *const a_attrs[] = {"href", "title", NULL};
    static const char *const img_attrs[] = {"src", "alt", "title", "width", "height", NULL};
    static const char *const cell_attrs[] = {"colspan", "rowspan", NULL};
    static const char *const ol_attrs[] = {"start", NULL};
    static const char *const code_attrs[] = {"class", NULL};
    if (strcasecmp(elem, "a") == 0)
        return in_list(a_attrs, name);
    if (strcasecmp(elem, "img") == 0)
        return in_list(img_attrs, name);
    if (strcasecmp(elem, "td") == 0 || strcasecmp(elem, "th") == 0)
        return in_list(cell_attrs, name);
    if (strcasecmp(elem, "ol") == 0)
        return in_list(ol_attrs, name);
    if (strcasecmp(elem, "code") == 0)
        return in_list(code_attrs, name);
    return 0;
}

static void check_node(const char *html, xmlNode *n, int depth)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)n->name;
        if (!in_list(ok_elems, name))
            fuzz_fail("element <%s> in sanitised html: %.300s", name, html);
        for (xmlAttr *a = n->properties; a; a = a->next) {
            const char *an = (const char *)a->name;
            if (!attr_ok(name, an))
                fuzz_fail("attribute %s on <%s> in sanitised html: %.300s", an, name, html);
            if (strcasecmp(an, "href") == 0 || strcasecmp(an, "src") == 0) {
                xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
                int ok = kb_in_url_ok(v ? (const char *)v : "", strcasecmp(an, "href") == 0);
                if (!ok)
                    fuzz_fail("unsafe url %s=\"%s\" in sanitised html", an, v ? (char *)v : "");
                xmlFree(v);
            }
        }
        if (depth < 2000)
            check_node(html, n->children, depth + 1);
    }
}

void fuzz_check_html(const char *html)
{
    size_t len = strlen(html);
    if (!kb_utf8_valid(html, len))
        fuzz_fail("sanitised html is not valid utf-8");
    if (len == 0)
        return;
    kb_in_xml_init();
    htmlDocPtr doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                        HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    if (doc) {
        check_node(html, doc->children, 0);
        xmlFreeDoc(doc);
    }
}

/* ---- the sink ---- */

struct fuzz_sink_state fuzz_sink_st;
static struct kb_index *sink_ix;
static int sink_index_this; /* index this input's documents */
static int64_t sink_number;

void fuzz_index_docs(void)
{
    struct kb_err err;
    if (sink_ix)
        return;
    if (kb_index_open(fuzz_tmpdir("ix"), KB_INDEX_WRITE, &sink_ix, &err) != 0)
        fuzz_fail("cannot open a scratch index: %s", err.msg);
    struct kb_index_opts o;
    kb_index_opts_default(&o);
    o.spelling = 1;
    kb_index_set_opts(sink_ix, &o);
}

static int sink_doc(void *ud, const struct kb_doc *d)
{
    (void)ud;
    fuzz_check_doc(d);
    fuzz_sink_st.docs++;
    if (sink_ix && sink_index_this) {
        struct kb_doc n = *d; /* shallow: only the number changes */
        struct kb_err err;
        n.number = ++sink_number;
        int db = d->audience == KB_AUD_PUBLIC ? KB_DB_PUBLIC : KB_DB_INTERNAL;
        if (kb_index_put(sink_ix, db, &n, &err) != 0)
            fuzz_fail("a parsed document cannot be indexed: %s", err.msg);
        /* Commit at once: documents left in Xapian's buffer look like a
         * leak to libFuzzer, whose leak check then scans the whole heap. */
        if (kb_index_commit(sink_ix, sink_number, &err) != 0)
            fuzz_fail("cannot commit the scratch index: %s", err.msg);
    }
    return 0;
}

static void sink_bad(void *ud, const char *where, const char *why)
{
    (void)ud;
    if (!kb_utf8_valid(why, strlen(why)))
        fuzz_fail("a bad-record reason is not valid utf-8: %s", where);
    fuzz_sink_st.bad++;
}

const struct kb_ingest_sink fuzz_sink = {sink_doc, sink_bad, NULL};

/* ---- ingesting ---- */

static int one_doc(int f)
{
    return f == KB_IN_HTML || f == KB_IN_MARKDOWN || f == KB_IN_DOCBOOK ||
           f == KB_IN_MALLARD || f == KB_IN_TEXT;
}

void fuzz_ingest(const char *name, const uint8_t *data, size_t size, int want)
{
    static const struct kb_ingest_opts opts = {KB_AUD_PUBLIC, NULL, NULL, NULL};
    /* An exact-size copy: a read past len is caught even if data is followed
     * by readable bytes. */
    char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    /* Indexing costs about half again a parse: index one input in 4,
     * chosen by content so that a crash replays. */
    uint32_t h = 2166136261u;
    for (size_t k = 0; k < size; k++)
        h = (h ^ data[k]) * 16777619u;
    sink_index_this = h % 4 == 0;
    kb_ingest_buffer(name, buf, size, &opts, &fuzz_sink);

    int f = kb_ingest_detect(name, buf, size);
    const char *s = buf;
    size_t n = size;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        n -= 3;
    }
    size_t i = 0;
    while (i < n && strchr(" \t\r\n\f\v", s[i]) && s[i])
        i++;
    int direct = f != want && i < n;
    if (direct && one_doc(want) &&
        (n > KB_INGEST_MAX_DOC || kb_utf8_check(s, n, 1) != (size_t)-1))
        direct = 0;
    if (direct) {
        struct kb_in_ctx c;
        memset(&c, 0, sizeof c);
        c.name = name;
        c.path = name;
        c.source_id = "fuzz";
        c.opts = &opts;
        c.sink = &fuzz_sink;
        switch (want) {
        case KB_IN_HTML: kb_in_html(&c, s, n, 1); break;
        case KB_IN_MARKDOWN: kb_in_markdown(&c, s, n); break;
        case KB_IN_DOCBOOK:
        case KB_IN_MALLARD: kb_in_xml(&c, s, n, want); break;
        case KB_IN_ARTICLES_JSON: kb_in_articles_json(&c, s, n); break;
        case KB_IN_ARTICLES_JSONL:
        case KB_IN_TICKETS_JSONL: kb_in_jsonl(&c, s, n, want); break;
        case KB_IN_TICKETS_CSV: kb_in_csv(&c, s, n); break;
        default: break;
        }
    }
    free(buf);
}

/* ---- a scratch knowledge base ---- */

static size_t seeded;

static int seed_doc(void *ud, const struct kb_doc *d)
{
    struct kb_err err;
    int result;
    int64_t number;
    if (kb_store_put(ud, d, NULL, &result, &number, &err) != 0)
        fuzz_fail("seed: %s", err.msg);
    seeded++;
    return 0;
}

static void seed_bad(void *ud, const char *where, const char *why)
{
    (void)ud;
    fprintf(stderr, "fuzz: seed: %s: %s\n", where, why);
}

void fuzz_kb_build(struct fuzz_kb *kb)
{
    struct kb_err err;
    struct kb_store *st;
    memset(kb, 0, sizeof *kb);
    kb->root = getenv("KB_FUZZ_ROOT") ? getenv("KB_FUZZ_ROOT") : ".";
    snprintf(kb->data, sizeof kb->data, "%s", fuzz_tmpdir("kb"));
    snprintf(kb->store_path, sizeof kb->store_path, "%s/kb.sqlite3", kb->data);
    snprintf(kb->index_dir, sizeof kb->index_dir, "%s/index", kb->data);
    int level = kb_log_level;
    kb_log_level = KB_LOG_ERROR;
    if (kb_store_open(kb->store_path, &st, &err) != 0)
        fuzz_fail("store: %s", err.msg);

    char path[4200];
    struct kb_ingest_sink sink = {seed_doc, seed_bad, st};
    struct kb_ingest_opts io = {KB_AUD_PUBLIC, NULL, NULL, NULL};
    if (kb_store_begin(st, &err) != 0)
        fuzz_fail("store: %s", err.msg);
    snprintf(path, sizeof path, "%s/samples/articles", kb->root);
    kb_ingest_path(path, &io, &sink, NULL);
    snprintf(path, sizeof path, "%s/samples/tickets.jsonl", kb->root);
    kb_ingest_path(path, &io, &sink, NULL);
    if (kb_store_commit(st, &err) != 0)
        fuzz_fail("seed commit: %s", err.msg);
    if (seeded == 0)
        fprintf(stderr, "fuzz: no sample documents under %s/samples (set KB_FUZZ_ROOT)\n",
                kb->root);
    kb_store_synonym_add(st, "wlan", "wifi", NULL);
    kb_store_synonym_add(st, "router", "gateway", NULL);

    static const char *const names[] = {NULL, "fuzz-agent", "fuzz-writer", "fuzz-admin"};
    for (int role = KB_ROLE_AGENT; role <= KB_ROLE_ADMIN; role++) {
        kb->user_name[role] = names[role];
        if (kb_auth_user_add(st, names[role], "fuzz-password-1", role, &kb->user_id[role],
                             &err) != 0)
            fuzz_fail("user: %s", err.msg);
    }
    struct kb_auth_user u;
    int64_t retry;
    if (kb_auth_login(st, "fuzz-admin", "fuzz-password-1", "127.0.0.1", NULL, kb->session, &u,
                      &retry, &err) != 0)
        fuzz_fail("login: %s", err.msg);
    if (kb_auth_token_create(st, "fuzz", KB_ROLE_ADMIN, "fuzz-admin", kb->token, NULL, &err) != 0)
        fuzz_fail("token: %s", err.msg);

    struct kb_index *ix;
    if (kb_index_open(kb->index_dir, KB_INDEX_WRITE, &ix, &err) != 0 ||
        kb_sync_apply(st, ix, 0, NULL, &err) != 0 || kb_sync_synonyms(st, ix, &err) != 0 ||
        kb_index_commit(ix, -1, &err) != 0)
        fuzz_fail("index: %s", err.msg);
    kb_index_close(ix);
    kb_store_close(st);
    kb_log_level = level;
}

char *fuzz_kb_subst(const struct fuzz_kb *kb, const char *value, size_t len, size_t *out_len)
{
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_add(&b, "", 0);
    for (size_t i = 0; i < len;) {
        if (len - i >= 7 && memcmp(value + i, "@TOKEN@", 7) == 0) {
            kb_buf_adds(&b, kb->token);
            i += 7;
        } else if (len - i >= 9 && memcmp(value + i, "@SESSION@", 9) == 0) {
            kb_buf_adds(&b, kb->session);
            i += 9;
        } else {
            kb_buf_addc(&b, value[i++]);
        }
    }
    *out_len = b.len;
    return kb_buf_detach(&b);
}
