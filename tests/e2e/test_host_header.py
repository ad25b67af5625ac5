"""Absolute URLs never come from a stranger's Host header (issue 13, item 6):
without --public-url, pages link relatively where HTML allows, and the
sitemap and OpenSearch description (which need absolute URLs) name the
address the server listens on; with --public-url, that URL. A sitemap built
without --public-url is not offered to shared caches."""
import os
import re

import pytest
import requests

from kbtest import SAMPLES, run_indexer
from server import KbServer

EVIL = "evil.example"


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-host")
    run_indexer(d, "add", os.path.join(SAMPLES, "articles"))
    return d


def article_path(srv):
    xml = srv.get("/sitemap.xml").text
    m = re.search(r"<loc>https?://[^/<]+(/kb/[^<]+)</loc>", xml)
    assert m, xml[:500]
    return m.group(1)


def everything(srv, path, host):
    """Status, headers and body of GET path with this Host, not following
    redirects, as one string."""
    r = requests.get(srv.url(path), headers={"Host": host}, allow_redirects=False, timeout=30)
    return r, "%d\n%s\n%s" % (r.status_code, "\n".join("%s: %s" % kv for kv in r.headers.items()),
                              r.text)


def pages(srv):
    art = article_path(srv)
    number = re.match(r"/kb/(\d+)", art).group(1)
    return ["/", "/search?q=router", "/search?q=zzzznothing", art, "/kb/" + number,
            "/kb/" + number + "-wrong-slug", "/contact", "/sitemap.xml", "/opensearch.xml",
            "/kb/999999", "/no/such/page"]


def test_a_strangers_host_never_appears_in_any_page(kb):
    with KbServer(kb) as srv:
        for path in pages(srv):
            for host in (EVIL, EVIL + ":8080", "127.0.0.1@" + EVIL):
                r, text = everything(srv, path, host)
                assert EVIL not in text, (path, host, text[:2000])


def test_without_public_url_links_are_relative_or_name_the_listening_address(kb):
    with KbServer(kb) as srv:
        r, _ = everything(srv, "/", EVIL)
        canon = re.search(r'<link rel="canonical" href="([^"]*)"', r.text).group(1)
        assert canon == "/", canon
        r, _ = everything(srv, article_path(srv), EVIL)
        canon = re.search(r'<link rel="canonical" href="([^"]*)"', r.text).group(1)
        assert canon.startswith("/kb/"), canon
        r, _ = everything(srv, "/sitemap.xml", EVIL)
        locs = re.findall(r"<loc>([^<]*)</loc>", r.text)
        assert locs and all(u.startswith(srv.base + "/") for u in locs), locs[:3]
        assert "public" not in r.headers.get("Cache-Control", ""), r.headers
        r, _ = everything(srv, "/opensearch.xml", EVIL)
        assert srv.base + "/search?q={searchTerms}" in r.text, r.text
        assert "public" not in r.headers.get("Cache-Control", ""), r.headers


def test_with_public_url_absolute_links_use_it(kb):
    with KbServer(kb, "--public-url", "https://help.example.com/") as srv:
        r, text = everything(srv, "/sitemap.xml", EVIL)
        locs = re.findall(r"<loc>([^<]*)</loc>", r.text)
        assert locs and all(u.startswith("https://help.example.com/") for u in locs), locs[:3]
        assert "public" in r.headers.get("Cache-Control", "")
        r, _ = everything(srv, article_path(srv), EVIL)
        canon = re.search(r'<link rel="canonical" href="([^"]*)"', r.text).group(1)
        assert canon.startswith("https://help.example.com/kb/"), canon
        assert EVIL not in text
