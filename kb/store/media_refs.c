/* Which images each public, published article shows (see media_store.h):
 * kept in media_refs by every article write (put, status, remove) inside
 * its own transaction, so a customer gets an uploaded image exactly while
 * a public published article shows it; and uploads stored under the hash
 * of their bytes. */
#include "kb/store/media_store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/store/store_int.h"

const char kb_media_refs_schema_sql[] =
    "CREATE TABLE media_refs ("
    " number INTEGER NOT NULL,"
    " key TEXT NOT NULL,"
    " PRIMARY KEY (number, key)) WITHOUT ROWID;"
    "CREATE INDEX media_refs_key ON media_refs (key);";

#define SRC_MARK "src=\"/kb/media/"
#define KEY_MAX 300

/* store_media_refs_update for every article at once, in SQL: each key is
 * what follows a SRC_MARK up to '"', '?' or '#', 1 to KEY_MAX bytes. */
const char kb_media_refs_fill_sql[] =
    "DELETE FROM media_refs;"
    "WITH RECURSIVE r(number, rest, k) AS ("
    " SELECT number, html, 0 FROM articles WHERE status = 'published' AND"
    " audience = 'public' AND instr(html, '" SRC_MARK "') > 0"
    " UNION ALL"
    " SELECT number, substr(rest, instr(rest, '" SRC_MARK "') + length('" SRC_MARK "')), 1"
    " FROM r WHERE instr(rest, '" SRC_MARK "') > 0),"
    " e(number, rest, n) AS ("
    " SELECT number, rest, min(CASE WHEN instr(rest, '\"') > 0 THEN instr(rest, '\"') - 1"
    " ELSE length(rest) END, CASE WHEN instr(rest, '?') > 0 THEN instr(rest, '?') - 1"
    " ELSE length(rest) END, CASE WHEN instr(rest, '#') > 0 THEN instr(rest, '#') - 1"
    " ELSE length(rest) END) FROM r WHERE k = 1)"
    " INSERT OR IGNORE INTO media_refs (number, key)"
    " SELECT number, substr(rest, 1, n) FROM e WHERE n >= 1 AND"
    " length(CAST(substr(rest, 1, n) AS BLOB)) <= 300;"; /* KEY_MAX */

static int run_sql(struct kb_store *st, const char *sql, int64_t number, const char *key,
                   struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, number);
        if (key)
            store_bind(s, 2, key);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, err, rc, "cannot record the images of KB-%lld",
                          (long long)number);
    return 0;
}

int store_media_refs_update(struct kb_store *st, int64_t number, struct kb_err *err)
{
    int code = run_sql(st, "DELETE FROM media_refs WHERE number = ?1", number, NULL, err);
    if (code)
        return code;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT html FROM articles WHERE number = ?1 AND "
                                        "status = 'published' AND audience = 'public' AND "
                                        "instr(html, '" SRC_MARK "') > 0", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read the images of KB-%lld", (long long)number);
    sqlite3_bind_int64(s, 1, number);
    rc = sqlite3_step(s);
    char *html = rc == SQLITE_ROW ? store_col(s, 0) : NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot read the images of KB-%lld", (long long)number);
    sqlite3_finalize(s);
    for (const char *p = html; code == 0 && p && (p = strstr(p, SRC_MARK)); ) {
        p += strlen(SRC_MARK);
        size_t n = strcspn(p, "\"?#");
        if (n > 0 && n <= KEY_MAX) {
            char key[KEY_MAX + 1];
            memcpy(key, p, n);
            key[n] = '\0';
            code = run_sql(st, "INSERT OR IGNORE INTO media_refs (number, key) VALUES (?1, ?2)",
                           number, key, err);
        }
        p += n;
    }
    free(html);
    return code;
}

int kb_media_upload(struct kb_store *st, const char *type, const char *data, size_t len,
                    char **key, struct kb_err *err)
{
    static const struct { const char *type, *ext; } exts[] = {
        {"image/png", "png"}, {"image/jpeg", "jpg"}, {"image/gif", "gif"},
        {"image/webp", "webp"},
    };
    *key = NULL;
    const char *ext = NULL;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (type && strcmp(type, exts[i].type) == 0)
            ext = exts[i].ext;
    if (!ext || !data || !len)
        return kb_err_set(err, KB_EINVAL, "an upload must be a non-empty PNG, JPEG, GIF or "
                                          "WebP image");
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    crypto_hash_sha256(h, (const unsigned char *)data, len);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    char k[sizeof hex + 32];
    snprintf(k, sizeof k, KB_MEDIA_UPLOAD_DIR "%s.%s", hex, ext);
    int code = kb_media_put(st, k, type, data, len, 0, err);
    if (code == 0)
        *key = kb_xstrdup(k);
    return code;
}
