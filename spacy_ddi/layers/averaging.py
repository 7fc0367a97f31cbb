"""Parameter averaging for thinc's torch shims.

thinc's optimizer keeps the moving average of a torch parameter under the key
``(shim.id, name)`` (``PyTorchShim.finish_update``), while ``PyTorchShim.use_params`` looks for
string keys ``"pytorch_{shim.id}_{name}"``: with ``use_averages = true`` the averages of a torch
model (spacy-transformers' encoder and every spacy-ddi head) are kept but never used, neither in
the evaluation during training nor in the saved pipeline (thinc 8.3). The shims here read the
keys the optimizer writes.
"""
import contextlib

from spacy_transformers.layers.hf_shim import HFShim
from thinc.api import PyTorchShim, xp2torch


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


def read_averages(model) -> None:
    """Make the torch shims of ``model`` (a thinc model, its layers included) read the
    optimizer's averages; only shims of exactly PyTorchShim or HFShim are changed."""
    for node in model.walk():
        for shim in node.shims:
            if type(shim) is PyTorchShim:
                shim.__class__ = AveragingPyTorchShim
            elif type(shim) is HFShim:
                shim.__class__ = AveragingHFShim
