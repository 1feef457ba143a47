#!/usr/bin/env bash
# Bash completion (contrib/bash-completion/ctlsign): sourced into bash, the
# function registered for ctlsign is called with COMP_LINE, COMP_POINT,
# COMP_WORDS and COMP_CWORD as bash sets them, and COMPREPLY is checked:
# commands, each command's options (as its --help lists them, so the script
# needs no table), file arguments by kind, and --sign-with offering the
# URIs of the SoftHSM tokens (and of the mock module's) quoted for the
# shell. Then a real interactive bash on a pseudo-terminal completes a URI
# with TAB and runs the line: the command gets the URI intact.
SUITE=completion
. "$(dirname "$0")/../lib.sh"
SCRIPT=$ROOT/contrib/bash-completion/ctlsign
mkdir -p "$T/bin" && ln -s "$CTLSIGN" "$T/bin/ctlsign"
export PATH="$T/bin:$PATH"

check "completion script is valid bash" -- bash -n "$SCRIPT"
check "no set, shopt or bind: the user's settings are left alone" -- \
	bash -c "! grep -nE '^[^#]*\\b(set [-+]|shopt|bind )' '$SCRIPT'"

"$ROOT/softhsm-conf/provision.sh" "$T/hsm" >/dev/null || bad "SoftHSM store"
export SOFTHSM2_CONF=$T/hsm/softhsm2.conf
MOCK=$CTLSIGN_BUILD/mock-pkcs11.so
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so

mkdir "$T/w" "$T/w/sub" && cd "$T/w"
touch CTLFile.tlv CTLFile.tlv.bak ITLFile.TLV cluster.ini tokens.ini CallManager.pem \
	token.crt ca.der ITLRecovery.key notes.txt mod.so
export CTLSIGN_TEST_PIN_VAR=1

# comp LINE: complete LINE (the cursor at its end) in a fresh bash that has
# only the script sourced; prints COMPREPLY one per line, sorted. COMP_WORDS
# is split at blanks and at the COMP_WORDBREAKS characters = and :, as bash
# splits it.
comp() {
	bash --norc --noprofile -c '
		. "$1" || exit 1
		spec=$(complete -p ctlsign) || exit 1
		[[ $spec == "complete -F _ctlsign ctlsign" ]] || { echo "spec: $spec" >&2; exit 1; }
		COMP_LINE=$2 COMP_POINT=${#2}
		mapfile -t COMP_WORDS < <(grep -oE "[=:]|[^[:blank:]=:]+" <<<"$2")
		[[ $2 == *[[:blank:]=:] ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		_ctlsign ctlsign "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$SCRIPT" "$1"
}
# offers LINE WORD...: completing LINE offers exactly these words.
offers() {
	local line=$1 got want
	shift
	got=$(comp "$line")
	want=$(printf '%s\n' "$@" | sort)
	if [ "$got" = "$want" ]; then ok; else
		bad "completing \`$line': got [$(echo $got)], expected [$(echo $want)]"
	fi
}
# includes LINE WORD...: completing LINE offers at least these.
includes() {
	local line=$1 got w
	shift
	got=$(comp "$line")
	for w in "$@"; do
		if grep -qxF -- "$w" <<<"$got"; then ok; else bad "completing \`$line': no \`$w' in [$(echo $got)]"; fi
	done
}

check "completing leaves no variable behind in the user's shell" -- bash --norc -c '
	. "$1"; before=$(compgen -v | sort)
	COMP_LINE="ctlsign build --sign-with " COMP_POINT=26 COMP_WORDS=(ctlsign build --sign-with "") COMP_CWORD=3
	_ctlsign ctlsign "" --sign-with
	[ "$(compgen -v | grep -vxE "COMP_(LINE|POINT|WORDS|CWORD)|COMPREPLY|before" | sort)" = "$(grep -vx before <<<"$before")" ]' _ "$SCRIPT"

# ---- commands and options ---------------------------------------------------------
verbs=$("$CTLSIGN" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p')
offers "ctlsign " $verbs
offers "ctlsign ver" verify
offers "ctlsign fetch" fetch fetch-cert
offers "ctlsign --v" --version
for v in $verbs; do
	want=$("$CTLSIGN" "$v" --help | grep -E '^[[:blank:]]+-' | awk '{
		sub(/^ +/, ""); n = split($0, chunk, /  +/)
		for (i = 1; i <= n; i++) { if (chunk[i] !~ /^-/) break
			m = split(chunk[i], w, /[ ,]+/)
			for (j = 1; j <= m; j++) if (w[j] ~ /^--[a-z0-9]/) print w[j] } }' | sort -u)
	check "$v --help lists long options" -- test -n "$want"
	offers "ctlsign $v --" $want
	[ "$v" = build ] && build_opts=$want
done
offers "ctlsign verify --tr" --trust
offers "ctlsign build --sig" --signer-cert --signer-version --sign-with
offers "ctlsign build " $build_opts
includes "ctlsign build --" --app-server --firewall
includes "ctlsign tokens " --module --ctl --json --uri-only

# ---- arguments by kind ---------------------------------------------------------------
offers "ctlsign verify " CTLFile.tlv CTLFile.tlv.bak ITLFile.TLV sub
offers "ctlsign show C" CTLFile.tlv CTLFile.tlv.bak
offers "ctlsign diff CTLFile.tlv.bak " CTLFile.tlv CTLFile.tlv.bak ITLFile.TLV sub
offers "ctlsign build --cluster " cluster.ini tokens.ini sub
offers "ctlsign build --cluster=t" tokens.ini
offers "ctlsign build -c " cluster.ini tokens.ini sub
offers "ctlsign verify --cluster " cluster.ini tokens.ini sub
offers "ctlsign build --current " CTLFile.tlv CTLFile.tlv.bak ITLFile.TLV sub
offers "ctlsign build --from " CTLFile.tlv CTLFile.tlv.bak ITLFile.TLV sub
offers "ctlsign tokens --ctl " CTLFile.tlv CTLFile.tlv.bak ITLFile.TLV sub
offers "ctlsign verify --trust " CTLFile.tlv CTLFile.tlv.bak ITLFile.TLV CallManager.pem token.crt ca.der sub
offers "ctlsign build --key " ITLRecovery.key CallManager.pem ca.der sub
offers "ctlsign build --signer-cert " CallManager.pem token.crt ca.der sub
offers "ctlsign build --sast " CallManager.pem token.crt ca.der sub
offers "ctlsign build --ccm-tftp cucm-pub,192.0.2.10,C" cucm-pub,192.0.2.10,CallManager.pem
offers "ctlsign build --module " mod.so sub
offers "ctlsign build --digest " sha1 sha256 sha512
offers "ctlsign build --signer-version " 1.0 1.1
offers "ctlsign fetch-cert --role t" tomcat tvs
offers "ctlsign fetch --dir " sub
offers "ctlsign fetch " tftp:// http://
offers "ctlsign build --pin-source " file: "- "
offers "ctlsign build --pin-source file:n" notes.txt
offers "ctlsign build --pin-env CTLSIGN_TEST_P" CTLSIGN_TEST_PIN_VAR
offers "ctlsign build --timestamp "
offers "ctlsign build --json="

# ---- --sign-with: the tokens there are now, quoted -----------------------------------
mapfile -t uris < <("$CTLSIGN" tokens --uri-only --module "$SOFTHSM")
check "three SoftHSM tokens" -- test "${#uris[@]}" = 3
quoted=()
for u in "${uris[@]}"; do quoted+=("'$u'"); done
offers "ctlsign build --module $SOFTHSM --sign-with " "${quoted[@]}"
mapfile -t muris < <("$CTLSIGN" tokens --uri-only --module "$MOCK")
check "the mock module shows the tokens" -- test "${#muris[@]}" = 3
quoted=()
for u in "${muris[@]}"; do quoted+=("'$u'"); done
offers "ctlsign build --sign-with " $(printf "'%s' " $("$CTLSIGN" tokens --uri-only))
offers "ctlsign build --module=$MOCK --sign-with " "${quoted[@]}"
# One token's URI typed up to the first letters of its serial, `;' escaped:
# the line keeps what is up to the last unescaped `=' (a word break), so the
# reply is the rest, `;' escaped again.
u=${uris[0]}
typed=${u%%;serial=*}\;serial=${u#*;serial=}
typed=${typed%%\;token=*}
typed=${typed%????????????}
typed=${typed//;/\\;}
rest=${u#*;serial=}
offers "ctlsign build --module $SOFTHSM --sign-with $typed" "$(printf '%q' "$rest")"
# The same in an open quote: readline replaces all that follows the quote.
offers "ctlsign build --module $SOFTHSM --sign-with '${typed//\\;/;}" "$u'"
offers "ctlsign build --module $SOFTHSM --sign-with \"${typed//\\;/;}" "$u\""

# ---- a real bash, a real TAB ---------------------------------------------------------
# The shell function stands in for the binary when it is asked to sign:
# it prints the arguments it got.
cat >"$T/tab.py" <<'PY'
import os, pty, select, sys, time
script, line = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"],
               dict(os.environ, PS1="$ ", TERM="dumb", INPUTRC="/dev/null"))
out = b""
def drain(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out += os.read(fd, 65536)
            except OSError:
                return
for s, t in [(". '%s'\n" % script, 0.5),
          ("ctlsign() { if [[ $1 == build && $2 == --sign-with ]]; then printf 'ARG<%s>\\n' \"$3\"; else command ctlsign \"$@\"; fi; }\n", 0.3),
          (line + "\t", 3), ("\n", 1), ("exit\n", 0.5)]:
    os.write(fd, s.encode())
    drain(t)
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
PY
mapfile -t uris < <("$CTLSIGN" tokens --uri-only)
u=${uris[1]}
typed=${u%%;token=*}
typed=${typed%????????????}
python3 "$T/tab.py" "$SCRIPT" "ctlsign build --sign-with ${typed//;/\\;}" >tab1.out 2>&1
check "TAB completed an unquoted URI prefix, the command got it whole" -- grep -qF "ARG<$u>" tab1.out
python3 "$T/tab.py" "$SCRIPT" "ctlsign build --sign-with '$typed" >tab2.out 2>&1
check "TAB completed a URI in an open quote and closed it" -- grep -qF "ARG<$u>" tab2.out
finish
