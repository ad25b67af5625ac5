/* Parsers from files into kb_doc: HTML, Markdown (+front matter), DocBook,
 * Mallard, Zendesk-style article JSON, article JSONL, ticket JSONL and CSV.
 * The format is detected from the content (the file name is only a hint). */
#ifndef KB_INGEST_H
#define KB_INGEST_H

#include <stddef.h>

#include "kb/base/doc.h"
#include "kb/base/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits: a file holding one document (HTML, Markdown, XML, text) over
 * MAX_DOC is refused as too large; a record file (JSON, JSONL, CSV) may be up
 * to MAX_FILE, each record up to MAX_RECORD. */
#define KB_INGEST_MAX_DOC (8u * 1024u * 1024u)
#define KB_INGEST_MAX_RECORD (1024u * 1024u)
#define KB_INGEST_MAX_FILE (512u * 1024u * 1024u)

enum kb_ingest_format {
    KB_IN_UNKNOWN = 0,
    KB_IN_HTML,
    KB_IN_MARKDOWN,
    KB_IN_DOCBOOK,
    KB_IN_MALLARD,
    KB_IN_ARTICLES_JSON, /* {"articles":[...]} (Zendesk Help Center export) */
    KB_IN_ARTICLES_JSONL,/* one {"id","title","body",...} per line */
    KB_IN_TICKETS_JSONL, /* one ticket per line: has "subject" or "resolution" */
    KB_IN_TICKETS_CSV,   /* header row naming the ticket fields */
    KB_IN_TEXT           /* plain text: first line is the title */
};

struct kb_ingest_opts {
    int audience;         /* default audience for articles (tickets are always internal) */
    const char *locale;   /* locale for files that do not say, NULL = "en" */
    const char *base_dir; /* set by kb_ingest_path: source ids of files are
                             basename(base_dir) "/" relative path, extension
                             removed; a lone file's is its basename without
                             extension. Records (JSON, CSV) use their "id". */
    const char *platform; /* Mallard <if:choose>: the branch whose test names
                             "platform:<this>" (then <if:else>); NULL = each
                             choice's first branch */
};

/* What the parser hands back. doc() is called once per document in the order
 * found; the doc is borrowed for the call only. bad() is called once per bad
 * record or file with where = "path" or "path:line" (line or record number)
 * and a lowercase reason; parsing goes on with the next record. A nonzero
 * return from doc() stops the file and is returned by kb_ingest_*. */
struct kb_ingest_sink {
    int (*doc)(void *ud, const struct kb_doc *doc);
    void (*bad)(void *ud, const char *where, const char *why);
    void *ud;
};

/* Guesses the format of data (name may be NULL). */
int kb_ingest_detect(const char *name, const char *data, size_t len);
const char *kb_ingest_format_name(int format);

/* Parses one in-memory file. name is used for source ids and error places.
 * Returns 0 when the file was read (even if some records were bad: each one
 * went to bad()), KB_EFORMAT/KB_EINVAL when the whole file is unusable (also
 * reported through bad()), or the doc() callback's nonzero return. */
int kb_ingest_buffer(const char *name, const char *data, size_t len,
                     const struct kb_ingest_opts *opts,
                     const struct kb_ingest_sink *sink);

/* Reads and parses a file; empty, unreadable, over-limit or non-UTF-8 files
 * go to bad() and return an error code. */
int kb_ingest_file(const char *path, const struct kb_ingest_opts *opts,
                   const struct kb_ingest_sink *sink);

/* Walks a directory recursively (sorted, skipping dot files and files of no
 * known format), calling kb_ingest_file on each; or ingests path if it is a
 * file. Returns 0, or the first doc() nonzero return. *nfiles (if not NULL)
 * gets the number of files read. */
int kb_ingest_path(const char *path, const struct kb_ingest_opts *opts,
                   const struct kb_ingest_sink *sink, size_t *nfiles);

/* ---- media (media.c): images an imported document shows ---- */
#define KB_MEDIA_MAX (2u * 1024u * 1024u) /* bytes per image */
/* The content type of an image file name by its extension (png, jpeg, gif,
 * webp, svg), or NULL: nothing else is imported or served. */
const char *kb_media_type(const char *name);
/* Whether a relative source is safe to map to a file: letters, digits and
 * "-_./", no "..", not absolute. */
int kb_media_src_ok(const char *src);
/* Checks an uploaded image: content_type (a request's Content-Type) must
 * be PNG, JPEG, GIF or WebP (KB_EFORMAT otherwise, SVG included), data
 * non-empty (KB_EINVAL), at most KB_MEDIA_MAX bytes (KB_ETOOBIG), and its
 * first bytes that type's (KB_EINVAL). *type gets the canonical type. */
int kb_media_check_upload(const char *content_type, const void *data, size_t len,
                          const char **type, struct kb_err *err);
/* For each image an imported document's HTML shows (<img src="/kb/media/
 * <key>">, as the Mallard reader writes them), reads its file next to the
 * document's source file: fn gets the key, the content type and the bytes
 * (borrowed for the call); a missing, oversized (KB_MEDIA_MAX) or
 * mislabelled file goes to bad (may be NULL) with its path. Returns 0 or
 * fn's nonzero return. */
int kb_ingest_media_each(const struct kb_doc *d,
                         int (*fn)(void *ud, const char *key, const char *type,
                                   const char *data, size_t len),
                         void (*bad)(void *ud, const char *where, const char *why), void *ud);

/* HTML helpers shared by the server's editor path. */
/* Sanitises an HTML fragment to the allowlist (p, h1-h6, ul/ol/li, a[href
 * http/https/mailto/relative], img[src http/https/relative, alt], code, pre,
 * em, strong, b, i, u, s, del, blockquote, table/thead/tbody/tr/th/td, br, hr,
 * dl/dt/dd, span, div, kbd, sup, sub); script, style and event handlers are
 * dropped. Returns a new string (caller frees). */
char *kb_html_sanitize(const char *html, size_t len);
/* What the sanitiser removed: up to KB_SAN_KINDS kinds ("<script>
 * element", "onclick attribute", "javascript: URL"), each with its count,
 * in the order first met; removed kinds past those are counted in other.
 * Harmless attributes (class, id, align, data-*, aria-*, ...) are not
 * listed: nothing a reader would see or a writer would miss. */
#define KB_SAN_KINDS 16
struct kb_san_removed {
    char what[48];
    unsigned count;
};
struct kb_san_report {
    struct kb_san_removed item[KB_SAN_KINDS];
    size_t n;
    unsigned other;
};
/* kb_html_sanitize, and fills *rep (initialised by the call) with what it
 * removed. */
char *kb_html_sanitize_report(const char *html, size_t len, struct kb_san_report *rep);
/* kb_markdown_html, and fills *rep with what sanitising the HTML inside
 * (or made from) the Markdown removed. */
char *kb_markdown_html_report(const char *md, size_t len, struct kb_san_report *rep);
struct kb_buf;
/* Appends rep as one line to out: "<script> element (1), onclick attribute
 * (2)" (and "and N more" past KB_SAN_KINDS kinds); nothing when empty. */
void kb_san_report_text(const struct kb_san_report *rep, struct kb_buf *out);
/* Plain text of an HTML fragment, blocks separated by blank lines (caller frees). */
char *kb_html_text(const char *html, size_t len);
/* Renders Markdown (GFM: tables, strikethrough, autolinks) to sanitised HTML
 * (caller frees). */
char *kb_markdown_html(const char *md, size_t len);

#ifdef __cplusplus
}
#endif
#endif
