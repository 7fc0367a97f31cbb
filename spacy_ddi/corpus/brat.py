"""BRAT standoff (``.txt`` + ``.ann`` pairs) written from converted sentences (reading BRAT:
:mod:`spacy_ddi.formats.brat`).

 :func:`write_brat` puts the sentence Docs of one document back together (joined by single
spaces, as document mode joins them) with their mentions and positive interactions, so a
converted corpus can be opened in BRAT or round-tripped through ``spacy-ddi convert``.
"""
import os
import re
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

from spacy.tokens import Doc

from ..extensions import ENTITY_LABELS, POSITIVE_LABELS, install_extensions, records_of
from ..formats.brat import brat_files, read_brat, read_brat_document  # noqa: F401 (read here before)
from ..formats.errors import CorpusError
from .annotated import _gold_char_span

ANNOTATION_CONF = "\n".join(
    ["[entities]", *ENTITY_LABELS, "", "[relations]"]
    + [f"{label}\tArg1:<ENTITY>, Arg2:<ENTITY>" for label in POSITIVE_LABELS]
    + ["", "[events]", "", "[attributes]", ""]
)


def brat_text_and_annotation(docs: Sequence[Doc]) -> (str, str):
    """The text (sentences joined by single spaces) and the ``.ann`` lines of one document's
    sentence Docs: a ``T`` line per mention (at its annotated offsets), an ``R`` line per
    positive interaction."""
    install_extensions()
    lines, offset, n_entities, n_relations = [], 0, 0, 0
    for doc in docs:
        ids = {}
        for ent in doc.ents:
            n_entities += 1
            start, end = _gold_char_span(doc, ent)
            ids[(ent.start, ent.end)] = f"T{n_entities}"
            mention = " ".join(doc.text[start:end].split())  # one line, as BRAT writes it
            lines.append(f"T{n_entities}\t{ent.label_} {offset + start} {offset + end}\t{mention}")
        for record in records_of(doc):
            if not record.is_positive:
                continue
            n_relations += 1
            first = ids[(record.subject_start, record.subject_end)]
            second = ids[(record.object_start, record.object_end)]
            lines.append(f"R{n_relations}\t{record.label} Arg1:{first} Arg2:{second}")
        offset += len(doc.text) + 1
    text = " ".join(doc.text for doc in docs)
    return text, "".join(line + "\n" for line in lines)


def write_atomic(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` through a temporary file beside it, flushed to disk before
    it replaces ``path`` (no half-written file, even after a crash); the temporary file is
    removed on any failure."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with temporary.open("w", encoding="utf8", newline="") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def brat_name(doc_id: str) -> str:
    """The file name (without suffix) of a document id: characters other than letters, digits,
    ``.``, ``-`` and ``_`` become ``_``, leading dots are dropped."""
    return re.sub(r"[^\w.\-]", "_", doc_id).lstrip(".") or "document"


def write_brat(
    docs: Sequence[Doc], folder: Union[str, Path], doc_id: str, written: Optional[Dict[str, str]] = None
) -> Path:
    """Write one document's sentence Docs as ``folder/doc_id.txt`` and ``folder/doc_id.ann``
    (the name as :func:`brat_name` makes it); return the ``.ann`` path. Two different ids that
    make the same name (``sub/doc1`` and ``sub_doc1``) raise :class:`CorpusError` naming both
    rather than one replacing the other: ``written`` (file name -> document id, one dict per
    run, as ``spacy-ddi convert --to brat`` keeps it) holds the names written so far; without
    it, only this call's document is written and nothing is checked."""
    name = brat_name(doc_id)
    earlier = doc_id if written is None else written.setdefault(name, doc_id)
    if earlier != doc_id:
        raise CorpusError(
            f"documents {earlier!r} and {doc_id!r} would both be written as {Path(folder) / name}.ann "
            "(characters other than letters, digits, '.', '-' and '_' become '_'); rename one of them"
        )
    ann = Path(folder) / f"{name}.ann"
    ann.parent.mkdir(parents=True, exist_ok=True)
    text, annotation = brat_text_and_annotation(docs)
    write_atomic(ann.with_suffix(".txt"), text)
    write_atomic(ann, annotation)
    return ann
