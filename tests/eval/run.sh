#!/bin/sh
# make eval: ranking quality on ../shared/eval/stackfaq, scored by
# ../shared/eval/evaluate.py. See tests/eval/README.md.
#
#   tests/eval/run.sh [--ablation] [--config FILE] [--NAME VALUE]...
#
# RANK options (--config, --k1 1.5, --title-weight 2, ...) change kb's
# ranking for every kb row; the baseline row is always plain BM25.
# --ablation adds one row per feature: kb with that feature off (or, for
# features off by default, on). KB_EVAL_DIR overrides ../shared/eval.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
EVAL_DIR=${KB_EVAL_DIR:-$ROOT/../shared/eval}
SET=$EVAL_DIR/stackfaq
KB_EVAL=$BUILD/tests/eval/kb_eval
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3

die() { echo "eval: $*" >&2; exit 1; }
for f in "$EVAL_DIR/evaluate.py" "$SET/corpus.jsonl" "$SET/queries.dev.tsv" "$SET/qrels.dev.tsv"; do
    [ -f "$f" ] || die "missing $f (the evaluation data lives in ../shared/eval next to the repository; set KB_EVAL_DIR to use another copy)"
done
[ -x "$KB_EVAL" ] || die "missing $KB_EVAL: run 'make eval' (or 'make $BUILD/tests/eval/kb_eval')"

ABLATION=0
RANK=""
while [ $# -gt 0 ]; do
    case $1 in
        --ablation) ABLATION=1; shift ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        --*) [ $# -ge 2 ] || die "$1 needs a value"
             RANK="$RANK $1 $2"; shift 2 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done

START=$(date +%s)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kb-eval.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
QUERIES=$SET/queries.dev.tsv
QRELS=$SET/qrels.dev.tsv

# The six figures of evaluate.py for a run, space separated.
score() { # RUN [QUERIES]
    if [ $# -gt 1 ]; then
        "$PY" "$EVAL_DIR/evaluate.py" --queries "$2" "$1" "$QRELS"
    else
        "$PY" "$EVAL_DIR/evaluate.py" "$1" "$QRELS"
    fi | awk -F'\t' '$1=="MAP"{m=$2} $1=="MRR"{r=$2} $1=="P@1"{p1=$2} $1=="P@5"{p5=$2}
                      $1=="nDCG@10"{n=$2} $1=="R@100"{rc=$2}
                      END{if (m=="") exit 1; print m, r, p1, p5, n, rc}'
}
row() { # LABEL FIGURES...
    label=$1; shift
    printf '%-34s %7s %7s %7s %7s %7s %7s\n' "$label" "$@"
}
diffrow() { # LABEL "A..." "B..."  (B - A)
    echo "$2 $3" | awk -v l="$1" '{printf "%-34s %+7.4f %+7.4f %+7.4f %+7.4f %+7.4f %+7.4f\n",
        l, $7-$1, $8-$2, $9-$3, $10-$4, $11-$5, $12-$6}'
}
header() {
    printf '%-34s %7s %7s %7s %7s %7s %7s\n' "$1" MAP MRR "P@1" "P@5" "nDCG@10" "R@100"
}
# kb_eval run with kb's options plus extra ones; prints the figures.
run_kb() { # DATA QUERIES TAG [--no-time] [extra RANK...]
    data=$1 q=$2 tag=$3; shift 3
    t=""
    if [ "${1:-}" = --no-time ]; then t=--no-time; shift; fi
    # shellcheck disable=SC2086
    "$KB_EVAL" run $t $RANK "$@" "$data" "$q" "$TMP/$tag.run" "$tag" >>"$TMP/times"
}

echo "kb ranking evaluation on $SET"
"$KB_EVAL" ingest "$TMP/fresh" "$SET/corpus.jsonl" 2>"$TMP/ingest.log" ||
    { cat "$TMP/ingest.log" >&2; die "ingest failed"; }
grep '^ingested' "$TMP/ingest.log" || true
# shellcheck disable=SC2086
"$KB_EVAL" show $RANK
echo

# Fresh install: every dev query, baseline and kb.
"$KB_EVAL" run --baseline "$TMP/fresh" "$QUERIES" "$TMP/base.run" baseline >>"$TMP/times"
run_kb "$TMP/fresh" "$QUERIES" kb
BASE=$(score "$TMP/base.run") || die "evaluate.py failed on the baseline run"
KB=$(score "$TMP/kb.run") || die "evaluate.py failed on the kb run"
header "dev, $(wc -l <"$QUERIES" | tr -d ' ') queries, fresh install"
# shellcheck disable=SC2086
row "baseline: BM25 k1 1.2 b 0.75" $BASE
# shellcheck disable=SC2086
row "kb" $KB
diffrow "difference" "$BASE" "$KB"

if [ $ABLATION = 1 ]; then
    echo
    header "kb with one feature changed"
    n=0
    for change in "--title-weight 0" "--b 0.75" "--stopwords 0" "--spelling 0" "--joins 0" \
                  "--group-weight 0" "--phrase-weight 0.5" "--near-weight 0.1" "--prf 3:10:0.3" \
                  "--bridge-weight 0.2"; do
        n=$((n + 1))
        # shellcheck disable=SC2086
        run_kb "$TMP/fresh" "$QUERIES" "ab$n" --no-time $change
        F=$(score "$TMP/ab$n.run") || die "evaluate.py failed"
        # shellcheck disable=SC2086
        row "  $change" $F
    done
    echo
    header "baseline with one feature on"
    for change in "--title-weight 2" "--b 0.2" "--stopwords 1" "--spelling 1" "--joins 1" \
                  "--group-weight 0.5"; do
        n=$((n + 1))
        # shellcheck disable=SC2086
        "$KB_EVAL" run --no-time --baseline $change "$TMP/fresh" "$QUERIES" "$TMP/ab$n.run" x
        F=$(score "$TMP/ab$n.run") || die "evaluate.py failed"
        # shellcheck disable=SC2086
        row "  $change" $F
    done
fi

# "Asked as" learning: the first half of each question's queries are
# searched and marked solved through the feedback path; the second half is
# scored against the same ranking with and without that history.
echo
cp -r "$TMP/fresh" "$TMP/learned"
# shellcheck disable=SC2086
"$KB_EVAL" learn $RANK "$TMP/learned" "$QUERIES" "$QRELS" "$TMP/half.tsv" >"$TMP/learn.log" 2>&1 ||
    { cat "$TMP/learn.log" >&2; die "learning failed"; }
HALF=$TMP/half.tsv
run_kb "$TMP/fresh" "$HALF" half_fresh --no-time
run_kb "$TMP/learned" "$HALF" half_learned
HF=$(score "$TMP/half_fresh.run" "$HALF") || die "evaluate.py failed"
HL=$(score "$TMP/half_learned.run" "$HALF") || die "evaluate.py failed"
header "second half, $(wc -l <"$HALF" | tr -d ' ') queries"
# shellcheck disable=SC2086
row "kb, no history" $HF
# shellcheck disable=SC2086
row "kb, with asked-as learning" $HL
diffrow "difference" "$HF" "$HL"
if [ $ABLATION = 1 ]; then
    run_kb "$TMP/learned" "$HALF" half_noask --no-time --asked-weight 0
    F=$(score "$TMP/half_noask.run" "$HALF") || die "evaluate.py failed"
    # shellcheck disable=SC2086
    row "  learned, --asked-weight 0" $F
    run_kb "$TMP/learned" "$HALF" half_nogroup --no-time --group-weight 0
    F=$(score "$TMP/half_nogroup.run" "$HALF") || die "evaluate.py failed"
    # shellcheck disable=SC2086
    row "  learned, --group-weight 0" $F
    run_kb "$TMP/learned" "$HALF" half_noprior --no-time --prior-weight 0
    F=$(score "$TMP/half_noprior.run" "$HALF") || die "evaluate.py failed"
    # shellcheck disable=SC2086
    row "  learned, --prior-weight 0" $F
fi
grep '^learn' "$TMP/learn.log" | sed 's/^/  /' || true

echo
sed 's/^time /time  /' "$TMP/times" | grep '^time' || true
echo "eval: finished in $(($(date +%s) - START)) s"
