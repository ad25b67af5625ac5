"""kb-server's core: search for each role, suggest, deflect, assist, ticket
import, bad input, limits, metrics, OpenAPI, shutdown and restart."""
import json
import os
import signal
import socket
import threading
import time

import pytest
import requests

from kbchaos import make_token
from kbtest import SAMPLES, TIME_SCALE, run_indexer, sid_number
from server import KbServer, add_user

INTERNAL_WORDS = ["Kestrel", "nimbusctl", "Osprey", "NR-4471"]


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-core")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "add", os.path.join(SAMPLES, "tickets.jsonl"))
    add_user(d, "agent1", "agent-password-1", "agent")
    add_user(d, "writer1", "writer-password-1", "writer")
    return d


@pytest.fixture(scope="module")
def srv(kb):
    with KbServer(kb) as s:
        yield s


@pytest.fixture(scope="module")
def agent(srv):
    return srv.login("agent1", "agent-password-1")


def search(client, srv, q, **params):
    params["q"] = q
    r = client.get(srv.url("/api/v1/search"), params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_customer_search_returns_public_articles_with_highlights(srv):
    r = search(requests, srv, "firmware update stuck at 99%")
    assert r["hits"][0]["id"] == "articles/firmware-update-stuck"
    h = r["hits"][0]
    assert h["ref"] == "KB-%d" % h["number"] and h["url"].startswith("/kb/%d-" % h["number"])
    assert "<mark>" in h["snippet"]
    # An opaque string (a capability), never a number a client could round.
    assert isinstance(r["search_id"], str) and sid_number(srv.data, r["search_id"])[0] > 0
    assert r["facets"] and all(f["count"] > 0 for f in r["facets"])
    for h in search(requests, srv, "vpn drops every hour", per_page=50)["hits"]:
        assert h["audience"] == "public" and h["kind"] == "article"


@pytest.mark.parametrize("word", INTERNAL_WORDS)
def test_internal_words_leak_nothing_to_customers(srv, agent, word):
    r = search(requests, srv, word)
    assert r["hits"] == [] and r["total"] == 0 and r["corrected"] is None
    assert r["facets"] == []
    s = requests.get(srv.url("/api/v1/suggest"), params={"q": word[:5]}, timeout=30).json()
    assert all(x["audience"] == "public" for x in s["suggestions"])
    d = requests.post(srv.url("/api/v1/deflect"), json={"subject": word, "description": word},
                      timeout=30).json()
    assert all(a["audience"] == "public" for a in d["articles"])
    # ...while an agent finds it.
    assert search(agent, srv, word)["hits"]


def test_customer_facets_never_count_internal_categories(srv):
    r = search(requests, srv, "router", per_page=50)
    assert "internal-runbooks" not in [f["category"] for f in r["facets"]]


def test_agent_search_marks_internal_articles_and_tickets(srv, agent):
    r = search(agent, srv, "vpn drops every hour", per_page=20)
    kinds = {(h["kind"], h["audience"]) for h in r["hits"]}
    assert ("ticket", "internal") in kinds and ("article", "internal") in kinds
    tickets_only = search(agent, srv, "vpn drops every hour", kind="ticket")
    assert tickets_only["hits"] and all(h["kind"] == "ticket" for h in tickets_only["hits"])


def test_role_cannot_be_chosen_by_parameter(srv):
    for params in ({"role": "agent"}, {"as": "agent"}, {"audience": "internal"}):
        r = search(requests, srv, "Kestrel", **params)
        assert r["hits"] == []


def test_pagination(srv):
    first = search(requests, srv, "router", per_page=3, page=1)
    second = search(requests, srv, "router", per_page=3, page=2)
    assert first["more"] and len(first["hits"]) == 3
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


def test_spelling_correction(srv):
    r = search(requests, srv, "firmwre updat")
    assert r["corrected"] and "firmware" in r["corrected"]
    assert r["hits"]


def test_deflect_suggests_public_articles_for_a_ticket_being_written(srv):
    r = requests.post(srv.url("/api/v1/deflect"), timeout=30, json={
        "subject": "forgot my admin password",
        "description": "I can't log in to the router settings page, I don't remember the password"})
    assert r.status_code == 200
    arts = r.json()["articles"]
    assert arts and all(a["audience"] == "public" for a in arts)
    assert any("password" in a["title"].lower() for a in arts[:3])


DISCLAIMER = """This e-mail and any files transmitted with it are confidential and intended
solely for the use of the individual or entity to whom they are addressed. If you have received
this e-mail in error please notify the system manager. This message contains confidential
information and is intended only for the individual named. If you are not the named addressee
you should not disseminate, distribute or copy this e-mail. Please notify the sender immediately
by e-mail if you have received this e-mail by mistake and delete this e-mail from your system.
E-mail transmission cannot be guaranteed to be secure or error-free as information could be
intercepted, corrupted, lost, destroyed, arrive late or incomplete, or contain viruses. The
sender therefore does not accept liability for any errors or omissions in the contents of this
message, which arise as a result of e-mail transmission. Think of the environment before printing.
"""

QUOTED = """
> On Monday you wrote: thanks for getting back to me. The VPN still drops every hour, I timed it
> again yesterday and the WireGuard tunnel went down at 10:00, 11:00 and 12:00 exactly. I have
> restarted the router twice, reinstalled the WireGuard app on my laptop and my phone, and my
> colleague in the office sees the same thing from home. We use the VPN to reach the file server
> and the accounting software, so every reconnect interrupts our work. Our internet provider
> says the line is fine and nothing shows in their logs.
"""

LONG_EMAIL = ("Hello support team,\n\nSorry to write again. My VPN drops every hour and the "
              "WireGuard tunnel has to be reconnected each time. My colleague Bob "
              "(bob.smith@example.org, +44 7700 900456) says it started after the firmware update.\n"
              "Best regards,\nKaren\n\n" + DISCLAIMER + (QUOTED + DISCLAIMER) * 8)


def test_assist_copes_with_a_long_pasted_email(srv, agent):
    assert len(LONG_EMAIL.split()) > 2000
    r = agent.post(srv.url("/api/v1/assist"), json={"subject": "re: vpn", "description": LONG_EMAIL},
                   timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert any(a["audience"] == "internal" for a in body["articles"])
    assert any("vpn" in a["title"].lower() for a in body["articles"][:3])
    sims = body["similar_tickets"]
    assert sims and sum(t["category"] == "vpn" for t in sims[:3]) >= 2
    text = json.dumps(sims)
    assert "@" not in text  # e-mail addresses redacted
    assert body["suggested"]["category"]["name"] == "vpn"
    assert body["suggested"]["team"]["name"]


def test_assist_lists_previous_cases_of_the_customer_and_unit(srv, agent):
    with open(os.path.join(SAMPLES, "tickets.jsonl"), encoding="utf-8") as f:
        tickets = [json.loads(line) for line in f if line.strip()]
    by_customer = {}
    for t in tickets:
        by_customer.setdefault(t["customer"], []).append(t)
    customer, mine = max(by_customer.items(), key=lambda kv: len(kv[1]))
    unit = mine[0]["unit"]
    r = agent.post(srv.url("/api/v1/assist"), timeout=30, json={
        "subject": "router problem", "description": "it is broken again", "customer": customer,
        "unit": unit})
    body = r.json()
    assert {t["id"] for t in body["customer_tickets"]} == {t["id"] for t in mine}
    assert all(t.get("customer") == customer for t in body["customer_tickets"])
    unit_ids = {t["id"] for t in tickets if t["unit"] == unit}
    assert {t["id"] for t in body["unit_tickets"]} == unit_ids
    # Another customer's ticket on the same unit does not show their name.
    for t in body["unit_tickets"]:
        src = next(x for x in tickets if x["id"] == t["id"])
        if src["customer"] != customer:
            assert "customer" not in t
            assert src["customer"] not in json.dumps(t)
    r = agent.get(srv.url("/api/v1/tickets"), params={"customer": customer}, timeout=30)
    assert {t["id"] for t in r.json()["tickets"]} == {t["id"] for t in mine}


def test_assist_and_ticket_routes_need_an_agent(srv):
    assert requests.post(srv.url("/api/v1/assist"), json={"subject": "x"}, timeout=30).status_code == 401
    assert requests.get(srv.url("/api/v1/tickets"), params={"customer": "x"}, timeout=30).status_code == 401
    assert requests.post(srv.url("/api/v1/tickets"), data="[]", timeout=30).status_code == 401


def test_ticket_import_reports_bad_records_and_keeps_good_ones(srv, agent):
    good = {"id": "API-1", "subject": "Zebrafrost error on boot", "description": "router shows zebrafrost",
            "resolution": "Reflashed firmware", "customer": "api-cust", "unit": "NR5-API-1",
            "category": "firmware", "team": "Tier 1", "created": "2026-01-01T10:00:00Z",
            "resolved": "2026-01-02T10:00:00Z"}
    bad_date = dict(good, id="API-2", created="yesterday")
    missing = {"id": "API-3", "description": "no subject here", "resolution": "x"}
    r = agent.post(srv.url("/api/v1/tickets"), data=json.dumps([good, bad_date, missing]),
                   headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["added"] == 1 and body["failed"] == 2
    assert len(body["errors"]) == 2 and any("created" in e["error"] for e in body["errors"])
    jsonl = json.dumps(dict(good, id="API-4", subject="Quasarblink on WAN")) + "\n{broken\n"
    r = agent.post(srv.url("/api/v1/tickets"), data=jsonl, timeout=30)
    assert r.json()["added"] == 1 and r.json()["failed"] == 1
    deadline = time.time() + 2 * TIME_SCALE
    while time.time() < deadline:
        if len(search(agent, srv, "zebrafrost")["hits"]) >= 2:
            break
        time.sleep(0.05)
    assert sorted(h["id"] for h in search(agent, srv, "zebrafrost")["hits"]) == ["API-1", "API-4"]
    assert search(requests, srv, "zebrafrost")["hits"] == []


@pytest.mark.parametrize("method,path,kw,code", [
    ("post", "/api/v1/deflect", {"data": "{not json", "headers": {"Content-Type": "application/json"}}, "bad_json"),
    ("post", "/api/v1/deflect", {"json": {"subject": 5}}, "bad_field"),
    ("post", "/api/v1/deflect", {"json": {"subject": "x", "colour": "red"}}, "unknown_field"),
    ("post", "/api/v1/deflect", {"json": ["a", "list"]}, "bad_json"),
    ("post", "/api/v1/deflect", {"data": b'{"subject": "caf\xc3\x28"}'}, "bad_request"),
    ("get", "/api/v1/search?q=caf%C3%28", {}, "bad_parameter"),
    ("get", "/api/v1/search?q=" + "a" * 1001, {}, "query_too_long"),
    ("get", "/api/v1/search?q=x&per_page=1000", {}, "bad_parameter"),
    ("get", "/api/v1/search?q=x&page=abc", {}, "bad_parameter"),
    ("get", "/api/v1/search", {}, "missing_parameter"),
])
def test_bad_input_gets_400_naming_the_problem(srv, method, path, kw, code):
    r = getattr(requests, method)(srv.url(path), timeout=30, **kw)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["message"]


def test_oversized_body_gets_413(srv):
    r = requests.post(srv.url("/api/v1/deflect"), data=b"x" * (1024 * 1024 + 1),
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def test_unknown_route_and_wrong_method_are_json(srv):
    r = requests.get(srv.url("/api/v1/nope"), timeout=30)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = requests.delete(srv.url("/api/v1/search"), timeout=30)
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_deeply_nested_json_is_refused(srv):
    r = requests.post(srv.url("/api/v1/deflect"), data="[" * 10000 + "]" * 10000, timeout=30)
    assert r.status_code == 400


def test_cors_only_on_public_endpoints(srv):
    r = requests.options(srv.url("/api/v1/search"), headers={"Origin": "http://elsewhere.example"},
                         timeout=30)
    assert r.status_code == 204 and r.headers["Access-Control-Allow-Origin"] == "*"
    r = requests.get(srv.url("/api/v1/search"), params={"q": "router"}, timeout=30)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = requests.options(srv.url("/api/v1/assist"), timeout=30)
    assert "Access-Control-Allow-Origin" not in r.headers


def test_healthz_metrics_and_openapi(srv):
    # Anonymous callers learn only that the service is up; staff get the counters.
    r = requests.get(srv.url("/healthz"), timeout=30)
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    staff = {"Authorization": "Bearer " + make_token(srv.data, "agent", "health")}
    h = requests.get(srv.url("/healthz"), headers=staff, timeout=30).json()
    assert h["status"] == "ok" and h["pending"] == 0
    assert h["changes_written"] >= 1 and h["changes_indexed"] == h["changes_written"]
    requests.get(srv.url("/api/v1/search"), params={"q": "wifi"}, timeout=30)
    # Metrics count internal documents: staff only (a Prometheus scraper uses
    # an agent token); customers get 401 and see no figure.
    anon = requests.get(srv.url("/metrics"), timeout=30)
    assert anon.status_code == 401 and "kb_index_documents" not in anon.text
    m = requests.get(srv.url("/metrics"), timeout=30, headers={
        "Authorization": "Bearer " + make_token(srv.data, "agent", "prometheus")})
    assert m.status_code == 200
    assert m.headers["Content-Type"].startswith("text/plain")
    assert 'kb_http_requests_total{route="/api/v1/search",method="GET",status="2xx"}' in m.text
    assert 'kb_http_request_duration_seconds_bucket{route="/api/v1/search"' in m.text
    assert 'kb_index_documents{audience="public"}' in m.text
    assert "kb_index_bytes" in m.text
    doc = requests.get(srv.url("/api/v1/openapi.json"), timeout=30).json()
    assert doc["openapi"].startswith("3.")
    assert "get" in doc["paths"]["/api/v1/search"]
    assert "post" in doc["paths"]["/api/v1/assist"]
    # Every documented GET without path parameters answers (not 404/405).
    for path, item in doc["paths"].items():
        if "get" in item and "{" not in path:
            r = requests.get(srv.url(path), timeout=30)
            assert r.status_code not in (404, 405), path


def test_rate_limit_per_client_address(kb):
    with KbServer(kb, "--rate-limit", "5", "--trust-proxy") as s:
        codes = [requests.get(s.url("/api/v1/search"), params={"q": "wifi"}, timeout=30,
                              headers={"X-Forwarded-For": "203.0.113.7"}).status_code
                 for _ in range(20)]
        assert 429 in codes and 200 in codes
        r = requests.get(s.url("/api/v1/search"), params={"q": "wifi"}, timeout=30,
                         headers={"X-Forwarded-For": "203.0.113.7"})
        if r.status_code == 429:
            assert r.headers["Retry-After"] == "1"
        # Another address is not limited by the first one's burst.
        r = requests.get(s.url("/api/v1/search"), params={"q": "wifi"}, timeout=30,
                         headers={"X-Forwarded-For": "198.51.100.9"})
        assert r.status_code == 200
        # Non-search routes are not counted.
        assert requests.get(s.url("/healthz"), timeout=30).status_code == 200


def test_idle_connections_time_out(kb):
    with KbServer(kb, "--idle-timeout", "1") as s:
        port = int(s.base.rsplit(":", 1)[1])
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
        start = time.time()
        data = sock.recv(1024)
        assert data == b"" or b"408" in data or b"400" in data
        assert time.time() - start < 8
        sock.close()
        # The server still answers others.
        assert requests.get(s.url("/healthz"), timeout=10).status_code == 200


def test_sigterm_finishes_in_flight_requests(kb):
    s = KbServer(kb).start()
    results, stop = [], threading.Event()

    def load():
        sess = requests.Session()
        while not stop.is_set():
            try:
                r = sess.get(s.url("/api/v1/search"), params={"q": "router reset"}, timeout=10)
                results.append(r.status_code)
            except requests.ConnectionError:
                break

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    code = s.stop(signal.SIGTERM)
    stop.set()
    for t in threads:
        t.join()
    assert code == 0
    assert results and all(c == 200 for c in results)


def test_restart_loses_nothing_acknowledged(kb):
    s = KbServer(kb).start()
    agent = s.login("agent1", "agent-password-1")
    ids = []
    for i in range(20):
        t = {"id": "RST-%d" % i, "subject": "Restart check %d glowbeetle" % i, "description": "d",
             "resolution": "r", "customer": "restart-cust"}
        r = agent.post(s.url("/api/v1/tickets"), data=json.dumps([t]), timeout=30)
        assert r.status_code == 200 and r.json()["added"] == 1
        ids.append(t["id"])
    s.stop(signal.SIGKILL)
    s2 = KbServer(kb).start()
    try:
        agent = s2.login("agent1", "agent-password-1")
        r = agent.get(s2.url("/api/v1/tickets"), params={"customer": "restart-cust"}, timeout=30)
        assert {t["id"] for t in r.json()["tickets"]} == set(ids)
        deadline = time.time() + 3 * TIME_SCALE
        found = []
        while time.time() < deadline:
            found = search(agent, s2, "glowbeetle", per_page=50)["hits"]
            if len(found) == 20:
                break
            time.sleep(0.1)
        assert sorted(h["id"] for h in found) == sorted(ids)
    finally:
        s2.stop()


def metric(srv, agent, name):
    text = agent.get(srv.url("/metrics"), timeout=30).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError("no metric " + name)


def test_repeated_searches_come_from_the_cache_and_are_still_logged(srv, agent):
    hits0 = metric(srv, agent, "kb_search_cache_hits_total")
    ids = [search(requests, srv, "router keeps rebooting")["search_id"] for _ in range(4)]
    first = search(requests, srv, "router keeps rebooting")
    assert metric(srv, agent, "kb_search_cache_hits_total") >= hits0 + 4
    # Each search logged on its own (its own number inside the opaque id).
    assert len({sid_number(srv.data, i)[0] for i in ids + [first["search_id"]]}) == 5
    assert first["hits"] and first["hits"][0]["audience"] == "public"
    assert metric(srv, agent, "kb_search_cache_entries") >= 1


def test_result_cache_can_be_turned_off(kb):
    with KbServer(kb, "--search-cache-mb", "0") as s:
        a = s.login("agent1", "agent-password-1")
        for _ in range(3):
            assert search(requests, s, "firmware update stuck")["hits"]
        assert metric(s, a, "kb_search_cache_hits_total") == 0
        assert metric(s, a, "kb_search_cache_entries") == 0
