"""What a client sees at the HTTP layer's limits (issue 13, items 2 and 3),
with raw sockets so that nothing between the test and the server tidies the
bytes: a 413 reaches a client that is still sending its body, and every
error, even those libmicrohttpd finds before our handler runs, is one
well-formed HTTP response with a 4xx status and a JSON error body."""
import json
import socket
import time

import pytest

from server import KbServer

TRIES = 20


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    with KbServer(tmp_path_factory.mktemp("kb-limits")) as s:
        yield s


def port_of(srv):
    return int(srv.base.rsplit(":", 1)[1])


def read_response(s):
    """Reads one whole HTTP/1.1 response (Content-Length framed, or up to
    the close); returns (status, headers dict with lowercase names, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        b = s.recv(65536)
        if not b:
            raise ConnectionError("closed before the headers: %r" % buf[:200])
        buf += b
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(body) < n:
            b = s.recv(65536)
            if not b:
                raise ConnectionError("closed after %d of %d body bytes" % (len(body), n))
            body += b
        body = body[:n]
    else:
        while True:
            b = s.recv(65536)
            if not b:
                break
            body += b
    return status, headers, body


def post_big(srv, size):
    """POSTs size bytes of body without Expect, the way a plain client does:
    the whole body first, then the answer. Returns what happened."""
    chunk = b"x" * 65536
    s = socket.create_connection(("127.0.0.1", port_of(srv)), timeout=30)
    try:
        s.sendall(b"POST /api/v1/deflect HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % size)
        sent = 0
        try:
            while sent < size:
                n = s.send(chunk[:min(len(chunk), size - sent)])
                sent += n
        except OSError as e:
            send_error = type(e).__name__
        else:
            send_error = None
        try:
            status, _, body = read_response(s)
        except OSError as e:
            return "no answer (%s%s)" % (type(e).__name__,
                                         ", send: " + send_error if send_error else "")
        try:
            got = "%d %s" % (status, json.loads(body)["error"]["code"])
        except (ValueError, KeyError, TypeError):
            got = "%d, body not JSON: %r" % (status, body[:80])
        # Most clients (curl, urllib3, browsers) give up at a failed send
        # and report "connection reset" instead of reading the answer.
        return "%s while sending, then %s" % (send_error, got) if send_error else got
    finally:
        s.close()


@pytest.mark.parametrize("size", [2 << 20, 100 << 20], ids=["2MiB", "100MiB"])
def test_413_reaches_a_client_still_sending_its_body(srv, size):
    outcomes = {}
    t0 = time.time()
    for _ in range(TRIES):
        o = post_big(srv, size)
        outcomes[o] = outcomes.get(o, 0) + 1
    print("\n%d MiB x %d: %s in %.1fs" % (size >> 20, TRIES, outcomes, time.time() - t0))
    assert outcomes == {"413 too_large": TRIES}
    assert srv.get("/healthz").status_code == 200
