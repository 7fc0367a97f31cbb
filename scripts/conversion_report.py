"""Write docs/corpus.md from the JSON report of `python -m spacy_ddi convert --report`.

    python scripts/conversion_report.py corpus/conversion.json docs/corpus.md
"""
import json
import time
from pathlib import Path

import typer


def main(report: Path, output: Path):
    data = json.loads(report.read_text())
    lines = [
        "# Corpus conversion",
        "",
        f"Generated {time.strftime('%Y-%m-%d')} by `spacy project run convert` (`python -m spacy_ddi "
        "convert assets/DDICorpus-2013.zip corpus --report corpus/conversion.json`) and "
        "`spacy project run corpus-doc`.",
        "",
        "dev = 10% of the DrugBank and 30% of the MedLine Train documents (seed 0), so no",
        "document has sentences on both sides and dev holds enough abstracts to choose",
        "settings by. test = the DDI Extraction test set (all sentences); test_ner = the",
        "DrugNER test set.",
        "",
        "| split | documents | sentences | entities | pairs | positive | not on token boundaries | discontinuous | overlapping dropped | pairs dropped | untyped true -> INT |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in data.items():
        lines.append(
            f"| {name} | {r['documents']} | {r['sentences']} | {r['entities']} | {r['pairs']} | "
            f"{r['positive_pairs']} | {len(r['misaligned'])} ({100 * r['misaligned_rate']:.2f}%) | "
            f"{r['discontinuous']} | {len(r['overlapping_dropped'])} | {r['pairs_dropped']} | "
            f"{r['untyped_true_pairs']} |"
        )
    lines += [
        "",
        "## How the annotation is carried over",
        "",
        "- Tokenisation: `spacy-ddi.DrugTokenizer.v1` (spaCy's English tokenizer plus splits at",
        "  `;`, `*`, `/`, `+`, brackets, hyphens and similar inside words; it ships inside the",
        "  pipeline). An entity whose corpus offsets do not fall on token boundaries is kept as",
        "  the smallest span of tokens that covers it; the scorers compare against the corpus'",
        "  own offsets, so such an entity can never be found exactly (it counts as a miss).",
        "- Discontinuous entities (e.g. `beta-` ... `blockers` in \"beta- and alpha-blockers\")",
        "  are kept as their first fragment, which is what the text says about that drug alone",
        "  and never overlaps another entity; their pairs are kept.",
        "- Overlapping entities cannot both be on `doc.ents`: the one starting first (the longer",
        "  on a tie) is kept, the other dropped with its pairs, and both are counted above.",
        "- The one Train pair marked `ddi=\"true\"` without a type is read as `INT` (an interaction",
        "  stated without further detail).",
        "",
        "## Entities not on token boundaries",
        "",
        "| split | where | corpus text | kept as |",
        "|---|---|---|---|",
    ]
    for name, r in data.items():
        for where, ent_id, text, kept in r["misaligned"]:
            where = where.split(":")[-1].split(", sentence ")[-1]
            lines.append(f"| {name} | {where} ({ent_id.split('.')[-1]}) | `{text}` | `{kept}` |")
    lines += ["", "## Overlapping entities dropped", ""]
    for name, r in data.items():
        for where, ent_id in r["overlapping_dropped"]:
            lines.append(f"- {name}: {ent_id}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    typer.run(main)
