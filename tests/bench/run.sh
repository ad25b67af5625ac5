#!/bin/sh
# `make bench`: dependencies (tests/bench/deps.sh), then the benchmark
# (tests/bench/bench.py). Arguments go to bench.py (--help lists them); it
# takes the programs from $BIN and $BUILD/bench (default bin and build).
set -eu
cd "$(dirname "$0")/../.."
./tests/bench/deps.sh
exec /usr/bin/python3 tests/bench/bench.py "$@"
