#!/usr/bin/env bash
# The Debian package: `make deb' (dpkg-buildpackage from a copy of the tree,
# then lintian, which must find no error or warning) builds it into a
# scratch folder, unless CTLSIGN_DEB names one already built. It is unpacked
# with dpkg -x into a scratch root (the machine's own packages are never
# touched) and the installed files are used: --version reports the
# changelog's version, verify on a golden file, tokens on a SoftHSM store
# with the token profiles found beside the binary, bash completion loaded
# by bash-completion's own loader, the man page renders cleanly, the docs
# and ci-token.sh are where they belong, and the dependencies come from
# dh_shlibdeps and resolve on this machine.
SUITE=package
. "$(dirname "$0")/../lib.sh"
cd "$T"
ver=$(sed -n '1s/^[^ ]* (\([^ ]*\)) .*/\1/p' "$ROOT/debian/changelog")
arch=$(dpkg --print-architecture)
check "debian/changelog has a version" -- test -n "$ver"

if [ -n "${CTLSIGN_DEB:-}" ]; then
	deb=$CTLSIGN_DEB
	expect 0 "lintian on $deb" -- lintian --fail-on error,warning "$deb"
else
	start=$(date +%s)
	expect 0 "make deb (dpkg-buildpackage, lintian)" -- make -C "$ROOT" --no-print-directory deb DEB_OUT="$T/deb" DEB_TMP="$T"
	echo "package: make deb took $(($(date +%s) - start)) s"
	deb=$T/deb/ctlsign_${ver}_${arch}.deb
	check "lintian ran and found nothing to report" -- bash -c "grep -q LINTIAN '$T/out' && ! grep -qE '^[EW]: ' '$T/out' '$T/err'"
	check "the .changes and .buildinfo are beside the .deb" -- \
		test -f "$T/deb/ctlsign_${ver}_${arch}.changes" -a -f "$T/deb/ctlsign_${ver}_${arch}.buildinfo"
	check "nothing was left in the folder above the source copy" -- \
		bash -c "! ls '$T' | grep -E '^ctlsign[-_]'"
	check "nothing was left next to the checkout" -- \
		bash -c "! ls '$ROOT/..' | grep -E '^ctlsign[-_].*\.(deb|changes|buildinfo|dsc)$'"
fi
check "the package exists" -- test -s "$deb"

# ---- control fields -------------------------------------------------------------------
dpkg-deb -f "$deb" >"$T/control.txt"
has "$T/control.txt" "^Version: $ver\$" "package version from debian/changelog"
has "$T/control.txt" "^Depends: .*libssl3" "Depends from dh_shlibdeps: libssl3"
has "$T/control.txt" "^Depends: .*libp11-3" "Depends: libp11"
has "$T/control.txt" "^Depends: .*libcurl4" "Depends: libcurl"
has "$T/control.txt" "^Depends: .*libp11-kit0" "Depends: p11-kit"
has "$T/control.txt" "^Recommends: p11-kit-modules, pcscd\$" "Recommends"
has "$T/control.txt" "^Suggests: softhsm2\$" "Suggests"
expect 0 "its dependencies resolve here (apt-get --simulate)" -- apt-get install --simulate -qq "$deb"

# ---- unpacked into a scratch root -------------------------------------------------------
R=$T/root
expect 0 "dpkg -x" -- dpkg -x "$deb" "$R"
dpkg-deb -c "$deb" | awk '{print $6}' >"$T/files.txt"
for f in ./usr/bin/ctlsign ./usr/share/man/man1/ctlsign.1.gz \
	./usr/share/bash-completion/completions/ctlsign ./usr/share/ctlsign/ci-token.sh \
	./usr/share/ctlsign/token-profiles/softhsm2.profile ./usr/share/ctlsign/token-profiles/etoken-5110.profile \
	./usr/share/doc/ctlsign/copyright ./usr/share/doc/ctlsign/changelog.gz \
	./usr/share/doc/ctlsign/README.md.gz ./usr/share/doc/ctlsign/ci.md.gz ./usr/share/doc/ctlsign/tokens.md.gz \
	./usr/share/doc/ctlsign/examples/cluster.ini \
	./usr/lib/ctlsign/ctlsign-token.so ./usr/lib/ctlsign/ctlsign-net.so; do
	check "package has $f" -- grep -qxF "$f" "$T/files.txt"
done
check "nothing outside /usr" -- bash -c "! grep -vE '^\./(usr(/.*)?)?\$' '$T/files.txt'"
check "ci-token.sh is executable" -- test -x "$R/usr/share/ctlsign/ci-token.sh"
n=$(ls "$ROOT"/token-profiles/*.profile | wc -l)
check "every token profile" -- test "$(ls "$R"/usr/share/ctlsign/token-profiles/*.profile | wc -l)" = "$n"

# The installed binary, with nothing of the checkout's around it.
unset CTLSIGN_PROFILES_DIR
X=$R/usr/bin/ctlsign
expect 0 "installed ctlsign --version" -- "$X" --version
check "--version: ctlsign $ver" -- test "$(head -1 "$T/out")" = "ctlsign $ver"
has out "^OpenSSL " "--version names OpenSSL"
expect 0 "installed ctlsign verify" -- "$X" verify "$ROOT/tests/golden/ctl-direct.tlv"
has out "signature valid" "verify on a golden file"
"$ROOT/softhsm-conf/provision.sh" "$T/hsm" >/dev/null
expect 0 "installed ctlsign tokens on SoftHSM" -- env SOFTHSM2_CONF="$T/hsm/softhsm2.conf" \
	strace -f -e trace=openat -o "$T/trace" "$X" tokens --module /usr/lib/softhsm/libsofthsm2.so
for t in "eToken" "eToken 2" "eToken 3"; do has out "token: *$t\$" "tokens lists $t"; done
check "profiles read from the package's folder, beside the binary" -- \
	grep -q "\"$R/usr/bin/../share/ctlsign/token-profiles/.*\.profile\"" "$T/trace"
check "the token module loaded from the package, beside the binary" -- \
	grep -qE "\"$R/usr/bin/../lib/ctlsign/ctlsign-token\.so\".*= [0-9]" "$T/trace"
expect 0 "installed tokens --uri-only" -- env SOFTHSM2_CONF="$T/hsm/softhsm2.conf" "$X" tokens --uri-only \
	--module /usr/lib/softhsm/libsofthsm2.so
check "three URIs" -- test "$(grep -c '^pkcs11:' "$T/out")" = 3

# Bash completion, loaded the way bash-completion loads it: by command name
# from .../bash-completion/completions on XDG_DATA_DIRS.
expect 0 "bash-completion loads the installed completion" -- bash --norc -c '
	. /usr/share/bash-completion/bash_completion
	XDG_DATA_DIRS=$1/usr/share BASH_COMPLETION_USER_DIR=/nonexistent __load_completion ctlsign &&
	complete -p ctlsign' _ "$R"
has out "complete -F _ctlsign ctlsign" "completion registered for ctlsign"
expect 0 "installed completion offers the commands" -- bash --norc -c '
	. "$1/usr/share/bash-completion/completions/ctlsign"
	PATH=$1/usr/bin:$PATH COMP_LINE="ctlsign v" COMP_POINT=9 COMP_WORDS=(ctlsign v) COMP_CWORD=1
	_ctlsign ctlsign v ctlsign; printf "%s\n" "${COMPREPLY[@]}"' _ "$R"
has out "^verify\$" "installed completion completes verify"

# The man page: in place, and groff has nothing to say about it.
zcat "$R/usr/share/man/man1/ctlsign.1.gz" >"$T/ctlsign.1"
check "man page is docs/ctlsign.1" -- cmp -s "$T/ctlsign.1" "$ROOT/docs/ctlsign.1"
expect 0 "man page renders" -- groff -man -Tutf8 -ww -z "$T/ctlsign.1"
check "groff gave no warning" -- test ! -s "$T/err"
expect 0 "man finds it by name under the root's MANPATH" -- env MANPATH="$R/usr/share/man" man -w ctlsign
has out "$R/usr/share/man/man1/ctlsign.1.gz" "man -w"
finish
