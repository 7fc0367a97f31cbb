"""spacy-ddi's thinc layers, and the checked access to the one thinc internal they rely on.

A few layers built by spacy-transformers get a faster forward pass at prediction time (the
encoder, ``encoders.length_bucketed_forward``; the listeners' pooling,
``shared_pooling.shared_trfs2arrays_forward``). thinc's public ``Model.replace_callbacks``
sets a model's forward, but thinc has no public way to read it, and the replacement must
only happen on a layer that still runs spacy-transformers' own forward (which the new
forward reimplements or falls back to). :func:`forward_of` reads it from ``Model._func``,
after :func:`check_model_forward` has checked, once per process, that thinc still keeps
the forward there and that ``replace_callbacks`` sets what ``__call__``, ``predict`` and
``begin_update`` run; on any other thinc it raises :class:`ThincInternalsChanged`, naming
the installed versions, rather than letting a pipeline predict differently.
"""
import functools
from importlib import metadata
from typing import Callable, List

from thinc.api import Model

PACKAGES = ("thinc", "spacy-transformers")


class ThincInternalsChanged(RuntimeError):
    """An internal of thinc or spacy-transformers that spacy-ddi relies on has changed."""


def installed_versions() -> str:
    """``"thinc 8.3.14, spacy-transformers 1.4.0"``: the versions an internals error names."""
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:  # pragma: no cover
            versions.append(f"{package} (not installed)")
    return ", ".join(versions)


def internals_changed(what: str, problems: List[str]) -> ThincInternalsChanged:
    return ThincInternalsChanged(
        f"spacy-ddi relies on {what}, which the installed {installed_versions()} no longer "
        f"provide{'s' if len(problems) == 1 else ''} as expected: " + "; ".join(problems)
        + ". Install the versions in spacy-ddi's requirements, or update spacy-ddi."
    )


@functools.lru_cache(maxsize=None)
def check_model_forward() -> None:
    """Raise :class:`ThincInternalsChanged` unless thinc's ``Model`` keeps its forward
    function in the slot ``_func`` and ``Model.replace_callbacks`` (keeping the given init)
    sets the forward that ``__call__``, ``predict`` and ``begin_update`` call. Checked on a
    throwaway model, once per process."""
    problems = []
    if "_func" not in getattr(Model, "__slots__", ()):
        problems.append("thinc.Model has no '_func' slot")
    if not callable(getattr(Model, "replace_callbacks", None)):
        problems.append("thinc.Model has no replace_callbacks method")
    if not problems:
        calls = []

        def original(model, X, is_train):
            calls.append(("original", is_train))
            return X, lambda dY: dY

        def replacement(model, X, is_train):
            calls.append(("replacement", is_train))
            return X, lambda dY: dY

        def init(model, X=None, Y=None):
            return model

        probe = Model("spacy_ddi_forward_probe", original, init=init)
        if getattr(probe, "_func", None) is not original:
            problems.append("Model._func is not the forward given to Model()")
        probe.replace_callbacks(replacement, init=init)
        if getattr(probe, "_func", None) is not replacement or probe.init is not init:
            problems.append("Model.replace_callbacks(forward, init=...) does not set Model._func and init")
        probe(0, is_train=False)
        probe.predict(0)
        probe.begin_update(0)
        if calls != [("replacement", False), ("replacement", False), ("replacement", True)]:
            problems.append(
                f"Model.__call__, predict and begin_update do not all run the replaced forward "
                f"(they ran {calls})"
            )
    if problems:
        raise internals_changed("thinc.Model's forward slot (_func)", problems)


def forward_of(model: Model) -> Callable:
    """The forward function ``model`` runs (thinc keeps it in ``Model._func``)."""
    check_model_forward()
    return model._func


def replace_forward(model: Model, forward: Callable, *, expected: Callable) -> None:
    """Make ``model`` run ``forward`` (its init unchanged), through thinc's public
    ``Model.replace_callbacks``; ``model`` must run ``expected`` now (the forward that
    ``forward`` reimplements or falls back to), else :class:`ThincInternalsChanged`."""
    current = forward_of(model)
    if current is not expected:
        raise internals_changed(
            f"the {model.name!r} layer running {expected.__module__}.{expected.__qualname__}",
            [f"it runs {getattr(current, '__module__', '?')}.{getattr(current, '__qualname__', current)}"],
        )
    model.replace_callbacks(forward, init=model.init)
