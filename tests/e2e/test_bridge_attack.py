"""Word bridges (issue 16 part 3) never carry internal content to customers,
tried from outside with the real kb-indexer: documents go in through the
ingest path (add: store, outbox, sync, which mines the bridges), and
searches run as customer and as agent at a bridge weight well above the
default.

Internal tickets and an internal runbook tie printers to an internal host
name ("zorbleflux") and to a rare word of an unrelated public page
("quasselbox", the scanner page). Mined from all content, those bridges
would let a customer's "zorbleflux" find the public printer page (telling
them the host name means printers) and a customer's "printer offline" bring
up the scanner page. Staff get both; customers neither."""
import json

import pytest

from kbtest import query_json, run_indexer

WEIGHT = "0.5"

PUBLIC = [
    ("auto-1", "Stop autoplay on the news site",
     "Videos start immediately when a story opens; switch playback off in settings."),
    ("auto-2", "Autoplay in the video gallery",
     "Clips start immediately after the previous one ends unless you turn it off."),
    ("auto-3", "Why autoplay wastes mobile data",
     "Previews start immediately on cellular networks and use your data plan."),
    ("target", "Autoplay settings of the tablet app",
     "Open the app menu, choose preferences and flip the toggle."),
    ("pw", "Reset your password", "Use the forgot link on the sign in page."),
    ("lang", "Change the display language", "Pick a language under account."),
    ("export", "Export contacts to a file", "Choose export and save the file."),
    ("printer", "Printer offline after an update",
     "Restart the print spooler and plug the cable in again."),
    ("glass", "Cleaning the scanner glass",
     "Wipe the glass with a dry cloth; the quasselbox cover lifts off."),
    ("glass-2", "Scanner glass streaks", "Streaks come from a damp cloth: let it dry."),
]
INTERNAL = [
    ("int-1", "Printer offline runbook", "Check zorbleflux first, then the quasselbox."),
    ("int-2", "Refunds for double charges", "Refund the second payment in the console."),
    ("int-3", "Session resets", "Clear the old session from the admin page."),
]
TICKETS = [
    ("BR-1", "Printer offline on floor 3",
     "the zorbleflux host dropped the queue; the quasselbox was reseated"),
    ("BR-2", "Printer offline again", "restarted zorbleflux, checked the quasselbox"),
    ("BR-3", "Office printer shows offline", "zorbleflux spool full; quasselbox latch loose"),
    ("BR-4", "Invoice shows the wrong address", "corrected the billing address"),
    ("BR-5", "Mailbox full warning", "archived last year's mail"),
    ("BR-6", "Laptop battery drains overnight", "turned off wake on network"),
]
SECRETS = ["zorbleflux"]


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("bridges")
    src = d / "src"
    src.mkdir()
    with open(src / "articles.jsonl", "w", encoding="utf-8") as f:
        for id_, title, body in PUBLIC:
            f.write(json.dumps({"id": id_, "title": title, "body": body}) + "\n")
        for id_, title, body in INTERNAL:
            f.write(json.dumps({"id": id_, "title": title, "body": body,
                                "audience": "internal"}) + "\n")
    with open(src / "tickets.jsonl", "w", encoding="utf-8") as f:
        for id_, subject, resolution in TICKETS:
            f.write(json.dumps({"id": id_, "subject": subject, "description": subject,
                                "resolution": resolution, "customer": "Ann Example",
                                "created": "2025-01-19T17:05:00Z",
                                "resolved": "2025-01-19T18:31:00Z"}) + "\n")
    data = d / "data"
    run_indexer(data, "add", str(src / "articles.jsonl"), str(src / "tickets.jsonl"))
    return data


def search(kb, role, q):
    return query_json(kb, "--as", role, "--limit", "50", "--bridge-weight", WEIGHT, q)


def ids(r):
    return [h["id"] for h in r["hits"]]


def test_public_bridges_work_for_customers(kb):
    # Public pages taught "immediately" ~ "autoplay": the page that never
    # says it is found through the bridge, and only through it.
    assert "target" in ids(search(kb, "customer", "immediately"))
    plain = query_json(kb, "--as", "customer", "--bridge-weight", "0", "immediately")
    assert "target" not in ids(plain)


def test_staff_get_the_bridges_internal_content_taught(kb):
    # The attack below would succeed if customers shared staff's bridges.
    assert "printer" in ids(search(kb, "agent", "zorbleflux"))
    assert "glass" in ids(search(kb, "agent", "printer offline"))


def test_an_internal_word_finds_nothing_for_customers(kb):
    for w in SECRETS:
        r = search(kb, "customer", w)
        assert r["hits"] == [] and r["total"] == 0, (w, ids(r))
        assert not r.get("corrected"), r


def test_internal_tickets_do_not_bridge_a_customers_query(kb):
    r = search(kb, "customer", "printer offline")
    assert "printer" in ids(r)
    assert "glass" not in ids(r), ids(r)
    assert all(h["audience"] == "public" for h in r["hits"])
    blob = json.dumps(r)
    for w in SECRETS:
        assert w not in blob
