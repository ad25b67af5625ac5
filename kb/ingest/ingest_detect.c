/* Format detection: which parser a file or request body goes to, from its
 * content first and its name second (split from ingest.c). */
#include "kb/ingest/ingest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "kb/ingest/ingest_int.h"

#define SNIFF_BYTES 65536u  /* how far detection heuristics look */

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

const char *kb_in_name_ext(const char *name)
{
    if (!name)
        return "";
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dot + 1 : "";
}

int kb_in_ext_in(const char *ext, const char *list)
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

int kb_in_has_prefix_ci(const char *s, size_t len, const char *pre)
{
    size_t n = strlen(pre);
    return len >= n && strncasecmp(s, pre, n) == 0;
}

const char *kb_in_find_ci(const char *s, size_t len, const char *needle)
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
            if (kb_in_has_prefix_ci(s + i, len - i, "<?xml"))
                xml_decl = 1;
            i = (size_t)(e - s) + 2;
        } else if (kb_in_has_prefix_ci(s + i, len - i, "<!--")) {
            const char *e = memmem(s + i + 4, len - i - 4, "-->", 3);
            if (!e)
                return -1;
            i = (size_t)(e - s) + 3;
        } else if (kb_in_has_prefix_ci(s + i, len - i, "<!doctype")) {
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
            if (kb_in_has_prefix_ci(s + k, j - k, "html"))
                doctype_html = 1;
            if (kb_in_find_ci(s + i, j - i, "docbook"))
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
    if (kb_in_ext_in(kb_in_name_ext(name), "html|htm|xhtml") ||
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
        else if (kb_in_has_prefix_ci(l, ll, "```") || kb_in_has_prefix_ci(l, ll, "~~~"))
            score += 2;
        else if (ll >= 2 && (l[0] == '*' || l[0] == '-' || l[0] == '+') && l[1] == ' ')
            score += 1;
        else if (ll >= 3 && (kb_in_has_prefix_ci(l, ll, "===") || kb_in_has_prefix_ci(l, ll, "---")) && i > 0)
            score += 1;
        if (memmem(l, ll, "](", 2) || memmem(l, ll, "**", 2))
            score += 1;
        i = e + 1;
        if (score >= 2)
            return 1;
    }
    return 0;
}

/* A JSONL import whose first lines are damaged (invalid UTF-8, a NUL, so
 * not JSON at all): the format of the first sound line, when that is a JSON
 * record, so that the JSONL parser reports each damaged line by number and
 * reads the rest. KB_IN_UNKNOWN when the first line is sound, or no sound
 * line in the first SNIFF_BYTES is a record. */
static int detect_past_bad_lines(const char *s, size_t len)
{
    int bad = 0;
    for (size_t i = 0; i < len && i < SNIFF_BYTES;) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - s) : len, a = i, b = e;
        i = e + 1;
        while (a < b && is_space((unsigned char)s[a]))
            a++;
        while (b > a && is_space((unsigned char)s[b - 1]))
            b--;
        if (a == b)
            continue;
        if (kb_utf8_check(s + a, b - a, 1) != (size_t)-1) {
            bad++;
            continue;
        }
        if (!bad || s[a] != '{')
            return KB_IN_UNKNOWN;
        int f = detect_json(s + a, len - a);
        return f == KB_IN_TICKETS_JSONL || f == KB_IN_ARTICLES_JSONL ? f : KB_IN_UNKNOWN;
    }
    return KB_IN_UNKNOWN;
}

int kb_in_utf16(const char *s, size_t len)
{
    return len >= 2 && ((s[0] == '\xFF' && s[1] == '\xFE') || (s[0] == '\xFE' && s[1] == '\xFF')) &&
           (len < 4 || s[2] == '\0' || s[3] == '\0');
}

size_t kb_in_bom_len(const char *s, size_t len)
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
    const char *ext = kb_in_name_ext(name);
    size_t i = kb_in_bom_len(data, len);
    while (i < len && is_space((unsigned char)data[i]))
        i++;
    if (i == len)
        return KB_IN_UNKNOWN;
    const char *s = data + i;
    size_t n = len - i;
    int past = detect_past_bad_lines(s, n);
    if (past != KB_IN_UNKNOWN)
        return past;
    int md_ext = kb_in_ext_in(ext, "md|markdown|mdown|mkd|mkdn");
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
        if (f == KB_IN_HTML && md_ext && !kb_in_has_prefix_ci(s, n, "<!doctype html") &&
            !kb_in_has_prefix_ci(s, n, "<html"))
            return KB_IN_MARKDOWN;
        if (f >= 0)
            return f;
    }
    /* front matter and CSV only where the name does not say otherwise (a
     * YAML file also starts with "---", a sentence may hold a comma) */
    int texty = !*ext || md_ext || kb_in_ext_in(ext, "txt|text");
    size_t b = kb_in_bom_len(data, len);
    if (len - b >= 4 && memcmp(data + b, "---", 3) == 0 &&
        (data[b + 3] == '\n' || data[b + 3] == '\r') && texty)
        return KB_IN_MARKDOWN;
    if ((!*ext || kb_in_ext_in(ext, "csv")) && detect_csv(s, n))
        return KB_IN_TICKETS_CSV;
    if (looks_binary(data, len))
        return KB_IN_UNKNOWN;
    if (md_ext)
        return KB_IN_MARKDOWN;
    if (kb_in_ext_in(ext, "html|htm|xhtml"))
        return memchr(s, '<', n) ? KB_IN_HTML : KB_IN_TEXT;
    if (kb_in_ext_in(ext, "txt|text"))
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

