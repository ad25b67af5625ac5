/* Topics (categories and sections) in the store: see topics.h. */
#include "kb/store/topic_store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/store/store_int.h"

const char kb_topics_schema_sql[] =
    "CREATE TABLE topics ("
    " slug TEXT NOT NULL CHECK (slug <> ''),"
    " locale TEXT NOT NULL DEFAULT 'en',"
    " parent TEXT,"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " description TEXT,"
    " icon TEXT,"
    " position INTEGER NOT NULL DEFAULT 0,"
    " edited INTEGER NOT NULL DEFAULT 0,"
    " guide INTEGER NOT NULL DEFAULT 0,"
    " updated INTEGER NOT NULL,"
    " PRIMARY KEY (slug, locale));";

void kb_topic_release(struct kb_topic *t)
{
    free(t->slug);
    free(t->locale);
    free(t->parent);
    free(t->name);
    free(t->description);
    free(t->icon);
    memset(t, 0, sizeof *t);
}

void kb_topic_list_free(struct kb_topic *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_topic_release(&t[i]);
    free(t);
}

static int slug_ok(const char *s)
{
    if (!s || !*s || strlen(s) > KB_TOPIC_SLUG_MAX)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-_.", *p)))
            return 0;
    return 1;
}

int kb_topic_check(const struct kb_topic *t, struct kb_err *err)
{
    if (!slug_ok(t->slug))
        return kb_err_set(err, KB_EINVAL, "topic slug '%.100s' must be 1 to %d of a-z, 0-9, "
                          "'-', '_', '.'", t->slug ? t->slug : "", KB_TOPIC_SLUG_MAX);
    if (store_blank(t->name))
        return kb_err_set(err, KB_EINVAL, "topic '%s': name is required", t->slug);
    if (strlen(t->name) > KB_TOPIC_NAME_MAX)
        return kb_err_set(err, KB_EINVAL, "topic '%s': name is longer than %d bytes", t->slug,
                          KB_TOPIC_NAME_MAX);
    if (t->description && strlen(t->description) > KB_TOPIC_DESC_MAX)
        return kb_err_set(err, KB_EINVAL, "topic '%s': description is longer than %d bytes",
                          t->slug, KB_TOPIC_DESC_MAX);
    if (t->icon && strlen(t->icon) > KB_TOPIC_ICON_MAX)
        return kb_err_set(err, KB_EINVAL, "topic '%s': icon is longer than %d bytes", t->slug,
                          KB_TOPIC_ICON_MAX);
    if (t->parent && *t->parent && !slug_ok(t->parent))
        return kb_err_set(err, KB_EINVAL, "topic '%s': parent '%.100s' is not a topic slug",
                          t->slug, t->parent);
    if (t->parent && strcmp(t->parent, t->slug) == 0)
        return kb_err_set(err, KB_EINVAL, "topic '%s': parent is the topic itself", t->slug);
    if (t->locale && (!*t->locale || strlen(t->locale) > 20))
        return kb_err_set(err, KB_EINVAL, "topic '%s': bad locale", t->slug);
    return 0;
}

static const char *loc(const char *locale)
{
    return locale && *locale ? locale : "en";
}

/* Runs a one-row probe of the topics table (?1 slug, ?2 locale): *found is
 * whether it answered a row, *null whether that row's first column is NULL. */
static int probe(struct kb_store *st, const char *sql, const char *slug, const char *locale,
                 int *found, int *null, const char *what, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    *found = *null = 0;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        store_bind(s, 1, slug);
        store_bind(s, 2, loc(locale));
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *found = 1;
            *null = sqlite3_column_type(s, 0) == SQLITE_NULL;
            rc = SQLITE_DONE;
        }
    }
    int code = rc == SQLITE_DONE ? 0 : store_fail(st, err, rc, "cannot %s topic '%s'", what, slug);
    sqlite3_finalize(s);
    return code;
}

/* Whether topic slug exists (*found) and is a category (*is_category). */
static int parent_of(struct kb_store *st, const char *slug, const char *locale, int *found,
                     int *is_category, struct kb_err *err)
{
    return probe(st, "SELECT parent FROM topics WHERE slug = ?1 AND locale = ?2", slug, locale,
                 found, is_category, "read", err);
}

/* Whether topic slug has sections. */
static int has_sections(struct kb_store *st, const char *slug, const char *locale, int *yes,
                        struct kb_err *err)
{
    int null;
    return probe(st, "SELECT 1 FROM topics WHERE parent = ?1 AND locale = ?2 LIMIT 1", slug,
                 locale, yes, &null, "read", err);
}

/* The write of a topic: edited (an admin's: everything, and marks it), a
 * topics file's (mode 2: everything but the mark, unless an admin edited
 * it), or an importer's (mode 0: name, description and parent; a source's
 * page carries no icon or position, which a topics file may have set). */
static int write_topic(struct kb_store *st, const struct kb_topic *t, int edited,
                       struct kb_err *err)
{
    static const char sql_file[] =
        "INSERT INTO topics (slug, locale, parent, name, description, icon, position, edited,"
        " updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8) ON CONFLICT (slug, locale) DO "
        "UPDATE SET parent = excluded.parent, name = excluded.name, description ="
        " excluded.description, icon = excluded.icon, position = excluded.position,"
        " updated = excluded.updated WHERE topics.edited = 0";
    static const char sql_admin[] =
        "INSERT INTO topics (slug, locale, parent, name, description, icon, position, edited,"
        " updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8) ON CONFLICT (slug, locale) DO "
        "UPDATE SET parent = excluded.parent, name = excluded.name, description ="
        " excluded.description, icon = excluded.icon, position = excluded.position,"
        " edited = 1, updated = excluded.updated";
    static const char sql_import[] =
        "INSERT INTO topics (slug, locale, parent, name, description, icon, position, edited,"
        " updated, guide) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9) ON CONFLICT (slug,"
        " locale) DO UPDATE SET guide = excluded.guide, parent = CASE WHEN topics.edited THEN"
        " topics.parent ELSE excluded.parent END, name = CASE WHEN topics.edited THEN"
        " topics.name ELSE excluded.name END, description = CASE WHEN topics.edited THEN"
        " topics.description ELSE excluded.description END, updated = excluded.updated";
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, edited == 1 ? sql_admin : edited == 2 ? sql_file
                                                                        : sql_import,
                                -1, &s, NULL);
    if (rc == SQLITE_OK) {
        store_bind(s, 1, t->slug);
        store_bind(s, 2, loc(t->locale));
        store_bind(s, 3, t->parent && *t->parent ? t->parent : NULL);
        store_bind(s, 4, t->name);
        store_bind(s, 5, t->description && *t->description ? t->description : NULL);
        store_bind(s, 6, t->icon && *t->icon ? t->icon : NULL);
        sqlite3_bind_int64(s, 7, t->position);
        sqlite3_bind_int64(s, 8, store_now());
        if (edited == 0)
            sqlite3_bind_int(s, 9, t->guide ? 1 : 0);
        rc = sqlite3_step(s);
    }
    int code = rc == SQLITE_DONE ? 0
                                 : store_fail(st, err, rc, "cannot store topic '%s'", t->slug);
    sqlite3_finalize(s);
    return code;
}

int kb_topic_put(struct kb_store *st, const struct kb_topic *t, struct kb_err *err)
{
    int code = kb_topic_check(t, err);
    if (code)
        return code;
    if ((code = store_wbegin(st, err)) != 0)
        return code;
    if (t->parent && *t->parent) {
        int found, is_category, sections;
        if ((code = parent_of(st, t->parent, t->locale, &found, &is_category, err)) != 0)
            goto out;
        if (!found) {
            code = kb_err_set(err, KB_EINVAL, "topic '%s': parent '%s' does not exist", t->slug,
                              t->parent);
            goto out;
        }
        if (!is_category) {
            code = kb_err_set(err, KB_EINVAL, "topic '%s': parent '%s' is a section (topics "
                              "have two levels)", t->slug, t->parent);
            goto out;
        }
        if ((code = has_sections(st, t->slug, t->locale, &sections, err)) != 0)
            goto out;
        if (sections) {
            code = kb_err_set(err, KB_EINVAL, "topic '%s' has sections: it cannot become a "
                              "section (topics have two levels)", t->slug);
            goto out;
        }
    }
    code = write_topic(st, t, 1, err);
out:
    return store_wend(st, code, err);
}

int kb_topic_import(struct kb_store *st, const struct kb_topic *t, struct kb_err *err)
{
    if (!slug_ok(t->slug) || store_blank(t->name))
        return kb_err_set(err, KB_EINVAL, "topic '%.100s': needs a slug and a name",
                          t->slug ? t->slug : "");
    struct kb_topic c = *t;
    char *name = store_one_line(t->name, KB_TOPIC_NAME_MAX);
    char *desc = t->description ? store_one_line(t->description, KB_TOPIC_DESC_MAX) : NULL;
    c.name = name;
    c.description = desc;
    if (c.parent && (!slug_ok(c.parent) || strcmp(c.parent, c.slug) == 0))
        c.parent = NULL;
    int code = store_wbegin(st, err);
    if (code == 0)
        code = store_wend(st, write_topic(st, &c, 0, err), err);
    free(name);
    free(desc);
    return code;
}

/* Runs a write on the topics table (?1 slug, ?2 locale); *changed gets the
 * rows it changed. */
static int run_write(struct kb_store *st, const char *sql, const char *slug, const char *locale,
                     int *changed, struct kb_err *err)
{
    int found, null;
    *changed = 0;
    int code = probe(st, sql, slug, locale, &found, &null, "remove", err);
    if (code == 0)
        *changed = sqlite3_changes(st->db);
    return code;
}

int kb_topic_remove(struct kb_store *st, const char *slug, const char *locale,
                    struct kb_err *err)
{
    int changed = 0, code = store_wbegin(st, err);
    if (code)
        return code;
    code = run_write(st, "DELETE FROM topics WHERE slug = ?1 AND locale = ?2", slug, locale,
                     &changed, err);
    if (code == 0 && changed == 0)
        code = kb_err_set(err, KB_ENOTFOUND, "no topic '%.100s'", slug);
    if (code == 0)
        code = run_write(st, "UPDATE topics SET parent = NULL WHERE parent = ?1 AND locale = ?2",
                         slug, locale, &changed, err);
    return store_wend(st, code, err);
}

int kb_topic_list(struct kb_store *st, const char *locale, struct kb_topic **out, size_t *n,
                  struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT slug, locale, parent, name, description, icon, position,"
                                " edited, guide FROM topics WHERE locale = ?1"
                                " ORDER BY position, name, slug", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot list topics");
    store_bind(s, 1, loc(locale));
    size_t cap = 0;
    struct kb_topic *v = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        struct kb_topic *t = &v[(*n)++];
        t->slug = store_col(s, 0);
        t->locale = store_col(s, 1);
        t->parent = store_col(s, 2);
        t->name = store_col(s, 3);
        t->description = store_col(s, 4);
        t->icon = store_col(s, 5);
        t->position = sqlite3_column_int64(s, 6);
        t->edited = sqlite3_column_int(s, 7);
        t->guide = sqlite3_column_int(s, 8);
    }
    int code = 0;
    if (rc != SQLITE_DONE) {
        code = store_fail(st, err, rc, "cannot list topics");
        kb_topic_list_free(v, *n);
        v = NULL;
        *n = 0;
    }
    sqlite3_finalize(s);
    *out = v;
    return code;
}

const struct kb_topic *kb_topic_find(const struct kb_topic *list, size_t n, const char *slug)
{
    for (size_t i = 0; slug && i < n; i++)
        if (strcmp(list[i].slug, slug) == 0)
            return &list[i];
    return NULL;
}

/* One category no topic names yet, with an article of it (for its folder). */
struct unnamed {
    char *slug, *locale, *sample;
};

int kb_topic_import_pages(struct kb_store *st, size_t *added, struct kb_err *err)
{
    size_t n = 0, cap = 0, got = 0;
    struct unnamed *v = NULL;
    sqlite3_stmt *s = NULL;
    if (added)
        *added = 0;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT a.category, a.locale, MIN(a.source_id) FROM articles a "
                                "WHERE a.category IS NOT NULL AND a.category <> '' AND NOT EXISTS"
                                " (SELECT 1 FROM topics t WHERE t.slug = a.category AND t.locale"
                                " = a.locale) GROUP BY a.category, a.locale", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    for (; rc == SQLITE_ROW; rc = sqlite3_step(s)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        v[n].slug = store_col(s, 0);
        v[n].locale = store_col(s, 1);
        v[n].sample = store_col(s, 2);
        n++;
    }
    int code = rc == SQLITE_DONE ? 0 : store_fail(st, err, rc, "cannot list unnamed topics");
    sqlite3_finalize(s);
    s = NULL;
    if (code == 0)
        rc = sqlite3_prepare_v2(st->db, "SELECT title, summary, category FROM articles WHERE "
                                        "source_id = ?1 AND locale = ?2", -1, &s, NULL);
    if (code == 0 && rc != SQLITE_OK)
        code = store_fail(st, err, rc, "cannot read topic pages");
    for (size_t i = 0; code == 0 && i < n; i++) {
        const char *slash = strrchr(v[i].sample, '/');
        struct kb_buf id = KB_BUF_INIT;
        kb_buf_printf(&id, "%.*s%s", slash ? (int)(slash - v[i].sample + 1) : 0, v[i].sample,
                      v[i].slug);
        sqlite3_reset(s);
        store_bind(s, 1, kb_buf_str(&id));
        store_bind(s, 2, v[i].locale);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            char *title = store_col(s, 0), *summary = store_col(s, 1), *parent = store_col(s, 2);
            sqlite3_reset(s);
            struct kb_topic t = {v[i].slug, v[i].locale, parent, title, summary, NULL, 0, 0, 0};
            if (title && (code = kb_topic_import(st, &t, err)) == KB_EINVAL)
                code = 0;
            else if (title && code == 0)
                got++;
            free(title);
            free(summary);
            free(parent);
        } else if (rc != SQLITE_DONE) {
            code = store_fail(st, err, rc, "cannot read topic page '%s'", kb_buf_str(&id));
        }
        sqlite3_clear_bindings(s);
        kb_buf_release(&id);
    }
    sqlite3_finalize(s);
    for (size_t i = 0; i < n; i++) {
        free(v[i].slug);
        free(v[i].locale);
        free(v[i].sample);
    }
    free(v);
    if (added)
        *added = got;
    return code;
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An id that is a JSON integer or string, as text ("" when neither). */
static void id_text(json_t *v, char *out, size_t size)
{
    if (json_is_integer(v))
        snprintf(out, size, "%lld", (long long)json_integer_value(v));
    else
        snprintf(out, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* Zendesk Help Center's {"categories": [...], "sections": [...]} (its API's
 * lists, or one export holding both) as topics: a section's slug is its id
 * (what its articles' section_id becomes), a category's "category-<id>". */
static json_t *zendesk_topics(json_t *root)
{
    json_t *cats = json_object_get(root, "categories"), *secs = json_object_get(root, "sections");
    if (!json_is_array(cats) && !json_is_array(secs))
        return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *o;
    char id[64], slug[80];
    json_array_foreach(cats, i, o) {
        id_text(json_object_get(o, "id"), id, sizeof id);
        snprintf(slug, sizeof slug, "category-%s", id);
        json_t *t = json_pack("{s:s}", "slug", slug);
        json_object_set(t, "name", json_object_get(o, "name"));
        json_object_set(t, "description", json_object_get(o, "description"));
        json_object_set(t, "position", json_object_get(o, "position"));
        json_object_set(t, "locale", json_object_get(o, "locale"));
        json_array_append_new(out, t);
    }
    json_array_foreach(secs, i, o) {
        id_text(json_object_get(o, "id"), id, sizeof id);
        json_t *t = json_pack("{s:s}", "slug", id);
        json_object_set(t, "name", json_object_get(o, "name"));
        json_object_set(t, "description", json_object_get(o, "description"));
        json_object_set(t, "position", json_object_get(o, "position"));
        json_object_set(t, "locale", json_object_get(o, "locale"));
        id_text(json_object_get(o, "category_id"), id, sizeof id);
        if (*id) {
            snprintf(slug, sizeof slug, "category-%s", id);
            json_object_set_new(t, "parent", json_string(slug));
        }
        json_array_append_new(out, t);
    }
    return out;
}

int kb_topic_import_json(struct kb_store *st, const char *data, size_t len, size_t *n,
                         struct kb_err *err)
{
    json_error_t je;
    *n = 0;
    json_t *root = json_loadb(data, len, 0, &je);
    json_t *zd = json_is_object(root) ? zendesk_topics(root) : NULL;
    if (zd) {
        json_decref(root);
        root = zd;
    }
    json_t *arr = json_is_object(root) ? json_object_get(root, "topics") : root;
    if (!json_is_array(arr)) {
        json_decref(root);
        return root ? kb_err_set(err, KB_EFORMAT, "topics file must be a JSON array or "
                                                  "{\"topics\": [...]}")
                    : kb_err_set(err, KB_EFORMAT, "topics file is not JSON: line %d: %s",
                                 je.line, je.text);
    }
    int code = 0;
    /* categories first, so that sections find their parent */
    for (int pass = 0; pass < 2 && code == 0; pass++) {
        size_t i;
        json_t *o;
        json_array_foreach(arr, i, o) {
            const char *parent = json_is_object(o) ? jstr(o, "parent") : NULL;
            if ((parent != NULL) != pass)
                continue;
            json_t *pos = json_is_object(o) ? json_object_get(o, "position") : NULL;
            struct kb_topic t = {
                (char *)jstr(o, "slug"), (char *)jstr(o, "locale"), (char *)parent,
                (char *)jstr(o, "name"), (char *)jstr(o, "description"),
                (char *)jstr(o, "icon"), json_is_integer(pos) ? json_integer_value(pos) : 0, 0, 0};
            struct kb_err why;
            if (!json_is_object(o)) {
                code = kb_err_set(err, KB_EFORMAT, "topic %zu is not an object", i + 1);
                break;
            }
            if ((code = kb_topic_check(&t, &why)) != 0) {
                kb_err_set(err, code, "topic %zu: %s", i + 1, why.msg);
                break;
            }
            if ((code = store_wbegin(st, err)) != 0)
                break;
            if ((code = store_wend(st, write_topic(st, &t, 2, err), err)) != 0)
                break;
            (*n)++;
        }
    }
    json_decref(root);
    return code;
}

/* "net-wireless" -> "Net wireless": a stand-in name until one is given. */
static char *humanise(const char *slug)
{
    char *h = kb_xstrdup(slug);
    for (char *p = h; *p; p++)
        if (*p == '-' || *p == '_')
            *p = ' ';
    if (*h >= 'a' && *h <= 'z')
        *h = (char)(*h - 'a' + 'A');
    return h;
}

/* Creates slug (named after itself, humanised) unless it exists; sets its
 * parent unless an admin edited it. */
/* Creates the topic if missing, named name (NULL: its slug humanised);
 * an existing one not edited by an admin gets the parent when one is given
 * and the name when one is given. */
static int ensure(struct kb_store *st, const char *slug, const char *parent, const char *locale,
                  const char *given, struct kb_err *err)
{
    char *name = store_blank(given) ? humanise(slug) : store_one_line(given, KB_TOPIC_NAME_MAX);
    int named = !store_blank(given);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO topics (slug, locale, parent, name, updated) VALUES"
                                " (?1, ?2, ?3, ?4, ?5) ON CONFLICT (slug, locale) DO UPDATE SET"
                                " parent = coalesce(excluded.parent, topics.parent),"
                                " name = CASE WHEN ?6 THEN excluded.name ELSE topics.name END,"
                                " updated = excluded.updated"
                                " WHERE topics.edited = 0 AND (excluded.parent IS NOT NULL OR ?6)"
                                " AND (topics.parent IS NOT excluded.parent OR"
                                " (?6 AND topics.name IS NOT excluded.name))", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        store_bind(s, 1, slug);
        store_bind(s, 2, loc(locale));
        store_bind(s, 3, parent);
        store_bind(s, 4, name);
        sqlite3_bind_int64(s, 5, store_now());
        sqlite3_bind_int(s, 6, named);
        rc = sqlite3_step(s);
    }
    int code = rc == SQLITE_DONE ? 0 : store_fail(st, err, rc, "cannot store topic '%s'", slug);
    sqlite3_finalize(s);
    free(name);
    return code;
}

int kb_topic_import_section(struct kb_store *st, const char *category, const char *section,
                            const char *locale, const char *category_name,
                            const char *section_name, struct kb_err *err)
{
    if (!slug_ok(category) || !slug_ok(section) || strcmp(category, section) == 0)
        return kb_err_set(err, KB_EINVAL, "section '%.100s' of category '%.100s': not topic "
                          "slugs", section ? section : "", category ? category : "");
    int code = store_wbegin(st, err);
    if (code)
        return code;
    if ((code = ensure(st, category, NULL, locale, category_name, err)) == 0)
        code = ensure(st, section, category, locale, section_name, err);
    return store_wend(st, code, err);
}
