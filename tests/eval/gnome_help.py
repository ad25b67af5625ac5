#!/usr/bin/env python3
"""Queries, judgements and per-language scores for make eval's GNOME help blocks.

  gnome_help.py known DUMP.jsonl QUERIES.tsv QRELS.tsv
      the multilingual known-item set: one query per page and language, made
      from the page's own <info><desc> (as kb ingested it, from DUMP) with every
      third word dropped; the page itself is the one relevant document
  gnome_help.py questions QUESTIONS.tsv DUMP.jsonl QUERIES.tsv QRELS.tsv
      the hand-written customer questions (qid, question, page ids) as English
      queries; every judged page must be in DUMP
  gnome_help.py score QUERIES.tsv QRELS.tsv KB.run PLAIN.run
      success@1 and MRR of both runs, per language and over all queries
  gnome_help.py overall QUERIES.tsv QRELS.tsv RUN
      "S@1 MRR" of one run over all queries

QUERIES.tsv lines are qid, locale, text (kb_eval run --locales and xapian_ml
read them); QRELS.tsv lines "qid docid 1"; documents are named LOCALE/SOURCE_ID
("ja/gnome-help/net-wireless-connect"). Only the harness sees queries and
judgements: nothing here goes into kb.
"""
import json
import re
import sys
import unicodedata
from collections import defaultdict

# Languages written without spaces between words.
UNSPACED = ("ja", "zh")
# Characters a customer would not type and QueryParser reads as syntax.
SYNTAX = re.compile(r'["“”„«»‘’‚『』「」()\[\]{}<>]')


def is_cjk(ch):
    """A Chinese or Japanese letter (Korean is written with spaces)."""
    return unicodedata.category(ch).startswith("L") and unicodedata.name(ch, "").startswith(
        ("CJK ", "HIRAGANA", "KATAKANA"))


def units(text):
    """The words of text as (word, glued to the one before); runs of Chinese
    and Japanese letters are cut in 2-character pieces, glued together."""
    out = []
    for tok in SYNTAX.sub(" ", text).split():
        pieces, cur, run = [], "", ""
        for ch in tok:
            if is_cjk(ch):
                if cur:
                    pieces.append(cur)
                    cur = ""
                run += ch
                if len(run) == 2:
                    pieces.append(run)
                    run = ""
            else:
                if run:
                    pieces.append(run)
                    run = ""
                cur += ch
        pieces += [u for u in (cur, run) if u]
        # a lone dash or full stop is no word
        pieces = [u for u in pieces if any(c.isalnum() for c in u)]
        out += [(u, k > 0) for k, u in enumerate(pieces)]
    return out


def make_query(desc, locale):
    """desc with every third word (or piece) dropped, or None if desc is too
    short: under 3 words, or for Chinese and Japanese under 6 characters."""
    if not desc:
        return None
    w = units(desc)
    lang = locale.split("-")[0]
    if lang in UNSPACED and sum(1 for c in desc if not c.isspace()) < 6:
        return None
    if len(w) < 3:
        return None
    q = ""
    for i, (u, glued) in enumerate(w):
        if i % 3 == 2:
            continue
        q += u if q and glued and (i - 1) % 3 != 2 else (" " if q else "") + u
    return q


def read_dump(path):
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            docs.append(json.loads(line))
    return docs


def known(dump, qpath, rpath):
    docs = read_dump(dump)
    english = {d["id"]: (d.get("summary") or "").strip() for d in docs if d["locale"] == "en"}
    seen = defaultdict(int)
    for d in docs:
        seen[(d["locale"], (d.get("summary") or "").strip())] += 1
    n = skipped_short = skipped_dup = skipped_en = 0
    with open(qpath, "w", encoding="utf-8") as q, open(rpath, "w", encoding="utf-8") as r:
        for d in docs:
            loc, sid = d["locale"], d["id"]
            desc = (d.get("summary") or "").strip()
            text = make_query(desc, loc)
            if text is None:
                skipped_short += 1
                continue
            if seen[(loc, desc)] > 1:
                skipped_dup += 1  # several pages share it: no single known item
                continue
            if loc != "en" and desc == english.get(sid):
                skipped_en += 1  # not translated: an English query
                continue
            qid = "%s:%s" % (loc, sid.split("/")[-1])
            q.write("%s\t%s\t%s\n" % (qid, loc, text))
            r.write("%s %s/%s 1\n" % (qid, loc, sid))
            n += 1
    print("known items: %d queries from %d pages (skipped: %d short or empty, %d shared, "
          "%d untranslated descriptions)" % (n, len(docs), skipped_short, skipped_dup, skipped_en))


def questions(tsv, dump, qpath, rpath):
    have = {"%s/%s" % (d["locale"], d["id"]) for d in read_dump(dump)}
    n = 0
    with open(tsv, encoding="utf-8") as f, open(qpath, "w", encoding="utf-8") as q, \
            open(rpath, "w", encoding="utf-8") as r:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            qid, text, pages = line.rstrip("\n").split("\t")
            q.write("%s\ten\t%s\n" % (qid, text))
            for p in pages.split():
                doc = "en/gnome-help/" + p
                if doc not in have:
                    raise SystemExit("gnome_questions.tsv: %s: no page '%s'" % (qid, p))
                r.write("%s %s 1\n" % (qid, doc))
            n += 1
    print("customer questions: %d" % n)


def read_run(path):
    run = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if len(p) >= 5:
                run[p[0]].append((-float(p[4]), int(p[3]), p[2]))
    return {qid: [d for _, _, d in sorted(v)] for qid, v in run.items()}


def first_rank(ranked, rel):
    for i, d in enumerate(ranked):
        if d in rel:
            return i + 1
    return 0


def overall(qpath, rpath, run_path):
    qids = [line.split("\t", 1)[0] for line in open(qpath, encoding="utf-8")]
    rel = defaultdict(set)
    with open(rpath, encoding="utf-8") as f:
        for line in f:
            qid, doc, _ = line.split()
            rel[qid].add(doc)
    run = read_run(run_path)
    ranks = [first_rank(run.get(q, []), rel[q]) for q in qids]
    n = len(ranks) or 1
    print("%.4f %.4f" % (sum(r == 1 for r in ranks) / n, sum(1.0 / r for r in ranks if r) / n))


def score(qpath, rpath, kb_path, plain_path):
    order, lang = [], {}
    with open(qpath, encoding="utf-8") as f:
        for line in f:
            qid, loc, _ = line.rstrip("\n").split("\t", 2)
            lang[qid] = loc
            if loc not in order:
                order.append(loc)
    rel = defaultdict(set)
    with open(rpath, encoding="utf-8") as f:
        for line in f:
            qid, doc, _ = line.split()
            rel[qid].add(doc)
    runs = [read_run(kb_path), read_run(plain_path)]
    # per locale: queries, [s1 kb, s1 plain], [rr kb, rr plain], kb found nothing
    acc = defaultdict(lambda: [0, [0, 0], [0.0, 0.0], 0])
    for qid, loc in lang.items():
        for a in (acc[loc], acc["all"]):
            a[0] += 1
            for k, run in enumerate(runs):
                r = first_rank(run.get(qid, []), rel[qid])
                a[1][k] += r == 1
                a[2][k] += 1.0 / r if r else 0.0
            a[3] += not runs[0].get(qid)

    def ratio(x, y):
        return "%7.3f" % (x / y) if y else "      -"

    print("%-22s %7s %7s %7s %7s %7s %7s %7s %7s" % (
        "locale", "queries", "S@1 kb", "S@1 xap", "kb/xap", "MRR kb", "MRR xap", "kb/xap",
        "kb none"))
    below = []
    for loc in order + ["all"]:
        n, s1, rr, none = acc[loc]
        if not n:
            continue
        s = [x / n for x in s1]
        m = [x / n for x in rr]
        print("%-22s %7d %7.4f %7.4f %s %7.4f %7.4f %s %7d" % (
            "all languages" if loc == "all" else "  " + loc, n, s[0], s[1], ratio(s[0], s[1]),
            m[0], m[1], ratio(m[0], m[1]), none))
        if loc != "all" and s[0] < s[1]:
            below.append(loc)
    print("kb below plain Xapian (success@1): %s" % (", ".join(below) if below else "none"))


def main(argv):
    if len(argv) == 5 and argv[1] == "known":
        known(*argv[2:])
    elif len(argv) == 6 and argv[1] == "questions":
        questions(*argv[2:])
    elif len(argv) == 6 and argv[1] == "score":
        score(*argv[2:])
    elif len(argv) == 5 and argv[1] == "overall":
        overall(*argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
