#!/usr/bin/env bash
# `make demo`: the main job on an embedded default.
#  1. A demo cluster (publisher + 2 subscribers, CAPF, TVS, ITLRecovery) with
#     certificates made here by OpenSSL, described in a cluster file.
#  2. Tokenless, as CUCM 12.5 does on the publisher: CTL and ITL signed by
#     ITLRecovery, then shown and verified.
#  3. Token-based: SoftHSM tokens stand in for two SAST eTokens; `ctlsign
#     tokens` lists them, the CTL is signed on eToken 1 and checked; an
#     update signed on eToken 2 is checked against the CTL phones hold.
#  4. An update signed by a token the phones do not know is refused before
#     its PIN is asked and nothing is written.
#  5. Every list is checked (`ctlsign check`) before it would be published,
#     and `ctlsign plan` orders a certificate renewal.
# Everything lands in BUILD/demo/ to look at afterwards.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
C=$root/$build/ctlsign
out=$root/$build/demo
rm -rf "$out"
mkdir -p "$out/certs" "$out/keys"
cd "$out"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "1. Demo cluster certificates (OpenSSL)"
mk() { # NAME BITS SUBJECT
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"$2" -out "keys/$1.key" 2>/dev/null
	chmod 600 "keys/$1.key"
	openssl req -new -x509 -key "keys/$1.key" -out "certs/$1.pem" -days 1825 -subj "$3" \
		-set_serial "0x$(openssl rand -hex 8)" -sha256 2>/dev/null
	echo "  certs/$1.pem"
}
o="/OU=UC/O=Demo Corp/L=Boston/ST=MA/C=US"
mk cucm-pub-CallManager 2048 "/CN=cucm-pub.demo.example$o"
mk cucm-pub-ITLRecovery 2048 "/CN=ITLRECOVERY_cucm-pub.demo.example$o"
mk cucm-pub-CAPF 2048 "/CN=CAPF-5e1f00d1$o"
mk cucm-pub-TVS 2048 "/CN=cucm-pub.demo.example-TVS$o"
mk cucm-sub1-CallManager 2048 "/CN=cucm-sub1.demo.example$o"
mk cucm-sub1-TVS 2048 "/CN=cucm-sub1.demo.example-TVS$o"
mk cucm-sub2-CallManager 2048 "/CN=cucm-sub2.demo.example$o"
mk cucm-sub2-TVS 2048 "/CN=cucm-sub2.demo.example-TVS$o"

cat >cluster.ini <<'EOF'
# Demo cluster: CUCM 12.5, tokenless (ITLRecovery signs).
[cluster]
release = 12.5

[node cucm-pub]
host = cucm-pub
ipv4 = 192.0.2.10
roles = CCM+TFTP, CAPF, TVS
publisher = yes
callmanager = certs/cucm-pub-CallManager.pem
callmanager-key = keys/cucm-pub-CallManager.key
capf = certs/cucm-pub-CAPF.pem
tvs = certs/cucm-pub-TVS.pem
itlrecovery = certs/cucm-pub-ITLRecovery.pem
itlrecovery-key = keys/cucm-pub-ITLRecovery.key

[node cucm-sub1]
host = cucm-sub1
ipv4 = 192.0.2.11
roles = CCM+TFTP, TVS
callmanager = certs/cucm-sub1-CallManager.pem
tvs = certs/cucm-sub1-TVS.pem

[node cucm-sub2]
host = cucm-sub2
ipv4 = 192.0.2.12
roles = CCM, TVS
callmanager = certs/cucm-sub2-CallManager.pem
tvs = certs/cucm-sub2-TVS.pem
EOF
echo "  cluster.ini"

step "2. Tokenless CTL and ITL (release 12.5 preset: ITLRecovery signs)"
# The cluster's first CTL: phones hold none yet, and --first says so.
run "$C" build --cluster cluster.ini --first -o CTLFile.tlv
# The CTL phones now hold authenticates the ITL.
run "$C" build --cluster cluster.ini --itl --current CTLFile.tlv -o ITLFile.tlv
run "$C" show CTLFile.tlv
run "$C" verify CTLFile.tlv
run "$C" verify ITLFile.tlv
# Before publishing: anything that would lock phones out?
run "$C" check CTLFile.tlv --first --cluster cluster.ini
run "$C" check ITLFile.tlv --current CTLFile.tlv --cluster cluster.ini

step "3. SoftHSM tokens standing in for SAST eTokens"
run "$root/softhsm-conf/provision.sh" "$out/softhsm" >/dev/null
export SOFTHSM2_CONF=$out/softhsm/softhsm2.conf
module=/usr/lib/softhsm/libsofthsm2.so
run "$C" tokens --module "$module"
cat >cluster-tokens.ini <<EOF
# The same cluster, token-based: eToken 1 signs, eToken 2 is the spare.
[cluster]
release = 12.5
signer = token:token1

[token token1]
cert = softhsm/cert-eToken.pem
uri = pkcs11:token=eToken;object=SAST;type=private

[token token2]
cert = softhsm/cert-eToken_2.pem
uri = pkcs11:token=eToken%202;object=SAST;type=private
EOF
sed -n '/^\[node/,$p' cluster.ini >>cluster-tokens.ini
mkdir -p token
run "$C" build --cluster cluster-tokens.ini --module "$module" \
	--pin-source file:softhsm/pin-eToken --first -o token/CTLFile.tlv
run "$C" verify token/CTLFile.tlv
run "$C" check token/CTLFile.tlv --first --cluster cluster-tokens.ini
run "$C" tokens --module "$module" --ctl token/CTLFile.tlv

step "4. An update signed on eToken 2, checked against the CTL phones hold"
sed 's/^signer = token:token1/signer = token:token2/' cluster-tokens.ini >cluster-tokens-2.ini
run "$C" build --cluster cluster-tokens-2.ini --module "$module" \
	--pin-source file:softhsm/pin-eToken_2 --current token/CTLFile.tlv -o token/CTLFile-update.tlv
run "$C" verify --trust token/CTLFile.tlv token/CTLFile-update.tlv
run "$C" diff token/CTLFile.tlv token/CTLFile-update.tlv
run "$C" check token/CTLFile-update.tlv --current token/CTLFile.tlv --cluster cluster-tokens-2.ini

step "5. What phones would reject is refused before any PIN is asked"
# A third token the published CTL does not list tries to sign the update.
cat >cluster-tokens-3.ini <<EOF3
[cluster]
release = 12.5
signer = token:token3

[token token1]
cert = softhsm/cert-eToken.pem

[token token3]
cert = softhsm/cert-eToken_3.pem
uri = pkcs11:token=eToken%203;object=SAST;type=private
EOF3
sed -n '/^\[node/,$p' cluster.ini >>cluster-tokens-3.ini
printf '$ %s\n' "$C build --cluster cluster-tokens-3.ini --current token/CTLFile.tlv -o token/CTLFile-bad.tlv"
if "$C" build --cluster cluster-tokens-3.ini --module "$module" --pin-source file:softhsm/pin-eToken_3 \
	--current token/CTLFile.tlv -o token/CTLFile-bad.tlv; then
	echo "demo: the update phones would reject was written" >&2
	exit 1
fi
test ! -e token/CTLFile-bad.tlv && echo "refused, and nothing was written"

step "6. Renewing certificates: the safe order, before anyone touches the cluster"
run "$C" plan --regenerate tvs@cucm-pub,callmanager@cucm-pub --cluster cluster.ini \
	--current CTLFile.tlv --itl ITLFile.tlv

printf '\nDemo done: files in %s\n' "$out"
