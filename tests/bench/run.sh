#!/bin/sh
# `make bench`: dependencies (tests/bench/deps.sh), then the benchmark
# (tests/bench/bench.py). Arguments go to bench.py (--help lists them).
set -eu
cd "$(dirname "$0")/../.."
./tests/bench/deps.sh
exec /usr/bin/python3 tests/bench/bench.py "$@"
