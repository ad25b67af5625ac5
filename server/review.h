/* Review before customers see a change, as the article handlers use it
 * (h_review.c): owner and verify-by fields of the edit body, diverting a
 * save of a reviewed article into its pending revision, and the review
 * fields of an article answer. */
#ifndef SRV_REVIEW_H
#define SRV_REVIEW_H

#include "srv.h"

/* The owner and verify_by fields of an edit body (absent: not set). */
struct srv_review_meta {
    int set_owner, set_verify;
    const char *owner;     /* borrowed from the body; NULL or "" clears */
    const char *verify_by; /* "YYYY-MM-DD"; NULL or "" clears */
};

/* Reads and checks "owner" (a staff username with at least the writer
 * role, unless it is article number's owner already; number 0 for a new
 * article) and "verify_by" (a date YYYY-MM-DD) from o. 0, or -1 with a 400
 * naming the field in w. */
int srv_review_meta_parse(struct srv_ctx *c, json_t *o, int64_t number,
                          struct srv_review_meta *m, struct srv_resp *w);
/* Stores what m sets for article number. 0, or -1 with w filled. */
int srv_review_meta_apply(struct srv_ctx *c, int64_t number, const struct srv_review_meta *m,
                          struct srv_resp *w);

/* When review covers article number (as stored, or as d would make it:
 * published and public and under the setting), stores d as its pending
 * revision instead of changing it: returns 1 and *extra gets the answer's
 * review fields. 0 when review does not apply (update as usual); -1 with
 * err filled on a store error. */
int srv_review_divert(struct srv_ctx *c, const struct srv_req *r, int64_t number,
                      const struct kb_doc *d, json_t **extra, struct kb_err *err);

/* Publishing d (not published) when review would cover it live: stores
 * its content as a publish request (kb_review_request_publish) instead,
 * returns 1 and *extra gets the answer's review fields. 0 when review does
 * not apply (publish as usual); -1 with err filled on a store error. */
int srv_review_publish(struct srv_ctx *c, const struct srv_req *r, const struct kb_doc *d,
                       json_t **extra, struct kb_err *err);
/* After a saved edit of article number: when a publish request waits for
 * it, the request takes the new content and its editor, so what is
 * approved is what the draft shows. 0, or -1 with err filled. */
int srv_review_follow(struct srv_ctx *c, const struct srv_req *r, int64_t number,
                      struct kb_err *err);
/* Unpublishing or archiving article number (status): its change or publish
 * request in review, if any, is withdrawn (logged as rejected), so a
 * request never outlives what it asked about. 0, or -1 with err filled. */
int srv_review_withdraw(struct srv_ctx *c, const struct srv_req *r, int64_t number, int status,
                        struct kb_err *err);

/* Adds to an article answer o what role may know of its review: agents and
 * up "in_review"; writers also "review" (the pending change's editors and
 * times, or null), "last_review", "owner", "verify_by" and "needs_check". */
void srv_review_annotate(struct srv_ctx *c, json_t *o, int64_t number, int role);
/* The writers' list fields: in_review, owner, verify_by, needs_check. */
void srv_review_list_fields(struct srv_ctx *c, json_t *o, int64_t number);

/* The writers' list filters: needs_check=1 (past their verify-by date) and
 * in_review=1. *verify_before gets today's date for the first (else NULL;
 * today must outlive the list call). 0, or -1 with a 400 in w. */
int srv_review_list_args(const struct srv_req *r, char today[11], const char **verify_before,
                         int *in_review, struct srv_resp *w);

#endif
