"""Agreement between the yardstick's annotation and a second reader's, on the abstracts both read.

    python scripts/yardstick_agreement.py benchmarks/annotated/yardstick/texts benchmarks/annotated/yardstick/second_reader benchmarks/annotated/yardstick/agreement.json

Both folders hold BRAT ``.ann`` files; the abstracts compared are those of the second folder.
Agreement is given as F1 between the two readers (the same from either side), as is usual for
span annotation where chance agreement is negligible:

- mentions: exact span and label; exact span, any label;
- interactions: both spans exact (unordered) and the label; both spans exact, any label; and the
  same two counts only over the pairs whose two mentions both readers marked (agreement on the
  interaction once the mentions agree).
"""
import json
import sys
from pathlib import Path
from typing import Dict, Set, Tuple


def read_ann(path: Path):
    mentions: Dict[str, Tuple[int, int, str]] = {}
    relations = []
    for line in path.read_text(encoding="utf8").splitlines():
        if line.startswith("T"):
            tid, middle, _ = line.split("\t")
            label, start, end = middle.split(" ")
            mentions[tid] = (int(start), int(end), label)
        elif line.startswith("R"):
            label, a1, a2 = line.split("\t")[1].split(" ")
            relations.append((a1.split(":")[1], a2.split(":")[1], label))
    pairs = {}
    for a, b, label in relations:
        spans = frozenset([mentions[a][:2], mentions[b][:2]])
        pairs[spans] = label
    return set(mentions.values()), pairs


def f1(a: Set, b: Set) -> dict:
    both = len(a & b)
    return {"first": len(a), "second": len(b), "both": both,
            "f1": round(2 * both / (len(a) + len(b)), 3) if a or b else 1.0}


def main(first_dir: Path, second_dir: Path, output: Path) -> int:
    totals = {k: (set(), set()) for k in ("mentions", "mention_spans", "interactions", "interaction_pairs",
                                          "interactions_agreed_mentions", "interaction_pairs_agreed_mentions")}
    documents = sorted(p.stem for p in second_dir.glob("*.ann"))
    for doc in documents:
        one, two = read_ann(first_dir / f"{doc}.ann"), read_ann(second_dir / f"{doc}.ann")
        sides = []
        for mentions, pairs in (one, two):
            sides.append({
                "mentions": {(doc, *m) for m in mentions},
                "mention_spans": {(doc, s, e) for s, e, _ in mentions},
                "interactions": {(doc, p, label) for p, label in pairs.items()},
                "interaction_pairs": {(doc, p) for p in pairs},
            })
        agreed_spans = {m[1:] for m in sides[0]["mention_spans"] & sides[1]["mention_spans"]}
        for k, side in enumerate(sides):
            side["interactions_agreed_mentions"] = {i for i in side["interactions"] if set(i[1]) <= agreed_spans}
            side["interaction_pairs_agreed_mentions"] = {i for i in side["interaction_pairs"] if set(i[1]) <= agreed_spans}
            for key in totals:
                totals[key][k].update(side[key])
    record = {"documents": documents, "n_documents": len(documents),
              "agreement": {key: f1(*sets) for key, sets in totals.items()}}
    output.write_text(json.dumps(record, indent=2) + "\n")
    for key, value in record["agreement"].items():
        print(f"{key}: F1 {value['f1']:.3f} ({value['both']} shared; {value['first']} and {value['second']})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__.strip())
        sys.exit(2)
    sys.exit(main(*map(Path, sys.argv[1:])))
