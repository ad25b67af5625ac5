"""Review before customers see a change, with a read replica: a change in
review reaches the replica's store copy (staff there see it is in review) but
never what the replica shows customers (article API, page, search), until
another writer approves it on the primary."""
import time

import pytest
import requests

from server import KbServer, add_user
from test_replica_changes import caught_up, prepare_primary, start_replica

WRITER_B = ("writer-bea", "writer-bea-password")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    class C:
        pass
    c = C()
    c.base = tmp_path_factory.mktemp("kb-review-replica")
    prepare_primary(c)
    add_user(c.kb, *WRITER_B, "writer")
    c.primary = KbServer(c.kb, "--threads", "4", "--replication-port",
                         "127.0.0.1:%d" % c.repl_port).start()
    c.replica = start_replica(c)
    yield c
    c.replica.stop()
    c.primary.stop()


def hits(srv, q):
    r = requests.get(srv.url("/api/v1/search"), params={"q": q}, timeout=30)
    assert r.status_code == 200, r.text
    return [h["number"] for h in r.json()["hits"]]


def eventually(cond, seconds=30):
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "not within %d s" % seconds
        time.sleep(0.05)


def test_a_change_in_review_never_reaches_customers_of_a_replica(cluster):
    c = cluster
    p, rep = c.primary, c.replica
    r = requests.post(p.url("/api/v1/articles"), headers=c.writer, timeout=30,
                      json={"title": "Modem lights", "body": "modemlightold blinks green."})
    assert r.status_code == 201, r.text
    a = requests.post(p.url("/api/v1/articles/%s/publish" % r.json()["ref"]),
                      headers=c.writer, timeout=30).json()
    n = a["number"]
    eventually(lambda: n in hits(rep, "modemlightold"))
    r = requests.put(p.url("/api/v1/admin/review"), headers=c.admin, json={"mode": "all"},
                     timeout=30)
    assert r.status_code == 200, r.text
    r = requests.put(p.url("/api/v1/articles/%s" % a["ref"]), headers=c.writer, timeout=30,
                     json={"body": "modemlightnew blinks amber."})
    assert r.status_code == 202, r.text
    caught_up(c)
    # Staff reading the replica see the change is in review.
    g = requests.get(rep.url("/api/v1/articles/%s" % a["ref"]), headers=c.writer,
                     timeout=30).json()
    assert g["in_review"] is True
    time.sleep(1.5)
    for srv in (p, rep):
        assert n not in hits(srv, "modemlightnew")
        assert n in hits(srv, "modemlightold")
        r = requests.get(srv.url("/api/v1/articles/%s" % a["ref"]), timeout=30)
        assert "modemlightold" in r.text and "modemlightnew" not in r.text
        page = requests.get(srv.url(a["url"]), timeout=30)
        assert page.status_code == 200
        assert "modemlightold" in page.text and "modemlightnew" not in page.text
        assert requests.get(srv.url("/api/v1/articles/%s/pending" % a["ref"]),
                            timeout=30).status_code in (401, 403)
    # Approved on the primary by another writer (through the replica: forwarded).
    bea = rep.login(*WRITER_B)
    r = bea.post(rep.url("/api/v1/articles/%s/approve" % a["ref"]), timeout=30)
    assert r.status_code == 200, r.text
    eventually(lambda: n in hits(rep, "modemlightnew"))
    eventually(lambda: "modemlightnew" in requests.get(rep.url(a["url"]), timeout=30).text)
