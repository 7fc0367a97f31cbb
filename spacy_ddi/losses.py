"""The loss block of the heads trained on a label set (``spacy-ddi.LogitAdjusted.v1``)."""
from typing import Optional

import numpy
from spacy.util import registry


class LogitAdjustedLoss:
    """The loss options of a head trained on a label set (drug_ner, dstc_relations,
    pair_relations), given as the component's ``loss`` block.

    weight: scales the head's gradient (and so its share of the encoder's update).
    tau: train on scores shifted by tau x log(class prior) (Menon et al. 2021's logit-adjusted
    loss), the priors counted on the training data at ``initialize``; 0 is plain
    cross-entropy (or, for the CRF, its plain likelihood).
    """

    def __init__(self, weight: float = 1.0, tau: float = 1.0) -> None:
        if weight < 0 or tau < 0:
            raise ValueError(f"The loss weight and tau must be 0 or more, got weight={weight}, tau={tau}")
        self.weight = float(weight)
        self.tau = float(tau)

    def training_log_prior(self, log_priors) -> Optional[numpy.ndarray]:
        """tau x ``log_priors`` to add to the scores in training, or None (no adjustment)."""
        if not self.tau or log_priors is None:
            return None
        return self.tau * numpy.asarray(log_priors, dtype="float32")

    def __repr__(self) -> str:
        return f"LogitAdjustedLoss(weight={self.weight}, tau={self.tau})"


@registry.misc("spacy-ddi.LogitAdjusted.v1")
@registry.losses("spacy-ddi.LogitAdjusted.v1")  # kept: configs and saved pipelines before 1.0 name it @losses
def make_logit_adjusted_loss(weight: float = 1.0, tau: float = 1.0) -> LogitAdjustedLoss:
    return LogitAdjustedLoss(weight=weight, tau=tau)
