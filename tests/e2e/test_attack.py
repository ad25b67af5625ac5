"""The attack suite, against a running kb-server: every route (from the
OpenAPI document plus the pages) for every role and kind of content; hidden
content leaking through search, typeahead, spelling, facets, the sitemap,
error messages or timing; stored and reflected XSS; SQL and Xapian query
injection; path traversal; oversized and malformed requests; login
guessing, sessions, stored secrets and CSRF. A full disk and a read-only
data directory are in test_attack_storage.py."""
import collections
import html.parser
import json
import os
import re
import socket
import statistics
import time
import urllib.parse

import pytest
import requests

from kbchaos import bearer, make_token, store_query, wait_drained, xapian_check_both
from kbtest import SAMPLES, run_indexer
from server import KbServer, add_user

PW = {"admin1": "admin-password-1", "writer1": "writer-password-1", "agent1": "agent-password-1"}
RANK = {"customer": 0, "agent": 1, "writer": 2, "admin": 3}
CASES = collections.Counter()  # attack cases tried, by family (printed at the end)

INTERNAL_WORD = "zqinternalonly"
DRAFT_WORD = "zqdraftonly"
ARCHIVED_WORD = "zqarchivedonly"
TICKET_WORD = "zqticketonly"
TICKET_CUSTOMER = "Zebulon Quarkfeather"
SECRETS = [INTERNAL_WORD, DRAFT_WORD, ARCHIVED_WORD, TICKET_WORD, "Quarkfeather",
           "zq-internal-cat", "zq-draft-cat", "zq-archived-cat", "zq-ticket-cat", "zqinternaltag",
           "Kestrel", "nimbusctl", "Osprey", "NR-4471"]
PAGES = [("GET", "/"), ("GET", "/search"), ("GET", "/kb/{ref}"), ("GET", "/sitemap.xml"),
         ("GET", "/opensearch.xml"), ("GET", "/contact"), ("GET", "/static/style.css"),
         ("POST", "/kb/{ref}/feedback"), ("POST", "/contact"), ("GET", "/static/brand.css"),
         ("GET", "/kb/page/{ref}"), ("GET", "/kb/media/zq/none.png")]


class Env:
    pass


def leaks(text, echo=None):
    """The hidden words found in a customer's answer (not counting echo, the
    client's own input, in any of the forms a page or JSON quotes it)."""
    if echo:
        import html as html_mod
        for form in {echo, html_mod.escape(echo), html_mod.escape(echo, quote=False),
                     json.dumps(echo)[1:-1], urllib.parse.quote_plus(echo),
                     urllib.parse.quote(echo), urllib.parse.quote(echo, safe="")}:
            text = text.replace(form, "")
    low = text.lower()
    # A word the client typed itself may come back in another form (a
    # spelling correction rewrites the words around it); that is no leak.
    typed = (echo or "").lower()
    return [w for w in SECRETS if w.lower() in low and w.lower() not in typed]


def wait_indexed(srv):
    wait_drained(srv)
    time.sleep(0.05)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    e = Env()
    d = tmp_path_factory.mktemp("kb-attack")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "add", os.path.join(SAMPLES, "tickets.jsonl"))
    add_user(d, "admin1", PW["admin1"], "admin")
    add_user(d, "writer1", PW["writer1"], "writer")
    add_user(d, "agent1", PW["agent1"], "agent")
    e.tokens = {r: make_token(d, r, "attack-" + r) for r in ("agent", "writer", "admin")}
    e.data = d
    # Hundreds of probes come from one anonymous session (one visitor): the
    # per-visitor event limit would answer most of them 429 instead.
    srv = KbServer(d, "--event-rate", "0").start()
    e.srv = srv
    e.ids = {"anonymous": (requests.Session(), "customer")}
    for name, role in (("agent1", "agent"), ("writer1", "writer"), ("admin1", "admin")):
        e.ids[role + "-cookie"] = (srv.login(name, PW[name]), role)
        e.ids[role + "-token"] = (bearer(e.tokens[role]), role)
    w = e.ids["writer-token"][0]

    def article(title, body, publish=True, archive=False, **kw):
        r = w.post(srv.url("/api/v1/articles"), json=dict(title=title, body=body, **kw), timeout=30)
        assert r.status_code == 201, r.text
        n = r.json()["number"]
        if publish:
            assert w.post(srv.url("/api/v1/articles/KB-%d/publish" % n), timeout=30).ok
        if archive:
            assert w.post(srv.url("/api/v1/articles/KB-%d/archive" % n), timeout=30).ok
        return n

    e.public = article("Public zqpublicword router guide", "Reset the router: zqpublicword.",
                       category="zq-public-cat")
    e.internal = article("Internal %s gateway runbook" % INTERNAL_WORD,
                         "Escalate with %s to tier 3." % INTERNAL_WORD, audience="internal",
                         category="zq-internal-cat", tags=["zqinternaltag"])
    e.draft = article("Draft %s router" % DRAFT_WORD, "Unreleased %s." % DRAFT_WORD,
                      publish=False, category="zq-draft-cat")
    e.archived = article("Archived %s router" % ARCHIVED_WORD, "Old %s." % ARCHIVED_WORD,
                         archive=True, category="zq-archived-cat")
    e.matrix = article("Matrix target article", "Used by the access matrix.", publish=False)
    r = e.ids["agent-token"][0].post(srv.url("/api/v1/tickets"), timeout=30, data=json.dumps([{
        "id": "ZQ-1", "subject": "Modem %s keeps dropping" % TICKET_WORD,
        "description": "%s says the router %s drops" % (TICKET_CUSTOMER, TICKET_WORD),
        "resolution": "replaced", "customer": TICKET_CUSTOMER, "category": "zq-ticket-cat"}]))
    assert r.status_code == 200 and r.json()["added"] == 1, r.text
    e.missing = 99999
    wait_indexed(srv)
    e.openapi = requests.get(srv.url("/api/v1/openapi.json"), timeout=30).json()
    yield e
    alive = srv.proc.poll() is None
    code = srv.stop()
    print("attack: %d cases tried: %s" % (sum(CASES.values()), dict(CASES)))
    assert alive, "kb-server died during the attack suite"
    assert code == 0
    xapian_check_both(d)
    assert store_query(d, "PRAGMA integrity_check") == [("ok",)]


def api_routes(env):
    """(method, path pattern, minimum role) of every API route."""
    out = []
    for path, item in env.openapi["paths"].items():
        for method, op in item.items():
            out.append((method.upper(), path, op.get("x-kb-role", "customer")))
    return out


def concrete(env, method, pattern):
    """A request path for a route pattern: harmless targets for writes."""
    ref = str(env.public) if method == "GET" else "KB-%d" % env.matrix
    return (pattern.replace("{ref}", ref).replace("{id}", "999999")
            .replace("{name}", "no-such-user").replace("{rev}", "1")
            .replace("{slug}", "zq-matrix-topic")
            .replace("{path}", "articles/no/such"))


def send(env, sess, method, path, body=b"{}", headers=None, **kw):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    kw.setdefault("timeout", 30)
    kw.setdefault("allow_redirects", False)
    data = body if method in ("POST", "PUT", "DELETE") else None
    return sess.request(method, env.srv.url(path), data=data, headers=h, **kw)


# ---- access matrix --------------------------------------------------------------

def test_openapi_lists_every_api_route_and_pages_answer(env):
    routes = api_routes(env)
    assert len(routes) >= 30
    paths = {p for _, p, _ in routes}
    for p in ("/api/v1/search", "/api/v1/articles/{ref}", "/api/v1/tickets", "/api/v1/users",
              # staff only: customers never see anyone's contact requests
              "/api/v1/admin/contact/requests", "/api/v1/admin/contact/requests/{id}/retry",
              "/api/v1/admin/contact/destinations", "/api/v1/admin/contact/destinations/{name}",
              # admin only: the brand, article views, promoted articles (issue 19)
              "/api/v1/admin/brand", "/api/v1/admin/brand/logo",
              "/api/v1/admin/articles/{ref}/views", "/api/v1/admin/pins",
              # anyone: what the pages and the widget show
              "/api/v1/brand", "/api/v1/popular",
              # topics: read by anyone, written by admins only
              "/api/v1/topics", "/api/v1/topics/{slug}"):
        assert p in paths
    roles = {(m, p): need for m, p, need in routes}
    for m, p in (("PUT", "/api/v1/admin/brand"), ("PUT", "/api/v1/admin/brand/logo"),
                 ("DELETE", "/api/v1/admin/brand/logo"), ("PUT", "/api/v1/admin/pins"),
                 ("GET", "/api/v1/admin/pins"), ("GET", "/api/v1/admin/articles/{ref}/views")):
        assert roles[(m, p)] == "admin", (m, p)


def test_access_matrix_every_route_every_role(env):
    problems = []
    for method, pattern, need in api_routes(env) + [(m, p, "customer") for m, p in PAGES]:
        path = concrete(env, method, pattern)
        for ident, (sess, role) in env.ids.items():
            if pattern == "/api/v1/logout" and ident.endswith("cookie"):
                continue  # would end the session the rest of the suite uses
            body = b"{}" if not pattern.startswith(("/kb/", "/contact")) else b"x=1"
            r = send(env, sess, method, path, body)
            CASES["access matrix"] += 1
            allowed = RANK[role] >= RANK[need]
            if r.status_code >= 500:
                problems.append((method, path, ident, r.status_code, r.text[:100]))
            elif not allowed and r.status_code != (401 if role == "customer" else 403):
                problems.append((method, path, ident, r.status_code, "should be refused"))
            elif allowed and r.status_code in (401, 403):
                problems.append((method, path, ident, r.status_code, r.text[:100]))
    assert not problems, problems[:20]


def visible(role, kind):
    return {"public": True, "internal": RANK[role] >= 1, "draft": RANK[role] >= 2,
            "archived": RANK[role] >= 2, "ticket": False, "missing": False}[kind]


def test_hidden_content_is_the_same_404_as_missing_everywhere(env):
    refs = {"public": env.public, "internal": env.internal, "draft": env.draft,
            "archived": env.archived, "ticket": "ZQ-1", "missing": env.missing}
    problems = []
    for ident, (sess, role) in env.ids.items():
        missing_api = sess.get(env.srv.url("/api/v1/articles/%d" % env.missing), timeout=30)
        missing_page = sess.get(env.srv.url("/kb/%d" % env.missing), timeout=30)
        assert missing_api.status_code == 404 and missing_page.status_code == 404
        for kind, ref in refs.items():
            forms = [str(ref)] if kind == "ticket" else [str(ref), "KB-%s" % ref]
            for form in forms:
                r = sess.get(env.srv.url("/api/v1/articles/" + form), timeout=30)
                CASES["visibility"] += 1
                if visible(role, kind):
                    if r.status_code != 200:
                        problems.append((ident, kind, form, r.status_code))
                elif r.status_code != 404 or r.content != missing_api.content:
                    problems.append((ident, kind, form, r.status_code, r.text[:80]))
            if kind != "ticket" and not visible(role, kind):
                p = sess.get(env.srv.url("/kb/%s" % ref), timeout=30, allow_redirects=False)
                CASES["visibility"] += 1
                if p.status_code != 404 or p.content != missing_page.content:
                    problems.append((ident, kind, "page", p.status_code))
                if role == "customer":
                    f = sess.post(env.srv.url("/api/v1/articles/%s/feedback" % ref), timeout=30,
                                  json={"helpful": True})
                    fm = sess.post(env.srv.url("/api/v1/articles/%d/feedback" % env.missing),
                                   json={"helpful": True}, timeout=30)
                    CASES["visibility"] += 1
                    if (f.status_code, f.content) != (fm.status_code, fm.content):
                        problems.append((ident, kind, "feedback", f.status_code, f.text[:80]))
    assert not problems, problems


def customer_search(env, q, **params):
    params["q"] = q
    r = requests.get(env.srv.url("/api/v1/search"), params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_customers_see_no_hidden_words_anywhere(env):
    srv = env.srv
    for word in SECRETS:
        for q in (word, word[:-1] + "x", word.upper(), word + " router", "router " + word,
                  '"%s"' % word, word[:5] + "*", "title:" + word, "audience:internal " + word,
                  "kind:ticket " + word, "NOT router OR " + word):
            res = customer_search(env, q, per_page=50)
            CASES["leak search"] += 1
            text = json.dumps(res)
            found = leaks(text, q)
            assert not found, (q, found, res["corrected"])
            assert all(h["audience"] == "public" and h["kind"] == "article" for h in res["hits"])
        s = requests.get(srv.url("/api/v1/suggest"), params={"q": word[:6]}, timeout=30)
        assert s.status_code == 200 and not leaks(s.text), s.text
        d = requests.post(srv.url("/api/v1/deflect"), json={"subject": word, "description": word},
                          timeout=30)
        assert d.status_code == 200 and not leaks(d.text.replace(word, "")), d.text
        page = requests.get(srv.url("/search"), params={"q": word[:-1] + "x"}, timeout=30)
        assert page.status_code == 200 and not leaks(page.text), (word, leaks(page.text))
        CASES["leak search"] += 3
    # Facet counts and the home page's categories are public ones only.
    public_cats = {c for (c,) in store_query(
        env.data, "SELECT DISTINCT category FROM articles WHERE status = 'published' "
                  "AND audience = 'public' AND category IS NOT NULL")}
    for q in ("router", "password", "gateway", "modem drops"):
        res = customer_search(env, q, per_page=50)
        assert {f["category"] for f in res["facets"]} <= public_cats, res["facets"]
    for path in ("/", "/sitemap.xml", "/opensearch.xml", "/contact",
                 "/api/v1/openapi.json", "/healthz", "/api/v1/me"):
        r = requests.get(srv.url(path), timeout=30)
        CASES["leak pages"] += 1
        assert r.status_code == 200 and not leaks(r.text), (path, leaks(r.text))
    # The sitemap lists exactly the public published articles.
    sm = requests.get(srv.url("/sitemap.xml"), timeout=30).text
    listed = {int(n) for n in re.findall(r"/kb/(\d+)", sm)}
    want = {n for (n,) in store_query(env.data, "SELECT number FROM articles WHERE "
                                                "status = 'published' AND audience = 'public'")}
    assert listed == want


def test_popular_and_promoted_lists_never_show_customers_hidden_articles(env):
    """Staff reading hidden articles, and an admin promoting them, never put
    them in a customer's popular list; customers never see view counts."""
    srv = env.srv
    hidden = (env.internal, env.draft, env.archived)
    admin = env.ids["admin-token"][0]
    for ident in ("agent-cookie", "writer-cookie", "admin-token"):
        sess = env.ids[ident][0]
        for n in hidden:
            sess.get(srv.url("/kb/%d" % n), timeout=30)
    for topic in ("", "zq-internal-cat", "zq-draft-cat"):
        r = admin.put(srv.url("/api/v1/admin/pins"), timeout=30,
                      json={"topic": topic, "articles": list(hidden) + [env.public]})
        assert r.status_code == 200, r.text
    try:
        views = admin.get(srv.url("/api/v1/admin/articles/KB-%d/views" % env.internal),
                          timeout=30).json()
        assert views["customer"] == 0 and views["staff"] >= 1
        anon = requests.Session()
        anon.get(srv.url("/kb/%d" % env.public), timeout=30)
        for params in ({}, {"category": "zq-internal-cat"}, {"category": "zq-draft-cat"},
                       {"locale": "en"}, {"limit": "20"}):
            r = anon.get(srv.url("/api/v1/popular"), params=params, timeout=30)
            CASES["popular"] += 1
            assert r.status_code == 200
            got = [a["number"] for a in r.json()["articles"]]
            assert not set(got) & set(hidden), (params, got)
            assert not leaks(r.text), params
            assert all(set(a) <= {"number", "title", "url", "locale", "promoted"}
                       for a in r.json()["articles"])
        home = anon.get(srv.url("/"), timeout=30).text
        assert not leaks(home)
        for n in hidden:
            assert "/kb/%d-" % n not in home
        # The views of an article are the admin's only.
        for ident in ("anonymous", "agent-token", "writer-token"):
            sess, role = env.ids[ident]
            r = sess.get(srv.url("/api/v1/admin/articles/KB-%d/views" % env.public), timeout=30)
            assert r.status_code == (401 if role == "customer" else 403)
    finally:
        for topic in ("", "zq-internal-cat", "zq-draft-cat"):
            admin.put(srv.url("/api/v1/admin/pins"), json={"topic": topic, "articles": []},
                      timeout=30)


def test_customers_see_no_internal_articles_through_topics(env):
    """A topic holding an internal article: its category page, its section
    list, the article sidebars, the topic cards' counts and /kb/page/... show
    a customer public published articles only."""
    srv = env.srv
    admin = env.ids["admin-token"][0]
    for slug, body in (("zq-topic-cat", {"name": "Zq category"}),
                       ("zq-internal-cat", {"name": "Zq internal section", "parent": "zq-topic-cat"}),
                       ("zq-public-cat", {"name": "Zq public section", "parent": "zq-topic-cat"})):
        r = admin.put(srv.url("/api/v1/topics/" + slug), json=body, timeout=30)
        assert r.status_code == 200, r.text
    for path in ("/", "/search?category=zq-topic-cat", "/search?category=zq-internal-cat",
                 "/search?category=zq-public-cat", "/kb/%d" % env.public,
                 "/kb/page/KB-%d" % env.internal, "/api/v1/topics"):
        r = requests.get(srv.url(path), timeout=30)
        CASES["leak topics"] += 1
        assert r.status_code in (200, 404) and not leaks(r.text), (path, leaks(r.text))
        assert "/kb/%d-" % env.internal not in r.text, path
    assert requests.get(srv.url("/kb/page/KB-%d" % env.internal), timeout=30,
                        allow_redirects=False).status_code == 404
    home = requests.get(srv.url("/"), timeout=30).text
    card = re.search(r'category=zq-topic-cat">.*?<span class="count">(\d+) article', home)
    assert card and card.group(1) == "1", card and card.group(0)  # the public one only
    staff = env.ids["agent-token"][0].get(srv.url("/search?category=zq-topic-cat"), timeout=30)
    assert "/kb/%d-" % env.internal in staff.text  # the section list is the reader's



def test_an_internal_topics_name_and_description_never_reach_customers(env):
    """A topic holding only internal articles: its category page shows a
    customer neither its name nor its description (as GET /api/v1/topics
    lists it only to staff); staff see both."""
    srv = env.srv
    agent = env.ids["agent-token"][0]
    art = agent.get(srv.url("/api/v1/articles/KB-%d" % env.internal), timeout=30).json()
    slug = art["category"]
    assert slug
    admin = env.ids["admin-token"][0]
    r = admin.put(srv.url("/api/v1/topics/" + slug), timeout=30,
                  json={"name": "Zq desk escalations", "description": "Zq pager rota secrets"})
    assert r.status_code == 200, r.text
    for path in ("/search?category=" + slug, "/api/v1/topics"):
        t = requests.get(srv.url(path), timeout=30).text
        CASES["leak topics"] += 1
        assert "Zq desk escalations" not in t and "Zq pager rota" not in t, path
    staff = agent.get(srv.url("/search?category=" + slug), timeout=30).text
    assert "Zq desk escalations" in staff and "Zq pager rota secrets" in staff

def test_agents_never_see_drafts_or_archived_articles_in_search(env):
    sess = env.ids["agent-token"][0]
    for word in (DRAFT_WORD, ARCHIVED_WORD):
        r = sess.get(env.srv.url("/api/v1/search"), params={"q": word}, timeout=30).json()
        assert r["hits"] == [] and r["total"] == 0
        s = sess.get(env.srv.url("/api/v1/suggest"), params={"q": word[:6]}, timeout=30)
        assert word not in s.text
    # ...but see internal articles and tickets.
    r = sess.get(env.srv.url("/api/v1/search"), params={"q": INTERNAL_WORD}, timeout=30).json()
    assert [h["number"] for h in r["hits"]] == [env.internal]
    r = sess.get(env.srv.url("/api/v1/search"), params={"q": TICKET_WORD, "kind": "ticket"},
                 timeout=30).json()
    assert [h["id"] for h in r["hits"]] == ["ZQ-1"]


def test_not_found_and_forbidden_take_the_same_time(env):
    """Median of 30 interleaved requests for a missing and for an internal
    article, as a customer, through the API and the page."""
    s = requests.Session()
    out = {}
    for label, path in (("api", "/api/v1/articles/%s"), ("page", "/kb/%s")):
        times = {"missing": [], "internal": []}
        bodies = {"missing": set(), "internal": set()}
        for i in range(31):
            for kind, ref in (("missing", env.missing), ("internal", env.internal))[::(-1) ** i]:
                t0 = time.perf_counter()
                r = s.get(env.srv.url(path % ref), timeout=30)
                if i:  # the first round warms up
                    times[kind].append(time.perf_counter() - t0)
                bodies[kind].add(r.content)
                assert r.status_code == 404
                CASES["timing"] += 1
        assert bodies["missing"] == bodies["internal"] and len(bodies["missing"]) == 1
        m, n = statistics.median(times["missing"]), statistics.median(times["internal"])
        out[label] = (m * 1e3, n * 1e3)
        assert abs(m - n) < 0.003, (label, m, n)
    print("timing (median ms, missing vs internal): %s" % out)


# ---- XSS --------------------------------------------------------------------------

XSS = ['<script>alert("zx1")</script>', '<img src=x onerror=alert("zx2")>',
       '"><svg onload=alert("zx3")>', "javascript:alert('zx4')",
       '<a href="javascript:alert(\'zx5\')">zx5</a>', "'';!--\"<zx6>=&{()}",
       '<iframe src="javascript:alert(`zx7`)"></iframe>', '<body onload=alert("zx8")>',
       '</title><script>alert("zx9")</script>', '<style>@import "javascript:alert(10)"</style>',
       '<math><mtext><table><mglyph><style><img src=x onerror=alert("zx12")>',
       '[zx13](javascript:alert("zx13"))', '<a href="jav&#x09;ascript:alert(\'zx14\')">zx14</a>',
       '<object data="data:text/html,<script>alert(15)</script>">',
       '<meta http-equiv="refresh" content="0;url=javascript:alert(16)">',
       '<form action="javascript:alert(17)"><button formaction="javascript:alert(17)">zx17</button>',
       '<base href="javascript:alert(18)//">', '<zx19 onpointerover=alert(19)>zx19</zx19>',
       '</textarea><script>alert(20)</script>', '<!--<script>alert(21)//-->',
       '<a href="  JaVaScRiPt:alert(22)">zx22</a>', '<img src="data:text/html,alert(23)">']
BAD_TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "base", "applet",
            "zx6", "zx19", "form", "button", "meta"}
JS_TYPES = ("", "text/javascript", "module", "application/javascript")
URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster",
             "srcdoc"}


class HtmlCheck(html.parser.HTMLParser):
    """Finds what a browser would run: inline handlers, javascript: URLs,
    injected tags, scripts that are not the site's own static files."""

    def __init__(self, allowed_tags=()):
        super().__init__(convert_charrefs=True)
        self.bad = []
        self.allowed = set(allowed_tags)
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in BAD_TAGS and tag not in self.allowed:
            if tag == "script" and (a.get("src") or "").startswith("/static/"):
                pass
            elif tag == "script" and (a.get("type") or "").lower() not in JS_TYPES:
                pass  # data (JSON-LD), not code
            elif tag == "meta" and (a.get("http-equiv") or "").lower() != "refresh":
                pass
            elif tag in ("form", "button") and not any(
                    v and "javascript" in v.lower() for _, v in attrs):
                pass
            else:
                self.bad.append("<%s %s>" % (tag, attrs))
        if tag == "script":
            self.in_script = (a.get("type") or "").lower() in JS_TYPES
        for name, value in attrs:
            if name.startswith("on"):
                self.bad.append("<%s %s=%r>" % (tag, name, value))
            v = re.sub(r"[\s\x00-\x1f]", "", (value or "")).lower()
            if name in URL_ATTRS and (v.startswith(("javascript:", "vbscript:", "data:text/html"))
                                      or "url=javascript:" in v):
                self.bad.append("<%s %s=%r>" % (tag, name, value))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and "alert" in data:
            self.bad.append("script text: %r" % data[:80])


def check_html(text, where):
    c = HtmlCheck()
    c.feed(text)
    c.close()
    assert not c.bad, (where, c.bad[:5])
    for raw in ("<script>alert", "<svg onload", "<iframe", "<img src=x onerror"):
        assert raw not in text, (where, raw)


def test_stored_xss_comes_back_escaped(env):
    w = env.ids["writer-token"][0]
    a = env.ids["agent-token"][0]
    srv = env.srv
    numbers = []
    for i, p in enumerate(XSS):
        word = "zqxss%s" % chr(97 + i)
        body = "Para %s %s\n\n%s\n\n<p>%s</p>\n\n[link](%s)" % (word, p, p, p, p)
        r = w.post(srv.url("/api/v1/articles"), timeout=30, json={
            "title": ("%s %s" % (word, p))[:300].replace("\n", " "), "body": body,
            "summary": p[:200], "category": p[:100], "tags": [p[:100], word]})
        if r.status_code == 400:  # a field refused outright is also safe
            r = w.post(srv.url("/api/v1/articles"), timeout=30, json={
                "title": "%s %s" % (word, p[:50]), "body": body})
        assert r.status_code == 201, (p, r.text)
        n = r.json()["number"]
        check_html(r.json()["html"], "create html %s" % p)
        assert w.post(srv.url("/api/v1/articles/KB-%d/publish" % n), timeout=30).ok
        numbers.append((n, word, p))
        tickets = [{"id": "XSS-%d" % i, "subject": "%s %s" % (word, p), "description": p,
                    "resolution": p, "customer": p[:150], "unit": p[:150], "category": p[:100],
                    "team": p[:100], "product": p[:100]}]
        r = a.post(srv.url("/api/v1/tickets"), data=json.dumps(tickets), timeout=30)
        assert r.status_code == 200, r.text
    wait_indexed(srv)
    anon = requests.Session()
    for n, word, p in numbers:
        pages = {"article": "/kb/%d" % n, "search": "/search?q=%s" % word,
                 "search payload": "/search?q=" + urllib.parse.quote(p),
                 "search both": "/search?q=" + urllib.parse.quote(word + " " + p),
                 "404": "/kb/" + urllib.parse.quote(p, safe=""),
                 "static 404": "/static/" + urllib.parse.quote(p, safe=""),
                 "contact": "/contact?subject=" + urllib.parse.quote(p)}
        for name, path in pages.items():
            r = anon.get(srv.url(path), timeout=30)
            CASES["xss"] += 1
            assert r.status_code < 500, (path, r.status_code)
            if "html" in r.headers.get("Content-Type", ""):
                check_html(r.text, "%s %s" % (name, p))
        for path, params in (("/api/v1/search", {"q": word}), ("/api/v1/suggest", {"q": word}),
                             ("/api/v1/articles/%d" % n, {})):
            r = anon.get(srv.url(path), params=params, timeout=30)
            CASES["xss"] += 1
            assert r.headers["Content-Type"].startswith("application/json")
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            j = r.json()
            for hit in j.get("hits", []) + j.get("suggestions", []) + [j]:
                check_html(hit.get("html") or "", "json html %s" % p)
                snip = hit.get("snippet") or ""
                assert not re.search(r"<(?!/?mark>)", snip), (p, snip)
        r = a.post(srv.url("/api/v1/assist"), timeout=30, json={"subject": word, "description": p})
        assert r.status_code == 200
        for hit in r.json()["articles"]:
            assert not re.search(r"<(?!/?mark>)", hit.get("snippet") or ""), hit["snippet"]
    for path in ("/", "/sitemap.xml", "/agent", "/write", "/admin", "/login"):
        r = anon.get(srv.url(path), timeout=30)
        CASES["xss"] += 1
        if r.status_code == 200 and "html" in r.headers.get("Content-Type", ""):
            check_html(r.text, path)
        if path == "/sitemap.xml":
            assert "<script" not in r.text
    # Reflected: error messages quote input inside JSON, never as HTML.
    for p in XSS:
        r = anon.get(srv.url("/api/v1/search"), params={"q": p, "kind": p}, timeout=30)
        CASES["xss"] += 1
        assert r.status_code == 400 and r.headers["Content-Type"].startswith("application/json")


# ---- injection ---------------------------------------------------------------------

INJECT = ["' OR 1=1 --", '"; DROP TABLE articles; --', "1; DELETE FROM users", "title:x AND NOT y",
          "*", "NEAR", "a NEAR b", "a NEAR/3 b", '"unbalanced', "'unbalanced", "(((", ")))", "[", "]",
          "{", "}", "\\", "%", "_", "AND", "OR NOT", "-", "+", "~", "^", "a..b", "1..1000", "$1",
          "\x01", "   ", "ñ", "🙂", "a" * 190, "-1", "99999999999999999999", "0x10", "1e9", "NaN",
          "null", "[]", "{}", "<>", "../../etc/passwd", "Q1001", "XAinternal", "audience:internal",
          "kind:ticket", "status:draft", "zq*", 'router" OR "' + INTERNAL_WORD, "(router",
          "router)", "SYNONYM", "~router", "router^2", "+router -router", "router AND",
          "OR", "NOT", "router XOR wifi", "'; SELECT sqlite_version(); --", "%27%20OR%201%3D1",
          "\u202e", "a\u0301", "ｒｏｕｔｅｒ", "\ufeff"]
PARAMS = {"/api/v1/search": ["q", "locale", "category", "tag", "kind", "page", "per_page"],
          "/api/v1/suggest": ["q", "locale", "limit"],
          "/api/v1/articles": ["status", "audience", "category", "locale", "q", "page", "per_page"],
          "/api/v1/articles/{ref}/revisions": ["page", "per_page"],
          "/api/v1/articles/{ref}/diff": ["from", "to"],
          "/api/v1/tickets": ["customer", "unit", "limit"],
          "/api/v1/analytics/summary": ["from", "to", "limit"],
          "/api/v1/analytics/top-queries": ["from", "to", "limit"],
          "/api/v1/analytics/helpful": ["min_votes", "below", "limit", "format", "table"],
          "/api/v1/analytics/gaps": ["from", "limit", "format"],
          "/api/v1/analytics/views": ["to", "limit"],
          "/api/v1/analytics/agents": ["from", "format"],
          "/search": ["q", "page", "category", "locale"],
          "/contact": ["subject"]}


def run_parallel(jobs, fn, workers=4):
    """fn(session_cache, job) for every job on a few threads; returns the problems."""
    import concurrent.futures
    import threading
    local = threading.local()

    def one(job):
        if not hasattr(local, "sessions"):
            local.sessions = {}
        return fn(local.sessions, job)
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        return [p for p in ex.map(one, jobs) if p]


def test_query_injection_in_every_parameter(env):
    before = store_query(env.data, "SELECT count(*) FROM articles")[0][0]
    tokens = {"anon": None, "admin": env.tokens["admin"], "agent": env.tokens["agent"],
              "writer": env.tokens["writer"]}

    def session(cache, who):
        if who not in cache:
            cache[who] = requests.Session() if who == "anon" else bearer(tokens[who])
        return cache[who]

    jobs = []
    for pattern, names in PARAMS.items():
        path = concrete(env, "GET", pattern).replace(str(env.public), "KB-%d" % env.public)
        who = "anon" if pattern in ("/api/v1/search", "/api/v1/suggest", "/search",
                                    "/contact") else "admin"
        for name in names:
            for p in INJECT:
                params = {name: p}
                if name != "q" and pattern in ("/api/v1/search", "/search", "/api/v1/suggest"):
                    params["q"] = "router"
                jobs.append(("GET", who, path, params, None, p, (200, 400, 404)))
                if who == "anon" and name == "q":  # the agent's audience too
                    jobs.append(("GET", "agent", path, params, None, p, (200, 400, 404)))
    for p in INJECT:
        q = urllib.parse.quote(p, safe="")
        for path in ("/api/v1/articles/" + q, "/kb/" + q, "/api/v1/articles/%s/revisions" % q):
            for who in ("anon", "admin"):
                jobs.append(("GET", who, path, None, None, p, (200, 301, 400, 401, 404)))
    bodies = {"/api/v1/deflect": ("anon", {"subject": "router"}, ["subject", "description", "locale"]),
              "/api/v1/assist": ("agent", {"subject": "router"},
                                 ["subject", "description", "customer", "unit", "product"]),
              "/api/v1/events": ("anon", {"type": "click"}, ["type", "query", "article", "visitor"]),
              "/api/v1/synonyms": ("admin", {"term": "zqa", "synonym": "zqb"}, ["term", "synonym"]),
              "/api/v1/preview": ("writer", {}, ["body", "format"]),
              "/api/v1/login": ("anon", {"username": "x", "password": "y" * 10},
                                ["username", "password"])}
    for path, (who, base, fields) in bodies.items():
        ok = (200, 201, 400, 404, 409) + ((401, 429) if path == "/api/v1/login" else ())
        for f in fields:
            for p in INJECT:
                body = dict(base)
                body[f] = p
                jobs.append(("POST", who, path, None, body, p, ok))

    def one(cache, job):
        method, who, path, params, body, p, ok = job
        r = session(cache, who).request(method, env.srv.url(path), params=params, json=body,
                                        timeout=30, allow_redirects=False)
        if r.status_code not in ok:
            return (method, path, params or body, r.status_code, r.text[:100])
        if who == "anon" and leaks(r.text, p):
            return (method, path, params or body, "leak", leaks(r.text, p))
        return None
    problems = run_parallel(jobs, one)
    CASES["injection"] += len(jobs)
    after = store_query(env.data, "SELECT count(*) FROM articles")[0][0]
    assert not problems, problems[:20]
    assert after == before
    assert store_query(env.data, "SELECT count(*) FROM users")[0][0] == 3
    # The synonyms the fuzzing added are data, not commands; drop them again.
    admin = env.ids["admin-token"][0]
    for (term, syn) in store_query(env.data, "SELECT term, synonym FROM synonyms"):
        admin.delete(env.srv.url("/api/v1/synonyms"), params={"term": term, "synonym": syn},
                     timeout=30)


# ---- malformed and oversized requests ------------------------------------------------

def raw(env, data, timeout=10):
    """Sends bytes as they are; returns (status line, whole answer)."""
    port = int(env.srv.base.rsplit(":", 1)[1])
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        s.sendall(data)
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        out += b"<timeout>"
    except OSError:
        pass
    finally:
        s.close()
    return out.split(b"\r\n", 1)[0].decode("latin-1"), out


def status_of(line):
    m = re.match(r"HTTP/1\.[01] (\d{3})", line)
    return int(m.group(1)) if m else None


TRAVERSAL = ["/static/../kb.sqlite3", "/static/%2e%2e/kb.sqlite3", "/static/%2E%2E%2Fkb.sqlite3",
             "/static/%252e%252e/kb.sqlite3", "/static/..%2fkb.sqlite3", "/static/..%5ckb.sqlite3",
             "/static/..\\kb.sqlite3", "/static/%00", "/static/style.css%00.png",
             "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/....//....//etc/passwd",
             "/static/.%2e/.%2e/etc/passwd", "/static/%c0%ae%c0%ae/kb.sqlite3",
             "/static/%e0%80%ae%e0%80%ae/kb.sqlite3", "/static/..;/kb.sqlite3",
             "/static/../../../../etc/passwd", "/static/./style.css", "/static/.htaccess",
             "/static/%2e/style.css", "/kb/../kb.sqlite3", "/static/style.css/..",
             "/static/..%00/kb.sqlite3", "/static/\\..\\..\\etc\\passwd", "/../kb.sqlite3",
             "/static/%u002e%u002e/kb.sqlite3", "/static/..%252fkb.sqlite3", "/favicon.ico/../kb.sqlite3"]


def test_path_traversal_on_static_files(env):
    for path in TRAVERSAL:
        line, out = raw(env, b"GET " + path.encode("latin-1") +
                        b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        CASES["traversal"] += 1
        assert status_of(line) in (400, 404), (path, line)
        assert b"SQLite format" not in out and b"root:x:0:0" not in out, path
    assert requests.get(env.srv.url("/static/style.css"), timeout=30).status_code == 200


def test_oversized_and_malformed_requests(env):
    cases = {
        "header 70 KB": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 +
                         b"\r\nConnection: close\r\n\r\n", {431, 400}),
        "8,000 headers": (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
                          b"".join(b"X-H%d: v\r\n" % i for i in range(8000)) +
                          b"Connection: close\r\n\r\n", {431, 400}),
        "cookie 70 KB": (b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nCookie: kb_session=" +
                         b"a" * 70000 + b"\r\nConnection: close\r\n\r\n", {431, 400}),
        "URL 100 KB": (b"GET /api/v1/search?q=" + b"a" * 100000 +
                       b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {414, 431, 400}),
        "query 5 KB": (b"GET /api/v1/search?q=" + b"a" * 5000 +
                       b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {400}),
        "body says 5 GB": (b"POST /api/v1/deflect HTTP/1.1\r\nHost: x\r\nContent-Length: "
                           b"5000000000\r\nContent-Type: application/json\r\n"
                           b"Connection: close\r\n\r\n{", {413}),
        "chunked 1.3 MB": (b"POST /api/v1/deflect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                           b"chunked\r\nConnection: close\r\n\r\n" +
                           (b"10000\r\n" + b"a" * 0x10000 + b"\r\n") * 20 + b"0\r\n\r\n", {413}),
        "Content-Length -5": (b"POST /api/v1/deflect HTTP/1.1\r\nHost: x\r\nContent-Length: -5"
                              b"\r\nConnection: close\r\n\r\n", {400}),
        "two Content-Lengths": (b"POST /api/v1/deflect HTTP/1.1\r\nHost: x\r\nContent-Length: 5"
                                b"\r\nContent-Length: 50\r\nConnection: close\r\n\r\n{}", {400}),
        "bad chunk size": (b"POST /api/v1/deflect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                           b"chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", {400}),
        "HTTP/0.9": (b"GET /\r\n\r\n", {400, 505}),
        "bad version": (b"GET / HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n", {400, 505}),
        "bad method": (b"BREW /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {405, 400, 501}),
        "NUL in header": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n"
                          b"Connection: close\r\n\r\n", {200, 400}),
        "bare LF": (b"GET /healthz HTTP/1.1\nHost: x\nConnection: close\n\n", {200, 400}),
        "space before colon": (b"GET /healthz HTTP/1.1\r\nHost : x\r\nConnection: close\r\n\r\n",
                               {200, 400}),
        "obs-fold": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n"
                     b"Connection: close\r\n\r\n", {200, 400}),
        "absolute URI": (b"GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n"
                         b"Connection: close\r\n\r\n", {200, 400, 404}),
        "request smuggling": (b"POST /api/v1/deflect HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                              b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n"
                              b"GET /api/v1/users HTTP/1.1\r\nHost: x\r\n\r\n", {400, 413}),
    }
    for name, (data, ok) in cases.items():
        t0 = time.time()
        line, out = raw(env, data)
        CASES["malformed"] += 1
        assert status_of(line) in ok, (name, line, out[-200:])
        assert time.time() - t0 < 5, (name, "answered only after %.1fs" % (time.time() - t0))
        assert env.srv.proc.poll() is None, name
    # The tickets upload past --max-body, and JSON past the body limit.
    big = b"".join(json.dumps({"id": "BIG-%d" % i, "subject": "s" * 900}).encode() + b"\n"
                   for i in range(1300))
    r = env.ids["agent-token"][0].post(env.srv.url("/api/v1/tickets"), data=big, timeout=30)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert requests.get(env.srv.url("/healthz"), timeout=30).status_code == 200


def test_invalid_utf8_and_overlong_encodings(env):
    anon = requests.Session()
    w = env.ids["writer-token"][0]
    for path in ("/kb/%C0%AF", "/api/v1/articles/%C0%AF", "/api/v1/articles/%FF%FE",
                 "/static/%C0%AE%C0%AE/kb.sqlite3", "/search?q=%C0%AF", "/api/v1/search?q=%FF",
                 "/api/v1/search?q=router&locale=%C0%80", "/api/v1/suggest?q=%ED%A0%80",
                 "/api/v1/search?q=%F4%90%80%80", "/api/v1/search?%C0%AF=x&q=router",
                 "/kb/%E0%80%AF", "/api/v1/search?q=%F8%88%80%80%80"):
        line, out = raw(env, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                        b"Connection: close\r\n\r\n")
        CASES["utf8"] += 1
        assert status_of(line) in (400, 404), (path, line)
    for body in (b'{"subject": "\xc0\xaf router"}', b'{"subject": "\xff\xfe"}',
                 b'{"subject": "\xed\xa0\x80"}', b'{"subject": "\\ud800 router"}',
                 b'{"subject": "a\\u0000b"}', b'{"subject\xc0": "x"}', b"\xef\xbb\xbf{}"):
        r = anon.post(env.srv.url("/api/v1/deflect"), data=body, timeout=30,
                      headers={"Content-Type": "application/json"})
        CASES["utf8"] += 1
        assert r.status_code == 400, (body, r.status_code, r.text)
        r = w.post(env.srv.url("/api/v1/articles"), data=body.replace(b"subject", b"title"),
                   headers={"Content-Type": "application/json"}, timeout=30)
        CASES["utf8"] += 1
        assert r.status_code == 400, (body, r.status_code, r.text)
    r = env.ids["agent-token"][0].post(env.srv.url("/api/v1/tickets"), timeout=30,
                                       data=b'{"id":"U8-1","subject":"bad \xc0\xaf utf8"}\n'
                                            b'{"id":"U8-2","subject":"good one"}\n')
    CASES["utf8"] += 1
    assert r.status_code in (200, 400), r.text
    if r.status_code == 200:
        assert r.json()["failed"] >= 1


def test_json_nested_10000_deep_everywhere(env):
    deep_obj = b'{"a":' * 10000 + b"1" + b"}" * 10000
    deep_arr = b"[" * 10000 + b"]" * 10000
    problems = []
    for method, pattern, need in api_routes(env):
        if method not in ("POST", "PUT", "DELETE"):
            continue
        sess = env.ids[("admin" if need == "customer" else need) + "-token"][0]
        for body in (deep_obj, deep_arr, b'{"subject":' + deep_arr + b"}"):
            r = sess.request(method, env.srv.url(concrete(env, method, pattern)), data=body,
                             headers={"Content-Type": "application/json"}, timeout=30)
            CASES["json depth"] += 1
            if r.status_code >= 500:
                problems.append((method, pattern, r.status_code, r.text[:100]))
            elif r.status_code in (200, 201) and not pattern.endswith(
                    ("/publish", "/unpublish", "/archive", "/logout", "/brand/logo")):
                # (routes that take no body; the logo's PUT refuses JSON: 415)
                problems.append((method, pattern, "accepted", r.text[:100]))
    assert not problems, problems
    assert env.srv.proc.poll() is None


def test_csv_and_jsonl_with_nul_bytes_in_ticket_imports(env):
    a = env.ids["agent-token"][0]
    bodies = {
        "csv with NULs": (b"id,subject,description,resolution\nCSV-1,Router\x00down,desc\x00,fix\n"
                          b"CSV-2,Modem ok,desc,fix\n", "text/csv"),
        "csv only NULs": (b"\x00" * 5000, "text/csv"),
        "csv header only": (b"id,subject\n", "text/csv"),
        "csv bad quotes": (b'id,subject\n"CSV-3,"unterminated\n', "text/csv"),
        "jsonl NUL bytes": (b'{"id":"NUL-1","subject":"a\x00b"}\n{"id":"NUL-2","subject":"fine"}\n',
                            "application/x-ndjson"),
        "jsonl escaped NUL": (b'{"id":"NUL-3","subject":"a\\u0000b","description":"\\u0000"}\n',
                              "application/x-ndjson"),
        "NUL in id": (b'{"id":"NUL\\u0000-4","subject":"x"}\n', "application/x-ndjson"),
        "binary": (bytes(range(256)) * 20, "application/octet-stream"),
        "json array of junk": (b'[1, "x", null, [], {"id": 5}]', "application/json"),
        "empty lines": (b"\n\n\n\r\n", "application/x-ndjson"),
    }
    results = {}
    for name, (body, ctype) in bodies.items():
        r = a.post(env.srv.url("/api/v1/tickets"), data=body, headers={"Content-Type": ctype},
                   timeout=30)
        CASES["imports"] += 1
        results[name] = r.status_code
        assert r.status_code in (200, 400), (name, r.status_code, r.text)
        j = r.json()
        if r.status_code == 400:
            assert j["error"]["message"], name
        else:
            assert j["failed"] >= 0 and isinstance(j["errors"], list)
    stored = [s for (s,) in store_query(env.data, "SELECT subject FROM tickets WHERE "
                                                  "source_id LIKE 'NUL%' OR source_id LIKE 'CSV%'")]
    assert not any("\x00" in s for s in stored), stored
    print("imports with NULs and junk: %s" % results)
    assert env.srv.proc.poll() is None


# ---- CSRF (login, sessions and stored secrets: test_attack_login.py) ----------------

def state_changing_routes(env):
    out = [(m, p) for m, p, _ in api_routes(env) if m in ("POST", "PUT", "DELETE")]
    return out + [(m, p) for m, p in PAGES if m == "POST"]


def test_csrf_every_state_changing_route(env):
    sess, _ = env.ids["admin-cookie"]
    cookie = sess.cookies.get("kb_session")
    host = env.srv.base.split("://", 1)[1]
    foreign = [("Origin", "http://evil.example"), ("Origin", "null"),
               ("Origin", "http://%s.evil.example" % host), ("Origin", "http://%s@evil.example" % host),
               ("Referer", "http://evil.example/%s/" % host), ("Origin", "http://evil.example/http://" + host),
               (None, None)]
    problems = []
    for method, pattern in state_changing_routes(env):
        path = concrete(env, method, pattern)
        body = b"{}" if pattern.startswith("/api/") else b"x=1"
        for name, value in foreign:
            headers = {"Content-Type": "application/json"}
            if name:
                headers[name] = value
            if pattern == "/api/v1/login" and name != "Origin":
                continue  # no session yet, and browsers always send Origin on a POST
            r = requests.request(method, env.srv.url(path), data=body, headers=headers,
                                 cookies={"kb_session": cookie}, timeout=30, allow_redirects=False)
            CASES["csrf"] += 1
            if r.status_code != 403:
                problems.append((method, path, name, value, r.status_code, r.text[:80]))
        if pattern == "/api/v1/logout":
            continue
        r = requests.request(method, env.srv.url(path), data=body, cookies={"kb_session": cookie},
                             headers={"Origin": env.srv.base, "Content-Type": "application/json"},
                             timeout=30, allow_redirects=False)
        CASES["csrf"] += 1
        if r.status_code == 403 and "cross-site" in r.text:
            problems.append((method, path, "same origin refused", r.text[:80]))
    assert not problems, problems
    # The session survived: nothing above logged it out.
    assert sess.get(env.srv.url("/api/v1/me"), timeout=30).json()["role"] == "admin"


# ---- regressions, named after the bugs ------------------------------------------------

def test_analytics_range_ending_in_year_292_billion_is_refused_not_looped(env):
    """to=99999999999999999999 became INT64_MAX and the per-day loop of the
    summary overflowed: an endless loop eating memory in a worker thread."""
    admin = env.ids["admin-token"][0]
    for to in ("99999999999999999999", "9223372036854775807", "253402300800"):
        t0 = time.time()
        r = admin.get(env.srv.url("/api/v1/analytics/summary"), params={"to": to}, timeout=10)
        CASES["regressions"] += 1
        assert r.status_code == 400 and time.time() - t0 < 2, (to, r.status_code)
    r = admin.get(env.srv.url("/api/v1/analytics/summary"), params={"to": "253402300799"},
                  timeout=10)
    assert r.status_code == 200


def test_encoded_nul_in_the_uri_is_refused(env):
    """/static/style.css%00.png was served as style.css: MHD decodes %00 into
    a string end, so the handlers saw a different path than the client sent."""
    for path in ("/static/style.css%00.png", "/kb/%d%%00.html" % env.public,
                 "/api/v1/search?q=router%00zz", "/api/v1/articles/KB-%d%%00" % env.public):
        r = requests.get(env.srv.url(path), timeout=10)
        CASES["regressions"] += 1
        assert r.status_code == 400 and "NUL" in r.json()["error"]["message"], (path, r.text)


def test_conflicting_body_lengths_are_refused(env):
    """Two Content-Lengths (or one with chunked encoding) are refused at
    once, not read by one rule while a proxy reads by another."""
    for head in (b"Content-Length: 5\r\nContent-Length: 50\r\n",
                 b"Content-Length: 5\r\nContent-Length: 5\r\n",
                 b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"):
        line, out = raw(env, b"POST /api/v1/deflect HTTP/1.1\r\nHost: x\r\n" + head +
                        b"Content-Type: application/json\r\n\r\n{\"su", timeout=5)
        CASES["regressions"] += 1
        assert status_of(line) == 400, (head, line, out[-200:])


def test_declared_oversized_body_is_refused_before_it_is_sent(env):
    """A Content-Length over --max-body is answered 413 at once instead of
    after reading (and dropping) the whole body."""
    t0 = time.time()
    line, _ = raw(env, b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: "
                       b"1000000000000\r\nAuthorization: Bearer " + env.tokens["agent"].encode() +
                       b"\r\n\r\n[", timeout=5)
    CASES["regressions"] += 1
    assert status_of(line) == 413 and time.time() - t0 < 2, line
