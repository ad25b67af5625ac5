"""Every language (issue 19 part 6): one help center per locale under /xx/,
Accept-Language picks the first one for /, a language switcher lists only the
locales with public content, translations (same source id, e.g. Mallard's
per-language pages) link to each other, and search runs in the page's locale
first. The English help center shows English articles."""
import json
import os
import re

import pytest
import requests

from kbtest import SAMPLES, run_indexer
from server import KbServer

FR_TITLES = ["Changer le nom et le mot de passe de votre réseau sans fil",
             "Créer un réseau Wi-Fi invité"]


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-locales")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    rows = [
        {"id": "zq-reset", "title": "Zqlang reset guide", "body": "Reset zqlang now.",
         "locale": "en", "audience": "public"},
        {"id": "zq-reset", "title": "Guide de réinitialisation zqlang",
         "body": "Réinitialiser zqlang maintenant.", "locale": "fr", "audience": "public"},
        {"id": "zq-secret", "title": "Guida interna zqitalia", "body": "Solo interno zqitalia.",
         "locale": "it", "audience": "internal"},
    ]
    p = d / "translations.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    run_indexer(d, "add", str(p))
    with KbServer(d) as s:
        yield s


def get(srv, path, lang=None, **kw):
    h = {"Accept": "text/html"}
    if lang is not None:
        h["Accept-Language"] = lang
    return requests.get(srv.url(path), headers=h, allow_redirects=False, timeout=30, **kw)


def switcher(html):
    m = re.search(r'<nav class="langs"[^>]*>(.*?)</nav>', html, re.S)
    assert m, "no language switcher"
    return dict((h, t) for h, t in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', m.group(1)))


@pytest.mark.parametrize("header,where", [
    ("fr-CH, fr;q=0.9, en;q=0.8", "/fr/"),
    ("de", "/de/"),
    ("en-US,en;q=0.9,fr;q=0.5", None),
    ("ja, it;q=0.5", None),           # no Japanese; Italian is internal only
    ("en;q=0.1, fr;q=0.8", "/fr/"),  # q-values, not order
    ("*", None),
    ("", None),
    ("garbage;;q=x,,", None),
])
def test_accept_language_picks_the_first_locale_for_root(srv, header, where):
    r = get(srv, "/", header)
    assert "Accept-Language" in r.headers.get("Vary", "")
    if where:
        assert r.status_code == 302 and r.headers["Location"] == where
    else:
        assert r.status_code == 200 and '<html lang="en">' in r.text


def test_each_locale_has_its_help_center_and_english_shows_english(srv):
    en = get(srv, "/en/", "fr")
    assert en.status_code == 200 and '<html lang="en">' in en.text  # never redirected
    fr = get(srv, "/fr/")
    assert fr.status_code == 200 and '<html lang="fr">' in fr.text
    assert 'action="/fr/search"' in fr.text
    for t in FR_TITLES:
        assert t not in en.text
    s = get(srv, "/search", params={"q": "wifi password"})
    assert s.status_code == 200
    for t in FR_TITLES:
        assert t not in s.text
    f = get(srv, "/fr/search", params={"q": "réseau wifi"})
    assert f.status_code == 200 and '<html lang="fr">' in f.text
    assert any(t in f.text for t in FR_TITLES)
    assert "Change your Wi-Fi name and password" not in f.text


def test_search_falls_back_to_other_languages_when_the_page_locale_has_nothing(srv):
    r = get(srv, "/search", params={"q": "réinitialisation zqlang"})
    assert r.status_code == 200
    assert "Zqlang reset guide" in r.text  # English first...
    r = get(srv, "/search", params={"q": "mettre routeur"})
    assert "Mettre à jour le firmware de votre routeur" in r.text  # ...then any language
    assert "in other languages" in r.text


def test_switcher_lists_only_locales_with_public_content(srv):
    links = switcher(get(srv, "/").text)
    assert links.get("/fr/") == "Français" and links.get("/de/") == "Deutsch"
    assert "/en/" in links
    assert not any("/it/" in h for h in links)
    assert get(srv, "/it/").status_code == 404    # internal only: no help center
    assert get(srv, "/xx/").status_code == 404
    assert "zqitalia" not in get(srv, "/it/").text


def test_translations_link_to_each_other(srv):
    s = requests.get(srv.url("/api/v1/search"), params={"q": "zqlang"}, timeout=30).json()
    nums = {h["locale"]: h["number"] for h in s["hits"] if "zqlang" in h["title"].lower()}
    assert set(nums) >= {"en", "fr"}, s
    en = requests.get(srv.url("/kb/%d" % nums["en"]), timeout=30)
    links = switcher(en.text)
    fr_link = [h for h in links if re.match(r"/kb/%d-" % nums["fr"], h)]
    assert fr_link and links[fr_link[0]] == "Français"
    assert '<link rel="alternate" hreflang="fr" href="%s"' % fr_link[0] in en.text
    fr = requests.get(srv.url("/kb/%d" % nums["fr"]), timeout=30)
    assert '<html lang="fr">' in fr.text
    back = switcher(fr.text)
    assert any(re.match(r"/kb/%d-" % nums["en"], h) for h in back)
    # A language the article has no translation in links that help center's home.
    assert "/de/" in links


def test_suggest_uses_the_page_locale(srv):
    r = requests.get(srv.url("/api/v1/suggest"), params={"q": "rés", "locale": "fr"}, timeout=30)
    assert r.status_code == 200
    titles = [s["title"] for s in r.json()["suggestions"]]
    assert titles and all(t in FR_TITLES + ["Guide de réinitialisation zqlang",
                                            "Mettre à jour le firmware de votre routeur"]
                          for t in titles)


@pytest.fixture(scope="module")
def gnome(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-gnome-langs")
    run_indexer(d, "add", "/usr/share/help/C/gnome-help")
    run_indexer(d, "add", "/usr/share/help/fr/gnome-help")
    with KbServer(d) as s:
        yield s


@pytest.mark.skipif(not os.path.isdir("/usr/share/help/fr/gnome-help"),
                    reason="the French GNOME help is not installed")
def test_mallard_pages_of_one_page_id_are_linked_translations(gnome):
    """/usr/share/help/<lang>/gnome-help/<page>.page share the page id: the
    English page's switcher goes to the French page and back."""
    hits = requests.get(gnome.url("/api/v1/search"), timeout=30,
                        params={"q": "braille", "per_page": 50}).json()["hits"]
    en = [h for h in hits if h["locale"] == "en"]
    assert en, hits
    page = requests.get(gnome.url("/kb/%d" % en[0]["number"]), timeout=30)
    links = switcher(page.text)
    fr = [h for h, t in links.items() if t == "Français"]
    assert fr and fr[0].startswith("/kb/"), links
    back = requests.get(gnome.url(fr[0]), timeout=30)
    assert back.status_code == 200 and '<html lang="fr">' in back.text
    assert any(t == "English" and h == urlpath(page.url) for h, t in switcher(back.text).items())
    # /fr/ is French GNOME help; / stays English.
    fr_home = get(gnome, "/fr/")
    assert fr_home.status_code == 200
    assert get(gnome, "/", "fr-FR,fr;q=0.9").headers.get("Location") == "/fr/"


def urlpath(url):
    from urllib.parse import urlsplit
    return urlsplit(url).path
