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
# Then two blocks on the installed GNOME help (KB_HELP_DIR overrides
# /usr/share/help; skipped when it is missing): a known-item search in
# twelve languages and hand-written customer questions, each against plain
# Xapian in the same run.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
EVAL_DIR=${KB_EVAL_DIR:-$ROOT/../shared/eval}
SET=$EVAL_DIR/stackfaq
KB_EVAL=$BUILD/tests/eval/kb_eval
XAPIAN_ML=$BUILD/tests/eval/xapian_ml
HELP_DIR=${KB_HELP_DIR:-/usr/share/help}
HELP_LANGS="C ja zh_CN ko ru de fr pl el es it pt_BR"
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3

die() { echo "eval: $*" >&2; exit 1; }
for f in "$EVAL_DIR/evaluate.py" "$SET/corpus.jsonl" "$SET/queries.dev.tsv" "$SET/qrels.dev.tsv"; do
    [ -f "$f" ] || die "missing $f (the evaluation data lives in ../shared/eval next to the repository; set KB_EVAL_DIR to use another copy)"
done
[ -x "$KB_EVAL" ] || die "missing $KB_EVAL: run 'make eval' (or 'make $BUILD/tests/eval/kb_eval')"
[ -x "$XAPIAN_ML" ] || die "missing $XAPIAN_ML: run 'make eval' (or 'make $BUILD/tests/eval/xapian_ml')"

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
    fi | figures
}
figures() { # evaluate.py's output on stdin
    awk -F'\t' '$1=="MAP"{m=$2} $1=="MRR"{r=$2} $1=="P@1"{p1=$2} $1=="P@5"{p5=$2}
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
target() { # LABEL NOW TARGET
    echo "$2 $3" | awk -v l="$1" '{printf "  %-34s %7.3f %7.2f  %s\n", l, $1, $2,
        ($1 >= $2 ? "met" : "missed")}'
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

# GNOME help: every language's pages in one data directory, as
# `kb-indexer add /usr/share/help/LANG/gnome-help` puts them; the plain
# Xapian peer indexes the same text (the dump), one database per language.
ML_S1="" QS_S1="" QS_MRR=""
HELP_DIRS=""
for l in $HELP_LANGS; do
    [ -d "$HELP_DIR/$l/gnome-help" ] && HELP_DIRS="$HELP_DIRS $HELP_DIR/$l/gnome-help"
done
echo
if [ ! -d "$HELP_DIR/C/gnome-help" ]; then
    echo "GNOME help: skipped, $HELP_DIR/C/gnome-help is missing (Debian package gnome-user-docs)"
else
    HT=$TMP/help
    mkdir -p "$HT"
    # shellcheck disable=SC2086
    "$KB_EVAL" ingest-help "$HT/data" "$HT/dump.jsonl" $HELP_DIRS 2>"$HT/ingest.log" ||
        { cat "$HT/ingest.log" >&2; die "GNOME help ingest failed"; }
    echo "GNOME help: $(grep '^ingested' "$HT/ingest.log")"
    missing=""
    for l in $HELP_LANGS; do
        [ -d "$HELP_DIR/$l/gnome-help" ] || missing="$missing $l"
    done
    [ -z "$missing" ] || echo "GNOME help: not installed:$missing"

    # 1. Known items: each page's translated description, every third
    # word dropped, searched in its language; the page is the answer.
    "$PY" "$ROOT/tests/eval/gnome_help.py" known "$HT/dump.jsonl" "$HT/known.tsv" \
        "$HT/known.qrels" >"$HT/known.log" || die "known-item queries failed"
    # shellcheck disable=SC2086
    "$KB_EVAL" run --no-time --locales $RANK "$HT/data" "$HT/known.tsv" "$HT/known_kb.run" kb
    "$XAPIAN_ML" "$HT/dump.jsonl" "$HT/known.tsv" "$HT/known_plain.run" plain 2>>"$HT/plain.log" ||
        { cat "$HT/plain.log" >&2; die "xapian_ml failed"; }
    echo "GNOME help, $(cat "$HT/known.log")"
    "$PY" "$ROOT/tests/eval/gnome_help.py" score "$HT/known.tsv" "$HT/known.qrels" \
        "$HT/known_kb.run" "$HT/known_plain.run" | tee "$HT/known.score"
    ML_S1=$(awk '$1=="all"{print $6}' "$HT/known.score")

    # 2. Customer questions (tests/eval/gnome_questions.tsv) over the
    # English pages: kb in locale en, plain Xapian on the English database.
    echo
    "$PY" "$ROOT/tests/eval/gnome_help.py" questions "$ROOT/tests/eval/gnome_questions.tsv" \
        "$HT/dump.jsonl" "$HT/quest.tsv" "$HT/quest.qrels" >/dev/null ||
        die "tests/eval/gnome_questions.tsv is wrong"
    # shellcheck disable=SC2086
    "$KB_EVAL" run --no-time --locales $RANK "$HT/data" "$HT/quest.tsv" "$HT/quest_kb.run" kb
    "$XAPIAN_ML" "$HT/dump.jsonl" "$HT/quest.tsv" "$HT/quest_plain.run" plain 2>>"$HT/plain.log" ||
        { cat "$HT/plain.log" >&2; die "xapian_ml failed"; }
    cut -f1 "$HT/quest.tsv" >"$HT/quest.ids"
    QB=$("$PY" "$EVAL_DIR/evaluate.py" --queries "$HT/quest.ids" "$HT/quest_plain.run" \
        "$HT/quest.qrels" | figures) || die "evaluate.py failed"
    QK=$("$PY" "$EVAL_DIR/evaluate.py" --queries "$HT/quest.ids" "$HT/quest_kb.run" \
        "$HT/quest.qrels" | figures) || die "evaluate.py failed"
    header "GNOME help, $(wc -l <"$HT/quest.ids" | tr -d ' ') customer questions"
    # shellcheck disable=SC2086
    row "plain Xapian: BM25, English stem" $QB
    # shellcheck disable=SC2086
    row "kb" $QK
    diffrow "difference" "$QB" "$QK"
    QS_S1=$(echo "$QK" | awk '{print $3}')
    QS_MRR=$(echo "$QB $QK" | awk '{printf "%.3f", ($2 > 0 ? $8 / $2 : 0)}')

    if [ $ABLATION = 1 ]; then
        echo
        printf '%-34s %7s %7s %7s %7s\n' "kb with one feature changed" "known" "" "quest." ""
        printf '%-34s %7s %7s %7s %7s\n' "" "S@1" MRR "S@1" MRR
        for change in "" "--title-weight 0" "--b 0.75" "--stopwords 0" "--spelling 0" \
                      "--joins 0" "--group-weight 0"; do
            # shellcheck disable=SC2086
            "$KB_EVAL" run --no-time --locales $RANK $change "$HT/data" "$HT/known.tsv" \
                "$HT/ab_known.run" kb
            # shellcheck disable=SC2086
            "$KB_EVAL" run --no-time --locales $RANK $change "$HT/data" "$HT/quest.tsv" \
                "$HT/ab_quest.run" kb
            # shellcheck disable=SC2046,SC2183
            printf '%-34s %7s %7s %7s %7s\n' "  ${change:-kb}" \
                $("$PY" "$ROOT/tests/eval/gnome_help.py" overall "$HT/known.tsv" \
                      "$HT/known.qrels" "$HT/ab_known.run") \
                $("$PY" "$ROOT/tests/eval/gnome_help.py" overall "$HT/quest.tsv" \
                      "$HT/quest.qrels" "$HT/ab_quest.run")
        done
    fi

    echo
    echo "targets (issue 16)                      now  target"
    target "known items, success@1 kb/plain" "$ML_S1" 1.05
    target "customer questions, success@1 kb" "$QS_S1" 0.85
    target "customer questions, MRR kb/plain" "$QS_MRR" 1.15
fi

echo
sed 's/^time /time  /' "$TMP/times" | grep '^time' || true
echo "eval: finished in $(($(date +%s) - START)) s"
