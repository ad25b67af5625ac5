"""Learning that never leaks (issue 12), tried from outside as a hostile
customer would, against a real kb-server on 127.0.0.1.

Searches, "solved" events, helpful votes and resolved tickets teach articles
the words people use. What staff do, and every ticket, may teach the
internal index at once; the public index learns only what customers typed,
and a word nothing public uses only once k distinct customers (visitors AND
networks; k = 3 here) used it for that article. A search_id is a capability
bound to the role and visitor that searched: naming anybody else's teaches
nothing, with the same answer.

Each attack checks what a customer can see afterwards: the search API, the
search page, typeahead, deflection, the public pages and the sitemap. The
server trusts X-Forwarded-For (--trust-proxy), so that customers can come
from distinct networks."""
import json
import sqlite3
import time
import uuid

import pytest
import requests

from kbchaos import make_token, staff_health
from kbtest import TIME_SCALE, run_indexer, sid_number
from server import KbServer, add_user

ADMIN = ("admin1", "admin-password-1")
AGENT = ("agent1", "agent-password-1")

# One article per attack, so that one attack's outcome never hides another's.
PUBLIC = {
    "charger": ("Resetting the wall charger", "Unplug the wall charger for a minute, then plug "
                "it back in and wait for the green light."),
    "agent-solved": ("Pairing the remote control", "Hold both arrow keys until the remote "
                     "blinks twice."),
    # Same title: another answer to the same question, which learns with it.
    "agent-solved-twin": ("Pairing the remote control", "Replace both batteries, then hold "
                          "the power key."),
    "agent-vote": ("Cleaning the air filter", "Slide the filter out, rinse it with water and "
                   "let it dry."),
    "agent-query": ("Updating the thermostat", "Open settings, choose update and keep the "
                    "thermostat powered."),
    "ticket-oneoff": ("Moving the router to a new room", "Pick a spot away from metal shelves "
                      "and microwaves."),
    "own-phrase": ("Charging the handheld scanner", "Dock the scanner until the bar turns "
                   "solid."),
    "k-searches": ("Replacing the drum unit", "Lift the cover, pull the drum unit out and "
                   "insert the new one."),
    "k-minus-one": ("Aligning the print head", "Run the alignment page from the maintenance "
                    "menu."),
    "one-network": ("Resetting the door sensor", "Press the pin button on the sensor for "
                    "five seconds."),
    "k-tickets": ("Calibrating the scale", "Remove everything from the platform and hold "
                  "tare."),
    "k-tickets-short": ("Fitting the wall bracket", "Use the long screws for brick walls."),
    "vocab-source": ("Water heater basics", "The thermocline inside the tank separates hot "
                     "water from cold water."),
    "vocab-target": ("Draining the boiler", "Attach a hose to the drain valve and open it "
                     "slowly."),
    "votes": ("Replacing the doorbell battery", "Twist the back plate off and swap the "
              "coin cell."),
    "forged": ("Setting the garden timer", "Turn the dial to the hour and press set."),
    "genuine": ("Mounting the solar panel", "Face it south and tighten the clamps."),
}
HIDDEN = {
    "internal": ("Bench repair of the charger board", "audience: internal",
                 "Resolder the capacitor on the charger board."),
    "draft": ("Next year's charger lineup", "status: draft", "Three new chargers ship soon."),
    "archived": ("The old charger recall", "status: archived", "Chargers from 2019 were "
                 "recalled."),
}

# (a) an agent's query full of things no customer may ever see
AGENT_EMAIL = "orla.pembrick@quillmoorhq.invalid"
AGENT_SERIAL = "SN-4X92KL7"
AGENT_CODENAME = "kestrelwing"
AGENT_QUERY = "charger swap for %s unit %s project %s" % (AGENT_EMAIL, AGENT_SERIAL,
                                                          AGENT_CODENAME)


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-learning")
    src = d / "src"
    src.mkdir()
    for stem, (title, body) in PUBLIC.items():
        (src / (stem + ".md")).write_text("---\ntitle: %s\n---\n%s\n" % (title, body))
    for stem, (title, meta, body) in HIDDEN.items():
        (src / (stem + ".md")).write_text("---\ntitle: %s\n%s\n---\n%s\n" % (title, meta, body))
    run_indexer(d, "add", str(src))
    add_user(d, ADMIN[0], ADMIN[1], "admin")
    add_user(d, AGENT[0], AGENT[1], "agent")
    return d


@pytest.fixture(scope="module")
def srv(kb):
    with KbServer(kb, "--trust-proxy") as s:
        yield s


@pytest.fixture(scope="module")
def agent(srv):
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + make_token(srv.data, "agent", "learning-agent")
    return s


@pytest.fixture(scope="module")
def admin(srv):
    return srv.login(*ADMIN)


@pytest.fixture(scope="module")
def num(srv, admin):
    """Article numbers by file stem."""
    out = {}
    for stem in list(PUBLIC) + list(HIDDEN):
        r = admin.get(srv.url("/api/v1/articles/src/" + stem), timeout=30)
        assert r.status_code == 200, (stem, r.text)
        out[stem] = r.json()["number"]
    return out


_net = [0]


def customer(net=None):
    """A customer's browser: keeps the kb_visitor cookie it is given, and comes
    from a network of its own (a fresh /24 unless net is given)."""
    if net is None:
        _net[0] += 1
        net = "10.%d.%d" % (_net[0] // 250, _net[0] % 250)
    s = requests.Session()
    s.headers["X-Forwarded-For"] = net + ".7"
    return s


def api_search(srv, client, q, **params):
    r = client.get(srv.url("/api/v1/search"), params=dict(q=q, per_page=50, **params), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def event(srv, client, body):
    return client.post(srv.url("/api/v1/events"), json=body, timeout=30)


def vote(srv, client, n, body):
    return client.post(srv.url("/api/v1/articles/%d/feedback" % n), json=body, timeout=30)


def numbers(result):
    return [h["number"] for h in result["hits"] if h["kind"] == "article"]


def settle(srv):
    """Waits until every change made so far is indexed, and a little more
    (readers reopen), so that a word that was not learned by now never was."""
    deadline = time.time() + 20
    while staff_health(srv).json()["pending"] != 0:
        assert time.time() < deadline, "the index never caught up"
        time.sleep(0.05)
    time.sleep(1.0)


# The bound is 5 s for the release build, which make test runs; the
# sanitizer build gets TIME_SCALE times as long (kbtest.py).
SLOWER = TIME_SCALE


def eventually(fn, timeout=5.0):
    deadline = time.time() + timeout * SLOWER
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.1)


def customer_finds(srv, word, n):
    """Whether a customer finds article n by word anywhere: the search API,
    the search page, typeahead or deflection."""
    c = customer()
    if n in numbers(api_search(srv, c, word)):
        return "search API"
    page = c.get(srv.url("/search"), params={"q": word}, timeout=30).text
    if 'data-article="%d"' % n in page:
        return "search page"
    s = c.get(srv.url("/api/v1/suggest"), params={"q": word}, timeout=30).json()
    if n in [x["number"] for x in s["suggestions"]]:
        return "suggest"
    d = c.post(srv.url("/api/v1/deflect"), json={"subject": word}, timeout=30).json()
    if n in [a["number"] for a in d["articles"]]:
        return "deflect"
    return None


def assert_nothing_public(srv, words, num):
    """No customer finds anything by these words, on any path, and no public
    page or the sitemap shows them."""
    c = customer()
    for w in words:
        r = api_search(srv, c, w)
        # Hits for a spelling correction ("fjell" -> "cell") are no leak: they
        # answer other words, which the customer is shown.
        if r["corrected"] is None:
            assert r["hits"] == [] and r["total"] == 0, (w, r["hits"])
            page = c.get(srv.url("/search"), params={"q": w}, timeout=30).text
            assert 'class="results"' not in page and 'data-article="' not in page, w
        else:
            assert w.lower() not in r["corrected"].lower(), (w, r["corrected"])
            plain = api_search(srv, c, r["corrected"])
            assert numbers(plain)[:len(numbers(r))] == numbers(r), (w, r["corrected"])
        s = c.get(srv.url("/api/v1/suggest"), params={"q": w}, timeout=30).json()
        assert s["suggestions"] == [], (w, s)
        d = c.post(srv.url("/api/v1/deflect"), json={"subject": w}, timeout=30).json()
        assert d["articles"] == [], (w, d)
    pages = [c.get(srv.url(p), timeout=30).text for p in ("/", "/sitemap.xml")]
    pages += [c.get(srv.url("/kb/%d" % num[stem]), timeout=30).text for stem in PUBLIC]
    pages += [c.get(srv.url("/api/v1/articles/%d" % num[stem]), timeout=30).text
              for stem in PUBLIC]
    for w in words:
        for text in pages:
            assert w.lower() not in text.lower(), w


def analytics(admin, srv, path="summary", **params):
    now = int(time.time())
    p = {"from": now - 3600, "to": now + 3600, "limit": 1000}
    p.update(params)
    r = admin.get(srv.url("/api/v1/analytics/" + path), params=p, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


# ---- visitors ------------------------------------------------------------------

def test_a_customer_is_given_a_signed_visitor_id_once(srv, agent):
    c = customer()
    r = c.get(srv.url("/api/v1/search"), params={"q": "charger"}, timeout=30)
    v = r.headers.get("X-KB-Visitor")
    assert v and c.cookies.get("kb_visitor") == v
    cookie = r.headers["Set-Cookie"]
    for part in ("Path=/", "Max-Age=31536000", "HttpOnly", "SameSite=Lax"):
        assert part in cookie, cookie
    assert "Access-Control-Expose-Headers" in r.headers
    assert "X-KB-Visitor" in r.headers["Access-Control-Expose-Headers"]
    # Sent back (cookie or header), it is kept: no new one.
    r = c.get(srv.url("/api/v1/search"), params={"q": "charger"}, timeout=30)
    assert "X-KB-Visitor" not in r.headers and "Set-Cookie" not in r.headers
    r = requests.get(srv.url("/api/v1/search"), params={"q": "charger"},
                     headers={"X-KB-Visitor": v}, timeout=30)
    assert "X-KB-Visitor" not in r.headers
    # One the server did not sign is not believed: a new one is issued.
    for fake in ("v1.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA", v[:-2] + "xx", "visitor-1"):
        r = requests.get(srv.url("/api/v1/search"), params={"q": "charger"},
                         headers={"X-KB-Visitor": fake}, timeout=30)
        assert r.headers.get("X-KB-Visitor") not in (None, fake, v), fake
    # Staff have accounts: no visitor id for them.
    r = agent.get(srv.url("/api/v1/search"), params={"q": "charger"}, timeout=30)
    assert "X-KB-Visitor" not in r.headers and "Set-Cookie" not in r.headers
    # The widget may send it from other origins.
    r = requests.options(srv.url("/api/v1/events"), timeout=30, headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-kb-visitor"})
    assert "X-KB-Visitor" in r.headers["Access-Control-Allow-Headers"]


def test_search_ids_are_opaque_and_bound(srv, agent):
    c = customer()
    a = api_search(srv, c, "charger")["search_id"]
    b = api_search(srv, c, "charger")["search_id"]
    assert isinstance(a, str) and isinstance(b, str) and a != b
    # Nothing in them counts searches: consecutive ids share no prefix to speak of.
    assert not a[:8] == b[:8]
    assert sid_number(srv.data, b)[0] > sid_number(srv.data, a)[0]
    d = c.post(srv.url("/api/v1/deflect"), json={"subject": "charger light"}, timeout=30).json()
    assert isinstance(d["search_id"], str)
    page = c.get(srv.url("/search"), params={"q": "charger"}, timeout=30).text
    assert 'data-search-id="' in page
    # A blank search is not logged: no id.
    r = c.get(srv.url("/api/v1/search"), params={"category": "none"}, timeout=30)
    assert r.status_code == 200 and r.json()["search_id"] is None


# ---- (a) a customer naming an agent's search ------------------------------------

def test_customers_cannot_copy_an_agents_search_into_the_public_index(srv, agent, num):
    n = num["charger"]
    sid = api_search(srv, agent, AGENT_QUERY)["search_id"]
    # Three customers from three networks, each with the agent's search id and
    # no query of their own: "solved" events and helpful votes.
    answers = set()
    for _ in range(3):
        c = customer()
        api_search(srv, c, "charger")  # a visitor of its own
        r = event(srv, c, {"type": "solved", "article": n, "search_id": sid})
        answers.add((r.status_code, r.text))
        r = event(srv, c, {"type": "solved", "article": "KB-%d" % n, "search_id": sid})
        answers.add((r.status_code, r.text))
        r = vote(srv, c, n, {"helpful": True, "search_id": sid})
        assert r.status_code == 200, r.text
    assert answers == {(202, '{"ok":true}')}
    settle(srv)
    assert_nothing_public(srv, [AGENT_EMAIL, AGENT_SERIAL, AGENT_CODENAME], num)


# ---- (b) an agent's own events ------------------------------------------------------

def test_an_agents_events_teach_agents_at_once_and_customers_never(srv, agent, num):
    words = {"agent-solved": "brindlequay", "agent-vote": "marrowfen",
             "agent-query": "tallowmere"}
    sid = api_search(srv, agent, "remote %s won't pair" % words["agent-solved"])["search_id"]
    r = event(srv, agent, {"type": "solved", "article": num["agent-solved"], "search_id": sid})
    assert r.status_code == 202, r.text
    sid = api_search(srv, agent, "filter %s smells" % words["agent-vote"])["search_id"]
    r = vote(srv, agent, num["agent-vote"], {"helpful": True, "search_id": sid})
    assert r.status_code == 200, r.text
    r = event(srv, agent, {"type": "solved", "article": num["agent-query"],
                           "query": "thermostat %s firmware" % words["agent-query"]})
    assert r.status_code == 202, r.text
    # The internal index learns from one agent, within 5 s (the same-title
    # twin too); customers find neither, by any path.
    for stem, w in list(words.items()) + [("agent-solved-twin", words["agent-solved"])]:
        assert eventually(lambda: num[stem] in numbers(api_search(srv, agent, w, kind="article"))), \
            "agents do not find %s by %r" % (stem, w)
    settle(srv)
    for stem, w in list(words.items()) + [("agent-solved-twin", words["agent-solved"])]:
        assert customer_finds(srv, w, num[stem]) is None, (stem, w)
    assert_nothing_public(srv, list(words.values()), num)


# ---- (c) ticket subjects ------------------------------------------------------------

def import_tickets(srv, agent, tickets):
    r = agent.post(srv.url("/api/v1/tickets"), data="\n".join(json.dumps(t) for t in tickets),
                   timeout=60)
    assert r.status_code == 200 and r.json()["added"] == len(tickets), r.text


def ticket(n, subject, customer_name):
    return {"id": "LT-" + uuid.uuid4().hex[:10], "subject": subject,
            "description": "See subject.", "resolution": "Walked them through the article.",
            "customer": customer_name, "resolved": "2025-03-01T10:00:00Z",
            "linked_article": "KB-%d" % n}


def test_a_ticket_subject_teaches_agents_and_never_customers(srv, agent, num):
    n, word = num["ticket-oneoff"], "gorsewick"
    import_tickets(srv, agent, [ticket(n, "Gorsewick Ltd router moved to the loft",
                                       "Hesketh Varn")])
    assert eventually(lambda: n in numbers(api_search(srv, agent, word, kind="article"))), \
        "agents do not find the linked article by the ticket's subject"
    settle(srv)
    assert customer_finds(srv, word, n) is None
    assert_nothing_public(srv, [word, "Hesketh", "Hesketh Varn"], num)


# ---- (d) one customer's own phrase ---------------------------------------------------

def test_one_customers_own_one_off_phrase_stays_private(srv, num):
    n, word = num["own-phrase"], "spindlecress"
    c = customer()
    sid = api_search(srv, c, "scanner %s dock" % word)["search_id"]
    assert event(srv, c, {"type": "solved", "article": n, "search_id": sid}).status_code == 202
    assert vote(srv, c, n, {"helpful": True, "search_id": sid}).status_code == 200
    # ...nor with the phrase sent inside an event.
    c2 = customer()
    r = event(srv, c2, {"type": "solved", "article": n, "query": "%s scanner" % word})
    assert r.status_code == 202
    settle(srv)
    assert customer_finds(srv, word, n) is None
    assert_nothing_public(srv, [word], num)


# ---- (e) learning still works: k customers ----------------------------------------------

def customers_solve(srv, n, word, count, net=None):
    for _ in range(count):
        c = customer(net)
        sid = api_search(srv, c, word)["search_id"]
        r = event(srv, c, {"type": "solved", "article": n, "search_id": sid})
        assert r.status_code == 202, r.text


def test_k_distinct_customers_teach_the_public_index(srv, num):
    n = num["k-searches"]
    customers_solve(srv, n, "wrenthistle", 2)
    settle(srv)
    assert customer_finds(srv, "wrenthistle", n) is None  # k - 1: not yet
    customers_solve(srv, n, "wrenthistle", 1)
    assert eventually(lambda: customer_finds(srv, "wrenthistle", n) == "search API"), \
        "the k-th customer did not teach the public index within 5 s"
    # Every customer path finds it now (each server thread reopens the index
    # when told of the commit, or within a second: allow that second).
    c = customer()
    assert eventually(lambda: 'data-article="%d"' % n in c.get(
        srv.url("/search"), params={"q": "wrenthistle"}, timeout=30).text, timeout=2)
    assert eventually(lambda: n in [a["number"] for a in c.post(
        srv.url("/api/v1/deflect"), json={"subject": "wrenthistle"}, timeout=30).json()["articles"]],
        timeout=2)


def test_k_minus_one_customers_teach_nothing_public(srv, agent, num):
    n = num["k-minus-one"]
    customers_solve(srv, n, "dovecrag", 2)
    settle(srv)
    assert customer_finds(srv, "dovecrag", n) is None
    assert_nothing_public(srv, ["dovecrag"], num)


def test_one_client_inventing_visitors_cannot_pass_the_gate(srv, num):
    # Three visitor ids (cookies), one network.
    n = num["one-network"]
    customers_solve(srv, n, "fernhollow", 3, net="198.51.100")
    settle(srv)
    assert customer_finds(srv, "fernhollow", n) is None
    assert_nothing_public(srv, ["fernhollow"], num)


def test_k_distinct_ticket_customers_teach_the_public_index(srv, agent, num):
    n, short = num["k-tickets"], num["k-tickets-short"]
    import_tickets(srv, agent, [ticket(short, "Saltmarrow bracket wobbles", who)
                                for who in ("Ada Quill", "Bram Stoke")])
    import_tickets(srv, agent, [ticket(n, "Quillaback scale reads wrong", who)
                                for who in ("Cora Lind", "Dov Marsh")])
    settle(srv)
    assert customer_finds(srv, "quillaback", n) is None
    import_tickets(srv, agent, [ticket(n, "Quillaback scale drifts", "Edda Fjell")])
    assert eventually(lambda: customer_finds(srv, "quillaback", n) == "search API"), \
        "the k-th ticket customer did not teach the public index within 5 s"
    # Two tickets of one customer count once; k - 1 customers teach nothing public.
    import_tickets(srv, agent, [ticket(short, "Saltmarrow bracket again", "Ada Quill")])
    settle(srv)
    assert customer_finds(srv, "saltmarrow", short) is None
    assert_nothing_public(srv, ["saltmarrow"], num)
    # The customers' names never reach customers.
    assert_nothing_public(srv, ["Fjell", "Cora Lind"], num)


def test_a_word_public_content_uses_is_taught_by_one_customer(srv, num):
    n = num["vocab-target"]
    before = numbers(api_search(srv, customer(), "thermocline"))
    assert num["vocab-source"] in before and n not in before
    customers_solve(srv, n, "thermocline", 1)
    assert eventually(lambda: n in numbers(api_search(srv, customer(), "thermocline"))), \
        "one customer did not teach a word public content already uses within 5 s"


# ---- (f) vote stuffing ---------------------------------------------------------------------

def helpful_count(admin, srv, n):
    r = analytics(admin, srv, "helpful", min_votes=1)
    return sum(a["helpful"] for a in r["most_helpful"] if a["number"] == n)


def test_five_identical_votes_count_once(srv, admin, num):
    n = num["votes"]
    before = helpful_count(admin, srv, n)
    c = customer()
    api_search(srv, c, "doorbell battery")
    answers = {(r.status_code, r.text) for r in [vote(srv, c, n, {"helpful": True})
                                                  for _ in range(5)]}
    assert answers == {(200, '{"ok":true}')}  # the same answer each time
    assert helpful_count(admin, srv, n) == before + 1
    # The widget's header is the same visitor as the cookie.
    v = c.cookies.get("kb_visitor")
    w = requests.Session()
    w.headers.update({"X-KB-Visitor": v, "X-Forwarded-For": c.headers["X-Forwarded-For"]})
    for _ in range(5):
        assert vote(srv, w, n, {"helpful": True}).status_code == 200
    assert helpful_count(admin, srv, n) == before + 1
    # "solved" too: once per visitor, article and day.
    s0 = analytics(admin, srv)["deflection"]["solved"]
    for _ in range(5):
        assert event(srv, c, {"type": "solved", "article": n}).status_code == 202
    assert analytics(admin, srv)["deflection"]["solved"] == s0 + 1


# ---- (g) hidden article numbers ------------------------------------------------------------

def test_events_on_hidden_articles_get_the_404_of_a_missing_one_and_count_nowhere(
        srv, admin, num):
    c = customer()
    before = analytics(admin, srv)
    missing = {t: event(srv, c, {"type": t, "article": 99999}) for t in ("click", "view",
                                                                          "solved")}
    for t, r in missing.items():
        assert r.status_code == 404, (t, r.text)
    missing_vote = vote(srv, c, 99999, {"helpful": True})
    assert missing_vote.status_code == 404
    for stem in HIDDEN:
        n = num[stem]
        for t in ("click", "view", "solved"):
            for ref in (n, "KB-%d" % n):
                r = event(srv, c, {"type": t, "article": ref, "query": "charger"})
                assert (r.status_code, r.text, r.headers["Content-Type"]) == \
                    (404, missing[t].text, missing[t].headers["Content-Type"]), (stem, t)
        r = vote(srv, c, n, {"helpful": True})
        assert (r.status_code, r.text) == (404, missing_vote.text), stem
    after = analytics(admin, srv)
    assert after["click_through"]["clicks"] == before["click_through"]["clicks"]
    assert after["views"] == before["views"]
    assert after["deflection"]["solved"] == before["deflection"]["solved"]
    assert after["feedback"]["helpful"] == before["feedback"]["helpful"]
    hidden = {num[s] for s in HIDDEN} | {99999}
    assert not hidden & {a["number"] for a in after["top_clicked"]}


# ---- (h) /healthz ------------------------------------------------------------------------------

def test_healthz_shows_counters_to_staff_only(srv, agent):
    r = requests.get(srv.url("/healthz"), timeout=30)
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    for w in ("changes_written", "changes_indexed", "pending", "uptime"):
        assert w not in r.text
    h = agent.get(srv.url("/healthz"), timeout=30).json()
    assert h["status"] == "ok"
    assert {"changes_written", "changes_indexed", "pending", "uptime_seconds"} <= set(h)


# ---- (i) forged search ids ---------------------------------------------------------------------

def altered(sid):
    i = len(sid) // 2
    return sid[:i] + ("A" if sid[i] != "A" else "B") + sid[i + 1:]


def test_forged_search_ids_are_recorded_and_teach_nothing(srv, agent, admin, num):
    forged_n, genuine_n = num["forged"], num["genuine"]
    before = analytics(admin, srv)["deflection"]["solved"]
    bad = altered(api_search(srv, agent, "garden timer brackenlow")["search_id"])
    good = api_search(srv, agent, "solar panel heathergill")["search_id"]
    r1 = event(srv, agent, {"type": "solved", "article": forged_n, "search_id": bad})
    r2 = event(srv, agent, {"type": "solved", "article": genuine_n, "search_id": good})
    assert (r1.status_code, r1.text) == (r2.status_code, r2.text) == (202, '{"ok":true}')
    # Both are recorded...
    assert analytics(admin, srv)["deflection"]["solved"] == before + 2
    # ...only the genuine one teaches (the agents' index, at once).
    assert eventually(lambda: genuine_n in numbers(api_search(srv, agent, "heathergill",
                                                              kind="article")))
    settle(srv)
    assert forged_n not in numbers(api_search(srv, agent, "brackenlow", kind="article"))
    # A customer's forged and genuine ids get one answer too.
    c = customer()
    sid = api_search(srv, c, "garden timer")["search_id"]
    answers = {(r.status_code, r.text) for r in (
        event(srv, c, {"type": "click", "article": forged_n, "search_id": sid}),
        event(srv, c, {"type": "click", "article": forged_n, "search_id": altered(sid)}),
        event(srv, c, {"type": "click", "article": forged_n, "search_id": sid[::-1]}),
        event(srv, c, {"type": "click", "article": forged_n, "search_id": "x" * 70}))}
    assert answers == {(202, '{"ok":true}')}
    r = event(srv, c, {"type": "click", "article": forged_n, "search_id": 12})
    assert r.status_code == 400
    assert "search_id must be the string a search returned" in r.json()["error"]["message"]


# ---- the per-visitor event limit ---------------------------------------------------------------

def public_number(kb, stem):
    con = sqlite3.connect(str(kb / "kb.sqlite3"), timeout=10)
    try:
        return con.execute("SELECT number FROM articles WHERE source_id = ?",
                           ("src/" + stem,)).fetchone()[0]
    finally:
        con.close()


def test_events_are_limited_per_visitor(kb):
    n = public_number(kb, "charger")
    with KbServer(kb, "--event-rate", "4", "--trust-proxy") as s:
        c = customer()
        c.get(s.url("/api/v1/search"), params={"q": "charger"}, timeout=30)
        codes = [event(s, c, {"type": "view", "article": n}).status_code for _ in range(6)]
        assert codes[:4] == [202] * 4 and codes[4:] == [429, 429], codes
        r = vote(s, c, n, {"helpful": True})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.json()["error"]["code"] == "rate_limited"
        # Another visitor is not held back.
        assert event(s, customer(), {"type": "view", "article": n}).status_code == 202
    with KbServer(kb, "--event-rate", "0") as s:
        c = requests.Session()
        codes = {event(s, c, {"type": "view", "article": n}).status_code for _ in range(70)}
        assert codes == {202}
