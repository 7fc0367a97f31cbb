"""The input formats spacy-ddi reads, parsed without a pipeline: what extraction
(:mod:`spacy_ddi.extract`) and the import of training data (:mod:`spacy_ddi.corpus`) both build
on. Nothing here imports either of them.

- ``medline``: MEDLINE/PubMed XML;
- ``jats``: PMC JATS articles, and the text of XML inline markup and the root element of a file;
- ``bioc``: BioC XML and JSON (PubTator3's export);
- ``pubtator``: PubTator text;
- ``brat``: BRAT standoff annotations;
- ``ddi_xml``: the DDI Extraction 2013 corpus XML;
- ``annotated``: annotated documents as read from a file (``RawDocument``), and the readers
  of PubTator, BioC and reviewed extract JSONL annotations;
- ``errors``: :class:`CorpusError`, raised on a file a reader cannot read.
"""
from .errors import CorpusError

__all__ = ["CorpusError"]
