"""Does a per-genre shift of the calibrated score help on abstracts? Scores and rightness of the
interactions a tuned pipeline reports, by part, and the ECE of three maps on the MedLine test part.

    python experiments/genre_calibration.py training/ddi_mtmg_steps900/model-tuned corpus/dev.spacy \
        corpus/yardstick_tune.spacy corpus/test.spacy experiments/records/genre_calibration.json

Fits (on dev's MedLine part plus the yardstick's tune half, never on test) the abstracts' shift
of the pipeline's calibrated score, p' = sigmoid(a * logit(p) + b) (spacy_ddi.calibration.fit_shift,
which `spacy-ddi tune` now fits itself). Reports the MedLine test ECE with the
pipeline's own (pooled) map, with the shift, and the floor a perfectly calibrated model would show.
"""
import json
import sys

import numpy
import spacy
from spacy.tokens import DocBin

from spacy_ddi.calibration import fit_shift, reliability, shifted
from spacy_ddi.corpus.convert import doc_source
from spacy_ddi.evaluation import scored_interactions
from spacy_ddi.extensions import install_extensions


def scored(nlp, path, source=None):
    gold = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    if source:
        gold = [g for g in gold if doc_source(g) == source]
    pred = list(nlp.pipe([g.text for g in gold]))
    return [x for p, g in zip(pred, gold) for x in scored_interactions(p, g)]


def shift(p, a, b):
    return numpy.array([shifted(x, (a, b)) for x in p])


def floor(p, draws=2000, seed=0):
    rng = numpy.random.default_rng(seed)
    p = numpy.asarray(p)
    eces = [reliability(p, rng.random(len(p)) < p)["ece"] for _ in range(draws)]
    return float(numpy.mean(eces)), float(numpy.quantile(eces, 0.95))


def main(model, dev, outside, test, out):
    install_extensions()
    nlp = spacy.load(model)
    fit = scored(nlp, dev, "MedLine") + scored(nlp, outside)
    test_m = scored(nlp, test, "MedLine")
    test_d = scored(nlp, test, "DrugBank")
    a, b = fit_shift([s for s, _ in fit], [r for _, r in fit])
    p, y = [s for s, _ in test_m], [r for _, r in test_m]
    brier = lambda q: float(numpy.mean((numpy.asarray(q) - numpy.asarray(y, dtype=float)) ** 2))  # noqa: E731
    record = {
        "model": model, "fit_interactions": len(fit), "fit_share_right": float(numpy.mean([r for _, r in fit])),
        "a": a, "b": b,
        "medline_test": {"reported": len(p), "share_right": float(numpy.mean(y)),
                         "ece_pooled": reliability(p, y)["ece"], "ece_shifted": reliability(shift(p, a, b), y)["ece"],
                         "brier_pooled": brier(p), "brier_shifted": brier(shift(p, a, b)),
                         "floor_mean_95": floor(shift(p, a, b))},
        "drugbank_test": {"reported": len(test_d), "ece_pooled": reliability([s for s, _ in test_d], [r for _, r in test_d])["ece"]},
    }
    print(json.dumps(record, indent=1))
    open(out, "w").write(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:6])
