"""A bad first line is one bad record (issue 13, item 4): a ticket import,
through the API or `kb-indexer add`, whose first JSONL line has invalid
UTF-8 or a NUL byte is not rejected whole as an unknown format: that line
is reported by number and the other tickets land."""
import json
import os

import pytest

from kbchaos import make_token
from kbtest import query_json, run_indexer
from server import KbServer


def ticket(i, word):
    return json.dumps({"id": "BFL-%d" % i, "subject": "%s on the router" % word,
                       "description": "the router shows %s" % word,
                       "resolution": "reflashed the firmware"}).encode()


FIRST_LINES = {
    "nul first": b"\x00" + ticket(1, "badone"),
    "nul inside": ticket(1, "badone")[:20] + b"\x00" + ticket(1, "badone")[20:],
    "invalid utf-8 first": b"\xc0\xaf" + ticket(1, "badone"),
    "invalid utf-8 inside": ticket(1, "badone").replace(b"badone", b"bad\xff\xfeone"),
    "latin-1 line": b"\xe9t\xe9 " + ticket(1, "badone"),
    "utf-16 bom then ascii": b"\xff\xfe" + ticket(1, "badone"),
}


def body(first):
    return first + b"\n" + ticket(2, "quasarfrost") + b"\n" + ticket(3, "nebulawink") + b"\n"


@pytest.mark.parametrize("name", list(FIRST_LINES))
def test_indexer_add_reports_the_bad_first_line_and_keeps_the_rest(tmp_path, name):
    f = tmp_path / "tickets.jsonl"
    f.write_bytes(body(FIRST_LINES[name]))
    p = run_indexer(tmp_path / "kb", "add", str(f), check=False)
    assert p.returncode == 1, p.stderr
    assert "%s:1:" % f in p.stderr, p.stderr
    assert "unknown format" not in p.stderr and "utf-16" not in p.stderr, p.stderr
    assert "2 added" in p.stdout + p.stderr, p.stdout + p.stderr
    for word, ref in (("quasarfrost", "BFL-2"), ("nebulawink", "BFL-3")):
        hits = query_json(tmp_path / "kb", "--as", "agent", word)["hits"]
        assert [h["id"] for h in hits] == [ref], hits


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-bfl")
    run_indexer(d, "add", os.path.join(os.path.dirname(__file__), "..", "..", "samples",
                                       "tickets.jsonl"))
    token = make_token(d, "agent", "bfl-import")
    with KbServer(d) as s:
        s.token = token
        yield s


@pytest.mark.parametrize("name", list(FIRST_LINES))
def test_api_import_reports_the_bad_first_line_and_keeps_the_rest(srv, name):
    r = srv.post("/api/v1/tickets", data=body(FIRST_LINES[name]),
                 headers={"Authorization": "Bearer " + srv.token})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["added"] + got["updated"] + got["unchanged"] == 2, got
    assert got["failed"] == 1 and got["errors"][0]["record"] == 1, got


def test_a_file_with_nothing_but_bad_lines_is_still_refused(tmp_path):
    f = tmp_path / "junk.jsonl"
    f.write_bytes(b"\x00\x01\x02\n\xc0\xaf\xff\n")
    p = run_indexer(tmp_path / "kb", "add", str(f), check=False)
    assert p.returncode == 1 and "0 added" in p.stdout + p.stderr, p.stdout + p.stderr
