#!/usr/bin/python3
"""Builds the benchmark corpus from the documentation Debian packages ship.

Input: a directory holding the extracted packages (tests/bench/deps.sh puts
them in $KB_BENCH_CACHE/root). Output, in the cache directory:

  corpus.jsonl    article JSONL that kb-indexer ingests: id, title, body
                  (plain text), category, format. One document per help page
                  or section, 50 to 1,500 words. Real sections first; the rest
                  up to --docs are made by recombining real paragraphs.
  queries.txt     one query a line: 2 to 6 words of a real heading, some words
                  dropped or swapped, as customers type (the query set the
                  benchmark's Zipf mix draws from).
  stream.txt      --stream queries (default 1,000,000) made the same way from
                  real headings and from windows of real body sentences, no
                  two alike after normalisation (lower-case, punctuation to
                  spaces, stop words and a plural "s" dropped, words sorted),
                  nor their typeahead prefixes (the last word cut as
                  wrk/rotate.lua cuts it), nor like any line of queries.txt:
                  the never-repeated stream the benchmark measures search with.
  tickets.jsonl   resolved tickets (so agent assist finds similar ones).
  assist.jsonl    300-word ticket texts for /api/v1/assist: {subject, description}.
  stats.json      counts: real and recombined documents, words, bytes, by source.

Python 3 standard library only; deterministic (fixed seed) for a given input.
"""
import argparse
import gzip
import html.parser
import json
import os
import random
import re
import sys
import xml.etree.ElementTree as ET

MIN_WORDS, MAX_WORDS = 50, 1500
WS = re.compile(r"\s+")


def clean(s):
    return WS.sub(" ", s).strip()


def words(s):
    return len(s.split())


# ---------------------------------------------------------------- HTML

SKIP_TAGS = {"script", "style", "head", "nav", "footer", "noscript", "svg", "form", "button",
             "select", "template", "header", "aside"}
SKIP_CLASSES = ("navheader", "navfooter", "sphinxsidebar", "related", "footer", "breadcrumb",
                "headerlink", "toc", "navigation", "admonition-title", "copyright", "legalnotice",
                "docnav", "sidebar", "searchbox", "header", "linkinpage", "navbar")
BLOCK = {"p", "li", "dd", "dt", "pre", "td", "th", "blockquote", "caption", "div", "section",
         "article", "table", "tr", "ul", "ol", "dl", "br", "h1", "h2", "h3", "h4", "h5", "h6",
         "figcaption", "main", "body", "title"}
VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source",
        "track", "wbr", "param"}


class Blocks(html.parser.HTMLParser):
    """Turns an HTML page into [(kind, text)], kind h1..h3 or p."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.buf = []
        self.kind = "p"
        self.skip_tag = None
        self.skip_depth = 0
        self.title = ""
        self.in_title = False

    def flush(self):
        t = clean("".join(self.buf))
        self.buf = []
        if t:
            self.out.append((self.kind, t))
        self.kind = "p"

    def handle_starttag(self, tag, attrs):
        if self.skip_tag:
            if tag == self.skip_tag and tag not in VOID:
                self.skip_depth += 1
            return
        cls = ""
        if any(k == "hidden" for k, _v in attrs):
            if tag not in VOID:
                self.skip_tag, self.skip_depth = tag, 1
            return
        for k, v in attrs:
            if k in ("class", "id", "role") and v:
                cls += " " + v.lower()
        if tag in SKIP_TAGS or (cls and any(c in cls.split() or ("nav" in c and c in cls)
                                             for c in SKIP_CLASSES)):
            if tag not in VOID:
                self.skip_tag, self.skip_depth = tag, 1
            return
        if tag == "title":
            self.in_title = True
            return
        if tag in BLOCK:
            self.flush()
            if tag in ("h1", "h2", "h3"):
                self.kind = tag
            elif tag in ("h4", "h5", "h6"):
                self.kind = "p"

    def handle_endtag(self, tag):
        if self.skip_tag:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
            return
        if tag == "title":
            self.in_title = False
            return
        if tag in BLOCK:
            self.flush()

    def handle_data(self, data):
        if self.in_title:
            self.title += data
            return
        if not self.skip_tag:
            self.buf.append(data)


NUMBERING = re.compile(r"^(?:(?:chapter|section|appendix)\s+)?(?:[0-9A-Z]+\.)*[0-9]+\.?\s+", re.I)


def heading_text(h):
    h = h.replace("\u00b6", "").replace("#", "")
    h = NUMBERING.sub("", clean(h))
    return h.strip(" :.")


def sections_of_blocks(blocks, page_title):
    """Splits blocks at h1..h3; short headings get the page title in front."""
    secs = []
    cur = None
    page_h1 = None
    for kind, text in blocks:
        if kind in ("h1", "h2", "h3"):
            h = heading_text(text)
            if not h:
                continue
            if page_h1 is None:
                page_h1 = h
            title = h
            if words(h) < 3 and page_h1 and h != page_h1:
                title = page_h1 + ": " + h
            cur = {"title": title, "paras": []}
            secs.append(cur)
        else:
            if cur is None:
                cur = {"title": heading_text(page_title) or "Untitled", "paras": []}
                secs.append(cur)
            cur["paras"].append(text)
    return secs


def fit(secs):
    """Merges sections under MIN_WORDS into the previous one; caps at MAX_WORDS."""
    out = []
    for s in secs:
        n = sum(words(p) for p in s["paras"])
        if n < MIN_WORDS and out:
            prev = out[-1]
            pn = sum(words(p) for p in prev["paras"])
            if pn + n + words(s["title"]) <= MAX_WORDS:
                prev["paras"].append(s["title"] + ".")
                prev["paras"].extend(s["paras"])
                continue
        out.append(s)
    res = []
    for s in out:
        paras, n = [], 0
        for p in s["paras"]:
            w = words(p)
            if n + w > MAX_WORDS:
                if n < MIN_WORDS:
                    paras.append(" ".join(p.split()[:MAX_WORDS - n]))
                    n = MAX_WORDS
                break
            paras.append(p)
            n += w
        if n >= MIN_WORDS and s["title"]:
            res.append({"title": s["title"][:200], "paras": paras})
    return res


def read_html(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        return []
    text = raw.decode("utf-8", "replace")
    p = Blocks()
    try:
        p.feed(text)
        p.close()
    except Exception:
        return []
    p.flush()
    return fit(sections_of_blocks(p.out, p.title))


# ---------------------------------------------------------------- Mallard

def read_mallard(path):
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError):
        return []
    ns = "{http://projectmallard.org/1.0/}"
    title = None
    for child in root:
        if child.tag == ns + "title":
            title = clean("".join(child.itertext()))
            break
    if not title:
        return []
    paras = []

    def walk(e, top):
        tag = e.tag.replace(ns, "") if isinstance(e.tag, str) else ""
        if tag in ("info", "include") or "XInclude" in str(e.tag):
            return
        if tag in ("p", "title", "code", "screen") and not (top and tag == "title"):
            t = clean("".join(e.itertext()))
            if t:
                paras.append(t)
            return
        for c in e:
            walk(c, False)

    for c in root:
        walk(c, True)
    return fit([{"title": title, "paras": paras}])


# ---------------------------------------------------------------- man pages

MAN_ESC = re.compile(r"\\f(?:\[[^\]]*\]|\(..|.)|\\\*(?:\[[^\]]*\]|\(..|.)|\\[&|^~0:%]|\\s[-+]?\d+")


def man_text(line):
    line = line.replace("\\-", "-").replace("\\(em", "\u2014").replace("\\(en", "\u2013")
    line = line.replace("\\(aq", "'").replace("\\(dq", '"').replace("\\e", "\\")
    line = re.sub(r"\\\((lq|rq)", '"', line)
    line = MAN_ESC.sub("", line)
    line = re.sub(r"\\\(..", "", line)
    line = re.sub(r"\\\[[^\]]*\]", "", line)
    return line.replace("\\ ", " ")


def read_man(path):
    try:
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
            src = f.read()
    except (OSError, EOFError):
        return []
    if src.startswith(".so "):
        return []
    name_desc = None
    paras, cur, section = [], [], None
    for line in src.split("\n"):
        if line.startswith(".\\\"") or line.startswith("'\\\""):
            continue
        if line.startswith(".") or line.startswith("'"):
            m = re.match(r"[.'](\S+)\s*(.*)", line)
            if not m:
                continue
            mac, arg = m.group(1), m.group(2)
            if mac in ("SH", "SS"):
                if cur:
                    paras.append(clean(" ".join(cur)))
                    cur = []
                section = man_text(arg).strip('"').upper()
                if mac == "SH" and section not in ("NAME", "SYNOPSIS"):
                    paras.append(section.capitalize() + ".")
            elif mac in ("PP", "P", "LP", "TP", "IP", "sp", "br", "RS", "RE", "EX", "EE", "nf", "fi"):
                if cur:
                    paras.append(clean(" ".join(cur)))
                    cur = []
                if mac == "IP" and arg:
                    cur.append(man_text(arg.split('"')[1] if arg.startswith('"') else arg.split()[0]))
            elif mac in ("B", "I", "BR", "IR", "RB", "RI", "BI", "IB", "SM", "UR", "MT"):
                cur.append(man_text(arg.replace('"', "")))
            continue
        t = man_text(line)
        if section == "NAME":
            name_desc = clean((name_desc or "") + " " + t)
        elif section == "SYNOPSIS":
            continue
        else:
            cur.append(t)
    if cur:
        paras.append(clean(" ".join(cur)))
    if not name_desc:
        return []
    paras = [p for p in paras if p]
    title = name_desc.replace(" - ", " \u2014 ", 1)
    return fit([{"title": title[:200], "paras": paras}])


# ---------------------------------------------------------------- sources

def sources(root):
    """(name, reader, paths) for every source found under root."""
    def files(sub, ext, skip=()):
        base = os.path.join(root, sub)
        out = []
        for d, dirs, fs in os.walk(base):
            dirs.sort()
            if any(s in d for s in skip):
                continue
            for f in sorted(fs):
                if f.endswith(ext) and not os.path.islink(os.path.join(d, f)):
                    out.append(os.path.join(d, f))
        return out

    py_skip = ("/_static", "/_sources", "/_images", "/_downloads", "/whatsnew")
    return [
        ("gnome-help", read_mallard, files("usr/share/help/C", ".page")),
        ("python", read_html, [p for p in files("usr/share/doc/python3.11/html", ".html", py_skip)
                               if "genindex" not in p and "/py-modindex" not in p]),
        ("postgresql", read_html, files("usr/share/doc/postgresql-doc-15/html", ".html")),
        ("libreoffice", read_html, files("usr/share/libreoffice/help/en-US", ".html")),
        ("gimp", read_html, files("usr/share/gimp/2.0/help/en", ".html")),
        ("debian-handbook", read_html, files("usr/share/doc/debian-handbook/html/en-US", ".html")),
        ("debian-reference", read_html, [p for p in files("usr/share/debian-reference", ".html")
                                         if p.endswith(".en.html")]),
        ("man", read_man, files("usr/share/man", ".gz")),
    ]


# ---------------------------------------------------------------- queries

STOP = set("a an and are as at be by for from how i in into is it of on or that the this to "
           "with your you what when where which can do does not using use".split())
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'+.-]*[A-Za-z0-9]|[A-Za-z]")


def make_query(rng, heading):
    toks = [t for t in TOKEN.findall(heading) if len(t) < 25]
    if len(toks) < 2:
        return None
    target = rng.randint(2, 6)
    while len(toks) > target:
        stops = [i for i, t in enumerate(toks) if t.lower() in STOP]
        i = rng.choice(stops) if stops and rng.random() < 0.7 else rng.randrange(len(toks))
        del toks[i]
    if len(toks) > 2 and rng.random() < 0.3:
        del toks[rng.randrange(len(toks))]
    if len(toks) >= 2 and rng.random() < 0.25:
        i = rng.randrange(len(toks) - 1)
        toks[i], toks[i + 1] = toks[i + 1], toks[i]
    if rng.random() < 0.7:
        toks = [t.lower() for t in toks]
    q = " ".join(toks)
    return q if 2 <= len(toks) <= 6 else None


def norm_key(q):
    """What no two stream queries may share: their words lower-cased, without
    punctuation, stop words or a plural "s", sorted. Stricter than kb's own
    normalisation (case, spaces, punctuation), so that no cache keyed on a
    normalised query, or on its bag of words, can answer one with another."""
    ws = set()
    for w in re.split(r"[^a-z0-9]+", q.lower()):
        if w and w not in STOP:
            ws.add(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return " ".join(sorted(ws))


def typeahead_cut(q):
    """What a customer has typed so far: the last word cut short, exactly as
    wrk/rotate.lua and kb_micro cut it."""
    head, _sp, last = q.rpartition(" ")
    return (head + " " if head else "") + last[:len(last) // 2 + 1]


SENT = re.compile(r"(?<=[.!?])\s+")


def make_stream(rng, n, heads, docs, taken):
    """n customer-like queries, no two alike after norm_key (nor their
    typeahead prefixes), none like a key in taken: a third from real
    headings, the rest from windows of 3 to 8 words of real body sentences,
    both cut to 2 to 6 words by make_query."""
    out, seen_cut = [], set()
    seen = set(taken)
    sents = {}
    tries = 0
    while len(out) < n and tries < n * 20:
        tries += 1
        if rng.random() < 0.33:
            q = make_query(rng, rng.choice(heads))
        else:
            i = rng.randrange(len(docs))
            if i not in sents:
                ss = [s for p in docs[i]["paras"] for s in SENT.split(p) if len(s.split()) >= 3]
                sents[i] = ss
            ss = sents[i]
            if not ss:
                continue
            toks = [t for t in TOKEN.findall(rng.choice(ss)) if len(t) < 25]
            if len(toks) < 3:
                continue
            k = rng.randint(3, 8)
            st = rng.randrange(max(1, len(toks) - k + 1))
            win = toks[st:st + k]
            while win and win[-1].lower() in STOP:  # nobody ends a search on "the"
                win.pop()
            q = make_query(rng, " ".join(win))
        if not q or not q.isascii():
            continue
        key, cut = norm_key(q), norm_key(typeahead_cut(q))
        if not key or key in seen or cut in seen_cut:
            continue
        seen.add(key)
        seen_cut.add(cut)
        out.append(q)
    return out


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True, help="extracted packages")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--docs", type=int, default=100000)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--tickets", type=int, default=2000)
    ap.add_argument("--stream", type=int, default=1000000,
                    help="never-repeated queries to make (stream.txt)")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)

    real = []  # (source, title, paras)
    by_source = {}
    for name, reader, paths in sources(a.root):
        n0 = len(real)
        for p in paths:
            for s in reader(p):
                real.append((name, s["title"], s["paras"]))
        by_source[name] = len(real) - n0
        print(f"corpus: {name}: {len(paths)} files, {by_source[name]} documents", file=sys.stderr)
    if not real:
        sys.exit("corpus: no documents found under " + a.root)

    # Distinct titles: a repeated heading ("Description") gets its place appended.
    seen = {}
    docs = []
    for src, title, paras in real:
        k = title.lower()
        seen[k] = seen.get(k, 0) + 1
        if seen[k] > 1:
            title = f"{title} ({src} {seen[k]})"
        docs.append({"src": src, "title": title, "paras": paras, "real": True})
    if len(docs) > a.docs:  # a small corpus: a sample of the real documents
        keep = sorted(rng.sample(range(len(docs)), a.docs))
        docs = [docs[i] for i in keep]
    nreal = len(docs)
    real_titles = [d["title"] for d in docs]
    pool = {}
    for i, d in enumerate(docs):
        pool.setdefault(d["src"], []).append(i)
    lengths = [sum(words(p) for p in d["paras"]) for d in docs]

    # Recombined documents: a real document's heading and some of its
    # paragraphs, plus paragraphs of other documents of the same source, as
    # long as a real document picked at random.
    srcs = sorted(pool)
    weights = [len(pool[s]) for s in srcs]
    k = 0
    while len(docs) < a.docs and nreal:
        src = rng.choices(srcs, weights)[0]
        seed = docs[rng.choice(pool[src])]
        other = docs[rng.choice(pool[src])]
        target = max(MIN_WORDS, min(MAX_WORDS, lengths[rng.randrange(nreal)]))
        paras = [p for p in seed["paras"] if rng.random() < 0.5]
        n = sum(words(p) for p in paras)
        tries = 0
        while n < target and tries < 60:
            tries += 1
            d = docs[rng.choice(pool[src])]
            p = rng.choice(d["paras"])
            w = words(p)
            if n + w > MAX_WORDS:
                continue
            paras.append(p)
            n += w
        if n < MIN_WORDS:
            continue
        rng.shuffle(paras)
        k += 1
        ot = other["title"].split(": ")[-1]
        docs.append({"src": src, "title": f"{seed['title'].split(' (')[0]}: {ot} ({k})",
                     "paras": paras, "real": False})

    nbytes = 0
    nwords = 0
    with open(os.path.join(a.out, "corpus.jsonl.tmp"), "w", encoding="utf-8") as f:
        for i, d in enumerate(docs):
            body = "\n\n".join(d["paras"])
            nwords += words(body)
            rec = {"id": f"bench-{i + 1}", "title": d["title"], "body": body, "format": "text",
                   "category": d["src"], "locale": "en"}
            line = json.dumps(rec, ensure_ascii=False)
            nbytes += len(line.encode()) + 1
            f.write(line + "\n")
    os.replace(os.path.join(a.out, "corpus.jsonl.tmp"), os.path.join(a.out, "corpus.jsonl"))

    # Queries from real headings.
    qs = []
    qseen = set()
    heads = [t.split(" (")[0] for t in real_titles]
    tries = 0
    while len(qs) < a.queries and tries < a.queries * 50:
        tries += 1
        q = make_query(rng, rng.choice(heads))
        if q and q.lower() not in qseen:
            qseen.add(q.lower())
            qs.append(q)
    with open(os.path.join(a.out, "queries.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(qs) + "\n")

    # The never-repeated stream, with its own generator so that the rest of
    # the corpus stays what it was.
    stream = make_stream(random.Random(a.seed + 1), a.stream, heads, docs[:nreal],
                         {norm_key(q) for q in qs})
    with open(os.path.join(a.out, "stream.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(stream) + "\n")

    # 300-word tickets for assist, and resolved tickets to find.
    def ticket_text(n_words):
        d = docs[rng.randrange(nreal)]
        subj = make_query(rng, d["title"].split(" (")[0]) or d["title"]
        paras = list(d["paras"])
        while sum(words(p) for p in paras) < n_words:
            paras += docs[rng.randrange(nreal)]["paras"]
        text = " ".join(" ".join(paras).split()[:n_words])
        return subj, "Hello, I need help with this. " + text, d

    with open(os.path.join(a.out, "assist.jsonl"), "w", encoding="utf-8") as f:
        for _ in range(200):
            subj, desc, _d = ticket_text(294)
            f.write(json.dumps({"subject": subj, "description": desc}) + "\n")
    teams = ["Tier 1", "Tier 2", "Platform", "Desktop", "Database"]
    with open(os.path.join(a.out, "tickets.jsonl"), "w", encoding="utf-8") as f:
        for i in range(a.tickets):
            subj, desc, d = ticket_text(rng.randint(40, 200))
            f.write(json.dumps({
                "id": f"BT-{i + 1}", "subject": subj, "description": desc,
                "resolution": " ".join(rng.choice(d["paras"]).split()[:60]),
                "customer": f"Customer {rng.randrange(500)}", "unit": f"U-{rng.randrange(2000)}",
                "category": d["src"], "team": rng.choice(teams),
                "created": "2025-01-%02dT10:00:00Z" % (1 + i % 28),
                "resolved": "2025-01-%02dT12:00:00Z" % (1 + i % 28)}) + "\n")

    stats = {"documents": len(docs), "real": nreal, "recombined": len(docs) - nreal,
             "by_source": by_source, "words": nwords, "bytes": nbytes,
             "queries": len(qs), "stream": len(stream), "tickets": a.tickets, "assist": 200, "seed": a.seed}
    with open(os.path.join(a.out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(f"corpus: {len(docs)} documents ({nreal} real, {len(docs) - nreal} recombined), "
          f"{nwords} words, {nbytes / 1e6:.1f} MB; {len(qs)} queries, {len(stream)} in the "
          f"never-repeated stream", file=sys.stderr)


if __name__ == "__main__":
    main()
