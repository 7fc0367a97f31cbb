"""Calibrated interaction scores: an isotonic map from a relation head's score to the share of
interactions reported at that score that are right, fitted on dev and applied at prediction.

The relation components take it as the prediction-time setting ``calibration``: a list of
``[score, calibrated]`` knots, increasing in both, read by linear interpolation (clipped at
the ends); ``None`` leaves the head's own score. ``spacy-ddi tune`` fits it on dev; a
loaded pipeline takes another one as a load-time override::

    spacy.load("en_ddi_mtmg", config={"components": {"dstc_relations": {"calibration": None}}})

Scores mean less on abstracts than on label text, and dev holds too few abstract interactions
for a map of their own, so a genre gets a shift on top of the map instead: the setting
``genre_shift``, ``{genre: [a, b]}``, turns a calibrated score p of a document of that genre
into ``sigmoid(a * logit(p) + b)`` (:func:`fit_shift`). A document's genre is ``doc._.genre``
(set from the input format by ``spacy-ddi extract``), else the component's ``genre`` setting
("abstract" unless changed). See docs/calibration.md.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy

Knots = List[List[float]]


def isotonic_fit(scores: Sequence[float], correct: Sequence[bool], min_block: int = 10) -> Knots:
    """Pool-adjacent-violators regression of ``correct`` (0/1) on ``scores``, as knots.

    After the pool-adjacent-violators pass, blocks of fewer than ``min_block`` interactions are
    merged with a neighbour, so that no knot rests on a handful of dev interactions. Each block becomes one knot at its mean
    score with its share of correct interactions; the map between knots is linear.
    """
    if len(scores) != len(correct):
        raise ValueError("isotonic_fit: scores and correct differ in length")
    if not len(scores):
        raise ValueError("isotonic_fit: no interactions to fit on")
    order = numpy.argsort(numpy.asarray(scores, dtype=float), kind="stable")
    x = numpy.asarray(scores, dtype=float)[order]
    y = numpy.asarray(correct, dtype=float)[order]
    # blocks: [sum_x, sum_y, n]
    blocks: List[List[float]] = []
    for xi, yi in zip(x, y):
        blocks.append([xi, yi, 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            sx, sy, n = blocks.pop()
            blocks[-1] = [blocks[-1][0] + sx, blocks[-1][1] + sy, blocks[-1][2] + n]
    merged: List[List[float]] = []
    for block in blocks:
        if merged and (merged[-1][2] < min_block or block[2] < min_block):
            merged[-1] = [a + b for a, b in zip(merged[-1], block)]
        else:
            merged.append(block)
    if len(merged) > 1 and merged[-1][2] < min_block:
        last = merged.pop()
        merged[-1] = [a + b for a, b in zip(merged[-1], last)]
    knots = [[sx / n, sy / n] for sx, sy, n in merged]
    # merging small blocks can break monotonicity of the shares: restore it
    for k in range(1, len(knots)):
        knots[k][1] = max(knots[k][1], knots[k - 1][1])
    return [[round(a, 6), round(b, 6)] for a, b in knots]


def check_knots(knots: Optional[Knots], where: str = "calibration") -> Optional[Tuple[numpy.ndarray, numpy.ndarray]]:
    """The knots as two arrays, or None; a clear error for a malformed setting."""
    if knots is None:
        return None
    try:
        array = numpy.asarray(knots, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected a list of [score, calibrated] pairs, got {knots!r}") from None
    if array.ndim != 2 or array.shape[1] != 2 or not len(array):
        raise ValueError(f"{where}: expected a list of [score, calibrated] pairs, got {knots!r}")
    if numpy.any(numpy.diff(array[:, 0]) < 0) or numpy.any(numpy.diff(array[:, 1]) < 0):
        raise ValueError(f"{where}: the knots must increase in score and in calibrated score")
    if array.min() < 0 or array.max() > 1:
        raise ValueError(f"{where}: scores and calibrated scores lie in [0, 1]")
    return array[:, 0], array[:, 1]


def apply(knots: Optional[Knots], score: float) -> float:
    arrays = check_knots(knots)
    if arrays is None:
        return score
    return float(numpy.interp(score, *arrays))


def reliability(scores: Sequence[float], correct: Sequence[bool], n_bins: int = 10) -> dict:
    """Reliability diagram (equal-width bins over [0, 1]) and expected calibration error:
    the bins' |share correct - mean score| weighted by their share of the interactions."""
    scores = numpy.asarray(scores, dtype=float)
    correct = numpy.asarray(correct, dtype=float)
    bins = []
    ece = 0.0
    index = numpy.minimum((scores * n_bins).astype(int), n_bins - 1)
    for b in range(n_bins):
        chosen = index == b
        n = int(chosen.sum())
        row = {"low": b / n_bins, "high": (b + 1) / n_bins, "n": n}
        if n:
            row["mean_score"] = float(scores[chosen].mean())
            row["share_correct"] = float(correct[chosen].mean())
            ece += n / len(scores) * abs(row["share_correct"] - row["mean_score"])
        bins.append(row)
    return {"n": int(len(scores)), "ece": float(ece) if len(scores) else None, "bins": bins}


def precision_recall(scores: Sequence[float], correct: Sequence[bool], n_gold: int) -> List[dict]:
    """Precision and recall of the interactions reported at or above each threshold in 0.05
    steps (what ``--min-score`` keeps)."""
    scores = numpy.asarray(scores, dtype=float)
    correct = numpy.asarray(correct, dtype=bool)
    rows = []
    for threshold in numpy.round(numpy.arange(0, 1.0, 0.05), 2):
        kept = scores >= threshold
        n, tp = int(kept.sum()), int((kept & correct).sum())
        rows.append({
            "min_score": float(threshold), "reported": n, "right": tp,
            "precision": tp / n if n else None, "recall": tp / n_gold if n_gold else None,
        })
    return rows


def _logit(p):
    p = numpy.clip(numpy.asarray(p, dtype=float), 1e-4, 1 - 1e-4)
    return numpy.log(p / (1 - p))


def fit_shift(scores: Sequence[float], correct: Sequence[bool], ridge: float = 1.0) -> List[float]:
    """A Platt shift ``[a, b]`` of already calibrated scores for one genre:
    ``p' = sigmoid(a * logit(p) + b)``, fitted by maximum likelihood on that genre's
    interactions (``scores``, right or wrong), with a ridge of ``ridge`` pulling toward no shift
    (a = 1, b = 0). Two numbers: it holds on a hundred or two interactions, where an isotonic map
    of its own would not."""
    if len(scores) != len(correct):
        raise ValueError("fit_shift: scores and correct differ in length")
    if not len(scores):
        raise ValueError("fit_shift: no interactions to fit on")
    x = _logit(scores)
    y = numpy.asarray(correct, dtype=float)
    design = numpy.stack([x, numpy.ones_like(x)], axis=1)
    prior = numpy.array([1.0, 0.0])
    w = prior.copy()
    for _ in range(100):  # Newton's method; the ridge keeps the Hessian positive definite
        q = 1 / (1 + numpy.exp(-(design @ w)))
        grad = design.T @ (q - y) + ridge * (w - prior)
        hess = (design * (q * (1 - q))[:, None]).T @ design + ridge * numpy.eye(2)
        step = numpy.linalg.solve(hess, grad)
        w = w - step
        if numpy.abs(step).max() < 1e-9:
            break
    return [round(float(w[0]), 6), round(float(w[1]), 6)]


def check_shift(shift, where: str = "genre_shift") -> Optional[Dict[str, Tuple[float, float]]]:
    """The ``genre_shift`` setting as {genre: (a, b)}, or None; a clear error when malformed."""
    from .extensions import GENRES

    if shift is None:
        return None
    if not isinstance(shift, dict):
        raise ValueError(f"{where}: expected {{genre: [a, b]}}, got {shift!r}")
    out = {}
    for genre, pair in shift.items():
        if genre not in GENRES:
            raise ValueError(f"{where}: {genre!r} is not a genre ({', '.join(GENRES)})")
        try:
            a, b = (float(v) for v in pair)
        except (TypeError, ValueError):
            raise ValueError(f"{where}[{genre}]: expected [a, b], got {pair!r}") from None
        if not (numpy.isfinite(a) and numpy.isfinite(b) and a > 0):
            raise ValueError(f"{where}[{genre}]: a is a positive number and b a number, got {pair!r}")
        out[genre] = (a, b)
    return out


def shifted(score: float, shift: Optional[Tuple[float, float]]) -> float:
    """``score`` after a genre's shift (unchanged without one)."""
    if shift is None:
        return score
    a, b = shift
    return float(1 / (1 + numpy.exp(-(a * _logit(score) + b))))


def shift_of(shifts: Optional[Dict[str, Tuple[float, float]]], genre: str) -> Optional[Tuple[float, float]]:
    """The shift that applies to a document of ``genre``: its own, else for an article the
    abstracts' (both are the literature), else none."""
    if not shifts:
        return None
    if genre in shifts:
        return shifts[genre]
    return shifts.get("abstract") if genre == "article" else None
