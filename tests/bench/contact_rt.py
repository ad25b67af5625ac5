#!/usr/bin/env python3
"""Contact request accepted -> ticket in Request Tracker (issue 17's target:
p50 <= 1 s when RT is up). Not part of `make test`:

    /usr/bin/python3 tests/bench/contact_rt.py [--n 30]

Starts a real RT 5 (tests/e2e/rt.py: scratch SQLite database, the test
queue, deploy/rt/kb-initialdata) and a kb-server with the rt destination,
then sends --n contact requests one after another through the form. For
each it reports:
- accepted -> filed: from the commit (the request's created time) until RT
  answered the POST that filed the ticket, as kb-server logs it
  ("filed as Request Tracker ticket N, X ms after it was accepted");
- accepted -> recorded: until the delivery row says delivered (after the
  trail comment too), from the store's own timestamps;
- page answered: the form's POST until its answer showing the ticket number
  (--contact-wait-ms 5000).
Every ticket is checked in RT afterwards (one per request, by its key)."""
import argparse
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import rt as rtmod  # noqa: E402
from server import KbServer, add_user  # noqa: E402

ADMIN_PW = "bench-admin-password"


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def line(name, xs):
    return "%-34s p50 %7.1f ms   p90 %7.1f ms   max %7.1f ms   (n=%d)" % (
        name, statistics.median(xs), pct(xs, 90), max(xs), len(xs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=2, help="requests sent first, not counted")
    args = ap.parse_args()
    why = rtmod.missing()
    if why:
        sys.exit("contact_rt: " + why)
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "request-tracker5"],
                             capture_output=True, text=True).stdout
    print("Request Tracker %s (Debian request-tracker5), SQLite, rt-server (Starlet, 3 workers)"
          % version)
    t0 = time.time()
    template = rtmod.RtTemplate()
    print("template database made in %.1f s" % (time.time() - t0))
    data = tempfile.mkdtemp(prefix="kb-bench-rt-")
    try:
        with rtmod.RtServer(template) as rt, KbServer(
                data, "--contact-wait-ms", "5000", "--contact-rate", "100000",
                "--contact-net-rate", "100000", "--contact-retry-ms", "200") as srv:
            add_user(data, "admin1", ADMIN_PW, "admin")
            adm = srv.login("admin1", ADMIN_PW)
            r = adm.put(srv.url("/api/v1/admin/contact/destinations/rt"), timeout=30,
                        json={"enabled": True, "url": rt.url, "token": rt.token,
                              "queue": rt.queue})
            assert r.status_code == 200, r.text
            page = []
            for i in range(args.warmup + args.n):
                sess = srv.session()
                t = time.perf_counter()
                r = sess.post(srv.url("/contact"), timeout=60, data={
                    "name": "Bench %d" % i, "email": "bench%d@example.com" % i,
                    "subject": "Bench request %d" % i,
                    "description": "The router reboots every ten minutes (%d)." % i})
                dt = (time.perf_counter() - t) * 1e3
                assert r.status_code == 200, r.text
                assert re.search(r'class="ticket">\d+<', r.text), "no ticket number shown"
                if i >= args.warmup:
                    page.append(dt)
            con = sqlite3.connect(os.path.join(data, "kb.sqlite3"), timeout=10)
            rows = con.execute("SELECT r.id, r.key, d.delivered - r.created, d.ticket FROM "
                               "contact_requests r JOIN contact_deliveries d ON d.request = "
                               "r.id WHERE d.status = 'delivered' ORDER BY r.id").fetchall()
            con.close()
            assert len(rows) == args.warmup + args.n, rows
            rows = rows[args.warmup:]
            recorded = [float(ms) for _, _, ms, _ in rows]
            ids = {rid for rid, _, _, _ in rows}
            filed = [float(m.group(2)) for ln in srv.log for m in
                     [re.search(r"CR-(\d+) filed as Request Tracker ticket \d+, (\d+) ms", ln)]
                     if m and int(m.group(1)) in ids]
            for _, key, _, ticket in rows:
                assert rt.tickets_with_key(key) == [int(ticket)], key
            print(line("accepted -> ticket filed in RT", filed))
            print(line("accepted -> delivery recorded", recorded))
            print(line("form POST -> page with ticket no.", page))
            print("every request is one ticket in RT (checked by its key)")
    finally:
        shutil.rmtree(data, ignore_errors=True)
        template.remove()


if __name__ == "__main__":
    main()
