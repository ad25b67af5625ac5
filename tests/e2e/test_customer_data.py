"""A customer's data on request (issue 18), against a real kb-server: the admin
API exports everything held about a customer and erases it; afterwards their
data is gone from the store and the index, and a word only they took to k
no longer finds anything for customers. The command line does the same."""
import json
import os
import sqlite3
import subprocess
import time

import pytest
import requests

from kbtest import SAMPLES, SERVER, TIME_SCALE, run_indexer
from server import KbServer

TARGET = "Mira.Quell@Example.org"


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-customer")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "add", os.path.join(SAMPLES, "tickets.jsonl"))
    return d


def token(data, role="admin"):
    p = subprocess.run([SERVER, "--data", str(data), "user", "token", "--role", role,
                        "t-%d" % (time.time() * 1e6)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    return {"Authorization": "Bearer " + p.stdout.strip()}


def ticket(tid, subject, customer, text, article="articles/reset-cloud-password"):
    return {"id": tid, "subject": subject, "description": text, "resolution": "Fixed.",
            "customer": customer, "category": "account", "resolved": "2026-01-10T10:00:00Z",
            "linked_article": article}


def customer_numbers(srv, q):
    r = requests.get(srv.url("/api/v1/search"), params={"q": q}, timeout=30)
    assert r.status_code == 200, r.text
    return [h["number"] for h in r.json()["hits"]]


def agent_ids(srv, hdr, q):
    r = requests.get(srv.url("/api/v1/search"), params={"q": q}, headers=hdr, timeout=30)
    assert r.status_code == 200, r.text
    return [h["id"] for h in r.json()["hits"]]


def poll(cond, seconds=3.0):
    end = time.time() + seconds * TIME_SCALE
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


def rows(data, sql, *args):
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(str(data), "kb.sqlite3"), uri=True,
                          timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def test_export_then_erase_through_the_api(kb):
    admin, agent = token(kb), token(kb, "agent")
    with KbServer(kb) as srv:
        body = "\n".join(json.dumps(t) for t in [
            ticket("CX-1", "Vrellium sync stalls", TARGET, "Vrellium stalled; Mira's laptop "
                   "ZX-99 in Lyon.", ),
            ticket("CX-2", "vrellium sync stalls", "other-1@example.com", "Same."),
            ticket("CX-3", "Vrellium sync stalls again", "other-2@example.com", "Same."),
            ticket("CX-4", "Billing address change", TARGET.lower(), "Moved to Quortheim.",
                   article=""),
        ])
        r = requests.post(srv.url("/api/v1/tickets"), data=body, headers=agent, timeout=60)
        assert r.status_code in (200, 201), r.text
        art = rows(kb, "SELECT number FROM articles WHERE source_id = ?",
                   "articles/reset-cloud-password")[0][0]
        # Three customers said "vrellium": customers find the article by it.
        assert poll(lambda: art in customer_numbers(srv, "vrellium")), "k=3 not reached"
        assert poll(lambda: "CX-4" in agent_ids(srv, agent, "quortheim"))

        r = requests.get(srv.url("/api/v1/customers/%s/export" % TARGET), headers=admin,
                         timeout=30)
        assert r.status_code == 200, r.text
        x = r.json()
        assert sorted(t["source_id"] for t in x["tickets"]) == ["CX-1", "CX-4"]
        assert any(w["word"] == "vrellium" for w in x["learning"]["words"])
        assert "other-1" not in r.text
        # Only admins.
        assert requests.get(srv.url("/api/v1/customers/%s/export" % TARGET), headers=agent,
                            timeout=30).status_code == 403
        assert requests.delete(srv.url("/api/v1/customers/%s" % TARGET), headers=agent,
                               timeout=30).status_code == 403

        r = requests.delete(srv.url("/api/v1/customers/%s" % TARGET), headers=admin, timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["removed"]["tickets"] == 2
        # Gone from the index: their tickets, and "vrellium" for customers
        # (two customers left: under k); staff still learn it from the others.
        assert poll(lambda: customer_numbers(srv, "vrellium") == []), \
            customer_numbers(srv, "vrellium")
        assert poll(lambda: "CX-4" not in agent_ids(srv, agent, "quortheim"))
        assert "CX-1" not in agent_ids(srv, agent, "lyon laptop")
        assert "CX-2" in agent_ids(srv, agent, "vrellium")
        r = requests.get(srv.url("/api/v1/customers/%s/export" % TARGET.upper()), headers=admin,
                         timeout=30)
        assert r.json()["tickets"] == [] and r.json()["learning"]["words"] == []
    # Gone from the store.
    assert rows(kb, "SELECT count(*) FROM tickets WHERE lower(customer) = ?",
                TARGET.lower()) == [(0,)]
    assert rows(kb, "SELECT count(*) FROM learn_words WHERE visitor = ?",
                "ticket-customer:" + TARGET.lower()) == [(0,)]
    for (asked,) in rows(kb, "SELECT coalesce(asked_as, '') FROM articles"):
        assert "Lyon" not in asked and "Quortheim" not in asked


def test_command_line_export_erase_and_retention(kb):
    cli = [SERVER, "--data", str(kb), "customer"]
    body = ticket("CLI-1", "Printer jams", "cli.person@example.net", "Plorbinate the tray.")
    p = os.path.join(str(kb), "cli.jsonl")
    open(p, "w").write(json.dumps(body) + "\n")
    run_indexer(kb, "add", p)
    q = run_indexer(kb, "query", "--json", "--as", "agent", "plorbinate")
    assert "CLI-1" in q.stdout
    p = subprocess.run(cli + ["export", "CLI.person@example.net"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert [t["source_id"] for t in json.loads(p.stdout)["tickets"]] == ["CLI-1"]
    p = subprocess.run(cli + ["erase", "cli.person@example.net"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0 and "1 tickets" in p.stdout, p.stdout + p.stderr
    assert rows(kb, "SELECT count(*) FROM tickets WHERE source_id = 'CLI-1'") == [(0,)]
    assert "index updated" in p.stdout
    q = run_indexer(kb, "query", "--json", "--as", "agent", "plorbinate")
    assert "CLI-1" not in q.stdout
    p = subprocess.run(cli + ["retention"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "kept for good" in p.stdout
    p = subprocess.run(cli + ["retention", "400"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    p = subprocess.run(cli + ["retention"], capture_output=True, text=True, timeout=60)
    assert "400 days" in p.stdout
    subprocess.run(cli + ["retention", "0"], capture_output=True, text=True, timeout=60)


CONTACT_TARGET = "Ola.Vint@Example.org"


def contact(srv, email, subject):
    r = srv.session().post(srv.url("/contact"), timeout=30, allow_redirects=False, data={
        "name": "Ola Vint", "email": email, "subject": subject,
        "description": "The zintrax bridge drops every night."})
    assert r.status_code == 200, r.text


def test_contact_requests_are_exported_erased_and_kept_only_as_long_as_set(kb):
    """Contact requests (schema 10) are a customer's data too: exported and
    erased by e-mail with their delivery rows, and erased after
    --contact-retention-days (or the API's contact_requests_days) once
    delivered or failed."""
    admin = token(kb)
    fast = ("--contact-rate", "1000", "--contact-net-rate", "1000", "--contact-wait-ms", "0")
    with KbServer(kb, *fast) as srv:
        # A destination nobody answers: deliveries stay pending.
        r = requests.put(srv.url("/api/v1/admin/contact/destinations/webhook"), headers=admin,
                         timeout=30, json={"enabled": True, "url": "http://127.0.0.1:9/hook",
                                           "secret": "contact-webhook-secret-0123456789"})
        assert r.status_code == 200, r.text
        contact(srv, CONTACT_TARGET, "Zintrax bridge drops")
        contact(srv, "someone.else@example.net", "Zintrax bridge drops too")
        r = requests.get(srv.url("/api/v1/customers/%s/export" % CONTACT_TARGET.lower()),
                         headers=admin, timeout=30)
        assert r.status_code == 200, r.text
        x = r.json()
        assert [c["subject"] for c in x["contact_requests"]] == ["Zintrax bridge drops"]
        assert [d["dest"] for d in x["contact_deliveries"]] == ["webhook"]
        assert x["contact_deliveries"][0]["request"] == x["contact_requests"][0]["id"]
        assert "someone.else" not in r.text
        r = requests.delete(srv.url("/api/v1/customers/%s" % CONTACT_TARGET), headers=admin,
                            timeout=30)
        assert r.status_code == 200, r.text
        removed = r.json()["removed"]
        assert removed["contact_requests"] == 1 and removed["contact_deliveries"] == 1, removed
        # The retention setting, beside the tickets' one.
        r = requests.get(srv.url("/api/v1/admin/retention"), headers=admin, timeout=30)
        assert r.json()["contact_requests_days"] == 0  # default: keep
        r = requests.put(srv.url("/api/v1/admin/retention"), headers=admin, timeout=30,
                         json={"contact_requests_days": -3})
        assert r.status_code == 400 and "contact_requests_days" in r.text, r.text
        r = requests.put(srv.url("/api/v1/admin/retention"), headers=admin, timeout=30,
                         json={"contact_requests_days": 45})
        assert r.status_code == 200 and r.json()["contact_requests_days"] == 45, r.text
    assert rows(kb, "SELECT count(*) FROM contact_requests WHERE lower(email) = ?",
                CONTACT_TARGET.lower()) == [(0,)]
    assert rows(kb, "SELECT count(*) FROM contact_deliveries WHERE request NOT IN "
                    "(SELECT id FROM contact_requests)") == [(0,)]
    cli = [SERVER, "--data", str(kb), "customer", "contact-retention"]
    p = subprocess.run(cli, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "45 days" in p.stdout, p.stdout + p.stderr
    p = subprocess.run(cli + ["forever"], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "contact request retention" in p.stderr, p.stderr

    # The other request is made 60 days old and its delivery has failed:
    # a start with --contact-retention-days 30 erases it in its daily pass.
    con = sqlite3.connect(os.path.join(str(kb), "kb.sqlite3"), timeout=10)
    with con:
        con.execute("UPDATE contact_requests SET created = created - 60 * 86400000")
        con.execute("UPDATE contact_deliveries SET status = 'failed'")
        con.execute("DELETE FROM contact_destinations")
    con.close()
    assert rows(kb, "SELECT count(*) FROM contact_requests") == [(1,)]
    with KbServer(kb, "--contact-retention-days", "30"):
        assert poll(lambda: rows(kb, "SELECT count(*) FROM contact_requests") == [(0,)], 10)
        assert rows(kb, "SELECT count(*) FROM contact_deliveries") == [(0,)]
    p = subprocess.run(cli, capture_output=True, text=True, timeout=60)
    assert "30 days" in p.stdout, p.stdout
    subprocess.run(cli + ["0"], capture_output=True, text=True, timeout=60)
    p = subprocess.run(cli, capture_output=True, text=True, timeout=60)
    assert "kept for good" in p.stdout, p.stdout
    p = subprocess.run([SERVER, "--data", str(kb), "--contact-retention-days", "-1"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "--contact-retention-days" in p.stderr, p.stderr
