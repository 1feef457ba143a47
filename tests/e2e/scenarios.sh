#!/usr/bin/env bash
# The scenario catalogue (tests/scenarios/NN-*.sh): lock-outs and safe
# changes an administrator runs into, each built with OpenSSL and SoftHSM
# tokens (behind the project's mock module) in a folder of its own; each
# asserts the exact error and warning codes `ctlsign check` reports, and
# for plans, that `ctlsign plan` orders the steps safely.
SUITE=scenarios
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/scenarios/lib.sh"
BUILD=${CTLSIGN_BUILD:-$ROOT/build}
MOCK=$BUILD/mock-pkcs11.so
MK=$ROOT/tests/fixtures/mkctl.py
cd "$T"
"$ROOT/softhsm-conf/provision.sh" "$T/hsm" >/dev/null || { echo "provision.sh failed" >&2; exit 1; }
export SOFTHSM2_CONF=$T/hsm/softhsm2.conf
H=$T/hsm
n=0
for s in "$ROOT"/tests/scenarios/[0-9]*.sh; do
	SCENARIO=$(basename "$s" .sh)
	mkdir "$T/$SCENARIO" && cd "$T/$SCENARIO" || exit 1
	before=$((PASS + FAIL))
	# shellcheck source=/dev/null
	. "$s"
	[ $((PASS + FAIL)) -gt "$before" ] || bad "$SCENARIO asserted nothing"
	n=$((n + 1))
	cd "$T"
done
check "the catalogue has at least 20 scenarios ($n)" -- test "$n" -ge 20
finish
