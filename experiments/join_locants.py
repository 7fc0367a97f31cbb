"""Does join_attached gain from taking in a chemical name's first locants ("1," of
"1,3-difluoroacetone") and its bracketed stereo descriptor ("(-)-")? (1.0)

    python experiments/join_locants.py training/ddi_mtmg/model-tuned training/ddi_mtmg_seed1/model-tuned \
        training/ddi_mtmg_seed2/model-tuned --dev corpus/dev.spacy --output experiments/records/join_locants.json

Predicts dev once per pipeline with join_attached off, then scores strict NER (by source) on
the same predictions three ways: no joining, joining without the prefix rule (the prefix
pattern patched to match nothing) and joining as shipped.
"""
import json
import re
import sys
from pathlib import Path

import spacy
import typer
from spacy.tokens import DocBin
from spacy.training import Example

from spacy_ddi.ner import drug_ner_component
from spacy_ddi.scoring import score_ner_strict

NEVER = re.compile(r"(?!)")


def scores(predicted, gold, join) -> dict:
    docs = []
    for p in predicted:
        d = p.copy()
        if join is not None:
            d.ents = join(d, list(p.ents))
        docs.append(d)
    s = score_ner_strict([Example(d, g) for d, g in zip(docs, gold)])
    return {k: round(v, 4) for k, v in s.items() if k.startswith("ents_f")}


def without_prefix(doc, spans):
    shipped = drug_ner_component.ATTACHED_PREFIX
    drug_ner_component.ATTACHED_PREFIX = NEVER
    try:
        return drug_ner_component.join_attached_spans(doc, spans)
    finally:
        drug_ner_component.ATTACHED_PREFIX = shipped


def main(models: list[str], dev: Path = typer.Option(Path("corpus/dev.spacy")), output: Path = typer.Option(None)):
    out = {"command": " ".join(["python", "experiments/join_locants.py"] + sys.argv[1:]), "runs": {}}
    for model in models:
        nlp = spacy.load(model, config={"components": {"drug_ner": {"join_attached": False}}})
        gold = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
        predicted = list(nlp.pipe([g.text for g in gold]))
        out["runs"][model] = {
            "no_join": scores(predicted, gold, None),
            "join_without_prefix": scores(predicted, gold, without_prefix),
            "join_as_shipped": scores(predicted, gold, drug_ner_component.join_attached_spans),
        }
        print(model, json.dumps(out["runs"][model]))
    if output:
        output.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    typer.run(main)
