"""Dynamic int8 quantization of a trained pipeline's encoder, variant by variant, on dev.

    python experiments/int8_check.py training/ddi_mtmg/model-tuned corpus/dev.spacy fp32,all,keepfirst3,attn

Each variant applies torch's dynamic int8 quantization (torch.ao.quantization.quantize_dynamic)
to the Linear layers of part of the transformer after loading, then times nlp.pipe over the
dev sentences and scores strict NER and DDI F1 (dev only: this chooses, the test set is not
used). Variants: fp32 (none), all (every layer), keeplastK (all but the last K layers),
keepfirstK (all but the first K layers), ffn (feed-forward blocks only), attn (attention
blocks only). One line of JSON per variant.
"""
import json
import sys
import time

import spacy
import torch
from spacy.tokens import DocBin
from spacy.training import Example
from spacy_ddi.scoring import score_ddi_strict, score_ner_strict

model, dev = sys.argv[1], sys.argv[2]
variants = sys.argv[3].split(",") if len(sys.argv) > 3 else ["fp32", "all"]
torch.set_num_threads(2)
for variant in variants:
    nlp = spacy.load(model)
    gold = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
    trf = nlp.get_pipe("transformer").model
    shim = trf.layers[0].shims[0]
    hf = shim._hfmodel.transformer
    layers = hf.encoder.layer
    n = len(layers)
    def q(mod):
        return torch.ao.quantization.quantize_dynamic(mod, {torch.nn.Linear}, dtype=torch.qint8)
    if variant == "fp32":
        pass
    elif variant == "all":
        for i in range(n):
            layers[i] = q(layers[i])
    elif variant.startswith("keeplast"):  # keep last k layers fp32
        k = int(variant[8:])
        for i in range(n - k):
            layers[i] = q(layers[i])
    elif variant.startswith("keepfirst"):
        k = int(variant[9:])
        for i in range(k, n):
            layers[i] = q(layers[i])
    elif variant == "ffn":
        for l in layers:
            l.intermediate = q(l.intermediate); l.output = q(l.output)
    elif variant == "attn":
        for l in layers:
            l.attention = q(l.attention)
    texts = [d.text for d in gold]
    list(nlp.pipe(texts[:16]))
    t = time.perf_counter(); pred = list(nlp.pipe(texts)); sec = time.perf_counter() - t
    words = sum(len(d) for d in pred)
    egs = [Example(p, g) for p, g in zip(pred, gold)]
    print(json.dumps({"variant": variant, "words_per_s": round(words / sec), "ner_f": round(score_ner_strict(egs)["ents_f"], 4), "ddi_f": round(score_ddi_strict(egs)["ddi_strict_f"], 4)}), flush=True)
