"""How small an expected calibration error (ECE) the test set can show, per source.

    python scripts/calibration_floor.py OUTPUT.json EVALUATION.json [EVALUATION.json ...]

Reads the ``calibration`` record that ``scripts/evaluate.py`` writes (10 equal-width bins of
the reported interactions per part of the test set: count, mean score, share right) and, for
each part, simulates a perfectly calibrated model with the same scores: each interaction is
right with probability equal to its score (every interaction of a bin taken at the bin's mean
score), 4,000 draws. The ECE such a model shows is the floor: with 100-140 interactions, as on
the MedLine part, chance alone gives an ECE well above zero. Also a 95% bootstrap interval of
the observed ECE over the reported interactions (2,000 resamples). Seeded; writes OUTPUT.json
and prints a table.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy

DRAWS = 4000
RESAMPLES = 2000
SEED = 0


def ece(counts, scores, right) -> float:
    counts = numpy.asarray(counts, dtype=float)
    keep = counts > 0
    counts, scores, right = counts[keep], numpy.asarray(scores)[keep], numpy.asarray(right, dtype=float)[keep]
    return float(numpy.sum(counts / counts.sum() * numpy.abs(right / counts - scores)))


def part_floor(bins, rng) -> dict:
    bins = [b for b in bins if b["n"]]
    counts = [b["n"] for b in bins]
    scores = [b["mean_score"] for b in bins]
    right = [round(b["share_correct"] * b["n"]) for b in bins]
    observed = ece(counts, scores, right)
    floor = [ece(counts, scores, rng.binomial(counts, scores)) for _ in range(DRAWS)]
    # bootstrap over the interactions: (bin, right or not) pairs resampled with replacement
    items = numpy.array([(k, 1) for k, r in enumerate(right) for _ in range(r)]
                        + [(k, 0) for k, (n, r) in enumerate(zip(counts, right)) for _ in range(n - r)])
    boots = []
    for _ in range(RESAMPLES):
        sample = items[rng.integers(0, len(items), len(items))]
        n = numpy.bincount(sample[:, 0], minlength=len(bins))
        r = numpy.bincount(sample[:, 0], weights=sample[:, 1], minlength=len(bins))
        boots.append(ece(n, scores, r))
    return {
        "reported": int(sum(counts)), "ece": round(observed, 3),
        "ece_95": [round(float(q), 3) for q in numpy.quantile(boots, [0.025, 0.975])],
        "perfect_mean": round(float(numpy.mean(floor)), 3),
        "perfect_95_upper": round(float(numpy.quantile(floor, 0.95)), 3),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("evaluations", type=Path, nargs="+")
    args = parser.parse_args(argv)
    rng = numpy.random.default_rng(SEED)
    out = {"draws": DRAWS, "resamples": RESAMPLES, "seed": SEED, "runs": {}}
    print("| run | part | reported | ECE (95% interval) | perfectly calibrated: mean ECE, 95% upper |")
    print("|---|---|---|---|---|")
    for path in args.evaluations:
        record = json.loads(path.read_text(encoding="utf8"))
        calibration = record.get("calibration")
        if not calibration:
            raise SystemExit(f"Error: {path} has no calibration record (re-run scripts/evaluate.py)")
        out["runs"][path.stem] = runs = {}
        for part in ("DrugBank", "MedLine", "all"):
            if part in calibration:
                runs[part] = r = part_floor(calibration[part]["bins"], rng)
                print(f"| {path.stem} | {part} | {r['reported']} | {r['ece']:.3f} ({r['ece_95'][0]:.3f}-{r['ece_95'][1]:.3f}) "
                      f"| {r['perfect_mean']:.3f}, {r['perfect_95_upper']:.3f} |")
    args.output.write_text(json.dumps(out, indent=2) + "\n", encoding="utf8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
