"""What the relation components (dstc_relations, pair_relations) share."""
import warnings
from typing import Dict, List, Optional, Tuple

import numpy
from spacy.language import Language

from ..assertion import NEGATED, assertion_of
from ..calibration import Knots, check_knots, check_shift, shift_of, shifted
from ..extensions import FALSE_LABEL, GENRES, InteractionRecord
from ..gold import gold_drugs_and_pairs
from ..layers.logit_adjustment import softmax_cross_entropy
from ..layers.segments import doc_segments
from ..pipe import PRIOR_HEAD_DEFAULTS, PriorHeadPipe

RELATION_COMPONENTS = ("dstc_relations", "pair_relations")  # the factories of RelationPipe heads

# What both relation factories add to their default config (their options are described in
# their classes), and their score weights.
RELATION_DEFAULTS = {
    **PRIOR_HEAD_DEFAULTS,
    "store_false": False,
    "same_name_rule": False,
    "negated": "keep",
    "max_sentence_mentions": 500,
    "calibration": None,
    "genre_shift": None,
    "genre": "abstract",
    "scorer": {"@scorers": "spacy-ddi.ddi_scorer.v1"},
}
RELATION_SCORE_WEIGHTS = {"ddi_strict_f": 0.5, "ddi_strict_p": 0.0, "ddi_strict_r": 0.0}


def check_genre(value, name: str) -> str:
    """A genre (the ``genre`` setting, or ``doc._.genre``): one of ``GENRES``."""
    if value not in GENRES:
        raise ValueError(f"[{name}] genre is one of {', '.join(GENRES)}, not {value!r}")
    return value


def check_negated(value, name: str) -> str:
    """The ``negated`` setting of a relation component: "keep" or "drop"."""
    if value not in ("keep", "drop"):
        raise ValueError(f"[{name}] negated is 'keep' (report negated pairs, marked) or 'drop' (read them as FALSE), not {value!r}")
    return value


def relation_component(nlp: Language) -> Optional[str]:
    """The name of ``nlp``'s relation component (the first :class:`RelationPipe`, whatever
    it is called), or None when it has none."""
    return next((name for name, pipe in nlp.pipeline if isinstance(pipe, RelationPipe)), None)


class RelationPipe(PriorHeadPipe):
    """A head trained on gold entities whose model takes (docs, gold drug spans per doc) and
    whose ``get_loss(examples, outputs, gold)`` scores its outputs."""

    PREDICTION_SETTINGS = (
        "prior_at_inference", "store_false", "same_name_rule", "symmetric_reading",
        "max_sentence_mentions", "calibration", "negated", "genre_shift", "genre",
    )

    def __init__(
        self,
        vocab,
        model,
        name: str,
        *,
        labels,
        loss=None,
        optimizer=None,
        prior_at_inference: float = 0.0,
        store_false: bool = False,
        same_name_rule: bool = False,
        negated: str = "keep",
        max_sentence_mentions: int = 500,
        calibration: Optional[Knots] = None,
        genre_shift: Optional[Dict[str, List[float]]] = None,
        genre: str = "abstract",
        scorer=None,
        **cfg,
    ) -> None:
        check_knots(calibration, f"[{name}] calibration")
        check_shift(genre_shift, f"[{name}] genre_shift")
        check_genre(genre, name)
        check_negated(negated, name)
        super().__init__(
            vocab, model, name, labels=labels, loss=loss, optimizer=optimizer,
            prior_at_inference=prior_at_inference, scorer=scorer, store_false=store_false,
            same_name_rule=same_name_rule, negated=negated, max_sentence_mentions=max_sentence_mentions,
            calibration=calibration, genre_shift=genre_shift, genre=genre, **cfg,
        )

    def readable_drugs(self, docs) -> List[List[Tuple[int, int]]]:
        """The (start, end) of each doc's entities, less those of any sentence with more than
        ``max_sentence_mentions`` entities (0: no limit), each such sentence named in a
        warning: its pairs are not read rather than read at a quadratic cost."""
        limit = self.cfg.get("max_sentence_mentions") or 0
        drugs = []
        for doc in docs:
            spans = [(ent.start, ent.end) for ent in doc.ents]
            if limit and len(spans) > limit:
                kept = []
                for _, start, end in doc_segments([doc]):
                    inside = [s for s in spans if start <= s[0] and s[1] <= end]
                    if len(inside) <= limit:
                        kept.extend(inside)
                        continue
                    warnings.warn(
                        f"[{self.name}] The sentence at characters {doc[start].idx}-"
                        f"{doc[end - 1].idx + len(doc[end - 1])} has {len(inside)} entities, more "
                        f"than max_sentence_mentions={limit}: its interactions are not read. Set "
                        f"a higher max_sentence_mentions to read them (time grows with mentions "
                        f"x tokens).",
                        stacklevel=2,
                    )
                spans = kept
            drugs.append(spans)
        return drugs

    def model_input(self, docs, drugs, examples=None):
        """What the model reads: the docs and their drugs' (start, end) spans (a head whose
        model reads more, such as the drugs' types, extends this)."""
        return docs, drugs

    def _set_model_dims(self) -> None:
        self.model.set_dim("nO", len(self.labels))

    def _initialize_input(self, sample):
        return sample, [[] for _ in sample]

    def _initialize_labels(self, get_examples, labels) -> None:
        """A relation head's labels are fixed: refuse any other label given to initialize."""
        unknown = set(labels or ()) - set(self.labels)
        if unknown:
            raise ValueError(f"[{self.name}] Unknown labels {sorted(unknown)}; expected {self.labels}")

    def training_input(self, examples):
        """The model reads the gold drugs in training (trained on gold entities); the loss
        takes each example's gold drugs and pairs."""
        gold = [gold_drugs_and_pairs(eg) for eg in examples]
        docs = [eg.predicted for eg in examples]
        return self.model_input(docs, [g[0] for g in gold], examples), {"gold": gold}

    def cross_entropy(self, scores, targets: numpy.ndarray, weights: Optional[numpy.ndarray] = None):
        """The (logit-adjusted when configured) softmax cross-entropy of (N, C) ``scores``
        against (N,) ``targets``, row ``weights`` optional; the gradient is scaled by
        the loss block's ``weight``."""
        ops = self.model.ops
        prior = self.training_log_prior()
        loss, d_scores = softmax_cross_entropy(
            ops, scores, ops.asarray(targets),
            log_prior=None if prior is None else ops.asarray1f(prior),
            weights=None if weights is None else ops.asarray(weights),
        )
        return loss, d_scores * self.loss.weight

    def _write_records(self, docs, records) -> None:
        """Store each doc's records (:class:`InteractionRecord` or their stored lists) in
        ``doc._.ddi_records`` after the same-name rule: with ``cfg["same_name_rule"]``, a pair
        whose two mentions have the same text (ignoring case) is read as FALSE (kept as FALSE
        only with store_false). Such pairs ("Drug X ... than Drug X alone") are almost never
        interactions: 6 of the 1,768 same-name pairs in the Train split are.

        With ``cfg["calibration"]`` (knots fitted on dev, :mod:`spacy_ddi.calibration`), each
        interaction's score becomes its calibrated score: the share of interactions reported
        at that score that were right on dev; then, with ``cfg["genre_shift"]`` (fitted on
        calibrated scores, so applied only with the map), the shift of the doc's genre (``doc._.genre``, else ``cfg["genre"]``, which is then written to
        ``doc._.genre`` so that the records say which genre applied).

        With ``cfg["negated"] == "drop"``, an interaction whose clause negates it ("X had no
        effect on Y": :mod:`spacy_ddi.assertion`) is read as FALSE; with "keep" (the default)
        it is reported, and ``Interaction.assertion`` says it is negated."""
        rule = bool(self.cfg.get("same_name_rule"))
        drop_negated = check_negated(self.cfg.get("negated", "keep"), self.name) == "drop"
        knots = check_knots(self.cfg.get("calibration"), f"[{self.name}] calibration")
        shifts = check_shift(self.cfg.get("genre_shift"), f"[{self.name}] genre_shift")
        default_genre = self.cfg.get("genre", "abstract")
        for doc, doc_records in zip(docs, records):
            if doc._.genre is None:
                doc._.genre = default_genre
            shift = shift_of(shifts, check_genre(doc._.genre, f"{self.name}: doc._.genre"))
            kept = []
            for record in map(InteractionRecord.read, doc_records):
                if knots is not None and record.is_positive:
                    record = record._replace(score=float(numpy.interp(record.score, *knots)))
                if shift is not None and knots is not None and record.is_positive:
                    record = record._replace(score=shifted(record.score, shift))
                if rule and record.is_positive:
                    subject = doc[record.subject_start : record.subject_end].text.lower()
                    if subject == doc[record.object_start : record.object_end].text.lower():
                        if not self.cfg["store_false"]:
                            continue
                        record = record._replace(label=FALSE_LABEL, score=1.0)
                if drop_negated and record.is_positive:
                    subject = doc[record.subject_start : record.subject_end]
                    obj = doc[record.object_start : record.object_end]
                    if assertion_of(subject, obj) == NEGATED:
                        if not self.cfg["store_false"]:
                            continue
                        record = record._replace(label=FALSE_LABEL, score=1.0)
                kept.append(record.stored())
            doc._.ddi_records = kept

    def probabilities(self, scores: numpy.ndarray) -> numpy.ndarray:
        """Softmax over the last axis, after adding prior_at_inference x log priors."""
        prior = self.inference_log_prior()
        if prior is not None:
            scores = scores + prior.astype(scores.dtype)
        scores = scores - scores.max(axis=-1, keepdims=True)
        probs = numpy.exp(scores)
        return probs / probs.sum(axis=-1, keepdims=True)
