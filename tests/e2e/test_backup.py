"""Online backup and restore (issue 18): a backup taken through the admin API and
the command line while writers keep writing holds every write acknowledged
before it began; restored into a fresh directory, the server starts and
searches; modes are 0700/0600; the API never writes where a client says."""
import os
import sqlite3
import stat
import subprocess
import threading
import time

import pytest
import requests

from kbtest import SAMPLES, SERVER, run_indexer
from server import KbServer, add_user

WRITER = ("wendy", "writer-password-1")


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-backup")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "add", os.path.join(SAMPLES, "tickets.jsonl"))
    add_user(d, *WRITER, "writer")
    return d


def admin_token(data):
    p = subprocess.run([SERVER, "--data", str(data), "user", "token", "--role", "admin",
                        "backup-%d" % (time.time() * 1000)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


class Writes:
    """Publishes articles non-stop; remembers when each was acknowledged."""

    def __init__(self, srv, session):
        self.srv, self.s = srv, session
        self.acked = []  # (time acknowledged, number, word)
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)

    def run(self):
        i = 0
        while not self.stop.is_set():
            word = "zqbackup%05d" % i
            r = self.s.post(self.srv.url("/api/v1/articles"), timeout=30,
                            json={"title": "Backup drill " + word, "audience": "public",
                                  "body": "The %s gadget needs a reset." % word})
            assert r.status_code == 201, r.text
            n = r.json()["number"]
            r = self.s.post(self.srv.url("/api/v1/articles/%d/publish" % n), timeout=30)
            assert r.status_code == 200, r.text
            self.acked.append((time.time(), n, word))
            i += 1

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.t.join(30)


def published(store_path):
    con = sqlite3.connect("file:%s?mode=ro" % store_path, uri=True, timeout=10)
    try:
        return {n for (n,) in con.execute("SELECT number FROM articles WHERE status = "
                                          "'published'")}
    finally:
        con.close()


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def restore_and_check(backup_dir, fresh, before):
    p = subprocess.run([SERVER, "restore", str(backup_dir), "--data", str(fresh)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert mode(fresh) == 0o700 and mode(os.path.join(fresh, "kb.sqlite3")) == 0o600
    for dirpath, dirs, files in os.walk(fresh):
        for f in files:
            assert mode(os.path.join(dirpath, f)) == 0o600, f
    have = published(os.path.join(fresh, "kb.sqlite3"))
    missing = [n for (_, n, _) in before if n not in have]
    assert not missing, "acknowledged before the backup, missing after restore: %s" % missing
    with KbServer(fresh) as srv:
        r = requests.get(srv.url("/api/v1/search"), params={"q": "wifi"}, timeout=30)
        assert r.status_code == 200 and r.json()["hits"], r.text
        _, n, word = before[-1]
        r = requests.get(srv.url("/api/v1/search"), params={"q": word}, timeout=30)
        assert [h["number"] for h in r.json()["hits"]] == [n], r.text


def test_backup_under_writes_then_restore(kb, tmp_path):
    tok = admin_token(kb)
    with KbServer(kb) as srv:
        with Writes(srv, srv.login(*WRITER)) as w:
            while len(w.acked) < 5:
                time.sleep(0.05)
            started = time.time()
            before = [a for a in w.acked if a[0] < started]
            r = srv.post("/api/v1/admin/backup", headers={"Authorization": "Bearer " + tok})
            assert r.status_code == 200, r.text
            api = r.json()
            # And the command line, from another process, while the server runs.
            started2 = time.time()
            before2 = [a for a in w.acked if a[0] < started2]
            out = tmp_path / "cli-backup"
            p = subprocess.run([SERVER, "--data", str(kb), "backup", str(out)],
                               capture_output=True, text=True, timeout=300)
            assert p.returncode == 0, p.stderr
            time.sleep(0.3)
        assert len(w.acked) > len(before2), "the writes did not go on during the backups"
    # The API wrote under the data directory, 0700/0600.
    assert os.path.realpath(api["path"]).startswith(os.path.realpath(str(kb)) + os.sep)
    assert api["bytes"] > 0 and api["seconds"] >= 0
    assert mode(api["path"]) == 0o700
    assert mode(os.path.join(api["path"], "kb.sqlite3")) == 0o600
    assert mode(out) == 0o700 and mode(out / "kb.sqlite3") == 0o600
    restore_and_check(api["path"], tmp_path / "restored-api", before)
    restore_and_check(out, tmp_path / "restored-cli", before2)


def test_backup_api_takes_no_path_and_needs_admin(kb):
    tok = admin_token(kb)
    with KbServer(kb) as srv:
        r = srv.post("/api/v1/admin/backup", headers={"Authorization": "Bearer " + tok},
                     json={"path": "/tmp/elsewhere"})
        assert r.status_code == 400, r.text
        assert not os.path.exists("/tmp/elsewhere/kb.sqlite3")
        writer = srv.login(*WRITER)
        assert writer.post(srv.url("/api/v1/admin/backup"), timeout=30).status_code == 403
        assert srv.post("/api/v1/admin/backup").status_code == 401


def test_restore_refuses_an_existing_store_and_a_non_backup(kb, tmp_path):
    p = subprocess.run([SERVER, "restore", str(tmp_path / "nothing"), "--data",
                        str(tmp_path / "new")], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "no backup" in p.stderr
    out = tmp_path / "b"
    p = subprocess.run([SERVER, "--data", str(kb), "backup", str(out)], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([SERVER, "restore", str(out), "--data", str(kb)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode != 0 and "already holds a store" in p.stderr
    p = subprocess.run([SERVER, "--data", str(kb), "backup", str(out)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode != 0, "a second backup into the same directory must not overwrite"


def test_a_backup_keeps_undelivered_contact_requests(kb, tmp_path):
    """The store holds customers' requests that no desk has yet: a backup
    taken while they wait, restored, still has them with their pending
    deliveries."""
    tok = {"Authorization": "Bearer " + admin_token(kb)}
    with KbServer(kb, "--contact-rate", "1000", "--contact-net-rate", "1000",
                  "--contact-wait-ms", "0") as srv:
        r = requests.put(srv.url("/api/v1/admin/contact/destinations/webhook"), headers=tok,
                         timeout=30, json={"enabled": True, "url": "http://127.0.0.1:9/hook",
                                           "secret": "contact-webhook-secret-0123456789"})
        assert r.status_code == 200, r.text
        r = srv.session().post(srv.url("/contact"), timeout=30, allow_redirects=False, data={
            "name": "Pia Undelivered", "email": "pia@example.org",
            "subject": "Blinking modem", "description": "It blinks amber."})
        assert r.status_code == 200, r.text
        out = tmp_path / "contact-backup"
        p = subprocess.run([SERVER, "--data", str(kb), "backup", str(out)],
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr
    fresh = tmp_path / "restored-contact"
    p = subprocess.run([SERVER, "restore", str(out), "--data", str(fresh)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    con = sqlite3.connect("file:%s?mode=ro" % (fresh / "kb.sqlite3"), uri=True, timeout=10)
    try:
        got = con.execute("SELECT r.email, d.dest, d.status FROM contact_requests r JOIN "
                          "contact_deliveries d ON d.request = r.id WHERE r.email = "
                          "'pia@example.org'").fetchall()
    finally:
        con.close()
    assert got == [("pia@example.org", "webhook", "pending")], got
