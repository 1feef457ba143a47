#!/usr/bin/env bash
# Keys and passphrases for tokenless signing (--key, --pass-source, the
# terminal): every error names the file it is about, and a passphrase is
# called a passphrase. The token PIN paths are tokens.sh's.
SUITE=secrets
. "$(dirname "$0")/../lib.sh"
cd "$T"
# The passphrase through the environment, never argv.
KEYPASS=Secret-99 openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -aes256 \
	-pass env:KEYPASS -out enc.key 2>/dev/null
KEYPASS=Secret-99 openssl req -x509 -key enc.key -passin env:KEYPASS -out enc.pem -days 30 \
	-subj "/O=Example/CN=signer" 2>/dev/null
chmod 600 enc.key
recs=(--first --sast "signer,192.0.2.1,$T/enc.pem")

# --- errors name their file ----------------------------------------------------
expect 4 "--key that does not exist" -- "$CTLSIGN" build "${recs[@]}" --key "$T/nonexistent.key" -o x.tlv
has err "$T/nonexistent.key" "--key: the missing file is named"
has err "No such file or directory" "--key: and why"
mkdir keydir
expect 4 "--key that is a folder" -- "$CTLSIGN" build "${recs[@]}" --key "$T/keydir" -o x.tlv
has err "$T/keydir" "--key folder: named"
expect 4 "--pass-source file that does not exist" -- "$CTLSIGN" build "${recs[@]}" --key enc.key \
	--pass-source "file:$T/no-pass" -o x.tlv
has err "$T/no-pass" "--pass-source: the missing file is named"
has err "enc.key" "--pass-source: and the key it was for"
has err "passphrase file" "--pass-source: called a passphrase file"
hasnt err "PIN" "--pass-source: no PIN in a passphrase message"

# --- a passphrase is a passphrase --------------------------------------------------
: >empty-pass && chmod 600 empty-pass
expect 6 "empty --pass-source file" -- "$CTLSIGN" build "${recs[@]}" --key enc.key \
	--pass-source "file:$T/empty-pass" -o x.tlv
has err "passphrase from .*empty-pass.* is empty" "empty passphrase file: said so"
hasnt err "PIN" "empty passphrase file: no PIN in the message"
printf 'Secret-99\n' >pass && chmod 644 pass
expect 0 "readable passphrase file" -- "$CTLSIGN" build "${recs[@]}" --key enc.key \
	--pass-source "file:$T/pass" -o ok.tlv
check "one warning about the readable passphrase file, not one per attempt" -- \
	test "$(grep -c 'accessible to group or others' "$T/err")" = 1
has err "passphrase file" "permission warning calls it a passphrase file"
printf 'wrong\n' >badpass && chmod 600 badpass
expect 6 "wrong passphrase" -- "$CTLSIGN" build "${recs[@]}" --key enc.key \
	--pass-source "file:$T/badpass" -o x.tlv
has err "wrong passphrase" "wrong passphrase: said so"
has err "enc.key" "wrong passphrase: names the key"

# On a terminal: an empty answer cancels at once (exit 130), without asking
# again, and says it was the passphrase.
if command -v script >/dev/null; then
	mkfifo typed
	script -qec "$(printf '%q ' "$CTLSIGN" build "${recs[@]}" --key enc.key -o tty.tlv)" /dev/null \
		<typed >tty.out 2>&1 &
	spid=$!
	exec 9>typed
	for _ in $(seq 1 600); do grep -q "Passphrase for" tty.out 2>/dev/null && break; sleep 0.1; done
	(printf '\r' >&9) 2>/dev/null
	for _ in $(seq 1 30); do kill -0 $spid 2>/dev/null || break; sleep 0.1; done
	# a second prompt would wait here: answer it too, so the old behaviour ends
	(printf '\r' >&9) 2>/dev/null
	for _ in $(seq 1 600); do kill -0 $spid 2>/dev/null || break; sleep 0.1; done
	kill $spid 2>/dev/null
	exec 9>&-
	wait $spid
	rc=$?
	check "empty passphrase on the terminal: exit $rc is 130 (cancelled)" -- test "$rc" = 130
	check "empty passphrase: asked once ($(grep -c 'Passphrase for' tty.out) prompts)" -- \
		test "$(grep -c 'Passphrase for' tty.out)" = 1
	has tty.out "no passphrase entered" "empty passphrase: says it was the passphrase"
	hasnt tty.out "PIN" "empty passphrase: no PIN in the messages"
	check "empty passphrase: nothing written" -- test ! -e tty.tlv
else
	echo "secrets: note: script(1) missing; terminal checks skipped"
fi
finish
