# Shared helpers for the end-to-end scripts in tests/e2e/ (sourced).
# Each script sets SUITE, calls the checks, and ends with `finish`.
: "${CTLSIGN:?set CTLSIGN to the ctlsign binary}"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PASS=0
FAIL=0
T=$(mktemp -d /tmp/ctlsign-e2e.XXXXXX)
cleanup_hooks=()
at_exit() { cleanup_hooks+=("$1"); }
_cleanup() {
	local h
	for h in "${cleanup_hooks[@]}"; do eval "$h"; done
	rm -rf "$T"
}
trap _cleanup EXIT

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }

# expect RC DESCRIPTION -- command...   (stdout/stderr saved in $T/out, $T/err)
expect() {
	local want=$1 desc=$2
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if grep -qaE 'Sanitizer|runtime error:' "$T/err"; then
		bad "$desc: sanitizer report"; sed 's/^/    /' "$T/err" | head -30 >&2; return 1
	fi
	if [ "$rc" != "$want" ]; then
		bad "$desc: exit $rc, expected $want"; sed 's/^/    /' "$T/err" | head -10 >&2; return 1
	fi
	ok
}

# check DESCRIPTION -- command... (passes when the command succeeds)
check() {
	local desc=$1
	shift 2
	if "$@"; then ok; else bad "$desc"; fi
}

# grep_in FILE PATTERN DESCRIPTION
# has FILE PATTERN DESCRIPTION (FILE `out' and `err' are the last expect's)
_f() { case $1 in out | err) echo "$T/$1" ;; *) echo "$1" ;; esac; }
has() {
	local f
	f=$(_f "$1")
	if grep -qa -- "$2" "$f"; then ok; else bad "$3: \`$2' not in $1"; sed 's/^/    /' "$f" | head -10 >&2; fi
}
hasnt() {
	local f
	f=$(_f "$1")
	if grep -qa -- "$2" "$f"; then bad "$3: \`$2' unexpectedly in $1"; else ok; fi
}

fixtures() {
	if [ -z "${CTLSIGN_FIXTURES:-}" ]; then
		CTLSIGN_FIXTURES=$T/fixtures
		"$ROOT/tests/fixtures/gen.sh" "$CTLSIGN_FIXTURES" >/dev/null
	fi
	FX=$CTLSIGN_FIXTURES
}

# ---- servers on loopback (fetch.sh, docs.sh) ---------------------------------
# serve NAME tcp|udp 4|6 COMMAND...: start COMMAND in the background with
# @PORT@ replaced by a free port on 127.0.0.1 (4) or ::1 (6); wait until that
# port is bound; sets PORT. Its output goes to $T/NAME.log. Every server is
# stopped (kill, then wait) when the script exits, or by stop_servers.
SERVER_PIDS=()
stop_servers() {
	local p
	for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${SERVER_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	SERVER_PIDS=()
}
# free_port tcp|udp 4|6: a port nobody uses now.
free_port() {
	python3 - "$1" "$2" <<'EOF'
import socket, sys
six = sys.argv[2] == "6"
s = socket.socket(socket.AF_INET6 if six else socket.AF_INET,
                  socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM)
s.bind(("::1" if six else "127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}
# bound tcp|udp PORT: something is bound to that local port.
bound() {
	grep -qE "^ *[0-9]+: [0-9A-F]+:$(printf '%04X' "$2") " /proc/net/"$1" /proc/net/"$1"6 2>/dev/null
}
serve() {
	local name=$1 proto=$2 fam=$3 pid
	shift 3
	if [ -z "${_serving:-}" ]; then
		_serving=1
		at_exit stop_servers
		# Interrupted or killed: leave through the EXIT trap all the same.
		trap 'exit 130' INT
		trap 'exit 143' TERM HUP
	fi
	for _ in 1 2 3 4 5; do
		PORT=$(free_port "$proto" "$fam")
		"${@//@PORT@/$PORT}" >"$T/$name.log" 2>&1 </dev/null &
		pid=$!
		for _ in $(seq 1 100); do
			bound "$proto" "$PORT" && { SERVER_PIDS+=("$pid"); return 0; }
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	echo "cannot start $name: $(cat "$T/$name.log")" >&2
	return 1
}

# elapsed COMMAND...: run it (output in $T/out, $T/err), its status in RC,
# its wall time in seconds in SECS. faster SECS MAX: SECS < MAX.
elapsed() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >"$T/out" 2>"$T/err"
	RC=$?
	t1=$(date +%s.%N)
	SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
}
faster() { awk -v s="$1" -v m="$2" 'BEGIN { exit !(s < m) }'; }

finish() {
	echo "$SUITE: $PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
}
