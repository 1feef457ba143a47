#!/bin/bash
# provision.sh DIR: a private SoftHSM store with test "eTokens" in DIR.
#
# Three tokens stand in for Cisco's USB eTokens: `eToken' and `eToken 2'
# (RSA-1024, like the old tokens) and `eToken 3' (RSA-2048). Each holds a
# private key, a public key and a SAST-ADN certificate, all with id 01 and
# label SAST, issued by a throw-away CA named like Cisco's manufacturing CA
# (marked as a test CA in an nsComment extension; it signs nothing real).
#
# Output in DIR: softhsm2.conf, env.sh (export SOFTHSM2_CONF=...),
# tokens.tsv (label, serial, key bits, PIN file, cert file, key file),
# test-ca.pem / test-ca.key, and per token pin-<name>, so-pin-<name>,
# cert-<name>.pem, key-<name>.pem, where <name> is the label with spaces as
# underscores. PIN files are mode 0600.
#
# PINs never go on a command line: pkcs11-tool takes them as `env:NAME'.
# Only openssl, softhsm2-util and pkcs11-tool are used.
set -euo pipefail

DIR=${1:?usage: provision.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
MODULE=${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[ -e "$MODULE" ] || MODULE=/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so

case "$DIR" in /var/lib/softhsm*) echo "provision.sh: refusing the system store" >&2; exit 2;; esac
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
if [ -e "$DIR/tokens" ] && [ -n "$(ls -A "$DIR/tokens")" ]; then
	echo "provision.sh: $DIR/tokens is not empty; give a fresh directory" >&2
	exit 2
fi
mkdir -p "$DIR/tokens"
umask 077
sed "s|@TOKENDIR@|$DIR/tokens|" "$here/softhsm2.conf.in" >"$DIR/softhsm2.conf"
export SOFTHSM2_CONF="$DIR/softhsm2.conf"

p11() { pkcs11-tool --module "$MODULE" "$@" >/dev/null 2>"$DIR/.p11err" || { cat "$DIR/.p11err" >&2; exit 1; }; }

# Test CA: the subject Cisco's tokens show as issuer.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$DIR/test-ca.key" \
	-out "$DIR/test-ca.pem" -days 7300 -sha256 \
	-subj "/O=Cisco Systems/CN=Cisco Manufacturing CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "nsComment=ctlsign test rig CA: NOT Cisco's, never trust it" \
	2>/dev/null

printf 'label\tserial\tbits\tpin_file\tcert_file\tkey_file\n' >"$DIR/tokens.tsv"
index=0
for spec in "eToken:1024" "eToken 2:1024" "eToken 3:2048"; do
	label=${spec%:*}
	bits=${spec##*:}
	name=${label// /_}
	# Random PINs, so a test can grep for a PIN anywhere it must not be.
	SOPIN=$(openssl rand -hex 8)
	UPIN=$(openssl rand -hex 6)
	export SOPIN UPIN
	printf '%s\n' "$UPIN" >"$DIR/pin-$name"
	printf '%s\n' "$SOPIN" >"$DIR/so-pin-$name"

	# SoftHSM always keeps one free slot last; its index is the count so far.
	p11 --slot-index "$index" --init-token --label "$label" --so-pin "env:SOPIN"
	p11 --token-label "$label" --login --login-type so --so-pin "env:SOPIN" \
		--init-pin --new-pin env:UPIN
	serial=$(pkcs11-tool --module "$MODULE" --token-label "$label" -I -L 2>/dev/null |
		awk -v l="$label" '/token label/ { sub(/^[^:]*: /, ""); cur=$0 }
			/serial num/ && cur==l { sub(/^[^:]*: /, ""); print; exit }')
	[ -n "$serial" ] || { echo "provision.sh: no serial for $label" >&2; exit 1; }
	short=${serial: -8}

	openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" \
		-out "$DIR/key-$name.pem" 2>/dev/null
	# 10-byte serial like Cisco's; first byte below 0x80 keeps it positive
	# and non-zero so DER keeps all ten bytes.
	certserial=$(printf '%02x%s' $((RANDOM % 0x70 + 0x10)) "$(openssl rand -hex 9)")
	openssl req -new -key "$DIR/key-$name.pem" -out "$DIR/req-$name.csr" \
		-subj "/O=Cisco Systems/OU=IPCBU/CN=SAST-ADN${short}        " 2>/dev/null
	openssl x509 -req -in "$DIR/req-$name.csr" -CA "$DIR/test-ca.pem" \
		-CAkey "$DIR/test-ca.key" -set_serial "0x$certserial" -days 3650 \
		-sha256 -out "$DIR/cert-$name.pem" 2>/dev/null
	rm -f "$DIR/req-$name.csr"

	openssl pkey -in "$DIR/key-$name.pem" -outform DER -out "$DIR/.key.der"
	openssl pkey -in "$DIR/key-$name.pem" -pubout -outform DER -out "$DIR/.pub.der"
	openssl x509 -in "$DIR/cert-$name.pem" -outform DER -out "$DIR/.cert.der"
	p11 --token-label "$label" --login --pin "env:UPIN" \
		--write-object "$DIR/.key.der" --type privkey --id 01 --label SAST
	p11 --token-label "$label" --login --pin "env:UPIN" \
		--write-object "$DIR/.pub.der" --type pubkey --id 01 --label SAST
	p11 --token-label "$label" --login --pin "env:UPIN" \
		--write-object "$DIR/.cert.der" --type cert --id 01 --label SAST
	rm -f "$DIR/.key.der" "$DIR/.pub.der" "$DIR/.cert.der"
	unset SOPIN UPIN

	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$serial" "$bits" "$DIR/pin-$name" \
		"$DIR/cert-$name.pem" "$DIR/key-$name.pem" >>"$DIR/tokens.tsv"
	index=$((index + 1))
done
rm -f "$DIR/.p11err"
chmod 0644 "$DIR"/*.pem "$DIR/tokens.tsv" "$DIR/softhsm2.conf"
chmod 0600 "$DIR"/key-*.pem "$DIR/test-ca.key"

cat >"$DIR/env.sh" <<ENV
# source this: the ctlsign test tokens in $DIR
export SOFTHSM2_CONF='$DIR/softhsm2.conf'
export CTLSIGN_TEST_TOKENS='$DIR'
ENV
echo "export SOFTHSM2_CONF='$DIR/softhsm2.conf'"
