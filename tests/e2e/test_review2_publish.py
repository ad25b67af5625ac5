"""Review covers publishing too (issue 20 part 3, follow-up): with review
required, a writer cannot get unreviewed text to customers by unpublishing a
reviewed article, editing the draft and publishing it again, nor by
publishing a brand-new public article alone. Publishing a covered article
becomes a publish request that another writer approves; customers (search,
suggest, the article API and its page) see nothing of it until then."""
import os
import time

import pytest
import requests

from kbchaos import bearer, make_token
from kbtest import SAMPLES, TIME_SCALE, run_indexer
from server import KbServer, add_user

WRITER_A = ("writer-amy", "writer-password-a")
WRITER_B = ("writer-bob", "writer-password-b")
WRITER_C = ("writer-cy", "writer-password-c")
ADMIN = ("admin-ann", "admin-password-1")
FIGURES = {}
TOKENS = {}


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-review2")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    add_user(d, *WRITER_A, "writer")
    add_user(d, *WRITER_B, "writer")
    add_user(d, *WRITER_C, "writer")
    add_user(d, *ADMIN, "admin")
    TOKENS["writer"] = make_token(d, "writer", "cms-sync")
    return d


@pytest.fixture(scope="module")
def srv(kb):
    with KbServer(kb) as s:
        yield s
    took = FIGURES.pop("approve_to_searchable", [])
    if took:
        FIGURES["approve_to_searchable_worst_of_%d" % len(took)] = round(max(took), 3)
        print("\nreview2 figures (seconds): %s" % FIGURES)


@pytest.fixture(scope="module")
def amy(srv):
    return srv.login(*WRITER_A)


@pytest.fixture(scope="module")
def bob(srv):
    return srv.login(*WRITER_B)


@pytest.fixture(scope="module")
def cy(srv):
    return srv.login(*WRITER_C)


@pytest.fixture(scope="module")
def admin(srv):
    return srv.login(*ADMIN)


def set_review(srv, admin, mode, topics=None):
    body = {"mode": mode}
    if topics is not None:
        body["topics"] = topics
    r = admin.put(srv.url("/api/v1/admin/review"), json=body, timeout=30)
    assert r.status_code == 200, r.text


@pytest.fixture
def review_all(srv, admin):
    set_review(srv, admin, "all")
    yield
    set_review(srv, admin, "off")


def hits(srv, q):
    r = requests.get(srv.url("/api/v1/search"), params={"q": q}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["hits"]


def hit_numbers(srv, q):
    return [h["number"] for h in hits(srv, q)]


def suggested(srv, q):
    r = requests.get(srv.url("/api/v1/suggest"), params={"q": q}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["suggestions"]


def poll(cond, seconds=1.0):
    deadline = time.monotonic() + seconds * TIME_SCALE
    while True:
        if cond():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


def create(srv, writer, title, body, **fields):
    fields.update(title=title, body=body)
    r = writer.post(srv.url("/api/v1/articles"), json=fields, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def publish(srv, writer, ref):
    return writer.post(srv.url("/api/v1/articles/%s/publish" % ref), timeout=30)


def customer_never_sees(srv, a, word, title_word=None):
    """Nothing a customer can reach shows word (or title_word)."""
    n = a["number"]
    assert n not in hit_numbers(srv, word)
    for h in hits(srv, word):
        assert word not in (h.get("snippet") or "") + (h.get("title") or "")
    r = requests.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30)
    assert word not in r.text
    if r.status_code == 200:
        assert "in_review" not in r.json() and "review" not in r.json()
    page = requests.get(srv.url("/kb/%d" % n), timeout=30)
    assert word not in page.text
    if title_word:
        assert title_word not in page.text
        sug = suggested(srv, title_word[:6])
        assert n not in [s["number"] for s in sug]
        assert all(title_word not in (s.get("title") or "") for s in sug)


def approve_and_time(srv, approver, a, word):
    r = approver.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30)
    assert r.status_code == 200, r.text
    t0 = time.monotonic()
    assert poll(lambda: a["number"] in hit_numbers(srv, word)), "approved publish not searchable within 1 s"
    FIGURES.setdefault("approve_to_searchable", []).append(time.monotonic() - t0)
    return r.json()


# ---- the attack: unpublish, edit the draft, publish again ---------------------------


def test_unpublish_edit_republish_waits_for_another_writer(srv, amy, bob, review_all):
    for i in range(5):
        old, new = "republold%d" % i, "republnew%d" % i
        a = create(srv, amy, "Modem lights %d" % i, "%s blink green when online." % old)
        # Published before (review covers new public articles too: bob approves).
        assert publish(srv, amy, a["ref"]).status_code == 202
        bob.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30)
        assert poll(lambda: a["number"] in hit_numbers(srv, old))
        r = amy.post(srv.url("/api/v1/articles/%s/unpublish" % a["ref"]), timeout=30)
        assert r.status_code == 200, r.text
        r = amy.put(srv.url("/api/v1/articles/%s" % a["ref"]),
                    json={"body": "%s blink red when offline." % new,
                          "title": "Modem %sttl" % new}, timeout=30)
        assert r.status_code == 200, r.text  # a draft: not reviewed
        r = publish(srv, amy, a["ref"])
        assert r.status_code == 202, r.text
        j = r.json()
        assert j["in_review"] is True
        assert j["review"]["state"] == "in_review" and j["review"]["kind"] == "publish"
        assert j["status"] == "draft"
        time.sleep(0.3)
        customer_never_sees(srv, a, new, "%sttl" % new)
        # Nobody approves their own publish request.
        r = amy.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30)
        assert r.status_code == 403, r.text
        customer_never_sees(srv, a, new)
        got = approve_and_time(srv, bob, a, new)
        assert got["approved"] is True
        r = requests.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30)
        assert r.status_code == 200 and new in r.text
        assert bob.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30).json()["status"] == "published"


def test_a_new_public_article_waits_for_another_writer(srv, amy, bob, review_all):
    a = create(srv, amy, "Fibre splice brandnewttl", "brandnewword joins two fibres.")
    r = publish(srv, amy, a["ref"])
    assert r.status_code == 202, r.text
    assert r.json()["review"]["kind"] == "publish"
    time.sleep(0.3)
    customer_never_sees(srv, a, "brandnewword", "brandnewttl")
    assert amy.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30).status_code == 403
    # The queue shows it as a publish request that bob may approve.
    q = bob.get(srv.url("/api/v1/review"), timeout=30).json()
    mine = [x for x in q["articles"] if x["number"] == a["number"]]
    assert mine and mine[0]["review"]["kind"] == "publish" and mine[0]["can_approve"] is True
    approve_and_time(srv, bob, a, "brandnewword")


def test_rejecting_a_publish_request_keeps_a_draft(srv, amy, bob, review_all):
    a = create(srv, amy, "Rejected launch", "rejectpubword stays a draft.")
    assert publish(srv, amy, a["ref"]).status_code == 202
    r = bob.post(srv.url("/api/v1/articles/%s/reject" % a["ref"]), json={"note": "not yet"},
                 timeout=30)
    assert r.status_code == 200, r.text
    j = bob.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30).json()
    assert j["status"] == "draft" and j["in_review"] is False
    time.sleep(0.3)
    customer_never_sees(srv, a, "rejectpubword")


def test_whoever_edited_the_draft_cannot_approve_its_publication(srv, amy, bob, cy, review_all):
    a = create(srv, amy, "Shared draft", "shareddraftold text.")
    r = bob.put(srv.url("/api/v1/articles/%s" % a["ref"]), json={"body": "shareddraftnew text."},
                timeout=30)
    assert r.status_code == 200, r.text
    assert publish(srv, amy, a["ref"]).status_code == 202
    r = bob.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30)
    assert r.status_code == 403, r.text
    customer_never_sees(srv, a, "shareddraftnew")
    approve_and_time(srv, cy, a, "shareddraftnew")


def test_an_admin_publish_is_reviewed_too(srv, admin, amy, review_all):
    a = create(srv, admin, "Admin launch", "adminpubword is new.")
    r = publish(srv, admin, a["ref"])
    assert r.status_code == 202, r.text
    time.sleep(0.3)
    customer_never_sees(srv, a, "adminpubword")
    assert admin.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30).status_code == 403
    approve_and_time(srv, amy, a, "adminpubword")


def test_turning_a_published_internal_article_public_is_reviewed(srv, amy, bob, admin):
    a = create(srv, amy, "Internal escalation", "internalpubword goes to tier two.",
               audience="internal")
    assert publish(srv, amy, a["ref"]).status_code == 200  # internal: not reviewed
    set_review(srv, admin, "all")
    try:
        r = amy.put(srv.url("/api/v1/articles/%s" % a["ref"]), json={"audience": "public"},
                    timeout=30)
        assert r.status_code == 202, r.text
        time.sleep(0.3)
        customer_never_sees(srv, a, "internalpubword")
        approve_and_time(srv, bob, a, "internalpubword")
    finally:
        set_review(srv, admin, "off")


def test_internal_articles_and_review_off_publish_at_once(srv, amy, admin):
    a = create(srv, amy, "Off launch", "offpubword is live.")
    r = publish(srv, amy, a["ref"])
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert poll(lambda: a["number"] in hit_numbers(srv, "offpubword"))
    set_review(srv, admin, "topics", ["billing"])
    try:
        b = create(srv, amy, "Uncovered launch", "livenowpubword is live.", category="network")
        r = publish(srv, amy, b["ref"])
        assert r.status_code == 200 and r.json()["status"] == "published"
        c = create(srv, amy, "Covered launch", "launchwaitword waits.", category="billing")
        r = publish(srv, amy, c["ref"])
        assert r.status_code == 202, r.text
        time.sleep(0.3)
        customer_never_sees(srv, c, "launchwaitword")
    finally:
        set_review(srv, admin, "off")


def test_an_edit_while_a_publish_request_waits_joins_it(srv, amy, bob, cy, review_all):
    a = create(srv, amy, "Late edit", "lateeditold text.")
    assert publish(srv, amy, a["ref"]).status_code == 202
    r = bob.put(srv.url("/api/v1/articles/%s" % a["ref"]), json={"body": "lateeditnew text."},
                timeout=30)
    assert r.status_code == 200, r.text  # still a draft
    p = cy.get(srv.url("/api/v1/articles/%s/pending" % a["ref"]), timeout=30).json()
    assert "lateeditnew" in p["source"] and p["review"]["kind"] == "publish"
    assert any(x["op"] == "+" and "lateeditnew" in x["text"] for x in p["diff"])
    # bob edited it now: he cannot approve it any more.
    assert bob.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]),
                    timeout=30).status_code == 403
    customer_never_sees(srv, a, "lateeditnew")
    approve_and_time(srv, cy, a, "lateeditnew")


def test_unpublishing_withdraws_a_waiting_change(srv, amy, bob, admin):
    a = create(srv, amy, "Withdrawn change", "withdrawold text.")
    assert publish(srv, amy, a["ref"]).status_code == 200
    set_review(srv, admin, "all")
    try:
        r = amy.put(srv.url("/api/v1/articles/%s" % a["ref"]), json={"body": "withdrawnew text."},
                    timeout=30)
        assert r.status_code == 202, r.text
        assert amy.post(srv.url("/api/v1/articles/%s/unpublish" % a["ref"]),
                        timeout=30).status_code == 200
        j = bob.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30).json()
        assert j["in_review"] is False and j["status"] == "draft"
        assert "withdrawn" in j["last_review"]["note"]
        # Nothing left that an approval could put live.
        assert bob.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]),
                        timeout=30).status_code == 404
        customer_never_sees(srv, a, "withdrawnew")
    finally:
        set_review(srv, admin, "off")


def test_an_api_token_may_ask_to_publish_but_never_approve(srv, amy, review_all):
    tok = bearer(TOKENS["writer"])
    r = tok.post(srv.url("/api/v1/articles"), json={"title": "Token launch",
                                                     "body": "tokenpubword is new."}, timeout=30)
    assert r.status_code == 201, r.text
    a = r.json()
    r = tok.post(srv.url("/api/v1/articles/%s/publish" % a["ref"]), timeout=30)
    assert r.status_code == 202, r.text
    time.sleep(0.3)
    customer_never_sees(srv, a, "tokenpubword")
    assert tok.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]),
                    timeout=30).status_code == 403
    customer_never_sees(srv, a, "tokenpubword")
    approve_and_time(srv, amy, a, "tokenpubword")
