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
        p = kb_in_find_ci(s, n, "charset=");
        if (!p)
            return 0;
        p += 8;
    } else {
        if (!kb_in_has_prefix_ci(s, n, "<?xml"))
            return 0;
        const char *e = memmem(s, n, "?>", 2);
        p = e ? kb_in_find_ci(s, (size_t)(e - s), "encoding=") : NULL;
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
    size_t i = kb_in_bom_len(data, len);
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
    if (kb_in_utf16(data, len)) {
        kb_in_bad(c, 0, "utf-16 text is not supported, convert the file to utf-8");
        return KB_EINVAL;
    }
    int f = kb_ingest_detect(c->name, data, len);
    if (f == KB_IN_UNKNOWN) {
        if (kb_in_ext_in(kb_in_name_ext(c->name), "csv"))
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
    size_t b = kb_in_bom_len(data, len);
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

static const struct kb_ingest_opts default_opts = {KB_AUD_PUBLIC, NULL, NULL, NULL};

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
    const char *ext = kb_in_name_ext(path);
    int known_ext = kb_in_ext_in(ext, "md|markdown|mdown|mkd|html|htm|xhtml|txt|text|page|"
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
    int utf16 = kb_in_utf16(buf, got);
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
