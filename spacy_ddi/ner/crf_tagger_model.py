"""Thinc model of drug_ner: encoder -> sentence segments -> torch emissions (S, T, n_tags)."""
from functools import partial
from typing import List, Optional

import numpy

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model

from ..layers.segments import doc_segments, pad_segments, pad_some, segment_groups
from ..layers.torch_head import build_torch_head, encode
from ..linking.lexicon import doc_lexicon_tags, lexicon_names
from .pytorch_crf_tagger import TorchCRFTagger

# the lexicon's names as a frozenset, per names list (attrs hold the list, which serialises)
_NAME_SETS = {}


@registry.architectures("spacy-ddi.CRFTagger.v1")
def build_crf_tagger(
    tok2vec: Model[List[Doc], List],
    hidden_width: int = 256,
    dropout: float = 0.1,
    max_length: Optional[int] = None,
    lexicon_width: int = 0,
    nO: Optional[int] = None,
) -> Model:
    """BIO emission scores for a linear-chain CRF over each sentence.

    tok2vec: the shared encoder (a transformer listener). hidden_width: width of the
    projection layer. max_length: ignored (sentences are never cut); accepted so pipelines
    saved with it load. lexicon_width: when > 0, each token's BIO tag of the longest drug
    name of the offline vocabulary it is part of (spacy_ddi.linking.lexicon) enters the
    projection as a learned embedding of this width; the names are read from the vocabulary
    package at the first forward pass and saved with the model.
    nO: number of BIO tags, set by the component from its labels.
    Output: (segments, emissions (S, T, nO)).
    """
    return build_torch_head(
        "crf_tagger",
        tok2vec,
        crf_tagger_forward,
        partial(make_crf_module, hidden_width=hidden_width, dropout=dropout, lexicon_width=lexicon_width),
        dims={"nO": nO},
        attrs={"lexicon_width": lexicon_width, "lexicon": None},
    )


def make_crf_module(model: Model, *, hidden_width: int, dropout: float, lexicon_width: int = 0) -> TorchCRFTagger:
    return TorchCRFTagger(model.get_dim("nI"), hidden_width, model.get_dim("nO"), dropout, lexicon_width=lexicon_width)


def _lexicon_arrays(model: Model, docs: List[Doc]) -> Optional[List[numpy.ndarray]]:
    """Each doc's lexicon tags, or None when the model has no lexicon feature."""
    if not model.attrs.get("lexicon_width"):
        return None
    names = model.attrs.get("lexicon")
    if names is None:
        # the first forward pass of a new model (a saved one has its names in its attrs)
        from ..linking.vocabulary import DrugVocabulary

        names = model.attrs["lexicon"] = lexicon_names(DrugVocabulary.from_package().variants)
    key = id(names)
    if key not in _NAME_SETS or _NAME_SETS[key][0] is not names:
        if len(_NAME_SETS) >= 4:  # a few pipelines at a time; reloads do not pile up
            _NAME_SETS.clear()
        _NAME_SETS[key] = (names, frozenset(names))
    return doc_lexicon_tags(docs, _NAME_SETS[key][1])


def _pad_tags(ops, tags: List[numpy.ndarray], segments, index) -> numpy.ndarray:
    chosen = [segments[k] for k in index]
    out = numpy.zeros((len(chosen), max((end - start for _, start, end in chosen), default=0)), dtype="int64")
    for s, (i, start, end) in enumerate(chosen):
        out[s, : end - start] = tags[i][start:end]
    return ops.asarray(out)


def crf_tagger_forward(model: Model, docs: List[Doc], is_train: bool):
    """Training: (segments, emissions (S, T, nO)). Prediction: (segments, groups), a list of
    (segment indices, emissions of those segments padded to the longest of them)."""
    tokvecs, bp_tokvecs = encode(model, docs, is_train)
    segments = doc_segments(docs)
    tags = _lexicon_arrays(model, docs)

    def inputs(X, index):
        return (X,) if tags is None else (X, _pad_tags(model.ops, tags, segments, index))

    if not is_train:
        groups = []
        for index in segment_groups(segments) if segments else []:
            X = pad_some(model.ops, tokvecs, segments, index, model.get_dim("nI"))
            groups.append((index, model.get_ref("torch").predict(inputs(X, index))))
        return (segments, groups), lambda d: []
    X, bp_pad = pad_segments(model.ops, tokvecs, segments, model.get_dim("nI"))
    if segments:
        emissions, bp_emissions = model.get_ref("torch")(inputs(X, range(len(segments))), is_train)
    else:
        emissions = model.ops.alloc3f(0, 0, model.get_dim("nO"))
        bp_emissions = lambda d: model.ops.alloc3f(*X.shape)

    def backprop(d_emissions):
        return bp_tokvecs(bp_pad(bp_emissions(d_emissions)))

    return (segments, emissions), backprop
