"""Pool the transformer's output into token vectors once per doc, for every head.

At prediction each head's ``TransformerListener`` pools ``doc._.trf_data`` into one vector per
token on its own (spacy-transformers' ``trfs2arrays``): with two or three heads on one
transformer the same arrays are computed two or three times (5% of the pipeline's time on
the DDI test sentences). :func:`share_pooling` makes the listeners' ``trfs2arrays`` layers
keep their output on the ``TransformerData`` they read, keyed by the pooling, so the next
listener with the same pooling reuses it. Only at prediction, and only for poolings without
weights (``reduce_mean.v1`` and the like); training is unchanged.
"""
from typing import List

from spacy_transformers.data_classes import TransformerData
from spacy_transformers.layers.trfs2arrays import forward as trfs2arrays_forward
from thinc.api import Model

CACHE_ATTRIBUTE = "_spacy_ddi_pooled"


def share_pooling(model: Model) -> Model:
    """Give every ``trfs2arrays`` layer under ``model`` whose pooling has no weights the
    sharing forward; returns ``model``."""
    for node in model.walk():
        if node.name == "trfs2arrays" and node._func is trfs2arrays_forward and _weightless(node.layers[0]):
            node._func = shared_trfs2arrays_forward
    return model


def _weightless(pooling: Model) -> bool:
    return all(not layer.param_names and not layer.shims for layer in pooling.walk())


def shared_trfs2arrays_forward(model: Model, trf_datas: List[TransformerData], is_train: bool):
    if is_train:
        return trfs2arrays_forward(model, trf_datas, is_train)
    key = model.layers[0].name
    cached = [getattr(data, CACHE_ATTRIBUTE, {}).get(key) for data in trf_datas]
    if any(value is None for value in cached):
        cached, _ = trfs2arrays_forward(model, trf_datas, is_train)
        for data, value in zip(trf_datas, cached):
            vars(data).setdefault(CACHE_ATTRIBUTE, {})[key] = value
    return cached, lambda d_outputs: []
