"""Sentence segments of a batch of docs, and padding token vectors into (S, T, W) tensors.

Relations and sentence flags are sentence-level. A doc with sentence boundaries (from the
pipeline's sentencizer) is cut at them; a doc without is one segment. Any segment longer than
``max_length`` tokens is cut into windows of ``max_length`` so memory stays bounded.
"""
from typing import Callable, List, Sequence, Tuple

from spacy.tokens import Doc
from thinc.types import Floats2d, Floats3d

Segment = Tuple[int, int, int]  # (doc index, start token, end token)


def doc_segments(docs: Sequence[Doc], max_length: int) -> List[Segment]:
    segments = []
    for i, doc in enumerate(docs):
        if len(doc) == 0:
            continue
        if doc.has_annotation("SENT_START"):
            bounds = [(s.start, s.end) for s in doc.sents]
        else:
            bounds = [(0, len(doc))]
        for start, end in bounds:
            for w_start in range(start, end, max_length):
                segments.append((i, w_start, min(end, w_start + max_length)))
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

