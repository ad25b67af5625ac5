#!/bin/sh
# Runs every test: the C unit test binaries, then the pytest suites, and ends
# with one line CI reads: "N passed, N failed".
set -u
BUILD=${BUILD:-build}
PY=/usr/bin/python3
passed=0
failed=0
status=0
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$("$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | tail -n 30
    line=$(printf '%s\n' "$out" | grep -E '^[a-z_]+: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.*passed, ([0-9]+) failed/\1/')
        passed=$((passed + p)); failed=$((failed + f))
    fi
    if [ $rc -ne 0 ] && { [ -z "$line" ] || [ "${f:-0}" -eq 0 ]; }; then
        echo "$t: exited with status $rc"
        failed=$((failed + 1))
    fi
    [ $rc -ne 0 ] && status=1
done
echo "unit: $passed passed, $failed failed"

if [ "${KB_ONLY_UNIT:-0}" != 1 ] && [ -d tests/e2e ]; then
    report=$(mktemp)
    $PY -m pytest -q -p no:cacheprovider tests/e2e tests/browser --junitxml="$report" 2>&1
    rc=$?
    # pytest's exit 5 means no tests were collected: that is a failure here.
    if [ $rc -ne 0 ]; then status=1; fi
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
        p=${counts% *}; f=${counts#* }
        passed=$((passed + p)); failed=$((failed + f))
    else
        failed=$((failed + 1))
    fi
    rm -f "$report"
fi
[ $failed -gt 0 ] && status=1
echo "$passed passed, $failed failed"
exit $status
