"""The genre scenario's curve: MedLine test DDI F1 against the number of the team's abstracts.

    python scripts/genre_curve.py benchmarks/scenarios docs/results/genre_curve.png docs/results/genre_curve.md

Reads the scenario's records in SCENARIOS:

- ``genre_finetune_N.json`` (``spacy-ddi finetune --ddi-test`` with its default recipe, N = 10,
  25, 50, all), and ``genre_finetune_N_sK.json`` for further fine-tuning seeds K;
- ``genre_finetune_N_seeds.json`` (``scripts/compare_runs.py`` over those seeds against the base):
  where it is there, the point is the mean over seeds and its interval is the paired bootstrap
  pooled over seeds;
- ``genre_finetune_N_ratio1.json``: the former recipe (DDI 2013 mixed 1:1), drawn faintly;
- ``genre_ceiling_N.json`` (``scripts/score_by_part.py``: trained from scratch on the label text
  and N abstracts).

Each record holds the base's scores on the same test set. Draws one figure (the base at 0, then
fine-tuning and training from scratch, with 95% paired intervals as bars) and writes a table with
every number it draws, with the DrugBank part beside it. Records that are not there yet are left
out, and the table says so.
"""
import json
from pathlib import Path
from typing import Dict, List

import typer

SIZES = {"10": 10, "25": 25, "50": 50, "all": 122}
CEILINGS = ("50", "all")  # training from scratch is run at these sizes
PARTS = {"medline": "MedLine", "drugbank": "DrugBank"}


def recipe_of(record: dict) -> str:
    return f"{record.get('max_steps')} steps, learning rate {record.get('learn_rate')}, DDI 2013 mixed {record.get('ddi_ratio'):g}:1"


def point(folder: Path, kind: str, name: str, suffix: str = "") -> Dict:
    """One size's point: F1 after (mean over seeds), the change against the base and its interval, by part."""
    path = folder / f"genre_{kind}_{name}{suffix}.json"
    if not path.exists():
        return {}
    records = [json.loads(path.read_text())]
    files = [path.name]
    if kind == "finetune" and not suffix:
        for seed_path in sorted(folder.glob(f"genre_finetune_{name}_s[0-9]*.json")):
            records.append(json.loads(seed_path.read_text()))
            files.append(seed_path.name)
    out = {"files": files, "seeds": len(records), "recipe": recipe_of(records[0]) if kind == "finetune" else "", "parts": {}}
    pooled_path = folder / f"genre_{kind}_{name}_seeds.json"
    pooled = json.loads(pooled_path.read_text())["scores"]["ddi"] if len(records) > 1 and pooled_path.exists() else None
    if pooled:
        files.append(pooled_path.name)
    for key, source in PARTS.items():
        befores = [r["ddi_test"]["before"][f"ddi_strict_f_{key}"] for r in records]
        afters = [r["ddi_test"]["after"][f"ddi_strict_f_{key}"] for r in records]
        each = [r["ddi_test"]["after_minus_before"][f"ddi_{key}"] for r in records]
        if pooled:
            change = pooled[source]
            low, high = change["diff_low"], change["diff_high"]
        elif len(records) == 1:
            low, high = each[0]["diff_low"], each[0]["diff_high"]
        else:  # seeds without their pooled comparison: no interval to draw
            low = high = None
        after = sum(afters) / len(afters)
        out["parts"][key] = {"before": befores[0], "after": after, "each": afters, "diff": after - befores[0], "low": low, "high": high}
    return out


def fmt_change(p: Dict) -> str:
    if p["low"] is None:
        return f"{p['diff']:+.3f}"
    return f"{p['diff']:+.3f} ({p['low']:+.3f} to {p['high']:+.3f})"


def main(scenarios: Path, figure: Path, table: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = {
        "finetune": [(SIZES[n], point(scenarios, "finetune", n)) for n in SIZES],
        "former": [(SIZES[n], point(scenarios, "finetune", n, "_ratio1")) for n in SIZES],
        "ceiling": [(SIZES[n], point(scenarios, "ceiling", n)) for n in CEILINGS],
    }
    series = {kind: [(n, p) for n, p in rows if p] for kind, rows in series.items()}
    present = [p for rows in series.values() for _, p in rows]
    if not present:
        typer.echo(f"Error: no genre_finetune_*.json or genre_ceiling_*.json in {scenarios}", err=True)
        raise typer.Exit(2)
    base = present[0]["parts"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.axhline(base["medline"]["before"], color="grey", linestyle=":", label=f"base, label text only ({base['medline']['before']:.3f})")
    lines = [
        "| team abstracts | how | seeds | MedLine test DDI F1 | change (95% paired interval) | DrugBank test DDI F1 | change (95% paired interval) | records |",
        "|---|---|---|---|---|---|---|---|",
        f"| 0 | base (label text only) | 1 | {base['medline']['before']:.3f} | | {base['drugbank']['before']:.3f} | | |",
    ]
    styles = {
        "finetune": ("fine-tuned from the base (default recipe)", dict(color="C0", marker="o", capsize=3)),
        "ceiling": ("trained from scratch on both", dict(color="C1", marker="s", capsize=3)),
        "former": ("fine-tuned, former recipe", dict(color="C0", marker=".", alpha=0.35, linestyle="--", capsize=2)),
    }
    for kind in ("former", "finetune", "ceiling"):
        rows: List = series[kind]
        if not rows:
            continue
        label, style = styles[kind]
        shift = -2 if kind == "former" else 0  # drawn a little to the left, so that it hides no point
        xs = [n + shift for n, _ in rows]
        med = [p["parts"]["medline"] for _, p in rows]
        ys = [m["after"] for m in med]
        yerr = [[y - (m["before"] + m["low"]) if m["low"] is not None else 0 for y, m in zip(ys, med)],
                [(m["before"] + m["high"]) - y if m["high"] is not None else 0 for y, m in zip(ys, med)]]
        # the paired interval of the change, drawn around the base: where the point could lie
        ax.errorbar(xs, ys, yerr=yerr, label=label, **style)
        for x, m in zip(xs, med):
            if len(m["each"]) > 1:
                ax.scatter([x] * len(m["each"]), m["each"], color=style["color"], s=10, alpha=0.5, zorder=3)
        for n, p in rows:
            m, d = p["parts"]["medline"], p["parts"]["drugbank"]
            how = label + (f" ({p['recipe']})" if p["recipe"] else "")
            seeds = f"{p['seeds']}" + (" (" + ", ".join(f"{v:.3f}" for v in m["each"]) + ")" if p["seeds"] > 1 else "")
            lines.append(
                f"| {n} | {how} | {seeds} | {m['after']:.3f} | {fmt_change(m)} | {d['after']:.3f} | {fmt_change(d)} | {', '.join(p['files'])} |"
            )
    expected = [f"genre_finetune_{n}.json" for n in SIZES] + [f"genre_ceiling_{n}.json" for n in CEILINGS]
    missing = [name for name in expected if not (scenarios / name).exists()]
    lines += ["", "With more than one seed, F1 is the mean over seeds (each seed in brackets) and the interval is the paired "
              "bootstrap over test documents pooled over seeds (`scripts/compare_runs.py`)."]
    if missing:
        lines += ["", "Not measured yet: " + ", ".join(missing) + "."]
    ax.set_xlabel("the team's annotated abstracts")
    ax.set_ylabel("DDI F1, MedLine part of DDI 2013 test (33 abstracts)")
    ax.set_xticks([0, *SIZES.values()])
    ax.set_title("Fine-tuning across a genre shift (dots: seeds; bars: 95% paired intervals)", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(figure, dpi=120)
    table.write_text("\n".join(lines) + "\n")
    typer.echo(f"wrote {figure} and {table}")


if __name__ == "__main__":
    typer.run(main)
