#!/usr/bin/env bash
# End-to-end tests of `ctlsign check --live` against real servers on
# loopback: a three-node cluster, each node on its own 127.0.0.x address
# (every 127.0.0.0/8 address is loopback on Linux), with openssl s_server
# presenting each node's CallManager (demanding a client certificate, as
# CUCM's SCCP and SIP TLS ports do), TVS and CAPF certificates, and
# in.tftpd serving each TFTP node's CTLFile.tlv and its own ITLFile.tlv.
# Certificates are then changed behind the tool's back and its findings
# compared with what was changed. Every server is a child of this script,
# stopped with kill + wait on exit. in.tftpd --secure chroots: run as root.
SUITE=live
. "$(dirname "$0")/../lib.sh" || exit 1
. "$ROOT/tests/scenarios/lib.sh" || exit 1
cd "$T"

PUB=127.0.0.21 SUB1=127.0.0.22 SUB2=127.0.0.23
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }
fpr() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }
# hosts CODE: the hosts of the findings with CODE in the last `finds' (sorted, once each).
hosts() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted({f["host"] or "-" for f in d["findings"] if f["code"] == sys.argv[2]})))' "$T/out" "$1"
}

# ---- servers on given addresses ------------------------------------------------
# `serve' in lib.sh picks a port on 127.0.0.1; --live-port names one port per
# service for every node, so here each service has one port, free on all
# three addresses, and each node's server binds its own address.
declare -A PID_OF
stop_all() {
	local n
	for n in "${!PID_OF[@]}"; do kill "${PID_OF[$n]}" 2>/dev/null; done
	for n in "${!PID_OF[@]}"; do wait "${PID_OF[$n]}" 2>/dev/null; done
	PID_OF=()
}
at_exit stop_all
trap 'exit 130' INT
trap 'exit 143' TERM HUP
# common_port tcp|udp ADDR...: a port nobody has bound on any of them.
common_port() {
	python3 - "$@" <<'EOF'
import socket, sys
kind = socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM
addrs = sys.argv[2:]
for _ in range(100):
    held = [socket.socket(socket.AF_INET, kind)]
    held[0].bind((addrs[0], 0))
    port = held[0].getsockname()[1]
    try:
        for a in addrs[1:]:
            s = socket.socket(socket.AF_INET, kind)
            held.append(s)
            s.bind((a, port))
    except OSError:
        continue
    finally:
        for s in held:
            s.close()
    print(port)
    break
EOF
}
# bound_at tcp|udp ADDR PORT: something is bound to exactly ADDR:PORT.
bound_at() {
	local hex
	hex=$(awk -v a="$2" -v p="$3" 'BEGIN { split(a, o, "."); printf "%02X%02X%02X%02X:%04X", o[4], o[3], o[2], o[1], p }')
	grep -qE "^ *[0-9]+: $hex " "/proc/net/$1"
}
# start NAME tcp|udp ADDR PORT COMMAND...: run it until bound (or fail).
start() {
	local name=$1 proto=$2 addr=$3 port=$4 pid
	shift 4
	"$@" >"$T/$name.log" 2>&1 </dev/null &
	pid=$!
	PID_OF[$name]=$pid
	for _ in $(seq 1 200); do
		bound_at "$proto" "$addr" "$port" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	bad "$name did not start on $addr:$port: $(head -3 "$T/$name.log")"
	return 1
}
stop() {
	[ -n "${PID_OF[$1]:-}" ] || return 0
	kill "${PID_OF[$1]}" 2>/dev/null
	wait "${PID_OF[$1]}" 2>/dev/null
	unset "PID_OF[$1]"
}
CM=$(common_port tcp $PUB $SUB1 $SUB2)
TVS=$(common_port tcp $PUB $SUB1 $SUB2)
CAPF=$(common_port tcp $PUB $SUB1 $SUB2)
TFTP=$(common_port udp $PUB $SUB1 $SUB2)
check "four ports found" -- test -n "$CM" -a -n "$TVS" -a -n "$CAPF" -a -n "$TFTP"
PORTS="callmanager=$CM,tvs=$TVS,capf=$CAPF,tftp=$TFTP"
# tls NODE SERVICE CERT-NAME [s_server options]: a node's TLS service.
tls() {
	local node=$1 svc=$2 cert=$3 addr port
	shift 3
	case $node in pub) addr=$PUB ;; sub1) addr=$SUB1 ;; sub2) addr=$SUB2 ;; esac
	case $svc in cm) port=$CM ;; tvs) port=$TVS ;; capf) port=$CAPF ;; esac
	stop "$node-$svc"
	start "$node-$svc" tcp "$addr" "$port" openssl s_server -quiet -www -accept "$addr:$port" \
		-cert "$T/certs/$cert.pem" -key "$T/keys/$cert.key" "$@"
}
# tftp NODE: the node's TFTP service, serving srv-NODE/.
tftp() {
	local addr
	case $1 in pub) addr=$PUB ;; sub1) addr=$SUB1 ;; esac
	stop "$1-tftp"
	start "$1-tftp" udp "$addr" "$TFTP" /usr/sbin/in.tftpd --foreground --listen \
		--address "$addr:$TFTP" --secure "$T/srv-$1"
}
# put NODE FILE NAME: what the node's TFTP service serves as NAME (in.tftpd
# drops to nobody after its chroot: world-readable).
put() { cp "$2" "srv-$1/$3" && chmod 644 "srv-$1/$3"; }

# ---- the cluster ---------------------------------------------------------------
# pub: CCM+TFTP, CAPF, TVS; sub1: CCM+TFTP, TVS; sub2: CCM, TVS.
cluster_certs
live_cluster() { # live_cluster [MODE]: the cluster file on stdout
	cluster_file 12.5 "${1:+mode = $1}" | sed "s/192\.0\.2\.10\$/$PUB/; s/192\.0\.2\.11\$/$SUB1/; s/192\.0\.2\.12\$/$SUB2/"
}
live_cluster >cluster.ini
check "cluster file on loopback addresses" -- grep -q "ipv4 = $SUB2" cluster.ini
published cluster.ini
"$CTLSIGN" build -q -c cluster.ini --itl --node sub1 --current CTLFile.tlv -o ITL-sub1.tlv
check "the lists are built" -- test -s CTLFile.tlv -a -s ITLFile.tlv -a -s ITL-sub1.tlv
mkdir -m 755 srv-pub srv-sub1
put pub CTLFile.tlv CTLFile.tlv
put pub ITLFile.tlv ITLFile.tlv
put sub1 CTLFile.tlv CTLFile.tlv
put sub1 ITL-sub1.tlv ITLFile.tlv
# CallManager demands a client certificate, over TLS 1.3 (pub, sub2) and 1.2 (sub1).
tls pub cm pub-cm -Verify 1
tls pub tvs pub-tvs
tls pub capf pub-capf
tls sub1 cm sub1-cm -Verify 1 -no_tls1_3
tls sub1 tvs sub1-tvs
tls sub2 cm sub2-cm -Verify 1
tls sub2 tvs sub2-tvs
tftp pub
tftp sub1
live() { "$CTLSIGN" check --live --live-port "$PORTS" --timeout 3 "$@"; }

# ---- all consistent ------------------------------------------------------------
SCENARIO=consistent
finds "nothing wrong" 0 "" -- --live -c cluster.ini --live-port "$PORTS" --timeout 3
cp "$T/out" ok.json
check "JSON: checked.live" -- json ok.json "d['checked']['live'] is True"
check "JSON: 11 services of 3 nodes" -- json ok.json \
	"len(d['live']) == 11 and {r['node'] for r in d['live']} == {'pub', 'sub1', 'sub2'}"
check "JSON: every service answered" -- json ok.json "all(r['ok'] and r['answered'] and not r['error'] for r in d['live'])"
check "JSON: services by role" -- json ok.json \
	"sorted((r['node'], r['service']) for r in d['live']) == sorted([('pub','callmanager'),('pub','tvs'),('pub','capf'),('pub','ctl'),('pub','itl'),('sub1','callmanager'),('sub1','tvs'),('sub1','ctl'),('sub1','itl'),('sub2','callmanager'),('sub2','tvs')])"
check "JSON: each node at its own address" -- json ok.json \
	"all(r['address'] == {'pub': '$PUB', 'sub1': '$SUB1', 'sub2': '$SUB2'}[r['node']] for r in d['live'])"
check "JSON: ports as overridden" -- json ok.json \
	"all(r['port'] == {'callmanager': $CM, 'tvs': $TVS, 'capf': $CAPF, 'ctl': $TFTP, 'itl': $TFTP}[r['service']] for r in d['live'])"
check "JSON: the fingerprint presented is the certificate's" -- json ok.json \
	"[r['sha256'] for r in d['live'] if r['node'] == 'sub1' and r['service'] == 'callmanager'] == ['$(fpr certs/sub1-cm.pem)']"
check "JSON: subject and serial" -- json ok.json \
	"[(r['subject'], r['serial']) for r in d['live'] if r['node'] == 'pub' and r['service'] == 'capf'] == [('CN=CAPF-pub;OU=UC;O=Example;C=US', '$(openssl x509 -in certs/pub-capf.pem -noout -serial | cut -d= -f2 | sed 's/../&:/g; s/:$//')')]"
check "JSON: CallManager asked for a client certificate" -- json ok.json \
	"all(r['client_certificate_requested'] for r in d['live'] if r['service'] == 'callmanager')"
check "JSON: TLS 1.2 on sub1's CallManager" -- json ok.json \
	"[r['protocol'] for r in d['live'] if r['node'] == 'sub1' and r['service'] == 'callmanager'] == ['TLSv1.2']"
check "JSON: each TFTP node's own ITL" -- json ok.json \
	"[r['file_sha256'] for r in d['live'] if r['service'] == 'itl'] == ['$(sha256sum ITLFile.tlv | cut -d' ' -f1)', '$(sha256sum ITL-sub1.tlv | cut -d' ' -f1)'] and all(r['signature_valid'] for r in d['live'] if r['service'] in ('ctl', 'itl'))"
check "JSON: what TFTP serves is what phones hold" -- json ok.json \
	"d['checked']['current_ctl'] == 'tftp://$PUB:$TFTP/CTLFile.tlv' and d['checked']['current_itl'] == 'tftp://$PUB:$TFTP/ITLFile.tlv'"
check "JSON: contacts counted" -- json ok.json \
	"[f['message'] for f in d['findings'] if f['code'] == 'LIVE-CONTACTED'] == ['11 of 11 services on 3 nodes answered (each given 3 s)']"
check "docs/json.md: check --live" -- python3 "$ROOT/tests/jsonpaths.py" "$ROOT/docs/json.md" check ok.json
expect 0 "text output" -- live -c cluster.ini
has out "^info    LIVE-CONTACTED        cluster.ini: 11 of 11 services on 3 nodes answered" "the contacts in the text"
has out "^check: 0 errors, 0 warnings, 1 note: nothing blocks$" "summary"
check "no progress line when stderr is not a terminal" -- test ! -s "$T/err"
expect 0 "quiet" -- live -c cluster.ini -q
check "-q prints nothing" -- test ! -s "$T/out" -a ! -s "$T/err"
# On a terminal: a progress line on stderr.
script -qec "$(printf '%q ' "$CTLSIGN" check --live --live-port "$PORTS" -c cluster.ini)" /dev/null </dev/null >tty.out 2>&1
check "progress on a terminal" -- grep -qa "contacted 3/3 nodes (9/9 services)" tty.out
check "progress counts up" -- grep -qa "contacted 0/3 nodes (0/9 services)" tty.out
script -qec "$(printf '%q ' "$CTLSIGN" check --json --live --live-port "$PORTS" -c cluster.ini)" /dev/null </dev/null >tty.out 2>&1
check "no progress with --json" -- bash -c "! grep -qa contacted tty.out"
# Held lists named on the command line stay what phones hold.
expect 0 "--current and --itl win" -- live -c cluster.ini --json --current CTLFile.tlv --itl ITLFile.tlv
check "JSON: named lists kept" -- json "$T/out" "d['checked']['current_ctl'] == 'CTLFile.tlv' and d['checked']['current_itl'] == 'ITLFile.tlv'"

# ---- usage ------------------------------------------------------------------------
expect 2 "--live without --cluster" -- "$CTLSIGN" check --live --current CTLFile.tlv
has err "check: --live needs --cluster" "why"
expect 2 "--timeout without --live" -- "$CTLSIGN" check -c cluster.ini --timeout 2
has err "check: --timeout applies to --live only" "why"
expect 2 "--live-port without --live" -- "$CTLSIGN" check -c cluster.ini --live-port tvs=1
has err "check: --live-port applies to --live only" "why"
expect 2 "--live-port: unknown service" -- "$CTLSIGN" check --live -c cluster.ini --live-port tomcat=8443
has err "check: --live-port \`tomcat=8443': \`tomcat' is not a service: expected callmanager, tvs, capf or tftp" "named"
expect 2 "--live-port: bad port" -- "$CTLSIGN" check --live -c cluster.ini --live-port tvs=65536
has err "tvs=\`65536': expected a port, 1 to 65535" "range"
expect 2 "--live-port twice" -- "$CTLSIGN" check --live -c cluster.ini --live-port tvs=1 --live-port capf=2
expect 2 "--timeout 0" -- "$CTLSIGN" check --live -c cluster.ini --timeout 0

# ---- a CallManager certificate regenerated behind the tool's back ------------------
# sub2 (CCM only) now presents a new certificate; the cluster file and the
# CTL still hold the old one.
SCENARIO=regenerated
mkdir new && cp certs/sub2-cm.pem new/old-sub2-cm.pem
(cd new && mkcert sub2-cm "/CN=sub2/OU=UC/O=Example/C=US")
cp new/certs/sub2-cm.pem certs/sub2-cm-new.pem && cp new/keys/sub2-cm.key keys/sub2-cm-new.key
tls sub2 cm sub2-cm-new -Verify 1
finds "sub2 regenerated: cluster file and CTL" 1 "LIVE-DIFFERS-CLUSTER LIVE-DIFFERS-CTL" -- \
	--live -c cluster.ini --live-port "$PORTS" --timeout 3
check "LIVE-DIFFERS-CLUSTER for sub2 only (got $(hosts LIVE-DIFFERS-CLUSTER))" -- test "$(hosts LIVE-DIFFERS-CLUSTER)" = sub2
check "LIVE-DIFFERS-CTL for sub2 only (got $(hosts LIVE-DIFFERS-CTL))" -- test "$(hosts LIVE-DIFFERS-CTL)" = sub2
check "LIVE-DIFFERS-CTL once: every TFTP node serves the same CTL" -- \
	json "$T/out" "len([f for f in d['findings'] if f['code'] == 'LIVE-DIFFERS-CTL']) == 1"
check "the finding names the CTL served and sub2's record" -- json "$T/out" \
	"[(f['file'], f['role']) for f in d['findings'] if f['code'] == 'LIVE-DIFFERS-CTL'] == [('tftp://$PUB:$TFTP/CTLFile.tlv', 'callmanager')] and [f['record'] for f in d['findings'] if f['code'] == 'LIVE-DIFFERS-CTL'][0] >= 1"
check "the cluster-file finding points at sub2's section" -- json "$T/out" \
	"[(f['file'], f['line']) for f in d['findings'] if f['code'] == 'LIVE-DIFFERS-CLUSTER'] == [('cluster.ini', $(grep -n '^\[node sub2\]' cluster.ini | cut -d: -f1))]"
check "the message carries the new fingerprint" -- json "$T/out" \
	"'$(fpr certs/sub2-cm-new.pem)' in [f['message'] for f in d['findings'] if f['code'] == 'LIVE-DIFFERS-CLUSTER'][0]"
check "JSON: sub2 presents the new certificate" -- json "$T/out" \
	"[r['sha256'] for r in d['live'] if r['node'] == 'sub2' and r['service'] == 'callmanager'] == ['$(fpr certs/sub2-cm-new.pem)']"
expect 1 "text: exit 1" -- live -c cluster.ini
has out "^error   LIVE-DIFFERS-CLUSTER  cluster.ini:[0-9]* (callmanager sub2): \[node sub2\] presents a callmanager certificate at $SUB2 port $CM" "text names node, address and port"
has out "do: if it was regenerated on purpose, check that fingerprint on the node itself" "advice"
has out "^error   LIVE-DIFFERS-CTL      tftp://$PUB:$TFTP/CTLFile.tlv record [0-9]* (callmanager sub2)" "text names the CTL served and its record"

# A regenerated TFTP node's CallManager: its own ITL's TFTP record is stale too.
SCENARIO=regenerated-tftp
(cd new && mkcert sub1-cm "/CN=sub1/OU=UC/O=Example/C=US")
cp new/certs/sub1-cm.pem certs/sub1-cm-new.pem && cp new/keys/sub1-cm.key keys/sub1-cm-new.key
tls sub1 cm sub1-cm-new -Verify 1
finds "sub1 and sub2 regenerated" 1 "LIVE-DIFFERS-CLUSTER LIVE-DIFFERS-CTL LIVE-DIFFERS-ITL" -- \
	--live -c cluster.ini --live-port "$PORTS" --timeout 3
check "LIVE-DIFFERS-CLUSTER for sub1 and sub2 (got $(hosts LIVE-DIFFERS-CLUSTER))" -- test "$(hosts LIVE-DIFFERS-CLUSTER)" = "sub1 sub2"
check "LIVE-DIFFERS-ITL for sub1 only (got $(hosts LIVE-DIFFERS-ITL))" -- test "$(hosts LIVE-DIFFERS-ITL)" = sub1
check "LIVE-DIFFERS-ITL names sub1's own ITL" -- json "$T/out" \
	"[f['file'] for f in d['findings'] if f['code'] == 'LIVE-DIFFERS-ITL'] == ['tftp://$SUB1:$TFTP/ITLFile.tlv']"
tls sub1 cm sub1-cm -Verify 1 -no_tls1_3

# ---- the cluster file updated, the CTL not -------------------------------------------
SCENARIO=cluster-updated
sed 's#certs/sub2-cm.pem#certs/sub2-cm-new.pem#' cluster.ini >cluster2.ini
finds "cluster file updated, CTL not" 1 "LIVE-DIFFERS-CTL NODE-CERT-STALE" -- \
	--live -c cluster2.ini --live-port "$PORTS" --timeout 3
check "LIVE-DIFFERS-CTL for sub2 only (got $(hosts LIVE-DIFFERS-CTL))" -- test "$(hosts LIVE-DIFFERS-CTL)" = sub2
# The CTL rebuilt is the fix: checked as NEW, the live certificates are
# compared with it, not with the CTL it replaces.
"$CTLSIGN" build -q -c cluster2.ini --current CTLFile.tlv -o CTL-new.tlv
check "the new CTL is built" -- test -s CTL-new.tlv
finds "NEW holds the live certificate" 0 "" -- CTL-new.tlv --live -c cluster2.ini --live-port "$PORTS" --timeout 3
check "NEW judged against what TFTP serves" -- json "$T/out" \
	"[f['code'] for f in d['findings'] if f['code'].startswith('TRUST')] == ['TRUST-ACCEPTED'] and d['checked']['current_ctl'] == 'tftp://$PUB:$TFTP/CTLFile.tlv'"
finds "the old CTL as NEW does not" 1 "LIVE-DIFFERS-CTL NODE-CERT-STALE" -- CTLFile.tlv --live -c cluster2.ini --live-port "$PORTS" --timeout 3
check "... the finding is about NEW" -- json "$T/out" \
	"[f['file'] for f in d['findings'] if f['code'] == 'LIVE-DIFFERS-CTL'] == ['CTLFile.tlv']"
# Published on one TFTP node only: the nodes disagree.
SCENARIO=tftp-differs
put pub CTL-new.tlv CTLFile.tlv
finds "published on pub only" 1 "LIVE-DIFFERS-CTL LIVE-TFTP-DIFFERS" -- --live -c cluster2.ini --live-port "$PORTS" --timeout 3
check "LIVE-TFTP-DIFFERS for sub1 (got $(hosts LIVE-TFTP-DIFFERS))" -- test "$(hosts LIVE-TFTP-DIFFERS)" = sub1
check "LIVE-DIFFERS-CTL about the CTL sub1 serves" -- json "$T/out" \
	"[f['file'] for f in d['findings'] if f['code'] == 'LIVE-DIFFERS-CTL'] == ['tftp://$SUB1:$TFTP/CTLFile.tlv']"
# Published on both: consistent again.
SCENARIO=published
put sub1 CTL-new.tlv CTLFile.tlv
finds "published everywhere" 0 "" -- --live -c cluster2.ini --live-port "$PORTS" --timeout 3
# The list named as what phones hold is not what TFTP serves.
finds "--current names another CTL than TFTP serves" 1 "LIVE-TFTP-DIFFERS NODE-CERT-STALE" -- \
	--live -c cluster2.ini --live-port "$PORTS" --timeout 3 --current CTLFile.tlv --itl ITLFile.tlv
check "... about the file named, which the other checks judge" -- json "$T/out" \
	"[f['file'] for f in d['findings'] if f['code'] in ('LIVE-TFTP-DIFFERS', 'NODE-CERT-STALE')] == ['CTLFile.tlv', 'CTLFile.tlv']"
finds "--first while TFTP serves a CTL" 1 "LIVE-TFTP-DIFFERS" -- \
	CTL-new.tlv --first --live -c cluster2.ini --live-port "$PORTS" --timeout 3
# A CTL that is not a valid list.
SCENARIO=invalid
python3 - CTL-new.tlv flipped.tlv <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-10] ^= 0xFF
open(sys.argv[2], "wb").write(b)
EOF
put sub1 flipped.tlv CTLFile.tlv
finds "a CTL whose signature does not verify" 1 "LIVE-LIST-INVALID LIVE-TFTP-DIFFERS" -- --live -c cluster2.ini --live-port "$PORTS" --timeout 3
check "LIVE-LIST-INVALID for sub1 (got $(hosts LIVE-LIST-INVALID))" -- test "$(hosts LIVE-LIST-INVALID)" = sub1
head -c 300 CTL-new.tlv >trunc.tlv && put sub1 trunc.tlv CTLFile.tlv
finds "a truncated CTL" 1 "LIVE-LIST-INVALID" -- --live -c cluster2.ini --live-port "$PORTS" --timeout 3
has out "malformed" "the parse error is named"
put sub1 ITL-sub1.tlv CTLFile.tlv
finds "an ITL served as the CTL" 1 "LIVE-LIST-INVALID" -- --live -c cluster2.ini --live-port "$PORTS" --timeout 3
has out "is an ITL" "the wrong kind is named"
put sub1 CTL-new.tlv CTLFile.tlv

# ---- a mixed-mode cluster whose TFTP serves no CTL; an ITL missing -----------------
SCENARIO=no-ctl
mv srv-sub1/CTLFile.tlv srv-sub1/CTLFile.away
finds "sub1 serves no CTL" 1 "LIVE-NO-CTL" -- --live -c cluster2.ini --live-port "$PORTS" --timeout 3
check "LIVE-NO-CTL for sub1 (got $(hosts LIVE-NO-CTL))" -- test "$(hosts LIVE-NO-CTL)" = sub1
mv srv-pub/CTLFile.tlv srv-pub/CTLFile.away
finds "no TFTP node serves a CTL" 1 "LIVE-NO-CTL" -- --live -c cluster2.ini --live-port "$PORTS" --timeout 3
check "LIVE-NO-CTL for pub and sub1" -- test "$(hosts LIVE-NO-CTL)" = "pub sub1"
check "JSON: not found is an answer" -- json "$T/out" \
	"all(r['answered'] and r['not_found'] and not r['ok'] for r in d['live'] if r['service'] == 'ctl') and d['checked']['current_ctl'] is None"
# Non-secure mode: no CTL is a state, not a fault.
live_cluster non-secure | sed 's#certs/sub2-cm.pem#certs/sub2-cm-new.pem#' >cluster-ns.ini
finds "non-secure cluster, no CTL" 0 "" -- --live -c cluster-ns.ini --live-port "$PORTS" --timeout 3
mv srv-pub/CTLFile.away srv-pub/CTLFile.tlv
mv srv-sub1/CTLFile.away srv-sub1/CTLFile.tlv
mv srv-sub1/ITLFile.tlv srv-sub1/ITLFile.away
finds "sub1 serves no ITL" 1 "LIVE-NO-ITL" -- --live -c cluster2.ini --live-port "$PORTS" --timeout 3
check "LIVE-NO-ITL for sub1" -- test "$(hosts LIVE-NO-ITL)" = sub1
mv srv-sub1/ITLFile.away srv-sub1/ITLFile.tlv

# ---- nodes down: a finding, not a crash; bounded by --timeout -------------------------
SCENARIO=down
stop sub1-cm
stop sub1-tvs
stop sub1-tftp
elapsed timeout 60 "$CTLSIGN" check --json --live -c cluster2.ini --live-port "$PORTS" --timeout 2
cp "$T/out" down.json
check "a node down: exit 0, warnings only (was $RC)" -- test "$RC" = 0
check "LIVE-UNREACHABLE for sub1's three services" -- json down.json \
	"sorted((f['host'], f['role']) for f in d['findings'] if f['code'] == 'LIVE-UNREACHABLE') == [('sub1', 'callmanager'), ('sub1', 'tftp'), ('sub1', 'tvs')]"
check "no other warning or error" -- json down.json "d['errors'] == 0 and d['warnings'] == 3"
check "the reason is named (refused)" -- json down.json \
	"any('$SUB1 port $CM' in f['message'] and 'refused' in f['message'] for f in d['findings'] if f['code'] == 'LIVE-UNREACHABLE')"
check "JSON: the ITL is not asked for after the CTL got no answer" -- json down.json \
	"[(r['skipped'], r['ok']) for r in d['live'] if r['node'] == 'sub1' and r['service'] == 'itl'] == [(True, False)]"
check "the other nodes still compared" -- json down.json \
	"all(r['ok'] for r in d['live'] if r['node'] != 'sub1')"
[ -n "${CTLSIGN_VALGRIND:-}" ] || check "a node down is quick (${SECS} s)" -- faster "$SECS" 10
# Silent services: a TCP port that never speaks, a UDP port that never answers.
# Each waits the timeout, all at once: about 2 s, not 3 x 2 s.
start sub1-silent-cm tcp $SUB1 "$CM" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8); time.sleep(300)' $SUB1 "$CM"
start sub1-silent-tvs tcp $SUB1 "$TVS" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8); time.sleep(300)' $SUB1 "$TVS"
start sub1-silent-tftp udp $SUB1 "$TFTP" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2]))); time.sleep(300)' $SUB1 "$TFTP"
elapsed timeout 60 "$CTLSIGN" check --json --live -c cluster2.ini --live-port "$PORTS" --timeout 2
check "silent node: exit 0 (was $RC)" -- test "$RC" = 0
check "silent node: three LIVE-UNREACHABLE, each a timeout" -- json "$T/out" \
	"len([f for f in d['findings'] if f['code'] == 'LIVE-UNREACHABLE' and f['host'] == 'sub1' and 'within 2 s' in f['message']]) == 3"
[ -n "${CTLSIGN_VALGRIND:-}" ] || check "silent services waited for in parallel (${SECS} s)" -- faster "$SECS" 5.5
stop sub1-silent-cm
stop sub1-silent-tvs
stop sub1-silent-tftp
# Every node down: nothing was compared, which is an error.
SCENARIO=all-down
for s in pub-cm pub-tvs pub-capf pub-tftp sub2-cm sub2-tvs; do stop $s; done
elapsed timeout 60 "$CTLSIGN" check --json --live -c cluster2.ini --live-port "$PORTS" --timeout 1
check "every node down: exit 1 (was $RC)" -- test "$RC" = 1
check "LIVE-NO-ANSWER and an unreachable finding per service" -- json "$T/out" \
	"[f['code'] for f in d['findings'] if f['severity'] == 'error'] == ['LIVE-NO-ANSWER'] and len([f for f in d['findings'] if f['code'] == 'LIVE-UNREACHABLE']) == 9"
[ -n "${CTLSIGN_VALGRIND:-}" ] || check "every node down is quick (${SECS} s)" -- faster "$SECS" 10
check "no sanitizer report" -- bash -c "! grep -qaE 'Sanitizer|runtime error:' '$T/err'"

stop_all
check "every server stopped" -- bash -c "! grep -qE '^ *[0-9]+: 1[5-7]00007F:[0-9A-F]+ 00000000:0000 (0A|07) ' /proc/net/tcp /proc/net/udp"
finish
