"""A thinc model around a torch head whose input width is known only once the encoder is.

The torch module is built in ``init`` from the ``nI`` dim (inferred from the encoder's output,
or set from the component's ``cfg`` when a pipeline is loaded from disk), then wrapped with
thinc's ``PyTorchWrapper_v2`` and kept under the ref ``"torch"``.
"""
from typing import Callable, Optional

from spacy.tokens import Doc
from thinc.api import ArgsKwargs, Model, PyTorchWrapper_v2, torch2xp, xp2torch
from torch import nn


def convert_float_and_int_inputs(model: Model, X, is_train: bool):
    """Inputs are (floats, *int arrays): only the floats carry a gradient."""
    floats, *ints = X
    device = model.shims[0].device
    args = (xp2torch(floats, requires_grad=is_train, device=device),) + tuple(
        xp2torch(a, device=device) for a in ints
    )

    def reverse(d_args: ArgsKwargs):
        return torch2xp(d_args.args[0])

    return ArgsKwargs(args=args, kwargs={}), reverse


def build_torch_head(
    name: str,
    tok2vec: Model,
    forward: Callable,
    make_module: Callable[[int], nn.Module],
    docs_of: Callable = lambda X: X,
    dims: Optional[dict] = None,
    attrs: Optional[dict] = None,
) -> Model:
    def init(model: Model, X=None, Y=None) -> None:
        docs = docs_of(X) if X is not None else None
        tok2vec.initialize(X=docs)
        if not model.has_dim("nI"):
            if docs:
                model.set_dim("nI", tok2vec.predict(docs[:1])[0].shape[1])
            else:
                model.set_dim("nI", tok2vec.get_dim("nO"))
        if model.has_ref("torch"):
            return
        wrapper = PyTorchWrapper_v2(
            make_module(model), convert_inputs=convert_float_and_int_inputs
        )
        model._layers.append(wrapper)
        model.set_ref("torch", wrapper)

    model = Model(
        name,
        forward,
        init=init,
        layers=[tok2vec],
        refs={"tok2vec": tok2vec},
        dims={"nI": None, **(dims or {})},
        attrs=attrs or {},
    )
    return model


def torch_module(model: Model) -> nn.Module:
    """The nn.Module inside a head built by :func:`build_torch_head`."""
    return model.get_ref("torch").shims[0]._model


def first_docs(X) -> list:
    return X[0] if isinstance(X, tuple) else X


__all__ = ["build_torch_head", "torch_module", "first_docs", "Doc"]
