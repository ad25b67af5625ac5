"""The attack suite's storage part (split from test_attack.py): a full disk
and a read-only data directory give clear errors, lose nothing, and the
server recovers."""
import collections
import glob
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest
import requests

from kbchaos import (bearer, index_counts, make_token, store_counts, store_query,
                     wait_drained, xapian_check_both)
from kbtest import INDEXER, SAMPLES, SERVER, run_indexer
from server import KbServer

CASES = collections.Counter()  # cases tried, by family (printed at the end)


@pytest.fixture(scope="module", autouse=True)
def cases_summary():
    yield
    print("attack (storage): %d cases tried: %s" % (sum(CASES.values()), dict(CASES)))


# ---- disk full, read-only ------------------------------------------------------------

@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (%s): the disk-full test needs one"
                    % p.stderr.strip())
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(path, leave=0):
    """Fills the file system of path, leaving about leave bytes free."""
    fd = os.open(os.path.join(path, "filler-%d" % time.time_ns()), os.O_WRONLY | os.O_CREAT)
    chunk = b"\0" * 65536
    try:
        while True:
            st = os.statvfs(path)
            free = st.f_bavail * st.f_frsize
            if free <= leave:
                break
            os.write(fd, chunk if free - leave >= len(chunk) else chunk[:max(4096, free - leave)])
    except OSError:
        pass
    finally:
        os.close(fd)


def test_disk_full_gives_clear_errors_and_recovers(small_fs):
    d = small_fs / "kb"
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    w, a = bearer(make_token(d, "writer", "w")), bearer(make_token(d, "agent", "a"))
    acked, statuses = [], collections.Counter()
    with KbServer(d) as srv:
        for leave in (2 << 20, 256 << 10, 0):
            fill(str(small_fs), leave)
            for i in range(8):
                batch = [{"id": "DF-%d-%d" % (leave, i * 50 + j), "subject": "Disk %d dfword" % j,
                          "description": "x" * 3000, "resolution": "y"} for j in range(50)]
                t0 = time.time()
                r = a.post(srv.url("/api/v1/tickets"), data=json.dumps(batch), timeout=30)
                assert time.time() - t0 < 15, "a write hung on a full disk"
                statuses[r.status_code] += 1
                CASES["disk full"] += 1
                if r.status_code == 200:
                    acked += [t["id"] for t in batch]
                else:
                    assert r.status_code == 507, r.text
                    assert r.json()["error"]["code"] == "insufficient_storage"
                r = w.post(srv.url("/api/v1/articles"), json={"title": "Full %d %d" % (leave, i),
                                                               "body": "z" * 5000}, timeout=30)
                statuses[r.status_code] += 1
                assert r.status_code in (201, 507), r.text
                # Reads keep working.
                assert requests.get(srv.url("/api/v1/search"), params={"q": "router"},
                                    timeout=30).status_code == 200
                assert requests.get(srv.url("/kb/1001"), timeout=30).status_code in (200, 301)
                assert requests.get(srv.url("/healthz"), timeout=30).status_code == 200
                assert srv.proc.poll() is None
        assert statuses[507] > 0, statuses
        for f in glob.glob(str(small_fs / "filler-*")):
            os.remove(f)
        # Space is back: writes work, everything acknowledged is searchable.
        r = w.post(srv.url("/api/v1/articles"), json={"title": "After dfrecovered", "body": "ok"},
                   timeout=30)
        assert r.status_code == 201, r.text
        assert w.post(srv.url("/api/v1/articles/KB-%d/publish" % r.json()["number"]),
                      timeout=30).ok
        wait_drained(srv, timeout=30)
        assert index_counts(srv) == store_counts(d)
        stored = {s for (s,) in store_query(d, "SELECT source_id FROM tickets")}
        assert set(acked) <= stored
        hits = requests.get(srv.url("/api/v1/search"), params={"q": "dfrecovered"}, timeout=30)
        assert len(hits.json()["hits"]) == 1
        errors = [l for l in srv.log if " error " in l]
        sync_errors = [l for l in errors if " sync: " in l]
    print("disk full: %s; %d tickets acknowledged; %d index-thread errors (%s)"
          % (dict(statuses), len(acked), len(sync_errors),
             sync_errors[0].strip()[21:160] if sync_errors else "none"))
    xapian_check_both(d)
    assert store_query(d, "PRAGMA integrity_check") == [("ok",)]


def tree_digest(path):
    out = {}
    for root, _, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, path)] = hash(fh.read())
    return out


def test_read_only_data_directory(tmp_path):
    d = tmp_path / "kb"
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    before = tree_digest(d)
    ro = tmp_path / "ro"
    ro.mkdir()
    if subprocess.run(["mount", "--bind", str(d), str(ro)], capture_output=True).returncode != 0:
        pytest.skip("cannot bind-mount here: the read-only test needs it")
    try:
        assert subprocess.run(["mount", "-o", "remount,ro,bind", str(ro)]).returncode == 0
        p = subprocess.run([SERVER, "--data", str(ro), "--listen", "127.0.0.1:0"],
                           capture_output=True, text=True, timeout=30)
        CASES["read-only"] += 1
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert "not writable" in p.stderr and "Read-only file system" in p.stderr, p.stderr
        # Reading the index still works from the read-only copy.
        q = run_indexer(ro, "query", "--json", "router")
        assert json.loads(q.stdout)["hits"]
        # So does kb-indexer's refusal to write: clearly.
        p = subprocess.run([INDEXER, "--data", str(ro), "add", os.path.join(SAMPLES, "articles")],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode != 0 and "not writable" in p.stderr, p.stderr
    finally:
        subprocess.run(["umount", str(ro)], capture_output=True)
    assert tree_digest(d) == before
    # Permissions, not the mount: run as nobody on a directory nobody may not write.
    if os.geteuid() != 0:
        return  # needs root to become nobody; the bind mount above needed it too
    top = tempfile.mkdtemp(prefix="kb-perm-", dir="/tmp")
    perm = os.path.join(top, "kb")
    try:
        os.chmod(top, 0o755)
        shutil.copytree(d, perm)
        for root, dirs, files in os.walk(perm):
            for x in dirs:
                os.chmod(os.path.join(root, x), 0o555)
            for x in files:
                os.chmod(os.path.join(root, x), 0o444)
        os.chmod(perm, 0o555)

        def as_nobody():
            os.setgid(65534)
            os.setuid(65534)
        p = subprocess.run([SERVER, "--data", perm, "--listen", "127.0.0.1:0"],
                           capture_output=True, text=True, timeout=30, preexec_fn=as_nobody)
        CASES["read-only"] += 1
        assert p.returncode == 1 and "not writable" in p.stderr, (p.returncode, p.stderr)
    finally:
        for root, dirs, _ in os.walk(top):
            for x in dirs:
                os.chmod(os.path.join(root, x), 0o755)
        os.chmod(perm, 0o755)
        shutil.rmtree(top, ignore_errors=True)
