"""Counts people can trust (issue 19 part 5): for a small match set the total
and every facet count are exact, and the page says "about" only when they
are estimates."""
import json
import re

import pytest
import requests

from kbtest import run_indexer
from server import KbServer

# 25 + 20 + 11 articles share the word; 40 more do not.
SIZES = {"billing": 25, "network": 20, "wireless": 11}


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-counts")
    src = d / "articles.jsonl"
    with open(src, "w") as f:
        n = 0
        for cat, size in SIZES.items():
            for i in range(size):
                n += 1
                f.write(json.dumps({"id": "c%d" % n, "title": "Zebrafoo %s case %d" % (cat, i),
                                    "body": "The zebrafoo light blinks %d times on %s pages. "
                                            % (i, cat) * (1 + i % 4),
                                    "format": "text", "category": cat}) + "\n")
        for i in range(40):
            f.write(json.dumps({"id": "o%d" % i, "title": "Other page %d" % i,
                                "body": "Nothing to see in %s here." % i,
                                "format": "text", "category": "other"}) + "\n")
    run_indexer(d, "add", str(src))
    with KbServer(d) as s:
        yield s


def test_small_match_sets_are_counted_exactly_in_the_api(srv):
    r = requests.get(srv.url("/api/v1/search"), params={"q": "zebrafoo"}, timeout=30).json()
    assert r["total"] == sum(SIZES.values()) and r["total_exact"] is True
    counts = {f["category"]: f["count"] for f in r["facets"]}
    assert counts == SIZES and r["facets_estimated"] is False


def test_search_page_says_about_only_for_estimates(srv):
    t = requests.get(srv.url("/search"), params={"q": "zebrafoo"}, timeout=30).text
    assert "about" not in t.lower().replace("about this", "")
    assert re.search(r"\b56 results\b", t), t[:2000]
    for cat, size in SIZES.items():
        assert re.search(r'category=%s"[^>]*>[^<]*<span class="count">\(%d\)</span>'
                         % (cat, size), t, re.I), (cat, size)
    t = requests.get(srv.url("/search"), params={"q": "zebrafoo", "category": "wireless"},
                     timeout=30).text
    assert re.search(r"\b11 results\b", t) and "About 11" not in t
