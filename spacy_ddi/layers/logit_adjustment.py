"""Logit-adjusted softmax cross-entropy (Menon et al. 2021; paper eq. 7) on thinc arrays."""
from typing import Optional, Sequence, Tuple

import numpy

from thinc.types import Floats1d, Floats2d, Ints1d


def log_priors(counts: Sequence[float], smoothing: float = 1.0) -> list:
    """Log class priors from label counts (add-``smoothing`` so no class has prior 0)."""
    counts = numpy.asarray(counts, dtype="float64") + smoothing
    return numpy.log(counts / counts.sum()).tolist()


def softmax_cross_entropy(
    ops,
    logits: Floats2d,
    targets: Ints1d,
    log_prior: Optional[Floats1d] = None,
    tau: float = 1.0,
    weights: Optional[Floats1d] = None,
) -> Tuple[float, Floats2d]:
    """Mean loss and its gradient for ``logits`` (N, C) against integer ``targets`` (N,).

    With ``log_prior``, the logits are shifted by ``tau * log(prior)`` during training, which
    is the logit-adjusted loss; prediction uses the unshifted logits.
    ``weights`` (N,) >= 0 weight the rows (0 masks a row out); the loss is their weighted mean.
    """
    xp = ops.xp
    n = logits.shape[0]
    if n == 0:
        return 0.0, ops.alloc2f(*logits.shape)
    shifted = logits if log_prior is None else logits + tau * log_prior
    shifted = shifted - shifted.max(axis=1, keepdims=True)
    probs = xp.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    rows = xp.arange(n)
    if weights is None:
        weights = xp.ones((n,), dtype="float32")
    denom = max(float(weights.sum()), 1.0)
    loss = float(-(xp.log(probs[rows, targets] + 1e-12) * weights).sum() / denom)
    d_logits = probs
    d_logits[rows, targets] -= 1.0
    d_logits *= (weights / denom)[:, None]
    return loss, d_logits.astype("float32")
