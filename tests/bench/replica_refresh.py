#!/usr/bin/env python3
"""Issue 18 part 1 targets on a loaded data directory: what a replica
receives to refresh its store copy after one article edit, and
publish-to-searchable on the replica.

    tests/bench/replica_refresh.py --data DIR   # DIR loaded by kb-indexer add

Starts DIR as a primary (xapian-replicate-server) and a new replica in a
scratch directory; prints the first snapshot's size (what every refresh
cost before changesets), the bytes of the refresh after one edit, and the
worst publish-to-searchable of five publishes. The primary writes to DIR
(a user, two tokens, one edit, five small articles): use a copy."""
import argparse
import os
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import requests  # noqa: E402

from server import KbServer, add_user  # noqa: E402
from test_scaleout import free_port, token  # noqa: E402


def health(srv, auth):
    return requests.get(srv.url("/healthz"), headers=auth, timeout=60).json()


def caught_up(primary, replica, auth, limit=600):
    deadline = time.monotonic() + limit
    while True:
        head = health(primary, auth)["changes_logged"]
        rep = health(replica, auth).get("replica", {})
        if rep.get("store_position") == head:
            return rep
        if time.monotonic() > deadline:
            raise SystemExit("replica never caught up: %r vs %d" % (rep, head))
        time.sleep(0.02)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kb-replica-bench-")
    user = "bench" + uuid.uuid4().hex[:6]
    add_user(a.data, user, "bench-password-1", "writer")
    writer = {"Authorization": "Bearer " + token(a.data, "writer", user)}
    admin_tok = token(a.data, "admin", "bench-replication")
    admin = {"Authorization": "Bearer " + admin_tok}
    tokfile = os.path.join(work, "token")
    with open(tokfile, "w") as f:
        f.write(admin_tok + "\n")
    os.chmod(tokfile, 0o600)
    port = free_port()
    primary = KbServer(a.data, "--threads", "4", "--replication-port",
                       "127.0.0.1:%d" % port).start()
    t0 = time.monotonic()
    replica = KbServer(os.path.join(work, "replica"), "--threads", "2", "--replica-of",
                       primary.base, "--primary-token", tokfile, "--replicate-from",
                       "127.0.0.1:%d" % port).start()
    try:
        first = caught_up(primary, replica, admin)
        print("new replica: snapshot %d bytes (%d snapshot), ready in %.1fs"
              % (first["store_bytes"], first["store_snapshots"], time.monotonic() - t0))
        n = requests.get(primary.url("/api/v1/search"), params={"q": "the"},
                         timeout=60).json()["hits"][0]["number"]
        art = requests.get(primary.url("/api/v1/articles/%d" % n), headers=writer,
                           timeout=60).json()
        body = (art.get("source") or art.get("text") or "x") + "\n\nOne more line."
        r = requests.put(primary.url("/api/v1/articles/%d" % n), headers=writer, timeout=60,
                         json={"title": art["title"], "body": body})
        assert r.status_code == 200, r.text
        after = caught_up(primary, replica, admin)
        print("one article edit (KB-%d, %d bytes of body): replica received %d bytes in %d "
              "changesets, %d snapshots" % (n, len(body), after["store_bytes"] - first["store_bytes"],
                                            after["store_changesets"] - first["store_changesets"],
                                            after["store_snapshots"] - first["store_snapshots"]))
        worst = 0.0
        for _ in range(5):
            word = "plumbix" + uuid.uuid4().hex[:8]
            r = requests.post(primary.url("/api/v1/articles"), headers=writer, timeout=60,
                              json={"title": "Plumbix %s pairing" % word,
                                    "body": "Pair the %s hub." % word})
            num = r.json()["number"]
            t0 = time.monotonic()
            r = requests.post(primary.url("/api/v1/articles/%d/publish" % num), headers=writer,
                              timeout=60)
            assert r.status_code == 200, r.text
            while True:
                hits = requests.get(replica.url("/api/v1/search"), params={"q": word},
                                    timeout=60).json()["hits"]
                page = requests.get(replica.url("/api/v1/articles/%d" % num), timeout=60)
                if any(h["number"] == num for h in hits) and page.status_code == 200:
                    break
                if time.monotonic() - t0 > 30:
                    raise SystemExit("publish never reached the replica")
                time.sleep(0.02)
            worst = max(worst, time.monotonic() - t0)
        print("publish-to-searchable (search hit and article page) on the replica: worst of 5 "
              "%.2fs" % worst)
        end = caught_up(primary, replica, admin)
        print("replica totals: %r" % {k: end[k] for k in ("store_snapshots", "store_changesets",
                                                          "store_bytes")})
    finally:
        replica.stop()
        primary.stop()


if __name__ == "__main__":
    main()
