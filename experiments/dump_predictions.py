"""Dump a pipeline's predictions on the DDI test sentences (entities, interactions with scores).

    python experiments/dump_predictions.py MODEL corpus/test.spacy OUT.json

Imports every component module of spacy-ddi under its old and its new name first, so the same
script runs with an older checkout on PYTHONPATH (whose modules the installed entry points do
not name): the check that a change of code leaves predictions as they were
(benchmarks/comparisons/predictions_unchanged_1_1.md).
"""
import importlib, json, sys, time
MODULES = ["spacy_ddi.sentences", "spacy_ddi.corpus.tokenizer", "spacy_ddi.text.sentences", "spacy_ddi.text.tokenizer",
           "spacy_ddi.encoders", "spacy_ddi.ner.drug_ner_component", "spacy_ddi.ner.crf_tagger_model",
           "spacy_ddi.relations.dstc_component", "spacy_ddi.relations.dstc_model", "spacy_ddi.relations.pair_component",
           "spacy_ddi.relations.pair_model", "spacy_ddi.linking.linker_component", "spacy_ddi.flags.sentence_flags_component",
           "spacy_ddi.flags.sentence_flags_model", "spacy_ddi.pipe", "spacy_ddi.losses", "spacy_ddi.layers", "spacy_ddi.scoring",
           "spacy_ddi.corpus.reader", "spacy_ddi.layers.sentence_spans"]
import spacy_ddi
for m in MODULES:
    try:
        importlib.import_module(m)
    except ImportError:
        pass
import spacy, torch
from spacy.tokens import DocBin
torch.set_num_threads(1)
model, test, out = sys.argv[1:4]
t0 = time.time()
nlp = spacy.load(model)
gold = list(DocBin().from_disk(test).get_docs(nlp.vocab))
rows = []
for doc in nlp.pipe([d.text for d in gold], batch_size=256):
    rows.append({"ents": [(e.start_char, e.end_char, e.label_) for e in doc.ents],
                 "ddis": [(d.subject.start_char, d.object.start_char, d.label, round(float(d.score), 7)) for d in doc._.ddis]})
json.dump({"version": spacy_ddi.__version__, "file": spacy_ddi.__file__, "rows": rows}, open(out, "w"))
print(spacy_ddi.__version__, spacy_ddi.__file__, len(rows), round(time.time() - t0, 1), "s")
