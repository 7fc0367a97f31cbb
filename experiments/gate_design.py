"""Design of the candidate-sentence gate (spacy_ddi.extract.gate) on DDI 2013 Train and dev.

    python experiments/gate_design.py corpus/train.spacy corpus/dev.spacy experiments/records/gate_design.json

For each setting of the gate, over the gold sentences of Train and of dev, by source: the share
of sentences the gate skips, and the gold interactions (and gold mentions) in skipped sentences.
Abbreviations are those defined in each sentence's whole document (its sentences joined). The
test set is not read here; it is reported once, for the chosen setting, by
scripts/gate_report.py.
"""
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from spacy.tokens import DocBin

from spacy_ddi.corpus.convert import DOCUMENT_ID_KEY, doc_source
from spacy_ddi.evaluation import ddi_keys
from spacy_ddi.extensions import install_extensions
from spacy_ddi.extract.gate import CandidateGate
from spacy_ddi.linking.vocabulary import DrugVocabulary
from spacy_ddi.text import create_drug_tokenizer

SETTINGS = {
    "names only": dict(stems=False, codes=False, capitals=False),
    "names + stems": dict(stems=True, codes=False, capitals=False),
    "names + stems + codes": dict(stems=True, codes=True, capitals=False),
    "names + stems + codes + capitals (default)": dict(stems=True, codes=True, capitals=True),
    "one mention is enough": dict(stems=True, codes=True, capitals=True, min_mentions=1),
}


def measure(docs, gate, tokenizer_nlp):
    by_doc = defaultdict(list)
    for doc in docs:
        by_doc[doc.user_data.get(DOCUMENT_ID_KEY)].append(doc)
    out = defaultdict(lambda: {"sentences": 0, "skipped": 0, "gold_interactions": 0, "lost_interactions": 0,
                               "gold_mentions": 0, "mentions_in_skipped": 0})
    for doc_id, sentences in by_doc.items():
        document = tokenizer_nlp.make_doc(" ".join(s.text for s in sentences))
        defined = gate.defined_abbreviations(document) if any(s.text for s in sentences) else set()
        for sent in sentences:
            source = doc_source(sent) or "all"
            row = out[source]
            keep = gate.passes(sent[:], defined)
            gold = len(ddi_keys(sent, True))
            row["sentences"] += 1
            row["gold_interactions"] += gold
            row["gold_mentions"] += len(sent.ents)
            if not keep:
                row["skipped"] += 1
                row["lost_interactions"] += gold
                row["mentions_in_skipped"] += len(sent.ents)
    total = {k: sum(r[k] for r in out.values()) for k in next(iter(out.values()))}
    result = {**out, "all": total}
    for row in result.values():
        row["share_skipped"] = round(row["skipped"] / row["sentences"], 4) if row["sentences"] else 0.0
        row["share_interactions_lost"] = round(row["lost_interactions"] / row["gold_interactions"], 4) if row["gold_interactions"] else 0.0
    return result


def main(train: Path, dev: Path, output: Path) -> int:
    install_extensions()
    import spacy

    nlp = spacy.blank("en")
    nlp.tokenizer = create_drug_tokenizer(nlp)
    vocabulary = DrugVocabulary.from_package()
    record = {"date": time.strftime("%Y-%m-%d"), "command": "python experiments/gate_design.py " + " ".join(sys.argv[1:]), "settings": {}}
    for name, options in SETTINGS.items():
        gate = CandidateGate.from_vocabulary(vocabulary, **options)
        record["settings"][name] = {}
        for split, path in (("train", train), ("dev", dev)):
            docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
            t0 = time.perf_counter()
            record["settings"][name][split] = measure(docs, gate, nlp)
            record["settings"][name][split]["seconds"] = round(time.perf_counter() - t0, 2)
        r = record["settings"][name]
        print(f"{name}: " + "; ".join(
            f"{split} {part}: skipped {r[split][part]['share_skipped']:.3f}, lost {r[split][part]['lost_interactions']}/{r[split][part]['gold_interactions']}"
            for split in ("train", "dev") for part in ("DrugBank", "MedLine") if part in r[split]))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(*map(Path, sys.argv[1:4])))
