#!/usr/bin/python3
"""Backup and restore on a big store (issue 18; not part of `make test`).

    /usr/bin/python3 tests/bench/backup.py --docs 20000 [--work /var/tmp/kb-backup-bench]

Builds a store of --docs articles (paragraphs of the sample knowledge base and the
installed GNOME help recombined, fixed seed), then measures:
  1. `kb-indexer rebuild` of the whole index (what a restore without the index costs);
  2. `POST /api/v1/admin/backup` on a running server while clients search, with the
     search latency (p50, p99) before and during the backup;
  3. `kb-server restore` of that backup into a fresh directory (store copy + rebuild).
Prints one JSON object with the figures.
"""
import argparse
import glob
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from server import KbServer  # noqa: E402
from kbtest import INDEXER, SERVER  # noqa: E402

TAG = re.compile(r"<[^>]+>")
WS = re.compile(r"\s+")


def paragraphs():
    out = []
    for p in glob.glob(os.path.join(ROOT, "samples", "articles", "**", "*"), recursive=True):
        if os.path.isfile(p):
            out += [WS.sub(" ", TAG.sub(" ", x)).strip()
                    for x in open(p, errors="replace").read().split("\n\n")]
    for p in glob.glob("/usr/share/help/C/gnome-help/*.page"):
        out += [WS.sub(" ", TAG.sub(" ", x)).strip()
                for x in re.findall(r"<p>(.*?)</p>", open(p, errors="replace").read(), re.S)]
    return [x for x in out if len(x.split()) >= 8]


def make_corpus(path, n):
    rnd = random.Random(18)
    paras = paragraphs()
    cats = ["network", "billing", "account", "desktop", "printing", "mobile", "security"]
    with open(path, "w") as f:
        for i in range(n):
            body = "\n\n".join(rnd.choice(paras) for _ in range(rnd.randint(3, 12)))
            words = body.split()
            title = " ".join(words[rnd.randrange(max(1, len(words) - 6)):][:rnd.randint(3, 7)])
            f.write(json.dumps({"id": "bench-%06d" % i, "title": title or "article %d" % i,
                                "body": body, "category": rnd.choice(cats)}) + "\n")
    return paras


def timed(cmd, **kw):
    t = time.time()
    subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)
    return time.time() - t


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))] if xs else None


def search_load(srv, words, stop, lat):
    import requests
    s = requests.Session()
    rnd = random.Random(threading.get_ident())
    while not stop.is_set():
        q = " ".join(rnd.choice(words) for _ in range(2))
        t = time.time()
        s.get(srv.url("/api/v1/search"), params={"q": q}, timeout=60)
        lat.append((time.time(), time.time() - t))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--work", default="/var/tmp/kb-backup-bench")
    ap.add_argument("--clients", type=int, default=2)
    a = ap.parse_args()
    data = os.path.join(a.work, "data-%d" % a.docs)
    corpus = os.path.join(a.work, "corpus-%d.jsonl" % a.docs)
    os.makedirs(a.work, exist_ok=True)
    res = {"docs": a.docs}
    if not os.path.exists(os.path.join(data, "kb.sqlite3")):
        paras = make_corpus(corpus, a.docs)
        res["load_s"] = round(timed([INDEXER, "--data", data, "add", corpus], timeout=7200), 2)
    else:
        paras = paragraphs()
    res["store_mb"] = round(os.path.getsize(os.path.join(data, "kb.sqlite3")) / 1e6, 1)
    res["rebuild_s"] = round(timed([INDEXER, "--data", data, "rebuild"], timeout=7200), 2)
    words = [w for w in " ".join(paras[:400]).lower().split() if w.isalpha() and len(w) > 3]
    subprocess.run([SERVER, "--data", data, "user", "add", "--role", "admin", "bench"],
                   input="benchpassword1\n", capture_output=True, text=True)
    tok = subprocess.run([SERVER, "--data", data, "user", "token", "--role", "admin",
                          "bench-%d" % time.time()], capture_output=True, text=True,
                         check=True).stdout.strip()
    out_dirs = []
    with KbServer(data) as srv:
        stop, lat = threading.Event(), []
        ts = [threading.Thread(target=search_load, args=(srv, words, stop, lat))
              for _ in range(a.clients)]
        for t in ts:
            t.start()
        time.sleep(5)
        t0 = time.time()
        r = srv.post("/api/v1/admin/backup", headers={"Authorization": "Bearer " + tok},
                     timeout=3600)
        t1 = time.time()
        time.sleep(2)
        stop.set()
        for t in ts:
            t.join()
        assert r.status_code == 200, r.text
        b = r.json()
        out_dirs.append(b["path"])
        before = [d for (when, d) in lat if when < t0]
        during = [d for (when, d) in lat if t0 <= when - d and when <= t1]
        res.update({"backup_s": round(t1 - t0, 2), "backup_store_s": b["seconds"],
                    "backup_mb": round(b["bytes"] / 1e6, 1),
                    "search_before_ms": {"n": len(before),
                                         "p50": round(pct(before, 50) * 1000, 1),
                                         "p99": round(pct(before, 99) * 1000, 1)},
                    "search_during_ms": {"n": len(during),
                                         "p50": round(pct(during, 50) * 1000, 1) if during else None,
                                         "p99": round(pct(during, 99) * 1000, 1) if during else None}})
    fresh = os.path.join(a.work, "restored")
    shutil.rmtree(fresh, ignore_errors=True)
    res["restore_s"] = round(timed([SERVER, "restore", out_dirs[0], "--data", fresh],
                                   timeout=7200), 2)
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(out_dirs[0], ignore_errors=True)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
