"""kb-indexer end to end: real GNOME help, the sample product's articles and
tickets, malformed input, interrupted ingestion, remove and rebuild."""
import glob
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from kbtest import (GNOME_HELP, INDEXER, SAMPLES, ids, query_json, run_indexer)


@pytest.mark.parametrize("query,expected", [
    ("change my desktop background", "gnome-help/look-background"),
    ("set up a printer", "gnome-help/printing-setup"),
    ("connect my computer to a bluetooth device", "gnome-help/bluetooth-connect-device"),
    ("add a second keyboard layout", "gnome-help/keyboard-layouts"),
    ("take a screenshot", "gnome-help/screen-shot-record"),
    ("screen is too dark brightness", "gnome-help/display-brightness"),
    ("firmware update stuck at 99% purple light", "articles/firmware-update-stuck"),
    ("how do I reset my router to factory settings", "articles/reset-router"),
    ("wifi really slow every evening", "articles/slow-wifi-evening"),
])
def test_real_help_queries_rank_the_right_page_first(demo_kb, query, expected):
    r = query_json(demo_kb, query)
    assert r["hits"], query
    assert r["hits"][0]["id"] == expected, (query, ids(r)[:5])


def test_hits_have_the_documented_json_shape(demo_kb):
    r = query_json(demo_kb, "bluetooth")
    assert set(r) >= {"hits", "total", "corrected"}
    assert r["total"] >= len(r["hits"]) > 0
    h = r["hits"][0]
    assert set(h) >= {"id", "title", "snippet", "score", "kind", "audience"}
    assert h["kind"] == "article" and h["audience"] == "public"
    assert "<mark>" in h["snippet"]
    assert "<script" not in h["snippet"]


def test_mallard_titles_and_descriptions_as_yelp_shows_them(demo_kb):
    r = query_json(demo_kb, "Bluetooth", "--limit", "50")
    bt = [h for h in r["hits"] if h["id"] == "gnome-help/bluetooth"]
    assert bt and bt[0]["title"] == "Bluetooth"


def internal_words():
    """Words that occur in internal articles and tickets but in no public one."""
    return ["Kestrel", "NR-4471", "nimbusctl", "Osprey"]


def test_customer_never_sees_internal_articles_or_tickets(demo_kb):
    agent = query_json(demo_kb, "--as", "agent", "--limit", "50", "vpn drops every hour")
    assert any(h["kind"] == "ticket" for h in agent["hits"])
    assert any(h["audience"] == "internal" for h in agent["hits"])
    cust = query_json(demo_kb, "--limit", "100", "vpn drops every hour")
    assert all(h["audience"] == "public" and h["kind"] == "article" for h in cust["hits"])


def test_words_only_in_internal_content_find_nothing_and_suggest_nothing(demo_kb):
    # Pick words present in internal content only, checked against the files.
    public_text = ""
    for path in glob.glob(os.path.join(SAMPLES, "articles", "**", "*.md"), recursive=True):
        with open(path, encoding="utf-8") as f:
            t = f.read()
        if "audience: internal" not in t:
            public_text += t.lower()
    for word in internal_words():
        assert word.lower() not in public_text
        agent = query_json(demo_kb, "--as", "agent", word)
        assert agent["hits"], "agents should find %s" % word
        cust = query_json(demo_kb, word)
        assert cust["hits"] == [] and cust["total"] == 0, word
        assert cust["corrected"] is None
        # A misspelling of the internal word must not be corrected into it.
        typo = word[:-1] + word[-1] * 2 if len(word) > 4 else word + "x"
        cust = query_json(demo_kb, typo)
        assert cust["corrected"] is None or word.lower() not in cust["corrected"]
        assert all(h["audience"] == "public" for h in cust["hits"])
    # A ticket-only customer name: tickets are internal.
    with open(os.path.join(SAMPLES, "tickets.jsonl"), encoding="utf-8") as f:
        t = json.loads(f.readline())
    agent = query_json(demo_kb, "--as", "agent", "--kind", "ticket", t["subject"])
    assert t["id"] in ids(agent)
    cust = query_json(demo_kb, "--kind", "ticket", t["subject"])
    assert cust["hits"] == []


def test_spelling_correction_when_the_query_finds_little(demo_kb):
    r = query_json(demo_kb, "bluetoth hedset")
    assert r["corrected"] and "bluetooth" in r["corrected"]
    assert r["hits"]


def test_xapian_check_passes_on_both_databases(demo_kb):
    for db in ("public", "internal"):
        p = subprocess.run(["xapian-check", os.path.join(demo_kb, "index", db)],
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
        assert "No errors found" in p.stdout


def test_stats_counts_match_what_was_loaded(demo_kb):
    s = json.loads(run_indexer(demo_kb, "stats", "--json").stdout)
    with open(os.path.join(SAMPLES, "tickets.jsonl"), encoding="utf-8") as f:
        ntickets = sum(1 for line in f if line.strip())
    assert s["tickets"] == ntickets
    assert s["articles_public"] > 250  # GNOME help alone has about 290 pages
    assert s["articles_internal"] >= 10
    assert s["pending"] == 0
    assert s["index_public"] == s["articles_public"]
    assert s["index_internal"] == s["articles_internal"] + s["tickets"]


def test_french_page_found_without_accents(data_dir):
    src = os.path.join(data_dir, "src", "gnome-help")
    os.makedirs(src)
    for page in ("net-wireless-connect.page", "bluetooth.page", "look-background.page"):
        shutil.copy(os.path.join("/usr/share/help/fr/gnome-help", page), src)
    run_indexer(data_dir, "add", src)
    r = query_json(data_dir, "--locale", "fr", "reseau sans fil")
    assert r["hits"] and r["hits"][0]["id"] == "gnome-help/net-wireless-connect"
    assert query_json(data_dir, "--locale", "de", "reseau")["hits"] == []


def test_chinese_article_found_by_a_two_character_word(data_dir):
    path = os.path.join(data_dir, "zh.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write("---\ntitle: 重置路由器\nlocale: zh\n---\n按住路由器背面的重置按钮十秒钟，直到指示灯闪烁。\n")
    other = os.path.join(data_dir, "en.md")
    with open(other, "w", encoding="utf-8") as f:
        f.write("# Reset the router\n\nHold the reset button for ten seconds.\n")
    run_indexer(data_dir, "add", path, other)
    assert ids(query_json(data_dir, "重置")) == ["zh"]
    assert ids(query_json(data_dir, "--locale", "zh", "路由器")) == ["zh"]


def test_re_adding_unchanged_files_changes_nothing_and_edits_replace(data_dir):
    src = os.path.join(data_dir, "kb")
    os.makedirs(src)
    with open(os.path.join(src, "a.md"), "w") as f:
        f.write("# Printer offline\n\nTurn the printer off and on again.\n")
    with open(os.path.join(src, "b.md"), "w") as f:
        f.write("# Scanner jams\n\nOpen the lid and remove the paper.\n")
    out = run_indexer(data_dir, "add", src).stdout
    assert "2 added, 0 updated, 0 unchanged, 0 failed" in out
    out = run_indexer(data_dir, "add", src).stdout
    assert "0 added, 0 updated, 2 unchanged, 0 failed" in out
    with open(os.path.join(src, "a.md"), "w") as f:
        f.write("# Printer offline\n\nCheck the cable, then restart the spooler.\n")
    out = run_indexer(data_dir, "add", src).stdout
    assert "0 added, 1 updated, 1 unchanged, 0 failed" in out
    r = query_json(data_dir, "spooler")
    assert ids(r) == ["kb/a"]
    # The old text is gone from the index.
    assert query_json(data_dir, "turn again")["hits"] == []


def test_malformed_inputs_are_reported_and_the_rest_lands(data_dir):
    src = os.path.join(data_dir, "in")
    os.makedirs(src)
    files = {
        "good.md": b"# Good article\n\nThe zephyrine setting lives under Advanced.\n",
        "broken.html": b"<html><head><title>Broken page</title><body><p>Unclosed <b>zanzibarite <div>",
        "badutf8.md": b"# Bad bytes\n\ncaf\xc3\x28 \xff\xfe\n",
        "truncated.jsonl": b'{"id": "ok-1", "title": "Fine record", "body": "quorbleflux works"}\n'
                           b'{"id": "bad-2", "title": "Cut off", "bo',
        "short.csv": b"id,subject,description,resolution,customer,unit,product,category,team,created,resolved\n"
                     b"T-1,Router reboots,It reboots,Replaced PSU,acme,NR-1,Router,hardware,Tier 1,2025-01-01,2025-01-02\n"
                     b"T-2,Only three,fields\n",
        "empty.md": b"",
    }
    for name, content in files.items():
        with open(os.path.join(src, name), "wb") as f:
            f.write(content)
    with open(os.path.join(src, "huge.html"), "wb") as f:
        f.write(b"<html><body><p>" + b"word " * (10 * 1024 * 1024) + b"</p></body></html>")
    p = run_indexer(data_dir, "add", src, check=False)
    assert p.returncode == 1
    err = p.stderr
    assert "badutf8.md" in err and "utf-8" in err.lower()
    assert "truncated.jsonl:2" in err
    assert "short.csv:3" in err
    assert "empty.md" in err and "empty" in err
    assert "huge.html" in err and ("too large" in err or "limit" in err)
    # Everything good landed.
    assert ids(query_json(data_dir, "zephyrine")) == ["in/good"]
    assert ids(query_json(data_dir, "quorbleflux")) == ["ok-1"]
    assert "T-1" in ids(query_json(data_dir, "--as", "agent", "reboots PSU"))
    assert query_json(data_dir, "zanzibarite")["hits"]  # libxml2 recovers broken HTML


def make_jsonl(path, n, start=0):
    with open(path, "w", encoding="utf-8") as f:
        for i in range(start, start + n):
            f.write(json.dumps({"id": "doc-%d" % i, "title": "Article number %d about widgets" % i,
                                "body": "Widget %d needs calibration step %d and a reset." % (i, i * 7)})
                    + "\n")


def test_interrupted_ingest_resumes_without_loss_or_duplicates(data_dir):
    src = os.path.join(data_dir, "big.jsonl")
    n = 20000
    make_jsonl(src, n)
    p = subprocess.Popen([INDEXER, "--data", data_dir, "add", src], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    # Kill it once some batches have committed but before it finishes.
    deadline = time.time() + 60
    db = os.path.join(data_dir, "kb.sqlite3")
    while time.time() < deadline and p.poll() is None:
        if os.path.exists(db) and os.path.getsize(db) > 200_000:
            break
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.wait()
    run_indexer(data_dir, "add", src)
    s = json.loads(run_indexer(data_dir, "stats", "--json").stdout)
    assert s["articles_public"] == n
    assert s["index_public"] == n
    assert s["pending"] == 0
    r = query_json(data_dir, "--limit", "5", "Article number 19999 about widgets")
    assert r["hits"][0]["id"] == "doc-19999"
    r = query_json(data_dir, "--limit", "50", "calibration step 7")
    assert len(ids(r)) == len(set(ids(r)))


def test_remove_and_rebuild(data_dir):
    src = os.path.join(data_dir, "docs.jsonl")
    make_jsonl(src, 50)
    run_indexer(data_dir, "add", src)
    assert "doc-7" in ids(query_json(data_dir, "Widget 7 calibration"))
    out = run_indexer(data_dir, "remove", "doc-7").stdout
    assert "removed" in out
    assert "doc-7" not in ids(query_json(data_dir, "--limit", "100", "Widget 7 calibration"))
    p = run_indexer(data_dir, "remove", "no-such-doc", check=False)
    assert p.returncode == 1 and "no-such-doc" in p.stderr
    shutil.rmtree(os.path.join(data_dir, "index"))
    out = run_indexer(data_dir, "rebuild").stdout
    assert "49 documents" in out
    s = json.loads(run_indexer(data_dir, "stats", "--json").stdout)
    assert s["index_public"] == 49 and s["pending"] == 0
    assert "doc-8" in ids(query_json(data_dir, "Widget 8 calibration"))


def test_every_subcommand_has_help():
    for cmd in ("add", "query", "remove", "rebuild", "stats", "sync", "synonym"):
        p = subprocess.run([INDEXER, cmd, "--help"], capture_output=True, text=True)
        assert p.returncode == 0 and "usage: kb-indexer" in p.stdout, cmd


def test_bad_options_name_the_problem(data_dir):
    p = run_indexer(data_dir, "query", "--limit", "lots", "x", check=False)
    assert p.returncode == 2 and "--limit" in p.stderr
    p = run_indexer(data_dir, "add", "--audience", "secret", "x", check=False)
    assert p.returncode == 2 and "public or internal" in p.stderr
    p = run_indexer(data_dir, "query", "anything", check=False)
    assert p.returncode == 1 and "no index" in p.stderr


def test_synonyms_find_the_other_word(data_dir):
    src = os.path.join(data_dir, "a.md")
    with open(src, "w") as f:
        f.write("# Wireless setup\n\nJoin the wireless network from the panel.\n")
    run_indexer(data_dir, "add", src)
    assert query_json(data_dir, "wlan")["hits"] == []
    run_indexer(data_dir, "synonym", "add", "wlan", "wireless")
    assert "wlan\twireless" in run_indexer(data_dir, "synonym", "list").stdout
    assert ids(query_json(data_dir, "wlan")) == ["a"]
