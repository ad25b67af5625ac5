"""The search log's retention (issue 15) against a real kb-server: admins read
and set it (GET/PUT /api/v1/admin/retention, `kb-server customer
search-retention`); the server's daily pass folds searches older than it into
daily aggregates and deletes them, and the analytics of that old period show
the same figures afterwards. Events that named a pruned search stay."""
import os
import sqlite3
import subprocess
import time

import pytest
import requests

from kbtest import SAMPLES, SERVER, run_indexer
from server import KbServer

DAY = 86400


@pytest.fixture
def kb(tmp_path):
    run_indexer(tmp_path, "add", os.path.join(SAMPLES, "articles"))
    return tmp_path


def token(data, role="admin"):
    p = subprocess.run([SERVER, "--data", str(data), "user", "token", "--role", role,
                        "t-%d" % (time.time() * 1e6)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    return {"Authorization": "Bearer " + p.stdout.strip()}


def sql(data, q, *args):
    con = sqlite3.connect(os.path.join(str(data), "kb.sqlite3"), timeout=10)
    try:
        with con:
            return con.execute(q, args).fetchall()
    finally:
        con.close()


def old_log(data, t0):
    """200 days of searches, as a log written before retention holds them."""
    rows = []
    words = ["reset password", "wifi drops", "fax machine", "vpn setup"]
    for day in range(200):
        for k in range(3):
            q = words[(day + k) % 4]
            rows.append((t0 + day * DAY + 60 * k, q, "customer" if k < 2 else "agent",
                         "search" if k != 1 else "deflect", 0 if q == "fax machine" else 4))
    con = sqlite3.connect(os.path.join(str(data), "kb.sqlite3"), timeout=10)
    with con:
        con.executemany("INSERT INTO searches (time, query, role, endpoint, results, locale) "
                        "VALUES (?, ?, ?, ?, ?, 'en')", rows)
        first = con.execute("SELECT min(id) FROM searches").fetchone()[0]
        con.execute("INSERT INTO events (time, type, search_id, article, role) "
                    "VALUES (?, 'click', ?, 1000, 'customer')", (t0 + 5, first))
    con.close()
    return len(rows)


def summary(srv, admin, t0, days):
    r = requests.get(srv.url("/api/v1/analytics/summary"),
                     params={"from": str(t0), "to": str(t0 + days * DAY), "limit": "20"},
                     headers=admin, timeout=30)
    assert r.status_code == 200, r.text
    j = r.json()
    j.pop("generated", None)
    return j


def test_setting_api(kb):
    admin, agent = token(kb), token(kb, "agent")
    with KbServer(kb) as srv:
        r = requests.get(srv.url("/api/v1/admin/retention"), headers=admin, timeout=30)
        assert r.status_code == 200, r.text
        assert r.json() == {"tickets_days": 0, "contact_requests_days": 0, "searches_days": 90}
        r = requests.put(srv.url("/api/v1/admin/retention"), json={"searches_days": 30},
                         headers=admin, timeout=30)
        assert r.status_code == 200, r.text
        assert r.json() == {"tickets_days": 0, "contact_requests_days": 0, "searches_days": 30}
        for bad in ({"searches_days": -1}, {"searches_days": "30"}, {"days": 3}, {}):
            r = requests.put(srv.url("/api/v1/admin/retention"), json=bad, headers=admin,
                             timeout=30)
            assert r.status_code == 400, (bad, r.text)
        r = requests.get(srv.url("/api/v1/admin/retention"), headers=agent, timeout=30)
        assert r.status_code == 403, r.text
        r = requests.get(srv.url("/api/v1/admin/retention"), timeout=30)
        assert r.status_code in (401, 403), r.text
    cli = [SERVER, "--data", str(kb), "customer", "search-retention"]
    p = subprocess.run(cli, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "30 days" in p.stdout, p.stdout + p.stderr
    p = subprocess.run(cli + ["0"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "kept for good" in p.stdout, p.stdout + p.stderr
    p = subprocess.run(cli + ["-3"], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0


def test_pruned_period_shows_the_same_analytics(kb):
    admin = token(kb)
    today = int(time.time()) // DAY * DAY
    t0 = today - 200 * DAY
    n = old_log(kb, t0)
    # Kept for good first: the figures as the whole log gives them.
    with KbServer(kb, "--search-retention-days", "0") as srv:
        before = [summary(srv, admin, t0, d) for d in (30, 120, 201)]
    assert before[2]["searches"] == 600
    assert before[2]["click_through"]["clicked"] == 1
    assert before[0]["top_queries"] and before[0]["no_result_queries"][0]["query"] == "fax machine"
    assert sum(d["searches"] for d in before[1]["per_day"]) == before[1]["searches"]
    assert sql(kb, "SELECT count(*) FROM searches") == [(n,)]
    p = subprocess.run([SERVER, "--data", str(kb), "customer", "search-retention", "90"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    with KbServer(kb) as srv:  # the daily pass runs at start
        deadline = time.time() + 20
        while time.time() < deadline and sql(kb, "SELECT count(*) FROM searches WHERE "
                                                 "time < ?", today - 90 * DAY) != [(0,)]:
            time.sleep(0.2)
        assert sql(kb, "SELECT count(*) FROM searches WHERE time < ?",
                   today - 90 * DAY) == [(0,)]
        assert sql(kb, "SELECT count(*) FROM searches")[0][0] < n
        after = [summary(srv, admin, t0, d) for d in (30, 120, 201)]
    assert after == before
    # The click stays, unlinked from its pruned search.
    assert sql(kb, "SELECT count(*), count(search_id) FROM events") == [(1, 0)]
