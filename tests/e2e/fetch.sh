#!/usr/bin/env bash
# End-to-end tests of `ctlsign fetch` and `ctlsign fetch-cert` against real
# servers, on loopback only: tftpd-hpa's in.tftpd (IPv4 and IPv6), python3's
# http.server standing in for the TFTP service's HTTP port 6970, and openssl
# s_server presenting test certificates (demanding a client certificate over
# TLS 1.3 and 1.2, and sending a leaf + intermediate chain). Every server is
# a child of this script on a free port, stopped with kill + wait on exit.
# in.tftpd --secure chroots into its folder, so this suite runs as root.
SUITE=fetch
. "$(dirname "$0")/../lib.sh" || exit 1
fixtures
cd "$T"
MAC=001A2B3C4D5E

# Servers: `serve' in lib.sh (a free port, stopped on exit).
md5() { md5sum "$1" | cut -d' ' -f1; }
sha1() { sha1sum "$1" | cut -d' ' -f1; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }
# The SHA-256 fingerprint of a PEM certificate as AA:BB:...
fpr() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }
# json FILE EXPR: a Python expression over the document `d` is true.
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }

# The folder the TFTP and HTTP servers serve. in.tftpd drops to `nobody'
# after its chroot: the folder and files must be world-readable.
mkdir srv && chmod 755 srv
put() { cp "$1" "srv/$2" && chmod 644 "srv/$2"; }
put "$FX/ctl-cucm-sha1.tlv" CTLFile.tlv
put "$FX/itl.tlv" ITLFile.tlv

serve tftp4 udp 4 /usr/sbin/in.tftpd --foreground --listen --address 127.0.0.1:@PORT@ --secure "$T/srv" ||
	{ bad "in.tftpd on 127.0.0.1 did not start"; finish; exit 1; }
TFTP=$PORT
serve tftp6 udp 6 /usr/sbin/in.tftpd --foreground --listen --address "[::1]:@PORT@" --secure "$T/srv" ||
	{ bad "in.tftpd on [::1] did not start"; finish; exit 1; }
TFTP6=$PORT
serve http tcp 4 python3 -m http.server --bind 127.0.0.1 --directory "$T/srv" @PORT@ ||
	{ bad "http.server did not start"; finish; exit 1; }
HTTP=$PORT

# ---- fetch over TFTP: success and the summary ---------------------------------
mkdir a
expect 0 "fetch over TFTP" -- "$CTLSIGN" fetch "tftp://127.0.0.1:$TFTP/CTLFile.tlv" -o a/CTLFile.tlv
check "fetched file is the served file" -- cmp -s a/CTLFile.tlv "$FX/ctl-cucm-sha1.tlv"
has out "tftp://127.0.0.1:$TFTP/CTLFile.tlv: wrote a/CTLFile.tlv (" "summary names URL and output"
has out "^The checksum value of the CTL file:" "show ctl checksum heading"
has out "^$(md5 srv/CTLFile.tlv)(MD5)$" "MD5 line as show ctl prints it"
has out "^$(sha1 srv/CTLFile.tlv)(SHA1)$" "SHA1 line as show ctl prints it"
has out "^Length of CTL file: $(stat -c %s srv/CTLFile.tlv)$" "length"
has out "^records: 5 (2 SAST, 2 CCM+TFTP, 1 CAPF)$" "records counted by role"
has out "^signature valid (SHA-1, RSA 1024-bit), signed 2015-05-07T03:10:47Z$" "digest and timestamp"
has out "^signer: CN=ccm1.example.com;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US (record 1, SAST)$" "signer"
check "no temporary file left" -- test -z "$(ls a | grep -v '^CTLFile.tlv\(.lock\)\?$')"
expect 0 "fetch again" -- "$CTLSIGN" fetch "tftp://127.0.0.1:$TFTP/CTLFile.tlv" -o a/CTLFile.tlv
check "previous file kept as .bak" -- cmp -s a/CTLFile.tlv.bak "$FX/ctl-cucm-sha1.tlv"
expect 0 "fetch --no-backup" -- "$CTLSIGN" fetch -q --no-backup "tftp://127.0.0.1:$TFTP/ITLFile.tlv" -o a/itl.tlv
check "-q prints nothing" -- test ! -s "$T/out"
check "--no-backup keeps none" -- test ! -e a/itl.tlv.bak
# Without -o: the URL's file name, in the current folder or -d DIR.
(cd a && "$CTLSIGN" fetch -q "TFTP://127.0.0.1:$TFTP/ITLFile.tlv")
check "default output is the URL's name" -- cmp -s a/ITLFile.tlv "$FX/itl.tlv"
mkdir d
expect 0 "fetch -d DIR" -- "$CTLSIGN" fetch -d d "tftp://127.0.0.1:$TFTP/ITLFile.tlv"
check "-d DIR holds the file" -- cmp -s d/ITLFile.tlv "$FX/itl.tlv"
has out "^The checksum value of the ITL file:" "ITL summary says ITL"

expect 0 "fetch --json" -- "$CTLSIGN" fetch --json "tftp://127.0.0.1:$TFTP/CTLFile.tlv" -o a/j.tlv
cp "$T/out" fetch.json
check "JSON: one file, found and written" -- json fetch.json \
	"len(d['files']) == 1 and d['files'][0]['found'] and d['files'][0]['written'] and d['files'][0]['output'] == 'a/j.tlv'"
check "JSON: digests of the bytes" -- json fetch.json \
	"d['files'][0]['sha256'] == '$(sha256 srv/CTLFile.tlv)' and d['files'][0]['md5'] == '$(md5 srv/CTLFile.tlv)'"
check "JSON: signer and records" -- json fetch.json \
	"d['files'][0]['records'] == 5 and d['files'][0]['signer']['record'] == 1 and d['files'][0]['signature_valid'] and d['files'][0]['digest'] == 'SHA-1'"
check "docs/json.md: fetch" -- python3 "$ROOT/tests/jsonpaths.py" "$ROOT/docs/json.md" fetch fetch.json

# ---- a missing file: exit 4, and what a missing CTL means ---------------------
mkdir m
expect 4 "missing CTL" -- "$CTLSIGN" fetch "tftp://127.0.0.1:$TFTP/CTLSEPNONE.tlv" -o m/x.tlv
expect 4 "missing CTLFile.tlv" -- "$CTLSIGN" fetch -d m "tftp://127.0.0.1:$TFTP/CTLFile-absent.tlv"
has err "tftp://127.0.0.1:$TFTP/CTLFile-absent.tlv: not found on the server (TFTP file not found)" "not found named"
has err "non-secure mode (a state, not a fault)" "non-secure note"
check "nothing written for a missing file" -- test -z "$(ls m)"
expect 4 "missing over HTTP (404)" -- "$CTLSIGN" fetch -d m "http://127.0.0.1:$HTTP/CTLFile-absent.tlv"
has err "not found on the server (HTTP 404)" "HTTP 404 named"
has err "non-secure mode" "non-secure note over HTTP"
expect 4 "missing ITL" -- "$CTLSIGN" fetch -d m "tftp://127.0.0.1:$TFTP/ITLFile-absent.tlv"
has err "every CUCM TFTP server serves ITLFile.tlv" "missing ITL is a fault"
expect 4 "missing, --json" -- "$CTLSIGN" fetch --json -d m "tftp://127.0.0.1:$TFTP/CTLFile-absent.tlv"
check "JSON: found false, error named" -- json "$T/out" \
	"not d['files'][0]['found'] and 'not found' in d['files'][0]['error'] and d['files'][0]['output'] is None"

# ---- timeouts: a UDP port nobody answers, a TCP server that never speaks ------
silent() { # silent tcp|udp: a loopback socket that never answers; sets PORT
	serve "silent-$1" "$1" 4 python3 -c '
import socket, sys, time
tcp = sys.argv[1] == "tcp"
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[2])))
if tcp: s.listen(8)
time.sleep(300)' "$1" @PORT@
}
silent udp
elapsed "$CTLSIGN" fetch --timeout 1 "tftp://127.0.0.1:$PORT/CTLFile.tlv" -o m/t.tlv
check "TFTP timeout: exit 4 (was $RC)" -- test "$RC" = 4
has err "no answer from 127.0.0.1 port $PORT (TFTP) within 1 s: Timeout was reached" "TFTP timeout names host, port, libcurl's text"
[ -n "${CTLSIGN_VALGRIND:-}" ] || check "TFTP timeout bounded by --timeout (${SECS} s)" -- faster "$SECS" 3.5
elapsed "$CTLSIGN" fetch --tftp "127.0.0.1:$PORT" --timeout 0.5 -d m
check "--tftp: a server that does not answer stops at the CTL (exit $RC)" -- test "$RC" = 4
check "--tftp timeout: the ITL is not tried after a network failure" -- test "$(grep -c 'no answer' "$T/err")" = 1
[ -n "${CTLSIGN_VALGRIND:-}" ] || check "--timeout 0.5 bounded (${SECS} s)" -- faster "$SECS" 3
silent tcp
elapsed "$CTLSIGN" fetch --timeout 1 "http://127.0.0.1:$PORT/CTLFile.tlv" -o m/t.tlv
check "HTTP timeout: exit 4 (was $RC)" -- test "$RC" = 4
has err "no answer from 127.0.0.1 port $PORT (HTTP) within 1 s" "HTTP timeout named"
[ -n "${CTLSIGN_VALGRIND:-}" ] || check "HTTP timeout bounded (${SECS} s)" -- faster "$SECS" 3.5
check "nothing written on timeouts" -- test -z "$(ls m)"

# ---- refused downloads leave the previous file intact, byte for byte ----------
cp a/CTLFile.tlv keep.tlv
head -c 3000 "$FX/ctl-cucm-sha1.tlv" >trunc.tlv && put trunc.tlv trunc.tlv
expect 3 "truncated download refused" -- "$CTLSIGN" fetch "tftp://127.0.0.1:$TFTP/trunc.tlv" -o a/CTLFile.tlv
has err "tftp://127.0.0.1:$TFTP/trunc.tlv: not written: the downloaded file is malformed: record 3 at byte" "malformed names URL and byte"
check "truncated: previous file intact" -- cmp -s a/CTLFile.tlv keep.tlv
put "$FX/bad-flipped-signature.tlv" flipped.tlv
expect 1 "corrupted signature refused" -- "$CTLSIGN" fetch "tftp://127.0.0.1:$TFTP/flipped.tlv" -o a/CTLFile.tlv
has err "flipped.tlv: not written: verification failed" "verification failure named"
check "corrupted: previous file intact" -- cmp -s a/CTLFile.tlv keep.tlv
put "$FX/bad-flipped-record.tlv" record.tlv
expect 1 "corrupted record refused (HTTP)" -- "$CTLSIGN" fetch "http://127.0.0.1:$HTTP/record.tlv" -o a/CTLFile.tlv
check "corrupted record: previous file intact" -- cmp -s a/CTLFile.tlv keep.tlv
check "no temporary or extra file after refusals" -- test -z "$(ls a | grep -vxE '(CTLFile.tlv(.bak)?|ITLFile.tlv|itl.tlv|j.tlv)(.lock)?')"
check "backup untouched by refusals" -- cmp -s a/CTLFile.tlv.bak "$FX/ctl-cucm-sha1.tlv"

# ---- a huge file: refused at the limit, never held whole ----------------------
truncate -s 100M srv/huge.tlv && chmod 644 srv/huge.tlv
rss() { # rss ARGS...: max RSS (KB) of `ctlsign ARGS` in RSS, status in RC
	/usr/bin/time -f %M -o "$T/rss" "$CTLSIGN" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	RSS=$(tail -1 "$T/rss")
}
rss fetch "tftp://127.0.0.1:$TFTP/CTLFile.tlv" -o m/small.tlv
base=$RSS
rm -f m/small.tlv
for u in "tftp://127.0.0.1:$TFTP/huge.tlv" "http://127.0.0.1:$HTTP/huge.tlv"; do
	rss fetch "$u" -o m/huge.tlv
	check "$u: refused with exit 3 (was $RC)" -- test "$RC" = 3
	has err "larger than the 4194304-byte limit; download stopped" "$u: limit named"
	check "$u: max RSS $RSS KB (small file: $base KB)" -- test "$RSS" -lt $((base + 24000))
done
check "nothing written for huge files" -- test -z "$(ls m | grep -v '\.lock$')"
echo "fetch: max RSS: small file $base KB, 100 MB download $RSS KB" >&2

# ---- IPv6 literals -------------------------------------------------------------
mkdir six
expect 0 "fetch tftp://[::1]" -- "$CTLSIGN" fetch "tftp://[::1]:$TFTP6/CTLFile.tlv" -o six/CTLFile.tlv
check "IPv6 fetch is the served file" -- cmp -s six/CTLFile.tlv "$FX/ctl-cucm-sha1.tlv"
has out "tftp://\[::1\]:$TFTP6/CTLFile.tlv: wrote" "IPv6 URL in the summary"
expect 0 "fetch --tftp [::1]:PORT" -- "$CTLSIGN" fetch -q --tftp "[::1]:$TFTP6" -d six
check "--tftp IPv6 fetched the ITL" -- cmp -s six/ITLFile.tlv "$FX/itl.tlv"

# ---- --tftp / --http: what a phone downloads, in its order ---------------------
mkdir plain
expect 0 "--tftp HOST:PORT" -- "$CTLSIGN" fetch --tftp "127.0.0.1:$TFTP" -d plain
check "--tftp: CTL and ITL" -- cmp -s plain/CTLFile.tlv "$FX/ctl-cucm-sha1.tlv"
check "--tftp: ITL" -- cmp -s plain/ITLFile.tlv "$FX/itl.tlv"
check "CTL summarised before ITL" -- test "$(grep -n 'wrote' "$T/out" | head -1 | grep -c CTLFile)" = 1
# A phone's files: only CTLFile.tlv and the phone's own ITLSEP are served;
# ITLFile.tlv is there too but a phone with an ITLSEP never asks for it.
put "$FX/itl.tlv" "ITLSEP$MAC.tlv"
mkdir phone
expect 0 "--mac fallback" -- "$CTLSIGN" fetch --json --tftp "127.0.0.1:$TFTP" --mac 00:1a:2b:3c:4d:5e -d phone
cp "$T/out" mac.json
check "--mac: asked in a phone's order" -- json mac.json \
	"[f['name'] for f in d['files']] == ['CTLSEP$MAC.tlv', 'CTLFile.tlv', 'ITLSEP$MAC.tlv']"
check "--mac: per-phone CTL missing, plain CTL and per-phone ITL found" -- json mac.json \
	"[f['found'] for f in d['files']] == [False, True, True]"
check "--mac: wrote CTLFile.tlv and ITLSEP<MAC>.tlv only" -- \
	test "$(ls phone | grep -v '\.lock$' | tr '\n' ' ')" = "CTLFile.tlv ITLSEP$MAC.tlv "
check "--mac: ITLSEP is the per-phone file" -- cmp -s "phone/ITLSEP$MAC.tlv" "$FX/itl.tlv"
expect 0 "--mac, text" -- "$CTLSIGN" fetch --tftp "127.0.0.1:$TFTP" --mac "SEP$MAC" -d phone
has out "CTLSEP$MAC.tlv: not found; a phone then asks for CTLFile.tlv" "fallback said"
rm "srv/ITLSEP$MAC.tlv"

# A cluster in non-secure mode: no CTL, the ITL still comes.
mv srv/CTLFile.tlv srv/CTLFile.tlv.off
mkdir ns
expect 4 "--tftp, non-secure cluster" -- "$CTLSIGN" fetch --tftp "127.0.0.1:$TFTP" -d ns
has err "CTLFile.tlv: not found on the server.*non-secure mode (a state, not a fault)" "non-secure said"
check "non-secure: the ITL is still fetched" -- cmp -s ns/ITLFile.tlv "$FX/itl.tlv"
check "non-secure: no CTL written" -- test ! -e ns/CTLFile.tlv
mv srv/CTLFile.tlv.off srv/CTLFile.tlv

mkdir web
expect 0 "--http HOST:PORT" -- "$CTLSIGN" fetch --http "127.0.0.1:$HTTP" -d web
check "--http: CTL" -- cmp -s web/CTLFile.tlv "$FX/ctl-cucm-sha1.tlv"
check "--http: ITL" -- cmp -s web/ITLFile.tlv "$FX/itl.tlv"
has out "http://127.0.0.1:$HTTP/CTLFile.tlv: wrote" "--http uses HTTP"

# ---- other verbs read a URL ------------------------------------------------------
expect 0 "verify --trust tftp://" -- "$CTLSIGN" verify --trust "tftp://127.0.0.1:$TFTP/CTLFile.tlv" "$FX/ctl-cucm-sha1.tlv"
has out "trusted through: tftp://127.0.0.1:$TFTP/CTLFile.tlv" "trusted through the URL"
expect 4 "verify --trust of a missing URL" -- "$CTLSIGN" verify --trust "tftp://127.0.0.1:$TFTP/none.tlv" "$FX/ctl-cucm-sha1.tlv"
has err "tftp://127.0.0.1:$TFTP/none.tlv" "missing trust URL named"
check "the URL is named once" -- test "$(grep -o "tftp://" "$T/err" | wc -l)" = 1

# ---- usage -----------------------------------------------------------------------
expect 2 "fetch without URL" -- "$CTLSIGN" fetch
expect 2 "fetch of a local path" -- "$CTLSIGN" fetch CTLFile.tlv
expect 2 "fetch ftp://" -- "$CTLSIGN" fetch ftp://127.0.0.1/CTLFile.tlv
expect 2 "URL without a file name and no -o" -- "$CTLSIGN" fetch "tftp://127.0.0.1:$TFTP/"
expect 2 "--mac without --tftp" -- "$CTLSIGN" fetch --mac $MAC "tftp://127.0.0.1:$TFTP/CTLFile.tlv"
expect 2 "bad --mac" -- "$CTLSIGN" fetch --tftp "127.0.0.1:$TFTP" --mac 00:11:22
expect 2 "-o with --tftp" -- "$CTLSIGN" fetch --tftp "127.0.0.1:$TFTP" -o x.tlv
expect 2 "--tftp and --http" -- "$CTLSIGN" fetch --tftp 127.0.0.1 --http 127.0.0.1
expect 2 "--timeout 0" -- "$CTLSIGN" fetch --timeout 0 "tftp://127.0.0.1:$TFTP/CTLFile.tlv"
expect 2 "bad server" -- "$CTLSIGN" fetch --tftp "127.0.0.1:99999"
expect 2 "credentials refused" -- "$CTLSIGN" fetch "http://admin:S3cret@127.0.0.1:$HTTP/CTLFile.tlv"
hasnt err "S3cret" "password not repeated"
expect 4 "-d that is a file" -- "$CTLSIGN" fetch -d keep.tlv "tftp://127.0.0.1:$TFTP/CTLFile.tlv"
has err "keep.tlv': not a folder" "-d file named"
expect 4 "-d whose parent is missing" -- "$CTLSIGN" fetch -d no/where "tftp://127.0.0.1:$TFTP/CTLFile.tlv"
has err "no/where': cannot create the folder" "-d not made named"
expect 0 "-d made when missing" -- "$CTLSIGN" fetch -q -d made "tftp://127.0.0.1:$TFTP/CTLFile.tlv"
check "-d made: file in it" -- cmp -s made/CTLFile.tlv "$FX/ctl-cucm-sha1.tlv"
expect 0 "fetch --help" -- "$CTLSIGN" fetch --help
has out "Usage: ctlsign fetch" "fetch --help"

# ---- fetch-cert: TLS servers ------------------------------------------------------
# A chain: test root -> intermediate -> leaf; the leaf's OU holds an escape
# sequence, which must reach the terminal made harmless.
openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 30 \
	-subj "/CN=Test Root CA/O=Alpha" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr \
	-subj "/CN=Test Intermediate/O=Alpha" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n' >ca.ext
openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -set_serial 2 -days 30 \
	-extfile ca.ext -out inter.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -utf8 \
	-subj "/C=US/O=Alpha/OU=VTG$(printf '\033')[2J/CN=tomcat.example.com" 2>/dev/null
openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -set_serial 3 -days 30 \
	-out leaf.pem 2>/dev/null
CM=$FX/ccm2.pem
serve tls13 tcp 4 openssl s_server -www -accept 127.0.0.1:@PORT@ -cert "$CM" -key "$FX/ccm2.key" -Verify 1 ||
	bad "s_server -Verify 1 did not start"
TLS13=$PORT
serve tls12 tcp 4 openssl s_server -www -accept 127.0.0.1:@PORT@ -cert "$CM" -key "$FX/ccm2.key" -Verify 1 -no_tls1_3 ||
	bad "s_server -Verify 1 -no_tls1_3 did not start"
TLS12=$PORT
serve chain tcp 6 openssl s_server -www -accept "[::1]:@PORT@" -cert leaf.pem -key leaf.key -cert_chain inter.pem ||
	bad "s_server with a chain did not start"
CHAIN=$PORT
FP=$(fpr "$CM")

expect 0 "fetch-cert, client certificate required (TLS 1.3)" -- "$CTLSIGN" fetch-cert "127.0.0.1:$TLS13"
has out "^127.0.0.1 port $TLS13: TLSv1.3, 1 certificate sent; the node's certificate is self-signed$" "first line"
has out "the server asked for a client certificate; none was sent" "client certificate request noticed"
has out "subject:     CN=ccm2.example.com;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US" "subject in CUCM form"
has out "issuer:      CN=ccm2.example.com;OU=VTG;O=Alpha;L=SJ;ST=CA;C=US" "issuer in CUCM form"
has out "serial:      $(openssl x509 -in "$CM" -noout -serial | cut -d= -f2 | sed 's/../&:/g; s/:$//')" "serial"
has out "SHA-256:     $FP" "SHA-256 fingerprint"
has out "SHA-1:       $(openssl x509 -in "$CM" -noout -fingerprint -sha1 | cut -d= -f2)" "SHA-1 fingerprint"
has out "key:         RSA 2048" "key"
has out "valid:       20[0-9-]*T[0-9:]*Z to 20" "validity"
has out "self-signed: yes" "self-signed"
check "the server saw no client certificate" -- grep -q "peer did not return a certificate" "$T/tls13.log"
expect 0 "fetch-cert, client certificate required (TLS 1.2: the handshake fails after the certificate)" -- \
	"$CTLSIGN" fetch-cert "127.0.0.1:$TLS12"
has out "TLSv1.2" "TLS 1.2 said"
has out "the handshake then failed (the certificates had arrived)" "failure after capture said"
has out "SHA-256:     $FP" "certificate captured before the handshake failed"

expect 0 "fetch-cert of a chain over IPv6" -- "$CTLSIGN" fetch-cert "[::1]:$CHAIN"
has out "^\[::1\] port $CHAIN: TLSv1.3, 2 certificates sent; the node's certificate is not self-signed$" "chain first line"
has out "self-signed: no; issued by certificate 2" "leaf linked to the intermediate"
has out "subject:     CN=Test Intermediate;O=Alpha" "intermediate shown"
has out "self-signed: no; its issuer was not sent" "root not sent"
has out "SHA-256:     $(fpr inter.pem)" "intermediate fingerprint"
check "peer text reaches the terminal escaped" -- test "$(grep -c $'\033' "$T/out")" = 0
has out 'OU=VTG\\x1B\[2J' "escape sequence shown as \\x1B"
expect 0 "fetch-cert --json" -- "$CTLSIGN" fetch-cert --json "[::1]:$CHAIN"
cp "$T/out" cert.json
check "JSON: chain of two, linked" -- json cert.json \
	"len(d['certificates']) == 2 and d['certificates'][0]['issued_by'] == 2 and not d['self_signed'] and d['certificates'][1]['issued_by'] is None"
check "JSON: fingerprint of the leaf" -- json cert.json "d['sha256'] == '$(fpr leaf.pem)' and d['address'] == '::1'"
# JSON strings are cleaned as the terminal's are: no raw escape byte in the
# document, and none once a reader decodes it.
check "JSON: peer text escaped" -- test "$(grep -c $'\033' cert.json)" = 0
has cert.json 'OU=VTG\\\\x1B\[2J' "escape sequence as \\x1B in JSON"
check "docs/json.md: fetch-cert" -- python3 "$ROOT/tests/jsonpaths.py" "$ROOT/docs/json.md" fetch-cert cert.json

# ---- fetch-cert -o: never trusted silently ------------------------------------
expect 5 "-o without --fingerprint and without a terminal" -- \
	setsid -w "$CTLSIGN" fetch-cert "127.0.0.1:$TLS13" -o cm.pem </dev/null
has out "SHA-256:     $FP" "fingerprint shown before the refusal"
has err "\`cm.pem' not written" "refusal names the file"
has err "$FP" "refusal repeats the fingerprint"
has err "--fingerprint" "refusal says how to confirm"
check "no file after the refusal" -- test ! -e cm.pem
expect 5 "-o with a wrong --fingerprint" -- "$CTLSIGN" fetch-cert "127.0.0.1:$TLS13" -o cm.pem \
	--fingerprint "$(fpr leaf.pem)"
has err "fingerprint is $FP, not the one given; not written" "mismatch said"
check "no file after a mismatch" -- test ! -e cm.pem
expect 5 "a wrong --fingerprint without -o" -- "$CTLSIGN" fetch-cert "127.0.0.1:$TLS13" --fingerprint "$(fpr leaf.pem)"
has out "the node's certificate does NOT have the SHA-256 fingerprint given" "mismatch said on stdout"
expect 0 "-o with the right --fingerprint" -- "$CTLSIGN" fetch-cert "127.0.0.1:$TLS13" -o cm.pem --fingerprint "$FP"
has out "the node's certificate has the SHA-256 fingerprint given" "match said"
check "written certificate is the server's" -- \
	test "$(openssl x509 -in cm.pem -outform DER | sha256sum)" = "$(openssl x509 -in "$CM" -outform DER | sha256sum)"
check "written as one PEM certificate" -- test "$(grep -c 'BEGIN CERTIFICATE' cm.pem)" = 1
has err "wrote cm.pem" "write reported"
lower=$(tr -d : <<<"$FP" | tr 'A-F' 'a-f')
expect 0 "--fingerprint lower case without colons" -- "$CTLSIGN" fetch-cert "127.0.0.1:$TLS12" -o cm.pem --fingerprint "$lower"
check "previous certificate kept as .bak" -- test -s cm.pem.bak
expect 0 "chain: -o writes the leaf only" -- "$CTLSIGN" fetch-cert "[::1]:$CHAIN" -o leaf-got.pem --fingerprint "$(fpr leaf.pem)"
check "leaf written" -- test "$(fpr leaf-got.pem)" = "$(fpr leaf.pem)"
expect 2 "malformed --fingerprint" -- "$CTLSIGN" fetch-cert "127.0.0.1:$TLS13" --fingerprint "${lower:2}"

# Confirmation typed at a terminal (script(1) gives one), only after the
# fingerprint is on the screen.
confirm() { # confirm ANSWER FILE: run fetch-cert -o FILE at a terminal, type ANSWER at the prompt
	rm -f typed && mkfifo typed
	script -qec "'$CTLSIGN' fetch-cert 127.0.0.1:$TLS13 -o $2" /dev/null <typed >tty.out 2>&1 &
	local spid=$!
	exec 9>typed
	for _ in $(seq 1 600); do grep -q "Type yes to trust it" tty.out 2>/dev/null && break; sleep 0.1; done
	printf '%s\r' "$1" >&9
	for _ in $(seq 1 600); do kill -0 $spid 2>/dev/null || break; sleep 0.1; done
	kill $spid 2>/dev/null
	exec 9>&-
	wait $spid
}
confirm yes typed.pem
check "typed yes: written" -- test "$(fpr typed.pem 2>/dev/null)" = "$FP"
has tty.out "fingerprint" "prompt shows the fingerprint"
confirm no refused.pem
check "typed no: not written" -- test ! -e refused.pem
has tty.out "not written: not confirmed" "refusal at the terminal said"

# ---- fetch-cert failures ---------------------------------------------------------
silent tcp
elapsed "$CTLSIGN" fetch-cert --timeout 1 "127.0.0.1:$PORT"
check "TLS server that never answers: exit 4 (was $RC)" -- test "$RC" = 4
has err "127.0.0.1 port $PORT (127.0.0.1): no certificate received: no answer within 1 s" "TLS timeout named"
[ -n "${CTLSIGN_VALGRIND:-}" ] || check "TLS timeout bounded (${SECS} s)" -- faster "$SECS" 3.5
expect 4 "not TLS (an HTTP server)" -- "$CTLSIGN" fetch-cert --timeout 2 "127.0.0.1:$HTTP"
has err "127.0.0.1 port $HTTP" "non-TLS server named"
closed=$(free_port tcp 4)
expect 4 "connection refused" -- "$CTLSIGN" fetch-cert "127.0.0.1:$closed"
has err "127.0.0.1 port $closed: cannot connect: Connection refused" "refused connection named"
if ! bound tcp 2445; then
	expect 4 "--role tvs without a port tries 2445" -- "$CTLSIGN" fetch-cert --timeout 1 --role tvs 127.0.0.1
	has err "127.0.0.1 port 2445" "TVS port"
fi
if ! bound tcp 2443 && ! bound tcp 5061; then
	expect 4 "CallManager: 2443, then 5061" -- "$CTLSIGN" fetch-cert --timeout 1 127.0.0.1
	has err "127.0.0.1 port 2443: cannot connect.*trying port 5061" "2443 tried first"
	has err "127.0.0.1 port 5061: cannot connect" "5061 tried second"
fi
expect 2 "unknown role" -- "$CTLSIGN" fetch-cert --role ftp 127.0.0.1
expect 2 "no host" -- "$CTLSIGN" fetch-cert
expect 2 "bad host:port" -- "$CTLSIGN" fetch-cert "127.0.0.1:0"
expect 0 "fetch-cert --help" -- "$CTLSIGN" fetch-cert --help
has out "Usage: ctlsign fetch-cert" "fetch-cert --help"

stop_servers
check "every server stopped" -- test -z "$(jobs -pr)"
finish
