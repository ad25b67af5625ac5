"""Previous cases through the older list route (issue 20 review): the
console's lookup by part of a name made GET /api/v1/tickets?customer=
partial too, so "Yuki" listed another customer's tickets with their phone
number and name, which assist redacts. An agent gets the same rule here."""
import json
import os

import pytest

from kbchaos import bearer, make_token
from kbtest import SAMPLES, run_indexer
from server import KbServer
from test_console_lookup import ticket

TICKETS = [
    ticket("SUX-1", "Yuki Tanaka", "U-SUX", 10,
           description="Zqfrob amber again. Call Yuki Tanaka on +1 415 555 0100."),
    ticket("SUX-2", "Yukio Berg", "U-SUX2", 12,
           description="Zqfrob dead. Yukio Berg, yukio.berg@example.org, +46 70 123 45 67."),
]


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-staffux-lookup")
    f = d / "t.jsonl"
    f.write_text("".join(json.dumps(t) + "\n" for t in TICKETS))
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    run_indexer(d, "add", str(f))
    tok = make_token(d, "agent", "staffux")
    with KbServer(d) as s:
        s.agent = bearer(tok)
        yield s


def listed(srv, **params):
    r = srv.agent.get(srv.url("/api/v1/tickets"), params=params, timeout=30)
    assert r.status_code == 200, r.text
    return {t["id"]: t for t in r.json()["tickets"]}


def test_partial_lookup_redacts_the_people_it_was_not_given(srv):
    got = listed(srv, customer="Yuk")
    assert set(got) == {"SUX-1", "SUX-2"}
    text = json.dumps(got)
    for secret in ("415 555", "yukio.berg@example.org", "+46 70", "Call Yuki Tanaka", "Yukio Berg,"):
        assert secret not in text
    assert "[email]" in got["SUX-2"]["description"] and "[phone]" in got["SUX-1"]["description"]


def test_the_customer_given_whole_sees_their_own_cases(srv):
    got = listed(srv, customer="YUKI TANAKA")
    assert set(got) == {"SUX-1"}
    assert "Call Yuki Tanaka on +1 415 555 0100" in got["SUX-1"]["description"]
    assert got["SUX-1"]["customer"] == "Yuki Tanaka"


def test_a_unit_alone_redacts_its_tickets_as_assist_does(srv):
    # Assist lists a unit's tickets with other people's phone numbers and
    # addresses redacted; the list route gave them whole to anyone asking
    # for the unit alone.
    got = listed(srv, unit="U-SUX2")
    assert set(got) == {"SUX-2"}
    text = json.dumps(got)
    for secret in ("yukio.berg@example.org", "+46 70", "Yukio Berg,"):
        assert secret not in text
    assert "[email]" in got["SUX-2"]["description"]
    # The unit's own customer, given whole, sees their case as it is.
    got = listed(srv, unit="U-SUX2", customer="yukio berg")
    assert "yukio.berg@example.org, +46 70 123 45 67" in got["SUX-2"]["description"]
