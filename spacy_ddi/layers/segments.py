"""Sentence segments of a batch of docs, and padding token vectors into (S, T, W) tensors.

Every head reads the same segments: the doc's sentences (``doc.sents``, as the pipeline's
sentence splitter set them), or the whole doc when it has no sentence boundaries (a training
doc of one corpus sentence). A sentence is never cut, however long, so no entity is split
and every pair of drugs in a sentence is scored; the transformer's spans follow the same
sentences (``spacy-ddi.sentence_windows.v1``). Memory at prediction is bounded by the heads'
own chunking (``max_rows_tokens`` for dstc_relations, ``max_pairs`` for pair_relations) and,
for every head, by padding at prediction only segments of similar length together
(:func:`segment_groups`): one long sentence in a batch does not pad every short one to its
length.
"""
from typing import Callable, List, Sequence, Tuple

import numpy
from spacy.tokens import Doc
from thinc.types import Floats2d, Floats3d

Segment = Tuple[int, int, int]  # (doc index, start token, end token)
# padded tokens (segments x longest segment) per group at prediction time
PREDICTION_PADDED_TOKENS = 8192


def sentence_bounds(doc: Doc) -> List[Tuple[int, int]]:
    """(start, end) token offsets of each sentence of ``doc`` (``doc.sents``); the whole doc
    when it has no sentence boundaries; none for an empty doc. The heads' segments
    (:func:`doc_segments`) and the transformer's spans (``spacy-ddi.sentence_windows.v1``)
    both follow these."""
    if len(doc) == 0:
        return []
    if doc.has_annotation("SENT_START"):
        return [(sent.start, sent.end) for sent in doc.sents]
    return [(0, len(doc))]


def doc_segments(docs: Sequence[Doc]) -> List[Segment]:
    """The (doc index, start, end) of every sentence of ``docs`` (:func:`sentence_bounds`)."""
    return [(i, start, end) for i, doc in enumerate(docs) for start, end in sentence_bounds(doc)]


def pad_segments(
    ops, tokvecs: Sequence[Floats2d], segments: Sequence[Segment], width: int
) -> Tuple[Floats3d, Callable[[Floats3d], List[Floats2d]]]:
    """Stack the token vectors of each segment, zero-padded to the longest; return backprop.

    ``width`` is the encoder's output width (an empty doc's array may have width 0).
    """
    X = pad_some(ops, tokvecs, segments, range(len(segments)), width)

    def backprop(dX: Floats3d) -> List[Floats2d]:
        d_tokvecs = [ops.alloc2f(*t.shape) for t in tokvecs]
        for s, (i, start, end) in enumerate(segments):
            d_tokvecs[i][start:end] += dX[s, : end - start]
        return d_tokvecs

    return X, backprop


def length_groups(lengths: numpy.ndarray, budget: int) -> List[numpy.ndarray]:
    """Indices of items sorted by length, cut into groups whose padded size (number of items
    x longest item) is at most ``budget`` (a longer item makes a group alone)."""
    order = numpy.argsort(numpy.asarray(lengths), kind="stable")
    groups, current = [], []
    for index in order:
        if current and (len(current) + 1) * int(lengths[index]) > budget:
            groups.append(numpy.asarray(current))
            current = []
        current.append(index)
    if current:
        groups.append(numpy.asarray(current))
    return groups


def segment_groups(segments: Sequence[Segment], budget: int = PREDICTION_PADDED_TOKENS) -> List[numpy.ndarray]:
    """Indices of ``segments`` in groups of similar length (see :func:`length_groups`)."""
    return length_groups(numpy.asarray([end - start for _, start, end in segments]), budget)


def pad_some(ops, tokvecs: Sequence[Floats2d], segments: Sequence[Segment], index, width: int) -> Floats3d:
    """The token vectors of ``segments[index]`` (in that order), zero-padded to the longest of
    them (prediction only: no backprop)."""
    chosen = [segments[k] for k in index]
    X = ops.alloc3f(len(chosen), max((end - start for _, start, end in chosen), default=0), width)
    for s, (i, start, end) in enumerate(chosen):
        X[s, : end - start] = tokvecs[i][start:end]
    return X
