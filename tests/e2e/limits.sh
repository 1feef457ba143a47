#!/usr/bin/env bash
# The worst inputs inside the limits (format.h: 4 MiB, 1024 records, 64 TLVs
# in the header and in a record), made by tests/fixtures/worstcase.py: every
# command that reads a list (show, show --json, show --long, verify,
# verify --json, diff, tokens --ctl) succeeds on each, in memory a bounded
# multiple of the input; one past each count limit is refused (exit 5); a
# cluster of 10 000 nodes is refused before anything is signed, and before
# its certificates are all read (LeakSanitizer cannot run under strace). No timing is asserted: memory is, as a
# ratio (peak RSS above the same command on a small list, against the
# input's size: under 4 times, and it holds under ASan too).
SUITE=limits
. "$(dirname "$0")/../lib.sh"
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
cd "$T"

command -v /usr/bin/time >/dev/null || { echo "limits: /usr/bin/time is missing (make deps)" >&2; exit 1; }
# ASan keeps freed memory aside (its quarantine) and would count it as in use.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
RATIO=4                 # RSS above the small list's, per byte of input: under 4x
SLACK=$((8 * 1024))     # KB: allocator and library noise

openssl req -x509 -newkey rsa:2048 -nodes -keyout signer.key -out signer.pem -days 3650 \
	-subj "/CN=SAST-ADN-limits/OU=IPCBU/O=Cisco Systems" 2>/dev/null
# A big certificate: RSA-4096 with 37 DNS names, about 2.8 KB of DER, so
# that 1024 records of it just fit in 4 MiB.
san=$(for i in $(seq 1 37); do printf 'DNS:host%03d.example.worst-case.invalid,' "$i"; done)
openssl req -x509 -newkey rsa:4096 -nodes -keyout big.key -out big.pem -days 3650 \
	-subj "/CN=big.example/OU=UC/O=Example/L=Somewhere/ST=XX/C=US" \
	-addext "subjectAltName=${san%,}" 2>/dev/null
python3 "$ROOT/tests/fixtures/worstcase.py" "$T" signer.pem signer.key big.pem ||
	{ echo "limits: worstcase.py failed" >&2; exit 1; }
cp "$ROOT/tests/golden/ctl-direct.tlv" small.tlv

# The token listing needs a module; an empty SoftHSM store is quick.
mkdir hsm
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/hsm" >softhsm2.conf
export SOFTHSM2_CONF=$T/softhsm2.conf

# measure ARGS...: exit status in RC, peak RSS (KB) in RSS.
measure() {
	/usr/bin/time -f %M -o rss "$CTLSIGN" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	RSS=$(tail -1 rss)
}
# args CMD FILE: the command line of one command on one list.
args() {
	case $1 in
	diff) echo "diff $2 $2" ;;
	tokens) echo "tokens --module $SOFTHSM --ctl $2" ;;
	*) echo "$1 $2" ;;
	esac
}
COMMANDS=(show "show --json" "show --long" verify "verify --json" diff tokens)
declare -A BASE
for c in "${COMMANDS[@]}"; do
	# shellcheck disable=SC2046
	measure $(args "$c" small.tlv)
	BASE[$c]=$RSS
	[ "$RC" = 0 ] && ok || bad "$c on a small list: exit $RC"
done

for f in unknown-big.tlv unknown-tiny.tlv certs.tlv names.tlv; do
	size=$(( $(stat -c %s "$f") / 1024 ))
	for c in "${COMMANDS[@]}"; do
		# shellcheck disable=SC2046
		measure $(args "$c" "$f")
		in=$size
		[ "$c" = diff ] && in=$((2 * size))   # diff reads the list twice
		above=$((RSS - ${BASE[$c]}))
		printf 'limits: %-16s %-13s %5d KB in, %6d KB RSS (%+d KB)\n' "$f" "$c" "$in" "$RSS" "$above" >&2
		if [ "$RC" != 0 ]; then
			bad "$c $f: exit $RC"; head -3 "$T/err" >&2
		elif grep -qaE 'Sanitizer|runtime error:' "$T/err"; then
			bad "$c $f: sanitizer report"; head -20 "$T/err" >&2
		elif [ "$above" -gt $((RATIO * in + SLACK)) ]; then
			bad "$c $f: $above KB above the small list's RSS for $in KB of input (at most $RATIO x + $SLACK KB)"
		else
			ok
		fi
	done
done

# One past each count limit: refused as past a limit, saying which.
for f in over-records.tlv over-header.tlv over-record.tlv; do
	for c in show "show --json" verify diff tokens; do
		# shellcheck disable=SC2046
		expect 5 "$c $f refused" -- "$CTLSIGN" $(args "$c" "$f")
		has err "more than" "$c $f: the limit named"
	done
done
has err 'record 2 at byte [0-9]* tag 200: more than 64 TLVs in one record' "the TLV limit, where"

# ---- a cluster of 10 000 nodes ---------------------------------------------------
cp signer.pem cm.pem
cp signer.key cm.key
chmod 600 cm.key
python3 - <<'EOF'
with open("cluster.ini", "w") as f:
    f.write("[cluster]\nrelease = 12.5\n\n[node n0]\nhost = n0.example\nroles = CCM+TFTP\n"
            "publisher = yes\ncallmanager = cm.pem\nitlrecovery = cm.pem\nitlrecovery-key = cm.key\n")
    for i in range(1, 10000):
        f.write("\n[node n%d]\nhost = n%d.example\nroles = CCM\ncallmanager = cm.pem\n" % (i, i))
EOF
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" strace -f -e trace=openat -o trace "$CTLSIGN" build --cluster cluster.ini --first -o CTLFile.tlv \
	>"$T/out" 2>"$T/err"
check "10 000 nodes: refused (exit 5)" -- test $? = 5
has err "cluster.ini: more than 1024 records" "10 000 nodes: the limit named"
check "10 000 nodes: nothing written" -- test ! -e CTLFile.tlv
check "10 000 nodes: no key opened" -- test "$(grep -c 'cm\.key' trace)" = 0
opened=$(grep -c 'cm\.pem' trace)
check "10 000 nodes: certificates read stop at the limit ($opened)" -- test "$opened" -le 1026

finish
