#!/usr/bin/env bash
# Regenerate the committed seed corpus for the fuzz targets.
# (Adding fuzzer finds: see docs/fuzzing.md, "Corpus".)
#   tests/fuzz/mkcorpus.sh [FIXTURE_DIR]
# Takes the smallest trust lists from tests/fixtures/gen.sh (generated into a
# temporary folder unless FIXTURE_DIR is given) plus a few truncated and
# hand-edited variants, and writes them to tests/fuzz/corpus/ctl/. Kept small
# (< 200 KB): the fuzzer finds the rest. Keys in gen.sh are fresh each run, so
# re-running changes the bytes but not the shapes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fx=${1:-}
tmp=
if [ -z "$fx" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	fx=$tmp/fx
	"$root/tests/fixtures/gen.sh" "$fx" >/dev/null
fi
out=$here/corpus/ctl
mkdir -p "$out"
# Fixture-derived seeds are remade; fz-* (kept from fuzzing runs: new
# coverage, minimized with -merge=1) and regress-* (inputs that once broke a
# property) stay.
find "$out" -type f ! -name 'fz-*' ! -name 'regress-*' -delete

python3 - "$fx" "$out" <<'PY'
import os, struct, sys
fx, out = sys.argv[1], sys.argv[2]

def rd(n):
    with open(os.path.join(fx, n), "rb") as f:
        return f.read()

def wr(n, b):
    with open(os.path.join(out, n), "wb") as f:
        f.write(b)

# Whole files: each exercises a different shape (blanked records, unknown
# tags, python header order + EC record, old digest numbering, ITL, 4096-bit).
whole = ["ctl-blanked.tlv", "bad-signer-not-sast.tlv", "ctl-unknown-tags.tlv",
         "ctl-old-sha384.tlv", "ctl-expired-signer.tlv", "ctl-python-sha256.tlv",
         "itl.tlv", "ctl-rsa4096.tlv", "bad-wrong-digest-code.tlv"]
for n in whole:
    wr(n, rd(n))

b = rd("ctl-blanked.tlv")
hl = struct.unpack(">H", b[8:10])[0]     # HEADERLENGTH value (tag 2 at byte 5)
# Truncations: inside the header, at its end, inside a record.
for cut in (1, 4, 40, hl - 1, hl + 3, hl + 40, len(b) - 1):
    wr("trunc-blanked-%d.tlv" % cut, b[:cut])
# Header only (no records): a valid parse with zero records.
wr("header-only.tlv", b[:hl])
# The header of one file followed by only the blanked (certificate-less)
# records: small, parses, no signer.
recs, off = [], hl
while off < len(b):
    rl = struct.unpack(">H", b[off + 3:off + 5])[0]
    recs.append(b[off:off + rl])
    off += rl
wr("blanked-records-only.tlv", b[:hl] + b"".join(recs[1:]))
PY

# Cluster files: the golden and example ones, plus a few small shapes.
cl=$here/corpus/cluster
rm -rf "$cl"
mkdir -p "$cl"
cp "$root/tests/golden/cluster.ini" "$cl/golden.ini"
cp "$root/docs/examples/cluster.ini" "$cl/example.ini"
printf '[cluster]\nrelease = 12.5\n[node ccm1]\nroles = CCM+TFTP\ncallmanager = cm.pem\n' >"$cl/minimal.ini"
printf '\xef\xbb\xbf; c\r\n[cluster]   ; inline\r\n   release = 10.5(2)   # x\r\n[ node   a ]\r\n\troles = ccm+tftp, capf tvs\r\n\tcallmanager = certs/a b.pem\r\nipv4 = 10.0.0.1\r\n[token t1]\r\ncert = t1.pem\r\nuri = pkcs11:token=eToken;serial=1234\r\n[tftp x]\r\ncert = x.pem\r\n[firewall f]\r\ncert = f.pem\r\n[app-server w]\r\ncert = w.pem\r\n' >"$cl/crlf-every-section.ini"
printf '[cluster]\nrelease = 12.5\nmode = non-secure\ndigest = sha512\nsigner-version = 1.1\nsigner = token:t1\nsigner-key = k.pem\n[node a]\nroles = CCM\ncallmanager = /abs/a.pem\npublisher = no\n' >"$cl/keys.ini"

# PKCS#11 URIs: strings, and one round-trip record (type byte, then
# NUL-separated label, manufacturer, model, serial, object, module, id).
ur=$here/corpus/uri
rm -rf "$ur"
mkdir -p "$ur"
printf 'pkcs11:token=eToken;serial=0054f509' >"$ur/token.txt"
printf 'pkcs11:token=SAST%%20token;object=SAST-key;type=private;id=%%01%%02?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin' >"$ur/object.txt"
printf 'pkcs11:manufacturer=SafeNet%%2C%%20Inc.;model=eToken;serial=0054f509;type=cert' >"$ur/cert.txt"
printf 'pkcs11:token=x?pin-value=1234' >"$ur/pin-value.txt"
printf 'pkcs11:slot-id=1' >"$ur/slot-id.txt"
printf '\001eToken\000SafeNet, Inc.\000eToken\0000054f509\000SAST key\000/usr/lib/x.so\000ab' >"$ur/roundtrip.bin"

for d in ctl cluster uri; do
	printf 'corpus/%s: %d files, %d bytes\n' "$d" "$(ls "$here/corpus/$d" | wc -l)" \
		"$(cat "$here/corpus/$d"/* | wc -c)"
done
