"""Extraction at scale: read documents, run a pipeline, write one record per document.

``readers`` turn inputs into (id, text) items (the formats themselves are parsed by
:mod:`spacy_ddi.formats`: MEDLINE, PMC JATS, BioC, PubTator), ``records`` turns a processed Doc
into a plain record (the one record builder every engine uses), ``runner`` drives a pipeline
over the items with progress, resume and an errors file (its ``pipe_documents``, a batch
through ``nlp.pipe`` with a document-by-document fallback, serves the Ray engine too),
``tables`` writes rows as CSV, Parquet or JSONL (``write_rows``, the one table writer, also
behind ``spacy-ddi aggregate``), ``parts`` the part files of a folder, ``ray`` the Ray Data
engine. Before 1.1 this package was ``spacy_ddi.batch``; that name still imports, with a
deprecation warning, until 1.2.
"""
