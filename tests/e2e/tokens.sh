#!/usr/bin/env bash
# End-to-end tests of `ctlsign tokens` and of token signing through the
# built binary: a private SoftHSM store from softhsm-conf/provision.sh, the
# project's mock module for lockout/removal, and checks that no PIN ever
# shows up in output or in ctlsign's /proc/PID/cmdline.
SUITE=tokens
. "$(dirname "$0")/../lib.sh"
BUILD=${CTLSIGN_BUILD:-$ROOT/build}
MOCK=$BUILD/mock-pkcs11.so
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
cd "$T"

"$ROOT/softhsm-conf/provision.sh" "$T/hsm" >/dev/null || { echo "provision.sh failed" >&2; exit 1; }
export SOFTHSM2_CONF=$T/hsm/softhsm2.conf
PIN1=$(cat hsm/pin-eToken) PIN2=$(cat hsm/pin-eToken_2) PIN3=$(cat hsm/pin-eToken_3)
SER1=$(awk -F'\t' '$1=="eToken" {print $2}' hsm/tokens.tsv)
SER3=$(awk -F'\t' '$1=="eToken 3" {print $2}' hsm/tokens.tsv)
export CTLSIGN_MOCK_LOGIN_LOG=$T/login.log
logins() { [ -f "$T/login.log" ] && wc -l <"$T/login.log" || echo 0; }
nopin() { # nopin FILE DESCRIPTION
	local p
	for p in "$PIN1" "$PIN2" "$PIN3"; do hasnt "$1" "$p" "$2"; done
}

# --- listing: registry mode -------------------------------------------------
expect 0 "tokens (p11-kit registry)" -- "$CTLSIGN" tokens
has out "token:        eToken 2" "registry lists the SoftHSM tokens"
has out "CN=SAST-ADN${SER1: -8}        ;OU=IPCBU;O=Cisco Systems" "SAST subject in CUCM format"
has out "issuer:     CN=Cisco Manufacturing CA;O=Cisco Systems" "issuer shown"
has out "key:        RSA 2048" "RSA-2048 token"
has out "Cisco SAST: yes" "SAST certificate recognised"
has out "uri:          pkcs11:.*serial=$SER1" "ready-to-paste token URI"
has out "PIN:          ok" "PIN state"
has out "PC/SC" "PC/SC section follows"
hasnt out "p11-kit-trust" "trust-policy module skipped"
nopin out "listing"

expect 0 "tokens --json" -- "$CTLSIGN" tokens --json
check "--json parses and lists three tokens with their keys" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert "pcsc" in d, "no pcsc section"
assert not any("p11-kit-trust" in m["path"] for m in d["modules"]), "trust module listed"
toks = [s["token"] for m in d["modules"] if m["error"] is None for s in m["slots"]
        if s["token"] and s["token"]["initialized"]]
assert sorted(t["label"] for t in toks) == ["eToken", "eToken 2", "eToken 3"], toks
bits = sorted(c["key_bits"] for t in toks for c in t["certificates"])
assert bits == [1024, 1024, 2048], bits
for t in toks:
    c = t["certificates"][0]
    assert c["cisco_sast"] and c["id"] == "01" and c["label"] == "SAST", c
    assert c["subject"].startswith("CN=SAST-ADN") and len(c["serial"].split(":")) == 10, c
    assert t["uri"].startswith("pkcs11:") and "pin" not in t["uri"], t["uri"]
    assert set(t["pin_state"]) >= {"count_low", "final_try", "locked", "pin_pad", "to_be_changed"}
' "$T/out"
nopin out "json listing"

# --- --module and --uri-only --------------------------------------------------
expect 0 "tokens --module --uri-only" -- "$CTLSIGN" tokens --module "$SOFTHSM" --uri-only
check "--uri-only prints one URI per initialised token" -- test "$(grep -c '^pkcs11:' "$T/out")" = 3
check "--uri-only prints nothing else" -- test "$(wc -l <"$T/out")" = 3
has out "serial=$SER3;token=eToken%203?module-path=" "URI names the module given"
grep 'token=eToken%203' "$T/out" >uri3
expect 0 "tokens --module mock" -- "$CTLSIGN" tokens --module "$MOCK"
has out "module $MOCK" "only the module given"
hasnt out "opensc" "no registry modules with --module"

# --- a module that fails to load, next to one that works ----------------------
expect 0 "broken module beside a working one" -- \
	"$CTLSIGN" tokens --module "$T/no-such-pkcs11.so" --module "$MOCK"
has out "module $T/no-such-pkcs11.so" "broken module listed by path"
has out "error: cannot load PKCS#11 module" "its error shown"
has err "no-such-pkcs11.so" "and warned about on stderr"
has out "token:        eToken 3" "the working module is still listed"
expect 0 "broken module, JSON" -- \
	"$CTLSIGN" tokens --json --module "$T/no-such-pkcs11.so" --module "$MOCK"
check "JSON records the load error per module" -- python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["modules"]
assert m[0]["error"] and sys.argv[2] in m[0]["error"] and m[0]["slots"] == [], m[0]
assert m[1]["error"] is None and len(m[1]["slots"]) == 4, m[1]
' "$T/out" "$T/no-such-pkcs11.so"
echo "not a library" >notlib.so
expect 6 "only broken modules: token error" -- "$CTLSIGN" tokens --module "$T/notlib.so"
has err "notlib.so" "names the path"
expect 2 "bad option" -- "$CTLSIGN" tokens --frobnicate
expect 2 "--json with --uri-only" -- "$CTLSIGN" tokens --json --uri-only
expect 0 "--help" -- "$CTLSIGN" tokens --help

# --- PIN states through the mock ----------------------------------------------
CTLSIGN_MOCK_FLAGS="count_low|pin_pad" CTLSIGN_MOCK_ONLY="eToken 2" \
	expect 0 "PIN states" -- "$CTLSIGN" tokens --module "$MOCK"
has out "PIN:          count low, PIN pad" "count low and PIN pad shown"
CTLSIGN_MOCK_FLAGS=locked expect 0 "locked state (json)" -- "$CTLSIGN" tokens --json --module "$MOCK"
check "locked flag in JSON" -- python3 -c '
import json, sys
toks = [s["token"] for m in json.load(open(sys.argv[1]))["modules"] for s in m["slots"]
        if s["token"] and s["token"]["initialized"]]
assert toks and all(t["pin_state"]["locked"] for t in toks)
' "$T/out"
check "listing never logs in" -- test "$(logins)" = 0

# --- signing through `ctlsign build` ------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout ccm.key -out ccm.pem -days 365 \
	-subj "/O=Example/OU=VTG/CN=cucm1" 2>/dev/null
recs=(--first --sast "$T/hsm/cert-eToken.pem" --sast "$T/hsm/cert-eToken_2.pem"
	--ccm-tftp "cucm1,192.0.2.10,$T/ccm.pem")

# The PIN arrives on a pipe while we look at the process' command line.
mkfifo pinpipe
"$CTLSIGN" build "${recs[@]}" --sign-with "pkcs11:token=eToken" --module "$MOCK" \
	--pin-source - -o CTLFile.tlv <pinpipe >build.out 2>build.err &
pid=$!
exec 9>pinpipe
for _ in $(seq 50); do [ -r /proc/$pid/cmdline ] && break; sleep 0.02; done
tr '\0' ' ' </proc/$pid/cmdline >cmdline.txt 2>/dev/null
check "ctlsign is running while it waits for the PIN" -- grep -q "sign-with" cmdline.txt
nopin cmdline.txt "/proc/PID/cmdline"
printf '%s\n' "$PIN1" >&9
exec 9>&-
wait $pid
check "build signs on the token (PIN from stdin)" -- test $? = 0
nopin build.out "build stdout"
nopin build.err "build stderr"
check "exactly one login" -- test "$(logins)" = 1
expect 0 "the token-signed CTL verifies" -- "$CTLSIGN" verify CTLFile.tlv

# A listed URI is ready to paste: it carries the module, no --module needed.
expect 0 "sign with a URI from --uri-only" -- "$CTLSIGN" build --first --sast "$T/hsm/cert-eToken_3.pem" \
	--sast "$T/hsm/cert-eToken.pem" \
	--ccm-tftp "cucm1,192.0.2.10,$T/ccm.pem" --sign-with "$(cat uri3)" \
	--pin-source "file:$T/hsm/pin-eToken_3" -o CTL3.tlv
expect 0 "and it verifies" -- "$CTLSIGN" verify CTL3.tlv
has out "RSA 2048" "signed by the RSA-2048 token"

expect 0 "tokens --ctl" -- "$CTLSIGN" tokens --module "$SOFTHSM" --ctl CTLFile.tlv
has out "trust list: SAST record 1; signed this file" "signer token marked"
has out "trust list: SAST record 2$" "second SAST token marked"
has out "trust list: not a SAST record" "third token is not in the list"
expect 0 "tokens --ctl --json" -- "$CTLSIGN" tokens --json --module "$SOFTHSM" --ctl CTLFile.tlv
check "--ctl in JSON" -- python3 -c '
import json, sys
toks = {s["token"]["label"]: s["token"]["certificates"][0]["ctl"]
        for m in json.load(open(sys.argv[1]))["modules"] for s in m["slots"]
        if s["token"] and s["token"]["initialized"]}
assert toks["eToken"] == {"sast_record": 1, "signer": True}, toks
assert toks["eToken 2"] == {"sast_record": 2, "signer": False}, toks
assert toks["eToken 3"] == {"sast_record": None, "signer": False}, toks
' "$T/out"
expect 3 "--ctl with a file that is not a trust list" -- \
	"$CTLSIGN" tokens --module "$SOFTHSM" --ctl ccm.pem

# --- lockout and removal through the binary -------------------------------------
rm -f login.log
export WRONG_PIN=99999999
expect 6 "wrong PIN from the environment" -- "$CTLSIGN" build "${recs[@]}" \
	--sign-with "pkcs11:token=eToken" --module "$MOCK" --pin-env WRONG_PIN -o x.tlv
has err "CKR_PIN_INCORRECT (0xa0)" "CKR name and value"
check "wrong env PIN tried once" -- test "$(logins)" = 1
check "no output on failure" -- test ! -e x.tlv
rm -f login.log
CTLSIGN_MOCK_FLAGS=final_try expect 6 "final try refuses a PIN file" -- "$CTLSIGN" build \
	"${recs[@]}" --sign-with "pkcs11:token=eToken" --module "$MOCK" \
	--pin-source "file:$T/hsm/pin-eToken" -o x.tlv
has err "Only one PIN attempt left on token" "final-try message"
check "final try: no login at all" -- test "$(logins)" = 0
CTLSIGN_MOCK_FLAGS=locked expect 6 "locked token" -- "$CTLSIGN" build "${recs[@]}" \
	--sign-with "pkcs11:token=eToken" --module "$MOCK" --pin-source "file:$T/hsm/pin-eToken" -o x.tlv
has err "locked" "locked message"
check "locked: no login at all" -- test "$(logins)" = 0
# The token's family from the profiles (here SoftHSM's, given an eToken's
# PIN policy, then key sizes that leave out the token's 1024-bit key).
cp -r "$ROOT/token-profiles" prof
sed -i 's/^retries = none/retries = 3/; s/^locks_after = never/locks_after = 4/;
	s/^lock_permanent = no/lock_permanent = yes/' prof/softhsm2.profile
CTLSIGN_PROFILES_DIR=$T/prof CTLSIGN_MOCK_FLAGS=locked expect 6 "locked token, its family known" -- \
	"$CTLSIGN" build "${recs[@]}" --sign-with "pkcs11:token=eToken" --module "$MOCK" \
	--pin-source "file:$T/hsm/pin-eToken" -o x.tlv
has err "its family's PIN policy, from the token profiles: 3 wrong PINs tolerated, the 4th locks it; only the administrator (SO) password set at initialisation unlocks it" \
	"the lockout message names the PIN policy"
sed -i 's/^key_sizes = .*/key_sizes = 2048 | 4096/' prof/softhsm2.profile
rm -f login.log
CTLSIGN_PROFILES_DIR=$T/prof expect 5 "a key the token's family does not sign with" -- \
	"$CTLSIGN" build "${recs[@]}" --sign-with "pkcs11:token=eToken" --module "$MOCK" \
	--pin-source "file:$T/hsm/pin-eToken" -o x.tlv
has err "token \`eToken' is a SoftHSM v2, which signs with RSA keys of 2048 or 4096 bits only" \
	"key sizes of the family named"
has err "1024-bit key. No PIN was asked for" "the key's size, and no PIN"
check "key size refused: no login at all" -- test "$(logins)" = 0
check "key size refused: no output" -- test ! -e x.tlv
CTLSIGN_MOCK_REMOVED=1 expect 7 "token removed" -- "$CTLSIGN" build "${recs[@]}" \
	--sign-with "pkcs11:token=eToken" --module "$MOCK" --pin-source "file:$T/hsm/pin-eToken" -o x.tlv
rm -f login.log
expect 5 "token whose certificate is no SAST record of the file" -- "$CTLSIGN" build "${recs[@]}" \
	--sign-with "pkcs11:token=eToken%203" --module "$MOCK" --pin-source "file:$T/hsm/pin-eToken_3" -o x.tlv
has err "is not one of the file's SAST records" "wrong token explained"
check "wrong token: no login at all" -- test "$(logins)" = 0
check "wrong token: no output" -- test ! -e x.tlv
expect 2 "ambiguous URI lists candidates" -- "$CTLSIGN" build "${recs[@]}" \
	--sign-with "pkcs11:object=SAST" --module "$MOCK" --pin-source "file:$T/hsm/pin-eToken" -o x.tlv

has err "matches 3 tokens" "ambiguity explained"
has err "serial=$SER3" "candidates listed"
hasnt err '\\x0A' "the candidates are on lines of their own, not joined by an escaped line break"
check "each candidate on its own line" -- test "$(grep -c '^ctlsign:     pkcs11:' "$T/err")" = 3
check "ambiguous: no login at all" -- test "$(logins)" = 0
for f in out err; do nopin "$f" "last command"; done

# --- what is asked of the module about each token ----------------------------------
# A token the URI rules out is known from libp11's listing (one C_GetTokenInfo
# per slot) and asked nothing more; the chosen one is asked once for its
# identity and fresh flags, and once more just before the login.
export CTLSIGN_MOCK_TOKENINFO_LOG=$T/tokeninfo.log
infos() { grep -c "^C_GetTokenInfo token=$1\$" tokeninfo.log; }
rm -f tokeninfo.log
expect 0 "token signing, C_GetTokenInfo counted" -- "$CTLSIGN" build "${recs[@]}" \
	--sign-with "pkcs11:token=eToken" --module "$MOCK" --pin-source "file:$T/hsm/pin-eToken" \
	-o counted.tlv
check "tokens the URI rules out: the listing only ($(infos 'eToken 2'), $(infos 'eToken 3'))" -- \
	test "$(infos 'eToken 2')" = 1 -a "$(infos 'eToken 3')" = 1
check "the chosen token: listing, identity, before the login ($(infos eToken))" -- \
	test "$(infos eToken)" = 3
unset CTLSIGN_MOCK_TOKENINFO_LOG
# The module shows libp11 one token and ctlsign another in the same slot:
# the PIN could go to the wrong token, so the chosen one is refused; a token
# the URI rules out is not looked at again, so its doing so does not matter.
rm -f login.log
CTLSIGN_MOCK_RELABEL=1 CTLSIGN_MOCK_ONLY=eToken expect 6 "chosen token relabelled between calls" -- \
	"$CTLSIGN" build "${recs[@]}" --sign-with "pkcs11:token=eToken" --module "$MOCK" \
	--pin-source "file:$T/hsm/pin-eToken" -o x.tlv
has err "shows another token in slot .* than it showed libp11 (.eToken.); refusing to guess" \
	"the slot's two answers are named"
check "relabelled: no login at all" -- test "$(logins)" = 0
check "relabelled: no output" -- test ! -e x.tlv
CTLSIGN_MOCK_RELABEL=1 CTLSIGN_MOCK_ONLY="eToken 2" expect 0 "a token ruled out, relabelled: not looked at" -- \
	"$CTLSIGN" build "${recs[@]}" --sign-with "pkcs11:token=eToken" --module "$MOCK" \
	--pin-source "file:$T/hsm/pin-eToken" -o relabel-other.tlv
# Listing: certificates are read on ctlsign's own calls, so only from the
# token the module listed in that slot; another one there is said, not read.
CTLSIGN_MOCK_RELABEL=1 CTLSIGN_MOCK_ONLY="eToken 2" expect 0 "tokens: a token relabelled while listed" -- \
	"$CTLSIGN" tokens --module "$MOCK"
has out "certificates: not read: module .* no longer shows token .eToken 2. in slot" \
	"relabelled while listed: its certificates are not read, and it says why"
check "relabelled while listed: the other tokens' certificates are read" -- \
	test "$(grep -c 'certificate 1: SAST' "$T/out")" = 2

# --- the p11-kit proxy as --module (what pkcs11-tool users try first) -------------
PROXY=$(pkg-config --variable=proxy_module p11-kit-1 2>/dev/null)
if [ -n "$PROXY" ] && [ -e "$PROXY" ]; then
	expect 0 "tokens --module p11-kit-proxy.so" -- "$CTLSIGN" tokens --module "$PROXY"
	hasnt err "CKR_CRYPTOKI_NOT_INITIALIZED" "proxy: initialised"
	has out "token:        eToken 2" "proxy: the SoftHSM tokens are listed through it"
	has out "certificate 1: SAST" "proxy: their certificates, read on ctlsign's own list"
	expect 0 "build --module p11-kit-proxy.so" -- "$CTLSIGN" build -q "${recs[@]}" \
		--sign-with "pkcs11:token=eToken" --module "$PROXY" \
		--pin-source "file:$T/hsm/pin-eToken" -o proxy.tlv
	expect 0 "the proxy-signed CTL verifies" -- "$CTLSIGN" verify proxy.tlv
else
	echo "tokens: note: p11-kit-proxy.so not found; proxy checks skipped"
fi

# --- final try, PIN pad, PIN files from Windows editors ------------------------
rm -f login.log
CTLSIGN_MOCK_FLAGS="pin_pad|final_try" CTLSIGN_MOCK_PINPAD_PIN=$PIN1 expect 6 \
	"PIN pad at its final try, PIN file" -- "$CTLSIGN" build "${recs[@]}" \
	--sign-with "pkcs11:token=eToken" --module "$MOCK" --pin-source "file:$T/hsm/pin-eToken" -o x.tlv
has err "Only one PIN attempt left on token" "PIN pad final try: refused"
has err "reader" "PIN pad final try: says where the PIN would go"
check "PIN pad final try from a file: no login at all" -- test "$(logins)" = 0
printf '\357\273\277%s\r\n' "$PIN1" >pin-bom && chmod 600 pin-bom
expect 6 "PIN file with a UTF-8 BOM" -- "$CTLSIGN" build "${recs[@]}" \
	--sign-with "pkcs11:token=eToken" --module "$MOCK" --pin-source "file:$T/pin-bom" -o x.tlv
has err "byte order mark" "BOM refused, and said so"
has err "pin-bom" "BOM: the file is named"
check "PIN file with a BOM: no login at all" -- test "$(logins)" = 0
printf '%s\r' "$PIN1" >pin-cr && chmod 600 pin-cr
expect 0 "PIN file ending in a lone CR (stripped)" -- "$CTLSIGN" build -q "${recs[@]}" \
	--sign-with "pkcs11:token=eToken" --module "$MOCK" --pin-source "file:$T/pin-cr" -o cr.tlv
check "lone CR: one good login" -- test "$(grep -c 'rv=0x0$' login.log)" = 1

# On a terminal (script(1) gives one): answers are typed once their prompt is
# on the screen. tty_run OUT COMMAND [PROMPT ANSWER]...
tty_run() {
	local out=$1 cmd=$2 spid
	shift 2
	rm -f typed && mkfifo typed
	script -qec "$cmd" /dev/null <typed >"$out" 2>&1 &
	spid=$!
	exec 9>typed
	while [ $# -ge 2 ]; do
		for _ in $(seq 1 600); do
			grep -qF -- "$1" "$out" 2>/dev/null && break
			kill -0 $spid 2>/dev/null || break
			sleep 0.1
		done
		# A subshell: if the program is gone, SIGPIPE ends only it.
		grep -qF -- "$1" "$out" 2>/dev/null && (printf '%s\r' "$2" >&9) 2>/dev/null
		shift 2
	done
	for _ in $(seq 1 600); do kill -0 $spid 2>/dev/null || break; sleep 0.1; done
	kill $spid 2>/dev/null
	exec 9>&-
	wait $spid
}
build_cmd=$(printf '%q ' "$CTLSIGN" build "${recs[@]}" --sign-with "pkcs11:token=eToken" --module "$MOCK")
rm -f login.log
tty_run tty1.out "CTLSIGN_MOCK_FLAGS=final_try $build_cmd -o tty1.tlv" \
	"Type \`yes'" yes "PIN for token" "$PIN1"
check "final try on a terminal: yes, then the PIN (exit $?)" -- test -s tty1.tlv
has tty1.out "Only one PIN attempt left" "final try on a terminal: asked to confirm"
hasnt tty1.out "anyway: yes" "the typed \`yes' is not echoed"
hasnt tty1.out "$PIN1" "the typed PIN is not echoed"
check "final try on a terminal: one login" -- test "$(logins)" = 1
rm -f login.log
tty_run tty2.out "CTLSIGN_MOCK_FLAGS='pin_pad|final_try' CTLSIGN_MOCK_PINPAD_PIN=$PIN1 $build_cmd -o tty2.tlv" \
	"Type \`yes'" yes
check "PIN pad at its final try on a terminal: yes, then the reader (exit $?)" -- test -s tty2.tlv
has tty2.out "Type .yes. to enter the PIN on the reader" "PIN pad final try: the question names the reader"
has tty2.out "enter the PIN for token .eToken. on the reader" "PIN pad: told to use the reader"
hasnt tty2.out "PIN for token .eToken.: " "PIN pad: no PIN asked on the terminal"
hasnt tty2.out "reader: yes" "PIN pad: the typed \`yes' is not echoed"
check "PIN pad final try on a terminal: one login without a PIN" -- \
	test "$(logins)" = 1 -a "$(grep -c 'pin=0 rv=0x0$' login.log)" = 1
rm -f login.log
tty_run tty3.out "CTLSIGN_MOCK_FLAGS='pin_pad|final_try' $build_cmd -o tty3.tlv" "Type \`yes'" no
check "PIN pad final try, answered no: no output" -- test ! -e tty3.tlv
has tty3.out "cancelled" "PIN pad final try, answered no: cancelled"
check "PIN pad final try, answered no: no login" -- test "$(logins)" = 0

# --- secrets in memory: a PIN from the environment ------------------------------
# The mock reports from inside the process (after C_Login, at C_Sign, at
# C_Finalize) whether it is dumpable and what /proc/self/environ holds.
rm -f self.log
CTLSIGN_PIN=$PIN1 CTLSIGN_MOCK_SELF_LOG=$T/self.log expect 0 "--pin-env build" -- \
	"$CTLSIGN" build "${recs[@]}" --sign-with "pkcs11:token=eToken" --module "$MOCK" \
	--pin-env CTLSIGN_PIN -o envpin.tlv
for call in C_Login C_Sign C_Finalize; do
	has self.log "^$call dumpable=0\$" "--pin-env: not dumpable at $call"
done
hasnt self.log "dumpable=1" "--pin-env: never dumpable again once the PIN was read"
has self.log "^CTLSIGN_MOCK_SELF_LOG=" "--pin-env: the environment was looked at"
if [ "${CTLSIGN_VALGRIND:-0}" = 1 ]; then
	echo "tokens: note: /proc/PID/environ check skipped under valgrind (it shows valgrind's own copy)"
else
	hasnt self.log "$PIN1" "--pin-env: the PIN is gone from /proc/PID/environ once read"
fi

# A crash after the login (SIGABRT inside C_Sign) leaves no core file with
# the PIN. Cores land in the crashing process' folder only when core_pattern
# is a plain name; this test never changes that machine-wide setting.
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
mkdir -p cores/probe cores/ctl
core_skip=""
if [ "${CTLSIGN_VALGRIND:-0}" = 1 ]; then
	core_skip="running under valgrind"
elif [ -z "$pattern" ] || [ "${pattern#|}" != "$pattern" ] || [ "${pattern#/}" != "$pattern" ]; then
	core_skip="core_pattern is \`$pattern', not a file in the process' folder"
elif ! (ulimit -c unlimited) 2>/dev/null; then
	core_skip="the core size limit cannot be raised"
else
	# Does a dumpable process leave a core here at all?
	{ (cd cores/probe && ulimit -c unlimited && exec sh -c 'kill -ABRT $$'); } >/dev/null 2>&1
	ls cores/probe/core* >/dev/null 2>&1 || core_skip="a dumpable process left no core file here"
fi
if [ -n "$core_skip" ]; then
	echo "tokens: note: core-file check skipped: $core_skip (dumpable and environ checks above still ran)"
else
	{
		(cd cores/ctl && ulimit -c unlimited && CTLSIGN_PIN=$PIN1 CTLSIGN_MOCK_ABORT_IN_SIGN=1 \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}disable_coredump=0:detect_leaks=0" \
			exec "$CTLSIGN" build "${recs[@]}" --sign-with "pkcs11:token=eToken" \
			--module "$MOCK" --pin-env CTLSIGN_PIN -o "$T/crash.tlv")
		rc=$?
	} >/dev/null 2>&1
	check "crash after login: died of SIGABRT (exit $rc)" -- test "$rc" = 134
	printf '%s\n' "$PIN1" >pin1.txt
	check "crash after login: no core file holds the PIN" -- \
		bash -c '! grep -rqaF -f pin1.txt cores/ctl'
	check "crash after login: no output" -- test ! -e crash.tlv
fi
rm -rf cores

finish
