/* The ingest-to-store step of kb-indexer add and kb-server's ticket import:
 * parsed documents go into the store in transactions of a set size, counted
 * as added, updated, unchanged or failed (in sync/: it joins ingest and store). */
#ifndef KB_SYNC_LOAD_H
#define KB_SYNC_LOAD_H

#include <stddef.h>

#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/ingest/ingest.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_LOAD_ANY_KIND (-1)

/* Why a record was not stored. */
enum kb_load_fault {
    KB_LOAD_UNREADABLE = 0, /* the parser refused it (d is NULL) */
    KB_LOAD_WRONG_KIND,     /* not of the kind asked for */
    KB_LOAD_REFUSED         /* the store refused it as invalid (KB_EINVAL) */
};

/* A bad record, reported once: where is the parser's "path:line", or the
 * document's source path (else its source id); d is the document read, or
 * NULL when unreadable; why is a lowercase reason. All borrowed for the call. */
typedef void (*kb_load_bad_fn)(void *ud, int fault, const char *where,
                               const struct kb_doc *d, const char *why);

/* Caller storage, set up with kb_load_init; the fields above "counts" may be
 * changed before the first document. */
struct kb_load {
    struct kb_store *st; /* borrowed */
    size_t batch;        /* documents per transaction, 0 = one for the whole load */
    int kind;            /* KB_LOAD_ANY_KIND, or the one kind stored (others are bad) */
    kb_load_bad_fn bad;  /* may be NULL */
    void (*committed)(void *ud, size_t docs); /* after each commit; may be NULL */
    void *ud;
    /* counts */
    size_t added, updated, unchanged, failed;
    size_t in_batch; /* documents stored since the open transaction began */
    int open;        /* a transaction is open */
    int fatal;       /* a store error stopped the load; err says which */
    struct kb_err err;
};

/* Sets up l to write into st (borrowed; it must outlive l) in batches of
 * batch documents, any kind, no callbacks, counts zero. */
void kb_load_init(struct kb_load *l, struct kb_store *st, size_t batch);

/* A parser sink feeding l (kb_load_doc and kb_load_bad), borrowing l. */
struct kb_ingest_sink kb_load_sink(struct kb_load *l);

/* Stores one document, beginning a transaction when none is open and
 * committing when the batch is full. Returns 0 when it was stored or
 * reported bad, or nonzero after a store error (l->fatal and l->err set, the
 * open transaction rolled back), which stops a parser. */
int kb_load_doc(struct kb_load *l, const struct kb_doc *d);

/* Counts and reports a record the parser could not read. */
void kb_load_bad(struct kb_load *l, const char *where, const char *why);

/* Commits the open transaction (nothing when there is none). Returns 0, or the
 * code of the error that stopped the load or of the commit (l->err filled,
 * l->fatal set); after an error nothing of the open batch is kept. */
int kb_load_finish(struct kb_load *l);

#ifdef __cplusplus
}
#endif
#endif
