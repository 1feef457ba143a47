#!/bin/bash
# A private pcscd with vsmartcard's virtual reader (vpcd), for tests.
#
#   . tests/pcsc/pcscd-rig.sh          # from a test script: pcscd stays our
#   pcsc_rig_start DIR [PORT]           # child, so stop can reap it
#   tests/pcsc/vcard.py --port "$VPCD_PORT" --atr "3B ..." &
#   pcsc_rig_stop DIR
#
# or as a command (pcscd is then orphaned: on a machine whose init does not
# reap, it stays a zombie after stop):
#   eval "$(tests/pcsc/pcscd-rig.sh start DIR [PORT])"
#   tests/pcsc/pcscd-rig.sh stop DIR
#
# start exports PCSCLITE_CSOCK_NAME (the socket clients must use) and
# VPCD_PORT, and writes DIR/{pcscd.pid,socket,port,mode,pcscd.log}.
#
# pcscd 1.9.9 always serves /run/pcscd/pcscd.comm (only clients honour
# PCSCLITE_CSOCK_NAME), so one pcscd per machine. Where `unshare --mount`
# works (root), pcscd runs in its own mount namespace over a private tmpfs
# on /run/pcscd: several rigs (parallel tests) and a system pcscd then never
# meet, and clients reach the socket through /proc/PID/root. Elsewhere the
# rig uses the fixed path and refuses to start beside a running pcscd.
# vpcd takes readers "Virtual PCD 00 00" on PORT and "00 01" on PORT+1
# (default: the first free pair from 35963); cards connect to 127.0.0.1.

PCSC_RIG_VPCD_LIB=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
PCSC_RIG_SYS_SOCK=/run/pcscd/pcscd.comm

_pcsc_rig_err() { echo "pcscd-rig: $*" >&2; }

_pcsc_rig_port_free() {
	python3 - "$1" <<'PY'
import socket, sys
p = int(sys.argv[1])
for port in (p, p + 1):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("", port))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
PY
}

# pcscd writes its pid file with a trailing NUL.
_pcsc_rig_sys_pid() { tr -dc 0-9 2>/dev/null </run/pcscd/pcscd.pid; }

# True while PID is a live (not zombie) pcscd: guards against pid reuse.
_pcsc_rig_alive() {
	local pid=$1 state
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pcscd ] || return 1
	state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
	[ "$state" != Z ]
}

pcsc_rig_start() {
	local dir=${1:-} port=${2:-} _pcsc_rig_lockfd rc
	[ -n "$dir" ] || { _pcsc_rig_err "usage: pcsc_rig_start DIR [PORT]"; return 2; }
	command -v pcscd >/dev/null ||
		{ _pcsc_rig_err "pcscd is not installed (apt-get install pcscd)"; return 1; }
	[ -e "$PCSC_RIG_VPCD_LIB" ] ||
		{ _pcsc_rig_err "$PCSC_RIG_VPCD_LIB missing (apt-get install vsmartcard-vpcd)"; return 1; }
	mkdir -p "$dir/reader.conf.d" || { _pcsc_rig_err "cannot create $dir"; return 1; }
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/pcscd.pid" ] && _pcsc_rig_alive "$(cat "$dir/pcscd.pid")"; then
		_pcsc_rig_err "this rig already runs (pid $(cat "$dir/pcscd.pid")); stop it first"
		return 1
	fi
	# Rigs starting at the same time would pick the same free port: pick
	# and bind one at a time. pcscd must not inherit the lock.
	exec {_pcsc_rig_lockfd}>>/tmp/ctlsign-pcsc-rig.lock ||
		{ _pcsc_rig_err "cannot open /tmp/ctlsign-pcsc-rig.lock"; return 1; }
	if command -v flock >/dev/null && ! flock -w 30 "$_pcsc_rig_lockfd"; then
		_pcsc_rig_err "another rig held /tmp/ctlsign-pcsc-rig.lock for 30 s"
		exec {_pcsc_rig_lockfd}>&-
		return 1
	fi
	_pcsc_rig_launch "$dir" "$port"
	rc=$?
	exec {_pcsc_rig_lockfd}>&-
	return $rc
}

_pcsc_rig_launch() {
	local dir=$1 port=$2 mode pid sock i
	if [ -z "$port" ]; then
		for ((port = 35963; port < 36163; port += 2)); do
			_pcsc_rig_port_free "$port" && break
		done
	fi
	_pcsc_rig_port_free "$port" ||
		{ _pcsc_rig_err "TCP port $port or $((port + 1)) is in use"; return 1; }
	printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x%X\nLIBPATH %s\nCHANNELID 0x%X\n' \
		"$port" "$PCSC_RIG_VPCD_LIB" "$port" >"$dir/reader.conf.d/vpcd"
	mkdir -p /run/pcscd 2>/dev/null
	if [ "${PCSC_RIG_SHARED:-0}" != 1 ] && unshare --mount --propagation private true 2>/dev/null; then
		mode=private
		# unshare and sh exec: $! is pcscd itself.
		unshare --mount --propagation private sh -c \
			'mount -t tmpfs -o mode=0755,size=1m ctlsign-pcscd /run/pcscd && exec pcscd --foreground --config "$1"' \
			sh "$dir/reader.conf.d" >"$dir/pcscd.log" 2>&1 </dev/null {_pcsc_rig_lockfd}>&- &
		pid=$!
		sock=/proc/$pid/root$PCSC_RIG_SYS_SOCK
	else
		mode=shared
		if _pcsc_rig_alive "$(_pcsc_rig_sys_pid)"; then
			_pcsc_rig_err "a pcscd is already running (pid $(_pcsc_rig_sys_pid)) on $PCSC_RIG_SYS_SOCK; there can be one per machine: stop it and retry"
			return 1
		fi
		pcscd --foreground --config "$dir/reader.conf.d" >"$dir/pcscd.log" 2>&1 </dev/null {_pcsc_rig_lockfd}>&- &
		pid=$!
		sock=$PCSC_RIG_SYS_SOCK
	fi
	echo "$pid" >"$dir/pcscd.pid"
	echo "$mode" >"$dir/mode"
	echo "$port" >"$dir/port"
	echo "$sock" >"$dir/socket"
	# vpcd binds its ports when pcscd loads it; until then another rig
	# could still take them.
	for ((i = 0; i < 200; i++)); do
		[ -S "$sock" ] && ! _pcsc_rig_port_free "$port" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.025
	done
	if ! [ -S "$sock" ] || _pcsc_rig_port_free "$port"; then
		_pcsc_rig_err "pcscd did not come up with vpcd on port $port; its log:"
		sed 's/^/  /' "$dir/pcscd.log" >&2
		pcsc_rig_stop "$dir"
		return 1
	fi
	export PCSCLITE_CSOCK_NAME=$sock VPCD_PORT=$port
}

pcsc_rig_stop() {
	local dir=${1:-} pid mode i
	[ -n "$dir" ] && [ -f "$dir/pcscd.pid" ] || return 0
	pid=$(cat "$dir/pcscd.pid")
	mode=$(cat "$dir/mode" 2>/dev/null || echo shared)
	if _pcsc_rig_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 200; i++)); do
			_pcsc_rig_alive "$pid" || break
			sleep 0.025
		done
		if _pcsc_rig_alive "$pid"; then
			_pcsc_rig_err "pcscd $pid ignored SIGTERM; killing it"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	# Reaps it when it is our child (sourced use); a no-op otherwise.
	wait "$pid" 2>/dev/null
	# A killed pcscd leaves its socket behind on the shared path.
	if [ "$mode" = shared ] &&
		! { _pcsc_rig_alive "$(_pcsc_rig_sys_pid)"; }; then
		rm -f "$PCSC_RIG_SYS_SOCK"
	fi
	rm -f "$dir/pcscd.pid"
	return 0
}

# Sourced: only define the functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case "${1:-}" in
	start)
		shift
		pcsc_rig_start "$@" || exit
		printf 'export PCSCLITE_CSOCK_NAME=%q\nexport VPCD_PORT=%q\n' "$PCSCLITE_CSOCK_NAME" "$VPCD_PORT"
		;;
	stop) shift; pcsc_rig_stop "$@" ;;
	*) echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2 ;;
	esac
fi
