"""Crash consistency: kb-server and kb-indexer killed with SIGKILL at random
moments (during writes, during a large ticket import, right after an
acknowledged import while the index commits it) lose nothing they
acknowledged, duplicate nothing, and leave Xapian databases that pass
xapian-check; the outbox drains after every restart.

KB_CRASH_KILLS (default 20; 100 with KB_LONG_TESTS=1), KB_CRASH_SEED and
KB_CRASH_FIND_SECONDS (default 2) change the run."""
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time

import pytest
import requests

from kbchaos import (bearer, index_counts, make_token, staff_health, store_counts, store_query,
                     wait_drained, xapian_check_both)
from kbtest import INDEXER, SAMPLES, run_indexer
from server import KbServer

LONG = os.environ.get("KB_LONG_TESTS") == "1"
KILLS = int(os.environ.get("KB_CRASH_KILLS", "100" if LONG else "20"))
SEED = int(os.environ.get("KB_CRASH_SEED", str(int(time.time()) % 100000)))
# An acknowledged write is searchable this long after a restart.
FIND_SECONDS = float(os.environ.get("KB_CRASH_FIND_SECONDS", "2"))
BIG_IMPORT = 1000       # tickets in a "large" import (about 270 KB of JSONL)
SERVER_ARGS = ("--threads", "4", "--max-body", str(32 << 20))


def word(prefix, n):
    """A made-up word, unique per (prefix, n), of letters only (no stemming surprises)."""
    h = int(hashlib.sha256(("%s%d" % (prefix, n)).encode()).hexdigest(), 16)
    s = ""
    for _ in range(9):
        h, r = divmod(h, 26)
        s += chr(97 + r)
    return prefix + s


class Ledger:
    """What the clients sent and what the server acknowledged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.articles = {}       # unique word -> number (create acknowledged)
        self.published = {}      # unique word -> number (publish acknowledged)
        self.sent_articles = set()
        self.batches = {}        # batch word -> list of ticket ids (import acknowledged)
        self.sent_tickets = set()
        self.errors = []         # unexpected answers (5xx and the like)
        self.busy = 0            # deliberate 503s (the index changing under a search)
        self.requests = 0
        self.seq = 0

    def next(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def bad(self, what):
        with self.lock:
            self.errors.append(what)


def import_tickets(client, srv, ledger, n, stop=None):
    """Imports n tickets in one request; records them when acknowledged."""
    b = ledger.next()
    bw = word("tkb", b)
    ids = ["CR-%d-%d" % (b, i) for i in range(n)]
    body = "".join(json.dumps({"id": t, "subject": "Router %s drops the line %d" % (bw, i),
                               "description": "customer reports %s after a reboot" % bw,
                               "resolution": "replaced the cable", "customer": "crash-%d" % b,
                               "unit": "U-%d" % i}) + "\n" for i, t in enumerate(ids))
    with ledger.lock:
        ledger.sent_tickets.update(ids)
    try:
        r = client.post(srv.url("/api/v1/tickets"), data=body.encode(),
                        headers={"Content-Type": "application/x-ndjson"}, timeout=60)
    except requests.RequestException:
        return None
    with ledger.lock:
        ledger.requests += 1
    if r.status_code != 200:
        ledger.bad("import %d -> %d %s" % (b, r.status_code, r.text[:200]))
        return None
    j = r.json()
    if j["added"] != n or j["failed"]:
        ledger.bad("import %d answered %s" % (b, j))
    with ledger.lock:
        ledger.batches[bw] = ids
    return bw


def write_article(client, srv, ledger, publish=True):
    """Creates an article with a unique word and publishes it."""
    n = ledger.next()
    w = word("art", n)
    with ledger.lock:
        ledger.sent_articles.add(w)
    aud = "internal" if n % 3 == 0 else "public"
    try:
        r = client.post(srv.url("/api/v1/articles"), timeout=30,
                        json={"title": "Crash %s article" % w, "audience": aud,
                              "body": "The %s light blinks amber.\n\nUnplug it." % w})
    except requests.RequestException:
        return None
    if r.status_code != 201:
        ledger.bad("create -> %d %s" % (r.status_code, r.text[:200]))
        return None
    num = r.json()["number"]
    with ledger.lock:
        ledger.requests += 1
        ledger.articles[w] = num
    if not publish:
        return w
    try:
        r = client.post(srv.url("/api/v1/articles/KB-%d/publish" % num), timeout=30)
    except requests.RequestException:
        return None
    if r.status_code != 200:
        ledger.bad("publish -> %d %s" % (r.status_code, r.text[:200]))
        return None
    with ledger.lock:
        ledger.requests += 1
        ledger.published[w] = num
    return w


def reader(srv, client, ledger, stop):
    queries = ["router", "wifi password", "firmware update", "vpn drops", "amber light"]
    i = 0
    while not stop.is_set():
        i += 1
        try:
            r = client.get(srv.url("/api/v1/search"), params={"q": queries[i % len(queries)]},
                           timeout=30)
        except requests.RequestException:
            return
        with ledger.lock:
            ledger.requests += 1
        if r.status_code == 503 and '"busy"' in r.text:
            with ledger.lock:
                ledger.busy += 1
        elif r.status_code >= 500:
            ledger.bad("search -> %d %s" % (r.status_code, r.text[:200]))


def writer_loop(srv, client, ledger, stop):
    while not stop.is_set():
        if write_article(client, srv, ledger) is None and stop.is_set():
            return


def small_imports(srv, client, ledger, stop):
    while not stop.is_set():
        import_tickets(client, srv, ledger, 10)


def search_total(client, srv, q, **params):
    params.update(q=q, per_page=50)
    r = client.get(srv.url("/api/v1/search"), params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def verify(srv, data, ledger, writer, agent, started, checked):
    """Everything acknowledged is in the store and the index, exactly once."""
    # The index: acknowledged writes become searchable quickly after a restart.
    new_pub = [(w, n) for w, n in ledger.published.items() if w not in checked]
    new_batches = [(w, ids) for w, ids in ledger.batches.items() if w not in checked]
    deadline = started + FIND_SECONDS
    # Cheap polling first (searches would compete with the replay for the CPU).
    while time.time() < deadline:
        try:
            if agent.get(srv.url("/healthz"), timeout=5).json()["pending"] == 0:
                break
        except (requests.RequestException, ValueError, KeyError):
            pass
        time.sleep(0.02)
    missing = None
    while True:
        missing = []
        for w, n in new_pub:
            hits = search_total(writer, srv, w)["hits"]
            if [h["number"] for h in hits] != [n]:
                missing.append((w, n, [h["number"] for h in hits]))
        for w, ids in new_batches:
            res = search_total(agent, srv, w, kind="ticket")
            if res["total"] != len(ids):
                missing.append((w, len(ids), res["total"]))
        if not missing or time.time() > deadline:
            break
        time.sleep(0.05)
    found_at = time.time() - started
    assert not missing, "not searchable %.1fs after restart: %s" % (found_at, missing[:5])
    checked.update(w for w, _ in new_pub)
    checked.update(w for w, _ in new_batches)

    # The outbox drains and the index holds exactly what the store says.
    wait_drained(srv)
    assert index_counts(srv) == store_counts(data)

    # The store: every acknowledged ticket once, nothing that was never sent.
    rows = store_query(data, "SELECT source_id FROM tickets WHERE source_id LIKE 'CR-%'")
    stored = [r[0] for r in rows]
    assert len(stored) == len(set(stored))
    acked = {t for ids in ledger.batches.values() for t in ids}
    assert acked <= set(stored), sorted(acked - set(stored))[:5]
    assert set(stored) <= ledger.sent_tickets
    # Articles: every acknowledged one once; acknowledged publishes stay published.
    rows = store_query(data, "SELECT title, number, status FROM articles WHERE title LIKE 'Crash %'")
    by_word = {}
    for title, number, status in rows:
        by_word.setdefault(title.split()[1], []).append((number, status))
    assert all(len(v) == 1 for v in by_word.values()), [v for v in by_word.values() if len(v) > 1]
    for w, n in ledger.articles.items():
        assert by_word.get(w, [(None,)])[0][0] == n, (w, n, by_word.get(w))
    for w, n in ledger.published.items():
        assert by_word[w][0][1] == "published", (w, by_word[w])
    assert set(by_word) <= ledger.sent_articles
    return found_at


@pytest.fixture
def crash_kb(tmp_path):
    d = tmp_path / "kb"
    d.mkdir()
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    return d


def test_server_killed_at_random_moments_loses_nothing_acknowledged(crash_kb):
    rnd = random.Random(SEED)
    data = crash_kb
    wtok = make_token(data, "writer", "crash-writer")
    atok = make_token(data, "agent", "crash-agent")
    writer, agent = bearer(wtok), bearer(atok)
    ledger = Ledger()
    checked = set()
    modes = ["random", "in_import", "after_import_ack", "after_publish"]
    big_seconds = 0.8  # measured on the first large import
    worst_find = 0.0
    kills = 0
    report = []
    for cycle in range(KILLS):
        srv = KbServer(data, *SERVER_ARGS).start()
        started = time.time()
        try:
            worst_find = max(worst_find, verify(srv, data, ledger, writer, agent, started,
                                                checked))
        except BaseException:
            srv.stop(signal.SIGKILL)
            print("seed %d, cycle %d; server log:\n%s" % (SEED, cycle, "".join(srv.log[-30:])))
            raise
        mode = modes[cycle % len(modes)]
        stop = threading.Event()
        workers = [threading.Thread(target=reader, args=(srv, requests.Session(), ledger, stop)),
                   threading.Thread(target=reader, args=(srv, bearer(atok), ledger, stop)),
                   threading.Thread(target=writer_loop, args=(srv, bearer(wtok), ledger, stop)),
                   threading.Thread(target=small_imports, args=(srv, bearer(atok), ledger, stop))]
        for t in workers:
            t.daemon = True
            t.start()
        if mode == "random":
            time.sleep(rnd.uniform(0.1, 1.0))
        elif mode == "in_import":
            # The kill lands while the large import is being read or applied.
            box = []
            t = threading.Thread(target=lambda: box.append(
                import_tickets(agent, srv, ledger, BIG_IMPORT)), daemon=True)
            t0 = time.time()
            t.start()
            time.sleep(rnd.uniform(0.05, big_seconds))
            report.append("in_import at %.2fs%s" % (time.time() - t0,
                                                    " (acknowledged)" if box else ""))
        elif mode == "after_import_ack":
            # Acknowledged, and the index thread is committing it right now.
            t0 = time.time()
            import_tickets(agent, srv, ledger, BIG_IMPORT)
            big_seconds = max(0.2, time.time() - t0)
            time.sleep(rnd.uniform(0, 0.05))
        else:
            time.sleep(rnd.uniform(0.1, 0.4))
            write_article(writer, srv, ledger)
        srv.stop(signal.SIGKILL)
        kills += 1
        stop.set()
        for t in workers:
            t.join(timeout=30)
        if cycle % 5 == 4:
            xapian_check_both(data)  # while the server is down, right after a kill
    # The last restart: verify, stop cleanly, check both databases.
    srv = KbServer(data, *SERVER_ARGS).start()
    try:
        worst_find = max(worst_find, verify(srv, data, ledger, writer, agent, time.time(),
                                            checked))
    finally:
        assert srv.stop() == 0
    xapian_check_both(data)
    # After a clean stop nothing is pending, and /healthz says so from the
    # first moment (it reported every change ever made until the first pass).
    srv = KbServer(data, *SERVER_ARGS).start()
    try:
        assert staff_health(srv).json()["pending"] == 0
    finally:
        assert srv.stop() == 0
    assert not ledger.errors, ledger.errors[:10]
    # A search retries with back-off while the index commits batch after
    # batch; giving up ("busy") stays the rare exception.
    assert ledger.busy <= max(3, ledger.requests // 100), (ledger.busy, ledger.requests)
    print("crash: seed %d, %d kills survived, %d requests acknowledged, %d articles, %d "
          "published, %d ticket imports (%d tickets), %d searches busy (503); slowest find "
          "after restart %.2fs; %s"
          % (SEED, kills, ledger.requests, len(ledger.articles), len(ledger.published),
             len(ledger.batches), sum(len(v) for v in ledger.batches.values()), ledger.busy,
             worst_find, "; ".join(report)))
    assert kills >= KILLS


def big_jsonl(path, n, version):
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"id": "IX-%d" % i, "subject": "Modem %s keeps rebooting" % word("ix", i),
                                "description": "every hour the modem reboots; ixcommon",
                                "resolution": "firmware %s" % word("ver", version),
                                "customer": "c%d" % (i % 97), "unit": "u%d" % (i % 301)}) + "\n")


def test_indexer_killed_midway_then_rerun_is_exact(tmp_path):
    """Three versions of a large JSONL (adds, then updates of every record),
    each added with kills at random points and re-runs until one completes."""
    rnd = random.Random(SEED)
    data = tmp_path / "kb"
    src = tmp_path / "tickets.jsonl"
    n = 8000
    kills, points = 0, []
    for version in range(3):
        big_jsonl(src, n, version)
        for attempt in range(8):
            p = subprocess.Popen([INDEXER, "--data", str(data), "add", str(src)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            at = rnd.uniform(0.05, 0.7) if attempt < 3 else 60
            try:
                p.wait(timeout=at)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                p.wait()
                kills += 1
                points.append("%.2fs" % at)
                if kills % 3 == 0:
                    xapian_check_both(data)
                # A kill before the store's schema was committed leaves no
                # tables (or no file): nothing was acknowledged yet.
                try:
                    got = store_query(data, "SELECT count(*), count(DISTINCT source_id) "
                                            "FROM tickets")
                except sqlite3.OperationalError as e:
                    assert "no such table" in str(e) or "unable to open" in str(e), e
                    continue
                assert got[0][0] == got[0][1] <= n
                continue
            assert p.returncode == 0, p.stderr.read()
            break
        st = run_indexer(data, "stats").stdout
        assert "tickets    %d" % n in st, st
        assert "0 public, %d internal documents" % n in st, st
        assert " 0 pending" in st, st
        xapian_check_both(data)
        ver = word("ver", version)
        rows = store_query(data, "SELECT count(*) FROM tickets WHERE resolution = ?",
                           ("firmware " + ver,))
        assert rows[0][0] == n
        res = json.loads(run_indexer(data, "query", "--as", "agent", "--json", "--limit", "5",
                                     word("ix", 4321 + version)).stdout)
        assert [h["id"] for h in res["hits"]] == ["IX-%d" % (4321 + version)]
        # Every document in the index is the latest version, once.
        res = json.loads(run_indexer(data, "query", "--as", "agent", "--json", "--limit", "1",
                                     ver).stdout)
        assert res["total"] == n, res["total"]
        if version:
            res = json.loads(run_indexer(data, "query", "--as", "agent", "--json", "--limit", "1",
                                         word("ver", version - 1)).stdout)
            assert res["total"] == 0, res["total"]
    assert kills >= 5, "kb-indexer finished too fast to be killed: %s" % points
    print("indexer: %d kills at %s; every re-run ended exact (%d tickets, 3 versions)"
          % (kills, ", ".join(points), n))


def test_indexer_killed_while_creating_the_index_recovers(tmp_path):
    """Regression: kb-indexer killed while Xapian created a new database left
    table files without a version file ('iamglass'); every later add, sync
    and kb-server start then failed with "no index ... run 'kb-indexer add'"."""
    src = tmp_path / "tickets.jsonl"
    big_jsonl(src, 1500, 0)
    # The leftovers as such a kill leaves them, then real early kills.
    data = tmp_path / "kb0"
    unborn = data / "index" / "public"
    unborn.mkdir(parents=True)
    for name in ("flintlock", "postlist.glass", "termlist.glass", "v.tmp"):
        (unborn / name).write_bytes(b"")
    caught = 0
    for attempt in range(25):
        if attempt:
            data = tmp_path / ("kb%d" % attempt)
            p = subprocess.Popen([INDEXER, "--data", str(data), "add", str(src)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.005 * attempt)
            p.kill()
            p.wait()
            idx = data / "index" / "public"
            if not idx.is_dir() or (idx / "iamglass").exists():
                continue
        caught += 1
        run_indexer(data, "add", str(src))
        st = run_indexer(data, "stats").stdout
        assert "0 public, 1500 internal documents" in st and " 0 pending" in st, st
        xapian_check_both(data)
        with KbServer(data) as srv:
            assert staff_health(srv).json()["pending"] == 0
        if caught >= 3:
            break
    print("unborn index: recovered %d times (1 built, %d from early kills)" % (caught, caught - 1))
