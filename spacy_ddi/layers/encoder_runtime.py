"""Where an encoder's prediction-time runtime is attached (spacy_ddi.onnx.use_onnx).

The encoder's forward pass (spacy_ddi.encoders) reads it here and spacy_ddi.onnx writes it, so
the encoders need not import spacy_ddi.onnx, which imports them (no import cycle).
"""
from typing import Optional

ONNX_ATTR = "spacy_ddi_onnx"  # the attribute of the encoder's PyTorch shim that holds the session


def onnx_runtime_of(encoder_model) -> Optional[object]:
    """The ONNX session attached to a transformer's inner encoder model, if any."""
    shims = getattr(encoder_model, "shims", None)
    return getattr(shims[0], ONNX_ATTR, None) if shims else None


def drop_stale_session(encoder_model) -> None:
    """Detach the ONNX session of an encoder whose weights are about to change (a training
    step): it holds the weights of its export, and would go on predicting with them."""
    shims = getattr(encoder_model, "shims", None)
    if shims and hasattr(shims[0], ONNX_ATTR):
        delattr(shims[0], ONNX_ATTR)
        import warnings

        warnings.warn(
            "The encoder is being trained: its ONNX Runtime session (spacy_ddi.onnx.use_onnx) held the "
            "weights of its export and is dropped; prediction runs on PyTorch until use_onnx is called again",
            stacklevel=3,
        )
