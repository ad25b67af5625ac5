#!/usr/bin/env python3
"""Figures for emerging problems (issue 21), not part of `make test`:

    /usr/bin/python3 tests/bench/emerging.py alarms   # false alarms per simulated month
    /usr/bin/python3 tests/bench/emerging.py delay    # detection delay by burst size
    /usr/bin/python3 tests/bench/emerging.py cost     # one cycle on 100,000 tickets (ms, RSS)

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


def build(name, tickets):
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
    print("# built %s: %d tickets in %.0f s" % (name, len(tickets), time.time() - t0), flush=True)
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


def alarms(per_day=200, days=30, step=3600):
    data = build("alarms", ts.background(days=days + 30, per_day=per_day, end=END, seed=101))
    rows = replay(data, END - days * DAY, END, step)
    flagged = [r for r in rows if r[1]]
    sent = alerts(rows)
    ms = sorted(r[2] for r in rows)
    print("false alarms: %d alerts over %d simulated days (%d of %d hourly cycles flagged "
          "anything); cycle p50 %.0f ms, max %.0f ms" % (len(sent), days, len(flagged), len(rows),
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


def cost(n=100000):
    for name, per_day in (("cost-200", 200), ("cost-3300", 3300)):
        days = n / per_day
        data = build(name, ts.background(days=days, per_day=per_day, end=END - 3 * 3600, seed=404)
                     + ts.burst("spam", n=8, hours=2, end=END - 60, seed=405))
        runs = []
        for _ in range(3):
            p = subprocess.run(["/usr/bin/time", "-f", "%M", INDEXER, "--data", data, "emerging",
                                "--now", str(END)], capture_output=True, text=True)
            report = json.loads(p.stdout)
            line = [x for x in p.stderr.splitlines() if x.startswith("emerging:")][0]
            ms = float(line.split(",")[3].split()[0])
            rss = int(p.stderr.strip().splitlines()[-1])
            runs.append((ms, rss, len(report["problems"]), report["recent_tickets"]))
        runs.sort()
        ms, rss, probs, recent = runs[1]
        print("cost, %d tickets at %d a day (%d in the 6 h window): one cycle %.0f ms "
              "(runs %s), max RSS of the whole kb-indexer process %.1f MiB, %d problem(s) found" %
              (n, per_day, recent, ms, ", ".join("%.0f" % r[0] for r in runs), rss / 1024, probs))


if __name__ == "__main__":
    os.makedirs(WORK, exist_ok=True)
    what = sys.argv[1:] or ["alarms", "delay", "cost"]
    for w in what:
        {"alarms": alarms, "delay": delay, "cost": cost}[w]()
