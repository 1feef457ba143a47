#!/usr/bin/env bash
# Mutation test: thousands of corrupted variants of every valid fixture
# through ctlsign's reader (see mutate.py for the rules checked).
#   CTLSIGN=build-san/ctlsign [CTLSIGN_FIXTURES=DIR] [CTLSIGN_MUTATIONS=20000]
#   [CTLSIGN_MUTATIONS_BINARY=1000] [CTLSIGN_MUTATE_SEED=20151507]
#   [CTLSIGN_MUTATE_KEEP=DIR] tests/e2e/mutate.sh
# Most variants run in one process through mutate_driver.c (the Makefile
# builds it next to $CTLSIGN, with the same sanitizers); a few hundred run
# through the real binary. Failing variants are kept for
# reproduction (default build folder's mutate-failures/).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CTLSIGN=${CTLSIGN:-$root/build/ctlsign}
[ -x "$CTLSIGN" ] || { echo "mutate: no binary at $CTLSIGN (set CTLSIGN)" >&2; exit 2; }
bindir=$(cd "$(dirname "$CTLSIGN")" && pwd)
CTLSIGN=$bindir/$(basename "$CTLSIGN")
count=${CTLSIGN_MUTATIONS:-20000}
nbin=${CTLSIGN_MUTATIONS_BINARY:-1000}
seed=${CTLSIGN_MUTATE_SEED:-20151507}
keep=${CTLSIGN_MUTATE_KEEP:-$bindir/mutate-failures}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
FX=${CTLSIGN_FIXTURES:-}
if [ -z "$FX" ]; then
	FX=$work/fx
	"$root/tests/fixtures/gen.sh" "$FX" >/dev/null || { echo "mutate: gen.sh failed" >&2; exit 2; }
fi

# The in-process driver, built by the Makefile next to the binary
# (`make BUILD=DIR DIR/mutate-driver`). Without it the suite would shrink
# to what the binary alone can run in time: a failure, not a quiet downgrade.
driver=$bindir/mutate-driver
if [ ! -x "$driver" ]; then
	echo "mutate: no $driver: build it with \`make BUILD=$(basename "$bindir") $(basename "$bindir")/mutate-driver'" >&2
	echo "mutate: 0 passed, 1 failed"
	exit 1
fi

exec python3 "$here/mutate.py" --ctlsign "$CTLSIGN" --fixtures "$FX" \
	${driver:+--driver "$driver"} --count "$count" --binary "$nbin" --seed "$seed" --keep "$keep"
