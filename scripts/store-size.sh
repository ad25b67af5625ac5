#!/bin/sh
# The store's size for an input: `kb-indexer add INPUT` into a new data
# directory, then the input's bytes, the store's (kb.sqlite3 after a WAL
# checkpoint) and their ratio, and the bytes of each table and index.
#
#   scripts/store-size.sh /var/tmp/kb-bench/corpus-3000/corpus.jsonl
#   BIN=bin-s scripts/store-size.sh corpus.jsonl      # another build's programs
#
# Issue 15's target: store <= 2.5 x input after a bulk add. The index
# (DATA/index) is reported beside it, not counted in it. Without DATA the
# data directory is a temporary one, removed at the end.
set -eu
input=${1:?usage: scripts/store-size.sh INPUT [DATA]}
bin=${BIN:-bin}
if [ $# -ge 2 ]; then
    data=$2
else
    data=$(mktemp -d "${TMPDIR:-/tmp}/kb-store-size.XXXXXX")
    trap 'rm -rf "$data"' EXIT
fi
"$bin/kb-indexer" --data "$data" add "$input" >/dev/null 2>"$data/add.log" || {
    cat "$data/add.log" >&2
    exit 1
}
/usr/bin/python3 - "$input" "$data" <<'PY'
import os, sqlite3, sys
inp, data = sys.argv[1], sys.argv[2]
store = os.path.join(data, "kb.sqlite3")
con = sqlite3.connect(store)
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
in_bytes = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(inp) for f in fs) \
    if os.path.isdir(inp) else os.path.getsize(inp)
st_bytes = os.path.getsize(store)
ix_bytes = sum(os.path.getsize(os.path.join(r, f))
               for r, _, fs in os.walk(os.path.join(data, "index")) for f in fs)
mb = 1024 * 1024
print("input  %9.1f MiB  %s" % (in_bytes / mb, inp))
print("store  %9.1f MiB  %.2fx the input  %s" % (st_bytes / mb, st_bytes / in_bytes, store))
print("index  %9.1f MiB  (not counted)" % (ix_bytes / mb))
try:
    rows = con.execute("SELECT name, sum(pgsize), sum(payload) FROM dbstat GROUP BY name "
                       "ORDER BY 2 DESC LIMIT 8").fetchall()
except sqlite3.OperationalError:
    rows = []  # an SQLite without the dbstat table
for name, size, payload in rows:
    print("  %-28s %8.1f MiB  (%.1f MiB of data)" % (name, size / mb, payload / mb))
PY
