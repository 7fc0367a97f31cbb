"""The default score threshold for mining (extract and aggregate --min-score), chosen on dev.

    python experiments/mining_threshold.py training/ddi_mtmg_steps900/model-tuned corpus/dev.spacy experiments/records/mining_threshold.json

Precision, recall and the interactions kept at each threshold on dev's MedLine (abstract) part
and on the whole of dev (scores are calibrated on dev, pooled over both parts). The chosen
threshold is the lowest at which dev's abstracts reach a precision of 0.70 (what a curator
mining abstracts is promised); its recall there is recorded beside it.
"""
import json
import sys
import time
from pathlib import Path

import spacy
from spacy.tokens import DocBin

from spacy_ddi.corpus.convert import doc_source
from spacy_ddi.evaluation import ddi_keys, scored_interactions
from spacy_ddi.extensions import install_extensions

THRESHOLDS = [round(0.05 * k, 2) for k in range(0, 20)]


def main(model, dev, output):
    install_extensions()
    nlp = spacy.load(model)
    gold = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
    pred = list(nlp.pipe([d.text for d in gold], batch_size=256))
    record = {"date": time.strftime("%Y-%m-%d"), "model": model, "parts": {}}
    for part in ("MedLine", "all"):
        pairs = [(p, g) for p, g in zip(pred, gold) if part == "all" or doc_source(g) == part]
        scored = [item for p, g in pairs for item in scored_interactions(p, g)]
        n_gold = sum(len(ddi_keys(g, True)) for _, g in pairs)
        rows = []
        for t in THRESHOLDS:
            kept = [right for score, right in scored if score >= t]
            tp = sum(kept)
            rows.append({"threshold": t, "kept": len(kept), "right": tp, "precision": round(tp / len(kept), 3) if kept else None,
                         "recall": round(tp / n_gold, 3) if n_gold else None})
        record["parts"][part] = {"gold": n_gold, "rows": rows}
    med = record["parts"]["MedLine"]
    ok = [r for r in med["rows"] if r["precision"] is not None and r["precision"] >= 0.70]
    record["chosen"] = ok[0]["threshold"] if ok else None
    record["chosen_row"] = ok[0] if ok else None
    Path(output).write_text(json.dumps(record, indent=2) + "\n")
    for r in med["rows"]:
        print(r)
    print("chosen:", record["chosen"])


if __name__ == "__main__":
    main(*sys.argv[1:4])
