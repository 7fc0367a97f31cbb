"""Write docs/benchmarks.md from benchmarks/*.json (evaluation + training records).

    python scripts/benchmark_report.py benchmarks docs/benchmarks.md

Every figure comes from a JSON file written by scripts/evaluate.py or scripts/train.sh; the
published reference figures are quoted from the papers and labelled as such.
"""
import json
from pathlib import Path

import typer

TYPES_NER = ("DRUG", "BRAND", "GROUP", "DRUG_N")
TYPES_DDI = ("MECHANISM", "EFFECT", "ADVISE", "INT")


def prf(d, prefix=""):
    return f"{d[prefix + 'p']:.3f} | {d[prefix + 'r']:.3f} | {d[prefix + 'f']:.3f}"


def main(folder: Path, output: Path, names: str = "ddi_mtmg,baseline_ner"):
    runs = {}
    for name in names.split(","):
        path = folder / f"{name}.json"
        if path.exists():
            runs[name] = {
                "eval": json.loads(path.read_text()),
                "train": json.loads((folder / f"{name}.training.json").read_text())
                if (folder / f"{name}.training.json").exists()
                else None,
            }
    out = ["# Benchmarks", ""]
    out += [
        "Measured on this project's 2-core CPU machine (no GPU). Models are selected on dev",
        "(10% of Train documents); each test set is used once, after training.",
        "",
        "| run | config | trained | training wall time | evaluation date | nlp.pipe speed (DDI test) |",
        "|---|---|---|---|---|---|",
    ]
    for name, run in runs.items():
        t = run["train"]
        e = run["eval"]
        wall = f"{t['seconds'] / 60:.1f} min" if t else "not recorded"
        out.append(
            f"| {name} | `{t['config'] if t else '?'}` | {t['start'][:10] if t else '?'} | {wall} | "
            f"{e['date']} | {e['speed']['words_per_second']:.0f} words/s"
            f"{' (' + e['speed']['conditions'] + ')' if e['speed'].get('conditions') else ''} |"
        )
    out += ["", "Commands:", ""]
    for name, run in runs.items():
        if run["train"]:
            out.append(f"    {run['train']['command']}")
        out.append(f"    python scripts/evaluate.py {run['eval']['model']} corpus benchmarks/{name}.json")
    out.append("    python scripts/benchmark_report.py benchmarks docs/benchmarks.md")
    out += [
        "",
        "## Strict NER (exact span and type; micro P / R / F1)",
        "",
        "| run | test set | P | R | F1 | " + " | ".join(f"{t} F1" for t in TYPES_NER) + " |",
        "|---|---|---|---|---|" + "---|" * len(TYPES_NER),
    ]
    for name, run in runs.items():
        for key, label in (("ner_ddi_test", "DDI test"), ("ner_drugner_test", "DrugNER test")):
            s = run["eval"]["strict"][key]
            per = " | ".join(f"{s['ner_strict_per_type'].get(t, {'f': 0})['f']:.3f}" for t in TYPES_NER)
            out.append(f"| {name} | {label} | {prf(s, 'ner_strict_')} | {per} |")
    ddi_tables = (
        ("Strict DDI end to end (both spans exact, unordered pair, type exact; all 1,299 DDI test sentences)",
         lambda e: e["strict"].get("ddi")),
        ("DDI with gold entities given (doc.ents set from the annotation; all DDI test sentences)",
         lambda e: e.get("gold_entities", {}).get("ddi")),
    )
    for heading, scores_of in ddi_tables:
        out += [
            "",
            f"## {heading}",
            "",
            "| run | P | R | F1 | " + " | ".join(f"{t} F1" for t in TYPES_DDI) + " |",
            "|---|---|---|---|" + "---|" * len(TYPES_DDI),
        ]
        for name, run in runs.items():
            s = scores_of(run["eval"])
            if s:
                per = " | ".join(f"{s['ddi_strict_per_type'][t]['f']:.3f}" for t in TYPES_DDI)
                out.append(f"| {name} | {prf(s, 'ddi_strict_')} | {per} |")
    out += [
        "",
        "## The paper's lenient protocol (not comparable with the strict tables above)",
        "",
        "NER scored per token (a token counts when gold and predicted entity types agree; O tokens",
        "excluded), DDI scored at gold entity positions on the DDI test sentences with at least two",
        "gold drugs. This is how MTMG's public code scores; MTMG reports NER 0.925 / DDI 0.777 with",
        "BioBERT on a GPU, epochs picked on the test set.",
        "",
        "| run | NER token-level P / R / F1 | DDI at gold positions P / R / F1 | sentences kept |",
        "|---|---|---|---|",
    ]
    for name, run in runs.items():
        s = run["eval"]["paper_lenient"]
        ner = s["ner_token_level"]
        ddi = s.get("ddi_gold_positions_2plus_drugs")
        ddi_text = f"{ddi['ddi_strict_p']:.3f} / {ddi['ddi_strict_r']:.3f} / {ddi['ddi_strict_f']:.3f}" if ddi else "-"
        out.append(
            f"| {name} | {ner['p']:.3f} / {ner['r']:.3f} / {ner['f']:.3f} | {ddi_text} | {s.get('sentences_kept', '-')} |"
        )
    out += [
        "",
        "## Published reference figures (quoted, not measured here)",
        "",
        "- MTMG (Deng et al.), BioBERT, lenient protocol: NER F1 0.925, DDI F1 0.777, overall 0.851.",
        "- Luo et al. 2020 (JointBioER): 0.922 / 0.751; their published predictions rescored",
        "  strictly give about 0.892 / 0.658.",
        "- Fine-tuned PubMedBERT with gold entities: DDI F1 0.824.",
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    typer.run(main)
