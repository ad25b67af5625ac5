#!/usr/bin/python3
"""kb against its peers: indexing, search in-process and over HTTP, memory,
publish-to-searchable. Prints a table and writes bench-out/results.json.

Run by `make bench` (tests/bench/run.sh). Python 3 standard library only.
Every figure is the median of --reps runs. Search and typeahead read a
stream of queries that never repeats within the run (stream.txt of the
corpus), so kb-server's result cache cannot answer them; a Zipf mix of the
2,000-query set is measured beside it, with the hit rates from /metrics. Cached: the corpus (in
$KB_BENCH_CACHE, default /var/tmp/kb-bench), rebuilt when make_corpus.py
changes. Not cached: every index is built (and timed) each run. The
programs come from $BIN (default bin) and $BUILD/bench (default build).
The schedule fits 15 minutes at 100,000 documents: README "How long it takes".
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
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "tests", "bench")
BUILD = os.environ.get("BUILD") or "build"
BIN = os.path.join(ROOT, os.environ.get("BIN") or "bin")
PROGS = os.path.join(ROOT, BUILD, "bench")
LUA = os.path.join(HERE, "wrk", "rotate.lua")

# One indexing pass, seconds per 100,000 documents, measured on the 2-vCPU
# benchmark machine when it was quiet (for the time estimate only).
INDEX_S_PER_100K = {"kb": 82, "fts5": 20, "xapian": 125}
# kb-server's uncached search rate at 2 connections, 100,000 documents, for
# the estimate of the result-cache fill (2,000 searches).
UNCACHED_SEARCH_PER_S = 150


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

def corpus_dir(args):
    """Where the corpus is cached and the signature it must carry."""
    # 100,000 documents in corpus/, other sizes beside it: a quick look at
    # 3,000 does not replace the full corpus (and cost the next full run a
    # rebuild that is not in its 15 minutes).
    out = os.path.join(args.cache, "corpus" if args.docs == 100000 else f"corpus-{args.docs}")
    with open(os.path.join(HERE, "make_corpus.py"), "rb") as f:
        sig = hashlib.sha256(f.read() + str(args.docs).encode() +
                             str(args.stream).encode()).hexdigest()[:16]
    return out, sig


def corpus_cached(args):
    """1 when the corpus for --docs is cached and current."""
    out, sig = corpus_dir(args)
    try:
        with open(os.path.join(out, "stats.json")) as f:
            return json.load(f).get("sig") == sig
    except (OSError, ValueError):
        return False


def corpus(args):
    cache = args.cache
    out, sig = corpus_dir(args)
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
                    args.root or os.path.join(cache, "root"), "--out", out, "--docs", str(args.docs),
                    "--stream", str(args.stream)],
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
        # The store: everything in the data folder but the index (the SQLite
        # database, its WAL, any side file a store keeps beside it).
        extra = {"store_mb": (du(d) - size) / 1e6}
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
    """One wrk run. Search and suggest split qfile between wrk's threads and
    read it once, in order ("repeats" counts requests past its end)."""
    threads = 1 if conns == 1 else 2
    secs = max(1, int(secs + 0.5))  # wrk takes whole seconds
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{secs}s", "--timeout", "10s",
           "-s", LUA, f"http://127.0.0.1:{port}", "--", mode]
    if qfile:
        cmd += [qfile, token or "-"]
        if mode in ("search", "suggest"):
            cmd.append(str(threads))
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


def rotate_paths(mode, qfile):
    """The request paths wrk/rotate.lua makes of qfile for search or suggest,
    in its order, byte for byte (so they are the same cache keys)."""
    paths = []
    with open(qfile, "rb") as f:
        for line in f.read().split(b"\n"):
            if not line:
                continue
            if mode == "suggest":  # the last word cut short, as rotate.lua
                m = re.match(rb"^(.*?)(\S+)$", line, re.S)
                head, last = m.group(1), m.group(2)
                line = head + last[:max(1, len(last) // 2 + 1)]
            q = urllib.parse.quote(line, safe="-_.~")
            paths.append(f"/api/v1/{mode}?q={q}")
    return paths


def fill(port, paths, conns=2):
    """Requests every path once, over conns keep-alive connections. What it
    took: requests, seconds, rate, non-200 answers."""
    bad = []

    def run(part):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        for path in part:
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            n += r.status != 200
        c.close()
        bad.append(n)

    t0 = time.monotonic()
    ths = [threading.Thread(target=run, args=(paths[i * len(paths) // conns:
                                                     (i + 1) * len(paths) // conns],))
           for i in range(conns)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    el = time.monotonic() - t0
    return {"requests": len(paths), "seconds": el, "rps": len(paths) / el if el else None,
            "non200": sum(bad)}


def cache_metrics(port, tok):
    """kb_search_cache_* from /metrics (summed over labels, if any); {} when
    the server does not report them."""
    try:
        st, _h, data = req(port, "GET", "/metrics", token=tok)
    except OSError:
        return {}
    if st != 200:
        return {}
    out = {}
    for line in data.decode("utf-8", "replace").splitlines():
        m = re.match(r"^(kb_search_cache_\w+?)(?:\{[^}]*\})?\s+(\S+)$", line.strip())
        if m:
            out[m.group(1)] = out.get(m.group(1), 0) + float(m.group(2))
    return out


def cache_delta(a, b):
    """Hits, misses and hit rate between two cache_metrics readings."""
    h, m = "kb_search_cache_hits_total", "kb_search_cache_misses_total"
    if not all(k in x for k in (h, m) for x in (a, b)):
        return {"hits": None, "misses": None, "hit_rate": None}
    hits, misses = b[h] - a[h], b[m] - a[m]
    return {"hits": hits, "misses": misses,
            "hit_rate": hits / (hits + misses) if hits + misses else None}


def has_cache_option():
    """1 when kb-server knows --search-cache-mb (its --help lists it)."""
    p = subprocess.run([os.path.join(BIN, "kb-server"), "--help"], capture_output=True, text=True)
    return "--search-cache-mb" in p.stdout + p.stderr


class Server:
    def __init__(self, data, logpath, threads, extra=()):
        self.port = free_port()
        self.log = open(logpath, "w")
        self.p = subprocess.Popen([os.path.join(BIN, "kb-server"), "--data", data, "--listen",
                                   f"127.0.0.1:{self.port}", "--threads", str(threads)] + list(extra),
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


# ---------------------------------------------------------------- query streams

class Stream:
    """The never-repeated queries (the corpus's stream.txt), handed out in
    slices that never overlap: every run, warm-up and fill of the whole
    benchmark reads queries no earlier one read, so kb-server's result cache
    never holds an answer to them. (The three in-process engines read the
    same slice, each once: none of them caches, and they are compared on the
    same queries.) A slice is written to a file of its own for the program
    that reads it."""

    def __init__(self, path, qdir):
        with open(path, encoding="utf-8") as f:
            self.lines = [l for l in f.read().split("\n") if l]
        self.pos = 0
        self.qdir = qdir
        shutil.rmtree(qdir, ignore_errors=True)
        os.makedirs(qdir)
        self.slices = []

    def take(self, name, n):
        """A file of the next n queries (fewer if the stream ends: the run
        then shows repeats)."""
        n = max(1, int(n))
        part = self.lines[self.pos:self.pos + n]
        if len(part) < n:
            log(f"stream: {name} wanted {n} queries, {len(part)} left of {len(self.lines)} "
                f"(a bigger --stream makes more)")
            if not part:
                part = self.lines[-1000:]  # nothing left: repeats, and the table says so
        self.slices.append((name, self.pos, len(part)))
        self.pos += len(part)
        path = os.path.join(self.qdir, f"{len(self.slices):03d}-{name}.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(part) + "\n")
        return path


class Zipf:
    """Queries drawn from the 2,000-query set with probability 1/rank^s (the
    file's order is the rank), fixed seed: the repeated traffic a result
    cache is for. Each run gets the next draws of one sequence."""

    def __init__(self, path, qdir, s=1.0, seed=11):
        with open(path, encoding="utf-8") as f:
            self.pool = [l for l in f.read().split("\n") if l]
        self.s = s
        self.rng = random.Random(seed)
        cum, t = [], 0.0
        for r in range(1, len(self.pool) + 1):
            t += 1.0 / r ** s
            cum.append(t)
        self.cum = cum
        self.qdir = qdir
        self.n = 0

    def take(self, name, n):
        n = max(1, min(int(n), 60000))  # rotate.lua cycles a slice; draws are independent
        draws = self.rng.choices(self.pool, cum_weights=self.cum, k=n)
        self.n += 1
        path = os.path.join(self.qdir, f"zipf-{self.n:03d}-{name}.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(draws) + "\n")
        return path


def budget(rate, secs, factor=3.0):
    """Queries to hand a run of secs at about rate/s: room for a run faster
    than the fastest so far (c=1 to c=2 doubles it on 2 cores; a quieter
    machine)."""
    return int(rate * max(secs, 1) * factor) + 300


# ---------------------------------------------------------------- schedule

CONNS = (1, 2, 8)
FILL = 2000  # fresh queries that fill each mode's cache before its runs


def size_factor(docs):
    """The search target's share of plain Xapian for a corpus of docs
    documents (issue 15: 0.35x at 30,000, 0.5x at 100,000): linear in
    between, the nearer end's outside."""
    if docs <= 30000:
        return 0.35
    if docs >= 100000:
        return 0.5
    return 0.35 + 0.15 * (docs - 30000) / 70000


def schedule(args, cache_ok):
    """Estimated seconds of each phase on a quiet 2-vCPU machine: indexing
    from INDEX_S_PER_100K, the rest from the run lengths plus what each run
    costs beyond them (start-up, the query in flight at the end: about
    0.1 s for wrk, 0.2 s in-process). README "How long it takes"."""
    reps, sec, fast = args.reps, args.seconds, args.fast_seconds
    wsec, wfast = max(1, int(sec + 0.5)), max(1, int(fast + 0.5))  # wrk: whole seconds
    frac = args.docs / 100000
    e = {"indexing": 0 if args.reuse_index else
         args.index_reps * frac * sum(INDEX_S_PER_100K.values()),
         "in-process": 0.7 + 3 * 2 * reps * (sec + 0.2),
         "search log": 2 * reps * (fast + 0.1),
         "HTTP ceiling": 0.3 + wfast + 3 * reps * (wfast + 0.1),
         "tickets": 4}
    search_runs = 3 * reps * (wsec + 0.1)  # never-repeated: uncached speed, --seconds
    suggest_runs = 3 * reps * (wfast + 0.1)
    if cache_ok:
        e["HTTP, cache off"] = 1 + 2 * (wfast + 0.1) + search_runs + suggest_runs
        fills = FILL / UNCACHED_SEARCH_PER_S * max(frac, 0.1) + 1
        zipf = 2 * (1 + reps) * (wfast + 0.1)  # search and typeahead, c=8
        e["HTTP, as shipped"] = (1 + (wfast + 0.1) + fills + search_runs + suggest_runs + zipf
                                 + 3 * reps * (wsec + 0.1))
    else:
        e["HTTP, as shipped"] = (1 + 3 * (wfast + 0.1) + search_runs + suggest_runs
                                 + 3 * reps * (wsec + 0.1))
    e["soak"] = args.soak + 1
    return e


NAMES = {"search": "search", "suggest": "typeahead", "assist": "assist (300-word ticket)"}


def row_label(key):
    """The name of a row of HTTP figures, in the table: what the queries
    were and whether the cache was on."""
    mode, conns, stream, variant = key.split("/")
    name = NAMES[mode]
    if mode == "assist":
        return name
    what = {"new": "never-repeated", "zipf": "Zipf mix"}[stream]
    cache = {"on": "cache on", "off": "cache off", "none": "no result cache in this build"}[variant]
    return f"{name}, {what}, {cache}"


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description="kb benchmark against FTS5, plain Xapian and a "
                                             "fixed-body HTTP server")
    ap.add_argument("--docs", type=int, default=100000)
    ap.add_argument("--reps", type=int, default=int(os.environ.get("KB_BENCH_REPS", 3)),
                    help="runs of every query measurement; the median is reported (default 3)")
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("KB_BENCH_SECONDS", 2)),
                    help="length of each in-process run and of each wrk run at hundreds of "
                         "requests/s or fewer: uncached search, assist (default 2)")
    ap.add_argument("--fast-seconds", type=float,
                    default=float(os.environ.get("KB_BENCH_FAST_SECONDS", 1)),
                    help="length of each run at thousands of requests/s: the HTTP ceiling, "
                         "cached search, typeahead, the search-log insert (default 1)")
    ap.add_argument("--soak", type=float, default=60, help="length of the memory soak run (default 60)")
    ap.add_argument("--cache", default=os.environ.get("KB_BENCH_CACHE", "/var/tmp/kb-bench"))
    ap.add_argument("--root", help="unpacked documentation packages (default: CACHE/root)")
    ap.add_argument("--index-reps", type=int, default=int(os.environ.get("KB_BENCH_INDEX_REPS", 0)),
                    help="indexing passes of each engine (default: --reps, so 3)")
    ap.add_argument("--reuse-index", action="store_true",
                    help="skip indexing: reuse the last run's indexes and indexing figures")
    ap.add_argument("--stream", type=int, default=1000000,
                    help="never-repeated queries the corpus holds (make_corpus.py --stream; "
                         "default 1,000,000)")
    ap.add_argument("--zipf-s", type=float, default=1.0,
                    help="exponent of the Zipf mix over the 2,000-query set (default 1.0)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-out"))
    args = ap.parse_args()
    args.index_reps = args.index_reps or args.reps
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
    cache_ok = has_cache_option()
    fast = args.fast_seconds

    est = schedule(args, cache_ok)
    log(f"estimate for a quiet 2-vCPU machine: {sum(est.values()) / 60:.1f} min: indexing "
        f"{est['indexing'] / 60:.1f} ({args.index_reps} x each engine), everything else "
        f"{(sum(est.values()) - est['indexing']) / 60:.1f} (median of {args.reps} runs of "
        f"{args.seconds:g} s, {fast:g} s at thousands of requests/s; soak {args.soak:g} s)"
        + ("" if corpus_cached(args) else "; plus building the corpus, which is not cached yet"))
    if not cache_ok:
        log("kb-server has no --search-cache-mb: no result cache to switch off, so the "
            "cache-off rows are skipped")
    phases = {}
    t_phase = [time.monotonic()]

    def phase(name):
        now = time.monotonic()
        phases[name] = now - t_phase[0]
        t_phase[0] = now

    cdir, cstats = corpus(args)
    cfile = os.path.join(cdir, "corpus.jsonl")
    qfile = os.path.join(cdir, "queries.txt")
    afile = os.path.join(cdir, "assist.jsonl")
    ndocs, nbytes = cstats["documents"], cstats["bytes"]
    R = {"corpus": cstats, "reps": args.reps, "index_reps": args.index_reps,
         "seconds": args.seconds, "fast_seconds": fast, "soak_seconds": args.soak,
         "machine": {"cpus": os.cpu_count(), "load_at_start": os.getloadavg()}}
    phase("setup")

    # 1. Indexing, interleaved so that noise spreads over the engines.
    saved = os.path.join(work, "index-results.json")
    if args.reuse_index:
        with open(saved) as f:
            R["index"] = json.load(f)
        log(f"indexing: reusing the indexes and figures of the previous run ({saved})")
    else:
        runs = {"kb": [], "fts5": [], "xapian": []}
        for rep in range(args.index_reps):
            for eng in ("kb", "fts5", "xapian"):
                runs[eng].append(index_once(eng, cfile, work, ndocs, nbytes))
        R["index"] = {e: med_runs(v) for e, v in runs.items()}
        for e, v in runs.items():
            R["index"][e]["all_runs"] = v
        with open(saved, "w") as f:
            json.dump(R["index"], f, indent=1)
    phase("indexing")

    # 2. In-process peers (and kb in-process, to split HTTP from search),
    # on the never-repeated stream: each (threads, run) gets a fresh slice,
    # which the three engines read in the same order. A short plain-Xapian
    # run first sizes the slices (the fastest of the three).
    stream = Stream(os.path.join(cdir, "stream.txt"), os.path.join(work, "q"))
    zipf = Zipf(qfile, os.path.join(work, "q"), args.zipf_s)
    R["stream"] = {"size": len(stream.lines), "zipf_s": args.zipf_s, "zipf_pool": len(zipf.pool)}
    R["inproc"] = {}
    peers = {"fts5": [os.path.join(PROGS, "fts5_bench"), "search", os.path.join(work, "fts5", "fts5.db")],
             "xapian": [os.path.join(PROGS, "xapian_bench"), "search", os.path.join(work, "xapian", "db")],
             "kb": [os.path.join(PROGS, "kb_micro"), "search", os.path.join(work, "kb")]}

    def inproc(eng, f, th, secs):
        p = subprocess.run(peers[eng] + [f, str(th), str(secs)], capture_output=True, text=True,
                           check=True)
        return last_json(p.stdout)

    cal = inproc("xapian", stream.take("inproc-calibration", 20000), 2, 0.5)
    top = cal["rps"]
    log(f"in-process calibration: plain Xapian x2 {top:.0f} q/s")
    runs = {f"{e}/{th}": [] for th in (1, 2) for e in peers}
    for th in (1, 2):
        for rep in range(args.reps):
            f = stream.take(f"inproc-x{th}", budget(top, args.seconds, 1.6))
            for eng in peers:
                r = inproc(eng, f, th, args.seconds)
                runs[f"{eng}/{th}"].append(r)
                top = max(top, r["rps"])
    for k, rs in runs.items():
        m = R["inproc"][k] = med_runs(rs)
        m["repeats"] = sum(r.get("repeats", 0) for r in rs)
        log(f"in-process {k.replace('/', ' x')}: {m['rps']:.0f} q/s, p50 {m['p50_ms']:.2f} ms, "
            f"p99 {m['p99_ms']:.2f} ms, repeated queries {m['repeats']:.0f}")
    phase("in-process")

    # The search log's own cost (one insert per HTTP search).
    R["search_log"] = {}
    for th in (1, 2):
        rs = []
        for _ in range(args.reps):
            p = subprocess.run([os.path.join(PROGS, "kb_micro"), "log", os.path.join(work, "kb"),
                                str(th), str(fast)], capture_output=True, text=True, check=True)
            rs.append(last_json(p.stdout))
        R["search_log"][str(th)] = med_runs(rs)
    phase("search log")

    # 3. HTTP ceiling: libmicrohttpd with a fixed 1 KB body, 2 threads.
    port = free_port()
    mhd = subprocess.Popen([os.path.join(PROGS, "mhd_fixed"), str(port), "2"])
    time.sleep(0.3)
    R["ceiling"] = {}
    try:
        wrk(port, "fixed", 8, fast)  # warm-up
        for c in CONNS:
            R["ceiling"][str(c)] = med_runs([wrk(port, "fixed", c, fast) for _ in range(args.reps)])
            log(f"ceiling c={c}: {R['ceiling'][str(c)]['rps']:.0f} req/s")
    finally:
        mhd.send_signal(signal.SIGTERM)
        mhd.wait()
    phase("HTTP ceiling")

    # 4. kb-server over HTTP. Resolved tickets first (untimed), so that
    # assist finds similar ones.
    data = os.path.join(work, "kb")
    subprocess.run([os.path.join(BIN, "kb-indexer"), "-q", "--data", data, "add",
                    os.path.join(cdir, "tickets.jsonl")], check=True)
    atoken = token(data, "agent", f"bench-agent-{os.getpid()}")
    wtoken = token(data, "writer", f"bench-writer-{os.getpid()}")
    phase("tickets")

    # Queries a second, per mode, seen so far: sizes the next slice.
    rate = {"search": 0.0, "suggest": 0.0}

    def queries_for(mode, src, secs, what):
        """A file of queries for one run: a fresh slice of the stream
        ("new") or of Zipf draws ("zipf"); assist reads its tickets."""
        if mode == "assist":
            return afile
        n = budget(rate[mode] or 2000, max(1, int(secs + 0.5)))
        return (stream if src == "new" else zipf).take(f"{mode}-{what}", n)

    def one(port, mode, conns, secs, src, tok=None, what="run"):
        """One wrk run on its own queries, with the result cache's hits and
        misses over it from /metrics."""
        f = queries_for(mode, src, secs, f"{what}-c{conns}")
        m0 = cache_metrics(port, atoken)
        r = wrk(port, mode, conns, secs, f, tok)
        r.update(cache_delta(m0, cache_metrics(port, atoken)))
        if mode in rate:
            rate[mode] = max(rate[mode], r["rps"])
        return r

    def rows(port, table, mode, src, variant, secs, conns=CONNS, tok=None):
        for c in conns:
            rs = [one(port, mode, c, secs, src, tok) for _ in range(args.reps)]
            m = med_runs(rs)
            hits = sum(r["hits"] or 0 for r in rs if r.get("hits") is not None)
            misses = sum(r["misses"] or 0 for r in rs if r.get("misses") is not None)
            m["hits"], m["misses"] = (hits, misses) if any(r.get("hits") is not None
                                                            for r in rs) else (None, None)
            m["hit_rate"] = hits / (hits + misses) if m["hits"] is not None and hits + misses else None
            m["repeats"] = sum(r.get("repeats", 0) for r in rs) if src == "new" else None
            m["stream"] = src
            key = f"{mode}/{c}/{src}/{variant}"
            m["label"] = row_label(key)
            table[key] = m
            log(f"http {m['label']} c={c}: {m['rps']:.0f} req/s, p50 {m['p50_ms']:.2f} ms, "
                f"p99 {m['p99_ms']:.2f} ms, p99.9 {m['p999_ms']:.2f} ms, "
                f"errors {m['errors'] + m['non2xx']:.0f}, cache hit rate {pct(m['hit_rate'])}"
                + (f", repeated queries {m['repeats']:.0f}" if m["repeats"] else ""))

    R["http"] = {}
    SC = R["search_cache"] = {"supported": cache_ok}
    if cache_ok:
        # 4a. The uncached cost: search and typeahead with the cache off.
        srv = Server(data, os.path.join(args.out, "server-cache-off.log"), 2,
                     ["--search-cache-mb", "0"])
        try:
            m0 = cache_metrics(srv.port, atoken)
            for mode in ("search", "suggest"):  # warm-up, and the first rates
                one(srv.port, mode, 2, fast, "new", what="warmup")
            rows(srv.port, R["http"], "search", "new", "off", args.seconds)
            rows(srv.port, R["http"], "suggest", "new", "off", fast)
            SC["cache_off_server"] = cache_delta(m0, cache_metrics(srv.port, atoken))
        finally:
            srv.stop()
        phase("HTTP, cache off")
    else:
        SC["note"] = "kb-server has no --search-cache-mb"

    # 4b. As shipped (the result cache on, at its default size, if the
    # server has one). Never-repeated first: each mode's cache is first
    # filled with FILL fresh queries (so the runs meet a cache holding
    # entries, as a server does), then the runs read queries never asked
    # before. Then the Zipf mix, after a warm-up run of its own.
    srv = Server(data, os.path.join(args.out, "server.log"), 2)
    R["memory"] = {"idle_mb": srv.rss_mb()}
    variant = "on" if cache_ok else "none"
    try:
        wrk(srv.port, "assist", 2, fast, afile, atoken)  # warm-up
        SC["fill"] = {}
        if not cache_ok:
            for mode in ("search", "suggest"):
                one(srv.port, mode, 2, fast, "new", what="warmup")
        R["memory"]["before_mb"] = srv.rss_mb()
        for mode, secs in (("search", args.seconds), ("suggest", fast)):
            if cache_ok:
                f = stream.take(f"{mode}-fill", FILL)
                fl = SC["fill"][mode] = fill(srv.port, rotate_paths(mode, f))
                log(f"cache fill, {mode}: {fl['requests']} fresh queries once in "
                    f"{fl['seconds']:.1f} s ({fl['rps']:.0f}/s at 2 connections)")
            rows(srv.port, R["http"], mode, "new", variant, secs)
        if cache_ok:
            for mode in ("search", "suggest"):
                one(srv.port, mode, 8, fast, "zipf", what="warmup")
                rows(srv.port, R["http"], mode, "zipf", variant, fast, conns=(8,))
        rows(srv.port, R["http"], "assist", "-", "-", args.seconds, tok=atoken)
        R["memory"]["after_mb"] = srv.rss_mb()
        mt = cache_metrics(srv.port, atoken)
        SC["bytes"], SC["entries"] = mt.get("kb_search_cache_bytes"), mt.get("kb_search_cache_entries")

        # 5. Soak: search at 8 connections on the Zipf mix (the traffic a
        # server meets; its cache stays small); memory every 2 s; three
        # publishes.
        samples, lat = [], []
        done = threading.Event()
        soak_out = {}
        soak_q = zipf.take("soak", 60000)

        def run_soak():
            soak_out["r"] = wrk(srv.port, "search", 8, int(args.soak), soak_q)
            done.set()

        phase("HTTP, as shipped")
        m0 = cache_metrics(srv.port, atoken)
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
        mt = cache_metrics(srv.port, atoken)
        SC["soak"] = cache_delta(m0, mt)
        SC["bytes_after_soak"] = mt.get("kb_search_cache_bytes")
        R["soak"] = {"wrk": soak_out.get("r"), "rss_samples": samples}
        R["publish"] = {"latencies_s": lat, "median_s": median(lat),
                        "max_s": max([x for x in lat if x is not None], default=None),
                        "failed": sum(1 for x in lat if x is None)}
    finally:
        srv.stop()
    phase("soak")
    R["stream"]["used"] = stream.pos
    R["stream"]["slices"] = len(stream.slices)

    R["elapsed_s"] = time.monotonic() - t_start
    R["machine"]["load_at_end"] = os.getloadavg()
    R["schedule"] = {"estimate_s": est, "actual_s": phases}
    report(R, args.out)
    log(f"done in {R['elapsed_s'] / 60:.1f} min (estimate {sum(est.values()) / 60:.1f}): " +
        ", ".join(f"{k} {v:.0f} s (est. {est[k]:.0f})" if k in est else f"{k} {v:.0f} s"
                  for k, v in phases.items()))


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
    sc = R.get("search_cache", {})
    H = R["http"]
    st = R.get("stream", {})
    out = []
    p = out.append
    fast = R.get("fast_seconds", R["seconds"])
    p(f"kb benchmark: {c['documents']:,} documents ({c['real']:,} real, {c['recombined']:,} "
      f"recombined from real paragraphs), {c['bytes'] / 1e6:.0f} MB JSONL")
    p(f"Queries: never-repeated stream of {f0(st.get('size'))} ({f0(st.get('used'))} used in this "
      f"run, in {f0(st.get('slices'))} slices that never overlap); Zipf mix: s={st.get('zipf_s', 1):g} "
      f"over the {f0(st.get('zipf_pool'))}-query set")
    p(f"Median of {R['reps']} runs of {R['seconds']:g} s ({fast:g} s at thousands of requests/s); "
      f"indexing: median of {R.get('index_reps', R['reps'])} x each engine; {R['elapsed_s'] / 60:.1f} min"
      + (f" (estimate {sum(R['schedule']['estimate_s'].values()) / 60:.1f})" if "schedule" in R else "")
      + f"; load average {R['machine']['load_at_start'][0]:.1f} at start, "
      f"{R['machine'].get('load_at_end', [0])[0]:.1f} at end ({R['machine']['cpus']} CPUs)")
    p("")
    p("Indexing                  kb        FTS5     Xapian   kb/FTS5  kb/Xapian")
    for key, label, fmt in (("docs_per_s", "documents/s", f0), ("mb_per_s", "MB/s", f1),
                            ("size_mb", "index MB", f0), ("peak_rss_mb", "peak RSS MB", f0),
                            ("cpu_s", "CPU s", f1)):
        a, b, x = ix["kb"].get(key), ix["fts5"].get(key), ix["xapian"].get(key)
        p(f"  {label:<20}{fmt(a):>10}{fmt(b):>12}{fmt(x):>11}{f2(ratio(a, b)):>10}{f2(ratio(a, x)):>11}")
    input_mb = c["bytes"] / 1e6
    store_mb = ix["kb"].get("store_mb")
    p(f"  kb after `kb-indexer add`: store {f0(store_mb)} MB (the data folder but index/), index "
      f"{f0(ix['kb'].get('size_mb'))} MB, input {f0(input_mb)} MB of JSONL: store "
      f"{f2(ratio(store_mb, input_mb))}x the input")
    p("")
    p("Search in-process, top 10, never-repeated    q/s    p50 ms    p99 ms  p99.9 ms  repeats")
    for k in ("fts5/1", "fts5/2", "xapian/1", "xapian/2", "kb/1", "kb/2"):
        m = R["inproc"][k]
        eng, th = k.split("/")
        name = {"fts5": "FTS5", "xapian": "plain Xapian", "kb": "kb (snippets, facets)"}[eng]
        p(f"  {name + ' x' + th:<40}{f0(m['rps']):>9}{f2(m['p50_ms']):>10}{f2(m['p99_ms']):>10}"
          f"{f2(m['p999_ms']):>10}{f0(m.get('repeats')):>9}")
    xq = R["inproc"]["xapian/2"]["rps"]
    p(f"  (the three engines read the same slices of the stream; kb x2 in process = "
      f"{f2(ratio(R['inproc']['kb/2']['rps'], xq))}x plain Xapian x2)")
    sl = R["search_log"]
    p(f"  search-log insert alone: {f0(sl['1']['rps'])}/s on 1 thread (p99 {f2(sl['1']['p99_ms'])} ms), "
      f"{f0(sl['2']['rps'])}/s on 2 (p99 {f2(sl['2']['p99_ms'])} ms)")
    p("")
    p(f"{'HTTP (wrk), kb-server on 2 threads':<44}conns    req/s   p50 ms   p99 ms p99.9 ms  errors"
      f"  cache hits  xXapian x2  of ceiling")
    order = [("search", "new", "on"), ("search", "new", "none"), ("search", "new", "off"),
             ("search", "zipf", "on"), ("suggest", "new", "on"), ("suggest", "new", "none"),
             ("suggest", "new", "off"), ("suggest", "zipf", "on"), ("assist", "-", "-")]
    flagged = 0
    for mode, src, variant in order:
        first = True
        for cc in CONNS:
            key = f"{mode}/{cc}/{src}/{variant}"
            if key not in H:
                continue
            m = H[key]
            ce = R["ceiling"][str(cc)]["rps"]
            name = m["label"] if first else ""
            first = False
            rp = m.get("repeats")
            mark = "*" if rp else " "
            flagged += bool(rp)
            hr = "-" if mode == "assist" else pct(m.get("hit_rate"))
            vx = f2(ratio(m["rps"], xq)) if mode == "search" else ""
            p(f"  {name:<42}{cc:>5}{f0(m['rps']):>9}{f2(m['p50_ms']):>9}{f2(m['p99_ms']):>9}"
              f"{f2(m['p999_ms']):>9}{f0(m['errors'] + m['non2xx']):>8}{hr:>11}{mark}{vx:>11}"
              f"{pct(ratio(m['rps'], ce)):>12}")
    p("  cache hits: kb_search_cache_hits_total / (hits + misses) on /metrics over the row's runs; "
      "xXapian x2: req/s over plain Xapian's in process on 2 threads")
    if flagged:
        p("  * the row's slice of the stream was used up and some queries repeated (see "
          "repeats in results.json): its figures flatter the cache")
    if sc.get("supported"):
        fl = sc.get("fill") or {}
        parts = [f"{NAMES[m]} {f0((fl.get(m) or {}).get('requests'))} in "
                 f"{f1((fl.get(m) or {}).get('seconds'))} s ({f0((fl.get(m) or {}).get('rps'))}/s)"
                 for m in ("search", "suggest")]
        p(f"  Result cache as shipped: filled with fresh queries before the never-repeated runs "
          f"({', '.join(parts)}); {f1((sc.get('bytes') or 0) / 1e6)} MB in "
          f"{f0(sc.get('entries'))} entries after the runs; the cache-off server counted "
          f"{f0((sc.get('cache_off_server') or {}).get('hits'))} hits")
    else:
        p("  Result cache: not measured (" + sc.get("note", "this run predates it") +
          "), so no cache-off or Zipf rows")
    mem = R["memory"]
    rs = [v for _t, v in R["soak"]["rss_samples"] if v]
    p("")
    p(f"Server RSS MB: idle {f0(mem['idle_mb'])}, before load {f0(mem['before_mb'])}, after "
      f"{f0(mem['after_mb'])}; soak {len(rs) * 2} s of search at 8 connections on the Zipf mix: "
      f"first {f0(rs[0] if rs else None)}, max {f0(max(rs) if rs else None)}, "
      f"last {f0(rs[-1] if rs else None)}")
    if sc.get("bytes_after_soak") is not None:
        sk = sc.get("soak") or {}
        p(f"  (result cache in the soak: {pct(sk.get('hit_rate'))} hits, each publish makes the "
          f"entries before it stale; cached results {f1((sc.get('bytes') or 0) / 1e6)} MB before "
          f"the soak, {f1(sc['bytes_after_soak'] / 1e6)} MB after)")
    pub = R["publish"]
    p(f"Publish-to-searchable under full search load: {', '.join(f2(x) for x in pub['latencies_s'])} s")
    p("")

    # Targets of issue 15: never-repeated queries, result cache on (as
    # shipped), against plain Xapian in process on 2 threads of this run.
    docs = c["documents"]
    k = size_factor(docs)
    on = "on" if sc.get("supported") else "none"

    def row(mode, cc, src="new", variant=on):
        return H.get(f"{mode}/{cc}/{src}/{variant}") or {}

    fq = max(R["inproc"]["fts5/1"]["rps"], R["inproc"]["fts5/2"]["rps"])
    flat = (rs[-1] - rs[len(rs) // 4]) if len(rs) > 4 else None
    new_rows = [m for key, m in H.items() if "/new/" in key]
    worst_hr = max((m.get("hit_rate") or 0 for m in new_rows if m.get("hit_rate") is not None),
                   default=None)
    repeats = sum(m.get("repeats") or 0 for m in new_rows) + sum(
        m.get("repeats") or 0 for m in R["inproc"].values())
    ci = ci_runs_bench()
    T15 = [
        (f"search c=8 >= {k:.2f}x plain Xapian x2 (at {docs:,} documents)",
         ratio(row("search", 8).get("rps"), xq), k, "ge", "x", None),
        ("search c=2 p99 <= 6 ms" + ("" if docs >= 100000 else " (the issue's is at 100k)"),
         row("search", 2).get("p99_ms"), 6, "le", "ms", None),
        ("typeahead c=8 p99 <= 3 ms", row("suggest", 8).get("p99_ms"), 3, "le", "ms", None),
        ("bulk add >= 1.5x plain Xapian's documents/s",
         ratio(ix["kb"]["docs_per_s"], ix["xapian"]["docs_per_s"]), 1.5, "ge", "x", None),
        ("bulk add peak RSS <= 500 MB", ix["kb"].get("peak_rss_mb"), 500, "le", "MB", None),
        ("store <= 2.5x the input JSONL after the add", ratio(store_mb, input_mb), 2.5, "le", "x",
         None),
        ("make eval figures unchanged or better", None, None, None, None,
         "not measured here: make eval"),
        ("make bench stays out of make test and CI", None, None, None, None,
         "met (neither runs it)" if ci is False else
         ("MISSED: " + ci if ci else "not checked")),
    ]
    old = []
    for suffix, variant in (("[cache on]", on), ("[cache off]", "off")):
        have = f"search/2/new/{variant}" in H
        note = None if have else "not measured: no cache-off rows in this run"
        old += [
            (f"search c=2 p50 <= 1.5 ms {suffix}", row("search", 2, variant=variant).get("p50_ms"),
             1.5, "le", "ms", note),
            (f"search c=8 q/s >= 70% of plain Xapian {suffix}",
             row("search", 8, variant=variant).get("rps"), 0.7 * max(xq, R["inproc"]["xapian/1"]["rps"]),
             "ge", "q/s", note),
            (f"search c=8 q/s >= 20x FTS5 {suffix}", row("search", 8, variant=variant).get("rps"),
             20 * fq, "ge", "q/s", note)]
    old += [
        ("assist c=2 p99 <= 30 ms", H.get("assist/2/-/-", {}).get("p99_ms"), 30, "le", "ms", None),
        ("indexing >= 4,000 documents/s", ix["kb"]["docs_per_s"], 4000, "ge", "docs/s", None),
        ("index size <= plain Xapian's", ix["kb"]["size_mb"], ix["xapian"]["size_mb"], "le", "MB", None),
        ("server RSS <= 300 MB under load", max(rs) if rs else None, 300, "le", "MB", None),
        ("RSS flat over the soak (growth after warm-up)", flat, 10, "le", "MB", None),
        ("publish-to-searchable <= 1 s (worst of 3)", pub["max_s"] if not pub["failed"] else None,
         1.0, "le", "s", None),
    ]
    checks = [("never-repeated rows: highest cache hit rate <= 1%", worst_hr, 0.01, "le", "",
               None if sc.get("supported") else "no result cache in this build"),
              ("never-repeated rows and in-process runs: queries repeated", repeats, 0, "le", "",
               None)]
    R["targets"] = []
    for title, T in ((f"Targets (issue 15): never-repeated queries, result cache "
                      f"{'on' if on == 'on' else 'absent'}, 8 connections; plain Xapian x2 in "
                      f"process {f0(xq)} q/s", T15),
                     ("Earlier targets, on the never-repeated rows", old),
                     ("Checks of the measurement itself", checks)):
        p(f"{title}")
        p(f"  {'':<62}measured      target   result")
        for name, v, tgt, how, unit, note in T:
            if note:
                res, ok = note, None
            elif v is None:
                res, ok = "MISSED (no figure)", False
            else:
                ok = v <= tgt if how == "le" else v >= tgt
                if ok:
                    res = "met"
                elif how == "le":
                    res = (f"MISSED by {v - tgt:,.2f} {unit} ({v / tgt:.1f}x)" if tgt else
                           f"MISSED by {v:,.0f}")
                else:
                    res = f"MISSED by {tgt - v:,.2f} {unit} ({tgt / v:.1f}x short)" if v else "MISSED"
            vs = "-" if v is None else (f"{v:,.3f}" if unit == "" and isinstance(v, float) else f"{v:,.2f}")
            ts = "-" if tgt is None else f"{tgt:,.2f}"
            p(f"  {name:<62}{vs:>9} {ts:>11}   {res}")
            R["targets"].append({"target": name, "measured": v, "limit": tgt, "met": ok,
                                 "result": res, "group": title})
        p("")
    text = "\n".join(out).rstrip() + "\n"
    print(text, end="")
    with open(os.path.join(outdir, "table.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(R, f, indent=1)


def ci_runs_bench():
    """What in `make test` or CI runs the benchmark: a description, False
    when nothing does, None when it cannot be told (no Makefile)."""
    try:
        with open(os.path.join(ROOT, "Makefile")) as f:
            mk = f.read()
    except OSError:
        return None
    m = re.search(r"^test:([^\n]*)\n((?:\t[^\n]*\n)*)", mk, re.M)
    if m and "bench" in m.group(0):
        return "the Makefile's test rule mentions bench"
    for base in (".ci", ".github", os.path.join("tests", "run.sh")):
        path = os.path.join(ROOT, base)
        files = [path] if os.path.isfile(path) else [
            os.path.join(d, f) for d, _ds, fs in os.walk(path) for f in fs]
        for fp in files:
            try:
                with open(fp, errors="replace") as f:
                    if re.search(r"make\s+bench|tests/bench/(run\.sh|bench\.py)", f.read()):
                        return f"{os.path.relpath(fp, ROOT)} runs it"
            except OSError:
                pass
    return False


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--report":  # --report results.json: table again
        with open(sys.argv[2]) as fh:
            report(json.load(fh), os.path.dirname(os.path.abspath(sys.argv[2])))
    else:
        main()
