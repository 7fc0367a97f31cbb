"""Prediction-time rules suggested by the error analysis, counted on dev before any is built.

    python experiments/dev_rules.py training/ddi_mtmg/model-tuned corpus/dev.spacy

Runs the pipeline over the dev sentences and counts, against the gold annotation, what each
candidate rule would turn right and wrong (nothing is changed in the pipeline):

- ``unlinked DRUG -> DRUG_N``: a predicted DRUG entity that drug_linker links to nothing;
- ``coordination``: for a predicted interaction (X, A) where A is in a list with B ("A, B and
  C", "A or B", "A/B") and X is not, also predict (X, B) with the same label.

(The brand relabelling that these counts led to is drug_linker's ``relabel_brands``, chosen by
``spacy-ddi tune``; the pipeline here runs with whatever its config chose.)
On the 0.2.1 seeds: both rules turn more wrong than right; neither was built.
"""
import collections
import json
import re

import spacy
import typer
from spacy.tokens import DocBin

from spacy_ddi.extensions import records_of

LIST_SEPARATOR = re.compile(r"^\s*(,|and|or|,\s*and|,\s*or|/|as well as)\s*$", re.I)


def list_groups(doc):
    """Entity (start_char, end_char) -> the index of the list it belongs to (consecutive
    entities joined only by a list separator share one)."""
    ents = list(doc.ents)
    group = list(range(len(ents)))
    for i in range(len(ents) - 1):
        if LIST_SEPARATOR.match(doc.text[ents[i].end_char : ents[i + 1].start_char]):
            group[i + 1] = group[i]
    return {(e.start_char, e.end_char): g for e, g in zip(ents, group)}


def positive_pairs(doc):
    out = {}
    for r in records_of(doc):
        if r.is_positive:
            s, o = doc[r.subject_start : r.subject_end], doc[r.object_start : r.object_end]
            out[frozenset([(s.start_char, s.end_char), (o.start_char, o.end_char)])] = r.label
    return out


def coordination_counts(gold_doc, doc, counts) -> None:
    gold, predicted = positive_pairs(gold_doc), positive_pairs(doc)
    groups = list_groups(doc)
    spans = [(e.start_char, e.end_char) for e in doc.ents]
    added = {}
    for key, label in predicted.items():
        a, b = sorted(key)
        for x, y in ((a, b), (b, a)):
            if x not in groups or y not in groups or groups[x] == groups[y]:
                continue
            for z in spans:
                k = frozenset([x, z])
                if z not in (x, y) and groups[z] == groups[y] and k not in predicted and k not in added:
                    added[k] = label
    for k, label in added.items():
        counts["coordination: right"] += gold.get(k) == label
        counts["coordination: wrong"] += gold.get(k) != label


def drug_n_counts(gold_doc, doc, counts) -> None:
    gold = {(e.start_char, e.end_char): e.label_ for e in gold_doc.ents}
    for ent in doc.ents:
        if ent.label_ == "DRUG" and ent._.drug_name is None:
            truth = gold.get((ent.start_char, ent.end_char))
            counts["unlinked DRUG -> DRUG_N: right"] += truth == "DRUG_N"
            counts["unlinked DRUG -> DRUG_N: wrong (gold DRUG)"] += truth == "DRUG"
            counts["unlinked DRUG -> DRUG_N: no change (gold another type or no entity)"] += truth not in ("DRUG", "DRUG_N")


def main(model: str, dev: str):
    nlp = spacy.load(model)
    gold_docs = list(DocBin(store_user_data=True).from_disk(dev).get_docs(nlp.vocab))
    counts = collections.Counter()
    for gold_doc, doc in zip(gold_docs, nlp.pipe([d.text for d in gold_docs])):
        drug_n_counts(gold_doc, doc, counts)
        coordination_counts(gold_doc, doc, counts)
    print(json.dumps({"model": model, "dev": dev, **counts}, indent=2))


if __name__ == "__main__":
    typer.run(main)
