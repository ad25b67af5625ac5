"""Files only the service can read (issue 13, item 5): whatever the umask it
is started with, kb-server and kb-indexer create the data directory 0700 and
every file in it 0600 (the store, its -wal and -shm, the index), and warn
about an existing data directory that others can enter."""
import os
import stat
import subprocess
import time

import requests

from kbtest import INDEXER, SAMPLES, SERVER
from server import KbServer


def umask_022():
    os.umask(0o022)


def modes(root):
    """{relative path: permission bits} for root and everything below it."""
    out = {".": stat.S_IMODE(os.stat(root).st_mode)}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            out[os.path.relpath(p, root)] = stat.S_IMODE(os.lstat(p).st_mode)
    return out


def too_open(root):
    """Entries that anyone but the owner may read, write or enter."""
    return {p: oct(m) for p, m in modes(root).items() if m & 0o077}


def run(*args, input=None):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=300,
                       input=input, preexec_fn=umask_022)
    assert p.returncode == 0, p.stderr
    return p


class UmaskServer(KbServer):
    """A KbServer started with umask 022, as a service manager might."""

    def start(self):
        real = subprocess.Popen

        def popen(*a, **kw):
            kw["preexec_fn"] = umask_022
            return real(*a, **kw)
        subprocess.Popen = popen
        try:
            return super().start()
        finally:
            subprocess.Popen = real


def test_indexer_under_umask_022_creates_owner_only_files(tmp_path):
    data = str(tmp_path / "kb")
    run(INDEXER, "--data", data, "add", os.path.join(SAMPLES, "tickets.jsonl"))
    m = modes(data)
    assert m["."] == 0o700
    assert m["kb.sqlite3"] == 0o600
    assert m["index"] == 0o700 and any(p.startswith("index/public/") for p in m)
    assert too_open(data) == {}


def test_server_under_umask_022_creates_owner_only_files(tmp_path):
    data = str(tmp_path / "kb")
    run(SERVER, "--data", data, "user", "add", "--role", "admin", "root",
        input="root-password-1\n")
    with UmaskServer(data) as srv:
        s = srv.login("root", "root-password-1")
        assert s.get(srv.url("/api/v1/search"), params={"q": "wifi"}, timeout=30).ok
        r = s.post(srv.url("/api/v1/tickets"), data=b'{"id":"T-1","subject":"wifi drops",'
                   b'"description":"x","resolution":"y"}\n', timeout=30)
        assert r.status_code < 300, r.text
        time.sleep(0.5)
        # While it runs: the store's -wal and -shm exist and are 0600 too.
        m = modes(data)
        assert m.get("kb.sqlite3-wal") == 0o600 and m.get("kb.sqlite3-shm") == 0o600, m
        assert too_open(data) == {}
    assert too_open(data) == {}


def test_existing_wide_data_directory_gets_a_warning_naming_it(tmp_path):
    data = str(tmp_path / "wide")
    os.mkdir(data)
    os.chmod(data, 0o755)
    p = run(INDEXER, "--data", data, "add", os.path.join(SAMPLES, "tickets.jsonl"))
    assert "'%s'" % data in p.stderr and "0755" in p.stderr, p.stderr
    p = run(SERVER, "--data", data, "user", "add", "--role", "admin", "root",
            input="root-password-1\n")
    assert "'%s'" % data in p.stderr, p.stderr
    with UmaskServer(data) as srv:
        requests.get(srv.url("/healthz"), timeout=10)
    assert any("'%s'" % data in line for line in srv.log), srv.log
    # A private one gets no such warning.
    os.chmod(data, 0o700)
    p = run(INDEXER, "--data", data, "stats")
    assert "'%s'" % data not in p.stderr, p.stderr
