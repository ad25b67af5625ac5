"""Staff accounts, sessions and API tokens against a real kb-server:
the user CLI, login cookies, session rotation, logout and expiry, lockout
per account and per address, CSRF, role checks and API tokens."""
import glob
import os
import sqlite3
import subprocess
import time

import pytest
import requests

from kbtest import SERVER
from server import KbServer, add_user

PASSWORDS = {"root": "root-password-1", "writer1": "writer-password-1",
             "agent1": "agent-password-1"}


def cli(data, *args, input=None):
    return subprocess.run([SERVER, "--data", str(data), "user", *args], input=input,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def staff(data_dir):
    """A data directory with an admin, a writer and an agent."""
    add_user(data_dir, "root", PASSWORDS["root"], "admin")
    add_user(data_dir, "writer1", PASSWORDS["writer1"], "writer")
    add_user(data_dir, "agent1", PASSWORDS["agent1"], "agent")
    return data_dir


@pytest.fixture
def srv(staff):
    with KbServer(staff, "--trust-proxy") as s:
        yield s


def post_login(srv, username, password, addr=None, **kw):
    headers = kw.pop("headers", {})
    headers.setdefault("Origin", srv.base)
    if addr:
        headers["X-Forwarded-For"] = addr
    return srv.post("/api/v1/login", json={"username": username, "password": password},
                    headers=headers, **kw)


def store_bytes(data):
    out = b""
    for p in glob.glob(os.path.join(str(data), "kb.sqlite3*")):
        with open(p, "rb") as f:
            out += f.read()
    return out


# ---- the command line ----------------------------------------------------

def test_cli_user_add_list_delete(data_dir):
    p = cli(data_dir, "add", "--role", "writer", "alice", input="alice-password\n")
    assert p.returncode == 0, p.stderr
    assert "alice" in p.stdout and "writer" in p.stdout
    assert os.path.exists(os.path.join(data_dir, "kb.sqlite3"))
    assert b"alice-password" not in store_bytes(data_dir)

    p = cli(data_dir, "add", "--role", "writer", "Alice", input="another-password\n")
    assert p.returncode != 0 and "already exists" in p.stderr
    p = cli(data_dir, "add", "bob", input="short\n")
    assert p.returncode != 0 and "password" in p.stderr
    p = cli(data_dir, "add", "bad/name", input="long-enough-pw\n")
    assert p.returncode != 0 and "username" in p.stderr
    p = cli(data_dir, "add", "--role", "boss", "carol", input="long-enough-pw\n")
    assert p.returncode != 0 and "role" in p.stderr
    p = cli(data_dir, "add", "dave", input="")
    assert p.returncode != 0 and "password" in p.stderr

    p = cli(data_dir, "list")
    assert p.returncode == 0
    assert "alice" in p.stdout and "writer" in p.stdout
    assert "bob" not in p.stdout

    p = cli(data_dir, "passwd", "alice", input="new-alice-password\n")
    assert p.returncode == 0, p.stderr
    p = cli(data_dir, "delete", "alice")
    assert p.returncode == 0, p.stderr
    assert "alice" not in cli(data_dir, "list").stdout
    p = cli(data_dir, "delete", "alice")
    assert p.returncode != 0

    p = cli(data_dir, "--help")
    assert p.returncode == 0 and "add" in p.stdout and "token" in p.stdout


def test_cli_creates_data_dir(data_dir):
    sub = os.path.join(data_dir, "new")
    p = cli(sub, "add", "--role", "admin", "first", input="first-password\n")
    assert p.returncode == 0, p.stderr
    assert os.path.exists(os.path.join(sub, "kb.sqlite3"))


def test_cli_last_admin_kept(staff):
    p = cli(staff, "delete", "root")
    assert p.returncode != 0 and "last admin" in p.stderr
    p = cli(staff, "role", "root", "agent")
    assert p.returncode != 0 and "last admin" in p.stderr


def test_cli_token_works_as_bearer(staff):
    p = cli(staff, "token", "--role", "agent", "helpdesk")
    assert p.returncode == 0, p.stderr
    token = p.stdout.strip()
    assert token.startswith("kbt_") and len(token) == 68
    assert token.encode() not in store_bytes(staff)
    with KbServer(staff) as s:
        r = s.get("/api/v1/me", headers={"Authorization": "Bearer " + token})
        assert r.status_code == 200, r.text
        assert r.json()["role"] == "agent"
        assert r.json().get("token") is True


# ---- login and sessions --------------------------------------------------

def test_login_sets_strict_httponly_cookie(srv):
    r = post_login(srv, "writer1", PASSWORDS["writer1"])
    assert r.status_code == 200, r.text
    assert r.json() == {"username": "writer1", "role": "writer"}
    sc = r.headers["Set-Cookie"]
    assert sc.startswith("kb_session=")
    attrs = [a.strip().lower() for a in sc.split(";")]
    assert "httponly" in attrs
    assert "samesite=strict" in attrs
    assert "path=/" in attrs
    assert "secure" not in attrs
    sid = r.cookies["kb_session"]
    assert len(sid) == 64 and all(c in "0123456789abcdef" for c in sid)
    assert sid.encode() not in store_bytes(srv.data)

    me = srv.get("/api/v1/me", cookies={"kb_session": sid})
    assert me.json() == {"username": "writer1", "role": "writer"}
    assert srv.get("/api/v1/me").json() == {"role": "customer"}


def test_secure_cookie_flag(staff):
    with KbServer(staff, "--secure-cookies") as s:
        r = post_login(s, "agent1", PASSWORDS["agent1"])
        assert r.status_code == 200, r.text
        attrs = [a.strip().lower() for a in r.headers["Set-Cookie"].split(";")]
        assert "secure" in attrs
        # The visitor cookie a customer is given, too.
        r = s.get("/api/v1/search", params={"q": "router"})
        assert r.headers["Set-Cookie"].startswith("kb_visitor=")
        attrs = [a.strip().lower() for a in r.headers["Set-Cookie"].split(";")]
        assert "secure" in attrs and "httponly" in attrs and "samesite=lax" in attrs


def test_new_session_id_on_every_login(srv):
    a = post_login(srv, "agent1", PASSWORDS["agent1"]).cookies["kb_session"]
    b = post_login(srv, "agent1", PASSWORDS["agent1"]).cookies["kb_session"]
    assert a != b
    # Both are live sessions (two browsers)...
    for sid in (a, b):
        assert srv.get("/api/v1/me", cookies={"kb_session": sid}).json()["role"] == "agent"
    # ...but logging in again from a browser that holds one replaces it.
    c = post_login(srv, "agent1", PASSWORDS["agent1"],
                   cookies={"kb_session": a}).cookies["kb_session"]
    assert c not in (a, b)
    assert srv.get("/api/v1/me", cookies={"kb_session": a}).json() == {"role": "customer"}
    assert srv.get("/api/v1/me", cookies={"kb_session": c}).json()["role"] == "agent"


def test_wrong_password_and_unknown_user_look_the_same(srv):
    def attempt(user, pw):
        t = time.monotonic()
        r = post_login(srv, user, pw)
        return r, time.monotonic() - t

    wrong = [attempt("root", "not-the-password") for _ in range(2)]
    unknown = [attempt("nosuchuser", "not-the-password") for _ in range(2)]
    for r, _ in wrong + unknown:
        assert r.status_code == 401
        assert r.json()["error"]["message"] == "wrong username or password"
        assert "Set-Cookie" not in r.headers
    assert wrong[0][0].json() == unknown[0][0].json()
    # An unknown user costs a password hash too (not a fast "no such user").
    t_wrong = min(t for _, t in wrong)
    t_unknown = min(t for _, t in unknown)
    assert t_unknown > 0.3 * t_wrong, (t_unknown, t_wrong)


def test_login_input_errors(srv):
    r = srv.post("/api/v1/login", json={"username": "root"}, headers={"Origin": srv.base})
    assert r.status_code == 400
    r = srv.post("/api/v1/login", json={"username": "root", "password": "x" * 2000},
                 headers={"Origin": srv.base})
    assert r.status_code == 400
    r = srv.post("/api/v1/login", json={"username": "root", "password": "p", "extra": 1},
                 headers={"Origin": srv.base})
    assert r.status_code == 400


def test_login_from_another_origin_refused(srv):
    r = post_login(srv, "root", PASSWORDS["root"], headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert "Set-Cookie" not in r.headers
    # Without an Origin (curl, scripts) login works.
    r = srv.post("/api/v1/login", json={"username": "root", "password": PASSWORDS["root"]})
    assert r.status_code == 200


def test_logout_invalidates_session(srv):
    s = srv.login("writer1", PASSWORDS["writer1"])
    sid = s.cookies["kb_session"]
    assert s.get(srv.url("/api/v1/me")).json()["username"] == "writer1"
    r = s.post(srv.url("/api/v1/logout"))
    assert r.status_code == 200, r.text
    sc = r.headers["Set-Cookie"].lower()
    assert sc.startswith("kb_session=;") and "max-age=0" in sc
    assert "kb_session" not in s.cookies
    # The old id, replayed, is worth nothing.
    old = {"kb_session": sid}
    me = srv.get("/api/v1/me", cookies=old)
    assert me.json() == {"role": "customer"}
    assert "max-age=0" in me.headers.get("Set-Cookie", "").lower()
    assert srv.get("/api/v1/tokens", cookies=old).status_code == 401
    r = srv.post("/api/v1/users", cookies=old, headers={"Origin": srv.base},
                 json={"username": "x1", "password": "password-1", "role": "agent"})
    assert r.status_code == 401


def test_expired_session_refused(srv):
    idle = srv.login("root", PASSWORDS["root"])
    absolute = srv.login("root", PASSWORDS["root"])
    fresh = srv.login("root", PASSWORDS["root"])
    db = sqlite3.connect(os.path.join(srv.data, "kb.sqlite3"), timeout=10)
    with db:
        db.execute("UPDATE sessions SET last_seen = last_seen - 13 * 3600 WHERE id_hash = ?",
                   (sha256(idle.cookies["kb_session"]),))
        db.execute("UPDATE sessions SET created = created - 8 * 86400 WHERE id_hash = ?",
                   (sha256(absolute.cookies["kb_session"]),))
    db.close()
    for s in (idle, absolute):
        assert s.get(srv.url("/api/v1/users")).status_code == 401
        assert s.get(srv.url("/api/v1/me")).json() == {"role": "customer"}
    assert fresh.get(srv.url("/api/v1/users")).status_code == 200


def sha256(s):
    import hashlib
    return hashlib.sha256(s.encode()).hexdigest()


# ---- lockout -------------------------------------------------------------

def test_lockout_per_account(srv):
    """Ten failures from ten addresses: a stranger waits (429), even with
    the right password; other accounts are untouched. The device-cookie
    side is in test_login_throttle.py."""
    for i in range(10):
        r = post_login(srv, "root", "guess-%d-password" % i, addr="10.0.0.%d" % (i + 1))
        assert r.status_code == 401
    r = post_login(srv, "root", PASSWORDS["root"], addr="10.0.9.9")
    assert r.status_code == 429, r.text
    retry = int(r.headers["Retry-After"])
    assert 0 < retry <= 900
    assert "Set-Cookie" not in r.headers
    r = post_login(srv, "ROOT", PASSWORDS["root"], addr="10.0.9.10")
    assert r.status_code == 429
    # Other accounts from the same address are fine.
    r = post_login(srv, "writer1", PASSWORDS["writer1"], addr="10.0.9.9")
    assert r.status_code == 200


def test_lockout_per_account_and_address(srv):
    """Three failures of one account from one address slow that pair only:
    the address's other users (an office behind one NAT) log in."""
    for i in range(3):
        r = post_login(srv, "agent1", "wrong-password-%d" % i, addr="10.7.7.7")
        assert r.status_code == 401
    r = post_login(srv, "agent1", PASSWORDS["agent1"], addr="10.7.7.7")
    assert r.status_code == 429
    assert 0 < int(r.headers["Retry-After"]) <= 10
    r = post_login(srv, "writer1", PASSWORDS["writer1"], addr="10.7.7.7")
    assert r.status_code == 200
    r = post_login(srv, "agent1", PASSWORDS["agent1"], addr="10.7.7.8")
    assert r.status_code == 200


# ---- roles and CSRF ------------------------------------------------------

def test_roles_on_admin_routes(srv):
    assert srv.get("/api/v1/users").status_code == 401
    assert srv.get("/api/v1/tokens").status_code == 401
    writer = srv.login("writer1", PASSWORDS["writer1"])
    for path in ("/api/v1/users", "/api/v1/tokens"):
        assert writer.get(srv.url(path)).status_code == 403
    r = writer.post(srv.url("/api/v1/tokens"), json={"name": "mine", "role": "admin"})
    assert r.status_code == 403
    r = writer.delete(srv.url("/api/v1/users/root"))
    assert r.status_code == 403
    agent = srv.login("agent1", PASSWORDS["agent1"])
    assert agent.get(srv.url("/api/v1/users")).status_code == 403
    admin = srv.login("root", PASSWORDS["root"])
    users = admin.get(srv.url("/api/v1/users")).json()["users"]
    assert {u["username"]: u["role"] for u in users} == {
        "root": "admin", "writer1": "writer", "agent1": "agent"}
    assert all("password" not in k for u in users for k in u)


def test_csrf_foreign_origin_refused(srv):
    admin = srv.login("root", PASSWORDS["root"])
    evil = {"Origin": "http://evil.example"}
    r = admin.post(srv.url("/api/v1/logout"), headers=evil)
    assert r.status_code == 403
    r = admin.post(srv.url("/api/v1/users"), headers=evil,
                   json={"username": "mallory", "password": "mallory-pw-1", "role": "admin"})
    assert r.status_code == 403
    r = admin.delete(srv.url("/api/v1/users/writer1"), headers={"Origin": "null"})
    assert r.status_code == 403
    # Nothing happened: still logged in, no new user, writer1 still there.
    assert admin.get(srv.url("/api/v1/me")).json()["username"] == "root"
    names = [u["username"] for u in admin.get(srv.url("/api/v1/users")).json()["users"]]
    assert "mallory" not in names and "writer1" in names
    # The same requests from our own origin work.
    r = admin.post(srv.url("/api/v1/logout"))
    assert r.status_code == 200


# ---- the users API -------------------------------------------------------

def test_users_api(srv):
    admin = srv.login("root", PASSWORDS["root"])
    u = srv.url("/api/v1/users")
    r = admin.post(u, json={"username": "newbie", "password": "newbie-pw-1", "role": "agent"})
    assert r.status_code == 201, r.text
    assert r.json()["username"] == "newbie" and r.json()["role"] == "agent"
    r = admin.post(u, json={"username": "NEWBIE", "password": "newbie-pw-1", "role": "agent"})
    assert r.status_code == 409
    r = admin.post(u, json={"username": "new bie", "password": "newbie-pw-1", "role": "agent"})
    assert r.status_code == 400 and "username" in r.json()["error"]["message"]
    r = admin.post(u, json={"username": "shorty", "password": "short", "role": "agent"})
    assert r.status_code == 400 and "password" in r.json()["error"]["message"]
    r = admin.post(u, json={"username": "cust", "password": "customer-pw", "role": "customer"})
    assert r.status_code == 400 and "role" in r.json()["error"]["message"]

    newbie = srv.login("newbie", "newbie-pw-1")
    r = admin.put(u + "/newbie", json={"role": "writer"})
    assert r.status_code == 200 and r.json()["role"] == "writer"
    assert newbie.get(srv.url("/api/v1/me")).json()["role"] == "writer"
    r = admin.put(u + "/newbie", json={"password": "newbie-pw-2"})
    assert r.status_code == 200
    # A new password ends the user's sessions.
    assert newbie.get(srv.url("/api/v1/me")).json() == {"role": "customer"}
    assert post_login(srv, "newbie", "newbie-pw-1").status_code == 401
    assert post_login(srv, "newbie", "newbie-pw-2").status_code == 200
    assert admin.put(u + "/newbie", json={}).status_code == 400
    assert admin.put(u + "/nobody", json={"role": "agent"}).status_code == 404
    assert admin.delete(u + "/newbie").status_code == 200
    assert admin.delete(u + "/newbie").status_code == 404
    assert post_login(srv, "newbie", "newbie-pw-2").status_code == 401


def test_last_admin_cannot_remove_themselves(srv):
    admin = srv.login("root", PASSWORDS["root"])
    u = srv.url("/api/v1/users")
    r = admin.delete(u + "/root")
    assert r.status_code == 409 and "last admin" in r.json()["error"]["message"]
    r = admin.put(u + "/root", json={"role": "writer"})
    assert r.status_code == 409
    assert admin.get(srv.url("/api/v1/me")).json()["role"] == "admin"
    # With a second admin, stepping down is allowed.
    assert admin.put(u + "/writer1", json={"role": "admin"}).status_code == 200
    r = admin.put(u + "/root", json={"role": "writer"})
    assert r.status_code == 200
    assert admin.get(srv.url("/api/v1/me")).json()["role"] == "writer"
    assert admin.get(u).status_code == 403


def test_own_password_change_keeps_own_session(srv):
    admin = srv.login("root", PASSWORDS["root"])
    other = srv.login("root", PASSWORDS["root"])
    r = admin.put(srv.url("/api/v1/users/root"), json={"password": "brand-new-root-pw"})
    assert r.status_code == 200, r.text
    assert admin.get(srv.url("/api/v1/me")).json()["username"] == "root"
    assert other.get(srv.url("/api/v1/me")).json() == {"role": "customer"}


# ---- API tokens ----------------------------------------------------------

def test_api_tokens(srv):
    admin = srv.login("root", PASSWORDS["root"])
    t = srv.url("/api/v1/tokens")
    r = admin.post(t, json={"name": "zendesk", "role": "agent"})
    assert r.status_code == 201, r.text
    created = r.json()
    token = created["token"]
    assert token.startswith("kbt_") and created["role"] == "agent"
    assert admin.post(t, json={"name": "x", "role": "customer"}).status_code == 400
    assert admin.post(t, json={"role": "agent"}).status_code == 400

    bearer = {"Authorization": "Bearer " + token}
    me = srv.get("/api/v1/me", headers=bearer).json()
    assert me["role"] == "agent" and me.get("token") is True
    assert srv.get("/api/v1/users", headers=bearer).status_code == 403

    # Listed without the secret, and stored only hashed.
    r = admin.get(t)
    listed = r.json()["tokens"]
    assert [x["name"] for x in listed] == ["zendesk"]
    assert listed[0]["id"] == created["id"] and listed[0]["created_by"] == "root"
    assert token not in r.text and token[4:] not in r.text and token[-16:] not in r.text
    assert token.encode() not in store_bytes(srv.data)
    assert token[4:].encode() not in store_bytes(srv.data)

    # A bearer token is not a cookie: no CSRF check applies to it.
    r = srv.post("/api/v1/logout", headers=dict(bearer, Origin="http://evil.example"))
    assert r.status_code == 200

    # An admin token reaches admin routes.
    admin_tok = admin.post(t, json={"name": "ops", "role": "admin"}).json()["token"]
    assert srv.get("/api/v1/users", headers={"Authorization": "Bearer " + admin_tok}
                   ).status_code == 200

    # Revoked: 401. Garbage: 401.
    r = admin.delete(t + "/%d" % created["id"])
    assert r.status_code == 200, r.text
    assert srv.get("/api/v1/me", headers=bearer).status_code == 401
    assert admin.delete(t + "/%d" % created["id"]).status_code == 404
    assert admin.delete(t + "/abc").status_code == 404
    for bad in ("Bearer kbt_" + "0" * 64, "Bearer nonsense", "Basic cm9vdDpwdw==", "Bearer "):
        assert srv.get("/api/v1/me", headers={"Authorization": bad}).status_code == 401
    # A bad token is refused even on a public route.
    assert srv.get("/api/v1/me", headers={"Authorization": "Bearer kbt_x"}).status_code == 401
