"""Quick A/B of DSTC scorer designs on frozen encoder features (a proxy, not a benchmark).

Token vectors of train and dev come once from a trained pipeline's encoder (frozen); then
each variant of the DSTC torch module is trained for a few epochs on them with gold
entities, and scored on dev with gold entities (strict pairs, micro over the positive types).
This ranks head designs in minutes instead of a 50-minute joint training each; absolute
figures are below those of joint training, where the encoder is fine-tuned too.

    python scripts/head_proxy.py training/ddi_mtmg/model-best corpus benchmarks/head_proxy.json
"""
import json
import sys
import time
from pathlib import Path

import numpy
import spacy
import torch
import typer
from spacy.tokens import DocBin
from spacy.training import Example

from spacy_ddi.extensions import POSITIVE_LABELS
from spacy_ddi.gold import gold_drugs_and_pairs
from spacy_ddi.relations.dstc_component import TOKEN_LABELS
from spacy_ddi.relations.extraction import extract_pairs
from spacy_ddi.relations.pytorch_dstc import TorchDSTC

VARIANTS = {
    "paper": {},
    "relpos": {"relative_positions": 16},
    "context": {"context_pooling": True},
    "relpos+context": {"relative_positions": 16, "context_pooling": True},
}


def features(nlp, docs, batch_size=64):
    nlp.replace_listeners("transformer", "dstc_relations", ["model.tok2vec"])
    tok2vec = nlp.get_pipe("dstc_relations").model.get_ref("tok2vec")
    out = []
    for i in range(0, len(docs), batch_size):
        out.extend(numpy.asarray(a) for a in tok2vec.predict(docs[i : i + batch_size]))
        print(f"  features {min(i + batch_size, len(docs))}/{len(docs)}", end="\r", file=sys.stderr)
    print(file=sys.stderr)
    return out


def rows_and_targets(docs):
    """Per doc: gold drugs, and the (drug, token labels) targets as in DSTCRelations."""
    index = {label: i for i, label in enumerate(TOKEN_LABELS)}
    data = []
    for doc in docs:
        drugs, pairs = gold_drugs_and_pairs(Example(doc, doc))
        targets = numpy.zeros((len(drugs), len(doc)), dtype="int64")
        for r, drug in enumerate(drugs):
            for other in drugs:
                if other != drug:
                    targets[r, other[0] : other[1]] = index[pairs.get(frozenset((drug, other)), "FALSE")]
        data.append((drugs, pairs, targets))
    return data


def batch(vectors, data, idx):
    idx = [i for i in idx if data[i][0]]
    width = max(len(vectors[i]) for i in idx)
    X = torch.zeros(len(idx), width, vectors[idx[0]].shape[1])
    seg, start, end, targets = [], [], [], []
    for s, i in enumerate(idx):
        X[s, : len(vectors[i])] = torch.from_numpy(vectors[i])
        for r, (d_start, d_end) in enumerate(data[i][0]):
            seg.append(s), start.append(d_start), end.append(d_end)
            t = numpy.full((width,), -1, dtype="int64")
            t[: len(vectors[i])] = data[i][2][r]
            targets.append(t)
    return X, torch.tensor(seg), torch.tensor(start), torch.tensor(end), torch.from_numpy(numpy.stack(targets))


def evaluate(module, vectors, data, log_prior, prior_weights):
    module.eval()
    counts = {w: [0, 0, 0] for w in prior_weights}
    with torch.no_grad():
        for i in range(len(data)):
            drugs, pairs, _ = data[i]
            gold = {(frozenset(k), v) for k, v in pairs.items() if v in POSITIVE_LABELS}
            if len(drugs) < 2:
                for w in prior_weights:
                    counts[w][2] += len(gold)
                continue
            X, seg, start, end, _ = batch(vectors, data, [i])
            logits = module(X, seg, start, end)
            for w in prior_weights:
                probs = torch.softmax(logits + w * log_prior, -1).numpy()
                pred = {
                    (frozenset((drugs[s], drugs[o])), label)
                    for s, o, label, _ in extract_pairs(drugs, probs, TOKEN_LABELS)
                    if label in POSITIVE_LABELS
                }
                c = counts[w]
                c[0] += len(pred & gold); c[1] += len(pred); c[2] += len(gold)
    module.train()
    out = {}
    for w, (tp, n_pred, n_gold) in counts.items():
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        out[str(w)] = {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0}
    return out


def main(model: Path, corpus: Path, output: Path, epochs: int = 4, batch_size: int = 32,
         variants: str = ",".join(VARIANTS), non_entity_weight: float = 1.0, seed: int = 0):
    nlp = spacy.load(model)
    docs = {}
    for split in ("train", "dev"):
        docs[split] = list(DocBin().from_disk(corpus / f"{split}.spacy").get_docs(nlp.vocab))
    t0 = time.time()
    vectors = {split: features(nlp, d) for split, d in docs.items()}
    print(f"features: {time.time() - t0:.0f} s", file=sys.stderr)
    data = {split: rows_and_targets(d) for split, d in docs.items()}
    counts = numpy.zeros(len(TOKEN_LABELS))
    for _, _, t in data["train"]:
        counts += numpy.bincount(t.reshape(-1), minlength=len(TOKEN_LABELS))
    log_prior = torch.log(torch.tensor((counts + 1) / (counts + 1).sum(), dtype=torch.float32))
    results = {"model": str(model), "epochs": epochs, "batch_size": batch_size,
               "non_entity_weight": non_entity_weight, "variants": {}}
    train_idx = [i for i, (drugs, _, _) in enumerate(data["train"]) if drugs]
    for name in variants.split(","):
        torch.manual_seed(seed)
        rng = numpy.random.default_rng(seed)
        module = TorchDSTC(vectors["train"][0].shape[1], 256, len(TOKEN_LABELS), 0.1, **VARIANTS[name])
        opt = torch.optim.AdamW(module.parameters(), lr=1e-3)
        t0 = time.time()
        history = []
        for epoch in range(epochs):
            rng.shuffle(train_idx)
            for b in range(0, len(train_idx), batch_size):
                X, seg, start, end, targets = batch(vectors["train"], data["train"], train_idx[b : b + batch_size])
                logits = module(X, seg, start, end) + log_prior
                mask = targets >= 0
                weight = torch.where(targets > 0, 1.0, non_entity_weight)[mask]
                loss = torch.nn.functional.cross_entropy(logits[mask], targets[mask], reduction="none")
                loss = (loss * weight).sum() / mask.sum()
                opt.zero_grad(); loss.backward(); opt.step()
            scores = evaluate(module, vectors["dev"], data["dev"], log_prior, (0.0, 0.5, 0.75, 1.0))
            history.append(scores)
            best = max(scores.values(), key=lambda s: s["f"])
            print(f"{name} epoch {epoch + 1}: dev gold-entity DDI F1 at prior 0 {scores['0.0']['f']:.3f}, best {best['f']:.3f} ({time.time() - t0:.0f} s)", file=sys.stderr)
        results["variants"][name] = {"config": VARIANTS[name], "history": history, "seconds": time.time() - t0}
        output.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    typer.run(main)
