"""Run a pipeline's encoder through ONNX Runtime for prediction (the ``[onnx]`` extra).

    import spacy, spacy_ddi.onnx
    nlp = spacy.load("en_ddi_mtmg")
    spacy_ddi.onnx.use_onnx(nlp)              # the encoder now runs in ONNX Runtime
    docs = list(nlp.pipe(texts))

or ``spacy-ddi extract ... --runtime onnx`` (``onnx-int8``: int8 weights, faster, not the same
predictions). Only the transformer's forward pass at prediction
moves: the tokenizer, the alignment and every head stay as they are, and training (``nlp.update``)
still runs on PyTorch. :func:`use_onnx` exports the pipeline's own encoder weights to an ONNX
file (a few seconds; into a temporary folder unless ``path`` is given) and opens an ONNX Runtime
session on it, so the file always matches the weights that were loaded. ``use_torch`` goes back.

In full precision the token vectors agree with PyTorch's to about 1e-5 (entities identical and
interaction scores within 1e-3 on the DDI 2013 test sentences, benchmarks/speed/onnx.json).
"""
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Optional, Union

import numpy
import torch

from .encoders import _groupable
from .layers.encoder_runtime import ONNX_ATTR, drop_stale_session, onnx_runtime_of  # noqa: F401

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def require_onnx():
    try:
        import onnx  # noqa: F401  (torch's exporter writes through it)
        import onnxruntime
    except ImportError as error:
        raise ImportError(
            f"The ONNX runtime needs the packages onnxruntime and onnx ({error.name} is not installed): "
            "pip install 'spacy-ddi[onnx]'"
        ) from error
    return onnxruntime


def encoder_shim(nlp):
    """The PyTorch shim that holds the pipeline's Hugging Face encoder."""
    if "transformer" not in nlp.pipe_names:
        raise ValueError(f"the pipeline has no 'transformer' component (it has {', '.join(nlp.pipe_names)})")
    encoder = nlp.get_pipe("transformer").model.layers[0]
    if not encoder.shims or not hasattr(encoder.shims[0], "_hfmodel"):
        raise ValueError("the pipeline's transformer is not a spacy-transformers Hugging Face encoder")
    return encoder.shims[0]


class _Outputs(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state


def export_encoder(nlp, path: Union[str, Path], *, opset: int = 17) -> Path:
    """Write the pipeline's encoder (its current weights) to ``path`` as an ONNX model with
    dynamic batch and sequence axes. Returns ``path``."""
    require_onnx()
    shim = encoder_shim(nlp)
    model = shim._model
    was_training = model.training
    model.eval()
    example = torch.ones((2, 8), dtype=torch.long)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    axes = {name: {0: "batch", 1: "wordpieces"} for name in (*INPUTS, "last_hidden_state")}
    import warnings

    import inspect

    # the TorchScript exporter: torch 2.5+ defaults to the dynamo one (which needs onnxscript)
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the tracer's notes on constants and the legacy exporter
            torch.onnx.export(
                _Outputs(model), (example, example, torch.zeros_like(example)), str(path),
                input_names=list(INPUTS), output_names=["last_hidden_state"],
                dynamic_axes=axes, opset_version=opset, **legacy,
            )
    finally:
        model.train(was_training)
    return path


class OnnxEncoder:
    """An ONNX Runtime session on an exported encoder; called with a spacy-transformers
    ``WordpieceBatch``, it returns the outputs the PyTorch encoder would
    (``{"last_hidden_state": tensor}``)."""

    def __init__(self, path: Union[str, Path], threads: int = 0):
        ort = require_onnx()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        self.path = Path(path)
        self.threads = options.intra_op_num_threads
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, wordpieces) -> dict:
        ids = numpy.ascontiguousarray(wordpieces.input_ids, dtype="int64")
        mask = numpy.ascontiguousarray(wordpieces.attention_mask, dtype="int64")
        types = wordpieces.token_type_ids
        types = numpy.zeros_like(ids) if types is None else numpy.ascontiguousarray(types, dtype="int64")
        (hidden,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        return {"last_hidden_state": torch.from_numpy(hidden)}


def quantize_encoder(source: Union[str, Path], target: Union[str, Path], exclude_attention: bool = False) -> Path:
    """ONNX Runtime's dynamic int8 quantization of an exported encoder: int8 weights for every
    MatMul (``exclude_attention``: the feed-forward blocks only), activations quantized per
    batch at run time. Returns ``target``."""
    require_onnx()
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    exclude = []
    if exclude_attention:
        graph = onnx.load(str(source)).graph
        exclude = [n.name for n in graph.node if n.op_type == "MatMul" and "/attention/" in n.name]
    import logging

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs advice on pre-processing to the root logger
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, nodes_to_exclude=exclude)
    finally:
        root.setLevel(level)
    return Path(target)


QUANTIZE = (None, "int8")


def use_onnx(nlp, path: Optional[Union[str, Path]] = None, *, threads: int = 0, quantize: Optional[str] = None) -> OnnxEncoder:
    """Run the pipeline's encoder through ONNX Runtime at prediction from now on.

    path: an ONNX file written by :func:`export_encoder` (or :func:`quantize_encoder`) from
    these same weights; None (the default) exports them now into a temporary folder.
    threads: ONNX Runtime's intra-op threads; 0 (the default) takes torch's thread count, as
    the PyTorch encoder would use. quantize: with no ``path``, "int8" quantizes the exported
    encoder (:func:`quantize_encoder`; 2.5x the speed of PyTorch here, dev DDI F1 0.001 lower
    and not the same predictions: benchmarks/speed/onnx.json); None keeps full precision.
    """
    if quantize not in QUANTIZE:
        raise ValueError(f"quantize is None or 'int8', not {quantize!r}")
    transformer = nlp.get_pipe("transformer").model if "transformer" in nlp.pipe_names else None
    if transformer is not None and not _groupable(transformer):
        raise ValueError(
            "the pipeline's encoder pads on the left or returns attention maps or hidden states: "
            "ONNX Runtime runs only encoders whose outputs are per-token vectors, padded on the right"
        )
    folder = None
    if path is None:
        folder = tempfile.mkdtemp(prefix="spacy-ddi-onnx-")
        path = export_encoder(nlp, os.path.join(folder, "encoder.onnx"))
        if quantize == "int8":
            path = quantize_encoder(path, os.path.join(folder, "encoder-int8.onnx"))
    elif quantize is not None:
        raise ValueError("quantize applies to an encoder use_onnx exports itself; give path or quantize, not both")
    elif not Path(path).is_file():
        raise FileNotFoundError(f"{path} is not an ONNX file (write one with spacy_ddi.onnx.export_encoder)")
    encoder = OnnxEncoder(path, threads=threads)
    if folder is not None:  # the exported files go when the session does
        weakref.finalize(encoder, shutil.rmtree, folder, True)
    setattr(encoder_shim(nlp), ONNX_ATTR, encoder)
    return encoder


def use_torch(nlp) -> None:
    """Undo :func:`use_onnx`: the encoder runs on PyTorch again."""
    shim = encoder_shim(nlp)
    if hasattr(shim, ONNX_ATTR):
        delattr(shim, ONNX_ATTR)
