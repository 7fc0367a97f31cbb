"""Sort every interaction error on the MedLine (abstract) part of a gold set into kinds.

    python scripts/error_atlas.py training/ddi_mtmg/model-tuned corpus/dev.spacy benchmarks/comparisons/error_atlas_ddi_mtmg.json \
        --markdown benchmarks/comparisons/error_atlas_ddi_mtmg.md [--source MedLine] [--setting drug_ner.join_attached=false]

Runs the pipeline end to end over the gold sentences of ``--source`` (MedLine, DrugBank or all)
and sorts each false positive (a reported pair that is no gold interaction, or a gold pair
reported with another type) and each false negative (a gold interaction not reported with its
type) into the first kind that fits, in this order:

- ``entity``: a drug of the pair is not a gold entity (false positive) or was not found with
  its exact span (false negative): an NER error, not a relation error;
- ``type``: the pair is right, its type is not (counted once, as a false positive);
- ``negation_speculation``: the sentence negates or hedges (no, not, neither, without, may,
  might, could, whether, potential, ...);
- ``class_member``: one drug is a class (GROUP) that the sentence gives the other as a member
  of ("such as", "like", "including", "e.g.", "other"), or names both;
- ``comparison_coordination``: only a coordination or comparison lies between the two drugs
  ("and", "or", ",", "than", "versus", "vs", "compared with", "/");
- ``cotherapy``: the words between them name a combined treatment ("plus", "combination",
  "combined", "regimen", "+", "together with", "followed by");
- ``other``.

The kinds are decided by these rules on the text, not by hand, so they sort errors for reading
rather than measure them exactly; each kind keeps up to ``--examples`` examples. Writes JSON (and
Markdown with ``--markdown``): counts per kind and direction, precision and recall, examples.
"""
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import List

import spacy
import typer
from spacy.tokens import DocBin

from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY, doc_source
from spacy_ddi.evaluation import entity_keys, interaction_diff

KINDS = ("entity", "type", "negation_speculation", "class_member", "comparison_coordination", "cotherapy", "other")
NEGATION = re.compile(
    r"\b(no|not|neither|nor|without|none|lack(ed|s)?|fail(ed|s)?|absence|unaffected|did not|does not|"
    r"may|might|could|whether|potential(ly)?|possib(le|ly)|suggest(s|ed)?|unclear|unknown)\b", re.I
)
MEMBER = re.compile(r"\b(such as|like|including|include|e\.g\.|other|especially|particularly)\b", re.I)
COORDINATION = re.compile(r"^\s*(,|and|or|and/or|than|versus|vs\.?|compared (with|to)|/|;|\(|\))*\s*$", re.I)
COTHERAPY = re.compile(r"(\bplus\b|combination|combined|\bregimens?\b|\+|together with|followed by|co-?therapy|adjunct)", re.I)


def classify(kind_hint: str, text: str, a, b, labels) -> str:
    """The kind of one error: ``a`` and ``b`` the pair's character spans in the sentence."""
    first, second = sorted([a, b])
    between = text[first[1]:second[0]]
    if NEGATION.search(text):
        return "negation_speculation"
    if "GROUP" in labels and (MEMBER.search(text[max(0, first[0] - 40):second[1] + 10])):
        return "class_member"
    if COORDINATION.match(between):
        return "comparison_coordination"
    if COTHERAPY.search(between):
        return "cotherapy"
    return "other"


def main(
    model: Path = typer.Argument(..., help="Trained pipeline"),
    gold_path: Path = typer.Argument(..., help="Gold DocBin (corpus/dev.spacy)"),
    output: Path = typer.Argument(..., help="JSON file to write"),
    markdown: Path = typer.Option(None, help="Also write a Markdown table with examples here"),
    source: str = typer.Option("MedLine", help="Corpus part: MedLine, DrugBank or all"),
    examples: int = typer.Option(5, help="Examples kept per kind and direction"),
    setting: List[str] = typer.Option([], help="A load-time setting COMPONENT.KEY=JSON, e.g. drug_ner.join_attached=false (repeatable)"),
):
    if source not in ("MedLine", "DrugBank", "all"):
        raise typer.BadParameter(f"--source must be MedLine, DrugBank or all, not {source!r}")
    overrides = {}
    for item in setting:
        key, _, value = item.partition("=")
        component, _, name = key.partition(".")
        if not (component and name and value):
            raise typer.BadParameter(f"--setting {item!r}: expected COMPONENT.KEY=JSON")
        overrides.setdefault(component, {})[name] = json.loads(value)
    nlp = spacy.load(model, config={"components": overrides} if overrides else {})
    gold = [d for d in DocBin().from_disk(gold_path).get_docs(nlp.vocab) if source == "all" or doc_source(d) == source]
    if not gold:
        typer.echo(f"Error: {gold_path} has no {source} sentences", err=True)
        raise typer.Exit(1)
    predicted = list(nlp.pipe([d.text for d in gold]))
    counts = {"fp": Counter(), "fn": Counter()}
    kept = defaultdict(list)
    tp = 0
    for g, p in zip(gold, predicted):
        gold_ents = {(s, e): label for s, e, label in entity_keys(g, True)}
        pred_ents = {(s, e): label for s, e, label in entity_keys(p, False)}
        diff = interaction_diff(g, p)
        tp += len(diff.correct)
        errors = [("fn", pair, label, None) for pair, label in diff.missed]
        errors += [("fp", pair, label, None) for pair, label in diff.spurious]
        errors += [("fp", pair, predicted_label, gold_label) for pair, gold_label, predicted_label in diff.retyped]
        for direction, pair, label, gold_label in errors:
            a, b = sorted(pair) if len(pair) == 2 else (sorted(pair) * 2)[:2]
            labels = {gold_ents.get(a), gold_ents.get(b), pred_ents.get(a), pred_ents.get(b)}
            if direction == "fp" and (a not in gold_ents or b not in gold_ents):
                kind = "entity"
            elif direction == "fn" and (a not in pred_ents or b not in pred_ents):
                kind = "entity"
            elif gold_label is not None:
                kind = "type"
            else:
                kind = classify(direction, g.text, a, b, labels)
            counts[direction][kind] += 1
            if len(kept[(direction, kind)]) < examples:
                kept[(direction, kind)].append({
                    "document": g.user_data.get(DOCUMENT_ID_KEY), "drugs": [g.text[a[0]:a[1]], g.text[b[0]:b[1]]],
                    "label": label, **({"gold_label": gold_label} if gold_label else {}), "sentence": g.text,
                })
    n_fp, n_fn = sum(counts["fp"].values()), sum(counts["fn"].values())
    record = {
        "model": str(model), "settings": overrides, "gold": str(gold_path), "source": source, "sentences": len(gold),
        "date": time.strftime("%Y-%m-%d"), "command": " ".join(["python", "scripts/error_atlas.py"] + sys.argv[1:]),
        "true_positives": tp, "false_positives": n_fp, "false_negatives": n_fn,
        # a retyped pair counts once above (as a false positive of kind "type") but misses a gold
        # interaction too: recall is over all gold interactions, as the strict scorer's
        "precision": tp / (tp + n_fp) if tp + n_fp else 0.0,
        "recall": tp / (tp + n_fn + counts["fp"]["type"]) if tp + n_fn + counts["fp"]["type"] else 0.0,
        "kinds": {kind: {"fp": counts["fp"][kind], "fn": counts["fn"][kind]} for kind in KINDS},
        "examples": {f"{d}_{k}": v for (d, k), v in kept.items()},
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2, ensure_ascii=False))
    typer.echo(f"{source} part of {gold_path}: {tp} right, {n_fp} false positives, {n_fn} false negatives")
    for kind in KINDS:
        typer.echo(f"  {kind:25} FP {counts['fp'][kind]:4}  FN {counts['fn'][kind]:4}")
    if markdown is not None:
        lines = [
            f"# Interaction errors on the {source} part of `{gold_path}`", "",
            f"`{record['command']}` ({record['date']}): {tp} right, {n_fp} false positives, {n_fn} false "
            f"negatives (precision {record['precision']:.3f}, recall {record['recall']:.3f}).", "",
            "| kind | false positives | false negatives |", "|---|---|---|",
        ]
        lines += [f"| {k} | {counts['fp'][k]} | {counts['fn'][k]} |" for k in KINDS]
        for (direction, kind), items in sorted(kept.items()):
            lines += ["", f"## {kind}, {'false positives' if direction == 'fp' else 'false negatives'}", ""]
            for item in items:
                extra = f" (gold {item['gold_label']})" if "gold_label" in item else ""
                lines.append(f"- {item['drugs'][0]} / {item['drugs'][1]}, {item['label']}{extra}: \"{item['sentence']}\"")
        markdown.write_text("\n".join(lines) + "\n")
        typer.echo(f"wrote {markdown}")


if __name__ == "__main__":
    typer.run(main)
