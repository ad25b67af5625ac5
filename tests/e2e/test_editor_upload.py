"""The editor's image upload (issue 20): POST /api/v1/media takes the image as
the request body, checks its size (at most 2 MiB) and its type by its bytes
(PNG, JPEG, GIF, WebP; no SVG, no HTML called an image), stores it under the
hash of its bytes and answers its URL. An uploaded image reaches customers only
while a public, published article shows it: a draft's or an internal article's
image is 404 for them. Served with its own type, nosniff and a sandbox CSP.
Also the sanitiser's report in the preview and save answers."""
import statistics
import struct
import time
import zlib

import pytest

from kbchaos import bearer, make_token
from kbtest import SAMPLES, run_indexer
from server import KbServer

LIMIT = 2 * 1024 * 1024


def png(w=2, h=2, extra=b""):
    raw = b"".join(b"\x00" + b"\x10\x80\xd0" * w for _ in range(h))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + extra + chunk(b"IEND", b""))


def padded_png(size, seed=b""):
    """A valid PNG of exactly size bytes (a private ancillary chunk pads it)."""
    base = png(extra=b"")
    pad = size - len(base) - 12 - len(seed)
    assert pad >= 0

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    body = chunk(b"prVt", seed + b"\x00" * pad)
    return base[:-12] + body + base[-12:]


GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
       b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-editor-upload")
    run_indexer(d, "add", SAMPLES + "/articles")
    writer = make_token(d, "writer", "upload-writer")
    agent = make_token(d, "agent", "upload-agent")
    srv = KbServer(d).start()
    yield srv, bearer(writer), bearer(agent)
    srv.stop()


def upload(srv, who, data, ctype="image/png"):
    return who.post(srv.url("/api/v1/media"), data=data,
                    headers={"Content-Type": ctype} if ctype else {}, timeout=60)


def test_upload_answers_a_url_that_serves_the_image_safely(env):
    srv, writer, _ = env
    img = png(3, 3)
    r = upload(srv, writer, img)
    assert r.status_code == 201, r.text
    url = r.json()["url"]
    assert url.startswith("/kb/media/uploads/sha256-") and url.endswith(".png")
    assert r.json()["markdown"] == "![](%s)" % url
    again = upload(srv, writer, img)  # the same bytes, the same key
    assert again.json()["url"] == url
    got = writer.get(srv.url(url), timeout=30)
    assert got.status_code == 200 and got.content == img
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]
    gif = upload(srv, writer, GIF, "image/gif")
    assert gif.status_code == 201 and gif.json()["url"].endswith(".gif")


def test_upload_errors_name_the_problem(env):
    srv, writer, agent = env
    r = upload(srv, writer, png(), "text/plain")  # a PNG called text
    assert r.status_code == 415 and "text/plain" in r.json()["error"]["message"]
    html = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
    r = upload(srv, writer, html, "image/png")  # HTML called a PNG
    assert r.status_code == 400 and "not a PNG" in r.json()["error"]["message"]
    r = upload(srv, writer, png(), "image/jpeg")  # PNG bytes called JPEG
    assert r.status_code == 400 and "not a JPEG" in r.json()["error"]["message"]
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    r = upload(srv, writer, svg, "image/svg+xml")
    assert r.status_code == 415 and "SVG" in r.json()["error"]["message"]
    r = upload(srv, writer, b"", "image/png")
    assert r.status_code == 400 and "empty" in r.json()["error"]["message"]
    r = upload(srv, writer, padded_png(LIMIT + 1), "image/png")
    assert r.status_code == 413
    msg = r.json()["error"]["message"]
    assert "2097152" in msg and "2 MiB" in msg
    r = upload(srv, agent, png(), "image/png")  # agents do not write
    assert r.status_code == 403
    r = srv.post("/api/v1/media", data=png(), headers={"Content-Type": "image/png"})
    assert r.status_code == 401


def test_largest_accepted_size_and_round_trip(env):
    srv, writer, _ = env
    r = upload(srv, writer, padded_png(LIMIT, b"largest"), "image/png")
    assert r.status_code == 201, r.text[:300]
    assert len(writer.get(srv.url(r.json()["url"]), timeout=30).content) == LIMIT
    ups, both = [], []
    for i in range(20):
        img = padded_png(1024 * 1024, b"rt%d" % i)
        t0 = time.perf_counter()
        r = upload(srv, writer, img)
        t1 = time.perf_counter()
        got = writer.get(srv.url(r.json()["url"]), timeout=30)
        both.append(time.perf_counter() - t0)
        ups.append(t1 - t0)
        assert r.status_code == 201 and got.content == img
    print("1 MiB image, p50 of 20: upload %.1f ms, upload and fetch back %.1f ms; largest "
          "accepted: %d bytes" % (statistics.median(ups) * 1e3, statistics.median(both) * 1e3,
                                  LIMIT))


def article(srv, writer, body, audience="public"):
    r = writer.post(srv.url("/api/v1/articles"), json={
        "title": "Image test %s" % time.time(), "body": body, "audience": audience},
        timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["number"]


def test_customers_get_an_upload_only_while_a_public_published_article_shows_it(env):
    srv, writer, _ = env
    draft_img, internal_img, public_img = (upload(srv, writer, png(4 + i, 4)).json()["url"]
                                           for i in range(3))
    draft = article(srv, writer, "![d](%s)" % draft_img)
    internal = article(srv, writer, "![i](%s)" % internal_img, "internal")
    public = article(srv, writer, "![p](%s)" % public_img)
    for url in (draft_img, internal_img, public_img):  # all three are drafts so far
        assert srv.get(url).status_code == 404, url
    assert writer.post(srv.url("/api/v1/articles/KB-%d/publish" % internal)).status_code == 200
    assert writer.post(srv.url("/api/v1/articles/KB-%d/publish" % public)).status_code == 200
    assert srv.get(internal_img).status_code == 404  # internal: staff only
    assert srv.get(draft_img).status_code == 404     # still a draft
    got = srv.get(public_img)
    assert got.status_code == 200
    # A shared cache may keep it 5 minutes at most: hidden again, it is gone soon.
    cc = got.headers["Cache-Control"]
    assert "public" in cc and int(cc.split("max-age=")[1].split(",")[0]) <= 300, cc
    page = srv.get("/kb/%d" % public, headers={"Accept": "text/html"}).text
    assert public_img in page
    # the image leaves the article: customers lose it at once
    r = writer.put(srv.url("/api/v1/articles/KB-%d" % public), json={"body": "no image now"})
    assert r.status_code == 200
    assert srv.get(public_img).status_code == 404
    writer.put(srv.url("/api/v1/articles/KB-%d" % public), json={"body": "![p](%s)" % public_img})
    assert srv.get(public_img).status_code == 200
    # unpublished, or turned internal: gone for customers again
    writer.post(srv.url("/api/v1/articles/KB-%d/unpublish" % public))
    assert srv.get(public_img).status_code == 404
    writer.post(srv.url("/api/v1/articles/KB-%d/publish" % public))
    assert srv.get(public_img).status_code == 200
    writer.put(srv.url("/api/v1/articles/KB-%d" % public), json={"audience": "internal"})
    assert srv.get(public_img).status_code == 404
    # a customer's 404 is the same as for an image that does not exist
    missing = srv.get("/kb/media/uploads/sha256-%s.png" % ("0" * 64))
    assert missing.status_code == 404
    assert writer.get(srv.url(internal_img)).status_code == 200  # staff see everything


def test_preview_and_save_list_what_sanitising_removed(env):
    srv, writer, _ = env
    body = ("<p onclick=\"x()\">hi</p><script>alert(1)</script>"
            "<a href=\"javascript:steal()\">l</a><iframe src=\"https://x.example/\"></iframe>")
    r = writer.post(srv.url("/api/v1/preview"), json={"body": body, "format": "html"})
    assert r.status_code == 200
    removed = {x["what"]: x["count"] for x in r.json()["removed"]}
    assert removed == {"onclick attribute": 1, "<script> element": 1, "javascript: URL": 1,
                       "<iframe> element": 1}
    assert "alert" not in r.json()["html"]
    r = writer.post(srv.url("/api/v1/articles"), json={"title": "Removal", "body": body,
                                                       "format": "html"})
    assert r.status_code == 201
    assert {x["what"] for x in r.json()["removed"]} == set(removed)
    clean = writer.post(srv.url("/api/v1/preview"), json={"body": "# fine\n\n| a |\n|:-|\n| 1 |"})
    assert clean.json()["removed"] == []


def head_only(srv, extra_headers):
    """Sends an upload's head announcing a 2 MiB body but not the body, and
    returns (status line, seconds until it came) or (None, seconds) when the
    server still waits for the body after 3 s."""
    import socket
    hostport = srv.base.split("//", 1)[1]
    host, port = hostport.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=3)
    head = ("POST /api/v1/media HTTP/1.1\r\nHost: %s\r\nContent-Type: image/png\r\n"
            "Content-Length: %d\r\n%s\r\n" % (hostport, LIMIT, extra_headers))
    t0 = time.monotonic()
    s.sendall(head.encode())
    try:
        data = s.recv(4096)
    except socket.timeout:
        data = None
    finally:
        s.close()
    took = time.monotonic() - t0
    return (data.split(b"\r\n", 1)[0].decode() if data else None), took


def test_an_upload_is_refused_on_its_head_before_its_body_is_read(env):
    """Only writers may upload, and the server knows who is asking from the
    head: nobody else makes it read (and hold) 2 MiB first. The answer comes
    without the body being sent."""
    srv, _, agent = env
    cases = {
        "no credentials": ("", "401"),
        "a made-up session cookie": ("Cookie: kb_session=%s\r\n" % ("A" * 43), "401"),
        "a made-up token": ("Authorization: Bearer %s\r\n" % ("x" * 40), "401"),
        "an agent's token": ("Authorization: %s\r\n" % agent.headers["Authorization"], "403"),
    }
    for name, (hdr, want) in cases.items():
        line, took = head_only(srv, hdr)
        assert line is not None, "%s: the server waited for the body (%.1f s)" % (name, took)
        assert want in line, (name, line)
    # A writer's head is let through: the server waits for the body.
    line, _ = head_only(srv, "Authorization: %s\r\n" % env[1].headers["Authorization"])
    assert line is None, line
