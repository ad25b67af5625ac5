/* The one document struct every ingest format produces and the store and
 * index consume: an article or a resolved ticket. */
#ifndef KB_DOC_H
#define KB_DOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum kb_kind { KB_KIND_ARTICLE = 0, KB_KIND_TICKET = 1 };
enum kb_audience { KB_AUD_PUBLIC = 0, KB_AUD_INTERNAL = 1 };
enum kb_status { KB_STATUS_PUBLISHED = 0, KB_STATUS_DRAFT = 1, KB_STATUS_ARCHIVED = 2 };
enum kb_format { KB_FMT_TEXT = 0, KB_FMT_HTML = 1, KB_FMT_MARKDOWN = 2 };

/* Every string is owned by the doc (heap, NUL-terminated, valid UTF-8) or NULL.
 * Timestamps are Unix seconds, 0 when unknown. */
struct kb_doc {
    int64_t number;    /* article number (shown as KB-1042) or ticket row id; 0 = not stored */
    char *source_id;   /* stable id from the source: JSON "id", ticket id, or file-derived */
    char *source_path; /* the file it came from, NULL for API input */
    int kind;          /* enum kb_kind */
    int audience;      /* enum kb_audience; tickets are always internal */
    int status;        /* enum kb_status; file ingest publishes */
    char *locale;      /* BCP 47-ish: "en", "fr", "pt-BR"; NULL = default */
    char *title;       /* articles: title; tickets: subject */
    char *summary;     /* one-line description (Mallard desc, meta description) */
    char *text;        /* plain text of the body, paragraphs separated by "\n\n" */
    char *html;        /* sanitised HTML of the body (articles), NULL for tickets */
    char *source;      /* the body as written (Markdown or HTML) when editable */
    int format;        /* enum kb_format of source */
    char *category;
    /* The topic this document is the page of (a Mallard guide page: its page
     * id), or NULL: loading records it as a topic named by the title and
     * described by the summary, its parent the category. Not stored with
     * the document. */
    char *topic;
    /* The category the document's category (then a section) belongs to,
     * when the source says (Markdown front matter "category" with
     * "section"); loading records the section under it. Not stored with
     * the document; "" while a parser has not seen it yet. */
    char *category_parent;
    /* The names of category and category_parent when the source gives them
     * (a DocBook chapter's and its book's titles), or NULL: loading names
     * the topics by them, else by their slugs humanised. Not stored with
     * the document. */
    char *category_name;
    char *category_parent_name;
    char **tags;       /* ntags owned strings */
    size_t ntags;
    char *product;
    /* Tickets only */
    char *description;
    char *resolution;
    char *customer;
    char *unit;        /* asset or serial number */
    char *team;
    char *linked_article; /* source id or number (KB-1042) of the article that solved it */
    /* Derived (store): how people asked for it: subjects of tickets it solved
     * and searches it answered, newline separated; staff-visible only (the
     * internal copy). Never set by ingest. */
    char *asked_as;
    /* Derived (sync, kb/store/learn.h): the phrases the public copy of a public
     * article learns, by the customers-only rule; asked_as goes only to
     * the internal copy. Not stored. */
    char *asked_public;
    /* Derived (events): how readers rated and used an article, for the
     * ranking's gentle prior. Filled by sync when it indexes, never by
     * ingest, and not part of the content hash. */
    int64_t helpful, unhelpful, clicks, solved;
    int64_t created;
    int64_t updated;
    int64_t resolved;
};

void kb_doc_init(struct kb_doc *d);
/* Frees every field and re-initialises d. */
void kb_doc_release(struct kb_doc *d);
/* Replaces *field with a copy of s (NULL allowed). */
void kb_doc_set(char **field, const char *s);
void kb_doc_add_tag(struct kb_doc *d, const char *tag);
/* A deep copy into dst (initialised by this call). */
void kb_doc_copy(struct kb_doc *dst, const struct kb_doc *src);
/* Hex SHA-256-like content hash (64 chars + NUL) of every field that affects
 * what is stored or indexed, so re-adding an unchanged document is a no-op. */
void kb_doc_hash(const struct kb_doc *d, char out[65]);
const char *kb_kind_name(int kind);         /* "article" | "ticket" */
const char *kb_audience_name(int audience); /* "public" | "internal" */
const char *kb_status_name(int status);     /* "published" | "draft" | "archived" */
/* Parses a name back; returns -1 when unknown. */
int kb_audience_parse(const char *s);
int kb_status_parse(const char *s);
/* Parses "2024-03-01", "2024-03-01T10:20:30Z" (offsets allowed) or Unix
 * seconds into *out; returns 0 or KB_EINVAL. */
int kb_time_parse(const char *s, int64_t *out);
#define KB_TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z, the latest time kb_time_parse gives */

#ifdef __cplusplus
}
#endif
#endif
