#!/usr/bin/env bash
# Benchmark: ctlsign against reference runs made in the same invocation.
# Usage: tests/bench.sh BUILD_DIR     (run by `make bench`)
#
# Every figure is a ratio to a reference measured here and now, never an
# absolute target, so a slow or busy machine moves both sides. Wall times
# are medians of interleaved runs; where timing is noisy the figure is an
# instruction count from callgrind, which is deterministic. Peak memory is
# GNU time's %M (package `time`).
#
#   (a) `ctlsign verify` of a 40-record ITL (RSA-2048, SHA-1) and of a valid
#       4 MiB CTL vs `openssl dgst -sha1 -verify` over the same signed bytes
#       (the raw crypto cost).                         bound: at most 20x
#   (b) `ctlsign show --json` and `show --long` vs `ctlsign show` of the
#       ITL, in instructions (the printing overhead; all three decode every
#       certificate, which verify no longer does).      bound: at most 5x
#   (c) `ctlsign build` of the 40-record ITL vs the independent writer
#       tests/fixtures/mkctl.py on the same inputs.    bound: at most 1x
#   (d) parse+verify instructions per record (40- vs 1-record ITL) vs
#       OpenSSL parsing the same certificates (`openssl crl2pkcs7`, 40- vs
#       1-certificate bundle), per certificate.         bound: at most 3x
#   (e) peak RSS: `ctlsign verify` of the 4 MiB CTL vs `cat` of it (shown);
#       its growth over verifying the 1-record ITL per byte of file
#       (bound: at most 4 copies; today 1: the file, which the parsed
#       values point into and the digest reads in place); refusing a 100 MB file
#       vs verifying the 1-record ITL (bound: at most 1.5x: refused from its
#       size), and on a pipe, which must be read up to the 4 MiB limit, vs
#       verifying the largest list the limit lets in (bound: at most 1x);
#       both at most 50 MB absolute: refused without being read whole.
#
# Issue 13's targets, each against a reference run here and now:
#   (f) `ctlsign verify -q` of a 6-record CUCM CTL and of the 40-record ITL
#       vs `openssl dgst -sha1 -verify` of the same signed bytes with the
#       same key.                                        bound: at most 0.8x
#   (g) `ctlsign build` of a 4-record CTL with a PEM key (what phones hold:
#       the previous output) vs `openssl dgst -sha1 -sign` of the same
#       payload with the same key; both fsync their output. bound: 1x
#   (h) the same build signed on a SoftHSM token vs `pkcs11-tool --login
#       --sign` of the same payload on the same token, fsync'd. bound: 1x
#   (i) `ctlsign tokens` with 1 and with 8 SoftHSM tokens vs `pkcs11-tool -L`
#       plus `pkcs11-tool -O` per token; and its cost per added token vs
#       theirs (linear growth).                           bound: 1x each
#   (j) parse+verify instructions per record from 64 to 1024 records (the
#       limit) vs from 1 to 64 (linear: bound 1.25x); peak RSS of verify -q,
#       verify, verify --json, show, show --long and show --json on the
#       1024-record ITL and the 3.67 MiB CTL vs 2 x file + 8 MiB. bound: 1x
#   (k) the structure-only walk (tests/bench_walk.c) of the 1024-record ITL
#       vs `openssl speed -evp sha1` on as many bytes.   bound: at most 1x
#       (SHA-1's time over the walk's)
#
# Prints a table, writes BUILD/bench.txt; exits 1 only when a bound is
# exceeded. Takes about three minutes on 2 cores.
#
# --smoke: every row once, with the smallest counts, no bound enforced and
# no valgrind (counts become wall times; works on a sanitizer build): what
# tests/e2e/bench-smoke.sh runs so that this script cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=0
if [ "${1:-}" = --smoke ]; then smoke=1; shift; fi
build=${1:-build}
case $build in /*) bdir=$build ;; *) bdir=$PWD/$build ;; esac
bin=$bdir/ctlsign
[ -x "$bin" ] || { echo "bench: no $bin (make BUILD=$build all)" >&2; exit 2; }
[ -x "$bdir/bench-walk" ] || { echo "bench: no $bdir/bench-walk (make BUILD=$build all)" >&2; exit 2; }
for t in openssl python3 valgrind /usr/bin/time softhsm2-util pkcs11-tool; do
	command -v $t >/dev/null || { echo "bench: $t is missing (make deps)" >&2; exit 2; }
done
softhsm=/usr/lib/softhsm/libsofthsm2.so
[ -e "$softhsm" ] || softhsm=/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so
tmp=$(mktemp -d /tmp/ctlsign-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "== generating fixtures"
tests/fixtures/gen.sh "$tmp/fx" >/dev/null
echo "== SoftHSM stores: the three test eTokens; 1 and 8 tokens for \`tokens'"
softhsm-conf/provision.sh "$tmp/hsm" >/dev/null
# pkcs11-tool on the store of $n tokens.
p11() { SOFTHSM2_CONF=$tmp/hsm$n/softhsm2.conf pkcs11-tool --module "$softhsm" "$@" \
	>/dev/null 2>&1 || { echo "bench: pkcs11-tool $*: failed" >&2; exit 2; }; }
for n in 1 8; do
	mkdir -p "$tmp/hsm$n/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$tmp/hsm$n/tokens" >"$tmp/hsm$n/softhsm2.conf"
	openssl x509 -in "$tmp/hsm/cert-eToken.pem" -outform DER -out "$tmp/hsm$n/cert.der"
	# PINs never on a command line: pkcs11-tool reads them as env:NAME
	# (as softhsm-conf/provision.sh does). SoftHSM keeps one free slot
	# last; its index is the count of tokens so far.
	for i in $(seq 1 $n); do
		SOPIN=$(openssl rand -hex 8) UPIN=$(openssl rand -hex 6)
		export SOPIN UPIN
		p11 --slot-index $((i - 1)) --init-token --label "t$i" --so-pin env:SOPIN
		p11 --token-label "t$i" --login --login-type so --so-pin env:SOPIN \
			--init-pin --new-pin env:UPIN
		p11 --token-label "t$i" --login --pin env:UPIN --write-object "$tmp/hsm$n/cert.der" \
			--type cert --id 01 --label SAST
	done
	unset SOPIN UPIN
done
export BENCH_BIN=$bin BENCH_FX=$tmp/fx BENCH_OUT=$bdir/bench.txt BENCH_SMOKE=$smoke
export BENCH_MKCTL=$PWD/tests/fixtures/mkctl.py BENCH_WALK=$bdir/bench-walk
export BENCH_HSM=$tmp/hsm BENCH_SOFTHSM=$softhsm BENCH_TMP=$tmp
unset SOFTHSM2_CONF
cd "$tmp"

python3 - <<'PY'
import json, os, statistics, subprocess, sys, time

BIN, FX, OUT, MKCTL = (os.environ[k] for k in ("BENCH_BIN", "BENCH_FX", "BENCH_OUT", "BENCH_MKCTL"))
WALK, HSM, SOFTHSM, TMP = (os.environ[k] for k in ("BENCH_WALK", "BENCH_HSM", "BENCH_SOFTHSM", "BENCH_TMP"))
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
TS = 1700000000
NULL = subprocess.DEVNULL


def fsync_path(path):
    """What a careful writer does after writing path: the file, then its folder."""
    for p, flags in ((path, os.O_RDONLY), (os.path.dirname(os.path.abspath(path)), os.O_RDONLY)):
        fd = os.open(p, flags)
        os.fsync(fd)
        os.close(fd)


def run(argv, stdin=NULL, want=None, env=None, then=None):
    """Run once (a list of argvs runs one after the other; then() after
    them, timed with them): (wall seconds, exit status)."""
    t0 = time.perf_counter()
    rc = 0
    for a in (argv if isinstance(argv[0], list) else [argv]):
        rc = subprocess.run(a, stdin=stdin, stdout=NULL, stderr=NULL, env=env).returncode
        if rc:
            break
    if then and rc == 0:
        then()
    wall = time.perf_counter() - t0
    if want is not None and rc != want:
        sys.exit(f"bench: {argv}: exit {rc}, expected {want}")
    return wall, rc


def medians(cmds, n):
    """Interleave the commands n times: the median wall time of each. A
    command is (argv, want) or (argv, want, env, then)."""
    n = 1 if SMOKE else n
    walls = {k: [] for k in cmds}
    for k, c in cmds.items():   # warm the page cache
        run(c[0], want=c[1], env=c[2] if len(c) > 2 else None, then=c[3] if len(c) > 3 else None)
    for _ in range(n):
        for k, c in cmds.items():
            walls[k].append(run(c[0], want=c[1], env=c[2] if len(c) > 2 else None,
                                then=c[3] if len(c) > 3 else None)[0])
    return {k: statistics.median(v) for k, v in walls.items()}


def maxrss(argv, want, stdin=NULL, n=3):
    """Peak RSS in KiB (largest of n runs), from GNU time: a child of a
    small process, since a child forked from this Python inherits
    Python's own high-water mark."""
    peak = 0
    for _ in range(1 if SMOKE else n):
        if callable(stdin):
            src = stdin()
            rc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", "rss.txt"] + argv,
                                stdin=src.stdout, stdout=NULL, stderr=NULL).returncode
            src.stdout.close()
            src.kill()
            src.wait()
        else:
            rc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", "rss.txt"] + argv,
                                stdin=stdin, stdout=NULL, stderr=NULL).returncode
        if rc != want:
            sys.exit(f"bench: {' '.join(argv)}: exit {rc}, expected {want}")
        peak = max(peak, int(open("rss.txt").read().split()[-1]))
    return peak


def instructions(argv, want=0):
    if SMOKE:   # no valgrind (a sanitizer build cannot run under it): the row still runs
        wall, _ = run(argv, want=want)
        return max(1, int(wall * 1e9))
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + argv,
                       stdin=NULL, stdout=NULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != want:
        sys.exit(f"bench: callgrind {' '.join(argv)}: exit {p.returncode}\n{p.stderr}")
    for line in p.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split(":")[-1])
    sys.exit("bench: no instruction count from callgrind")


def split_signature(path, tbs, sig):
    """The signed bytes (the file without its SIGNATURE TLV) and the signature."""
    d = open(f"{path}", "rb").read()
    off = 0
    while True:
        tag = d[off]
        if tag in (3, 7, 9):        # SIGNERID, SIGNERINFO, SIGNATUREALGOINFO: containers
            off += 3
            continue
        ln = int.from_bytes(d[off + 1:off + 3], "big")
        if tag == 12:
            break
        off += 3 + ln
    open(sig, "wb").write(d[off + 3:off + 3 + ln])
    open(tbs, "wb").write(d[:off] + d[off + 3 + ln:])


fx = lambda f: os.path.join(FX, f)
subprocess.run(["openssl", "x509", "-in", fx("ccm2.pem"), "-pubkey", "-noout", "-out", "signer.pub"],
               check=True)

# --- inputs: 1- and 40-record ITLs signed with RSA-2048 (ccm2), SHA-1 --------
# 39 TVS certificates (build takes each certificate once per role): one
# RSA-2048 key, 39 names and serials.
subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", "tvs.key"], check=True, stderr=NULL)
tvs_cert = lambda i: os.path.abspath(f"tvs{i}.pem")
for i in range(1, 40):
    subprocess.run(["openssl", "req", "-x509", "-key", "tvs.key", "-out", tvs_cert(i), "-days", "36500",
                    "-subj", f"/O=ctlsign bench/CN=tvs{i}.example.com", "-set_serial", str(1000 + i)],
                   check=True, stderr=NULL)
args = ["--sast", f"pub,192.0.2.1,{fx('ccm2.pem')}"]
spec = [{"role": 0, "cert": fx("ccm2.pem"), "dns": "pub", "ip": "192.0.2.1"}]
for i in range(1, 40):
    c = tvs_cert(i)
    args += ["--tvs", f"tvs{i},192.0.2.{i + 1},{c}"]
    spec.append({"role": 21, "cert": c, "dns": f"tvs{i}", "ip": f"192.0.2.{i + 1}"})
common = ["--key", fx("ccm2.key"), "--timestamp", str(TS), "--no-backup", "-q"]
build_argv = [BIN, "build", "--itl"] + args + common + ["-o", "itl40.tlv"]
# Phones hold no ITL yet the first time; then the previous output is what
# they hold (what (c) measures).
run(build_argv + ["--first"], want=0)
run([BIN, "build", "--itl", "--first"] + args[:2] + common + ["-o", "itl1.tlv"], want=0)
json.dump({"out": "itl40-py.tlv", "key": fx("ccm2.key"), "signer_cert": fx("ccm2.pem"),
           "key_bits": 2048, "filename": "ITLFile.tlv", "timestamp": TS, "records": spec},
          open("itl40.json", "w"))
mkctl_argv = [sys.executable, MKCTL, "itl40.json"]
run(mkctl_argv, want=0)
identical = open("itl40.tlv", "rb").read() == open("itl40-py.tlv", "rb").read()

# A valid, signed CTL just under the 4 MiB limit: records padded with an
# unknown tag (99) that the parser must carry through.
recs = [{"role": 0, "cert": fx("ccm2.pem"), "dns": "pub", "ip": "192.0.2.1"}]
pad = "00" * 62000
while 64 * 1024 * (len(recs) + 1) < 4 * 1024 * 1024 - 64 * 1024:
    recs.append({"role": 2, "cert": fx("ccm1.pem"), "dns": f"n{len(recs)}",
                 "ip": "192.0.2.9", "extra": [[99, pad]]})
json.dump({"out": "ctl4m.tlv", "key": fx("ccm2.key"), "signer_cert": fx("ccm2.pem"),
           "key_bits": 2048, "timestamp": TS, "records": recs}, open("ctl4m.json", "w"))
run([sys.executable, MKCTL, "ctl4m.json"], want=0)
size4m = os.path.getsize("ctl4m.tlv")
assert size4m <= 4 * 1024 * 1024, size4m
with open("big100m", "wb") as f:      # sparse: costs no disk
    f.truncate(100 * 1000 * 1000)
for name in ("itl40", "itl1", "ctl4m"):
    split_signature(f"{name}.tlv", f"{name}.tbs", f"{name}.sig")

ossl = lambda n: ["openssl", "dgst", "-sha1", "-verify", "signer.pub", "-signature", f"{n}.sig", f"{n}.tbs"]
verify = lambda n: [BIN, "verify", "-q", f"{n}.tlv"]
rows, failed = [], []


def row(what, ours, ref, ratio, bound):
    if SMOKE:
        bound = None
    ok = bound is None or ratio <= bound
    rows.append((what, ours, ref, f"{ratio:.2f}x", "-" if bound is None else f"<= {bound}x",
                 "" if bound is None else "ok" if ok else "FAIL"))
    if not ok:
        failed.append(what)


ms = lambda s: f"{s * 1000:.1f} ms"
mi = lambda n: f"{n / 1e6:.2f} M instr"
kb = lambda k: f"{k / 1024:.1f} MiB"

# (a) verify vs the raw crypto
N = 21
t = medians({"v40": (verify("itl40"), 0), "o40": (ossl("itl40"), 0),
             "v4m": (verify("ctl4m"), 0), "o4m": (ossl("ctl4m"), 0),
             "v1": (verify("itl1"), 0), "json40": ([BIN, "show", "--json", "itl40.tlv"], 0)}, N)
row("(a) verify 40-record ITL vs openssl dgst -verify", ms(t["v40"]), ms(t["o40"]),
    t["v40"] / t["o40"], 20)
row(f"(a) verify {size4m / 1048576:.2f} MiB CTL vs openssl dgst -verify", ms(t["v4m"]), ms(t["o4m"]),
    t["v4m"] / t["o4m"], 20)

# (b) printing overhead, in instructions (wall time shown for information)
i_v40, i_v1 = instructions(verify("itl40")), instructions(verify("itl1"))
i_j40 = instructions([BIN, "show", "--json", "itl40.tlv"])
i_s40 = instructions([BIN, "show", "--long", "itl40.tlv"])
i_p40 = instructions([BIN, "show", "itl40.tlv"])
row("(b) show --json vs show, 40-record ITL", mi(i_j40), mi(i_p40), i_j40 / i_p40, 5)
row("(b) show --long vs show, 40-record ITL", mi(i_s40), mi(i_p40), i_s40 / i_p40, 5)
row("(b) show --json vs verify, wall time (information)", ms(t["json40"]), ms(t["v40"]),
    t["json40"] / t["v40"], None)

# (c) build vs the independent writer (which forks openssl per certificate)
tb = medians({"ours": (build_argv, 0), "py": (mkctl_argv, 0)}, 3)
row("(c) build 40-record ITL vs mkctl.py" + (" (byte-identical)" if identical else " (DIFFERENT bytes)"),
    ms(tb["ours"]), ms(tb["py"]), tb["ours"] / tb["py"], 1)

# (d) per-record parse+verify vs OpenSSL parsing the same certificates
for n, f in ((1, "b1.pem"), (40, "b40.pem")):
    with open(f, "w") as out:
        out.write(open(fx("ccm2.pem")).read())
        for i in range(1, n):
            out.write(open(tvs_cert(i)).read())
i_c1 = instructions(["openssl", "crl2pkcs7", "-nocrl", "-certfile", "b1.pem", "-out", "/dev/null"])
i_c40 = instructions(["openssl", "crl2pkcs7", "-nocrl", "-certfile", "b40.pem", "-out", "/dev/null"])
per_ours, per_ref = (i_v40 - i_v1) / 39, (i_c40 - i_c1) / 39
row("(d) verify, instructions per record vs openssl per cert", f"{per_ours / 1e3:.0f} k instr",
    f"{per_ref / 1e3:.0f} k instr", per_ours / per_ref, 3)
i_o40, i_o1 = instructions(ossl("itl40")), instructions(ossl("itl1"))
row("(d) same vs hashing the record (information)", f"{per_ours / 1e3:.0f} k instr",
    f"{(i_o40 - i_o1) / 39 / 1e3:.1f} k instr", per_ours / max(1, (i_o40 - i_o1) / 39), None)
mbs = size4m / 1048576 / t["v4m"]
rows.append(("(d) throughput on the 4 MiB CTL, verify vs openssl dgst", f"{mbs:.0f} MiB/s",
             f"{size4m / 1048576 / t['o4m']:.0f} MiB/s", "", "", ""))

# (e) peak memory
rss = {"v1": maxrss(verify("itl1"), 0), "v4m": maxrss(verify("ctl4m"), 0),
       "cat": maxrss(["cat", "ctl4m.tlv"], 0)}
row("(e) max RSS, verify 4 MiB CTL vs cat of it (information)", kb(rss["v4m"]), kb(rss["cat"]),
    rss["v4m"] / rss["cat"], None)
growth = (rss["v4m"] - rss["v1"]) * 1024 / size4m
row("(e) RSS growth over verify of 1-record ITL, per file byte", kb(rss["v4m"] - rss["v1"]),
    f"{size4m / 1048576:.2f} MiB file", growth, 4)
refuse = ([BIN, "verify", "-q", "big100m"], 3)     # 3: malformed (over the limit)
rss["file"] = maxrss(*refuse)
# On a pipe ctlsign cannot stat the size: it must stop reading at the limit.
rss["pipe"] = maxrss([BIN, "verify", "-q", "-"], 3, stdin=lambda: subprocess.Popen(
    ["head", "-c", "100000000", "/dev/zero"], stdout=subprocess.PIPE, stderr=NULL))
tr = medians({"file": refuse, "v1": (verify("itl1"), 0)}, 9)
row("(e) max RSS, refuse a 100 MB file vs verify 1-record ITL", kb(rss["file"]), kb(rss["v1"]),
    rss["file"] / rss["v1"], 1.5)
# A pipe is read up to the limit before it can be refused: what holding the
# largest list the limit lets in costs is the yardstick.
row(f"(e) max RSS, refuse 100 MB on a pipe vs verify {size4m / 1048576:.2f} MiB CTL",
    kb(rss["pipe"]), kb(rss["v4m"]), rss["pipe"] / rss["v4m"], 1)
row("(e) time, refuse a 100 MB file vs verify 1-record ITL", ms(tr["file"]), ms(tr["v1"]),
    tr["file"] / tr["v1"], 5)
for what in ("file", "pipe"):
    if rss[what] > 50 * 1024 and not SMOKE:
        failed.append(f"(e) 100 MB {what} refusal above 50 MB")
        rows.append((f"(e) 100 MB {what} refusal above 50 MB", kb(rss[what]), "50 MiB", "", "", "FAIL"))

# ---- issue 13: ratios against the tools that do only the crypto -----------------
def signed_split(path, stem, key=None, pub=None):
    """stem.tbs and stem.sig from a signed list; stem.pub from a PEM cert."""
    split_signature(path, f"{stem}.tbs", f"{stem}.sig")
    if pub:
        subprocess.run(["openssl", "x509", "-in", pub, "-pubkey", "-noout", "-out", f"{stem}.pub"],
                       check=True)


def grow_itl(src, n, out):
    """An ITL of n records: the records of src repeated, re-signed with ccm2's
    key by `openssl dgst` (an independent writer: no ctlsign code)."""
    d = open(src, "rb").read()
    hlen = None
    off = 0
    sig_off = sig_len = None
    while hlen is None or off < hlen:
        tag = d[off]
        if tag == 13:
            off += 1
            continue
        if tag in (3, 7, 9):
            off += 3
            continue
        ln = int.from_bytes(d[off + 1:off + 3], "big")
        if tag == 2:
            hlen = int.from_bytes(d[off + 3:off + 5], "big")
        if tag == 12:
            sig_off, sig_len = off, ln
        off += 3 + ln
    recs, off = [], hlen
    while off < len(d):
        rl = int.from_bytes(d[off + 3:off + 5], "big")
        recs.append(d[off:off + rl])
        off += rl
    body = recs[0] + b"".join(recs[1 + i % (len(recs) - 1)] for i in range(n - 1))
    head = d[:hlen]
    open("grow.tbs", "wb").write(head[:sig_off] + head[sig_off + 3 + sig_len:] + body)
    subprocess.run(["openssl", "dgst", "-sha1", "-sign", fx("ccm2.key"), "-out", "grow.sig",
                    "grow.tbs"], check=True)
    sig = open("grow.sig", "rb").read()
    assert len(sig) == sig_len
    open(out, "wb").write(head[:sig_off + 3] + sig + head[sig_off + 3 + sig_len:] + body)


# (f) verify of a real-world CTL (6 records, RSA-1024) and of the 40-record ITL
signed_split(fx("ctl-cucm-sha1.tlv"), "cucm", pub=fx("ccm1.pem"))
tf = medians({"v6": ([BIN, "verify", "-q", fx("ctl-cucm-sha1.tlv")], 0),
              "o6": (["openssl", "dgst", "-sha1", "-verify", "cucm.pub", "-signature", "cucm.sig",
                      "cucm.tbs"], 0),
              "v40": (verify("itl40"), 0), "o40": (ossl("itl40"), 0)}, 31)
row("(f) verify 6-record CUCM CTL vs openssl dgst -verify", ms(tf["v6"]), ms(tf["o6"]),
    tf["v6"] / tf["o6"], 0.8)
row("(f) verify 40-record ITL vs openssl dgst -verify", ms(tf["v40"]), ms(tf["o40"]),
    tf["v40"] / tf["o40"], 0.8)

# (g) build with a PEM key vs openssl dgst -sign, both fsync'd
rec4 = ["--sast", f"pub,192.0.2.1,{fx('ccm2.pem')}", "--sast", fx("sast1.pem"),
        "--ccm-tftp", f"pub,192.0.2.1,{fx('ccm1.pem')}", "--capf", f"pub,192.0.2.1,{fx('capf.pem')}"]
run([BIN, "build"] + rec4 + ["--key", fx("ccm2.key"), "--timestamp", str(TS), "--first", "--no-backup",
                             "-q", "-o", "pem4.tlv"], want=0)
split_signature("pem4.tlv", "pem4.tbs", "pem4.sig")
tg = medians({"ours": ([BIN, "build"] + rec4 + ["--key", fx("ccm2.key"), "--timestamp", str(TS),
                                                "--no-backup", "-q", "-o", "pem4.tlv"], 0),
              "ref": (["openssl", "dgst", "-sha1", "-sign", fx("ccm2.key"), "-out", "pem4.ref",
                       "pem4.tbs"], 0, None, lambda: fsync_path("pem4.ref"))}, 31)
row("(g) build 4-record CTL, PEM key vs openssl dgst -sign (+fsync)", ms(tg["ours"]), ms(tg["ref"]),
    tg["ours"] / tg["ref"], 1)

# (h) the same build signed on a SoftHSM token vs pkcs11-tool --sign, fsync'd
henv = dict(os.environ, SOFTHSM2_CONF=f"{HSM}/softhsm2.conf")
hpin = open(f"{HSM}/pin-eToken_3").read().strip()
rec4h = ["--sast", f"{HSM}/cert-eToken_3.pem", "--sast", f"{HSM}/cert-eToken.pem",
         "--ccm-tftp", f"pub,192.0.2.1,{fx('ccm1.pem')}", "--capf", f"pub,192.0.2.1,{fx('capf.pem')}",
         "--sign-with", "pkcs11:token=eToken%203", "--module", SOFTHSM,
         "--pin-source", f"file:{HSM}/pin-eToken_3", "--timestamp", str(TS), "--no-backup", "-q"]
run([BIN, "build"] + rec4h + ["--first", "-o", "hsm4.tlv"], want=0, env=henv)
split_signature("hsm4.tlv", "hsm4.tbs", "hsm4.sig")
p11env = dict(henv, BENCH_PIN=hpin)
th = medians({"ours": ([BIN, "build"] + rec4h + ["-o", "hsm4.tlv"], 0, henv),
              "ref": (["pkcs11-tool", "--module", SOFTHSM, "--token-label", "eToken 3", "--login",
                       "--pin", "env:BENCH_PIN", "--sign", "--mechanism", "SHA1-RSA-PKCS", "--id", "01",
                       "--input-file", "hsm4.tbs", "--output-file", "hsm4.ref"], 0, p11env,
                      lambda: fsync_path("hsm4.ref"))}, 21)
row("(h) build 4-record CTL on SoftHSM vs pkcs11-tool --sign (+fsync)", ms(th["ours"]), ms(th["ref"]),
    th["ours"] / th["ref"], 1)

# (i) tokens: 1 and 8 tokens vs pkcs11-tool -L and -O per token
ti = {}
for n in (1, 8):
    env = dict(os.environ, SOFTHSM2_CONF=f"{TMP}/hsm{n}/softhsm2.conf")
    ref = [["pkcs11-tool", "--module", SOFTHSM, "-L"]] + \
          [["pkcs11-tool", "--module", SOFTHSM, "--token-label", f"t{i}", "-O"] for i in range(1, n + 1)]
    t = medians({"ours": ([BIN, "tokens", "--module", SOFTHSM], 0, env), "ref": (ref, 0, env)}, 15)
    ti[n] = t
    row(f"(i) tokens, {n} SoftHSM token{'s' if n > 1 else ''} vs pkcs11-tool -L + -O per token",
        ms(t["ours"]), ms(t["ref"]), t["ours"] / t["ref"], 1)
per_ours = (ti[8]["ours"] - ti[1]["ours"]) / 7
per_ref = (ti[8]["ref"] - ti[1]["ref"]) / 7
row("(i) tokens, cost per added token vs pkcs11-tool's", ms(per_ours), ms(per_ref),
    per_ours / per_ref if per_ref > 0 else 0, 1)

# (j) per record, 1 -> 64 -> 1024 records (the limit), and memory in every output mode
grow_itl("itl40.tlv", 64, "itl64.tlv")
grow_itl("itl40.tlv", 1024, "itl1024.tlv")
run(verify("itl1024"), want=0)
i1, i64, i1024 = (instructions(verify(n)) for n in ("itl1", "itl64", "itl1024"))
lo, hi = (i64 - i1) / 63, (i1024 - i64) / 960
row("(j) verify, instructions per record 64..1024 vs 1..64 (linear)", f"{hi / 1e3:.1f} k instr",
    f"{lo / 1e3:.1f} k instr", hi / lo, 1.25)
modes = {"verify -q": ["verify", "-q"], "verify": ["verify"], "verify --json": ["verify", "--json"],
         "show": ["show"], "show --long": ["show", "--long"], "show --json": ["show", "--json"]}
for name in ("itl1024", "ctl4m"):
    size = os.path.getsize(f"{name}.tlv")
    limit = 2 * size / 1024 + 8 * 1024     # KiB
    worst, worst_mode = 0, ""
    for m, a in modes.items():
        r = maxrss([BIN] + a + [f"{name}.tlv"], 0)
        if r > worst:
            worst, worst_mode = r, m
    row(f"(j) max RSS over 6 output modes ({worst_mode}), {size / 1048576:.2f} MiB list vs 2x+8 MiB",
        kb(worst), kb(limit), worst / limit, 1)

# (k) the structure-only walk vs SHA-1 over the same number of bytes
size = os.path.getsize("itl1024.tlv")
out = subprocess.run([WALK, "itl1024.tlv", "0.05" if SMOKE else "2"], stdout=subprocess.PIPE,
                     text=True, check=True).stdout.split()
walk_bps, sha_inproc = float(out[1]), float(out[3])
sp = subprocess.run(["openssl", "speed", "-evp", "sha1", "-bytes", str(size), "-seconds", "1"],
                    stdout=subprocess.PIPE, stderr=NULL, text=True, check=True).stdout
sha_bps = float(sp.strip().splitlines()[-1].split()[-1].rstrip("k")) * 1000
row(f"(k) structure-only walk vs openssl speed -evp sha1, {size / 1048576:.2f} MiB",
    f"{walk_bps / 1048576:.0f} MiB/s", f"{sha_bps / 1048576:.0f} MiB/s", sha_bps / walk_bps, 1)
rows.append(("(k) same, SHA-1 in the walk's process (information)", "",
             f"{sha_inproc / 1048576:.0f} MiB/s", "", "", ""))

uname = os.uname()
head = (f"ctlsign bench, {time.strftime('%Y-%m-%d %H:%M')}, {uname.nodename} {uname.machine}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; medians of {N} interleaved runs"
        + (" (SMOKE: one run each, no valgrind, no bounds)" if SMOKE else ""))
w = [max(len(str(r[i])) for r in rows + [("measure", "ctlsign", "reference", "ratio", "bound", "")])
     for i in range(6)]
lines = [head, ""]
for r in [("measure", "ctlsign", "reference", "ratio", "bound", "")] + rows:
    lines.append("  ".join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i])
                           for i, c in enumerate(r)).rstrip())
lines.append("")
bounded = sum(1 for r in rows if r[4] not in ("", "-"))
lines.append(f"bench: {bounded - len(failed)} of {bounded} bounded ratios within bounds"
             + (": " + "; ".join(failed) if failed else ""))
text = "\n".join(lines) + "\n"
sys.stdout.write(text)
os.makedirs(os.path.dirname(OUT), exist_ok=True)
open(OUT, "w").write(text)
sys.exit(1 if failed else 0)
PY
