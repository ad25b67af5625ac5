/* The help center's languages (see locales.h). */
#include "locales.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html_tpl.h"
#include "kb/base/log.h"
#include "kb/store/locales.h"
#include "snapshot.h"

#define REFRESH_SECONDS 5

struct snap {
    char **loc;
    size_t n;
};

static void snap_free(void *p);
static struct srv_snapshot current = SRV_SNAPSHOT_INIT(snap_free);
static atomic_llong last_load;
static pthread_mutex_t reload_mu = PTHREAD_MUTEX_INITIALIZER;

static void snap_free(void *p)
{
    struct snap *s = p;
    if (!s)
        return;
    kb_locales_free(s->loc, s->n);
    free(s);
}

static void norm(char *loc);

static int same(const struct snap *a, char **loc, size_t n)
{
    if (!a || a->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(a->loc[i], loc[i]) != 0)
            return 0;
    return 1;
}

void srv_locales_refresh(struct srv_ctx *c, int force)
{
    long long now = (long long)time(NULL), last = atomic_load(&last_load);
    if (!force && now - last < REFRESH_SECONDS)
        return;
    if (!atomic_compare_exchange_strong(&last_load, &last, now) && !force)
        return;
    char **loc = NULL;
    size_t n = 0;
    struct kb_err err;
    if (kb_locales_public(c->st, &loc, &n, &err) != 0) {
        kb_log(KB_LOG_WARN, "locales: %s", err.msg);
        return;
    }
    for (size_t i = 0; i < n; i++)
        norm(loc[i]);
    pthread_mutex_lock(&reload_mu); /* no two reloads keep the same list twice */
    if (same(srv_snapshot_get(&current), loc, n)) {
        kb_locales_free(loc, n);
    } else {
        struct snap *s = kb_xcalloc(1, sizeof *s);
        s->loc = loc;
        s->n = n;
        srv_snapshot_set(&current, s);
    }
    pthread_mutex_unlock(&reload_mu);
}

void srv_locales_shutdown(void)
{
    srv_snapshot_free_all(&current);
}

int srv_locale_known(const char *loc)
{
    if (!loc || !*loc)
        return 0;
    if (strcmp(loc, SRV_LOCALE_DEFAULT) == 0)
        return 1;
    const struct snap *s = srv_snapshot_get(&current);
    for (size_t i = 0; s && i < s->n; i++)
        if (strcmp(s->loc[i], loc) == 0)
            return 1;
    return 0;
}

/* The help center's locale for one language tag (lowercased into t): the
 * tag itself, else its primary language ("fr-ch" -> "fr"); NULL if none. */
static const char *match_tag(char *t)
{
    if (srv_locale_known(t))
        return t;
    char *dash = strchr(t, '-');
    if (dash) {
        *dash = '\0';
        if (srv_locale_known(t))
            return t;
    }
    return NULL;
}

const char *srv_locale_negotiate(const char *h, char *buf, size_t size)
{
    double best_q = 0;
    snprintf(buf, size, "%s", SRV_LOCALE_DEFAULT);
    for (const char *p = h ? h : ""; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        char tag[SRV_LOCALE_MAX + 1];
        size_t n = 0;
        int ok = 1;
        while (*p && *p != ',' && *p != ';' && *p != ' ') {
            char ch = *p++;
            if (!(isalnum((unsigned char)ch) || ch == '-' || ch == '_'))
                ok = 0;
            if (n < SRV_LOCALE_MAX)
                tag[n++] = ch == '_' ? '-' : (char)tolower((unsigned char)ch);
            else
                ok = 0;
        }
        tag[n] = '\0';
        double q = 1.0;
        while (*p == ' ')
            p++;
        if (*p == ';') {
            const char *qs = strstr(p, "q=");
            const char *end = strchr(p, ',');
            if (qs && (!end || qs < end)) {
                char *e;
                q = strtod(qs + 2, &e);
                if (e == qs + 2 || q < 0 || q > 1)
                    ok = 0;
            }
            p = end ? end : p + strlen(p);
        }
        const char *m = ok && n >= 2 ? match_tag(tag) : NULL;
        if (m && q > best_q) {
            best_q = q;
            snprintf(buf, size, "%s", m);
        }
        while (*p && *p != ',')
            p++;
    }
    return buf;
}

const char *srv_locale_name(const char *loc)
{
    static const char *const names[][2] = {
        {"en", "English"}, {"fr", "Français"}, {"de", "Deutsch"}, {"es", "Español"},
        {"it", "Italiano"}, {"nl", "Nederlands"}, {"pt", "Português"},
        {"pt-br", "Português (Brasil)"}, {"sv", "Svenska"}, {"da", "Dansk"}, {"nb", "Norsk bokmål"},
        {"fi", "Suomi"}, {"pl", "Polski"}, {"cs", "Čeština"}, {"sk", "Slovenčina"},
        {"hu", "Magyar"}, {"ro", "Română"}, {"ca", "Català"}, {"el", "Ελληνικά"},
        {"ru", "Русский"}, {"uk", "Українська"}, {"tr", "Türkçe"}, {"ar", "العربية"},
        {"he", "עברית"}, {"fa", "فارسی"}, {"hi", "हिन्दी"}, {"ja", "日本語"}, {"ko", "한국어"},
        {"zh", "中文"}, {"zh-cn", "中文（简体）"}, {"zh-tw", "中文（繁體）"}, {"id", "Bahasa Indonesia"},
        {"vi", "Tiếng Việt"}, {"th", "ไทย"}, {"eu", "Euskara"}, {"gl", "Galego"},
        {"sl", "Slovenščina"}, {"hr", "Hrvatski"}, {"sr", "Српски"}, {"lt", "Lietuvių"},
        {"lv", "Latviešu"}, {"et", "Eesti"}, {"as", "অসমীয়া"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], loc) == 0)
            return names[i][1];
    return loc;
}

void srv_locale_home(struct kb_buf *b, const char *loc)
{
    kb_buf_printf(b, "/%s/", loc);
}

void srv_locale_switcher(struct kb_buf *b, const char *now, const struct tpl_alt *alts,
                         size_t nalts)
{
    const struct snap *s = srv_snapshot_get(&current);
    if (!s)
        return;
    /* The default locale leads, whether or not it has public content. */
    int has_default = 0;
    for (size_t i = 0; i < s->n; i++)
        has_default |= strcmp(s->loc[i], SRV_LOCALE_DEFAULT) == 0;
    size_t total = s->n + (has_default ? 0 : 1);
    if (total < 2)
        return;
    kb_buf_adds(b, "<nav class=\"langs\" aria-label=\"Language\"><ul>");
    for (size_t i = 0; i <= s->n; i++) {
        const char *loc;
        if (i == 0)
            loc = SRV_LOCALE_DEFAULT;
        else if (strcmp(s->loc[i - 1], SRV_LOCALE_DEFAULT) == 0)
            continue;
        else
            loc = s->loc[i - 1];
        struct kb_buf href = KB_BUF_INIT;
        for (size_t k = 0; k < nalts; k++)
            if (strcmp(alts[k].locale, loc) == 0) {
                kb_buf_adds(&href, alts[k].href);
                break;
            }
        if (!href.len)
            srv_locale_home(&href, loc);
        kb_buf_adds(b, "<li><a href=\"");
        tpl_esc(b, kb_buf_str(&href));
        kb_buf_adds(b, "\" hreflang=\"");
        tpl_esc(b, loc);
        kb_buf_adds(b, "\" lang=\"");
        tpl_esc(b, loc);
        kb_buf_addc(b, '"');
        if (now && strcmp(now, loc) == 0)
            kb_buf_adds(b, " aria-current=\"true\"");
        kb_buf_addc(b, '>');
        tpl_esc(b, srv_locale_name(loc));
        kb_buf_adds(b, "</a></li>");
        kb_buf_release(&href);
    }
    kb_buf_adds(b, "</ul></nav>");
}

/* loc lowercased with '-' for '_', as URLs and the index write locales. */
static void norm(char *loc)
{
    for (char *p = loc; *p; p++)
        *p = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
}

void srv_locale_alts_load(struct srv_ctx *c, int64_t number, const char *locale,
                          int public_only, struct srv_alts *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->locale, sizeof a->locale, "%s", locale && *locale ? locale : SRV_LOCALE_DEFAULT);
    norm(a->locale);
    struct kb_err err;
    if (kb_article_translations(c->st, number, public_only, &a->tr, &a->ntr, &err) != 0) {
        kb_log(KB_LOG_WARN, "locales: translations of KB-%lld: %s", (long long)number, err.msg);
        return;
    }
    for (size_t i = 0; i < a->ntr && a->n < SRV_ALTS_MAX; i++) {
        norm(a->tr[i].locale);
        a->href[a->n] = (struct kb_buf)KB_BUF_INIT;
        srv_article_path(&a->href[a->n], a->tr[i].number, a->tr[i].title);
        a->alt[a->n].locale = a->tr[i].locale;
        a->alt[a->n].href = kb_buf_str(&a->href[a->n]);
        a->n++;
    }
}

void srv_locale_alts_release(struct srv_alts *a)
{
    for (size_t i = 0; i < a->n; i++)
        kb_buf_release(&a->href[i]);
    kb_translations_free(a->tr, a->ntr);
    a->tr = NULL;
    a->ntr = a->n = 0;
}
