"""Extraction at scale: read documents, run a pipeline, write one record per document.

``readers`` turn inputs into (id, text) items, ``records`` turns a processed Doc into a plain
record (the one record builder every engine uses), ``runner`` drives a pipeline over the
items with progress, resume and an errors file.
"""
