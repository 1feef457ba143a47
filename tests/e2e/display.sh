#!/usr/bin/env bash
# Text that steers a terminal never reaches it, nor a JSON reader: a
# certificate whose subject holds an SGR sequence (ESC[31m), an OSC title
# change (ESC]0;title BEL) and bidi controls (U+202E RIGHT-TO-LEFT OVERRIDE,
# U+2066, U+200F), on a token whose label holds an escape sequence, shown by
# every command that shows it: tokens (and --json, --ctl), show (and --long,
# --json), verify (and --json, --trust), diff (and --json), build --json.
# One sanitiser (ctlsign/core/text.h): `\xNN' for control bytes, `\uXXXX'
# for bidi and C1 controls, on the terminal and in JSON alike.
SUITE=display
. "$(dirname "$0")/../lib.sh"
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
cd "$T"

ESC=$'\033' BEL=$'\007'
RLO=$'\xe2\x80\xae' LRI=$'\xe2\x81\xa6' RLM=$'\xe2\x80\x8f' C1=$'\xc2\x9b'
EVIL="SAST-ADN-evil${ESC}[31mred${ESC}]0;title${BEL}${RLO}bidi${LRI}x${RLM}y${C1}z"

# clean FILE WHAT: no raw ESC, BEL, bidi control or C1 control in FILE.
clean() {
	local f
	f=$(_f "$1")
	if LC_ALL=C grep -qaP '\x1b|\x07|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c|\xc2[\x80-\x9f]' "$f"; then
		bad "$2: raw control or bidi bytes in $1"
		LC_ALL=C grep -naP '\x1b|\x07|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\xc2[\x80-\x9f]' "$f" |
			head -3 | od -c | head -8 >&2
	else
		ok
	fi
}
# both WHAT: stdout and stderr of the last expect are clean.
both() { clean out "$1 (stdout)"; clean err "$1 (stderr)"; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout evil.key -out evil.pem -days 3650 -utf8 \
	-set_serial 0x4242 -subj "/CN=${EVIL}/OU=IPCBU/O=Cisco Systems" 2>/dev/null ||
	{ echo "display: cannot make the certificate" >&2; exit 1; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout ok.key -out ok.pem -days 3650 \
	-subj "/CN=SAST-ADN-plain/OU=IPCBU/O=Cisco Systems" 2>/dev/null
chmod 600 evil.key ok.key
check "the certificate holds the raw bytes" -- \
	grep -qaF "${ESC}]0;title${BEL}" <(openssl x509 -in evil.pem -outform DER)

# ---- build, show, verify, diff -------------------------------------------------
expect 0 "build --json with the hostile SAST record" -- "$CTLSIGN" build --first --json \
	--sast evil.pem --sast cucm,10.0.0.1,ok.pem --ccm-tftp cucm,10.0.0.1,ok.pem \
	--key evil.key --timestamp 1700000000 -o CTLFile.tlv
both "build --json"
has out 'red\\\\x1B\]0;title\\\\x07\\\\u202Ebidi' "build --json: the subject, escaped"
check "build --json parses" -- python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out"

for args in "show" "show --long" "show --json" "verify" "verify --json"; do
	# shellcheck disable=SC2086
	expect 0 "$args" -- "$CTLSIGN" $args CTLFile.tlv
	both "$args"
done
expect 0 "show" -- "$CTLSIGN" show CTLFile.tlv
has out 'SAST-ADN-evil\\x1B\[31mred\\x1B\]0;title\\x07\\u202Ebidi\\u2066x\\u200Fy\\u009Bz' \
	"show: every control shown, in one notation"

expect 0 "a second list, signed by the plain record" -- "$CTLSIGN" build --json \
	--current CTLFile.tlv --sast cucm,10.0.0.1,ok.pem --sast evil.pem \
	--ccm-tftp cucm,10.0.0.1,ok.pem --key ok.key --timestamp 1700000100 -o new.tlv
both "build --json (update)"
expect 0 "verify --trust" -- "$CTLSIGN" verify --trust CTLFile.tlv new.tlv
both "verify --trust"
expect 0 "verify --trust --json" -- "$CTLSIGN" verify --json --trust CTLFile.tlv new.tlv
both "verify --trust --json"
expect 0 "diff" -- "$CTLSIGN" diff CTLFile.tlv new.tlv
both "diff"
expect 0 "diff --json" -- "$CTLSIGN" diff --json CTLFile.tlv new.tlv
both "diff --json"
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 3650 \
	-subj "/CN=SAST-ADN-other/OU=IPCBU/O=Cisco Systems" 2>/dev/null
chmod 600 other.key
expect 0 "a list by a signer phones do not know" -- "$CTLSIGN" build --first \
	--sast other.pem --ccm-tftp cucm,10.0.0.1,ok.pem --key other.key -o other.tlv
expect 1 "diff to it (rejected: the held signers are listed)" -- \
	"$CTLSIGN" diff CTLFile.tlv other.tlv
both "diff, rejected"
has out 'CN=SAST-ADN-evil\\x1B' "diff: the held signers, escaped"
expect 1 "verify --trust (rejected)" -- "$CTLSIGN" verify --trust CTLFile.tlv other.tlv
both "verify --trust, rejected"
expect 5 "build refused (phones would reject it)" -- "$CTLSIGN" build --current CTLFile.tlv \
	--sast other.pem --ccm-tftp cucm,10.0.0.1,ok.pem --key other.key -o refused.tlv
both "build, refused"

# A malformed list whose name strings are the hostile ones: messages too.
cp CTLFile.tlv broken.tlv
truncate -s -7 broken.tlv
expect 3 "show of a truncated list" -- "$CTLSIGN" show broken.tlv
both "show, malformed"

# ---- tokens -----------------------------------------------------------------
mkdir hsm
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$T/hsm" >softhsm2.conf
export SOFTHSM2_CONF=$T/softhsm2.conf
SO=$(openssl rand -hex 8) PIN=$(openssl rand -hex 6)
export SO PIN
LABEL="tok${ESC}[2J${RLO}x"
p11() { pkcs11-tool --module "$SOFTHSM" "$@" >/dev/null 2>>p11.err; }
p11 --slot-index 0 --init-token --label "$LABEL" --so-pin env:SO &&
	p11 --token-label "$LABEL" --login --login-type so --so-pin env:SO --init-pin --new-pin env:PIN &&
	openssl x509 -in evil.pem -outform DER -out evil.der &&
	p11 --token-label "$LABEL" --login --pin env:PIN --write-object evil.der --type cert \
		--id 01 --label "cert${ESC}]0;x${BEL}" ||
	{ cat p11.err >&2; bad "cannot provision the token"; }

for args in "tokens" "tokens --json" "tokens --ctl CTLFile.tlv" "tokens --json --ctl CTLFile.tlv"; do
	# shellcheck disable=SC2086
	expect 0 "$args" -- "$CTLSIGN" $args --module "$SOFTHSM"
	both "$args"
done
expect 0 "tokens" -- "$CTLSIGN" tokens --module "$SOFTHSM"
has out 'subject:    CN=SAST-ADN-evil\\x1B\[31mred\\x1B\]0;title\\x07\\u202Ebidi' "tokens: subject escaped"
has out 'issuer:     CN=SAST-ADN-evil\\x1B' "tokens: issuer escaped"
has out 'certificate 1: cert\\x1B\]0;x\\x07' "tokens: object label escaped"
expect 0 "tokens --json" -- "$CTLSIGN" tokens --module "$SOFTHSM" --json
check "tokens --json parses, label escaped" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = [s["token"] for m in d["modules"] for s in m["slots"] if s["token"] and s["token"]["initialized"]][0]
c = t["certificates"][0]
assert c["subject"].startswith("CN=SAST-ADN-evil\\x1B[31mred\\x1B]0;title\\x07\\u202Ebidi"), c["subject"]
assert t["label"].startswith("tok\\x1B[2J\\u202Ex"), t["label"]
' "$T/out"

finish
