"""Compare two settings over seeds with a paired bootstrap over documents, by corpus part.

    python scripts/compare_runs.py corpus/test.spacy benchmarks/comparisons/compare_medline3.json \
        --a metrics/predictions/ddi_mtmg/test.spacy,metrics/predictions/ddi_mtmg_seed1/test.spacy \
        --b metrics/predictions/ddi_mtmg_split30/test.spacy
    python scripts/compare_runs.py corpus/dev.spacy benchmarks/comparisons/compare_dev.json \
        --a training/ddi_mtmg/model-tuned --b training/ddi_mtmg_split30/model-tuned

Each side is a comma-separated list of runs (one per seed): a ``.spacy`` file of predictions
on GOLD's sentences in corpus order (``scripts/evaluate.py --predictions`` keeps them), or a
trained pipeline, which then predicts GOLD end to end and with the gold entities given. For
the whole set, the DrugBank part and the MedLine part, and for NER, DDI end to end and (where
each run has them) DDI with gold entities, it writes each side's F1 (the mean over its runs),
its 95% bootstrap interval, and the paired difference a - b with its interval: the documents
are resampled, the same draw for both sides, so the interval holds the test set's own noise,
which averaging seeds does not shrink.
"""
import json
import sys
import time
from pathlib import Path
from typing import Dict

import spacy
import typer
from spacy.tokens import DocBin

from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY, SOURCES
from spacy_ddi.evaluation import ddi_keys, entity_keys, paired_bootstrap, part_document_counts, with_gold_entities

MEASURES = {"ner": entity_keys, "ddi": ddi_keys, "ddi_gold_entities": ddi_keys}


def load_run(item: str, nlp, gold) -> Dict[str, list]:
    """{measure: predicted docs} of one run, read from a DocBin or predicted by a pipeline."""
    path = Path(item)
    if not path.exists():
        raise typer.BadParameter(f"{item}: no such file or pipeline folder")
    if path.suffix == ".spacy":
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
        run = {"ner": docs, "ddi": docs}
        gold_entities = path.with_name(path.stem + "_gold_entities.spacy")
        if gold_entities.exists():
            run["ddi_gold_entities"] = list(DocBin().from_disk(gold_entities).get_docs(nlp.vocab))
    else:
        pipeline = spacy.load(path)
        docs = list(pipeline.pipe([d.text for d in gold]))
        run = {"ner": docs, "ddi": docs, "ddi_gold_entities": with_gold_entities(pipeline, gold)}
    for measure, docs in run.items():
        if len(docs) != len(gold) or any(p.text != g.text for p, g in zip(docs, gold)):
            raise typer.BadParameter(f"{item} ({measure}): its sentences are not the gold file's, in order")
    return run


def main(
    gold_path: Path = typer.Argument(..., help="Gold DocBin (corpus/test.spacy, corpus/dev.spacy)"),
    output: Path = typer.Argument(..., help="JSON file to write"),
    a: str = typer.Option(..., help="Runs of setting a, comma-separated (prediction .spacy files or pipelines)"),
    b: str = typer.Option(..., help="Runs of setting b, comma-separated"),
    resamples: int = typer.Option(2000, help="Bootstrap resamples"),
    seed: int = typer.Option(0, help="Seed of the bootstrap draws"),
):
    nlp = spacy.blank("en")
    gold = list(DocBin().from_disk(gold_path).get_docs(nlp.vocab))
    if not all(g.user_data.get(DOCUMENT_ID_KEY) for g in gold):
        typer.echo(f"Error: {gold_path} has sentences without a document id; convert it with `spacy-ddi convert`", err=True)
        raise typer.Exit(1)
    runs = {side: [load_run(item, nlp, gold) for item in items.split(",") if item] for side, items in (("a", a), ("b", b))}
    for side, side_runs in runs.items():
        if not side_runs:
            raise typer.BadParameter(f"--{side} names no run")
    out = {
        "gold": str(gold_path), "a": a.split(","), "b": b.split(","), "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(["python", "scripts/compare_runs.py"] + sys.argv[1:]), "scores": {},
    }
    for measure, keys in MEASURES.items():
        if not all(measure in run for side in runs.values() for run in side):
            continue
        for source in ("all",) + SOURCES:
            side_counts = {
                side: [part_document_counts(run[measure], gold, keys, None if source == "all" else source) for run in side_runs]
                for side, side_runs in runs.items()
            }
            if not side_counts["a"][0]:
                continue
            result = paired_bootstrap(side_counts["a"], side_counts["b"], n_resamples=resamples, seed=seed)
            out["scores"].setdefault(measure, {})[source] = result
            typer.echo(
                f"{measure:18} {source:8} a {result['f1_a']:.3f} [{result['a_low']:.3f}, {result['a_high']:.3f}]  "
                f"b {result['f1_b']:.3f} [{result['b_low']:.3f}, {result['b_high']:.3f}]  "
                f"a-b {result['diff']:+.3f} [{result['diff_low']:+.3f}, {result['diff_high']:+.3f}]  "
                f"({result['documents']} documents; a ahead in {100 * result['share_a_better']:.0f}% of resamples)"
            )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(out, indent=2))
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    typer.run(main)
