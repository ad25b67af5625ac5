"""Typeahead on the real GNOME help (issue 16): titles ranked as titles, same
titles collapsed, the customer's language first, and never an internal title
for a customer."""
import os

import pytest
import requests

from kbtest import GNOME_HELP, SAMPLES, run_indexer
from server import KbServer, add_user

GNOME_FR = "/usr/share/help/fr/gnome-help"
# Titles of internal sample articles (samples/articles/internal).
INTERNAL_TITLES = ["Known bug NR-4471: firmware update stalls at 99% on hardware rev C",
                   "Nimbus Cloud outage playbook", "Support escalation matrix",
                   "Handling duplicate charge tickets"]

pytestmark = pytest.mark.skipif(not os.path.isdir(GNOME_HELP), reason="GNOME help not installed")


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-suggest")
    run_indexer(d, "add", GNOME_HELP)
    if os.path.isdir(GNOME_FR):
        run_indexer(d, "add", GNOME_FR)
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))  # public and internal
    add_user(d, "agent1", "agent-password-1", "agent")
    with KbServer(d) as s:
        yield s


def suggest(client, srv, q, headers=None, **params):
    params["q"] = q
    r = client.get(srv.url("/api/v1/suggest"), params=params, headers=headers or {}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["suggestions"]


def test_suggest_wireles_shows_connect_to_a_wireless_network_in_the_first_5(srv):
    titles = [s["title"] for s in suggest(requests, srv, "wireles")]
    assert "Connect to a wireless network" in titles[:5], titles


@pytest.mark.parametrize("q", ["wireles", "print", "blue", "passw", "netw", "sett"])
def test_suggest_collapses_same_titles_and_keeps_to_the_customers_language(srv, q):
    s = suggest(requests, srv, q, limit=20)
    titles = [x["title"].casefold() for x in s]
    assert s and len(titles) == len(set(titles)), titles
    assert all(x["locale"] == "en" for x in s), s


@pytest.mark.skipif(not os.path.isdir(GNOME_FR), reason="French GNOME help not installed")
def test_suggest_other_languages_first_by_argument_or_accept_language_else_as_fallback(srv):
    assert all(x["locale"] == "fr" for x in suggest(requests, srv, "blue", locale="fr"))
    s = suggest(requests, srv, "blue", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"})
    assert s and all(x["locale"] == "fr" for x in s)
    # Nothing in English starts so: the French titles.
    s = suggest(requests, srv, "peripheri")
    assert s and all(x["locale"] == "fr" for x in s)


@pytest.mark.parametrize("title", INTERNAL_TITLES)
def test_customer_suggest_never_shows_internal_titles(srv, title):
    """Every prefix of an internal article's title, in every language, shows
    customers public articles only; an agent typing it sees the article."""
    words = title.lower().split()
    typed = set()
    for i, w in enumerate(words):
        for n in range(1, len(w) + 1):
            typed.add(" ".join(words[:i] + [w[:n]]))
    for q in sorted(typed):
        for locale in (None, "en", "fr"):
            params = {"locale": locale} if locale else {}
            for x in suggest(requests, srv, q, limit=20, **params):
                assert x["audience"] == "public" and x["kind"] == "article", (q, x)
                assert x["title"] != title, q
    agent = srv.login("agent1", "agent-password-1")
    s = suggest(agent, srv, title.lower(), limit=20)
    assert any(x["title"] == title and x["audience"] == "internal" for x in s), s
