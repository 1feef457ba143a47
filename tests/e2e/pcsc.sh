#!/usr/bin/env bash
# End-to-end tests of the "PC/SC readers" section of `ctlsign tokens`
# against a private pcscd with vsmartcard's virtual reader
# (tests/pcsc/pcscd-rig.sh) and virtual cards (tests/pcsc/vcard.py): no
# service, empty readers, an eToken 5110 (identified, middleware hint), an
# unknown card, two cards at once, removal, pcscd going away.
SUITE=pcsc
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pcsc/pcscd-rig.sh"
cd "$T"

ATR_5110="3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 84 65 66 FB 12 01 78 82 90 00 85"
ATR_CARDOS="3B F2 18 00 FF C1 0A 31 FE 55 C8 06 8A"
ATR_JCOP="3B 8A 80 01 4A 43 4F 50 33 31 56 32 33 32 7A"
HINT_5110="hint:     no PKCS#11 module shows this token: install SafeNet Authentication Client (libIDPrimePKCS11.so or libeTPkcs11.so)"

# PKCS#11 side kept small and private: one SoftHSM module over an empty store
# (its uninitialised slot reports model "SoftHSM v2", which is no eToken).
mkdir -p hsm/tokens
printf 'directories.tokendir = %s/hsm/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" >hsm/softhsm2.conf
export SOFTHSM2_CONF=$T/hsm/softhsm2.conf
TOKENS=("$CTLSIGN" tokens --module /usr/lib/softhsm/libsofthsm2.so)

vcard_pids=()
at_exit 'for p in "${vcard_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done'
at_exit 'pcsc_rig_stop "$T/rig"'

# insert NAME PORT ATR: start a virtual card; its pid goes to $NAME_pid.
insert() {
	local i
	local ready=$T/ready-$1
	rm -f "$ready"
	python3 "$ROOT/tests/pcsc/vcard.py" --port "$2" --atr "$3" --ready-file "$ready" &
	vcard_pids+=($!)
	printf -v "$1_pid" %s $!
	for ((i = 0; i < 100; i++)); do
		[ -e "$ready" ] && return 0
		sleep 0.05
	done
	bad "virtual card $1 never handed out its ATR"
	return 1
}
remove() {
	local pid=${1}_pid
	kill "${!pid}" 2>/dev/null
	wait "${!pid}" 2>/dev/null
}
# until_out PATTERN [absent]: rerun `ctlsign tokens` until PATTERN shows up
# (or goes away); pcscd notices a card some 100 ms after vpcd does.
until_out() {
	local i
	for ((i = 0; i < 60; i++)); do
		"${TOKENS[@]}" >"$T/out" 2>"$T/err"
		if grep -qaF -- "$1" "$T/out"; then [ -z "${2:-}" ] && return 0; else [ -n "${2:-}" ] && return 0; fi
		sleep 0.1
	done
	return 1
}
json_check() { # json_check DESCRIPTION PYTHON-BLOCK [ARG] (p = d["pcsc"], ARG = sys.argv[2])
	check "$1" -- python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
p = d['pcsc']
$2" "$T/out" "${@:3}"
}

# --- no PC/SC service ---------------------------------------------------------
# A socket path nobody serves: robust even when another pcscd runs.
PCSCLITE_CSOCK_NAME=$T/nobody/pcscd.comm expect 0 "tokens without pcscd" -- "${TOKENS[@]}"
has out "^PC/SC: no PC/SC service running (pcscd not started)$" "no-service line"
hasnt out "PC/SC readers:" "no reader list without a service"
PCSCLITE_CSOCK_NAME=$T/nobody/pcscd.comm expect 0 "tokens --json without pcscd" -- "${TOKENS[@]}" --json
json_check "--json: no-service state" '
assert p["state"] == "no-service" and p["service_running"] is False, p
assert p["readers"] == [] and "pcscd" in p["message"], p'

# --- private pcscd + vpcd -------------------------------------------------------
if ! pcsc_rig_start "$T/rig" 2>"$T/rig.err"; then
	bad "cannot start the pcscd rig: $(cat "$T/rig.err")"
	finish
	exit 1
fi
ok
PORT=$VPCD_PORT
check "the rig refuses a second start" -- bash -c '. "$1"; ! pcsc_rig_start "$2" 2>"$3"' _ \
	"$ROOT/tests/pcsc/pcscd-rig.sh" "$T/rig" "$T/rig2.err"
has "$T/rig2.err" "already runs" "refusal says why"

expect 0 "tokens with empty virtual readers" -- "${TOKENS[@]}"
has out "^PC/SC readers:$" "reader list"
has out "^  Virtual PCD 00 00$" "first vpcd reader"
has out "^  Virtual PCD 00 01$" "second vpcd reader"
has out "^    card:     none$" "empty reader"

# --- an eToken 5110 ------------------------------------------------------------
insert etoken "$PORT" "$ATR_5110" && ok
check "eToken ATR shows up" -- until_out "ATR:      $ATR_5110"
expect 0 "tokens with an eToken 5110" -- "${TOKENS[@]}"
has out "^    card:     present$" "card present"
has out "^    ATR:      $ATR_5110$" "ATR in hex"
has out "^    token:    SafeNet eToken 5110 / 5110+ FIPS (eToken 5110+ FIPS)$" "profile and ATR label"
has out "^    $HINT_5110$" "middleware hint (no PKCS#11 module shows an eToken)"
expect 0 "tokens --json with an eToken 5110" -- "${TOKENS[@]}" --json
json_check "--json: eToken reader" '
assert p["state"] == "ok" and p["service_running"] is True, p
r = {x["name"]: x for x in p["readers"]}
e = r["Virtual PCD 00 00"]
assert e["card"] == "present" and e["card_present"] is True, e
assert e["atr"] == sys.argv[2], e
assert e["profile"] == "SafeNet eToken 5110 / 5110+ FIPS" and e["profile_id"] == "etoken-5110", e
assert e["atr_label"] == "eToken 5110+ FIPS" and e["identified"] == "known token", e
assert e["pkcs11_visible"] is False and e["modules"][0] == "libIDPrimePKCS11.so", e
assert "SafeNet Authentication Client" in e["hint"], e
f = r["Virtual PCD 00 01"]
assert f["card"] == "absent" and f["atr"] is None and f["profile"] is None and f["hint"] is None, f
' "$ATR_5110"

# --- a second card at once: eToken PRO (CardOS) in reader 00 01 ----------------
insert cardos "$((PORT + 1))" "$ATR_CARDOS" && ok
check "second card shows up" -- until_out "ATR:      $ATR_CARDOS"
has out "^    token:    Aladdin eToken PRO 32K/64K (CardOS) (eToken PRO, CardOS M4.2)$" "CardOS eToken identified"
has out "install SafeNet Authentication Client (libeTPkcs11.so or libeToken.so)" "CardOS middleware hint"
has out "^    ATR:      $ATR_5110$" "first card still listed"

# --- removal, then an unknown card ----------------------------------------------
remove etoken
check "removed card disappears" -- until_out "ATR:      $ATR_5110" absent
remove cardos
check "second card disappears" -- until_out "ATR:      $ATR_CARDOS" absent
insert jcop "$PORT" "$ATR_JCOP" && ok
check "unknown card shows up" -- until_out "ATR:      $ATR_JCOP"
has out "^    token:    unknown card$" "unknown ATR"
hasnt out "hint:" "no middleware hint for an unknown card"
expect 0 "tokens --json with an unknown card" -- "${TOKENS[@]}" --json
json_check "--json: unknown card" '
e = [x for x in p["readers"] if x["name"] == "Virtual PCD 00 00"][0]
assert e["atr"] == sys.argv[2] and e["profile"] is None and e["identified"] == "unknown card", e
assert e["hint"] is None, e
' "$ATR_JCOP"
remove jcop

# --- pcscd goes away -------------------------------------------------------------
pcsc_rig_stop "$T/rig"
expect 0 "tokens after pcscd stopped" -- "${TOKENS[@]}"
has out "^PC/SC: no PC/SC service running (pcscd not started)$" "no-service once pcscd is gone"
check "pcscd stopped" -- test ! -e "$T/rig/pcscd.pid"

finish
