"""Check the yardstick's BRAT files: each mention's offsets give its text, labels are spacy-ddi's,
relations name defined mentions, no pair twice; a relation whose two mentions may lie in different
sentences is a warning.

    python scripts/yardstick_check_ann.py FOLDER_OR_FILE.ann [...]
"""
import re
import sys
from pathlib import Path

ENT = {"DRUG", "BRAND", "GROUP", "DRUG_N"}; REL = {"MECHANISM", "EFFECT", "ADVISE", "INT"}
bad = 0
paths = [str(p) for arg in sys.argv[1:] for p in (sorted(Path(arg).glob("*.ann")) if Path(arg).is_dir() else [Path(arg)])]
if not paths:
    print(__doc__.strip())
    sys.exit(2)
for ann in paths:
    text = open(ann[:-4] + ".txt", encoding="utf8").read()
    ents, rels = {}, set()
    for n, line in enumerate(open(ann, encoding="utf8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        try:
            if line.startswith("T"):
                tid, mid, surface = line.split("\t")
                label, s, e = mid.split(" ")
                s, e = int(s), int(e)
                assert label in ENT, f"label {label}"
                assert text[s:e] == surface, f"offsets {s}-{e} give {text[s:e]!r}, not {surface!r}"
                assert tid not in ents, "duplicate id"
                ents[tid] = (s, e)
            elif line.startswith("R"):
                rid, mid = line.split("\t")[:2]
                label, a1, a2 = mid.split(" ")
                assert label in REL, f"label {label}"
                a, b = a1.split(":")[1], a2.split(":")[1]
                assert a in ents and b in ents, "argument not defined (define T lines first)"
                assert a != b
                # same sentence: no sentence end between them
                lo, hi = sorted([ents[a], ents[b]])
                between = text[lo[1]:hi[0]]
                if "\n" in between or re.search(r"[.!?]\s+[A-Z(]", between):
                    print(f"{ann}:{n}: WARNING arguments may be in different sentences: {line}")
                key = tuple(sorted([a, b]))
                assert key not in rels, "pair annotated twice"
                rels.add(key)
            else:
                raise AssertionError("unknown line kind")
        except (AssertionError, ValueError) as err:
            bad += 1
            print(f"{ann}:{n}: ERROR {err}: {line}")
    if len(paths) == 1:
        print(f"{ann}: {len(ents)} mentions, {len(rels)} interactions")
print(f"{len(paths)} files checked, {bad} errors")
sys.exit(1 if bad else 0)
