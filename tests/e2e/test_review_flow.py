"""Review before customers see a change (issue 20 part 3): off by default (a
published edit is live within a second, as before); with review required
(for all public articles, or per topic) an edit waits as a pending revision
that customers never see, in search, snippets, suggestions, the article API
or its page, until another writer approves it; nobody approves their own
change; rejection; owners and verify-by dates."""
import os
import time

import pytest
import requests

from kbtest import SAMPLES, TIME_SCALE, run_indexer
from server import KbServer, add_user

WRITER_A = ("writer-anna", "writer-password-a")
WRITER_B = ("writer-ben", "writer-password-b")
AGENT = ("agent-ada", "agent-password-1")
ADMIN = ("admin-al", "admin-password-1")
FIGURES = {}


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-review")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    add_user(d, *WRITER_A, "writer")
    add_user(d, *WRITER_B, "writer")
    add_user(d, *AGENT, "agent")
    add_user(d, *ADMIN, "admin")
    return d


@pytest.fixture(scope="module")
def srv(kb):
    with KbServer(kb) as s:
        yield s
    if FIGURES:
        pub = FIGURES.pop("publish_to_searchable", [])
        if pub:
            FIGURES["publish_to_searchable_worst_of_%d" % len(pub)] = round(max(pub), 3)
        print("\nreview figures (seconds): %s" % FIGURES)


@pytest.fixture(scope="module")
def anna(srv):
    return srv.login(*WRITER_A)


@pytest.fixture(scope="module")
def ben(srv):
    return srv.login(*WRITER_B)


@pytest.fixture(scope="module")
def agent(srv):
    return srv.login(*AGENT)


@pytest.fixture(scope="module")
def admin(srv):
    return srv.login(*ADMIN)


def set_review(srv, admin, mode, topics=None):
    body = {"mode": mode}
    if topics is not None:
        body["topics"] = topics
    r = admin.put(srv.url("/api/v1/admin/review"), json=body, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def review_off(srv, admin):
    yield
    set_review(srv, admin, "off")


def customer_hits(srv, q):
    r = requests.get(srv.url("/api/v1/search"), params={"q": q}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["hits"]


def hit_numbers(srv, q):
    return [h["number"] for h in customer_hits(srv, q)]


def suggestions(srv, q):
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


def timed(cond, seconds=1.0):
    """Seconds until cond() held, or None when it did not within seconds."""
    t0 = time.monotonic()
    return time.monotonic() - t0 if poll(cond, seconds) else None


def published(srv, writer, title, body, **fields):
    fields.update(title=title, body=body)
    r = writer.post(srv.url("/api/v1/articles"), json=fields, timeout=30)
    assert r.status_code == 201, r.text
    ref = r.json()["ref"]
    r = writer.post(srv.url("/api/v1/articles/%s/publish" % ref), timeout=30)
    assert r.status_code == 200, r.text
    a = r.json()
    word = body.split()[0]
    if fields.get("audience") != "internal":
        took = timed(lambda: a["number"] in hit_numbers(srv, word))
        assert took is not None, "publish not searchable within 1 s"
        FIGURES.setdefault("publish_to_searchable", []).append(took)
    return a


def edit(srv, writer, ref, **fields):
    return writer.put(srv.url("/api/v1/articles/%s" % ref), json=fields, timeout=30)


def customer_sees_only_old(srv, a, old_word, new_word, new_title_word=None):
    """Everything a customer can reach shows the live text, nothing of the change."""
    n = a["number"]
    assert n in hit_numbers(srv, old_word)
    assert n not in hit_numbers(srv, new_word)
    for h in customer_hits(srv, old_word):
        assert new_word not in (h.get("snippet") or "") + (h.get("title") or "")
    r = requests.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30)
    assert r.status_code == 200
    assert new_word not in r.text and old_word in r.text
    assert "in_review" not in r.json() and "review" not in r.json()
    page = requests.get(srv.url(a["url"]), timeout=30)
    assert page.status_code == 200
    assert old_word in page.text and new_word not in page.text
    if new_title_word:
        assert new_title_word not in page.text
        sug = suggestions(srv, new_title_word[:6])
        assert n not in [s["number"] for s in sug]
        assert all(new_title_word not in (s.get("title") or "") for s in sug)


# ---- review off: today's behaviour ------------------------------------------------


def test_review_is_off_by_default_and_an_edit_is_searchable_within_a_second(srv, anna, admin):
    assert admin.get(srv.url("/api/v1/admin/review"), timeout=30).json() == {
        "mode": "off", "topics": []}
    worst = 0.0
    for i in range(5):
        a = published(srv, anna, "Printer jam %d" % i, "paperjamold%d clears from tray two." % i)
        new = "paperjamnew%d" % i
        r = edit(srv, anna, a["ref"], body="%s clears from the back door." % new)
        assert r.status_code == 200, r.text
        assert r.json()["changed"] is True and r.json()["in_review"] is False
        took = timed(lambda: a["number"] in hit_numbers(srv, new))
        assert took is not None, "edit not searchable within 1 s with review off"
        worst = max(worst, took)
    FIGURES["edit_to_searchable_review_off"] = round(worst, 3)


# ---- review on: customers see the old text ------------------------------------------


def test_review_all_keeps_the_change_from_customers_until_another_writer_approves(
        srv, anna, ben, agent, admin, review_off):
    a = published(srv, anna, "Voicemail setup", "voicemailold greets callers after five rings.")
    set_review(srv, admin, "all")
    # Changing only the owner or verify-by date is not a change customers see.
    r = edit(srv, anna, a["ref"], verify_by="2030-01-01")
    assert r.status_code == 200, r.text
    assert r.json()["in_review"] is False and r.json()["verify_by"] == "2030-01-01"
    r = edit(srv, anna, a["ref"], title="Voicemail quasarflux setup",
             body="voicemailnew greets callers after three rings.")
    assert r.status_code == 202, r.text
    j = r.json()
    assert j["in_review"] is True and j["changed"] is False
    assert j["review"]["state"] == "in_review" and j["review"]["author"] == WRITER_A[0]
    assert j["status"] == "published"
    time.sleep(1.5)  # long past when an edit would have been indexed
    customer_sees_only_old(srv, a, "voicemailold", "voicemailnew", "quasarflux")
    # Agents see the live content too, marked as in review.
    g = agent.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30).json()
    assert g["in_review"] is True and "voicemailold" in g["html"]
    assert "voicemailnew" not in str(g)
    # ... in the console's search and assist too; customers' hits never say.
    hits = agent.get(srv.url("/api/v1/search"), params={"q": "voicemailold"}, timeout=30).json()
    assert [h["in_review"] for h in hits["hits"] if h["number"] == a["number"]] == [True]
    assert all(h["in_review"] is False for h in hits["hits"] if h["number"] != a["number"])
    arts = agent.post(srv.url("/api/v1/assist"), json={"description": "voicemailold rings"},
                      timeout=30).json()["articles"]
    assert [h["in_review"] for h in arts if h["number"] == a["number"]] == [True]
    assert all("in_review" not in h for h in customer_hits(srv, "voicemailold"))
    # ... and in the typeahead (a staff member on the help center); a customer's never says.
    sug = agent.get(srv.url("/api/v1/suggest"), params={"q": "voicemail"}, timeout=30).json()
    assert [h["in_review"] for h in sug["suggestions"] if h["number"] == a["number"]] == [True]
    sug = requests.get(srv.url("/api/v1/suggest"), params={"q": "voicemail"}, timeout=30).json()
    assert sug["suggestions"] and all("in_review" not in h for h in sug["suggestions"])
    # Writers see the live article, the change and its diff.
    g = ben.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30).json()
    assert "voicemailold" in g["source"] and g["review"]["author"] == WRITER_A[0]
    lst = ben.get(srv.url("/api/v1/review"), timeout=30).json()
    mine = [x for x in lst["articles"] if x["ref"] == a["ref"]]
    assert mine and mine[0]["can_approve"] is True
    assert [x for x in anna.get(srv.url("/api/v1/review"), timeout=30).json()["articles"]
            if x["ref"] == a["ref"]][0]["can_approve"] is False
    listed = ben.get(srv.url("/api/v1/articles"), params={"in_review": 1}, timeout=30).json()
    assert a["ref"] in [x["ref"] for x in listed["articles"]]
    p = ben.get(srv.url("/api/v1/articles/%s/pending" % a["ref"]), timeout=30).json()
    assert {"op": "+", "text": "voicemailnew greets callers after three rings."} in p["diff"]
    assert {"op": "-", "text": "voicemailold greets callers after five rings."} in p["diff"]
    # Nobody approves their own change.
    r = anna.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30)
    assert r.status_code == 403, r.text
    assert "another writer" in r.json()["error"]["message"]
    time.sleep(1.2)
    customer_sees_only_old(srv, a, "voicemailold", "voicemailnew", "quasarflux")
    # Another writer approves: live and searchable within a second.
    r = ben.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["approved"] is True
    assert poll(lambda: a["number"] in hit_numbers(srv, "voicemailnew")), "approved, not found"
    assert poll(lambda: a["number"] not in hit_numbers(srv, "voicemailold"))
    page = requests.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30).json()
    assert "voicemailnew" in page["html"] and "quasarflux" in page["title"]
    revs = ben.get(srv.url("/api/v1/articles/%s/revisions" % a["ref"]), timeout=30).json()
    assert revs["revisions"][0]["author"] == WRITER_A[0]
    assert ben.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]),
                    timeout=30).status_code == 404


def test_approve_to_searchable_worst_of_five(srv, anna, ben, admin, review_off):
    # Published before review is on (a covered publish is itself reviewed).
    arts = [published(srv, anna, "Fax line %d" % i, "faxold%d needs a dial tone." % i)
            for i in range(5)]
    set_review(srv, admin, "all")
    worst = 0.0
    for i, a in enumerate(arts):
        new = "faxnew%d" % i
        assert edit(srv, anna, a["ref"], body="%s needs a dial tone." % new).status_code == 202
        assert a["number"] not in hit_numbers(srv, new)
        r = ben.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30)
        assert r.status_code == 200, r.text
        took = timed(lambda: a["number"] in hit_numbers(srv, new))
        assert took is not None, "approved change not searchable within 1 s"
        worst = max(worst, took)
    FIGURES["approve_to_searchable_review_on"] = round(worst, 3)


def test_a_second_save_replaces_the_change_and_both_editors_may_not_approve(
        srv, anna, ben, admin, review_off):
    a = published(srv, anna, "Roaming charges", "roamingold applies abroad.")
    set_review(srv, admin, "all")
    assert edit(srv, anna, a["ref"], body="roamingfirst applies abroad.").status_code == 202
    r = edit(srv, ben, a["ref"], body="roamingsecond applies abroad.")
    assert r.status_code == 202 and r.json()["replaced"] is True
    assert r.json()["review"]["author"] == WRITER_B[0]
    assert r.json()["review"]["editors"] == [WRITER_A[0], WRITER_B[0]]
    for who in (anna, ben):
        assert who.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]),
                        timeout=30).status_code == 403
    r = admin.post(srv.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30)
    assert r.status_code == 200, r.text
    assert poll(lambda: a["number"] in hit_numbers(srv, "roamingsecond"))
    assert a["number"] not in hit_numbers(srv, "roamingfirst")


def test_reject_drops_the_change_with_a_note(srv, anna, ben, admin, review_off):
    a = published(srv, anna, "Call forwarding", "forwardold sends calls on.")
    set_review(srv, admin, "all")
    assert edit(srv, anna, a["ref"], body="forwardnew sends calls on.").status_code == 202
    r = ben.post(srv.url("/api/v1/articles/%s/reject" % a["ref"]), json={"note": "Wrong code"},
                 timeout=30)
    assert r.status_code == 200, r.text
    g = anna.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30).json()
    assert g["review"] is None and g["in_review"] is False
    assert g["last_review"]["action"] == "rejected" and g["last_review"]["note"] == "Wrong code"
    assert "forwardold" in g["source"]
    time.sleep(1.2)
    customer_sees_only_old(srv, a, "forwardold", "forwardnew")
    assert ben.post(srv.url("/api/v1/articles/%s/reject" % a["ref"]),
                    timeout=30).status_code == 404
    # The author may withdraw their own change.
    assert edit(srv, anna, a["ref"], body="forwardagain sends calls on.").status_code == 202
    assert anna.post(srv.url("/api/v1/articles/%s/reject" % a["ref"]),
                     timeout=30).status_code == 200
    r = ben.post(srv.url("/api/v1/articles/%s/reject" % a["ref"]), json={"note": 5}, timeout=30)
    assert r.status_code in (400, 404)


def test_review_per_topic_covers_only_flagged_topics(srv, anna, ben, admin, review_off):
    flagged = published(srv, anna, "Refund policy", "refundold within thirty days.",
                        category="billing-rules")
    other = published(srv, anna, "Cable colours", "cableold are blue.", category="hardware-bits")
    set_review(srv, admin, "topics", ["billing-rules"])
    assert edit(srv, anna, flagged["ref"], body="refundnew within ten days.").status_code == 202
    r = edit(srv, anna, other["ref"], body="cablenew are green.")
    assert r.status_code == 200, r.text
    assert poll(lambda: other["number"] in hit_numbers(srv, "cablenew"))
    time.sleep(1.2)
    customer_sees_only_old(srv, flagged, "refundold", "refundnew")
    # Moving an article into a flagged topic is reviewed too.
    r = edit(srv, anna, other["ref"], category="billing-rules", body="cablemoved are green.")
    assert r.status_code == 202, r.text
    assert ben.post(srv.url("/api/v1/articles/%s/approve" % flagged["ref"]),
                    timeout=30).status_code == 200
    assert poll(lambda: flagged["number"] in hit_numbers(srv, "refundnew"))


def test_drafts_and_internal_articles_are_not_reviewed_but_going_public_is(
        srv, anna, admin, review_off):
    set_review(srv, admin, "all")
    r = anna.post(srv.url("/api/v1/articles"), json={"title": "Draft thing", "body": "draftold"},
                  timeout=30)
    ref = r.json()["ref"]
    assert edit(srv, anna, ref, body="draftnew").status_code == 200
    internal = published(srv, anna, "Escalation path", "escalold goes to tier two.",
                         audience="internal")
    assert edit(srv, anna, internal["ref"], body="escalnew goes to tier two.").status_code == 200
    # Making it public is what customers would see: reviewed.
    r = edit(srv, anna, internal["ref"], audience="public", body="escalpublic goes to tier two.")
    assert r.status_code == 202, r.text
    time.sleep(1.2)
    assert internal["number"] not in hit_numbers(srv, "escalpublic")
    assert requests.get(srv.url("/api/v1/articles/%s" % internal["ref"]),
                        timeout=30).status_code == 404


def test_review_routes_refuse_customers_and_agents(srv, agent, anna, admin):
    a = published(srv, anna, "Hidden review", "hiddenold text.")
    for method, path in (("GET", "/api/v1/review"), ("GET", "/api/v1/admin/review"),
                         ("GET", "/api/v1/articles/%s/pending" % a["ref"]),
                         ("POST", "/api/v1/articles/%s/approve" % a["ref"]),
                         ("POST", "/api/v1/articles/%s/reject" % a["ref"])):
        assert requests.request(method, srv.url(path), timeout=30).status_code in (401, 403)
        assert agent.request(method, srv.url(path), timeout=30).status_code == 403
    assert anna.put(srv.url("/api/v1/admin/review"), json={"mode": "all"},
                    timeout=30).status_code == 403
    for body, field in (({"mode": "sometimes"}, "mode"), ({"mode": "topics"}, "topics"),
                        ({"mode": "topics", "topics": [""]}, "topics"),
                        ({"mode": "all", "extra": 1}, "extra")):
        r = admin.put(srv.url("/api/v1/admin/review"), json=body, timeout=30)
        assert r.status_code == 400, r.text
        assert field in r.json()["error"]["message"]


# ---- owners and verify-by dates ---------------------------------------------------------


def test_owner_defaults_to_the_creator_and_a_past_verify_by_needs_a_check(srv, anna, ben):
    r = anna.post(srv.url("/api/v1/articles"), json={"title": "SIM swap", "body": "simswap"},
                  timeout=30)
    a = r.json()
    assert a["owner"] == WRITER_A[0] and a["verify_by"] is None and a["needs_check"] is False
    r = edit(srv, anna, a["ref"], owner=WRITER_B[0], verify_by="2001-01-31")
    assert r.status_code == 200, r.text
    g = ben.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30).json()
    assert g["owner"] == WRITER_B[0] and g["verify_by"] == "2001-01-31"
    assert g["needs_check"] is True
    lst = ben.get(srv.url("/api/v1/articles"), params={"needs_check": 1, "per_page": 200},
                  timeout=30).json()
    refs = [x["ref"] for x in lst["articles"]]
    assert a["ref"] in refs and all(x["needs_check"] for x in lst["articles"])
    edit(srv, anna, a["ref"], verify_by="2999-01-01")
    lst = ben.get(srv.url("/api/v1/articles"), params={"needs_check": 1, "per_page": 200},
                  timeout=30).json()
    assert a["ref"] not in [x["ref"] for x in lst["articles"]]
    for fields, name in (({"verify_by": "31/01/2001"}, "verify_by"),
                         ({"verify_by": "2001-02-30"}, "verify_by"),
                         ({"owner": AGENT[0]}, "owner"), ({"owner": "nobody-here"}, "owner")):
        r = edit(srv, anna, a["ref"], **fields)
        assert r.status_code == 400, r.text
        assert name in r.json()["error"]["message"]
    r = requests.get(srv.url("/api/v1/articles"), params={"needs_check": 1}, timeout=30)
    assert r.status_code in (401, 403)
