#!/usr/bin/env bash
# End-to-end tests of `ctlsign build` (tokenless signing with PEM keys):
# golden files, cross-checks with the independent writer, rebuilds, every
# refusal, and safe output under write failures.
SUITE=build
. "$(dirname "$0")/../lib.sh"
fixtures
G=$ROOT/tests/golden
MK=$ROOT/tests/fixtures/mkctl.py
TS=1700000000
cd "$T"
# Keys are committed 0644 by git; the tool warns about that, so use copies.
mkdir keys && cp "$G"/*.key keys/ && chmod 600 keys/*.key
cp "$FX"/*.key keys/ && chmod 600 keys/*.key

# --- golden: fixed key + fixed timestamp -> byte-exact file -----------------
direct=(--sast "pub,192.0.2.10,$G/pub-itlrecovery.pem" --sast "pub,192.0.2.10,$G/pub-callmanager.pem"
	--ccm-tftp "pub,192.0.2.10,$G/pub-callmanager.pem" --ccm-tftp "sub,192.0.2.11,$G/sub-callmanager.pem"
	--capf "pub,192.0.2.10,$G/pub-capf.pem")
expect 0 "golden direct build" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/pub-itlrecovery.key \
	--timestamp $TS -o golden.tlv
check "golden direct build is byte-identical" -- cmp -s golden.tlv "$G/ctl-direct.tlv"
has err "wrote golden.tlv" "build reports what it wrote"

# The independent writer, given the same inputs, must produce the same bytes.
cat >spec.json <<EOF
{"out": "indep.tlv", "key": "keys/pub-itlrecovery.key", "signer_cert": "$G/pub-itlrecovery.pem",
 "key_bits": 1024, "timestamp": $TS, "records": [
  {"role": 0, "cert": "$G/pub-itlrecovery.pem", "dns": "pub", "ip": "192.0.2.10"},
  {"role": 0, "cert": "$G/pub-callmanager.pem", "dns": "pub", "ip": "192.0.2.10"},
  {"role": 2, "cert": "$G/pub-callmanager.pem", "dns": "pub", "ip": "192.0.2.10"},
  {"role": 2, "cert": "$G/sub-callmanager.pem", "dns": "sub", "ip": "192.0.2.11"},
  {"role": 4, "cert": "$G/pub-capf.pem", "dns": "pub", "ip": "192.0.2.10"}]}
EOF
python3 "$MK" spec.json
check "independent writer gives the same bytes" -- cmp -s golden.tlv indep.tlv

# show output of the golden file, with fixed mtime and zone.
cp "$G/ctl-direct.tlv" CTLFile.tlv && touch -d @$TS CTLFile.tlv
TZ=UTC "$CTLSIGN" show CTLFile.tlv >show.txt 2>&1
check "golden show output" -- diff -u "$G/ctl-direct.show" show.txt
TZ=UTC "$CTLSIGN" show --json CTLFile.tlv | sed '/"modified"/d' >show.json
check "golden show --json output" -- diff -u "$G/ctl-direct.json" show.json

# --- round trip build -> show -> verify -------------------------------------
expect 0 "verify built file" -- "$CTLSIGN" verify golden.tlv
has out "signature valid (SHA-1, RSA 1024-bit)" "verify names digest and key"
has out "ITLRECOVERY_pub.example.com" "verify names the signer"
expect 0 "show built file" -- "$CTLSIGN" show golden.tlv
has out "This etoken was used to sign the CTL file." "signer marked"
has out "This etoken was not used to sign the CTL file." "second SAST marked"
has out "The CTL file was verified successfully." "show verifies"

for d in sha256 sha512; do
	expect 0 "build --digest $d" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/pub-itlrecovery.key \
		--digest $d -o d-$d.tlv
	has err "CUCM and the CTL Client write and read SHA-1 only" "--digest $d is warned about"
	expect 0 "verify --digest $d" -- "$CTLSIGN" verify d-$d.tlv
	has out "$(tr a-z A-Z <<<"${d:0:3}")-${d:3}" "digest $d named"
done
expect 2 "unknown digest" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/pub-itlrecovery.key --digest md5 -o x.tlv

# --- rebuild from an existing file's records: byte-for-byte ------------------
expect 0 "rebuild from records" -- "$CTLSIGN" build --first --from "$FX/ctl-cucm-sha1.tlv" \
	--key keys/ccm1.key --timestamp 1430968247 -o rebuilt.tlv
check "rebuild reproduces the independent writer's file" -- cmp -s rebuilt.tlv "$FX/ctl-cucm-sha1.tlv"
expect 0 "rebuild blanked records" -- "$CTLSIGN" build --first --from "$FX/ctl-blanked.tlv" \
	--key keys/ccm1.key --timestamp 1430968247 -o rebuilt2.tlv
check "blanked records rebuilt byte-for-byte" -- cmp -s rebuilt2.tlv "$FX/ctl-blanked.tlv"

# --- reproducible: SOURCE_DATE_EPOCH ----------------------------------------
SOURCE_DATE_EPOCH=1600000000 "$CTLSIGN" build --first -q "${direct[@]}" --key keys/pub-itlrecovery.key -o r1.tlv
SOURCE_DATE_EPOCH=1600000000 "$CTLSIGN" build --first -q "${direct[@]}" --key keys/pub-itlrecovery.key -o r2.tlv
check "SOURCE_DATE_EPOCH builds are identical" -- cmp -s r1.tlv r2.tlv
"$CTLSIGN" show --json r1.tlv >r1.json
check "SOURCE_DATE_EPOCH is the timestamp" -- grep -q '"timestamp": 1600000000' r1.json
expect 2 "bad SOURCE_DATE_EPOCH" -- env SOURCE_DATE_EPOCH=yesterday "$CTLSIGN" build --first "${direct[@]}" \
	--key keys/pub-itlrecovery.key -o x.tlv

# --- the signer ----------------------------------------------------------------
expect 0 "signer found by key among SAST" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/pub-callmanager.key -o cm.tlv
"$CTLSIGN" verify cm.tlv >v.txt
has v.txt "CN=pub.example.com" "CallManager key signs when given"
expect 5 "key that is no SAST record" -- "$CTLSIGN" build --first --sast "$G/pub-itlrecovery.pem" \
	--ccm-tftp "sub,192.0.2.11,$G/sub-callmanager.pem" --key keys/sub-callmanager.key -o x.tlv
has err "belongs to none of the SAST certificates" "refusal says why"
expect 5 "signer-cert that is not SAST" -- "$CTLSIGN" build --first --sast "$G/pub-itlrecovery.pem" \
	--ccm-tftp "sub,192.0.2.11,$G/sub-callmanager.pem" --key keys/sub-callmanager.key \
	--signer-cert "$G/sub-callmanager.pem" -o x.tlv
has err "is not one of the file's SAST records" "not-SAST refusal"
expect 5 "key does not match signer-cert" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/pub-callmanager.key \
	--signer-cert "$G/pub-itlrecovery.pem" -o x.tlv
has err "keys/pub-callmanager.key" "mismatch names the key"
has err "pub-itlrecovery.pem" "mismatch names the certificate"
check "no output after refusals" -- test ! -e x.tlv
expect 2 "no key" -- "$CTLSIGN" build --first "${direct[@]}" -o x.tlv
expect 2 "key and token together" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/pub-callmanager.key \
	--sign-with "pkcs11:token=x" -o x.tlv
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out keys/ec.key 2>/dev/null
chmod 600 keys/ec.key
expect 5 "EC signing key refused" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/ec.key -o x.tlv
echo "not a key" >keys/junk.key && chmod 600 keys/junk.key
expect 3 "junk key file" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/junk.key -o x.tlv
expect 4 "missing key file" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/none.key -o x.tlv

# Encrypted key: passphrase from a file; wrong one; none without a terminal.
openssl pkey -in keys/pub-itlrecovery.key -aes256 -passout file:<(printf 'S3cret-pass\n') -out keys/enc.key
chmod 600 keys/enc.key
printf 'S3cret-pass\n' >pass && chmod 600 pass
printf 'wrong\n' >wpass && chmod 600 wpass
expect 0 "encrypted key with --pass-source" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/enc.key \
	--pass-source file:pass --timestamp $TS -o enc.tlv
check "encrypted key signs the same bytes" -- cmp -s enc.tlv golden.tlv
expect 6 "wrong passphrase" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/enc.key --pass-source file:wpass -o x.tlv
has err "passphrase" "wrong passphrase said"
hasnt err "S3cret" "passphrase never printed"
expect 0 "passphrase from stdin" -- bash -c "printf 'S3cret-pass\n' | '$CTLSIGN' build --first ${direct[*]@Q} --key keys/enc.key --pass-source - -o enc2.tlv"
expect 2 "encrypted key without terminal or source" -- setsid -w "$CTLSIGN" build --first "${direct[@]}" --key keys/enc.key -o x.tlv </dev/null
has err "pass-source" "tells how to give the passphrase"

# Key file permissions.
cp keys/pub-itlrecovery.key loose.key && chmod 644 loose.key
expect 0 "loose key still signs" -- "$CTLSIGN" build --first "${direct[@]}" --key loose.key -o loose.tlv
has err "readable by everyone" "loose key warned"

# --- certificate checks ---------------------------------------------------------
expect 5 "expired certificate refused" -- "$CTLSIGN" build --first "${direct[@]}" --tftp "old,192.0.2.99,$FX/expired.pem" \
	--key keys/pub-itlrecovery.key -o x.tlv
has err "expired.pem" "expired refusal names the file"
has err "allow-expired" "expired refusal says how to override"
expect 0 "--allow-expired" -- "$CTLSIGN" build --first "${direct[@]}" --tftp "old,192.0.2.99,$FX/expired.pem" \
	--key keys/pub-itlrecovery.key --allow-expired -o exp.tlv
has err "expired on 2001-01-01" "expired still warned"
openssl req -new -x509 -key keys/pub-capf.key -subj "/CN=soon" -days 10 -out soon.pem 2>/dev/null
expect 0 "certificate expiring in 10 days" -- "$CTLSIGN" build --first "${direct[@]}" --tftp "soon,192.0.2.98,soon.pem" \
	--key keys/pub-itlrecovery.key -o soon.tlv
has err "soon.pem.*expires in [0-9]* days" "expiring certificate warned"
expect 4 "missing certificate" -- "$CTLSIGN" build --first --sast "$G/none.pem" --key keys/pub-itlrecovery.key -o x.tlv
has err "none.pem" "missing certificate named"
printf 'garbage' >junk.pem
expect 3 "certificate not PEM or DER" -- "$CTLSIGN" build --first --sast junk.pem --key keys/pub-itlrecovery.key -o x.tlv
openssl x509 -in "$G/pub-capf.pem" -outform DER -out capf.der
expect 0 "DER certificate" -- "$CTLSIGN" build --first "${direct[@]}" --tftp "alt,192.0.2.20,capf.der" \
	--key keys/pub-itlrecovery.key -o der.tlv
(cat capf.der; printf 'x') >trail.der
expect 3 "DER certificate with trailing garbage" -- "$CTLSIGN" build --first "${direct[@]}" --capf "pub,192.0.2.10,trail.der" \
	--key keys/pub-itlrecovery.key -o x.tlv
expect 2 "bad IPv4" -- "$CTLSIGN" build --first --sast "pub,192.0.2.300,$G/pub-itlrecovery.pem" --key keys/pub-itlrecovery.key -o x.tlv
expect 2 "missing fields" -- "$CTLSIGN" build --first --ccm-tftp "$G/pub-callmanager.pem" --key keys/pub-itlrecovery.key -o x.tlv
expect 2 "TVS in a CTL" -- "$CTLSIGN" build --first "${direct[@]}" --tvs "pub,192.0.2.10,$G/pub-tvs.pem" \
	--key keys/pub-itlrecovery.key -o x.tlv
has err "ITL" "TVS refusal points to the ITL"
expect 2 "nothing to build" -- "$CTLSIGN" build --first --key keys/pub-itlrecovery.key
expect 2 "cluster and records together" -- "$CTLSIGN" build --first -c "$G/cluster.ini" "${direct[@]}"

# A NUL byte inside a certificate name would cut the name string short where
# phones read it: refused, naming the file.
openssl req -new -x509 -key keys/pub-capf.key -subj "/CN=nulAAAAtrick/O=Example" -days 30 -out nul0.pem 2>/dev/null
python3 - <<'PY'
import base64, re
pem = open("nul0.pem").read()
der = bytearray(base64.b64decode("".join(pem.strip().splitlines()[1:-1])))
i = der.find(b"nulAAAAtrick")
der[i + 3] = 0          # "nul\0AAAtrick": issuer and subject both
j = der.find(b"nulAAAAtrick")
if j >= 0:
    der[j + 3] = 0
b = base64.b64encode(bytes(der)).decode()
open("nul.pem", "w").write("-----BEGIN CERTIFICATE-----\n" + "\n".join(b[k:k + 64] for k in range(0, len(b), 64)) + "\n-----END CERTIFICATE-----\n")
PY
expect 5 "a NUL byte in a certificate name" -- "$CTLSIGN" build --first "${direct[@]}" --tftp "nul,192.0.2.8,nul.pem" \
	--key keys/pub-itlrecovery.key -o x.tlv
has err "nul.pem" "the NUL refusal names the file"
has err "NUL byte" "the NUL refusal says why"
check "no output for a NUL name" -- test ! -e x.tlv

# A record over 65535 bytes: a certificate with a huge subjectAltName.
python3 -c "print('subjectAltName=' + ','.join('DNS:host%05d.example.com' % i for i in range(3000)))" >big.ext
openssl req -new -key keys/pub-itlrecovery.key -subj "/CN=big" -out big.csr 2>/dev/null
openssl x509 -req -in big.csr -signkey keys/pub-itlrecovery.key -days 30 -extfile big.ext -out big.pem 2>/dev/null
expect 5 "record over 65535 bytes" -- "$CTLSIGN" build --first "${direct[@]}" --tftp "big,192.0.2.5,big.pem" \
	--key keys/pub-itlrecovery.key -o x.tlv
has err "65535" "size refusal names the limit"

# EC record: signer version 1.1 is written; 1.0 is refused.
expect 0 "EC record" -- "$CTLSIGN" build --first "${direct[@]}" --ccm "ec,192.0.2.7,$FX/ecdsa.pem" \
	--key keys/pub-itlrecovery.key -o ec.tlv
"$CTLSIGN" show --json ec.tlv >ec.json
check "EC record forces signer version 1.1" -- grep -q '"signer_version": "1.1"' ec.json
check "EC public key is the 97-byte point" -- python3 -c "
import json,sys; d=json.load(open('ec.json'))
r=[r for r in d['records'] if r['certificate']['key_type']=='EC'][0]
assert [t['length'] for t in r['tlvs'] if t['tag']==7]==[97]"
expect 5 "EC record with signer version 1.0" -- "$CTLSIGN" build --first "${direct[@]}" --ccm "ec,192.0.2.7,$FX/ecdsa.pem" \
	--signer-version 1.0 --key keys/pub-itlrecovery.key -o x.tlv
expect 0 "signer version 1.0 on request" -- "$CTLSIGN" build --first "${direct[@]}" --signer-version 1.0 \
	--key keys/pub-itlrecovery.key -o sv.tlv
"$CTLSIGN" show --json sv.tlv >sv.json
check "signer version 1.0 written" -- grep -q '"signer_version": "1.0"' sv.json

# More than two SAST records: a warning naming both facts.
expect 0 "three SAST records" -- "$CTLSIGN" build --first "${direct[@]}" --sast "$FX/sast1.pem" \
	--key keys/pub-itlrecovery.key -o s3.tlv
has err "3 SAST records" "more-than-2 warning"

# --- ITL, per-phone names, non-secure -------------------------------------------
expect 0 "ITL build" -- "$CTLSIGN" build --first --itl --sast "pub,192.0.2.10,$G/pub-itlrecovery.pem" \
	--sast "pub,192.0.2.10,$G/pub-callmanager.pem" --tftp "pub,192.0.2.10,$G/pub-callmanager.pem" \
	--tvs "pub,192.0.2.10,$G/pub-tvs.pem" --capf "pub,192.0.2.10,$G/pub-capf.pem" \
	--key keys/pub-itlrecovery.key --mac 00a1b2c3d4e5
check "per-phone ITL name" -- test -f ITLSEP00A1B2C3D4E5.tlv
expect 0 "show per-phone ITL" -- "$CTLSIGN" show ITLSEP00A1B2C3D4E5.tlv
has out "The ITL file was verified successfully." "ITL wording"
has out "ITL Record #:4" "ITL records"
has out "TVS" "TVS record in the ITL"
"$CTLSIGN" show --json ITLSEP00A1B2C3D4E5.tlv >itl.json
check "FILENAME inside stays plain" -- grep -q '"filename": "ITLFile.tlv"' itl.json
expect 2 "bad MAC" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/pub-itlrecovery.key --mac 00a1b2
for m in 00:A1:B2:C3:D4:E5 SEP00a1b2c3d4e5 00-a1-b2-c3-d4-e5; do
	expect 0 "MAC written as $m" -- "$CTLSIGN" build --first -q "${direct[@]}" --key keys/pub-itlrecovery.key --mac "$m"
	check "MAC $m names CTLSEP00A1B2C3D4E5.tlv" -- test -f CTLSEP00A1B2C3D4E5.tlv
	rm -f CTLSEP00A1B2C3D4E5.tlv*
done
expect 0 "blanked record" -- "$CTLSIGN" build --first --sast "pub,192.0.2.10,$G/pub-itlrecovery.pem" \
	--blank "pub,192.0.2.10" --key keys/pub-itlrecovery.key -o blank.tlv
"$CTLSIGN" show --json blank.tlv >blank.json
check "blanked record holds name, function and IP only" -- python3 -c "
import json; d=json.load(open('blank.json')); r=d['records'][1]
assert [t['tag'] for t in r['tlvs']]==[1,2,4,10] and r['length']==5+3+4+5+7 and r['certificate'] is None, r"

# Large ITL: over 64 KB phones stop registering, so it is refused before signing.
many=()
for i in $(seq 1 80); do
	openssl req -new -x509 -key keys/pub-capf.key -subj "/CN=tvs$i.example.com" -days 400 \
		-set_serial "$i" -out "tvs$i.pem" 2>/dev/null
	many+=(--tvs "tvs$i,192.0.2.$i,tvs$i.pem")
done
expect 5 "large ITL" -- "$CTLSIGN" build --first --itl --sast "$G/pub-itlrecovery.pem" "${many[@]}" \
	--key keys/pub-itlrecovery.key -o big-itl.tlv
has err "64 KB" "large ITL refused, naming the limit"
check "large ITL: nothing written" -- test ! -e big-itl.tlv
expect 0 "an ITL under the limit" -- "$CTLSIGN" build --first --itl --sast "$G/pub-itlrecovery.pem" \
	"${many[@]:0:40}" --key keys/pub-itlrecovery.key -o small-itl.tlv
# The same certificate twice in one role is refused.
expect 5 "the same TVS certificate twice" -- "$CTLSIGN" build --first --itl --sast "$G/pub-itlrecovery.pem" \
	--tvs "a,192.0.2.1,tvs1.pem" --tvs "b,192.0.2.2,tvs1.pem" --key keys/pub-itlrecovery.key -o x.tlv
has err "the same certificate is in TVS records 2" "duplicate named"

# --- cluster file and release presets --------------------------------------------
cp "$G"/*.pem . && cp keys/pub-*.key keys/sub-*.key . && cp "$G/cluster.ini" .
expect 0 "cluster build (12.5 preset)" -- "$CTLSIGN" build --first -c cluster.ini --timestamp $TS -o cl.tlv
check "cluster CTL golden" -- cmp -s cl.tlv "$G/ctl-cluster.tlv"
has err "ITLRecovery key of pub (release 12.5 preset)" "preset named"
expect 0 "cluster ITL" -- "$CTLSIGN" build --first -c cluster.ini --itl --timestamp $TS -o cl-itl.tlv
check "cluster ITL golden" -- cmp -s cl-itl.tlv "$G/itl-cluster.tlv"
sast_of() { "$CTLSIGN" show --json "$1" | python3 -c "
import json,sys; d=json.load(sys.stdin)
print(' '.join(('*' if r.get('signed_this_file') else '')+r['subject'].split(';')[0] for r in d['records'] if r['function']['code']==0))"; }
check "12.5: ITLRecovery signs, CallManager second" -- test "$(sast_of cl.tlv)" = "*CN=ITLRECOVERY_pub.example.com CN=pub.example.com"
sed 's/^release = 12.5/release = 11.5/' cluster.ini >c115.ini
expect 0 "cluster 11.5" -- "$CTLSIGN" build --first -c c115.ini -o c115.tlv
check "11.5: CallManager signs, ITLRecovery second" -- test "$(sast_of c115.tlv)" = "*CN=pub.example.com CN=ITLRECOVERY_pub.example.com"
sed 's/^release = 12.5/release = 10.5(2)/' cluster.ini >c1052.ini
expect 0 "cluster 10.5(2)" -- "$CTLSIGN" build --first -c c1052.ini -o c1052.tlv
check "10.5(2): CallManager signs, ITLRecovery second" -- test "$(sast_of c1052.tlv)" = "*CN=pub.example.com CN=ITLRECOVERY_pub.example.com"
sed 's/^release = 12.5/release = 10.5(1)/' cluster.ini >c1051.ini
expect 0 "cluster 10.5(1)" -- "$CTLSIGN" build --first -c c1051.ini -o c1051.tlv
check "10.5(1): CallManager only" -- test "$(sast_of c1051.tlv)" = "*CN=pub.example.com"
sed 's/^release = 12.5/release = 9.1(2)/' cluster.ini >c91.ini
expect 5 "9.1(2) has no tokenless mode" -- "$CTLSIGN" build --first -c c91.ini -o x.tlv
sed 's/^release = 12.5/release = 12.5\nsigner = callmanager/' cluster.ini >cover.ini
expect 0 "preset overridden" -- "$CTLSIGN" build --first -c cover.ini -o cover.tlv
check "override: CallManager signs" -- test "$(sast_of cover.tlv | cut -d' ' -f1)" = "*CN=pub.example.com"
expect 0 "cluster non-secure" -- "$CTLSIGN" build --first -c cluster.ini --non-secure -o ns.tlv
"$CTLSIGN" show --json ns.tlv >ns.json
check "non-secure blanks CCM+TFTP" -- python3 -c "
import json; d=json.load(open('ns.json'))
rs=[r for r in d['records'] if r['function']['code']==2]
assert len(rs)==2 and all(r['certificate'] is None for r in rs)"
printf '[cluster]\nrelease = 12.5\n[node pub]\nipv4 = 1.2.3\n' >badc.ini
expect 3 "bad cluster file" -- "$CTLSIGN" build --first -c badc.ini -o x.tlv
has err "badc.ini:4" "cluster error names file and line"
has err "ipv4" "cluster error names the key"

# --- safe output -----------------------------------------------------------------
cp golden.tlv keep.tlv && cp golden.tlv prev.tlv
expect 4 "file-size limit mid-write" -- bash -c "ulimit -f 1; exec '$CTLSIGN' build --first ${direct[*]@Q} --key keys/pub-itlrecovery.key -o keep.tlv"
check "previous file intact after failed write" -- cmp -s keep.tlv prev.tlv
check "no temporary file left" -- test -z "$(ls keep.tlv.tmp.* 2>/dev/null)"
check "no backup made by a failed write" -- test ! -e keep.tlv.bak
expect 0 "backup kept" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/pub-callmanager.key -o keep.tlv
check "NAME.bak is the previous file" -- cmp -s keep.tlv.bak prev.tlv
rm -f keep.tlv.bak
expect 0 "--no-backup" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/pub-callmanager.key --no-backup -o keep.tlv
check "no backup with --no-backup" -- test ! -e keep.tlv.bak
ln -s golden.tlv link.tlv
expect 4 "output is a symlink" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/pub-itlrecovery.key -o link.tlv
check "symlink left alone" -- test -L link.tlv
mkdir adir
expect 4 "output is a directory" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/pub-itlrecovery.key -o adir
expect 4 "output folder missing" -- "$CTLSIGN" build --first "${direct[@]}" --key keys/pub-itlrecovery.key -o nodir/x.tlv
(umask 077; "$CTLSIGN" build --first -q "${direct[@]}" --key keys/pub-itlrecovery.key -o mode.tlv)
check "output mode 0644 whatever the umask" -- test "$(stat -c %a mode.tlv)" = 644
if [ -w /dev/full ]; then :; fi

finish
