"""Score a majority vote of several runs' saved test predictions: the ceiling a seed ensemble
distilled into one model could reach.

    python experiments/vote.py ddi_mtmg,ddi_mtmg_seed1,ddi_mtmg_seed2 [--output experiments/records/vote_ddi_mtmg.json]

Reads ``metrics/predictions/RUN/{test,test_ner,test_gold_entities}.spacy`` (written by
``scripts/evaluate.py --predictions``) and the gold ``corpus/test.spacy`` and
``corpus/test_ner.spacy``. An entity is kept when more than half of the runs predict it (same
character offsets and type); an interaction (unordered pair of character spans) when more than
half of the runs predict it as positive, with the type most of them gave (ties: the first
run's). Scored with the strict protocol of ``scripts/evaluate.py`` (``spacy_ddi.evaluation``),
beside each run's own scores and their mean.
"""
import json
import statistics
import time
from collections import Counter
from pathlib import Path

import typer


def main(
    runs: str = typer.Argument(..., help="Comma-separated run names with saved predictions"),
    corpus: Path = typer.Option(Path("corpus"), help="Folder with the gold test.spacy and test_ner.spacy"),
    predictions: Path = typer.Option(Path("metrics/predictions"), help="Folder of the runs' predictions"),
    output: Path = typer.Option(None, help="JSON file to write"),
):
    import spacy
    from spacy.tokens import DocBin

    from spacy_ddi.evaluation import ENTITY_LABELS, POSITIVE_LABELS, entity_keys, micro_and_per_type, pair_labels

    names = [r for r in runs.split(",") if r]
    if len(names) < 2:
        raise typer.BadParameter("give at least two runs")
    nlp = spacy.blank("en")

    def load(path: Path):
        if not path.exists():
            raise typer.BadParameter(f"{path} does not exist: run scripts/evaluate.py --predictions first")
        return list(DocBin().from_disk(path).get_docs(nlp.vocab))

    need = len(names) // 2 + 1
    out = {"runs": names, "date": time.strftime("%Y-%m-%d"), "votes_needed": need,
           "command": f"python experiments/vote.py {runs}" + (f" --output {output}" if output else "")}

    def ner(gold_file: str, pred_file: str):
        gold = load(corpus / gold_file)
        preds = [load(predictions / name / pred_file) for name in names]
        for name, docs in zip(names, preds):
            if len(docs) != len(gold):
                raise typer.BadParameter(f"{name}/{pred_file}: {len(docs)} docs, gold has {len(gold)}")
        gold_keys = [entity_keys(g, gold=True) for g in gold]
        per_run = {name: micro_and_per_type(zip([entity_keys(p, False) for p in docs], gold_keys), "ents", ENTITY_LABELS)["ents_f"]
                   for name, docs in zip(names, preds)}
        voted = []
        for k in range(len(gold)):
            counts = Counter(key for docs in preds for key in entity_keys(docs[k], False))
            voted.append({key for key, n in counts.items() if n >= need})
        scores = micro_and_per_type(zip(voted, gold_keys), "ents", ENTITY_LABELS)
        return {"runs": per_run, "mean": statistics.mean(per_run.values()), "vote": scores["ents_f"],
                "vote_scores": scores}

    def ddi(pred_file: str):
        gold = load(corpus / "test.spacy")
        preds = [load(predictions / name / pred_file) for name in names]
        gold_keys = [set(pair_labels(g, True).items()) for g in gold]
        per_run = {name: micro_and_per_type(zip([set(pair_labels(p, False).items()) for p in docs], gold_keys),
                                            "ddi_strict", POSITIVE_LABELS)["ddi_strict_f"]
                   for name, docs in zip(names, preds)}
        voted = []
        for k in range(len(gold)):
            labels = {}
            for docs in preds:
                for pair, label in pair_labels(docs[k], False).items():
                    labels.setdefault(pair, []).append(label)
            keys = set()
            for pair, given in labels.items():
                if len(given) >= need:
                    keys.add((pair, Counter(given).most_common(1)[0][0]))
            voted.append(keys)
        scores = micro_and_per_type(zip(voted, gold_keys), "ddi_strict", POSITIVE_LABELS)
        return {"runs": per_run, "mean": statistics.mean(per_run.values()), "vote": scores["ddi_strict_f"],
                "vote_scores": scores}

    out["ner_ddi_test"] = ner("test.spacy", "test.spacy")
    out["ner_drugner_test"] = ner("test_ner.spacy", "test_ner.spacy")
    out["ddi"] = ddi("test.spacy")
    out["ddi_gold_entities"] = ddi("test_gold_entities.spacy")
    for key in ("ner_ddi_test", "ner_drugner_test", "ddi", "ddi_gold_entities"):
        s = out[key]
        runs_text = ", ".join(f"{v:.3f}" for v in s["runs"].values())
        typer.echo(f"{key}: runs {runs_text}; mean {s['mean']:.3f}; vote {s['vote']:.3f} ({s['vote'] - s['mean']:+.3f})")
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(out, indent=2))
        typer.echo(f"wrote {output}")


if __name__ == "__main__":
    typer.run(main)
