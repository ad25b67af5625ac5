"""DocBook chapters as topics (issue 19 part 1): after `kb-indexer add` of a
book, the topics API lists the book as a category and each chapter as a
section under it, named by their titles (never a slug), and each chapter is
an article of its section."""
import pytest
import requests

from kbtest import run_indexer
from server import KbServer

BOOK = """<?xml version="1.0"?>
<book xmlns="http://docbook.org/ns/docbook" version="5.0" xml:id="router-guide">
<info><title>Router Admin Guide</title></info>
<chapter xml:id="wifi"><title>Wireless &amp; Mesh</title><para>Intro.</para>
 <section><title>Channels</title><para>Pick channel zqsix.</para></section>
 <section><title>Mesh nodes</title><para>Pair the nodes.</para></section></chapter>
<chapter><title>Firmware updates</title>
 <section><title>Automatic</title><para>Updates run nightly.</para></section>
 <section><title>Manual</title><para>Upload the zqimage.</para></section></chapter>
</book>
"""


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    d = tmp_path_factory.mktemp("kb-docbook")
    book = tmp_path_factory.mktemp("src") / "router-guide.xml"
    book.write_text(BOOK)
    run_indexer(d, "add", str(book))
    s = KbServer(d, "--event-rate", "0").start()
    yield s
    s.stop()


def test_book_and_chapters_are_named_topics(srv):
    r = requests.get(srv.url("/api/v1/topics"), timeout=30)
    assert r.status_code == 200, r.text
    t = {x["slug"]: x for x in r.json()["topics"]}
    assert t["router-guide"]["name"] == "Router Admin Guide"
    assert t["router-guide"]["parent"] is None
    assert t["router-guide-wifi"]["name"] == "Wireless & Mesh"
    assert t["router-guide-wifi"]["parent"] == "router-guide"
    assert t["router-guide-firmware-updates"]["name"] == "Firmware updates"
    assert t["router-guide-firmware-updates"]["parent"] == "router-guide"


def test_each_chapter_is_an_article_of_its_section(srv):
    for word, title, section in (("zqsix", "Wireless & Mesh", "router-guide-wifi"),
                                 ("zqimage", "Firmware updates",
                                  "router-guide-firmware-updates")):
        r = requests.get(srv.url("/api/v1/search"), params={"q": word}, timeout=30)
        assert r.status_code == 200, r.text
        hits = r.json()["hits"]
        assert [h["title"] for h in hits] == [title], hits
        assert hits[0]["category"] == section


def test_category_page_and_breadcrumb_show_the_names(srv):
    page = srv.get("/search?category=router-guide").text
    assert "<h1>Router Admin Guide</h1>" in page
    assert 'href="/search?category=router-guide-wifi">Wireless &amp; Mesh</a>' in page
    assert 'href="/search?category=router-guide-firmware-updates">Firmware updates</a>' in page
    r = requests.get(srv.url("/api/v1/search"), params={"q": "zqsix"}, timeout=30)
    h = r.json()["hits"][0]
    art = srv.get(h["url"]).text
    assert '<a href="/search?category=router-guide">Router Admin Guide</a>' in art
