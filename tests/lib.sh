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

finish() {
	echo "$SUITE: $PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
}
