/* The RT sync's settings: parsed from JSON, shown as JSON, kept in the
 * store (see rt_sync.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/net/http.h"
#include "kb/store/rt_state.h"
#include "kb/sync/rt_sync.h"

#define STR_MAX 1024
#define STATUSES_MAX 16

void kb_rt_sync_cfg_init(struct kb_rt_sync_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->per_page = KB_RT_PER_PAGE_MAX;
}

void kb_rt_sync_cfg_release(struct kb_rt_sync_cfg *cfg)
{
    free(cfg->url);
    free(cfg->token);
    free(cfg->ca_file);
    free(cfg->queue);
    free(cfg->cf_category);
    free(cfg->cf_product);
    free(cfg->cf_unit);
    for (size_t i = 0; i < cfg->nstatuses; i++)
        free(cfg->statuses[i]);
    free(cfg->statuses);
    kb_rt_sync_cfg_init(cfg);
}

/* A string setting: absent or null leaves *out; "" clears it. */
static int get_str(json_t *o, const char *key, const char *where, char **out, struct kb_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    const char *s = json_string_value(v);
    if (!s)
        return kb_err_set(err, KB_EINVAL, "rt sync settings: '%s%s' must be a string", where,
                          key);
    if (strlen(s) > STR_MAX || strpbrk(s, "\r\n"))
        return kb_err_set(err, KB_EINVAL, "rt sync settings: '%s%s' must be one line of at most "
                          "%d bytes", where, key, STR_MAX);
    free(*out);
    *out = *s ? kb_xstrdup(s) : NULL;
    return 0;
}

static int only_keys(json_t *o, const char *const *keys, const char *where, struct kb_err *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        size_t i = 0;
        while (keys[i] && strcmp(keys[i], k) != 0)
            i++;
        if (!keys[i])
            return kb_err_set(err, KB_EINVAL, "rt sync settings: unknown key '%s%.60s'", where, k);
    }
    return 0;
}

int kb_rt_sync_cfg_parse(json_t *j, struct kb_rt_sync_cfg *cfg, struct kb_err *err)
{
    static const char *const keys[] = {"url", "token", "ca_file", "queue", "custom_fields",
                                       "resolved_statuses", "timeout_ms", "per_page", NULL};
    static const char *const cf_keys[] = {"category", "product", "unit", NULL};
    kb_rt_sync_cfg_init(cfg);
    if (!json_is_object(j))
        return kb_err_set(err, KB_EINVAL, "rt sync settings must be a JSON object");
    int code = only_keys(j, keys, "", err);
    if (!code)
        code = get_str(j, "url", "", &cfg->url, err);
    if (!code)
        code = get_str(j, "token", "", &cfg->token, err);
    if (!code)
        code = get_str(j, "ca_file", "", &cfg->ca_file, err);
    if (!code)
        code = get_str(j, "queue", "", &cfg->queue, err);
    if (code)
        return code;
    if (!cfg->url)
        return kb_err_set(err, KB_EINVAL, "rt sync settings: 'url' is required");
    struct kb_err uerr;
    if (kb_http_check_base_url(cfg->url, &uerr) != 0)
        return kb_err_set(err, KB_EINVAL, "rt sync settings: 'url': %s", uerr.msg);
    if (cfg->queue && strchr(cfg->queue, '\''))
        return kb_err_set(err, KB_EINVAL, "rt sync settings: 'queue' must not contain a quote");
    cfg->cf_category = kb_xstrdup("Category");
    cfg->cf_product = kb_xstrdup("Product");
    cfg->cf_unit = kb_xstrdup("Unit");
    json_t *cf = json_object_get(j, "custom_fields");
    if (cf && !json_is_null(cf)) {
        if (!json_is_object(cf))
            return kb_err_set(err, KB_EINVAL, "rt sync settings: 'custom_fields' must be an "
                              "object of category, product and unit");
        if ((code = only_keys(cf, cf_keys, "custom_fields.", err)) != 0 ||
            (code = get_str(cf, "category", "custom_fields.", &cfg->cf_category, err)) != 0 ||
            (code = get_str(cf, "product", "custom_fields.", &cfg->cf_product, err)) != 0 ||
            (code = get_str(cf, "unit", "custom_fields.", &cfg->cf_unit, err)) != 0)
            return code;
    }
    json_t *st = json_object_get(j, "resolved_statuses");
    if (st && !json_is_null(st)) {
        if (!json_is_array(st) || json_array_size(st) == 0 ||
            json_array_size(st) > STATUSES_MAX)
            return kb_err_set(err, KB_EINVAL, "rt sync settings: 'resolved_statuses' must be a "
                              "list of 1 to %d status names", STATUSES_MAX);
        size_t i;
        json_t *v;
        cfg->statuses = kb_xcalloc(json_array_size(st), sizeof *cfg->statuses);
        json_array_foreach(st, i, v) {
            const char *s = json_string_value(v);
            if (!s || !*s || strlen(s) > 64)
                return kb_err_set(err, KB_EINVAL, "rt sync settings: 'resolved_statuses' entry "
                                  "%zu is not a status name", i + 1);
            cfg->statuses[cfg->nstatuses++] = kb_xstrdup(s);
        }
    } else {
        cfg->statuses = kb_xcalloc(1, sizeof *cfg->statuses);
        cfg->statuses[cfg->nstatuses++] = kb_xstrdup("resolved");
    }
    json_t *t = json_object_get(j, "timeout_ms");
    if (t && !json_is_null(t)) {
        if (!json_is_integer(t) || json_integer_value(t) < 100 ||
            json_integer_value(t) > 600000)
            return kb_err_set(err, KB_EINVAL, "rt sync settings: 'timeout_ms' must be a whole "
                              "number from 100 to 600000");
        cfg->timeout_ms = (long)json_integer_value(t);
    }
    json_t *pp = json_object_get(j, "per_page");
    if (pp && !json_is_null(pp)) {
        if (!json_is_integer(pp) || json_integer_value(pp) < 1 ||
            json_integer_value(pp) > KB_RT_PER_PAGE_MAX)
            return kb_err_set(err, KB_EINVAL, "rt sync settings: 'per_page' must be a whole "
                              "number from 1 to %d", KB_RT_PER_PAGE_MAX);
        cfg->per_page = (int)json_integer_value(pp);
    }
    return 0;
}

json_t *kb_rt_sync_cfg_json(const struct kb_rt_sync_cfg *cfg, int with_token)
{
    json_t *st = json_array();
    for (size_t i = 0; i < cfg->nstatuses; i++)
        json_array_append_new(st, json_string(cfg->statuses[i]));
    json_t *j = json_pack("{s:s?, s:s?, s:s?, s:{s:s?, s:s?, s:s?}, s:o, s:i}", "url", cfg->url,
                          "ca_file", cfg->ca_file, "queue", cfg->queue, "custom_fields",
                          "category", cfg->cf_category, "product", cfg->cf_product, "unit",
                          cfg->cf_unit, "resolved_statuses", st, "per_page", cfg->per_page);
    if (cfg->timeout_ms)
        json_object_set_new(j, "timeout_ms", json_integer(cfg->timeout_ms));
    if (with_token && cfg->token)
        json_object_set_new(j, "token", json_string(cfg->token));
    return j;
}

int kb_rt_sync_cfg_load(struct kb_store *st, struct kb_rt_sync_cfg *cfg, int *found,
                        struct kb_err *err)
{
    kb_rt_sync_cfg_init(cfg);
    *found = 0;
    char *text = NULL;
    int code = kb_rt_state_get(st, KB_RT_STATE_SETTINGS, &text, err);
    if (code || !text)
        return code;
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    free(text);
    if (!j)
        return kb_err_set(err, KB_ECORRUPT, "stored rt sync settings are not JSON: %s", je.text);
    code = kb_rt_sync_cfg_parse(j, cfg, err);
    json_decref(j);
    *found = code == 0;
    return code;
}

int kb_rt_sync_cfg_save(struct kb_store *st, const struct kb_rt_sync_cfg *cfg,
                        struct kb_err *err)
{
    json_t *j = kb_rt_sync_cfg_json(cfg, 1);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    int code = kb_rt_state_set(st, KB_RT_STATE_SETTINGS, text, err);
    free(text);
    return code;
}

int kb_rt_sync_token_file(struct kb_rt_sync_cfg *cfg, const char *path, struct kb_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return kb_err_set(err, KB_EIO, "cannot read the rt token file '%s': %s", path,
                          strerror(errno));
    char line[1024];
    size_t n = fread(line, 1, sizeof line - 1, f);
    int toolong = n == sizeof line - 1 && fgetc(f) != EOF;
    fclose(f);
    line[n] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line;
    while (isspace((unsigned char)*p))
        p++;
    n = strlen(p);
    while (n && isspace((unsigned char)p[n - 1]))
        p[--n] = '\0';
    if (toolong && strlen(line) == sizeof line - 1)
        return kb_err_set(err, KB_EINVAL, "the rt token file '%s' is too long: one line, the "
                          "token", path);
    if (!*p)
        return kb_err_set(err, KB_EINVAL, "the rt token file '%s' is empty", path);
    free(cfg->token);
    cfg->token = kb_xstrdup(p);
    return 0;
}

int kb_rt_sync_cfg_file(const char *path, struct kb_rt_sync_cfg *cfg, struct kb_err *err)
{
    kb_rt_sync_cfg_init(cfg);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        return kb_err_set(err, KB_EINVAL, "rt sync settings file '%s': %s (line %d)", path,
                          je.text, je.line);
    struct kb_err e;
    int code = kb_rt_sync_cfg_parse(j, cfg, &e);
    json_decref(j);
    if (code)
        return kb_err_set(err, code, "'%s': %s", path, e.msg);
    return 0;
}
