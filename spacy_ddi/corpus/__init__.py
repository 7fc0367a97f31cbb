from .convert import (
    GOLD_OFFSETS_KEY,
    SOURCES,
    SplitReport,
    convert_corpus,
    doc_source,
    sentence_to_doc,
    split_train_dev,
)
from ..formats.ddi_xml import parse_document, read_split
from ..formats.errors import CorpusError
from ..text.tokenizer import create_drug_tokenizer

__all__ = [
    "GOLD_OFFSETS_KEY",
    "SOURCES",
    "doc_source",
    "SplitReport",
    "convert_corpus",
    "sentence_to_doc",
    "split_train_dev",
    "CorpusError",
    "parse_document",
    "read_split",
    "create_drug_tokenizer",
]
