"""Hand-judged precision of what a curator reads, from the committed judgements.

    python scripts/precision_report.py benchmarks/annotated/precision 526 0.55 benchmarks/comparisons/precision.json

The folder holds the reported interactions (items.tsv: sentence, the two mentions, the type),
what the pipeline said of each (scores.tsv: calibrated score and assertion; kept apart so the
readers judged blind to them) and the two readers' judgements (judged_first.tsv on every item,
judged_second.tsv on a subset). Three samples: the first 100 items (a seeded shuffle of every
interaction reported), every item at or above the mining threshold, and every item at or above
0.8 that is affirmed. For each: precision of the pair (and of pair and type) with its Wilson 95%
interval, the yield per 100 abstracts (ABSTRACTS: how many the run read), and the second
reader's agreement on the items both judged.
"""
import csv
import json
import math
import sys
import time
from pathlib import Path


def wilson(k: int, n: int, z: float = 1.96):
    if not n:
        return None
    p = k / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [round(centre - half, 3), round(centre + half, 3)]


def rows(path: Path):
    return {r["item"]: r for r in csv.DictReader(path.open(encoding="utf8"), delimiter="\t")}


def main(folder: Path, abstracts: int, threshold: float, output: Path) -> int:
    items, scores = rows(folder / "items.tsv"), rows(folder / "scores.tsv")
    first, second = rows(folder / "judged_first.tsv"), rows(folder / "judged_second.tsv")
    order = list(items)
    samples = {
        "as decided": order[:100],
        f"at the mining threshold {threshold}": [i for i in order if float(scores[i]["score"]) >= threshold],
        "at 0.8, affirmed only": [i for i in order if float(scores[i]["score"]) >= 0.8 and scores[i]["assertion"] == "affirmed"],
    }
    reported = {name: len(order) if name == "as decided" else len(ids) for name, ids in samples.items()}
    record = {"date": time.strftime("%Y-%m-%d"), "command": " ".join(["python", "scripts/precision_report.py"] + sys.argv[1:]),
              "reported": len(order), "abstracts": abstracts, "samples": {}}
    for name, ids in samples.items():
        n = len(ids)
        pair = sum(first[i]["pair"] == "right" for i in ids)
        typed = sum(first[i]["pair"] == "right" and first[i]["type"] == "right" for i in ids)
        both = [i for i in ids if i in second]
        record["samples"][name] = {
            "items": n, "pair_right": pair, "precision": round(pair / n, 3) if n else None, "wilson_95": wilson(pair, n),
            "pair_and_type_right": typed, "precision_typed": round(typed / n, 3) if n else None, "wilson_95_typed": wilson(typed, n),
            "reported_per_100_abstracts": round(100 * reported[name] / abstracts, 1),
            "second_reader": {"items": len(both), "agree_on_pair": sum(first[i]["pair"] == second[i]["pair"] for i in both)},
        }
        r = record["samples"][name]
        print(f"{name}: {pair} of {n} right ({r['precision']}, 95% {r['wilson_95']}); with the type {typed}; "
              f"{r['reported_per_100_abstracts']} reported per 100 abstracts; second reader agrees on {r['second_reader']['agree_on_pair']} of {len(both)}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__.strip())
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), Path(sys.argv[4])))
