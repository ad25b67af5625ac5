/* The help center's languages: one help center per locale with public
 * content, under /xx/ (/ picks one from Accept-Language). The locales are a
 * snapshot reloaded from the store every few seconds (srv_locales_refresh,
 * from the dispatch); the switcher and the negotiation read it. */
#ifndef KB_SRV_LOCALES_H
#define KB_SRV_LOCALES_H

#include <stddef.h>

#include "kb/base/buf.h"
#include "kb/store/locales.h"
#include "srv.h"

#define SRV_LOCALE_DEFAULT "en"
#define SRV_LOCALE_MAX 16

/* A page's version in another locale, for the switcher and hreflang links. */
struct tpl_alt {
    const char *locale, *href;
};

/* An article's versions in other languages, for its page: the locale of the
 * page (normalised: lowercase, '-') and one alternate per translation. */
#define SRV_ALTS_MAX 64
struct srv_alts {
    char locale[SRV_LOCALE_MAX + 1];
    struct tpl_alt alt[SRV_ALTS_MAX];
    size_t n;
    struct kb_buf href[SRV_ALTS_MAX];
    struct kb_translation *tr;
    size_t ntr;
};
/* Fills a for article number of locale (NULL = the default); public_only
 * links public published translations only (customers). Errors are logged;
 * a then has none. Release with srv_locale_alts_release. */
void srv_locale_alts_load(struct srv_ctx *c, int64_t number, const char *locale,
                          int public_only, struct srv_alts *a);
void srv_locale_alts_release(struct srv_alts *a);

/* Reloads the snapshot from c's store when it is older than a few seconds
 * (or always when force). */
void srv_locales_refresh(struct srv_ctx *c, int force);
void srv_locales_shutdown(void);
/* 1 when loc (lowercase, e.g. "fr", "pt-br") has public content, or is the
 * default locale. */
int srv_locale_known(const char *loc);
/* The locale of Accept-Language header h the help center has (by q-value;
 * "fr-CH" takes "fr"), copied into buf; the default locale when none. */
const char *srv_locale_negotiate(const char *h, char *buf, size_t size);
/* The language's own name ("Français"), or loc itself. Static or loc. */
const char *srv_locale_name(const char *loc);
/* The home page path of loc ("/fr/") into b. */
void srv_locale_home(struct kb_buf *b, const char *loc);
/* Appends the language switcher for a page in current: one link per locale
 * with public content, to alts' page in that locale when there is one, else
 * to that locale's home. Nothing when there is only one locale. */
void srv_locale_switcher(struct kb_buf *b, const char *now, const struct tpl_alt *alts,
                         size_t nalts);

#endif
