/* What the index keeps of a document besides its terms, in plain C for the
 * Xapian shim (index.cc): the stored record a hit is read from, the usage
 * prior, and the clean-up of a database whose creation was interrupted.
 *
 * The record is one tab-separated line: the fields below, tabs and line
 * breaks in them made spaces. No body: the store holds it once, and
 * snippets read it from there. (Records of indexes built before carried
 * the body after a line break; kb_rec_parse sets body to it, for nothing
 * but old documents' removal.) */
#ifndef KB_INDEX_DOC_H
#define KB_INDEX_DOC_H

#include <stddef.h>

#include "kb/base/doc.h"
#include "kb/index/index.h"

#ifdef __cplusplus
extern "C" {
#endif


enum kb_rec_field {
    KB_REC_SOURCE, KB_REC_TITLE, KB_REC_KIND, KB_REC_AUDIENCE, KB_REC_CATEGORY, KB_REC_LOCALE,
    KB_REC_NUMBER, KB_REC_UPDATED, KB_REC_SUMMARY, KB_REC_NFIELDS
};

/* The record of d as seen by audience (caller frees); *len gets its size. */
char *kb_rec_make(const struct kb_doc *d, int audience, size_t *len);

/* A parsed record: pointers into the record text, not copies (missing
 * fields are empty). */
struct kb_rec {
    const char *f[KB_REC_NFIELDS];
    size_t n[KB_REC_NFIELDS];
    const char *body;
    size_t body_len;
};
void kb_rec_parse(const char *rec, size_t len, struct kb_rec *out);

/* Fills h from a parsed record (strings copied; score as given). */
void kb_rec_hit(const struct kb_rec *r, double score, struct kb_hit *h);

/* An article's prior in [-1, 1] from how readers rated and used it: votes
 * (helpful minus unhelpful, shrunk toward 0 by five pretend votes either
 * way, so one vote says little) and use (clicks and "solved", on a log
 * scale: 1,000 uses count fully). */
double kb_rec_usage_prior(const struct kb_doc *d);

/* A database whose creation was interrupted (the process killed before
 * Xapian wrote its version file "iamglass") holds nothing committed, yet
 * Xapian will neither open nor recreate it ("no database"), so every later
 * add or sync failed. Removes its leftover files so that DB_CREATE_OR_OPEN
 * starts afresh; not when another process holds its lock (creating it
 * now) or the folder holds anything else. */
void kb_rec_clear_unborn(const char *path);

#ifdef __cplusplus
}
#endif
#endif
