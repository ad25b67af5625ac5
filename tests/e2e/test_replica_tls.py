"""Issue 17 part 7: replica <-> primary over HTTPS, on 127.0.0.1. The test
makes its own certificate authority and a certificate for 127.0.0.1 with the
openssl command; the primary serves HTTPS (--tls-cert, --tls-key) and a
replica follows it at https://127.0.0.1:PORT trusting that CA (--replica-ca).

- a published article becomes searchable on the replica, and its store copy
  follows (changesets over TLS);
- a write sent to the replica is forwarded to the primary over TLS;
- a replica that does not trust the primary's certificate refuses to start
  and says so, naming the primary;
- bad options (a URL that is not one, a CA file that does not exist, a
  certificate without its key) are refused at start-up, named."""
import os
import shutil
import subprocess
import time
import uuid

import pytest
import requests

from kbtest import SERVER
from server import KbServer
from test_replica_changes import WRITER, prepare_primary

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def openssl(*args, cwd):
    p = subprocess.run([OPENSSL, *args], cwd=str(cwd), capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr


def make_pki(d):
    """ca.pem (a CA), server.pem + server.key (127.0.0.1, signed by it)."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "2", "-subj", "/CN=kb test CA", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
            "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n"
                               "basicConstraints=CA:FALSE\n"
                               "keyUsage=digitalSignature,keyEncipherment\n"
                               "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)


class C:
    pass


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    if not os.path.exists(OPENSSL):
        pytest.skip("no openssl command to make the test's certificates")
    c = C()
    c.base = tmp_path_factory.mktemp("kb-tls")
    c.pki = c.base / "pki"
    c.pki.mkdir()
    make_pki(c.pki)
    c.ca = str(c.pki / "ca.pem")
    prepare_primary(c)
    c.primary = KbServer(c.kb, "--threads", "2", "--tls-cert", str(c.pki / "server.pem"),
                         "--tls-key", str(c.pki / "server.key"),
                         "--replication-port", "127.0.0.1:%d" % c.repl_port).start()
    c.replica = KbServer(c.base / "replica", "--threads", "2", "--replica-of", c.primary.base,
                         "--replica-ca", c.ca, "--primary-token", str(c.tokfile),
                         "--replicate-from", "127.0.0.1:%d" % c.repl_port).start()
    yield c
    c.replica.stop()
    c.primary.stop()


def test_the_primary_serves_https_only(tls):
    c = tls
    assert c.primary.base.startswith("https://127.0.0.1:")
    r = requests.get(c.primary.url("/api/v1/search"), params={"q": "router"}, verify=c.ca,
                     timeout=30)
    assert r.status_code == 200 and r.json()["hits"], r.text
    # Plain HTTP to the TLS port gets no HTTP answer.
    plain = c.primary.base.replace("https://", "http://")
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(plain + "/healthz", timeout=5)
    # A client that does not trust the CA is refused by its own TLS check.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(c.primary.url("/healthz"), timeout=5)


def test_a_published_article_becomes_searchable_on_the_replica(tls):
    c = tls
    word = "tlsquix" + uuid.uuid4().hex[:8]
    r = requests.post(c.primary.url("/api/v1/articles"), headers=c.writer, verify=c.ca,
                      timeout=30, json={"title": "Quix %s pairing" % word,
                                        "body": "Pair the %s hub over TLS." % word})
    assert r.status_code == 201, r.text
    n = r.json()["number"]
    r = requests.post(c.primary.url("/api/v1/articles/%d/publish" % n), headers=c.writer,
                      verify=c.ca, timeout=30)
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 10
    while True:
        found = [h["number"] for h in requests.get(
            c.replica.url("/api/v1/search"), params={"q": word}, timeout=30).json()["hits"]]
        if n in found:
            break
        assert time.monotonic() < deadline, "never searchable on the replica"
        time.sleep(0.05)
    # The store copy follows over TLS: the article's own page is served
    # from it (not fetched from the primary: that fallback is for GETs the
    # copy lacks, and the health counters show changesets arrived).
    deadline = time.monotonic() + 10
    while True:
        rep = requests.get(c.replica.url("/healthz"), headers=c.admin,
                           timeout=30).json()["replica"]
        head = requests.get(c.primary.url("/healthz"), headers=c.admin, verify=c.ca,
                            timeout=30).json()["changes_logged"]
        if rep["store_position"] == head:
            break
        assert time.monotonic() < deadline, (rep, head)
        time.sleep(0.05)
    assert rep["primary"].startswith("https://") and rep["primary_reachable"] is True
    assert rep["store_snapshots"] + rep["store_changesets"] >= 1, rep
    r = requests.get(c.replica.url("/api/v1/articles/%d" % n), timeout=30)
    assert r.status_code == 200 and word in r.text


def test_a_write_through_the_replica_is_forwarded_over_tls(tls):
    c = tls
    title = "Forwarded over TLS %s" % uuid.uuid4().hex[:8]
    r = requests.post(c.replica.url("/api/v1/articles"), headers=c.writer, timeout=30,
                      json={"title": title, "body": "Written at the replica."})
    assert r.status_code == 201, r.text
    n = r.json()["number"]
    r = requests.get(c.primary.url("/api/v1/articles/%d" % n), headers=c.writer, verify=c.ca,
                     timeout=30)
    assert r.status_code == 200 and r.json()["title"] == title
    # Signing in through the replica: the session is the primary's.
    s = requests.Session()
    s.headers["Origin"] = c.replica.base
    r = s.post(c.replica.url("/api/v1/login"), timeout=30,
               json={"username": WRITER[0], "password": WRITER[1]})
    assert r.status_code == 200, r.text
    assert s.get(c.replica.url("/api/v1/articles"), timeout=30).status_code == 200


def start_fails(tmp_path, *args):
    p = subprocess.run([SERVER, "--data", str(tmp_path / ("bad-" + uuid.uuid4().hex[:6])),
                        "--listen", "127.0.0.1:0", *args], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode != 0, p.stdout
    return p.stderr


def test_a_replica_without_the_ca_refuses_and_names_the_certificate_problem(tls, tmp_path):
    c = tls
    err = start_fails(tmp_path, "--replica-of", c.primary.base, "--primary-token",
                      str(c.tokfile))
    assert c.primary.base in err, err
    assert "certificate is not trusted" in err, err
    assert "--replica-ca" in err, err
    # A CA that did not sign it does not help either.
    other = tmp_path / "other"
    other.mkdir()
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "o.key", "-out",
            "o.pem", "-days", "2", "-subj", "/CN=another CA", cwd=other)
    err = start_fails(tmp_path, "--replica-of", c.primary.base, "--primary-token",
                      str(c.tokfile), "--replica-ca", str(other / "o.pem"))
    assert c.primary.base in err and "certificate is not trusted" in err, err


def test_bad_tls_and_url_options_are_named(tls, tmp_path):
    c = tls
    for args, says in [
            (["--replica-of", "https://127.0.0.1:99999", "--primary-token", str(c.tokfile)],
             "https://127.0.0.1:99999"),
            (["--replica-of", "https://127.0.0.1:1/api", "--primary-token", str(c.tokfile)],
             "https://127.0.0.1:1/api"),
            (["--replica-of", "htps://127.0.0.1:1", "--primary-token", str(c.tokfile)],
             "htps://127.0.0.1:1"),
            (["--replica-of", c.primary.base, "--primary-token", str(c.tokfile),
              "--replica-ca", str(tmp_path / "missing.pem")], "missing.pem"),
            (["--replica-ca", c.ca], "--replica-of"),
            (["--tls-cert", str(c.pki / "server.pem")], "--tls-key"),
            (["--tls-cert", str(c.pki / "server.pem"), "--tls-key", str(tmp_path / "nokey")],
             "nokey"),
            (["--tls-cert", str(c.pki / "server.pem"), "--tls-key", str(c.pki / "ca.key")],
             "--tls-key")]:
        err = start_fails(tmp_path, *args)
        assert says in err, (args, err)
