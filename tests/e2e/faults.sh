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
	--key keys/pub-itlrecovery.key --first)
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
targs=(--first --sast "$T/hsm/cert-eToken.pem" --sast "$T/hsm/cert-eToken_2.pem" --ccm-tftp "pub,192.0.2.10,$G/pub-callmanager.pem"
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

# --- every step of the write path, on the third build --------------------------
# Two builds leave CTLFile.tlv (v2) and CTLFile.tlv.bak (v1). The third build
# then fails at each rename, link and fsync it makes (counted on a clean
# third build), or gets a signal as it enters each of them. Every time, v2
# and v1 must be exactly where they were (same bytes, same inode) and the
# folder must hold nothing else but the lock file.
mkdir -p steps state
sargs=("${args[@]/#keys/$T/keys}")
step_reset() {
	rm -rf steps && mkdir steps
	(cd steps && "$CTLSIGN" build -q "${sargs[@]}" --timestamp 1 -o CTLFile.tlv &&
		"$CTLSIGN" build -q "${sargs[@]}" --timestamp 2 -o CTLFile.tlv)
	cp steps/CTLFile.tlv state/v2 && cp steps/CTLFile.tlv.bak state/v1
}
# step_intact DESCRIPTION: v2/v1 as they were, inodes as before the run
step_intact() {
	check "$1: previous file unchanged" -- cmp -s steps/CTLFile.tlv state/v2
	check "$1: previous backup unchanged" -- cmp -s steps/CTLFile.tlv.bak state/v1
	check "$1: previous file, same inode" -- test "$(stat -c %i steps/CTLFile.tlv)" = "$ino_file"
	check "$1: previous backup, same inode" -- test "$(stat -c %i steps/CTLFile.tlv.bak)" = "$ino_bak"
	check "$1: nothing else left ($(ls -A steps | tr '\n' ' '))" -- \
		test -z "$(ls -A steps | grep -vx 'CTLFile.tlv\|CTLFile.tlv.bak\|CTLFile.tlv.lock')"
}
third() { # STRACE-ARGS...: the third build under strace, in steps/
	ino_file=$(stat -c %i steps/CTLFile.tlv) ino_bak=$(stat -c %i steps/CTLFile.tlv.bak)
	(cd steps && exec strace -f -o /dev/null "$@" "$CTLSIGN" build "${sargs[@]}" \
		--timestamp 3 -o CTLFile.tlv)
}
step_reset
(cd steps && strace -f -o ../write.trace -e trace=rename,renameat,renameat2,link,linkat,fsync,fdatasync \
	"$CTLSIGN" build -q "${sargs[@]}" --timestamp 3 -o CTLFile.tlv)
check "the clean third build kept v2 as the backup" -- cmp -s steps/CTLFile.tlv.bak state/v2
calls=$(grep -oE '^[0-9]+ +(rename|renameat|renameat2|link|linkat|fsync|fdatasync)\(' write.trace |
	awk '{sub(/\(/, "", $2); print $2}' | sort | uniq -c | awk '{print $2 ":" $1}')
check "the write path renames, links and syncs ($(echo $calls))" -- \
	bash -c "grep -q 'rename' <<<'$calls' && grep -q 'link' <<<'$calls' && grep -q 'fsync' <<<'$calls'"
step_reset
sigs=(INT TERM HUP) signo=(2 15 1) k=0
for c in $calls; do
	sys=${c%%:*} n=${c##*:}
	for i in $(seq 1 "$n"); do
		d="$sys #$i of $n fails"
		expect 4 "$d" -- third -e trace="$sys" -e inject="$sys:error=EIO:when=$i"
		has err "${sys%%at*}" "$d: named"
		step_intact "$d"
		step_reset
		s=${sigs[$((k % 3))]} want=$((128 + ${signo[$((k % 3))]})) k=$((k + 1))
		d="SIG$s on entering $sys #$i of $n"
		third -e trace="$sys" -e inject="$sys:signal=SIG$s:when=$i" >/dev/null 2>"$T/err"
		rc=$?
		check "$d: exit $rc says killed by the signal ($want)" -- test "$rc" = "$want"
		hasnt "$T/err" "Sanitizer\|runtime error" "$d: no sanitizer report"
		step_intact "$d"
		step_reset
	done
done

# A backup that is the same file as the output (a hard link: what an older
# ctlsign left after a failed rename): the run keeps it, leaves no temporary.
step_reset
ln -f steps/CTLFile.tlv steps/CTLFile.tlv.bak
expect 0 "output and backup are one inode" -- third -e trace=none
check "one inode: the backup is the previous file" -- cmp -s steps/CTLFile.tlv.bak state/v2
check "one inode: no temporary file left ($(ls -A steps | tr '\n' ' '))" -- \
	test -z "$(ls -A steps | grep -vx 'CTLFile.tlv\|CTLFile.tlv.bak\|CTLFile.tlv.lock')"

# --- concurrent builds to one output ----------------------------------------------
# They take turns on CTLFile.tlv.lock: all succeed, each says what it wrote,
# the result and its backup verify, and the backup is another build's file.
step_reset
pids=()
for n in 11 12 13 14 15 16; do
	(cd steps && exec "$CTLSIGN" build "${sargs[@]}" --timestamp $n \
		-o CTLFile.tlv >"../par$n.out" 2>"../par$n.err") &
	pids+=($!)
done
for n in 0 1 2 3 4 5; do
	wait "${pids[$n]}"
	check "concurrent build $((n + 1)) succeeds" -- test $? = 0
done
for n in 11 12 13 14 15 16; do
	has "par$n.err" "wrote CTLFile.tlv" "concurrent build $n reports what it wrote"
	hasnt "par$n.err" "Sanitizer\|runtime error" "concurrent build $n: no sanitizer report"
done
check "concurrent builds: nothing left but the output, its backup and the lock ($(ls -A steps | tr '\n' ' '))" -- \
	test -z "$(ls -A steps | grep -vx 'CTLFile.tlv\|CTLFile.tlv.bak\|CTLFile.tlv.lock')"
expect 0 "concurrent builds: the result verifies" -- "$CTLSIGN" verify steps/CTLFile.tlv
expect 0 "concurrent builds: its backup verifies" -- "$CTLSIGN" verify steps/CTLFile.tlv.bak
check "concurrent builds: the backup is another build's file" -- \
	bash -c '! cmp -s steps/CTLFile.tlv steps/CTLFile.tlv.bak'
check "the lock file is CTLFile.tlv.lock" -- test -f steps/CTLFile.tlv.lock
# A build waits while someone else holds the lock.
step_reset
flock steps/CTLFile.tlv.lock sleep 2 &
lpid=$!
sleep 0.3
start=$(date +%s%N)
expect 0 "a build waits for the lock" -- third -e trace=none
waited=$((($(date +%s%N) - start) / 1000000))
has err "another build is writing this output; waiting for .CTLFile.tlv.lock" "the waiting build says why"
wait $lpid
check "it waited for the lock holder (${waited} ms)" -- test "$waited" -ge 1200

# And after all that, a normal build still works and keeps the backup.
reset
expect 0 "normal build afterwards" -- "$CTLSIGN" build "${args[@]}" -o CTLFile.tlv
check "backup is the previous file" -- cmp -s CTLFile.tlv.bak prev.tlv
expect 0 "result verifies" -- "$CTLSIGN" verify CTLFile.tlv
finish
