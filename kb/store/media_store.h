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
/* The store's SQL for media_refs (media_refs.c): the images (keys under
 * /kb/media/) each public, published article's HTML shows, rewritten by
 * every article write in its transaction. */
extern const char kb_media_refs_schema_sql[];
/* The store's SQL that fills media_refs from the articles' HTML (a
 * migration step: the images public articles showed before media_refs). */
extern const char kb_media_refs_fill_sql[];

/* Uploaded images' keys start with this folder (then the SHA-256 of the
 * bytes in hex and the type's extension). */
#define KB_MEDIA_UPLOAD_DIR "uploads/sha256-"

/* Stores or replaces image key; public marks it shown by a public article
 * when imported (a record only: customers get what media_refs says).
 * KB_EINVAL for an empty key or data. */
int kb_media_put(struct kb_store *st, const char *key, const char *type, const char *data,
                 size_t len, int public, struct kb_err *err);

/* Stores an uploaded image (type: image/png, image/jpeg, image/gif or
 * image/webp, its bytes already checked) under KB_MEDIA_UPLOAD_DIR, the
 * SHA-256 of data and the type's extension: the same bytes get the same
 * key. Not public: customers get it only while a public published article
 * shows it (media_refs). *key (caller frees) is the key, without
 * "/kb/media/". KB_EINVAL for another type or no data. */
int kb_media_upload(struct kb_store *st, const char *type, const char *data, size_t len,
                    char **key, struct kb_err *err);

/* Loads image key into *data (caller frees) and *type (caller frees);
 * public_only: an image no public published article shows now (media_refs)
 * is KB_ENOTFOUND as a missing one is, whatever its public mark says (an
 * image once imported with a public article leaves customers with it). */
int kb_media_get(struct kb_store *st, const char *key, int public_only, char **type,
                 char **data, size_t *len, struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
