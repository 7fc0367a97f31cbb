"""Which spacy-ddi version saved a component, and which saved pipelines this version loads."""
from spacy import util

# The spacy-ddi version that saved a component, stored in its cfg.
VERSION_KEY = "spacy_ddi_version"


def spacy_ddi_version() -> str:
    """The installed spacy-ddi version (read late: this module may load mid-``__init__``)."""
    from . import __version__

    return __version__


# Minor versions whose saved pipelines an installed minor version also loads, because the saved
# components did not change: 1.0 added only prediction settings with defaults (calibration);
# 1.1 moved modules, not what a component saves.
LOADS_ALSO = {"1.1": ("1.0", "0.2"), "1.0": ("0.2",)}


def check_saved_version(name: str, cfg: dict) -> None:
    """Raise a clear error when ``cfg`` was saved by an incompatible spacy-ddi version.

    A pipeline loads with the spacy-ddi minor version that saved it (0.1.x with 0.1.y), and
    with the later versions that declare it compatible (``LOADS_ALSO``: 1.0 loads 0.2).
    Components saved before the stamp existed (no version in their cfg) load as they are.
    """
    saved = cfg.get(VERSION_KEY)
    installed = spacy_ddi_version()
    if saved is None or util.get_minor_version(saved) == util.get_minor_version(installed):
        return
    if util.get_minor_version(saved) in LOADS_ALSO.get(util.get_minor_version(installed), ()):
        return
    wanted = util.get_minor_version_range(saved)
    raise ValueError(
        f"[{name}] This pipeline was saved by spacy-ddi {saved}, but spacy-ddi {installed} "
        f"is installed, and a pipeline loads only with the spacy-ddi minor version that saved "
        f"it. Install a matching version (pip install 'spacy-ddi{wanted}') or retrain the "
        f"pipeline with spacy-ddi {installed}."
    )
