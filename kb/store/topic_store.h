/* Topics: the help center's categories and sections (two levels, as Zendesk
 * Guide has), each with a name, description, icon, position and locale.
 * Articles name their topic by slug (their category field); admins edit
 * topics, and importers record the ones their sources name. */
#ifndef KB_TOPICS_H
#define KB_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kb_store;

#define KB_TOPIC_SLUG_MAX 100
#define KB_TOPIC_NAME_MAX 200
#define KB_TOPIC_DESC_MAX 1000
#define KB_TOPIC_ICON_MAX 16  /* bytes: one emoji or a few letters */

/* Strings are owned (heap) or NULL. parent NULL: a category; else the slug
 * of the category a section belongs to. */
struct kb_topic {
    char *slug, *locale, *parent, *name, *description, *icon;
    int64_t position;
    int edited; /* 1 once an admin set it: imports no longer change it */
    int guide;  /* its page is a guide page (Mallard): the article of the same
                   page id is only the topic's page, not an article to list */
};

/* The store's SQL for the topics table (a migration step). */
extern const char kb_topics_schema_sql[];

void kb_topic_release(struct kb_topic *t);
void kb_topic_list_free(struct kb_topic *t, size_t n);

/* Checks t as an admin would send it: slug of [a-z0-9-_.], name required,
 * lengths within the limits, parent not itself. KB_EINVAL naming the field. */
int kb_topic_check(const struct kb_topic *t, struct kb_err *err);

/* Creates or replaces the topic (slug, locale; locale NULL = "en") as an
 * admin: marks it edited. A parent must exist in that locale and be a
 * category (two levels): KB_EINVAL otherwise. */
int kb_topic_put(struct kb_store *st, const struct kb_topic *t, struct kb_err *err);

/* Records a topic an importer found: created, or updated unless an admin
 * edited it. No checks beyond lengths (cut). */
int kb_topic_import(struct kb_store *st, const struct kb_topic *t, struct kb_err *err);

/* Records that section belongs to category (Markdown front matter, DocBook
 * chapters): each is created if missing, named category_name and
 * section_name when the source gives them (DocBook's titles), else after
 * its slug humanised until a name is given; the section's parent, and a
 * given name, are set unless an admin edited the topic. KB_EINVAL when
 * either is not a slug. */
int kb_topic_import_section(struct kb_store *st, const char *category, const char *section,
                            const char *locale, const char *category_name,
                            const char *section_name, struct kb_err *err);

/* Names the categories articles use that no topic names yet but a page
 * does: a page whose source id is the article's folder and the category
 * (Mallard pages other pages name as their guide without being guide
 * pages). *added (may be NULL) gets how many topics it recorded. */
int kb_topic_import_pages(struct kb_store *st, size_t *added, struct kb_err *err);

/* Imports topic definitions: a JSON array (or {"topics": [...]}) of
 * {"slug", "name", "description", "icon", "position", "parent", "locale"},
 * or Zendesk Help Center's {"categories": [...], "sections": [...]} (a
 * section's slug is its id, which its articles' section_id names; a
 * category's "category-<id>"), as an importer (admins' edits stay). *n gets how many were recorded. A bad
 * entry stops the file: KB_EFORMAT or KB_EINVAL naming the entry and field. */
int kb_topic_import_json(struct kb_store *st, const char *data, size_t len, size_t *n,
                         struct kb_err *err);

/* Removes a topic; its sections become categories. KB_ENOTFOUND. */
int kb_topic_remove(struct kb_store *st, const char *slug, const char *locale,
                    struct kb_err *err);

/* Every topic of locale (NULL = "en"), by position then name, into a new
 * array (kb_topic_list_free). */
int kb_topic_list(struct kb_store *st, const char *locale, struct kb_topic **out, size_t *n,
                  struct kb_err *err);

/* The topic slug in the list, or NULL (borrowed from the list). */
const struct kb_topic *kb_topic_find(const struct kb_topic *list, size_t n, const char *slug);

#ifdef __cplusplus
}
#endif
#endif
