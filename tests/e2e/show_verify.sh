#!/usr/bin/env bash
# End-to-end checks of `ctlsign show` and `ctlsign verify` on the fixtures of
# tests/fixtures/gen.sh: exit codes, error messages (file, byte offset, tag),
# the CUCM `show ctl` layout, JSON output cross-checked with python3, --trust,
# and bounded memory on a huge input.
#   CTLSIGN=build-san/ctlsign [CTLSIGN_FIXTURES=DIR] tests/e2e/show_verify.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CTLSIGN=${CTLSIGN:-$root/build/ctlsign}
[ -x "$CTLSIGN" ] || { echo "show_verify: no binary at $CTLSIGN (set CTLSIGN)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
FX=${CTLSIGN_FIXTURES:-}
if [ -z "$FX" ]; then
	FX=$work/fx
	"$root/tests/fixtures/gen.sh" "$FX" >/dev/null || { echo "show_verify: gen.sh failed" >&2; exit 2; }
fi

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { # check DESCRIPTION COMMAND...: the command must succeed
	local d=$1; shift
	if "$@"; then ok; else bad "$d"; fi
}

OUT=$work/out
ERR=$work/err
RC=0
# run ARGS...: runs ctlsign, output in $OUT/$ERR, status in $RC; a sanitizer
# report is always a failure.
run() {
	"$CTLSIGN" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	if grep -qE 'Sanitizer|runtime error' "$ERR"; then
		bad "sanitizer report: ctlsign $*"
		sed -n 1,20p "$ERR" >&2
	fi
}
expect_rc() { # expect_rc RC DESCRIPTION
	if [ "$RC" = "$1" ]; then ok; else
		bad "$2: exit $RC, expected $1"
		sed -n 1,5p "$ERR" >&2
	fi
}
out_has() { if grep -qF -- "$1" "$OUT"; then ok; else bad "$2: stdout lacks \`$1'"; fi; }
out_lacks() { if grep -qF -- "$1" "$OUT"; then bad "$2: stdout has \`$1'"; else ok; fi; }
err_has() { if grep -qF -- "$1" "$ERR"; then ok; else bad "$2: stderr lacks \`$1' (stderr: $(head -c 300 "$ERR"))"; fi; }
out_count() { # out_count FIXED-STRING N DESCRIPTION
	local n
	n=$(grep -cF -- "$1" "$OUT")
	if [ "$n" = "$2" ]; then ok; else bad "$3: \`$1' appears $n times, expected $2"; fi
}

# Facts about a trust list, read with python (independent of ctlsign):
# header length, number of records, roles, kind.
facts() { # facts FILE -> "HL NREC NSAST KIND"
	python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
hl = struct.unpack(">H", b[8:10])[0]
off, roles = hl, []
while off < len(b):
    rl = struct.unpack(">H", b[off + 3:off + 5])[0]
    p = off + 5
    while p < off + rl:
        t, l = b[p], struct.unpack(">H", b[p + 1:p + 3])[0]
        if t == 4:
            roles.append(struct.unpack(">H", b[p + 3:p + 5])[0])
        p += 3 + l
    off += rl
# FILENAME: walk the header
p, kind = 0, "CTL"
while p < hl and b[p] != 13:
    t, l = b[p], struct.unpack(">H", b[p + 1:p + 3])[0]
    if t == 14:
        kind = "ITL" if b[p + 3:p + 6] == b"ITL" else "CTL"
    p += 3 if t in (3, 7, 9) else 3 + l
print(hl, len(roles), roles.count(0), kind)
PY
}

VALID="ctl-cucm-sha1 ctl-python-sha256 ctl-sha512 ctl-old-sha384 ctl-old-sha512 ctl-blanked
ctl-unknown-tags itl ctl-token-oldnames ctl-rsa4096 ctl-expired-signer"
BAD="bad-wrong-digest-code bad-signer-missing bad-signer-not-sast bad-wrong-key
bad-flipped-signature bad-flipped-record"

# ---- valid files: verify, show, show --json -------------------------------
for n in $VALID; do
	f=$FX/$n.tlv
	read -r hl nrec nsast kind < <(facts "$f")
	size=$(stat -c %s "$f")

	# Digest codes 3 and 4 in their older meaning are read only on request.
	lg=()
	case $n in ctl-old-*)
		run verify "$f"
		expect_rc 1 "verify $n without --legacy-digest-codes"
		err_has "legacy-digest-codes" "verify $n names the option"
		lg=(--legacy-digest-codes) ;;
	esac
	run verify "${lg[@]}" "$f"
	expect_rc 0 "verify $n"
	out_has "$f: signature valid" "verify $n"
	out_has "signer record:" "verify $n"

	run show "${lg[@]}" "$f"
	expect_rc 0 "show $n"
	out_has "The checksum value of the $kind file:" "show $n"
	out_has "$(md5sum <"$f" | cut -d' ' -f1)(MD5)" "show $n md5"
	out_has "$(sha1sum <"$f" | cut -d' ' -f1)(SHA1)" "show $n sha1"
	out_has "Length of $kind file: $size" "show $n"
	out_has "Parse $kind File" "show $n"
	out_has "Version:	1.2" "show $n"
	out_has "HeaderLength:	$hl (BYTES)" "show $n"
	out_has "$kind Record #:1" "show $n"
	out_has "$kind Record #:$nrec" "show $n"
	out_count "$kind Record #:" "$nrec" "show $n records"
	out_count "This etoken was used to sign the $kind file." 1 "show $n"
	out_count "This etoken was not used to sign the $kind file." $((nsast - 1)) "show $n"
	out_count "This etoken was" "$nsast" "show $n SAST records"
	out_has "The $kind file was verified successfully." "show $n"
	out_has "BYTEPOS	TAG		LENGTH	VALUE" "show $n"
	out_has "12	SIGNATURE	" "show $n"
	# The signature's first line: lower-case hex without leading zeros.
	want=$(python3 -c '
import sys, struct
b = open(sys.argv[1], "rb").read()
p = 0
while b[p] != 12:
    p += 3 if b[p] in (3, 7, 9) else 3 + struct.unpack(">H", b[p+1:p+3])[0]
print("\t" + "  ".join("%x" % x for x in b[p+3:p+11]))' "$f")
	if grep -qxF -- "$want" "$OUT"; then ok; else bad "show $n: signature hex line \`$want' missing"; fi
	if [ "$kind" = ITL ]; then out_lacks "CTL" "show $n (ITL wording only)"; fi

	run show --json "${lg[@]}" "$f"
	expect_rc 0 "show --json $n"
	if python3 - "$OUT" "$n" "$nrec" "$size" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
name, nrec, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
assert doc["length"] == size, doc["length"]
recs = doc["records"]
assert len(recs) == nrec, (len(recs), nrec)
v = doc["verification"]
assert v["valid"] is True and v["reason"] is None, v
assert recs[v["signer_record"] - 1]["signed_this_file"] is True
assert sum(1 for r in recs if r.get("signed_this_file")) == 1
checked = 0
for r in recs:
    c = r["certificate"]
    if c is None:
        assert r["subject"] is None
        continue
    if name == "ctl-token-oldnames" and r["index"] == 1:
        # hand-written old-style SUBJECTNAME: must differ from the CUCM form
        assert r["subject"].startswith("cn=\"SAST-ADN") and c["subject"].startswith("CN=SAST-ADN"), r
        continue
    assert c["subject"] == r["subject"], (r["index"], c["subject"], r["subject"])
    assert c["issuer"] == r["issuer"], (r["index"], c["issuer"], r["issuer"])
    assert c["serial"] == r["serial"], (r["index"], c["serial"], r["serial"])
    checked += 1
assert checked > 0 or name == "ctl-blanked"
PY
	then ok; else bad "show --json $n: JSON check failed"; fi
done

# CUCM name order for a certificate whose DER subject is C, O, OU, CN, ST, L.
run show "$FX/ctl-cucm-sha1.tlv"
out_has "3	SUBJECTNAME	51	CN=ccm1.example.com;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US" "CUCM name order"
out_has "4	FUNCTION	2	CAPF" "show role names"
out_has "4	FUNCTION	2	System Administrator Security Token" "show role names"
# Unknown role printed as its number, unknown tags as UNKNOWN.
run show "$FX/ctl-unknown-tags.tlv"
out_has "4	FUNCTION	2	99" "unknown role"
out_has "99	UNKNOWN	1" "unknown record tag"
out_has "40	UNKNOWN	2" "unknown header tag"
# show --long adds values CUCM leaves out.
run show --long "$FX/ctl-rsa4096.tlv"
expect_rc 0 "show --long"
out_has "11	SIGNATUREMODULUS	1	3 (4096-bit)" "show --long modulus"
out_has "1430968247 (2015-05-07T03:10:47Z)" "show --long timestamp"
# Expired signer: valid, with a note.
run verify "$FX/ctl-expired-signer.tlv"
expect_rc 0 "verify expired signer"
out_has "warning: the signer's certificate expired on 2001-01-01T00:00:00Z (already when the file was signed)" "expired signer"
run show "$FX/ctl-expired-signer.tlv"
out_has "Note: the signer's certificate has expired; the signature is still valid." "show expired signer"
run verify --legacy-digest-codes "$FX/ctl-old-sha384.tlv"
out_has "note: DIGESTALGORITHM 3 read as SHA-384 under the older numbering" "old numbering note"

# An old-style SAST signer record: PUBLICKEY, no CERTIFICATE (re-signed here).
python3 - "$FX" "$work/keyonly.tlv" <<'PY'
import struct, subprocess, sys
fx, out = sys.argv[1], sys.argv[2]
b = bytearray(open(fx + "/ctl-cucm-sha1.tlv", "rb").read())
hl = struct.unpack(">H", b[8:10])[0]
rl = struct.unpack(">H", b[hl + 3:hl + 5])[0]
p = hl + 5
while b[p] != 9:
    p += 3 + struct.unpack(">H", b[p + 1:p + 3])[0]
cut = 3 + struct.unpack(">H", b[p + 1:p + 3])[0]
del b[p:p + cut]
b[hl + 3:hl + 5] = struct.pack(">H", rl - cut)
s = 0
while b[s] != 12:
    s += 3 if b[s] in (3, 7, 9) else 3 + struct.unpack(">H", b[s + 1:s + 3])[0]
sl = struct.unpack(">H", b[s + 1:s + 3])[0]
sig = subprocess.run(["openssl", "dgst", "-sha1", "-sign", fx + "/ccm1.key"],
                     input=bytes(b[:s] + b[s + 3 + sl:]), capture_output=True, check=True).stdout
b[s + 3:s + 3 + sl] = sig
open(out, "wb").write(b)
PY
run verify "$work/keyonly.tlv"
expect_rc 0 "verify key-only signer record"
out_has "signer record: 1 (SAST)" "verify key-only signer record"
run show "$work/keyonly.tlv"
expect_rc 0 "show key-only signer record"
out_count "This etoken was used to sign the CTL file." 1 "show key-only signer record"
run show --json "$work/keyonly.tlv"
expect_rc 0 "show --json key-only signer record"

# ---- bad files -------------------------------------------------------------
for n in $BAD; do
	f=$FX/$n.tlv
	read -r hl nrec nsast kind < <(facts "$f")
	run verify "$f"
	expect_rc 1 "verify $n"
	err_has "\`$f': verification failed: " "verify $n"
	run verify -q "$f"
	expect_rc 1 "verify -q $n"
	if [ -s "$OUT" ] || [ -s "$ERR" ]; then bad "verify -q $n printed something"; else ok; fi
	run show "$f"
	expect_rc 1 "show $n"
	out_has "The $kind file could not be verified: " "show $n"
	out_lacks "This etoken was used" "show $n"
	out_lacks "verified successfully" "show $n"
	run verify --json "$f"
	expect_rc 1 "verify --json $n"
	if python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))["verification"]
assert v["valid"] is False and v["reason"], v
assert "signer_expired" not in v' "$OUT"; then ok; else bad "verify --json $n"; fi
done
run verify "$FX/bad-wrong-digest-code.tlv"
err_has "header DIGESTALGORITHM is 1 (SHA-1) but the signature's DigestInfo names SHA-256" "digest code mismatch"
run verify "$FX/bad-signer-not-sast.tlv"
err_has "is not among the SAST records" "signer not SAST"
run verify "$FX/bad-flipped-record.tlv"
err_has "does not match the signature: the file was changed after it was signed" "flipped record"

# ---- verify --json on a valid file ------------------------------------------
run verify --json "$FX/ctl-python-sha256.tlv"
expect_rc 0 "verify --json valid"
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
v = d["verification"]
assert v["valid"] is True and v["signer_record"] == 2 and v["digest"] == "SHA-256", v
assert v["signer_expired"] is False and v["old_digest_numbering"] is False, v
assert d["header"]["signer_version"] == "1.1" and d["header"]["digest_code"] == 2
assert d["records"][5]["certificate"]["key_type"] == "EC" and d["records"][5]["certificate"]["key_bits"] == 384
assert d["records"][5]["certificate"]["curve"] == "secp384r1"
assert d["records"][0]["signed_this_file"] is False and d["records"][1]["signed_this_file"] is True
' "$OUT"; then ok; else bad "verify --json fields"; fi
run verify --json --legacy-digest-codes "$FX/ctl-old-sha512.tlv"
if python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))["verification"]
assert v["old_digest_numbering"] is True and v["note"] and v["digest"] == "SHA-512", v' "$OUT"; then ok; else bad "verify --json old numbering"; fi

# Names holding bytes that are not UTF-8 (or control characters) must still
# give valid JSON, and no raw control characters on the terminal.
python3 - "$FX/ctl-blanked.tlv" "$work/latin1.tlv" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
hl = struct.unpack(">H", b[8:10])[0]
r2 = hl + struct.unpack(">H", b[hl + 3:hl + 5])[0]
assert b[r2 + 5] == 2 and b[r2 + 8:r2 + 13] == b"ccm1\0"
b[r2 + 8:r2 + 12] = b"\xe9\x1b[2J"[:4]   # Latin-1 e-acute, ESC [ 2
open(sys.argv[2], "wb").write(b)
PY
run show --json "$work/latin1.tlv"
expect_rc 1 "show --json non-UTF-8 name (signature broken by the edit)"
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1], "rb"))
assert d["records"][1]["dns_name"], d["records"][1]' "$OUT" 2>"$work/py.err"; then ok; else
	bad "show --json with a non-UTF-8 DNSNAME is not valid JSON: $(tail -1 "$work/py.err")"; fi
run show "$work/latin1.tlv"
if grep -q $'\x1b' "$OUT"; then bad "show prints a raw ESC from the file to the terminal"; else ok; fi

# ---- --trust ---------------------------------------------------------------
run verify --trust "$FX/ctl-cucm-sha1.tlv" "$FX/ctl-blanked.tlv"
expect_rc 0 "trust another CTL"
out_has "trusted through: $FX/ctl-cucm-sha1.tlv (record 1, SAST)" "trust another CTL"
out_has "phones: accepted: the signer is SAST record 1 of $FX/ctl-cucm-sha1.tlv, which phones hold" "trust another CTL: the path"
run verify --trust "$FX/ctl-cucm-sha1.tlv" "$FX/itl.tlv"
expect_rc 0 "trust another CTL (ITLRECOVERY)"
out_has "(record 5, SAST)" "trust another CTL (ITLRECOVERY)"
run verify --trust "$FX/ctl-cucm-sha1.tlv" "$FX/ctl-python-sha256.tlv"
expect_rc 1 "signer not in trust"
err_has "is not a SAST record in the lists phones hold" "signer not in trust"
err_has "\`$FX/ctl-python-sha256.tlv'" "signer not in trust names the file"
err_has "record 1 of $FX/ctl-cucm-sha1.tlv: SAST CN=ccm1.example.com" "the held signers are listed"
cat "$FX/ccm2.pem" "$FX/itlrec.pem" "$FX/sast2.pem" >"$work/several.pem"
run verify --trust "$work/several.pem" "$FX/itl.tlv"
expect_rc 0 "trust PEM with several certificates"
out_has "trusted through: $work/several.pem (certificate 2)" "trust PEM"
run verify --trust "$work/several.pem" "$FX/ctl-cucm-sha1.tlv"
expect_rc 1 "trust PEM without the signer"
err_has "$work/several.pem" "trust PEM without the signer names the trust file"
openssl x509 -in "$FX/ccm1.pem" -outform DER -out "$work/ccm1.der"
run verify --trust "$work/ccm1.der" "$FX/bad-signer-not-sast.tlv"
expect_rc 0 "trust DER, signer not a SAST record of the file"
out_has "the signer is not a SAST record of this file" "trust DER"
run verify --trust "$FX/bad-signer-not-sast.tlv" "$FX/ctl-blanked.tlv"
if [ "$RC" != 0 ]; then ok; else bad "trust list without SAST accepted"; fi
err_has "no usable SAST record" "trust list without SAST"
err_has "$FX/bad-signer-not-sast.tlv" "trust list without SAST names it"
run verify --trust "$work/missing.pem" "$FX/ctl-blanked.tlv"
expect_rc 4 "missing trust file"
err_has "$work/missing.pem" "missing trust file named"
run show --trust "$FX/ctl-cucm-sha1.tlv" "$FX/ctl-blanked.tlv"
expect_rc 0 "show --trust"
out_has "This etoken was used to sign the CTL file." "show --trust"
run verify --json --trust "$FX/ctl-cucm-sha1.tlv" "$FX/ctl-python-sha256.tlv"
expect_rc 1 "verify --json --trust untrusted"
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
v, p = d["verification"], d["phones"]
assert v["valid"] is True, v   # its own signature is fine ...
assert p["verdict"] == "rejected" and p["path"] == "none" and "not a SAST record" in p["why"], p
' "$OUT"; then ok; else bad "verify --json --trust"; fi

# ---- usage and I/O errors ---------------------------------------------------
run verify
expect_rc 2 "verify without file"
run verify "$FX/ctl-blanked.tlv" "$FX/itl.tlv"
expect_rc 2 "verify two files"
run verify --no-such-option "$FX/ctl-blanked.tlv"
expect_rc 2 "verify unknown option"
run show
expect_rc 2 "show without file"
run no-such-command
expect_rc 2 "unknown command"
run verify "$work/does-not-exist.tlv"
expect_rc 4 "missing file"
err_has "\`$work/does-not-exist.tlv'" "missing file named"
run show "$work/does-not-exist.tlv"
expect_rc 4 "show missing file"
out_has "Length of CTL file: 0" "show missing file"
mkdir "$work/adir"
run verify "$work/adir"
expect_rc 4 "directory"
err_has "\`$work/adir': is a directory" "directory"

# ---- malformed files: exit 3, message names file, byte and tag --------------
f=$FX/ctl-blanked.tlv
read -r hl nrec nsast kind < <(facts "$f")
head -c 1000 "$f" >"$work/trunc.tlv"
run verify "$work/trunc.tlv"
expect_rc 3 "truncated file"
err_has "\`$work/trunc.tlv': record 1 at byte $hl tag 1: " "truncated file message"
err_has "runs past end of file" "truncated file message"
run show "$work/trunc.tlv"
expect_rc 3 "show truncated file"
out_has "Error parsing the CTL File." "show truncated"
head -c 100 "$f" >"$work/trunc-hdr.tlv"
run verify "$work/trunc-hdr.tlv"
expect_rc 3 "truncated header"
err_has "header at byte " "truncated header message"
err_has " tag " "truncated header names the tag"
# A CERTIFICATE length pointing past its record: offset and tag 9.
python3 - "$f" "$work/certlen.tlv" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
hl = struct.unpack(">H", b[8:10])[0]
p = hl + 5
while b[p] != 9:
    p += 3 + struct.unpack(">H", b[p+1:p+3])[0]
b[p+1:p+3] = b"\xff\xff"
open(sys.argv[2], "wb").write(b)
print(p, file=open(sys.argv[2] + ".off", "w"))
PY
run verify "$work/certlen.tlv"
expect_rc 3 "record TLV overrun"
err_has "record 1 at byte $(cat "$work/certlen.tlv.off") tag 9: CERTIFICATE length 65535 runs past the end of the record" "record TLV overrun message"
: >"$work/empty.tlv"
run verify "$work/empty.tlv"
expect_rc 3 "empty file"
err_has "file is empty" "empty file"
head -c 4000 /dev/urandom >"$work/random.tlv"
run verify "$work/random.tlv"
if [ "$RC" = 3 ]; then ok; else bad "random bytes: exit $RC"; fi
err_has "at byte" "random bytes"
# stdin
run verify - <"$FX/itl.tlv"
expect_rc 0 "verify from stdin"

# ---- a 100 MB file: refused, read neither whole nor into memory -------------
truncate -s 100M "$work/huge.tlv"
RSS=0
rss() { # rss ARGS...: max RSS (KB) of `ctlsign ARGS` in $RSS, status in $RC
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$work/rss" "$CTLSIGN" "$@" >"$OUT" 2>"$ERR"
		RC=$?
		RSS=$(tail -1 "$work/rss")
	else
		# No time(1): prove the bound with an address-space limit instead
		# (ASan reserves terabytes of virtual memory, so only without it).
		bash -c 'ulimit -v 200000; exec "$@"' _ "$CTLSIGN" "$@" >"$OUT" 2>"$ERR"
		RC=$?
		RSS=0
	fi
}
rss verify "$FX/ctl-blanked.tlv"
base=$RSS
rss verify "$work/huge.tlv"
expect_rc 3 "100 MB file"
err_has "larger than" "100 MB file"
if [ "$RSS" -lt $((base + 20000)) ] && [ "$RSS" -lt 100000 ]; then ok; else
	bad "100 MB file: max RSS $RSS KB (small file: $base KB)"; fi
# The same through a pipe: no size known in advance.
rss verify - < <(head -c 100M /dev/zero)
expect_rc 3 "100 MB on stdin"
err_has "larger than" "100 MB on stdin"
if [ "$RSS" -lt $((base + 40000)) ] && [ "$RSS" -lt 100000 ]; then ok; else
	bad "100 MB on stdin: max RSS $RSS KB (small file: $base KB)"; fi
echo "show_verify: max RSS: small file $base KB, 100 MB on stdin $RSS KB" >&2
run show "$work/huge.tlv"
expect_rc 3 "show 100 MB file"
# An endless character device: read up to the limit, then refused.
run verify /dev/zero
expect_rc 3 "endless device"
err_has "larger than" "endless device"

# A certificate OpenSSL decodes but DER forbids (an issuer SEQUENCE tagged
# primitive, found by libFuzzer): every command refuses the file alike, at
# the same byte, rather than some reading it and others not.
bent=$root/tests/fuzz/corpus/ctl/primitive-sequence-name.tlv
for cmd in "verify" "show" "diff $bent" "check --current"; do
	# shellcheck disable=SC2086
	run $cmd "$bent"
	expect_rc 3 "$cmd: a certificate that is not DER"
	err_has "record 2 at byte 2258 tag 9: CERTIFICATE (773 bytes) is not exactly one DER X.509" \
		"$cmd: a certificate that is not DER"
done

echo "show_verify: $pass passed, $fail failed"
[ "$fail" = 0 ]
