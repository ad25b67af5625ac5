"""Popular and promoted articles from real use (issue 19 part 3): a view is
counted server-side once per visitor, article and day, staff apart from
customers; "Popular articles" ranks the last 30 days' customer views, helpful
votes and clicks; admins pin promoted articles per topic. Customers' lists hold
public published articles only and never show a count."""
import re
import sqlite3
import os

import pytest
import requests

from kbchaos import bearer, make_token, wait_drained
from server import KbServer

INTERNAL = "Internal zqpopsecret escalation runbook"
DRAFT = "Draft zqpopdraft notes"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-popular")
    tokens = {r: make_token(d, r, "pop-" + r) for r in ("agent", "writer", "admin")}
    srv = KbServer(d, "--event-rate", "0").start()
    w = bearer(tokens["writer"])
    nums = {}

    def article(key, title, publish=True, **kw):
        r = w.post(srv.url("/api/v1/articles"), json=dict(title=title, body=title + " body.",
                                                            **kw), timeout=30)
        assert r.status_code == 201, r.text
        n = r.json()["number"]
        if publish:
            assert w.post(srv.url("/api/v1/articles/KB-%d/publish" % n), timeout=30).ok
        nums[key] = n

    article("a", "Alpha router reset", category="router")
    article("b", "Bravo wifi channels", category="wifi")
    article("c", "Charlie billing dates", category="billing")
    article("d", "Delta rarely read", category="router")
    article("internal", INTERNAL, audience="internal", category="router")
    article("draft", DRAFT, publish=False, category="router")
    article("fr", "Réinitialiser le routeur Echo", category="router", locale="fr")
    wait_drained(srv)
    yield srv, d, nums, {r: bearer(t) for r, t in tokens.items()}
    srv.stop()


def visitor(srv):
    s = requests.Session()
    assert s.get(srv.url("/")).status_code == 200  # gets its signed visitor id
    assert "kb_visitor" in s.cookies
    return s


def view(srv, sess, n, times=1):
    for _ in range(times):
        r = sess.get(srv.url("/kb/%d" % n))
        assert r.status_code == 200, r.text


def views(srv, admin, n):
    r = admin.get(srv.url("/api/v1/admin/articles/KB-%d/views" % n), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def popular_titles(srv, **params):
    r = srv.get("/api/v1/popular", params=params)
    assert r.status_code == 200, r.text
    return [a["title"] for a in r.json()["articles"]]


def home_popular(html):
    m = re.search(r'<h2 id="popular-h">.*?</ul>', html, re.S)
    return re.findall(r'<a href="/kb/[^"]+"[^>]*>([^<]+)</a>', m.group(0)) if m else []


def test_one_view_per_visitor_per_day(env):
    srv, d, nums, who = env
    admin = who["admin"]
    assert views(srv, admin, nums["d"]) == {"article": nums["d"], "days": 30, "customer": 0,
                                            "staff": 0}
    one, two = visitor(srv), visitor(srv)
    view(srv, one, nums["d"], 3)
    assert views(srv, admin, nums["d"])["customer"] == 1
    view(srv, two, nums["d"], 2)
    assert views(srv, admin, nums["d"])["customer"] == 2
    # Staff reading articles count apart, never as customers.
    view(srv, who["agent"], nums["d"], 2)
    got = views(srv, admin, nums["d"])
    assert got["customer"] == 2 and got["staff"] == 1
    # Only the day's viewers are kept, as keyed hashes, never the visitor id.
    con = sqlite3.connect(os.path.join(str(d), "kb.sqlite3"))
    try:
        seen = con.execute("SELECT visitor FROM views_seen").fetchall()
        ids = [one.cookies["kb_visitor"], two.cookies["kb_visitor"]]
        assert seen and not any(i in v for (v,) in seen for i in ids)
        days = {row[0] for row in con.execute("SELECT day FROM views_seen")}
        assert len(days) == 1
    finally:
        con.close()


def test_a_missing_or_hidden_article_counts_nothing(env):
    srv, d, nums, who = env
    s = visitor(srv)
    assert s.get(srv.url("/kb/%d" % nums["internal"])).status_code == 404
    assert s.get(srv.url("/kb/%d" % nums["draft"])).status_code == 404
    assert views(srv, who["admin"], nums["internal"])["customer"] == 0
    assert views(srv, who["admin"], nums["draft"])["customer"] == 0


def test_views_are_admin_only(env):
    srv, d, nums, who = env
    assert requests.get(srv.url("/api/v1/admin/articles/KB-%d/views" % nums["a"]),
                        timeout=30).status_code == 401
    assert who["agent"].get(srv.url("/api/v1/admin/articles/KB-%d/views" % nums["a"]),
                            timeout=30).status_code == 403


def test_popular_is_ordered_by_use_and_only_public(env):
    srv, d, nums, who = env
    for _ in range(3):
        view(srv, visitor(srv), nums["b"])
    for _ in range(2):
        view(srv, visitor(srv), nums["a"])
    # A helpful vote weighs 3 views: Charlie goes first.
    s = visitor(srv)
    view(srv, s, nums["c"])
    for _ in range(2):
        v = visitor(srv)
        r = v.post(srv.url("/kb/%d/feedback" % nums["c"]), data={"helpful": "yes"},
                   allow_redirects=False)
        assert r.status_code == 303, r.text
    # Staff reading the internal and draft articles a lot changes nothing.
    for _ in range(5):
        view(srv, who["agent"], nums["internal"])
        view(srv, who["writer"], nums["draft"])
    titles = popular_titles(srv, locale="en")
    assert titles[:3] == ["Charlie billing dates", "Bravo wifi channels", "Alpha router reset"]
    assert INTERNAL not in titles and DRAFT not in titles
    home = srv.get("/").text
    assert home_popular(home)[:3] == titles[:3]
    assert "zqpopsecret" not in home and "zqpopdraft" not in home
    # Customers see a list, never a count of views.
    body = srv.get("/api/v1/popular").json()
    assert all(set(a) <= {"number", "title", "url", "locale", "promoted"} for a in body["articles"])
    section = re.search(r'<h2 id="popular-h">.*?</ul>', home, re.S).group(0)
    assert "view" not in section.lower() and not re.search(r">\s*\d+\s*<", section)
    # Per topic.
    assert popular_titles(srv, category="router")[0] == "Alpha router reset"


def test_one_visitor_cannot_make_an_article_popular(env):
    """Clicks count once per visitor, article and day; a visitor's votes once."""
    srv, d, nums, who = env
    before = popular_titles(srv, locale="en", limit=20)
    s = visitor(srv)
    for _ in range(10):
        r = s.post(srv.url("/api/v1/events"), json={"type": "click", "article": nums["d"]})
        assert r.status_code == 202, r.text
        s.post(srv.url("/kb/%d/feedback" % nums["d"]), data={"helpful": "yes"},
               allow_redirects=False)
    after = popular_titles(srv, locale="en", limit=20)
    # Delta: 2 customer views + 2 (one click) + 3 (one vote) = 7, Charlie's score
    # (1 view + 2 votes): Charlie stays first (the lower number on a tie), where ten
    # clicks and ten votes counted each would make Delta 52.
    assert after[0] == before[0] == "Charlie billing dates"
    assert after.index("Delta rarely read") == 1


def test_an_unpublished_article_leaves_the_popular_list(env):
    srv, d, nums, who = env
    for _ in range(2):
        view(srv, visitor(srv), nums["fr"])
    assert "Réinitialiser le routeur Echo" in popular_titles(srv)
    w = who["writer"]
    assert w.post(srv.url("/api/v1/articles/KB-%d/unpublish" % nums["fr"]), timeout=30).ok
    assert "Réinitialiser le routeur Echo" not in popular_titles(srv)
    assert "Réinitialiser le routeur Echo" not in srv.get("/").text


def test_admin_pins_promoted_articles_per_topic(env):
    srv, d, nums, who = env
    admin = who["admin"]
    r = admin.put(srv.url("/api/v1/admin/pins"), json={"topic": "", "articles": [
        "KB-%d" % nums["d"], nums["internal"]]}, timeout=30)
    assert r.status_code == 200, r.text
    got = admin.get(srv.url("/api/v1/admin/pins"), params={"topic": ""}, timeout=30).json()
    assert [a["number"] for a in got["articles"]] == [nums["d"], nums["internal"]]
    titles = popular_titles(srv)
    assert titles[0] == "Delta rarely read" and INTERNAL not in titles
    arts = srv.get("/api/v1/popular").json()["articles"]
    assert arts[0]["promoted"] is True and arts[1]["promoted"] is False
    assert titles.count("Delta rarely read") == 1
    home = srv.get("/").text
    assert home_popular(home)[0] == "Delta rarely read" and "zqpopsecret" not in home
    # Per topic: the router topic's own pins.
    r = admin.put(srv.url("/api/v1/admin/pins"), json={"topic": "wifi", "articles": [nums["b"]]},
                  timeout=30)
    assert r.status_code == 200
    assert popular_titles(srv, category="wifi")[0] == "Bravo wifi channels"


@pytest.mark.parametrize("body,status,words", [
    ({"topic": "", "articles": [99999]}, 404, ["KB-99999"]),
    ({"topic": "", "articles": "KB-1"}, 400, ["articles"]),
    ({"articles": []}, 400, ["topic"]),
    ({"topic": "", "articles": ["nonsense"]}, 400, ["nonsense"]),
    ({"topic": "", "articles": list(range(1000, 1021))}, 413, ["20"]),
])
def test_bad_pins_are_refused_naming_the_problem(env, body, status, words):
    srv, d, nums, who = env
    r = who["admin"].put(srv.url("/api/v1/admin/pins"), json=body, timeout=30)
    assert r.status_code == status, r.text
    for w in words:
        assert w in r.json()["error"]["message"]


def test_pins_are_admin_only(env):
    srv, d, nums, who = env
    for sess, code in ((requests.Session(), 401), (who["agent"], 403), (who["writer"], 403)):
        r = sess.put(srv.url("/api/v1/admin/pins"), json={"topic": "", "articles": []},
                     timeout=30)
        assert r.status_code == code
