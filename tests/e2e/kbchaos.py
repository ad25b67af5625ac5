"""Helpers for the crash, soak and attack suites: API tokens from the command
line, bearer-token clients, store counts read straight from SQLite, the index
counts the server reports, xapian-check, and /proc readings of a process."""
import os
import re
import sqlite3
import subprocess
import threading
import time

import requests

from kbtest import SERVER
from server import KbServer

XAPIAN_CHECK = "/usr/bin/xapian-check"


def make_token(data, role, name):
    """Creates an API token with `kb-server user token` and returns it."""
    p = subprocess.run([SERVER, "--data", str(data), "user", "token", "--role", role, name],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    m = re.search(r"kbt_[0-9a-f]{64}", p.stdout)
    assert m, p.stdout
    return m.group(0)


def bearer(token):
    """A requests.Session that sends the token on every request."""
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + token
    return s


def xapian_check(path):
    """Runs xapian-check on one database; fails the test with its output."""
    p = subprocess.run([XAPIAN_CHECK, str(path)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, "xapian-check %s failed:\n%s%s" % (path, p.stdout, p.stderr)
    return p.stdout


def xapian_check_both(data):
    for db in ("public", "internal"):
        path = os.path.join(str(data), "index", db)
        # A process killed while creating the database leaves a directory with
        # no committed revision: nothing was acknowledged there to check.
        if os.path.isdir(path) and not os.path.exists(os.path.join(path, "iamglass")):
            continue
        xapian_check(path)


def store_query(data, sql, args=()):
    """Rows of a read-only query on DATA/kb.sqlite3 (safe while the server runs)."""
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(str(data), "kb.sqlite3"), uri=True,
                          timeout=30)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def store_counts(data):
    """Published public / internal articles and tickets, as the index should hold them."""
    (pub, internal, tickets), = store_query(
        data, "SELECT (SELECT count(*) FROM articles WHERE status = 'published' AND "
              "audience = 'public'), (SELECT count(*) FROM articles WHERE status = 'published' "
              "AND audience = 'internal'), (SELECT count(*) FROM tickets)")
    return {"public": pub, "internal": internal + tickets}


_metrics_tokens = {}


def index_counts(srv):
    """Documents per database from the server's /metrics (staff only)."""
    tok = _metrics_tokens.get(srv.data)
    if tok is None:
        tok = _metrics_tokens[srv.data] = make_token(srv.data, "agent", "metrics")
    text = srv.get("/metrics", timeout=30, headers={"Authorization": "Bearer " + tok}).text
    out = {}
    for aud in ("public", "internal"):
        m = re.search(r'kb_index_documents\{audience="%s"\} (\d+)' % aud, text)
        out[aud] = int(m.group(1)) if m else -1
    return out


_health_tokens = {}


def staff_health(srv, timeout=10):
    """The staff /healthz of srv (its counters are not for anonymous callers),
    with an agent token made once per data directory."""
    tok = _health_tokens.get(srv.data)
    if not tok:
        tok = _health_tokens[srv.data] = make_token(srv.data, "agent", "health-probe")
    return srv.get("/healthz", timeout=timeout, headers={"Authorization": "Bearer " + tok})


def wait_drained(srv, timeout=20):
    """Polls /healthz until no change is pending; returns the last answer."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            r = staff_health(srv)
            if r.status_code == 200:
                last = r.json()
                if last["pending"] == 0:
                    return last
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise AssertionError("the outbox did not drain in %ss: %s" % (timeout, last))


def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def proc_sockets(pid):
    """The process's open sockets: its connections and listeners, without
    the files a worker thread opens the first time it serves (its store and
    index handles)."""
    n = 0
    for f in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, f)).startswith("socket:")
        except OSError:
            pass
    return n


def proc_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def proc_threads(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


class KbServerWith(KbServer):
    """A KbServer whose process starts with preexec (e.g. resource limits)."""

    def __init__(self, data, *extra_args, preexec=None):
        super().__init__(data, *extra_args)
        self.preexec = preexec

    def start(self):
        self.proc = subprocess.Popen([SERVER, "--data", self.data, "--listen", "127.0.0.1:0",
                                      *self.extra], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, preexec_fn=self.preexec)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError("kb-server exited: %s" % self.proc.stderr.read())
                continue
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if m:
                self.base = m.group(1)
                break
        if not self.base:
            raise RuntimeError("kb-server did not say where it listens")
        for stream in (self.proc.stdout, self.proc.stderr):
            threading.Thread(target=self._drain, args=(stream,), daemon=True).start()
        return self
