"""Thinc model of sentence_flags: encoder -> sentence segments -> (S, n_flags, 2) logits."""
from functools import partial
from typing import List, Optional

import numpy
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model

from ..layers.segments import doc_segments, pad_segments, pad_some, segment_groups
from ..layers.torch_head import build_torch_head, encode
from .pytorch_sentence_flags import TorchSentenceFlags


@registry.architectures("spacy-ddi.SentenceFlags.v1")
def build_sentence_flags_model(
    tok2vec: Model[List[Doc], List],
    dropout: float = 0.1,
    max_length: Optional[int] = None,
    n_flags: int = 2,
) -> Model:
    """Sentence-level binary classifiers (ENC and PDC) on mean-pooled tokens. Output:
    (segments, logits (S, 2, 2)).

    max_length: ignored (sentences are never cut); n_flags: always 2 (the component writes
    ENC and PDC); both accepted so pipelines saved with them load.
    """
    if n_flags != 2:
        raise ValueError(f"SentenceFlags.v1 has two flags (ENC, PDC), not n_flags = {n_flags}")

    return build_torch_head(
        "sentence_flags",
        tok2vec,
        sentence_flags_forward,
        partial(make_sentence_flags_module, dropout=dropout),
        dims={"nO": 2},
        attrs={},
    )


def make_sentence_flags_module(model: Model, *, dropout: float) -> TorchSentenceFlags:
    return TorchSentenceFlags(model.get_dim("nI"), model.get_dim("nO"), dropout)


def sentence_flags_forward(model: Model, docs: List[Doc], is_train: bool):
    ops = model.ops
    tokvecs, bp_tokvecs = encode(model, docs, is_train)
    segments = doc_segments(docs)
    if not is_train and segments:
        logits = ops.alloc3f(len(segments), model.get_dim("nO"), 2)
        for index in segment_groups(segments):
            X = pad_some(ops, tokvecs, segments, index, model.get_dim("nI"))
            lengths = numpy.asarray([segments[k][2] - segments[k][1] for k in index], dtype="int64")
            logits[ops.asarray(index)] = model.get_ref("torch").predict((X, ops.asarray(lengths)))
        return (segments, logits), lambda d: []
    X, bp_pad = pad_segments(ops, tokvecs, segments, model.get_dim("nI"))
    if not segments:
        logits = ops.alloc3f(0, model.get_dim("nO"), 2)
        return (segments, logits), lambda d: bp_tokvecs(bp_pad(ops.alloc3f(*X.shape)))
    lengths = numpy.asarray([end - start for _, start, end in segments], dtype="int64")
    logits, bp_logits = model.get_ref("torch")((X, ops.asarray(lengths)), is_train)

    def backprop(d_logits):
        return bp_tokvecs(bp_pad(bp_logits(d_logits)))

    return (segments, logits), backprop
