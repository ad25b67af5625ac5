/* Review before customers see a change: the desk's setting (off, every
 * public article, or the articles of flagged topics), one pending revision
 * per article that customers never see until a writer other than its
 * editors approves it (it is then applied through kb_article_update, so a
 * new revision and an outbox row follow), rejection with a note, and each
 * article's owner and "verify by" date. */
#ifndef KB_REVIEW_H
#define KB_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The migration step that creates the review tables (store_schema.c):
 * self-contained, renumber freely at a merge. */
extern const char kb_review_schema_sql[];

enum kb_review_mode { KB_REVIEW_OFF = 0, KB_REVIEW_ALL = 1, KB_REVIEW_TOPICS = 2 };

#define KB_REVIEW_TOPICS_MAX 500
#define KB_REVIEW_NOTE_MAX 2000 /* bytes */
#define KB_REVIEW_LIST_MAX 200

/* "off", "all", "topics"; -1 for anything else. */
int kb_review_mode_parse(const char *s);
const char *kb_review_mode_name(int mode);

/* The setting (KB_REVIEW_OFF when never set) and its flagged topics (slugs;
 * a flagged category covers its sections). *topics is freed with
 * kb_review_strings_free; topics and n may be NULL. */
int kb_review_settings(struct kb_store *st, int *mode, char ***topics, size_t *n,
                       struct kb_err *err);
/* Replaces the setting and the flagged topics (each a non-empty slug of at
 * most 100 bytes; KB_EINVAL naming it). */
int kb_review_set(struct kb_store *st, int mode, const char *const *topics, size_t n,
                  struct kb_err *err);
void kb_review_strings_free(char **v, size_t n);

/* Whether a change to d needs review: d is published and public and the
 * setting covers it (all, or d's category or its parent flagged). */
int kb_review_covers(struct kb_store *st, const struct kb_doc *d, int *covered,
                     struct kb_err *err);

/* A pending revision: the proposed content (a whole article as
 * kb_article_update takes it), the live revision it was written against,
 * its last editor (author) and everyone who edited it. */
struct kb_pending {
    int64_t number;
    int64_t base_rev;
    char *author;          /* NULL when unknown (an API token) */
    char **editors;        /* usernames, nedit of them */
    size_t nedit;
    int64_t created, updated;
    int publish;           /* 1: a publish request (the article is not live) */
    struct kb_doc doc;
};
void kb_pending_release(struct kb_pending *p);
void kb_pendings_free(struct kb_pending *p, size_t n);

/* Stores d as article number's pending revision: a new one, or it replaces
 * the content of the one there (newest wins; author becomes the last editor
 * and joins the editors). *replaced (may be NULL) tells which. Nothing goes
 * to the outbox. KB_ENOTFOUND when the article does not exist. */
int kb_review_submit(struct kb_store *st, int64_t number, const struct kb_doc *d,
                     const char *author, int *replaced, struct kb_err *err);

/* Asks for article number (not published) to be published: its current
 * content becomes its pending revision (a publish request: approving it
 * publishes it), the requester its last editor, and everyone who wrote a
 * revision since it was last live or approved joins its editors, so none of
 * them can approve it. A request there already is replaced. KB_EINVAL when
 * the article is published, KB_ENOTFOUND when it does not exist. */
int kb_review_request_publish(struct kb_store *st, int64_t number, const char *requester,
                              int *replaced, struct kb_err *err);

/* Article number's pending revision (out initialised here; release it).
 * KB_ENOTFOUND when there is none. */
int kb_review_get(struct kb_store *st, int64_t number, struct kb_pending *out,
                  struct kb_err *err);

/* Whether article number has a pending revision. */
int kb_review_pending(struct kb_store *st, int64_t number, int *pending, struct kb_err *err);

/* Applies the pending revision as approver (kb_article_update: a new
 * revision written by its last editor, an outbox row; a publish request is
 * published too) and drops it, in one transaction. An approver who edited it, or none (NULL or ""), is refused:
 * KB_EINVAL with *own (may be NULL) set to 1. KB_ENOTFOUND when none. */
int kb_review_approve(struct kb_store *st, int64_t number, const char *approver, int *own,
                      int *changed, struct kb_err *err);

/* Drops the pending revision, recording who and the note (may be NULL).
 * KB_ENOTFOUND when none. */
int kb_review_reject(struct kb_store *st, int64_t number, const char *by, const char *note,
                     struct kb_err *err);

/* The last decision on article number's changes: action "approved" or
 * "rejected" (*action, *actor, *note caller-freed, NULL when none). */
int kb_review_last(struct kb_store *st, int64_t number, char **action, char **actor,
                   char **note, int64_t *at, struct kb_err *err);

/* Pending revisions, oldest first (doc holds number, title, category,
 * locale). *total gets how many there are. */
int kb_review_list(struct kb_store *st, int64_t offset, int64_t limit, struct kb_pending **out,
                   size_t *n, int64_t *total, struct kb_err *err);

/* ---- owners and verify-by dates ---- */

/* Article number's owner (*owner caller-freed, NULL when none) and verify-by
 * date ("YYYY-MM-DD", "" when none). */
int kb_article_owner_get(struct kb_store *st, int64_t number, char **owner,
                         char verify_by[11], struct kb_err *err);
/* Sets the owner (when set_owner; NULL or "" clears) and the verify-by
 * date (when set_verify; NULL or "" clears, else a valid YYYY-MM-DD:
 * KB_EINVAL). */
int kb_article_owner_set(struct kb_store *st, int64_t number, int set_owner, const char *owner,
                         int set_verify, const char *verify_by, struct kb_err *err);

/* Today as "YYYY-MM-DD" (UTC): an article whose verify-by date is before it
 * needs a check. */
void kb_review_today(char out[11]);
/* 1 when s is a real calendar date written YYYY-MM-DD. */
int kb_review_date_ok(const char *s);

#ifdef __cplusplus
}
#endif
#endif
