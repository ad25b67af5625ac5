"""Growing past one machine, on 127.0.0.1: a primary publishing its index
with xapian-replicate-server, two read replicas (xapian-replicate copies,
writes forwarded), and two xapian-tcpsrv shards searched by one kb-server.

What a user notices: a publish is searchable on every replica within 2 s;
sharded search answers exactly what one index answers; replicas keep
answering while the primary is down and lose no analytics event; and no
replica or shard server ever shows a customer internal content."""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
import uuid

import pytest
import requests

from kbtest import SAMPLES, SERVER, TIME_SCALE, run_indexer, sid_number
from server import KbServer, add_user

WRITER = ("writer1", "writer-password-1")
AGENT = ("agent1", "agent-password-1")
# Only in an internal article: a customer must never find it anywhere.
SECRET = "vexorilium"


def free_port(pair=False):
    """A free port on 127.0.0.1 (and the one after it free too, for shards)."""
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if not pair or port >= 65535:
            return port
        t = socket.socket()
        try:
            t.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
        finally:
            t.close()


def wait_port(port, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nothing listens on port %d" % port)


def token(data, role, name):
    p = subprocess.run([SERVER, "--data", str(data), "user", "token", "--role", role, name],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return [w for w in p.stdout.split() if w.startswith("kbt_")][0]


def hits(srv, q, auth=None, **params):
    r = requests.get(srv.url("/api/v1/search"), params=dict(q=q, per_page=20, **params),
                     headers=auth or {}, timeout=30)
    assert r.status_code == 200, r.text
    return [h["id"] for h in r.json()["hits"]]


class Cluster:
    pass


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster()
    base = tmp_path_factory.mktemp("kb-scaleout")
    c.kb = base / "primary"
    extra = base / "extra"
    extra.mkdir()
    (extra / "vexorilium.md").write_text(
        "---\ntitle: Vexorilium escalation codes\naudience: internal\ncategory: internal-runbooks\n"
        "---\nThe vexorilium bypass code for stuck routers is only for agents.\n")
    run_indexer(c.kb, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(c.kb, "add", os.path.join(SAMPLES, "tickets.jsonl"))
    run_indexer(c.kb, "add", str(extra))
    # Synonyms reach shard readers through their local lexicon.
    run_indexer(c.kb, "synonym", "add", "wlan", "wireless")
    add_user(c.kb, *WRITER, "writer")
    add_user(c.kb, *AGENT, "agent")
    c.writer = {"Authorization": "Bearer " + token(c.kb, "writer", "w-token")}
    c.agent = {"Authorization": "Bearer " + token(c.kb, "agent", "a-token")}
    tokfile = base / "primary-token"
    admin_token = token(c.kb, "admin", "replication")
    c.admin_auth = {"Authorization": "Bearer " + admin_token}
    tokfile.write_text(admin_token + "\n")
    tokfile.chmod(0o600)

    # Shards of the same documents, before anything changes them.
    shards_dir = base / "shards"
    run_indexer(c.kb, "split", "--shards", "2", str(shards_dir))
    c.procs = []
    c.shard_ports = []
    for k in range(2):
        port = free_port(pair=True)
        for i, db in enumerate(("public", "internal")):
            c.procs.append(subprocess.Popen(
                ["xapian-tcpsrv", "--interface", "127.0.0.1", "--port", str(port + i),
                 str(shards_dir / ("shard-%d" % k) / db)],
                # Its own session: on SIGTERM xapian-tcpsrv signals its group.
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        c.shard_ports.append(port)
    for port in c.shard_ports:
        wait_port(port)
        wait_port(port + 1)

    c.primary_port = free_port()
    c.repl_port = free_port()
    c.primary = KbServer(c.kb, "--listen", "127.0.0.1:%d" % c.primary_port, "--threads", "4",
                         "--replication-port", "127.0.0.1:%d" % c.repl_port).start()
    c.replicas = [KbServer(base / ("replica%d" % i), "--threads", "4",
                           "--replica-of", c.primary.base, "--primary-token", str(tokfile),
                           "--replicate-from", "127.0.0.1:%d" % c.repl_port).start()
                  for i in (1, 2)]
    shard_args = []
    for port in c.shard_ports:
        shard_args += ["--shard", "127.0.0.1:%d" % port]
    c.sharded = KbServer(base / "sharded", "--threads", "4", "--replica-of", c.primary.base,
                         "--primary-token", str(tokfile), *shard_args).start()
    c.tokfile = tokfile
    c.base = base
    yield c
    for s in [c.sharded, *c.replicas, c.primary]:
        s.stop()
    for p in c.procs:
        p.terminate()
        p.wait(timeout=10)


QUERIES = ["router", "wifi keeps dropping", "reset password", "firmware update",
           "mesh backhaul", "guest network", "refund", "bridge mode isp", "vpn", "parental controls",
           "wlan setup", "change wlan name"]


def test_sharded_search_equals_one_index(cluster):
    c = cluster
    for q in QUERIES:
        assert hits(c.sharded, q) == hits(c.primary, q), q
        assert hits(c.sharded, q, c.agent) == hits(c.primary, q, c.agent), q
    # The agent's view does include the internal shards.
    assert any(h for h in hits(c.sharded, SECRET, c.agent))


def test_snippets_come_from_each_servers_own_store_copy(cluster):
    """The index keeps no bodies: a replica and the shard reader cut each
    snippet from their own copy of the store, as the primary does from its
    store: the same words marked in the same hits."""
    c = cluster

    def snippets(srv, q):
        r = requests.get(srv.url("/api/v1/search"), params=dict(q=q, per_page=20), timeout=30)
        assert r.status_code == 200, r.text
        return [(h["id"], h["snippet"]) for h in r.json()["hits"]]

    for q in ("wifi keeps dropping", "firmware update", "guest network"):
        want = snippets(c.primary, q)
        assert any("<mark>" in (s or "") for _, s in want), want
        for srv in [*c.replicas, c.sharded]:
            deadline = time.monotonic() + 5 * TIME_SCALE
            while snippets(srv, q) != want:  # a store copy may still be on its way
                assert time.monotonic() < deadline, (srv.base, q, snippets(srv, q), want)
                time.sleep(0.2)


def test_no_internal_content_reaches_customers(cluster):
    c = cluster
    for srv in [*c.replicas, c.sharded, c.primary]:
        assert hits(srv, SECRET) == [], srv.base
        r = requests.get(srv.url("/api/v1/search"), params={"q": "vexorilium bypass code"},
                         timeout=30)
        assert not any("exorilium" in (h["title"] + (h.get("snippet") or "")).lower()
                       for h in r.json()["hits"]), srv.base
        r = requests.get(srv.url("/api/v1/suggest"), params={"q": "vexori"}, timeout=30)
        assert r.status_code == 200 and "exorilium" not in r.text.lower(), srv.base
        # A request parameter cannot widen the audience.
        r = requests.get(srv.url("/api/v1/search"), params={"q": SECRET, "audience": "internal"},
                         timeout=30)
        assert "exorilium" not in r.text.lower(), srv.base
        page = requests.get(srv.url("/search"), params={"q": SECRET}, timeout=30)
        assert "bypass code" not in page.text, srv.base
    agent_ids = hits(c.replicas[0], SECRET, c.agent)
    assert agent_ids, "agents on a replica see internal articles"
    num = requests.get(c.replicas[0].url("/api/v1/search"), params={"q": SECRET},
                       headers=c.agent, timeout=30).json()["hits"][0]["number"]
    for srv in [*c.replicas, c.sharded]:
        assert requests.get(srv.url("/api/v1/articles/%d" % num), timeout=30).status_code == 404
        assert requests.get(srv.url("/kb/%d" % num), timeout=30).status_code == 404
        r = requests.get(srv.url("/api/v1/articles/%d" % num), headers=c.agent, timeout=30)
        assert r.status_code == 200 and "vexorilium" in r.text.lower(), srv.base


def publish(c, via, title, body, audience="public"):
    r = requests.post(via.url("/api/v1/articles"), headers=c.writer, timeout=30,
                      json={"title": title, "body": body, "audience": audience})
    assert r.status_code == 201, r.text
    n = r.json()["number"]
    t0 = time.monotonic()
    r = requests.post(via.url("/api/v1/articles/%d/publish" % n), headers=c.writer, timeout=30)
    assert r.status_code == 200, r.text
    return n, t0


def until_found(srvs, word, n, t0, limit):
    left = set(range(len(srvs)))
    took = {}
    while left and time.monotonic() - t0 < limit + 3:
        for i in list(left):
            r = requests.get(srvs[i].url("/api/v1/search"), params={"q": word}, timeout=30)
            if any(h["number"] == n for h in r.json()["hits"]):
                took[i] = time.monotonic() - t0
                left.discard(i)
        time.sleep(0.02)
    return took


def test_publish_is_searchable_on_every_replica_within_2s(cluster):
    c = cluster
    worst = 0.0
    for via in (c.primary, c.replicas[0]):  # a write through a replica is forwarded
        for _ in range(3):
            word = "plumbix" + uuid.uuid4().hex[:8]
            n, t0 = publish(c, via, "Plumbix %s pairing" % word, "Pair the %s hub." % word)
            took = until_found(c.replicas, word, n, t0, 2.0 * TIME_SCALE)
            assert len(took) == 2, "not on every replica: %r" % took
            worst = max(worst, *took.values())
    print("publish-to-replica worst %.2fs" % worst)
    assert worst <= 2.0 * TIME_SCALE
    # The replica's store copy follows too: article and page.
    for srv in c.replicas:
        deadline = time.monotonic() + 5 * TIME_SCALE
        while requests.get(srv.url("/api/v1/articles/%d" % n), timeout=30).status_code != 200:
            assert time.monotonic() < deadline, "article content never reached %s" % srv.base
            time.sleep(0.1)
        assert requests.get(srv.url("/kb/%d" % n), timeout=30).status_code in (200, 301, 302)


def test_internal_publish_stays_internal_on_replicas(cluster):
    c = cluster
    word = "zanthor" + uuid.uuid4().hex[:8]
    n, t0 = publish(c, c.primary, "Zanthor %s override" % word, "Agents: %s." % word,
                    audience="internal")
    deadline = time.monotonic() + 5 * TIME_SCALE
    for srv in c.replicas:
        while n not in [h["number"] for h in requests.get(
                srv.url("/api/v1/search"), params={"q": word}, headers=c.agent,
                timeout=30).json()["hits"]]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert hits(srv, word) == []
        assert requests.get(srv.url("/api/v1/articles/%d" % n), timeout=30).status_code == 404


def test_sign_in_and_write_through_a_replica(cluster):
    r1 = cluster.replicas[0]
    s = r1.login(*WRITER)  # forwarded; the session is the primary's
    # At once, before the replica's store copy has the session.
    assert s.get(r1.url("/api/v1/articles"), timeout=30).status_code == 200
    r = s.post(r1.url("/api/v1/articles"), json={"title": "Signed in via a replica", "body": "x"},
               timeout=30)
    assert r.status_code == 201, r.text
    # Cross-site writes are still refused (by the primary).
    r = s.post(r1.url("/api/v1/articles"), json={"title": "x", "body": "y"},
               headers={"Origin": "http://evil.example"}, timeout=30)
    assert r.status_code == 403


def test_replica_store_copies_hold_no_password_hash(cluster):
    """Issue 18: password hashes never leave the primary. Sign-in is
    forwarded to the primary, so a replica never needs them."""
    c = cluster
    assert c.primary.get("/api/v1/search", params={"q": "router"}).status_code == 200
    copies = []
    for i in (1, 2):
        d = c.base / ("replica%d" % i) / "store"
        copies += [os.path.join(str(d), f) for f in os.listdir(str(d))
                   if f.endswith(".sqlite3")]
    assert copies
    for path in copies:
        raw = open(path, "rb").read()
        assert b"$argon2" not in raw, "a password hash in %s" % path
        con = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
        try:
            users = con.execute("SELECT username, password_hash FROM users").fetchall()
        finally:
            con.close()
        assert users and all(h == "!" for (_, h) in users), users
    # The primary still has them, and signing in through a replica works.
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(str(c.kb), "kb.sqlite3"), uri=True,
                          timeout=10)
    try:
        assert all(h.startswith("$argon2") for (h,) in con.execute(
            "SELECT password_hash FROM users"))
    finally:
        con.close()
    s = c.replicas[1].login(*WRITER)
    assert s.get(c.replicas[1].url("/api/v1/articles"), timeout=30).status_code == 200


def test_lag_is_reported(cluster):
    for srv in cluster.replicas:
        admin = {"Authorization": "Bearer " + cluster.tokfile.read_text().strip()}
        # The counters are for staff; anonymous callers learn only "up".
        anon = requests.get(srv.url("/healthz"), timeout=30)
        assert anon.status_code == 200 and anon.json() == {"status": "ok"}
        h = requests.get(srv.url("/healthz"), headers=admin, timeout=30).json()
        assert h["replica"]["primary_reachable"] is True
        assert 0 <= h["replica"]["lag_seconds"] < 5
        m = requests.get(srv.url("/metrics"), headers=admin, timeout=30).text
        assert "kb_replica_lag_seconds" in m and "kb_replica_primary_up 1" in m


def test_bad_options_are_named(cluster, tmp_path):
    for args, says in [(["--shard", "nohost"], "--shard"),
                       (["--shard", "127.0.0.1:%d" % free_port(pair=True)], "shard"),
                       (["--replica-of", "http://127.0.0.1:%d" % free_port(), "--primary-token",
                         str(cluster.tokfile)], "cannot reach the primary"),
                       (["--replica-of", "ftp://x"], "--replica-of")]:
        p = subprocess.run([SERVER, "--data", str(tmp_path / "bad"), "--listen", "127.0.0.1:0",
                            *args], capture_output=True, text=True, timeout=60)
        assert p.returncode != 0 and says in p.stderr, (args, p.stderr)


def events_with(db, query):
    con = sqlite3.connect(str(db), timeout=10)
    try:
        return con.execute("SELECT count(*) FROM events WHERE query = ?", (query,)).fetchone()[0]
    finally:
        con.close()


def test_replica_searches_and_clicks_reach_the_primary_log(cluster):
    c = cluster
    word = "router " + uuid.uuid4().hex[:8]
    r = requests.get(c.replicas[1].url("/api/v1/search"), params={"q": word}, timeout=30).json()
    sid, num = r["search_id"], r["hits"][0]["number"]
    assert isinstance(sid, str) and sid_number(c.kb, sid)[1] == 1  # the replica's own
    # A click right away: its search is shipped first, then the click, linked to it.
    r = requests.post(c.replicas[1].url("/api/v1/events"), timeout=30,
                      json={"type": "click", "search_id": sid, "article": num})
    assert r.status_code == 202, r.text
    db = c.kb / "kb.sqlite3"
    deadline = time.monotonic() + 10
    while True:
        con = sqlite3.connect(str(db), timeout=10)
        try:
            row = con.execute("SELECT s.id, s.query, e.search_id FROM searches s LEFT JOIN events e "
                              "ON e.search_id = s.id AND e.type = 'click' WHERE s.query LIKE ?",
                              ("%" + word.split()[1] + "%",)).fetchall()
        finally:
            con.close()
        if row and row[0][2] is not None:
            break
        assert time.monotonic() < deadline, "search log or click never reached the primary: %r" % row
        time.sleep(0.2)
    assert len(row) == 1 and row[0][0] == row[0][2]


def test_a_search_id_from_a_replica_teaches_its_own_searcher_only(cluster):
    """A replica's search ids are its own (node 1); the replica makes them the
    primary's, still bound to the role and visitor that searched: an agent's
    search and "solved" through a replica teach the agents' index, a customer
    naming that search id teaches nothing, and both get the same answer."""
    c = cluster
    word = "zorvander" + uuid.uuid4().hex[:6]
    other = "quennet" + uuid.uuid4().hex[:6]
    r = requests.get(c.primary.url("/api/v1/search"), params={"q": "router"}, timeout=30).json()
    n, n2 = r["hits"][0]["number"], r["hits"][1]["number"]
    sid = requests.get(c.replicas[0].url("/api/v1/search"), params={"q": "router " + word},
                       headers=c.agent, timeout=30).json()["search_id"]
    sid2 = requests.get(c.replicas[0].url("/api/v1/search"), params={"q": "router " + other},
                        headers=c.agent, timeout=30).json()["search_id"]
    assert sid_number(c.kb, sid)[1] == 1 and sid_number(c.kb, sid2)[1] == 1
    # A customer (a visitor of its own) names the agent's second search.
    cust = requests.Session()
    cust.get(c.replicas[1].url("/api/v1/search"), params={"q": "router"}, timeout=30)
    r1 = cust.post(c.replicas[1].url("/api/v1/events"), timeout=30,
                   json={"type": "solved", "article": n2, "search_id": sid2})
    r2 = requests.post(c.replicas[0].url("/api/v1/events"), headers=c.agent, timeout=30,
                       json={"type": "solved", "article": n, "search_id": sid})
    assert r1.status_code == r2.status_code == 202, (r1.text, r2.text)
    assert r1.json()["ok"] and r2.json()["ok"]
    deadline = time.monotonic() + 10
    while not any(h["number"] == n for h in requests.get(
            c.primary.url("/api/v1/search"), params={"q": word, "kind": "article"},
            headers=c.agent, timeout=30).json()["hits"]):
        assert time.monotonic() < deadline, "the agent's solved search never taught"
        time.sleep(0.2)
    time.sleep(1.0)
    assert hits(c.primary, other, auth=c.agent, kind="article") == []
    assert hits(c.primary, word) == [] and hits(c.primary, other) == []


def test_a_customers_erasure_reaches_the_replicas(cluster):
    """Issue 18: erased through a replica (forwarded), a customer's ticket
    leaves every replica's index copy and store copy."""
    c = cluster
    word = "snorvelt" + uuid.uuid4().hex[:8]
    who = "erase.me.%s@example.com" % word
    body = json.dumps({"id": "ER-" + word, "subject": "Router %s reboot loop" % word,
                       "description": "The %s unit loops." % word, "resolution": "Replaced.",
                       "customer": who, "resolved": "2026-01-10T10:00:00Z"})
    r = requests.post(c.primary.url("/api/v1/tickets"), data=body + "\n", headers=c.agent,
                      timeout=30)
    assert r.status_code in (200, 201), r.text

    def agent_finds(srv):
        r = requests.get(srv.url("/api/v1/search"), params={"q": word}, headers=c.agent,
                         timeout=30)
        return any(h["id"] == "ER-" + word for h in r.json()["hits"])

    def copy_has(srv):
        r = requests.get(srv.url("/api/v1/customers/%s/export" % who), headers=c.admin_auth,
                         timeout=30)
        assert r.status_code == 200, r.text
        return len(r.json()["tickets"])

    deadline = time.monotonic() + 15
    while not all(agent_finds(s) and copy_has(s) == 1 for s in c.replicas):
        assert time.monotonic() < deadline, "the ticket never reached the replicas"
        time.sleep(0.2)
    r = requests.delete(c.replicas[0].url("/api/v1/customers/%s" % who), headers=c.admin_auth,
                        timeout=30)
    assert r.status_code == 200 and r.json()["removed"]["tickets"] == 1, r.text
    deadline = time.monotonic() + 15
    while any(agent_finds(s) or copy_has(s) for s in c.replicas):
        assert time.monotonic() < deadline, "the erasure never reached the replicas"
        time.sleep(0.2)


def test_an_erased_customers_word_no_longer_finds_anything_on_the_replicas(cluster):
    """Issue 18: three customers' tickets teach a public article a new word
    (k = 3); erasing one of them takes the word's support under k, and
    customers searching a replica no longer find the article by it."""
    c = cluster
    # Letters only: a word with digits may be a serial or an id, which the
    # learning rule redacts.
    word = "quendrix" + "".join(chr(ord("a") + int(ch, 16) % 26) for ch in uuid.uuid4().hex[:6])
    # The word stays out of their addresses: a customer's address words are
    # redacted as their name, so they would teach nothing.
    who = ["teach.%d.%s@example.com" % (i, uuid.uuid4().hex[:8]) for i in range(3)]
    body = "".join(json.dumps({
        "id": "TW-%d-%s" % (i, word), "subject": "%s sync stalls" % word.capitalize(),
        "description": "The %s sync stalls." % word, "resolution": "Fixed.",
        "customer": who[i], "resolved": "2026-01-10T10:00:00Z",
        "linked_article": "articles/reset-cloud-password"}) + "\n" for i in range(3))
    r = requests.post(c.primary.url("/api/v1/tickets"), data=body, headers=c.agent, timeout=30)
    assert r.status_code in (200, 201), r.text

    def customers_find(srv):
        r = requests.get(srv.url("/api/v1/search"), params={"q": word}, timeout=30)
        assert r.status_code == 200, r.text
        return [h["number"] for h in r.json()["hits"]]

    deadline = time.monotonic() + 15
    while not all(customers_find(s) for s in c.replicas):
        assert time.monotonic() < deadline, "k = 3 customers never taught the replicas"
        time.sleep(0.2)
    r = requests.delete(c.primary.url("/api/v1/customers/%s" % who[0]), headers=c.admin_auth,
                        timeout=30)
    assert r.status_code == 200 and r.json()["removed"]["tickets"] == 1, r.text
    deadline = time.monotonic() + 15
    while any(customers_find(s) for s in [c.primary, *c.replicas]):
        assert time.monotonic() < deadline, "the word still finds the article for customers"
        time.sleep(0.2)
    # Staff still find the two remaining tickets by it.
    r = requests.get(c.replicas[0].url("/api/v1/search"), params={"q": word}, headers=c.agent,
                     timeout=30)
    assert {h["id"] for h in r.json()["hits"]} >= {"TW-1-%s" % word, "TW-2-%s" % word}


def test_replicas_keep_serving_and_keep_events_when_the_primary_stops(cluster):
    c = cluster
    marker = "spooled " + uuid.uuid4().hex[:10]
    num = requests.get(c.replicas[0].url("/api/v1/search"), params={"q": "router"},
                       timeout=30).json()["hits"][0]["number"]
    before = {i: hits(s, "router") for i, s in enumerate(c.replicas)}
    c.primary.stop()
    try:
        for i, srv in enumerate(c.replicas):
            assert hits(srv, "router") == before[i]
            assert requests.get(srv.url("/api/v1/articles/%d" % num), timeout=30).status_code == 200
        for k in range(3):
            r = requests.post(c.replicas[k % 2].url("/api/v1/events"), timeout=30,
                              json={"type": "view", "article": num, "query": marker})
            assert r.status_code == 202, r.text
        r = requests.post(c.replicas[0].url("/api/v1/articles"), headers=c.writer, timeout=30,
                          json={"title": "x", "body": "y"})
        assert r.status_code == 503 and "primary" in r.text
        time.sleep(1.2)
        h = requests.get(c.replicas[0].url("/healthz"), timeout=30,
                         headers=c.admin_auth).json()["replica"]
        assert h["primary_reachable"] is False and h["lag_seconds"] >= 1
        assert h["events_spooled"] >= 1
    finally:
        c.primary = KbServer(c.kb, "--listen", "127.0.0.1:%d" % c.primary_port, "--threads", "4",
                             "--replication-port", "127.0.0.1:%d" % c.repl_port).start()
    deadline = time.monotonic() + 15
    while events_with(c.kb / "kb.sqlite3", marker) < 3:
        assert time.monotonic() < deadline, "spooled events never reached the primary"
        time.sleep(0.2)
    assert events_with(c.kb / "kb.sqlite3", marker) == 3
    # And replication carries on.
    word = "quorvel" + uuid.uuid4().hex[:8]
    n, t0 = publish(c, c.primary, "Quorvel %s" % word, "The %s step." % word)
    assert len(until_found(c.replicas, word, n, t0, 2.0)) == 2
