#!/bin/bash
# Builds the libFuzzer targets (tests/fuzz/fuzz.mk, clang) and runs each for
# FUZZ_SECONDS (default 60), FUZZ_JOBS at a time (default 2). Before
# fuzzing, every target replays its regression inputs (tests/fuzz/regress/).
# A target passes when it ran its time without a crash, leak, timeout or
# out-of-memory. Ends with "fuzz: N passed, N failed"; exit 1 if any failed.
#
#   FUZZ_SECONDS=300 ./tests/fuzz/run.sh                 # all targets
#   FUZZ_TARGETS="fuzz_html fuzz_query" ./tests/fuzz/run.sh
#   FUZZ_SEED=1 ./tests/fuzz/run.sh      # libFuzzer's -seed: the same inputs each run
#
# Working corpora persist in build-fuzz/corpus/<target>/; crashing inputs
# land in build-fuzz/artifacts/<target>/ and logs in build-fuzz/logs/.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
FB=build-fuzz
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-2}
TIMEOUT=${FUZZ_TIMEOUT:-30} # seconds one input may take
EVAL=${KB_EVAL_DIR:-../shared/eval}

if ! command -v clang >/dev/null 2>&1; then
    echo "fuzz: clang is not installed (make deps installs clang and libclang-rt-14-dev)"
    echo "fuzz: 0 passed, 1 failed"
    exit 1
fi
echo "fuzz: building into $FB/"
mkdir -p $FB
if ! make --no-print-directory -f tests/fuzz/fuzz.mk -j"$JOBS" >"$FB/build.log" 2>&1; then
    tail -n 40 "$FB/build.log"
    echo "fuzz: the build failed (log: $FB/build.log)"
    echo "fuzz: 0 passed, 1 failed"
    exit 1
fi
TARGETS=${FUZZ_TARGETS:-$(make --no-print-directory -s -f tests/fuzz/fuzz.mk list)}

# ASan: a smaller quarantine (16 MB, not 256) makes the parsers 2-3x faster
# here, and still catches a use of memory freed by the same or the previous
# few inputs. Leak checking is on; tests/sanitize/lsan.supp lists third-party
# code only.
export ASAN_OPTIONS="quarantine_size_mb=16:detect_leaks=1:allocator_may_return_null=0:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$ROOT/tests/sanitize/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export KB_FUZZ_ROOT=$ROOT

# ---- seed corpora from real files (rebuilt each run, cheap) ----
S=$FB/seeds
rm -rf "$S"
mkdir -p "$S"
seed_copy() { # target files...
    local t=$1
    shift
    mkdir -p "$S/$t"
    for f in "$@"; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 65536 ] && cp "$f" "$S/$t/" 2>/dev/null
    done
    return 0
}
FX=tests/fixtures/ingest
seed_copy fuzz_html $FX/*.html web/*.html
seed_copy fuzz_markdown $FX/*.md samples/articles/*.md
seed_copy fuzz_docbook $FX/*.xml
seed_copy fuzz_mallard $FX/*.page /usr/share/help/C/gnome-help/*.page
seed_copy fuzz_articles_json $FX/zendesk-export.json $FX/articles.jsonl
seed_copy fuzz_tickets $FX/tickets.jsonl $FX/*.csv
seed_copy fuzz_text $FX/*.txt
mkdir -p "$S/fuzz_query"
/usr/bin/python3 - "$S" "$EVAL" <<'PYEOF'
# Record files split into small seeds; queries with option bytes.
import csv, io, json, os, sys
S, EVAL = sys.argv[1], sys.argv[2]
def put(t, name, data):
    os.makedirs(os.path.join(S, t), exist_ok=True)
    with open(os.path.join(S, t, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
try:
    lines = open("samples/tickets.jsonl", encoding="utf-8").read().splitlines()
except OSError:
    lines = []
for i in range(0, len(lines), 6):
    put("fuzz_tickets", "samples-%03d.jsonl" % i, "\n".join(lines[i:i + 6]) + "\n")
    out = io.StringIO()
    cols = ["id", "subject", "description", "resolution", "customer", "unit", "product",
            "category", "team", "created", "resolved", "linked_article"]
    w = csv.writer(out)
    w.writerow(cols)
    for l in lines[i:i + 6]:
        t = json.loads(l)
        w.writerow([t.get(c, "") for c in cols])
    put("fuzz_tickets", "samples-%03d.csv" % i, out.getvalue())
    for l in lines[i:i + 2]:
        t = json.loads(l)
        put("fuzz_text", "ticket-%03d.txt" % i, t.get("description", ""))
        put("fuzz_query", "ticket-%03d" % i, b"\x01\x2a" + t.get("subject", "").encode())
queries = []
try:
    for l in open(os.path.join(EVAL, "stackfaq", "queries.dev.tsv"), encoding="utf-8"):
        if "\t" in l:
            queries.append(l.rstrip("\n").split("\t", 1)[1])
    docs = open(os.path.join(EVAL, "stackfaq", "corpus.jsonl"), encoding="utf-8").read().splitlines()
    for i in range(0, min(len(docs), 60), 4):
        put("fuzz_articles_json", "stackfaq-%03d.jsonl" % i, "\n".join(docs[i:i + 4]) + "\n")
        arts = [json.loads(d) for d in docs[i:i + 4]]
        put("fuzz_articles_json", "stackfaq-%03d.json" % i, json.dumps({"articles": arts}))
except OSError:
    pass
queries += ["reset router", "\"admin password\"", "wifi -guest", "vpn AND drops", "réseau sans fil",
            "路由器 密码", "ภาษาไทย", "title:firmware", "firm*", "NEAR wifi", "a b c d e f g h i j k l m n o p q r s t u v w x y z " * 3]
for i, q in enumerate(queries[:150]):
    put("fuzz_query", "q-%03d" % i, bytes([(i * 37) & 0xFF, (i * 11) & 0xFF]) + q.encode())
    if i % 3 == 0:
        put("fuzz_text", "q-%03d" % i, q)
PYEOF

# ---- per-target settings ----
max_len() {
    case $1 in
        fuzz_docbook|fuzz_mallard) echo 32768 ;;
        fuzz_text|fuzz_query) echo 2048 ;;
        fuzz_api_request) echo 8192 ;;
        *) echo 16384 ;;
    esac
}
dict() {
    case $1 in
        fuzz_html) echo tests/fuzz/dict/html.dict ;;
        fuzz_markdown) echo tests/fuzz/dict/markdown.dict ;;
        fuzz_docbook|fuzz_mallard) echo tests/fuzz/dict/xml.dict ;;
        fuzz_articles_json) echo tests/fuzz/dict/articles.dict ;;
        fuzz_tickets) echo tests/fuzz/dict/tickets.dict ;;
        fuzz_api_body|fuzz_api_request) echo tests/fuzz/dict/api.dict ;;
        fuzz_http) echo tests/fuzz/dict/http.dict ;;
    esac
}
short() { echo "${1#fuzz_}"; }

mkdir -p $FB/logs $FB/corpus $FB/artifacts
passed=0
failed=0
declare -A result execs rate

# ---- regressions: every saved crash input must now run clean ----
for t in $TARGETS; do
    d=tests/fuzz/regress/$(short "$t")
    [ -d "$d" ] || continue
    files=$(find "$d" -type f | sort)
    [ -n "$files" ] || continue
    # shellcheck disable=SC2086
    if "$FB/$t" -runs=1 $files >"$FB/logs/$t.regress.log" 2>&1; then
        echo "fuzz: $t: $(echo "$files" | wc -l) regression inputs ok"
    else
        echo "fuzz: $t: a regression input fails again:"
        grep -E 'ERROR|broken promise|Running:|SUMMARY' "$FB/logs/$t.regress.log" | tail -n 12
        result[$t]="REGRESS"
    fi
done

# ---- fuzzing ----
run_one() { # target
    local t=$1 corpus=$FB/corpus/$1 art=$FB/artifacts/$1/
    mkdir -p "$corpus" "$art"
    local d
    d=$(dict "$t")
    local seeds=()
    for s in "$S/$t" "tests/fuzz/seeds/$(short "$t")" "tests/fuzz/regress/$(short "$t")"; do
        [ -d "$s" ] && seeds+=("$s")
    done
    "$FB/$t" -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb=2560 ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
        -max_len="$(max_len "$t")" ${d:+-dict=$d} -artifact_prefix="$art" \
        -print_final_stats=1 "$corpus" "${seeds[@]}" >"$FB/logs/$t.log" 2>&1
    echo $? >"$FB/logs/$t.rc"
}

echo "fuzz: ${SECONDS_EACH}s per target, $JOBS at a time: $TARGETS"
start=$(date +%s)
declare -A pid_of
running=0
for t in $TARGETS; do
    rm -rf "$FB/artifacts/$t" "$FB/logs/$t.rc"
    run_one "$t" &
    pid_of[$t]=$!
    running=$((running + 1))
    if [ $running -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
for t in $TARGETS; do
    wait "${pid_of[$t]}" 2>/dev/null
    rc=$(cat "$FB/logs/$t.rc" 2>/dev/null || echo 1)
    log=$FB/logs/$t.log
    n=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}')
    r=$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}')
    execs[$t]=${n:-0}
    rate[$t]=${r:-0}
    arts=$(find "$FB/artifacts/$t" -type f \( -name 'crash-*' -o -name 'leak-*' -o \
        -name 'timeout-*' -o -name 'oom-*' \) 2>/dev/null | head -n 5)
    if [ "${result[$t]:-}" = REGRESS ]; then
        :
    elif [ $rc -ne 0 ] || [ -n "$arts" ]; then
        result[$t]=FAIL
        # libFuzzer's timeout is wall-clock time, so a host that stalls (a
        # shared CI machine) can fire it on an input that runs in
        # milliseconds. A timeout therefore fails only if it replays as one:
        # its input run again must take under a tenth of the limit. Crashes,
        # leaks and out-of-memory fail at once.
        if [ -n "$arts" ] && ! printf '%s\n' "$arts" | grep -qv '/timeout-'; then
            stall=1
            for a in $arts; do
                t0=$(date +%s%N)
                "$FB/$t" -runs=1 -timeout="$TIMEOUT" "$a" >"$FB/logs/$t.replay.log" 2>&1 || stall=0
                ms=$((($(date +%s%N) - t0) / 1000000))
                [ $ms -lt $((TIMEOUT * 100)) ] || stall=0
                echo "fuzz: $t: replayed the input that timed out ($a) in $ms ms"
            done
            if [ $stall = 1 ]; then
                echo "fuzz: $t: the timeout did not reproduce (its input runs fast: the host stalled, not the code); the target passes"
                result[$t]=ok
            fi
        fi
    else
        result[$t]=ok
    fi
done

printf '%-22s %10s %8s %8s  %s\n' target executions exec/s corpus result
for t in $TARGETS; do
    c=$(find "$FB/corpus/$t" -type f 2>/dev/null | wc -l)
    printf '%-22s %10s %8s %8s  %s\n' "$t" "${execs[$t]}" "${rate[$t]}" "$c" "${result[$t]}"
    if [ "${result[$t]}" = ok ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        if [ "${result[$t]}" = FAIL ]; then
            echo "  --- $t: $FB/logs/$t.log"
            grep -E 'ERROR: |broken promise|SUMMARY|Test unit written|^    #[0-9] ' "$FB/logs/$t.log" | head -n 25 | sed 's/^/  /'
        fi
    fi
done
echo "fuzz: $(( $(date +%s) - start ))s of fuzzing"
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
