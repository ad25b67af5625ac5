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


# ---- item 3: every error is one well-formed response ---------------------------------

def exchange(srv, data, timeout=10):
    """Sends data on a new connection; returns (status, headers, body, rest):
    rest is whatever followed the one response (nothing, if well-formed)."""
    s = socket.create_connection(("127.0.0.1", port_of(srv)), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except OSError:
            pass
        status, headers, body = read_response(s)
        rest = b""
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                rest += b
        except OSError:
            pass
        return status, headers, body, rest
    finally:
        s.close()


def assert_json_error(srv, data, status, code):
    got, headers, body, rest = exchange(srv, data)
    assert got == status, (got, body[:300])
    assert headers.get("content-type", "").startswith("application/json"), (headers, body[:300])
    err = json.loads(body)["error"]
    assert err["code"] == code and err["message"], err
    assert rest == b"", rest[:300]
    return err


def assert_well_formed_4xx(srv, data):
    """An answer (not a silent close), one response, a 4xx status, and no
    status line or header block inside its body."""
    try:
        status, headers, body, rest = exchange(srv, data)
    except ConnectionError as e:
        pytest.fail("no answer: %s" % e)
    assert 400 <= status < 500, (status, body[:300])
    assert b"HTTP/1." not in body and b"Content-Length:" not in body, body[:300]
    assert rest == b"", rest[:300]


def test_a_100k_character_query_gets_a_json_414(srv):
    err = assert_json_error(srv, b"GET /api/v1/search?q=" + b"a" * 100000 +
                            b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                            414, "uri_too_long")
    assert "bytes" in err["message"]


def test_a_200_kb_header_gets_a_json_431(srv):
    assert_json_error(srv, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 +
                      b"\r\nConnection: close\r\n\r\n", 431, "headers_too_large")


def test_thousands_of_cookies_get_a_json_431(srv):
    cookies = b"; ".join(b"c%d=v" % i for i in range(3000))
    assert_json_error(srv, b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nCookie: " + cookies +
                      b"\r\nConnection: close\r\n\r\n", 431, "headers_too_large")


def test_ordinary_long_requests_still_work(srv):
    """Limits well above what browsers send: a 4 KB query, 40 cookies and
    a 16 KB header are served."""
    status, _, body, _ = exchange(srv, b"GET /api/v1/suggest?q=" + b"a" * 900 +
                                  b" HTTP/1.1\r\nHost: x\r\nCookie: " +
                                  b"; ".join(b"c%d=v" % i for i in range(40)) +
                                  b"\r\nX-Pad: " + b"p" * 16000 +
                                  b"\r\nConnection: close\r\n\r\n")
    assert status == 200, body[:300]


# What libmicrohttpd 0.9.75 would answer itself, badly (its error path writes
# the header block twice) or not at all; http_accept.c answers these first.

@pytest.mark.parametrize("value", [b"abc", b"-5", b"12x"])
def test_a_malformed_content_length_gets_one_well_formed_400(srv, value):
    assert_well_formed_4xx(srv, b"POST /api/v1/deflect HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                           value + b"\r\nConnection: close\r\n\r\n")


def test_an_absurd_content_length_gets_one_well_formed_413(srv):
    assert_well_formed_4xx(srv, b"POST /api/v1/deflect HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                           b"9" * 30 + b"\r\nConnection: close\r\n\r\n")


@pytest.mark.parametrize("line", [b"HELLO", b"GET"])
def test_a_garbage_request_line_gets_an_answer(srv, line):
    assert_well_formed_4xx(srv, line + b"\r\n\r\n")


@pytest.mark.parametrize("line", [b"\x01\x02garbage here", b"GET /", b"GET / HTTP/1.1 x"])
def test_other_bad_request_lines_get_one_well_formed_400(srv, line):
    assert_well_formed_4xx(srv, line + b"\r\n\r\n")


def test_thirty_thousand_cookies_get_a_json_431(srv):
    """Past what MHD's per-connection memory can parse (about 3,000)."""
    cookies = b";".join(b"c=" for _ in range(30000))
    assert_json_error(srv, b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nCookie: " + cookies +
                      b"\r\nConnection: close\r\n\r\n", 431, "headers_too_large")


@pytest.mark.parametrize("data,status", [
    (b"POST /api/v1/deflect HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
    (b"HELLO\r\n\r\n", 400),
])
def test_refused_heads_get_json_and_the_server_carries_on(srv, data, status):
    assert_json_error(srv, data, status, "bad_request")
    assert srv.get("/healthz").status_code == 200
