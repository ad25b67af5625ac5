"""kb-server's server-rendered help center: home, search, article, feedback
and contact pages, sitemap.xml, opensearch.xml and /static files. Customers
must never see anything internal; every page carries the security headers."""
import glob
import html
import http.client
import os
import re
import shutil
import sqlite3
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
import requests

from kbtest import ROOT, SAMPLES, run_indexer
from server import KbServer, add_user

WEB = os.path.join(ROOT, "web")
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'")
INTERNAL_WORDS = ["Kestrel", "nimbusctl"]
XSS_TITLE = "<script>alert(1)</script>"

EXTRA = {
    "xss.md": """---
title: "<script>alert(1)</script>"
category: troubleshooting
audience: public
summary: "A summary with <b>tags</b> & quotes \\" in it"
---
# Zebracorn troubleshooting

The zebracorn light blinks when the zebracorn module restarts.
""",
    "toc.md": """---
title: Tocword guide with nested sections
category: troubleshooting
audience: public
---
# Tocword guide with nested sections

Intro paragraph about tocword.

## Before you start

Some text.

### Check the cables & power

Cables.

### Check the cables & power

Same heading again.

## Feedback

A heading that could clash with the page's own ids.

## Use `nimbus-cli` <b>now</b>

Code in a heading.

## 设置

A heading without ASCII.
""",
    "draft.md": """---
title: Quokkaword draft article
category: drafts
audience: public
status: draft
summary: Not published yet.
---
# Quokkaword draft article

This quokkaword article is a draft.
""",
    "archived.md": """---
title: Wombatword archived article
category: old
audience: public
status: archived
---
# Wombatword archived article

This wombatword article was archived.
""",
}


def front_matter(path):
    """The front matter of a Markdown sample as a dict of strings."""
    with open(path, encoding="utf-8") as f:
        return parse_front_matter(f.read())


def parse_front_matter(text):
    m = re.match(r"---\n(.*?)\n---\n", text, re.S)
    out = {}
    for line in (m.group(1).splitlines() if m else []):
        k, sep, v = line.partition(":")
        if sep:
            v = v.strip()
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
                v = v[1:-1]
            out[k.strip()] = v
    return out


def all_articles():
    """Front matter of every article loaded: the samples and EXTRA."""
    files = glob.glob(os.path.join(SAMPLES, "articles", "**", "*.md"), recursive=True)
    return [front_matter(f) for f in sorted(files)] + [parse_front_matter(t)
                                                         for t in EXTRA.values()]


def public_published():
    return [a for a in all_articles() if a.get("audience", "public") == "public"
            and a.get("status", "published") == "published"]


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-pages")
    extra = tmp_path_factory.mktemp("kb-pages-extra")
    for name, text in EXTRA.items():
        (extra / name).write_text(text, encoding="utf-8")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "add", os.path.join(SAMPLES, "tickets.jsonl"))
    run_indexer(d, "add", str(extra))
    add_user(d, "agent1", "agent-password-1", "agent")
    return d


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory):
    """A copy of web/ with a symlink inside it pointing outside and one inside."""
    d = tmp_path_factory.mktemp("kb-web") / "web"
    shutil.copytree(WEB, d)
    secret = d.parent / "secret.txt"
    secret.write_text("top secret outside the web folder\n")
    os.symlink(secret, d / "escape.txt")
    os.symlink(d / "style.css", d / "alias.css")
    return d


@pytest.fixture(scope="module")
def srv(kb, web_dir):
    with KbServer(kb, "--web", str(web_dir)) as s:
        yield s


@pytest.fixture(scope="module")
def agent(srv):
    return srv.login("agent1", "agent-password-1")


def db_rows(kb, sql, *args):
    con = sqlite3.connect(os.path.join(str(kb), "kb.sqlite3"))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def number_of(kb, title):
    rows = db_rows(kb, "SELECT number FROM articles WHERE title = ?", title)
    assert rows, title
    return rows[0][0]


def internal_titles(kb):
    return [t for (t,) in db_rows(kb, "SELECT title FROM articles WHERE audience = 'internal'")]


def get(srv, path, **kw):
    kw.setdefault("allow_redirects", False)
    return srv.get(path, **kw)


def raw_get(srv, path):
    """GET path exactly as written (requests would normalise '..')."""
    u = urllib.parse.urlsplit(srv.base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        c.putrequest("GET", path, skip_accept_encoding=True)
        c.endheaders()
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        c.close()


def assert_page_headers(r):
    assert r.headers.get("Content-Security-Policy") == CSP, r.url
    assert r.headers.get("X-Content-Type-Options") == "nosniff", r.url


def assert_html_page(r, status=200):
    assert r.status_code == status, (r.url, r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("text/html"), r.headers["Content-Type"]
    assert_page_headers(r)
    t = r.text
    assert t.startswith("<!DOCTYPE html>")
    # Scripts only by src from our own /static/, never inline (and nothing unescaped).
    tags = re.findall(r"<script\b([^>]*)>(.*?)</script>", t, re.S | re.I)
    assert t.lower().count("<script") == len(tags)
    for attrs, body in tags:
        assert re.search(r'\bsrc="/static/[a-z0-9_.-]+\.js"', attrs) and body == "", attrs
    assert " style=" not in t and "<style" not in t
    assert '<html lang="en">' in t and '<meta charset="utf-8">' in t
    assert "<main" in t and "<header" in t and "<footer" in t
    # A search box with a label on every page.
    ids = re.findall(r'<label for="([^"]+)">', t)
    assert any(re.search(r'<input type="search" id="%s" name="q"' % re.escape(i), t) for i in ids)
    return t


# ---- home ----

def test_home_lists_public_categories_with_counts(srv):
    t = assert_html_page(get(srv, "/"))
    assert "Help Center" in t
    cats = {}
    # The English help center counts English articles (issue 19 part 6).
    for a in public_published():
        if a.get("locale", "en") == "en":
            cats[a["category"]] = cats.get(a["category"], 0) + 1
    for cat, n in cats.items():
        m = re.search(r'<a href="/search\?category=%s"><span class="card-title">[^<]+</span> '
                      r'<span class="count">(\d+) articles?</span>' % re.escape(cat), t)
        assert m, cat
        assert int(m.group(1)) == n, (cat, m.group(1), n)
    assert "internal-runbooks" not in t and "drafts" not in t
    # "Popular articles" shows only what customers used (test_popular.py):
    # none yet on a fresh install, so no section rather than recent stubs.
    assert 'href="/contact"' in t
    for title in internal_titles(srv.data):
        assert title not in html.unescape(t)


# ---- search ----

def test_search_shows_highlighted_results_facets_and_pagination(srv):
    t = assert_html_page(get(srv, "/search", params={"q": "factory reset"}))
    assert "Reset your Nimbus router to factory settings" in t
    assert "<mark>" in t
    assert re.search(r'<a href="/kb/\d+-reset-your-nimbus-router-to-factory-settings">', t)
    assert re.search(r"KB-\d{4}", t)
    assert 'class="facets"' in t and "/search?q=factory%20reset&amp;category=" in t
    assert '<meta name="robots" content="noindex">' in t

    t1 = assert_html_page(get(srv, "/search", params={"q": "router"}))
    assert 'rel="next"' in t1 and 'rel="prev"' not in t1
    href = html.unescape(re.search(r'<a rel="next" href="([^"]+)"', t1).group(1))
    t2 = assert_html_page(get(srv, href))
    assert 'rel="prev"' in t2 and "Page 2" in t2
    first = set(re.findall(r'<h2><a href="(/kb/[^"]+)"', t1))
    second = set(re.findall(r'<h2><a href="(/kb/[^"]+)"', t2))
    assert first and second and not first & second


def test_search_category_filter(srv):
    t = assert_html_page(get(srv, "/search", params={"q": "router", "category": "wifi"}))
    assert re.search(r'aria-current="page" href="/search\?q=router&amp;category=wifi"', t)
    metas = re.findall(r'<p class="meta"><span class="kbnum">KB-\d+</span> · ([^<·]+)', t)
    assert metas and all(m.strip() == "Wifi" for m in metas), metas
    # Other topics stay available as filters.
    assert "category=troubleshooting" in t
    # Browsing a category without words lists its articles.
    t = assert_html_page(get(srv, "/search", params={"category": "billing"}))
    assert "Warranty, returns and repairs" in t
    assert 'aria-current="page" href="/search?category=billing"' in t
    assert 'href="/search?category=wifi"' in t and 'href="/">All topics</a>' in t


def test_search_spelling_correction_offers_did_you_mean(srv):
    t = assert_html_page(get(srv, "/search", params={"q": "firmwre updte"}))
    m = re.search(r'Did you mean <a href="/search\?q=([^"]+)">([^<]+)</a>\?', t)
    assert m, t[:2000]
    assert "firmware" in m.group(2)


@pytest.mark.parametrize("word", INTERNAL_WORDS)
def test_internal_words_show_nothing_to_customers(srv, word):
    r = get(srv, "/search", params={"q": word})
    t = assert_html_page(r)
    assert 'class="result"' not in t
    assert "Did you mean" not in t
    assert "Internal" not in t
    for title in internal_titles(srv.data):
        assert title not in html.unescape(t)
    # Nothing found: a helpful message and a way to contact support.
    assert "find anything" in t and 'href="/contact?subject=' in t


@pytest.mark.parametrize("typo,word", [("kestrl", "kestrel"), ("kestrell", "kestrel"),
                                       ("nimbusctll", "nimbusctl"), ("nimbuzctl", "nimbusctl")])
def test_no_did_you_mean_toward_internal_words(srv, typo, word):
    t = assert_html_page(get(srv, "/search", params={"q": typo}))
    m = re.search(r"Did you mean <a[^>]*>([^<]*)</a>", t)
    assert not m or word not in m.group(1).lower()
    assert word not in t.lower().replace(typo, "")
    assert "Internal" not in t
    for title in internal_titles(srv.data):
        assert title not in html.unescape(t)


def test_agent_sees_internal_hits_marked(srv, agent):
    r = agent.get(srv.url("/search"), params={"q": "Kestrel"}, timeout=30)
    t = assert_html_page(r)
    assert 'class="result"' in t and "badge-internal" in t and ">Internal<" in t
    assert "Signed in as agent1" in t
    assert "private" in r.headers.get("Cache-Control", "")


def test_search_query_too_long_is_400_page(srv):
    r = get(srv, "/search", params={"q": "a" * 1001})
    assert_html_page(r, 400)
    r = get(srv, "/search", params={"q": "wifi " * 200})  # exactly 1000 bytes is fine
    assert_html_page(r, 200)


def test_empty_search_page(srv):
    t = assert_html_page(get(srv, "/search"))
    assert "Search the Help Center" in t


# ---- article ----

def test_article_page(srv):
    n = number_of(srv.data, "Reset your Nimbus router to factory settings")
    path = "/kb/%d-reset-your-nimbus-router-to-factory-settings" % n
    r = get(srv, path)
    t = assert_html_page(r)
    assert "<h1>Reset your Nimbus router to factory settings</h1>" in t
    assert t.count("<h1>") == 1  # the body's own h1 is not repeated
    # Relative without --public-url: never built from the Host header.
    assert '<link rel="canonical" href="%s">' % path in t
    fm = front_matter(os.path.join(SAMPLES, "articles", "reset-router.md"))
    desc = re.search(r'<meta name="description" content="([^"]*)">', t).group(1)
    assert html.unescape(desc) == fm["summary"]
    assert "KB-%d" % n in t
    assert 'href="/search?category=troubleshooting"' in t
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\d">', t)
    # Table of contents with ids on the headings, all unique and all linked.
    toc = re.search(r'<nav class="toc".*?</nav>', t, re.S).group(0)
    links = re.findall(r'href="#([^"]+)"', toc)
    assert len(links) >= 3
    ids = re.findall(r'<h[23] id="([^"]+)"', t)
    assert len(ids) == len(set(ids))
    for i in links:
        assert i in ids
    assert t.count("<h2") == t.count("</h2>") and t.count("<h3") == t.count("</h3>")
    # Related articles exclude the article itself; feedback form posts to us.
    rel = re.search(r'<aside class="related".*?</aside>', t, re.S).group(0)
    assert "/kb/%d-" % n not in rel and "<li>" in rel
    assert 'action="/kb/%d/feedback"' % n in t
    assert 'name="helpful" value="yes"' in t and 'name="helpful" value="no"' in t


def test_toc_nests_h3_and_keeps_ids_unique(srv):
    n = number_of(srv.data, "Tocword guide with nested sections")
    t = assert_html_page(get(srv, "/kb/%d" % n, allow_redirects=True))
    toc = re.search(r'<nav class="toc".*?</nav>', t, re.S).group(0)
    assert re.search(r'<li><a href="#before-you-start">Before you start</a>\s*<ol>\s*'
                     r'<li><a href="#check-the-cables-power">Check the cables &amp; power</a></li>'
                     r'\s*<li><a href="#check-the-cables-power-2">', toc), toc
    ids = re.findall(r' id="([^"]+)"', t)
    assert len(ids) == len(set(ids)), ids
    assert 'id="feedback"' in t and 'id="feedback-2"' in t
    assert '<h3 id="check-the-cables-power">Check the cables &amp; power</h3>' in t
    assert re.search(r'<h2 id="use-nimbus-cli-now">Use <code>nimbus-cli</code>', t)
    assert re.search(r'<h2 id="section-\d+">设置</h2>', t)
    assert toc.count("<ol>") == toc.count("</ol>") and toc.count("<li>") == toc.count("</li>")


def test_short_article_has_no_toc(srv):
    n = number_of(srv.data, XSS_TITLE)
    t = get(srv, "/kb/%d" % n, allow_redirects=True).text
    assert 'class="toc"' not in t


def test_article_number_redirects_to_canonical_slug(srv):
    n = number_of(srv.data, "Reset your Nimbus router to factory settings")
    canonical = "/kb/%d-reset-your-nimbus-router-to-factory-settings" % n
    for p in ("/kb/%d" % n, "/kb/%d-wrong-slug" % n, "/kb/%d-" % n):
        r = get(srv, p)
        assert r.status_code == 301, p
        assert r.headers["Location"] == canonical
        assert_page_headers(r)


def test_hidden_articles_are_the_same_404_for_customers(srv, agent):
    missing = get(srv, "/kb/999999")
    assert_html_page(missing, 404)
    internal = number_of(srv.data, "Nimbus Cloud outage playbook")
    draft = number_of(srv.data, "Quokkaword draft article")
    archived = number_of(srv.data, "Wombatword archived article")
    for n in (internal, draft, archived):
        for p in ("/kb/%d" % n, "/kb/%d-nimbus-cloud-outage-playbook" % n):
            r = get(srv, p)
            assert r.status_code == 404, p
            assert r.text == missing.text, p
            assert_page_headers(r)
    for p in ("/kb/abc", "/kb/0", "/kb/1e3", "/kb/-5", "/kb/99999999999999999999999"):
        r = get(srv, p)
        assert r.status_code == 404 and r.text == missing.text, p
    # An agent reads the internal article, marked as such, but not drafts.
    r = agent.get(srv.url("/kb/%d" % internal), timeout=30)
    assert r.status_code == 200
    assert "Nimbus Cloud outage playbook" in r.text and "badge-internal" in r.text
    assert '<meta name="robots" content="noindex">' in r.text
    assert agent.get(srv.url("/kb/%d" % draft), timeout=30).status_code == 404


def test_script_title_is_escaped(srv):
    n = number_of(srv.data, XSS_TITLE)
    esc = "&lt;script&gt;alert(1)&lt;/script&gt;"
    t = assert_html_page(get(srv, "/search", params={"q": "zebracorn"}))
    assert esc in t
    r = get(srv, "/kb/%d" % n, allow_redirects=True)
    t = assert_html_page(r)
    assert "<h1>%s</h1>" % esc in t and "<title>%s - Help Center</title>" % esc in t
    assert 'content="A summary with &lt;b&gt;tags&lt;/b&gt; &amp; quotes &quot; in it"' in t
    assert_html_page(get(srv, "/"))  # listed among recent articles, escaped
    assert_html_page(get(srv, "/search", params={"q": XSS_TITLE}))
    assert_html_page(get(srv, "/contact", params={"subject": '"><script>alert(1)</script>'}))


def test_feedback_form_records_and_thanks(srv, agent):
    n = number_of(srv.data, "Reset your Nimbus router to factory settings")
    canonical = "/kb/%d-reset-your-nimbus-router-to-factory-settings" % n
    before = db_rows(srv.data, "SELECT count(*) FROM feedback WHERE article = ?", n)[0][0]
    r = srv.post("/kb/%d/feedback" % n, data={"helpful": "yes", "comment": "clear steps"},
                 allow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == canonical + "?thanks=1#feedback"
    after = db_rows(srv.data, "SELECT count(*) FROM feedback WHERE article = ?", n)[0][0]
    assert after == before + 1
    r = srv.post("/kb/%d-reset-your-nimbus-router-to-factory-settings/feedback" % n,
                 data={"helpful": "no"}, allow_redirects=False)
    assert r.status_code == 303
    t = assert_html_page(get(srv, canonical + "?thanks=1"))
    assert "Thanks for your feedback" in t and 'name="helpful"' not in t
    for data in ({"helpful": "maybe"}, {}, {"helpful": "yes", "comment": "x" * 2001}):
        assert_html_page(srv.post("/kb/%d/feedback" % n, data=data, allow_redirects=False), 400)
    internal = number_of(srv.data, "Nimbus Cloud outage playbook")
    r = srv.post("/kb/%d/feedback" % internal, data={"helpful": "yes"}, allow_redirects=False)
    assert r.status_code == 404
    assert srv.post("/kb/999999/feedback", data={"helpful": "yes"}).status_code == 404


# ---- contact ----

def test_contact_page_and_form(srv):
    t = assert_html_page(get(srv, "/contact", params={"subject": "vpn <drops>"}))
    assert "Still need help?" in t
    assert '<label for="subject">' in t and '<label for="description">' in t
    assert 'method="post" action="/contact"' in t
    assert 'value="vpn &lt;drops&gt;"' in t
    assert '<label for="name">' in t and '<label for="email">' in t
    r = srv.post("/contact", data={"name": "Ada", "email": "ada@example.com",
                                   "subject": "My router", "description": "It blinks."})
    t = assert_html_page(r)
    assert "Thank you" in t and "will e-mail you at <strong>ada@example.com</strong>" in t
    r = srv.post("/contact", data={"name": "Ada", "email": "ada@example.com", "subject": "  ",
                                   "description": "It blinks <b>."})
    t = assert_html_page(r, 400)
    assert "Subject: please fill it in" in t and "It blinks &lt;b&gt;." in t


# ---- sitemap and opensearch ----

def test_sitemap_lists_only_public_published_articles(srv):
    r = get(srv, "/sitemap.xml")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(r.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = root.findall("s:url", ns)
    locs = [u.find("s:loc", ns).text for u in urls]
    assert all(loc.startswith(srv.base + "/") for loc in locs)
    kb_urls = [u for u in urls if "/kb/" in u.find("s:loc", ns).text]
    assert all(u.find("s:lastmod", ns) is not None and
               re.fullmatch(r"\d{4}-\d\d-\d\d", u.find("s:lastmod", ns).text) for u in kb_urls)
    expected = {a["title"] for a in public_published()}
    assert XSS_TITLE in expected and len(expected) > 20
    got = set()
    for u in kb_urls:
        loc = u.find("s:loc", ns).text
        page = get(srv, loc[len(srv.base):])
        assert page.status_code == 200, loc  # already canonical: no redirect
        got.add(html.unescape(re.search(r"<h1>(.*?)</h1>", page.text).group(1)))
    assert got == expected
    assert len(kb_urls) == len(expected)


def test_sitemap_never_echoes_a_bad_host(srv):
    status, headers, body = 0, None, b""
    u = urllib.parse.urlsplit(srv.base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.putrequest("GET", "/sitemap.xml", skip_host=True)
    c.putheader("Host", 'evil"><x')
    c.endheaders()
    r = c.getresponse()
    status, body = r.status, r.read()
    c.close()
    assert status == 200
    assert b"evil" not in body and (srv.base + "/kb/").encode() in body
    ET.fromstring(body)


def test_public_url_option(kb, web_dir):
    with KbServer(kb, "--web", str(web_dir), "--public-url", "https://help.example.com/") as s:
        root = ET.fromstring(s.get("/sitemap.xml").content)
        ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        locs = [e.text for e in root.findall("s:url/s:loc", ns)]
        assert locs and all(loc.startswith("https://help.example.com/") for loc in locs)
        assert not any(loc.startswith("https://help.example.com//") for loc in locs)
        n = number_of(kb, "Reset your Nimbus router to factory settings")
        t = s.get("/kb/%d" % n).text
        assert ('<link rel="canonical" href="https://help.example.com/kb/%d-reset-your-nimbus-'
                'router-to-factory-settings">' % n) in t


def test_opensearch_description(srv):
    r = get(srv, "/opensearch.xml")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/opensearchdescription+xml"
    assert_page_headers(r)
    root = ET.fromstring(r.content)
    ns = {"o": "http://a9.com/-/spec/opensearch/1.1/"}
    assert root.tag == "{http://a9.com/-/spec/opensearch/1.1/}OpenSearchDescription"
    assert root.find("o:ShortName", ns).text == "Help Center"
    urls = [u for u in root.findall("o:Url", ns) if u.get("type") == "text/html"]
    assert urls and urls[0].get("template") == srv.base + "/search?q={searchTerms}"
    t = get(srv, "/").text
    assert 'rel="search" type="application/opensearchdescription+xml"' in t


# ---- static files ----

def test_static_css_and_favicon(srv):
    r = get(srv, "/static/style.css")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/css")
    assert r.headers["Cache-Control"] == "public, max-age=3600"
    with open(os.path.join(WEB, "style.css"), "rb") as f:
        assert r.content == f.read()
    etag = r.headers["ETag"]
    r2 = get(srv, "/static/style.css", headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.content == b""
    r3 = get(srv, "/static/style.css", headers={"If-Modified-Since": r.headers["Last-Modified"]})
    assert r3.status_code == 304
    r = get(srv, "/static/favicon.svg")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/svg+xml"
    assert_page_headers(r)
    r = get(srv, "/favicon.ico")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/svg+xml"
    assert b"<svg" in r.content
    # A symlink that stays inside the folder works.
    assert get(srv, "/static/alias.css").status_code == 200


@pytest.mark.parametrize("path", [
    "/static/../kb.sqlite3",
    "/static/../../etc/passwd",
    "/static/%2e%2e/kb.sqlite3",
    "/static/%2E%2E/%2E%2E/etc/passwd",
    "/static/..%2fkb.sqlite3",
    "/static/..%2Fsecret.txt",
    "/static/%252e%252e/secret.txt",
    "/static/%252e%252e%252fsecret.txt",
    "/static/..\\secret.txt",
    "/static/%5c..%5csecret.txt",
    "/static/..%5csecret.txt",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/./style.css",
    "/static/.hidden",
    "/static/",
    "/static/escape.txt",
    "/static/nope.css",
    "/static/style.css/",
    "/static/%00../secret.txt",
])
def test_static_never_leaves_the_web_folder(srv, path):
    status, headers, body = raw_get(srv, path)
    assert status in (400, 404), (path, status)
    assert b"secret" not in body and b"root:" not in body and b"SQLite" not in body
    if status == 404 and path.startswith("/static/"):
        assert headers["content-type"].startswith("text/html")
        assert b"Page not found" in body


@pytest.mark.parametrize("path", ["/nope", "/help/center", "/kb", "/favicon.png",
                                  "/robots.txt.bak", "/admin/../etc"])
def test_unknown_paths_answer_browsers_with_the_html_404_page(srv, path):
    """A customer following a dead link sees our page, not raw JSON (issue 19 part 7)."""
    missing = get(srv, "/kb/999999")
    r = requests.get(srv.url(path), headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
                     timeout=30, allow_redirects=False)
    if r.status_code == 301:  # a path the router normalises first
        return
    assert_html_page(r, 404)
    assert "Page not found" in r.text and r.text == missing.text


def test_unknown_api_paths_and_json_clients_still_get_json(srv):
    for path, accept in (("/api/v1/nope", "text/html"), ("/nope", "application/json"),
                         ("/nope", None)):
        headers = {"Accept": accept} if accept else {}
        r = requests.get(srv.url(path), headers=headers, timeout=30)
        assert r.status_code == 404, path
        assert r.headers["Content-Type"].startswith("application/json"), (path, accept)
        assert r.json()["error"]["code"] == "not_found"


# ---- headers on every page ----

def test_every_page_sets_csp_and_nosniff(srv):
    n = number_of(srv.data, "Reset your Nimbus router to factory settings")
    for path, params in [("/", None), ("/search", {"q": "wifi"}), ("/search", {"q": "zzqqxx"}),
                         ("/search", {"q": "x" * 1001}), ("/kb/%d" % n, None),
                         ("/kb/999999", None), ("/contact", None), ("/sitemap.xml", None),
                         ("/opensearch.xml", None), ("/static/style.css", None),
                         ("/static/nope", None)]:
        r = get(srv, path, params=params, allow_redirects=True)
        assert_page_headers(r)
    r = srv.post("/contact", data={"subject": "a", "description": "b"})
    assert_page_headers(r)


def test_head_requests(srv):
    r = requests.head(srv.url("/static/style.css"), timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/css")
    r = requests.head(srv.url("/"), timeout=30)
    assert r.status_code == 200


# ---- focus ring contrast (WCAG 1.4.11, issue 19 part 7) ----

def _luminance(hex_colour):
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a, b):
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("css", ["style.css", "staff.css"])
def test_focus_ring_is_3_to_1_on_every_background(css):
    text = open(os.path.join(os.path.dirname(__file__), "..", "..", "web", css)).read()
    var = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})\s*;", text))
    ring, inner = var["focus"], var["focus-inner"]
    # Every background colour the sheet paints, named or literal.
    backgrounds = set()
    for value in re.findall(r"background:\s*([^;}]+)", text):
        m = re.match(r"var\(--([a-z-]+)\)", value.strip())
        if m and m.group(1) in var:
            backgrounds.add(var[m.group(1)])
        elif re.match(r"#[0-9a-fA-F]{3,6}$", value.strip()):
            backgrounds.add(value.strip())
    assert len(backgrounds) >= 3
    for bg in backgrounds:
        best = max(_contrast(ring, bg), _contrast(inner, bg))
        assert best >= 3.0, (css, bg, round(best, 2))
    rule = re.search(r"focus-visible[^{]*\{([^}]*)\}", text).group(1)
    assert "var(--focus)" in rule and "var(--focus-inner)" in rule
