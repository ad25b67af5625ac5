"""Uploaded images on a read replica (issue 20): the replica's store copy
follows which images public published articles show (media_refs travels in
the changesets), so a customer of the replica gets an upload exactly while
the primary would give it: never an internal article's, and no longer once
its article is unpublished."""
import struct
import time
import zlib

import pytest
import requests

from server import KbServer
from test_replica_changes import caught_up, prepare_primary, start_replica


def png(w):
    raw = b"".join(b"\x00" + b"\x70\x10\x90" * w for _ in range(2))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    class C:
        pass
    c = C()
    c.base = tmp_path_factory.mktemp("kb-leak20-replica")
    prepare_primary(c)
    c.primary = KbServer(c.kb, "--threads", "4", "--replication-port",
                         "127.0.0.1:%d" % c.repl_port).start()
    c.replica = start_replica(c)
    yield c
    c.replica.stop()
    c.primary.stop()


def eventually(cond, seconds=30):
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "not within %d s" % seconds
        time.sleep(0.05)


def article(c, img, audience):
    p = c.primary
    r = requests.post(p.url("/api/v1/articles"), headers=c.writer, timeout=30,
                      json={"title": "Replica image %s" % audience, "body": "![x](%s)" % img,
                            "audience": audience})
    assert r.status_code == 201, r.text
    ref = r.json()["ref"]
    r = requests.post(p.url("/api/v1/articles/%s/publish" % ref), headers=c.writer, timeout=30)
    assert r.status_code == 200, r.text
    return ref


def test_a_replicas_customers_get_an_upload_only_while_a_public_article_shows_it(cluster):
    c = cluster
    p, rep = c.primary, c.replica
    urls = []
    for w in (5, 6):
        r = requests.post(p.url("/api/v1/media"), headers=dict(c.writer, **{
            "Content-Type": "image/png"}), data=png(w), timeout=30)
        assert r.status_code == 201, r.text
        urls.append(r.json()["url"])
    public_img, internal_img = urls
    ref = article(c, public_img, "public")
    article(c, internal_img, "internal")
    caught_up(c)
    eventually(lambda: requests.get(rep.url(public_img), timeout=30).status_code == 200)
    for srv in (p, rep):
        assert requests.get(srv.url(internal_img), timeout=30).status_code == 404
    assert requests.get(rep.url(internal_img), headers=c.writer, timeout=30).status_code == 200
    r = requests.post(p.url("/api/v1/articles/%s/unpublish" % ref), headers=c.writer, timeout=30)
    assert r.status_code == 200, r.text
    caught_up(c)
    eventually(lambda: requests.get(rep.url(public_img), timeout=30).status_code == 404)
    assert requests.get(p.url(public_img), timeout=30).status_code == 404
