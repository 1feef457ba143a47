#!/usr/bin/env bash
# The documentation is run: every ```sh block of docs/tokenless.md, in
# order, in an empty folder; `ctlsign --help` lists every command and exit
# code the docs name; the man page's EXAMPLES are run.
SUITE=docs
. "$(dirname "$0")/../lib.sh"
mkdir -p "$T/bin" && ln -s "$CTLSIGN" "$T/bin/ctlsign"
export PATH="$T/bin:$PATH"

# Extract the fenced ```sh blocks of a markdown file into a script.
blocks() { awk '/^```sh$/{on=1; next} /^```$/{on=0} on' "$1"; }

mkdir "$T/walk" && cd "$T/walk"
blocks "$ROOT/docs/tokenless.md" >walk.sh
check "tokenless walk-through has commands" -- test "$(grep -c ctlsign walk.sh)" -ge 8
expect 0 "docs/tokenless.md runs" -- bash -euo pipefail walk.sh
has out "verified successfully" "walk-through shows a verified CTL"
has out "refused, as it should be" "walk-through shows the refusal"
check "walk-through left CTL, ITL and backup" -- test -f CTLFile.tlv -a -f ITLFile.tlv -a -f CTLFile.tlv.bak

# README's and the man page's fetch examples name the publisher `cucm-pub':
# they run against loopback servers instead (in.tftpd serving the
# walk-through's lists, s_server presenting its CallManager certificate and
# demanding a client certificate, as CUCM does).
mkdir -m 755 "$T/srv" && cp CTLFile.tlv ITLFile.tlv "$T/srv/" && chmod 644 "$T/srv/"*
serve tftp udp 4 /usr/sbin/in.tftpd --foreground --listen --address 127.0.0.1:@PORT@ --secure "$T/srv" ||
	bad "in.tftpd did not start"
TFTP=$PORT
serve tls tcp 4 openssl s_server -www -accept 127.0.0.1:@PORT@ -cert certs/pub-CallManager.pem \
	-key keys/pub-CallManager.key -Verify 1 || bad "s_server did not start"
TLS=$PORT
loopback() { sed -i "/ctlsign fetch-cert /s/cucm-pub/127.0.0.1:$TLS/; /ctlsign fetch /s/cucm-pub/127.0.0.1:$TFTP/" "$1"; }

# docs/walkthrough.md: mixed mode, a regenerated CallManager, a node added,
# a lost token replaced, non-secure mode; check green before each publish.
mkdir "$T/life" && cd "$T/life"
blocks "$ROOT/docs/walkthrough.md" >life.sh
check "walkthrough has commands" -- test "$(grep -c 'ctlsign check' life.sh)" -ge 8
expect 0 "docs/walkthrough.md runs" -- env CTLSIGN_SRC="$ROOT" bash -euo pipefail life.sh
has out "NODE-CERT-STALE" "the walkthrough's health check finds the stale record"
has err "removed   SAST" "the lost token is listed as removed"
check "walkthrough published a non-secure CTL" -- bash -c "ctlsign show --json published/CTLFile.tlv | python3 -c '
import json, sys; d = json.load(sys.stdin)
assert all(r[\"certificate\"] is None for r in d[\"records\"] if r[\"function\"][\"code\"] == 2)'"
cd "$T/walk"

# README's examples, in the walk-through's folder, with SoftHSM tokens
# standing in for eTokens. The second block asks for a PIN on the terminal:
# it runs under script(1), which gives it one, and the PIN is typed in.
"$ROOT/softhsm-conf/provision.sh" "$T/hsm" >/dev/null
export SOFTHSM2_CONF=$T/hsm/softhsm2.conf
awk 'BEGIN{RS="\n\n"} {print > ("readme-" NR ".sh")}' <(awk '/^```sh$/{on=1; next} /^```$/{if (on) print ""; on=0; next} on' "$ROOT/README.md")
check "README has three example blocks" -- test -f readme-3.sh -a ! -f readme-4.sh
loopback readme-1.sh
expect 0 "README: what it does" -- bash -euo pipefail readme-1.sh
has out "verified successfully" "README show verifies"
has out "signature valid" "README verify"
has out "127.0.0.1:$TFTP/ITLFile.tlv: wrote held/ITLFile.tlv" "README fetch"
has out "trusted through: held/CTLFile.tlv" "README verify against the fetched CTL"
has out "SHA-256:     $(openssl x509 -in certs/pub-CallManager.pem -noout -fingerprint -sha256 | cut -d= -f2)" "README fetch-cert"
{
	echo "[cluster]"; echo "release = 12.5"; echo "signer = token:token1"
	for n in 1 2; do
		label=eToken; file=eToken
		[ $n = 2 ] && label="eToken%202" && file=eToken_2
		printf '[token token%s]\ncert = %s\nuri = pkcs11:token=%s;object=SAST;type=private\n' \
			$n "$T/hsm/cert-$file.pem" "$label"
	done
	sed -n '/^\[node/,$p' cluster.ini
} >tokens.ini
sed 's/^signer = token:token1/signer = token:token2/' tokens.ini >tokens2.ini
mkdir published
expect 0 "published token CTL" -- ctlsign build -q --cluster tokens2.ini --pin-source "file:$T/hsm/pin-eToken_2" \
	--first -o published/CTLFile.tlv
pin=$(cat "$T/hsm/pin-eToken")
# Type the PIN only once the prompt is on the screen (a PIN typed earlier is
# flushed by the prompt), and give up after 120 s.
mkfifo typed
script -qec "bash -euo pipefail readme-2.sh" /dev/null <typed >readme2.out 2>&1 &
spid=$!
exec 9>typed
for _ in $(seq 1 1200); do grep -q "PIN for token" readme2.out 2>/dev/null && break; sleep 0.1; done
printf '%s\r' "$pin" >&9
for _ in $(seq 1 1200); do kill -0 $spid 2>/dev/null || break; sleep 0.1; done
kill $spid 2>/dev/null
exec 9>&-
wait $spid
rc=$?
check "README: workstation flow (PIN typed at the prompt), exit $rc" -- test $rc = 0
has readme2.out "PIN for token .eToken.: " "workstation flow prompted for the PIN"
has readme2.out "signature valid" "workstation flow verifies against the published CTL"
has readme2.out "trusted through: published/CTLFile.tlv" "workstation flow checks trust"
has readme2.out "changes against published/CTLFile.tlv" "workstation flow lists the changes"
hasnt readme2.out "$pin" "the typed PIN is not echoed"
cp certs/pub-ITLRecovery.pem ITLRecovery.pem && cp keys/pub-ITLRecovery.key ITLRecovery.key
cp certs/pub-CallManager.pem CallManager.pem && cp certs/pub-CAPF.pem CAPF.pem
loopback readme-3.sh
expect 0 "README: tokenless" -- bash -euo pipefail readme-3.sh
check "README tokenless output verifies" -- ctlsign verify -q CTLFile.tlv

# Every path docs/json.md documents is in real output.
ctlsign show --json CTLFile.tlv >show.json
check "docs/json.md: show" -- python3 "$ROOT/tests/jsonpaths.py" "$ROOT/docs/json.md" show show.json
ctlsign verify --json CTLFile.tlv >verify.json
check "docs/json.md: verify" -- python3 "$ROOT/tests/jsonpaths.py" "$ROOT/docs/json.md" verify verify.json
ctlsign build -q --json --cluster cluster.ini --current CTLFile.tlv -o json-CTLFile.tlv >build.json
check "docs/json.md: build" -- python3 "$ROOT/tests/jsonpaths.py" "$ROOT/docs/json.md" build build.json
ctlsign verify --json --trust CTLFile.tlv json-CTLFile.tlv >verify-trust.json
check "docs/json.md: verify --trust" -- python3 "$ROOT/tests/jsonpaths.py" "$ROOT/docs/json.md" verify verify-trust.json
ctlsign check --json CTLFile.tlv --current CTLFile.tlv.bak --cluster cluster.ini >check.json || true
check "docs/json.md: check" -- python3 "$ROOT/tests/jsonpaths.py" "$ROOT/docs/json.md" check check.json
ctlsign plan --json --regenerate capf@pub,callmanager@sub --cluster cluster.ini >plan.json
check "docs/json.md: plan" -- python3 "$ROOT/tests/jsonpaths.py" "$ROOT/docs/json.md" plan plan.json
ctlsign diff --json CTLFile.tlv.bak CTLFile.tlv >diff.json || true
check "docs/json.md: diff" -- python3 "$ROOT/tests/jsonpaths.py" "$ROOT/docs/json.md" diff diff.json
ctlsign tokens --json --module /usr/lib/softhsm/libsofthsm2.so --ctl published/CTLFile.tlv >tokens.json
check "docs/json.md: tokens" -- python3 "$ROOT/tests/jsonpaths.py" "$ROOT/docs/json.md" tokens tokens.json

# --help names every command and every exit code that docs/format and README list.
"$CTLSIGN" --help >help.txt
for v in show verify build check plan diff tokens fetch fetch-cert; do has help.txt "  $v " "--help lists $v"; done
for c in 0 1 2 3 4 5 6 7 69 70 130; do
	has help.txt "^  $c " "--help documents exit $c"
	check "README documents exit $c" -- grep -q "^| $c |" "$ROOT/README.md"
	check "man page documents exit $c" -- grep -q "^\.IP $c\$" "$ROOT/docs/ctlsign.1"
done
for v in show verify build check plan diff tokens fetch fetch-cert; do
	expect 0 "$v --help" -- "$CTLSIGN" $v --help
	has out "Usage: ctlsign $v" "$v --help usage line"
	check "man page describes $v" -- grep -q "^\.SS $v" "$ROOT/docs/ctlsign.1"
done
# Every long option in --help is in the man page.
for v in show verify build check plan diff tokens fetch fetch-cert; do
	"$CTLSIGN" $v --help | grep -oE -- '--[a-z][a-z0-9-]+' | grep -vx -- --help | sort -u >opts.txt
	while read -r o; do
		check "man page has $v $o" -- grep -q -- "${o//-/\\\\-}" "$ROOT/docs/ctlsign.1"
	done <opts.txt
done
expect 2 "unknown command" -- "$CTLSIGN" frobnicate
expect 2 "no command" -- "$CTLSIGN"
expect 0 "--version" -- "$CTLSIGN" --version

# The man page's EXAMPLES section runs in the walk-through's folder.
awk '/^\.SH EXAMPLES/{on=1; next} /^\.SH/{on=0} on && /^\.EX/{ex=1; next} /^\.EE/{ex=0} on && ex' \
	"$ROOT/docs/ctlsign.1" | sed 's/\\-/-/g; s/\\(aq/'"'"'/g; s/\\e/\\/g' >man.sh
check "man page has examples" -- test -s man.sh
loopback man.sh
expect 0 "man page examples run" -- bash -euo pipefail man.sh
finish
