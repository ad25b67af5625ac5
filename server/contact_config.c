/* The settings of contact destinations as the admin API takes and shows
 * them (see contact.h). Every value that can reach a mail or HTTP header
 * is refused when it holds a line break. */
#include <string.h>

#include "contact.h"
#include "kb/net/rt_ticket.h"

#define CFG_VALUE_MAX 2048
#define SECRET_MIN 16
#define TOKEN_MIN 8

static int str_field(json_t *in, const char *key, int required, struct kb_err *err,
                     const char **out)
{
    json_t *v = json_object_get(in, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return kb_err_set(err, KB_EINVAL, "missing field '%s'", key);
        return 0;
    }
    if (!json_is_string(v))
        return kb_err_set(err, KB_EINVAL, "field '%s' must be a string", key);
    *out = json_string_value(v);
    if (strlen(*out) > CFG_VALUE_MAX)
        return kb_err_set(err, KB_EINVAL, "field '%s' is too long", key);
    if (kb_contact_header_unsafe(*out))
        return kb_err_set(err, KB_EINVAL, "field '%s': line breaks and control characters are "
                                          "not allowed", key);
    return 0;
}

static int url_field(json_t *in, const char *const *schemes, struct kb_err *err)
{
    const char *url;
    int code = str_field(in, "url", 1, err, &url);
    if (code)
        return code;
    for (size_t i = 0; schemes[i]; i++)
        if (!strncmp(url, schemes[i], strlen(schemes[i])) && url[strlen(schemes[i])])
            return 0;
    return kb_err_set(err, KB_EINVAL, "field 'url' must start with %s%s%s", schemes[0],
                      schemes[1] ? " or " : "", schemes[1] ? schemes[1] : "");
}

/* Request Tracker's base URL: http(s), RT's own root (a path such as /rt
 * is fine), not its API's address, no credentials, query or fragment. */
static int rt_url_field(json_t *in, struct kb_err *err)
{
    static const char *const schemes[] = {"http://", "https://", NULL};
    int code = url_field(in, schemes, err);
    if (code)
        return code;
    const char *url = json_string_value(json_object_get(in, "url"));
    const char *host = strstr(url, "://") + 3;
    size_t hl = strcspn(host, "/");
    if (memchr(host, '@', hl))
        return kb_err_set(err, KB_EINVAL, "field 'url': no user name or password in it (the "
                                          "token is its own field)");
    if (strpbrk(url, "?# "))
        return kb_err_set(err, KB_EINVAL, "field 'url': RT's base address, without a query, "
                                          "fragment or space");
    if (strstr(url, "/REST/"))
        return kb_err_set(err, KB_EINVAL, "field 'url': RT's base address (e.g. "
                                          "https://rt.example.com or .../rt), not its REST API's");
    return 0;
}

/* Copies the listed string keys of in to out (those present). */
static void copy_keys(json_t *in, json_t *out, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        json_t *v = json_object_get(in, keys[i]);
        if (json_is_string(v))
            json_object_set(out, keys[i], v);
    }
}

/* A secret field: the new one, else the stored one. */
static int secret_field(json_t *in, json_t *old, json_t *out, const char *key, size_t min,
                        int required, struct kb_err *err)
{
    const char *v;
    int code = str_field(in, key, 0, err, &v);
    if (code)
        return code;
    if (v && strlen(v) < min)
        return kb_err_set(err, KB_EINVAL, "field '%s' needs %zu bytes or more", key, min);
    json_t *keep = v ? json_object_get(in, key) : json_object_get(old, key);
    if (json_is_string(keep))
        json_object_set(out, key, keep);
    else if (required)
        return kb_err_set(err, KB_EINVAL, "missing field '%s'", key);
    return 0;
}

int srv_contact_config_merge(const char *kind, json_t *in, json_t *old, json_t **merged,
                             struct kb_err *err)
{
    *merged = NULL;
    json_t *out = json_object();
    const char *dummy;
    int code = 0;
    if (!strcmp(kind, "webhook")) {
        static const char *const schemes[] = {"http://", "https://", NULL};
        static const char *const keys[] = {"url", "ca_file", NULL};
        if ((code = url_field(in, schemes, err)) || (code = str_field(in, "ca_file", 0, err, &dummy)) ||
            (code = secret_field(in, old, out, "secret", SECRET_MIN, 1, err)))
            goto out;
        copy_keys(in, out, keys);
    } else if (!strcmp(kind, "email")) {
        static const char *const schemes[] = {"smtp://", "smtps://", NULL};
        static const char *const keys[] = {"url", "from", "to", "tls", "username", "ca_file",
                                           NULL};
        const char *from, *to, *tls;
        if ((code = url_field(in, schemes, err)) || (code = str_field(in, "from", 1, err, &from)) ||
            (code = str_field(in, "to", 1, err, &to)) ||
            (code = str_field(in, "tls", 0, err, &tls)) ||
            (code = str_field(in, "username", 0, err, &dummy)) ||
            (code = str_field(in, "ca_file", 0, err, &dummy)) ||
            (code = secret_field(in, old, out, "password", 0, 0, err)))
            goto out;
        if (!kb_contact_email_ok(from)) {
            code = kb_err_set(err, KB_EINVAL, "field 'from': not a valid e-mail address");
            goto out;
        }
        if (!kb_contact_email_ok(to)) {
            code = kb_err_set(err, KB_EINVAL, "field 'to': not a valid e-mail address");
            goto out;
        }
        if (tls && strcmp(tls, "none") && strcmp(tls, "try") && strcmp(tls, "required")) {
            code = kb_err_set(err, KB_EINVAL, "field 'tls' must be none, try or required");
            goto out;
        }
        copy_keys(in, out, keys);
    } else if (!strcmp(kind, "rt")) {
        static const char *const keys[] = {"url", "queue", "key_field", "ca_file", NULL};
        const char *queue, *field;
        if ((code = rt_url_field(in, err)) || (code = str_field(in, "queue", 1, err, &queue)) ||
            (code = str_field(in, "key_field", 0, err, &field)) ||
            (code = str_field(in, "ca_file", 0, err, &dummy)) ||
            (code = secret_field(in, old, out, "token", TOKEN_MIN, 1, err)))
            goto out;
        if (!*queue) {
            code = kb_err_set(err, KB_EINVAL, "field 'queue': the name of an RT queue");
            goto out;
        }
        if (field && (code = kb_rt_name_check("field 'key_field'", field, err)))
            goto out;
        copy_keys(in, out, keys);
    } else {
        code = kb_err_set(err, KB_EINVAL, "destination '%s' is not supported yet", kind);
    }
out:
    if (code) {
        json_decref(out);
        return code;
    }
    *merged = out;
    return 0;
}

json_t *srv_contact_config_public(json_t *cfg)
{
    json_t *out = cfg ? json_deep_copy(cfg) : NULL;
    if (!json_is_object(out)) {
        json_decref(out);
        out = json_object();
    }
    json_object_set_new(out, "secret_set", json_boolean(json_object_get(out, "secret") != NULL));
    json_object_set_new(out, "password_set",
                        json_boolean(json_object_get(out, "password") != NULL));
    json_object_set_new(out, "token_set", json_boolean(json_object_get(out, "token") != NULL));
    json_object_del(out, "secret");
    json_object_del(out, "password");
    json_object_del(out, "token");
    return out;
}
