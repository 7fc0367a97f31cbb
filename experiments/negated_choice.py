"""Keep or drop the pairs a sentence negates: strict DDI F1 of a tuned pipeline both ways.

    python experiments/negated_choice.py training/ddi_mtmg_steps900/model-tuned corpus/dev.spacy metrics/predictions/ddi_mtmg_steps900/test.spacy corpus/test.spacy experiments/records/negated_choice.json

Dev: the pipeline's predictions with ``negated = "keep"``, scored as they are and with every
interaction that spacy_ddi.assertion reads as negated taken out (what ``negated = "drop"``
reports). Test: the same on the saved test predictions (reported once, after the choice). The
choice itself is made by ``spacy-ddi tune`` on the objective; this records the F1 both ways.
"""
import json
import sys
import time
from pathlib import Path

import spacy
from spacy.tokens import DocBin
from spacy.training import Example

from spacy_ddi.extensions import install_extensions
from spacy_ddi.scoring import score_ddi_strict


def dropped(doc):
    doc._.ddis = [d for d in doc._.ddis if d.assertion != "negated"]
    return doc


def scores(pred, gold):
    keep = score_ddi_strict([Example(p, g) for p, g in zip(pred, gold)])
    n_negated = sum(1 for p in pred for d in p._.ddis if d.assertion == "negated")
    drop = score_ddi_strict([Example(dropped(p), g) for p, g in zip(pred, gold)])
    keys = ("ddi_strict_p", "ddi_strict_r", "ddi_strict_f", "ddi_strict_f_medline", "ddi_strict_f_drugbank")
    return {"negated_reported": n_negated, "keep": {k: keep.get(k) for k in keys}, "drop": {k: drop.get(k) for k in keys}}


def main(model, dev, test_pred, test, output):
    install_extensions()
    nlp = spacy.load(model, config={"components": {"dstc_relations": {"negated": "keep"}}})
    gold_dev = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
    pred_dev = list(nlp.pipe([d.text for d in gold_dev], batch_size=256))
    record = {"date": time.strftime("%Y-%m-%d"), "model": model, "dev": scores(pred_dev, gold_dev)}
    gold_test = list(DocBin().from_disk(test).get_docs(nlp.vocab))
    pred_test = list(DocBin().from_disk(test_pred).get_docs(nlp.vocab))
    record["test"] = scores(pred_test, gold_test)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:6])
