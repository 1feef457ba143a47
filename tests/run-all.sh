#!/usr/bin/env bash
# Run every test against one build: the Criterion unit tests, then each
# end-to-end script in tests/e2e/. Usage: tests/run-all.sh BUILD_DIR
# Fixtures, SoftHSM stores and pcscd are created (and removed) by the tests
# themselves, in temporary directories.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-san}
export CTLSIGN="$PWD/$build/ctlsign" CTLSIGN_BUILD="$PWD/$build" CTLSIGN_ROOT="$PWD"
export CTLSIGN_PROFILES_DIR="$PWD/token-profiles"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
[ -f tests/lsan.supp ] && export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
# -j1: with -j2 under ASan, Criterion 2.4.1 sometimes fails to spawn a test
# ("Protocol error").
# Tests never talk to a real token store or a user's p11-kit config.
unset SOFTHSM2_CONF

tmp=$(mktemp -d /tmp/ctlsign-tests.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "== generating fixtures"
tests/fixtures/gen.sh "$tmp/fixtures" || { echo "fixture generation failed"; exit 1; }
export CTLSIGN_FIXTURES="$tmp/fixtures"

passed=0 failed=0 failures=()
# The same counts by kind, for the closing lines.
declare -A kpass=([unit]=0 [e2e]=0 [mutation]=0) kfail=([unit]=0 [e2e]=0 [mutation]=0)

echo "== unit tests (Criterion)"
if [ -x "$build/unit-tests" ]; then
	"$build/unit-tests" -j1 2>&1 | tee "$tmp/unit.log"
	rc=${PIPESTATUS[0]}
	line=$(grep -a 'Synthesis:' "$tmp/unit.log" | tail -1)
	t=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' <<<"$line")
	p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
	if [ -z "$t" ] || [ "$rc" != 0 ] || [ "$t" != "$p" ]; then
		failed=$((failed + ${t:-1} - ${p:-0} + 0))
		[ "$failed" -gt 0 ] || failed=1
		failures+=("unit-tests (exit $rc)")
	fi
	passed=$((passed + ${p:-0}))
	kpass[unit]=${p:-0}
	kfail[unit]=$failed
else
	echo "missing $build/unit-tests"; failed=$((failed + 1)); failures+=("unit-tests missing")
	kfail[unit]=1
fi

for t in tests/e2e/*.sh; do
	[ -e "$t" ] || continue
	echo "== $t"
	bash "$t" 2>&1 | tee "$tmp/e2e.log"
	rc=${PIPESTATUS[0]}
	line=$(grep -aE '^[a-z_0-9-]+: [0-9]+ passed, [0-9]+ failed' "$tmp/e2e.log" | tail -1)
	p=$(sed -n 's/.*: \([0-9]*\) passed.*/\1/p' <<<"$line")
	f=$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' <<<"$line")
	kind=e2e
	[ "$(basename "$t")" = mutate.sh ] && kind=mutation
	before=$failed
	passed=$((passed + ${p:-0}))
	if [ "$rc" != 0 ] || [ -z "$line" ] || [ "${f:-1}" != 0 ]; then
		failed=$((failed + ${f:-1}))
		[ "${f:-1}" != 0 ] || failed=$((failed + 1))
		failures+=("$t (exit $rc)")
	fi
	kpass[$kind]=$((kpass[$kind] + ${p:-0}))
	kfail[$kind]=$((kfail[$kind] + failed - before))
done

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "FAILED: ${failures[*]}"
fi
for kind in unit e2e mutation; do
	echo "$kind: ${kpass[$kind]} passed, ${kfail[$kind]} failed"
done
echo "all: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ ${#failures[@]} = 0 ]
