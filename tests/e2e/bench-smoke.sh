#!/usr/bin/env bash
# tests/bench.sh --smoke: every row of `make bench` runs once, without
# bounds or valgrind, against this build, so that the benchmark cannot rot
# between the runs that measure (docs/benchmarks.md). It needs the fixtures,
# SoftHSM, pkcs11-tool and openssl speed, like the real run.
SUITE=bench-smoke
. "$(dirname "$0")/../lib.sh"
build=${CTLSIGN_BUILD:-$(dirname "$CTLSIGN")}
# The sanitizer build: a leak report from a benchmarked run is not this
# suite's business (the other suites look for them), its exit code is.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"

expect 0 "bench.sh --smoke runs every row" -- "$ROOT/tests/bench.sh" --smoke "$build"
for r in a b c d e f g h i j k; do
	has out "^($r) " "row ($r) present"
done
has out "SMOKE: one run each" "smoke run says so"
has out "^bench: 0 of 0 bounded ratios" "no bound enforced"
hasnt out "FAIL" "nothing marked FAIL"
check "the table is written" -- test -s "$build/bench.txt"
finish
