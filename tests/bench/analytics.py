#!/usr/bin/env python3
"""Time of each analytics route (issue 20) on a store with a realistic
search log, not part of `make test`:

    /usr/bin/python3 tests/bench/analytics.py [--searches 100000] [--calls 20]

The store holds the sample articles, N customers' searches over 30 days
(tests/e2e/ticket_stream.py: Zipf-like queries, a visitor pool; a fifth
find nothing), a click after a quarter of the rest, agents' views, copies
and "solved" events, votes and per-day article views; they are written
straight into the store as the server would have logged them (the past of
a live install). Each route is then asked `--calls` times over the last 30
days by an admin, as JSON and as CSV: p50 and max in ms. The data directory
goes under $KB_BENCH_DIR (default /var/tmp/kb-analytics-bench), reused when
present."""
import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import ticket_stream as ts  # noqa: E402
from server import KbServer, add_user  # noqa: E402

INDEXER = os.path.join(ROOT, os.environ.get("BIN", "bin"), "kb-indexer")
WORK = os.environ.get("KB_BENCH_DIR", "/var/tmp/kb-analytics-bench")
ROUTES = ["summary", "top-queries", "no-results", "clicks", "deflection", "helpful", "views",
          "agents", "gaps"]
DAY = 86400


def build(n, now):
    data = os.path.join(WORK, "s%d" % n)
    db = os.path.join(data, "kb.sqlite3")
    if os.path.exists(db):
        return data
    os.makedirs(data, exist_ok=True)
    subprocess.run([INDEXER, "--data", data, "add", os.path.join(ROOT, "samples", "articles")],
                   check=True, capture_output=True)
    add_user(data, "admin1", "admin-password-1", "admin")
    rng = random.Random(7)
    rows = ts.searches(days=30, per_day=n / 30.0, end=now, seed=11)
    con = sqlite3.connect(db, timeout=30)
    arts = [r[0] for r in con.execute("SELECT number FROM articles")]
    with con:
        for r in rows:
            found = 0 if rng.random() < 0.2 else rng.randint(1, 10)
            cur = con.execute(
                "INSERT INTO searches (time, query, role, endpoint, results, locale, visitor,"
                " network) VALUES (?, ?, 'customer', 'search', ?, 'en', ?, ?)",
                (r["time"], r["query"], found, r["visitor"], r["network"]))
            if found and rng.random() < 0.25:
                con.execute("INSERT INTO events (time, type, search_id, article, visitor, role)"
                            " VALUES (?, 'click', ?, ?, ?, 'customer')",
                            (r["time"] + 5, cur.lastrowid, rng.choice(arts), r["visitor"]))
        for i in range(n // 20):
            t = now - rng.randrange(30 * DAY)
            con.execute("INSERT INTO events (time, type, article, visitor, role) VALUES"
                        " (?, ?, ?, ?, 'agent')",
                        (t, rng.choice(["view", "copy", "copy", "solved"]), rng.choice(arts),
                         "agent%d" % (i % 40)))
        for i in range(n // 50):
            con.execute("INSERT INTO feedback (article, time, helpful, role, visitor) VALUES"
                        " (?, ?, ?, 'customer', ?)",
                        (rng.choice(arts), now - rng.randrange(30 * DAY), int(rng.random() < 0.7),
                         "voter%d" % i))
        for a in arts:
            for d in range(30):
                con.execute("INSERT INTO article_views (article, day, customer, staff) VALUES"
                            " (?, ?, ?, ?)", (a, now // DAY - d, rng.randint(0, 60),
                                              rng.randint(0, 5)))
    con.close()
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--searches", type=int, default=100000)
    ap.add_argument("--calls", type=int, default=20)
    a = ap.parse_args()
    now = int(time.time())
    t0 = time.time()
    data = build(a.searches, now)
    print("# store: %d searches (built or reused in %.0f s)" % (a.searches, time.time() - t0))
    with KbServer(data) as srv:
        admin = srv.login("admin1", "admin-password-1")
        params = {"from": now - 30 * DAY, "to": now + 1}
        print("%-12s %10s %10s %10s %10s" % ("route", "json p50", "json max", "csv p50", "csv max"))
        for route in ROUTES:
            out = []
            for fmt in ("json", "csv"):
                ms = []
                for _ in range(a.calls):
                    t = time.perf_counter()
                    r = admin.get(srv.url("/api/v1/analytics/" + route),
                                  params=dict(params, format=fmt, limit=100), timeout=120)
                    ms.append((time.perf_counter() - t) * 1000)
                    assert r.status_code == 200, r.text
                out += [statistics.median(ms), max(ms)]
            print("%-12s %10.1f %10.1f %10.1f %10.1f" % (route, *out), flush=True)


if __name__ == "__main__":
    main()
