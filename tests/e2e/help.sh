#!/usr/bin/env bash
# Help that teaches: a mistyped command or option gets the closest one (and
# never getopt's own message), every command's --help ends with examples,
# --help and the man page list the same options per command, both ways, and
# --version names this version and the libraries it runs with, without
# loading a PKCS#11 module or opening a socket.
SUITE=help
. "$(dirname "$0")/../lib.sh"
cd "$T"

"$CTLSIGN" --help >help.txt
verbs=$(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p' help.txt)
check "--help lists commands" -- test "$(wc -w <<<"$verbs")" -ge 7

# ---- did you mean ------------------------------------------------------------
getopt_msgs='unrecognized option|invalid option|requires an argument|is ambiguous;? possibilities|doesn.t allow an argument'
expect 2 "mistyped command" -- "$CTLSIGN" verfy CTLFile.tlv
has err "ctlsign: unknown command \`verfy'; did you mean \`verify'?" "verfy: did you mean verify"
hasnt err "^Usage:" "a suggestion is not buried under the usage"
expect 2 "mistyped command with a dash" -- "$CTLSIGN" fetchcert cucm-pub
has err "did you mean \`fetch-cert'?" "fetchcert: did you mean fetch-cert"
expect 2 "unknown command, nothing close" -- "$CTLSIGN" frobnicate
has err "ctlsign: unknown command \`frobnicate'\$" "frobnicate: no guess"
has err "^Usage: ctlsign <command>" "no guess: the list of commands"
expect 2 "mistyped --version" -- "$CTLSIGN" --verison
has err "unknown option \`--verison'; did you mean \`--version'?" "--verison: did you mean --version"
expect 2 "mistyped option" -- "$CTLSIGN" verify --trsut CTLFile.tlv.bak CTLFile.tlv
has err "ctlsign: verify: unknown option \`--trsut'; did you mean \`--trust'?" "--trsut: did you mean --trust"
has err "Run \`ctlsign verify --help' for its options." "points at --help"
expect 2 "mistyped option with a value" -- "$CTLSIGN" build --sing-with=pkcs11:token=x --first
has err "unknown option \`--sing-with'; did you mean \`--sign-with'?" "--sing-with=: did you mean --sign-with"
expect 2 "option nothing is close to" -- "$CTLSIGN" verify --frobnicate CTLFile.tlv
has err "unknown option \`--frobnicate'\$" "no guess for --frobnicate"
expect 2 "ambiguous abbreviation" -- "$CTLSIGN" build --c x
has err "option \`--c' is ambiguous; it could be: --cluster --ccm-tftp --ccm --capf --current$" "ambiguous: the candidates"
expect 2 "missing argument" -- "$CTLSIGN" verify --trust
has err "option \`--trust' needs an argument" "missing argument named"
expect 2 "missing argument, short option" -- "$CTLSIGN" show -t
has err "option \`-t' (--trust) needs an argument" "short option and its long name"
expect 2 "argument not allowed" -- "$CTLSIGN" verify --json=yes CTLFile.tlv
has err "option \`--json' takes no argument" "no argument allowed"
expect 2 "unknown short option in a cluster" -- "$CTLSIGN" verify -jx CTLFile.tlv
has err "verify: unknown option \`-x'" "-jx: x named"
# Every command, every long option: two neighbouring letters swapped get a
# suggestion, and only ours is printed.
for v in $verbs; do
	"$CTLSIGN" "$v" --help | grep -E '^[[:blank:]]+-' | grep -oE -- '--[a-z][a-z0-9-]{3,}' | sort -u >opts-$v.txt
	while read -r o; do
		typo=${o:0:${#o}-2}${o: -1}${o: -2:1}
		grep -qx -- "$typo" opts-$v.txt && continue
		expect 2 "$v $typo" -- "$CTLSIGN" "$v" "$typo" x
		has err "ctlsign: $v: unknown option \`$typo'; did you mean \`--" "$v $typo: a suggestion"
		sug=$(sed -n "s/.*did you mean \`\(--[a-z0-9-]*\)'?\$/\1/p" "$T/err")
		check "$v $typo: the suggestion $sug is an option of $v" -- grep -qx -- "$sug" opts-$v.txt
		check "$v $typo: getopt's own message is off" -- bash -c "! grep -qE '$getopt_msgs' '$T/err'"
	done <opts-$v.txt
done

# ---- every --help ends with examples ------------------------------------------
for v in $verbs; do
	"$CTLSIGN" "$v" --help >vhelp.txt
	ex=$(awk '/^Examples:$/{on=1; next} on' vhelp.txt)
	check "$v --help has an Examples: section" -- grep -qx "Examples:" vhelp.txt
	check "$v --help: examples are the last section and run $v" -- \
		bash -c '[ -n "$1" ] && ! grep -qvE "^  ctlsign $2( |\$)" <<<"$1"' _ "$ex" "$v"
done

# ---- --help and the man page agree, per command, both ways ----------------------
# --help: the option lines (a blank, then a dash); the man page: the tags
# (the line after .TP) of the command's .SS section.
man_opts() {
	awk -v v="$1" '/^\.SS /{on=($2==v); next} /^\.SH /{on=0}
		on && tp {print; tp=0; next} on && /^\.TP/{tp=1}' "$ROOT/docs/ctlsign.1" |
		grep -oE -- '\\-\\-[a-z][a-z0-9\\-]*' | sed 's/\\-/-/g' | sort -u
}
for v in $verbs; do
	check "man page has a section for $v" -- grep -q "^\.SS $v\$" "$ROOT/docs/ctlsign.1"
	"$CTLSIGN" "$v" --help | grep -E '^[[:blank:]]+-' | grep -oE -- '--[a-z][a-z0-9-]*' |
		grep -vx -- --help | sort -u >help-$v.txt
	man_opts "$v" >man-$v.txt
	check "$v: --help lists options" -- test -s help-$v.txt
	while read -r o; do
		check "$v $o (in --help) is in the man page's $v section" -- grep -qx -- "$o" man-$v.txt
	done <help-$v.txt
	while read -r o; do
		check "$v $o (in the man page's $v section) is in --help" -- grep -qx -- "$o" help-$v.txt
	done <man-$v.txt
done
# The checker itself catches a difference.
sed '/^\.SS verify$/,/^\.SS /{/^\.BR \\-t ", " \\-\\-trust/d}' "$ROOT/docs/ctlsign.1" >mutant.1
check "a man page missing verify --trust is noticed" -- \
	bash -c "! awk '/^\.SS /{on=(\$2==\"verify\"); next} on && tp {print; tp=0; next} on && /^\.TP/{tp=1}' mutant.1 | grep -q 'trust'"

# ---- --version -------------------------------------------------------------------
want=$(cd "$ROOT" && { [ -e .git ] && git describe --tags --dirty 2>/dev/null | sed 's/^v//'; } ||
	sed -n '1s/^[^ ]* (\([^ ]*\)) .*/\1/p' debian/changelog)
[ -n "$want" ] || want=$(sed -n '1s/^[^ ]* (\([^ ]*\)) .*/\1/p' "$ROOT/debian/changelog")
expect 0 "--version" -- "$CTLSIGN" --version
check "--version: ctlsign $want" -- test "$(head -1 "$T/out")" = "ctlsign $want"
has out "^OpenSSL $(openssl version | awk '{print $2}') (built with " "--version: OpenSSL at run time"
has out "^libcurl $(pkg-config --modversion libcurl) (built with)" "--version: libcurl"
has out "^libp11 $(pkg-config --modversion libp11) (built with)" "--version: libp11"
has out "^p11-kit $(pkg-config --modversion p11-kit-1) (built with)" "--version: p11-kit"
check "man page .TH carries the changelog's version" -- \
	grep -q "^\.TH CTLSIGN 1 .* \"ctlsign $(sed -n '1s/^[^ ]* (\([^ ]*\)) .*/\1/p' "$ROOT/debian/changelog")\"" "$ROOT/docs/ctlsign.1"
# Fast: no PKCS#11 module, no p11-kit registry, no socket.
strace -f -e trace=openat,socket -o trace.txt "$CTLSIGN" --version >/dev/null 2>&1
check "--version ran under strace" -- test -s trace.txt
check "--version loads no PKCS#11 module and reads no p11-kit registry" -- \
	bash -c "! grep -E 'openat\(.*(pkcs11|p11-kit/modules|softhsm|opensc)' trace.txt | grep -v ENOENT | grep -q ."
check "--version opens no socket" -- bash -c "! grep -q '^[0-9]* *socket(' trace.txt"

# ---- what each command maps (docs/benchmarks.md) ---------------------------------
# verify and show map OpenSSL's libcrypto and json-c, never the token or
# network libraries, nor OpenSSL's configuration file; tokens loads the
# token module from beside the binary, fetch the network module.
notmapped='ctlsign-(token|net)\.so|libcurl|libp11|p11-kit|pcsclite|libssl|openssl\.cnf'
for c in "verify -q" "show"; do
	strace -f -e trace=openat -o trace.txt "$CTLSIGN" $c "$ROOT/tests/golden/ctl-direct.tlv" >/dev/null 2>&1
	check "$c ran under strace" -- test -s trace.txt
	check "$c opens no token or network library, no OpenSSL config" -- \
		bash -c "! grep -v ENOENT trace.txt | grep -qE '$notmapped'"
done
strace -f -e trace=openat -o trace.txt "$CTLSIGN" tokens --module /nonexistent.so >/dev/null 2>&1
check "tokens loads its module from beside the binary" -- \
	grep -qE "\"$(dirname "$CTLSIGN")/ctlsign-token\.so\".*= [0-9]" trace.txt
strace -f -e trace=openat -o trace.txt "$CTLSIGN" fetch --timeout 0.2 tftp://127.0.0.1:9/x -o "$T/x.tlv" \
	>/dev/null 2>&1
check "fetch loads the network module" -- grep -qE "ctlsign-net\.so\".*= [0-9]" trace.txt
# A binary without its modules: exit 69, naming the module's path and why.
mkdir -p "$T/lonely" && cp "$CTLSIGN" "$T/lonely/ctlsign"
expect 69 "tokens without the token module" -- "$T/lonely/ctlsign" tokens --module /nonexistent.so
has err "cannot load ctlsign's token module (PKCS#11 and PC/SC): .*ctlsign-token\.so: .*No such file" \
	"the missing module named, with dlerror()"
has err "reinstall ctlsign" "and what to do"
expect 69 "fetch without the network module" -- "$T/lonely/ctlsign" fetch tftp://127.0.0.1:9/x -o "$T/x.tlv"
has err "cannot load ctlsign's network module (libcurl): .*ctlsign-net\.so" "the network module named"
expect 0 "verify needs neither" -- "$T/lonely/ctlsign" verify -q "$ROOT/tests/golden/ctl-direct.tlv"
finish
