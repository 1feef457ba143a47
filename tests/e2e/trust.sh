#!/usr/bin/env bash
# What phones hold: the trust model through the built binary, as an admin
# runs it. Every update phones would reject is refused before anything is
# written or any PIN asked (the mock module counts C_Login), every safe one
# is written and an independent checker (tests/fixtures/phonecheck.py,
# openssl underneath) agrees that phones holding the old file take it.
# Covers: CallManager regenerated on 11.5 (only through TVS), CallManager and
# TVS regenerated together, a token signer the published CTL does not list,
# a CTL Client-made file with quoted lower-case names, a node dropped, the
# CTL Client's token rules with SoftHSM tokens, ITLs only for TFTP nodes,
# diff, ambiguous signers and old eToken records kept by --from.
SUITE=trust
. "$(dirname "$0")/../lib.sh"
BUILD=${CTLSIGN_BUILD:-$ROOT/build}
MOCK=$BUILD/mock-pkcs11.so
MK=$ROOT/tests/fixtures/mkctl.py
phone_takes() { python3 "$ROOT/tests/fixtures/phonecheck.py" "$@" 2>/dev/null; }
cd "$T"

"$ROOT/softhsm-conf/provision.sh" "$T/hsm" >/dev/null || { echo "provision.sh failed" >&2; exit 1; }
export SOFTHSM2_CONF=$T/hsm/softhsm2.conf
export CTLSIGN_MOCK_LOGIN_LOG=$T/login.log
logins() { [ -f "$T/login.log" ] && wc -l <"$T/login.log" || echo 0; }
H=$T/hsm

mkcert() { # NAME SUBJECT: a fresh key and self-signed certificate
	openssl req -new -x509 -newkey rsa:2048 -nodes -days 730 -keyout "keys/$1.key" \
		-out "certs/$1.pem" -subj "$2" -set_serial "0x$(openssl rand -hex 8)" 2>/dev/null
	chmod 600 "keys/$1.key"
}
newcluster() { # DIR: certificates of a three-node cluster
	mkdir -p "$1/certs" "$1/keys"
	(cd "$1" && o="/OU=UC/O=Example/C=US" &&
		mkcert pub-cm "/CN=pub$o" && mkcert pub-tvs "/CN=pub-TVS$o" &&
		mkcert pub-capf "/CN=CAPF-pub$o" && mkcert itlrec "/CN=ITLRECOVERY_pub$o" &&
		mkcert sub1-cm "/CN=sub1$o" && mkcert sub1-tvs "/CN=sub1-TVS$o" &&
		mkcert sub2-cm "/CN=sub2$o" && mkcert sub2-tvs "/CN=sub2-TVS$o")
}
clusterfile() { # RELEASE [LINES for [cluster]] -- the nodes follow
	printf '[cluster]\nrelease = %s\n%s\n' "$1" "${2:-}"
	cat <<'EOF'
[node pub]
host = pub
ipv4 = 192.0.2.10
roles = CCM+TFTP, CAPF, TVS
publisher = yes
callmanager = certs/pub-cm.pem
callmanager-key = keys/pub-cm.key
capf = certs/pub-capf.pem
tvs = certs/pub-tvs.pem
itlrecovery = certs/itlrec.pem
itlrecovery-key = keys/itlrec.key

[node sub1]
host = sub1
ipv4 = 192.0.2.11
roles = CCM+TFTP, TVS
callmanager = certs/sub1-cm.pem
tvs = certs/sub1-tvs.pem

[node sub2]
host = sub2
ipv4 = 192.0.2.12
roles = CCM, TVS
callmanager = certs/sub2-cm.pem
tvs = certs/sub2-tvs.pem
EOF
}
same() { cmp -s "$1" "$2"; }

# ---- 11.5 tokenless: CallManager regenerated ---------------------------------
newcluster a && cd a
clusterfile 11.5 >cluster.ini
expect 2 "no idea what phones hold: refused" -- "$CTLSIGN" build -c cluster.ini
has err "what do phones hold now" "asks what phones hold"
has err "--first" "names --first"
check "nothing written without an answer" -- test ! -e CTLFile.tlv
expect 0 "first CTL (--first)" -- "$CTLSIGN" build -c cluster.ini --first
has err "phones hold no CTL: they take the first CTL they get" "first CTL path said"
expect 0 "ITL, authenticated by the CTL phones hold" -- "$CTLSIGN" build -c cluster.ini --itl --current CTLFile.tlv
has err "the signer is SAST record 1 of CTLFile.tlv" "ITL signer found in the held CTL"
cp ITLFile.tlv held-ITLFile.tlv
# A safe update: sub1's CallManager certificate renewed.
mkcert sub1-cm "/CN=sub1/OU=UC/O=Example/C=US"
expect 0 "safe update against the output file" -- "$CTLSIGN" build -c cluster.ini
has err "phones: accepted: the signer is SAST record 1 of CTLFile.tlv" "safe update: the path"
has err "changes against CTLFile.tlv (the previous file, kept as .bak)" "safe update: changes listed"
has err "replaced  CCM+TFTP  sub1 192.0.2.11  serial" "safe update: sub1 replaced, with serials"
check "independent checker: phones holding the old CTL take the update" -- phone_takes CTLFile.tlv.bak CTLFile.tlv
cp CTLFile.tlv accepted.tlv && cp CTLFile.tlv.bak accepted.bak
# The publisher's CallManager certificate (the 11.5 signer) regenerated.
mkcert pub-cm "/CN=pub/OU=UC/O=Example/C=US"
for i in 1 2; do
	expect 5 "CallManager regenerated: refused (run $i)" -- "$CTLSIGN" build -c cluster.ini
	has err "refused: phones would reject this CTL" "refusal headline (run $i)"
	has err "record 1 of CTLFile.tlv: SAST CN=pub" "the held SAST records are listed (run $i)"
	has err "what to do:" "what to do (run $i)"
	check "CTLFile.tlv untouched (run $i)" -- same CTLFile.tlv accepted.tlv
	check "CTLFile.tlv.bak untouched (run $i)" -- same CTLFile.tlv.bak accepted.bak
	check "no temporary file left (run $i)" -- test -z "$(ls ./*.tmp.* 2>/dev/null)"
done
expect 5 "with the ITL phones hold: only through TVS, refused without --via-tvs" -- \
	"$CTLSIGN" build -c cluster.ini --current held-ITLFile.tlv
has err "only phones that can ask TVS would take this CTL" "TVS path named"
has err "Security by Default" "the caveat names who is left behind"
has err "--via-tvs" "how to accept it knowingly"
check "still untouched" -- same CTLFile.tlv accepted.tlv
expect 0 "--via-tvs accepts the TVS path" -- "$CTLSIGN" build -c cluster.ini --current held-ITLFile.tlv --via-tvs
has err "warning: --via-tvs" "the TVS path is warned about"
has err "phones: accepted-via-tvs" "the verdict says TVS"
check "the backup is the last accepted file" -- same CTLFile.tlv.bak accepted.tlv
check "independent checker: no SAST path for the regenerated signer" -- bash -c "! python3 '$ROOT/tests/fixtures/phonecheck.py' accepted.tlv CTLFile.tlv 2>/dev/null"
expect 1 "verify --trust: only through TVS" -- "$CTLSIGN" verify --trust accepted.tlv --trust held-ITLFile.tlv \
	--cluster cluster.ini CTLFile.tlv
has out "phones: accepted only through TVS" "verify names the TVS path"
has out "record 4 of held-ITLFile.tlv, unchanged" "verify names the TVS record it goes through"
expect 0 "verify --trust --via-tvs" -- "$CTLSIGN" verify --trust accepted.tlv --trust held-ITLFile.tlv \
	--cluster cluster.ini --via-tvs CTLFile.tlv
expect 1 "verify --trust without the ITL: no TVS path" -- "$CTLSIGN" verify --trust accepted.tlv --via-tvs CTLFile.tlv
has err "the ITL phones hold was not given" "verify says what is missing"
# CallManager and TVS regenerated together: a real lock-out.
mkcert pub-tvs "/CN=pub-TVS/OU=UC/O=Example/C=US"
expect 1 "verify --trust: CallManager + TVS is rejected" -- "$CTLSIGN" verify --trust accepted.tlv \
	--trust held-ITLFile.tlv --cluster cluster.ini --via-tvs CTLFile.tlv
has err "TVS certificate of pub was regenerated too" "verify names the regenerated TVS"
expect 5 "build: CallManager + TVS refused even with --via-tvs" -- "$CTLSIGN" build -c cluster.ini \
	--current accepted.tlv --current held-ITLFile.tlv --via-tvs -o lockout.tlv
has err "regenerated too" "build names the regenerated TVS"
check "lock-out: nothing written" -- test ! -e lockout.tlv
# diff of the last two, human and JSON
expect 1 "diff: TVS-only is not accepted without --via-tvs" -- "$CTLSIGN" diff --itl held-ITLFile.tlv accepted.tlv CTLFile.tlv
has out "replaced  CCM+TFTP  pub 192.0.2.10" "diff lists the replaced CallManager"
has out "signer    CN=pub" "diff names the signer change"
has out "phones holding accepted.tlv: rejected" "diff gives the verdict"
expect 0 "diff of the safe update" -- "$CTLSIGN" diff accepted.bak accepted.tlv
has out "phones holding accepted.bak: accepted" "safe diff accepted"
has out "signer    unchanged" "safe diff: same signer"
expect 0 "diff --json" -- "$CTLSIGN" diff --json accepted.bak accepted.tlv
check "diff --json: records, signer and verdict" -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ch = d["changes"]["records"]
assert [c["change"] for c in ch] == ["replaced"], ch
assert ch[0]["old"]["host"] == "sub1" and ch[0]["new"]["serial"] != ch[0]["old"]["serial"], ch
assert d["changes"]["signer_changed"] is False
assert d["phones"]["verdict"] == "accepted" and d["phones"]["held_record"] == 1, d["phones"]
' "$T/out"
# A node dropped from the cluster file is named, not silent.
cp accepted.tlv CTLFile.tlv
sed '/^\[node sub2\]/,$d' cluster.ini >two.ini
expect 5 "dropping a node does not bypass the signer check" -- "$CTLSIGN" build -c two.ini -o CTLFile.tlv
cd "$T"

# ---- a node dropped (signer unchanged) ------------------------------------------
newcluster b && cd b
clusterfile 12.5 >cluster.ini
"$CTLSIGN" build -q -c cluster.ini --first
sed '/^\[node sub2\]/,$d' cluster.ini >two.ini
expect 0 "a node dropped" -- "$CTLSIGN" build -c two.ini
has err "removed   CCM       sub2 192.0.2.12" "the dropped node's record is named"
expect 0 "diff names it too" -- "$CTLSIGN" diff CTLFile.tlv.bak CTLFile.tlv
has out "removed   CCM       sub2" "diff: removed"
# 12.5: CallManager regenerated does not change the signer (ITLRecovery).
mkcert pub-cm "/CN=pub/OU=UC/O=Example/C=US"
expect 0 "12.5: CallManager regenerated, ITLRecovery still signs" -- "$CTLSIGN" build -c two.ini
check "independent checker agrees" -- phone_takes CTLFile.tlv.bak CTLFile.tlv
# ITLRecovery regenerated on 12.x: the signer phones know is gone.
cp CTLFile.tlv held.tlv
mkcert itlrec "/CN=ITLRECOVERY_pub/OU=UC/O=Example/C=US"
expect 5 "12.5: ITLRecovery regenerated, refused" -- "$CTLSIGN" build -c two.ini
has err "CN=ITLRECOVERY_pub" "the new signer named"
# ... but the CallManager key phones still hold (as SAST) can sign the bridge (utils ctl reset localkey).
printf '[cluster]\nrelease = 12.5\nsigner = callmanager\n' >bridge.ini
sed -n '/^\[node/,$p' two.ini >>bridge.ini
expect 0 "signed by the CallManager key phones hold: accepted" -- "$CTLSIGN" build -c bridge.ini
check "independent checker agrees with the bridge" -- phone_takes held.tlv CTLFile.tlv
# ITLs: only TFTP nodes; tokens never sign them; 9.1(2) signs with CallManager.
expect 2 "ITL for a node without TFTP" -- "$CTLSIGN" build -c cluster.ini --itl --node sub2 --first -o x.tlv
has err "sub2. has no TFTP role" "no TFTP role said"
check "no ITL written for sub2" -- test ! -e x.tlv
sed 's/^release = 12.5/release = 9.1(2)/' cluster.ini >c91.ini
expect 0 "9.1(2) ITL, signed by the TFTP node's CallManager key" -- "$CTLSIGN" build -c c91.ini --itl --first -o itl91.tlv
has err "CallManager key of pub (release 9.1(2) preset)" "9.1(2) ITL signer"
hasnt err "eToken" "no eToken advice for an ITL"
expect 5 "9.1(2) CTL: no tokenless mode" -- "$CTLSIGN" build -c c91.ini --first -o ctl91.tlv
cd "$T"

# ---- tokens: the CTL Client's rules, with SoftHSM tokens behind the mock ---------
newcluster t && cd t
tok() { # NAME FILE LABEL
	printf '[token %s]\ncert = %s\nuri = pkcs11:token=%s;object=SAST;type=private\n' "$1" "$H/cert-$2.pem" "$3"
}
tokens() { # SIGNER TOKEN... (t1 t2 t3) [-- extra cluster lines]
	local signer=$1
	shift
	printf '[cluster]\nrelease = 12.5\nsigner = token:%s\n%s\n' "$signer" "${EXTRA:-}"
	for n in "$@"; do
		case $n in t1) tok t1 eToken eToken ;; t2) tok t2 eToken_2 eToken%202 ;; t3) tok t3 eToken_3 eToken%203 ;; esac
	done
	clusterfile 12.5 | sed -n '/^\[node/,$p'
}
pin() { echo "--pin-source file:$H/pin-$1"; }
sign() { "$CTLSIGN" build --module "$MOCK" "$@"; }
tokens t1 t1 >one.ini
rm -f "$T/login.log"
expect 5 "first token CTL with one token" -- sign -c one.ini $(pin eToken) --first
has err "at least two distinct eTokens" "the two-token rule named"
check "one token: no login" -- test "$(logins)" = 0
tokens t1 t1 t2 >pub.ini
printf '[token t1b]\ncert = %s\n' "$H/cert-eToken.pem" >>pub.ini
expect 5 "the same certificate under two [token] names" -- sign -c pub.ini $(pin eToken) --first
has err "the same certificate is in SAST records" "duplicate token named"
tokens t1 t1 t2 >pub.ini
expect 0 "first token CTL with two tokens" -- sign -c pub.ini $(pin eToken) --first
check "one login for one signature" -- test "$(logins)" = 1
clusterfile 12.5 >tokenless.ini
expect 0 "the ITL (tokenless, ITLRecovery): token signer of the cluster file not used" -- \
	"$CTLSIGN" build -c pub.ini --itl --current CTLFile.tlv -o ITLFile.tlv
has err "ITLs are never signed by eTokens" "the ITL note"
has err "ITLRecovery key of pub" "the ITL follows the preset"
hasnt err "add it with --sast" "no token advice for the ITL"
cp CTLFile.tlv published.tlv && cp ITLFile.tlv published-itl.tlv
# Signed by eToken 3, which the published CTL does not list: refused before the PIN.
tokens t3 t1 t2 t3 >t3.ini
rm -f "$T/login.log"
expect 5 "token signer not in the published CTL" -- sign -c t3.ini $(pin eToken_3)
has err "refused: phones would reject this CTL" "untrusted token refused"
has err "no PIN was asked for" "says no PIN was asked"
check "untrusted token: no login" -- test "$(logins)" = 0
check "published CTL untouched" -- same CTLFile.tlv published.tlv
# The same through --sign-with (judged on the token's certificate, before the login).
expect 5 "--sign-with a token the published CTL does not list" -- sign --from published.tlv \
	--sast "$H/cert-eToken_3.pem" --sign-with "pkcs11:token=eToken%203;object=SAST;type=private" \
	$(pin eToken_3) -o x.tlv --current published.tlv
check "--sign-with untrusted token: no login" -- test "$(logins)" = 0
check "--sign-with untrusted token: nothing written" -- test ! -e x.tlv
# An update may not remove the signing token.
rm -f "$T/login.log"
expect 5 "the signing token removed from the list it signs" -- sign --sast "$H/cert-eToken_2.pem" \
	--sast "$H/cert-eToken_3.pem" --ccm-tftp "pub,192.0.2.10,certs/pub-cm.pem" \
	--sign-with "pkcs11:token=eToken;object=SAST;type=private" $(pin eToken) --current published.tlv -o x.tlv
has err "is not one of the file's SAST records" "the signing token must stay"
tokens t2 t2 >only-t2.ini
expect 5 "update signed by a token phones hold, leaving one token" -- \
	sign -c only-t2.ini $(pin eToken_2) -o x.tlv --current published.tlv
has err "at least two distinct eTokens" "fewer than two tokens refused"
check "fewer than two: no login" -- test "$(logins)" = 0
# Removing a token while signing with one phones know only through TVS.
EXTRA= tokens t3 t2 t3 >via.ini
expect 5 "removing t1, signed by t3 (TVS only), with --via-tvs" -- sign -c via.ini $(pin eToken_3) \
	--current published.tlv --current published-itl.tlv --via-tvs -o x.tlv
has err "removes eToken SAST record 1" "the token rule names the removed token"
check "token rule: no login" -- test "$(logins)" = 0
# A lost token (t2) replaced in one update signed by a trusted token (t1).
tokens t1 t1 t3 >replace.ini
expect 0 "lost token replaced, signed by a trusted token" -- sign -c replace.ini $(pin eToken) \
	--current published.tlv -o replaced.tlv
has err "removed   SAST" "the lost token is listed as removed"
has err "added     SAST" "the new token is listed as added"
check "independent checker: phones holding the published CTL take it" -- phone_takes published.tlv replaced.tlv
# Non-secure mode needs one token.
EXTRA="mode = non-secure" tokens t1 t1 >ns.ini
expect 0 "non-secure CTL with one token" -- sign -c ns.ini $(pin eToken) --current published.tlv -o ns.tlv
check "independent checker: phones take the non-secure CTL" -- phone_takes published.tlv ns.tlv
# Token -> tokenless (12.5: ITLRecovery and CallManager are SAST records of the token CTL).
expect 0 "token -> tokenless" -- "$CTLSIGN" build -c tokenless.ini --current published.tlv -o tokenless.tlv
check "independent checker: token -> tokenless" -- phone_takes published.tlv tokenless.tlv
# Tokenless -> token: phones know the token only through TVS.
expect 5 "tokenless -> token without --via-tvs" -- sign -c pub.ini $(pin eToken) --current tokenless.tlv \
	--current published-itl.tlv -o back.tlv
has err "only phones that can ask TVS" "tokenless -> token goes through TVS"
expect 0 "tokenless -> token with --via-tvs" -- sign -c pub.ini $(pin eToken) --current tokenless.tlv \
	--current published-itl.tlv --via-tvs -o back.tlv
cd "$T"

# ---- a CTL made by Cisco's CTL Client: quoted, lower-case names ------------------
mkdir ctlclient && cd ctlclient
mkdir -p certs keys
(cd . && mkcert pub-cm "/CN=pub/OU=UC/O=Example/C=US")
short1=$(openssl x509 -in "$H/cert-eToken.pem" -noout -subject -nameopt multiline | sed -n 's/.*SAST-ADN\([0-9a-f]*\).*/\1/p')
short2=$(openssl x509 -in "$H/cert-eToken_2.pem" -noout -subject -nameopt multiline | sed -n 's/.*SAST-ADN\([0-9a-f]*\).*/\1/p')
iss='cn=Cisco Manufacturing CA;o=Cisco Systems'
cat >spec.json <<EOF
{"out": "CTLFile.tlv", "key": "$H/key-eToken.pem", "signer_cert": "$H/cert-eToken.pem",
 "key_bits": 1024, "timestamp": 1430968247,
 "signer_name": "cn=\"SAST-ADN$short1 \";ou=IPCBU;o=\"Cisco Systems", "ca_name": "$iss",
 "records": [
  {"role": 0, "cert": "$H/cert-eToken.pem", "dns": "", "ip": "0.0.0.0",
   "subject": "cn=\"SAST-ADN$short1 \";ou=IPCBU;o=\"Cisco Systems", "issuer": "$iss"},
  {"role": 0, "cert": "$H/cert-eToken_2.pem", "dns": "", "ip": "0.0.0.0",
   "subject": "cn=\"SAST-ADN$short2 \";ou=IPCBU;o=\"Cisco Systems", "issuer": "$iss"},
  {"role": 2, "cert": "certs/pub-cm.pem", "dns": "pub", "ip": "192.0.2.10"}]}
EOF
python3 "$MK" spec.json
cp CTLFile.tlv held.tlv
expect 0 "the CTL Client's file verifies" -- "$CTLSIGN" verify CTLFile.tlv
expect 0 "tokens --ctl recognises both tokens" -- "$CTLSIGN" tokens --module /usr/lib/softhsm/libsofthsm2.so --ctl held.tlv
has out "trust list: SAST record 1; signed this file" "token 1 is record 1 and the signer"
has out "trust list: SAST record 2$" "token 2 is record 2"
# Rebuilt by ctlsign from a cluster file, signed by the same token.
{
	printf '[cluster]\nrelease = 10.5(2)\nsigner = token:t1\ncurrent-ctl = held.tlv\n'
	printf '[token t1]\ncert = %s\nuri = pkcs11:token=eToken;object=SAST;type=private\n' "$H/cert-eToken.pem"
	printf '[token t2]\ncert = %s\n' "$H/cert-eToken_2.pem"
	printf '[node pub]\nhost = pub\nipv4 = 192.0.2.10\nroles = CCM+TFTP\npublisher = yes\ncallmanager = certs/pub-cm.pem\n'
} >cluster.ini
expect 0 "rebuild signed by the same token" -- sign -c cluster.ini $(pin eToken) -o rebuilt.tlv
expect 0 "verify --trust: phones holding the CTL Client's file take it" -- "$CTLSIGN" verify --trust held.tlv rebuilt.tlv
check "independent checker agrees" -- phone_takes held.tlv rebuilt.tlv
check "the held name strings are written byte for byte" -- python3 -c '
import struct, sys
def recs(p):
    b = open(p, "rb").read(); hl = struct.unpack(">H", b[8:10])[0]; out = []; o = hl
    while o < len(b):
        rl = struct.unpack(">H", b[o+3:o+5])[0]; r = {}; p2 = o + 5
        while p2 < o + rl:
            t = b[p2]; l = struct.unpack(">H", b[p2+1:p2+3])[0]; r[t] = b[p2+3:p2+3+l]; p2 += 3 + l
        out.append(r); o += rl
    return b, out
hb, held = recs(sys.argv[1]); nb, new = recs(sys.argv[2])
for i in (0, 1):
    assert new[i][3] == held[i][3] and new[i][5] == held[i][5], (new[i][3], held[i][3])
assert held[0][3] in nb[:400], "header SIGNERNAME is the held string"
' held.tlv rebuilt.tlv
expect 0 "rebuild changes nothing but the signature and timestamp" -- "$CTLSIGN" diff held.tlv rebuilt.tlv
has out "records   none changed" "no record changed"
has out "timestamp 2015-05-07T03:10:47Z -> " "diff shows the header's timestamp change"
# build --from keeps every record byte for byte.
expect 0 "--from the CTL Client's file, signed on token 2" -- sign --from held.tlv --sign-with \
	"pkcs11:token=eToken%202;object=SAST;type=private" $(pin eToken_2) --current held.tlv -o from.tlv
check "--from: records identical to the source" -- python3 -c '
import struct, sys
a, b = (open(p, "rb").read() for p in sys.argv[1:3])
ha, hb = struct.unpack(">H", a[8:10])[0], struct.unpack(">H", b[8:10])[0]
assert a[ha:] == b[hb:]' held.tlv from.tlv
check "independent checker: --from update taken" -- phone_takes held.tlv from.tlv
cd "$T"

# ---- ambiguous signers, old eToken records ------------------------------------
mkdir amb && cd amb && mkdir certs keys
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out keys/a.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out keys/b.key 2>/dev/null
chmod 600 keys/*.key
openssl req -new -x509 -key keys/a.key -subj "/CN=same" -set_serial 0x1234567 -days 30 -out certs/a.pem 2>/dev/null
openssl req -new -x509 -key keys/b.key -subj "/CN=same" -set_serial -0x1234567 -days 30 -out certs/b.pem 2>/dev/null
expect 5 "two SAST records with serials 0x1234567 and -0x1234567" -- "$CTLSIGN" build --first \
	--sast certs/a.pem --sast certs/b.pem --key keys/a.key -o x.tlv
has err "share serial and issuer" "collision named"
cat >amb.json <<EOF
{"out": "amb.tlv", "key": "keys/a.key", "signer_cert": "certs/a.pem", "key_bits": 1024, "timestamp": 1,
 "records": [{"role": 0, "cert": "certs/b.pem", "dns": "", "serial": "01234567"},
             {"role": 0, "cert": "certs/a.pem", "dns": ""}]}
EOF
python3 "$MK" amb.json
expect 1 "verify: an ambiguous signer is a failure" -- "$CTLSIGN" verify amb.tlv
has err "ambiguous signer: records 1 and 2" "ambiguity has its own message"
# A record whose SERIALNUMBER is not its certificate's: warned about, not used.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out keys/c.key 2>/dev/null
openssl req -new -x509 -key keys/c.key -subj "/CN=same" -set_serial 0x99 -days 30 -out certs/c.pem 2>/dev/null
cat >bad.json <<EOF
{"out": "bad.tlv", "key": "keys/a.key", "signer_cert": "certs/a.pem", "key_bits": 1024, "timestamp": 1,
 "records": [{"role": 0, "cert": "certs/c.pem", "dns": "", "serial": "01234567"}]}
EOF
python3 "$MK" bad.json
expect 1 "verify: a record that disagrees with its certificate is not used" -- "$CTLSIGN" verify bad.tlv
has err "SERIALNUMBER is not its CERTIFICATE's serial" "the inconsistency is said"
# An old eToken record (PUBLICKEY, no CERTIFICATE) survives --from and signs.
openssl req -new -x509 -key keys/b.key -subj "/CN=other" -days 30 -out certs/b2.pem 2>/dev/null
cat >old.json <<EOF
{"out": "old.tlv", "key": "keys/a.key", "signer_cert": "certs/a.pem", "key_bits": 1024, "timestamp": 1,
 "records": [{"role": 0, "cert": "certs/a.pem", "dns": "", "omit": [8, 9]},
             {"role": 0, "cert": "certs/b2.pem", "dns": ""}]}
EOF
python3 "$MK" old.json
expect 0 "an old-style SAST signer verifies by its PUBLICKEY" -- "$CTLSIGN" verify old.tlv
expect 0 "--from keeps the old record, signed by the other SAST" -- "$CTLSIGN" build --from old.tlv \
	--key keys/b.key --current old.tlv -o new.tlv
check "--from: the old record is byte for byte" -- python3 -c '
import struct, sys
a, b = (open(p, "rb").read() for p in sys.argv[1:3])
ha, hb = struct.unpack(">H", a[8:10])[0], struct.unpack(">H", b[8:10])[0]
ra = struct.unpack(">H", a[ha+3:ha+5])[0]
assert a[ha:ha+ra] == b[hb:hb+ra] and ra > 100, ra' old.tlv new.tlv
cat >back.json <<EOF
{"out": "back.tlv", "key": "keys/a.key", "signer_cert": "certs/a.pem", "key_bits": 1024, "timestamp": 2,
 "records": [{"role": 0, "cert": "certs/a.pem", "dns": ""}]}
EOF
python3 "$MK" back.json
expect 0 "verify --trust honours a held PUBLICKEY-only record" -- "$CTLSIGN" verify --trust old.tlv back.tlv
has out "trusted through: old.tlv (record 1, SAST)" "matched by serial, issuer and key"
cd "$T"

# ---- naming what phones hold: one rule for build, check and plan ------------------
mkdir held && cd held
newcluster .
clusterfile 12.5 >cluster.ini
"$CTLSIGN" build -c cluster.ini --first -o CTLFile.tlv >/dev/null 2>&1 &&
	"$CTLSIGN" build -c cluster.ini --itl --current CTLFile.tlv -o ITLFile.tlv >/dev/null 2>&1 ||
	bad "held: cannot build the lists"
cp CTLFile.tlv other-CTL.tlv
for cmd in "build -c cluster.ini -o new.tlv" "check -c cluster.ini" \
	"plan -c cluster.ini --regenerate callmanager@pub"; do
	verb=${cmd%% *}
	# shellcheck disable=SC2086
	expect 2 "$verb: two CTLs named as held" -- "$CTLSIGN" $cmd --current CTLFile.tlv --current other-CTL.tlv
	has err "\`CTLFile.tlv' and \`other-CTL.tlv' are both CTLs: name one CTL and one ITL" \
		"$verb: both named"
	if [ "$verb" != build ]; then   # build's --itl says what to build
		# shellcheck disable=SC2086
		expect 3 "$verb: --itl naming a CTL" -- "$CTLSIGN" $cmd --itl CTLFile.tlv
		has err "\`CTLFile.tlv' (--itl) is a CTL, not an ITL" "$verb: which option, which kind"
	fi
	# shellcheck disable=SC2086
	expect 4 "$verb: a held list that is not there" -- "$CTLSIGN" $cmd --current none.tlv
	has err "none.tlv" "$verb: the missing list named"
	has err "(--current names what phones hold" "$verb: and who named it"
done
# The cluster file's current-ctl must be a CTL.
sed -i 's/^release = 12.5$/release = 12.5\ncurrent-ctl = ITLFile.tlv/' cluster.ini
expect 3 "check: current-ctl naming an ITL" -- "$CTLSIGN" check -c cluster.ini
has err "/ITLFile.tlv' (current-ctl) is an ITL, not a CTL" "current-ctl: which key, which kind"
cd "$T"

finish
