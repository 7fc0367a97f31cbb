"""Should drug_linker leave out entities that are not drugs (drop_non_drugs) and read a DRUG
mention the vocabulary knows nothing of as DRUG_N (unlinked_drug_n)? (1.0)

    python experiments/nondrug_rules.py training/ddi_mtmg/model-tuned training/ddi_mtmg_seed1/model-tuned \
        training/ddi_mtmg_seed2/model-tuned --dev corpus/dev.spacy --output experiments/records/nondrug_rules.json

Runs each pipeline over dev four times (each setting off and on; the linker runs before the
relation head, so a dropped entity changes the pairs read) and scores strict NER, strict DDI and
DRUG_N's F1, by source. Also counts, per setting, the entities it changes that were right
before (turned wrong) and wrong before (turned right or left out), on dev's MedLine part.
"""
import json
import sys
from collections import Counter
from pathlib import Path

import spacy
import typer
from spacy.tokens import DocBin
from spacy.training import Example

from spacy_ddi.corpus import doc_source
from spacy_ddi.scoring import score_ddi_strict, score_ner_strict

SETTINGS = [
    {"drop_non_drugs": False, "unlinked_drug_n": False},
    {"drop_non_drugs": True, "unlinked_drug_n": False},
    {"drop_non_drugs": False, "unlinked_drug_n": True},
    {"drop_non_drugs": True, "unlinked_drug_n": True},
]


def drug_n_f(examples) -> dict:
    out = {}
    for part in ("all", "MedLine"):
        tp = fp = fn = 0
        for eg in examples:
            if part != "all" and doc_source(eg.reference) != part:
                continue
            pred = {(e.start_char, e.end_char) for e in eg.predicted.ents if e.label_ == "DRUG_N"}
            gold = {(e.start_char, e.end_char) for e in eg.reference.ents if e.label_ == "DRUG_N"}
            tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
        out[part] = round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0
    return out


def changes(before, after, gold) -> Counter:
    """On MedLine docs: entities whose label or presence differs, by right before / after."""
    counts = Counter()
    for b, a, g in zip(before, after, gold):
        if doc_source(g) != "MedLine":
            continue
        truth = {(e.start_char, e.end_char): e.label_ for e in g.ents}
        now = {(e.start_char, e.end_char): e.label_ for e in a.ents}
        for e in b.ents:
            key = (e.start_char, e.end_char)
            if now.get(key) == e.label_:
                continue
            was = truth.get(key) == e.label_
            is_ = now.get(key) is not None and truth.get(key) == now[key]
            counts[("right" if was else "wrong") + "->" + ("right" if is_ else ("dropped" if key not in now else "wrong"))] += 1
    return counts


def main(models: list[str], dev: Path = typer.Option(Path("corpus/dev.spacy")), output: Path = typer.Option(None)):
    out = {"command": " ".join(["python", "experiments/nondrug_rules.py"] + sys.argv[1:]), "runs": {}}
    for model in models:
        runs = out["runs"][model] = []
        base = None
        for setting in SETTINGS:
            nlp = spacy.load(model, config={"components": {"drug_linker": setting}})
            gold = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
            predicted = list(nlp.pipe([g.text for g in gold], batch_size=64))
            examples = [Example(p, g) for p, g in zip(predicted, gold)]
            ner, ddi = score_ner_strict(examples), score_ddi_strict(examples)
            row = {
                **setting,
                "ner_f": round(ner["ents_f"], 4), "ner_f_medline": round(ner["ents_f_medline"], 4),
                "ner_f_drugbank": round(ner["ents_f_drugbank"], 4),
                "ddi_f": round(ddi["ddi_strict_f"], 4), "ddi_f_medline": round(ddi["ddi_strict_f_medline"], 4),
                "ddi_f_drugbank": round(ddi["ddi_strict_f_drugbank"], 4),
                "drug_n_f": drug_n_f(examples),
            }
            if base is None:
                base = predicted
            else:
                row["medline_changes"] = dict(changes(base, predicted, gold))
            runs.append(row)
            print(model, json.dumps(row), flush=True)
    if output:
        output.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    typer.run(main)
