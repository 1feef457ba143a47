#!/usr/bin/env bash
# Faults while writing: disk full, I/O errors, a failing rename, SIGINT and
# SIGTERM in the middle of a build. In every case the previous file must be
# intact, no temporary file left behind, and the exit code must say what
# happened. Faults are injected into the real binary with strace.
SUITE=faults
. "$(dirname "$0")/../lib.sh"
G=$ROOT/tests/golden
# LeakSanitizer cannot run under ptrace; ASan and UBSan still do.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
cd "$T"
mkdir keys && cp "$G"/*.key keys/ && chmod 600 keys/*.key
args=(--sast "pub,192.0.2.10,$G/pub-itlrecovery.pem" --ccm-tftp "pub,192.0.2.10,$G/pub-callmanager.pem"
	--key keys/pub-itlrecovery.key)
"$CTLSIGN" build -q "${args[@]}" --timestamp 1 -o CTLFile.tlv
cp CTLFile.tlv prev.tlv

reset() { cp prev.tlv CTLFile.tlv && rm -f CTLFile.tlv.bak CTLFile.tlv.tmp.*; }
intact() { # DESCRIPTION
	check "$1: previous file intact" -- cmp -s CTLFile.tlv prev.tlv
	check "$1: no temporary file left" -- test -z "$(ls CTLFile.tlv.tmp.* 2>/dev/null)"
	check "$1: a backup, if made, is the previous file" -- \
		bash -c '[ ! -e CTLFile.tlv.bak ] || cmp -s CTLFile.tlv.bak prev.tlv'
	check "$1: no temporary backup left" -- test -z "$(ls CTLFile.tlv.bak.tmp.* 2>/dev/null)"
}
inject() { # EXPECTED-RC DESCRIPTION STRACE-INJECT
	reset
	expect "$1" "$2" -- strace -f -o /dev/null -e trace="${3%%:*}" -e inject="$3" \
		"$CTLSIGN" build "${args[@]}" -o CTLFile.tlv
	intact "$2"
}

inject 4 "disk full on the first write" "write:error=ENOSPC:when=1"
has err "No space left on device" "disk full named"
has err "CTLFile.tlv" "disk full names the file"
# A write that claims 100 bytes but wrote none: the read-back must catch it.
inject 4 "write loses bytes" "write:retval=100:when=1"
has err "differs\|is [0-9]* bytes" "lost bytes caught by the read-back"
inject 4 "fsync fails" "fsync:error=EIO"
has err "fsync" "fsync failure named"
inject 4 "backup rename fails" "rename:error=EXDEV:when=1"
has err "backup" "backup failure named"
inject 4 "rename into place fails" "rename:error=EXDEV:when=2"
has err "rename" "rename failure named"
# The temporary file cannot be created: find which openat creates it, then
# fail exactly that one.
strace -f -o trace.txt -e trace=openat "$CTLSIGN" build "${args[@]}" -o other.tlv 2>/dev/null
n=$(grep -n 'other.tlv.tmp' trace.txt | head -1 | cut -d: -f1)
check "temporary file open found in trace" -- test -n "$n"
inject 4 "cannot create the temporary file" "openat:error=EACCES:when=$n"
has err "temporary file" "creation failure named"
reset
expect 4 "certificate read fails" -- strace -f -o /dev/null -P "$G/pub-callmanager.pem" -e trace=read \
	-e inject=read:error=EIO "$CTLSIGN" build "${args[@]}" -o CTLFile.tlv
has err "pub-callmanager.pem" "unreadable certificate named"
intact "certificate read fails"

# Signals while the temporary file exists: fsync is held for 2 s.
for sig in INT TERM; do
	reset
	strace -f -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=2000000 \
		"$CTLSIGN" build "${args[@]}" -o CTLFile.tlv 2>"$T/err" &
	pid=$!
	for _ in $(seq 1 40); do
		[ -n "$(ls CTLFile.tlv.tmp.* 2>/dev/null)" ] && break
		sleep 0.05
	done
	check "SIG$sig: the temporary file existed mid-build" -- test -n "$(ls CTLFile.tlv.tmp.* 2>/dev/null)"
	pkill -"$sig" -P "$pid"     # ctlsign, the child of this strace
	wait "$pid"
	rc=$?
	# strace reports the tracee's death by signal as 128+N.
	want=$([ $sig = INT ] && echo 130 || echo 143)
	check "SIG$sig: exit $rc says interrupted ($want)" -- test "$rc" = "$want"
	intact "SIG$sig"
done

# The backup link fails: nothing replaced.
reset
expect 4 "backup cannot be made" -- strace -f -o /dev/null -e trace=link,linkat -e inject=link,linkat:error=EPERM \
	"$CTLSIGN" build "${args[@]}" -o CTLFile.tlv
intact "backup cannot be made"

# Token failures half way: the signature fails on the token, or the token
# is pulled out between login and signing (the project's mock module in
# front of a SoftHSM store).
BUILD=${CTLSIGN_BUILD:-$ROOT/build}
"$ROOT/softhsm-conf/provision.sh" "$T/hsm" >/dev/null
export SOFTHSM2_CONF=$T/hsm/softhsm2.conf
targs=(--sast "$T/hsm/cert-eToken.pem" --ccm-tftp "pub,192.0.2.10,$G/pub-callmanager.pem"
	--sign-with "pkcs11:token=eToken;object=SAST;type=private" --module "$BUILD/mock-pkcs11.so"
	--pin-source "file:$T/hsm/pin-eToken" -o CTLFile.tlv)
reset
CTLSIGN_MOCK_SIGN_FAIL=1 expect 6 "signing fails on the token" -- "$CTLSIGN" build "${targs[@]}"
has err "CKR_" "token failure names the CKR code"
intact "signing fails on the token"
CTLSIGN_MOCK_SIGN_FAIL=corrupt expect 5 "token returns a bad signature" -- "$CTLSIGN" build "${targs[@]}"
has err "token .eToken. returned a bad signature" "the token is blamed for its bad signature"
hasnt err "do not belong together" "a token's bad signature is not called a key/certificate mismatch"
intact "token returns a bad signature"
CTLSIGN_MOCK_REMOVE_AFTER_LOGIN=1 expect 7 "token removed between login and sign" -- "$CTLSIGN" build "${targs[@]}"
has err "CKR_DEVICE_REMOVED\|CKR_TOKEN_NOT_PRESENT" "removal named"
intact "token removed between login and sign"
expect 0 "token signing works through the mock" -- "$CTLSIGN" build "${targs[@]}" --no-backup
reset

# And after all that, a normal build still works and keeps the backup.
reset
expect 0 "normal build afterwards" -- "$CTLSIGN" build "${args[@]}" -o CTLFile.tlv
check "backup is the previous file" -- cmp -s CTLFile.tlv.bak prev.tlv
expect 0 "result verifies" -- "$CTLSIGN" verify CTLFile.tlv
finish
