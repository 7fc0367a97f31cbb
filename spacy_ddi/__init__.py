"""spacy-ddi: drug mentions and drug-drug interactions on spaCy's Doc (the MTMG model)."""
from .extensions import (
    Interaction, InteractionRecord, from_docs, install_extensions, positive_ddis, records_of, span_as_doc,
)
from .visualize import render, serve

__version__ = "1.1.0"

install_extensions()

__all__ = [
    "Interaction", "InteractionRecord", "from_docs", "install_extensions", "positive_ddis",
    "records_of", "render", "serve", "span_as_doc", "__version__",
]
