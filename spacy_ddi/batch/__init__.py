"""Deprecated: ``spacy_ddi.batch`` is now :mod:`spacy_ddi.extract` (and its ``fulltext`` module
is :mod:`spacy_ddi.formats.jats` and :mod:`spacy_ddi.formats.bioc`). The old names import, with a
DeprecationWarning, until spacy-ddi 1.2."""
import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    "fulltext": None,  # split: see _Fulltext below
    "parts": "spacy_ddi.extract.parts",
    "ray": "spacy_ddi.extract.ray",
    "readers": "spacy_ddi.extract.readers",
    "records": "spacy_ddi.records",
    "runner": "spacy_ddi.extract.runner",
    "tables": "spacy_ddi.extract.tables",
}

warnings.warn(
    "spacy_ddi.batch is now spacy_ddi.extract (spacy_ddi.batch.fulltext: spacy_ddi.formats.jats and "
    "spacy_ddi.formats.bioc); the old name goes in spacy-ddi 1.2",
    DeprecationWarning,
    stacklevel=2,
)


def _fulltext():
    """The old fulltext module's names, from the two modules it became."""
    import types

    from ..formats import bioc, jats

    module = types.ModuleType(__name__ + ".fulltext")
    for source in (jats, bioc):
        module.__dict__.update({k: v for k, v in vars(source).items() if not k.startswith("__")})
    return module


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``spacy_ddi.batch.X`` as the module it moved to (the same module object)."""

    def find_spec(self, name, path=None, target=None):
        prefix, _, last = name.rpartition(".")
        if prefix == __name__ and last in MOVED:
            return importlib.util.spec_from_loader(name, self)
        return None

    def __init__(self):
        self._own_specs = {}  # alias name -> the moved module's own spec, between the two calls

    def create_module(self, spec):
        last = spec.name.rpartition(".")[2]
        module = _fulltext() if MOVED[last] is None else importlib.import_module(MOVED[last])
        self._own_specs[spec.name] = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module):
        # the import system has set the alias's spec on the moved module: give it its own back
        own = self._own_specs.pop(module.__spec__.name, None)
        if own is not None:
            module.__spec__ = own


if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
    sys.meta_path.insert(0, _Alias())


def __getattr__(name):
    if name in MOVED:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(name)
