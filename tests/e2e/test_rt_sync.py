"""Issue 17 parts 3 to 5: resolved tickets flow in from a real Request Tracker
5 (tests/e2e/rt.py), and an agent opens an RT ticket in the console.

The sync runs as `kb-indexer sync-rt` and in kb-server (its worker, or
POST /api/v1/admin/rt-sync/run). A ticket resolved in RT shows up in assist as
a similar ticket after one run; reopened, it leaves; a run with nothing new
changes nothing (no outbox rows). Faults come from the real RT (a wrong token
answers 401, a stopped RT is unreachable) or from a proxy in front of it that
answers 500, garbage or slowly (tests/e2e/rt_proxy.py); the cursor never
passes a ticket that was not stored. Customers never see a synced ticket."""
import json
import os
import time

import pytest
import requests

from kbchaos import store_query
from kbtest import run_indexer
from rt_proxy import RtProxy
from server import KbServer, add_user

ADMIN_PW = "admin-password-1"
AGENT_PW = "agent-password-1"


# ---- helpers ------------------------------------------------------------------

def resolved_ticket(rt, subject, first, last, requestor="ada@example.com", cfs=None,
                    kind="comment", status="resolved"):
    """An RT ticket with a first message and one reply or comment, resolved."""
    n = rt.create_ticket(Subject=subject, Requestor=requestor, Content=first,
                         CustomFields=cfs or {})
    r = rt.api("POST", "ticket/%d/%s" % (n, kind), json={"Content": last,
                                                          "ContentType": "text/plain"})
    assert r.status_code == 201, r.text
    set_status(rt, n, status)
    return n


def set_status(rt, n, status):
    r = rt.api("PUT", "ticket/%d" % n, json={"Status": status})
    assert r.status_code == 200, r.text


def files(tmp, rt, url=None, **extra):
    """The indexer's settings file and token file: (config path, token path)."""
    cfg = os.path.join(tmp, "rt.json")
    tok = os.path.join(tmp, "rt.token")
    with open(cfg, "w") as f:
        json.dump(dict({"url": url or rt.url, "queue": rt.queue}, **extra), f)
    with open(tok, "w") as f:
        f.write(rt.token + "\n")
    os.chmod(tok, 0o600)
    return cfg, tok


def sync_rt(data, cfg, tok, check=True):
    return run_indexer(data, "sync-rt", "--config", cfg, "--rt-token-file", tok, check=check,
                       timeout=300)


def last_seq(data):
    return store_query(data, "SELECT coalesce(max(seq), 0) FROM outbox")[0][0]


def tickets(data):
    return dict(store_query(data, "SELECT source_id, resolution FROM tickets"))


def cursor(data):
    rows = store_query(data, "SELECT value FROM rt_sync WHERE name = 'cursor'")
    return json.loads(rows[0][0]) if rows else None


def rt_time(rt, n):
    """Ticket n's LastUpdated in RT as Unix seconds."""
    import calendar
    t = rt.ticket(n)["LastUpdated"]
    return calendar.timegm(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ"))


def staff(srv, data):
    add_user(data, "admin1", ADMIN_PW, "admin")
    add_user(data, "agent1", AGENT_PW, "agent")
    return srv.login("admin1", ADMIN_PW), srv.login("agent1", AGENT_PW)


def similar(agent, srv, text, customer=None):
    body = {"description": text}
    if customer:
        body["customer"] = customer
    r = agent.post(srv.url("/api/v1/assist"), json=body, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def wait_for(fn, timeout=20):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.2)


def ids(res):
    return [t["id"] for t in res["similar_tickets"]]


# ---- the sync in kb-indexer ------------------------------------------------------

def test_indexer_sync_maps_and_a_rerun_changes_nothing(rt, data_dir, tmp_path):
    cfs = {"Category": "printing", "Product": "LaserJet 9", "Unit": "SN-4242"}
    a = resolved_ticket(rt, "Printer jams on tray two", "Paper jams every morning on tray 2.",
                        "Replaced the pickup roller; see KB-1000 for the steps.", cfs=cfs)
    b = resolved_ticket(rt, "Scanner shows error 52", "Error 52 when scanning.",
                        "Reseated the scanner cable.", requestor="bob@example.com",
                        kind="correspond")
    c = rt.create_ticket(Subject="Still open: toner smears", Content="Smears.")
    cfg, tok = files(str(tmp_path), rt)
    p = sync_rt(data_dir, cfg, tok)
    assert "2 added" in p.stdout and "1 not resolved" in p.stdout, p.stdout
    got = {r[0]: r for r in store_query(
        data_dir, "SELECT source_id, subject, description, resolution, customer, team, category,"
                  " product, unit, linked_article FROM tickets")}
    assert set(got) == {"rt-%d" % a, "rt-%d" % b}
    assert got["rt-%d" % a][1:] == (
        "Printer jams on tray two", "Paper jams every morning on tray 2.",
        "Replaced the pickup roller; see KB-1000 for the steps.", "ada@example.com",
        rt.queue, "printing", "LaserJet 9", "SN-4242", "KB-1000")
    assert got["rt-%d" % b][3] == "Reseated the scanner cable."
    assert "rt-%d" % c not in got

    # A re-run once the second is over: nothing written, not even the cursor.
    time.sleep(2.2)
    sync_rt(data_dir, cfg, tok)
    seq, cur = last_seq(data_dir), cursor(data_dir)
    p = sync_rt(data_dir, cfg, tok)
    assert "0 added, 0 updated" in p.stdout and "0 removed" in p.stdout, p.stdout
    assert last_seq(data_dir) == seq and cursor(data_dir) == cur

    # Incremental: only the new resolution is read and stored.
    d = resolved_ticket(rt, "Fax line dead", "No dial tone.", "Line was unplugged.")
    p = sync_rt(data_dir, cfg, tok)
    assert ": 1 added, 0 updated, 0 unchanged" in p.stdout, p.stdout
    assert "rt-%d" % d in tickets(data_dir)

    # Reopened in RT: it leaves the resolved set (and the index).
    set_status(rt, a, "open")
    p = sync_rt(data_dir, cfg, tok)
    assert "1 removed" in p.stdout, p.stdout
    assert "rt-%d" % a not in tickets(data_dir)
    q = run_indexer(data_dir, "query", "--json", "--as", "agent", "pickup roller tray")
    assert "rt-%d" % a not in q.stdout


def test_token_never_on_the_command_line(rt, data_dir, tmp_path):
    cfg, tok = files(str(tmp_path), rt)
    p = run_indexer(data_dir, "sync-rt", "--config", cfg, "--rt-token", rt.token, check=False)
    assert p.returncode == 2 and "unknown" in p.stderr
    p = run_indexer(data_dir, "sync-rt", "--config", cfg, check=False)
    assert p.returncode == 1 and "--rt-token-file" in p.stderr
    with open(os.path.join(str(tmp_path), "bad.json"), "w") as f:
        f.write('{"url": "ftp://rt", "queue": "x"}')
    p = run_indexer(data_dir, "sync-rt", "--config", os.path.join(str(tmp_path), "bad.json"),
                    "--rt-token-file", tok, check=False)
    assert p.returncode == 1 and "'url'" in p.stderr and "bad.json" in p.stderr


# ---- faults ---------------------------------------------------------------------

def test_wrong_token_and_rt_down_are_named_and_nothing_moves(rt, data_dir, tmp_path):
    n = resolved_ticket(rt, "VPN drops hourly", "Drops every hour.", "Renewed the lease.")
    cfg, tok = files(str(tmp_path), rt)
    with open(tok, "w") as f:
        f.write("1-14-0123456789abcdef0123456789abcdef\n")
    p = sync_rt(data_dir, cfg, tok, check=False)
    assert p.returncode == 1
    assert "HTTP 401" in p.stderr and "token" in p.stderr, p.stderr
    assert "0123456789abcdef" not in p.stderr + p.stdout
    assert cursor(data_dir) is None and tickets(data_dir) == {}

    cfg, tok = files(str(tmp_path), rt)
    rt.stop()
    t0 = time.time()
    p = sync_rt(data_dir, cfg, tok, check=False)
    assert p.returncode == 1 and rt.url in p.stderr, p.stderr
    assert time.time() - t0 < 30
    assert cursor(data_dir) is None and tickets(data_dir) == {}

    rt.start()
    p = sync_rt(data_dir, cfg, tok)
    assert "rt-%d" % n in tickets(data_dir)


def test_rt_reading_times_behind_utc_is_refused_not_skipped(rt, data_dir, tmp_path):
    # RT reads TicketSQL times as New York's: "LastUpdated >= <UTC time>"
    # would skip five hours of changes. The first run (which lists every
    # ticket by id) checks its cursor at its end and says so.
    conf = rt.env["RT_SITE_CONFIG"]
    with open(conf) as f:
        text = f.read()
    rt.stop()
    with open(conf, "w") as f:
        f.write(text.replace("Set($Timezone, 'UTC');", "Set($Timezone, 'America/New_York');"))
    rt.start()
    n = resolved_ticket(rt, "Badge reader rejects cards", "Red light.", "Re-enrolled the card.")
    cfg, tok = files(str(tmp_path), rt)
    time.sleep(2.2)  # its second over: the cursor keeps it as synced
    p = sync_rt(data_dir, cfg, tok, check=False)
    assert p.returncode == 1 and "time zone" in p.stderr and "UTC" in p.stderr, p.stderr
    assert "rt-%d" % n in tickets(data_dir)
    assert not cursor(data_dir)["utc_checked"]
    p = sync_rt(data_dir, cfg, tok, check=False)  # and every run after, until fixed
    assert p.returncode == 1 and "time zone" in p.stderr, p.stderr
    rt.stop()
    with open(conf, "w") as f:
        f.write(text)
    rt.start()
    sync_rt(data_dir, cfg, tok)
    assert cursor(data_dir)["utc_checked"] is True


@pytest.mark.parametrize("kind", ["500", "garbage", "shape", "delay"])
def test_rt_faults_keep_the_cursor_before_the_failure(rt, data_dir, tmp_path, kind):
    first = [resolved_ticket(rt, "Mail quota full %d" % i, "Quota exceeded.", "Raised quota.")
             for i in range(3)]
    with RtProxy(rt.url) as proxy:
        # RT answers a page in 1-4 s on a loaded machine: 8 s passes those,
        # and the delay fault (12 s) still times out.
        cfg, tok = files(str(tmp_path), rt, url=proxy.url, per_page=2, timeout_ms=8000)
        sync_rt(data_dir, cfg, tok)
        assert set(tickets(data_dir)) == {"rt-%d" % n for n in first}
        before = cursor(data_dir)
        time.sleep(1.1)
        later = [resolved_ticket(rt, "Calendar sync fails %d" % i, "Sync error.",
                                 "Re-added the account.") for i in range(3)]
        # The messages of the run's second page fail: the first page's
        # tickets are stored with the cursor at its last one; the second
        # page's are not, and the cursor does not pass them.
        proxy.fault("/transactions", kind, seconds=12, after=1)
        p = sync_rt(data_dir, cfg, tok, check=False)
        assert p.returncode == 1, p.stdout + p.stderr
        want = {"500": ["HTTP 500"], "garbage": ["not JSON"], "shape": ["no 'items' list"],
                "delay": ["timeout", "timed out"]}[kind]  # curl says either
        assert any(w in p.stderr.lower() for w in map(str.lower, want)), p.stderr
        assert "Request Tracker" in p.stderr, p.stderr
        assert proxy.faulted, proxy.seen
        stored = set(tickets(data_dir))
        done = [n for n in later if "rt-%d" % n in stored]
        assert done == later[:len(done)] and 0 < len(done) < 3, (done, later, first, proxy.seen, p.stderr[-600:])
        after = cursor(data_dir)
        assert after != before
        first_missing = later[len(done)]
        missing_at = rt_time(rt, first_missing)
        assert after["time"] <= missing_at
        assert not set(later[len(done):]) & set(after["ids"])
        proxy.clear()
        p = sync_rt(data_dir, cfg, tok)
        assert "%d added" % (3 - len(done)) in p.stdout, p.stdout
        assert set(tickets(data_dir)) == {"rt-%d" % n for n in first + later}


# ---- the server: worker, admin API, agent console, customers ------------------------

def test_server_sync_assist_reopen_and_agent_console(rt, data_dir):
    run_indexer(data_dir, "add", os.path.join(os.path.dirname(__file__), "..", "..", "samples",
                                              "articles"))
    with KbServer(data_dir, "--rt-sync-interval", "1") as srv:
        admin, agent = staff(srv, data_dir)
        r = admin.put(srv.url("/api/v1/admin/rt-sync"),
                      json={"url": rt.url, "token": rt.token, "queue": rt.queue})
        assert r.status_code == 200, r.text
        assert rt.token not in r.text and r.json()["token_set"] is True
        r = admin.get(srv.url("/api/v1/admin/rt-sync"))
        assert r.status_code == 200 and rt.token not in r.text
        assert agent.get(srv.url("/api/v1/admin/rt-sync")).status_code == 403
        assert agent.put(srv.url("/api/v1/admin/rt-sync"), json={"url": rt.url}).status_code == 403
        bad = admin.put(srv.url("/api/v1/admin/rt-sync"), json={"url": rt.url, "per_pag": 5})
        assert bad.status_code == 400 and "per_pag" in bad.text

        # Resolved in RT: a similar ticket in assist within one run of the worker.
        n = resolved_ticket(rt, "Zorbulator console freezes at boot",
                            "The zorbulator console freezes at the boot logo.",
                            "Cleared the zorbulator NVRAM; it boots now.",
                            requestor="carol@example.com")
        got = wait_for(lambda: "rt-%d" % n in ids(similar(agent, srv, "zorbulator freezes boot")))
        assert got, "resolved RT ticket not in assist"
        res = similar(agent, srv, "zorbulator freezes boot", customer="carol@example.com")
        t = next(t for t in res["similar_tickets"] if t["id"] == "rt-%d" % n)
        assert "NVRAM" in t["resolution"] and t["team"] == rt.queue
        assert ["rt-%d" % n] == [x["id"] for x in res["customer_tickets"]]
        # The emerging-problems detection sees it, as after any import.
        seen = wait_for(lambda: (agent.get(srv.url("/api/v1/emerging")).json() or {})
                        .get("recent_tickets", 0) >= 1)
        assert seen, agent.get(srv.url("/api/v1/emerging")).text

        # A run now with nothing new changes nothing.
        seq = last_seq(data_dir)
        r = admin.post(srv.url("/api/v1/admin/rt-sync/run"))
        assert r.status_code == 200, r.text
        assert r.json()["added"] == r.json()["updated"] == r.json()["removed"] == 0
        assert last_seq(data_dir) == seq

        # Customers never see it: search, typeahead, spelling, the RT API.
        for q in ("zorbulator", "zorbulator NVRAM", "carol@example.com"):
            r = requests.get(srv.url("/api/v1/search"), params={"q": q}, timeout=30)
            assert r.status_code == 200 and "zorbulator" not in r.text.lower(), r.text
        r = requests.get(srv.url("/api/v1/search"), params={"q": "zorbulatr"}, timeout=30)
        assert "zorbulator" not in r.text.lower()
        r = requests.get(srv.url("/api/v1/suggest"), params={"q": "zorb"}, timeout=30)
        assert "zorbulator" not in r.text.lower()
        r = requests.post(srv.url("/api/v1/deflect"), json={"subject": "zorbulator freezes"},
                          timeout=30)
        assert "zorbulator" not in r.text.lower() and "NVRAM" not in r.text
        assert requests.get(srv.url("/api/v1/rt/tickets/%d" % n), timeout=30).status_code == 401
        r = requests.post(srv.url("/api/v1/assist"), json={"description": "zorbulator"},
                          timeout=30)
        assert r.status_code in (401, 403)
        r = requests.get(srv.url("/agent?rt=%d" % n), allow_redirects=False, timeout=30)
        assert r.status_code == 303 and "zorbulator" not in r.text.lower()

        # The agent opens an RT ticket: its words, requestor and unit, then assist.
        m = rt.create_ticket(Subject="Zorbulator hangs on the boot logo",
                             Requestor="carol@example.com",
                             Content="Since this morning it hangs at the logo.",
                             CustomFields={"Unit": "ZB-7"})
        page = agent.get(srv.url("/agent?rt=%d" % m))
        assert page.status_code == 200 and "rt-number" in page.text and "agent.js" in page.text
        r = agent.get(srv.url("/api/v1/rt/tickets/%d" % m))
        assert r.status_code == 200, r.text
        case = r.json()
        assert case["subject"] == "Zorbulator hangs on the boot logo"
        assert "hangs at the logo" in case["text"] and case["customer"] == "carol@example.com"
        assert case["unit"] == "ZB-7" and case["rt_url"].endswith("id=%d" % m)
        res = similar(agent, srv, case["subject"] + "\n\n" + case["text"], case["customer"])
        assert "rt-%d" % n in ids(res)
        assert res["suggested"]["team"]["name"] == rt.queue
        assert ["rt-%d" % n] == [x["id"] for x in res["customer_tickets"]]
        assert agent.get(srv.url("/api/v1/rt/tickets/99999")).status_code == 404
        assert agent.get(srv.url("/api/v1/rt/tickets/12x")).status_code == 400

        # Reopened in RT: gone from assist after the worker's next run.
        set_status(rt, n, "open")
        gone = wait_for(lambda: "rt-%d" % n not in ids(similar(agent, srv,
                                                               "zorbulator freezes boot")))
        assert gone, "reopened RT ticket still in assist"

        # RT down: the worker logs a clear error and keeps going.
        rt.stop()
        r = admin.post(srv.url("/api/v1/admin/rt-sync/run"))
        assert r.status_code == 502 and rt.url in r.json()["error"]["message"], r.text
        r = agent.get(srv.url("/api/v1/rt/tickets/%d" % m))
        assert r.status_code == 502 and rt.token not in r.text
    log = "".join(srv.log)
    assert "rt sync:" in log and rt.url in log and rt.token not in log
    assert "Sanitizer" not in log and srv.proc.returncode == 0, log[-3000:]


def test_admin_page_settings_without_rt_configured(data_dir):
    with KbServer(data_dir, "--rt-sync-interval", "0") as srv:
        admin, agent = staff(srv, data_dir)
        r = admin.get(srv.url("/api/v1/admin/rt-sync"))
        assert r.status_code == 200 and r.json()["configured"] is False
        r = admin.post(srv.url("/api/v1/admin/rt-sync/run"))
        assert r.status_code == 409 and "rt-sync" in r.text
        r = agent.get(srv.url("/api/v1/rt/tickets/5"))
        assert r.status_code == 409
