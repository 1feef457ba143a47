#!/usr/bin/env python3
"""Mutation test of ctlsign's trust-list reader (driven by mutate.sh).

For every valid fixture, makes corrupted variants with a fixed seed:
truncations (random and around every record boundary), random byte and bit
flips, every length field set to 0 / 0xFFFF / +-1 / random, TLVs duplicated
or removed (with and without fixing the enclosing lengths), random bytes
inserted, tags changed, records swapped or repeated, bytes appended.

All variants go through mutate_driver (the core calls in one process, when
given); a share of them (and all, without a driver) through the real binary:
`ctlsign verify` or `ctlsign show`, 10 s timeout each. Rules:
  exit code in {0, 1, 3}; 0 only for bytes identical to the original;
  3 always with "at byte" in the message; 1 with a non-empty reason;
  never a sanitizer report, never a hang.
Failing variants are kept in --keep DIR for reproduction.
"""
import argparse
import concurrent.futures
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

CONTAINERS = (3, 7, 9)


def be16(b, o):
    return struct.unpack(">H", bytes(b[o:o + 2]))[0]


def walk(b):
    """Independent walk of a well-formed file.

    Returns dict with: hl (header length), hdr (list of (off, tag, parents,
    is_container)), recs (list of (off, len, tlvs=[(off, tag)]))."""
    hl = be16(b, 8)
    hdr, stack, off = [], [], 0
    while off < hl:
        while stack and stack[-1][1] == off:
            stack.pop()
        tag = b[off]
        if tag == 13:
            off += 1
            continue
        ln = be16(b, off + 1)
        parents = [s[0] for s in stack]
        if tag in CONTAINERS:
            hdr.append((off, tag, parents, True))
            stack.append((off, off + 3 + ln))
            off += 3
        else:
            hdr.append((off, tag, parents, False))
            off += 3 + ln
    recs, off = [], hl
    while off < len(b):
        rl = be16(b, off + 3)
        tlvs, p = [], off
        while p < off + rl:
            tlvs.append((p, b[p]))
            p += 3 + be16(b, p + 1)
        recs.append((off, rl, tlvs))
        off += rl
    return {"hl": hl, "hdr": hdr, "recs": recs}


def length_fields(w, b):
    """Offsets of every 2-byte length or length-valued field."""
    out = []
    for off, tag, _, _ in w["hdr"]:
        out.append(off + 1)
        if tag == 2:
            out.append(off + 3)          # HEADERLENGTH value
    for roff, _, tlvs in w["recs"]:
        out.append(roff + 3)             # RECORDLENGTH value
        for p, _ in tlvs:
            out.append(p + 1)
    return sorted(set(out))


def put16(b, o, v):
    b[o:o + 2] = struct.pack(">H", v & 0xFFFF)


def adjust(b, w, where, delta):
    """Fix the lengths enclosing offset `where` after inserting/removing
    delta bytes there (b already edited)."""
    if where < w["hl"]:
        put16(b, 8, be16(b, 8) + delta)
        for off, tag, parents, cont in w["hdr"]:
            if cont and off < where:
                end = off + 3 + be16(b, off + 1)
                if where < end:
                    put16(b, off + 1, be16(b, off + 1) + delta)
    else:
        for roff, rl, _ in w["recs"]:
            if roff <= where < roff + rl:
                put16(b, roff + 3, rl + delta)


def tlv_span(b, off, tag_is_container=False):
    return 3 if tag_is_container else 3 + be16(b, off + 1)


def all_tlvs(w):
    """(off, is_container) of every TLV (header and records)."""
    out = [(off, cont) for off, _, _, cont in w["hdr"]]
    for _, _, tlvs in w["recs"]:
        out += [(p, False) for p, _ in tlvs]
    return out


def mutations(orig, rng):
    """Yield (label, bytes) forever, cycling through the mutation kinds."""
    w = walk(orig)
    lens = length_fields(w, orig)
    tlvs = all_tlvs(w)
    bounds = [w["hl"]] + [r[0] for r in w["recs"]] + [len(orig)]
    n = len(orig)

    def truncate():
        if rng.random() < 0.5:
            c = rng.choice(bounds) + rng.choice((-1, 0, 1, 2, 3, 5))
        else:
            c = rng.randrange(n)
        c = max(0, min(n - 1, c))
        return "truncate@%d" % c, orig[:c]

    def flip_bytes():
        b = bytearray(orig)
        k = rng.choice((1, 1, 2, 4))
        for _ in range(k):
            b[rng.randrange(n)] ^= rng.randrange(1, 256)
        return "flip%d" % k, bytes(b)

    def flip_bit():
        b = bytearray(orig)
        i = rng.randrange(n)
        b[i] ^= 1 << rng.randrange(8)
        return "bit@%d" % i, bytes(b)

    def length_field():
        b = bytearray(orig)
        o = rng.choice(lens)
        v = be16(b, o)
        nv = rng.choice((0, 0xFFFF, v + 1, v - 1, v + 3, v - 3, rng.randrange(0x10000), n, n - o))
        if nv & 0xFFFF == v:
            nv = v ^ 0x8000
        put16(b, o, nv)
        return "len@%d=%d" % (o, nv & 0xFFFF), bytes(b)

    def length_field_byte():
        b = bytearray(orig)
        o = rng.choice(lens) + rng.randrange(2)
        b[o] ^= 1 << rng.randrange(8)
        return "lenbit@%d" % o, bytes(b)

    def dup_tlv(fix):
        b = bytearray(orig)
        off, cont = rng.choice(tlvs)
        span = tlv_span(b, off, cont)
        b[off + span:off + span] = b[off:off + span]
        if fix:
            adjust(b, w, off, span)
        return "dup@%d%s" % (off, "+fix" if fix else ""), bytes(b)

    def remove_tlv(fix):
        b = bytearray(orig)
        off, cont = rng.choice(tlvs)
        span = tlv_span(b, off, cont)
        del b[off:off + span]
        if fix:
            adjust(b, w, off, -span)
        return "del@%d%s" % (off, "+fix" if fix else ""), bytes(b)

    def insert_random():
        b = bytearray(orig)
        o = rng.randrange(n + 1)
        k = rng.choice((1, 2, 3, 5, 16))
        b[o:o] = bytes(rng.randrange(256) for _ in range(k))
        return "ins@%d+%d" % (o, k), bytes(b)

    def insert_tlv_fixed():
        # A well-formed unknown TLV with fixed lengths: only the signature breaks.
        b = bytearray(orig)
        off, cont = rng.choice(tlvs)
        tag = rng.choice((0x30, 0x63, 0xFE, 11, 12))
        val = bytes(rng.randrange(256) for _ in range(rng.randrange(4)))
        new = struct.pack(">BH", tag, len(val)) + val
        b[off:off] = new
        adjust(b, w, off, len(new))
        return "instlv@%d" % off, bytes(b)

    def set_tag():
        b = bytearray(orig)
        off, _ = rng.choice(tlvs)
        b[off] = rng.choice((0, 1, 2, 3, 4, 7, 9, 12, 13, 14, 28, 99, 255, rng.randrange(256)))
        return "tag@%d=%d" % (off, b[off]), bytes(b)

    def records():
        recs = w["recs"]
        hl = w["hl"]
        parts = [orig[r[0]:r[0] + r[1]] for r in recs]
        kind = rng.randrange(3)
        if kind == 0 and len(parts) > 1:
            i, j = rng.sample(range(len(parts)), 2)
            parts[i], parts[j] = parts[j], parts[i]
            lab = "swap%d,%d" % (i, j)
        elif kind == 1:
            i = rng.randrange(len(parts))
            parts.insert(i, parts[i])
            lab = "duprec%d" % i
        else:
            i = rng.randrange(len(parts))
            del parts[i]
            lab = "delrec%d" % i
        return lab, orig[:hl] + b"".join(parts)

    def append():
        k = rng.choice((1, 4, 5, 100))
        return "append%d" % k, orig + bytes(rng.randrange(256) for _ in range(k))

    def signature():
        b = bytearray(orig)
        sig = next(off for off, tag, _, _ in w["hdr"] if tag == 12)
        i = sig + 3 + rng.randrange(be16(b, sig + 1))
        b[i] ^= rng.randrange(1, 256)
        return "sig@%d" % i, bytes(b)

    kinds = [truncate, flip_bytes, flip_bit, length_field, length_field,
             length_field_byte, lambda: dup_tlv(False), lambda: dup_tlv(True),
             lambda: remove_tlv(False), lambda: remove_tlv(True), insert_random,
             insert_tlv_fixed, set_tag, records, append, signature]
    # Every length field set to each special value, interleaved with the
    # random kinds (so a small count still sees every kind).
    specials = []
    for o in lens:
        v = be16(orig, o)
        for nv in (0, 0xFFFF, v + 1, v - 1):
            if nv & 0xFFFF != v:
                specials.append((o, nv))
    rng.shuffle(specials)
    while True:
        if specials:
            o, nv = specials.pop()
            b = bytearray(orig)
            put16(b, o, nv)
            yield "len@%d=%d" % (o, nv & 0xFFFF), bytes(b)
        yield rng.choice(kinds)()


SAN_RE = re.compile(r"Sanitizer|runtime error")


def check_binary(ctlsign, path, orig, data, verb):
    """Run the binary on one variant; return None or a failure string."""
    try:
        p = subprocess.run([ctlsign] + verb.split() + [path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=10)
    except subprocess.TimeoutExpired:
        return "hang (> 10 s)"
    err = p.stderr.decode("utf-8", "replace")
    if SAN_RE.search(err):
        return "sanitizer report: " + err[:400]
    rc = p.returncode
    if rc not in (0, 1, 3):
        return "exit %d: %s" % (rc, err[:200])
    if rc == 0 and data != orig:
        return "exit 0 for a changed file"
    if rc == 3 and "at byte" not in err:
        return "malformed without `at byte': " + err[:200]
    if rc == 1 and not re.search(r"': (verification failed: )?\S", err):
        return "verification failed without a reason: " + err[:200]
    if rc == 1 and err.rstrip().endswith("verification failed:"):
        return "verification failed without a reason: " + err[:200]
    if "--json" in verb and rc in (0, 1):
        try:
            doc = json.loads(p.stdout)
            assert doc["verification"]["valid"] is (rc == 0)
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            return "show --json output is not the expected JSON: %r" % e
    if verb.startswith("show") and rc in (0, 1) and "--json" not in verb:
        if b"Parse " not in p.stdout:
            return "show printed no listing"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctlsign", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--driver")
    ap.add_argument("--count", type=int, default=20000, help="variants in total")
    ap.add_argument("--binary", type=int, default=1000, help="variants run through the binary")
    ap.add_argument("--seed", type=int, default=20151507)
    ap.add_argument("--keep", required=True, help="folder for failing variants")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()

    names = ["ctl-cucm-sha1", "ctl-python-sha256", "ctl-sha512", "ctl-old-sha384",
             "ctl-old-sha512", "ctl-blanked", "ctl-unknown-tags", "itl",
             "ctl-token-oldnames", "ctl-rsa4096", "ctl-expired-signer"]
    per = max(1, a.count // len(names))
    nbin = a.binary if a.driver else a.count
    bin_per = max(1, min(per, nbin // len(names)))
    os.makedirs(a.keep, exist_ok=True)
    passed = failed = 0
    failures = []
    tmp = tempfile.mkdtemp(prefix="ctlsign-mutate.%d." % os.getpid())
    kinds = {}

    for k, name in enumerate(names):
        orig = open(os.path.join(a.fixtures, name + ".tlv"), "rb").read()
        rng = random.Random(a.seed * 1000 + k)
        gen = mutations(orig, rng)
        variants = [next(gen) for _ in range(per)]
        for lab, _ in variants:
            kinds[lab.split("@")[0].rstrip("0123456789,")] = 1

        if a.driver:
            pack = os.path.join(tmp, name + ".pack")
            with open(pack, "wb") as f:
                for _, d in variants:
                    f.write(struct.pack(">I", len(d)) + d)
            p = subprocess.run([a.driver, os.path.join(a.fixtures, name + ".tlv"), pack],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
            out = p.stdout.decode("utf-8", "replace")
            err = p.stderr.decode("utf-8", "replace")
            bad = {}
            for line in out.splitlines():
                m = re.match(r"FAIL (\d+): (.*)", line)
                if m:
                    bad[int(m.group(1))] = m.group(2)
            if SAN_RE.search(err) or (p.returncode != 0 and not bad):
                failures.append("%s: driver exit %d: %s" % (name, p.returncode, err[-1500:]))
                failed += 1
            summary = [l for l in out.splitlines() if l.startswith("driver:")]
            if not summary or " %d variants" % len(variants) not in summary[0]:
                failures.append("%s: driver did not run every variant" % name)
                failed += 1
            for i, why in sorted(bad.items()):
                keep = os.path.join(a.keep, "%s-driver-%d.tlv" % (name, i))
                open(keep, "wb").write(variants[i][1])
                failures.append("%s variant %d (%s): %s [kept: %s]" % (name, i, variants[i][0], why, keep))
            failed += len(bad)
            passed += len(variants) - len(bad)
            print("mutate: %-22s %s" % (name, summary[0] if summary else "(no summary)"), file=sys.stderr)

        # The real binary on an evenly spread share of the variants.
        step = max(1, len(variants) // bin_per)
        picked = list(range(0, len(variants), step))[:bin_per]
        jobs = []
        for i in picked:
            path = os.path.join(tmp, "%s-%d.tlv" % (name, i))
            with open(path, "wb") as f:
                f.write(variants[i][1])
            verb = ("verify", "show --long", "verify", "show --json")[i % 4]
            jobs.append((i, path, verb))
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
            res = list(ex.map(lambda j: (j, check_binary(a.ctlsign, j[1], orig, variants[j[0]][1], j[2])), jobs))
        for (i, path, verb), why in res:
            if why:
                keep = os.path.join(a.keep, "%s-%s-%d.tlv" % (name, verb.split()[0], i))
                os.replace(path, keep)
                failures.append("%s variant %d (%s) `ctlsign %s': %s [kept: %s]"
                                % (name, i, variants[i][0], verb, why, keep))
                failed += 1
            else:
                os.unlink(path)
                passed += 1
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    subprocess.run(["rm", "-rf", tmp])
    print("mutate: kinds: " + " ".join(sorted(kinds)), file=sys.stderr)
    print("mutate: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        subprocess.run("rm -rf \"${TMPDIR:-/tmp}\"/ctlsign-mutate.$PPID.*", shell=True)
