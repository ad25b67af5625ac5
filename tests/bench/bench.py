#!/usr/bin/python3
"""kb against its peers: indexing, search in-process and over HTTP, memory,
publish-to-searchable. Prints a table and writes bench-out/results.json.

Run by `make bench` (tests/bench/run.sh). Python 3 standard library only.
Every figure is the median of --reps runs. Cached: the corpus (in
$KB_BENCH_CACHE, default /var/tmp/kb-bench), rebuilt when make_corpus.py
or --docs changes. Not cached: every index is built (and timed) each run.
"""
import argparse
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "tests", "bench")
BUILD = os.environ.get("BUILD", "build")
BIN = os.path.join(ROOT, "bin")
PROGS = os.path.join(ROOT, BUILD, "bench")
LUA = os.path.join(HERE, "wrk", "rotate.lua")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def med_runs(runs):
    """Median of every numeric field over a list of dicts."""
    out = {}
    for k in runs[0]:
        vals = [r.get(k) for r in runs if isinstance(r.get(k), (int, float))]
        if vals:
            out[k] = median(vals)
    out["runs"] = len(runs)
    return out


def du(path):
    total = 0
    if os.path.isfile(path):
        return os.path.getsize(path)
    for d, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(d, f))
            except OSError:
                pass
    return total


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("no JSON line in output:\n" + text[-2000:])


# ---------------------------------------------------------------- corpus

def corpus(args):
    cache = args.cache
    out = os.path.join(cache, "corpus")
    with open(os.path.join(HERE, "make_corpus.py"), "rb") as f:
        sig = hashlib.sha256(f.read() + str(args.docs).encode()).hexdigest()[:16]
    stats_path = os.path.join(out, "stats.json")
    try:
        with open(stats_path) as f:
            st = json.load(f)
        if st.get("sig") == sig:
            log(f"corpus: cached in {out}")
            return out, st
    except (OSError, ValueError):
        pass
    log("corpus: building (cached for later runs)")
    subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"), "--root",
                    args.root or os.path.join(cache, "root"), "--out", out, "--docs", str(args.docs)],
                   check=True)
    with open(stats_path) as f:
        st = json.load(f)
    st["sig"] = sig
    with open(stats_path, "w") as f:
        json.dump(st, f, indent=1)
    return out, st


# ---------------------------------------------------------------- indexing

TIME_WALL = re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)")
TIME_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
TIME_USER = re.compile(r"User time \(seconds\): ([\d.]+)")
TIME_SYS = re.compile(r"System time \(seconds\): ([\d.]+)")


def timed(cmd, **kw):
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
    m = TIME_WALL.search(p.stderr)
    wall = (int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3)))
    rss = int(TIME_RSS.search(p.stderr).group(1))
    cpu = float(TIME_USER.search(p.stderr).group(1)) + float(TIME_SYS.search(p.stderr).group(1))
    return p, wall, rss, cpu


def index_once(engine, corpus_file, work, ndocs, nbytes):
    d = os.path.join(work, engine)
    shutil.rmtree(d, ignore_errors=True)
    if engine == "kb":
        _p, wall, rss, cpu = timed([os.path.join(BIN, "kb-indexer"), "-q", "--data", d, "add",
                                    corpus_file])
        size = du(os.path.join(d, "index"))
        extra = {"store_mb": (du(os.path.join(d, "kb.sqlite3")) +
                              du(os.path.join(d, "kb.sqlite3-wal"))) / 1e6}
    elif engine == "fts5":
        os.makedirs(d)
        _p, wall, rss, cpu = timed([os.path.join(PROGS, "fts5_bench"), "index",
                                    os.path.join(d, "fts5.db"), corpus_file])
        size = du(d)
        extra = {}
    else:
        os.makedirs(d)
        _p, wall, rss, cpu = timed([os.path.join(PROGS, "xapian_bench"), "index",
                                    os.path.join(d, "db"), corpus_file])
        size = du(d)
        extra = {}
    r = {"seconds": wall, "docs_per_s": ndocs / wall, "mb_per_s": nbytes / 1e6 / wall,
         "cpu_s": cpu, "size_mb": size / 1e6, "peak_rss_mb": rss / 1024}
    r.update(extra)
    log(f"index {engine}: {ndocs / wall:.0f} docs/s, {size / 1e6:.0f} MB, "
        f"{rss / 1024:.0f} MB peak RSS ({wall:.1f} s, {cpu:.1f} s CPU)")
    return r


# ---------------------------------------------------------------- HTTP

def wrk(port, mode, conns, secs, qfile=None, token=None):
    threads = 1 if conns == 1 else 2
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{int(secs)}s", "--timeout", "10s",
           "-s", LUA, f"http://127.0.0.1:{port}", "--", mode]
    if qfile:
        cmd.append(qfile)
    if token:
        cmd.append(token)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=secs + 60)
    if p.returncode != 0:
        raise RuntimeError(f"wrk failed: {p.stderr[-2000:]}")
    return last_json(p.stdout)


def req(port, method, path, body=None, token=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    hdrs = dict(r.getheaders())
    c.close()
    return r.status, hdrs, data


class Server:
    def __init__(self, data, logpath, threads):
        self.port = free_port()
        self.log = open(logpath, "w")
        self.p = subprocess.Popen([os.path.join(BIN, "kb-server"), "--data", data, "--listen",
                                   f"127.0.0.1:{self.port}", "--threads", str(threads)],
                                  stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                if req(self.port, "GET", "/healthz", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            if self.p.poll() is not None:
                raise RuntimeError(f"kb-server exited; see {logpath}")
            time.sleep(0.1)
        raise RuntimeError("kb-server did not come up")

    def rss_mb(self):
        v = rss_kb(self.p.pid)
        return v / 1024 if v else None

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.log.close()


def token(data, role, name):
    p = subprocess.run([os.path.join(BIN, "kb-server"), "--data", data, "user", "token",
                        "--role", role, name], capture_output=True, text=True, check=True)
    return p.stdout.strip().splitlines()[-1]


def publish_latency(port, wtoken, stop_at):
    """Creates and publishes an article with a unique word, then polls the
    search until it is found. Seconds from the publish request to the hit."""
    word = "kbpub" + "".join(random.choice(string.ascii_lowercase) for _ in range(10))
    st, hdrs, data = req(port, "POST", "/api/v1/articles", {
        "title": f"Benchmark publish check {word}",
        "body": f"This article proves that {word} is searchable soon after it is published."},
        token=wtoken)
    if st != 201:
        raise RuntimeError(f"create article: {st} {data[:300]!r}")
    loc = hdrs.get("Location") or hdrs.get("location")
    t0 = time.monotonic()
    st, _h, data = req(port, "POST", loc + "/publish", {}, token=wtoken)
    if st != 200:
        raise RuntimeError(f"publish: {st} {data[:300]!r}")
    while time.monotonic() < stop_at:
        st, _h, data = req(port, "GET", "/api/v1/search?q=" + word)
        if st == 200 and json.loads(data).get("hits"):
            return time.monotonic() - t0
        time.sleep(0.01)
    return None


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description="kb benchmark against FTS5, plain Xapian and a "
                                             "fixed-body HTTP server")
    ap.add_argument("--docs", type=int, default=100000)
    ap.add_argument("--reps", type=int, default=int(os.environ.get("KB_BENCH_REPS", 3)))
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("KB_BENCH_SECONDS", 5)),
                    help="length of each query measurement")
    ap.add_argument("--soak", type=float, default=60, help="length of the memory soak run")
    ap.add_argument("--cache", default=os.environ.get("KB_BENCH_CACHE", "/var/tmp/kb-bench"))
    ap.add_argument("--root", help="unpacked documentation packages (default: CACHE/root)")
    ap.add_argument("--index-reps", type=int, default=int(os.environ.get("KB_BENCH_INDEX_REPS", 0)),
                    help="indexing passes of each engine (default: --reps)")
    ap.add_argument("--reuse-index", action="store_true",
                    help="skip indexing: reuse the last run's indexes and indexing figures")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-out"))
    args = ap.parse_args()
    t_start = time.monotonic()
    random.seed(7)
    os.makedirs(args.out, exist_ok=True)
    work = os.path.join(args.cache, "run")
    os.makedirs(work, exist_ok=True)
    # Private copies of the programs: a rebuild during the run changes nothing.
    global BIN, PROGS
    bdir = os.path.join(work, "bin")
    shutil.rmtree(bdir, ignore_errors=True)
    os.makedirs(bdir)
    for src in [os.path.join(BIN, "kb-indexer"), os.path.join(BIN, "kb-server")] + [
            os.path.join(PROGS, n) for n in ("fts5_bench", "xapian_bench", "mhd_fixed", "kb_micro")]:
        shutil.copy2(src, bdir)
    BIN = PROGS = bdir

    cdir, cstats = corpus(args)
    cfile = os.path.join(cdir, "corpus.jsonl")
    qfile = os.path.join(cdir, "queries.txt")
    afile = os.path.join(cdir, "assist.jsonl")
    ndocs, nbytes = cstats["documents"], cstats["bytes"]
    R = {"corpus": cstats, "reps": args.reps, "seconds": args.seconds,
         "machine": {"cpus": os.cpu_count(), "load_at_start": os.getloadavg()}}

    # 1. Indexing, interleaved so that noise spreads over the engines.
    saved = os.path.join(work, "index-results.json")
    if args.reuse_index:
        with open(saved) as f:
            R["index"] = json.load(f)
        log(f"indexing: reusing the indexes and figures of the previous run ({saved})")
    else:
        runs = {"kb": [], "fts5": [], "xapian": []}
        for rep in range(args.index_reps or args.reps):
            for eng in ("kb", "fts5", "xapian"):
                runs[eng].append(index_once(eng, cfile, work, ndocs, nbytes))
        R["index"] = {e: med_runs(v) for e, v in runs.items()}
        for e, v in runs.items():
            R["index"][e]["all_runs"] = v
        with open(saved, "w") as f:
            json.dump(R["index"], f, indent=1)

    # 2. In-process peers (and kb in-process, to split HTTP from search).
    R["inproc"] = {}
    peers = {"fts5": [os.path.join(PROGS, "fts5_bench"), "search", os.path.join(work, "fts5", "fts5.db")],
             "xapian": [os.path.join(PROGS, "xapian_bench"), "search", os.path.join(work, "xapian", "db")],
             "kb": [os.path.join(PROGS, "kb_micro"), "search", os.path.join(work, "kb")]}
    for eng, base in peers.items():
        for th in (1, 2):
            rs = []
            for _ in range(args.reps):
                p = subprocess.run(base + [qfile, str(th), str(args.seconds)], capture_output=True,
                                   text=True, check=True)
                rs.append(last_json(p.stdout))
            R["inproc"][f"{eng}/{th}"] = med_runs(rs)
            m = R["inproc"][f"{eng}/{th}"]
            log(f"in-process {eng} x{th}: {m['rps']:.0f} q/s, p50 {m['p50_ms']:.2f} ms, "
                f"p99 {m['p99_ms']:.2f} ms")

    # The search log's own cost (one insert per HTTP search).
    R["search_log"] = {}
    for th in (1, 2):
        p = subprocess.run([os.path.join(PROGS, "kb_micro"), "log", os.path.join(work, "kb"),
                            str(th), "3"], capture_output=True, text=True, check=True)
        R["search_log"][str(th)] = last_json(p.stdout)

    # 3. HTTP ceiling: libmicrohttpd with a fixed 1 KB body, 2 threads.
    port = free_port()
    mhd = subprocess.Popen([os.path.join(PROGS, "mhd_fixed"), str(port), "2"])
    time.sleep(0.3)
    R["ceiling"] = {}
    try:
        for c in (1, 2, 8):
            R["ceiling"][str(c)] = med_runs([wrk(port, "fixed", c, args.seconds)
                                             for _ in range(args.reps)])
            log(f"ceiling c={c}: {R['ceiling'][str(c)]['rps']:.0f} req/s")
    finally:
        mhd.send_signal(signal.SIGTERM)
        mhd.wait()

    # 4. kb-server over HTTP.
    data = os.path.join(work, "kb")
    subprocess.run([os.path.join(BIN, "kb-indexer"), "-q", "--data", data, "add",
                    os.path.join(cdir, "tickets.jsonl")], check=True)
    atoken = token(data, "agent", f"bench-agent-{os.getpid()}")
    wtoken = token(data, "writer", f"bench-writer-{os.getpid()}")
    srv = Server(data, os.path.join(args.out, "server.log"), 2)
    R["http"] = {}
    R["memory"] = {"idle_mb": srv.rss_mb()}
    try:
        wrk(srv.port, "search", 2, 3, qfile)  # warm-up
        wrk(srv.port, "suggest", 2, 2, qfile)
        wrk(srv.port, "assist", 2, 2, afile, atoken)
        R["memory"]["before_mb"] = srv.rss_mb()
        for mode, f, tok in (("search", qfile, None), ("suggest", qfile, None),
                             ("assist", afile, atoken)):
            for c in (1, 2, 8):
                m = med_runs([wrk(srv.port, mode, c, args.seconds, f, tok)
                              for _ in range(args.reps)])
                R["http"][f"{mode}/{c}"] = m
                log(f"http {mode} c={c}: {m['rps']:.0f} req/s, p50 {m['p50_ms']:.2f} ms, "
                    f"p99 {m['p99_ms']:.2f} ms, p99.9 {m['p999_ms']:.2f} ms, "
                    f"errors {m['errors'] + m['non2xx']:.0f}")
        R["memory"]["after_mb"] = srv.rss_mb()

        # 5. Soak: search at 8 connections; memory every 2 s; three publishes.
        samples, lat = [], []
        done = threading.Event()
        soak_out = {}

        def run_soak():
            soak_out["r"] = wrk(srv.port, "search", 8, int(args.soak), qfile)
            done.set()

        t0 = time.monotonic()
        th = threading.Thread(target=run_soak)
        th.start()
        pubs = [args.soak * f for f in (0.2, 0.45, 0.7)]
        while not done.is_set():
            el = time.monotonic() - t0
            samples.append((round(el, 1), srv.rss_mb()))
            if pubs and el >= pubs[0]:
                pubs.pop(0)
                lat.append(publish_latency(srv.port, wtoken, time.monotonic() + 10))
                log(f"publish-to-searchable under load: {lat[-1]}")
            done.wait(2)
        th.join()
        R["soak"] = {"wrk": soak_out.get("r"), "rss_samples": samples}
        R["publish"] = {"latencies_s": lat, "median_s": median(lat),
                        "max_s": max([x for x in lat if x is not None], default=None),
                        "failed": sum(1 for x in lat if x is None)}
    finally:
        srv.stop()

    R["elapsed_s"] = time.monotonic() - t_start
    R["machine"]["load_at_end"] = os.getloadavg()
    report(R, args.out)


# ---------------------------------------------------------------- report

def f0(x):
    return "-" if x is None else f"{x:,.0f}"


def f1(x):
    return "-" if x is None else f"{x:.1f}"


def f2(x):
    return "-" if x is None else f"{x:.2f}"


def pct(x):
    return "-" if x is None else f"{100 * x:.1f}%"


def ratio(a, b):
    return None if not a or not b else a / b


def report(R, outdir):
    ix = R["index"]
    c = R["corpus"]
    out = []
    p = out.append
    p(f"kb benchmark: {c['documents']:,} documents ({c['real']:,} real, {c['recombined']:,} "
      f"recombined from real paragraphs), {c['bytes'] / 1e6:.0f} MB JSONL, {c['queries']} queries; "
      f"median of {R['reps']}; {R['elapsed_s'] / 60:.1f} min; load average "
      f"{R['machine']['load_at_start'][0]:.1f} at start, {R['machine'].get('load_at_end', [0])[0]:.1f} at end "
      f"({R['machine']['cpus']} CPUs)")
    p("")
    p("Indexing                  kb        FTS5     Xapian   kb/FTS5  kb/Xapian")
    for key, label, fmt in (("docs_per_s", "documents/s", f0), ("mb_per_s", "MB/s", f1),
                            ("size_mb", "index MB", f0), ("peak_rss_mb", "peak RSS MB", f0),
                            ("cpu_s", "CPU s", f1)):
        a, b, x = ix["kb"].get(key), ix["fts5"].get(key), ix["xapian"].get(key)
        p(f"  {label:<20}{fmt(a):>10}{fmt(b):>12}{fmt(x):>11}{f2(ratio(a, b)):>10}{f2(ratio(a, x)):>11}")
    p(f"  (kb index = Xapian databases; its SQLite store, the source of truth, is another "
      f"{ix['kb'].get('store_mb', 0):,.0f} MB)")
    p("")
    p("Search in-process, top 10      q/s    p50 ms    p99 ms  p99.9 ms")
    for k in ("fts5/1", "fts5/2", "xapian/1", "xapian/2", "kb/1", "kb/2"):
        m = R["inproc"][k]
        eng, th = k.split("/")
        name = {"fts5": "FTS5", "xapian": "plain Xapian", "kb": "kb (snippets, facets)"}[eng]
        p(f"  {name + ' x' + th:<26}{f0(m['rps']):>9}{f2(m['p50_ms']):>10}{f2(m['p99_ms']):>10}{f2(m['p999_ms']):>10}")
    sl = R["search_log"]
    p(f"  search-log insert alone: {f0(sl['1']['rps'])}/s on 1 thread (p99 {f2(sl['1']['p99_ms'])} ms), "
      f"{f0(sl['2']['rps'])}/s on 2 (p99 {f2(sl['2']['p99_ms'])} ms)")
    p("")
    p("HTTP (wrk)            conns    req/s   p50 ms   p99 ms p99.9 ms  errors  ceiling req/s  of ceiling")
    for mode in ("search", "suggest", "assist"):
        for cc in (1, 2, 8):
            m = R["http"][f"{mode}/{cc}"]
            ce = R["ceiling"][str(cc)]["rps"]
            p(f"  {mode:<20}{cc:>5}{f0(m['rps']):>9}{f2(m['p50_ms']):>9}{f2(m['p99_ms']):>9}"
              f"{f2(m['p999_ms']):>9}{f0(m['errors'] + m['non2xx']):>8}{f0(ce):>15}{pct(ratio(m['rps'], ce)):>12}")
    mem = R["memory"]
    rs = [v for _t, v in R["soak"]["rss_samples"] if v]
    p("")
    p(f"Server RSS MB: idle {f0(mem['idle_mb'])}, before load {f0(mem['before_mb'])}, after "
      f"{f0(mem['after_mb'])}; soak {len(rs) * 2} s at 8 connections: first {f0(rs[0] if rs else None)}, "
      f"max {f0(max(rs) if rs else None)}, last {f0(rs[-1] if rs else None)}")
    pub = R["publish"]
    p(f"Publish-to-searchable under full search load: {', '.join(f2(x) for x in pub['latencies_s'])} s")
    p("")

    # Targets.
    s2, s8 = R["http"]["search/2"], R["http"]["search/8"]
    xq = max(R["inproc"]["xapian/1"]["rps"], R["inproc"]["xapian/2"]["rps"])
    fq = max(R["inproc"]["fts5/1"]["rps"], R["inproc"]["fts5/2"]["rps"])
    flat = (rs[-1] - rs[len(rs) // 4]) if len(rs) > 4 else None
    T = [
        ("search c=2 p50 <= 1.5 ms", s2["p50_ms"], 1.5, "le", "ms"),
        ("search c=2 p99 <= 6 ms", s2["p99_ms"], 6, "le", "ms"),
        ("search c=8 q/s >= 70% of plain Xapian in-process", s8["rps"], 0.7 * xq, "ge", "q/s"),
        ("search c=8 q/s >= 20x FTS5 in-process", s8["rps"], 20 * fq, "ge", "q/s"),
        ("typeahead c=8 p99 <= 3 ms", R["http"]["suggest/8"]["p99_ms"], 3, "le", "ms"),
        ("assist c=2 p99 <= 30 ms", R["http"]["assist/2"]["p99_ms"], 30, "le", "ms"),
        ("indexing >= 4,000 documents/s", ix["kb"]["docs_per_s"], 4000, "ge", "docs/s"),
        ("index size <= plain Xapian's", ix["kb"]["size_mb"], ix["xapian"]["size_mb"], "le", "MB"),
        ("server RSS <= 300 MB under load", max(rs) if rs else None, 300, "le", "MB"),
        ("RSS flat over the soak (growth after warm-up)", flat, 10, "le", "MB"),
        ("publish-to-searchable <= 1 s (worst of 3)", pub["max_s"] if not pub["failed"] else None,
         1.0, "le", "s"),
    ]
    p("Targets                                              measured       target   result")
    R["targets"] = []
    for name, v, tgt, how, unit in T:
        if v is None:
            res = "MISSED (no figure)"
            ok = False
        else:
            ok = v <= tgt if how == "le" else v >= tgt
            if ok:
                res = "met"
            elif how == "le":
                res = f"MISSED by {v - tgt:,.2f} {unit} ({v / tgt:.1f}x)"
            else:
                res = f"MISSED by {tgt - v:,.0f} {unit} ({tgt / v:.1f}x short)" if v else "MISSED"
        p(f"  {name:<50}{('-' if v is None else f'{v:,.2f}'):>11} {tgt:>11,.2f}   {res}")
        R["targets"].append({"target": name, "measured": v, "limit": tgt, "met": ok})
    text = "\n".join(out)
    print(text)
    with open(os.path.join(outdir, "table.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(R, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--report":  # --report results.json: table again
        with open(sys.argv[2]) as fh:
            report(json.load(fh), os.path.dirname(os.path.abspath(sys.argv[2])))
    else:
        main()
