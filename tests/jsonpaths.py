#!/usr/bin/env python3
"""Check that every path documented in one section of docs/json.md is
present in a JSON document. Usage: jsonpaths.py DOC.md SECTION-WORD FILE.json
A path like .a[].b is present when .a is an array whose elements (if any)
all have key b."""
import json
import re
import sys

doc, word, path = sys.argv[1:4]
paths, on = [], False
for line in open(doc, encoding="utf-8"):
    if line.startswith("## "):
        on = re.search("`" + re.escape(word) + "[ `]", line) is not None
        continue
    m = re.match(r"\| `(\.[^`]+)` \|", line)
    if on and m:
        paths.append(m.group(1))
if not paths:
    sys.exit(f"no paths documented for {word}")
data = json.load(open(path, encoding="utf-8"))


def present(obj, parts):
    if not parts:
        return True
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        key = head[:-2]
        if not isinstance(obj, dict) or key not in obj or not isinstance(obj[key], list):
            return False
        return all(present(e, rest) for e in obj[key] if e is not None)
    if not isinstance(obj, dict) or head not in obj:
        return False
    return obj[head] is None or present(obj[head], rest) if rest else True


missing = [p for p in paths if not present(data, p.strip(".").split("."))]
for p in missing:
    print(f"documented but missing in {path}: {p}")
print(f"{len(paths) - len(missing)} of {len(paths)} documented paths present")
sys.exit(1 if missing else 0)
