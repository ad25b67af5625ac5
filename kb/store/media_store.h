/* Images imported with documents (Mallard <media>), kept in the store so a
 * copy or a replica serves them too: key (the document's folder and the
 * image's relative path), content type, bytes, and whether a public article
 * shows it (customers get only those). */
#ifndef KB_MEDIA_STORE_H
#define KB_MEDIA_STORE_H

#include <stddef.h>

#include "kb/base/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kb_store;

/* The store's SQL for the media table (a migration step). */
extern const char kb_media_schema_sql[];

/* Stores or replaces image key; public marks it shown by a public article
 * (once public it stays so until replaced by a put with public set again).
 * KB_EINVAL for an empty key or data. */
int kb_media_put(struct kb_store *st, const char *key, const char *type, const char *data,
                 size_t len, int public, struct kb_err *err);

/* Loads image key into *data (caller frees) and *type (caller frees);
 * public_only: a non-public image is KB_ENOTFOUND as a missing one is. */
int kb_media_get(struct kb_store *st, const char *key, int public_only, char **type,
                 char **data, size_t *len, struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
