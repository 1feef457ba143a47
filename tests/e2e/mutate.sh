#!/usr/bin/env bash
# Mutation test: thousands of corrupted variants of every valid fixture
# through ctlsign's reader (see mutate.py for the rules checked).
#   CTLSIGN=build-san/ctlsign [CTLSIGN_FIXTURES=DIR] [CTLSIGN_MUTATIONS=20000]
#   [CTLSIGN_MUTATIONS_BINARY=1000] [CTLSIGN_MUTATE_SEED=20151507]
#   [CTLSIGN_MUTATE_KEEP=DIR] tests/e2e/mutate.sh
# Most variants run in one process through mutate_driver.c (built here
# against the libctlsign.a next to $CTLSIGN, with the same sanitizers); a few
# hundred run through the real binary. Failing variants are kept for
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

# The in-process driver, built like the library it links.
driver=
lib=$bindir/libctlsign.a
if [ -f "$lib" ]; then
	san=
	if nm "$lib" 2>/dev/null | grep __asan_ >/dev/null; then
		san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	fi
	libs=$(pkg-config --libs openssl libp11 p11-kit-1 libpcsclite json-c inih libbsd 2>/dev/null || echo "-lssl -lcrypto")
	if ${CC:-cc} -std=c11 -D_GNU_SOURCE -I"$root/ctlsign/core" -g -O1 $san \
		-o "$work/mutate_driver" "$here/mutate_driver.c" "$lib" $libs 2>"$work/cc.log"; then
		driver=$work/mutate_driver
	else
		echo "mutate: cannot build mutate_driver (running every variant through the binary):" >&2
		sed -n 1,10p "$work/cc.log" >&2
	fi
fi
if [ -z "$driver" ] && [ "$count" -gt 1000 ]; then
	echo "mutate: no driver; limiting to 1000 variants" >&2
	count=1000
fi

exec python3 "$here/mutate.py" --ctlsign "$CTLSIGN" --fixtures "$FX" \
	${driver:+--driver "$driver"} --count "$count" --binary "$nbin" --seed "$seed" --keep "$keep"
