# Helpers for the scenario catalogue (sourced by tests/e2e/scenarios.sh,
# after tests/lib.sh). Each scenario runs in a folder of its own and builds
# a small CUCM cluster with OpenSSL: certificates under certs/, keys under
# keys/, a cluster file, and the lists phones hold.

# mkcert NAME SUBJECT [DAYS]: a fresh RSA-2048 key and self-signed certificate.
mkcert() {
	mkdir -p certs keys
	openssl req -new -x509 -newkey rsa:2048 -nodes -days "${3:-730}" -keyout "keys/$1.key" \
		-out "certs/$1.pem" -subj "$2" -set_serial "0x$(openssl rand -hex 8)" 2>/dev/null
	chmod 600 "keys/$1.key"
}

# mkcert_dates NAME SUBJECT START END: a certificate valid from START to END
# (YYYYMMDDHHMMSSZ), e.g. already expired, signed by its own key.
mkcert_dates() {
	mkdir -p certs keys ca/newcerts
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "keys/$1.key" 2>/dev/null
	chmod 600 "keys/$1.key"
	[ -f ca/index.txt ] || { : >ca/index.txt; echo 01 >ca/serial; }
	cat >ca/ca.cnf <<EOF
[ca]
default_ca = d
[d]
dir = ca
database = ca/index.txt
new_certs_dir = ca/newcerts
serial = ca/serial
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
countryName = optional
EOF
	openssl req -new -key "keys/$1.key" -subj "$2" -out "keys/$1.csr" 2>/dev/null
	openssl ca -batch -config ca/ca.cnf -selfsign -keyfile "keys/$1.key" -in "keys/$1.csr" \
		-startdate "$3" -enddate "$4" -out "certs/$1.pem" -notext 2>/dev/null
}

# cluster_certs: the certificates of a three-node cluster (pub: CCM+TFTP,
# CAPF, TVS, ITLRecovery; sub1: CCM+TFTP, TVS; sub2: CCM, TVS).
cluster_certs() {
	local o="/OU=UC/O=Example/C=US"
	mkcert pub-cm "/CN=pub$o"
	mkcert pub-tvs "/CN=pub-TVS$o"
	mkcert pub-capf "/CN=CAPF-pub$o"
	mkcert itlrec "/CN=ITLRECOVERY_pub$o"
	mkcert sub1-cm "/CN=sub1$o"
	mkcert sub1-tvs "/CN=sub1-TVS$o"
	mkcert sub2-cm "/CN=sub2$o"
	mkcert sub2-tvs "/CN=sub2-TVS$o"
}

# regen NAME: the certificate regenerated (same name, new key and serial).
regen() {
	local subj
	subj=$(openssl x509 -in "certs/$1.pem" -noout -subject -nameopt compat | sed 's/^subject=//')
	mkcert "$1" "$subj"
}

# cluster_file RELEASE [EXTRA-CLUSTER-LINES] [NODES]: the cluster file on
# stdout; NODES defaults to "pub sub1 sub2".
cluster_file() {
	local n
	printf '[cluster]\nrelease = %s\n%s\n' "$1" "${2:-}"
	for n in ${3:-pub sub1 sub2}; do
		case $n in
		pub) printf '[node pub]\nhost = pub\nipv4 = 192.0.2.10\nroles = CCM+TFTP, CAPF, TVS\npublisher = yes\ncallmanager = certs/pub-cm.pem\ncallmanager-key = keys/pub-cm.key\ncapf = certs/pub-capf.pem\ntvs = certs/pub-tvs.pem\nitlrecovery = certs/itlrec.pem\nitlrecovery-key = keys/itlrec.key\n' ;;
		sub1) printf '[node sub1]\nhost = sub1\nipv4 = 192.0.2.11\nroles = CCM+TFTP, TVS\ncallmanager = certs/sub1-cm.pem\ntvs = certs/sub1-tvs.pem\n' ;;
		sub2) printf '[node sub2]\nhost = sub2\nipv4 = 192.0.2.12\nroles = CCM, TVS\ncallmanager = certs/sub2-cm.pem\ntvs = certs/sub2-tvs.pem\n' ;;
		esac
	done
}

# token_section NAME N: a [token] section for SoftHSM token N (1, 2, 3) of $H.
token_section() {
	local file label
	case $2 in 1) file=eToken label=eToken ;; 2) file=eToken_2 label=eToken%202 ;; 3) file=eToken_3 label=eToken%203 ;; esac
	printf '[token %s]\ncert = %s\nuri = pkcs11:token=%s;object=SAST;type=private\n' "$1" "$H/cert-$file.pem" "$label"
}

# published: the mixed-mode CTL and the publisher's ITL of cluster.ini, as
# phones hold them (CTLFile.tlv, ITLFile.tlv), and copies held-*.tlv.
published() {
	"$CTLSIGN" build -q -c "${1:-cluster.ini}" --first "${@:2}" -o CTLFile.tlv &&
		"$CTLSIGN" build -q -c "${1:-cluster.ini}" --itl --current CTLFile.tlv -o ITLFile.tlv &&
		cp CTLFile.tlv held-CTLFile.tlv && cp ITLFile.tlv held-ITLFile.tlv
}

# finds DESCRIPTION RC "CODES" -- check ARGS...: `ctlsign check --json ARGS`
# exits RC, and its error and warning codes (sorted, each once) are CODES.
finds() {
	local desc=$1 rc=$2 want=$3 got
	shift 4
	"$CTLSIGN" check --json "$@" >"$T/out" 2>"$T/err"
	local r=$?
	got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted({f["code"] for f in d["findings"] if f["severity"] != "info"})))' "$T/out" 2>/dev/null)
	if [ "$r" = "$rc" ] && [ "$got" = "$want" ]; then ok; else
		bad "$SCENARIO: $desc: exit $r (want $rc), codes \`$got' (want \`$want')"
		sed 's/^/    /' "$T/err" | head -5 >&2
		"$CTLSIGN" check "$@" 2>&1 | sed 's/^/    /' | head -20 >&2
	fi
}

# plan_steps DESCRIPTION RC -- plan ARGS...: run `ctlsign plan --json`, keep
# its steps in $T/plan.json for `plan_has'.
plan_steps() {
	local desc=$1 rc=$2
	shift 3
	"$CTLSIGN" plan --json "$@" >"$T/plan.json" 2>"$T/err"
	local r=$?
	if [ "$r" = "$rc" ]; then ok; else bad "$SCENARIO: $desc: plan exit $r, want $rc"; sed 's/^/    /' "$T/err" | head -5 >&2; fi
}

# plan_has DESCRIPTION PYTHON-EXPRESSION: true of the plan (d: the JSON,
# k: the step kinds in order, t: the step texts, v: the verdicts of judged
# steps in order).
plan_has() {
	if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
k = [s["kind"] for s in d["steps"]]
t = [s["text"] for s in d["steps"]]
v = [s["phones"]["verdict"] for s in d["steps"] if s["phones"]]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/plan.json" "$2" 2>"$T/py.err"; then ok; else
		bad "$SCENARIO: $1 ($2)"
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [print("    %s: %s" % (s["kind"], s["text"][:90])) for s in d["steps"]]; print("    result:", d["result"])' "$T/plan.json" >&2
	fi
}
