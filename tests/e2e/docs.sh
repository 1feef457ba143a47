#!/usr/bin/env bash
# The documentation is run: every ```sh block of docs/tokenless.md, in
# order, in an empty folder; `ctlsign --help` lists every command and exit
# code the docs name; the man page's EXAMPLES are run.
SUITE=docs
. "$(dirname "$0")/../lib.sh"
mkdir -p "$T/bin" && ln -s "$CTLSIGN" "$T/bin/ctlsign"
export PATH="$T/bin:$PATH"

# Extract the fenced ```sh blocks of a markdown file into a script.
blocks() { awk '/^```sh$/{on=1; next} /^```$/{on=0} on' "$1"; }

mkdir "$T/walk" && cd "$T/walk"
blocks "$ROOT/docs/tokenless.md" >walk.sh
check "tokenless walk-through has commands" -- test "$(grep -c ctlsign walk.sh)" -ge 8
expect 0 "docs/tokenless.md runs" -- bash -euo pipefail walk.sh
has out "verified successfully" "walk-through shows a verified CTL"
has out "refused, as it should be" "walk-through shows the refusal"
check "walk-through left CTL, ITL and backup" -- test -f CTLFile.tlv -a -f ITLFile.tlv -a -f CTLFile.tlv.bak

# --help names every command and every exit code that docs/format and README list.
"$CTLSIGN" --help >help.txt
for v in show verify build tokens; do has help.txt "  $v " "--help lists $v"; done
for c in 0 1 2 3 4 5 6 7 70 130; do
	has help.txt "^  $c " "--help documents exit $c"
	check "README documents exit $c" -- grep -q "^| $c |" "$ROOT/README.md"
	check "man page documents exit $c" -- grep -q "^\.IP $c\$" "$ROOT/docs/ctlsign.1"
done
for v in show verify build tokens; do
	expect 0 "$v --help" -- "$CTLSIGN" $v --help
	has out "Usage: ctlsign $v" "$v --help usage line"
	check "man page describes $v" -- grep -q "^\.SS $v" "$ROOT/docs/ctlsign.1"
done
# Every long option in --help is in the man page.
for v in show verify build tokens; do
	"$CTLSIGN" $v --help | grep -oE -- '--[a-z][a-z0-9-]+' | grep -vx -- --help | sort -u >opts.txt
	while read -r o; do
		check "man page has $v $o" -- grep -q -- "${o//-/\\\\-}" "$ROOT/docs/ctlsign.1"
	done <opts.txt
done
expect 2 "unknown command" -- "$CTLSIGN" frobnicate
expect 2 "no command" -- "$CTLSIGN"
expect 0 "--version" -- "$CTLSIGN" --version

# The man page's EXAMPLES section runs in the walk-through's folder.
awk '/^\.SH EXAMPLES/{on=1; next} /^\.SH/{on=0} on && /^\.EX/{ex=1; next} /^\.EE/{ex=0} on && ex' \
	"$ROOT/docs/ctlsign.1" | sed 's/\\-/-/g; s/\\(aq/'"'"'/g; s/\\e/\\/g' >man.sh
check "man page has examples" -- test -s man.sh
expect 0 "man page examples run" -- bash -euo pipefail man.sh
finish
