"""How the pipeline cuts text at run time: the tokenizer (``spacy-ddi.DrugTokenizer.v1``, which
keeps drug names whole) and the ``ddi_sentences`` sentence splitter (which does not cut drug
lists). Training data is cut by the same two (:mod:`spacy_ddi.corpus`)."""
from .sentences import ddi_sentences
from .tokenizer import create_drug_tokenizer

__all__ = ["ddi_sentences", "create_drug_tokenizer"]
