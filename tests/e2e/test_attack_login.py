"""Attacks on staff sign-in: password guessing slowed and locked out per
account and per account and address, sessions rotated and ended by logout,
forged session ids, and tokens, sessions and passwords never stored in the
clear. (Split from test_attack.py, which keeps the attacks on content.)"""
import glob
import os
import time

import pytest
import requests

from kbchaos import bearer, make_token
from kbtest import SAMPLES, run_indexer
from server import KbServer, add_user

PW = {"admin1": "admin-password-1", "writer1": "writer-password-1", "agent1": "agent-password-1"}


@pytest.fixture
def auth_srv(tmp_path):
    d = tmp_path / "kb"
    d.mkdir()
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    add_user(d, "admin1", PW["admin1"], "admin")
    add_user(d, "agent1", PW["agent1"], "agent")
    add_user(d, "victim", "victim-password-1", "agent")
    with KbServer(d, "--trust-proxy") as s:
        s.data_dir = d
        yield s


def login(srv, user, password, addr="198.51.100.1", **kw):
    return requests.post(srv.url("/api/v1/login"), json={"username": user, "password": password},
                         headers={"Origin": srv.base, "X-Forwarded-For": addr}, timeout=30, **kw)


def test_password_guessing_is_slowed_and_locked_out(auth_srv):
    srv = auth_srv
    t0 = time.time()
    codes = [login(srv, "victim", "guess-%d-xxxx" % i, addr="198.51.100.%d" % (10 + i)).status_code
             for i in range(10)]
    per_try = (time.time() - t0) / 10
    assert codes == [401] * 10
    r = login(srv, "victim", "victim-password-1", addr="198.51.100.99")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0, r.text
    # Per account and address: one account guessed from one address.
    codes = [login(srv, "agent1", "guess-password", addr="203.0.113.5").status_code
             for i in range(4)]
    assert codes[:3] == [401] * 3 and codes[3] == 429, codes
    r = login(srv, "agent1", PW["agent1"], addr="203.0.113.5")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    # Another address, or another account at that address, is not affected.
    assert login(srv, "agent1", PW["agent1"], addr="192.0.2.44").status_code == 200
    assert login(srv, "admin1", PW["admin1"], addr="203.0.113.5").status_code == 200
    print("login: a failed guess costs %.0f ms; throttled after 10 per account, 3 per account "
          "and address" % (per_try * 1e3))
    assert per_try > 0.02, "a password guess costs no work: %.1f ms" % (per_try * 1e3)


def test_sessions_rotate_and_logout_ends_them(auth_srv):
    srv = auth_srv
    r1 = login(srv, "agent1", PW["agent1"])
    sid1 = r1.cookies["kb_session"]
    # Logging in again while presenting the old cookie ends the old session.
    r2 = requests.post(srv.url("/api/v1/login"), json={"username": "agent1", "password": PW["agent1"]},
                       headers={"Origin": srv.base, "X-Forwarded-For": "198.51.100.1"},
                       cookies={"kb_session": sid1}, timeout=30)
    sid2 = r2.cookies["kb_session"]
    assert sid1 != sid2 and len(sid2) == 64
    assert requests.get(srv.url("/api/v1/tickets"), params={"customer": "x"}, timeout=30,
                        cookies={"kb_session": sid1}).status_code == 401
    assert requests.get(srv.url("/api/v1/tickets"), params={"customer": "x"}, timeout=30,
                        cookies={"kb_session": sid2}).status_code == 200
    assert "Max-Age=" in r2.headers["Set-Cookie"] and "HttpOnly" in r2.headers["Set-Cookie"]
    r = requests.post(srv.url("/api/v1/logout"), cookies={"kb_session": sid2}, timeout=30,
                      headers={"Origin": srv.base})
    assert r.status_code == 200
    assert requests.get(srv.url("/api/v1/tickets"), params={"customer": "x"}, timeout=30,
                        cookies={"kb_session": sid2}).status_code == 401
    # A forged or truncated session id is nobody.
    for forged in (sid2[:-1] + ("0" if sid2[-1] != "0" else "1"), sid2[:32], "' OR 1=1 --",
                   "a" * 64, "../" * 20):
        assert requests.get(srv.url("/api/v1/me"), cookies={"kb_session": forged},
                            timeout=30).json()["role"] == "customer"


def test_tokens_sessions_and_passwords_are_stored_hashed(auth_srv):
    srv = auth_srv
    token = make_token(srv.data_dir, "agent", "secret-check")
    sid = login(srv, "agent1", PW["agent1"]).cookies["kb_session"]
    admin = srv.login("admin1", PW["admin1"])
    r = admin.post(srv.url("/api/v1/tokens"), json={"name": "api-made", "role": "writer"}, timeout=30)
    token2 = r.json()["token"]
    assert bearer(token).get(srv.url("/api/v1/me"), timeout=30).json()["role"] == "agent"
    raw_bytes = b""
    for p in glob.glob(os.path.join(str(srv.data_dir), "kb.sqlite3*")):
        with open(p, "rb") as f:
            raw_bytes += f.read()
    for secret in (token, token2, sid, PW["agent1"], PW["admin1"]):
        assert secret.encode() not in raw_bytes, "a secret is stored in the clear"
    assert token[4:].encode() not in raw_bytes and token2[4:].encode() not in raw_bytes
    # The token list shows a prefix only.
    listed = admin.get(srv.url("/api/v1/tokens"), timeout=30).text
    assert token[12:] not in listed and token2[12:] not in listed
