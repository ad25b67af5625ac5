/* Tests for server/brand.c and brand_logo.c: colours (parsing, WCAG
 * contrast, the derived dark shade), the admin's changes checked field by
 * field (each refusal naming the field, nothing merged), and the logo's
 * checks (type, size, bytes, SVGs that could run script). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "server/brand.h"
#include "check.h"

static void test_colours(void)
{
    static const unsigned white[3] = {255, 255, 255}, black[3] = {0, 0, 0};
    unsigned c[3];
    CHECK_INT(kb_brand_parse_colour("#0f766E", c), 0);
    CHECK(c[0] == 0x0f && c[1] == 0x76 && c[2] == 0x6e);
    static const char *const bad[] = {"red", "#12345", "#1234567", "0f766e", "#0g766e", "", NULL};
    for (size_t i = 0; bad[i]; i++)
        CHECK_INT(kb_brand_parse_colour(bad[i], c), -1);
    CHECK_INT(kb_brand_parse_colour(NULL, c), -1);
    double wb = kb_brand_contrast(white, black);
    CHECK(wb > 20.99 && wb < 21.01);
    unsigned blue[3] = {0x1d, 0x4e, 0xd8}; /* the built-in accent: 6.7:1 */
    double cb = kb_brand_contrast(blue, white);
    CHECK(cb > 6.6 && cb < 6.8);
    char dark[8];
    unsigned teal[3] = {0x0f, 0x76, 0x6e};
    kb_brand_dark(teal, dark);
    unsigned d[3];
    CHECK_INT(kb_brand_parse_colour(dark, d), 0);
    CHECK(kb_brand_contrast(d, white) >= 7.0);
    CHECK(d[0] <= teal[0] && d[1] < teal[1] && d[2] < teal[2]);
}

static void test_merge(void)
{
    static const struct {
        const char *json, *named;
    } bad[] = {
        {"{\"accent\":\"#ffcc00\"}", "contrast"},
        {"{\"accent\":\"blue\"}", "#rrggbb"},
        {"{\"accent\":12}", "accent"},
        {"{\"name\":\"\"}", "name"},
        {"{\"name\":\"a\\nb\"}", "name"},
        {"{\"footer_links\":[{\"label\":\"x\",\"url\":\"javascript:alert(1)\"}]}", "url"},
        {"{\"footer_links\":[{\"label\":\"x\",\"url\":\"//evil.example\"}]}", "url"},
        {"{\"footer_links\":[{\"label\":\"x\",\"url\":\"/a\\\"b\"}]}", "url"},
        {"{\"footer_links\":[{\"label\":\"x\",\"url\":\"/a\",\"extra\":1}]}", "footer_links[0]"},
        {"{\"footer_links\":{}}", "footer_links"},
        {"{\"logo\":\"x\"}", "logo"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *stored = json_pack("{s:s}", "name", "Kept");
        json_t *ch = json_loads(bad[i].json, 0, NULL);
        struct kb_err err = {0, ""};
        CHECK_INT(kb_brand_merge(stored, ch, &err), KB_EINVAL);
        CHECK_CONTAINS(err.msg, bad[i].named);
        json_decref(ch);
        json_decref(stored);
    }
    json_t *stored = json_object();
    json_t *ch = json_loads("{\"name\":\"Acme\",\"accent\":\"#0F766E\",\"footer_links\":"
                            "[{\"label\":\"Status\",\"url\":\"https://status.example/\"}],"
                            "\"contact_text\":\"Line one\\n\\nLine two\"}", 0, NULL);
    struct kb_err err = {0, ""};
    CHECK_INT(kb_brand_merge(stored, ch, &err), 0);
    CHECK_STR(json_string_value(json_object_get(stored, "accent")), "#0f766e");
    CHECK_INT(json_array_size(json_object_get(stored, "footer_links")), 1);
    json_decref(ch);
    ch = json_loads("{\"accent\":null}", 0, NULL);
    CHECK_INT(kb_brand_merge(stored, ch, &err), 0);
    CHECK(json_object_get(stored, "accent") == NULL);
    CHECK_STR(json_string_value(json_object_get(stored, "name")), "Acme");
    json_decref(ch);
    json_decref(stored);
    json_t *pub = srv_brand_json(srv_brand_now());
    CHECK_STR(json_string_value(json_object_get(pub, "name")), BRAND_DEFAULT_NAME);
    CHECK(json_is_null(json_object_get(pub, "logo")));
    json_decref(pub);
}

static void test_logo(void)
{
    static const char png[] = "\x89PNG\r\n\x1a\nrest";
    static const char jpg[] = "\xff\xd8\xff\xe0rest";
    static const struct {
        const char *type, *data;
        int code;
        const char *named;
    } cases[] = {
        {"image/png", png, 0, NULL},
        {"IMAGE/PNG; charset=binary", png, 0, NULL},
        {"image/jpeg", jpg, 0, NULL},
        {"image/svg+xml", "<svg xmlns='http://www.w3.org/2000/svg'><rect width='1'/></svg>", 0,
         NULL},
        {"image/gif", "GIF89a", KB_EFORMAT, "image/gif"},
        {NULL, png, KB_EFORMAT, "(none)"},
        {"image/png", "GIF89a", KB_EINVAL, "PNG"},
        {"image/jpeg", png, KB_EINVAL, "JPEG"},
        {"image/svg+xml", "<svg><script>x</script></svg>", KB_EINVAL, "<script"},
        {"image/svg+xml", "<svg><SCRIPT>x</SCRIPT></svg>", KB_EINVAL, "<script"},
        {"image/svg+xml", "<svg onload='x'/>", KB_EINVAL, "onload="},
        {"image/svg+xml", "<svg><g\nonclick =\"x\"/></svg>", KB_EINVAL, "onclick="},
        {"image/svg+xml", "<svg><a href='JavaScript:x'/></svg>", KB_EINVAL, "javascript:"},
        {"image/svg+xml", "<svg><foreignObject/></svg>", KB_EINVAL, "foreignobject"},
        {"image/svg+xml", "<!DOCTYPE svg [<!ENTITY x 'y'>]><svg/>", KB_EINVAL, "<!entity"},
        {"image/svg+xml", "<svg><set attributeName='href' to='x'/></svg>", KB_EINVAL, "<set"},
        {"image/svg+xml", "not svg at all", KB_EINVAL, "<svg>"},
        {"image/svg+xml", "<svg><text>onion = ok</text></svg>", 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *type = NULL;
        struct kb_err err = {0, ""};
        int rc = kb_brand_logo_check(cases[i].type, cases[i].data, strlen(cases[i].data), &type,
                                      &err);
        CHECK_INT(rc, cases[i].code);
        if (cases[i].named)
            CHECK_CONTAINS(err.msg, cases[i].named);
        else
            CHECK(type != NULL);
    }
    const char *type = NULL;
    struct kb_err err = {0, ""};
    CHECK_INT(kb_brand_logo_check("image/png", png, 0, &type, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "empty");
    CHECK_INT(kb_brand_logo_check("image/png", png, KB_BRAND_LOGO_MAX + 1, &type, &err),
              KB_ETOOBIG);
    CHECK_CONTAINS(err.msg, "bytes");
}

int main(void)
{
    test_colours();
    test_merge();
    test_logo();
    return check_report("test_brand");
}
