#!/bin/bash
# ci-token.sh DIR: a SoftHSM "eToken" for a CI pipeline, made from the
# signing token's private key and certificate, in a private store in DIR.
#
# Inputs, each as a file or as PEM text in an environment variable (a CI
# secret), one of the two:
#   CTLSIGN_CI_KEY_FILE  or CTLSIGN_CI_KEY_PEM    the private key (PEM, RSA)
#   CTLSIGN_CI_CERT_FILE or CTLSIGN_CI_CERT_PEM   its SAST certificate (PEM)
#   CTLSIGN_CI_KEY_PASS   the key's passphrase, when it is encrypted
#   CTLSIGN_CI_LABEL      the token's label (default ctlsign-ci)
#   SOFTHSM2_MODULE       the SoftHSM PKCS#11 module (default: Debian's)
#
# Output in DIR (made, mode 0700; it must be new or empty): softhsm2.conf
# and tokens/ (the store: never the system's /var/lib/softhsm), pin (a
# random PIN, mode 0600), and env.sh to source, which sets
#   SOFTHSM2_CONF        this store
#   CTLSIGN_CI_URI       the token's key: pkcs11:token=LABEL;object=SAST;type=private
#   CTLSIGN_CI_MODULE    the module, for ctlsign --module
#   CTLSIGN_CI_PIN_FILE  DIR/pin, for ctlsign --pin-source file:...
# Remove DIR when the job is done: it holds the key.
#
# No PIN, passphrase or key is ever on a command line (where ps and
# /proc/PID/cmdline show it): pkcs11-tool and openssl get them as env:NAME,
# and keys go through files of mode 0600 that are removed at once.
# docs/ci.md shows the whole pipeline.
set -euo pipefail

die() { echo "ci-token.sh: $*" >&2; exit 2; }

DIR=${1:-}
[ -n "$DIR" ] && [ $# = 1 ] || die "usage: ci-token.sh DIR (a new or empty folder)"
LABEL=${CTLSIGN_CI_LABEL:-ctlsign-ci}
[[ $LABEL =~ ^[A-Za-z0-9._-]{1,32}$ ]] ||
	die "CTLSIGN_CI_LABEL \`$LABEL': use 1 to 32 letters, digits, dots, dashes or underscores"
MODULE=${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[ -e "$MODULE" ] || MODULE=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/softhsm/libsofthsm2.so
[ -e "$MODULE" ] || die "no SoftHSM module (install softhsm2, or set SOFTHSM2_MODULE)"
for t in openssl pkcs11-tool; do
	command -v "$t" >/dev/null || die "$t is missing (Debian: apt-get install openssl opensc)"
done

# One of FILE and PEM for each input.
pick() { # pick NAME: the file to read NAME from, or - for the variable's text
	local f=CTLSIGN_CI_${1}_FILE p=CTLSIGN_CI_${1}_PEM
	if [ -n "${!f:-}" ] && [ -n "${!p:-}" ]; then die "give $f or $p, not both"; fi
	if [ -n "${!f:-}" ]; then
		[ -r "${!f}" ] || die "$f: cannot read \`${!f}'"
		echo "${!f}"
	elif [ -n "${!p:-}" ]; then
		echo -
	else
		die "give $f (a file) or $p (PEM text)"
	fi
}
keysrc=$(pick KEY)
certsrc=$(pick CERT)

case "$DIR" in /var/lib/softhsm*) die "refusing the system store $DIR" ;; esac
mkdir -p -m 0700 "$DIR"
DIR=$(cd "$DIR" && pwd)
[ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty; give a new folder"
umask 077
mkdir "$DIR/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
	"$DIR/tokens" >"$DIR/softhsm2.conf"
export SOFTHSM2_CONF=$DIR/softhsm2.conf

# The key and certificate as DER files (0600), read from their file or
# from the variable on standard input.
from() { if [ "$1" = - ]; then printf '%s\n' "${!2}"; else cat -- "$1"; fi; }
pass=()
[ -n "${CTLSIGN_CI_KEY_PASS:-}" ] && pass=(-passin env:CTLSIGN_CI_KEY_PASS)
from "$keysrc" CTLSIGN_CI_KEY_PEM | openssl pkey "${pass[@]}" -outform DER -out "$DIR/.key.der" 2>"$DIR/.err" ||
	{ rm -f "$DIR/.key.der"; die "the private key does not read: $(head -1 "$DIR/.err") (encrypted? set CTLSIGN_CI_KEY_PASS)"; }
trap 'rm -f "$DIR/.key.der" "$DIR/.pub.der" "$DIR/.cert.der" "$DIR/.err"' EXIT
from "$certsrc" CTLSIGN_CI_CERT_PEM | openssl x509 -outform DER -out "$DIR/.cert.der" 2>"$DIR/.err" ||
	die "the certificate does not read: $(head -1 "$DIR/.err")"
openssl pkey -inform DER -in "$DIR/.key.der" -pubout -outform DER -out "$DIR/.pub.der"
openssl x509 -inform DER -in "$DIR/.cert.der" -noout -pubkey | openssl pkey -pubin -outform DER |
	cmp -s - "$DIR/.pub.der" || die "the certificate is not the private key's (their public keys differ)"

# A random PIN and SO PIN, in files and in the environment of pkcs11-tool
# only (as env:NAME), never in an argument.
openssl rand -hex 16 >"$DIR/pin"
CI_SO_PIN=$(openssl rand -hex 16)
CI_PIN=$(cat "$DIR/pin")
export CI_SO_PIN CI_PIN
p11() {
	pkcs11-tool --module "$MODULE" "$@" >/dev/null 2>"$DIR/.err" ||
		die "pkcs11-tool $1 $2: $(tail -1 "$DIR/.err")"
}
p11 --slot-index 0 --init-token --label "$LABEL" --so-pin env:CI_SO_PIN
p11 --token-label "$LABEL" --login --login-type so --so-pin env:CI_SO_PIN --init-pin --new-pin env:CI_PIN
# The objects an eToken holds: the key pair and its certificate, id 01,
# label SAST; the key sensitive, as on a token.
p11 --token-label "$LABEL" --login --pin env:CI_PIN --write-object "$DIR/.key.der" --type privkey \
	--id 01 --label SAST --usage-sign --sensitive
p11 --token-label "$LABEL" --login --pin env:CI_PIN --write-object "$DIR/.pub.der" --type pubkey \
	--id 01 --label SAST
p11 --token-label "$LABEL" --login --pin env:CI_PIN --write-object "$DIR/.cert.der" --type cert \
	--id 01 --label SAST
unset CI_SO_PIN CI_PIN

cat >"$DIR/env.sh" <<ENV
# source this: the CI token ($LABEL) in $DIR
export SOFTHSM2_CONF='$DIR/softhsm2.conf'
export CTLSIGN_CI_URI='pkcs11:token=$LABEL;object=SAST;type=private'
export CTLSIGN_CI_MODULE='$MODULE'
export CTLSIGN_CI_PIN_FILE='$DIR/pin'
ENV
echo "ci-token.sh: token \`$LABEL' ready in $DIR (. $DIR/env.sh)" >&2
