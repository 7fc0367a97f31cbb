"""Should relabel_brands leave short all-capital abbreviations ("CCNU", "HCTZ", "ACTH") as DRUG? (1.0)

    python experiments/brand_abbreviations.py training/ddi_mtmg/model-tuned training/ddi_mtmg_seed1/model-tuned \
        training/ddi_mtmg_seed2/model-tuned --output experiments/records/brand_abbreviations.json

``reads_as_brand`` calls a capitalised mention unlike the name of the drug it links to a brand.
An abbreviation in capitals is unlike its drug's name too (CCNU -> Lomustine). Counts, on the
gold DRUG and BRAND mentions of Train and dev written in capitals (at most 5 characters), which
``reads_as_brand`` calls a brand, by gold label and length; then scores dev's strict NER (by
source) for each pipeline with the shipped rule (capitals of at most MAX_ABBREVIATION
characters are never read as a brand, unless the vocabulary says so) and without it.
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
from spacy_ddi.linking import linker_component
from spacy_ddi.scoring import score_ner_strict


def gold_counts(nlp, corpus: Path) -> dict:
    vocabulary = nlp.get_pipe("drug_linker").vocabulary
    counts = Counter()
    for split in ("train", "dev"):
        for doc in DocBin().from_disk(corpus / f"{split}.spacy").get_docs(nlp.vocab):
            for ent in doc.ents:
                text = ent.text
                if ent.label_ in ("DRUG", "BRAND") and text.isupper() and len(text) <= 5:
                    link = vocabulary.link(text, "DRUG")
                    if linker_component.reads_as_brand(text, link, abbreviations_are_brands=True):
                        counts[f"{split} {doc_source(doc)} gold {ent.label_}, {len(text)} characters: {text}"] += 1
    return dict(sorted(counts.items()))


def main(models: list[str], corpus: Path = typer.Option(Path("corpus")), output: Path = typer.Option(None)):
    out = {"command": " ".join(["python", "experiments/brand_abbreviations.py"] + sys.argv[1:]), "runs": {}}
    shipped = linker_component.reads_as_brand
    for model in models:
        nlp = spacy.load(model)
        if "gold" not in out:
            out["gold"] = gold_counts(nlp, corpus)
            print(json.dumps(out["gold"], indent=1))
        gold = list(DocBin().from_disk(corpus / "dev.spacy").get_docs(nlp.vocab))
        row = {}
        for name, rule in (("abbreviations_as_brands", lambda t, link: shipped(t, link, abbreviations_are_brands=True)),
                           ("shipped", shipped)):
            linker_component.reads_as_brand = rule
            try:
                predicted = list(nlp.pipe([g.text for g in gold], batch_size=64))
            finally:
                linker_component.reads_as_brand = shipped
            scores = score_ner_strict([Example(p, g) for p, g in zip(predicted, gold)])
            row[name] = {k: round(v, 4) for k, v in scores.items() if k.startswith("ents_f")}
        out["runs"][model] = row
        print(model, json.dumps(row), flush=True)
    if output:
        output.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    typer.run(main)
