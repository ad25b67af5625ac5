#!/usr/bin/env python3
"""Figures for emerging problems (issue 21), not part of `make test`:

    /usr/bin/python3 tests/bench/emerging.py alarms   # false alarms per simulated month
    /usr/bin/python3 tests/bench/emerging.py delay    # detection delay by burst size
    /usr/bin/python3 tests/bench/emerging.py cost     # one cycle on 100,000 tickets (ms, RSS)
    /usr/bin/python3 tests/bench/emerging.py search_delay  # waves of customers' searches
    /usr/bin/python3 tests/bench/emerging.py search_cost   # the searches' part on 100,000 searches

Streams come from tests/e2e/ticket_stream.py (background resampled from the
sample tickets, bursts of paraphrased reports). Cycles are replayed over
simulated time with `kb-indexer emerging --replay-from T --step S`, which
runs the very detection the server runs (kb/emerging), as of each time.
Data directories go under $KB_BENCH_DIR (default /var/tmp/kb-emerging-bench)
and are reused when present."""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import ticket_stream as ts  # noqa: E402

INDEXER = os.path.join(ROOT, os.environ.get("BIN", "bin"), "kb-indexer")
WORK = os.environ.get("KB_BENCH_DIR", "/var/tmp/kb-emerging-bench")
END = 1798761600  # a fixed "now" (2027-01-01), so runs are comparable
DAY = 86400


def indexer(data, *args, capture=True):
    p = subprocess.run([INDEXER, "--data", data, *args], capture_output=capture, text=True)
    if p.returncode != 0:
        raise SystemExit("kb-indexer %s failed: %s" % (" ".join(args), p.stderr[-2000:]))
    return p


def build(name, tickets, searches=None):
    data = os.path.join(WORK, name)
    if os.path.exists(os.path.join(data, "kb.sqlite3")):
        return data
    os.makedirs(data, exist_ok=True)
    src = os.path.join(WORK, name + ".jsonl")
    with open(src, "w") as f:
        f.write(ts.jsonl(tickets))
    t0 = time.time()
    indexer(data, "add", os.path.join(ROOT, "samples", "articles"))
    indexer(data, "add", src)
    if searches:
        ts.put_searches(os.path.join(data, "kb.sqlite3"), searches)
    print("# built %s: %d tickets, %d searches in %.0f s" %
          (name, len(tickets), len(searches or []), time.time() - t0), flush=True)
    return data


def replay(data, start, end, step):
    p = indexer(data, "emerging", "--replay-from", str(int(start)), "--step", str(int(step)),
                "--now", str(int(end)))
    rows = []
    for line in p.stdout.splitlines():
        t, n, ms, keys = (line.split("\t") + [""])[:4]
        rows.append((int(t), int(n), float(ms), keys.split() if keys else []))
    return rows


def same(a, b):
    return len(set(a.split("+")) & set(b.split("+"))) >= 2


def alerts(rows):
    """Alerts the server would send: once per problem (two of four key
    words shared with one alerted within the week is the same problem)."""
    sent = []
    for t, _, _, keys in rows:
        for k in keys:
            if not any(same(k, s) and t - st < 7 * DAY for st, s in sent):
                sent.append((t, k))
    return sent


def alarms(per_day=200, days=30, step=3600, searches_per_day=600):
    """Tickets and customers' searches together (3 searches a ticket)."""
    data = build("alarms-s", ts.background(days=days + 30, per_day=per_day, end=END, seed=101),
                 ts.searches(days=days + 30, per_day=searches_per_day, end=END, seed=103))
    rows = replay(data, END - days * DAY, END, step)
    flagged = [r for r in rows if r[1]]
    sent = alerts(rows)
    ms = sorted(r[2] for r in rows)
    print("false alarms: %d alerts over %d simulated days of %d tickets and %d searches a day "
          "(%d of %d cycles, one every %d min, flagged anything); cycle p50 %.0f ms, max %.0f ms" %
          (len(sent), days, per_day, searches_per_day, len(flagged), len(rows), step // 60,
           ms[len(ms) // 2], ms[-1]))
    for t, k in sent:
        print("  alert at day %.2f: %s" % ((t - (END - days * DAY)) / DAY, k))


def delay(sizes=(3, 5, 8, 12), per_day=200, step=300):
    data = build("delay", ts.background(days=40, per_day=per_day, end=END, seed=202))
    for n in sizes:
        for symptom in ("spam", "clock"):
            start = END - 4 * 3600
            burst = ts.burst(symptom, n=n, hours=2, end=start + 2 * 3600, seed=300 + n,
                             prefix="B%d" % n)
            src = os.path.join(WORK, "burst.jsonl")
            with open(src, "w") as f:
                f.write(ts.jsonl(burst))
            indexer(data, "add", src)
            times = sorted(time.mktime(time.strptime(b["created"], "%Y-%m-%dT%H:%M:%SZ"))
                           - time.timezone for b in burst)
            rows = replay(data, times[0], END, step)
            first = next((r for r in rows if r[1]), None)
            if first:
                seen = sum(1 for t in times if t <= first[0])
                print("burst of %2d (%s) over 2 h: flagged %5.0f min after its first ticket, "
                      "%.0f min after its last, with %d of them in" %
                      (n, symptom, (first[0] - times[0]) / 60, (first[0] - times[-1]) / 60, seen))
            else:
                print("burst of %2d (%s) over 2 h: not flagged" % (n, symptom))
            indexer(data, "remove", *[b["id"] for b in burst])


def cycle_runs(data, *extra):
    """Three single cycles as of END: the middle one's (ms, max RSS KiB,
    report), and every run's ms."""
    runs = []
    for _ in range(3):
        p = subprocess.run(["/usr/bin/time", "-f", "%M", INDEXER, "--data", data, "emerging",
                            "--now", str(END), *extra], capture_output=True, text=True)
        report = json.loads(p.stdout)
        line = [x for x in p.stderr.splitlines() if x.startswith("emerging:")][0]
        ms = float(line.split(",")[3].split()[0])
        rss = int(p.stderr.strip().splitlines()[-1])
        runs.append((ms, rss, report))
    runs.sort(key=lambda r: r[0])
    return runs[1], [r[0] for r in runs]


def cost(n=100000):
    for name, per_day in (("cost-200", 200), ("cost-3300", 3300)):
        days = n / per_day
        data = build(name, ts.background(days=days, per_day=per_day, end=END - 3 * 3600, seed=404)
                     + ts.burst("spam", n=8, hours=2, end=END - 60, seed=405))
        (ms, rss, report), all_ms = cycle_runs(data, "--no-searches")
        print("cost, %d tickets at %d a day (%d in the 6 h window): one cycle %.0f ms "
              "(runs %s), max RSS of the whole kb-indexer process %.1f MiB, %d problem(s) found" %
              (n, per_day, report["recent_tickets"], ms, ", ".join("%.0f" % m for m in all_ms),
               rss / 1024, len(report["problems"])))


def search_delay(sizes=(3, 4, 6, 10), per_day=600, step=300):
    """Waves of n distinct customers searching a new symptom over 2 hours,
    with no ticket: how long after the first search a 5-minute cycle flags
    it (the server also runs a cycle after every import)."""
    import sqlite3
    data = build("search-delay", ts.background(days=40, per_day=200, end=END, seed=505),
                 ts.searches(days=40, per_day=per_day, end=END, seed=506))
    db = os.path.join(data, "kb.sqlite3")
    for n in sizes:
        start = END - 4 * 3600
        wave = ts.search_wave("noise", n, 2, start + 2 * 3600, seed=600 + n)
        ts.put_searches(db, wave)
        times = sorted(w["time"] for w in wave)
        rows = replay(data, times[0], END, step)
        first = next((r for r in rows if r[1]), None)
        if first:
            seen = sum(1 for t in times if t <= first[0])
            print("search wave of %2d customers over 2 h: flagged %5.0f min after the first "
                  "search, %.0f min after the last, with %d of them in" %
                  (n, (first[0] - times[0]) / 60, (first[0] - times[-1]) / 60, seen))
        else:
            print("search wave of %2d customers over 2 h: not flagged" % n)
        con = sqlite3.connect(db)
        with con:
            con.execute("DELETE FROM searches WHERE visitor LIKE 'wave-%'")
        con.close()


def search_cost(n=100000):
    """One cycle with and without the searches' part, on 100,000 tickets
    (200 a day) and 100,000 customers' searches over the last 30 days."""
    data = build("search-cost", ts.background(days=n / 200, per_day=200, end=END - 3 * 3600,
                                              seed=404),
                 ts.searches(days=30, per_day=n / 30, end=END - 60, seed=407)
                 + ts.search_wave("noise", 8, 2, END - 60, seed=408))
    for extra in ((), ("--no-searches",)):
        (ms, rss, report), all_ms = cycle_runs(data, *extra)
        print("cost, 100,000 tickets + %d searches%s: one cycle %.0f ms (runs %s), max RSS "
              "%.1f MiB, %d problem(s); %d recent distinct queries, %d search topics" %
              (n, " (searches' part off)" if extra else "", ms,
               ", ".join("%.0f" % m for m in all_ms), rss / 1024, len(report["problems"]),
               report.get("recent_queries", 0), report.get("search_topics", 0)))


if __name__ == "__main__":
    os.makedirs(WORK, exist_ok=True)
    what = sys.argv[1:] or ["alarms", "delay", "cost", "search_delay", "search_cost"]
    for w in what:
        {"alarms": alarms, "delay": delay, "cost": cost, "search_delay": search_delay,
         "search_cost": search_cost}[w]()
