"""Parameter averaging for thinc's torch shims.

thinc's optimizer keeps the moving average of a torch parameter under the key
``(shim.id, name)`` (``PyTorchShim.finish_update``), while ``PyTorchShim.use_params`` looks for
string keys ``"pytorch_{shim.id}_{name}"``: with ``use_averages = true`` the averages of a torch
model (spacy-transformers' encoder and every spacy-ddi head) are kept but never used, neither in
the evaluation during training nor in the saved pipeline (thinc 8.3). The shims here read the
keys the optimizer writes.

:func:`read_averages` gives a built shim the reading class (``shim.__class__``: the shims are
built inside thinc's ``PyTorchWrapper_v2`` and spacy-transformers' ``TransformerModel``,
which take no shim class). :func:`check_shim_averaging` checks, once per process, everything
that swap relies on: the shim classes, where the optimizer keeps a torch parameter's average,
that a shim's class can be swapped, and that ``Model.use_params`` reaches the shims' own
``use_params``; on other versions of thinc or spacy-transformers it raises
``ThincInternalsChanged`` naming them.
"""
import contextlib
import functools

import numpy
import torch
from spacy_transformers.data_classes import HFObjects
from spacy_transformers.layers.hf_shim import HFShim
from thinc.api import Adam, Model, PyTorchShim, xp2torch

from . import internals_changed


class AveragesReadingShim:
    """Mixin for a thinc torch shim: ``use_params`` swaps in the parameters found under the
    optimizer's ``(self.id, name)`` keys for the duration of the block, in place (the module
    and its buffers stay as they are; a parameter without an average, such as a frozen one,
    keeps its weights)."""

    @contextlib.contextmanager
    def use_params(self, params):
        swapped = []
        try:
            for name, param in self._model.named_parameters():
                value = params.get((self.id, name))
                if value is not None:
                    swapped.append((param, param.data))
                    param.data = xp2torch(value, device=param.device).to(param.dtype).reshape(param.shape)
            yield
        finally:
            for param, data in reversed(swapped):
                param.data = data


class AveragingPyTorchShim(AveragesReadingShim, PyTorchShim):
    pass


class AveragingHFShim(AveragesReadingShim, HFShim):
    pass


@functools.lru_cache(maxsize=None)
def check_shim_averaging() -> None:
    """Raise ``ThincInternalsChanged`` unless what :func:`read_averages` relies on holds:
    ``spacy_transformers.layers.hf_shim.HFShim`` is a ``thinc.api.PyTorchShim`` that keeps
    its ``finish_update``; ``PyTorchShim.finish_update`` hands a torch parameter to the
    optimizer under the key ``(shim.id, name)`` (``name`` from ``shim._model``'s
    ``named_parameters()``), where thinc's optimizer keeps its average; a PyTorchShim's and an
    HFShim's class can be set to the reading classes; ``Model.use_params`` enters its shims'
    ``use_params``. Checked on throwaway shims (no random numbers drawn), once per process."""
    problems = []
    if not (isinstance(HFShim, type) and issubclass(HFShim, PyTorchShim)):
        problems.append("spacy_transformers.layers.hf_shim.HFShim is not a thinc PyTorchShim")
    elif HFShim.finish_update is not PyTorchShim.finish_update:
        problems.append("HFShim has its own finish_update (the optimizer's keys may differ)")
    if problems:
        raise internals_changed("the averaging of torch shims' parameters", problems)
    module = torch.nn.Module()
    module.weight = torch.nn.Parameter(torch.zeros(2))
    shim = PyTorchShim(module, device=torch.device("cpu"))
    if getattr(shim, "_model", None) is not module:
        problems.append("PyTorchShim does not keep its torch module in _model")
    module.weight.grad = torch.ones(2)
    optimizer = Adam(0.001, use_averages=True)
    shim.finish_update(optimizer)
    if set(optimizer.averages or {}) != {(shim.id, "weight")}:
        problems.append(
            f"the optimizer keeps a torch parameter's average under {sorted(optimizer.averages or {})}, "
            f"not (shim.id, name) = {(shim.id, 'weight')}"
        )
    hf_shim = HFShim(HFObjects(None, None, None, {}, {}), grad_scaler_config={})
    for probe, reading in ((shim, AveragingPyTorchShim), (hf_shim, AveragingHFShim)):
        try:
            probe.__class__ = reading
        except TypeError as error:
            problems.append(f"a {type(probe).__name__}'s class cannot be set to {reading.__name__} ({error})")
    if not problems:
        model = Model("spacy_ddi_averaging_probe", lambda model, X, is_train: (X, None), shims=[shim])
        with model.use_params({(shim.id, "weight"): numpy.full((2,), 7.0, dtype="float32")}):
            swapped = bool((module.weight == 7.0).all())
        if not swapped or bool((module.weight == 7.0).any()):
            problems.append("Model.use_params does not enter its shims' use_params")
    if problems:
        raise internals_changed("the averaging of torch shims' parameters", problems)


def read_averages(model) -> None:
    """Make the torch shims of ``model`` (a thinc model, its layers included) read the
    optimizer's averages; only shims of exactly PyTorchShim or HFShim are changed."""
    check_shim_averaging()
    for node in model.walk():
        for shim in node.shims:
            if type(shim) is PyTorchShim:
                shim.__class__ = AveragingPyTorchShim
            elif type(shim) is HFShim:
                shim.__class__ = AveragingHFShim
