"""The transformer's spans: each sentence on its own, long sentences in strided windows.

spacy-transformers' ``strided_spans`` cuts a whole doc into windows that run across sentence
boundaries, so a sentence's token vectors depend on its neighbours. The heads are trained on
one corpus sentence per doc; to read a sentence of a long document the way they were
trained, the encoder must see that sentence alone. ``spacy-ddi.sentence_windows.v1`` gives
one span per sentence (``doc.sents``; the whole doc when it has no sentence boundaries, as a
training doc of one corpus sentence has none), and cuts a sentence longer than ``window``
tokens into windows of ``window`` tokens every ``stride`` tokens, exactly as
``strided_spans`` cuts a doc: every token is covered, tokens in two windows get the mean of
both. On a doc of one sentence it gives the same spans as ``strided_spans`` with the same
window and stride, so a pipeline trained with that getter reads single sentences unchanged.
"""
from functools import partial
from typing import Callable, Iterable, List, Tuple

from spacy.tokens import Doc, Span
from spacy_transformers.util import registry

from .segments import sentence_bounds


def strided_windows(start: int, end: int, window: int, stride: int) -> List[Tuple[int, int]]:
    """Windows over tokens [start, end), cut as spacy-transformers' ``strided_spans`` cuts a doc."""
    length = end - start
    windows = []
    offset = 0
    for _ in range(length // stride):
        windows.append((start + offset, start + min(offset + window, length)))
        if offset + window >= length:
            break
        offset += stride
    else:
        if offset < length:
            windows.append((start + offset, end))
    return windows


def get_sentence_windows(docs: Iterable[Doc], window: int, stride: int) -> List[List[Span]]:
    spans = []
    for doc in docs:
        doc_spans = []
        for start, end in sentence_bounds(doc):
            doc_spans.extend(doc[a:b] for a, b in strided_windows(start, end, window, stride))
        spans.append(doc_spans)
    return spans


@registry.span_getters("spacy-ddi.sentence_windows.v1")
def configure_sentence_windows(window: int = 128, stride: int = 96) -> Callable:
    """One transformer span per sentence; a sentence longer than ``window`` tokens is cut
    into windows of ``window`` tokens starting every ``stride`` tokens (``stride <= window``,
    so no token is left out)."""
    if not 0 < stride <= window:
        raise ValueError(
            f"spacy-ddi.sentence_windows.v1 needs 0 < stride <= window, got window={window}, "
            f"stride={stride}: a stride above the window would leave tokens without a vector"
        )
    return partial(get_sentence_windows, window=window, stride=stride)
