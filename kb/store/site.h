/* The help center's own settings an admin changes without recompiling (the
 * brand: name, colour, footer links, contact text, as one JSON document) and
 * its uploaded files (the logo), stored in the store. The store keeps them as
 * given; checking what they hold is the caller's (server/brand.c). */
#ifndef KB_SITE_H
#define KB_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The migration step that creates site_settings and site_files
 * (store_schema.c): self-contained, renumber freely at a merge. */
extern const char kb_site_schema_sql[];

#define KB_SITE_KEY_MAX 64
#define KB_SITE_VALUE_MAX (64 * 1024)
#define KB_SITE_FILE_MAX (512 * 1024)

/* The value stored under key into *value (caller frees) and its last change
 * (Unix seconds) into *updated (may be NULL). KB_ENOTFOUND when unset. */
int kb_site_get(struct kb_store *st, const char *key, char **value, int64_t *updated,
                struct kb_err *err);
/* Stores value under key (replacing it). KB_EINVAL for an empty key,
 * KB_ETOOBIG over KB_SITE_VALUE_MAX bytes. */
int kb_site_set(struct kb_store *st, const char *key, const char *value, struct kb_err *err);

/* File name's content type (*type) and bytes (*data, *len), caller frees both;
 * *updated (may be NULL) its last change. KB_ENOTFOUND when there is none. */
int kb_site_file_get(struct kb_store *st, const char *name, char **type, void **data,
                     size_t *len, int64_t *updated, struct kb_err *err);
/* Stores file name (replacing it). KB_ETOOBIG over KB_SITE_FILE_MAX bytes. */
int kb_site_file_set(struct kb_store *st, const char *name, const char *type, const void *data,
                     size_t len, struct kb_err *err);
/* Removes file name; nothing to remove is not an error. */
int kb_site_file_delete(struct kb_store *st, const char *name, struct kb_err *err);

#ifdef __cplusplus
}
#endif

#endif
