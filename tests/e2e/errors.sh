#!/usr/bin/env bash
# Every error names its subject: each option and argument that takes a file
# (or a folder) is given one that does not exist, a directory, one that
# cannot be read (as nobody: root reads everything) and one behind a path
# component that is a file; the command fails and its message holds the
# path given. The rule behind it is in ctlsign/core/err.h.
SUITE=errors
. "$(dirname "$0")/../lib.sh"
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
G=$ROOT/tests/golden
chmod 755 "$T"
cd "$T"

cp "$G/ctl-direct.tlv" ok.tlv
cp "$G/pub-itlrecovery.pem" rec.pem
cp "$G/pub-itlrecovery.key" rec.key
chmod 600 rec.key
KEYPASS=secret openssl pkey -in rec.key -aes256 -passout env:KEYPASS -out enc.key 2>/dev/null
chmod 600 enc.key
printf '[cluster]\nrelease = 12.5\n[node pub]\nroles = CCM+TFTP\npublisher = yes\ncallmanager = rec.pem\n' \
	>ok.ini
mkdir adir
touch unread && chmod 000 unread
touch afile

"$ROOT/softhsm-conf/provision.sh" "$T/hsm" >/dev/null || { echo "provision.sh failed" >&2; exit 1; }
export SOFTHSM2_CONF=$T/hsm/softhsm2.conf

# A server for fetch: the list over HTTP.
mkdir srv && cp ok.tlv srv/CTLFile.tlv
serve http tcp 4 python3 -m http.server --bind 127.0.0.1 --directory "$T/srv" @PORT@ ||
	{ echo "errors: cannot start http.server" >&2; exit 1; }
HTTP=$PORT
# And one for fetch-cert: TLS.
openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.pem -days 30 \
	-subj "/CN=node.example" 2>/dev/null
serve tls tcp 4 openssl s_server -accept 127.0.0.1:@PORT@ -cert tls.pem -key tls.key -quiet ||
	{ echo "errors: cannot start s_server" >&2; exit 1; }
TLS=$PORT
FP=$(openssl x509 -in tls.pem -outform DER | openssl dgst -sha256 -r | cut -c1-64)

# Each line: a command with BAD where the path goes.
CASES=(
	"show BAD"
	"show --trust BAD ok.tlv"
	"verify BAD"
	"verify --trust BAD ok.tlv"
	"verify --trust ok.tlv --cluster BAD ok.tlv"
	"diff BAD ok.tlv"
	"diff ok.tlv BAD"
	"diff --itl BAD ok.tlv ok.tlv"
	"diff --cluster BAD ok.tlv ok.tlv"
	"build --cluster BAD --first"
	"build --first --sast BAD --key rec.key"
	"build --first --sast h,10.0.0.1,rec.pem --ccm-tftp h,10.0.0.1,BAD --key rec.key"
	"build --first --from BAD --key rec.key"
	"build --current BAD --sast rec.pem --key rec.key"
	"build --first --sast rec.pem --key BAD"
	"build --first --sast rec.pem --key enc.key --pass-source file:BAD"
	"build --first --sast rec.pem --key rec.key --signer-cert BAD"
	"build --first --sast rec.pem --key rec.key -o BAD/CTLFile.tlv"
	"build --first --sast hsm/cert-eToken.pem --sast hsm/cert-eToken_2.pem --sign-with pkcs11:token=eToken --module $SOFTHSM --pin-source file:BAD"
	"build --first --sast rec.pem --sign-with pkcs11:token=eToken --module BAD --pin-source file:hsm/pin-eToken"
	"tokens --module BAD"
	"tokens --ctl BAD --module $SOFTHSM"
	"fetch -o BAD/CTLFile.tlv http://127.0.0.1:$HTTP/CTLFile.tlv"
	"fetch -d BAD/sub --http 127.0.0.1:$HTTP"
	"fetch-cert -o BAD/cert.pem --fingerprint $FP 127.0.0.1:$TLS"
)

# run KIND PATH CASE: the command with BAD replaced fails, naming PATH.
run() {
	local kind=$1 path=$2 c=${3//BAD/$2} rc
	# shellcheck disable=SC2086
	if [ "$kind" = unreadable ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$CTLSIGN" $c >"$T/out" 2>"$T/err" </dev/null
	else
		"$CTLSIGN" $c >"$T/out" 2>"$T/err" </dev/null
	fi
	rc=$?
	if grep -qaE 'Sanitizer|runtime error:' "$T/err"; then
		bad "$kind: $c: sanitizer report"
	elif [ "$rc" = 0 ]; then
		bad "$kind: $c: succeeded"
	elif ! grep -qaF -- "$path" "$T/err"; then
		bad "$kind: $c: exit $rc, the message does not name \`$path': $(head -2 "$T/err" | tr '\n' ' ')"
	else
		ok
	fi
}

for c in "${CASES[@]}"; do
	run missing "$T/nonexistent/none" "$c"
	run "not a directory" "afile/x" "$c"
	case $c in
	*BAD/*) ;;   # an output: the folder given is the path
	*) run directory adir "$c" ;;
	esac
done

# Unreadable: only as another user (root reads anything), through setpriv.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$CTLSIGN" 2>/dev/null; then
	chmod 644 ok.tlv rec.pem ok.ini && chmod 755 hsm adir
	for c in "show BAD" "verify --trust BAD ok.tlv" "diff ok.tlv BAD" "build --cluster BAD --first" \
		"build --first --sast BAD --key rec.key" "tokens --ctl BAD --module $SOFTHSM"; do
		run unreadable "$T/unread" "$c"
	done
else
	echo "errors: note: unreadable files not tried (needs root, setpriv and a binary nobody can run)"
fi

finish
