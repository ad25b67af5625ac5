"""Topics (issue 19 part 1) and faithful Mallard import (part 4) through a
running kb-server: the topics API (admins write, everyone reads), GNOME guide
pages naming their topics, the home page's topic cards, a category page's
sections, an article's breadcrumb and "Articles in this section", imported
cross-references resolved, and customers never seeing internal articles
through any of them."""
import html
import os
import re
import shutil

import pytest
import requests

from kbchaos import bearer, make_token, wait_drained
from kbtest import SAMPLES, run_indexer
from server import KbServer, add_user

GNOME_HELP = "/usr/share/help/C/gnome-help"
PAGES = ["index", "net", "net-wireless", "net-wireless-connect", "net-wireless-troubleshooting",
         "net-wireless-troubleshooting-initial-check", "net-wireless-hidden", "net-wired",
         "net-wired-connect"]
INTERNAL_WORD = "zqsecrettopicword"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
       b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
       b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    if not os.path.exists(GNOME_HELP + "/net.page"):
        pytest.skip("gnome-user-docs is not installed")
    d = tmp_path_factory.mktemp("kb-topics")
    help_dir = tmp_path_factory.mktemp("help") / "gnome-help"
    help_dir.mkdir()
    for p in PAGES:
        shutil.copy(os.path.join(GNOME_HELP, p + ".page"), help_dir)
    shutil.copytree(os.path.join(GNOME_HELP, "figures"), help_dir / "figures")
    secret = tmp_path_factory.mktemp("internal") / "internal-help"
    (secret / "figures").mkdir(parents=True)
    (secret / "figures" / "secret.png").write_bytes(PNG)
    (secret / "secret.page").write_text(
        "<page xmlns='http://projectmallard.org/1.0/' type='topic' id='secret'>"
        "<title>Zq secret diagram</title><p>The %s diagram.</p>"
        "<media type='image' src='figures/secret.png'/></page>" % INTERNAL_WORD)
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "add", str(help_dir))
    run_indexer(d, "add", "--audience", "internal", str(secret))
    add_user(d, "admin1", "admin-password-1", "admin")
    tokens = {r: make_token(d, r, "topics-" + r) for r in ("agent", "writer", "admin")}
    srv = KbServer(d, "--event-rate", "0").start()
    w = bearer(tokens["writer"])
    r = w.post(srv.url("/api/v1/articles"), timeout=30, json={
        "title": "Wireless %s runbook" % INTERNAL_WORD, "body": "Internal steps.",
        "audience": "internal", "category": "net-wireless"})
    assert r.status_code == 201, r.text
    n = r.json()["number"]
    assert w.post(srv.url("/api/v1/articles/KB-%d/publish" % n), timeout=30).ok
    wait_drained(srv)
    yield {"srv": srv, "admin": bearer(tokens["admin"]), "agent": bearer(tokens["agent"]),
           "writer": w, "internal": n}
    srv.stop()


def topics(srv, sess=None):
    r = (sess or requests).get(srv.url("/api/v1/topics"), timeout=30)
    assert r.status_code == 200, r.text
    return {t["slug"]: t for t in r.json()["topics"]}


def card_titles(page):
    return [html.unescape(t) for t in re.findall(r'<span class="card-title">([^<]*)</span>', page)]


def test_guide_pages_name_their_topics(env):
    t = topics(env["srv"])
    assert t["net"]["name"] == "Networking, web & email"
    assert t["net"]["parent"] is None
    assert t["net"]["description"]
    assert t["net-wireless"]["name"] == "Wireless networking"
    assert t["net-wireless"]["parent"] == "net"
    # a topic page other pages name as their guide, though not a guide page
    assert t["net-wireless-troubleshooting"]["name"] == "Wireless network troubleshooter"
    assert "index" not in t  # the root guide holds no article: customers do not see it
    assert t["net"]["guide"] and not t["net-wireless-troubleshooting"]["guide"]


def test_guide_pages_are_not_popular_articles(env):
    """Popular comes from real use (views, votes, clicks): customers read
    guide pages and ordinary articles alike, and only the articles become
    popular; a guide page opens its topic's page."""
    srv = env["srv"]
    guide_hits = requests.get(srv.url("/api/v1/search"), params={"q": "GNOME Help"},
                              timeout=30).json()["hits"]
    guide = next(h for h in guide_hits if h["title"] == "GNOME Help")
    hits = requests.get(srv.url("/api/v1/search"), params={"q": "wireless network"},
                        timeout=30).json()["hits"]
    for _ in range(3):  # three customers, each counted once a day
        customer = requests.Session()
        for n in [guide["number"]] + [h["number"] for h in hits[:3]]:
            assert customer.get(srv.url("/kb/%d" % n), timeout=30).status_code == 200
    page = srv.get("/").text
    popular = re.search(r'<section aria-labelledby="popular-h">.*?</section>', page, re.S)
    assert popular, "no popular articles"
    listed = [html.unescape(t) for t in re.findall(r'<a href="/kb/[^"]*">([^<]*)</a>',
                                                       popular.group(0))]
    guides = {t["name"] for t in topics(env["srv"], env["agent"]).values() if t["guide"]}
    assert "GNOME Help" in guides  # the root guide, index.page
    assert listed and not guides & set(listed), (listed, guides)
    r = requests.get(env["srv"].url("/api/v1/search"), params={"q": "GNOME Help"}, timeout=30)
    root = next(h for h in r.json()["hits"] if h["title"] == "GNOME Help")
    assert env["srv"].get("/kb/%d" % root["number"]).url == env["srv"].url("/")


def test_home_shows_topic_names_never_slugs(env):
    page = env["srv"].get("/").text
    titles = card_titles(page)
    assert "Networking, web & email" in titles
    for t in titles:
        assert not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", t), t
        assert t[:1].isupper(), t
    assert len(page.encode()) < 60 * 1024


def test_admin_edits_topics_others_cannot(env):
    srv = env["srv"]
    body = {"name": "Wi-Fi & connectivity", "description": "Getting online with Nimbus.",
            "icon": "\u2248", "position": -5}
    assert requests.put(srv.url("/api/v1/topics/wifi"), json=body, timeout=30).status_code == 401
    assert env["agent"].put(srv.url("/api/v1/topics/wifi"), json=body,
                            timeout=30).status_code == 403
    assert env["writer"].put(srv.url("/api/v1/topics/wifi"), json=body,
                             timeout=30).status_code == 403
    r = env["admin"].put(srv.url("/api/v1/topics/wifi"), json=body, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Wi-Fi & connectivity" and r.json()["edited"] is True
    titles = card_titles(srv.get("/").text)
    assert titles[0] == "Wi-Fi & connectivity"
    page = srv.get("/").text
    assert "Getting online with Nimbus." in page and "\u2248" in page
    # bad input: a clear error naming what was wrong
    for bad, word in (({"description": "x"}, "name"), ({"name": "X", "parent": "no-such"},
                                                          "parent"),
                      ({"name": "X", "colour": "red"}, "colour"),
                      ({"name": "X", "parent": "net-wireless"}, "two levels")):
        r = env["admin"].put(srv.url("/api/v1/topics/zq-bad"), json=bad, timeout=30)
        assert r.status_code == 400 and word in r.json()["error"]["message"], (bad, r.text)
    r = env["admin"].put(srv.url("/api/v1/topics/Bad%20Slug"), json={"name": "X"}, timeout=30)
    assert r.status_code == 400 and "slug" in r.json()["error"]["message"]
    # remove: the slug is shown humanised again, never as the slug
    r = env["admin"].put(srv.url("/api/v1/topics/zq-gone"), json={"name": "Gone"}, timeout=30)
    assert r.ok
    assert env["admin"].delete(srv.url("/api/v1/topics/zq-gone"), timeout=30).status_code == 200
    assert env["admin"].delete(srv.url("/api/v1/topics/zq-gone"), timeout=30).status_code == 404
    assert "zq-gone" not in topics(srv)


def test_admin_edit_survives_a_reimport(env):
    srv = env["srv"]
    r = env["admin"].put(srv.url("/api/v1/topics/net-wired"), json={
        "name": "Cables & wired", "parent": "net", "position": 1}, timeout=30)
    assert r.ok, r.text
    assert topics(srv)["net-wired"]["name"] == "Cables & wired"


def test_category_page_lists_sections_with_their_articles(env):
    page = env["srv"].get("/search?category=net").text
    assert "<h1>Networking, web &amp; email</h1>" in page
    assert 'href="/search?category=net-wireless">Wireless networking</a>' in page
    assert "Connect to a wireless network" in page
    sect = env["srv"].get("/search?category=net-wireless").text
    assert "<title>Wireless networking" in sect
    assert '<a href="/search?category=net">Networking, web &amp; email</a>' in sect


def article_page(srv, title, sess=None):
    r = (sess or requests).get(srv.url("/api/v1/search"), params={"q": title}, timeout=30)
    hit = next(h for h in r.json()["hits"] if h["title"] == title)
    return (sess or requests).get(srv.url("/kb/%d" % hit["number"]), timeout=30).text


def test_article_breadcrumb_and_section_sidebar(env):
    page = article_page(env["srv"], "Connect to a wireless network")
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', page, re.S).group(0)
    assert "Networking, web &amp; email" in crumbs and "Wireless networking" in crumbs
    assert crumbs.index("Networking") < crumbs.index("Wireless networking")
    side = re.search(r'<aside class="in-section".*?</aside>', page, re.S).group(0)
    assert "Articles in this section" in side
    assert "Find hidden wireless" in side or "hidden" in side.lower()


def test_mallard_choose_and_xrefs_on_the_page(env):
    srv = env["srv"]
    page = article_page(srv, "Connect to a wireless network")
    assert "<li></li>" not in page
    assert "If the connection is successful" in page
    m = re.search(r'href="(/kb/page/gnome-help/net-wireless-troubleshooting)"', page)
    assert m, "the cross-reference is not a link"
    r = srv.get(m.group(1), allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/search?category=net-wireless-troubleshooting")
    r = srv.get("/kb/page/gnome-help/net-wireless-hidden", allow_redirects=False)
    assert r.status_code == 302 and re.search(r"/kb/\d+-", r.headers["Location"])
    assert srv.get("/kb/page/gnome-help/no-such-page").status_code == 404


def test_customers_never_see_internal_articles_through_topics(env):
    srv = env["srv"]
    n = env["internal"]
    for path in ("/", "/search?category=net", "/search?category=net-wireless",
                 "/kb/page/gnome-help/net-wireless"):
        page = srv.get(path).text
        assert INTERNAL_WORD not in page, path
    page = article_page(srv, "Connect to a wireless network")
    assert INTERNAL_WORD not in page
    assert srv.get("/kb/page/KB-%d" % n).status_code == 404
    # counts: the net card counts public articles only
    home = srv.get("/").text
    public = requests.get(srv.url("/api/v1/search"), params={"q": "", "category": "net-wireless"},
                          timeout=30)
    assert public.ok
    # an agent sees it in the section
    agent_page = env["agent"].get(srv.url("/search?category=net-wireless"), timeout=30).text
    assert INTERNAL_WORD in agent_page
    assert INTERNAL_WORD not in home


def test_subtitles_tell_duplicate_titles_apart(env):
    srv = env["srv"]
    r = requests.get(srv.url("/api/v1/search"), params={"q": "wireless network troubleshooter"},
                     timeout=30).json()
    same = [h for h in r["hits"] if h["title"] == "Wireless network troubleshooter"]
    assert len(same) >= 2  # the API's title stays the page's own title
    assert len({h["summary"] for h in same}) == len(same)
    page = srv.get("/search?q=wireless+network+troubleshooter").text
    subs = re.findall(r'<p class="subtitle">([^<]*)</p>', page)
    assert len(subs) >= 2 and all(s.strip() for s in subs)
    # a title that does not repeat shows no subtitle
    page = srv.get("/search?q=hidden+wireless").text
    items = re.findall(r'<li class="result".*?</li>', page, re.S)
    hidden = [i for i in items if "Connect to a hidden wireless network" in i]
    assert hidden and 'class="subtitle"' not in hidden[0]


def test_kb_indexer_topics_file_errors_name_the_problem(env, tmp_path):
    from kbtest import run_indexer
    bad = tmp_path / "bad.json"
    for text, word in (('[{"slug": "x"}]', "name is required"), ("[1]", "not an object"),
                       ("{nope", "not JSON"), ('[{"slug": "A B", "name": "x"}]', "slug")):
        bad.write_text(text)
        p = run_indexer(tmp_path / "kb", "topics", str(bad), check=False)
        assert p.returncode == 1 and word in p.stderr, (text, p.stderr)


def test_a_guide_page_is_its_topics_page(env):
    srv = env["srv"]
    r = requests.get(srv.url("/api/v1/search"), params={"q": "Networking, web & email"},
                     timeout=30).json()
    guide = [h for h in r["hits"] if h["title"] == "Networking, web & email"]
    assert guide, "the guide page is no longer findable under its own title"
    page = srv.get("/kb/%d" % guide[0]["number"], allow_redirects=False)
    assert page.status_code in (301, 302)
    page = srv.get("/kb/%d" % guide[0]["number"])
    assert page.url.endswith("/search?category=net")
    assert "<h1>Networking, web &amp; email</h1>" in page.text
    # an article with content that other pages name as their guide stays an article
    r = requests.get(srv.url("/api/v1/search"), params={"q": "wireless network troubleshooter"},
                     timeout=30).json()
    hub = next(h for h in r["hits"] if h["summary"].startswith("Identify and fix"))
    assert srv.get("/kb/%d" % hub["number"]).url.endswith("/kb/%d-wireless-network-"
                                                          "troubleshooter" % hub["number"])


def test_images_are_imported_and_served_safely(env):
    srv = env["srv"]
    page = article_page(srv, "Connect to a wireless network")
    srcs = re.findall(r'<img src="(/kb/media/[^"]+)"', page)
    assert srcs, "no imported image on the page"
    r = srv.get(srcs[0])
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/svg+xml"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.content.lstrip().startswith((b"<?xml", b"<svg", b"<!--"))
    # an internal article's image: staff only; anything else is the same 404
    key = "/kb/media/internal-help/figures/secret.png"
    assert env["agent"].get(srv.url(key), timeout=30).content == PNG
    for path in (key, "/kb/media/gnome-help/figures/none.png",
                 "/kb/media/gnome-help/../../etc/passwd", "/kb/media/gnome-help/figures/x.exe"):
        r = srv.get(path)
        assert r.status_code == 404 and PNG not in r.content, path


def test_typeahead_subtitle_for_a_shared_title(env):
    srv = env["srv"]
    r = requests.get(srv.url("/api/v1/suggest"), params={"q": "wireless network trou"},
                     timeout=30).json()["suggestions"]
    hit = next(h for h in r if h["title"] == "Wireless network troubleshooter")
    assert hit.get("subtitle"), hit  # the typeahead shows one of the four: which one
    # a title no other article has: no subtitle
    r = requests.get(srv.url("/api/v1/suggest"), params={"q": "connect to a hidden"},
                     timeout=30).json()["suggestions"]
    hidden = next(h for h in r if h["title"] == "Connect to a hidden wireless network")
    assert "subtitle" not in hidden
