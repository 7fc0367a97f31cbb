"""Print, and write as Markdown, the per-type tables of one scripts/evaluate.py result.

    python scripts/metrics_table.py benchmarks/runs/ddi_mtmg.json metrics/ddi_mtmg.md
"""
import json
from pathlib import Path

import typer

from spacy_ddi.evaluation import current_keys

TYPES_NER = ("DRUG", "BRAND", "GROUP", "DRUG_N")
TYPES_DDI = ("MECHANISM", "EFFECT", "ADVISE", "INT")


def cells(scores) -> str:
    if not scores:
        return "- | - | -"
    return f"{scores['p']:.3f} | {scores['r']:.3f} | {scores['f']:.3f}"


def micro(scores, prefix: str):
    return scores and {k: scores[f"{prefix}{k}"] for k in "prf"}


def per_type_table(first_name, first, second_name, second, types, prefix):
    """Rows: each type, then all types (micro); columns: P / R / F1 under each condition."""
    rows = [
        f"| type | {first_name} P | R | F1 | {second_name} P | R | F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for label in types:
        by_type = [s and s[f"{prefix}per_type"].get(label) for s in (first, second)]
        rows.append(f"| {label} | {cells(by_type[0])} | {cells(by_type[1])} |")
    rows.append(f"| all (micro) | {cells(micro(first, prefix))} | {cells(micro(second, prefix))} |")
    return rows


def render(result: dict) -> str:
    result = current_keys(result)  # records written before the rename have ner_strict_* keys
    strict = result["strict"]
    out = [
        f"# Metrics of {result['model']} ({result['date']})",
        "",
        "Strict protocol: an entity counts when its start, end and type match; an interaction when",
        "both entity spans match exactly (unordered pair) and the type matches; DDI on all DDI test",
        "sentences.",
        "",
        "## NER, strict",
        "",
        *per_type_table(
            "DDI test", strict["ner_ddi_test"], "DrugNER test", strict["ner_drugner_test"],
            TYPES_NER, "ents_",
        ),
    ]
    if "ddi" in strict:
        out += [
            "",
            "## DDI, strict (end to end, and with the gold entities given)",
            "",
            *per_type_table(
                "end to end", strict["ddi"], "gold entities",
                result.get("gold_entities", {}).get("ddi"), TYPES_DDI, "ddi_strict_",
            ),
        ]
    lenient = result.get("paper_lenient", {})
    if lenient:
        ner = lenient["ner_token_level"]
        ddi = lenient.get("ddi_gold_positions_2plus_drugs")
        out += [
            "",
            "The MTMG paper's lenient protocol (not comparable with the tables above): NER per "
            f"token F1 {ner['f']:.3f}"
            + (f"; DDI at gold entity positions, sentences with 2+ drugs, F1 {ddi['ddi_strict_f']:.3f}" if ddi else "")
            + ".",
        ]
    speed = result.get("speed")
    if speed:
        out += ["", f"Speed: {speed['words_per_second']:.0f} words/s (nlp.pipe over the DDI test set)."]
    return "\n".join(out) + "\n"


def main(
    metrics: Path = typer.Argument(..., help="JSON written by scripts/evaluate.py"),
    output: Path = typer.Argument(..., help="Markdown file to write"),
):
    text = render(json.loads(metrics.read_text()))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    typer.echo(text)


if __name__ == "__main__":
    typer.run(main)
