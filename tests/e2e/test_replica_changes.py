"""Issue 18 part 1, change-based replicas, on 127.0.0.1: a primary with a
short changeset window (--replica-window 4) and one read replica.

- 1,000 writes on the primary reach the replica as changesets: no snapshot
  after the first;
- the replica's store holds no password hash, in any file;
- a replica stopped longer than the window recovers by one snapshot;
- a replica refuses changesets from a primary whose store schema version
  differs from its copy's, and keeps current by snapshots;
- one article edit costs the replica under 100 KB (printed: bytes per
  refresh)."""
import http.server
import os
import sqlite3
import threading
import time

import pytest
import requests

from kbtest import SAMPLES, SERVER, run_indexer
from server import KbServer, add_user
from test_scaleout import free_port, token

WRITER = ("writer1", "writer-password-1")
WINDOW = 4


def health(srv, auth):
    r = requests.get(srv.url("/healthz"), headers=auth, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def caught_up(c, limit=20):
    """Waits until the replica's copy holds the primary's last change."""
    deadline = time.monotonic() + limit
    while True:
        head = health(c.primary, c.admin)["changes_logged"]
        rep = health(c.replica, c.admin)["replica"]
        if rep["store_position"] == head:
            return rep
        assert time.monotonic() < deadline, "replica at %r, primary at %d" % (rep, head)
        time.sleep(0.05)


def copy_files(c):
    d = c.base / "replica" / "store"
    return [os.path.join(str(d), f) for f in os.listdir(str(d)) if ".sqlite3" in f]


def copy_query(c, sql):
    path = [p for p in copy_files(c) if p.endswith(".sqlite3")]
    path = max(path, key=lambda p: int(os.path.basename(p)[3:-8]))
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def start_replica(c):
    return KbServer(c.base / "replica", "--threads", "2", "--replica-of", c.primary.base,
                    "--primary-token", str(c.tokfile),
                    "--replicate-from", "127.0.0.1:%d" % c.repl_port).start()


def prepare_primary(c):
    """c.kb (under c.base) with the sample articles and WRITER; c.writer and
    c.admin headers, c.tokfile (the admin token replicas use, mode 0600)."""
    c.kb = c.base / "primary"
    run_indexer(c.kb, "add", os.path.join(SAMPLES, "articles"))
    add_user(c.kb, *WRITER, "writer")
    c.writer = {"Authorization": "Bearer " + token(c.kb, "writer", "w-token")}
    admin = token(c.kb, "admin", "replication")
    c.admin = {"Authorization": "Bearer " + admin}
    c.tokfile = c.base / "primary-token"
    c.tokfile.write_text(admin + "\n")
    c.tokfile.chmod(0o600)
    c.repl_port = free_port()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    class C:
        pass
    c = C()
    c.base = tmp_path_factory.mktemp("kb-changes")
    prepare_primary(c)
    c.primary = KbServer(c.kb, "--threads", "4", "--replica-window", str(WINDOW),
                         "--replication-port", "127.0.0.1:%d" % c.repl_port).start()
    c.replica = start_replica(c)
    yield c
    c.replica.stop()
    c.primary.stop()


def test_writes_reach_the_replica_as_changesets(cluster):
    c = cluster
    first = caught_up(c)
    assert first["store_snapshots"] == 1
    changesets0 = first["store_changesets"]
    # 1,000 writes of the kinds a replica needs: articles (new, edited,
    # published), synonyms, tokens, a user, settings.
    s = requests.Session()
    s.headers.update(c.writer)
    numbers = []
    for i in range(300):
        r = s.post(c.primary.url("/api/v1/articles"), timeout=30,
                   json={"title": "Changeset article %d" % i, "body": "Body %d." % i})
        assert r.status_code == 201, r.text
        numbers.append(r.json()["number"])
    for i, n in enumerate(numbers):
        r = s.put(c.primary.url("/api/v1/articles/%d" % n), timeout=30,
                  json={"title": "Changeset article %d" % i, "body": "Edited body %d." % i})
        assert r.status_code == 200, r.text
    for n in numbers[:300]:
        r = s.post(c.primary.url("/api/v1/articles/%d/publish" % n), timeout=30)
        assert r.status_code == 200, r.text
    for i in range(95):
        r = requests.post(c.primary.url("/api/v1/synonyms"), headers=c.admin, timeout=30,
                          json={"term": "chg%d" % i, "synonym": "changeset%d" % i})
        assert r.status_code in (200, 201), r.text
    for i in range(4):
        token(c.kb, "agent", "t-%d" % i)
    add_user(c.kb, "agent9", "agent-password-9", "agent")
    rep = caught_up(c, limit=60)
    assert rep["store_snapshots"] == 1, "a snapshot after the first: %r" % rep
    assert rep["store_changesets"] - changesets0 >= 1000, rep
    # The copy has them all, as the primary does.
    rows = copy_query(c, "SELECT title, status, text FROM articles WHERE title LIKE "
                         "'Changeset article %' ORDER BY number")
    assert len(rows) == 300
    assert all(st == "published" and t.startswith("Edited body") for (_, st, t) in rows), rows[:3]
    assert len(copy_query(c, "SELECT 1 FROM synonyms WHERE term LIKE 'chg%'")) == 95
    assert len(copy_query(c, "SELECT 1 FROM api_tokens WHERE name LIKE 't-%'")) == 4
    assert copy_query(c, "SELECT role FROM users WHERE username = 'agent9'") == [("agent",)]
    # And serves them.
    r = requests.get(c.replica.url("/api/v1/articles/%d" % numbers[-1]), timeout=30)
    assert r.status_code == 200 and "Edited body" in r.text


def test_one_edit_costs_the_replica_under_100_kb(cluster):
    c = cluster
    n = requests.get(c.primary.url("/api/v1/search"), params={"q": "router"},
                     timeout=30).json()["hits"][0]["number"]
    art = requests.get(c.primary.url("/api/v1/articles/%d" % n), headers=c.writer,
                       timeout=30).json()
    before = caught_up(c)
    r = requests.put(c.primary.url("/api/v1/articles/%d" % n), headers=c.writer, timeout=30,
                     json={"title": art["title"], "body": (art.get("source") or art.get("text")
                                                          or "x") + "\n\nOne more line."})
    assert r.status_code == 200, r.text
    after = caught_up(c)
    sent = after["store_bytes"] - before["store_bytes"]
    print("replica refresh after one article edit: %d bytes (%d changesets)"
          % (sent, after["store_changesets"] - before["store_changesets"]))
    assert after["store_snapshots"] == before["store_snapshots"]
    assert 0 < sent < 100 * 1024


def test_the_replica_store_holds_no_password_hash(cluster):
    c = cluster
    # Users added while the replica follows (this test's own: it runs alone
    # too), besides the fixture's writer.
    add_user(c.kb, "writer2", "writer-password-2", "writer")
    add_user(c.kb, "agent-nohash", "agent-password-nohash", "agent")
    caught_up(c)
    files = copy_files(c)
    assert files
    for path in files:
        assert b"$argon2" not in open(path, "rb").read(), "a password hash in %s" % path
    users = dict(copy_query(c, "SELECT username, password_hash FROM users"))
    assert {"writer1", "writer2", "agent-nohash"} <= set(users), users
    assert all(h == "!" for h in users.values()), users
    # Signing in through the replica still works (forwarded to the primary).
    s = c.replica.login(*WRITER)
    assert s.get(c.replica.url("/api/v1/articles"), timeout=30).status_code == 200


def test_a_replica_stopped_past_the_window_recovers_by_snapshot(cluster):
    c = cluster
    c.replica.stop()
    s = requests.Session()
    s.headers.update(c.writer)
    r = s.post(c.primary.url("/api/v1/articles"), json={"title": "While away one", "body": "a"},
               timeout=30)
    assert r.status_code == 201
    time.sleep(WINDOW + 11)  # past the window, and the primary prunes at most every 10 s
    r = s.post(c.primary.url("/api/v1/articles"), json={"title": "While away two", "body": "b"},
               timeout=30)
    assert r.status_code == 201
    c.replica = start_replica(c)
    rep = caught_up(c)
    assert rep["store_snapshots"] == 1 and rep["store_changesets"] == 0, rep
    titles = [t for (t,) in copy_query(c, "SELECT title FROM articles WHERE title LIKE "
                                          "'While away%'")]
    assert sorted(titles) == ["While away one", "While away two"]
    # And follows by changesets again.
    r = s.post(c.primary.url("/api/v1/articles"), json={"title": "Back again", "body": "c"},
               timeout=30)
    assert r.status_code == 201
    rep = caught_up(c)
    assert rep["store_snapshots"] == 1 and rep["store_changesets"] >= 1, rep


def test_a_replica_stopped_within_the_window_catches_up_by_changesets(cluster):
    c = cluster
    c.replica.stop()
    r = requests.post(c.primary.url("/api/v1/articles"), headers=c.writer, timeout=30,
                      json={"title": "Brief absence", "body": "d"})
    assert r.status_code == 201
    c.replica = start_replica(c)
    rep = caught_up(c)
    assert rep["store_snapshots"] == 0 and rep["store_changesets"] >= 1, rep
    assert copy_query(c, "SELECT count(*) FROM articles WHERE title = 'Brief absence'") == [(1,)]


class SchemaRewriter:
    """A proxy in front of the primary that says its changesets are of
    another store schema version (as a primary of another release would)."""

    def __init__(self, primary_base, version="999"):
        target = primary_base

        class H(http.server.BaseHTTPRequestHandler):
            def relay(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n) if n else None
                fwd = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("host", "content-length", "connection")}
                r = requests.request(self.command, target + self.path, headers=fwd, data=body,
                                     timeout=60)
                out = r.content
                self.send_response(r.status_code)
                for k, v in r.headers.items():
                    if k.lower() in ("content-type", "set-cookie", "retry-after"):
                        self.send_header(k, v)
                if self.path.startswith("/api/v1/replica/changes") and r.status_code == 200:
                    self.send_header("X-KB-Store-Schema", version)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = relay

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.base = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_changesets_of_another_schema_version_are_refused_for_a_snapshot(cluster):
    c = cluster
    proxy = SchemaRewriter(c.primary.base)
    other = KbServer(c.base / "replica-other-schema", "--threads", "2", "--replica-of",
                     proxy.base, "--primary-token", str(c.tokfile),
                     "--replicate-from", "127.0.0.1:%d" % c.repl_port).start()
    try:
        def rep():
            return health(other, c.admin)["replica"]
        # A write after start: the replica asks for its changesets, refuses
        # them (schema 999) and takes a snapshot instead.
        r = requests.post(c.primary.url("/api/v1/articles"), headers=c.writer, timeout=30,
                          json={"title": "Across versions", "body": "e"})
        assert r.status_code == 201
        head = health(c.primary, c.admin)["changes_logged"]
        deadline = time.monotonic() + 30
        while not (rep()["store_position"] >= head and rep()["store_snapshots"] >= 2):
            assert time.monotonic() < deadline, rep()
            time.sleep(0.1)
        assert rep()["store_changesets"] == 0, rep()
        r = requests.get(other.url("/api/v1/articles/%d" % r.json()["number"]),
                         headers=c.writer, timeout=30)
        assert r.status_code == 200 and r.json()["title"] == "Across versions"
        assert any("schema version 999" in line and "refused" in line
                   for line in other.log), "".join(other.log[-20:])
    finally:
        other.stop()
        proxy.close()
