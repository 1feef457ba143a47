#!/usr/bin/env bash
# The end-to-end scripts with every ctlsign run under valgrind memcheck.
# Usage: tests/valgrind.sh BUILD_DIR [E2E_SCRIPT...]   (run by `make valgrind`)
#
# CTLSIGN points at a wrapper that runs the binary under memcheck. The
# wrapper passes ctlsign's exit status through and turns a memcheck error or
# a definite leak into exit 99, so an e2e expectation of an exact code fails.
# Each run's report also goes to its own log file, which this script reads
# afterwards: a run whose status no e2e check looks at (`ctlsign show --json
# x >y`) is still caught. Zero errors and zero definite leaks are required.
#
# Checks that cannot work under memcheck (timing, a process found by name)
# are the e2e scripts' business: they see CTLSIGN_VALGRIND=1.
#
# By default every tests/e2e/*.sh except two that cannot run under a
# wrapper at all: faults.sh (strace injects faults by syscall number,
# `when=N`, and valgrind's own syscalls shift the count; it finds the
# process to signal by its name, which is valgrind's) and mutate.sh (builds
# its driver against the libctlsign.a beside $CTLSIGN, and runs hundreds of
# variants through the binary: an hour under memcheck). Name scripts to run
# only those. Two scripts run at a time (VALGRIND_JOBS), each stopped after
# VALGRIND_SCRIPT_TIMEOUT seconds (600); about 5 minutes on 2 cores when
# nothing hangs, as memcheck slows each ctlsign run 20-50x.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-valgrind}
shift || true
bin=$PWD/$build/ctlsign
[ -x "$bin" ] || { echo "valgrind: no $bin (make BUILD=$build all)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind: valgrind is not installed" >&2; exit 2; }

tmp=$(mktemp -d /tmp/ctlsign-valgrind.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
logs=$tmp/logs
mkdir -p "$logs" "$tmp/bin"

# The wrapper. --log-file keeps memcheck's report off ctlsign's stderr, which
# the e2e scripts read; %p makes one file per run. No vgdb: it would leave
# FIFOs in /tmp and write under a `ulimit -f`.
cat >"$tmp/bin/ctlsign" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \\
	--errors-for-leak-kinds=definite --show-leak-kinds=definite --track-fds=no -q \\
	--vgdb=no --num-callers=30 --suppressions=$PWD/tests/valgrind.supp \\
	--log-file=$logs/%q{CTLSIGN_VG_SUITE}.%p.log "$bin" "\$@"
EOF
chmod 755 "$tmp/bin/ctlsign"

export CTLSIGN=$tmp/bin/ctlsign CTLSIGN_BUILD=$PWD/$build CTLSIGN_VALGRIND=1
export CTLSIGN_PROFILES_DIR=$PWD/token-profiles
unset SOFTHSM2_CONF ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

echo "== generating fixtures"
tests/fixtures/gen.sh "$tmp/fixtures" >/dev/null || { echo "fixture generation failed"; exit 1; }
export CTLSIGN_FIXTURES=$tmp/fixtures

if [ $# -gt 0 ]; then
	scripts=("$@")
else
	scripts=()
	for t in tests/e2e/*.sh; do
		case ${t##*/} in faults.sh | mutate.sh) echo "== $t skipped (cannot run under a wrapper)" ;;
		*) scripts+=("$t") ;; esac
	done
fi
# build.sh is the longest: it starts first, the rest share the other lane.
mapfile -t scripts < <(printf '%s\n' "${scripts[@]}" | grep '/build\.sh$'; printf '%s\n' "${scripts[@]}" | grep -v '/build\.sh$')

one() { # one SCRIPT: run it, with its memcheck logs under its own name
	local name=${1##*/} pid watch rc
	name=${name%.sh}
	local s0=$SECONDS
	# Its own process group, so a script that hangs under memcheck (a prompt
	# answered on a timer that valgrind makes late) can be stopped whole.
	CTLSIGN_VG_SUITE=$name setsid bash "$1" >"$tmp/$name.out" 2>&1 &
	pid=$!
	(
		trap 'kill "$s" 2>/dev/null; exit 0' TERM
		sleep "$limit" &
		s=$!
		wait "$s" || exit 0
		echo "valgrind: $1 stopped after $limit s" >>"$tmp/$name.out"
		kill -TERM -- -"$pid" 2>/dev/null
	) &
	watch=$!
	wait "$pid"
	rc=$?
	kill "$watch" 2>/dev/null
	wait "$watch" 2>/dev/null
	echo "$rc $((SECONDS - s0))" >"$tmp/$name.rc"
}
export CTLSIGN_VG_SUITE
start=$SECONDS
jobs=${VALGRIND_JOBS:-2}
limit=${VALGRIND_SCRIPT_TIMEOUT:-600}
for t in "${scripts[@]}"; do
	[ -e "$t" ] || { echo "valgrind: no $t" >&2; exit 2; }
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	echo "== $t (under memcheck)"
	one "$t" &
done
wait

passed=0 failed=0 failures=()
for t in "${scripts[@]}"; do
	name=${t##*/}
	name=${name%.sh}
	read -r rc secs <"$tmp/$name.rc"
	line=$(grep -aE '^[a-z_0-9-]+: [0-9]+ passed, [0-9]+ failed' "$tmp/$name.out" | tail -1)
	p=$(sed -n 's/.*: \([0-9]*\) passed.*/\1/p' <<<"$line")
	f=$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' <<<"$line")
	runs=$(ls "$logs" | grep -c "^$name\." || true)
	echo "-- $t: ${line:-no result line (exit $rc)}; $runs ctlsign runs, $secs s"
	grep -a '^FAIL: ' "$tmp/$name.out" | sed 's/^/    /'
	passed=$((passed + ${p:-0}))
	if [ "$rc" != 0 ] || [ -z "$line" ] || [ "${f:-1}" != 0 ]; then
		failed=$((failed + ${f:-1}))
		[ "${f:-1}" != 0 ] || failed=$((failed + 1))
		failures+=("$t (exit $rc)")
		[ -n "$line" ] || tail -20 "$tmp/$name.out" | sed 's/^/    /'
	fi
done

# Every run's memcheck report, including runs no check looked at.
bad=0
for l in "$logs"/*.log; do
	[ -s "$l" ] || continue
	bad=$((bad + 1))
	echo "== memcheck report ${l##*/}:"
	head -60 "$l" | sed 's/^/    /'
done
total=$(ls "$logs" | wc -l)
echo
echo "memcheck: $total ctlsign runs, $bad with errors or definite leaks," \
	"$((SECONDS - start)) s"
if [ "$bad" -gt 0 ]; then
	failed=$((failed + bad))
	failures+=("$bad runs with memcheck reports")
fi
[ ${#failures[@]} = 0 ] || echo "FAILED: ${failures[*]}"
echo "valgrind: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ ${#failures[@]} = 0 ]
