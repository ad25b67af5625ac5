#!/bin/sh
# Runs the C unit tests (build-san/tests/) and the pytest e2e suite (against
# bin-san/) under AddressSanitizer, LeakSanitizer and UBSan; build them first
# with `make sanitize`. Any sanitizer report fails the run: UBSan aborts on
# the first one (-fno-sanitize-recover=all), ASan on the first error, and
# LeakSanitizer reports at exit with exit status 1.
#
# Leak checking is on everywhere, servers included: kb-server and
# kb-indexer exit cleanly on SIGTERM and free what they own, and the only
# third-party memory still allocated at exit (ICU's and libxml2's caches)
# stays reachable from their globals, which LeakSanitizer does not report.
# tests/sanitize/lsan.supp lists third-party code only, never ours.
#
# The e2e programs run as subprocesses whose stderr the tests may not show,
# so their reports go to files (log_path) in a scratch directory, and each
# report file counts as one failure and is printed.
#
# test_soak.py is left out: it asserts memory and latency bounds that the
# sanitizers' overhead (2-3x memory, 2-5x time) breaks by design; it runs
# unsanitized in `make test`.
#
# Ends with "sanitize: N passed, N failed"; exit status 1 if anything failed.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BUILD=${BUILD:-build-san}
BIN=${BIN:-bin-san}
PY=/usr/bin/python3
SUPP="$ROOT/tests/sanitize/lsan.supp"
passed=0
failed=0

if [ ! -x "$BIN/kb-server" ] || [ ! -d "$BUILD/tests" ]; then
    echo "sanitize: no sanitizer build; run 'make sanitize' first"
    echo "sanitize: 0 passed, 1 failed"
    exit 1
fi

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$SUPP"

# ---- unit tests: reports on stderr, exit status non-zero ----
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$(ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 "$t" 2>&1)
    rc=$?
    line=$(printf '%s\n' "$out" | grep -E '^[a-z_]+: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    p=0
    f=0
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.*passed, ([0-9]+) failed/\1/')
    fi
    reports=$(printf '%s\n' "$out" | grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:')
    if [ "$reports" -gt 0 ] || [ $rc -ne 0 ]; then
        printf '%s\n' "$out" | grep -vE '^[0-9T:-]+Z (info|warn) ' | tail -n 60
        echo "$t: exit status $rc, $reports sanitizer report(s)"
        [ "$f" -eq 0 ] && f=1
    fi
    echo "$line"
    passed=$((passed + p))
    failed=$((failed + f))
done
echo "sanitize: unit: $passed passed, $failed failed"

# ---- e2e against bin-san ----
logs=$(mktemp -d)
report=$(mktemp)
KB_BIN_DIR=$BIN \
ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan" \
    $PY -m pytest -q -p no:cacheprovider tests/e2e --ignore=tests/e2e/test_soak.py \
    --junitxml="$report" 2>&1
if [ -s "$report" ]; then
    counts=$($PY - "$report" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
suites = [r] if r.tag == "testsuite" else list(r)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
sk = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - sk, f)
PYEOF
)
    p=${counts% *}
    f=${counts#* }
else
    p=0
    f=1
fi
n=0
for r in "$logs"/*; do
    [ -f "$r" ] || continue
    n=$((n + 1))
    echo "--- sanitizer report $(basename "$r"):"
    head -n 40 "$r"
done
[ $n -gt 0 ] && echo "sanitize: e2e: $n sanitizer report(s) from kb-server/kb-indexer"
echo "sanitize: e2e: $p passed, $((f + n)) failed"
passed=$((passed + p))
failed=$((failed + f + n))
rm -rf "$logs" "$report"
echo "sanitize: $passed passed, $failed failed"
[ $failed -eq 0 ]
