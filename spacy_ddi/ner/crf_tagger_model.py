"""Thinc model of drug_ner: encoder -> sentence segments -> torch emissions (S, T, n_tags)."""
from functools import partial
from typing import List, Optional

from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model

from ..layers.segments import doc_segments, pad_segments, pad_some, segment_groups
from ..layers.torch_head import build_torch_head, encode
from .pytorch_crf_tagger import TorchCRFTagger


@registry.architectures("spacy-ddi.CRFTagger.v1")
def build_crf_tagger(
    tok2vec: Model[List[Doc], List],
    hidden_width: int = 256,
    dropout: float = 0.1,
    max_length: Optional[int] = None,
    nO: Optional[int] = None,
) -> Model:
    """BIO emission scores for a linear-chain CRF over each sentence.

    tok2vec: the shared encoder (a transformer listener). hidden_width: width of the
    projection layer. max_length: ignored (sentences are never cut); accepted so pipelines
    saved with it load.
    nO: number of BIO tags, set by the component from its labels.
    Output: (segments, emissions (S, T, nO)).
    """

    return build_torch_head(
        "crf_tagger",
        tok2vec,
        crf_tagger_forward,
        partial(make_crf_module, hidden_width=hidden_width, dropout=dropout),
        dims={"nO": nO},
        attrs={},
    )


def make_crf_module(model: Model, *, hidden_width: int, dropout: float) -> TorchCRFTagger:
    return TorchCRFTagger(model.get_dim("nI"), hidden_width, model.get_dim("nO"), dropout)


def crf_tagger_forward(model: Model, docs: List[Doc], is_train: bool):
    """Training: (segments, emissions (S, T, nO)). Prediction: (segments, groups), a list of
    (segment indices, emissions of those segments padded to the longest of them)."""
    tokvecs, bp_tokvecs = encode(model, docs, is_train)
    segments = doc_segments(docs)
    if not is_train:
        groups = []
        for index in segment_groups(segments) if segments else []:
            X = pad_some(model.ops, tokvecs, segments, index, model.get_dim("nI"))
            groups.append((index, model.get_ref("torch").predict((X,))))
        return (segments, groups), lambda d: []
    X, bp_pad = pad_segments(model.ops, tokvecs, segments, model.get_dim("nI"))
    if segments:
        emissions, bp_emissions = model.get_ref("torch")((X,), is_train)
    else:
        emissions = model.ops.alloc3f(0, 0, model.get_dim("nO"))
        bp_emissions = lambda d: model.ops.alloc3f(*X.shape)

    def backprop(d_emissions):
        return bp_tokvecs(bp_pad(bp_emissions(d_emissions)))

    return (segments, emissions), backprop
