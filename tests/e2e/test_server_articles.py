"""Articles over HTTP: reading by role, and the writers' API (create, update,
publish, unpublish, archive, list, revisions, diff, revert, preview)."""
import os
import threading
import time

import pytest
import requests

from kbtest import SAMPLES, TIME_SCALE, run_indexer
from server import KbServer, add_user

WRITER = ("writer1", "writer-password-1")
AGENT = ("agent1", "agent-password-1")
MISSING = "/api/v1/articles/KB-999999"


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-articles")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "add", os.path.join(SAMPLES, "tickets.jsonl"))
    add_user(d, *WRITER, "writer")
    add_user(d, *AGENT, "agent")
    return d


@pytest.fixture(scope="module")
def srv(kb):
    with KbServer(kb) as s:
        yield s


@pytest.fixture(scope="module")
def writer(srv):
    return srv.login(*WRITER)


@pytest.fixture(scope="module")
def agent(srv):
    return srv.login(*AGENT)


def create(srv, writer, **fields):
    fields.setdefault("body", "Some body text.")
    r = writer.post(srv.url("/api/v1/articles"), json=fields, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def call(srv, client, method, path, **kw):
    kw.setdefault("timeout", 30)
    return client.request(method, srv.url(path), **kw)


def customer_hits(srv, q):
    r = requests.get(srv.url("/api/v1/search"), params={"q": q}, timeout=30)
    assert r.status_code == 200, r.text
    return [h["number"] for h in r.json()["hits"]]


def suggestions(srv, q):
    r = requests.get(srv.url("/api/v1/suggest"), params={"q": q}, timeout=30)
    assert r.status_code == 200, r.text
    return [s["number"] for s in r.json()["suggestions"]]


def poll(cond, seconds=1.0):
    """True as soon as cond() holds, checking until seconds have passed."""
    deadline = time.monotonic() + seconds * TIME_SCALE
    while True:
        if cond():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def same_404(a, b):
    """Two responses a client cannot tell apart (the Date header aside)."""
    assert a.status_code == b.status_code == 404
    assert a.content == b.content
    ha = {k.lower(): v for k, v in a.headers.items() if k.lower() != "date"}
    hb = {k.lower(): v for k, v in b.headers.items() if k.lower() != "date"}
    assert ha == hb


def test_draft_is_invisible_to_customers(srv, writer, agent):
    art = create(srv, writer, title="Zorblax calibration guide", body="Calibrate the zorblax.",
                 category="zorblax-cat", tags=["zorblax"])
    n = art["number"]
    assert art["status"] == "draft" and art["id"] == "KB-%d" % n and art["ref"] == art["id"]
    missing = requests.get(srv.url(MISSING), timeout=30)
    for ref in (art["id"], str(n)):
        same_404(requests.get(srv.url("/api/v1/articles/" + ref), timeout=30), missing)
    # An agent does not see drafts either; a writer does, with its source.
    assert agent.get(srv.url("/api/v1/articles/%d" % n), timeout=30).status_code == 404
    w = writer.get(srv.url("/api/v1/articles/%d" % n), timeout=30).json()
    assert w["status"] == "draft" and w["source"] == "Calibrate the zorblax."
    assert w["format"] == "markdown" and w["rev"] == 1
    # Give the sync thread its second; the draft must still be nowhere.
    time.sleep(1.0)
    assert n not in customer_hits(srv, "zorblax calibration")
    assert n not in suggestions(srv, "zorbl")


def test_publish_is_searchable_within_a_second_and_unpublish_removes_it(srv, writer):
    n = create(srv, writer, title="Quuxifier firmware reset", body="Press the quuxifier button.",
               audience="public")["number"]
    r = call(srv, writer, "POST", "/api/v1/articles/%d/publish" % n)
    assert r.status_code == 200 and r.json()["status"] == "published", r.text
    assert poll(lambda: n in customer_hits(srv, "quuxifier")), "not searchable within 1 s"
    got = requests.get(srv.url("/api/v1/articles/KB-%d" % n), timeout=30)
    assert got.status_code == 200
    assert got.headers.get("Access-Control-Allow-Origin") == "*"
    a = got.json()
    assert a["title"] == "Quuxifier firmware reset" and a["number"] == n
    assert a["url"].startswith("/kb/%d-" % n) and "quuxifier" in a["url"]
    assert "<p>Press the quuxifier button.</p>" in a["html"]
    assert "source" not in a and a["audience"] == "public" and a["locale"] == "en"

    r = call(srv, writer, "POST", "/api/v1/articles/%d/unpublish" % n)
    assert r.status_code == 200 and r.json()["status"] == "draft"
    assert poll(lambda: n not in customer_hits(srv, "quuxifier")), "still found after 1 s"
    same_404(requests.get(srv.url("/api/v1/articles/%d" % n), timeout=30),
             requests.get(srv.url(MISSING), timeout=30))


def test_update_revisions_diff_and_revert(srv, writer):
    body1 = "Step one.\nStep two.\nStep three.\n"
    n = create(srv, writer, title="Frobnicator setup", body=body1, tags=["frob"])["number"]
    call(srv, writer, "POST", "/api/v1/articles/%d/publish" % n)
    body2 = "Step one.\nStep two and a half with glorptastic care.\nStep three.\n"
    r = call(srv, writer, "PUT", "/api/v1/articles/KB-%d" % n,
             json={"body": body2, "title": "Frobnicator setup guide"})
    assert r.status_code == 200, r.text
    up = r.json()
    assert up["changed"] is True and up["rev"] == 2 and up["status"] == "published"
    assert up["title"] == "Frobnicator setup guide" and up["tags"] == ["frob"]
    # The published article stays published and the index follows the edit.
    assert poll(lambda: n in customer_hits(srv, "glorptastic")), "edit not indexed within 1 s"
    # Saving the same thing again is not a new revision.
    r = call(srv, writer, "PUT", "/api/v1/articles/%d" % n, json={"body": body2})
    assert r.json()["changed"] is False and r.json()["rev"] == 2

    revs = call(srv, writer, "GET", "/api/v1/articles/%d/revisions" % n).json()
    assert revs["current_rev"] == 2 and revs["total"] == 2
    assert [v["rev"] for v in revs["revisions"]] == [2, 1]
    assert revs["revisions"][0]["author"] == "writer1"
    assert revs["revisions"][1]["title"] == "Frobnicator setup"
    one = call(srv, writer, "GET", "/api/v1/articles/%d/revisions/1" % n).json()
    assert one["source"] == body1 and one["rev"] == 1 and one["title"] == "Frobnicator setup"
    assert call(srv, writer, "GET", "/api/v1/articles/%d/revisions/9" % n).status_code == 404

    d = call(srv, writer, "GET", "/api/v1/articles/%d/diff" % n, params={"from": 1, "to": 2})
    assert d.status_code == 200, d.text
    assert d.json()["diff"] == [
        {"op": " ", "text": "Step one."},
        {"op": "-", "text": "Step two."},
        {"op": "+", "text": "Step two and a half with glorptastic care."},
        {"op": " ", "text": "Step three."},
    ]
    # Defaults: the current revision against the one before.
    assert call(srv, writer, "GET", "/api/v1/articles/%d/diff" % n).json()["diff"] == d.json()["diff"]
    assert call(srv, writer, "GET", "/api/v1/articles/%d/diff?from=1&to=7" % n).status_code == 404
    assert call(srv, writer, "GET", "/api/v1/articles/%d/diff?from=x" % n).status_code == 400

    r = call(srv, writer, "POST", "/api/v1/articles/%d/revert" % n, json={"rev": 1})
    assert r.status_code == 200, r.text
    rv = r.json()
    assert rv["rev"] == 3 and rv["source"] == body1 and rv["title"] == "Frobnicator setup"
    assert rv["status"] == "published"
    assert poll(lambda: n not in customer_hits(srv, "glorptastic")), "revert not indexed"
    assert call(srv, writer, "POST", "/api/v1/articles/%d/revert" % n,
                json={"rev": 42}).status_code == 404
    r = call(srv, writer, "POST", "/api/v1/articles/%d/revert" % n, json={"rev": "one"})
    assert r.status_code == 400 and "rev" in r.json()["error"]["message"]


def test_archive(srv, writer):
    n = create(srv, writer, title="Blimflarp retired model", body="Old blimflarp.")["number"]
    call(srv, writer, "POST", "/api/v1/articles/%d/publish" % n)
    assert poll(lambda: n in customer_hits(srv, "blimflarp"))
    r = call(srv, writer, "POST", "/api/v1/articles/%d/archive" % n)
    assert r.status_code == 200 and r.json()["status"] == "archived"
    assert poll(lambda: n not in customer_hits(srv, "blimflarp"))
    assert requests.get(srv.url("/api/v1/articles/%d" % n), timeout=30).status_code == 404
    listed = call(srv, writer, "GET", "/api/v1/articles", params={"status": "archived"}).json()
    assert n in [a["number"] for a in listed["articles"]]
    # Archiving twice is not an error and changes nothing.
    r = call(srv, writer, "POST", "/api/v1/articles/%d/archive" % n)
    assert r.status_code == 200 and r.json()["changed"] is False


def test_list_filters_and_paging(srv, writer):
    made = [
        create(srv, writer, title="Wubbalub one", category="wubba", locale="fr")["number"],
        create(srv, writer, title="Wubbalub two", category="wubba", audience="internal")["number"],
        create(srv, writer, title="Wubbalub three", category="wubba", locale="pt-BR")["number"],
    ]
    call(srv, writer, "POST", "/api/v1/articles/%d/publish" % made[1])

    def numbers(**params):
        r = call(srv, writer, "GET", "/api/v1/articles", params=params)
        assert r.status_code == 200, r.text
        return [a["number"] for a in r.json()["articles"]]

    assert sorted(numbers(category="wubba")) == sorted(made)
    assert numbers(category="wubba", locale="fr") == [made[0]]
    assert numbers(category="wubba", locale="pt-BR") == [made[2]]
    assert numbers(category="wubba", audience="internal") == [made[1]]
    assert numbers(category="wubba", status="published") == [made[1]]
    assert sorted(numbers(category="wubba", status="draft")) == sorted([made[0], made[2]])
    assert sorted(numbers(q="wubbalub")) == sorted(made)
    assert numbers(q="WUBBALUB TWO") == [made[1]]
    assert numbers(q="KB-%d" % made[2]) == [made[2]]
    # Imported articles are listed too (writers see everything).
    assert numbers(q="firmware-update-stuck")
    page1 = call(srv, writer, "GET", "/api/v1/articles",
                 params={"q": "wubbalub", "per_page": 2}).json()
    assert page1["total"] == 3 and len(page1["articles"]) == 2 and page1["more"] is True
    page2 = call(srv, writer, "GET", "/api/v1/articles",
                 params={"q": "wubbalub", "per_page": 2, "page": 2}).json()
    assert len(page2["articles"]) == 1 and page2["more"] is False
    assert not {a["number"] for a in page1["articles"]} & {a["number"] for a in page2["articles"]}
    row = page1["articles"][0]
    for key in ("id", "number", "ref", "title", "category", "tags", "locale", "audience",
                "status", "updated", "url"):
        assert key in row
    for params, name in (({"status": "gone"}, "status"), ({"audience": "all-of-them"}, "audience"),
                         ({"per_page": 1000}, "per_page"), ({"page": "x"}, "page")):
        r = call(srv, writer, "GET", "/api/v1/articles", params=params)
        assert r.status_code == 400 and name in r.json()["error"]["message"], r.text


def test_preview_renders_markdown_and_strips_dangerous_html(srv, writer):
    md = ("| Light | Meaning |\n|---|---|\n| blue | pairing |\n\n"
          "```\nnimbusctl status\n```\n\n"
          "<script>alert(1)</script>\n\n"
          "<img src=x onerror=alert(2)>\n\n"
          "[click](javascript:alert(3)) and [ok](https://example.com/)\n")
    r = call(srv, writer, "POST", "/api/v1/preview", json={"body": md, "format": "markdown"})
    assert r.status_code == 200, r.text
    html = r.json()["html"]
    assert "<table>" in html and "<td>blue</td>" in html
    assert "<pre><code" in html and "nimbusctl status" in html
    low = html.lower()
    assert "<script" not in low and "onerror" not in low and "javascript:" not in low
    assert 'href="https://example.com/"' in html
    r = call(srv, writer, "POST", "/api/v1/preview",
             json={"body": '<p onclick="x()">Hi</p><a href="javascript:x()">a</a>',
                   "format": "html"})
    html = r.json()["html"]
    assert "<p>Hi</p>" in html and "onclick" not in html and "javascript" not in html
    # The stored article renders exactly like the preview.
    n = create(srv, writer, title="Preview parity", body=md)["number"]
    stored = call(srv, writer, "GET", "/api/v1/articles/%d" % n).json()["html"]
    prev = call(srv, writer, "POST", "/api/v1/preview", json={"body": md}).json()["html"]
    assert stored == prev
    # Previews are for writers.
    assert requests.post(srv.url("/api/v1/preview"), json={"body": "x"},
                         timeout=30).status_code == 401


def test_html_bodies_are_sanitised_before_storage(srv, writer):
    body = '<h2>Fix</h2><p>Do <b>this</b>.</p><script>steal()</script><img src="x" onerror="y()">'
    n = create(srv, writer, title="Sanitised HTML body", body=body, format="html")["number"]
    a = call(srv, writer, "GET", "/api/v1/articles/%d" % n).json()
    assert a["format"] == "html"
    for field in ("source", "html"):
        assert "<b>this</b>" in a[field]
        assert "script" not in a[field] and "onerror" not in a[field]
    rev = call(srv, writer, "GET", "/api/v1/articles/%d/revisions/1" % n).json()
    assert "script" not in rev["source"]


BAD = [
    ({"body": "no title"}, "title"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": 42}, "title"),
    ({"title": "x" * 301}, "title"),
    ({"title": "ok", "body": ["not", "text"]}, "body"),
    ({"title": "ok", "format": "rtf"}, "format"),
    ({"title": "ok", "format": 1}, "format"),
    ({"title": "ok", "audience": "secret"}, "audience"),
    ({"title": "ok", "tags": "a,b"}, "tags"),
    ({"title": "ok", "tags": [1, 2]}, "tags"),
    ({"title": "ok", "tags": ["t%d" % i for i in range(51)]}, "tags"),
    ({"title": "ok", "tags": ["x" * 101]}, "tags"),
    ({"title": "ok", "tags": [""]}, "tags"),
    ({"title": "ok", "locale": "english!"}, "locale"),
    ({"title": "ok", "locale": "e"}, "locale"),
    ({"title": "ok", "category": {"a": 1}}, "category"),
    ({"title": "ok", "summary": "s" * 1001}, "summary"),
    ({"title": "ok", "colour": "red"}, "colour"),
]


@pytest.mark.parametrize("fields,name", BAD, ids=[b[1] + str(i) for i, b in enumerate(BAD)])
def test_validation_errors_name_the_field(srv, writer, fields, name):
    r = call(srv, writer, "POST", "/api/v1/articles", json=fields)
    assert r.status_code == 400, r.text
    assert "'%s'" % name in r.json()["error"]["message"], r.text


def test_update_validation_and_edge_cases(srv, writer):
    n = create(srv, writer, title="Edge cases", body="edge")["number"]
    for fields, name in (({"title": ""}, "title"), ({"tags": [None]}, "tags"),
                         ({"format": "doc"}, "format"), ({"number": 5}, "number")):
        r = call(srv, writer, "PUT", "/api/v1/articles/%d" % n, json=fields)
        assert r.status_code == 400 and name in r.json()["error"]["message"], r.text
    # A 300-character title (multi-byte characters count once) is fine.
    r = call(srv, writer, "PUT", "/api/v1/articles/%d" % n, json={"title": "é" * 300})
    assert r.status_code == 200, r.text
    # Changing only the format re-renders the same source.
    r = call(srv, writer, "PUT", "/api/v1/articles/%d" % n,
             json={"body": "**bold**", "format": "markdown"})
    assert "<strong>bold</strong>" in r.json()["html"]
    r = call(srv, writer, "PUT", "/api/v1/articles/%d" % n, json={"format": "html"})
    assert r.json()["format"] == "html" and "<strong>" not in r.json()["html"]
    # Clearing optional fields, moving locale.
    r = call(srv, writer, "PUT", "/api/v1/articles/%d" % n,
             json={"category": "c1", "summary": "s1", "tags": ["a", "b", "a"], "locale": "de"})
    a = r.json()
    assert a["category"] == "c1" and a["summary"] == "s1" and a["tags"] == ["a", "b"]
    assert a["locale"] == "de"
    r = call(srv, writer, "PUT", "/api/v1/articles/%d" % n, json={"category": "", "tags": []})
    assert r.json()["category"] is None and r.json()["tags"] == []
    assert call(srv, writer, "PUT", MISSING, json={"title": "x"}).status_code == 404
    assert call(srv, writer, "POST", MISSING + "/publish").status_code == 404
    assert call(srv, writer, "PUT", "/api/v1/articles/%d" % n, data="not json",
                headers={"Content-Type": "application/json"}).status_code == 400


def test_customers_and_agents_cannot_write(srv, agent):
    body = {"title": "Sneaky", "body": "x"}
    assert requests.post(srv.url("/api/v1/articles"), json=body, timeout=30).status_code == 401
    assert agent.post(srv.url("/api/v1/articles"), json=body, timeout=30).status_code == 403
    first = agent.get(srv.url("/api/v1/articles/articles/firmware-update-stuck"), timeout=30)
    assert first.status_code == 200
    ref = "/api/v1/articles/" + first.json()["ref"]
    for method, path in (("PUT", ref), ("POST", ref + "/unpublish"), ("POST", ref + "/archive"),
                         ("POST", ref + "/revert"), ("GET", ref + "/diff"),
                         ("GET", "/api/v1/articles"), ("GET", ref + "/revisions")):
        assert call(srv, agent, method, path, json={}).status_code == 403, path
        assert requests.request(method, srv.url(path), json={},
                                timeout=30).status_code == 401, path


def test_internal_article_readable_by_agents_only(srv, writer, agent):
    n = create(srv, writer, title="Snorkelwhip escalation runbook", body="Page the snorkelwhip team.",
               audience="internal")["number"]
    call(srv, writer, "POST", "/api/v1/articles/%d/publish" % n)
    a = agent.get(srv.url("/api/v1/articles/%d" % n), timeout=30)
    assert a.status_code == 200 and a.json()["audience"] == "internal"
    assert "source" not in a.json()
    same_404(requests.get(srv.url("/api/v1/articles/%d" % n), timeout=30),
             requests.get(srv.url(MISSING), timeout=30))

    def agent_finds():
        r = agent.get(srv.url("/api/v1/search"), params={"q": "snorkelwhip"}, timeout=30)
        return n in [h["number"] for h in r.json()["hits"]]
    assert poll(agent_finds)
    assert n not in customer_hits(srv, "snorkelwhip")
    # Moving it to public makes it a customer article without republishing.
    r = call(srv, writer, "PUT", "/api/v1/articles/%d" % n, json={"audience": "public"})
    assert r.json()["status"] == "published"
    assert poll(lambda: n in customer_hits(srv, "snorkelwhip"))
    assert requests.get(srv.url("/api/v1/articles/%d" % n), timeout=30).status_code == 200


def test_imported_articles_tickets_and_odd_refs(srv, agent):
    # A source id with slashes, as file ingest makes them.
    r = requests.get(srv.url("/api/v1/articles/articles/firmware-update-stuck"), timeout=30)
    assert r.status_code == 200 and r.json()["id"] == "articles/firmware-update-stuck"
    ref = r.json()["ref"]
    assert requests.get(srv.url("/api/v1/articles/" + ref), timeout=30).json()["id"] == \
        "articles/firmware-update-stuck"
    missing = requests.get(srv.url(MISSING), timeout=30)
    # Imported internal articles and tickets are not there for customers.
    internal = requests.get(srv.url("/api/v1/articles/articles/internal/reading-diagnostic-logs"),
                            timeout=30)
    same_404(internal, missing)
    assert agent.get(srv.url("/api/v1/articles/articles/internal/reading-diagnostic-logs"),
                     timeout=30).status_code == 200
    same_404(requests.get(srv.url("/api/v1/articles/NT-10001"), timeout=30), missing)
    for ref in ("0", "KB-", "%20", "KB-99999999999999999999999", "x" * 600):
        assert requests.get(srv.url("/api/v1/articles/" + ref), timeout=30).status_code == 404


def test_concurrent_creates_get_distinct_numbers(srv, writer):
    results, lock = [], threading.Lock()

    def work(i):
        s = srv.login(*WRITER)
        for j in range(5):
            r = s.post(srv.url("/api/v1/articles"), timeout=30,
                       json={"title": "Parallel draft %d-%d" % (i, j), "body": "p"})
            with lock:
                results.append((r.status_code, r.json().get("number"), r.json().get("id")))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [code for code, _, _ in results] == [201] * 30
    assert len({n for _, n, _ in results}) == 30
    assert all(i == "KB-%d" % n for _, n, i in results)


def test_result_cache_never_outlives_a_move_to_internal(srv, writer, agent):
    """Searches and typeahead are cached; making an article internal still
    hides it from customers as fast as without the cache."""
    n = create(srv, writer, title="Flibbertigibbet dongle pairing",
               body="Pair the flibbertigibbet dongle.", audience="public")["number"]
    call(srv, writer, "POST", "/api/v1/articles/%d/publish" % n)
    assert poll(lambda: n in customer_hits(srv, "flibbertigibbet dongle"))
    for _ in range(3):  # cached now, for both kinds of request
        assert n in customer_hits(srv, "flibbertigibbet dongle")
        assert n in suggestions(srv, "flibbertigib")
    r = call(srv, writer, "PUT", "/api/v1/articles/%d" % n, json={"audience": "internal"})
    assert r.status_code == 200, r.text
    assert poll(lambda: n not in customer_hits(srv, "flibbertigibbet dongle")), "still found"
    assert poll(lambda: n not in suggestions(srv, "flibbertigib")), "still suggested"
    # Every worker thread agrees (each has its own reader, all share the cache).
    for _ in range(10):
        assert n not in customer_hits(srv, "flibbertigibbet dongle")
        assert n not in suggestions(srv, "flibbertigib")

    def agent_finds():
        r = agent.get(srv.url("/api/v1/search"), params={"q": "flibbertigibbet dongle"}, timeout=30)
        return n in [h["number"] for h in r.json()["hits"]]
    assert poll(agent_finds)
    # The agent's (cached) answer is never handed to a customer.
    assert agent_finds() and agent_finds()
    assert n not in customer_hits(srv, "flibbertigibbet dongle")
