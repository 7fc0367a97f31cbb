"""The genre scenario's curve: MedLine test DDI F1 against the number of the team's abstracts.

    python scripts/genre_curve.py benchmarks/scenarios docs/results/genre_curve.png docs/results/genre_curve.md

Reads the scenario's records in SCENARIOS: ``genre_finetune_N.json`` (``spacy-ddi finetune
--ddi-test``, N = 10, 25, 50, all) and ``genre_ceiling_N.json`` (``scripts/score_by_part.py``:
trained from scratch on the label text and N abstracts), each with the base's scores on the same
test set. Draws one figure (the base at 0, fine-tuning, training from scratch; 95% paired
intervals as bars) and writes a table with every number it draws, the DrugBank part beside it.
Records that are not there yet are left out, and the table says so.
"""
import json
from pathlib import Path

import typer

SIZES = {"10": 10, "25": 25, "50": 50, "all": 122}
CEILINGS = ("50", "all")  # training from scratch is run at these sizes


def read(folder: Path, kind: str):
    rows = []
    for name, n in SIZES.items():
        path = folder / f"genre_{kind}_{name}.json"
        if path.exists():
            record = json.loads(path.read_text())
            test = dict(record["ddi_test"], recipe=f"{record.get('max_steps')} steps, learning rate {record.get('learn_rate')}, DDI mixed {record.get('ddi_ratio')}:1" if kind == "finetune" else "")
            rows.append((n, name, test, path.name))
    return rows


def main(scenarios: Path, figure: Path, table: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    finetuned, ceiling = read(scenarios, "finetune"), read(scenarios, "ceiling")
    if not finetuned and not ceiling:
        typer.echo(f"Error: no genre_finetune_*.json or genre_ceiling_*.json in {scenarios}", err=True)
        raise typer.Exit(2)
    first = (finetuned or ceiling)[0][2]
    base_medline, base_drugbank = first["before"]["ddi_strict_f_medline"], first["before"]["ddi_strict_f_drugbank"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.axhline(base_medline, color="grey", linestyle=":", label=f"base, label text only ({base_medline:.3f})")
    lines = [
        "| team abstracts | how | MedLine test DDI F1 | change (95% paired interval) | DrugBank test DDI F1 | change (95% paired interval) | record |",
        "|---|---|---|---|---|---|---|",
        f"| 0 | base (label text only) | {base_medline:.3f} | | {base_drugbank:.3f} | | |",
    ]
    for rows, label, color, marker in ((finetuned, "fine-tuned from the base", "C0", "o"), (ceiling, "trained from scratch on both", "C1", "s")):
        if not rows:
            continue
        xs = [n for n, _, _, _ in rows]
        ys = [t["after"]["ddi_strict_f_medline"] for _, _, t, _ in rows]
        diffs = [t["after_minus_before"]["ddi_medline"] for _, _, t, _ in rows]
        # the paired interval of the change, drawn around the base: where the point could lie
        low = [t["before"]["ddi_strict_f_medline"] + d["diff_low"] for d, (_, _, t, _) in zip(diffs, rows)]
        high = [t["before"]["ddi_strict_f_medline"] + d["diff_high"] for d, (_, _, t, _) in zip(diffs, rows)]
        ax.errorbar(xs, ys, yerr=[[y - lo for y, lo in zip(ys, low)], [hi - y for y, hi in zip(ys, high)]],
                    color=color, marker=marker, capsize=3, label=label)
        for n, name, t, path in rows:
            m, d = t["after_minus_before"]["ddi_medline"], t["after_minus_before"]["ddi_drugbank"]
            lines.append(
                f"| {n} | {label}{' (' + t['recipe'] + ')' if t['recipe'] else ''} | {t['after']['ddi_strict_f_medline']:.3f} | {m['diff']:+.3f} ({m['diff_low']:+.3f} to {m['diff_high']:+.3f}) "
                f"| {t['after']['ddi_strict_f_drugbank']:.3f} | {d['diff']:+.3f} ({d['diff_low']:+.3f} to {d['diff_high']:+.3f}) | {path} |"
            )
    expected = [f"genre_finetune_{n}.json" for n in SIZES] + [f"genre_ceiling_{n}.json" for n in CEILINGS]
    missing = [name for name in expected if not (scenarios / name).exists()]
    if missing:
        lines += ["", "Not measured yet: " + ", ".join(missing) + "."]
    ax.set_xlabel("the team's annotated abstracts")
    ax.set_ylabel("DDI F1, MedLine part of DDI 2013 test (33 abstracts)")
    ax.set_xticks([0, *SIZES.values()])
    ax.set_title("Fine-tuning across a genre shift (one seed; bars: 95% paired intervals)", fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(figure, dpi=120)
    table.write_text("\n".join(lines) + "\n")
    typer.echo(f"wrote {figure} and {table}")


if __name__ == "__main__":
    typer.run(main)
