"""Sentence segments of a batch of docs, and padding token vectors into (S, T, W) tensors.

Every head reads the same segments: the doc's sentences (``doc.sents``, as the pipeline's
sentence splitter set them), or the whole doc when it has no sentence boundaries (a training
doc of one corpus sentence). A sentence is never cut, however long, so no entity is split
and every pair of drugs in a sentence is scored; the transformer's spans follow the same
sentences (``spacy-ddi.sentence_windows.v1``). Memory at prediction is bounded by the heads'
own chunking (``max_rows_tokens`` for dstc_relations, ``max_pairs`` for pair_relations).
"""
from typing import Callable, List, Sequence, Tuple

from spacy.tokens import Doc
from thinc.types import Floats2d, Floats3d

Segment = Tuple[int, int, int]  # (doc index, start token, end token)


def doc_segments(docs: Sequence[Doc]) -> List[Segment]:
    segments = []
    for i, doc in enumerate(docs):
        if len(doc) == 0:
            continue
        if doc.has_annotation("SENT_START"):
            bounds = [(s.start, s.end) for s in doc.sents]
        else:
            bounds = [(0, len(doc))]
        segments.extend((i, start, end) for start, end in bounds)
    return segments


def pad_segments(
    ops, tokvecs: Sequence[Floats2d], segments: Sequence[Segment], width: int
) -> Tuple[Floats3d, Callable[[Floats3d], List[Floats2d]]]:
    """Stack the token vectors of each segment, zero-padded to the longest; return backprop.

    ``width`` is the encoder's output width (an empty doc's array may have width 0).
    """
    max_len = max((end - start for _, start, end in segments), default=0)
    X = ops.alloc3f(len(segments), max_len, width)
    for s, (i, start, end) in enumerate(segments):
        X[s, : end - start] = tokvecs[i][start:end]

    def backprop(dX: Floats3d) -> List[Floats2d]:
        d_tokvecs = [ops.alloc2f(*t.shape) for t in tokvecs]
        for s, (i, start, end) in enumerate(segments):
            d_tokvecs[i][start:end] += dX[s, : end - start]
        return d_tokvecs

    return X, backprop

