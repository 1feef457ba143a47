#!/usr/bin/env bash
# docs/ci.md runs as written: its ```sh block, the pipeline, in a folder
# holding what a pipeline has (cluster.ini with two token certificates, the
# CTL phones hold), with the signing token's key and certificate handed
# over in environment variables, made here with OpenSSL. The CTL it writes
# is signed on the SoftHSM token ci-token.sh made, verifies, and is taken by
# phones holding the published one; no PIN or key is in any command line;
# the token store is gone afterwards. A held CTL that does not know the CI
# token stops the pipeline before anything is written; ci-token.sh refuses
# bad inputs.
SUITE=ci
. "$(dirname "$0")/../lib.sh"
mkdir -p "$T/bin" && ln -s "$CTLSIGN" "$T/bin/ctlsign"
export PATH="$T/bin:$PATH"
export CTLSIGN_CI_TOKEN=$ROOT/softhsm-conf/ci-token.sh
export TMPDIR=$T/tmp
mkdir "$TMPDIR"

# ---- inputs: certificates as the cluster and the tokens have them ---------------
mkdir -p "$T/in/certs" "$T/in/tokens" "$T/keys" && cd "$T/in"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/keys/ca.key" -out "$T/keys/ca.pem" -days 3650 \
	-subj "/O=Cisco Systems/CN=Cisco Manufacturing CA" -addext "basicConstraints=critical,CA:TRUE" \
	-addext "nsComment=ctlsign test CA" 2>/dev/null
for t in ci spare other1 other2; do
	openssl req -new -newkey rsa:2048 -nodes -keyout "$T/keys/$t.key" -out "$T/keys/$t.csr" \
		-subj "/O=Cisco Systems/OU=IPCBU/CN=SAST-ADN$(openssl rand -hex 4)" 2>/dev/null
	openssl x509 -req -in "$T/keys/$t.csr" -CA "$T/keys/ca.pem" -CAkey "$T/keys/ca.key" \
		-set_serial "0x$(openssl rand -hex 9)" -days 3650 -sha256 -out tokens/$t.pem 2>/dev/null
done
for n in pub-CallManager pub-ITLRecovery pub-CAPF pub-TVS sub-CallManager; do
	openssl req -new -x509 -newkey rsa:2048 -nodes -days 730 -keyout "$T/keys/$n.key" \
		-out certs/$n.pem -subj "/CN=$n/OU=UC/O=Example/C=US" 2>/dev/null
done
cluster() { # cluster TOKEN1 TOKEN2 [SUBSCRIBER]
	cat <<INI
[cluster]
release = 12.5
signer = token:$1

[token $1]
cert = tokens/$1.pem
uri = pkcs11:token=ctlsign-ci

[token $2]
cert = tokens/$2.pem

[node pub]
host = cucm-pub
ipv4 = 192.0.2.10
roles = CCM+TFTP, CAPF, TVS
publisher = yes
callmanager = certs/pub-CallManager.pem
capf = certs/pub-CAPF.pem
tvs = certs/pub-TVS.pem
itlrecovery = certs/pub-ITLRecovery.pem
INI
	[ -z "${3:-}" ] || printf '\n[node sub]\nhost = cucm-sub\nipv4 = 192.0.2.11\nroles = CCM+TFTP\ncallmanager = certs/sub-CallManager.pem\n'
}
# Published: the first CTL, signed on the CI token; the job adds a node.
check "ci-token.sh for the published CTL" -- env CTLSIGN_CI_KEY_FILE="$T/keys/ci.key" \
	CTLSIGN_CI_CERT_FILE=tokens/ci.pem "$CTLSIGN_CI_TOKEN" "$T/pubtok"
cluster ci spare >cluster.ini
mkdir held
expect 0 "the published CTL (first)" -- env SOFTHSM2_CONF="$T/pubtok/softhsm2.conf" ctlsign build -q \
	--cluster cluster.ini --first --module /usr/lib/softhsm/libsofthsm2.so \
	--sign-with 'pkcs11:token=ctlsign-ci' --pin-source "file:$T/pubtok/pin" -o held/CTLFile.tlv
rm -rf "$T/pubtok"
cluster ci spare sub >cluster.ini

# ---- the pipeline, as docs/ci.md writes it ---------------------------------------------
awk '/^```sh$/{on=1; next} /^```$/{on=0} on' "$ROOT/docs/ci.md" >"$T/pipeline.sh"
check "docs/ci.md has one pipeline" -- test "$(grep -c '^ctlsign ' "$T/pipeline.sh")" -ge 3
check "the pipeline uses --current and --sign-with with a PIN file" -- \
	bash -c "grep -q -- '--current held/CTLFile.tlv' '$T/pipeline.sh' && grep -q -- '--pin-source \"file:' '$T/pipeline.sh'"
cp -r "$T/in" "$T/job" && cd "$T/job"
export CTLSIGN_CI_KEY_PEM CTLSIGN_CI_CERT_PEM
CTLSIGN_CI_KEY_PEM=$(cat "$T/keys/ci.key")
CTLSIGN_CI_CERT_PEM=$(cat tokens/ci.pem)
keyline=$(sed -n 5p "$T/keys/ci.key")
# (LeakSanitizer cannot run under ptrace: off for this run only.)
expect 0 "the pipeline runs (sh)" -- env ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -qq -s 65536 -e trace=execve -o "$T/execve" sh "$T/pipeline.sh"
cp "$T/out" pipeline.out
cp "$T/err" pipeline.err
has pipeline.out "signature valid" "pipeline: verify"
has pipeline.out "trusted through: held/CTLFile.tlv" "pipeline: phones holding the published CTL take it"
has pipeline.out "added" "pipeline: diff lists the new node"
check "out/CTLFile.tlv written" -- test -s out/CTLFile.tlv
expect 0 "it verifies" -- ctlsign verify out/CTLFile.tlv
has out "SAST-ADN" "signed by a token certificate"
ctlsign show --json out/CTLFile.tlv >show.json
check "signed by the CI token, whose certificate and the spare's are SAST records" -- python3 - show.json \
	"$(openssl x509 -in tokens/ci.pem -noout -serial | cut -d= -f2)" \
	"$(openssl x509 -in tokens/spare.pem -noout -serial | cut -d= -f2)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
norm = lambda s: (s or "").replace(":", "").upper().lstrip("0")
assert d["verification"]["valid"] is True, d["verification"]
serials = [norm(r.get("serial")) for r in d["records"]]
assert norm(sys.argv[2]) in serials and norm(sys.argv[3]) in serials, (serials, sys.argv[2:])
assert norm(d["header"]["signer_serial"]) == norm(sys.argv[2]), d["header"]["signer_serial"]
PY
check "strace saw the commands" -- grep -q 'execve(".*ctlsign"' "$T/execve"
# The PINs are 32 random hex digits; the store (and its pin file) is gone,
# so look for any such word in the arguments of every program run.
check "no PIN in any command line" -- bash -c "! grep -E '^[0-9]+ +execve\(' '$T/execve' | grep -qE '[^0-9a-f][0-9a-f]{32}[^0-9a-f]'"
check "no key in any command line" -- bash -c "! grep -qF -- '$keyline' '$T/execve'"
check "pkcs11-tool got the PINs as env:NAME" -- grep -q 'pkcs11-tool.*"env:CI_PIN"' "$T/execve"
check "the token store was removed" -- test -z "$(ls -A "$TMPDIR")"

# The PIN file is 0600 and the store is private while it exists.
check "ci-token.sh from files" -- env -u CTLSIGN_CI_KEY_PEM -u CTLSIGN_CI_CERT_PEM \
	CTLSIGN_CI_KEY_FILE="$T/keys/ci.key" CTLSIGN_CI_CERT_FILE=tokens/ci.pem "$CTLSIGN_CI_TOKEN" "$T/t1"
check "PIN file 0600" -- test "$(stat -c %a "$T/t1/pin")" = 600
check "(the PIN check would see a PIN)" -- grep -qE '[^0-9a-f][0-9a-f]{32}[^0-9a-f]' <<<"x $(cat "$T/t1/pin") x"
check "store 0700" -- test "$(stat -c %a "$T/t1")" = 700
check "no key file left in the store folder" -- bash -c "! ls -A '$T/t1' | grep -q '^\.'"
expect 0 "the token is listed" -- env SOFTHSM2_CONF="$T/t1/softhsm2.conf" ctlsign tokens --module /usr/lib/softhsm/libsofthsm2.so
has out "token: *ctlsign-ci" "label ctlsign-ci"

# ---- the pipeline stops where it must ----------------------------------------------
# Phones hold a CTL of two other tokens: the CI token's CTL is refused before
# any PIN is read, nothing is written.
cp -r "$T/in" "$T/job2" && cd "$T/job2"
check "ci-token.sh for another published CTL" -- env -u CTLSIGN_CI_KEY_PEM -u CTLSIGN_CI_CERT_PEM \
	CTLSIGN_CI_KEY_FILE="$T/keys/other1.key" CTLSIGN_CI_CERT_FILE=tokens/other1.pem "$CTLSIGN_CI_TOKEN" "$T/t2"
cluster other1 other2 >c2.ini
expect 0 "a CTL of two other tokens" -- env SOFTHSM2_CONF="$T/t2/softhsm2.conf" ctlsign build -q \
	--cluster c2.ini --first --module /usr/lib/softhsm/libsofthsm2.so \
	--sign-with 'pkcs11:token=ctlsign-ci' --pin-source "file:$T/t2/pin" -o held/CTLFile.tlv
expect 5 "the pipeline stops: phones would reject the CTL" -- sh "$T/pipeline.sh"
check "nothing written" -- test ! -e out/CTLFile.tlv
check "and the token store is removed all the same" -- test -z "$(ls -A "$TMPDIR")"

# ---- ci-token.sh refuses bad inputs --------------------------------------------------
expect 2 "key and certificate that do not match" -- env -u CTLSIGN_CI_KEY_PEM \
	CTLSIGN_CI_KEY_FILE="$T/keys/spare.key" "$CTLSIGN_CI_TOKEN" "$T/t3"
has err "the certificate is not the private key's" "mismatch named"
expect 2 "both a file and a variable" -- env CTLSIGN_CI_KEY_FILE="$T/keys/ci.key" "$CTLSIGN_CI_TOKEN" "$T/t4"
has err "give CTLSIGN_CI_KEY_FILE or CTLSIGN_CI_KEY_PEM, not both" "both named"
expect 2 "no key" -- env -u CTLSIGN_CI_KEY_PEM "$CTLSIGN_CI_TOKEN" "$T/t5"
has err "give CTLSIGN_CI_KEY_FILE (a file) or CTLSIGN_CI_KEY_PEM (PEM text)" "missing key named"
mkdir "$T/t6" && touch "$T/t6/x"
expect 2 "a folder that is not empty" -- "$CTLSIGN_CI_TOKEN" "$T/t6"
has err "is not empty" "non-empty folder refused"
expect 2 "the system store" -- "$CTLSIGN_CI_TOKEN" /var/lib/softhsm/tokens/x
# Passphrases go through the environment, never argv (ps would show them).
export CTLSIGN_CI_KEY_PASS=s3cret
openssl pkey -in "$T/keys/ci.key" -aes256 -passout env:CTLSIGN_CI_KEY_PASS -out "$T/keys/ci-enc.key" 2>/dev/null
expect 2 "an encrypted key without its passphrase" -- env -u CTLSIGN_CI_KEY_PEM -u CTLSIGN_CI_KEY_PASS \
	CTLSIGN_CI_KEY_FILE="$T/keys/ci-enc.key" "$CTLSIGN_CI_TOKEN" "$T/t7" </dev/null
has err "set CTLSIGN_CI_KEY_PASS" "passphrase asked for"
expect 0 "an encrypted key with CTLSIGN_CI_KEY_PASS" -- env -u CTLSIGN_CI_KEY_PEM \
	CTLSIGN_CI_KEY_FILE="$T/keys/ci-enc.key" "$CTLSIGN_CI_TOKEN" "$T/t8"
finish
