"""Learning curves against DDI 2013 dev and the outside yardstick, by training time.

    python scripts/learning_curves.py benchmarks/runs docs/results/learning_curves.png [--table docs/results/learning_curves.md]

Reads the settings and their runs from ``curves`` in benchmarks/runs/report_runs.json (each
setting a list of runs of growing budget) and, for each run that has its records, the wall time
of its training (NAME.training.json), the strict DDI F1 on DDI 2013 dev after its prediction
settings were chosen (NAME.tuning.json: the whole of dev and its MedLine part) and on the
yardstick's test half (NAME.json: with its 95% bootstrap interval over the abstracts). Draws
one figure, two panels (DDI 2013 dev; the yardstick) of F1 against training hours, one line
per setting, and writes the same figures as a Markdown table.
"""
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional

RUN_LIST = Path(__file__).resolve().parent.parent / "benchmarks" / "runs" / "report_runs.json"


def point(records: Path, name: str) -> Optional[Dict]:
    """The figures of one run, or None where its records are not all there."""
    paths = {kind: records / f"{name}.{kind}.json" for kind in ("training", "tuning")}
    paths["eval"] = records / f"{name}.json"
    if not all(p.exists() for p in paths.values()):
        return None
    training = json.loads(paths["training"].read_text())
    best = json.loads(paths["tuning"].read_text())["best"]
    evaluation = json.loads(paths["eval"].read_text())
    yardstick = evaluation.get("yardstick", {}).get("intervals", {}).get("ddi")
    if yardstick is None:
        return None
    steps = None
    for token in training.get("command", "").split("--training.max_steps")[1:2]:
        steps = int(token.split()[0].strip("= "))
    return {
        "name": name, "steps": steps, "hours": training["seconds"] / 3600, "load": training.get("load_average_15min"),
        "dev_ddi_f": best["ddi_f"], "dev_ddi_f_medline": best.get("ddi_f_medline"),
        "yardstick_ddi_f": yardstick["f"], "yardstick_low": yardstick["low"], "yardstick_high": yardstick["high"],
        "test_ddi_f": evaluation["strict"]["ddi"]["ddi_strict_f"],
        "test_ddi_f_medline": evaluation["strict"]["ddi"].get("ddi_strict_f_medline"),
    }


def curves(records: Path, settings: List[Dict]) -> List[Dict]:
    out = []
    for setting in settings:
        points = [p for p in (point(records, name) for name in setting["runs"]) if p]
        if points:
            out.append({"setting": setting["setting"], "points": points})
    return out


def plot(lines: List[Dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (dev, outside) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    for k, line in enumerate(lines):
        color = f"C{k}"
        hours = [p["hours"] for p in line["points"]]
        dev.plot(hours, [p["dev_ddi_f"] for p in line["points"]], marker="o", color=color, label=line["setting"])
        dev.plot(hours, [p["dev_ddi_f_medline"] for p in line["points"]], marker="o", linestyle=":", color=color)
        ys = [p["yardstick_ddi_f"] for p in line["points"]]
        errors = [[y - p["yardstick_low"] for y, p in zip(ys, line["points"])], [p["yardstick_high"] - y for y, p in zip(ys, line["points"])]]
        outside.errorbar(hours, ys, yerr=errors, marker="o", color=color, capsize=3, label=line["setting"])
        for p in line["points"]:
            if p["steps"]:
                dev.annotate(str(p["steps"]), (p["hours"], p["dev_ddi_f"]), textcoords="offset points", xytext=(4, 4), fontsize=7, color=color)
    dev.set_title("DDI 2013 dev (solid: all; dotted: its abstracts)")
    outside.set_title("Outside yardstick, test half (95% interval)")
    for ax in (dev, outside):
        ax.set_xlabel("training hours (2-core CPU)")
        ax.set_ylabel("strict DDI F1, settings tuned")
        ax.grid(alpha=0.3)
    outside.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


HEADER = """# Learning curves: DDI 2013 dev and the outside yardstick

Written by `spacy project run curves` (scripts/learning_curves.py) from the records in
benchmarks/runs; the picture is `learning_curves.png`. Seed 0 each; strict DDI F1 with the
prediction settings each run chose on dev and the yardstick's tune half; the yardstick figure is
its test half (60 abstracts) with a 95% bootstrap interval. Training hours are wall time on a
2-core CPU, which some runs shared with other work for part of their time: the table gives the
15-minute load average at each training's start and end (a training alone holds it near 2), and
seconds per step, which also fall with the budget as start-up and evaluations are shared over
more steps. Compare times only roughly.
"""


def table(lines: List[Dict]) -> str:
    rows = [
        HEADER,
        "| setting | run | steps | training hours | s per step | load (start, end) | dev DDI F1 | dev abstracts | yardstick DDI F1 (95%) | DDI 2013 test | test abstracts |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for line in lines:
        for p in line["points"]:
            per_step = f"{3600 * p['hours'] / p['steps']:.2f}" if p["steps"] else ""
            load = ", ".join(f"{x:.1f}" for x in p["load"]) if p.get("load") else ""
            rows.append(
                f"| {line['setting']} | {p['name']} | {p['steps'] or ''} | {p['hours']:.2f} | {per_step} | {load} | {p['dev_ddi_f']:.3f} | "
                f"{p['dev_ddi_f_medline']:.3f} | {p['yardstick_ddi_f']:.3f} ({p['yardstick_low']:.3f}-{p['yardstick_high']:.3f}) | "
                f"{p['test_ddi_f']:.3f} | {p['test_ddi_f_medline']:.3f} |"
            )
    return "\n".join(rows) + "\n"


def main(argv) -> int:
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    records, figure = Path(argv[0]), Path(argv[1])
    table_path = Path(argv[argv.index("--table") + 1]) if "--table" in argv else None
    settings = json.loads(RUN_LIST.read_text(encoding="utf8")).get("curves", [])
    lines = curves(records, settings)
    if not lines:
        print(f"no setting of {RUN_LIST} has a run with all its records in {records}", file=sys.stderr)
        return 1
    plot(lines, figure)
    text = table(lines)
    print(text)
    if table_path:
        table_path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
