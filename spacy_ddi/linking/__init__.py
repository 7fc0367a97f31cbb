"""drug_linker: drug mentions linked to DrugBank ids through an offline vocabulary."""
from .linker_component import DrugLinker
from .vocabulary import Drug, DrugVocabulary, Link, VocabularyError

__all__ = ["Drug", "DrugLinker", "DrugVocabulary", "Link", "VocabularyError"]
