"""dstc_relations: drug-specified token classification; writes doc._.ddis."""
from typing import Callable, Dict, Iterable, List, Optional, Sequence

import numpy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.vocab import Vocab
from thinc.api import Config, Model, Optimizer

from ..extensions import DDI_LABELS, FALSE_LABEL, InteractionRecord
from ..gold import gold_drug_labels, gold_drugs_and_pairs
from ..losses import LogitAdjustedLoss
from ..pipe import LISTENER_CONFIG
from .base import RELATION_DEFAULTS, RELATION_SCORE_WEIGHTS, RelationPipe
from .dstc_model import entity_type_id
from .extraction import extract_pairs

DEFAULT_DSTC_MODEL = """
[model]
@architectures = "spacy-ddi.DSTCModel.v1"
hidden_width = 256
dropout = 0.1
max_rows_tokens = 16384
""" + LISTENER_CONFIG

TOKEN_LABELS = ("O",) + DDI_LABELS  # O, then the pair labels (positive types and FALSE)


@Language.factory(
    "dstc_relations",
    assigns=["doc._.ddis"],
    requires=["doc.ents"],
    default_config={
        "model": Config().from_str(DEFAULT_DSTC_MODEL)["model"],
        **RELATION_DEFAULTS,
        "symmetric_reading": False,
        "o_token_weight": 1.0,
    },
    default_score_weights=RELATION_SCORE_WEIGHTS,
)
def make_dstc_relations(
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
    symmetric_reading: bool,
    o_token_weight: float,
    scorer: Optional[Callable],
) -> "DSTCRelations":
    return DSTCRelations(
        nlp.vocab, model, name, loss=loss, optimizer=optimizer,
        prior_at_inference=prior_at_inference, store_false=store_false,
        same_name_rule=same_name_rule, negated=negated, max_sentence_mentions=max_sentence_mentions,
        calibration=calibration, genre_shift=genre_shift, genre=genre,
        symmetric_reading=symmetric_reading, o_token_weight=o_token_weight,
        scorer=scorer,
    )


class DSTCRelations(RelationPipe):
    """Every entity in ``doc.ents`` in turn is the specified drug; tokens of the entities after
    it are labelled with their interaction type, and the paper's rules turn that into
    ``doc._.ddis``. Trained on gold entities; applied to whatever is in ``doc.ents``.

    loss: the ``spacy-ddi.LogitAdjusted.v1`` block (weight, tau): train with the
    logit-adjusted loss (class priors from the training data, scaled by tau); prediction
    then favours rare classes (balanced error).
    optimizer: the head's own optimizer, or None for the pipeline's.
    prior_at_inference: add this multiple of the log priors to the scores at prediction time;
    0 is the paper's decision rule, ``tau`` gives the decisions of an unadjusted model.
    store_false: also store FALSE pairs (a pair read as not interacting) in ``doc._.ddis``.
    same_name_rule: read a pair whose two mentions have the same text (ignoring case) as
    FALSE; prediction only (so it can be set on a trained pipeline), chosen on dev by
    spacy-ddi tune.
    negated: "keep" (report a pair whose clause negates it, ``Interaction.assertion`` saying
    so) or "drop" (read it as FALSE); prediction only, chosen on dev by spacy-ddi tune.
    max_sentence_mentions: a sentence with more entities than this is not read for
    interactions, with a warning that names it (prediction time grows with mentions x tokens
    of a sentence, and such a "sentence" is almost always a table or list run together);
    prediction only.
    symmetric_reading: read each pair from both drugs' rows (see ``extract_pairs``) instead of
    the paper's subject-row-only rule; prediction only, so it can be set on a trained pipeline.
    o_token_weight: weight in the loss of the tokens outside every other drug (gold label O).
    1 is the paper's loss (every token of the sentence counts alike); 0 trains only on the
    tokens of the other drugs, the only ones extraction reads, so the pair decisions are not
    diluted by the O tokens (84% of the cells in the Train split). The class priors are the
    same either way.
    """

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "dstc_relations",
        *,
        symmetric_reading: bool = False,
        o_token_weight: float = 1.0,
        **options,
    ) -> None:
        """``options``: those of :class:`RelationPipe` (loss, optimizer, prior_at_inference,
        store_false, same_name_rule, max_sentence_mentions, scorer)."""
        if not 0.0 <= o_token_weight <= 1.0:
            raise ValueError(f"[{name}] o_token_weight must lie in [0, 1], got {o_token_weight}")
        super().__init__(
            vocab, model, name, labels=TOKEN_LABELS, symmetric_reading=symmetric_reading,
            o_token_weight=o_token_weight, **options,
        )

    PREDICTION_MODEL_ATTRS = ("max_rows_tokens",)

    def _class_counts(self, example: Example) -> numpy.ndarray:
        counts = numpy.zeros((len(self.labels),))
        drugs, pairs = gold_drugs_and_pairs(example)
        for drug in drugs:
            row = self._row_target(0, len(example.predicted), drug, drugs, pairs)
            counts += numpy.bincount(row, minlength=len(self.labels))
        return counts

    def _row_target(self, start: int, end: int, drug, drugs, pairs) -> numpy.ndarray:
        """Gold token labels of segment [start, end) with ``drug`` as the specified drug."""
        row = numpy.zeros((end - start,), dtype="int64")
        for other in drugs:
            if other != drug and start <= other[0] and other[1] <= end:
                label = pairs.get(frozenset((drug, other)), FALSE_LABEL)
                row[other[0] - start : other[1] - start] = self._label_index[label]
        return row

    def model_input(self, docs, drugs, examples=None):
        """(docs, drugs), with each drug's entity type as a third item when the model reads
        types (``entity_types``): the gold types in training, ``doc.ents``' at prediction."""
        if not self.model.attrs.get("entity_types"):
            return docs, drugs
        if examples is not None:
            labels = [gold_drug_labels(eg) for eg in examples]
        else:
            labels = [{(ent.start, ent.end): ent.label_ for ent in doc.ents} for doc in docs]
        return docs, [
            [(start, end, entity_type_id(labels[i].get((start, end)))) for start, end in doc_drugs]
            for i, doc_drugs in enumerate(drugs)
        ]

    def predict(self, docs: Iterable[Doc]):
        docs = list(docs)
        drugs = self.readable_drugs(docs)
        segments, rows, scores = self.model.predict(self.model_input(docs, drugs))
        if not scores:
            return segments, rows, []
        # one softmax over every row's tokens, then split back into rows
        probs = self.probabilities(numpy.concatenate(scores))
        return segments, rows, numpy.split(probs, numpy.cumsum([len(row) for row in scores])[:-1])

    def set_annotations(self, docs: Iterable[Doc], predictions) -> None:
        docs = list(docs)
        segments, rows, probs = predictions
        records: List[List[InteractionRecord]] = [[] for _ in docs]
        for seg in numpy.unique(rows[:, 0]) if len(rows) else []:
            i, start, _ = segments[seg]
            idx = numpy.nonzero(rows[:, 0] == seg)[0]
            idx = idx[numpy.argsort(rows[idx, 1], kind="stable")]
            drugs = [(int(rows[r, 1]), int(rows[r, 2])) for r in idx]
            segment_probs = numpy.stack([probs[r] for r in idx])
            for subj, obj, label, score in extract_pairs(
                drugs, segment_probs, self.labels, symmetric=bool(self.cfg.get("symmetric_reading"))
            ):
                if label == FALSE_LABEL and not self.cfg["store_false"]:
                    continue
                (s_start, s_end), (o_start, o_end) = drugs[subj], drugs[obj]
                records[i].append(InteractionRecord(
                    start + s_start, start + s_end, start + o_start, start + o_end, label, score
                ))
        self._write_records(docs, records)

    def get_loss(self, examples, outputs, gold=None):
        """Logit-adjusted cross-entropy over the tokens of every row (paper eq. 7), the tokens
        outside the other drugs weighted by ``o_token_weight``; the mean is over the weights."""
        segments, rows, scores = outputs
        ops = self.model.ops
        if len(rows) == 0:
            return 0.0, ops.alloc3f(*scores.shape)
        gold = gold if gold is not None else [gold_drugs_and_pairs(eg) for eg in examples]
        n_rows, width, n_labels = scores.shape
        targets = numpy.full((n_rows, width), -1, dtype="int64")
        for r, (seg, d_start, d_end) in enumerate(rows):
            i, start, end = segments[seg]
            drugs, pairs = gold[i]
            drug = (start + int(d_start), start + int(d_end))
            targets[r, : end - start] = self._row_target(start, end, drug, drugs, pairs)
        flat_targets = targets.reshape(-1)
        weights = (flat_targets >= 0).astype("float32")
        weights[flat_targets == 0] *= self.cfg.get("o_token_weight", 1.0)
        loss, d_flat = self.cross_entropy(
            scores.reshape((-1, n_labels)), numpy.maximum(flat_targets, 0), weights
        )
        return loss, ops.asarray3f(d_flat.reshape(scores.shape))
