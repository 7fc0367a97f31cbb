"""pair_relations: the pipelined baseline, a pairwise classifier over entity pairs; writes doc._.ddis."""
from typing import Callable, Dict, Iterable, List, Optional, Sequence

import numpy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.vocab import Vocab
from thinc.api import Config, Model, Optimizer

from ..extensions import FALSE_LABEL, POSITIVE_LABELS, InteractionRecord
from ..gold import gold_drugs_and_pairs
from ..layers.segments import doc_segments
from ..losses import LogitAdjustedLoss
from ..pipe import LISTENER_CONFIG
from .base import RELATION_DEFAULTS, RELATION_SCORE_WEIGHTS, RelationPipe
from .pair_model import entity_pairs

DEFAULT_PAIR_MODEL = """
[model]
@architectures = "spacy-ddi.PairClassifier.v1"
hidden_width = 256
dropout = 0.1
max_distance = 32
max_pairs = 8192
""" + LISTENER_CONFIG

PAIR_LABELS = (FALSE_LABEL,) + POSITIVE_LABELS  # FALSE, then the positive types


@Language.factory(
    "pair_relations",
    assigns=["doc._.ddis"],
    requires=["doc.ents"],
    default_config={
        "model": Config().from_str(DEFAULT_PAIR_MODEL)["model"],
        **RELATION_DEFAULTS,
    },
    default_score_weights=RELATION_SCORE_WEIGHTS,
)
def make_pair_relations(
    nlp: Language,
    name: str,
    model: Model,
    loss: LogitAdjustedLoss,
    optimizer: Optional[Optimizer],
    prior_at_inference: float,
    store_false: bool,
    same_name_rule: bool,
    negated: str,
    max_sentence_mentions: int,
    calibration: Optional[List[List[float]]],
    genre_shift: Optional[Dict[str, List[float]]],
    genre: str,
    scorer: Optional[Callable],
) -> "PairRelations":
    return PairRelations(
        nlp.vocab, model, name, loss=loss, optimizer=optimizer,
        prior_at_inference=prior_at_inference, store_false=store_false,
        same_name_rule=same_name_rule, negated=negated, max_sentence_mentions=max_sentence_mentions,
        calibration=calibration, genre_shift=genre_shift, genre=genre,
        scorer=scorer,
    )


class PairRelations(RelationPipe):
    """Every pair of entities of one sentence in ``doc.ents`` (subject first) gets one label:
    FALSE or an interaction type. The usual spaCy relation-component design, kept as the
    baseline that ``dstc_relations`` is compared with on the same encoder, data and budget.
    Trained on gold entities (a gold pair without an annotated interaction is FALSE); applied
    to whatever is in ``doc.ents``.

    loss: the ``spacy-ddi.LogitAdjusted.v1`` block (weight, tau): train with the
    logit-adjusted loss (class priors from the training pairs, scaled by tau); prediction
    then favours rare classes (balanced error).
    optimizer: the head's own optimizer, or None for the pipeline's.
    prior_at_inference: add this multiple of the log priors to the scores at prediction time;
    0 keeps the adjusted decision rule, ``tau`` gives the decisions of an unadjusted model.
    store_false: also store FALSE pairs in ``doc._.ddis``.
    same_name_rule: read a pair whose two mentions have the same text (ignoring case) as
    FALSE; prediction only (so it can be set on a trained pipeline), chosen on dev by
    spacy-ddi tune.
    negated: "keep" (report a pair whose clause negates it, ``Interaction.assertion`` saying
    so) or "drop" (read it as FALSE); prediction only, chosen on dev by spacy-ddi tune.
    max_sentence_mentions: a sentence with more entities than this is not read for
    interactions, with a warning that names it; prediction only.
    The score of an interaction is the probability of its label.
    """

    def __init__(self, vocab: Vocab, model: Model, name: str = "pair_relations", **options) -> None:
        """``options``: those of :class:`RelationPipe` (loss, optimizer, prior_at_inference,
        store_false, same_name_rule, max_sentence_mentions, scorer)."""
        super().__init__(vocab, model, name, labels=PAIR_LABELS, **options)

    PREDICTION_MODEL_ATTRS = ("max_pairs",)

    def _class_counts(self, example: Example) -> numpy.ndarray:
        gold = [gold_drugs_and_pairs(example)]
        segments = doc_segments([example.predicted])
        pairs = entity_pairs(segments, [gold[0][0]])
        return numpy.bincount(self._pair_targets(segments, pairs, gold), minlength=len(self.labels))

    def _pair_targets(self, segments, pairs: numpy.ndarray, gold) -> numpy.ndarray:
        """The gold label index of each pair row; FALSE for a pair without an interaction."""
        index = self._label_index
        targets = numpy.full((len(pairs),), index[FALSE_LABEL], dtype="int64")
        for p, (seg, s_start, s_end, o_start, o_end) in enumerate(pairs.tolist()):
            i, start, _ = segments[seg]
            key = frozenset(((start + s_start, start + s_end), (start + o_start, start + o_end)))
            label = gold[i][1].get(key)
            if label is not None:
                targets[p] = index[label]
        return targets

    def predict(self, docs: Iterable[Doc]):
        docs = list(docs)
        drugs = self.readable_drugs(docs)
        segments, pairs, scores = self.model.predict((docs, drugs))
        scores = self.model.ops.to_numpy(scores)
        probs = self.probabilities(scores) if len(pairs) else scores
        return segments, pairs, probs

    def set_annotations(self, docs: Iterable[Doc], predictions) -> None:
        docs = list(docs)
        segments, pairs, probs = predictions
        records: List[List[InteractionRecord]] = [[] for _ in docs]
        best = probs.argmax(axis=-1) if len(pairs) else numpy.zeros((0,), dtype="int64")
        keep = numpy.ones((len(pairs),), dtype=bool)
        if not self.cfg["store_false"]:
            keep = best != self._label_index[FALSE_LABEL]
        for p in numpy.nonzero(keep)[0]:
            seg, s_start, s_end, o_start, o_end = (int(v) for v in pairs[p])
            i, start, _ = segments[seg]
            label = int(best[p])
            records[i].append(
                InteractionRecord(
                    start + s_start, start + s_end, start + o_start, start + o_end,
                    self.labels[label], float(probs[p, label]),
                )
            )
        self._write_records(docs, records)

    def get_loss(self, examples, outputs, gold=None):
        """Logit-adjusted cross-entropy over the pairs of the batch."""
        segments, pairs, scores = outputs
        ops = self.model.ops
        if len(pairs) == 0:
            return 0.0, ops.alloc2f(*scores.shape)
        gold = gold if gold is not None else [gold_drugs_and_pairs(eg) for eg in examples]
        targets = self._pair_targets(segments, pairs, gold)
        loss, d_scores = self.cross_entropy(scores, targets)
        return loss, ops.asarray2f(d_scores)
