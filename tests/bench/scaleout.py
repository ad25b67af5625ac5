#!/usr/bin/env python3
"""Scale-out figures (issue 8), on this machine:

1. search throughput of one kb-server versus two read replicas behind a
   client-side round robin (the connections split evenly between them), as
   a ratio; once with every server free to use all cores, and once with each
   server pinned to its own core (taskset), standing in for one machine each;
2. replication lag under a steady stream of publishes: the time from a
   publish on the primary until a customer search on each replica finds it,
   and the lag each replica reports in /healthz meanwhile.

    /usr/bin/python3 tests/bench/scaleout.py [--docs 10000] [--seconds 10] [--conns 32]
        [--reps 3] [--publish-rate 2] [--publish-seconds 20] [--bin bin]
        [--out bench-out/scaleout.json]

The corpus is the benchmark's (make_corpus.py, in $KB_BENCH_CACHE/corpus) when it is
there, else the sample knowledge base. Needs wrk and xapian-tools."""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
LUA = os.path.join(HERE, "wrk", "rotate.lua")
CACHE = os.environ.get("KB_BENCH_CACHE", "/var/tmp/kb-bench")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    def __init__(self, binary, data, *args):
        self.proc = subprocess.Popen([binary, "--data", data, "--listen", "127.0.0.1:0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in self.proc.stdout:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        else:
            raise RuntimeError("kb-server did not start: %s" % " ".join(args))
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
        self.base = "http://127.0.0.1:%d" % self.port

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def call(base, method, path, body=None, token=None):
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, method=method, headers=h,
                                 data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def wrk(port, conns, secs, qfile):
    cmd = ["wrk", "-t", "2" if conns > 1 else "1", "-c", str(conns), "-d", "%ds" % secs,
           "--timeout", "10s", "-s", LUA, "http://127.0.0.1:%d" % port, "--", "search", qfile]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wrk_result(p):
    out, err = p.communicate()
    if p.returncode != 0:
        raise RuntimeError("wrk failed: " + err[-2000:])
    return json.loads([l for l in out.splitlines() if l.startswith("{")][-1])


def pin(server, cpu):
    subprocess.run(["taskset", "-a", "-p", "-c", cpu, str(server.proc.pid)], check=True,
                   capture_output=True)


def throughput(single, pair, conns, secs, qfile, reps):
    """Median of reps alternating runs: one server alone, then both replicas
    at once with the connections split between them (the client-side round
    robin). Alternating spreads other load on the machine over both."""
    wrk_result(wrk(single.port, conns, 2, qfile))  # warm-up
    wrk_result(wrk(pair[1].port, conns, 2, qfile))
    ones, twos, p99_1, p99_2, errors = [], [], [], [], 0
    for _ in range(reps):
        one = wrk_result(wrk(single.port, conns, secs, qfile))
        ps = [wrk(s.port, conns // 2, secs, qfile) for s in pair]
        two = [wrk_result(p) for p in ps]
        ones.append(one["rps"])
        twos.append(sum(r["rps"] for r in two))
        p99_1.append(one.get("p99_ms", 0))
        p99_2.append(max(r.get("p99_ms", 0) for r in two))
        errors += one.get("errors", 0) + sum(r.get("errors", 0) for r in two)
    med = statistics.median
    return {"one_rps": med(ones), "two_rps": med(twos), "ratio": med(twos) / med(ones),
            "ratios": [t / o for o, t in zip(ones, twos)], "one_p99_ms": med(p99_1),
            "two_p99_ms": med(p99_2), "errors": errors}


def lag_under_publishes(primary, replicas, writer, rate, secs):
    found = {i: [] for i in range(len(replicas))}
    health = {i: [] for i in range(len(replicas))}
    pending = []  # (word, number, t0)
    mu = threading.Lock()
    stop = threading.Event()

    def watch(i, srv):
        seen = set()
        while not stop.is_set() or len(seen) < len(pending):
            with mu:
                todo = [p for p in pending if p[1] not in seen]
            for word, n, t0 in todo:
                q = urllib.parse.quote(word)
                hits = call(srv.base, "GET", "/api/v1/search?q=" + q)["hits"]
                if any(h["number"] == n for h in hits):
                    seen.add(n)
                    found[i].append(time.monotonic() - t0)
            health[i].append(call(srv.base, "GET", "/healthz")["replica"]["lag_seconds"])
            if stop.is_set() and time.monotonic() > stop_at[0] + 10:
                break
            time.sleep(0.02)

    stop_at = [0.0]
    ws = [threading.Thread(target=watch, args=(i, s)) for i, s in enumerate(replicas)]
    for w in ws:
        w.start()
    end = time.monotonic() + secs
    k = 0
    while time.monotonic() < end:
        t_next = time.monotonic() + 1.0 / rate
        word = "lagword%06dx" % k
        a = call(primary.base, "POST", "/api/v1/articles",
                 {"title": "Lag probe %s" % word, "body": "Publish stream %s." % word}, writer)
        t0 = time.monotonic()
        call(primary.base, "POST", "/api/v1/articles/%d/publish" % a["number"], {}, writer)
        with mu:
            pending.append((word, a["number"], t0))
        k += 1
        time.sleep(max(0.0, t_next - time.monotonic()))
    stop_at[0] = time.monotonic()
    stop.set()
    for w in ws:
        w.join()

    def pct(xs, q):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else None

    out = {"publishes": k, "rate_per_s": rate}
    for i in found:
        out["replica%d" % (i + 1)] = {
            "found": len(found[i]), "p50_s": pct(found[i], 0.5), "p95_s": pct(found[i], 0.95),
            "max_s": max(found[i]) if found[i] else None,
            "healthz_lag_mean_s": statistics.mean(health[i]) if health[i] else None,
            "healthz_lag_max_s": max(health[i]) if health[i] else None}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--conns", type=int, default=32)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--publish-rate", type=float, default=2.0)
    ap.add_argument("--publish-seconds", type=int, default=20)
    ap.add_argument("--bin", default=os.path.join(ROOT, "bin"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-out", "scaleout.json"))
    args = ap.parse_args()
    server_bin = os.path.join(args.bin, "kb-server")
    indexer_bin = os.path.join(args.bin, "kb-indexer")
    for tool in ("wrk", "taskset", "xapian-replicate-server", "xapian-replicate"):
        if not shutil.which(tool):
            sys.exit("scaleout: %s is not installed" % tool)

    work = tempfile.mkdtemp(prefix="kb-scaleout-")
    procs = []
    try:
        data = os.path.join(work, "primary")
        corpus = os.path.join(CACHE, "corpus", "corpus.jsonl")
        qfile = os.path.join(CACHE, "corpus", "queries.txt")
        if os.path.exists(corpus) and os.path.exists(qfile):
            part = os.path.join(work, "corpus.jsonl")
            with open(corpus) as src, open(part, "w") as dst:
                for i, line in enumerate(src):
                    if i >= args.docs:
                        break
                    dst.write(line)
            sources = [part]
        else:
            log("scaleout: no benchmark corpus in %s; using the sample knowledge base" % CACHE)
            sources = [os.path.join(ROOT, "samples", "articles"),
                       os.path.join(ROOT, "samples", "tickets.jsonl")]
            qfile = os.path.join(work, "queries.txt")
            with open(qfile, "w") as f:
                f.write("\n".join(["router", "wifi drops", "reset password", "firmware update",
                                   "guest network", "mesh", "vpn", "parental controls"]) + "\n")
        t = time.monotonic()
        for s in sources:
            subprocess.run([indexer_bin, "--data", data, "-q", "add", s], check=True,
                           capture_output=True)
        log("scaleout: indexed %s in %.1f s" % (", ".join(sources), time.monotonic() - t))

        def token(role, name):
            p = subprocess.run([server_bin, "--data", data, "user", "token", "--role", role, name],
                               check=True, capture_output=True, text=True)
            return [w for w in p.stdout.split() if w.startswith("kbt_")][0]
        writer = token("writer", "bench-writer")
        tokfile = os.path.join(work, "token")
        with open(tokfile, "w") as f:
            f.write(token("admin", "bench-replication") + "\n")

        rport = free_port()
        primary = Server(server_bin, data, "--replication-port", "127.0.0.1:%d" % rport)
        procs.append(primary)
        replicas = []
        for i in (1, 2):
            replicas.append(Server(server_bin, os.path.join(work, "replica%d" % i),
                                   "--replica-of", primary.base, "--primary-token", tokfile,
                                   "--replicate-from", "127.0.0.1:%d" % rport))
            procs.append(replicas[-1])
        ncpu = os.cpu_count() or 1
        R = {"docs": args.docs, "cpus": ncpu, "conns": args.conns, "seconds": args.seconds}
        log("scaleout: throughput, servers free on %d cores" % ncpu)
        R["throughput_shared"] = throughput(replicas[0], replicas, args.conns, args.seconds, qfile,
                                            args.reps)
        if ncpu >= 2:
            log("scaleout: throughput, each server pinned to its own core")
            pin(primary, "0-%d" % (ncpu - 1))
            pin(replicas[0], "0")
            pin(replicas[1], "1")
            R["throughput_pinned"] = throughput(replicas[0], replicas, args.conns, args.seconds,
                                                qfile, args.reps)
            for s in procs:
                pin(s, "0-%d" % (ncpu - 1))
        log("scaleout: lag under %.1f publishes/s for %d s" % (args.publish_rate,
                                                               args.publish_seconds))
        R["lag"] = lag_under_publishes(primary, replicas, writer, args.publish_rate,
                                       args.publish_seconds)
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(R, f, indent=2)
        print(json.dumps(R, indent=2))
    finally:
        for p in procs:
            try:
                p.stop()
            except Exception:
                pass
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
