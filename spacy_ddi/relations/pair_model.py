"""Thinc model of pair_relations: encoder -> sentences -> one score row per entity pair."""
from functools import partial
from typing import List, Optional, Sequence, Tuple

import numpy
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model

from ..layers.segments import Segment, doc_segments, pad_segments, pad_some
from ..layers.torch_head import build_torch_head, encode, first_docs
from .pytorch_pair import TorchPairClassifier

DrugSpans = List[Tuple[int, int]]


@registry.architectures("spacy-ddi.PairClassifier.v1")
def build_pair_classifier(
    tok2vec: Model[List[Doc], List],
    hidden_width: int = 256,
    dropout: float = 0.1,
    max_length: Optional[int] = None,
    max_distance: int = 32,
    max_pairs: int = 8192,
    nO: Optional[int] = None,
) -> Model:
    """A pairwise relation classifier on entity-pair representations (the pipelined baseline).

    Input: (docs, drugs per doc as (start, end) token spans).
    Output: (segments, pairs, scores): pairs is a (P, 5) int array of (segment index, subject
    start, subject end, object start, object end) relative to the segment, one row per pair of
    non-overlapping drugs of one segment with the subject first; scores is (P, nO).
    max_length: ignored (sentences are never cut); accepted so pipelines saved with it load.
    max_distance: token distances above it share one embedding. max_pairs: at prediction
    time, pairs are scored in chunks of at most this many, so a sentence with hundreds of
    mentions keeps memory bounded.
    """
    return build_torch_head(
        "pair_classifier",
        tok2vec,
        pair_forward,
        partial(
            make_pair_module, hidden_width=hidden_width, dropout=dropout, max_distance=max_distance
        ),
        docs_of=first_docs,
        dims={"nO": nO},
        attrs={"max_pairs": max_pairs},
    )


def make_pair_module(
    model: Model, *, hidden_width: int, dropout: float, max_distance: int
) -> TorchPairClassifier:
    return TorchPairClassifier(
        model.get_dim("nI"), hidden_width, model.get_dim("nO"), dropout, max_distance
    )


def entity_pairs(segments: Sequence[Segment], drugs: Sequence[DrugSpans]) -> numpy.ndarray:
    """(P, 5) rows (segment, subject start, subject end, object start, object end).

    Every pair of drugs lying wholly inside one segment, the subject ending before the object
    starts (so overlapping spans are never paired), offsets relative to the segment; ordered
    by segment, then subject, then object.
    """
    sorted_drugs = [
        numpy.asarray(sorted({tuple(span) for span in spans}), dtype="int64").reshape((-1, 2))
        for spans in drugs
    ]
    out = []
    for s, (i, start, end) in enumerate(segments):
        spans = sorted_drugs[i]
        lo, hi = numpy.searchsorted(spans[:, 0], [start, end], side="left")
        spans = spans[lo:hi]
        spans = spans[spans[:, 1] <= end] - start
        if len(spans) < 2:
            continue
        subject, obj = numpy.triu_indices(len(spans), 1)
        keep = spans[obj, 0] >= spans[subject, 1]
        subject, obj = subject[keep], obj[keep]
        segment = numpy.full((len(subject), 1), s, dtype="int64")
        out.append(numpy.hstack([segment, spans[subject], spans[obj]]))
    if not out:
        return numpy.zeros((0, 5), dtype="int64")
    return numpy.concatenate(out)


def _pair_args(ops, pairs: numpy.ndarray, segment_index: numpy.ndarray) -> tuple:
    return (ops.asarray(segment_index),) + tuple(
        ops.asarray(numpy.ascontiguousarray(pairs[:, k])) for k in range(1, 5)
    )


def pair_forward(model: Model, inputs, is_train: bool):
    docs, drugs = inputs
    ops = model.ops
    n_labels = model.get_dim("nO")
    tokvecs, bp_tokvecs = encode(model, docs, is_train)
    segments = doc_segments(docs)
    pairs = entity_pairs(segments, drugs)
    if not is_train:
        if len(pairs) == 0:
            return (segments, pairs, ops.alloc2f(0, n_labels)), lambda d: []
        return _predict_pairs(model, tokvecs, segments, pairs)
    X, bp_pad = pad_segments(ops, tokvecs, segments, model.get_dim("nI"))

    def backprop_zeros(d_scores):
        # the shared encoder still gets this head's (zero) gradient: a transformer listener
        # waits for the backprop of every head that listens to it, or training stalls
        return bp_tokvecs(bp_pad(ops.alloc3f(*X.shape)))

    if len(pairs) == 0:
        return (segments, pairs, ops.alloc2f(0, n_labels)), backprop_zeros
    scores, bp_scores = model.get_ref("torch")(
        (X,) + _pair_args(ops, pairs, numpy.ascontiguousarray(pairs[:, 0])), is_train
    )

    def backprop(d_scores):
        return bp_tokvecs(bp_pad(bp_scores(d_scores)))

    return (segments, pairs, scores), backprop


def _predict_pairs(model: Model, tokvecs, segments, pairs: numpy.ndarray):
    """Scores of ``pairs`` in chunks of ``max_pairs``, each padding only its own segments."""
    ops = model.ops
    torch_layer = model.get_ref("torch")
    scores = ops.alloc2f(len(pairs), model.get_dim("nO"))
    step = max(1, int(model.attrs["max_pairs"]))
    for begin in range(0, len(pairs), step):
        chunk = pairs[begin : begin + step]
        chunk_segments, local = numpy.unique(chunk[:, 0], return_inverse=True)
        scores[begin : begin + step] = torch_layer.predict(
            (pad_some(ops, tokvecs, segments, chunk_segments, model.get_dim("nI")),)
            + _pair_args(ops, chunk, local.reshape(-1).astype("int64"))
        )
    return (segments, pairs, scores), lambda d: []
