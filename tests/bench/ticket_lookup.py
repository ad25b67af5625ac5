#!/usr/bin/env python3
"""An agent's look-up of previous cases on a large ticket store, not part of
`make test`:

    /usr/bin/python3 tests/bench/ticket_lookup.py [--tickets 200000] [--calls 200] \
        [--peer-bin DIR]

The store holds the sample articles and N resolved tickets written straight
into it as an import would have stored them (the past of a live install):
about 1.5 KB of text each, 20,000 customers (a third known by e-mail
address), 60,000 units, two years of dates. Each call asks for a customer
or a unit no earlier call asked for (nothing is answered from memory):

  customer   GET /api/v1/tickets?customer=<a first name and the start of a surname>
  unit       GET /api/v1/tickets?unit=<a unit, in lower case>
  assist     POST /api/v1/assist with a description, the customer and the unit

`--peer-bin DIR` runs the same calls, alternating, against DIR's kb-server on
a copy of the store made with DIR's kb-indexer (another version, e.g. a
worktree of the commit before a change). Prints p50 and p95 in ms per kind
and server. Data goes under $KB_BENCH_DIR (default /var/tmp/kb-lookup-bench),
reused when present."""
import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
WORK = os.environ.get("KB_BENCH_DIR", "/var/tmp/kb-lookup-bench")
FIRST = ("Yuki Anna Mika Emily Jonas Priya Omar Lena Carlos Wei Sofia Ivan Grace Tomas Amara "
         "Noah Leila Pedro Hana Felix").split()
LAST = ("Tanaka Smith Rautio Carter Berg Patel Haddad Vogel Diaz Chen Rossi Novak Kim Silva "
        "Okafor Larsen Dubois Moreau Sato Keller").split()
WORDS = ("router firmware update wifi drops password reset printer offline sync fails cloud "
         "battery drains app crashes login error guest network port forwarding slow vpn "
         "tunnel restart factory settings").split()


def people(rng):
    """20,000 customers: names with a number (two Yuki Tanakas are two
    people), a third of them known by an e-mail address only."""
    out = []
    for i in range(20000):
        f, l = rng.choice(FIRST), rng.choice(LAST)
        out.append("%s.%s%d@example.com" % (f.lower(), l.lower(), i) if i % 3 == 0
                   else "%s %s %d" % (f, l, i))
    return out


def text(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def build(bindir, n, tag):
    """A data directory made by bindir's kb-indexer with n tickets."""
    data = os.path.join(WORK, "%s-%d" % (tag, n))
    db = os.path.join(data, "kb.sqlite3")
    if os.path.exists(os.path.join(data, ".complete")):
        return data
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    subprocess.run([os.path.join(bindir, "kb-indexer"), "--data", data, "add",
                    os.path.join(ROOT, "samples", "articles")], check=True, capture_output=True)
    rng = random.Random(5)
    who = people(rng)
    t_end = int(time.time())
    con = sqlite3.connect(db, timeout=30)
    with con:
        for i in range(n):
            created = t_end - rng.randrange(2 * 365 * 86400)
            con.execute(
                "INSERT INTO tickets (source_id, subject, description, resolution, text,"
                " customer, unit, product, category, created, updated, resolved)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'Nimbus Router 5', 'network', ?, ?, ?)",
                ("NT-%d" % i, text(rng, 6), text(rng, 120), text(rng, 60), text(rng, 60),
                 rng.choice(who), "NR5-%05d" % rng.randrange(60000), created, created,
                 created + 3600))
    con.close()
    open(os.path.join(data, ".complete"), "w").close()
    return data


def token(bindir, data):
    p = subprocess.run([os.path.join(bindir, "kb-server"), "--data", data, "user", "token",
                        "--role", "agent", "bench-%d" % random.randrange(1 << 30)],
                       capture_output=True, text=True, check=True)
    return re.search(r"kbt_[0-9a-f]{64}", p.stdout).group(0)


def start(bindir, data):
    p = subprocess.Popen([os.path.join(bindir, "kb-server"), "--data", data, "--listen",
                          "127.0.0.1:0", "--search-cache-mb", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    while True:
        line = p.stdout.readline()
        if not line:
            raise SystemExit("%s/kb-server did not start" % bindir)
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if m:
            return p, m.group(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=200000)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--peer-bin")
    a = ap.parse_args()
    bins = [("this", os.path.join(ROOT, os.environ.get("BIN", "bin")))]
    if a.peer_bin:
        bins.append(("peer", os.path.abspath(a.peer_bin)))
    servers = []
    for tag, b in bins:
        data = build(b, a.tickets, tag)
        tok = token(b, data)
        p, base = start(b, data)
        s = requests.Session()
        s.headers["Authorization"] = "Bearer " + tok
        servers.append((tag, b, p, base, s))
    rng = random.Random(9)
    who = people(random.Random(5))
    rng.shuffle(who)
    times = {(tag, k): [] for tag, *_ in servers for k in ("customer", "unit", "assist")}
    found = {k: 0 for k in ("customer", "unit", "assist")}
    try:
        for i in range(a.calls):
            person = who[i]
            name = person.split("@")[0].replace(".", " ") if "@" in person else person
            part = " ".join(name.split()[:2])[:-2]  # "Yuki Tana": a first name, part of a surname
            unit = "nr5-%05d" % ((i * 7919) % 60000)
            calls = [("customer", "GET", "/api/v1/tickets", {"customer": part}, None),
                     ("unit", "GET", "/api/v1/tickets", {"unit": unit}, None),
                     ("assist", "POST", "/api/v1/assist", None,
                      {"description": text(rng, 8), "customer": part, "unit": unit})]
            order = servers if i % 2 else list(reversed(servers))
            for kind, method, path, params, body in calls:
                for tag, b, p, base, s in order:
                    t0 = time.perf_counter()
                    r = s.request(method, base + path, params=params, json=body, timeout=60)
                    times[(tag, kind)].append((time.perf_counter() - t0) * 1000)
                    if r.status_code != 200:
                        raise SystemExit("%s %s %s: %d %s" % (tag, method, path, r.status_code,
                                                              r.text[:200]))
                    if tag == "this":
                        j = r.json()
                        found[kind] += len(j.get("tickets") or j.get("customer_tickets") or [])
    finally:
        for tag, b, p, *_ in servers:
            p.terminate()
            p.wait()
    print("%d tickets, %d calls of each kind (never-repeated customers and units)"
          % (a.tickets, a.calls))
    for kind in ("customer", "unit", "assist"):
        for tag, b, *_ in servers:
            v = sorted(times[(tag, kind)])
            print("%-8s %-5s p50 %8.2f ms  p95 %8.2f ms  (%s)" % (
                kind, tag, statistics.median(v), v[int(len(v) * 0.95) - 1], b))
        print("%-8s tickets listed by this build: %d in all" % (kind, found[kind]))


if __name__ == "__main__":
    main()
