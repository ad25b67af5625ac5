"""One redaction rule for agents (issue 13, item 7): the ticket snippets,
titles and summaries of agent search hide e-mail addresses, phone numbers
and the ticket customer's name, as assist and ticket-to-draft do."""
import json
import re
import time

import pytest

from kbchaos import bearer, make_token
from kbtest import run_indexer
from server import KbServer

EMAIL = "jane.doe@example.com"
PHONE = "+1 415 555 0100"
TICKETS = [
    {"id": "RED-1", "subject": "Zqwidget blinks red, mail jane.doe@example.com",
     "description": "Customer Jane Doe says the zqwidget blinks red after the update. "
                    "Reach her at jane.doe@example.com or +1 415 555 0100 any time.",
     "resolution": "Reflashed the zqwidget; confirmed with Jane Doe on +1 415 555 0100.",
     "customer": "Jane Doe", "unit": "ZQ-1"},
]
LEAKS = [EMAIL, "jane.doe", "415 555 0100", "555 0100", "Jane Doe", "Doe"]


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-redact")
    f = d / "t.jsonl"
    f.write_text("".join(json.dumps(t) + "\n" for t in TICKETS))
    run_indexer(d, "add", str(f))
    token = make_token(d, "agent", "redaction")
    with KbServer(d) as s:
        s.agent = bearer(token)
        yield s


def visible(hit):
    """What an agent reads of a hit, tags removed."""
    return re.sub(r"</?mark>", "", " ".join(str(hit.get(k) or "") for k in
                                            ("title", "snippet", "summary")))


@pytest.mark.parametrize("q", ["zqwidget blinks", "jane zqwidget", EMAIL, "415 555 0100 zqwidget",
                               "doe reach"])
def test_agent_search_redacts_ticket_hits(srv, q):
    r = srv.agent.get(srv.url("/api/v1/search"), params={"q": q, "kind": "ticket"}, timeout=30)
    assert r.status_code == 200, r.text
    hits = [h for h in r.json()["hits"] if h["id"] == "RED-1"]
    assert hits, (q, r.json())
    text = visible(hits[0])
    for leak in LEAKS:
        assert leak.lower() not in text.lower(), (q, leak, text)
    # Still a useful snippet: the problem words are there, with highlights
    # where they matched.
    assert "zqwidget" in text.lower() or "reach" in text.lower(), text
    assert hits[0]["snippet"].count("<mark>") == hits[0]["snippet"].count("</mark>")


def test_agent_search_and_assist_agree(srv):
    s = srv.agent.get(srv.url("/api/v1/search"), params={"q": "zqwidget", "kind": "ticket"},
                      timeout=30).json()["hits"][0]
    a = srv.agent.post(srv.url("/api/v1/assist"), json={"subject": "zqwidget blinks red"},
                       timeout=30).json()["similar_tickets"][0]
    assert "[email]" in a["subject"] and "[email]" in s["title"], (a["subject"], s["title"])
    assert "[phone]" in visible(s) and "[email]" in visible(s), visible(s)
