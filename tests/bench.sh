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
#   (b) `ctlsign show --json` vs `ctlsign verify` of the ITL, in
#       instructions (the printing overhead).           bound: at most 5x
#   (c) `ctlsign build` of the 40-record ITL vs the independent writer
#       tests/fixtures/mkctl.py on the same inputs.    bound: at most 1x
#   (d) parse+verify instructions per record (40- vs 1-record ITL) vs
#       OpenSSL parsing the same certificates (`openssl crl2pkcs7`, 40- vs
#       1-certificate bundle), per certificate.         bound: at most 3x
#   (e) peak RSS: `ctlsign verify` of the 4 MiB CTL vs `cat` of it (shown);
#       its growth over verifying the 1-record ITL per byte of file
#       (bound: at most 4 copies; today 3: the file, the parsed TLV values,
#       the signed bytes); refusing a 100 MB file, as a file and on
#       a pipe, vs verifying the 1-record ITL (bound: at most 1.5x, and
#       at most 50 MB absolute): refused without being read whole.
#
# Prints a table, writes BUILD/bench.txt; exits 1 only when a bound is
# exceeded. Takes about two minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin=$PWD/$build/ctlsign
[ -x "$bin" ] || { echo "bench: no $bin (make BUILD=$build all)" >&2; exit 2; }
for t in openssl python3 valgrind /usr/bin/time; do
	command -v $t >/dev/null || { echo "bench: $t is missing (make deps)" >&2; exit 2; }
done
tmp=$(mktemp -d /tmp/ctlsign-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "== generating fixtures"
tests/fixtures/gen.sh "$tmp/fx" >/dev/null
export BENCH_BIN=$bin BENCH_FX=$tmp/fx BENCH_OUT=$PWD/$build/bench.txt
export BENCH_MKCTL=$PWD/tests/fixtures/mkctl.py
cd "$tmp"

python3 - <<'PY'
import json, os, statistics, subprocess, sys, time

BIN, FX, OUT, MKCTL = (os.environ[k] for k in ("BENCH_BIN", "BENCH_FX", "BENCH_OUT", "BENCH_MKCTL"))
TS = 1700000000
NULL = subprocess.DEVNULL


def run(argv, stdin=NULL, want=None):
    """Run once: (wall seconds, exit status)."""
    t0 = time.perf_counter()
    rc = subprocess.run(argv, stdin=stdin, stdout=NULL, stderr=NULL).returncode
    wall = time.perf_counter() - t0
    if want is not None and rc != want:
        sys.exit(f"bench: {' '.join(argv)}: exit {rc}, expected {want}")
    return wall, rc


def medians(cmds, n):
    """Interleave the commands n times: the median wall time of each."""
    walls = {k: [] for k in cmds}
    for k, (argv, want) in cmds.items():   # warm the page cache
        run(argv, want=want)
    for _ in range(n):
        for k, (argv, want) in cmds.items():
            walls[k].append(run(argv, want=want)[0])
    return {k: statistics.median(v) for k, v in walls.items()}


def maxrss(argv, want, stdin=NULL, n=3):
    """Peak RSS in KiB (largest of n runs), from GNU time: a child of a
    small process, since a child forked from this Python inherits
    Python's own high-water mark."""
    peak = 0
    for _ in range(n):
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
certs = ["ccm1", "capf", "tvs", "itlrec", "sast1", "sast2", "ccm2"]
args = ["--sast", f"pub,192.0.2.1,{fx('ccm2.pem')}"]
spec = [{"role": 0, "cert": fx("ccm2.pem"), "dns": "pub", "ip": "192.0.2.1"}]
for i in range(1, 40):
    c = fx(certs[i % len(certs)] + ".pem")
    args += ["--tvs", f"tvs{i},192.0.2.{i + 1},{c}"]
    spec.append({"role": 21, "cert": c, "dns": f"tvs{i}", "ip": f"192.0.2.{i + 1}"})
common = ["--key", fx("ccm2.key"), "--timestamp", str(TS), "--no-backup", "-q"]
build_argv = [BIN, "build", "--itl"] + args + common + ["-o", "itl40.tlv"]
run(build_argv, want=0)
run([BIN, "build", "--itl"] + args[:2] + common + ["-o", "itl1.tlv"], want=0)
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
row("(b) show --json vs verify, 40-record ITL", mi(i_j40), mi(i_v40), i_j40 / i_v40, 5)
row("(b) show --long vs verify, 40-record ITL", mi(i_s40), mi(i_v40), i_s40 / i_v40, 5)
row("(b) same, wall time (information)", ms(t["json40"]), ms(t["v40"]), t["json40"] / t["v40"], None)

# (c) build vs the independent writer (which forks openssl per certificate)
tb = medians({"ours": (build_argv, 0), "py": (mkctl_argv, 0)}, 3)
row("(c) build 40-record ITL vs mkctl.py" + (" (byte-identical)" if identical else " (DIFFERENT bytes)"),
    ms(tb["ours"]), ms(tb["py"]), tb["ours"] / tb["py"], 1)

# (d) per-record parse+verify vs OpenSSL parsing the same certificates
for n, f in ((1, "b1.pem"), (40, "b40.pem")):
    with open(f, "w") as out:
        out.write(open(fx("ccm2.pem")).read())
        for i in range(1, n):
            out.write(open(fx(certs[i % len(certs)] + ".pem")).read())
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
row("(e) max RSS, refuse 100 MB on a pipe vs verify 1-record ITL", kb(rss["pipe"]), kb(rss["v1"]),
    rss["pipe"] / rss["v1"], 1.5)
row("(e) time, refuse a 100 MB file vs verify 1-record ITL", ms(tr["file"]), ms(tr["v1"]),
    tr["file"] / tr["v1"], 5)
for what in ("file", "pipe"):
    if rss[what] > 50 * 1024:
        failed.append(f"(e) 100 MB {what} refusal above 50 MB")
        rows.append((f"(e) 100 MB {what} refusal above 50 MB", kb(rss[what]), "50 MiB", "", "", "FAIL"))

uname = os.uname()
head = (f"ctlsign bench, {time.strftime('%Y-%m-%d %H:%M')}, {uname.nodename} {uname.machine}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; medians of {N} interleaved runs")
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
