"""spacy-ddi: drug mentions and drug-drug interactions on spaCy's Doc (the MTMG model)."""
from .extensions import Interaction, install_extensions, positive_ddis
from .visualize import render, serve

__version__ = "0.1.0"

install_extensions()

__all__ = ["Interaction", "install_extensions", "positive_ddis", "render", "serve", "__version__"]
