"""A thinc model around a torch head whose input width is known only once the encoder is.

The torch module is built in ``init`` from the ``nI`` dim (inferred from the encoder's output,
or set from the component's ``cfg`` when a pipeline is loaded from disk), then wrapped with
thinc's ``PyTorchWrapper_v2`` (its shim reading the optimizer's parameter averages, see
``averaging.py``) and kept under the ref ``"torch"``.
"""
from functools import partial
from typing import Callable, Optional

from thinc.api import ArgsKwargs, Model, PyTorchWrapper_v2, torch2xp, xp2torch
from torch import nn

from .averaging import read_averages


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
    make_module: Callable[[Model], nn.Module],
    docs_of: Callable = None,
    dims: Optional[dict] = None,
    attrs: Optional[dict] = None,
) -> Model:
    """A model ``tok2vec -> torch head``; ``make_module(model)`` builds the head once ``nI``
    is known. ``make_module`` and ``docs_of`` (which picks the docs out of the model's input)
    must be picklable: module-level functions or ``functools.partial`` of them."""
    return Model(
        name,
        forward,
        init=partial(_init_torch_head, make_module=make_module, docs_of=docs_of),
        layers=[tok2vec],
        refs={"tok2vec": tok2vec},
        dims={"nI": None, **(dims or {})},
        attrs=attrs or {},
    )


def _init_torch_head(model: Model, X=None, Y=None, *, make_module, docs_of) -> None:
    tok2vec = model.get_ref("tok2vec")
    docs = None if X is None else (docs_of(X) if docs_of is not None else X)
    tok2vec.initialize(X=docs)
    if not model.has_dim("nI"):
        if docs:
            model.set_dim("nI", tok2vec.predict(docs[:1])[0].shape[1])
        else:
            model.set_dim("nI", tok2vec.get_dim("nO"))
    if model.has_ref("torch"):
        return
    wrapper = PyTorchWrapper_v2(make_module(model), convert_inputs=convert_float_and_int_inputs)
    read_averages(wrapper)
    model._layers.append(wrapper)
    model.set_ref("torch", wrapper)


def torch_module(model: Model) -> nn.Module:
    """The nn.Module inside a head built by :func:`build_torch_head`."""
    return model.get_ref("torch").shims[0]._model


def torch_device(model: Model):
    """The device thinc put the head's torch module on (where its inputs must be made)."""
    return model.get_ref("torch").shims[0].device


def first_docs(X) -> list:
    return X[0] if isinstance(X, tuple) else X


def encode(model: Model, docs, is_train: bool):
    """Token vectors of ``docs`` from the head's encoder, with their backprop.

    A batch of only empty docs is not sent to the encoder at prediction time (the transformer
    listener cannot pool nothing); each gets an empty (0, nI) array.
    """
    if not is_train and all(len(doc) == 0 for doc in docs):
        empty = [model.ops.alloc2f(0, model.get_dim("nI")) for _ in docs]
        return empty, lambda d_tokvecs: []
    return model.get_ref("tok2vec")(docs, is_train)
