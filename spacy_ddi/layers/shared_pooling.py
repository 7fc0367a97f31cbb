"""Pool the transformer's output into token vectors once per doc, for every head.

At prediction each head's ``TransformerListener`` pools ``doc._.trf_data`` into one vector per
token on its own (spacy-transformers' ``trfs2arrays``): with two or three heads on one
transformer the same arrays are computed two or three times (5% of the pipeline's time on
the DDI test sentences). :func:`share_pooling` makes the listeners' ``trfs2arrays`` layers
keep their output on the ``TransformerData`` they read, keyed by the pooling, so the next
listener with the same pooling reuses it. Only at prediction, and only for poolings without
weights (``reduce_mean.v1`` and the like); training is unchanged. With ``reduce_mean`` on the
CPU the pooling is computed doc by doc with one gather of the aligned rows and one
``index_add_`` (:func:`mean_pool`) instead of ``trfs2arrays``' per-doc alignment, batch
concatenation and ``reduce_mean``: the same numbers to float rounding.
"""
from typing import List

import numpy
import torch
from spacy_transformers.data_classes import TransformerData
from spacy_transformers.layers.trfs2arrays import forward as trfs2arrays_forward
from thinc.api import Model

from . import forward_of, replace_forward

CACHE_ATTRIBUTE = "_spacy_ddi_pooled"


def share_pooling(model: Model) -> Model:
    """Give every ``trfs2arrays`` layer under ``model`` whose pooling has no weights the
    sharing forward; returns ``model``."""
    for node in model.walk():
        if node.name == "trfs2arrays" and forward_of(node) is trfs2arrays_forward and _weightless(node.layers[0]):
            replace_forward(node, shared_trfs2arrays_forward, expected=trfs2arrays_forward)
    return model


def _weightless(pooling: Model) -> bool:
    return all(not layer.param_names and not layer.shims for layer in pooling.walk())


def shared_trfs2arrays_forward(model: Model, trf_datas: List[TransformerData], is_train: bool):
    if is_train:
        return trfs2arrays_forward(model, trf_datas, is_train)
    key = model.layers[0].name
    cached = [getattr(data, CACHE_ATTRIBUTE, {}).get(key) for data in trf_datas]
    if any(value is None for value in cached):
        if key == "reduce_mean" and model.ops.xp is numpy:
            cached = mean_pool(trf_datas, model.ops)
        else:
            cached, _ = trfs2arrays_forward(model, trf_datas, is_train)
        for data, value in zip(trf_datas, cached):
            vars(data).setdefault(CACHE_ATTRIBUTE, {})[key] = value
    return cached, lambda d_outputs: []


def mean_pool(trf_datas: List[TransformerData], ops) -> List[numpy.ndarray]:
    """Each token's mean of its wordpieces' last hidden states (zeros for a token without
    wordpieces), per doc, as ``trfs2arrays`` with ``reduce_mean`` computes it: each row scaled
    by one over the token's wordpiece count, then summed into its token (torch's
    ``index_add_``: numpy's ``reduceat`` is ten times slower along rows). Doc by doc, so the
    arrays stay small (a whole batch at once spends its time allocating fresh memory)."""
    outputs, width = [], 0
    for data in trf_datas:
        hidden = data.model_output.get("last_hidden_state") if data.model_output is not None else None
        if hidden is None or hidden.size == 0:
            outputs.append(None)
            continue
        width = hidden.shape[-1]
        lengths = numpy.asarray(data.align.lengths, dtype="int64")
        rows = torch.from_numpy(hidden.reshape((-1, width))[numpy.asarray(data.align.dataXd, dtype="int64")])
        scales = torch.from_numpy((1.0 / numpy.maximum(lengths, 1)).astype(hidden.dtype))
        tokens = torch.from_numpy(numpy.repeat(numpy.arange(lengths.shape[0]), lengths))
        rows *= scales[tokens].unsqueeze(1)
        out = torch.zeros((lengths.shape[0], width), dtype=rows.dtype)
        outputs.append(out.index_add_(0, tokens, rows).numpy())
    return [ops.alloc2f(0, width) if out is None else out for out in outputs]
