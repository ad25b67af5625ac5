"""Analytics an admin can act on (issue 20): the least-helpful rule, article
views, agents' use (the "copy" event), content gaps grouped by their words
with a prefilled draft link, every table as CSV (quoted, formulas
neutralised), and none of it for customers or staff below admin."""
import csv
import io
import urllib.parse

import pytest
import requests

from kbtest import run_indexer
from server import KbServer, add_user

ARTICLES = {
    "always.md": "---\ntitle: Always helpful guide\n---\nEveryone liked this guide.\n",
    "few.md": "---\ntitle: Rarely read guide\n---\nFew people voted on this guide.\n",
    "sixth.md": "---\ntitle: Confusing guide\n---\nOne reader in six found this guide useful.\n",
    "wifi.md": "---\ntitle: Wi-Fi drops every hour\n---\nMove the router away from the microwave.\n",
    "vpn.md": "---\ntitle: Connect to the VPN\n---\nOpen the VPN client and sign in.\n",
}
ADMIN = ("admin1", "admin-password-1")
AGENT = ("agent1", "agent-password-1")
WRITER = ("writer1", "writer-password-1")
INJECTION = '=HYPERLINK("http://evil.example/?x","click me")'

ROUTES = ["summary", "top-queries", "no-results", "clicks", "deflection", "helpful", "views",
          "agents", "gaps"]


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-analytics")
    src = d / "src"
    src.mkdir()
    for name, text in ARTICLES.items():
        (src / name).write_text(text)
    run_indexer(d, "add", str(src))
    add_user(d, ADMIN[0], ADMIN[1], "admin")
    add_user(d, AGENT[0], AGENT[1], "agent")
    add_user(d, WRITER[0], WRITER[1], "writer")
    return d


@pytest.fixture(scope="module")
def srv(kb):
    with KbServer(kb) as s:
        yield s


@pytest.fixture(scope="module")
def admin(srv):
    return srv.login(*ADMIN)


@pytest.fixture(scope="module")
def agent(srv):
    return srv.login(*AGENT)


@pytest.fixture(scope="module")
def writer(srv):
    return srv.login(*WRITER)


@pytest.fixture(scope="module")
def numbers(srv, admin):
    out = {}
    for name in ARTICLES:
        r = admin.get(srv.url("/api/v1/articles/src/" + name[:-3]), timeout=30)
        assert r.status_code == 200, r.text
        out[name[:-3]] = r.json()["number"]
    return out


def vote(srv, n, helpful):
    # A client without the visitor cookie is a new visitor each time.
    r = requests.post(srv.url("/api/v1/articles/%d/feedback" % n), json={"helpful": helpful},
                      timeout=30)
    assert r.status_code < 300, r.text


def search(srv, q, client=requests):
    r = client.get(srv.url("/api/v1/search"), params={"q": q}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def event(srv, body, client=requests):
    return client.post(srv.url("/api/v1/events"), json=body, timeout=30)


def get(srv, admin, route, **params):
    r = admin.get(srv.url("/api/v1/analytics/" + route), params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def data(srv, admin, agent, numbers):
    """Votes, views, agents' and customers' events, customers' searches."""
    for _ in range(6):
        vote(srv, numbers["always"], True)
    for _ in range(4):
        vote(srv, numbers["few"], False)
    for i in range(6):
        vote(srv, numbers["sixth"], i == 0)
    # Views: two customers and the agent open the Wi-Fi article's page.
    for client in (requests.Session(), requests.Session()):
        assert client.get(srv.url("/kb/%d" % numbers["wifi"]), timeout=30).status_code == 200
    assert agent.get(srv.url("/kb/%d" % numbers["wifi"]), timeout=30).status_code == 200
    # Agents' use: the agent copies the VPN article's number twice, marks it
    # as solving, opens it; a customer's copy and "solved" do not count.
    for body in ({"type": "copy", "article": "KB-%d" % numbers["vpn"]},
                 {"type": "copy", "article": numbers["vpn"]},
                 {"type": "solved", "article": numbers["vpn"]},
                 {"type": "view", "article": numbers["vpn"]}):
        r = event(srv, body, agent)
        assert r.status_code == 202, r.text
    cust = requests.Session()
    for body in ({"type": "copy", "article": "KB-%d" % numbers["wifi"]},
                 {"type": "solved", "article": numbers["wifi"]}):
        r = event(srv, body, cust)
        assert r.status_code == 202, r.text
    # Customers' searches that find nothing, in two word orders, one
    # spreadsheet formula; an agent's search of the same words.
    for q in ("Printer Offline", "offline printer", "printer offline", INJECTION):
        assert search(srv, q, requests.Session())["hits"] == []
    search(srv, "printer offline", agent)
    # A customer's search followed by a click: not a gap.
    res = search(srv, "wifi drops", cust)
    r = event(srv, {"type": "click", "search_id": res["search_id"], "article": numbers["wifi"]},
              cust)
    assert r.status_code == 202, r.text
    return numbers


# ---- least helpful --------------------------------------------------------------

def test_least_helpful_is_a_rule_not_the_bottom_of_a_list(srv, admin, data):
    r = get(srv, admin, "helpful")
    least = {a["number"]: a for a in r["least_helpful"]}
    assert data["always"] not in least       # 100% helpful: never
    assert data["few"] not in least          # 4 votes, under the minimum of 5
    assert data["sixth"] in least            # 1 of 6
    a = least[data["sixth"]]
    assert a["helpful"] == 1 and a["votes"] == 6 and a["title"] == "Confusing guide"
    assert r["least_helpful_rule"] == {"min_votes": 5, "below": 50}
    # The summary the admin page shows applies the same rule.
    s = get(srv, admin, "summary")
    assert [a["number"] for a in s["least_helpful"]] == [data["sixth"]]
    # Both knobs are parameters: 4 votes let "few" in, 10% keeps "sixth" out.
    r = get(srv, admin, "helpful", min_votes=4)
    assert data["few"] in [a["number"] for a in r["least_helpful"]]
    r = get(srv, admin, "helpful", below=10)
    assert data["sixth"] not in [a["number"] for a in r["least_helpful"]]
    r = get(srv, admin, "helpful", min_votes=1, below=100)
    assert data["always"] not in [a["number"] for a in r["least_helpful"]]


@pytest.mark.parametrize("params,name", [
    ({"min_votes": "0"}, "min_votes"), ({"min_votes": "five"}, "min_votes"),
    ({"below": "0"}, "below"), ({"below": "101"}, "below"), ({"below": "0.5"}, "below"),
    ({"format": "xml"}, "format"), ({"format": "csv", "table": "nope"}, "table"),
])
def test_bad_rule_parameters_get_400_naming_them(srv, admin, params, name):
    r = admin.get(srv.url("/api/v1/analytics/helpful"), params=params, timeout=30)
    assert r.status_code == 400, r.text
    assert name in r.json()["error"]["message"]


# ---- views and agents' use ----------------------------------------------------------

def test_article_views_customers_and_staff_apart(srv, admin, data):
    r = get(srv, admin, "views")
    views = {a["number"]: a for a in r["articles"]}
    w = views[data["wifi"]]
    assert w["customer_views"] >= 1 and w["staff_views"] == 1
    assert w["title"] == "Wi-Fi drops every hour" and w["url"].startswith("/kb/")
    assert r["staff_views"] >= 1 and r["customer_views"] >= w["customer_views"]


def test_agents_use_counts_agents_copy_solved_and_view_not_customers(srv, admin, data):
    r = get(srv, admin, "agents")
    use = {a["number"]: a for a in r["articles"]}
    v = use[data["vpn"]]
    assert (v["copied"], v["solved"], v["opened"]) == (2, 1, 1)
    # The Wi-Fi article: the agent's page view only; the customer's copy and
    # "solved" are not agents' use.
    w = use[data["wifi"]]
    assert w["page_views"] == 1 and w["copied"] == 0 and w["solved"] == 0


def test_copy_event_needs_an_article(srv, agent):
    r = event(srv, {"type": "copy"}, agent)
    assert r.status_code == 400 and "article" in r.json()["error"]["message"]


# ---- content gaps ------------------------------------------------------------------

def test_content_gaps_group_word_orders_and_link_a_prefilled_draft(srv, admin, data):
    r = get(srv, admin, "gaps")
    assert r["role"] == "customer"
    gaps = {g["words"]: g for g in r["gaps"]}
    g = gaps["offline printer"]
    assert g["searches"] == 3 and g["no_results"] == 3 and g["visitors"] >= 1
    assert {q["query"] for q in g["queries"]} == {"printer offline", "offline printer"}
    url = urllib.parse.urlsplit(g["write_url"])
    assert url.path == "/write"
    qs = urllib.parse.parse_qs(url.query)
    assert qs["new"] == ["1"] and qs["title"] == ["printer offline"]
    assert "printer offline (2)" in qs["body"][0] and "offline printer (1)" in qs["body"][0]


# ---- CSV --------------------------------------------------------------------------

HEADERS = {
    "summary": ["metric", "value"],
    "top-queries": ["query", "searches", "no_results", "no_result_share", "clicked",
                    "click_through", "last"],
    "no-results": ["query", "searches", "no_results", "no_result_share", "clicked",
                   "click_through", "last"],
    "clicks": ["ref", "title", "clicks", "url"],
    "deflection": ["metric", "value"],
    "helpful": ["ref", "title", "votes", "helpful", "unhelpful", "helpful_ratio", "url"],
    "views": ["ref", "title", "customer_views", "staff_views", "url"],
    "agents": ["ref", "title", "page_views", "opened", "copied", "solved", "url"],
    "gaps": ["words", "searches", "visitors", "no_results", "no_click", "last", "queries",
             "write_url"],
}


def csv_of(srv, admin, route, **params):
    params.setdefault("format", "csv")
    r = admin.get(srv.url("/api/v1/analytics/" + route), params=params, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    cd = r.headers["Content-Disposition"]
    assert cd.startswith("attachment; filename=") and cd.endswith('.csv"')
    return list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))


@pytest.mark.parametrize("route", ROUTES)
def test_every_analytics_route_exports_csv(srv, admin, data, route):
    rows = csv_of(srv, admin, route)
    assert rows[0] == HEADERS[route]
    assert all(len(row) == len(rows[0]) for row in rows)
    assert len(rows) > 1


def test_csv_rows_match_the_json(srv, admin, data):
    rows = csv_of(srv, admin, "helpful")
    sixth = [r for r in rows if r[0] == "KB-%d" % data["sixth"]]
    assert sixth and sixth[0][1:5] == ["Confusing guide", "6", "1", "5"]
    rows = csv_of(srv, admin, "agents")
    vpn = [r for r in rows if r[0] == "KB-%d" % data["vpn"]][0]
    assert vpn[4:6] == ["2", "1"]
    rows = csv_of(srv, admin, "summary", table="totals")
    figures = dict(rows[1:])
    assert int(figures["searches"]) >= 4
    rows = csv_of(srv, admin, "summary", table="least_helpful")
    assert [r[0] for r in rows[1:]] == ["KB-%d" % data["sixth"]]
    # Accept: text/csv asks for the same thing.
    r = admin.get(srv.url("/api/v1/analytics/views"), headers={"Accept": "text/csv"}, timeout=30)
    assert r.headers["Content-Type"].startswith("text/csv") and r.text.startswith("ref,title,")


def test_csv_neutralises_a_customers_formula(srv, admin, data):
    norm = INJECTION.lower()
    for route, col, cell in (("top-queries", 0, norm), ("no-results", 0, norm),
                             ("gaps", 6, norm + " (1)")):
        rows = csv_of(srv, admin, route, limit=100)
        cells = [r[col] for r in rows[1:]]
        assert "'" + cell in cells, (route, cells)
        assert not any(c.startswith(("=", "+", "-", "@")) for row in rows for c in row)
    # The gap's searches column quotes and neutralises too: parsed back whole.
    rows = csv_of(srv, admin, "gaps")
    g = [r for r in rows if r[0] == "offline printer"][0]
    assert g[6] == "printer offline (2); offline printer (1)"
    assert urllib.parse.urlsplit(g[7]).path == "/write"
