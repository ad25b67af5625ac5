#!/usr/bin/env python3
"""Typeahead queries for kb_micro suggest (KB_MICRO_TYPED=1): every 3-8 letter
start of every folded word of the store's titles, alone and after the title's
words before it, shuffled (fixed seed), one a line, none twice.

    tests/bench/typeahead_prefixes.py DATA > prefixes.txt"""
import random
import re
import sqlite3
import sys
import unicodedata


def fold(s):
    s = unicodedata.normalize("NFKD", s.lower())
    return "".join(c for c in s if not unicodedata.combining(c))


def main():
    con = sqlite3.connect("file:%s/kb.sqlite3?mode=ro" % sys.argv[1], uri=True)
    qs = set()
    for (t,) in con.execute("SELECT title FROM articles"):
        words = re.findall(r"\w+", fold(t))
        for i, w in enumerate(words):
            for n in range(3, min(8, len(w)) + 1):
                qs.add(w[:n])
                if i:
                    qs.add(" ".join(words[:i]) + " " + w[:n])
    qs = sorted(qs)
    random.Random(16).shuffle(qs)
    sys.stdout.write("".join(q + "\n" for q in qs))


if __name__ == "__main__":
    main()
