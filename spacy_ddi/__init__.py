"""spacy-ddi: drug mentions and drug-drug interactions on spaCy's Doc (the MTMG model)."""
from .extensions import Interaction, install_extensions, positive_ddis

__version__ = "0.1.0"

install_extensions()

__all__ = ["Interaction", "install_extensions", "positive_ddis", "__version__"]
