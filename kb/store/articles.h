/* Articles as writers edit them: rendering a body (Markdown or HTML) the way
 * a published article is rendered, creating drafts with a fresh number,
 * updating, listing with filters, revisions, revert, and a line diff. Built
 * on the store; every write queues an outbox row so the index follows. */
#ifndef KB_ARTICLES_H
#define KB_ARTICLES_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_ARTICLE_LIST_MAX 200 /* rows per list page */

/* Renders body (len bytes) written in format (enum kb_format) into the three
 * stored forms, each a new string the caller frees: *source is what the
 * editor gets back (HTML is sanitised first, Markdown kept as written, text
 * kept), *html the sanitised HTML a reader sees, *text the plain text the
 * index gets. Any out pointer may be NULL. */
void kb_article_render(int format, const char *body, size_t len, char **source, char **html,
                       char **text);
struct kb_san_report;
/* kb_article_render, and fills *rep (may be NULL; see kb/ingest/ingest.h)
 * with what sanitising removed from the body's HTML. */
void kb_article_render_report(int format, const char *body, size_t len, char **source,
                              char **html, char **text, struct kb_san_report *rep);

/* Creates a draft from d (title required; d->source_id, source_path,
 * status, number and timestamps are ignored): it gets the next number and
 * the source id "KB-<number>" (suffixed when an imported article already
 * uses that id). Revision 1 and an outbox row are written in one
 * transaction. *number gets the new number. */
int kb_article_create(struct kb_store *st, const struct kb_doc *d, const char *author,
                      int64_t *number, struct kb_err *err);

/* Replaces the editable content of article number with d's (title,
 * summary, text, html, source, format, category, product, tags, locale,
 * audience); its source id, status, creation time and "asked as" stay. A
 * change adds a revision and an outbox row, so a published article stays
 * published and the index follows. *changed (may be NULL) is 0 when d equals
 * the stored content and nothing was written. KB_ENOTFOUND, KB_EEXIST when
 * another article has the same source id in the new locale, KB_EINVAL. */
int kb_article_update(struct kb_store *st, int64_t number, const struct kb_doc *d,
                      const char *author, int *changed, struct kb_err *err);

/* The article's current revision number (0 when it has none). KB_ENOTFOUND. */
int kb_article_current_rev(struct kb_store *st, int64_t number, int64_t *rev,
                           struct kb_err *err);

/* One stored revision. In a list (kb_article_revisions) doc holds only
 * number, title, format, locale, audience and status; from
 * kb_article_revision it holds the whole content as of that revision. */
struct kb_revision {
    int64_t rev;
    char *author;    /* NULL when unknown */
    int64_t created; /* when the revision was written */
    size_t source_len; /* bytes of the body source */
    struct kb_doc doc;
};

/* Up to limit revisions of article number, newest first, skipping offset;
 * *total gets how many there are. *out is freed with kb_revisions_free.
 * KB_ENOTFOUND when the article does not exist. */
int kb_article_revisions(struct kb_store *st, int64_t number, int64_t offset, int64_t limit,
                         struct kb_revision **out, size_t *n, int64_t *total,
                         struct kb_err *err);
void kb_revisions_free(struct kb_revision *r, size_t n);

/* Loads revision rev of article number into out (initialised by this call;
 * release with kb_revision_release). KB_ENOTFOUND. */
int kb_article_revision(struct kb_store *st, int64_t number, int64_t rev,
                        struct kb_revision *out, struct kb_err *err);
void kb_revision_release(struct kb_revision *r);

/* Makes revision rev's content current again as a new revision (status
 * unchanged, so a published article stays published). *changed as for
 * kb_article_update. KB_ENOTFOUND when the article or revision is missing. */
int kb_article_revert(struct kb_store *st, int64_t number, int64_t rev, const char *author,
                      int *changed, struct kb_err *err);

/* List filters; NULL or -1 means any. */
struct kb_article_filter {
    int status;           /* enum kb_status or -1 */
    int audience;         /* enum kb_audience or -1 */
    const char *category; /* exact */
    const char *locale;   /* exact */
    const char *q;        /* substring of the title or source id (ASCII case
                             ignored), or an article number "KB-1042" */
    int64_t offset;
    int64_t limit;        /* 1..KB_ARTICLE_LIST_MAX */
};

/* Articles matching f, most recently updated first. Each doc holds number,
 * source_id, locale, title, summary, category, product, tags, audience,
 * status, created and updated (no bodies). *total gets the number of
 * matches over all pages. Free *out with kb_article_list_free. */
int kb_article_list(struct kb_store *st, const struct kb_article_filter *f,
                    struct kb_doc **out, size_t *n, int64_t *total, struct kb_err *err);
void kb_article_list_free(struct kb_doc *docs, size_t n);
/* kb_article_list narrowed further (kb/store/review.h): verify_before
 * ("YYYY-MM-DD", NULL for any) keeps articles whose verify-by date is before
 * it, in_review (1) those with a change in review. */
int kb_article_list_review(struct kb_store *st, const struct kb_article_filter *f,
                           const char *verify_before, int in_review, struct kb_doc **out,
                           size_t *n, int64_t *total, struct kb_err *err);

/* ---- line diff ---- */

struct kb_diff_line {
    char op;          /* ' ' same, '-' only in a, '+' only in b */
    const char *text; /* points into a or b; not NUL-terminated at len */
    size_t len;       /* without the newline (and a trailing CR) */
};

/* A line diff of a -> b: a longest common subsequence of lines after the
 * common head and tail are set aside. When the middle needs more than
 * max_cells table cells (0: a default of 4 million) the middle is given as
 * all of a's lines removed then all of b's added, and *approx (may be NULL)
 * is set. *out is caller-freed (free); its texts borrow from a and b. */
void kb_line_diff(const char *a, const char *b, size_t max_cells, struct kb_diff_line **out,
                  size_t *n, int *approx);

#ifdef __cplusplus
}
#endif
#endif
