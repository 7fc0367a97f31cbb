"""sentence_flags: the auxiliary ENC and PDC heads; writes sent._.enc_prob / sent._.pdc_prob."""
from typing import Callable, Iterable, Optional

import numpy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Config, Model, Optimizer

from ..extensions import FALSE_LABEL
from ..gold import gold_drugs_and_pairs
from ..layers.logit_adjustment import softmax_cross_entropy
from ..pipe import LISTENER_CONFIG, TorchHeadPipe

DEFAULT_FLAGS_MODEL = """
[model]
@architectures = "spacy-ddi.SentenceFlags.v1"
dropout = 0.1
""" + LISTENER_CONFIG

FLAGS = ("enc", "pdc")


@Language.factory(
    "sentence_flags",
    assigns=["span._.enc_prob", "span._.pdc_prob"],
    default_config={
        "model": Config().from_str(DEFAULT_FLAGS_MODEL)["model"],
        "enc_weight": 0.1,
        "pdc_weight": 0.1,
        "optimizer": None,
        "scorer": {"@scorers": "spacy-ddi.flags_scorer.v1"},
    },
    default_score_weights={"enc_f": 0.0, "pdc_f": 0.0},
)
def make_sentence_flags(
    nlp: Language,
    name: str,
    model: Model,
    enc_weight: float,
    pdc_weight: float,
    optimizer: Optional[Optimizer],
    scorer: Optional[Callable],
) -> "SentenceFlags":
    return SentenceFlags(
        nlp.vocab, model, name, enc_weight=enc_weight, pdc_weight=pdc_weight, optimizer=optimizer,
        scorer=scorer,
    )


def gold_flags(example: Example, segments) -> numpy.ndarray:
    """(len(segments), 2) gold ENC (more than two drugs) and PDC (a positive pair) flags."""
    drugs, pairs = gold_drugs_and_pairs(example)
    out = numpy.zeros((len(segments), 2), dtype="int64")
    for s, (_, start, end) in enumerate(segments):
        inside = {d for d in drugs if start <= d[0] and d[1] <= end}
        out[s, 0] = len(inside) > 2
        out[s, 1] = any(
            label != FALSE_LABEL and pair <= inside for pair, label in pairs.items()
        )
    return out


class SentenceFlags(TorchHeadPipe):
    """ENC: does the sentence mention more than two drugs? PDC: does it state an interaction?

    Auxiliary tasks (paper section 3.4.2) whose loss, weighted by ``enc_weight`` and
    ``pdc_weight``, shapes the shared encoder. Their probabilities are written on each
    sentence as ``sent._.enc_prob`` and ``sent._.pdc_prob`` (``sent._.enc`` / ``sent._.pdc``
    are the thresholded booleans). optimizer: the head's own optimizer, or None for the
    pipeline's.
    """

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "sentence_flags",
        *,
        enc_weight: float = 0.1,
        pdc_weight: float = 0.1,
        optimizer: Optional[Optimizer] = None,
        scorer: Optional[Callable] = None,
    ) -> None:
        super().__init__(
            vocab, model, name, optimizer=optimizer, scorer=scorer, enc_weight=enc_weight,
            pdc_weight=pdc_weight,
        )

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp=None) -> None:
        validate_get_examples(get_examples, "SentenceFlags.initialize")
        sample = [eg.predicted for _, eg in zip(range(10), get_examples())]
        self.model.initialize(X=sample)
        self._store_dims()

    def predict(self, docs: Iterable[Doc]):
        segments, logits = self.model.predict(list(docs))
        logits = self.model.ops.to_numpy(logits)
        if not segments:
            return segments, numpy.zeros((0, len(FLAGS)))
        logits = logits - logits.max(axis=-1, keepdims=True)
        probs = numpy.exp(logits)
        probs /= probs.sum(axis=-1, keepdims=True)
        return segments, probs[:, :, 1]

    def set_annotations(self, docs: Iterable[Doc], predictions) -> None:
        docs = list(docs)
        segments, probs = predictions
        for s, (i, start, end) in enumerate(segments):
            span = docs[i][start:end]
            span._.enc_prob = float(probs[s, 0])
            span._.pdc_prob = float(probs[s, 1])

    def get_loss(self, examples, outputs):
        """Cross-entropy of each flag (paper eq. 9), weighted by enc_weight and pdc_weight."""
        segments, logits = outputs
        ops = self.model.ops
        d_logits = ops.alloc3f(*logits.shape)
        if not segments:
            return 0.0, d_logits
        gold = numpy.zeros((len(segments), len(FLAGS)), dtype="int64")
        examples = list(examples)
        for i, eg in enumerate(examples):
            idx = [s for s, seg in enumerate(segments) if seg[0] == i]
            if idx:
                gold[idx] = gold_flags(eg, [segments[s] for s in idx])
        total = 0.0
        for f, weight in enumerate((self.cfg["enc_weight"], self.cfg["pdc_weight"])):
            loss, d = softmax_cross_entropy(ops, ops.xp.ascontiguousarray(logits[:, f]), ops.asarray(gold[:, f]))
            d_logits[:, f] = d * weight
            total += weight * loss
        return total, d_logits
