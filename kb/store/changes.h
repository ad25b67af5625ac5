/* Change-based replicas: the primary records what every store transaction
 * changed (SQLite's session extension) in a log numbered in commit order
 * and tagged with the outbox sequence, kept for a window; a replica applies
 * the changesets after its position, each in one transaction. Telemetry
 * (the search log, events, feedback, usage counters, daily aggregates,
 * login failures) and the outbox are not recorded, and no changeset carries
 * a password hash (users.password_hash is '!' in every one). */
#ifndef KB_STORE_CHANGES_H
#define KB_STORE_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/buf.h"
#include "kb/base/err.h"
#include "kb/store/store.h"

#define KB_CHANGES_WINDOW_S 3600 /* the default window: changesets kept an hour */
/* At most this many bytes of changesets are kept, whatever their age: a bulk
 * import does not double the store, and a replica behind it takes a snapshot
 * (cheaper than replaying the import change by change). */
#define KB_CHANGES_MAX_BYTES (4 * 1024 * 1024)

/* Process-wide: whether handles opened from now on record their changes
 * (default 1; a replica, whose stores are copies, turns it off), and how
 * long the log keeps a changeset (seconds, > 0). */
void kb_store_changes_configure(int record, int64_t window_s);

/* Records what st's writes since the last flush changed, if anything, as
 * one changeset in its own transaction. Store write operations flush
 * before they commit; callers that wrote through kb_store_db outside them
 * (and request ends) call this. Returns 0 or a KB_E* code. */
int kb_store_changes_flush(struct kb_store *st, struct kb_err *err);

/* The log's head: the last change id recorded (0 when none). */
int kb_store_changes_last(struct kb_store *st, int64_t *last, struct kb_err *err);

/* Appends to out the changesets with id > after, in order, as frames of
 * [id: 8 bytes][outbox seq: 8][length: 4][changeset] (big-endian), stopping
 * after the frame that passes max_bytes. *last gets the log's head.
 * KB_ENOTFOUND when changesets after `after` are no longer kept (or after
 * is past the head: another primary's position): take a snapshot. */
int kb_store_changes_after(struct kb_store *st, int64_t after, size_t max_bytes,
                           struct kb_buf *out, int64_t *last, struct kb_err *err);

/* On a store copy (a replica's): applies the frames in order, each in one
 * transaction that also records its id as the copy's position. A frame not
 * following the position is an error (KB_EINVAL) and nothing after it is
 * applied. *applied (optional) gets how many were applied and *seq the
 * outbox seq of the last one (unchanged when none). */
int kb_store_changes_apply(struct kb_store *st, const void *frames, size_t len,
                           size_t *applied, int64_t *seq, struct kb_err *err);

/* A store copy's position: the id of the last change it holds (a snapshot
 * holds the primary's head when it was taken). */
int kb_store_changes_position(struct kb_store *st, int64_t *pos, struct kb_err *err);

/* Prepares a snapshot file at path (a VACUUM INTO copy, not open
 * elsewhere) for a replica: no password hash, no changeset log (its head
 * is kept as the copy's position). */
int kb_store_changes_scrub_copy(const char *path, struct kb_err *err);

#endif
