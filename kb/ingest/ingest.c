/* Ingest dispatcher: format detection, limits, file reading, the directory
 * walk and source ids, plus what every parser shares (bad reports, emitting,
 * UTF-8 checks, locales) and the plain-text format itself. */
#include "kb/ingest/ingest.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "kb/base/buf.h"
#include "kb/base/err.h"
#include "kb/ingest/ingest_int.h"

#define HEAD_BYTES 16384u   /* what the walk reads to decide whether to skip */
#define SNIFF_BYTES 65536u  /* how far detection heuristics look */
#define WALK_MAX_DEPTH 64

/* ---- bad reports and emitting ---- */

void kb_in_bad(struct kb_in_ctx *c, size_t line, const char *fmt, ...)
{
    char where[PATH_MAX + 32], why[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (line)
        snprintf(where, sizeof where, "%s:%zu", c->name, line);
    else
        snprintf(where, sizeof where, "%s", c->name);
    c->nbad++;
    if (c->sink && c->sink->bad) {
        /* The reason may quote the input (invalid UTF-8) or be cut inside a
         * character: reports go into JSON answers and terminals as text. */
        char *fixed = kb_utf8_fix(why, strlen(why));
        c->sink->bad(c->sink->ud, where, fixed);
        free(fixed);
    }
}

void kb_in_article_init(struct kb_in_ctx *c, struct kb_doc *d)
{
    kb_doc_init(d);
    d->kind = KB_KIND_ARTICLE;
    d->audience = c->opts->audience == KB_AUD_INTERNAL ? KB_AUD_INTERNAL : KB_AUD_PUBLIC;
    d->status = KB_STATUS_PUBLISHED;
    d->format = KB_FMT_HTML;
    kb_doc_set(&d->source_id, c->source_id);
}

int kb_in_emit(struct kb_in_ctx *c, struct kb_doc *d)
{
    int rc = 0;
    char *loc = d->locale ? kb_in_locale(d->locale) : NULL;
    if (!loc && c->opts->locale)
        loc = kb_in_locale(c->opts->locale);
    free(d->locale);
    d->locale = loc ? loc : kb_xstrdup("en");
    if (!d->source_path && c->path)
        kb_doc_set(&d->source_path, c->path);
    if (d->kind == KB_KIND_TICKET)
        d->audience = KB_AUD_INTERNAL;
    if (c->sink && c->sink->doc)
        rc = c->sink->doc(c->sink->ud, d);
    kb_doc_release(d);
    if (rc && !c->stop)
        c->stop = rc;
    return rc;
}

/* 1-based line of byte offset off in s. */
static size_t line_of(const char *s, size_t off)
{
    size_t line = 1;
    for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + off - p))) != NULL; p++)
        line++;
    return line;
}

/* ---- small string helpers ---- */

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char *kb_in_locale(const char *s)
{
    if (!s)
        return NULL;
    while (is_space((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && is_space((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n > 35)
        return NULL;
    struct kb_buf b = KB_BUF_INIT;
    int latin = 0, ok = 0;
    const char *at = memchr(s, '@', n);
    if (at) {
        latin = (size_t)(s + n - at) == 6 && strncasecmp(at, "@latin", 6) == 0;
        n = (size_t)(at - s);
    }
    size_t i = 0, part = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '-' && s[j] != '_')
            j++;
        size_t plen = j - i;
        if (plen == 0 || plen > 8)
            goto out;
        for (size_t k = i; k < j; k++)
            if (!isalnum((unsigned char)s[k]) || (part == 0 && !isalpha((unsigned char)s[k])))
                goto out;
        if (part)
            kb_buf_addc(&b, '-');
        for (size_t k = i; k < j; k++) {
            int ch = (unsigned char)s[k];
            if (part == 0)
                ch = tolower(ch);
            else if (plen == 2 && isalpha((unsigned char)s[i]))
                ch = toupper(ch);
            else if (plen == 4 && isalpha((unsigned char)s[i]))
                ch = k == i ? toupper(ch) : tolower(ch);
            else
                ch = tolower(ch);
            kb_buf_addc(&b, (char)ch);
        }
        part++;
        i = j + (j < n);
    }
    if (part == 0)
        goto out;
    if (latin)
        kb_buf_adds(&b, "-Latn");
    ok = 1;
out:
    if (!ok) {
        kb_buf_release(&b);
        return NULL;
    }
    return kb_buf_detach(&b);
}

/* ---- plain text ---- */

static int ingest_text(struct kb_in_ctx *c, const char *data, size_t len)
{
    struct kb_doc d;
    struct kb_buf norm = KB_BUF_INIT, body = KB_BUF_INIT;
    int rc = 0;
    kb_in_article_init(c, &d);
    /* CRLF and CR to LF */
    kb_buf_add(&norm, "", 0);
    for (size_t i = 0; i < len; i++) {
        size_t j = i;
        while (j < len && data[j] != '\r')
            j++;
        kb_buf_add(&norm, data + i, j - i);
        if (j < len) {
            kb_buf_addc(&norm, '\n');
            if (j + 1 < len && data[j + 1] == '\n')
                j++;
        }
        i = j;
    }
    const char *s = norm.data;
    size_t n = norm.len, i = 0;
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    size_t e = i;
    while (e < n && s[e] != '\n')
        e++;
    size_t body_from = e;
    if (e - i > 200) { /* no title line: a short title, and all of it as text */
        d.title = kb_in_first_line(s + i, 120);
        body_from = i;
    } else {
        d.title = kb_in_collapse(s + i, e - i);
    }
    /* body: the rest, trailing spaces cut and blank-line runs merged */
    int blank = 0;
    kb_buf_add(&body, "", 0);
    for (i = body_from; i < n;) {
        size_t le = i;
        while (le < n && s[le] != '\n')
            le++;
        size_t end = le;
        while (end > i && is_space((unsigned char)s[end - 1]))
            end--;
        if (end == i) {
            blank = body.len > 0;
        } else {
            if (body.len)
                kb_buf_adds(&body, blank ? "\n\n" : "\n");
            kb_buf_add(&body, s + i, end - i);
            blank = 0;
        }
        i = le + 1;
    }
    if (!*d.title) {
        kb_in_bad(c, 0, "no text");
        rc = KB_EFORMAT;
        goto out;
    }
    d.text = body.len ? kb_buf_detach(&body) : kb_xstrdup(d.title);
    d.html = kb_in_text_html(d.text, strlen(d.text));
    d.source = kb_xstrndup(norm.data, norm.len);
    d.format = KB_FMT_TEXT;
    rc = kb_in_emit(c, &d);
out:
    kb_buf_release(&body);
    kb_buf_release(&norm);
    kb_doc_release(&d);
    return rc;
}

/* ---- detection ---- */

static const char *name_ext(const char *name)
{
    if (!name)
        return "";
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dot + 1 : "";
}

static int ext_in(const char *ext, const char *list)
{
    /* list: "a|b|c" */
    size_t n = strlen(ext);
    if (!n)
        return 0;
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, "|");
        if (k == n && strncasecmp(p, ext, n) == 0)
            return 1;
        p += k;
        if (*p)
            p++;
    }
    return 0;
}

static int has_prefix_ci(const char *s, size_t len, const char *pre)
{
    size_t n = strlen(pre);
    return len >= n && strncasecmp(s, pre, n) == 0;
}

static const char *find_ci(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(s + i, needle, n) == 0)
            return s + i;
    return NULL;
}

/* The namespace URI bound to prefix (len plen, 0 = default) in a start tag. */
static void tag_ns(const char *tag, size_t len, const char *prefix, size_t plen,
                   char *out, size_t outsz)
{
    char attr[64];
    out[0] = '\0';
    if (plen >= sizeof attr - 8)
        return;
    if (plen)
        snprintf(attr, sizeof attr, "xmlns:%.*s", (int)plen, prefix);
    else
        snprintf(attr, sizeof attr, "xmlns");
    size_t an = strlen(attr);
    for (size_t i = 1; i + an < len; i++) {
        if (!is_space((unsigned char)tag[i - 1]) || strncmp(tag + i, attr, an) != 0)
            continue;
        size_t j = i + an;
        while (j < len && is_space((unsigned char)tag[j]))
            j++;
        if (j >= len || tag[j] != '=')
            continue;
        j++;
        while (j < len && is_space((unsigned char)tag[j]))
            j++;
        if (j >= len || (tag[j] != '"' && tag[j] != '\''))
            continue;
        char q = tag[j++];
        size_t k = j;
        while (k < len && tag[k] != q)
            k++;
        snprintf(out, outsz, "%.*s", (int)(k - j), tag + j);
        return;
    }
}

static int word_in(const char *w, size_t n, const char *list)
{
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, " ");
        if (k == n && strncasecmp(p, w, n) == 0)
            return 1;
        p += k;
        while (*p == ' ')
            p++;
    }
    return 0;
}

#define NS_MALLARD "http://projectmallard.org/1.0/"
#define NS_DOCBOOK "http://docbook.org/ns/docbook"
#define NS_XHTML "http://www.w3.org/1999/xhtml"
#define DOCBOOK_ROOTS "article book chapter section refentry part preface appendix " \
    "sect1 sect2 sect3 set reference glossary bibliography"
#define HTML_ROOTS "html head body div p h1 h2 h3 h4 h5 h6 ul ol table span a b i em " \
    "strong img br hr pre blockquote title meta link main nav header footer dl " \
    "article section figure style script center font form"

/* Markup: returns a format, KB_IN_UNKNOWN for markup of no known kind, or
 * -1 when s does not start with a tag at all. */
static int detect_markup(const char *name, const char *s, size_t len)
{
    size_t i = 0;
    int xml_decl = 0, doctype_docbook = 0, doctype_html = 0;
    for (;;) {
        while (i < len && is_space((unsigned char)s[i]))
            i++;
        if (i + 1 >= len || s[i] != '<')
            return -1;
        if (s[i + 1] == '?') {
            const char *e = memmem(s + i, len - i, "?>", 2);
            if (!e)
                return -1;
            if (has_prefix_ci(s + i, len - i, "<?xml"))
                xml_decl = 1;
            i = (size_t)(e - s) + 2;
        } else if (has_prefix_ci(s + i, len - i, "<!--")) {
            const char *e = memmem(s + i + 4, len - i - 4, "-->", 3);
            if (!e)
                return -1;
            i = (size_t)(e - s) + 3;
        } else if (has_prefix_ci(s + i, len - i, "<!doctype")) {
            size_t j = i + 9, depth = 0;
            while (j < len && (s[j] != '>' || depth)) {
                if (s[j] == '[')
                    depth++;
                else if (s[j] == ']' && depth)
                    depth--;
                j++;
            }
            size_t k = i + 9;
            while (k < j && is_space((unsigned char)s[k]))
                k++;
            if (has_prefix_ci(s + k, j - k, "html"))
                doctype_html = 1;
            if (find_ci(s + i, j - i, "docbook"))
                doctype_docbook = 1;
            i = j + 1;
        } else {
            break;
        }
    }
    size_t ns = i + 1, ne = ns;
    if (ne >= len || !(isalpha((unsigned char)s[ne]) || s[ne] == '_'))
        return -1;
    while (ne < len && (isalnum((unsigned char)s[ne]) || s[ne] == '-' || s[ne] == '_' ||
                        s[ne] == '.' || s[ne] == ':'))
        ne++;
    /* the start tag, up to its '>' outside quotes */
    size_t te = ne;
    char q = 0;
    while (te < len && (q || s[te] != '>')) {
        if (q && s[te] == q)
            q = 0;
        else if (!q && (s[te] == '"' || s[te] == '\''))
            q = s[te];
        te++;
    }
    const char *qname = s + ns, *colon = memchr(qname, ':', ne - ns);
    const char *local = colon ? colon + 1 : qname;
    size_t llen = (size_t)(s + ne - local);
    char uri[256];
    tag_ns(s + i, te - i, qname, colon ? (size_t)(colon - qname) : 0, uri, sizeof uri);

    if (doctype_html)
        return KB_IN_HTML;
    if (strcmp(uri, NS_MALLARD) == 0)
        return llen == 4 && strncmp(local, "page", 4) == 0 ? KB_IN_MALLARD : KB_IN_UNKNOWN;
    if (strcmp(uri, NS_DOCBOOK) == 0 || doctype_docbook)
        return word_in(local, llen, DOCBOOK_ROOTS) ? KB_IN_DOCBOOK : KB_IN_UNKNOWN;
    if (strcmp(uri, NS_XHTML) == 0)
        return KB_IN_HTML;
    if (*uri)
        return KB_IN_UNKNOWN;
    if (word_in(local, llen, DOCBOOK_ROOTS)) {
        int ambiguous = word_in(local, llen, "article section");
        size_t look = len < SNIFF_BYTES ? len : SNIFF_BYTES;
        if (!ambiguous || xml_decl || memmem(s, look, "<para", 5) ||
            memmem(s, look, "<info>", 6) || memmem(s, look, "<articleinfo", 12))
            return KB_IN_DOCBOOK;
        return KB_IN_HTML;
    }
    if (word_in(local, llen, HTML_ROOTS))
        return KB_IN_HTML;
    if (ext_in(name_ext(name), "html|htm|xhtml") ||
        kb_in_looks_html(s, len < SNIFF_BYTES ? len : SNIFF_BYTES))
        return KB_IN_HTML;
    return KB_IN_UNKNOWN;
}

static int detect_json(const char *s, size_t len)
{
    if (s[0] == '[')
        return KB_IN_ARTICLES_JSON;
    size_t i = 0;
    int tries = 0;
    while (i < len && tries < 8) {
        size_t e = i;
        while (e < len && s[e] != '\n')
            e++;
        size_t a = i, b = e;
        while (a < b && is_space((unsigned char)s[a]))
            a++;
        while (b > a && is_space((unsigned char)s[b - 1]))
            b--;
        i = e + 1;
        if (a == b)
            continue;
        if (s[a] != '{')
            break;
        tries++;
        if (b - a > KB_INGEST_MAX_RECORD) {
            /* too long to be a record worth parsing twice: look at its start */
            size_t look = b - a < 4096 ? b - a : 4096;
            if (memmem(s + a, look, "\"articles\"", 10))
                return KB_IN_ARTICLES_JSON;
            continue;
        }
        json_error_t err;
        json_t *j = json_loadb(s + a, b - a, 0, &err);
        if (!j)
            continue;
        int f = KB_IN_UNKNOWN;
        if (json_is_object(j)) {
            if (json_is_array(json_object_get(j, "articles")))
                f = KB_IN_ARTICLES_JSON;
            else if (json_object_get(j, "subject") || json_object_get(j, "resolution"))
                f = KB_IN_TICKETS_JSONL;
            else
                f = KB_IN_ARTICLES_JSONL;
        }
        json_decref(j);
        if (f != KB_IN_UNKNOWN)
            return f;
    }
    return KB_IN_ARTICLES_JSON;
}

/* 1 if the first line is a CSV header with a "subject" column. */
static int detect_csv(const char *s, size_t len)
{
    size_t e = 0;
    int commas = 0, quoted = 0, subject = 0;
    char field[32];
    size_t fn = 0;
    int overflow = 0;
    for (e = 0; e <= len; e++) {
        char ch = e < len ? s[e] : '\n';
        if (quoted) {
            if (ch == '"') {
                if (e + 1 < len && s[e + 1] == '"') {
                    e++;
                } else {
                    quoted = 0;
                    continue;
                }
            }
        } else if (ch == '"') {
            quoted = 1;
            continue;
        } else if (ch == ',' || ch == '\n' || ch == '\r') {
            field[fn] = '\0';
            if (!overflow) {
                const char *k = kb_in_ticket_key(field);
                if (k && strcmp(k, "subject") == 0)
                    subject = 1;
            }
            fn = 0;
            overflow = 0;
            if (ch != ',')
                break;
            commas++;
            continue;
        }
        if (fn < sizeof field - 1)
            field[fn++] = ch;
        else
            overflow = 1;
    }
    return commas > 0 && subject;
}

static int looks_binary(const char *s, size_t len)
{
    size_t n = len < 4096 ? len : 4096, ctl = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f')
            ctl++;
    }
    return ctl * 10 > n;
}

static int looks_markdown(const char *s, size_t len)
{
    size_t n = len < SNIFF_BYTES ? len : SNIFF_BYTES;
    int score = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && s[e] != '\n')
            e++;
        const char *l = s + i;
        size_t ll = e - i;
        if (ll >= 2 && l[0] == '#' && (l[1] == ' ' || l[1] == '#'))
            score += 2;
        else if (has_prefix_ci(l, ll, "```") || has_prefix_ci(l, ll, "~~~"))
            score += 2;
        else if (ll >= 2 && (l[0] == '*' || l[0] == '-' || l[0] == '+') && l[1] == ' ')
            score += 1;
        else if (ll >= 3 && (has_prefix_ci(l, ll, "===") || has_prefix_ci(l, ll, "---")) && i > 0)
            score += 1;
        if (memmem(l, ll, "](", 2) || memmem(l, ll, "**", 2))
            score += 1;
        i = e + 1;
        if (score >= 2)
            return 1;
    }
    return 0;
}

static size_t bom_len(const char *s, size_t len)
{
    return len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

int kb_ingest_detect(const char *name, const char *data, size_t len)
{
    static const char *const magic[] = {
        "\x89PNG", "GIF8", "%PDF", "PK\x03\x04", "\x7f" "ELF", "\xFF\xD8\xFF",
        "\x1F\x8B", "BZh", "\xFD" "7zXZ", "RIFF", "OggS", "ID3", "wOFF", "wOF2",
        "\xD0\xCF\x11\xE0",
    };
    for (size_t k = 0; k < sizeof magic / sizeof magic[0]; k++) {
        size_t n = strlen(magic[k]);
        if (len >= n && memcmp(data, magic[k], n) == 0)
            return KB_IN_UNKNOWN;
    }
    const char *ext = name_ext(name);
    size_t i = bom_len(data, len);
    while (i < len && is_space((unsigned char)data[i]))
        i++;
    if (i == len)
        return KB_IN_UNKNOWN;
    const char *s = data + i;
    size_t n = len - i;
    int md_ext = ext_in(ext, "md|markdown|mdown|mkd|mkdn");
    if (s[0] == '{' || s[0] == '[') {
        size_t k = 1;
        while (k < n && is_space((unsigned char)s[k]))
            k++;
        if (s[0] == '{' || (k < n && (s[k] == '{' || s[k] == ']')))
            return detect_json(s, n);
    }
    if (s[0] == '<') {
        int f = detect_markup(name, s, n);
        /* Markdown may start with raw HTML; a whole HTML page is still HTML */
        if (f == KB_IN_HTML && md_ext && !has_prefix_ci(s, n, "<!doctype html") &&
            !has_prefix_ci(s, n, "<html"))
            return KB_IN_MARKDOWN;
        if (f >= 0)
            return f;
    }
    /* front matter and CSV only where the name does not say otherwise (a
     * YAML file also starts with "---", a sentence may hold a comma) */
    int texty = !*ext || md_ext || ext_in(ext, "txt|text");
    size_t b = bom_len(data, len);
    if (len - b >= 4 && memcmp(data + b, "---", 3) == 0 &&
        (data[b + 3] == '\n' || data[b + 3] == '\r') && texty)
        return KB_IN_MARKDOWN;
    if ((!*ext || ext_in(ext, "csv")) && detect_csv(s, n))
        return KB_IN_TICKETS_CSV;
    if (looks_binary(data, len))
        return KB_IN_UNKNOWN;
    if (md_ext)
        return KB_IN_MARKDOWN;
    if (ext_in(ext, "html|htm|xhtml"))
        return memchr(s, '<', n) ? KB_IN_HTML : KB_IN_TEXT;
    if (ext_in(ext, "txt|text"))
        return KB_IN_TEXT;
    if (*ext)
        return KB_IN_UNKNOWN;
    return looks_markdown(s, n) ? KB_IN_MARKDOWN : KB_IN_TEXT;
}

const char *kb_ingest_format_name(int format)
{
    switch (format) {
    case KB_IN_HTML: return "html";
    case KB_IN_MARKDOWN: return "markdown";
    case KB_IN_DOCBOOK: return "docbook";
    case KB_IN_MALLARD: return "mallard";
    case KB_IN_ARTICLES_JSON: return "articles-json";
    case KB_IN_ARTICLES_JSONL: return "articles-jsonl";
    case KB_IN_TICKETS_JSONL: return "tickets-jsonl";
    case KB_IN_TICKETS_CSV: return "tickets-csv";
    case KB_IN_TEXT: return "text";
    default: return "unknown";
    }
}

/* ---- source ids ---- */

static char *strip_ext(char *id)
{
    char *base = strrchr(id, '/');
    base = base ? base + 1 : id;
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    return id;
}

static char *source_id_for(const char *name, const char *base_dir)
{
    if (base_dir && *base_dir) {
        size_t bl = strlen(base_dir);
        while (bl > 1 && base_dir[bl - 1] == '/')
            bl--;
        if (strncmp(name, base_dir, bl) == 0 && name[bl] == '/') {
            const char *rel = name + bl;
            while (*rel == '/')
                rel++;
            /* the base directory's own name */
            size_t s = bl;
            while (s > 0 && base_dir[s - 1] != '/')
                s--;
            char *dir = kb_xstrndup(base_dir + s, bl - s);
            if (!*dir || strcmp(dir, ".") == 0 || strcmp(dir, "..") == 0) {
                char *bd = kb_xstrndup(base_dir, bl), *real = realpath(bd, NULL);
                free(dir);
                const char *slash = real ? strrchr(real, '/') : NULL;
                dir = kb_xstrdup(slash ? slash + 1 : "");
                free(real);
                free(bd);
            }
            struct kb_buf b = KB_BUF_INIT;
            if (*dir)
                kb_buf_printf(&b, "%s/", dir);
            kb_buf_adds(&b, rel);
            free(dir);
            return strip_ext(kb_buf_detach(&b));
        }
    }
    const char *slash = strrchr(name, '/');
    char *id = kb_xstrdup(slash ? slash + 1 : name);
    if (!*id) {
        free(id);
        return NULL;
    }
    return strip_ext(id);
}

/* ---- one buffer ---- */

static int one_doc_format(int f)
{
    return f == KB_IN_HTML || f == KB_IN_MARKDOWN || f == KB_IN_DOCBOOK ||
           f == KB_IN_MALLARD || f == KB_IN_TEXT;
}

/* 1 if an HTML or XML file declares a character set other than UTF-8. */
static int declares_other_charset(const char *s, size_t len, int format)
{
    size_t n = len < 4096 ? len : 4096;
    const char *p;
    char cs[32];
    size_t k = 0;
    if (format == KB_IN_HTML) {
        p = find_ci(s, n, "charset=");
        if (!p)
            return 0;
        p += 8;
    } else {
        if (!has_prefix_ci(s, n, "<?xml"))
            return 0;
        const char *e = memmem(s, n, "?>", 2);
        p = e ? find_ci(s, (size_t)(e - s), "encoding=") : NULL;
        if (!p)
            return 0;
        p += 9;
    }
    while (p < s + n && (*p == '"' || *p == '\'' || is_space((unsigned char)*p)))
        p++;
    while (p < s + n && k < sizeof cs - 1 && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
        cs[k++] = (char)tolower((unsigned char)*p++);
    cs[k] = '\0';
    return k && strcmp(cs, "utf-8") != 0 && strcmp(cs, "utf8") != 0 &&
           strcmp(cs, "us-ascii") != 0 && strcmp(cs, "ascii") != 0;
}

static int ingest_data(struct kb_in_ctx *c, const char *data, size_t len)
{
    size_t i = bom_len(data, len);
    while (i < len && is_space((unsigned char)data[i]))
        i++;
    if (i == len) {
        kb_in_bad(c, 0, "empty file");
        return KB_EINVAL;
    }
    if (len > KB_INGEST_MAX_FILE) {
        kb_in_bad(c, 0, "file is too large (%zu bytes, the limit is %u)", len,
                  KB_INGEST_MAX_FILE);
        return KB_ETOOBIG;
    }
    if (len >= 2 && ((data[0] == '\xFF' && data[1] == '\xFE') ||
                     (data[0] == '\xFE' && data[1] == '\xFF'))) {
        kb_in_bad(c, 0, "utf-16 text is not supported, convert the file to utf-8");
        return KB_EINVAL;
    }
    int f = kb_ingest_detect(c->name, data, len);
    if (f == KB_IN_UNKNOWN) {
        if (ext_in(name_ext(c->name), "csv"))
            kb_in_bad(c, 0, "unknown format: a ticket csv needs 'id' and 'subject' columns");
        else
            kb_in_bad(c, 0, "unknown format (not html, markdown, docbook, mallard, "
                            "article json, ticket jsonl or csv, or text)");
        return KB_EFORMAT;
    }
    if (one_doc_format(f) && len > KB_INGEST_MAX_DOC) {
        kb_in_bad(c, 0, "file is too large (%zu bytes, the limit is %u)", len,
                  KB_INGEST_MAX_DOC);
        return KB_ETOOBIG;
    }
    size_t b = bom_len(data, len);
    data += b;
    len -= b;
    int utf8 = 1;
    if (one_doc_format(f)) {
        if ((f == KB_IN_HTML || f == KB_IN_DOCBOOK || f == KB_IN_MALLARD) &&
            declares_other_charset(data, len, f))
            utf8 = 0;
        size_t off = kb_utf8_check(data, len, 1);
        if (off != (size_t)-1 && (utf8 || data[off] == '\0')) {
            kb_in_bad(c, 0, "%s at byte offset %zu (line %zu)",
                      data[off] ? "invalid utf-8" : "nul byte", off + b,
                      line_of(data, off));
            return KB_EINVAL;
        }
    }
    switch (f) {
    case KB_IN_HTML: return kb_in_html(c, data, len, utf8);
    case KB_IN_MARKDOWN: return kb_in_markdown(c, data, len);
    case KB_IN_DOCBOOK:
    case KB_IN_MALLARD: return kb_in_xml(c, data, len, f);
    case KB_IN_ARTICLES_JSON: return kb_in_articles_json(c, data, len);
    case KB_IN_ARTICLES_JSONL:
    case KB_IN_TICKETS_JSONL: return kb_in_jsonl(c, data, len, f);
    case KB_IN_TICKETS_CSV: return kb_in_csv(c, data, len);
    default: return ingest_text(c, data, len);
    }
}

static const struct kb_ingest_opts default_opts = {KB_AUD_PUBLIC, NULL, NULL};

int kb_ingest_buffer(const char *name, const char *data, size_t len,
                     const struct kb_ingest_opts *opts,
                     const struct kb_ingest_sink *sink)
{
    struct kb_in_ctx c;
    memset(&c, 0, sizeof c);
    c.opts = opts ? opts : &default_opts;
    c.sink = sink;
    c.name = name ? name : "input";
    c.path = name;
    c.source_id = name ? source_id_for(name, c.opts->base_dir) : NULL;
    int rc = ingest_data(&c, data ? data : "", data ? len : 0);
    free(c.source_id);
    return c.stop ? c.stop : rc;
}

/* ---- files ---- */

/* strerror, first letter lowercased, into buf. */
static const char *errstr(int e, char *buf, size_t n)
{
    snprintf(buf, n, "%s", strerror(e));
    buf[0] = (char)tolower((unsigned char)buf[0]);
    return buf;
}

static int read_all(int fd, char *buf, size_t want, size_t *got)
{
    while (*got < want) {
        ssize_t r = read(fd, buf + *got, want - *got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return 0;
}

/* Reads and ingests one file. walking: unknown, empty files of unknown
 * extension and non-regular files are skipped silently. *known is set when
 * the file was read as a known format. Returns as kb_ingest_file; the doc()
 * stop code (if any) also lands in *stop. */
static int ingest_file(const char *path, const struct kb_ingest_opts *opts,
                       const struct kb_ingest_sink *sink, int walking,
                       int *known, int *stop)
{
    struct kb_in_ctx c;
    char eb[128];
    char *buf = NULL, *dir = NULL;
    size_t got = 0;
    int rc = 0, fd = -1;
    struct stat st;
    memset(&c, 0, sizeof c);
    c.opts = opts ? opts : &default_opts;
    c.sink = sink;
    c.name = path;
    c.path = path;
    *known = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        kb_in_bad(&c, 0, "cannot open: %s", errstr(errno, eb, sizeof eb));
        rc = errno == ENOENT ? KB_ENOTFOUND : KB_EIO;
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        kb_in_bad(&c, 0, "cannot stat: %s", errstr(errno, eb, sizeof eb));
        rc = KB_EIO;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        if (!walking)
            kb_in_bad(&c, 0, S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
        rc = walking ? 0 : KB_EINVAL;
        goto out;
    }
    size_t size = (size_t)st.st_size;
    const char *ext = name_ext(path);
    int known_ext = ext_in(ext, "md|markdown|mdown|mkd|html|htm|xhtml|txt|text|page|"
                                "docbook|dbk|json|jsonl|ndjson|csv");
    if (size == 0) {
        if (walking && !known_ext)
            goto out;
        *known = 1;
        kb_in_bad(&c, 0, "empty file");
        rc = KB_EINVAL;
        goto out;
    }
    size_t head = size < HEAD_BYTES ? size : HEAD_BYTES;
    buf = kb_xmalloc((size > KB_INGEST_MAX_FILE ? head : size) + 1);
    if (read_all(fd, buf, head, &got) != 0) {
        *known = 1;
        kb_in_bad(&c, 0, "cannot read: %s", errstr(errno, eb, sizeof eb));
        rc = KB_EIO;
        goto out;
    }
    int utf16 = got >= 2 && ((buf[0] == '\xFF' && buf[1] == '\xFE') ||
                             (buf[0] == '\xFE' && buf[1] == '\xFF'));
    if (walking && !(utf16 && known_ext)) {
        /* a walk takes text only from .txt and Markdown only from .md (or
         * with front matter): not README, LICENSE or Makefile */
        int f = kb_ingest_detect(path, buf, got);
        if (f == KB_IN_UNKNOWN || (!*ext && f == KB_IN_TEXT) ||
            (!*ext && f == KB_IN_MARKDOWN && strncmp(buf, "---", 3) != 0))
            goto out;
    }
    *known = 1;
    if (size > KB_INGEST_MAX_FILE) {
        kb_in_bad(&c, 0, "file is too large (%zu bytes, the limit is %u)", size,
                  KB_INGEST_MAX_FILE);
        rc = KB_ETOOBIG;
        goto out;
    }
    if (read_all(fd, buf, size, &got) != 0) {
        kb_in_bad(&c, 0, "cannot read: %s", errstr(errno, eb, sizeof eb));
        rc = KB_EIO;
        goto out;
    }
    buf[got] = '\0';
    close(fd);
    fd = -1;
    dir = kb_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    else
        strcpy(dir, ".");
    c.dir = dir;
    c.source_id = source_id_for(path, c.opts->base_dir);
    rc = ingest_data(&c, buf, got);
out:
    if (fd >= 0)
        close(fd);
    free(c.source_id);
    free(dir);
    free(buf);
    *stop = c.stop;
    return c.stop ? c.stop : rc;
}

int kb_ingest_file(const char *path, const struct kb_ingest_opts *opts,
                   const struct kb_ingest_sink *sink)
{
    int known, stop;
    return ingest_file(path, opts, sink, 0, &known, &stop);
}

/* ---- the directory walk ---- */

struct walk {
    const struct kb_ingest_opts *opts;
    const struct kb_ingest_sink *sink;
    size_t nfiles;
    dev_t dev[WALK_MAX_DEPTH];
    ino_t ino[WALK_MAX_DEPTH];
    int depth;
};

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_bad(struct walk *w, const char *path, const char *why)
{
    if (w->sink && w->sink->bad)
        w->sink->bad(w->sink->ud, path, why);
}

static int walk_dir(struct walk *w, struct kb_buf *path)
{
    char eb[128], msg[160];
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    DIR *d = opendir(path->data);
    if (!d) {
        snprintf(msg, sizeof msg, "cannot open directory: %s", errstr(errno, eb, sizeof eb));
        walk_bad(w, path->data, msg);
        return 0;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = kb_xrealloc(names, cap * sizeof *names);
        }
        names[n++] = kb_xstrdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    size_t plen = path->len;
    for (size_t i = 0; i < n && !rc; i++) {
        path->len = plen;
        path->data[plen] = '\0';
        if (plen && path->data[plen - 1] != '/')
            kb_buf_addc(path, '/');
        kb_buf_adds(path, names[i]);
        struct stat st;
        if (stat(path->data, &st) != 0) {
            snprintf(msg, sizeof msg, "cannot open: %s", errstr(errno, eb, sizeof eb));
            walk_bad(w, path->data, msg);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            int loop = 0;
            for (int k = 0; k < w->depth; k++)
                if (w->dev[k] == st.st_dev && w->ino[k] == st.st_ino)
                    loop = 1;
            if (loop || w->depth >= WALK_MAX_DEPTH)
                continue;
            w->dev[w->depth] = st.st_dev;
            w->ino[w->depth] = st.st_ino;
            w->depth++;
            rc = walk_dir(w, path);
            w->depth--;
        } else if (S_ISREG(st.st_mode)) {
            int known = 0, stop = 0;
            ingest_file(path->data, w->opts, w->sink, 1, &known, &stop);
            if (known)
                w->nfiles++;
            rc = stop;
        }
    }
    path->len = plen;
    path->data[plen] = '\0';
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int kb_ingest_path(const char *path, const struct kb_ingest_opts *opts,
                   const struct kb_ingest_sink *sink, size_t *nfiles)
{
    struct kb_ingest_opts o = opts ? *opts : default_opts;
    struct stat st;
    int rc = 0;
    if (nfiles)
        *nfiles = 0;
    if (stat(path, &st) != 0) {
        char eb[128], msg[160];
        int e = errno;
        snprintf(msg, sizeof msg, "cannot open: %s", errstr(e, eb, sizeof eb));
        if (sink && sink->bad)
            sink->bad(sink->ud, path, msg);
        return e == ENOENT ? KB_ENOTFOUND : KB_EIO;
    }
    if (!S_ISDIR(st.st_mode)) {
        int known, stop;
        o.base_dir = NULL;
        ingest_file(path, &o, sink, 0, &known, &stop);
        if (nfiles)
            *nfiles = known;
        return stop;
    }
    struct walk w;
    memset(&w, 0, sizeof w);
    w.opts = &o;
    w.sink = sink;
    w.dev[0] = st.st_dev;
    w.ino[0] = st.st_ino;
    w.depth = 1;
    struct kb_buf p = KB_BUF_INIT;
    kb_buf_adds(&p, path);
    while (p.len > 1 && p.data[p.len - 1] == '/')
        p.data[--p.len] = '\0';
    char *base = kb_xstrdup(p.data);
    o.base_dir = base;
    rc = walk_dir(&w, &p);
    kb_buf_release(&p);
    free(base);
    if (nfiles)
        *nfiles = w.nfiles;
    return rc;
}
